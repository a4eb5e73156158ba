//! Who launches from where: launch sites, owners (Space-Track's country
//! codes) and launch vehicles (their rocket bodies are named after them
//! and belong to their owner). The payload families are in
//! [`super::families`].

/// A launch site as satcat's `SITE` and the launch_site class name it.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub code: &'static str,
    pub name: &'static str,
    /// The owner of the vehicles launched from it.
    pub country: &'static str,
    /// Latitude (degrees): the lowest inclination reached directly.
    pub lat: f64,
    /// Whether polar and Sun-synchronous orbits are launched from it.
    pub polar: bool,
}

const fn site(
    code: &'static str,
    name: &'static str,
    country: &'static str,
    lat: f64,
    polar: bool,
) -> Site {
    Site {
        code,
        name,
        country,
        lat,
        polar,
    }
}

pub const SITES: &[Site] = &[
    site("AFETR", "AIR FORCE EASTERN TEST RANGE", "US", 28.5, false),
    site("AFWTR", "AIR FORCE WESTERN TEST RANGE", "US", 34.7, true),
    site("WLPIS", "WALLOPS ISLAND", "US", 37.8, false),
    site(
        "TTMTR",
        "TYURATAM MISSILE AND SPACE CENTER",
        "CIS",
        45.9,
        false,
    ),
    site(
        "PLMSC",
        "PLESETSK MISSILE AND SPACE COMPLEX",
        "CIS",
        62.9,
        true,
    ),
    site(
        "KYMSC",
        "KAPUSTIN YAR MISSILE AND SPACE COMPLEX",
        "CIS",
        48.6,
        false,
    ),
    site("VOSTO", "VOSTOCHNY COSMODROME", "CIS", 51.9, true),
    site("JSC", "JIUQUAN SPACE CENTER", "PRC", 40.9, true),
    site("TSC", "TAIYUAN SPACE CENTER", "PRC", 38.8, true),
    site("XSC", "XICHANG SPACE CENTER", "PRC", 28.2, false),
    site("WSC", "WENCHANG SPACE CENTER", "PRC", 19.6, false),
    site("FRGUI", "FRENCH GUIANA", "FR", 5.2, true),
    site("SRILR", "SRIHARIKOTA", "IND", 13.7, true),
    site("TNSTA", "TANEGASHIMA SPACE CENTER", "JPN", 30.4, true),
    site("KSCUT", "UCHINOURA SPACE CENTER", "JPN", 31.3, true),
    site("YAVNE", "YAVNE LAUNCH FACILITY", "ISRA", 31.9, false),
];

pub fn site_by_code(code: &str) -> Option<&'static Site> {
    SITES.iter().find(|s| s.code == code)
}

/// Space-Track's owner codes in use, with boxscore's names for them.
pub const OWNERS: &[(&str, &str)] = &[
    ("US", "UNITED STATES"),
    ("CIS", "COMMONWEALTH OF INDEPENDENT STATES (FORMER USSR)"),
    ("PRC", "PEOPLES REPUBLIC OF CHINA"),
    ("FR", "FRANCE"),
    ("ESA", "EUROPEAN SPACE AGENCY"),
    ("JPN", "JAPAN"),
    ("IND", "INDIA"),
    ("UK", "UNITED KINGDOM"),
    ("ISRA", "ISRAEL"),
    ("ISS", "INTERNATIONAL SPACE STATION"),
    ("GLOB", "GLOBALSTAR"),
    (
        "ITSO",
        "INTERNATIONAL TELECOMMUNICATIONS SATELLITE ORGANIZATION",
    ),
    ("EUTE", "EUROPEAN TELECOMMUNICATIONS SATELLITE ORGANIZATION"),
    ("SES", "SOCIETE EUROPEENNE DES SATELLITES"),
];

/// A launch vehicle: its rocket bodies are `"{name} R/B"`, owned by
/// `owner`, launched from `sites` in the years `from..=to`.
#[derive(Debug, Clone, Copy)]
pub struct Vehicle {
    pub name: &'static str,
    pub owner: &'static str,
    pub sites: &'static [&'static str],
    pub from: i32,
    pub to: i32,
}

const fn vehicle(
    name: &'static str,
    owner: &'static str,
    sites: &'static [&'static str],
    from: i32,
    to: i32,
) -> Vehicle {
    Vehicle {
        name,
        owner,
        sites,
        from,
        to,
    }
}

pub const VEHICLES: &[Vehicle] = &[
    vehicle("SL-1", "CIS", &["TTMTR"], 1957, 1958),
    vehicle("VANGUARD", "US", &["AFETR"], 1958, 1959),
    vehicle("JUNO 1", "US", &["AFETR"], 1958, 1959),
    vehicle("THOR AGENA", "US", &["AFWTR"], 1959, 1972),
    vehicle("THOR DELTA", "US", &["AFETR", "AFWTR"], 1960, 1968),
    vehicle("ATLAS AGENA", "US", &["AFETR", "AFWTR"], 1960, 1978),
    vehicle("SCOUT", "US", &["WLPIS", "AFWTR"], 1961, 1994),
    vehicle("TITAN 3C TRANSTAGE", "US", &["AFETR"], 1965, 1982),
    vehicle("ATLAS CENTAUR", "US", &["AFETR"], 1966, 1990),
    vehicle("DELTA 1", "US", &["AFETR", "AFWTR"], 1968, 1989),
    vehicle("TITAN 4", "US", &["AFETR", "AFWTR"], 1989, 2005),
    vehicle("DELTA 2", "US", &["AFETR", "AFWTR"], 1989, 2018),
    vehicle("ATLAS 2 CENTAUR", "US", &["AFETR"], 1991, 2004),
    vehicle("ATLAS 5 CENTAUR", "US", &["AFETR", "AFWTR"], 2002, 2026),
    vehicle("DELTA 4", "US", &["AFETR", "AFWTR"], 2002, 2024),
    vehicle("FALCON 9", "US", &["AFETR", "AFWTR"], 2010, 2026),
    vehicle("SL-3", "CIS", &["TTMTR", "PLMSC"], 1959, 1991),
    vehicle("SL-6", "CIS", &["TTMTR", "PLMSC"], 1961, 2010),
    vehicle("SL-4", "CIS", &["TTMTR", "PLMSC"], 1963, 2026),
    vehicle("SL-8", "CIS", &["PLMSC", "KYMSC"], 1964, 2010),
    vehicle("SL-12", "CIS", &["TTMTR"], 1967, 2023),
    vehicle("SL-14", "CIS", &["PLMSC"], 1977, 2009),
    vehicle("SL-16", "CIS", &["TTMTR"], 1985, 2017),
    vehicle("SL-19", "CIS", &["PLMSC"], 1994, 2019),
    vehicle("FREGAT", "CIS", &["TTMTR", "PLMSC", "VOSTO"], 2000, 2026),
    vehicle("CZ-1", "PRC", &["JSC"], 1970, 1971),
    vehicle("CZ-2C", "PRC", &["JSC", "TSC", "XSC"], 1975, 2026),
    vehicle("CZ-3", "PRC", &["XSC"], 1984, 2000),
    vehicle("CZ-2D", "PRC", &["JSC", "TSC"], 1992, 2026),
    vehicle("CZ-3B", "PRC", &["XSC"], 1996, 2026),
    vehicle("CZ-4B", "PRC", &["TSC", "JSC"], 1999, 2026),
    vehicle("CZ-4C", "PRC", &["JSC", "TSC"], 2006, 2026),
    vehicle("CZ-5", "PRC", &["WSC"], 2016, 2026),
    vehicle("CZ-6A", "PRC", &["TSC"], 2021, 2026),
    vehicle("DIAMANT", "FR", &["FRGUI"], 1965, 1975),
    vehicle("ARIANE 1", "FR", &["FRGUI"], 1979, 1986),
    vehicle("ARIANE 44L", "FR", &["FRGUI"], 1988, 2003),
    vehicle("ARIANE 5", "FR", &["FRGUI"], 1996, 2023),
    vehicle("ARIANE 6", "FR", &["FRGUI"], 2024, 2026),
    vehicle("N-1", "JPN", &["TNSTA"], 1975, 1982),
    vehicle("H-1", "JPN", &["TNSTA"], 1986, 1992),
    vehicle("H-2A", "JPN", &["TNSTA"], 2001, 2025),
    vehicle("EPSILON", "JPN", &["KSCUT"], 2013, 2022),
    vehicle("H-3", "JPN", &["TNSTA"], 2023, 2026),
    vehicle("SLV", "IND", &["SRILR"], 1980, 1983),
    vehicle("PSLV", "IND", &["SRILR"], 1993, 2026),
    vehicle("GSLV", "IND", &["SRILR"], 2001, 2026),
    vehicle("SHAVIT", "ISRA", &["YAVNE"], 1988, 2026),
];

pub fn vehicle_index(name: &str) -> usize {
    VEHICLES.iter().position(|v| v.name == name).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::families::FAMILIES;

    #[test]
    fn the_facts_agree_with_one_another() {
        for v in VEHICLES {
            assert!(v.from <= v.to, "{}", v.name);
            assert!(format!("{} R/B", v.name).len() <= 25);
            for code in v.sites {
                let s = site_by_code(code).expect(code);
                assert_eq!(s.country, v.owner, "{} from {code}", v.name);
            }
        }
        for f in FAMILIES {
            assert!(OWNERS.iter().any(|o| o.0 == f.owner), "{}", f.base);
            assert!(f.payloads.0 >= 1 && f.payloads.0 <= f.payloads.1);
            assert!(f.name(9999).len() + 4 <= 25, "{}", f.name(9999));
            for name in f.vehicles {
                let v = VEHICLES.iter().find(|v| v.name == *name).expect(name);
                assert!(v.from <= f.to && f.from.0 <= v.to, "{} on {name}", f.base);
            }
        }
        for s in SITES {
            assert!(OWNERS.iter().any(|o| o.0 == s.country), "{}", s.code);
            assert!(s.code.len() <= 5 && s.name.len() <= 64);
        }
        for f in crate::catalog::famous::FAMOUS {
            assert!(site_by_code(f.site).is_some(), "{}", f.name);
            assert!(
                f.rocket_body
                    .is_none_or(|rb| VEHICLES.iter().any(|v| v.name == rb))
            );
        }
    }
}

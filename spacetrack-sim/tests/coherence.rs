//! Issue 25, item 7: the simulated sky is coherent. Every rule is checked
//! over whole catalogs (two seeds, two anchors, a few thousand objects),
//! read through the simulator's own answers (`SimState::answer`, the bytes
//! a client would get), against facts written down here independently of
//! the simulator's tables: which owner flies which family and vehicle,
//! each family's orbital regime, each site's country, and MySQL's types.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};
use spacetrack_sim::{SimState, Simulator};

type Row = Map<String, Value>;

fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

/// The catalogs the rules are checked on.
fn skies() -> Vec<(u64, NaiveDateTime, SimState)> {
    [(7, at(2026, 11, 24, 12)), (2026, at(2025, 6, 1, 0))]
        .into_iter()
        .map(|(seed, anchor)| {
            let config = Simulator::builder()
                .objects(3_000)
                .seed(seed)
                .anchor(anchor)
                .history_depth(2)
                .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
                .extra_column("basicspacedata", "gp", "MARGIN", "decimal(7,2) unsigned")
                .extra_column("basicspacedata", "satcat", "MASS", "double(8,1)")
                .extra_column("basicspacedata", "satcat", "BUS", "varchar(4)")
                .extra_column("basicspacedata", "satcat", "OPS", "char(2)")
                .extra_column("basicspacedata", "tip", "GRADE", "enum('A','B','C')")
                .extra_column("basicspacedata", "tip", "SEEN", "datetime(3)")
                .extra_column("basicspacedata", "decay", "TICKS", "tinyint(3) unsigned")
                .extra_column("basicspacedata", "decay", "SHIFT", "smallint(6)")
                .config();
            (seed, anchor, SimState::new(config).unwrap())
        })
        .collect()
}

fn rows(st: &SimState, controller: &str, class: &str) -> Vec<Row> {
    let body = st
        .answer(&format!("/{controller}/query/class/{class}/format/json"))
        .unwrap_or_else(|e| panic!("{class}: {e}"));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{class}: {e}"))
}

fn text<'a>(r: &'a Row, c: &str) -> Option<&'a str> {
    r.get(c).and_then(Value::as_str)
}

fn num(r: &Row, c: &str) -> f64 {
    text(r, c)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{c} of {r:?}"))
}

fn date(v: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&v[..10], "%Y-%m-%d").unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn datetime(v: &str) -> NaiveDateTime {
    let v = v.replace('T', " ");
    NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M"))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

// ---------------------------------------------------------------- types

/// Whether `v` (as sent: a string, or null) fits MySQL type `ty`.
fn fits(ty: &str, nullable: bool, v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else {
        return match v {
            Value::Null if nullable => Ok(()),
            Value::Null => Err("null in a NOT NULL column".into()),
            other => Err(format!("not a string: {other}")),
        };
    };
    let lower = ty.trim().to_ascii_lowercase();
    let base: String = lower
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let unsigned = lower.split_whitespace().any(|w| w == "unsigned");
    let args: Vec<i64> = lower
        .split_once('(')
        .filter(|_| base != "enum")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(a, _)| a.split(',').map(|x| x.trim().parse().unwrap()).collect())
        .unwrap_or_default();
    let bad = |why: &str| Err(format!("{s:?} does not fit {ty}: {why}"));
    match base.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
            let bits = match base.as_str() {
                "tinyint" => 8,
                "smallint" => 16,
                "mediumint" => 24,
                "bigint" => 64,
                _ => 32,
            };
            let Ok(n) = s.parse::<i128>() else {
                return bad("not an integer");
            };
            let (lo, hi) = if unsigned {
                (0, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            if n < lo || n > hi {
                return bad("out of range");
            }
        }
        "decimal" | "numeric" | "double" | "float" | "real" => {
            let Ok(f) = s.parse::<f64>() else {
                return bad("not a number");
            };
            if !f.is_finite() || (unsigned && f < 0.0) {
                return bad("sign or infinity");
            }
            let (p, sc) = match (base.as_str(), args.as_slice()) {
                ("decimal" | "numeric", []) => (Some(10), 0),
                ("decimal" | "numeric", [p]) => (Some(*p), 0),
                (_, [p, sc]) => (Some(*p), *sc),
                _ => (None, 0),
            };
            if f == 0.0 && s.starts_with('-') && base != "double" && base != "float" {
                return bad("a decimal has no negative zero");
            }
            if let Some(p) = p {
                let plain = s.trim_start_matches('-');
                let (int, frac) = plain.split_once('.').unwrap_or((plain, ""));
                if !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return bad("not plain digits");
                }
                if frac.len() as i64 > sc {
                    return bad("too many decimals");
                }
                if int.trim_start_matches('0').len() as i64 > p - sc {
                    return bad("too many digits");
                }
            }
        }
        "char" | "varchar" | "binary" | "varbinary" => {
            if let Some(&n) = args.first() {
                if s.chars().count() as i64 > n {
                    return bad("too long");
                }
            }
        }
        "enum" => {
            let members: Vec<String> = lower[5..lower.rfind(')').unwrap()]
                .split(',')
                .map(|m| m.trim().trim_matches('\'').to_owned())
                .collect();
            if !members.iter().any(|m| m.eq_ignore_ascii_case(s)) {
                return bad("not a member");
            }
        }
        "date" => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("{s:?}: {e}"))?;
        }
        "datetime" | "timestamp" => {
            let fsp = args.first().copied().unwrap_or(0);
            let t = s.replace('T', " ");
            NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f")
                .map_err(|e| format!("{s:?}: {e}"))?;
            let frac = t.split_once('.').map_or(0, |(_, f)| f.len() as i64);
            if frac > fsp {
                return bad("more fractional digits than the type's");
            }
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn the_type_checker_refuses_what_does_not_fit() {
    let s = |v: &str| Value::String(v.into());
    assert!(fits("decimal(5,4)", true, &s("9.9999")).is_ok());
    assert!(fits("decimal(5,4)", true, &s("744.5152")).is_err());
    assert!(fits("decimal(5,4)", true, &s("1.23456")).is_err());
    assert!(fits("decimal(7,2) unsigned", true, &s("-1.00")).is_err());
    assert!(fits("decimal(9,8)", true, &s("-0.00000000")).is_err());
    assert!(fits("int(10) unsigned", false, &s("4294967295")).is_ok());
    assert!(fits("int(10) unsigned", false, &s("4294967296")).is_err());
    assert!(fits("tinyint(4)", true, &s("-129")).is_err());
    assert!(fits("char(2)", true, &s("ABC")).is_err());
    assert!(fits("enum('Y','N')", true, &s("X")).is_err());
    assert!(fits("datetime", true, &s("2026-11-24 12:00:00.5")).is_err());
    assert!(fits("datetime(6)", true, &s("2026-11-24T12:00:00.123456")).is_ok());
    assert!(fits("date", true, &s("2026-13-01")).is_err());
    assert!(fits("int(10)", false, &Value::Null).is_err());
}

#[test]
fn every_value_of_every_class_fits_its_column_type() {
    for (seed, _, st) in skies() {
        let mut checked = 0usize;
        for (schema, _) in spacetrack_sim::schemas() {
            let (controller, class) = (schema.controller.as_str(), schema.class.as_str());
            if controller == "fileshare" || controller == "spephemeris" {
                continue;
            }
            let types = st.modeldef(controller, class).unwrap();
            for row in rows(&st, controller, class) {
                for t in &types {
                    let v = row.get(&t.field).unwrap_or(&Value::Null);
                    if let Err(e) = fits(&t.ty, t.null == "YES", v) {
                        panic!("seed {seed}: {class}.{}: {e}", t.field);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 500_000, "{checked}");
    }
}

// ---------------------------------------------------------------- facts

/// Payload families: name prefix, owner, inclination and altitude (km)
/// ranges, first launch year.
const FAMILIES: &[(&str, &str, (f64, f64), (f64, f64), i32)] = &[
    ("STARLINK", "US", (52.5, 53.5), (500.0, 600.0), 2019),
    ("ONEWEB", "UK", (87.4, 88.4), (1_100.0, 1_300.0), 2019),
    ("NAVSTAR", "US", (53.0, 57.0), (19_900.0, 20_500.0), 1978),
    ("GLOBALSTAR", "GLOB", (51.5, 52.5), (1_380.0, 1_450.0), 1998),
    ("IRIDIUM", "US", (86.0, 87.0), (700.0, 850.0), 1997),
    ("BEIDOU", "PRC", (54.0, 56.0), (21_400.0, 21_700.0), 2015),
    ("GALILEO", "ESA", (55.0, 57.0), (23_100.0, 23_300.0), 2011),
    ("MOLNIYA", "CIS", (62.5, 63.6), (300.0, 40_500.0), 1965),
    ("COSMOS", "CIS", (62.0, 83.0), (150.0, 19_300.0), 1962),
    ("OFEQ", "ISRA", (140.0, 145.0), (300.0, 650.0), 1988),
    ("ISS (ZARYA)", "ISS", (51.5, 51.7), (380.0, 450.0), 1998),
    ("CSS", "PRC", (41.3, 41.6), (350.0, 420.0), 2021),
    ("HST", "US", (28.3, 28.6), (470.0, 560.0), 1990),
    ("STS", "US", (28.3, 28.6), (100.0, 560.0), 1981),
    // Sun-synchronous.
    ("LANDSAT", "US", (97.5, 99.5), (680.0, 730.0), 1972),
    ("SPOT", "FR", (97.5, 99.5), (800.0, 850.0), 1986),
    ("SENTINEL", "ESA", (97.5, 99.5), (670.0, 820.0), 2014),
    ("YAOGAN", "PRC", (96.5, 101.0), (460.0, 1_220.0), 2006),
    ("CARTOSAT", "IND", (97.0, 98.5), (480.0, 650.0), 2005),
    ("FLOCK", "US", (97.0, 98.0), (480.0, 540.0), 2014),
    ("NOAA", "US", (98.0, 99.5), (800.0, 880.0), 2005),
    ("AQUA", "US", (98.0, 98.5), (690.0, 720.0), 2002),
    // Geostationary.
    ("INTELSAT", "ITSO", (0.0, 15.0), (35_700.0, 35_880.0), 1965),
    ("EUTELSAT", "EUTE", (0.0, 15.0), (35_700.0, 35_880.0), 1983),
    ("SES-", "SES", (0.0, 15.0), (35_700.0, 35_880.0), 2011),
    ("CHINASAT", "PRC", (0.0, 15.0), (35_700.0, 35_880.0), 1984),
    ("GOES", "US", (0.0, 15.0), (35_700.0, 35_880.0), 1975),
    ("TDRS", "US", (0.0, 15.0), (35_700.0, 35_880.0), 1983),
    ("SKYNET", "UK", (0.0, 15.0), (35_700.0, 35_880.0), 1969),
    ("HIMAWARI", "JPN", (0.0, 15.0), (35_700.0, 35_880.0), 1977),
    ("GSAT", "IND", (0.0, 15.0), (35_700.0, 35_880.0), 2001),
    ("EXPRESS-AM", "CIS", (0.0, 15.0), (35_700.0, 35_880.0), 1994),
    // Older and military series.
    ("SPUTNIK", "CIS", (60.0, 66.0), (150.0, 700.0), 1957),
    ("EXPLORER", "US", (28.0, 50.5), (380.0, 1_250.0), 1958),
    ("VANGUARD", "US", (34.0, 34.5), (600.0, 4_000.0), 1958),
    ("DISCOVERER", "US", (80.0, 83.0), (150.0, 340.0), 1959),
    ("TIROS", "US", (48.0, 58.0), (640.0, 810.0), 1960),
    ("OPS", "US", (95.0, 110.0), (150.0, 430.0), 1963),
    ("USA", "US", (40.0, 98.0), (290.0, 1_110.0), 1984),
    ("SHIJIAN", "PRC", (42.0, 70.0), (590.0, 1_110.0), 1971),
];

/// Launch vehicles (their rocket bodies and debris): name prefix, owner.
const VEHICLES: &[(&str, &str)] = &[
    ("FALCON 9", "US"),
    ("ATLAS", "US"),
    ("DELTA", "US"),
    ("TITAN", "US"),
    ("THOR", "US"),
    ("SCOUT", "US"),
    ("JUNO", "US"),
    ("VANGUARD R/B", "US"),
    ("SL-", "CIS"),
    ("FREGAT", "CIS"),
    ("CZ-", "PRC"),
    ("ARIANE", "FR"),
    ("DIAMANT", "FR"),
    ("H-2A", "JPN"),
    ("H-1", "JPN"),
    ("H-3", "JPN"),
    ("N-1", "JPN"),
    ("EPSILON", "JPN"),
    ("PSLV", "IND"),
    ("GSLV", "IND"),
    ("SLV", "IND"),
    ("SHAVIT", "ISRA"),
];

/// Launch sites and the country whose vehicles fly from them.
const SITES: &[(&str, &str)] = &[
    ("AFETR", "US"),
    ("AFWTR", "US"),
    ("WLPIS", "US"),
    ("TTMTR", "CIS"),
    ("PLMSC", "CIS"),
    ("KYMSC", "CIS"),
    ("VOSTO", "CIS"),
    ("JSC", "PRC"),
    ("TSC", "PRC"),
    ("XSC", "PRC"),
    ("WSC", "PRC"),
    ("FRGUI", "FR"),
    ("SRILR", "IND"),
    ("TNSTA", "JPN"),
    ("KSCUT", "JPN"),
    ("YAVNE", "ISRA"),
];

fn family(
    name: &str,
) -> Option<&'static (&'static str, &'static str, (f64, f64), (f64, f64), i32)> {
    FAMILIES.iter().find(|f| name.starts_with(f.0))
}

fn vehicle_owner(name: &str) -> Option<&'static str> {
    VEHICLES.iter().find(|v| name.starts_with(v.0)).map(|v| v.1)
}

/// The owner a name implies: its family's, or its vehicle's for rocket
/// bodies and debris named after one.
fn owner_of(name: &str) -> Option<&'static str> {
    let base = name
        .strip_suffix(" R/B")
        .or_else(|| name.strip_suffix(" DEB"))
        .unwrap_or(name);
    if name.ends_with(" R/B") {
        return vehicle_owner(base);
    }
    family(base).map(|f| f.1).or_else(|| vehicle_owner(base))
}

fn within(v: f64, (lo, hi): (f64, f64)) -> bool {
    (lo..=hi).contains(&v)
}

/// Everything the sky rules look at, for one catalog.
struct Sky {
    satcat: Vec<Row>,
    gp: HashMap<u64, Row>,
    decay: Vec<Row>,
    tip: Vec<Row>,
}

impl Sky {
    fn read(st: &SimState) -> Sky {
        let gp = rows(st, "basicspacedata", "gp")
            .into_iter()
            .map(|r| (num(&r, "NORAD_CAT_ID") as u64, r))
            .collect();
        Sky {
            satcat: rows(st, "basicspacedata", "satcat"),
            gp,
            decay: rows(st, "basicspacedata", "decay"),
            tip: rows(st, "basicspacedata", "tip"),
        }
    }

    /// NORAD numbers with a re-entry predicted and not happened yet.
    fn predicted(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .decay
            .iter()
            .filter(|r| text(r, "MSG_TYPE") == Some("Prediction"))
            .chain(&self.tip)
            .map(|r| num(r, "NORAD_CAT_ID") as u64)
            .filter(|id| text(&self.gp[id], "DECAY_DATE").is_none())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

#[test]
fn designators_and_catalog_numbers_follow_launch_dates() {
    for (seed, anchor, st) in skies() {
        let sky = Sky::read(&st);
        assert_eq!(sky.satcat.len(), 3_000, "seed {seed}");
        let mut by_norad: Vec<&Row> = sky.satcat.iter().collect();
        by_norad.sort_by_key(|r| num(r, "NORAD_CAT_ID") as u64);
        let mut launches: HashMap<String, (NaiveDate, String, u64, usize)> = HashMap::new();
        for r in &by_norad {
            let id = text(r, "INTLDES").unwrap();
            let launch = date(text(r, "LAUNCH").unwrap());
            let (year, rest) = id.split_once('-').unwrap_or_else(|| panic!("{id}"));
            let (number, piece) = rest.split_at(3);
            assert_eq!(
                year.parse::<i32>().unwrap(),
                launch.year(),
                "seed {seed}: {id} {launch}"
            );
            assert!(launch <= anchor.date(), "{id} launched {launch}");
            assert_eq!(num(r, "LAUNCH_YEAR") as i32, launch.year());
            assert_eq!(num(r, "LAUNCH_NUM") as u32, number.parse::<u32>().unwrap());
            assert_eq!(text(r, "LAUNCH_PIECE"), Some(piece));
            assert_eq!(text(r, "OBJECT_ID"), Some(id));
            assert!(
                (1..=3).contains(&piece.len())
                    && piece
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() && b != b'I' && b != b'O'),
                "{id}"
            );
            // Pieces of one launch share its date and site, lettered in
            // the order of their catalog numbers.
            let norad = num(r, "NORAD_CAT_ID") as u64;
            let index = piece.bytes().fold(0usize, |n, b| {
                n * 24 + "ABCDEFGHJKLMNPQRSTUVWXYZ".find(b as char).unwrap() + 1
            });
            let site = text(r, "SITE").unwrap().to_owned();
            let key = format!("{year}-{number}");
            if let Some((d, s, last, last_index)) = launches.get(&key) {
                assert_eq!((*d, s.as_str()), (launch, site.as_str()), "{id}");
                assert!(
                    norad > *last && index > *last_index,
                    "{id} after piece {last_index}"
                );
            }
            launches.insert(key, (launch, site, norad, index));
        }
        // Catalog numbers rise with launch date, and launch numbers with
        // it within a year.
        for w in by_norad.windows(2) {
            let key = |r: &Row| {
                (
                    date(text(r, "LAUNCH").unwrap()),
                    num(r, "LAUNCH_NUM") as u32,
                )
            };
            assert!(
                key(w[0]) <= key(w[1]),
                "seed {seed}: {} ({:?}) before {} ({:?})",
                text(w[0], "INTLDES").unwrap(),
                key(w[0]),
                text(w[1], "INTLDES").unwrap(),
                key(w[1])
            );
        }
        let years: Vec<i32> = by_norad
            .iter()
            .map(|r| date(text(r, "LAUNCH").unwrap()).year())
            .collect();
        assert!(years[0] == 1957 && years.iter().filter(|&&y| y >= 2019).count() > 300);
    }
}

#[test]
fn names_owners_sites_and_vehicles_agree() {
    for (seed, _, st) in skies() {
        let sky = Sky::read(&st);
        let codes: Vec<String> = rows(&st, "basicspacedata", "launch_site")
            .iter()
            .map(|r| text(r, "SITE_CODE").unwrap().to_owned())
            .collect();
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &sky.satcat {
            let name = text(r, "SATNAME").unwrap();
            let owner = text(r, "COUNTRY").unwrap();
            let ty = text(r, "OBJECT_TYPE").unwrap();
            let site = text(r, "SITE").unwrap();
            assert!(codes.iter().any(|c| c == site), "{site} not in launch_site");
            *kinds.entry(ty).or_default() += 1;
            if ty == "UNKNOWN" {
                assert!(name.starts_with("OBJECT "), "{name}");
                continue;
            }
            let want = owner_of(name).unwrap_or_else(|| panic!("seed {seed}: whose is {name}?"));
            assert_eq!(owner, want, "seed {seed}: {name}");
            match ty {
                "ROCKET BODY" => {
                    assert!(name.ends_with(" R/B"), "{name}");
                    // A rocket body's owner launches from its own sites.
                    let country = SITES.iter().find(|s| s.0 == site).map(|s| s.1);
                    assert_eq!(country, Some(owner), "seed {seed}: {name} from {site}");
                }
                "DEBRIS" => assert!(name.ends_with(" DEB"), "{name}"),
                "PAYLOAD" => {
                    let launch = date(text(r, "LAUNCH").unwrap());
                    let f = family(name).unwrap_or_else(|| panic!("{name}"));
                    assert!(
                        launch.year() >= f.4,
                        "seed {seed}: {name} launched {launch}"
                    );
                }
                other => panic!("type {other}"),
            }
        }
        for ty in ["PAYLOAD", "ROCKET BODY", "DEBRIS"] {
            assert!(kinds.get(ty).copied().unwrap_or(0) > 150, "{kinds:?}");
        }
    }
}

#[test]
fn families_fly_in_their_regimes() {
    for (seed, anchor, st) in skies() {
        let sky = Sky::read(&st);
        let predicted = sky.predicted();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut falling = 0;
        for (id, g) in &sky.gp {
            let name = text(g, "OBJECT_NAME").unwrap();
            let (incl, peri, apo) = (
                num(g, "INCLINATION"),
                num(g, "PERIAPSIS"),
                num(g, "APOAPSIS"),
            );
            let epoch = datetime(text(g, "EPOCH").unwrap());
            let launch = date(text(g, "LAUNCH_DATE").unwrap());
            assert!(epoch.date() >= launch && epoch <= anchor, "{name}: {epoch}");
            if text(g, "OBJECT_TYPE") != Some("PAYLOAD")
                || text(g, "DECAY_DATE").is_some()
                || predicted.binary_search(id).is_ok()
            {
                continue;
            }
            let f = family(name).unwrap_or_else(|| panic!("{name}"));
            *seen.entry(f.0).or_default() += 1;
            assert!(within(incl, f.2), "seed {seed}: {name} inclined {incl}");
            // Out of its regime only when coming down: re-entries months
            // ahead are not predicted yet, but their orbits are decaying.
            if peri < f.3.0 && peri < 300.0 && num(g, "BSTAR") >= 1e-4 {
                falling += 1;
                continue;
            }
            assert!(
                within(peri, f.3) && within(apo, f.3),
                "seed {seed}: {name} at {peri}-{apo} km"
            );
            let geo = f.3.0 > 35_000.0;
            if geo {
                let n = num(g, "MEAN_MOTION");
                assert!((0.99..=1.01).contains(&n), "{name}: {n} rev/day");
                // Station-kept while young.
                if (anchor.date() - launch).num_days() < 10 * 365 {
                    assert!(
                        incl <= 0.2,
                        "seed {seed}: {name} ({launch}) inclined {incl}"
                    );
                }
            }
        }
        let payloads: usize = seen.values().sum();
        assert!(
            falling * 20 < payloads,
            "seed {seed}: {falling} of {payloads} coming down"
        );
        for f in ["STARLINK", "ISS (ZARYA)", "COSMOS", "INTELSAT", "YAOGAN"] {
            assert!(seen.get(f).is_some_and(|&n| n > 0), "no {f} in {seen:?}");
        }
        assert!(seen["STARLINK"] > 200, "{seen:?}");
    }
}

#[test]
fn only_decaying_orbits_reenter() {
    for (seed, anchor, st) in skies() {
        let sky = Sky::read(&st);
        let mut decayed = 0;
        for g in sky.gp.values() {
            let Some(d) = text(g, "DECAY_DATE") else {
                continue;
            };
            decayed += 1;
            let name = text(g, "OBJECT_NAME").unwrap();
            let d = date(d);
            assert!(d >= date(text(g, "LAUNCH_DATE").unwrap()) && d <= anchor.date());
            // Its last elements: a perigee in the upper atmosphere, high drag.
            assert!(
                num(g, "PERIAPSIS") < 250.0,
                "seed {seed}: {name} decayed from {g:?}"
            );
            assert!(num(g, "BSTAR") >= 1e-4, "{name}: {:?}", g["BSTAR"]);
            assert!(datetime(text(g, "EPOCH").unwrap()).date() <= d, "{name}");
        }
        assert!(decayed > 500, "seed {seed}: {decayed} decayed");
        let predicted = sky.predicted();
        assert!(
            predicted.len() >= 10,
            "seed {seed}: {} predicted",
            predicted.len()
        );
        for id in &predicted {
            let g = &sky.gp[id];
            assert!(
                num(g, "PERIAPSIS") < 300.0,
                "seed {seed}: {g:?} is predicted to re-enter"
            );
            assert!(num(g, "BSTAR") >= 1e-4, "{g:?}");
        }
        // Each decay record is the object's decay date.
        for r in sky
            .decay
            .iter()
            .filter(|r| text(r, "MSG_TYPE") == Some("Historical"))
        {
            let g = &sky.gp[&(num(r, "NORAD_CAT_ID") as u64)];
            let when = datetime(text(r, "DECAY_EPOCH").unwrap());
            assert_eq!(
                text(g, "DECAY_DATE"),
                Some(when.date().to_string().as_str())
            );
        }
        let records = sky
            .decay
            .iter()
            .filter(|r| text(r, "MSG_TYPE") == Some("Historical"))
            .count();
        assert_eq!(records, decayed, "seed {seed}: one record per re-entry");
    }
}

/// TIP messages of one catalog, by object, in the order issued.
fn tips_by_object(tip: &[Row]) -> BTreeMap<u64, Vec<&Row>> {
    let mut by: BTreeMap<u64, Vec<&Row>> = BTreeMap::new();
    for r in tip {
        by.entry(num(r, "NORAD_CAT_ID") as u64).or_default().push(r);
    }
    for msgs in by.values_mut() {
        msgs.sort_by_key(|r| datetime(text(r, "MSG_EPOCH").unwrap()));
    }
    by
}

fn converge(id: u64, msgs: &[&Row], gp: &Row) {
    let last = datetime(text(msgs[msgs.len() - 1], "DECAY_EPOCH").unwrap());
    let launch = date(text(gp, "LAUNCH_DATE").unwrap());
    for w in msgs.windows(2) {
        let (a, b) = (w[0], w[1]);
        assert!(
            num(a, "WINDOW") >= num(b, "WINDOW"),
            "{id}: the window widened"
        );
        let off = |r: &Row| {
            (datetime(text(r, "DECAY_EPOCH").unwrap()) - last)
                .num_seconds()
                .abs()
        };
        assert!(off(a) >= off(b), "{id}: the prediction moved away");
        // The re-entry lies within each message's window.
        assert!(off(a) <= num(a, "WINDOW") as i64 * 60, "{id}: {a:?}");
    }
    for r in msgs {
        assert!(datetime(text(r, "MSG_EPOCH").unwrap()).date() >= launch);
    }
    let done = msgs.iter().any(|r| num(r, "NEXT_REPORT") == 0.0);
    if done {
        assert_eq!(
            text(gp, "DECAY_DATE"),
            Some(last.date().to_string().as_str()),
            "{id}: the last TIP is its decay"
        );
    }
}

#[test]
fn tip_messages_close_in_on_each_reentry() {
    for (seed, anchor, st) in skies() {
        let sky = Sky::read(&st);
        let by = tips_by_object(&sky.tip);
        assert!(by.len() >= 10, "seed {seed}: TIPs for {} objects", by.len());
        assert!(by.values().filter(|m| m.len() >= 6).count() >= 3);
        for (id, msgs) in &by {
            converge(*id, msgs, &sky.gp[id]);
            for r in msgs {
                assert!(datetime(text(r, "MSG_EPOCH").unwrap()) <= anchor);
            }
        }
        // Ten days on: the messages issued meanwhile continue each
        // sequence, still closing in, and the re-entries they end with are
        // recorded.
        st.advance(chrono::Duration::days(10));
        let later = Sky::read(&st);
        assert_eq!(
            &later.tip[..sky.tip.len()],
            &sky.tip[..],
            "published TIPs stay"
        );
        assert!(later.tip.len() > sky.tip.len());
        let by = tips_by_object(&later.tip);
        for (id, msgs) in &by {
            converge(*id, msgs, &later.gp[id]);
        }
        assert!(
            later
                .gp
                .values()
                .filter(|g| text(g, "DECAY_DATE").is_some())
                .count()
                > sky
                    .gp
                    .values()
                    .filter(|g| text(g, "DECAY_DATE").is_some())
                    .count()
        );
    }
}

/// The same seed, size and anchor give the same sky, byte for byte, in
/// every class (also after the clock advances); another seed another sky.
#[test]
fn the_sky_is_the_seeds() {
    let sky = |seed: u64| {
        let config = Simulator::builder()
            .objects(1_000)
            .seed(seed)
            .anchor(at(2026, 11, 24, 12))
            .history_depth(2)
            .config();
        SimState::new(config).unwrap()
    };
    let classes = [
        ("basicspacedata", "gp"),
        ("basicspacedata", "gp_history"),
        ("basicspacedata", "satcat"),
        ("basicspacedata", "decay"),
        ("basicspacedata", "tip"),
        ("basicspacedata", "cdm_public"),
        ("basicspacedata", "boxscore"),
    ];
    let answers = |st: &SimState| -> Vec<String> {
        classes
            .iter()
            .map(|(c, class)| {
                st.answer(&format!("/{c}/query/class/{class}/format/json"))
                    .unwrap()
            })
            .collect()
    };
    let (a, b, other) = (sky(11), sky(11), sky(12));
    assert_eq!(answers(&a), answers(&b));
    let theirs = answers(&other);
    for (i, (mine, theirs)) in answers(&a).iter().zip(&theirs).enumerate() {
        if classes[i].1 != "boxscore" {
            assert_ne!(mine, theirs, "{}: another seed, another sky", classes[i].1);
        }
    }
    for st in [&a, &b] {
        st.advance(chrono::Duration::days(3));
    }
    assert_eq!(answers(&a), answers(&b), "after advancing");
}

//! The families of payloads: a name, an owner, the years they were
//! launched in, their orbital regime and the vehicles that carried them.

/// Where a family's payloads fly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regime {
    /// Near-circular, altitude (km) and inclination (degrees) in ranges.
    Circular { alt: (f64, f64), incl: (f64, f64) },
    /// Sun-synchronous: the inclination follows from the altitude.
    Sso { alt: (f64, f64) },
    /// Geostationary.
    Geo,
    /// Molniya: 12-hour, highly eccentric, critically inclined.
    Molniya,
}

/// How a family numbers its payloads.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// `"{base} {n}"`.
    Space,
    /// `"{base}-{n}"`.
    Dash,
    /// `"{base}{n:03}"` (GLOBALSTAR M001).
    Pad3,
    /// `"{base}-{n:04}"` (ONEWEB-0012).
    Dash4,
    /// `"{base}{n}"` (EXPRESS-AM7, BEIDOU-3 M12).
    Glued,
}

/// A family of payloads.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub base: &'static str,
    pub style: Style,
    pub owner: &'static str,
    /// First launch (year, month, day) and last launch year.
    pub from: (i32, u32, u32),
    pub to: i32,
    pub regime: Regime,
    pub vehicles: &'static [&'static str],
    /// Payloads per launch (at least, at most).
    pub payloads: (u32, u32),
    /// Share of the launches of its years.
    pub weight: u32,
    /// Families sharing a numbering (COSMOS) name the first of them.
    pub counter: &'static str,
    /// The number of its first payload.
    pub first: u32,
    /// Whether its payloads are deorbited after a few years (Starlink).
    pub deorbited: bool,
    /// The numbering ends here (the series ended): no launches after.
    pub max: u32,
}

impl Family {
    pub fn name(&self, n: u32) -> String {
        match self.style {
            Style::Space => format!("{} {n}", self.base),
            Style::Dash => format!("{}-{n}", self.base),
            Style::Pad3 => format!("{}{n:03}", self.base),
            Style::Dash4 => format!("{}-{n:04}", self.base),
            Style::Glued => format!("{}{n}", self.base),
        }
    }
}

#[allow(clippy::too_many_arguments)]
const fn family(
    base: &'static str,
    style: Style,
    owner: &'static str,
    from: (i32, u32, u32),
    to: i32,
    regime: Regime,
    vehicles: &'static [&'static str],
    payloads: (u32, u32),
    weight: u32,
) -> Family {
    Family {
        base,
        style,
        owner,
        from,
        to,
        regime,
        vehicles,
        payloads,
        weight,
        counter: base,
        first: 1,
        deorbited: false,
        max: u32::MAX,
    }
}

const fn circ(alt: (f64, f64), incl: (f64, f64)) -> Regime {
    Regime::Circular { alt, incl }
}

use Style::{Dash, Dash4, Glued, Pad3, Space};

pub const FAMILIES: &[Family] = &[
    Family {
        max: 12,
        first: 2,
        ..family(
            "SPUTNIK",
            Space,
            "CIS",
            (1957, 10, 4),
            1961,
            circ((200.0, 600.0), (60.0, 66.0)),
            &["SL-1", "SL-3"],
            (1, 1),
            20,
        )
    },
    Family {
        max: 55,
        ..family(
            "EXPLORER",
            Space,
            "US",
            (1958, 1, 31),
            1975,
            circ((400.0, 1200.0), (28.5, 50.0)),
            &["JUNO 1", "THOR DELTA", "SCOUT", "DELTA 1"],
            (1, 1),
            10,
        )
    },
    Family {
        max: 38,
        ..family(
            "DISCOVERER",
            Space,
            "US",
            (1959, 2, 28),
            1962,
            circ((200.0, 330.0), (80.0, 83.0)),
            &["THOR AGENA"],
            (1, 1),
            12,
        )
    },
    Family {
        max: 10,
        ..family(
            "TIROS",
            Space,
            "US",
            (1960, 4, 1),
            1965,
            circ((650.0, 800.0), (48.0, 58.0)),
            &["THOR DELTA"],
            (1, 1),
            6,
        )
    },
    family(
        "OPS",
        Space,
        "US",
        (1963, 1, 1),
        1984,
        circ((160.0, 420.0), (95.0, 110.0)),
        &["THOR AGENA", "ATLAS AGENA", "TITAN 3C TRANSTAGE"],
        (1, 2),
        6,
    ),
    Family {
        first: 1,
        ..family(
            "COSMOS",
            Space,
            "CIS",
            (1962, 3, 16),
            2026,
            circ((180.0, 360.0), (62.0, 73.0)),
            &["SL-3", "SL-4"],
            (1, 1),
            10,
        )
    },
    Family {
        counter: "COSMOS",
        ..family(
            "COSMOS",
            Space,
            "CIS",
            (1964, 1, 1),
            2026,
            circ((500.0, 1500.0), (65.0, 83.0)),
            &["SL-8", "SL-14", "SL-19"],
            (1, 3),
            5,
        )
    },
    Family {
        counter: "COSMOS",
        ..family(
            "COSMOS",
            Space,
            "CIS",
            (1982, 10, 12),
            2026,
            circ((19_090.0, 19_150.0), (64.5, 65.5)),
            &["SL-12", "FREGAT"],
            (1, 3),
            3,
        )
    },
    Family {
        max: 93,
        ..family(
            "MOLNIYA 1",
            Dash,
            "CIS",
            (1965, 4, 23),
            2004,
            Regime::Molniya,
            &["SL-6"],
            (1, 1),
            3,
        )
    },
    family(
        "NAVSTAR",
        Space,
        "US",
        (1978, 2, 22),
        2026,
        circ((20_150.0, 20_250.0), (54.0, 56.0)),
        &["ATLAS CENTAUR", "DELTA 2", "ATLAS 5 CENTAUR", "FALCON 9"],
        (1, 1),
        2,
    ),
    Family {
        ..family(
            "INTELSAT",
            Space,
            "ITSO",
            (1965, 4, 6),
            2026,
            Regime::Geo,
            &[
                "ATLAS CENTAUR",
                "ARIANE 1",
                "ARIANE 44L",
                "ARIANE 5",
                "SL-12",
                "FALCON 9",
                "ATLAS 5 CENTAUR",
                "DELTA 1",
            ],
            (1, 1),
            4,
        )
    },
    Family {
        max: 19,
        ..family(
            "GOES",
            Space,
            "US",
            (1975, 10, 16),
            2026,
            Regime::Geo,
            &["DELTA 1", "ATLAS CENTAUR", "ATLAS 5 CENTAUR", "DELTA 4"],
            (1, 1),
            2,
        )
    },
    Family {
        max: 13,
        ..family(
            "TDRS",
            Space,
            "US",
            (1983, 4, 4),
            2017,
            Regime::Geo,
            &["TITAN 4", "ATLAS 2 CENTAUR", "ATLAS 5 CENTAUR"],
            (1, 1),
            2,
        )
    },
    Family {
        max: 8,
        ..family(
            "SKYNET",
            Space,
            "UK",
            (1969, 11, 22),
            2026,
            Regime::Geo,
            &["DELTA 1", "ARIANE 44L", "ARIANE 5"],
            (1, 1),
            1,
        )
    },
    Family {
        ..family(
            "SES",
            Dash,
            "SES",
            (2011, 1, 1),
            2026,
            Regime::Geo,
            &["ARIANE 5", "FALCON 9", "SL-12"],
            (1, 2),
            3,
        )
    },
    Family {
        ..family(
            "EUTELSAT",
            Space,
            "EUTE",
            (1983, 6, 16),
            2026,
            Regime::Geo,
            &["ARIANE 1", "ARIANE 44L", "ARIANE 5", "SL-12", "FALCON 9"],
            (1, 1),
            3,
        )
    },
    Family {
        ..family(
            "CHINASAT",
            Space,
            "PRC",
            (1984, 4, 8),
            2026,
            Regime::Geo,
            &["CZ-3", "CZ-3B"],
            (1, 1),
            3,
        )
    },
    Family {
        max: 20,
        ..family(
            "EXPRESS-AM",
            Glued,
            "CIS",
            (1994, 10, 13),
            2026,
            Regime::Geo,
            &["SL-12"],
            (1, 1),
            2,
        )
    },
    Family {
        max: 9,
        ..family(
            "HIMAWARI",
            Dash,
            "JPN",
            (1977, 7, 14),
            2026,
            Regime::Geo,
            &["N-1", "H-1", "H-2A", "H-3"],
            (1, 1),
            1,
        )
    },
    Family {
        ..family(
            "GSAT",
            Dash,
            "IND",
            (2001, 4, 18),
            2026,
            Regime::Geo,
            &["GSLV", "ARIANE 5"],
            (1, 1),
            2,
        )
    },
    Family {
        max: 9,
        ..family(
            "LANDSAT",
            Space,
            "US",
            (1972, 7, 23),
            2026,
            Regime::Sso {
                alt: (700.0, 710.0),
            },
            &["DELTA 1", "DELTA 2", "ATLAS 5 CENTAUR"],
            (1, 1),
            1,
        )
    },
    Family {
        max: 7,
        ..family(
            "SPOT",
            Dash,
            "FR",
            (1986, 2, 22),
            2014,
            Regime::Sso {
                alt: (820.0, 832.0),
            },
            &["ARIANE 1", "ARIANE 44L", "PSLV"],
            (1, 1),
            1,
        )
    },
    Family {
        max: 12,
        ..family(
            "SENTINEL",
            Dash,
            "ESA",
            (2014, 4, 3),
            2026,
            Regime::Sso {
                alt: (690.0, 800.0),
            },
            &["FREGAT", "SL-19", "FALCON 9"],
            (1, 1),
            2,
        )
    },
    Family {
        ..family(
            "YAOGAN",
            Dash,
            "PRC",
            (2006, 4, 27),
            2026,
            Regime::Sso {
                alt: (480.0, 1200.0),
            },
            &["CZ-4B", "CZ-4C", "CZ-2D"],
            (1, 3),
            8,
        )
    },
    Family {
        max: 10,
        ..family(
            "CARTOSAT",
            Dash,
            "IND",
            (2005, 5, 5),
            2026,
            Regime::Sso {
                alt: (500.0, 630.0),
            },
            &["PSLV"],
            (1, 1),
            2,
        )
    },
    Family {
        ..family(
            "FLOCK",
            Space,
            "US",
            (2014, 1, 9),
            2026,
            Regime::Sso {
                alt: (500.0, 525.0),
            },
            &["PSLV", "FALCON 9"],
            (8, 40),
            2,
        )
    },
    Family {
        ..family(
            "SHIJIAN",
            Dash,
            "PRC",
            (1971, 3, 3),
            2026,
            circ((600.0, 1100.0), (42.0, 70.0)),
            &["CZ-1", "CZ-2C", "CZ-2D", "CZ-4B"],
            (1, 2),
            5,
        )
    },
    Family {
        max: 16,
        ..family(
            "OFEQ",
            Dash,
            "ISRA",
            (1988, 9, 19),
            2026,
            circ((350.0, 600.0), (141.0, 144.0)),
            &["SHAVIT"],
            (1, 1),
            1,
        )
    },
    Family {
        ..family(
            "USA",
            Space,
            "US",
            (1984, 1, 1),
            2026,
            circ((300.0, 1100.0), (40.0, 98.0)),
            &[
                "TITAN 4",
                "DELTA 2",
                "ATLAS 5 CENTAUR",
                "DELTA 4",
                "FALCON 9",
            ],
            (1, 2),
            6,
        )
    },
    Family {
        max: 200,
        ..family(
            "IRIDIUM",
            Space,
            "US",
            (1997, 5, 5),
            2002,
            circ((775.0, 785.0), (86.3, 86.6)),
            &["DELTA 2", "SL-12", "CZ-2C"],
            (5, 7),
            6,
        )
    },
    Family {
        max: 200,
        counter: "IRIDIUM",
        ..family(
            "IRIDIUM",
            Space,
            "US",
            (2017, 1, 14),
            2019,
            circ((775.0, 785.0), (86.3, 86.6)),
            &["FALCON 9"],
            (10, 10),
            6,
        )
    },
    Family {
        max: 104,
        ..family(
            "GLOBALSTAR M",
            Pad3,
            "GLOB",
            (1998, 2, 14),
            2026,
            circ((1410.0, 1418.0), (51.9, 52.1)),
            &["DELTA 2", "FREGAT"],
            (4, 6),
            2,
        )
    },
    Family {
        max: 30,
        ..family(
            "BEIDOU-3 M",
            Glued,
            "PRC",
            (2015, 3, 30),
            2026,
            circ((21_500.0, 21_560.0), (54.8, 55.3)),
            &["CZ-3B"],
            (2, 2),
            4,
        )
    },
    Family {
        max: 34,
        ..family(
            "GALILEO",
            Space,
            "ESA",
            (2011, 10, 21),
            2026,
            circ((23_220.0, 23_230.0), (55.8, 56.2)),
            &["FREGAT", "ARIANE 5"],
            (2, 4),
            2,
        )
    },
    Family {
        first: 1008,
        deorbited: true,
        ..family(
            "STARLINK",
            Dash,
            "US",
            (2019, 11, 12),
            2026,
            circ((540.0, 560.0), (52.9, 53.2)),
            &["FALCON 9"],
            (21, 60),
            90,
        )
    },
    Family {
        max: 660,
        first: 1,
        ..family(
            "ONEWEB",
            Dash4,
            "UK",
            (2019, 2, 27),
            2026,
            circ((1195.0, 1205.0), (87.85, 87.95)),
            &["FREGAT", "FALCON 9", "GSLV"],
            (34, 36),
            5,
        )
    },
];

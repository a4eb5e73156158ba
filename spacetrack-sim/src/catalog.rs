//! A deterministic synthetic satellite catalog.
//!
//! The same seed and size always give the same objects. A few famous
//! objects come first (ISS, HST, ...) so demos and tests can rely on them;
//! the rest are spread over realistic orbital regimes.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// SplitMix64: a tiny, well-known, high-quality mixer. Every value in the
/// simulator comes from `mix(seed ^ key)`, so rows can be generated in any
/// order, one at a time, without storing them.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform float in `[0, 1)` from a key.
pub fn unit(key: u64) -> f64 {
    (mix(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// One catalog object with a current element set.
#[derive(Debug, Clone)]
pub struct Object {
    pub norad: u32,
    pub name: String,
    pub intldes: String,
    pub object_type: &'static str,
    pub country: &'static str,
    pub site: &'static str,
    pub launch: NaiveDate,
    pub decay: Option<NaiveDate>,
    pub epoch: NaiveDateTime,
    pub mean_motion: f64,
    pub eccentricity: f64,
    pub inclination: f64,
    pub raan: f64,
    pub arg_perigee: f64,
    pub mean_anomaly: f64,
    pub bstar: f64,
    pub mean_motion_dot: f64,
    pub rcs_size: Option<&'static str>,
    pub rev: u32,
    pub element_set_no: u16,
    /// The element set published since the catalog was built, when the
    /// clock has advanced past one (see [`Catalog::advance_to`]).
    pub latest: Option<ElementSet>,
    /// Whether `decay` was set after the anchor (element sets published
    /// before it do not show it).
    pub decayed_late: bool,
}

/// An element set published after the anchor.
#[derive(Debug, Clone)]
pub struct ElementSet {
    pub epoch: NaiveDateTime,
    pub mean_anomaly: f64,
    pub rev: u32,
    pub elset: u16,
    pub gp_id: i64,
    /// When it was published (its CREATION_DATE).
    pub created: NaiveDateTime,
    /// The object's name then (a new object is renamed a day after its
    /// launch; published sets keep the name they had).
    pub name: String,
}

/// A decay message: a prediction of a re-entry, or the record of one.
/// The decay and tip classes list these in the order they were published.
#[derive(Debug, Clone)]
pub struct DecayEvent {
    pub obj: usize,
    pub msg_epoch: NaiveDateTime,
    /// The (predicted) re-entry.
    pub decay_time: NaiveDateTime,
    pub prediction: bool,
}

const EARTH_RADIUS_KM: f64 = 6378.135;
const MU: f64 = 398_600.8;

impl Object {
    pub fn semimajor_axis(&self) -> f64 {
        let n = self.mean_motion * 2.0 * std::f64::consts::PI / 86_400.0;
        (MU / (n * n)).cbrt()
    }
    pub fn period_minutes(&self) -> f64 {
        1440.0 / self.mean_motion
    }
    pub fn apoapsis(&self) -> f64 {
        self.semimajor_axis() * (1.0 + self.eccentricity) - EARTH_RADIUS_KM
    }
    pub fn periapsis(&self) -> f64 {
        self.semimajor_axis() * (1.0 - self.eccentricity) - EARTH_RADIUS_KM
    }
    /// TLE lines exist for catalog numbers that Alpha-5 can write.
    pub fn has_tle(&self) -> bool {
        self.norad < 340_000
    }
}

/// The catalog: objects in a fixed order, with an index by NORAD number.
///
/// It is built at `anchor`; [`Catalog::advance_to`] moves its clock on,
/// hour by hour: some objects get new element sets, predicted re-entries
/// happen, new predictions are issued, objects are launched. What was
/// published stays as it was (rows are only added), except the state of
/// an object (its current elements, its decay date), as on Space-Track.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub objects: Vec<Object>,
    pub by_norad: std::collections::HashMap<u32, usize>,
    /// How many objects the catalog was built with (launches come after).
    pub base_len: usize,
    /// Decay messages in publication order: first one per re-entry
    /// predicted at `anchor` and one per object decayed before it, then
    /// those published as the clock advanced.
    pub events: Vec<DecayEvent>,
    /// The events that have a TIP message (row order of the tip class).
    pub tip_rows: Vec<usize>,
    /// Element sets published after `anchor`, in publication order (the
    /// gp_history rows after the ones the catalog was built with).
    pub history: Vec<(usize, ElementSet)>,
    /// Re-entries not predicted yet, soonest first: each is announced 21
    /// days before it happens.
    pub future: Vec<(usize, NaiveDateTime)>,
    /// Predicted re-entries that have not happened yet.
    pub pending: Vec<(usize, NaiveDateTime)>,
    pub anchor: NaiveDateTime,
    /// The simulated present: `anchor` plus the time advanced.
    pub now: NaiveDateTime,
    /// Whole hours advanced.
    pub tick: i64,
    pub next_norad: u32,
    /// New objects waiting for their name: when, and the name. Until then
    /// they are `TBA - TO BE ASSIGNED`, and gp and satcat change in place
    /// (no new GP_ID) when the name comes, as on Space-Track.
    pub renames: Vec<(usize, NaiveDateTime, String)>,
    pub seed: u64,
}

/// GP_IDs published after the anchor: `FIRST + tick * SLOTS + object`, so
/// they grow with time as Space-Track's do (those of the anchor are below
/// `FIRST`).
const GP_ID_FIRST: i64 = 300_000_000;
const GP_ID_SLOTS: i64 = 1 << 18;
/// How long before a re-entry it is predicted.
const PREDICTION_LEAD_DAYS: i64 = 21;

const FAMOUS: &[(u32, &str, &str, &str, &str, (i32, u32, u32), f64, f64, f64)] = &[
    // norad, name, intldes, type, country, launch, mean motion, ecc, incl
    (
        25544,
        "ISS (ZARYA)",
        "1998-067A",
        "PAYLOAD",
        "ISS",
        (1998, 11, 20),
        15.4930,
        0.0003452,
        51.6416,
    ),
    (
        20580,
        "HST",
        "1990-037B",
        "PAYLOAD",
        "US",
        (1990, 4, 24),
        15.2738,
        0.0002510,
        28.4699,
    ),
    (
        48274,
        "CSS (TIANHE)",
        "2021-035A",
        "PAYLOAD",
        "PRC",
        (2021, 4, 29),
        15.6201,
        0.0005230,
        41.4690,
    ),
    (
        43013,
        "NOAA 20 (JPSS-1)",
        "2017-073A",
        "PAYLOAD",
        "US",
        (2017, 11, 18),
        14.1952,
        0.0001288,
        98.7226,
    ),
    (
        27424,
        "AQUA",
        "2002-022A",
        "PAYLOAD",
        "US",
        (2002, 5, 4),
        14.5772,
        0.0001624,
        98.2881,
    ),
    (
        28654,
        "NOAA 18",
        "2005-018A",
        "PAYLOAD",
        "US",
        (2005, 5, 20),
        14.1303,
        0.0014040,
        98.8640,
    ),
    (
        44713,
        "STARLINK-1007",
        "2019-074A",
        "PAYLOAD",
        "US",
        (2019, 11, 11),
        15.0640,
        0.0001420,
        53.0540,
    ),
    (
        5,
        "VANGUARD 1",
        "1958-002B",
        "PAYLOAD",
        "US",
        (1958, 3, 17),
        10.8487,
        0.1843800,
        34.2519,
    ),
    (
        4,
        "SL-1 R/B",
        "1957-001A",
        "ROCKET BODY",
        "CIS",
        (1957, 10, 4),
        16.2000,
        0.0010000,
        65.1000,
    ),
];

const COUNTRIES: &[&str] = &[
    "US", "CIS", "PRC", "FR", "JPN", "IND", "ESA", "UK", "ISRA", "TBD",
];
const SITES: &[&str] = &[
    "AFETR", "AFWTR", "TYMSC", "PLMSC", "JSC", "KYMSC", "FRGUI", "SRILR", "WLPIS", "TTMTR",
];
const TYPES: &[&str] = &["PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN"];
const RCS: &[&str] = &["SMALL", "MEDIUM", "LARGE"];

impl Catalog {
    /// `size` objects (at least the famous ones), values derived from `seed`,
    /// epochs in the few days before `anchor`.
    pub fn new(size: usize, seed: u64, anchor: NaiveDateTime) -> Catalog {
        let size = size.max(FAMOUS.len());
        let mut objects = Vec::with_capacity(size);
        let famous_ids: Vec<u32> = FAMOUS.iter().map(|f| f.0).collect();
        for (i, f) in FAMOUS.iter().enumerate() {
            let mut o = synth(seed, i as u64, f.0, anchor);
            o.name = f.1.to_owned();
            o.intldes = f.2.to_owned();
            o.object_type = f.3;
            o.country = f.4;
            o.launch = NaiveDate::from_ymd_opt(f.5.0, f.5.1, f.5.2).expect("valid date");
            o.mean_motion = f.6;
            o.eccentricity = f.7;
            o.inclination = f.8;
            o.decay = if f.0 == 4 {
                NaiveDate::from_ymd_opt(1958, 1, 4)
            } else {
                None
            };
            objects.push(o);
        }
        let mut next = 1u32;
        while objects.len() < size {
            if famous_ids.contains(&next) {
                next += 1;
                continue;
            }
            let i = objects.len() as u64;
            objects.push(synth(seed, i, next, anchor));
            next += 1;
        }
        // A few objects beyond the 5-digit range, to exercise Alpha-5 and
        // the objects without TLEs, replacing the last slots of big catalogs.
        if size >= 1000 {
            let n = objects.len();
            for (slot, norad) in [(n - 3, 100_001u32), (n - 2, 270_000), (n - 1, 800_001)] {
                let o = synth(seed, slot as u64, norad, anchor);
                objects[slot] = o;
            }
        }
        let by_norad = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.norad, i))
            .collect();
        let decayed: Vec<usize> = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.decay.is_some())
            .map(|(i, _)| i)
            .collect();
        // About one low debris or rocket body in sixty re-enters within
        // three weeks.
        let mut reentries: Vec<(usize, NaiveDateTime)> = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.decay.is_none()
                    && matches!(o.object_type, "DEBRIS" | "ROCKET BODY")
                    && o.periapsis() < 1000.0
                    && unit(seed ^ u64::from(o.norad) ^ 0xDEC0) < 1.0 / 60.0
            })
            .map(|(i, o)| {
                let days = 0.2 + 21.0 * unit(seed ^ u64::from(o.norad) ^ 0xDEC1);
                (i, anchor + Duration::seconds((days * 86_400.0) as i64))
            })
            .collect();
        reentries.sort_by_key(|&(_, t)| t);
        // The messages already published at the anchor: one prediction per
        // re-entry to come, one record per decayed object.
        let mut events: Vec<DecayEvent> = reentries
            .iter()
            .enumerate()
            .map(|(r, &(obj, t))| DecayEvent {
                obj,
                msg_epoch: anchor - Duration::minutes(30 + (r as i64 * 37) % 600),
                decay_time: t,
                prediction: true,
            })
            .collect();
        for (d, &obj) in decayed.iter().enumerate() {
            let r = reentries.len() + d;
            let day = objects[obj].decay.unwrap_or(anchor.date());
            let t = day
                .and_hms_opt((r % 24) as u32, ((r * 7) % 60) as u32, 0)
                .unwrap_or(anchor);
            events.push(DecayEvent {
                obj,
                msg_epoch: t - Duration::days(2),
                decay_time: t,
                prediction: false,
            });
        }
        // TIP messages for the predictions and the first fifty records.
        let tip_rows = (0..reentries.len() + decayed.len().min(50)).collect();
        // Re-entries of the months after the anchor, announced as the clock
        // reaches them.
        let predicted: std::collections::HashSet<usize> =
            reentries.iter().map(|&(i, _)| i).collect();
        let mut future: Vec<(usize, NaiveDateTime)> = objects
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                !predicted.contains(i)
                    && o.decay.is_none()
                    && matches!(o.object_type, "DEBRIS" | "ROCKET BODY")
                    && o.periapsis() < 1000.0
                    && unit(seed ^ u64::from(o.norad) ^ 0xDEC2) < 1.0 / 20.0
            })
            .map(|(i, o)| {
                let days = 21.2 + 120.0 * unit(seed ^ u64::from(o.norad) ^ 0xDEC3);
                (i, anchor + Duration::seconds((days * 86_400.0) as i64))
            })
            .collect();
        future.sort_by_key(|&(_, t)| t);
        let next_norad = objects
            .iter()
            .map(|o| o.norad)
            .filter(|&n| n < 90_000)
            .max()
            .unwrap_or(0)
            + 1;
        Catalog {
            base_len: objects.len(),
            pending: reentries.clone(),
            objects,
            by_norad,
            events,
            tip_rows,
            history: Vec::new(),
            future,
            anchor,
            now: anchor,
            tick: 0,
            next_norad,
            renames: Vec::new(),
            seed,
        }
    }

    /// Moves the clock on to `to` (never back), publishing what happens
    /// in each whole hour on the way.
    pub fn advance_to(&mut self, to: NaiveDateTime) {
        if to <= self.now {
            return;
        }
        let last = (to - self.anchor).num_hours();
        // GP_IDs must stay within int(10) unsigned.
        let last = last.min((u32::MAX as i64 - GP_ID_FIRST) / GP_ID_SLOTS - 1);
        for tick in self.tick + 1..=last {
            self.hour(tick);
        }
        self.tick = self.tick.max(last);
        self.now = to;
    }

    /// What is published in the hour that ends `tick` hours after the
    /// anchor.
    fn hour(&mut self, tick: i64) {
        let at = self.anchor + Duration::hours(tick);
        let seed = self.seed;
        let key = move |what: u64, n: u64| mix(seed ^ what ^ ((tick as u64) << 32) ^ n);
        // A launch every half day or so, of one to three objects.
        if key(0x1A0C, 0) % 12 == 0 && self.objects.len() + 3 < GP_ID_SLOTS as usize {
            let pieces = 1 + key(0x1A0D, 0) % 3;
            let number = 100 + key(0x1A0E, 0) % 800;
            for p in 0..pieces {
                let index = self.objects.len();
                let norad = self.next_norad;
                self.next_norad += 1;
                let mut o = synth(self.seed, index as u64, norad, at);
                let name = std::mem::replace(&mut o.name, "TBA - TO BE ASSIGNED".into());
                self.renames.push((index, at + Duration::hours(24), name));
                o.launch = at.date();
                o.decay = None;
                o.intldes = format!(
                    "{}-{number:03}{}",
                    chrono::Datelike::year(&at),
                    ["A", "B", "C"][p as usize]
                );
                self.by_norad.insert(norad, index);
                self.objects.push(o);
                self.publish_elements(index, tick, at);
            }
        }
        // Names given a day after launch.
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.renames)
            .into_iter()
            .partition(|(_, when, _)| *when <= at);
        self.renames = waiting;
        for (i, _, name) in due {
            self.objects[i].name = name;
        }
        // New element sets: about one per object and day (none in a new
        // object's first two days: it keeps the set of its launch).
        for i in 0..self.objects.len() {
            let o = &self.objects[i];
            if o.decay.is_none()
                && o.launch + Duration::days(2) < at.date()
                && key(0xE1E5, i as u64) % 24 == 0
            {
                self.publish_elements(i, tick, at);
            }
        }
        // Predictions announced, and re-entries recorded two hours after
        // they happen, in the order they were published.
        let mut new: Vec<DecayEvent> = Vec::new();
        let lead = Duration::days(PREDICTION_LEAD_DAYS);
        while let Some(&(obj, t)) = self.future.first() {
            if t - lead > at {
                break;
            }
            self.future.remove(0);
            new.push(DecayEvent {
                obj,
                msg_epoch: t - lead,
                decay_time: t,
                prediction: true,
            });
            self.pending.push((obj, t));
        }
        let report = Duration::hours(2);
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|&(_, t)| t + report <= at);
        self.pending = waiting;
        for (obj, t) in done {
            self.objects[obj].decay = Some(t.date());
            self.objects[obj].decayed_late = true;
            new.push(DecayEvent {
                obj,
                msg_epoch: t + report,
                decay_time: t,
                prediction: false,
            });
        }
        new.sort_by_key(|e| e.msg_epoch);
        for e in new {
            self.tip_rows.push(self.events.len());
            self.events.push(e);
        }
    }

    /// A new element set for object `i`, published at `at`.
    fn publish_elements(&mut self, i: usize, tick: i64, at: NaiveDateTime) {
        let o = &self.objects[i];
        let k = mix(self.seed ^ 0xE1E6 ^ ((tick as u64) << 32) ^ i as u64);
        let (prev_epoch, prev_anomaly, prev_rev, prev_elset) = match &o.latest {
            Some(l) => (l.epoch, l.mean_anomaly, l.rev, l.elset),
            None => (o.epoch, o.mean_anomaly, o.rev, o.element_set_no),
        };
        // Observed up to two hours before publication, to the microsecond.
        let epoch = at
            - Duration::minutes(10 + (k % 110) as i64)
            - Duration::microseconds(((k >> 20) % 1_000_000) as i64);
        let epoch = epoch.max(prev_epoch + Duration::seconds(1));
        let revs = ((epoch - prev_epoch).num_seconds() as f64 / 86_400.0 * o.mean_motion) as u32;
        let set = ElementSet {
            epoch,
            mean_anomaly: (prev_anomaly + 137.508).rem_euclid(360.0),
            rev: (prev_rev + revs) % 100_000,
            elset: prev_elset % 999 + 1,
            gp_id: GP_ID_FIRST + tick * GP_ID_SLOTS + i as i64,
            created: at,
            name: o.name.clone(),
        };
        self.history.push((i, set.clone()));
        self.objects[i].latest = Some(set);
    }
}

fn pick<T: Copy>(list: &[T], key: u64) -> T {
    list[(mix(key) % list.len() as u64) as usize]
}

fn synth(seed: u64, index: u64, norad: u32, anchor: NaiveDateTime) -> Object {
    let k = |field: u64| seed ^ (index << 8) ^ (field << 48);
    let u = |field: u64| unit(k(field));
    // Orbital regime: LEO (most), MEO, GEO, HEO.
    let regime = u(1);
    let (mean_motion, eccentricity, inclination) = if regime < 0.75 {
        (14.0 + 2.0 * u(2), 0.02 * u(3) * u(3), 45.0 + 55.0 * u(4))
    } else if regime < 0.85 {
        (2.0 + 0.01 * u(2), 0.02 * u(3), 50.0 + 15.0 * u(4))
    } else if regime < 0.95 {
        (1.0027 + 0.001 * (u(2) - 0.5), 0.001 * u(3), 15.0 * u(4))
    } else {
        (
            2.0 + 0.1 * u(2),
            0.6 + 0.15 * u(3),
            63.4 + 2.0 * (u(4) - 0.5),
        )
    };
    let object_type = pick(TYPES, k(5));
    let launch_year = 1957 + (norad as u64 * 68 / 70_000).min(68) as i32;
    let launch = NaiveDate::from_ymd_opt(
        launch_year.min(2026),
        1 + (mix(k(6)) % 12) as u32,
        1 + (mix(k(7)) % 28) as u32,
    )
    .expect("valid date");
    let launch_num = 1 + mix(k(8)) % 120;
    let piece = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K"][(mix(k(9)) % 10) as usize];
    let decayed = u(10) < 0.2;
    let decay = decayed.then(|| launch + Duration::days(30 + (mix(k(11)) % 9000) as i64));
    let name = match object_type {
        "ROCKET BODY" => format!(
            "{} R/B",
            pick(
                &[
                    "SL-8",
                    "SL-14",
                    "CZ-4B",
                    "DELTA 2",
                    "ATLAS 5 CENTAUR",
                    "FALCON 9"
                ],
                k(12)
            )
        ),
        "DEBRIS" => format!(
            "{} DEB",
            pick(
                &[
                    "FENGYUN 1C",
                    "COSMOS 2251",
                    "IRIDIUM 33",
                    "NOAA 16",
                    "SL-16"
                ],
                k(12)
            )
        ),
        "UNKNOWN" => "OBJECT A".to_owned(),
        _ => format!(
            "{} {}",
            pick(
                &[
                    "COSMOS",
                    "STARLINK",
                    "ONEWEB",
                    "IRIDIUM",
                    "GLOBALSTAR",
                    "NAVSTAR",
                    "FLOCK"
                ],
                k(12)
            ),
            1 + mix(k(13)) % 3000
        ),
    };
    let epoch = anchor - Duration::milliseconds((u(14) * 5.0 * 86_400_000.0) as i64);
    // Microsecond precision, like EPOCH datetime(6).
    let epoch =
        epoch - Duration::nanoseconds(epoch.and_utc().timestamp_subsec_nanos() as i64 % 1000);
    Object {
        norad,
        name,
        intldes: format!("{launch_year}-{launch_num:03}{piece}"),
        object_type,
        country: pick(COUNTRIES, k(15)),
        site: pick(SITES, k(16)),
        launch,
        decay,
        epoch,
        mean_motion,
        eccentricity,
        inclination,
        raan: 360.0 * u(17),
        arg_perigee: 360.0 * u(18),
        mean_anomaly: 360.0 * u(19),
        bstar: (u(20) - 0.3) * 1e-3,
        mean_motion_dot: (u(21) - 0.3) * 1e-4,
        rcs_size: if u(22) < 0.1 {
            None
        } else {
            Some(pick(RCS, k(23)))
        },
        rev: (mix(k(24)) % 99_999) as u32,
        element_set_no: (mix(k(25)) % 999) as u16 + 1,
        latest: None,
        decayed_late: false,
    }
}

/// Alpha-5 catalog number: `25544`, `A0001` (100001), ...
pub fn alpha5(norad: u32) -> String {
    if norad < 100_000 {
        return format!("{norad:5}");
    }
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let lead = (norad / 10_000 - 10) as usize;
    format!("{}{:04}", LETTERS[lead] as char, norad % 10_000)
}

/// `0.00012345` → ` 12345-3` (TLE "assumed decimal point" exponent form).
fn tle_exp(v: f64) -> String {
    if v == 0.0 {
        return " 00000-0".into();
    }
    let sign = if v < 0.0 { '-' } else { ' ' };
    let a = v.abs();
    let mut e = a.log10().floor() as i32 + 1;
    let mut m = (a / 10f64.powi(e) * 1e5).round() as u64;
    if m >= 100_000 {
        m /= 10;
        e += 1;
    }
    let es = if e < 0 { '-' } else { '+' };
    format!("{sign}{m:05}{es}{}", e.abs().min(9))
}

fn checksum(line: &str) -> u32 {
    line.bytes()
        .map(|b| match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'-' => 1,
            _ => 0,
        })
        .sum::<u32>()
        % 10
}

/// TLE line 1 and line 2 of an element set.
pub fn tle_lines(
    o: &Object,
    epoch: NaiveDateTime,
    mean_anomaly: f64,
    rev: u32,
    elset: u16,
) -> (String, String) {
    use chrono::{Datelike, Timelike};
    let sat = alpha5(o.norad);
    let intl = {
        let y = &o.intldes[2..4];
        let rest = &o.intldes[5..];
        format!("{y}{rest}")
    };
    let day = epoch.ordinal() as f64
        + (epoch.num_seconds_from_midnight() as f64 + epoch.nanosecond() as f64 * 1e-9) / 86_400.0;
    let ndot = {
        let s = format!("{:.8}", o.mean_motion_dot.abs());
        let s = s.trim_start_matches('0').to_owned();
        format!("{}{s}", if o.mean_motion_dot < 0.0 { '-' } else { ' ' })
    };
    let l1 = format!(
        "1 {sat}U {intl:<8} {:02}{day:012.8} {ndot} {} {} 0 {:>4}",
        epoch.year() % 100,
        tle_exp(0.0),
        tle_exp(o.bstar),
        elset % 10_000
    );
    let ecc = format!("{:.7}", o.eccentricity);
    let l2 = format!(
        "2 {sat} {:8.4} {:8.4} {} {:8.4} {:8.4} {:11.8}{:5}",
        o.inclination,
        o.raan,
        &ecc[2..],
        o.arg_perigee,
        mean_anomaly,
        o.mean_motion,
        rev % 100_000
    );
    let c1 = checksum(&l1);
    let c2 = checksum(&l2);
    (format!("{l1}{c1}"), format!("{l2}{c2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn deterministic_and_famous_first() {
        let a = Catalog::new(2000, 7, anchor());
        let b = Catalog::new(2000, 7, anchor());
        assert_eq!(a.objects[500].name, b.objects[500].name);
        assert_eq!(a.objects[500].epoch, b.objects[500].epoch);
        assert_eq!(a.objects[0].norad, 25544);
        assert_eq!(a.objects[0].name, "ISS (ZARYA)");
        assert!(a.by_norad.contains_key(&100_001));
        let c = Catalog::new(2000, 8, anchor());
        assert_ne!(a.objects[500].raan, c.objects[500].raan);
    }

    #[test]
    fn tle_lines_are_69_chars_with_valid_checksums() {
        let cat = Catalog::new(1500, 1, anchor());
        for o in cat.objects.iter().filter(|o| o.has_tle()) {
            let (l1, l2) = tle_lines(o, o.epoch, o.mean_anomaly, o.rev, o.element_set_no);
            assert_eq!(l1.len(), 69, "{l1}");
            assert_eq!(l2.len(), 69, "{l2}");
            let c: u32 = l1[68..].parse().unwrap();
            assert_eq!(checksum(&l1[..68]), c);
        }
        assert_eq!(alpha5(100_001), "A0001");
        assert_eq!(alpha5(339_999), "Z9999");
        assert_eq!(tle_exp(0.00012345), " 12345-3");
        assert_eq!(tle_exp(-0.000011606), "-11606-4");
    }
}

//! A deterministic synthetic satellite catalog, coherent as the real one
//! is: catalog numbers rise with launch date; designators name the launch
//! year and the launch's number within it, pieces lettered A, B, C...;
//! payload families fly in their real regimes for their real owners,
//! rocket bodies are named after the vehicles of their owners and launched
//! from those owners' sites; only orbits that decay re-enter, and each
//! re-entry is tracked by TIP messages that close in on it.
//!
//! The same seed, size and anchor always give the same objects. A few
//! famous objects come first (ISS, HST, ...) so demos and tests can rely
//! on them ([`famous::FAMOUS`]); the others are catalog numbers sampled
//! evenly over the launches up to the anchor ([`timeline`]).

mod build;
mod families;
mod famous;
mod orbit;
pub(crate) mod sky;
mod timeline;
mod tle;

use chrono::{Duration, NaiveDate, NaiveDateTime};

pub use orbit::Tip;
pub use tle::{alpha5, tle_lines};

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
    /// When it was launched.
    pub launched: NaiveDateTime,
    /// Its re-entry date once it has happened.
    pub decay: Option<NaiveDate>,
    /// When it re-enters (or re-entered), if within reach of the clock.
    pub decay_at: Option<NaiveDateTime>,
    /// The orbit it was put in (before any decay).
    pub shape: orbit::Shape,
    pub famous: bool,
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
/// The decay class lists these in the order they were published.
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
/// happen, new predictions and TIP messages are issued, objects are
/// launched. What was published stays as it was (rows are only added),
/// except the state of an object (its current elements, its decay date),
/// as on Space-Track.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub objects: Vec<Object>,
    pub by_norad: std::collections::HashMap<u32, usize>,
    /// How many objects the catalog was built with (launches come after).
    pub base_len: usize,
    /// Objects of the built catalog in orbit at the anchor (conjunctions
    /// pair these).
    pub alive: Vec<usize>,
    /// Decay messages in publication order: first those published by the
    /// anchor (records of re-entries, predictions of those to come), then
    /// those published as the clock advanced.
    pub events: Vec<DecayEvent>,
    /// TIP messages in publication order (the tip class's rows).
    pub tips: Vec<Tip>,
    /// TIP messages not issued yet, soonest first.
    pub tip_queue: std::collections::VecDeque<Tip>,
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
    /// Launch numbers and family numberings, for launches after the anchor.
    pub(crate) timeline: timeline::Timeline,
    pub seed: u64,
}

/// GP_IDs published after the anchor: `FIRST + tick * SLOTS + object`, so
/// they grow with time as Space-Track's do (those of the anchor are below
/// `FIRST`).
const GP_ID_FIRST: i64 = 300_000_000;
const GP_ID_SLOTS: i64 = 1 << 18;
/// How long before a re-entry it is predicted.
const PREDICTION_LEAD_DAYS: i64 = 21;
/// How far ahead of the anchor re-entries are known (later ones are not
/// simulated).
pub const HORIZON_DAYS: i64 = 150;
/// How far back of the anchor re-entries have TIP messages.
const TIP_BACK_DAYS: i64 = 30;

impl Catalog {
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
            let pieces = 1 + (key(0x1A0D, 0) % 3) as u32;
            let launch = self.timeline.launch_at(seed, at, self.next_norad, pieces);
            for p in 0..pieces {
                let index = self.objects.len();
                let norad = self.next_norad;
                self.next_norad += 1;
                let mut o = build::piece(seed, &launch, p, norad, at);
                if o.decay_at
                    .is_some_and(|t| t > self.anchor + Duration::days(HORIZON_DAYS))
                {
                    o.decay_at = None;
                }
                build::settle(&mut o, seed, at);
                let name = std::mem::replace(&mut o.name, "TBA - TO BE ASSIGNED".into());
                self.renames.push((index, at + Duration::hours(24), name));
                self.by_norad.insert(norad, index);
                self.objects.push(o);
                self.schedule(index, at);
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
            let msg = t - lead;
            new.push(DecayEvent {
                obj,
                msg_epoch: msg,
                decay_time: orbit::predicted(t, msg, build::bias(seed, &self.objects[obj])),
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
        self.events.extend(new);
        while self.tip_queue.front().is_some_and(|t| t.msg_epoch <= at) {
            if let Some(t) = self.tip_queue.pop_front() {
                self.tips.push(t);
            }
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
        assert_eq!(a.objects.len(), 2000);
        assert!(a.by_norad.contains_key(&100_001));
        let c = Catalog::new(2000, 8, anchor());
        assert_ne!(a.objects[500].raan, c.objects[500].raan);
    }
}

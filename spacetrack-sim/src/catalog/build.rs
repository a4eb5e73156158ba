//! Building the catalog at its anchor: objects from their launches, their
//! state at the anchor (in orbit, decaying, re-entered), and the decay and
//! TIP messages published by then.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use super::families::{FAMILIES, Regime};
use super::famous::FAMOUS;
use super::orbit::{self, Shape};
use super::sky::{VEHICLES, site_by_code, vehicle_index};
use super::timeline::{Launch, Mission, Timeline, piece_letters};
use super::{
    Catalog, DecayEvent, HORIZON_DAYS, Object, PREDICTION_LEAD_DAYS, TIP_BACK_DAYS, mix, unit,
};

/// Catalog numbers beyond the five-digit range that big catalogs always
/// have: Alpha-5 (`A0001`), its top letters, and one without a TLE.
const WIDE: [u32; 3] = [100_001, 270_000, 800_001];

/// An object's own key for `field`.
fn key(seed: u64, norad: u32, field: u64) -> u64 {
    mix(seed ^ ((norad as u64) << 16) ^ (field << 48))
}

/// How far off an object's re-entry predictions are (-1..1 of 15% of the
/// time left).
pub(super) fn bias(seed: u64, o: &Object) -> f64 {
    2.0 * unit(key(seed, o.norad, 40)) - 1.0
}

fn shape_of(mean_motion: f64, ecc: f64, incl: f64) -> Shape {
    let n = mean_motion * 2.0 * std::f64::consts::PI / 86_400.0;
    let a = (super::MU / (n * n)).cbrt();
    Shape {
        perigee: a * (1.0 - ecc) - super::EARTH_RADIUS_KM,
        apogee: a * (1.0 + ecc) - super::EARTH_RADIUS_KM,
        incl,
    }
}

/// Piece `piece` (catalog number `norad`) of `launch`, in the orbit it was
/// put in, with its re-entry if it has one; `now` dates old satellites.
pub(super) fn piece(
    seed: u64,
    launch: &Launch,
    piece: u32,
    norad: u32,
    now: NaiveDateTime,
) -> Object {
    let k = |field: u64| key(seed, norad, field);
    let launch_key = mix(seed ^ ((launch.first as u64) << 20) ^ 0xA1);
    let lat = site_by_code(launch.site()).map_or(28.5, |s| s.lat);
    let age = (now - launch.at).num_days() as f64 / 365.25;
    let letters = piece_letters(piece);
    // (name, type, owner, orbit, days it stays up when fixed).
    let (name, object_type, country, shape, fixed_days, deorbit): (
        String,
        &'static str,
        &'static str,
        Shape,
        Option<Option<i64>>,
        bool,
    ) = match launch.what {
        Mission::Family {
            family,
            vehicle,
            payloads,
            number,
            ..
        } => {
            let fam = &FAMILIES[family];
            let v = &VEHICLES[vehicle];
            let main = orbit::payload(fam.regime, launch_key, age);
            let stage = orbit::rocket_body(main, lat, launch_key ^ 0xB0);
            let r = k(2) % 100;
            if piece < payloads {
                let mut own = main;
                if !matches!(fam.regime, Regime::Geo) {
                    own.perigee += 4.0 * (unit(k(3)) - 0.5);
                    own.apogee = own.apogee.max(own.perigee);
                }
                let name = fam.name(number + piece);
                (name, "PAYLOAD", fam.owner, own, None, fam.deorbited)
            } else if piece == payloads {
                let name = format!("{} R/B", v.name);
                (name, "ROCKET BODY", v.owner, stage, None, false)
            } else if r < 4 {
                let name = format!("OBJECT {letters}");
                (
                    name,
                    "UNKNOWN",
                    fam.owner,
                    orbit::debris(main, k(4)),
                    None,
                    false,
                )
            } else if payloads <= 3 && r < 50 {
                let name = format!("{} DEB", fam.name(number));
                (
                    name,
                    "DEBRIS",
                    fam.owner,
                    orbit::debris(main, k(4)),
                    None,
                    false,
                )
            } else {
                let name = format!("{} DEB", v.name);
                (
                    name,
                    "DEBRIS",
                    v.owner,
                    orbit::debris(stage, k(4)),
                    None,
                    false,
                )
            }
        }
        Mission::Famous(f) => {
            let fam = &FAMOUS[f];
            let main = shape_of(fam.mean_motion, fam.eccentricity, fam.inclination);
            let before = fam.before.len() as u32;
            let after = fam.after.len() as u32;
            let listed = |(name, ty, days): (&str, &'static str, Option<i64>)| {
                let shape = if ty == "ROCKET BODY" {
                    orbit::rocket_body(main, lat, launch_key ^ 0xB0)
                } else {
                    main
                };
                (name.to_owned(), ty, fam.owner, shape, Some(days), false)
            };
            if piece < before {
                listed(fam.before[piece as usize])
            } else if piece == before {
                let days = fam.decay.map(|d| {
                    (NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap_or_default() - launch.at.date())
                        .num_days()
                });
                let name = fam.name.to_owned();
                (name, fam.object_type, fam.owner, main, Some(days), false)
            } else if piece <= before + after {
                listed(fam.after[(piece - before - 1) as usize])
            } else if let Some(rb) = fam.rocket_body.filter(|_| piece == before + after + 1) {
                let owner = VEHICLES[vehicle_index(rb)].owner;
                let stage = orbit::rocket_body(main, lat, launch_key ^ 0xB0);
                (
                    format!("{rb} R/B"),
                    "ROCKET BODY",
                    owner,
                    stage,
                    None,
                    false,
                )
            } else {
                let name = format!("{} DEB", fam.debris);
                (
                    name,
                    "DEBRIS",
                    fam.owner,
                    orbit::debris(main, k(4)),
                    None,
                    false,
                )
            }
        }
    };
    let launched = launch.at;
    let decay_at = match fixed_days {
        Some(days) => {
            days.map(|d| launched + Duration::days(d) + Duration::hours((k(5) % 20) as i64))
        }
        None => {
            let factor = match object_type {
                "PAYLOAD" => 1.0,
                "ROCKET BODY" => 0.8,
                _ => 0.4,
            } * (0.5 + 1.5 * unit(k(6)));
            let mut days = orbit::lifetime_days(shape, factor);
            if deorbit {
                let service = 365.25 * (4.5 + 2.0 * unit(k(7)));
                days = Some(days.map_or(service, |d| d.min(service)));
            }
            days.map(|d| launched + Duration::seconds((d * 86_400.0) as i64))
        }
    };
    let rcs = match object_type {
        "PAYLOAD" if name.starts_with("FLOCK") => "SMALL",
        "PAYLOAD" if shape.high() || name.starts_with("STARLINK") => "LARGE",
        "PAYLOAD" => ["MEDIUM", "LARGE"][(k(8) % 2) as usize],
        "ROCKET BODY" => "LARGE",
        _ => ["SMALL", "SMALL", "SMALL", "MEDIUM"][(k(8) % 4) as usize],
    };
    Object {
        norad,
        intldes: format!("{}{letters}", launch.designator()),
        name,
        object_type,
        country,
        site: launch.site(),
        launch: launched.date(),
        launched,
        decay: None,
        decay_at,
        shape,
        famous: matches!(launch.what, Mission::Famous(f) if piece == FAMOUS[f].before.len() as u32),
        epoch: launched,
        mean_motion: 0.0,
        eccentricity: 0.0,
        inclination: shape.incl,
        raan: 360.0 * unit(k(17)),
        arg_perigee: 360.0 * unit(k(18)),
        mean_anomaly: 360.0 * unit(k(19)),
        bstar: 0.0,
        mean_motion_dot: 0.0,
        rcs_size: (unit(k(22)) >= 0.05).then_some(rcs),
        rev: 0,
        element_set_no: (k(25) % 999) as u16 + 1,
        latest: None,
        decayed_late: false,
    }
}

/// The object's state at `now`: re-entered (its last orbit, its decay
/// date, an epoch just before), decaying (a low orbit, high drag) or in
/// the orbit it was put in; its current element set follows.
pub(super) fn settle(o: &mut Object, seed: u64, now: NaiveDateTime) {
    let k = |field: u64| key(seed, o.norad, field);
    let horizon = Duration::days(HORIZON_DAYS);
    let kind = match o.object_type {
        "PAYLOAD" => 0,
        "ROCKET BODY" => 1,
        _ => 2,
    };
    let (shape, epoch, falling) = match o.decay_at {
        Some(t) if t + Duration::hours(2) <= now => {
            o.decay = Some(t.date());
            let before = Duration::minutes(60 + (k(9) % 1020) as i64);
            (orbit::final_orbit(o.shape, k(10)), t - before, true)
        }
        Some(t) if t <= now + horizon => {
            let days = (t - now).num_seconds() as f64 / 86_400.0;
            let shape = orbit::decaying(o.shape, days, HORIZON_DAYS as f64, k(10));
            let ago = Duration::milliseconds((unit(k(14)) * 86_400_000.0) as i64);
            (shape, now - ago, true)
        }
        _ => {
            let ago = Duration::milliseconds((unit(k(14)) * 5.0 * 86_400_000.0) as i64);
            (o.shape, now - ago, false)
        }
    };
    let epoch = epoch.max(o.launched + Duration::hours(1)).min(now);
    // Microsecond precision, like EPOCH datetime(6).
    let epoch = epoch - Duration::nanoseconds((epoch.nanosecond() % 1000) as i64);
    let (mean_motion, eccentricity) = shape.elements();
    o.epoch = epoch;
    o.mean_motion = mean_motion;
    o.eccentricity = eccentricity;
    o.inclination = shape.incl;
    o.bstar = orbit::bstar(shape, kind, k(11));
    if falling {
        o.bstar = o.bstar.max(2e-4 + 2e-3 * unit(k(12)));
    }
    o.mean_motion_dot = orbit::mean_motion_dot(shape, k(13));
    let days = (epoch - o.launched).num_seconds().max(0) as f64 / 86_400.0;
    o.rev = ((days * mean_motion) as u64 % 100_000) as u32;
}

/// A famous object's launch, when the catalog's numbers stop before it.
fn famous_launch(f: usize) -> Launch {
    let fam = &FAMOUS[f];
    let date =
        NaiveDate::from_ymd_opt(fam.launch.0, fam.launch.1, fam.launch.2).unwrap_or_default();
    Launch {
        first: fam.norad - fam.before.len() as u32,
        len: fam.before.len() as u32 + 1,
        at: date.and_hms_opt(12, 0, 0).unwrap_or_default(),
        year: fam.launch.0,
        num: fam.intldes[5..8].parse().unwrap_or(1),
        what: Mission::Famous(f),
    }
}

impl Catalog {
    /// `size` objects (at least the famous ones), values derived from
    /// `seed`, launched up to two days before `anchor`.
    pub fn new(size: usize, seed: u64, anchor: NaiveDateTime) -> Catalog {
        let size = size.max(FAMOUS.len());
        let end = anchor - Duration::days(2);
        let wide: &[u32] = if size >= 1000 { &WIDE } else { &[] };
        let wanted = size - FAMOUS.len() - wide.len();
        let mut tl = Timeline::build(seed, end, wanted);
        let in_line = wide
            .iter()
            .filter(|&&w| w <= tl.top && !(70_000..100_000).contains(&w))
            .count();
        let ids = tl.sample(seed, wanted + in_line, wide);
        let mut objects: Vec<Object> = Vec::with_capacity(size);
        for (f, fam) in FAMOUS.iter().enumerate() {
            let launch = tl
                .launch_of(fam.norad)
                .cloned()
                .unwrap_or_else(|| famous_launch(f));
            let p = fam.norad - launch.first;
            let mut o = piece(seed, &launch, p, fam.norad, anchor);
            o.intldes = fam.intldes.to_owned();
            objects.push(o);
        }
        for &id in &ids {
            if let Some(launch) = tl.launch_of(id) {
                objects.push(piece(seed, launch, id - launch.first, id, anchor));
            }
        }
        let mut next = ids.last().copied().unwrap_or(0).max(tl.top) + 1;
        for (k, &w) in wide.iter().enumerate().filter(|(_, w)| !ids.contains(w)) {
            let at = end + Duration::hours(6 * (k as i64 + 1));
            let launch = tl.launch_at(seed, at, w, 1);
            objects.push(piece(seed, &launch, 0, w, anchor));
            next = next.max(w + 1);
        }
        tl.launches = Vec::new();
        Self::nudge(&mut objects, seed, anchor, size);
        for o in objects.iter_mut() {
            settle(o, seed, anchor);
        }
        let by_norad = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.norad, i))
            .collect();
        let alive = (0..objects.len())
            .filter(|&i| objects[i].decay.is_none())
            .collect();
        let mut cat = Catalog {
            base_len: objects.len(),
            objects,
            by_norad,
            alive,
            events: Vec::new(),
            tips: Vec::new(),
            tip_queue: Default::default(),
            history: Vec::new(),
            future: Vec::new(),
            pending: Vec::new(),
            anchor,
            now: anchor,
            tick: 0,
            next_norad: next,
            renames: Vec::new(),
            timeline: tl,
            seed,
        };
        cat.messages();
        cat
    }

    /// Sees that about one object in a hundred re-enters in each of the
    /// month before the anchor, the three weeks after it (predicted) and
    /// the months after that (solar activity varies; a catalog has its
    /// busy seasons): low objects still in orbit come down then, their
    /// orbits decaying accordingly.
    fn nudge(objects: &mut [Object], seed: u64, anchor: NaiveDateTime, size: usize) {
        let days = Duration::days;
        let windows = [
            (anchor - days(TIP_BACK_DAYS), anchor),
            (anchor, anchor + days(PREDICTION_LEAD_DAYS)),
            (
                anchor + days(PREDICTION_LEAD_DAYS),
                anchor + days(HORIZON_DAYS),
            ),
        ];
        let want = (size / 100).max(1);
        let mut candidates: Vec<usize> = (0..objects.len())
            .filter(|&i| {
                let o = &objects[i];
                !o.famous
                    && o.decay_at.is_none_or(|t| t > windows[2].1)
                    && o.shape.perigee < 650.0
                    && o.shape.apogee < 2_500.0
                    && o.launched < anchor - days(TIP_BACK_DAYS)
            })
            .collect();
        candidates.sort_by_key(|&i| key(seed, objects[i].norad, 41));
        let mut next = candidates.into_iter();
        for (w, (from, to)) in windows.into_iter().enumerate() {
            let inside = |o: &Object| o.decay_at.is_some_and(|t| t > from && t <= to);
            let have = objects.iter().filter(|o| !o.famous && inside(o)).count();
            for i in next.by_ref().take(want.saturating_sub(have)) {
                let o = &mut objects[i];
                let span = (to - from).num_seconds() as f64;
                let u = unit(key(seed, o.norad, 42 + w as u64));
                o.decay_at = Some(from + Duration::seconds(1 + (u * (span - 1.0)) as i64));
            }
        }
    }

    /// The decay and TIP messages published by the anchor, and those to
    /// come as the clock advances.
    fn messages(&mut self) {
        let anchor = self.anchor;
        let seed = self.seed;
        let lead = Duration::days(PREDICTION_LEAD_DAYS);
        let horizon = anchor + Duration::days(HORIZON_DAYS);
        let mut events = Vec::new();
        let mut tips = Vec::new();
        for (i, o) in self.objects.iter().enumerate() {
            let Some(t) = o.decay_at else { continue };
            if o.decay.is_some() {
                events.push(DecayEvent {
                    obj: i,
                    msg_epoch: t + Duration::hours(2),
                    decay_time: t,
                    prediction: false,
                });
            } else if t <= anchor + lead {
                let r = self.pending.len() as i64;
                let msg = (anchor - Duration::minutes(30 + (r * 37) % 600))
                    .min(t - Duration::hours(1))
                    .max(o.launched + Duration::hours(1));
                events.push(DecayEvent {
                    obj: i,
                    msg_epoch: msg,
                    decay_time: orbit::predicted(t, msg, bias(seed, o)),
                    prediction: true,
                });
                self.pending.push((i, t));
            } else if t <= horizon {
                self.future.push((i, t));
            }
            if t > anchor - Duration::days(TIP_BACK_DAYS) && t <= horizon {
                tips.extend(orbit::tips(i, t, o.launched, bias(seed, o)));
            }
        }
        events.sort_by_key(|e| e.msg_epoch);
        self.future.sort_by_key(|&(_, t)| t);
        tips.sort_by_key(|t| (t.msg_epoch, t.obj));
        let (published, queued): (Vec<_>, Vec<_>) =
            tips.into_iter().partition(|t| t.msg_epoch <= anchor);
        self.events = events;
        self.tips = published;
        self.tip_queue = queued.into();
    }

    /// Schedules the re-entry of object `i`, launched after the anchor, at
    /// `at`: predicted now or 21 days ahead, tracked by TIP messages; one
    /// beyond the horizon is not simulated.
    pub(super) fn schedule(&mut self, i: usize, at: NaiveDateTime) {
        let horizon = self.anchor + Duration::days(HORIZON_DAYS);
        let o = &mut self.objects[i];
        let Some(t) = o.decay_at else { return };
        if t > horizon {
            o.decay_at = None;
            return;
        }
        let b = bias(self.seed, o);
        let launched = o.launched;
        if t - Duration::days(PREDICTION_LEAD_DAYS) > at {
            let p = self.future.partition_point(|&(_, f)| f <= t);
            self.future.insert(p, (i, t));
        } else {
            self.events.push(DecayEvent {
                obj: i,
                msg_epoch: at,
                decay_time: orbit::predicted(t, at, b),
                prediction: true,
            });
            self.pending.push((i, t));
        }
        for tip in orbit::tips(i, t, launched, b) {
            if tip.msg_epoch > at {
                let p = self
                    .tip_queue
                    .partition_point(|q| (q.msg_epoch, q.obj) <= (tip.msg_epoch, tip.obj));
                self.tip_queue.insert(p, tip);
            }
        }
    }
}

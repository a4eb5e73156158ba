//! Orbits: a family's regime, where rocket bodies and debris end up, how
//! long a low orbit lasts, what a decaying orbit looks like, and the TIP
//! messages that track a re-entry.

use chrono::{Duration, NaiveDateTime};

use super::families::Regime;
use super::{EARTH_RADIUS_KM, MU};

/// A uniform number in `[0, 1)` from a key.
fn u(key: u64) -> f64 {
    super::unit(key)
}

/// Perigee and apogee altitudes (km) and inclination (degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub perigee: f64,
    pub apogee: f64,
    pub incl: f64,
}

impl Shape {
    /// Mean motion (rev/day) and eccentricity.
    pub fn elements(&self) -> (f64, f64) {
        let a = EARTH_RADIUS_KM + (self.perigee + self.apogee) / 2.0;
        let ecc = (self.apogee - self.perigee) / (2.0 * a);
        let n = (MU / (a * a * a)).sqrt();
        (n * 86_400.0 / (2.0 * std::f64::consts::PI), ecc)
    }

    /// Whether it stays well above the atmosphere's reach for centuries
    /// (MEO, GEO, HEO with a high perigee).
    pub fn high(&self) -> bool {
        self.perigee > 2_000.0
    }

    fn clamped(mut self) -> Shape {
        self.perigee = self.perigee.max(120.0);
        self.apogee = self.apogee.max(self.perigee);
        self.incl = self.incl.clamp(0.0, 180.0);
        self
    }
}

/// The inclination of a Sun-synchronous orbit at `alt` km.
pub fn sso_inclination(alt: f64) -> f64 {
    let a = EARTH_RADIUS_KM + alt;
    (-(a / 12_352.0).powf(3.5)).acos().to_degrees()
}

const GEO_ALT: f64 = 35_786.0;

/// A payload's orbit in its family's regime; `age` (years) lets an old
/// geostationary satellite's inclination drift.
pub fn payload(regime: Regime, key: u64, age: f64) -> Shape {
    let span = |(lo, hi): (f64, f64), k: u64| lo + (hi - lo) * u(key ^ k);
    match regime {
        Regime::Circular { alt, incl } => {
            let h = span(alt, 1);
            let e = 2.0 * span((0.0, 1.0), 2);
            Shape {
                perigee: h - e,
                apogee: h + e,
                incl: span(incl, 3),
            }
        }
        Regime::Sso { alt } => {
            let h = span(alt, 1);
            let e = 2.0 * span((0.0, 1.0), 2);
            Shape {
                perigee: h - e,
                apogee: h + e,
                incl: sso_inclination(h) + 0.1 * (u(key ^ 3) - 0.5),
            }
        }
        Regime::Geo => {
            // Station-kept within a tenth of a degree; left alone after
            // some twelve years, the inclination drifts by about 0.8 a
            // year, to 15 at most.
            let drift = (0.8 * (age - 12.0)).clamp(0.1, 15.0);
            let h = GEO_ALT + 20.0 * (u(key ^ 1) - 0.5);
            Shape {
                perigee: h - 5.0 * u(key ^ 2),
                apogee: h + 5.0 * u(key ^ 2),
                incl: drift * u(key ^ 3),
            }
        }
        Regime::Molniya => Shape {
            perigee: span((500.0, 1_000.0), 1),
            apogee: span((39_000.0, 40_000.0), 2),
            incl: span((62.8, 63.4), 3),
        },
    }
}

/// A rocket body: a low orbit under its payload's, or the transfer orbit
/// to a high one (inclined as the site's latitude).
pub fn rocket_body(payload: Shape, site_lat: f64, key: u64) -> Shape {
    if payload.apogee > 5_000.0 && payload.perigee > 2_000.0 {
        return Shape {
            perigee: 180.0 + 450.0 * u(key ^ 1),
            apogee: payload.apogee,
            incl: site_lat + 3.0 * u(key ^ 2),
        }
        .clamped();
    }
    if payload.apogee > 5_000.0 {
        // Molniya: the stage shares the orbit.
        return Shape {
            perigee: payload.perigee - 100.0 * u(key ^ 1),
            ..payload
        }
        .clamped();
    }
    let low = 150.0 + (payload.perigee - 150.0).max(0.0) * u(key ^ 1);
    Shape {
        perigee: low,
        apogee: payload.apogee + 50.0 * u(key ^ 2),
        incl: payload.incl + 0.3 * (u(key ^ 3) - 0.5),
    }
    .clamped()
}

/// Debris around its parent's orbit, a little lower and wider.
pub fn debris(parent: Shape, key: u64) -> Shape {
    let down = (parent.perigee - 140.0).clamp(0.0, 150.0) * u(key ^ 1);
    Shape {
        perigee: parent.perigee - down,
        apogee: parent.apogee + 300.0 * u(key ^ 2),
        incl: parent.incl + (u(key ^ 3) - 0.5),
    }
    .clamped()
}

/// Days in orbit from perigee and apogee, scaled by `factor` (area to
/// mass: debris goes sooner): a day at 150 km, a month at 300, about a
/// year at 420, decades at 600, ages above.
pub fn lifetime_days(shape: Shape, factor: f64) -> Option<f64> {
    if shape.high() {
        return None;
    }
    let eff = shape.perigee + 0.01 * (shape.apogee - shape.perigee);
    let days = 0.5 * ((eff - 120.0) / 45.0).exp() * factor;
    (days < 3.0e6).then_some(days)
}

/// The orbit of an object `days` before its re-entry: the perigee falls
/// under 300 km in its last months and to 130 km at the end.
pub fn decaying(shape: Shape, days: f64, horizon_days: f64, key: u64) -> Shape {
    let share = (days / horizon_days).clamp(0.0, 1.0);
    let perigee = 130.0 + 160.0 * share.sqrt();
    let spread = (shape.apogee - shape.perigee).max(0.0);
    Shape {
        perigee,
        apogee: perigee + (spread * share).min(2_000.0 * share) + 20.0 * u(key ^ 7),
        incl: shape.incl,
    }
}

/// The last orbit before a re-entry.
pub fn final_orbit(shape: Shape, key: u64) -> Shape {
    let perigee = 120.0 + 60.0 * u(key ^ 8);
    Shape {
        perigee,
        apogee: perigee + 60.0 * u(key ^ 9),
        incl: shape.incl,
    }
}

/// BSTAR (1/earth radii): drag grows as the perigee falls; `kind` 0 for a
/// payload, 1 a rocket body, 2 debris.
pub fn bstar(shape: Shape, kind: u8, key: u64) -> f64 {
    if shape.perigee > 2_000.0 {
        return 1e-6 * u(key ^ 10);
    }
    let base = [5e-5, 1e-4, 3e-4][kind.min(2) as usize];
    let v = base * (0.5 + u(key ^ 10)) * (-(shape.perigee - 400.0) / 150.0).exp();
    v.clamp(1e-6, 0.05)
}

/// The first derivative of mean motion over two (rev/day²): zero far up,
/// growing as the orbit decays.
pub fn mean_motion_dot(shape: Shape, key: u64) -> f64 {
    if shape.perigee > 2_000.0 {
        // Eight decimals, as a TLE writes it: often zero far up.
        return (1e-7 * (u(key ^ 11) - 0.5) * 1e8).round() / 1e8 + 0.0;
    }
    let v = 2e-5 * (0.2 + u(key ^ 11)) * (-(shape.perigee - 400.0) / 60.0).exp();
    v.min(0.5)
}

/// One TIP message about a re-entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tip {
    pub obj: usize,
    pub msg_epoch: NaiveDateTime,
    /// The predicted re-entry.
    pub decay_epoch: NaiveDateTime,
    /// The uncertainty, in minutes either side.
    pub window: u32,
    /// Hours until the next message (0 after the last).
    pub next_report: u32,
}

/// Hours before a re-entry at which TIP messages are issued; the last
/// comes two hours after it.
const TIP_HOURS: &[i64] = &[96, 72, 48, 36, 24, 18, 12, 8, 6, 4, 2, -2];

/// The re-entry predicted at `msg` for one at `t`: off by a share of the
/// time left that is the object's own (`bias`, -1..1), so predictions
/// close in on it.
pub fn predicted(t: NaiveDateTime, msg: NaiveDateTime, bias: f64) -> NaiveDateTime {
    let left = (t - msg).num_seconds().max(0) as f64;
    t + Duration::seconds((0.15 * bias * left) as i64)
}

/// The TIP messages of object `obj` re-entering at `t`, from the first
/// issued after `not_before` (its launch) to the one after the re-entry:
/// the window narrows and the prediction closes in.
pub fn tips(obj: usize, t: NaiveDateTime, not_before: NaiveDateTime, bias: f64) -> Vec<Tip> {
    let times: Vec<NaiveDateTime> = TIP_HOURS
        .iter()
        .map(|&h| t - Duration::hours(h))
        .filter(|&m| m > not_before)
        .collect();
    times
        .iter()
        .enumerate()
        .map(|(i, &msg)| {
            let left = (t - msg).num_minutes().max(0) as f64;
            Tip {
                obj,
                msg_epoch: msg,
                decay_epoch: predicted(t, msg, bias),
                window: (0.2 * left).round().max(5.0) as u32,
                next_report: times
                    .get(i + 1)
                    .map_or(0, |&n| (n - msg).num_hours().max(1) as u32),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_have_their_periods() {
        let (n, e) = payload(Regime::Geo, 1, 1.0).elements();
        assert!((n - 1.0027).abs() < 0.002 && e < 0.001, "{n} {e}");
        assert!((sso_inclination(700.0) - 98.2).abs() < 0.1);
        let iss = Shape {
            perigee: 415.0,
            apogee: 422.0,
            incl: 51.6,
        };
        let (n, _) = iss.elements();
        assert!((n - 15.5).abs() < 0.05, "{n}");
        let gps = payload(
            Regime::Circular {
                alt: (20_200.0, 20_200.0),
                incl: (55.0, 55.0),
            },
            3,
            1.0,
        );
        assert!((gps.elements().0 - 2.005).abs() < 0.01);
    }

    #[test]
    fn tips_converge() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(6, 0, 0)
            .unwrap();
        let tips = tips(0, t, t - Duration::days(30), -0.8);
        assert_eq!(tips.len(), TIP_HOURS.len());
        for w in tips.windows(2) {
            assert!(w[0].msg_epoch < w[1].msg_epoch);
            assert!(w[0].window >= w[1].window);
            let off = |x: &Tip| (x.decay_epoch - t).num_seconds().abs();
            assert!(off(&w[0]) >= off(&w[1]));
            assert!(off(&w[0]) <= w[0].window as i64 * 60);
        }
        assert_eq!(tips.last().unwrap().decay_epoch, t);
        assert_eq!(tips.last().unwrap().next_report, 0);
    }
}

//! The value of each cell, from the object (or pair of objects, or
//! message) its row is about.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use spacetrack_codegen::Column;

use super::Val;
use super::fit::generic;
use crate::catalog::sky::{OWNERS, SITES};
use crate::catalog::{Catalog, DecayEvent, ElementSet, Object, Tip, tle_lines, unit};

pub(super) struct RowCtx<'a> {
    pub(super) cat: &'a Catalog,
    /// The message of a decay row.
    pub(super) event: Option<&'a DecayEvent>,
    /// The message of a tip row.
    pub(super) tip: Option<&'a Tip>,
    /// The element set of a gp_history row published after the anchor.
    pub(super) extra: Option<&'a ElementSet>,
    /// Whether the row holds the object's current element set (gp).
    pub(super) current: bool,
    /// Whether the row is a published element set (gp_history).
    pub(super) history: bool,
    /// When a row added after the anchor was published (cdm_public).
    pub(super) born: Option<NaiveDateTime>,
    pub(super) class: &'a str,
    pub(super) obj: &'a Object,
    pub(super) other: Option<&'a Object>,
    pub(super) r: usize,
    pub(super) k: usize,
    pub(super) key: u64,
}

/// The element set of a gp or gp_history row.
pub(super) struct Elements {
    epoch: NaiveDateTime,
    created: NaiveDateTime,
    mean_anomaly: f64,
    rev: u32,
    elset: u16,
    gp_id: i64,
    line1: Option<String>,
    line2: Option<String>,
}

impl RowCtx<'_> {
    pub(super) fn elements(&self) -> Elements {
        let o = self.obj;
        let published = self
            .extra
            .or_else(|| self.current.then_some(o.latest.as_ref()).flatten());
        if let Some(set) = published {
            let (line1, line2) = if o.has_tle() {
                let (a, b) = tle_lines(o, set.epoch, set.mean_anomaly, set.rev, set.elset);
                (Some(a), Some(b))
            } else {
                (None, None)
            };
            return Elements {
                epoch: set.epoch,
                created: set.created,
                mean_anomaly: set.mean_anomaly,
                rev: set.rev,
                elset: set.elset,
                gp_id: set.gp_id,
                line1,
                line2,
            };
        }
        // Each older element set is half a day earlier, or closer
        // together for an object launched less than that before.
        let k = self.k as i32;
        let step = Duration::hours(12).min((o.epoch - o.launched) / (k + 1));
        let epoch = o.epoch - step * k;
        let mean_anomaly = (o.mean_anomaly + 97.3 * self.k as f64).rem_euclid(360.0);
        let rev = o
            .rev
            .saturating_sub((self.k as f64 * o.mean_motion / 2.0) as u32);
        let elset = o.element_set_no.wrapping_sub(self.k as u16).max(1);
        let (line1, line2) = if o.has_tle() {
            let (a, b) = tle_lines(o, epoch, mean_anomaly, rev, elset);
            (Some(a), Some(b))
        } else {
            (None, None)
        };
        let base = self.cat.by_norad[&o.norad] as i64;
        Elements {
            epoch,
            created: (epoch + Duration::hours(3))
                .min(self.cat.anchor)
                .with_nanosecond_zero(),
            mean_anomaly,
            rev,
            elset,
            // Older sets have smaller GP_IDs, as on Space-Track.
            gp_id: 200_000_000 + base * 1000 + 999 - self.k as i64,
            line1,
            line2,
        }
    }

    /// The object's name, as it was when a published element set was
    /// filed.
    fn name(&self) -> &str {
        self.extra.map_or(&self.obj.name, |set| &set.name)
    }

    pub(super) fn u(&self, col: usize) -> f64 {
        unit(self.key ^ ((col as u64 + 1) << 40))
    }
}

pub(super) fn value(ctx: &RowCtx<'_>, el: Option<&Elements>, col: &Column, i: usize) -> Val {
    let o = ctx.obj;
    let name = col.name.to_ascii_uppercase();
    let text = |s: &str| Val::Text(s.to_owned());
    let date_or_null = |d: Option<NaiveDate>| d.map(Val::Date).unwrap_or(Val::Null);
    // Columns shared by many classes.
    let shared = match name.as_str() {
        "NORAD_CAT_ID"
        | "OBJECT_NUMBER"
        | "SAT_1_ID"
        | "JSPOC_NORAD_CAT_ID"
        | "USER_DEFINED_NORAD_CAT_ID"
        | "SAT1_OBJECT_DESIGNATOR" => Some(Val::Int(o.norad as i64)),
        "SAT_2_ID" | "SAT2_OBJECT_DESIGNATOR" => {
            Some(Val::Int(ctx.other.unwrap_or(o).norad as i64))
        }
        "OBJECT_NAME" | "SATNAME" | "SAT_1_NAME" | "SAT1_OBJECT_NAME" | "CURRENT_NAME"
        | "SAT1_CATALOG_NAME" => Some(text(ctx.name())),
        "SAT_2_NAME" | "SAT2_OBJECT_NAME" | "SAT2_CATALOG_NAME" => {
            Some(text(&ctx.other.unwrap_or(o).name))
        }
        "OBJECT_ID" | "INTLDES" | "CURRENT_INTLDES" | "SAT1_INTERNATIONAL_DESIGNATOR" => {
            Some(text(&o.intldes))
        }
        "SAT2_INTERNATIONAL_DESIGNATOR" => Some(text(&ctx.other.unwrap_or(o).intldes)),
        "OBJECT_TYPE" | "SAT1_OBJECT_TYPE" => Some(text(o.object_type)),
        "SAT2_OBJECT_TYPE" => Some(text(ctx.other.unwrap_or(o).object_type)),
        "COUNTRY" | "COUNTRY_CODE" | "CURRENT_COUNTRY" if ctx.class != "boxscore" => {
            Some(text(o.country))
        }
        "SITE" => Some(text(o.site)),
        "LAUNCH" | "LAUNCH_DATE" | "CURRENT_LAUNCH" => Some(Val::Date(o.launch)),
        // A gp_history row shows the decay known when it was published.
        "DECAY" | "DECAY_DATE" | "CURRENT_DECAY" => Some(date_or_null(
            o.decay.filter(|_| !(ctx.history && o.decayed_late)),
        )),
        "RCS_SIZE" | "SAT1_RCS" => Some(o.rcs_size.map(text).unwrap_or(Val::Null)),
        "SAT2_RCS" => Some(
            ctx.other
                .unwrap_or(o)
                .rcs_size
                .map(text)
                .unwrap_or(Val::Null),
        ),
        // TIP messages give it to two places.
        "INCL" if ctx.class == "tip" => Some(Val::Real((o.inclination * 100.0).round() / 100.0)),
        "INCLINATION" | "INCL" => Some(Val::Real(o.inclination)),
        "PERIOD" => Some(Val::Real(o.period_minutes())),
        "APOGEE" | "APOAPSIS" => Some(Val::Real(o.apoapsis())),
        "PERIGEE" | "PERIAPSIS" => Some(Val::Real(o.periapsis())),
        "SEMIMAJOR_AXIS" | "SEMI_MAJOR_AXIS" => Some(Val::Real(o.semimajor_axis())),
        "MEAN_MOTION" => Some(Val::Real(o.mean_motion)),
        "ECCENTRICITY" => Some(Val::Real(o.eccentricity)),
        "RA_OF_ASC_NODE" => Some(Val::Real(o.raan)),
        "ARG_OF_PERICENTER" => Some(Val::Real(o.arg_perigee)),
        "CURRENT" => Some(text(if o.decay.is_some() { "N" } else { "Y" })),
        "LAUNCH_YEAR" => Some(Val::Int(o.intldes[..4].parse().unwrap_or(2000))),
        "LAUNCH_NUM" => Some(Val::Int(o.intldes[5..8].parse().unwrap_or(1))),
        "LAUNCH_PIECE" => Some(text(&o.intldes[8..])),
        "RCSVALUE" | "RCS" => Some(Val::Int(0)),
        _ => None,
    };
    if let Some(v) = shared {
        return v;
    }
    if let Some(el) = el {
        let gp = match name.as_str() {
            "CCSDS_OMM_VERS" => Some(text("3.0")),
            "COMMENT" => Some(text("GENERATED VIA SPACE-TRACK.ORG API")),
            "ORIGINATOR" => Some(text("18 SPCS")),
            "CENTER_NAME" => Some(text("EARTH")),
            "REF_FRAME" => Some(text("TEME")),
            "TIME_SYSTEM" => Some(text("UTC")),
            "MEAN_ELEMENT_THEORY" => Some(text("SGP4")),
            "EPOCH" => Some(Val::DateTime(el.epoch)),
            "CREATION_DATE" => Some(Val::DateTime(el.created)),
            "MEAN_ANOMALY" => Some(Val::Real(el.mean_anomaly)),
            "EPHEMERIS_TYPE" => Some(Val::Int(0)),
            "CLASSIFICATION_TYPE" => Some(text("U")),
            "ELEMENT_SET_NO" => Some(Val::Int(el.elset as i64)),
            "REV_AT_EPOCH" => Some(Val::Int(el.rev as i64)),
            "BSTAR" => Some(Val::Real(o.bstar)),
            "MEAN_MOTION_DOT" => Some(Val::Real(o.mean_motion_dot)),
            "MEAN_MOTION_DDOT" => Some(Val::Real(0.0)),
            "FILE" => Some(Val::Int(4_700_000 + (el.gp_id % 100_000))),
            "GP_ID" => Some(Val::Int(el.gp_id)),
            "TLE_LINE0" => Some(text(&format!("0 {}", ctx.name()))),
            "TLE_LINE1" => Some(el.line1.clone().map(Val::Text).unwrap_or(Val::Null)),
            "TLE_LINE2" => Some(el.line2.clone().map(Val::Text).unwrap_or(Val::Null)),
            _ => None,
        };
        if let Some(v) = gp {
            return v;
        }
    }
    let anchor = ctx.cat.anchor;
    let class_specific = match (ctx.class, name.as_str()) {
        // A record is reported two hours after the re-entry; one taken
        // from the catalog (SOURCE satcat) has no message epoch.
        ("decay", "MSG_EPOCH") if from_satcat(ctx) => Some(Val::Null),
        ("decay" | "tip", "MSG_EPOCH") => Some(Val::DateTime(msg_epoch(ctx))),
        ("tip", "INSERT_EPOCH") => Some(Val::DateTime(msg_epoch(ctx) + Duration::minutes(7))),
        ("decay", "DECAY_EPOCH") => {
            // A varchar on Space-Track, written in several forms: a
            // one-digit hour, with or without seconds.
            let t = decay_time(ctx);
            let day = t.format("%Y-%m-%d");
            Some(text(&match ctx.r % 3 {
                0 => format!("{day} {}:{:02}", t.hour(), t.minute()),
                1 => format!("{day} {}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
                _ => format!("{day} {}", t.format("%H:%M:%S")),
            }))
        }
        // cdm, as a real answer has it: the covariance spans many orders of
        // magnitude, fractions of seconds come separately, operators give
        // URLs for phone numbers.
        ("cdm", n) if is_covariance(n) => {
            let mag = -12.0 + 16.0 * ctx.u(i + 200);
            let sign = if n.ends_with("_R") || ctx.u(i + 300) < 0.5 {
                1.0
            } else {
                -1.0
            };
            Some(Val::Real(
                sign * (1.0 + 8.99 * ctx.u(i)) * 10f64.powf(mag.floor()),
            ))
        }
        ("cdm", n) if n.ends_with("_FRACTION") => {
            let digits = format!("{:06}", (ctx.u(i) * 1e6) as u32);
            let trimmed = digits.trim_end_matches('0');
            Some(text(if trimmed.is_empty() { "0" } else { trimmed }))
        }
        ("cdm", n) if n.ends_with("_OPERATOR_PHONE") => Some(text(&format!(
            "https://operators.example.org/contact/{}",
            ctx.r + 1
        ))),
        ("tip", "DECAY_EPOCH") => Some(Val::DateTime(decay_time(ctx))),
        // The uncertainty window narrows as re-entry nears (minutes, +/-).
        ("tip", "WINDOW") => Some(Val::Int(ctx.tip.map_or(5, |t| t.window) as i64)),
        ("tip", "NEXT_REPORT") => Some(Val::Int(ctx.tip.map_or(0, |t| t.next_report) as i64)),
        ("tip", "LAT") => Some(Val::Real(
            ((2.0 * ctx.u(i) - 1.0) * o.inclination.min(180.0 - o.inclination) * 100.0).round()
                / 100.0,
        )),
        // Rounded after the shift, so the value is the decimal it prints as.
        ("tip", "LON") => Some(Val::Real(
            ((ctx.u(i) * 36_000.0).round() - 18_000.0) / 100.0,
        )),
        ("tip", "REV") => Some(Val::Int(i64::from(o.rev) + (ctx.u(i) * 30.0) as i64)),
        ("tip", "DIRECTION") => Some(text(if ctx.u(i) < 0.5 {
            "ascending"
        } else {
            "descending"
        })),
        // A large object is of high interest in its last day.
        ("tip", "HIGH_INTEREST") => Some(text(
            if o.rcs_size == Some("LARGE")
                && decay_time(ctx) - msg_epoch(ctx) <= Duration::hours(24)
            {
                "Y"
            } else {
                "N"
            },
        )),
        ("decay", "MSG_TYPE") if ctx.event.is_some_and(|e| e.prediction) => {
            Some(text("Prediction"))
        }
        ("decay", "SOURCE") => Some(text(if from_satcat(ctx) {
            "satcat"
        } else {
            "decay_msg"
        })),
        ("decay", "MSG_TYPE") => Some(text("Historical")),
        ("decay", "PRECEDENCE") => Some(Val::Int((ctx.r % 3) as i64 + 1)),
        ("cdm_public", "CDM_ID") | ("tip", "ID") => Some(Val::Int(400_000_000 + ctx.r as i64)),
        // A CDM published after the anchor was created in the hour before
        // it was published.
        ("cdm_public", "TCA") => Some(Val::DateTime(
            ctx.born.unwrap_or(anchor) + Duration::seconds((ctx.u(i) * 7.0 * 86_400.0) as i64),
        )),
        ("cdm_public", "CREATED") => Some(Val::DateTime(match ctx.born {
            Some(t) => t - Duration::seconds((ctx.u(i) * 3_600.0) as i64),
            None => anchor - Duration::seconds((ctx.u(i) * 86_400.0) as i64),
        })),
        ("cdm_public", "MIN_RNG") => Some(Val::Real((ctx.u(i) * 5000.0).round())),
        ("cdm_public", "PC") => Some(if ctx.u(i) < 0.3 {
            Val::Null
        } else {
            Val::Real(10f64.powf(-2.0 - 8.0 * ctx.u(i + 100)))
        }),
        ("cdm_public", "EMERGENCY_REPORTABLE") => {
            Some(text(if ctx.u(i) < 0.1 { "Y" } else { "N" }))
        }
        // Few objects have a comment.
        ("satcat" | "satcat_debut", "COMMENT" | "COMMENTCODE") => Some(Val::Null),
        ("boxscore", "COUNTRY") => Some(text(OWNERS[ctx.r % OWNERS.len()].1)),
        ("boxscore", "SPADOC_CD") => Some(text(OWNERS[ctx.r % OWNERS.len()].0)),
        ("boxscore", n) => boxscore(ctx, n),
        ("launch_site", "SITE_CODE") => Some(text(SITES[ctx.r % SITES.len()].code)),
        ("launch_site", "LAUNCH_SITE") => Some(text(SITES[ctx.r % SITES.len()].name)),
        // A new object is listed a day or two after its launch.
        ("satcat_debut", "DEBUT") => Some(Val::DateTime(
            (o.launched + Duration::minutes(1_440 + (ctx.u(i) * 1_440.0) as i64))
                .min(ctx.cat.anchor)
                .with_nanosecond_zero(),
        )),
        _ => None,
    };
    if let Some(v) = class_specific {
        return v;
    }
    generic(ctx, col, i)
}

/// `SAT1_CR_R`, `SAT2_CSRP_SRP`, ...: a CCSDS CDM covariance term.
fn is_covariance(name: &str) -> bool {
    const TERMS: [&str; 8] = ["R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP"];
    let Some(rest) = name
        .strip_prefix("SAT1_C")
        .or_else(|| name.strip_prefix("SAT2_C"))
    else {
        return false;
    };
    rest.split_once('_')
        .is_some_and(|(a, b)| TERMS.contains(&a) && TERMS.contains(&b))
}

/// Whether a decay row is a record taken from the catalog (every other
/// record; predictions are messages).
fn from_satcat(ctx: &RowCtx<'_>) -> bool {
    ctx.r % 2 == 1 && !ctx.event.is_some_and(|e| e.prediction)
}

/// When a decay or tip message was issued.
fn msg_epoch(ctx: &RowCtx<'_>) -> NaiveDateTime {
    match (ctx.tip, ctx.event) {
        (Some(t), _) => t.msg_epoch,
        (_, Some(e)) => e.msg_epoch,
        _ => ctx.cat.anchor,
    }
}

/// The (predicted) re-entry of a decay or tip row.
fn decay_time(ctx: &RowCtx<'_>) -> NaiveDateTime {
    match (ctx.tip, ctx.event) {
        (Some(t), _) => t.decay_epoch,
        (_, Some(e)) => e.decay_time,
        _ => ctx.cat.anchor,
    }
}

/// A boxscore count of the row's owner, from the catalog as it is now:
/// objects in orbit and re-entered, by type.
fn boxscore(ctx: &RowCtx<'_>, column: &str) -> Option<Val> {
    let owner = OWNERS[ctx.r % OWNERS.len()].0;
    let (decayed, ty) = match column {
        "ORBITAL_TBA" => (Some(false), Some("TBA")),
        "ORBITAL_PAYLOAD_COUNT" => (Some(false), Some("PAYLOAD")),
        "ORBITAL_ROCKET_BODY_COUNT" => (Some(false), Some("ROCKET BODY")),
        "ORBITAL_DEBRIS_COUNT" => (Some(false), Some("DEBRIS")),
        "ORBITAL_TOTAL_COUNT" => (Some(false), None),
        "DECAYED_PAYLOAD_COUNT" => (Some(true), Some("PAYLOAD")),
        "DECAYED_ROCKET_BODY_COUNT" => (Some(true), Some("ROCKET BODY")),
        "DECAYED_DEBRIS_COUNT" => (Some(true), Some("DEBRIS")),
        "DECAYED_TOTAL_COUNT" => (Some(true), None),
        "COUNTRY_TOTAL" => (None, None),
        _ => return None,
    };
    let n = ctx
        .cat
        .objects
        .iter()
        .filter(|o| o.country == owner)
        .filter(|o| decayed.is_none_or(|d| o.decay.is_some() == d))
        .filter(|o| ty.is_none_or(|t| o.object_type == t))
        .count();
    Some(Val::Int(n as i64))
}

trait NanosZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanosZero for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

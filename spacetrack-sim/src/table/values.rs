//! The value of each cell, from the object (or pair of objects, or
//! message) its row is about.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use spacetrack_codegen::Column;

use super::Val;
use super::fit::generic;
use crate::catalog::{Catalog, DecayEvent, ElementSet, Object, tle_lines, unit};

pub(super) struct RowCtx<'a> {
    pub(super) cat: &'a Catalog,
    /// The message of a decay or tip row.
    pub(super) event: Option<&'a DecayEvent>,
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
        // Each older element set is half a day earlier.
        let epoch = o.epoch - Duration::hours(12 * self.k as i64);
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
            created: (epoch + Duration::hours(3)).with_nanosecond_zero(),
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
        // A prediction was issued in the last hours; a historical message
        // two days before the decay.
        // A decay record taken from the catalog (SOURCE satcat) has no
        // message epoch.
        ("decay", "MSG_EPOCH") if ctx.r % 2 == 1 && !ctx.event.is_some_and(|e| e.prediction) => {
            Some(Val::Null)
        }
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
        // The uncertainty window shrinks as re-entry nears (minutes, +/-).
        ("tip", "WINDOW") => {
            let days = (decay_time(ctx) - msg_epoch(ctx)).num_minutes() as f64 / 1440.0;
            Some(Val::Int((days * 288.0).clamp(5.0, 4320.0) as i64))
        }
        ("tip", "NEXT_REPORT") => Some(Val::Int(
            if (decay_time(ctx) - msg_epoch(ctx)).num_hours() < 24 {
                2
            } else {
                12
            },
        )),
        ("tip", "LAT") => Some(Val::Real(
            ((2.0 * ctx.u(i) - 1.0) * o.inclination.min(180.0 - o.inclination) * 100.0).round()
                / 100.0,
        )),
        // Rounded after the shift, so the value is the decimal it prints as.
        ("tip", "LON") => Some(Val::Real(
            ((ctx.u(i) * 36_000.0).round() - 18_000.0) / 100.0,
        )),
        ("tip", "REV") => Some(Val::Int(i64::from(o.rev) + (ctx.u(i) * 30.0) as i64)),
        ("decay", "MSG_TYPE") if ctx.event.is_some_and(|e| e.prediction) => {
            Some(text("Prediction"))
        }
        ("decay", "SOURCE") => Some(text(if ctx.r % 2 == 0 {
            "decay_msg"
        } else {
            "satcat"
        })),
        ("decay", "MSG_TYPE") if msg_epoch(ctx) > anchor => Some(text("Historical")),
        ("decay", "MSG_TYPE") => Some(text(if ctx.r % 3 == 0 {
            "Prediction"
        } else {
            "Historical"
        })),
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
        ("boxscore", "COUNTRY") => Some(text(
            [
                "UNITED STATES",
                "CIS",
                "PRC",
                "FRANCE",
                "JAPAN",
                "INDIA",
                "ESA",
                "UNITED KINGDOM",
                "ISRAEL",
                "TBD",
            ][ctx.r % 10],
        )),
        ("boxscore", "SPADOC_CD") => Some(text(
            [
                "US", "CIS", "PRC", "FR", "JPN", "IND", "ESA", "UK", "ISRA", "TBD",
            ][ctx.r % 10],
        )),
        ("launch_site", "SITE_CODE") => Some(text(
            [
                "AFETR", "AFWTR", "TYMSC", "PLMSC", "JSC", "KYMSC", "FRGUI", "SRILR", "WLPIS",
                "TTMTR",
            ][ctx.r % 10],
        )),
        ("launch_site", "LAUNCH_SITE") => Some(text(
            [
                "Air Force Eastern Test Range",
                "Air Force Western Test Range",
                "Tyuratam Missile and Space Center",
                "Plesetsk Missile and Space Complex",
                "Jiuquan Space Center",
                "Kapustin Yar",
                "Guiana Space Center",
                "Satish Dhawan Space Centre",
                "Wallops Island",
                "Tanegashima Space Center",
            ][ctx.r % 10],
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

/// When a decay or tip message was issued.
fn msg_epoch(ctx: &RowCtx<'_>) -> NaiveDateTime {
    ctx.event.map_or(ctx.cat.anchor, |e| e.msg_epoch)
}

/// The (predicted) re-entry of a decay or tip row.
fn decay_time(ctx: &RowCtx<'_>) -> NaiveDateTime {
    ctx.event.map_or(ctx.cat.anchor, |e| e.decay_time)
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

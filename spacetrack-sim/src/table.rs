//! Virtual tables: every class's rows are computed on demand from the
//! catalog, so a 100,000-object catalog or a multi-gigabyte gp_history
//! costs no memory until it is streamed.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use spacetrack_codegen::mysql::SqlType;
use spacetrack_codegen::{ClassSchema, Column};

use crate::catalog::{Catalog, DecayEvent, ElementSet, Object, mix, tle_lines, unit};

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Text(String),
}

/// How a class's rows relate to catalog objects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// One row per object (gp, satcat).
    PerObject,
    /// `depth` rows per object, newest first (gp_history).
    History { depth: usize },
    /// Rows for every `every`-th object.
    Subset { every: usize },
    /// One row per decay message ([`Catalog::events`]).
    Decay,
    /// One row per TIP message ([`Catalog::tip_rows`]).
    Tip,
    /// `count` rows, each about a pair of objects (cdm_public, cdm), and
    /// `count / 24` more each hour the clock advances.
    Pairs { count: usize },
    /// `count` rows that mention objects in turn.
    Fixed { count: usize },
}

/// A class and how to make its rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: ClassSchema,
    pub kind: Kind,
    /// Columns written with a `T` between date and time.
    pub t_separator: Vec<bool>,
    /// Datetime columns written without their fraction (cdm sends it in a
    /// separate `*_FRACTION` column).
    pub no_fraction: Vec<bool>,
    /// Real columns written like C's `%g` (`5.89239e-05`), as cdm's are.
    pub exponent: Vec<bool>,
}

impl Table {
    pub fn new(schema: ClassSchema, catalog_size: usize, history_depth: usize) -> Table {
        let kind = match schema.class.as_str() {
            "gp" | "satcat" => Kind::PerObject,
            "gp_history" => Kind::History {
                depth: history_depth.max(1),
            },
            "satcat_debut" | "satcat_change" => Kind::Subset { every: 20 },
            "decay" => Kind::Decay,
            "tip" => Kind::Tip,
            "cdm_public" | "cdm" | "car" => Kind::Pairs {
                count: (catalog_size / 10).clamp(50, 5000),
            },
            "boxscore" => Kind::Fixed { count: 10 },
            "launch_site" => Kind::Fixed { count: 10 },
            _ => Kind::Fixed { count: 25 },
        };
        let t_separator = schema
            .columns
            .iter()
            .map(|c| {
                matches!(
                    (schema.class.as_str(), c.name.as_str()),
                    ("gp" | "gp_history", "EPOCH" | "CREATION_DATE")
                        | ("cdm_public", "TCA" | "CREATED")
                )
            })
            .collect();
        let cdm = schema.class == "cdm";
        let no_fraction = schema
            .columns
            .iter()
            .map(|c| cdm && c.sql.is_temporal())
            .collect();
        let exponent = schema
            .columns
            .iter()
            .map(|c| cdm && matches!(c.sql, SqlType::Real { scale: None, .. }))
            .collect();
        Table {
            schema,
            kind,
            t_separator,
            no_fraction,
            exponent,
        }
    }

    pub fn len(&self, cat: &Catalog) -> usize {
        let n = cat.objects.len();
        match self.kind {
            Kind::PerObject => n,
            Kind::History { depth } => cat.base_len * depth + cat.history.len(),
            Kind::Subset { every } => n.div_ceil(every),
            Kind::Decay => cat.events.len(),
            Kind::Tip => cat.tip_rows.len(),
            Kind::Pairs { count } => count + pairs_per_hour(count) * cat.tick.max(0) as usize,
            Kind::Fixed { count } => count,
        }
    }

    /// Row numbers that can match `NORAD_CAT_ID = ids` (an index, so a
    /// single-object query on gp_history does not scan every row).
    pub fn rows_for_norads(&self, cat: &Catalog, ids: &[u32]) -> Option<Vec<usize>> {
        let objects = || ids.iter().filter_map(|id| cat.by_norad.get(id).copied());
        match self.kind {
            Kind::PerObject => {
                let mut v: Vec<usize> = objects().collect();
                v.sort_unstable();
                Some(v)
            }
            Kind::History { depth } => {
                let mut objs: Vec<usize> = objects().collect();
                objs.sort_unstable();
                let base = cat.base_len * depth;
                let mut rows: Vec<usize> = objs
                    .iter()
                    .filter(|&&o| o < cat.base_len)
                    .flat_map(|&o| (0..depth).map(move |k| o * depth + k))
                    .collect();
                rows.extend(
                    cat.history
                        .iter()
                        .enumerate()
                        .filter(|(_, (o, _))| objs.binary_search(o).is_ok())
                        .map(|(j, _)| base + j),
                );
                Some(rows)
            }
            _ => None,
        }
    }

    /// Computes row `r`.
    pub fn row(&self, cat: &Catalog, r: usize) -> Vec<Val> {
        let n = cat.objects.len();
        // Rows that mention any object pick among those the catalog was
        // built with, so they stay the same as objects are launched.
        let base = cat.base_len;
        let mut event = None;
        let mut extra = None;
        let mut born = None;
        let (obj, other, k) = match self.kind {
            Kind::PerObject => (r, None, 0),
            Kind::History { depth } if r < base * depth => (r / depth, None, r % depth),
            Kind::History { depth } => {
                let (obj, set) = &cat.history[r - base * depth];
                extra = Some(set);
                (*obj, None, 0)
            }
            Kind::Subset { every } => ((r * every).min(n - 1), None, 0),
            Kind::Decay | Kind::Tip => {
                let e = match self.kind {
                    Kind::Tip => &cat.events[cat.tip_rows[r]],
                    _ => &cat.events[r],
                };
                event = Some(e);
                (e.obj, None, 0)
            }
            Kind::Pairs { count } => {
                if r >= count {
                    let hour = (r - count) / pairs_per_hour(count) + 1;
                    born = Some(cat.anchor + Duration::hours(hour as i64));
                }
                let a = (mix(cat.seed ^ r as u64 ^ 0xC0) % base as u64) as usize;
                let b = (mix(cat.seed ^ r as u64 ^ 0xC1) % base as u64) as usize;
                (a, Some(if a == b { (b + 1) % base } else { b }), 0)
            }
            Kind::Fixed { .. } => (r % base, None, 0),
        };
        let ctx = RowCtx {
            cat,
            event,
            extra,
            current: self.kind == Kind::PerObject,
            history: matches!(self.kind, Kind::History { .. }),
            born,
            class: &self.schema.class,
            obj: &cat.objects[obj],
            other: other.map(|o| &cat.objects[o]),
            r,
            k,
            key: cat.seed ^ mix(hash(&self.schema.class)) ^ ((r as u64) << 20),
        };
        let elements = if self.schema.class.starts_with("gp") {
            Some(ctx.elements())
        } else {
            None
        };
        self.schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| coerce(value(&ctx, elements.as_ref(), c, i), c))
            .collect()
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// CDMs published per hour the clock advances, for a class built with
/// `count` rows.
fn pairs_per_hour(count: usize) -> usize {
    (count / 24).max(1)
}

struct RowCtx<'a> {
    cat: &'a Catalog,
    /// The message of a decay or tip row.
    event: Option<&'a DecayEvent>,
    /// The element set of a gp_history row published after the anchor.
    extra: Option<&'a ElementSet>,
    /// Whether the row holds the object's current element set (gp).
    current: bool,
    /// Whether the row is a published element set (gp_history).
    history: bool,
    /// When a row added after the anchor was published (cdm_public).
    born: Option<NaiveDateTime>,
    class: &'a str,
    obj: &'a Object,
    other: Option<&'a Object>,
    r: usize,
    k: usize,
    key: u64,
}

/// The element set of a gp or gp_history row.
struct Elements {
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
    fn elements(&self) -> Elements {
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

    fn u(&self, col: usize) -> f64 {
        unit(self.key ^ ((col as u64 + 1) << 40))
    }
}

fn value(ctx: &RowCtx<'_>, el: Option<&Elements>, col: &Column, i: usize) -> Val {
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

/// A plausible value from the column type alone.
fn generic(ctx: &RowCtx<'_>, col: &Column, i: usize) -> Val {
    let u = ctx.u(i);
    if col.nullable && ctx.u(i + 500) < 0.08 {
        return Val::Null;
    }
    let lname = col.name.to_ascii_lowercase();
    match &col.sql {
        SqlType::Int { bytes, unsigned } => {
            if lname.ends_with("_id") || lname == "id" || lname == "gid" {
                return Val::Int(ctx.r as i64 + 1);
            }
            let max = match bytes {
                1 => 100.0,
                2 => 10_000.0,
                _ => 1_000_000.0,
            };
            let v = (u * max) as i64;
            Val::Int(if *unsigned { v } else { v - (max as i64) / 4 })
        }
        SqlType::Real { scale, .. } => {
            let v = (u - 0.2) * 1000.0;
            Val::Real(match scale {
                Some(s) => (v * 10f64.powi(*s as i32)).round() / 10f64.powi(*s as i32),
                None => v,
            })
        }
        SqlType::Date => Val::Date(ctx.cat.anchor.date() - Duration::days((u * 3650.0) as i64)),
        SqlType::DateTime { fsp } => {
            let dt = ctx.cat.anchor - Duration::seconds((u * 365.0 * 86_400.0) as i64);
            Val::DateTime(if *fsp > 0 {
                dt + Duration::microseconds((ctx.u(i + 900) * 1e6) as i64)
            } else {
                dt
            })
        }
        SqlType::Text { .. } => Val::Text(if lname.ends_with("_unit") {
            ["km", "m", "m/s", "s"][ctx.r % 4].to_owned()
        } else if lname.contains("email") {
            format!("operator{}@example.org", ctx.r)
        } else {
            format!(
                "{} {}",
                col.name.to_ascii_uppercase().replace('_', " "),
                ctx.r + 1
            )
        }),
        SqlType::Blob => Val::Text(format!("blob-{}", ctx.r)),
        SqlType::Enum(members) => Val::Text(members[ctx.r % members.len()].clone()),
    }
}

/// Makes a value fit its column: nulls only where allowed, integers in
/// range, text within its length, reals at their scale.
pub(crate) fn coerce(v: Val, col: &Column) -> Val {
    match (&col.sql, v) {
        (_, Val::Null) if !col.nullable => match &col.sql {
            SqlType::Int { .. } => Val::Int(0),
            SqlType::Real { .. } => Val::Real(0.0),
            SqlType::Date => Val::Date(NaiveDate::from_ymd_opt(1, 1, 1).expect("date")),
            SqlType::DateTime { .. } => Val::DateTime(
                NaiveDate::from_ymd_opt(1, 1, 1)
                    .expect("date")
                    .and_hms_opt(0, 0, 0)
                    .expect("time"),
            ),
            _ => Val::Text(String::new()),
        },
        (_, Val::Null) => Val::Null,
        (SqlType::Int { bytes, unsigned }, v) => {
            let n = match v {
                Val::Int(n) => n,
                Val::Real(f) => f.round() as i64,
                _ => 0,
            };
            let bits = *bytes as u32 * 8;
            let (lo, hi): (i128, i128) = if *unsigned {
                (0, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            Val::Int((n as i128).clamp(lo, hi.min(i64::MAX as i128)) as i64)
        }
        (SqlType::Real { scale, .. }, v) => {
            let f = match v {
                Val::Real(f) => f,
                Val::Int(n) => n as f64,
                _ => 0.0,
            };
            Val::Real(match scale {
                Some(s) => (f * 10f64.powi(*s as i32)).round() / 10f64.powi(*s as i32),
                None => f,
            })
        }
        (SqlType::Text { max_len: Some(m) }, Val::Text(mut s)) => {
            if s.chars().count() > *m as usize {
                s = s.chars().take(*m as usize).collect();
            }
            Val::Text(s)
        }
        (SqlType::Text { .. } | SqlType::Enum(_) | SqlType::Blob, v) => match v {
            Val::Text(s) => Val::Text(s),
            Val::Int(n) => Val::Text(n.to_string()),
            Val::Real(f) => Val::Text(f.to_string()),
            Val::Date(d) => Val::Text(d.to_string()),
            Val::DateTime(d) => Val::Text(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            Val::Null => Val::Null,
        },
        (SqlType::Date, Val::DateTime(d)) => Val::Date(d.date()),
        (SqlType::DateTime { .. }, Val::Date(d)) => {
            Val::DateTime(d.and_hms_opt(0, 0, 0).expect("time"))
        }
        (_, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn tables() -> Vec<Table> {
        crate::schemas()
            .into_iter()
            .filter(|(s, _)| s.controller == "basicspacedata")
            .map(|(s, _)| Table::new(s, 2000, 3))
            .collect()
    }

    fn rows(t: &Table, cat: &Catalog) -> Vec<Vec<Val>> {
        (0..t.len(cat)).map(|r| t.row(cat, r)).collect()
    }

    fn col(t: &Table, name: &str) -> usize {
        t.schema
            .columns
            .iter()
            .position(|c| c.name == name)
            .unwrap()
    }

    fn int(v: &Val) -> i64 {
        match v {
            Val::Int(n) => *n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn advancing_the_clock_adds_rows_and_keeps_the_published_ones() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let before = Catalog::new(2000, 3, anchor);
        let mut after = before.clone();
        after.advance_to(anchor + Duration::days(3));
        assert_eq!(after.tick, 72);
        let tables = tables();
        let table = |name: &str| tables.iter().find(|t| t.schema.class == name).unwrap();
        // Published rows stay as they were; new ones come after them.
        for class in ["gp_history", "decay", "tip", "cdm_public"] {
            let t = table(class);
            let (old, new) = (rows(t, &before), rows(t, &after));
            assert!(
                new.len() > old.len(),
                "{class}: {} -> {}",
                old.len(),
                new.len()
            );
            let changed = (0..old.len()).filter(|&r| new[r] != old[r]).count();
            assert_eq!(changed, 0, "{class}: published rows changed");
        }
        // New element sets have GP_IDs above every earlier one, and gp
        // holds each object's newest set.
        let gp = table("gp");
        let hist = table("gp_history");
        let (id, norad) = (col(gp, "GP_ID"), col(gp, "NORAD_CAT_ID"));
        let old_max = rows(hist, &before)
            .iter()
            .map(|r| int(&r[id]))
            .max()
            .unwrap();
        let hist_rows = rows(hist, &after);
        let new_sets = &hist_rows[before.base_len * 3..];
        assert!(new_sets.iter().all(|r| int(&r[id]) > old_max));
        let mut newest = std::collections::HashMap::new();
        for r in &hist_rows {
            let e = newest.entry(int(&r[norad])).or_insert(0);
            *e = (*e).max(int(&r[id]));
        }
        let gp_rows = rows(gp, &after);
        assert!(gp_rows.len() > before.objects.len(), "no launch in 3 days");
        for r in &gp_rows {
            assert_eq!(newest[&int(&r[norad])], int(&r[id]));
        }
        let changed = gp_rows.iter().filter(|r| int(&r[id]) > old_max).count();
        // About one new set per object in orbit and day.
        assert!(changed > 1000, "{changed}");
        assert!(
            new_sets.len() > 3000 && new_sets.len() < 7000,
            "{}",
            new_sets.len()
        );
        // Some predicted re-entries happened: gp shows their decay date
        // and the decay class has their records.
        let decay = col(gp, "DECAY_DATE");
        let decayed = |cat: &Catalog| {
            rows(gp, cat)
                .iter()
                .filter(|r| r[decay] != Val::Null)
                .count()
        };
        assert!(decayed(&after) > decayed(&before));
        let d = table("decay");
        let ty = col(d, "MSG_TYPE");
        let new_records = rows(d, &after)[before.events.len()..]
            .iter()
            .filter(|r| r[ty] == Val::Text("Historical".into()))
            .count();
        assert_eq!(decayed(&after) - decayed(&before), new_records);
        // The same time reached in steps gives the same catalog.
        let mut stepped = before.clone();
        for h in [5, 30, 72] {
            stepped.advance_to(anchor + Duration::hours(h));
        }
        assert_eq!(rows(hist, &stepped), hist_rows);
        assert_eq!(rows(gp, &stepped), gp_rows);
    }
}

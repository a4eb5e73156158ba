//! The rules themselves: what a query is (its [`Shape`]) and the notes it
//! raises against the ledger of recent queries.

use std::time::Duration;

use super::ledger::Entry;
use super::{Guidance, Note, Rule};
use crate::request::Spec;

/// The classes Space-Track removed in January 2026, and what replaces each.
const REMOVED: [(&str, &str); 4] = [
    (
        "tle",
        "gp_history (past element sets, with TLE_LINE1/TLE_LINE2) or gp (the current set of each object)",
    ),
    (
        "tle_latest",
        "gp (the newest element set of each object, in every format including tle and 3le)",
    ),
    (
        "tle_publish",
        "gp_history filtered by CREATION_DATE (what was published when)",
    ),
    (
        "omm",
        "gp (current OMM-style records, also as format kvn or xml) or gp_history",
    ),
];

/// Columns that name objects: a query with one of these is about those
/// objects (narrow), one without is broad.
const OBJECT_KEYS: [&str; 9] = [
    "norad_cat_id",
    "object_id",
    "intldes",
    "object_name",
    "cdm_id",
    "sat_1_id",
    "sat_2_id",
    "sat_no",
    "id",
];

/// The note for a removed class, if `class` is one.
pub(super) fn removed(class: &str) -> Option<Note> {
    let class = class.to_ascii_lowercase();
    let (_, better) = REMOVED.iter().find(|(c, _)| *c == class)?;
    Some(Note {
        rule: Rule::RemovedClass,
        message: format!("class {class} was removed from Space-Track in January 2026"),
        class,
        better: format!("use {better}"),
    })
}

/// What the rules need to know about one request.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// `controller/class`, lower case.
    pub(crate) class: String,
    /// The request without its format and answer-shape options: two
    /// requests with the same key ask for the same data.
    pub(crate) key: String,
    /// Names objects (see [`OBJECT_KEYS`]).
    pub(crate) narrow: bool,
    /// Names exactly one object by one plain value.
    pub(crate) single: bool,
    /// `EPOCH` as its first sort key, descending.
    epoch_desc: bool,
    limit: Option<u64>,
    /// N of an `EPOCH >now-N` predicate.
    epoch_recent_days: Option<f64>,
}

impl Shape {
    pub(crate) fn of(spec: &Spec) -> Shape {
        let ignore = ["format", "emptyresult", "metadata", "predicates"];
        let mut key = format!("{}/{}", spec.controller, spec.class).to_ascii_lowercase();
        for (k, v) in &spec.segments {
            if !ignore.contains(&k.as_str()) {
                key.push('/');
                key.push_str(&k.to_ascii_lowercase());
                key.push('/');
                key.push_str(v);
            }
        }
        let object_values: Vec<&str> = spec
            .segments
            .iter()
            .filter(|(k, _)| OBJECT_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(_, v)| v.as_str())
            .collect();
        let plain = |v: &str| {
            !v.is_empty()
                && !v.contains([',', '<', '>', '~', '^', '%'])
                && !v.contains("--")
                && !v.eq_ignore_ascii_case("null-val")
        };
        let epoch = spec
            .segments
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("epoch"))
            .map(|(_, v)| v.as_str());
        Shape {
            class: spec.class.to_ascii_lowercase(),
            key,
            narrow: !object_values.is_empty(),
            single: object_values.len() == 1 && plain(object_values[0]),
            // The typed order, or an `orderby` segment given by hand.
            epoch_desc: spec
                .segments
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("orderby"))
                .and_then(|(_, v)| v.split(',').next())
                .or(spec.order.first().map(String::as_str))
                .is_some_and(|o| o.trim().eq_ignore_ascii_case("epoch desc")),
            limit: spec.limit,
            epoch_recent_days: epoch.and_then(recent_days),
        }
    }
}

/// N of `>now-N` (N in days, fractions allowed).
fn recent_days(value: &str) -> Option<f64> {
    let rest = value.strip_prefix('>')?;
    let n = rest
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("now-"))
        .map(|_| &rest[4..])?;
    n.parse().ok().filter(|d: &f64| d.is_finite() && *d >= 0.0)
}

fn ago(d: Duration) -> String {
    let s = d.as_secs();
    if s < 120 {
        format!("{s} s ago")
    } else if s < 7200 {
        format!("{} min ago", s / 60)
    } else if s < 2 * 86_400 {
        format!("{} h ago", s / 3600)
    } else {
        format!("{} days ago", s / 86_400)
    }
}

pub(crate) fn interval(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        86_400 => "once a day".into(),
        3600 => "at most once an hour".into(),
        604_800 => "once a week".into(),
        _ if s % 86_400 == 0 => format!("once every {} days", s / 86_400),
        _ if s % 3600 == 0 => format!("once every {} h", s / 3600),
        _ if s % 60 == 0 => format!("once every {} min", s / 60),
        _ => format!("once every {s} s"),
    }
}

/// The notes `shape` raises, given the ledger's `recent` entries (oldest
/// first) at `now_ms`.
pub(super) fn check(g: &Guidance, shape: &Shape, recent: &[Entry], now_ms: u64) -> Vec<Note> {
    let mut notes = Vec::new();
    if let Some(note) = removed(&shape.class) {
        notes.push(note);
        return notes;
    }
    let class = &shape.class;
    if class == "gp_history" {
        let small_limit = shape.limit.is_some_and(|l| l <= g.history_limit);
        let recent_window = shape.epoch_recent_days.filter(|d| *d <= g.history_days);
        if (shape.epoch_desc && small_limit) || recent_window.is_some() {
            let what = match recent_window {
                Some(d) => format!("EPOCH >now-{d}"),
                None => format!(
                    "orderby EPOCH desc with limit {}",
                    shape.limit.unwrap_or_default()
                ),
            };
            notes.push(Note {
                rule: Rule::HistoryForCurrent,
                class: class.clone(),
                message: format!(
                    "gp_history (over 220 million rows) asked for current elements ({what})"
                ),
                better: "ask gp, which holds the newest element set of each object \
                         (e.g. gp/norad_cat_id/25544,20580); keep gp_history for past windows, \
                         pulled once and kept"
                    .into(),
            });
        }
    }
    if let Some(cadence) = g.cadence_for(class) {
        let every = cadence.for_shape(shape.narrow);
        let last = recent
            .iter()
            .rev()
            .find(|e| e.key == shape.key && e.at_ms + every.as_millis() as u64 > now_ms);
        if let Some(e) = last {
            let kind = if shape.narrow { "" } else { "broad " };
            notes.push(Note {
                rule: Rule::Cadence,
                class: class.clone(),
                message: format!(
                    "the same {kind}{class} query was sent {}; Space-Track asks for {class} {}",
                    ago(Duration::from_millis(now_ms.saturating_sub(e.at_ms))),
                    interval(every)
                ),
                better: "reuse the answer you have: the answer cache \
                         (ClientBuilder::answer_cache, CLI --cache) serves a repeat from disk, \
                         and a mirror keeps the data locally"
                    .into(),
            });
        }
    }
    if shape.single {
        let window = g.burst_window.as_millis() as u64;
        let before = recent
            .iter()
            .filter(|e| e.single && e.class == *class && e.at_ms + window > now_ms)
            .count();
        if before + 1 >= g.burst as usize {
            notes.push(Note {
                rule: Rule::OneQueryPerObject,
                class: class.clone(),
                message: format!(
                    "{} single-object {class} queries within {} s",
                    before + 1,
                    g.burst_window.as_secs()
                ),
                better: "one query with a list of objects, e.g. \
                         .norad_cat_id(vec![25544, 20580, ...]) or --norad-cat-id 25544 20580 \
                         (the client splits a list too long for one URL)"
                    .into(),
            });
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(class: &str, segs: &[(&str, &str)]) -> Spec {
        let mut s = Spec::new("basicspacedata", class);
        for (k, v) in segs {
            s.set(k, (*v).to_owned());
        }
        s
    }

    fn entry(shape: &Shape, at_ms: u64) -> Entry {
        Entry {
            key: shape.key.clone(),
            class: shape.class.clone(),
            single: shape.single,
            at_ms,
        }
    }

    #[test]
    fn shapes() {
        let s = Shape::of(&spec(
            "gp",
            &[("norad_cat_id", "25544"), ("format", "json")],
        ));
        assert!(s.narrow && s.single);
        assert_eq!(s.key, "basicspacedata/gp/norad_cat_id/25544");
        let s = Shape::of(&spec("gp", &[("norad_cat_id", "25544,20580")]));
        assert!(s.narrow && !s.single);
        let s = Shape::of(&spec("gp", &[("epoch", ">now-10")]));
        assert!(!s.narrow && !s.single);
        assert_eq!(recent_days(">now-1.5"), Some(1.5));
        assert_eq!(recent_days("<now-1"), None);
        assert_eq!(recent_days(">now-x"), None);
    }

    #[test]
    fn cadence_looks_back_its_class_interval() {
        let g = Guidance::default();
        let s = Shape::of(&spec("gp", &[("epoch", ">now-10")]));
        let hour = 3_600_000;
        let now = 10 * hour;
        assert!(check(&g, &s, &[], now).is_empty());
        let notes = check(&g, &s, &[entry(&s, now - hour + 1000)], now);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].rule, Rule::Cadence);
        assert!(notes[0].message.contains("59 min ago"), "{}", notes[0]);
        assert!(check(&g, &s, &[entry(&s, now - hour)], now).is_empty());
        // satcat: a day.
        let s = Shape::of(&spec("satcat", &[]));
        assert_eq!(check(&g, &s, &[entry(&s, now - 5 * hour)], now).len(), 1);
        // A class without a cadence rule.
        let s = Shape::of(&spec("launch_site", &[]));
        assert!(check(&g, &s, &[entry(&s, now - 1000)], now).is_empty());
    }

    #[test]
    fn history_for_current() {
        let g = Guidance::default();
        let mut sp = spec("gp_history", &[("norad_cat_id", "25544")]);
        sp.order.push("epoch desc".into());
        sp.limit = Some(1);
        let by_hand = spec(
            "gp_history",
            &[("orderby", "EPOCH desc,GP_ID"), ("limit", "1")],
        );
        let mut by_hand = by_hand;
        by_hand.limit = Some(1);
        assert_eq!(
            check(&g, &Shape::of(&by_hand), &[], 0)[0].rule,
            Rule::HistoryForCurrent
        );
        let n = check(&g, &Shape::of(&sp), &[], 0);
        assert_eq!(n[0].rule, Rule::HistoryForCurrent);
        sp.limit = Some(500);
        assert!(check(&g, &Shape::of(&sp), &[], 0).is_empty());
        let sp = spec("gp_history", &[("epoch", ">now-1")]);
        assert_eq!(
            check(&g, &Shape::of(&sp), &[], 0)[0].rule,
            Rule::HistoryForCurrent
        );
        let sp = spec("gp_history", &[("epoch", ">now-30")]);
        assert!(check(&g, &Shape::of(&sp), &[], 0).is_empty());
    }

    #[test]
    fn bursts_of_single_object_queries() {
        let g = Guidance::default();
        let now = 1_000_000;
        let mut recent = Vec::new();
        for id in 0..9 {
            let s = Shape::of(&spec("satcat", &[("norad_cat_id", &id.to_string())]));
            assert!(
                check(&g, &s, &recent, now).is_empty(),
                "{id}: {:?}",
                check(&g, &s, &recent, now)
            );
            recent.push(entry(&s, now - 1000));
        }
        let s = Shape::of(&spec("satcat", &[("norad_cat_id", "99")]));
        let notes = check(&g, &s, &recent, now);
        assert_eq!(notes[0].rule, Rule::OneQueryPerObject, "{notes:?}");
        // Outside the window they do not count.
        assert!(check(&g, &s, &recent, now + 60_000).is_empty());
    }

    #[test]
    fn removed_classes_name_their_replacement() {
        for c in ["tle", "TLE_LATEST", "tle_publish", "omm"] {
            let n = removed(c).unwrap();
            assert!(n.better.contains("gp"), "{n}");
        }
        assert!(removed("gp").is_none());
    }
}

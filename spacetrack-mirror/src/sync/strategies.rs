//! How each kind of class is brought up to date: a snapshot, messages
//! since a watermark, gp's current element sets, gp_history's windows.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use serde_json::Value as Json;
use spacetrack::op;

use super::rows::{bad, cmp_values, key_of, parse_mark, text_of};
use super::run::{Acc, Changes, Run};
use crate::backend::{Row, State};
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, from_json, parse_datetime};
use crate::{Error, Result};

/// The gp_history range and how far its windows are done, kept in the
/// state's `progress`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Range {
    pub(super) from: NaiveDate,
    pub(super) to: Option<NaiveDate>,
    done: NaiveDate,
    /// An open-ended range whose windows reached the present: from then
    /// on new GP_IDs are all there is to ask for.
    caught_up: bool,
}

impl Range {
    pub(super) fn parse(s: &str) -> Option<Range> {
        let v: Json = serde_json::from_str(s).ok()?;
        let date = |k: &str| v.get(k)?.as_str()?.parse::<NaiveDate>().ok();
        Some(Range {
            from: date("from")?,
            to: date("to"),
            done: date("done")?,
            caught_up: v.get("caught_up").and_then(Json::as_bool).unwrap_or(false),
        })
    }

    pub(super) fn text(&self) -> String {
        serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.map(|d| d.to_string()),
            "done": self.done.to_string(),
            "caught_up": self.caught_up,
        })
        .to_string()
    }
}

/// GP_IDs asked for per request when refetching changed rows.
const REFETCH_CHUNK: usize = 200;
/// More changed rows than this are refetched with the whole class.
const REFETCH_WHOLE: usize = 2_000;
/// gp's columns compared with the mirror on every sync, GP_ID and
/// NORAD_CAT_ID first: those that change without a new element set.
const CHECK: &[&str] = &[
    "GP_ID",
    "NORAD_CAT_ID",
    "DECAY_DATE",
    "OBJECT_NAME",
    "OBJECT_ID",
    "OBJECT_TYPE",
    "RCS_SIZE",
    "COUNTRY_CODE",
    "LAUNCH_DATE",
    "SITE",
];

impl Run<'_> {
    pub(super) async fn snapshot(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let rows = self.fetch(t, acc, |q| q).await?;
        let key_cols: Vec<&'static str> = t.key.to_vec();
        let seen: HashSet<Vec<String>> = rows.iter().map(|r| key_of(t, r)).collect();
        let current = self.mirror.with(move |b| b.select(t, &key_cols)).await?;
        if rows.len() * 2 < current.len() {
            return Err(Error::Suspicious(format!(
                "{}: the answer had {} rows where the mirror holds {}; nothing was changed",
                t.class,
                rows.len(),
                current.len()
            )));
        }
        let remove = current
            .into_iter()
            .filter(|k| !seen.contains(&k.iter().map(text_of).collect::<Vec<_>>()))
            .collect();
        let changes = Changes {
            upserts: rows,
            remove,
            ..Changes::default()
        };
        self.apply(t, state, acc, changes, true).await
    }

    pub(super) async fn since(
        &self,
        t: &'static TableDef,
        column: &'static str,
        overlap_hours: i64,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let col = t
            .position(column)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: no column {column}", t.class)))?;
        let kind = t.columns[col].kind;
        let mark = state.watermark.clone();
        let rows = self
            .fetch(t, acc, |q| match (&mark, kind) {
                (Some(m), ValueKind::Int) => match m.parse::<i64>() {
                    Ok(n) => q.predicate(column, op::gt(n)),
                    Err(_) => q,
                },
                (Some(m), ValueKind::DateTime | ValueKind::Date) => match parse_datetime(m) {
                    Some(at) => q.predicate(
                        column,
                        op::gt((at - Duration::hours(overlap_hours)).and_utc()),
                    ),
                    None => q,
                },
                _ => q,
            })
            .await?;
        let mut rows = rows;
        // Rows without a value in the watermark column (decay records taken
        // from the catalog have no MSG_EPOCH) are never above the mark:
        // they are asked for on their own.
        if mark.is_some() && t.columns[col].nullable {
            rows.extend(
                self.fetch(t, acc, |q| q.predicate(column, "null-val"))
                    .await?,
            );
        }
        let newest = rows
            .iter()
            .map(|r| &r.values[col])
            .filter(|v| **v != Value::Null)
            .max_by(|a, b| cmp_values(a, b));
        if let Some(v) = newest {
            let old = state.watermark.as_deref().map(|m| parse_mark(kind, m));
            if old.is_none_or(|o| cmp_values(v, &o).is_gt()) {
                state.watermark = Some(text_of(v));
            }
        }
        let changes = Changes::upserts(rows);
        self.apply(t, state, acc, changes, true).await
    }

    pub(super) async fn current(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let (id, norad, decay) = ("GP_ID", "NORAD_CAT_ID", "DECAY_DATE");
        let (Some(id_i), Some(norad_i), Some(_)) =
            (t.position(id), t.position(norad), t.position(decay))
        else {
            return Err(Error::InvalidArgument(
                "gp's schema lacks GP_ID, NORAD_CAT_ID or DECAY_DATE".into(),
            ));
        };
        // 1. Element sets newer than the newest seen.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc");
                match mark {
                    Some(m) => q.predicate(id, op::gt(m)),
                    None => q,
                }
            })
            .await?;
        let mine = self
            .mirror
            .with(move |b| b.select(t, &[id, norad, decay]))
            .await?;
        let delete = superseded(&rows, &mine, id_i, norad_i);
        if let Some(Value::Int(n)) = rows
            .iter()
            .map(|r| &r.values[id_i])
            .max_by(|a, b| cmp_values(a, b))
        {
            if mark.is_none_or(|m| *n > m) {
                state.watermark = Some(n.to_string());
            }
        }
        let changes = Changes {
            upserts: rows,
            delete,
            ..Changes::default()
        };
        self.apply(t, state, acc, changes, false).await?;
        // 2. The whole class in a few columns: what changes in place
        // (decay dates, names and types from the catalog), rows filed with
        // a lower GP_ID, objects that left gp.
        let check: Vec<&'static str> = CHECK
            .iter()
            .copied()
            .filter(|c| t.position(c).is_some())
            .collect();
        let list = check.join(",");
        let theirs = self
            .fetch_maps(t, acc, |q| q.predicate("predicates", list))
            .await?;
        let mut server: HashMap<i64, Vec<Value>> = HashMap::with_capacity(theirs.len());
        for m in &theirs {
            let mut vals = Vec::with_capacity(check.len());
            for c in &check {
                let kind = t.columns[t.position(c).unwrap_or(id_i)].kind;
                let v = m.get(*c).unwrap_or(&Json::Null);
                vals.push(from_json(kind, v).ok_or_else(|| bad(t, c, v, kind))?);
            }
            match vals[0] {
                Value::Int(g) => {
                    server.insert(g, vals);
                }
                _ => {
                    let v = m.get(id).unwrap_or(&Json::Null);
                    return Err(bad(t, id, v, ValueKind::Int));
                }
            }
        }
        let mine_cols = check.clone();
        let mine = self.mirror.with(move |b| b.select(t, &mine_cols)).await?;
        // An answer that would empty the mirror is not believed (Space-Track
        // never empties gp; a proxy or a broken query could).
        if server.len() * 2 < mine.len() {
            return Err(Error::Suspicious(format!(
                "gp: the check listed {} element sets where the mirror holds {}; nothing was changed",
                server.len(),
                mine.len()
            )));
        }
        let mut have: HashMap<i64, Vec<Value>> = HashMap::with_capacity(mine.len());
        for r in mine {
            if let Value::Int(g) = r[0] {
                have.insert(g, r);
            }
        }
        let mut stale: Vec<i64> = server
            .iter()
            .filter(|(g, v)| have.get(g).is_none_or(|h| h != *v))
            .map(|(g, _)| *g)
            .collect();
        stale.sort_unstable();
        let norads: HashSet<String> = server.values().map(|v| text_of(&v[1])).collect();
        let mut delete = Vec::new();
        let mut remove = Vec::new();
        for (g, v) in &have {
            if !server.contains_key(g) {
                if norads.contains(&text_of(&v[1])) {
                    delete.push(vec![Value::Int(*g)]);
                } else {
                    remove.push(vec![Value::Int(*g)]);
                }
            }
        }
        let mut upserts = Vec::new();
        if stale.len() > REFETCH_WHOLE {
            // Cheaper as one request than as many lists.
            let wanted: HashSet<i64> = stale.iter().copied().collect();
            let all = self.fetch(t, acc, |q| q).await?;
            upserts.extend(
                all.into_iter()
                    .filter(|r| matches!(r.values[id_i], Value::Int(g) if wanted.contains(&g))),
            );
        } else {
            for chunk in stale.chunks(REFETCH_CHUNK) {
                let list = chunk
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                upserts.extend(self.fetch(t, acc, |q| q.predicate(id, list)).await?);
            }
        }
        let changes = Changes {
            upserts,
            delete,
            remove,
        };
        self.apply(t, state, acc, changes, true).await
    }

    pub(super) async fn history(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let window = Duration::days(i64::from(self.opts.window_days.unwrap_or(1).min(3650)));
        let known = state.progress.as_deref().and_then(Range::parse);
        let mut range = match (self.opts.history, known) {
            (Some((from, to)), Some(r)) if r.from == from && r.to == to => r,
            (Some((from, to)), _) => {
                if to.is_some_and(|to| to < from) {
                    return Err(Error::InvalidArgument(format!(
                        "gp_history range ends before it starts ({from} to {})",
                        to.unwrap_or(from)
                    )));
                }
                // A new range starts over (what is stored stays).
                state.watermark = None;
                Range {
                    from,
                    to,
                    done: from,
                    caught_up: false,
                }
            }
            (None, Some(r)) => r,
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "gp_history needs a date range the first time (SyncOptions::history, --history FROM..TO)".into(),
                ));
            }
        };
        let id_i = t
            .position("GP_ID")
            .ok_or_else(|| Error::InvalidArgument("gp_history's schema lacks GP_ID".into()))?;
        let end = match range.to {
            Some(d) => d + Duration::days(1),
            None if range.caught_up => range.done,
            None => self.now.date() + Duration::days(1),
        };
        // Windows not pulled yet, one transaction each, so an interrupted
        // pull resumes at the first incomplete window.
        let windows_left = range.done < end;
        // The newest GP_ID before the first window: afterwards, everything
        // above it is asked for again, so element sets filed while the
        // windows were pulled (into windows already done) are not missed.
        // Window rows never raise the watermark: they come in EPOCH order.
        if windows_left && state.watermark.is_none() {
            let top = self
                .fetch_maps(t, acc, |q| {
                    q.predicate("predicates", "GP_ID")
                        .predicate("orderby", "GP_ID desc")
                        .predicate("limit", "1")
                })
                .await?;
            let top = match top.first().and_then(|m| m.get("GP_ID")) {
                None => 0,
                Some(v) => match from_json(ValueKind::Int, v) {
                    Some(Value::Int(n)) => n,
                    _ => return Err(bad(t, "GP_ID", v, ValueKind::Int)),
                },
            };
            state.watermark = Some(top.to_string());
        }
        while range.done < end {
            let start = range.done;
            let stop = (start + window).min(end);
            let rows = self
                .fetch(t, acc, |q| {
                    q.predicate("EPOCH", format!("{start}--{stop}"))
                        .predicate("orderby", "GP_ID asc")
                })
                .await?;
            // Rows on the upper bound belong to the next window too; the
            // key makes the overlap harmless.
            range.done = stop;
            range.caught_up = range.to.is_none() && stop >= end;
            state.progress = Some(range.text());
            let last = range.done >= end && range.to.is_some();
            self.apply(t, state, acc, Changes::upserts(rows), last)
                .await?;
        }
        if range.to.is_some() && windows_left {
            return Ok(());
        }
        // Then only element sets newer than the newest seen, in the range.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let (from, to) = (range.from, range.to);
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc").predicate(
                    "EPOCH",
                    match to {
                        Some(to) => format!("{from}--{}", to + Duration::days(1)),
                        None => format!(">{from}"),
                    },
                );
                match mark {
                    Some(m) => q.predicate("GP_ID", op::gt(m)),
                    None => q,
                }
            })
            .await?;
        bump(state, &rows, id_i);
        self.apply(t, state, acc, Changes::upserts(rows), true)
            .await
    }
}

/// Raises the GP_ID watermark to the newest of `rows`.
fn bump(state: &mut State, rows: &[Row], id_i: usize) {
    let newest = rows
        .iter()
        .filter_map(|r| match r.values[id_i] {
            Value::Int(n) => Some(n),
            _ => None,
        })
        .max();
    let old = state
        .watermark
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok());
    if let Some(n) = newest
        && old.is_none_or(|o| n > o)
    {
        state.watermark = Some(n.to_string());
    }
}

/// The mirror's element sets replaced by a newer one of the same object.
fn superseded(rows: &[Row], mine: &[Vec<Value>], id_i: usize, norad_i: usize) -> Vec<Vec<Value>> {
    let newest: HashMap<String, i64> = rows.iter().fold(HashMap::new(), |mut m, r| {
        if let Value::Int(g) = r.values[id_i] {
            let e = m.entry(text_of(&r.values[norad_i])).or_insert(g);
            *e = (*e).max(g);
        }
        m
    });
    mine.iter()
        .filter_map(|r| match &r[..] {
            [Value::Int(g), n, _] => newest
                .get(&text_of(n))
                .filter(|new| **new != *g)
                .map(|_| vec![Value::Int(*g)]),
            _ => None,
        })
        .collect()
}

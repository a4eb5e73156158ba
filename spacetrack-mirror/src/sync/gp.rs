//! gp: element sets with a GP_ID above the newest seen, then a few columns
//! of the whole class to catch what GP_IDs do not show (decay dates set in
//! place, names and types from the catalog, sets filed below the newest,
//! objects that left gp). The mirror keeps one current set per object.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value as Json};
use spacetrack::op;

use super::diff::{change, same};
use super::digest::Fetched;
use super::rows::{bad, cmp_values, text_of};
use super::run::{Acc, Changes, Run};
use crate::backend::{ChangeRow, Row, Rows, State, StoredRow};
use crate::changes::ChangeKind;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, from_json, to_json};
use crate::{Error, Result};

/// GP_IDs asked for per request when refetching changed rows.
const REFETCH_CHUNK: usize = 200;
/// More changed rows than this are refetched with the whole class.
const REFETCH_WHOLE: usize = 2_000;
/// NORAD_CAT_IDs asked for at a time when reading stored sets.
const NORADS_AT_ONCE: usize = 500;
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

/// The positions of GP_ID and NORAD_CAT_ID.
struct Ids {
    gp: usize,
    norad: usize,
}

fn int(r: &Row, i: usize) -> Option<i64> {
    match r.values[i] {
        Value::Int(n) => Some(n),
        _ => None,
    }
}

impl Run<'_> {
    pub(super) async fn current(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let (Some(gp), Some(norad), Some(_)) = (
            t.position("GP_ID"),
            t.position("NORAD_CAT_ID"),
            t.position("DECAY_DATE"),
        ) else {
            return Err(Error::InvalidArgument(
                "gp's schema lacks GP_ID, NORAD_CAT_ID or DECAY_DATE".into(),
            ));
        };
        let ids = Ids { gp, norad };
        // 1. Element sets newer than the newest seen.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc");
                match mark {
                    Some(m) => q.predicate("GP_ID", op::gt(m)),
                    None => q,
                }
            })
            .await?;
        if let Some(Value::Int(n)) = rows
            .iter()
            .map(|r| &r.values[gp])
            .max_by(|a, b| cmp_values(a, b))
        {
            if mark.is_none_or(|m| *n > m) {
                state.watermark = Some(n.to_string());
            }
        }
        let changes = self.sets(t, &ids, rows).await?;
        self.apply(t, state, acc, changes, false).await?;
        // 2. The whole class in a few columns.
        let changes = self.check(t, &ids, acc).await?;
        self.apply(t, state, acc, changes, true).await
    }

    /// Writes element sets: a GP_ID the mirror has is updated where it
    /// differs; a new one replaces its object's set (a new element set), or
    /// is a new object, or an object back in gp.
    async fn sets(&self, t: &'static TableDef, ids: &Ids, rows: Vec<Row>) -> Result<Changes> {
        // The newest set of each object in the answer.
        let mut newest: HashMap<String, Row> = HashMap::new();
        for r in rows {
            let key = text_of(&r.values[ids.norad]);
            match newest.get(&key) {
                Some(old) if int(old, ids.gp) >= int(&r, ids.gp) => {}
                _ => {
                    newest.insert(key, r);
                }
            }
        }
        let mut rows: Vec<Row> = newest.into_values().collect();
        rows.sort_by_key(|r| int(r, ids.gp));
        // The mirror's sets of those objects.
        let norads: Vec<Value> = rows.iter().map(|r| r.values[ids.norad].clone()).collect();
        let mut stored: HashMap<String, Vec<StoredRow>> = HashMap::new();
        for chunk in norads.chunks(NORADS_AT_ONCE) {
            let chunk = chunk.to_vec();
            for s in self
                .mirror
                .with(move |b| b.rows(t, Rows::In("NORAD_CAT_ID", &chunk)))
                .await?
            {
                stored
                    .entry(text_of(&s.row.values[ids.norad]))
                    .or_default()
                    .push(s);
            }
        }
        let mut c = Changes::default();
        for r in rows {
            let mine = stored
                .remove(&text_of(&r.values[ids.norad]))
                .unwrap_or_default();
            let same_id = mine.iter().find(|s| int(&s.row, ids.gp) == int(&r, ids.gp));
            if let Some(s) = same_id {
                if s.removed || !same(&s.row, &r) {
                    let kind = if s.removed {
                        ChangeKind::Reappeared
                    } else {
                        ChangeKind::Changed
                    };
                    change(t, kind, Some(&s.row), &r, &mut c.changes);
                    c.updates.push(r.clone());
                }
            } else {
                let current = mine
                    .iter()
                    .filter(|s| !s.removed)
                    .max_by_key(|s| int(&s.row, ids.gp));
                let removed = mine
                    .iter()
                    .filter(|s| s.removed)
                    .max_by_key(|s| int(&s.row, ids.gp));
                let (kind, old) = match (current, removed) {
                    (Some(s), _) => (ChangeKind::NewElementSet, Some(&s.row)),
                    (None, Some(s)) => (ChangeKind::Reappeared, Some(&s.row)),
                    (None, None) => (ChangeKind::New, None),
                };
                change(t, kind, old, &r, &mut c.changes);
                c.inserts.push(r.clone());
            }
            // The object's other sets are superseded.
            for s in &mine {
                if int(&s.row, ids.gp) != int(&r, ids.gp) {
                    c.delete.push(vec![s.row.values[ids.gp].clone()]);
                }
            }
        }
        Ok(c)
    }

    /// Compares a few columns of the whole class with the mirror: rows that
    /// differ are refetched, sets that left gp deleted (their object has
    /// another) or marked removed (the object left gp).
    async fn check(&self, t: &'static TableDef, ids: &Ids, acc: &mut Acc) -> Result<Changes> {
        let check: Vec<&'static str> = CHECK
            .iter()
            .copied()
            .filter(|c| t.position(c).is_some())
            .collect();
        let list = check.join(",");
        let (theirs, digest) = match self
            .fetch_maps_digested(t, acc, |q| q.predicate("predicates", list))
            .await?
        {
            // The check answer last applied: the mirror agrees with it.
            Fetched::Same => return Ok(Changes::default()),
            Fetched::New(maps, digest) => (maps, digest),
        };
        let mut server: HashMap<i64, Vec<Value>> = HashMap::with_capacity(theirs.len());
        for m in &theirs {
            let mut vals = Vec::with_capacity(check.len());
            for c in &check {
                let kind = t.columns[t.position(c).unwrap_or(ids.gp)].kind;
                let v = m.get(*c).unwrap_or(&Json::Null);
                vals.push(from_json(kind, v).ok_or_else(|| bad(t, c, v, kind))?);
            }
            match vals[0] {
                Value::Int(g) => {
                    server.insert(g, vals);
                }
                _ => {
                    let v = m.get("GP_ID").unwrap_or(&Json::Null);
                    return Err(bad(t, "GP_ID", v, ValueKind::Int));
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
        let mut c = Changes::default();
        let mut gone: Vec<(&i64, &Vec<Value>)> = have
            .iter()
            .filter(|(g, _)| !server.contains_key(g))
            .collect();
        gone.sort_by_key(|(g, _)| **g);
        for (g, v) in gone {
            if norads.contains(&text_of(&v[1])) {
                c.delete.push(vec![Value::Int(*g)]);
            } else {
                c.remove.push(vec![Value::Int(*g)]);
                let mut key = Map::new();
                key.insert("GP_ID".into(), Json::from(*g));
                key.insert("NORAD_CAT_ID".into(), to_json(&v[1]));
                c.changes.push(ChangeRow {
                    key: Json::Object(key).to_string(),
                    kind: ChangeKind::Removed.name(),
                    columns: None,
                });
            }
        }
        let mut rows = Vec::new();
        if stale.len() > REFETCH_WHOLE {
            // Cheaper as one request than as many lists.
            let wanted: HashSet<i64> = stale.iter().copied().collect();
            let all = self.fetch(t, acc, |q| q).await?;
            rows.extend(
                all.into_iter()
                    .filter(|r| int(r, ids.gp).is_some_and(|g| wanted.contains(&g))),
            );
        } else {
            for chunk in stale.chunks(REFETCH_CHUNK) {
                let list = chunk
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                rows.extend(self.fetch(t, acc, |q| q.predicate("GP_ID", list)).await?);
            }
        }
        // What the check lists is gp: the sets it no longer lists were
        // dealt with above, so a refetched set supersedes nothing itself (a
        // set filed late below the object's newest GP_ID replaces it only
        // when gp lists it instead).
        let sets = self.sets(t, ids, rows).await?;
        c.also = Some(digest);
        c.inserts.extend(sets.inserts);
        c.updates.extend(sets.updates);
        c.changes.extend(sets.changes);
        Ok(c)
    }
}

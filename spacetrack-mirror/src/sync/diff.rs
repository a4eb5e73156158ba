//! Comparing an answer with the stored rows, in Rust: which rows are new,
//! which changed (and how, for the change feed), which came back.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use super::rows::{RowKey, key_of};
use crate::backend::{ChangeRow, Row, StoredRow};
use crate::changes::ChangeKind;
use crate::tables::TableDef;
use crate::value::{Value, to_json};

/// What an answer changes.
#[derive(Debug, Default)]
pub(super) struct Diff {
    pub inserts: Vec<Row>,
    pub updates: Vec<Row>,
    pub changes: Vec<ChangeRow>,
}

/// Stored rows by key.
pub(super) fn by_key(t: &TableDef, rows: Vec<StoredRow>) -> HashMap<RowKey, StoredRow> {
    rows.into_iter().map(|s| (key_of(t, &s.row), s)).collect()
}

/// The row's identity for the change feed: its key columns (for gp, the
/// object's NORAD_CAT_ID too), as a JSON object.
pub(super) fn identity(t: &TableDef, r: &Row) -> String {
    let mut key = Map::new();
    let names = if t.identity.is_empty() {
        t.key
    } else {
        t.identity
    };
    for name in names.iter().chain(["NORAD_CAT_ID"].iter()) {
        if let Some(i) = t.position(name) {
            key.insert((*name).to_owned(), to_json(&r.values[i]));
        }
    }
    if key.is_empty() {
        if let Some(k) = &r.key {
            key.insert("_key".into(), Json::String(k.clone()));
        }
    }
    Json::Object(key).to_string()
}

/// Whether the columns the schema lacks are the same (compared as JSON:
/// PostgreSQL writes its own spacing).
fn same_unknown(a: &Option<String>, b: &Option<String>) -> bool {
    let parse = |s: &Option<String>| -> Json {
        s.as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Json::Null)
    };
    a == b || parse(a) == parse(b)
}

/// Whether two rows hold the same values.
pub(super) fn same(a: &Row, b: &Row) -> bool {
    a.values == b.values && same_unknown(&a.unknown, &b.unknown)
}

/// The columns that differ: `{"COLUMN": [old, new]}` (unknown columns by
/// their names too).
fn differing(t: &TableDef, old: &Row, new: &Row) -> Map<String, Json> {
    let mut out = Map::new();
    for (i, c) in t.columns.iter().enumerate() {
        if old.values[i] != new.values[i] {
            out.insert(
                c.name.to_owned(),
                Json::Array(vec![to_json(&old.values[i]), to_json(&new.values[i])]),
            );
        }
    }
    if !same_unknown(&old.unknown, &new.unknown) {
        let obj = |s: &Option<String>| -> Map<String, Json> {
            s.as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default()
        };
        let (a, b) = (obj(&old.unknown), obj(&new.unknown));
        for name in a.keys().chain(b.keys()) {
            let (x, y) = (
                a.get(name).cloned().unwrap_or(Json::Null),
                b.get(name).cloned().unwrap_or(Json::Null),
            );
            if x != y {
                out.insert(name.clone(), Json::Array(vec![x, y]));
            }
        }
    }
    out
}

/// The columns whose change has a kind of its own.
const DECAY: &[&str] = &["DECAY_DATE", "DECAY"];
const NAME: &[&str] = &["OBJECT_NAME", "SATNAME"];
const TYPE: &[&str] = &["OBJECT_TYPE"];

/// The change records of `new` replacing `old` (`kind`: the change as a
/// whole; decays, renames and re-typings are recorded on their own too).
pub(super) fn change(
    t: &TableDef,
    kind: ChangeKind,
    old: Option<&Row>,
    new: &Row,
    out: &mut Vec<ChangeRow>,
) {
    let key = identity(t, new);
    let columns = old.map(|o| differing(t, o, new)).unwrap_or_default();
    let only = |names: &[&str]| -> Map<String, Json> {
        columns
            .iter()
            .filter(|(c, _)| names.contains(&c.as_str()))
            .map(|(c, v)| (c.clone(), v.clone()))
            .collect()
    };
    let decayed = only(DECAY);
    let decayed = decayed
        .values()
        .any(|v| v.get(0).is_some_and(Json::is_null) && v.get(1).is_some_and(|n| !n.is_null()));
    let text = |m: Map<String, Json>| (!m.is_empty()).then(|| Json::Object(m).to_string());
    out.push(ChangeRow {
        key: key.clone(),
        kind: kind.name(),
        columns: text(columns.clone()),
    });
    if old.is_none() {
        return;
    }
    for (sub, names, happened) in [
        (ChangeKind::Decayed, DECAY, decayed),
        (ChangeKind::Renamed, NAME, !only(NAME).is_empty()),
        (ChangeKind::Retyped, TYPE, !only(TYPE).is_empty()),
    ] {
        if happened && sub != kind {
            out.push(ChangeRow {
                key: key.clone(),
                kind: sub.name(),
                columns: text(only(names)),
            });
        }
    }
}

/// Compares fetched rows with the stored rows of the same keys: new rows
/// are inserted, changed ones and ones that came back are updated; the
/// same key twice in one answer counts once (the first).
pub(super) fn compare(
    t: &TableDef,
    fetched: Vec<Row>,
    stored: &HashMap<RowKey, StoredRow>,
) -> Diff {
    let mut d = Diff::default();
    let mut seen = std::collections::HashSet::new();
    for row in fetched {
        let key = key_of(t, &row);
        if !seen.insert(key.clone()) {
            continue;
        }
        match stored.get(&key) {
            None => {
                change(t, ChangeKind::New, None, &row, &mut d.changes);
                d.inserts.push(row);
            }
            Some(s) if s.removed => {
                change(
                    t,
                    ChangeKind::Reappeared,
                    Some(&s.row),
                    &row,
                    &mut d.changes,
                );
                d.updates.push(row);
            }
            Some(s) if same(&s.row, &row) => {}
            Some(s) => {
                change(t, ChangeKind::Changed, Some(&s.row), &row, &mut d.changes);
                d.updates.push(row);
            }
        }
    }
    d
}

/// The key values of `rows` (for reading their stored rows).
pub(super) fn key_column_values(t: &TableDef, rows: &[Row]) -> (&'static str, Vec<Value>) {
    if t.synthetic_key() {
        let keys = rows
            .iter()
            .map(|r| r.key.clone().map_or(Value::Null, Value::Text))
            .collect();
        return ("_key", keys);
    }
    // Every mirrored class with a usable key has one key column.
    let k = t.key[0];
    let i = t.position(k).unwrap_or(0);
    (k, rows.iter().map(|r| r.values[i].clone()).collect())
}

//! Answer rows as the tables store them.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use crate::backend::Row;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, datetime_text, from_json};
use crate::{Error, Result};

pub(super) fn bad(t: &TableDef, column: &str, v: &Json, kind: ValueKind) -> Error {
    Error::Value {
        class: t.class.to_owned(),
        column: column.to_owned(),
        value: match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        },
        kind: format!("{kind:?}").to_lowercase(),
    }
}

/// A table's columns by name, built once per answer: looked up for every
/// key of every row.
pub(super) struct ColumnIndex(HashMap<&'static str, usize>);

impl ColumnIndex {
    pub(super) fn new(t: &'static TableDef) -> ColumnIndex {
        ColumnIndex(
            t.columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name, i))
                .collect(),
        )
    }

    /// The column named `name`, or spelled so in another case.
    pub(super) fn get(&self, t: &TableDef, name: &str) -> Option<usize> {
        self.0.get(name).copied().or_else(|| {
            t.columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        })
    }
}

/// One answer row as the table stores it; columns the schema lacks are
/// kept in `_unknown`.
pub(super) fn to_row(
    t: &'static TableDef,
    columns: &ColumnIndex,
    m: &Map<String, Json>,
) -> Result<Row> {
    let mut values = vec![Value::Null; t.columns.len()];
    let mut unknown = Map::new();
    for (name, v) in m {
        match columns.get(t, name) {
            Some(i) => {
                let kind = t.columns[i].kind;
                values[i] = from_json(kind, v).ok_or_else(|| bad(t, name, v, kind))?;
            }
            None => {
                unknown.insert(name.clone(), v.clone());
            }
        }
    }
    // A table without a usable key is keyed by the values of the class's
    // key columns (a JSON array, nulls included), or by the whole row when
    // the class has no key.
    let key = t.synthetic_key().then(|| {
        if t.identity.is_empty() {
            serde_json::to_string(m).unwrap_or_default()
        } else {
            let ids: Vec<Json> = t
                .identity
                .iter()
                .map(|c| match t.position(c) {
                    Some(i) => crate::value::to_json(&values[i]),
                    None => Json::Null,
                })
                .collect();
            Json::Array(ids).to_string()
        }
    });
    Ok(Row {
        values,
        unknown: (!unknown.is_empty()).then(|| Json::Object(unknown).to_string()),
        key,
    })
}

/// A row's key as text, for comparing with keys read back.
pub(super) fn key_of(t: &TableDef, r: &Row) -> Vec<String> {
    if t.synthetic_key() {
        return vec![r.key.clone().unwrap_or_default()];
    }
    t.key
        .iter()
        .map(|k| {
            t.position(k)
                .map(|i| text_of(&r.values[i]))
                .unwrap_or_default()
        })
        .collect()
}

pub(crate) fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Int(n) => n.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => datetime_text(t),
    }
}

pub(super) fn parse_mark(kind: ValueKind, m: &str) -> Value {
    from_json(kind, &Json::String(m.to_owned())).unwrap_or(Value::Text(m.to_owned()))
}

pub(super) fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Real(x), Real(y)) => x.total_cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (DateTime(x), DateTime(y)) => x.cmp(y),
        _ => text_of(a).cmp(&text_of(b)),
    }
}

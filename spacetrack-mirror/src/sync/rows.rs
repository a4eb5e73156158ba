//! Answer rows as the tables store them.

use serde_json::Value as Json;

use crate::Error;
use crate::backend::Row;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, datetime_text, from_json};

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

/// A row's identity, for comparing answers with stored rows: its key
/// column's value (every mirrored class has one), or its `_key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum RowKey {
    Int(i64),
    Text(String),
}

pub(super) fn key_of(t: &TableDef, r: &Row) -> RowKey {
    if t.synthetic_key() {
        return RowKey::Text(r.key.clone().unwrap_or_default());
    }
    if let [k] = t.key {
        if let Some(i) = t.position(k) {
            return match &r.values[i] {
                Value::Int(n) => RowKey::Int(*n),
                other => RowKey::Text(text_of(other)),
            };
        }
    }
    RowKey::Text(
        t.key
            .iter()
            .map(|k| {
                t.position(k)
                    .map(|i| text_of(&r.values[i]))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\u{1f}"),
    )
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

//! A table row as the mirror stores it, and its identity.

use serde_json::{Map, Value as Json};

use crate::tables::TableDef;
use crate::value::{Value, to_json};

/// A row to write: the schema's columns in order, the columns the schema
/// lacks (a JSON object), and the `_key` of a table without a schema key.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// One value per schema column.
    pub values: Vec<Value>,
    /// Columns the schema does not list, as a JSON object.
    pub unknown: Option<String>,
    /// The row's identity, for tables keyed by `_key`.
    pub key: Option<String>,
}

/// The key columns' values of a row (its `_key` for a table without a
/// usable key).
pub(crate) fn key_values(t: &TableDef, row: &Row) -> Vec<Value> {
    if t.synthetic_key() {
        return vec![row.key.clone().map_or(Value::Null, Value::Text)];
    }
    t.key
        .iter()
        .map(|k| t.position(k).map_or(Value::Null, |i| row.values[i].clone()))
        .collect()
}

/// The `_key` of a table without a usable key: the values of the class's
/// key columns (a JSON array, nulls included), or the whole row when the
/// class has no key.
pub(crate) fn synthetic_key(
    t: &TableDef,
    values: &[Value],
    unknown: &Map<String, Json>,
) -> Option<String> {
    if !t.synthetic_key() {
        return None;
    }
    Some(if t.identity.is_empty() {
        let mut all = Map::new();
        for (c, v) in t.columns.iter().zip(values) {
            all.insert(c.name.to_owned(), to_json(v));
        }
        all.extend(unknown.clone());
        Json::Object(all).to_string()
    } else {
        let ids: Vec<Json> = t
            .identity
            .iter()
            .map(|c| t.position(c).map_or(Json::Null, |i| to_json(&values[i])))
            .collect();
        Json::Array(ids).to_string()
    })
}

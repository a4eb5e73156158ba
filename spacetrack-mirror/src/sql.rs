//! The SQL both backends send: the state table, the upsert and the scan
//! (PostgreSQL and SQLite share `ON CONFLICT ... DO UPDATE ... WHERE`; the
//! differences are passed in: placeholders, the distinctness operator and
//! a cast).

use crate::tables::TableDef;
use crate::value::Value;

/// The SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement and its parameters.
#[derive(Debug)]
pub(crate) struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

/// The state table, the same in both dialects (times as ISO text).
pub(crate) const STATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS \"_sync_state\" (
    \"class\" TEXT PRIMARY KEY,
    \"watermark\" TEXT,
    \"progress\" TEXT,
    \"last_sync_at\" TEXT,
    \"next_due_at\" TEXT,
    \"lease_owner\" TEXT,
    \"lease_until\" TEXT
)";

/// The change feed (see [`crate::Change`]): one row per change a sync
/// made, in the order made.
pub(crate) fn changes_table(postgres: bool) -> String {
    let (seq, time, json) = if postgres {
        ("BIGSERIAL PRIMARY KEY", "TIMESTAMP", "JSONB")
    } else {
        ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT")
    };
    format!(
        "CREATE TABLE IF NOT EXISTS \"_changes\" (
    \"seq\" {seq},
    \"synced_at\" {time} NOT NULL,
    \"class\" TEXT NOT NULL,
    \"key\" {json} NOT NULL,
    \"kind\" TEXT NOT NULL,
    \"columns\" {json}
);
CREATE INDEX IF NOT EXISTS \"_changes_synced_at\" ON \"_changes\" (\"synced_at\")"
    )
}

/// The data columns a row writes: the schema's, `_key` when the table has
/// it, `_unknown`.
pub(crate) fn data_columns(t: &TableDef) -> Vec<String> {
    let mut cols: Vec<String> = t.columns.iter().map(|c| q(c.name)).collect();
    if t.synthetic_key() {
        cols.push(q("_key"));
    }
    cols.push(q("_unknown"));
    cols
}

/// `INSERT` of a new row: the data columns then `_synced_at`.
pub(crate) fn insert_sql(t: &TableDef, placeholder: &dyn Fn(usize) -> String) -> String {
    let mut cols = data_columns(t);
    cols.push(q("_synced_at"));
    let values: Vec<String> = (1..=cols.len()).map(placeholder).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        q(t.class),
        cols.join(", "),
        values.join(", ")
    )
}

/// `UPDATE` of a changed row: the data columns then `_synced_at` (and
/// `_removed_at` cleared), then the key columns.
pub(crate) fn update_sql(t: &TableDef, placeholder: &dyn Fn(usize) -> String) -> String {
    let mut cols = data_columns(t);
    cols.push(q("_synced_at"));
    let n = cols.len();
    let set: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {}", placeholder(i + 1)))
        .chain([format!("{} = NULL", q("_removed_at"))])
        .collect();
    let keys: Vec<String> = t
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} = {}", q(k), placeholder(n + i + 1)))
        .collect();
    format!(
        "UPDATE {} SET {} WHERE {}",
        q(t.class),
        set.join(", "),
        keys.join(" AND ")
    )
}

/// Every column, `_key` (or NULL), `_unknown` and `_removed_at` of the rows
/// matching `filter` (a `WHERE` clause without the keyword, or none).
pub(crate) fn rows_sql(t: &TableDef, cast: &str, filter: Option<&str>) -> String {
    let mut cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}{cast}", q(c.name)))
        .collect();
    cols.push(if t.synthetic_key() {
        q("_key")
    } else {
        "NULL".into()
    });
    cols.push(format!("{}{cast}", q("_unknown")));
    cols.push(format!("{}{cast}", q("_removed_at")));
    let mut sql = format!("SELECT {} FROM {}", cols.join(", "), q(t.class));
    if let Some(f) = filter {
        sql.push_str(" WHERE ");
        sql.push_str(f);
    }
    sql
}

/// `UPDATE` of a row's data columns in place (a migration): the data
/// columns, then the key columns of the row as it was.
pub(crate) fn rewrite_sql(t: &TableDef, placeholder: &dyn Fn(usize) -> String) -> String {
    let cols = data_columns(t);
    let n = cols.len();
    let set: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {}", placeholder(i + 1)))
        .collect();
    let keys: Vec<String> = t
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} = {}", q(k), placeholder(n + i + 1)))
        .collect();
    format!(
        "UPDATE {} SET {} WHERE {}",
        q(t.class),
        set.join(", "),
        keys.join(" AND ")
    )
}

/// The schema and migration log columns of `_sync_state`, added to a mirror
/// made before they existed.
pub(crate) const STATE_COLUMNS: &[&str] = &["schema_version", "migrations"];

/// A migration log with `entry` (a JSON object) appended.
pub(crate) fn log_with(log: Option<&str>, entry: serde_json::Value) -> String {
    let mut all: Vec<serde_json::Value> = log
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    all.push(entry);
    serde_json::Value::Array(all).to_string()
}

/// `_unknown` as a query returns it: with the values of `retired` columns
/// (those this build's schemas no longer list) merged in, so that nothing
/// stored is lost from an answer. A NULL retired value adds nothing.
pub(crate) fn unknown_expr(dialect: Dialect, retired: &[String], cast: &str) -> String {
    let u = q("_unknown");
    if retired.is_empty() {
        return format!("{u}{cast}");
    }
    let pairs: Vec<String> = retired
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), q(c)))
        .collect();
    match dialect {
        // A merge patch drops the keys whose value is null.
        Dialect::Sqlite => format!(
            "json_patch(COALESCE({u}, '{{}}'), json_object({}))",
            pairs.join(", ")
        ),
        Dialect::Postgres => format!(
            "(COALESCE({u}, '{{}}'::jsonb) || jsonb_strip_nulls(jsonb_build_object({})))::text",
            pairs.join(", ")
        ),
    }
}

/// A quoted SQL identifier.
pub(crate) fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"A" = ? AND "B" = ?` over the key columns.
pub(crate) fn key_match(t: &TableDef) -> String {
    t.key
        .iter()
        .map(|k| format!("{} = ?", q(k)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The upsert statement: inserts, or rewrites a row only where it differs
/// (so a sync with nothing new changes nothing, `_synced_at` included).
pub(crate) fn upsert_sql(
    t: &TableDef,
    distinct: &str,
    placeholder: &dyn Fn(usize) -> String,
) -> String {
    let mut cols: Vec<String> = t.columns.iter().map(|c| q(c.name)).collect();
    if t.synthetic_key() {
        cols.push(q("_key"));
    }
    cols.push(q("_unknown"));
    let data = cols.clone();
    cols.push(q("_synced_at"));
    let values: Vec<String> = (1..=cols.len()).map(placeholder).collect();
    let keys: Vec<String> = t.key.iter().map(|k| q(k)).collect();
    let set: Vec<String> = cols
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .chain([format!("{} = NULL", q("_removed_at"))])
        .collect();
    let differs: Vec<String> = data
        .iter()
        .map(|c| format!("{}.{c} {distinct} excluded.{c}", q(t.class)))
        .chain([format!("{}.{} IS NOT NULL", q(t.class), q("_removed_at"))])
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
        q(t.class),
        cols.join(", "),
        values.join(", "),
        keys.join(", "),
        set.join(", "),
        differs.join(" OR ")
    )
}

/// Every column, `_unknown` and `_removed_at` of the current rows (all
/// rows when `include_removed`), in key order; `cast` follows each selected
/// column (`::text` for PostgreSQL).
pub(crate) fn scan_sql(
    t: &TableDef,
    include_removed: bool,
    cast: &str,
    dialect: Dialect,
    retired: &[String],
    order_by: Option<&str>,
) -> String {
    let mut cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}{cast}", q(c.name)))
        .collect();
    cols.push(unknown_expr(dialect, retired, cast));
    cols.push(format!("{}{cast}", q("_removed_at")));
    let mut order: Vec<String> = t.key.iter().map(|k| q(k)).collect();
    if let Some(first) = order_by {
        let nulls = match dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => " NULLS FIRST",
        };
        order.insert(0, format!("{}{nulls}", q(first)));
    }
    format!(
        "SELECT {} FROM {}{} ORDER BY {}",
        cols.join(", "),
        q(t.class),
        if include_removed {
            String::new()
        } else {
            format!(" WHERE {} IS NULL", q("_removed_at"))
        },
        order.join(", ")
    )
}

//! Schema migration: a mirror made by one build, opened by a build whose
//! schemas differ.
//!
//! - A column the schemas gained is added (`ALTER TABLE ... ADD COLUMN`) and
//!   filled from `_unknown`, where the older build kept its values.
//! - A column the schemas lost stays in the table, nullable: it is *retired*
//!   (recorded with the migration; queries return its values as unknown
//!   columns, so nothing is lost).
//! - A column whose type changed is converted in place where the database
//!   can (PostgreSQL's `ALTER ... TYPE ... USING`); otherwise the class's
//!   syncs stop with [`Error::Migration`] naming the column and
//!   `spacetrack mirror migrate`, which rebuilds the table from its own rows
//!   ([`Mirror::migrate`]).
//! - Rows written in an older storage format (datetimes with a varying
//!   number of fractional digits; identities built from them) are
//!   rewritten in the current one.
//!
//! Each migration runs in one transaction under the class's lease and is
//! recorded in `_sync_state` (`schema_version`, and a log in `migrations`);
//! `mirror status` shows each table's schema version.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value as Json};

use crate::row::{Row, synthetic_key};
use crate::sql::Dialect;
use crate::tables::TableDef;
use crate::value::{Value, from_json};
use crate::{Error, Mirror, Result};

/// The storage format rows are written in: 2 stores datetimes with six
/// fractional digits (and identities built from them accordingly).
pub(crate) const STORAGE: u32 = 2;

/// A table's columns as the database has them: name and declared type.
pub(crate) type Shape = Vec<(String, String)>;

/// The schema columns a table should have, with their declared types, read
/// from its generated `CREATE TABLE`.
pub(crate) fn expected(t: &TableDef, dialect: Dialect) -> Shape {
    let ddl = match dialect {
        Dialect::Sqlite => t.sqlite,
        Dialect::Postgres => t.postgres,
    };
    ddl.lines()
        .filter_map(|l| {
            let l = l.trim().trim_end_matches(',');
            let rest = l.strip_prefix('"')?;
            let (name, ty) = rest.split_once("\" ")?;
            if name.starts_with('_') {
                return None;
            }
            let ty = ty.trim_end_matches(" NOT NULL").trim();
            Some((name.replace("\"\"", "\""), ty.to_owned()))
        })
        .collect()
}

/// A declared type as the database reports it, comparable with the
/// generated one.
fn comparable(ty: &str, dialect: Dialect) -> String {
    let t = ty.trim().to_ascii_lowercase();
    match dialect {
        Dialect::Sqlite => t,
        Dialect::Postgres => match t.as_str() {
            "timestamp" | "timestamp without time zone" => "timestamp".into(),
            "double precision" | "float8" => "double precision".into(),
            "int8" => "bigint".into(),
            "int4" | "int" => "integer".into(),
            "int2" => "smallint".into(),
            t if t.starts_with("numeric") => "numeric".into(),
            t => t.into(),
        },
    }
}

/// The schema version of a table: the storage format and a hash of the
/// columns and types this build expects.
pub(crate) fn version(t: &TableDef, dialect: Dialect) -> String {
    // FNV-1a: stable across builds and platforms (the std hasher is not).
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for (name, ty) in expected(t, dialect) {
        name.hash(&mut h);
        comparable(&ty, dialect).hash(&mut h);
    }
    format!("{STORAGE}:{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// What a table needs to match this build.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Migration {
    /// Columns to add: their position in the schema and declared type.
    pub add: Vec<(usize, String)>,
    /// Columns the schema no longer has.
    pub retired: Vec<String>,
    /// Columns whose type changed: name, the table's type, the schema's.
    pub retyped: Vec<(String, String, String)>,
    /// Rows to rewrite in the current storage format.
    pub storage: bool,
    /// The version to record once done.
    pub version: String,
}

impl Migration {
    pub(crate) fn is_empty(&self) -> bool {
        self.add.is_empty() && self.retyped.is_empty() && !self.storage
    }

    /// What it does, for the log and messages.
    pub(crate) fn describe(&self, t: &TableDef) -> String {
        let mut parts = Vec::new();
        if !self.add.is_empty() {
            let names: Vec<&str> = self.add.iter().map(|(i, _)| t.columns[*i].name).collect();
            parts.push(format!("added {}", names.join(", ")));
        }
        for (c, from, to) in &self.retyped {
            parts.push(format!("{c}: {from} -> {to}"));
        }
        if self.storage {
            parts.push(format!("rows rewritten in storage format {STORAGE}"));
        }
        if !self.retired.is_empty() {
            parts.push(format!("retired {}", self.retired.join(", ")));
        }
        parts.join("; ")
    }
}

/// Compares a table as it is (`shape`, with the version recorded for it)
/// with this build.
pub(crate) fn plan(
    t: &TableDef,
    dialect: Dialect,
    shape: &Shape,
    recorded: Option<&str>,
    empty: bool,
) -> Migration {
    let want = expected(t, dialect);
    let have = |name: &str| shape.iter().find(|(n, _)| n == name);
    let mut m = Migration {
        version: version(t, dialect),
        ..Migration::default()
    };
    for (name, ty) in &want {
        match have(name) {
            None => m.add.push((t.position(name).unwrap_or(0), ty.clone())),
            Some((_, got)) if comparable(got, dialect) != comparable(ty, dialect) => {
                m.retyped.push((name.clone(), got.clone(), ty.clone()))
            }
            Some(_) => {}
        }
    }
    m.retired = shape
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !n.starts_with('_') && !want.iter().any(|(w, _)| w == n))
        .collect();
    let stored = recorded
        .and_then(|v| v.split(':').next())
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    m.storage = stored < STORAGE && !empty;
    m
}

/// The values of the added columns that `unknown` (a row's `_unknown`)
/// holds, and what is left of it. A value that does not fit its column
/// stays in `_unknown`.
pub(crate) fn take_added(
    t: &TableDef,
    added: &[usize],
    unknown: Option<&str>,
) -> (Vec<(usize, Value)>, Option<String>) {
    let Some(mut map) = unknown.and_then(|u| serde_json::from_str::<Map<String, Json>>(u).ok())
    else {
        return (Vec::new(), unknown.map(str::to_owned));
    };
    let mut found = Vec::new();
    for &i in added {
        let col = &t.columns[i];
        let key = map
            .keys()
            .find(|k| k.eq_ignore_ascii_case(col.name))
            .cloned();
        if let Some(key) = key {
            if let Some(v) = from_json(col.kind, &map[&key]) {
                map.remove(&key);
                found.push((i, v));
            }
        }
    }
    let rest = (!map.is_empty()).then(|| Json::Object(map).to_string());
    (found, rest)
}

/// A row read as text from a table of another shape (`names`, `texts`),
/// converted to this build's columns: retired columns and values that do
/// not fit move into `_unknown`. Returns the row and how many values did
/// not fit.
pub(crate) fn convert(
    t: &TableDef,
    names: &[String],
    texts: &[Option<String>],
    unknown: Option<&str>,
) -> (Row, usize) {
    let mut extra: Map<String, Json> = unknown
        .and_then(|u| serde_json::from_str(u).ok())
        .unwrap_or_default();
    let mut values = vec![Value::Null; t.columns.len()];
    let mut misfits = 0;
    for (name, text) in names.iter().zip(texts) {
        let Some(text) = text else { continue };
        match t.position(name) {
            Some(i) => {
                let kind = t.columns[i].kind;
                let json = Json::String(text.clone());
                match from_json(kind, &json) {
                    Some(v) => values[i] = v,
                    None => {
                        misfits += 1;
                        extra.insert(name.clone(), json);
                    }
                }
            }
            None => {
                extra.insert(name.clone(), Json::String(text.clone()));
            }
        }
    }
    let unknown = (!extra.is_empty()).then(|| Json::Object(extra.clone()).to_string());
    let key = synthetic_key(t, &values, &extra);
    (
        Row {
            values,
            unknown,
            key,
        },
        misfits,
    )
}

/// A table's schema state, for [`crate::ClassStatus`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SchemaStatus {
    /// The version recorded for the table (`storage:hash`), if any.
    pub version: Option<String>,
    /// Whether it is this build's.
    pub current: bool,
    /// Columns the schemas no longer have (kept, nullable).
    pub retired: Vec<String>,
    /// What still needs `spacetrack mirror migrate`: `column: from -> to`.
    pub pending: Vec<String>,
}

impl Mirror {
    /// Brings every table to this build's schemas where that can be done in
    /// place (see the module docs); a class leased by a sync elsewhere is
    /// left for later. Called by [`Mirror::open`].
    pub(crate) async fn upgrade(&self) -> Result<()> {
        for t in crate::TABLES {
            match self.upgrade_table(t, false).await {
                // A type PostgreSQL cannot convert in place: the class waits
                // for `mirror migrate` (its syncs say so).
                Ok(()) | Err(Error::Migration { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Upgrades one table under its lease. With `rebuild`, a type change
    /// the database cannot make in place rebuilds the table from its rows.
    pub(crate) async fn upgrade_table(&self, t: &'static TableDef, rebuild: bool) -> Result<()> {
        let owner = crate::owner();
        self.with(move |b| {
            let dialect = b.dialect();
            let shape = b.shape(t.class)?;
            let recorded = b.schema_version(t.class)?;
            let empty = !b.has_rows(t)?;
            let m = plan(t, dialect, &shape, recorded.as_deref(), empty);
            if m.is_empty() {
                if recorded.as_deref() != Some(m.version.as_str()) {
                    b.record_schema(t.class, &m.version, None)?;
                }
                return Ok(());
            }
            if !m.retyped.is_empty() && !rebuild && dialect == Dialect::Sqlite {
                // SQLite cannot change a column's type in place: the table
                // is rebuilt when asked (`mirror migrate`); syncs stop.
                return Ok(());
            }
            let now = chrono::Utc::now().naive_utc();
            let until = now + chrono::Duration::minutes(30);
            if b.lease(t.class, &owner, now, until, None)?.is_some() {
                return Ok(());
            }
            let done = if rebuild && !m.retyped.is_empty() {
                b.rebuild(t, &shape, &m).map(|_| ())
            } else {
                b.migrate(t, &m)
            };
            let released = b.release(t.class, &owner, None);
            done.and(released)
        })
        .await
    }

    /// Rebuilds a class's table from its own rows in this build's schema
    /// (a type that changed converted; a value that does not convert kept in
    /// `_unknown`), in one transaction under the class's lease:
    /// `spacetrack mirror migrate`.
    pub async fn migrate(&self, class: &str) -> Result<SchemaStatus> {
        let t = crate::table(class).ok_or_else(|| Error::UnknownClass(class.to_owned()))?;
        self.upgrade_table(t, true).await?;
        let status = self.schema_status(t).await?;
        if !status.pending.is_empty() {
            return Err(Error::Busy(format!(
                "{class}: another sync holds the class; migrate again when it is done"
            )));
        }
        Ok(status)
    }

    /// A table's schema state.
    pub(crate) async fn schema_status(&self, t: &'static TableDef) -> Result<SchemaStatus> {
        self.with(move |b| {
            let dialect = b.dialect();
            let shape = b.shape(t.class)?;
            let recorded = b.schema_version(t.class)?;
            let m = plan(t, dialect, &shape, recorded.as_deref(), false);
            Ok(SchemaStatus {
                current: recorded.as_deref() == Some(m.version.as_str()),
                version: recorded,
                retired: m.retired,
                pending: m
                    .retyped
                    .iter()
                    .map(|(c, from, to)| format!("{c}: {from} -> {to}"))
                    .collect(),
            })
        })
        .await
    }

    /// The error a sync of `t` stops with while its table needs a rebuild.
    pub(crate) async fn needs_rebuild(&self, t: &'static TableDef) -> Result<Option<Error>> {
        let s = self.schema_status(t).await?;
        Ok(s.pending.first().map(|p| Error::Migration {
            class: t.class.to_owned(),
            change: p.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_ddl_gives_the_expected_columns() {
        let t = crate::table("gp").unwrap();
        let cols = expected(t, Dialect::Sqlite);
        assert_eq!(cols.len(), t.columns.len());
        assert!(cols.contains(&("MEAN_MOTION".into(), "REAL".into())));
        assert!(cols.contains(&("GP_ID".into(), "INTEGER".into())));
        let pg = expected(t, Dialect::Postgres);
        assert!(pg.contains(&("EPOCH".into(), "TIMESTAMP".into())));
        assert_eq!(version(t, Dialect::Sqlite), version(t, Dialect::Sqlite));
        assert!(version(t, Dialect::Sqlite).starts_with("2:"));
    }

    #[test]
    fn a_plan_finds_added_retired_and_retyped_columns() {
        let t = crate::table("gp").unwrap();
        let mut shape = expected(t, Dialect::Sqlite);
        shape.retain(|(n, _)| n != "RCS_SIZE");
        shape.push(("OLD_COLUMN".into(), "TEXT".into()));
        shape
            .iter_mut()
            .find(|(n, _)| n == "MEAN_MOTION")
            .unwrap()
            .1 = "TEXT".into();
        let m = plan(t, Dialect::Sqlite, &shape, Some("1:x"), false);
        assert_eq!(
            m.add,
            vec![(t.position("RCS_SIZE").unwrap(), "TEXT".to_owned())]
        );
        assert_eq!(m.retired, vec!["OLD_COLUMN".to_owned()]);
        assert_eq!(
            m.retyped,
            vec![("MEAN_MOTION".into(), "TEXT".into(), "REAL".into())]
        );
        assert!(m.storage);
        let same = plan(
            t,
            Dialect::Sqlite,
            &expected(t, Dialect::Sqlite),
            Some(&version(t, Dialect::Sqlite)),
            false,
        );
        assert!(same.is_empty());
    }

    #[test]
    fn values_kept_in_unknown_fill_the_added_column() {
        let t = crate::table("gp").unwrap();
        let i = t.position("RCS_SIZE").unwrap();
        let (found, rest) = take_added(t, &[i], Some(r#"{"RCS_SIZE":"LARGE","X":"1"}"#));
        assert_eq!(found, vec![(i, Value::Text("LARGE".into()))]);
        assert_eq!(rest.as_deref(), Some(r#"{"X":"1"}"#));
    }
}

/// The columns a table has that this build's schemas no longer list.
pub(crate) fn retired(t: &TableDef, shape: &Shape) -> Vec<String> {
    shape
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !n.starts_with('_') && t.position(n).is_none())
        .collect()
}

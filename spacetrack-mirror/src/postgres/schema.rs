//! PostgreSQL's side of schema migration: columns added and filled, types
//! converted in place, tables rebuilt from their rows; the schema version
//! and migration log in `_sync_state`.

use postgres::Transaction;

use super::{Params, Postgres, cast, db, kind_of, read, refs, text};
use crate::backend::{Row, key_values};
use crate::sql::{data_columns, log_with, q, rewrite_sql, rows_sql};
use crate::tables::TableDef;
use crate::value::datetime_text;
use crate::{Error, Result};

/// Sets a state row's progress, creating the row.
pub(super) fn set_progress(
    tx: &mut Transaction<'_>,
    class: &str,
    progress: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO _sync_state (class, progress) VALUES ($1, $2) \
         ON CONFLICT (class) DO UPDATE SET progress = excluded.progress",
        &[&class, &progress],
    )
    .map_err(db)?;
    Ok(())
}

/// Records a class's schema version and, when given, a migration in its
/// log, in the caller's transaction.
pub(super) fn record_schema(
    tx: &mut Transaction<'_>,
    class: &str,
    version: &str,
    done: Option<&str>,
) -> Result<()> {
    let log: Option<String> = tx
        .query_opt(
            "SELECT migrations FROM _sync_state WHERE class = $1",
            &[&class],
        )
        .map_err(db)?
        .and_then(|r| r.get(0));
    let log = match done {
        Some(what) => Some(log_with(
            log.as_deref(),
            serde_json::json!({
                "at": datetime_text(&chrono::Utc::now().naive_utc()),
                "version": version,
                "what": what,
            }),
        )),
        None => log,
    };
    tx.execute(
        "INSERT INTO _sync_state (class, schema_version, migrations) VALUES ($1, $2, $3) \
         ON CONFLICT (class) DO UPDATE SET schema_version = excluded.schema_version, \
         migrations = excluded.migrations",
        &[&class, &version, &log],
    )
    .map_err(db)?;
    Ok(())
}

pub(super) fn migrate(
    pg: &mut Postgres,
    t: &'static TableDef,
    m: &crate::migrate::Migration,
) -> Result<()> {
    let mut tx = pg.client().transaction().map_err(db)?;
    for (i, ty) in &m.add {
        tx.batch_execute(&format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {ty}",
            q(t.class),
            q(t.columns[*i].name)
        ))
        .map_err(db)?;
    }
    for (column, from, to) in &m.retyped {
        // In place when every value converts; the whole migration rolls
        // back otherwise, and the class waits for `mirror migrate`.
        let sql = format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {to} USING {c}::text::{to}",
            t = q(t.class),
            c = q(column)
        );
        if tx.batch_execute(&sql).is_err() {
            return Err(Error::Migration {
                class: t.class.to_owned(),
                change: format!("{column}: {from} -> {to}"),
            });
        }
    }
    let added: Vec<usize> = m.add.iter().map(|(i, _)| *i).collect();
    if !added.is_empty() || m.storage {
        let rows = tx.query(&rows_sql(t, "::text", None), &[]).map_err(db)?;
        let n = t.columns.len();
        let mut casts: Vec<&'static str> = t.columns.iter().map(|c| cast(c.kind)).collect();
        if t.synthetic_key() {
            casts.push("text");
        }
        casts.push("jsonb");
        let width = casts.len();
        let key_casts: Vec<&'static str> = if t.synthetic_key() {
            vec!["text"]
        } else {
            t.key.iter().map(|k| cast(kind_of(t, k))).collect()
        };
        let sql = rewrite_sql(t, &|i| {
            let c = casts
                .get(i - 1)
                .copied()
                .unwrap_or_else(|| key_casts[i - 1 - width]);
            format!("${i}::text::{c}")
        });
        let stmt = tx.prepare(&sql).map_err(db)?;
        for r in rows {
            let mut values = Vec::with_capacity(n);
            for (i, c) in t.columns.iter().enumerate() {
                values.push(read(c.kind, r.get(i))?);
            }
            let old = Row {
                values,
                key: r.get(n),
                unknown: r.get(n + 1),
            };
            let old_key = key_values(t, &old);
            let (found, rest) = crate::migrate::take_added(t, &added, old.unknown.as_deref());
            let mut new = old.clone();
            for (i, v) in found {
                new.values[i] = v;
            }
            new.unknown = rest;
            let extra = new
                .unknown
                .as_deref()
                .and_then(|u| serde_json::from_str(u).ok())
                .unwrap_or_default();
            new.key = crate::row::synthetic_key(t, &new.values, &extra);
            let mut p: Params = new.values.iter().map(text).collect();
            if t.synthetic_key() {
                p.push(new.key.clone());
            }
            p.push(new.unknown.clone());
            p.extend(old_key.iter().map(text));
            tx.execute(&stmt, &refs(&p)).map_err(db)?;
        }
    }
    record_schema(&mut tx, t.class, &m.version, Some(&m.describe(t)))?;
    tx.commit().map_err(db)
}

pub(super) fn rebuild(
    pg: &mut Postgres,
    t: &'static TableDef,
    shape: &crate::migrate::Shape,
    m: &crate::migrate::Migration,
) -> Result<usize> {
    let mut tx = pg.client().transaction().map_err(db)?;
    let names: Vec<String> = shape
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !n.starts_with('_'))
        .collect();
    let own = |c: &str| shape.iter().any(|(n, _)| n == c);
    let mut cols: Vec<String> = names.iter().map(|n| format!("{}::text", q(n))).collect();
    for c in ["_unknown", "_synced_at", "_removed_at"] {
        cols.push(if own(c) {
            format!("{}::text", q(c))
        } else {
            "NULL::text".into()
        });
    }
    let found = tx
        .query(
            &format!("SELECT {} FROM {}", cols.join(", "), q(t.class)),
            &[],
        )
        .map_err(db)?;
    let n = names.len();
    let mut misfits = 0;
    let fresh = format!("{}__rebuild", t.class);
    tx.batch_execute(&format!("DROP TABLE IF EXISTS {}", q(&fresh)))
        .map_err(db)?;
    tx.batch_execute(&t.postgres.replacen(&q(t.class), &q(&fresh), 1))
        .map_err(db)?;
    let mut casts: Vec<&'static str> = t.columns.iter().map(|c| cast(c.kind)).collect();
    if t.synthetic_key() {
        casts.push("text");
    }
    casts.extend(["jsonb", "timestamp", "timestamp"]);
    let mut all = data_columns(t);
    all.push(q("_synced_at"));
    all.push(q("_removed_at"));
    let marks: Vec<String> = casts
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::text::{c}", i + 1))
        .collect();
    let keys: Vec<String> = t.key.iter().map(|k| q(k)).collect();
    let stmt = tx
        .prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING",
            q(&fresh),
            all.join(", "),
            marks.join(", "),
            keys.join(", ")
        ))
        .map_err(db)?;
    for r in found {
        let texts: Vec<Option<String>> = (0..n).map(|i| r.get(i)).collect();
        let unknown: Option<String> = r.get(n);
        let (row, bad) = crate::migrate::convert(t, &names, &texts, unknown.as_deref());
        misfits += bad;
        let mut p: Params = row.values.iter().map(text).collect();
        if t.synthetic_key() {
            p.push(row.key.clone());
        }
        p.push(row.unknown.clone());
        let synced: Option<String> = r.get(n + 1);
        p.push(Some(synced.unwrap_or_else(|| {
            datetime_text(&chrono::Utc::now().naive_utc())
        })));
        p.push(r.get(n + 2));
        tx.execute(&stmt, &refs(&p)).map_err(db)?;
    }
    tx.batch_execute(&format!(
        "DROP TABLE {}; ALTER TABLE {} RENAME TO {}",
        q(t.class),
        q(&fresh),
        q(t.class)
    ))
    .map_err(db)?;
    let what = format!(
        "rebuilt from its rows ({}); {misfits} value(s) that did not convert kept in _unknown",
        m.describe(t)
    );
    record_schema(&mut tx, t.class, &m.version, Some(&what))?;
    tx.commit().map_err(db)?;
    Ok(misfits)
}

//! The SQLite backend: one file, nothing to install (SQLite is compiled in).

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDateTime;
use rusqlite::types::{ToSqlOutput, Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::backend::{Applied, Backend, Batch, Row, Rows, State, StoredRow, key_values};
use crate::sql::{
    Dialect, STATE_COLUMNS, STATE_TABLE, Statement, changes_table, data_columns, insert_sql,
    key_match, log_with, q, rewrite_sql, rows_sql, scan_sql, update_sql, upsert_sql,
};
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, datetime_text, parse_date, parse_datetime};
use crate::{Error, Result};

mod bind;
mod checkpoint;

use bind::{RowBinder, bind, bind_opt};
use checkpoint::Checkpoints;

/// A mirror in an SQLite file.
pub struct Sqlite {
    // Dropped first: its thread ends before the connection closes.
    checkpoints: Checkpoints,
    conn: Connection,
}

fn db(e: rusqlite::Error) -> Error {
    Error::Database(e.to_string())
}

impl Sqlite {
    /// Opens (creating) the file. Writers wait for each other up to a
    /// minute; WAL lets readers (status, export) run beside a sync.
    pub fn open(path: &Path) -> Result<Sqlite> {
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(60)).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        // What a bulk load wants: room for a sync's pages in memory (64 MiB
        // of cache), temporary tables and indexes in memory.
        conn.pragma_update(None, "cache_size", -65536).map_err(db)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(db)?;
        // The WAL is checkpointed on a thread of its own (checkpoint.rs),
        // not by the commit that crosses SQLite's automatic threshold.
        conn.pragma_update(None, "journal_size_limit", 64 << 20)
            .map_err(db)?;
        conn.execute_batch(STATE_TABLE).map_err(db)?;
        conn.execute_batch(&changes_table(false)).map_err(db)?;
        let checkpoints = Checkpoints::install(&conn, path);
        let mut lite = Sqlite { checkpoints, conn };
        let have: Vec<String> = lite
            .shape("_sync_state")?
            .into_iter()
            .map(|c| c.0)
            .collect();
        for c in STATE_COLUMNS
            .iter()
            .filter(|c| !have.iter().any(|h| h == *c))
        {
            lite.conn
                .execute_batch(&format!("ALTER TABLE _sync_state ADD COLUMN {} TEXT", q(c)))
                .map_err(db)?;
        }
        Ok(lite)
    }
}

fn read(kind: ValueKind, v: ValueRef<'_>) -> Result<Value> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(match (kind, v) {
        (_, ValueRef::Null) => Value::Null,
        (ValueKind::Int, ValueRef::Integer(n)) => Value::Int(n),
        (ValueKind::Real, ValueRef::Real(f)) => Value::Real(f),
        (ValueKind::Real, ValueRef::Integer(n)) => Value::Real(n as f64),
        (ValueKind::Date, ValueRef::Text(b)) => parse_date(&text(b))
            .map(Value::Date)
            .ok_or_else(|| Error::Database(format!("not a date in the mirror: {}", text(b))))?,
        (ValueKind::DateTime, ValueRef::Text(b)) => parse_datetime(&text(b))
            .map(Value::DateTime)
            .ok_or_else(|| {
            Error::Database(format!("not a datetime in the mirror: {}", text(b)))
        })?,
        (_, ValueRef::Text(b)) | (_, ValueRef::Blob(b)) => Value::Text(text(b)),
        (_, ValueRef::Integer(n)) => Value::Int(n),
        (_, ValueRef::Real(f)) => Value::Real(f),
    })
}

fn time(v: Option<String>) -> Option<NaiveDateTime> {
    v.as_deref().and_then(parse_datetime)
}

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn query(
        &mut self,
        stmt: &Statement,
        kinds: &[ValueKind],
        each: &mut dyn FnMut(Vec<Value>, Option<String>) -> Result<bool>,
    ) -> Result<()> {
        let mut prepared = self.conn.prepare_cached(&stmt.sql).map_err(db)?;
        let args: Vec<ToSqlOutput<'_>> = stmt.params.iter().map(bind).collect();
        let mut rows = prepared
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(db)?;
        let n = kinds.len();
        while let Some(r) = rows.next().map_err(db)? {
            let mut values = Vec::with_capacity(n);
            for (i, k) in kinds.iter().enumerate() {
                values.push(read(*k, r.get_ref(i).map_err(db)?)?);
            }
            let unknown: Option<String> = r.get(n).map_err(db)?;
            if !each(values, unknown)? {
                break;
            }
        }
        Ok(())
    }

    fn count(&mut self, stmt: &Statement) -> Result<u64> {
        let args: Vec<ToSqlOutput<'_>> = stmt.params.iter().map(bind).collect();
        self.conn
            .query_row(&stmt.sql, rusqlite::params_from_iter(args.iter()), |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(db)
    }

    fn ensure(&mut self, table: &'static TableDef) -> Result<()> {
        self.conn.execute_batch(table.sqlite).map_err(db)
    }

    fn state(&mut self, class: &str) -> Result<State> {
        let row = self
            .conn
            .query_row(
                "SELECT watermark, progress, last_sync_at, next_due_at, lease_owner, lease_until \
                 FROM _sync_state WHERE class = ?1",
                params![class],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(db)?;
        Ok(match row {
            None => State {
                class: class.to_owned(),
                ..State::default()
            },
            Some((watermark, progress, last, next, owner, until)) => State {
                class: class.to_owned(),
                watermark,
                progress,
                last_sync: time(last),
                next_due: time(next),
                lease: owner.zip(time(until)),
            },
        })
    }

    fn lease(
        &mut self,
        class: &str,
        owner: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        takeover: Option<&str>,
    ) -> Result<Option<NaiveDateTime>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute(
            "INSERT INTO _sync_state (class) VALUES (?1) ON CONFLICT (class) DO NOTHING",
            params![class],
        )
        .map_err(db)?;
        let taken = tx
            .execute(
                "UPDATE _sync_state SET lease_owner = ?1, lease_until = ?2 WHERE class = ?3 \
                 AND (lease_owner IS NULL OR lease_until < ?4 OR lease_owner = ?1 OR lease_owner = ?5)",
                params![owner, datetime_text(&until), class, datetime_text(&now), takeover],
            )
            .map_err(db)?;
        let held = if taken == 1 {
            None
        } else {
            let until: Option<String> = tx
                .query_row(
                    "SELECT lease_until FROM _sync_state WHERE class = ?1",
                    params![class],
                    |r| r.get(0),
                )
                .map_err(db)?;
            Some(time(until).unwrap_or(now))
        };
        tx.commit().map_err(db)?;
        Ok(held)
    }

    fn release(&mut self, class: &str, owner: &str, next_due: Option<NaiveDateTime>) -> Result<()> {
        let next_due = next_due.map(|t| datetime_text(&t));
        self.conn
            .execute(
                "UPDATE _sync_state SET lease_owner = NULL, lease_until = NULL, \
                 next_due_at = COALESCE(?3, next_due_at) \
                 WHERE class = ?1 AND lease_owner = ?2",
                params![class, owner, next_due],
            )
            .map_err(db)?;
        Ok(())
    }

    fn apply(&mut self, b: &Batch<'_>) -> Result<Applied> {
        let t = b.table;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let mut applied = Applied::default();
        let now = datetime_text(&b.now);
        {
            let mut rows = RowBinder::new(t, &now);
            let mut stmt = tx
                .prepare_cached(&insert_sql(t, &|i| format!("?{i}")))
                .map_err(db)?;
            for row in b.inserts {
                rows.bind(&mut stmt, row, &[]).map_err(db)?;
                applied.written += stmt.raw_execute().map_err(db)? as u64;
            }
            let mut stmt = tx
                .prepare_cached(&update_sql(t, &|i| format!("?{i}")))
                .map_err(db)?;
            for row in b.updates {
                rows.bind(&mut stmt, row, &key_values(t, row)).map_err(db)?;
                applied.written += stmt.raw_execute().map_err(db)? as u64;
            }
            let sql = upsert_sql(t, "IS NOT", &|i| format!("?{i}"));
            let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
            for row in b.upserts {
                rows.bind(&mut stmt, row, &[]).map_err(db)?;
                applied.written += stmt.raw_execute().map_err(db)? as u64;
            }
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO _changes (synced_at, class, key, kind, columns) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(db)?;
            for c in b.changes {
                stmt.execute(params![now, t.class, c.key, c.kind, c.columns])
                    .map_err(db)?;
            }
            let sql = format!("DELETE FROM {} WHERE {}", q(t.class), key_match(t));
            let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
            for key in b.delete {
                let args: Vec<ToSqlOutput<'_>> = key.iter().map(bind).collect();
                applied.deleted += stmt
                    .execute(rusqlite::params_from_iter(args.iter()))
                    .map_err(db)? as u64;
            }
            let sql = format!(
                "UPDATE {} SET {} = ? WHERE {} AND {} IS NULL",
                q(t.class),
                q("_removed_at"),
                key_match(t),
                q("_removed_at")
            );
            let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
            for key in b.remove {
                let mut args = vec![ToSqlOutput::Borrowed(ValueRef::Text(now.as_bytes()))];
                args.extend(key.iter().map(bind));
                applied.removed += stmt
                    .execute(rusqlite::params_from_iter(args.iter()))
                    .map_err(db)? as u64;
            }
        }
        let s = b.state;
        let holder: Option<String> = tx
            .query_row(
                "SELECT lease_owner FROM _sync_state WHERE class = ?1",
                params![s.class],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?
            .flatten();
        if holder.as_deref() != Some(b.owner) {
            // Dropping the transaction rolls the batch back.
            return Err(Error::LeaseLost(s.class.clone()));
        }
        tx.execute(
            "INSERT INTO _sync_state (class, watermark, progress, last_sync_at, next_due_at, lease_owner, lease_until) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (class) DO UPDATE SET \
             watermark = excluded.watermark, progress = excluded.progress, \
             last_sync_at = excluded.last_sync_at, next_due_at = excluded.next_due_at, \
             lease_owner = excluded.lease_owner, lease_until = excluded.lease_until",
            params![
                s.class,
                s.watermark,
                s.progress,
                s.last_sync.as_ref().map(datetime_text),
                s.next_due.as_ref().map(datetime_text),
                s.lease.as_ref().map(|l| l.0.clone()),
                s.lease.as_ref().map(|l| datetime_text(&l.1)),
            ],
        )
        .map_err(db)?;
        if let Some((class, progress)) = b.also {
            set_progress(&tx, class, Some(progress))?;
        }
        tx.commit().map_err(db)?;
        self.checkpoints.after_commit(&self.conn);
        Ok(applied)
    }

    fn set_progress(&mut self, class: &str, progress: Option<&str>) -> Result<()> {
        set_progress(&self.conn, class, progress)
    }

    fn select(&mut self, t: &'static TableDef, columns: &[&str]) -> Result<Vec<Vec<Value>>> {
        let kinds: Vec<ValueKind> = columns
            .iter()
            .map(|c| {
                t.position(c)
                    .map(|i| t.columns[i].kind)
                    .unwrap_or(ValueKind::Text)
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE {} IS NULL",
            columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
            q(t.class),
            q("_removed_at")
        );
        let mut stmt = self.conn.prepare(&sql).map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db)? {
            let mut v = Vec::with_capacity(kinds.len());
            for (i, k) in kinds.iter().enumerate() {
                v.push(read(*k, r.get_ref(i).map_err(db)?)?);
            }
            out.push(v);
        }
        Ok(out)
    }

    fn rows(&mut self, t: &'static TableDef, which: Rows<'_>) -> Result<Vec<StoredRow>> {
        let (filter, args): (Option<String>, Vec<ToSqlOutput<'_>>) = match which {
            Rows::All => (None, Vec::new()),
            Rows::In(_, []) => return Ok(Vec::new()),
            Rows::In(column, values) => {
                let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
                (
                    Some(format!("{} IN ({})", q(column), marks.join(", "))),
                    values.iter().map(bind).collect(),
                )
            }
        };
        let sql = rows_sql(t, "", filter.as_deref());
        let mut stmt = self.conn.prepare(&sql).map_err(db)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(db)?;
        let n = t.columns.len();
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db)? {
            let mut values = Vec::with_capacity(n);
            for (i, c) in t.columns.iter().enumerate() {
                values.push(read(c.kind, r.get_ref(i).map_err(db)?)?);
            }
            let key: Option<String> = r.get(n).map_err(db)?;
            let unknown: Option<String> = r.get(n + 1).map_err(db)?;
            let removed: Option<String> = r.get(n + 2).map_err(db)?;
            out.push(StoredRow {
                row: Row {
                    values,
                    unknown,
                    key,
                },
                removed: removed.is_some(),
            });
        }
        Ok(out)
    }

    fn shape(&mut self, class: &str) -> Result<crate::migrate::Shape> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA table_info({})", q(class)))
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn schema_version(&mut self, class: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT schema_version FROM _sync_state WHERE class = ?1",
                params![class],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(db)
    }

    fn record_schema(&mut self, class: &str, version: &str, done: Option<&str>) -> Result<()> {
        record_schema(&self.conn, class, version, done)
    }

    fn migrate(&mut self, t: &'static TableDef, m: &crate::migrate::Migration) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        for (i, ty) in &m.add {
            tx.execute_batch(&format!(
                "ALTER TABLE {} ADD COLUMN {} {ty}",
                q(t.class),
                q(t.columns[*i].name)
            ))
            .map_err(db)?;
        }
        let added: Vec<usize> = m.add.iter().map(|(i, _)| *i).collect();
        if !added.is_empty() || m.storage {
            // Every row: the added columns from `_unknown`, values written
            // in the current storage format, identities rebuilt from them.
            let sql = rows_sql(t, "", None);
            let mut rows = Vec::new();
            {
                let mut stmt = tx.prepare(&sql).map_err(db)?;
                let mut it = stmt.query([]).map_err(db)?;
                let n = t.columns.len();
                while let Some(r) = it.next().map_err(db)? {
                    let mut values = Vec::with_capacity(n);
                    for (i, c) in t.columns.iter().enumerate() {
                        values.push(read(c.kind, r.get_ref(i).map_err(db)?)?);
                    }
                    let key: Option<String> = r.get(n).map_err(db)?;
                    let unknown: Option<String> = r.get(n + 1).map_err(db)?;
                    rows.push(Row {
                        values,
                        unknown,
                        key,
                    });
                }
            }
            let mut stmt = tx
                .prepare(&rewrite_sql(t, &|i| format!("?{i}")))
                .map_err(db)?;
            for old in rows {
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
                let mut args: Vec<ToSqlOutput<'_>> = new.values.iter().map(bind).collect();
                if t.synthetic_key() {
                    args.push(bind_opt(new.key.as_deref()));
                }
                args.push(bind_opt(new.unknown.as_deref()));
                args.extend(old_key.iter().map(bind));
                stmt.execute(rusqlite::params_from_iter(args.iter()))
                    .map_err(db)?;
            }
        }
        record_schema(&tx, t.class, &m.version, Some(&m.describe(t)))?;
        tx.commit().map_err(db)?;
        self.checkpoints.after_commit(&self.conn);
        Ok(())
    }

    fn rebuild(
        &mut self,
        t: &'static TableDef,
        shape: &crate::migrate::Shape,
        m: &crate::migrate::Migration,
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let names: Vec<String> = shape
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !n.starts_with('_'))
            .collect();
        let own = |c: &str| shape.iter().any(|(n, _)| n == c);
        let mut cols: Vec<String> = names
            .iter()
            .map(|n| format!("CAST({} AS TEXT)", q(n)))
            .collect();
        for c in ["_unknown", "_synced_at", "_removed_at"] {
            cols.push(if own(c) { q(c) } else { "NULL".into() });
        }
        let mut rows = Vec::new();
        let mut misfits = 0;
        {
            let mut stmt = tx
                .prepare(&format!("SELECT {} FROM {}", cols.join(", "), q(t.class)))
                .map_err(db)?;
            let mut it = stmt.query([]).map_err(db)?;
            let n = names.len();
            while let Some(r) = it.next().map_err(db)? {
                let texts: Vec<Option<String>> = (0..n)
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect::<rusqlite::Result<_>>()
                    .map_err(db)?;
                let unknown: Option<String> = r.get(n).map_err(db)?;
                let synced: Option<String> = r.get(n + 1).map_err(db)?;
                let removed: Option<String> = r.get(n + 2).map_err(db)?;
                let (row, bad) = crate::migrate::convert(t, &names, &texts, unknown.as_deref());
                misfits += bad;
                rows.push((row, synced, removed));
            }
        }
        let fresh = format!("{}__rebuild", t.class);
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {}", q(&fresh)))
            .map_err(db)?;
        tx.execute_batch(&t.sqlite.replacen(&q(t.class), &q(&fresh), 1))
            .map_err(db)?;
        let mut all = data_columns(t);
        all.push(q("_synced_at"));
        all.push(q("_removed_at"));
        let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
        {
            let mut stmt = tx
                .prepare(&format!(
                    "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
                    q(&fresh),
                    all.join(", "),
                    marks.join(", ")
                ))
                .map_err(db)?;
            for (row, synced, removed) in &rows {
                let mut args: Vec<ToSqlOutput<'_>> = row.values.iter().map(bind).collect();
                if t.synthetic_key() {
                    args.push(bind_opt(row.key.as_deref()));
                }
                args.push(bind_opt(row.unknown.as_deref()));
                let synced = synced
                    .as_deref()
                    .and_then(parse_datetime)
                    .map(|t| datetime_text(&t))
                    .unwrap_or_default();
                args.push(ToSqlOutput::Owned(Sql::Text(synced)));
                args.push(match removed.as_deref().and_then(parse_datetime) {
                    Some(t) => ToSqlOutput::Owned(Sql::Text(datetime_text(&t))),
                    None => ToSqlOutput::Owned(Sql::Null),
                });
                stmt.execute(rusqlite::params_from_iter(args.iter()))
                    .map_err(db)?;
            }
        }
        tx.execute_batch(&format!(
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
        record_schema(&tx, t.class, &m.version, Some(&what))?;
        tx.commit().map_err(db)?;
        self.checkpoints.after_commit(&self.conn);
        Ok(misfits)
    }

    fn last_change(&mut self) -> Result<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM _changes", [], |r| {
                r.get(0)
            })
            .map_err(db)
    }

    fn changes(
        &mut self,
        since: NaiveDateTime,
        after: i64,
    ) -> Result<Vec<(i64, NaiveDateTime, String, String, String, Option<String>)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, synced_at, class, key, kind, columns FROM _changes \
                 WHERE synced_at >= ?1 AND seq > ?2 ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![datetime_text(&since), after], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, at, class, key, kind, columns) = r.map_err(db)?;
            let at = parse_datetime(&at)
                .ok_or_else(|| Error::Database(format!("not a datetime in _changes: {at}")))?;
            out.push((seq, at, class, key, kind, columns));
        }
        Ok(out)
    }

    fn counts(&mut self, t: &'static TableDef) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                &format!(
                    "SELECT COUNT(*) - COUNT({r}), COUNT({r}) FROM {}",
                    q(t.class),
                    r = q("_removed_at")
                ),
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(db)
    }

    fn has_rows(&mut self, t: &'static TableDef) -> Result<bool> {
        self.conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", q(t.class)),
                [],
                |r| r.get::<_, bool>(0),
            )
            .map_err(db)
    }

    fn scan(
        &mut self,
        t: &'static TableDef,
        include_removed: bool,
        order_by: Option<&str>,
        each: &mut dyn FnMut(Row, Option<NaiveDateTime>) -> Result<()>,
    ) -> Result<()> {
        let retired = crate::migrate::retired(t, &self.shape(t.class)?);
        let sql = scan_sql(t, include_removed, "", Dialect::Sqlite, &retired, order_by);
        let mut stmt = self.conn.prepare(&sql).map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        let n = t.columns.len();
        while let Some(r) = rows.next().map_err(db)? {
            let mut values = Vec::with_capacity(n);
            for (i, c) in t.columns.iter().enumerate() {
                values.push(read(c.kind, r.get_ref(i).map_err(db)?)?);
            }
            let unknown: Option<String> = r.get(n).map_err(db)?;
            let removed: Option<String> = r.get(n + 1).map_err(db)?;
            each(
                Row {
                    values,
                    unknown,
                    key: None,
                },
                time(removed),
            )?;
        }
        Ok(())
    }
}

/// Sets a state row's progress, creating the row.
fn set_progress(conn: &Connection, class: &str, progress: Option<&str>) -> Result<()> {
    conn.execute(
        "INSERT INTO _sync_state (class, progress) VALUES (?1, ?2) \
         ON CONFLICT (class) DO UPDATE SET progress = excluded.progress",
        params![class, progress],
    )
    .map_err(db)?;
    Ok(())
}

/// Records a class's schema version and, when given, a migration in its
/// log (inside the caller's transaction when it has one).
fn record_schema(conn: &Connection, class: &str, version: &str, done: Option<&str>) -> Result<()> {
    let log: Option<String> = conn
        .query_row(
            "SELECT migrations FROM _sync_state WHERE class = ?1",
            params![class],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .flatten();
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
    conn.execute(
        "INSERT INTO _sync_state (class, schema_version, migrations) VALUES (?1, ?2, ?3) \
         ON CONFLICT (class) DO UPDATE SET schema_version = excluded.schema_version, \
         migrations = excluded.migrations",
        params![class, version, log],
    )
    .map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests;

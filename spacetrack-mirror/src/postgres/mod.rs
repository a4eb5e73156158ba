//! The PostgreSQL backend: one mirror shared by a team, from several
//! machines. Values travel as text and are cast to each column's type by
//! the server, so the SQL is the same for every class.

use chrono::NaiveDateTime;
use postgres::{Client, NoTls, Transaction};

use crate::backend::{Applied, Backend, Batch, Row, Rows, State, StoredRow, key_values};
use crate::sql::{Dialect, Statement};
use crate::sql::{
    STATE_COLUMNS, STATE_TABLE, changes_table, data_columns, q, rows_sql, scan_sql, update_sql,
    upsert_sql,
};
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, datetime_text, parse_date, parse_datetime};
use crate::{Error, Result};

/// A mirror in a PostgreSQL database.
pub struct Postgres {
    /// Always `Some` until dropped.
    conn: Option<Client>,
}

impl Drop for Postgres {
    /// The synchronous client closes its connection by blocking on its own
    /// runtime, which panics on a thread that runs async tasks (where the
    /// last handle to a mirror is usually dropped): close it on a thread
    /// of its own.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = std::thread::Builder::new()
                .name("spacetrack-mirror-close".into())
                .spawn(move || drop(conn));
        }
    }
}

fn db(e: postgres::Error) -> Error {
    Error::Database(e.to_string())
}

/// The SQL type a value of `kind` is cast to.
fn cast(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Int => "bigint",
        ValueKind::Real => "double precision",
        ValueKind::Text | ValueKind::Blob => "text",
        ValueKind::Date => "date",
        ValueKind::DateTime => "timestamp",
    }
}

/// A value as the text PostgreSQL casts back (`NULL` as `None`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(n) => Some(n.to_string()),
        // Rust writes the shortest text that reads back as the same double.
        Value::Real(f) => Some(f.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Date(d) => Some(crate::value::date_text(d)),
        Value::DateTime(t) => Some(datetime_text(t)),
    }
}

fn read(kind: ValueKind, v: Option<String>) -> Result<Value> {
    let Some(s) = v else { return Ok(Value::Null) };
    let bad = || Error::Database(format!("unexpected {kind:?} in the mirror: {s}"));
    Ok(match kind {
        ValueKind::Int => Value::Int(s.parse().map_err(|_| bad())?),
        ValueKind::Real => Value::Real(s.parse().map_err(|_| bad())?),
        ValueKind::Date => Value::Date(parse_date(&s).ok_or_else(bad)?),
        ValueKind::DateTime => Value::DateTime(parse_datetime(&s).ok_or_else(bad)?),
        ValueKind::Text | ValueKind::Blob => Value::Text(s),
    })
}

fn kind_of(t: &TableDef, column: &str) -> ValueKind {
    t.position(column)
        .map(|i| t.columns[i].kind)
        .unwrap_or(ValueKind::Text)
}

/// `"A" = $n::text::bigint AND ...` over the key columns, from `$first`.
fn key_match(t: &TableDef, first: usize) -> String {
    t.key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} = ${}::text::{}", q(k), first + i, cast(kind_of(t, k))))
        .collect::<Vec<_>>()
        .join(" AND ")
}

pub(crate) type Params = Vec<Option<String>>;

mod schema;
use schema::{record_schema, set_progress};

fn refs(p: &Params) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    p.iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Postgres {
    /// Connects to `url` (`postgres://user@host:port/db`).
    pub fn connect(url: &str) -> Result<Postgres> {
        let mut client = Client::connect(url, NoTls).map_err(db)?;
        // Values are read back as text (`::text`): in ISO form and with
        // every digit of a float, whatever the server's defaults
        // (`DateStyle` may be set otherwise; before PostgreSQL 12 floats
        // were written with 15 digits unless asked).
        client
            .batch_execute("SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3")
            .map_err(db)?;
        let mut pg = Postgres { conn: Some(client) };
        pg.create(STATE_TABLE)?;
        pg.create(&changes_table(true))?;
        for c in STATE_COLUMNS {
            pg.create(&format!(
                "ALTER TABLE _sync_state ADD COLUMN IF NOT EXISTS {} TEXT",
                q(c)
            ))?;
        }
        Ok(pg)
    }

    /// Runs DDL under a lock: PostgreSQL's `CREATE TABLE IF NOT EXISTS`
    /// can fail when two machines run it at the same moment.
    fn client(&mut self) -> &mut Client {
        self.conn.as_mut().expect("connection open until drop")
    }

    fn create(&mut self, ddl: &str) -> Result<()> {
        let mut tx = self.client().transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock(7461630285)", &[])
            .map_err(db)?;
        tx.batch_execute(ddl).map_err(db)?;
        tx.commit().map_err(db)
    }

    fn state_in(tx: &mut Transaction<'_>, class: &str) -> Result<State> {
        let row = tx
            .query_opt(
                "SELECT watermark, progress, last_sync_at, next_due_at, lease_owner, lease_until \
                 FROM _sync_state WHERE class = $1",
                &[&class],
            )
            .map_err(db)?;
        let time = |v: Option<String>| v.as_deref().and_then(parse_datetime);
        Ok(match row {
            None => State {
                class: class.to_owned(),
                ..State::default()
            },
            Some(r) => State {
                class: class.to_owned(),
                watermark: r.get(0),
                progress: r.get(1),
                last_sync: time(r.get(2)),
                next_due: time(r.get(3)),
                lease: r.get::<_, Option<String>>(4).zip(time(r.get(5))),
            },
        })
    }
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn query(
        &mut self,
        stmt: &Statement,
        kinds: &[ValueKind],
        each: &mut dyn FnMut(Vec<Value>, Option<String>) -> Result<bool>,
    ) -> Result<()> {
        let params: Params = stmt.params.iter().map(text).collect();
        let mut tx = self.client().transaction().map_err(db)?;
        let prepared = tx.prepare(&stmt.sql).map_err(db)?;
        // A portal read a thousand rows at a time: memory stays flat.
        let portal = tx.bind(&prepared, &refs(&params)).map_err(db)?;
        let n = kinds.len();
        'rows: loop {
            let rows = tx.query_portal(&portal, 1000).map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                let mut values = Vec::with_capacity(n);
                for (i, k) in kinds.iter().enumerate() {
                    values.push(read(*k, r.get(i))?);
                }
                if !each(values, r.get(n))? {
                    break 'rows;
                }
            }
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    fn count(&mut self, stmt: &Statement) -> Result<u64> {
        let params: Params = stmt.params.iter().map(text).collect();
        let row = self
            .client()
            .query_one(&stmt.sql, &refs(&params))
            .map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn ensure(&mut self, table: &'static TableDef) -> Result<()> {
        self.create(table.postgres)
    }

    fn state(&mut self, class: &str) -> Result<State> {
        let mut tx = self.client().transaction().map_err(db)?;
        let s = Self::state_in(&mut tx, class)?;
        tx.commit().map_err(db)?;
        Ok(s)
    }

    fn lease(
        &mut self,
        class: &str,
        owner: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        takeover: Option<&str>,
    ) -> Result<Option<NaiveDateTime>> {
        let mut tx = self.client().transaction().map_err(db)?;
        tx.execute(
            "INSERT INTO _sync_state (class) VALUES ($1) ON CONFLICT (class) DO NOTHING",
            &[&class],
        )
        .map_err(db)?;
        // Row-locked: of two machines asking at once, one takes the lease
        // and the other sees it taken.
        let taken = tx
            .execute(
                "UPDATE _sync_state SET lease_owner = $1, lease_until = $2 WHERE class = $3 \
                 AND (lease_owner IS NULL OR lease_until < $4 OR lease_owner = $1 OR lease_owner = $5)",
                &[&owner, &datetime_text(&until), &class, &datetime_text(&now), &takeover],
            )
            .map_err(db)?;
        let held = if taken == 1 {
            None
        } else {
            let s = Self::state_in(&mut tx, class)?;
            Some(s.lease.map(|l| l.1).unwrap_or(now))
        };
        tx.commit().map_err(db)?;
        Ok(held)
    }

    fn release(&mut self, class: &str, owner: &str, next_due: Option<NaiveDateTime>) -> Result<()> {
        let next_due = next_due.map(|t| datetime_text(&t));
        self.client()
            .execute(
                "UPDATE _sync_state SET lease_owner = NULL, lease_until = NULL, \
                 next_due_at = COALESCE($3, next_due_at) \
                 WHERE class = $1 AND lease_owner = $2",
                &[&class, &owner, &next_due],
            )
            .map_err(db)?;
        Ok(())
    }

    fn apply(&mut self, b: &Batch<'_>) -> Result<Applied> {
        let t = b.table;
        let mut casts: Vec<&'static str> = t.columns.iter().map(|c| cast(c.kind)).collect();
        if t.synthetic_key() {
            casts.push("text");
        }
        casts.push("jsonb");
        casts.push("timestamp");
        let now = datetime_text(&b.now);
        let mut tx = self.client().transaction().map_err(db)?;
        let mut applied = Applied::default();
        let row_params = |row: &Row| -> Params {
            let mut p: Params = row.values.iter().map(text).collect();
            if t.synthetic_key() {
                p.push(row.key.clone());
            }
            p.push(row.unknown.clone());
            p.push(Some(now.clone()));
            p
        };
        // New rows in multi-row statements: a few hundred rows a round trip.
        let width = casts.len();
        let per = (60_000 / width).clamp(1, 500);
        let mut cols = data_columns(t);
        cols.push(q("_synced_at"));
        for chunk in b.inserts.chunks(per) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let cells: Vec<String> = (0..width)
                        .map(|c| format!("${}::text::{}", r * width + c + 1, casts[c]))
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                q(t.class),
                cols.join(", "),
                tuples.join(", ")
            );
            let p: Params = chunk.iter().flat_map(row_params).collect();
            applied.written += tx.execute(&sql, &refs(&p)).map_err(db)?;
        }
        let key_casts: Vec<&'static str> = if t.synthetic_key() {
            vec!["text"]
        } else {
            t.key.iter().map(|k| cast(kind_of(t, k))).collect()
        };
        let sql = update_sql(t, &|i| {
            let c = casts
                .get(i - 1)
                .copied()
                .unwrap_or_else(|| key_casts[i - 1 - width]);
            format!("${i}::text::{c}")
        });
        let stmt = tx.prepare(&sql).map_err(db)?;
        for row in b.updates {
            let mut p = row_params(row);
            p.extend(key_values(t, row).iter().map(text));
            applied.written += tx.execute(&stmt, &refs(&p)).map_err(db)?;
        }
        let sql = upsert_sql(t, "IS DISTINCT FROM", &|i| {
            format!("${i}::text::{}", casts[i - 1])
        });
        let stmt = tx.prepare(&sql).map_err(db)?;
        for row in b.upserts {
            applied.written += tx.execute(&stmt, &refs(&row_params(row))).map_err(db)?;
        }
        let stmt = tx
            .prepare(
                "INSERT INTO _changes (synced_at, class, key, kind, columns) \
                 VALUES ($1::text::timestamp, $2, $3::text::jsonb, $4, $5::text::jsonb)",
            )
            .map_err(db)?;
        for c in b.changes {
            tx.execute(&stmt, &[&now, &t.class, &c.key, &c.kind, &c.columns])
                .map_err(db)?;
        }
        let stmt = tx
            .prepare(&format!(
                "DELETE FROM {} WHERE {}",
                q(t.class),
                key_match(t, 1)
            ))
            .map_err(db)?;
        for key in b.delete {
            let p: Params = key.iter().map(text).collect();
            applied.deleted += tx.execute(&stmt, &refs(&p)).map_err(db)?;
        }
        let stmt = tx
            .prepare(&format!(
                "UPDATE {} SET {r} = $1::text::timestamp WHERE {} AND {r} IS NULL",
                q(t.class),
                key_match(t, 2),
                r = q("_removed_at")
            ))
            .map_err(db)?;
        for key in b.remove {
            let mut p: Params = vec![Some(now.clone())];
            p.extend(key.iter().map(text));
            applied.removed += tx.execute(&stmt, &refs(&p)).map_err(db)?;
        }
        let s = b.state;
        // The state row is locked until the transaction ends: a sync that
        // lost its lease cannot write over the one that took it.
        let holder: Option<String> = tx
            .query_opt(
                "SELECT lease_owner FROM _sync_state WHERE class = $1 FOR UPDATE",
                &[&s.class],
            )
            .map_err(db)?
            .and_then(|r| r.get(0));
        if holder.as_deref() != Some(b.owner) {
            // Dropping the transaction rolls the batch back.
            return Err(Error::LeaseLost(s.class.clone()));
        }
        let p: Params = vec![
            Some(s.class.clone()),
            s.watermark.clone(),
            s.progress.clone(),
            s.last_sync.as_ref().map(datetime_text),
            s.next_due.as_ref().map(datetime_text),
            s.lease.as_ref().map(|l| l.0.clone()),
            s.lease.as_ref().map(|l| datetime_text(&l.1)),
        ];
        tx.execute(
            "INSERT INTO _sync_state (class, watermark, progress, last_sync_at, next_due_at, lease_owner, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (class) DO UPDATE SET \
             watermark = excluded.watermark, progress = excluded.progress, \
             last_sync_at = excluded.last_sync_at, next_due_at = excluded.next_due_at, \
             lease_owner = excluded.lease_owner, lease_until = excluded.lease_until",
            &refs(&p),
        )
        .map_err(db)?;
        if let Some((class, progress)) = b.also {
            set_progress(&mut tx, class, Some(progress))?;
        }
        tx.commit().map_err(db)?;
        Ok(applied)
    }

    fn select(&mut self, t: &'static TableDef, columns: &[&str]) -> Result<Vec<Vec<Value>>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} IS NULL",
            columns
                .iter()
                .map(|c| format!("{}::text", q(c)))
                .collect::<Vec<_>>()
                .join(", "),
            q(t.class),
            q("_removed_at")
        );
        let rows = self.client().query(&sql, &[]).map_err(db)?;
        rows.iter()
            .map(|r| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| read(kind_of(t, c), r.get(i)))
                    .collect()
            })
            .collect()
    }

    fn rows(&mut self, t: &'static TableDef, which: Rows<'_>) -> Result<Vec<StoredRow>> {
        let (filter, p): (Option<String>, Params) = match which {
            Rows::All => (None, Vec::new()),
            Rows::In(_, []) => return Ok(Vec::new()),
            Rows::In(column, values) => {
                let c = if column == "_key" {
                    "text"
                } else {
                    cast(kind_of(t, column))
                };
                let marks: Vec<String> = (1..=values.len())
                    .map(|i| format!("${i}::text::{c}"))
                    .collect();
                (
                    Some(format!("{} IN ({})", q(column), marks.join(", "))),
                    values.iter().map(text).collect(),
                )
            }
        };
        let sql = rows_sql(t, "::text", filter.as_deref());
        let rows = self.client().query(&sql, &refs(&p)).map_err(db)?;
        let n = t.columns.len();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut values = Vec::with_capacity(n);
            for (i, c) in t.columns.iter().enumerate() {
                values.push(read(c.kind, r.get(i))?);
            }
            let removed: Option<String> = r.get(n + 2);
            out.push(StoredRow {
                row: Row {
                    values,
                    key: r.get(n),
                    unknown: r.get(n + 1),
                },
                removed: removed.is_some(),
            });
        }
        Ok(out)
    }

    fn shape(&mut self, class: &str) -> Result<crate::migrate::Shape> {
        let rows = self
            .client()
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                &[&class],
            )
            .map_err(db)?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn schema_version(&mut self, class: &str) -> Result<Option<String>> {
        let row = self
            .client()
            .query_opt(
                "SELECT schema_version FROM _sync_state WHERE class = $1",
                &[&class],
            )
            .map_err(db)?;
        Ok(row.and_then(|r| r.get(0)))
    }

    fn record_schema(&mut self, class: &str, version: &str, done: Option<&str>) -> Result<()> {
        let mut tx = self.client().transaction().map_err(db)?;
        record_schema(&mut tx, class, version, done)?;
        tx.commit().map_err(db)
    }
    fn migrate(&mut self, t: &'static TableDef, m: &crate::migrate::Migration) -> Result<()> {
        schema::migrate(self, t, m)
    }
    fn rebuild(
        &mut self,
        t: &'static TableDef,
        shape: &crate::migrate::Shape,
        m: &crate::migrate::Migration,
    ) -> Result<usize> {
        schema::rebuild(self, t, shape, m)
    }

    fn set_progress(&mut self, class: &str, progress: Option<&str>) -> Result<()> {
        let mut tx = self.client().transaction().map_err(db)?;
        set_progress(&mut tx, class, progress)?;
        tx.commit().map_err(db)
    }

    fn last_change(&mut self) -> Result<i64> {
        let row = self
            .client()
            .query_one("SELECT COALESCE(MAX(seq), 0)::bigint FROM _changes", &[])
            .map_err(db)?;
        Ok(row.get(0))
    }

    fn changes(
        &mut self,
        since: NaiveDateTime,
        after: i64,
    ) -> Result<Vec<(i64, NaiveDateTime, String, String, String, Option<String>)>> {
        let rows = self
            .client()
            .query(
                "SELECT seq, synced_at::text, class, key::text, kind, columns::text FROM _changes \
                 WHERE synced_at >= $1::text::timestamp AND seq > $2 ORDER BY seq",
                &[&datetime_text(&since), &after],
            )
            .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                let at: String = r.get(1);
                let at = parse_datetime(&at)
                    .ok_or_else(|| Error::Database(format!("not a datetime in _changes: {at}")))?;
                Ok((r.get(0), at, r.get(2), r.get(3), r.get(4), r.get(5)))
            })
            .collect()
    }

    fn counts(&mut self, t: &'static TableDef) -> Result<(u64, u64)> {
        let r = self
            .client()
            .query_one(
                &format!(
                    "SELECT COUNT(*) - COUNT({r}), COUNT({r}) FROM {}",
                    q(t.class),
                    r = q("_removed_at")
                ),
                &[],
            )
            .map_err(db)?;
        Ok((r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
    }

    fn has_rows(&mut self, t: &'static TableDef) -> Result<bool> {
        let r = self
            .client()
            .query_one(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", q(t.class)),
                &[],
            )
            .map_err(db)?;
        Ok(r.get::<_, bool>(0))
    }

    fn scan(
        &mut self,
        t: &'static TableDef,
        include_removed: bool,
        order_by: Option<&str>,
        each: &mut dyn FnMut(Row, Option<NaiveDateTime>) -> Result<()>,
    ) -> Result<()> {
        let retired = crate::migrate::retired(t, &self.shape(t.class)?);
        let sql = scan_sql(
            t,
            include_removed,
            "::text",
            Dialect::Postgres,
            &retired,
            order_by,
        );
        let mut tx = self.client().transaction().map_err(db)?;
        let stmt = tx.prepare(&sql).map_err(db)?;
        // A portal read a thousand rows at a time: memory stays flat.
        let portal = tx.bind(&stmt, &[]).map_err(db)?;
        let n = t.columns.len();
        loop {
            let rows = tx.query_portal(&portal, 1000).map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                let mut values = Vec::with_capacity(n);
                for (i, c) in t.columns.iter().enumerate() {
                    values.push(read(c.kind, r.get(i))?);
                }
                let unknown: Option<String> = r.get(n);
                let removed: Option<String> = r.get(n + 1);
                each(
                    Row {
                        values,
                        unknown,
                        key: None,
                    },
                    removed.as_deref().and_then(parse_datetime),
                )?;
            }
        }
        tx.commit().map_err(db)?;
        Ok(())
    }
}

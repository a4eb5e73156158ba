//! One class's sync: its cadence, its lease, fetching and applying
//! batches, giving the lease back on every way out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, NaiveDateTime};
use serde_json::{Map, Value as Json};
use spacetrack::query::RawValue;
use spacetrack::{Client, Order, Record};

use super::diff::Diff;
use super::history::Range;
use super::options::{Outcome, SyncOptions};
use super::stops_the_sync;
use crate::backend::{Applied, Batch, ChangeRow, Row, State};
use crate::plan::{Strategy, next_due, plan};
use crate::tables::TableDef;
use crate::value::Value;
use crate::{Error, Mirror, Result};

/// How long a sync may hold a class, from its last batch, before another
/// may take over.
const LEASE_MINUTES: i64 = 30;

fn wall_clock() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn lease_end() -> NaiveDateTime {
    wall_clock() + Duration::minutes(LEASE_MINUTES)
}

pub(crate) struct Run<'a> {
    pub mirror: &'a Mirror,
    pub client: &'a Client,
    pub owner: String,
    pub now: NaiveDateTime,
    pub opts: &'a SyncOptions,
    /// Set when the sync is dropped (sync/tasks.rs): a lease not taken yet
    /// is then never taken, even by a call already waiting for the
    /// database.
    pub stopped: Arc<AtomicBool>,
}

/// A sync dropped while this class waited for its lease.
fn stopped_error() -> Error {
    Error::Task("the sync was stopped".into())
}

impl Run<'_> {
    pub async fn class(&self, t: &'static TableDef) -> Result<Outcome> {
        let strategy = plan(t.class).0;
        let state = self.mirror.with(move |b| b.state(t.class)).await?;
        if !self.opts.force
            && let Some(next) = state.next_due
            && next > self.now
            && !(strategy == Strategy::History && self.history_changed(&state))
        {
            return Ok(Outcome::NotDue(next));
        }
        // Leases are measured on the wall clock, which every machine
        // shares (the cadence's `now` may be the caller's).
        let (owner, now) = (self.owner.clone(), wall_clock());
        let until = lease_end();
        if let Some(held) = self
            .lease(move |b| b.lease(t.class, &owner, now, until, None))
            .await?
        {
            // A lease left by a process of this machine that has ended (a
            // killed sync) is taken over at once; any other is waited for.
            let state = self.mirror.with(move |b| b.state(t.class)).await?;
            let dead = state
                .lease
                .clone()
                .map(|(o, _)| o)
                .filter(|o| crate::owner_ended(o));
            let Some(dead) = dead else {
                return Ok(Outcome::Busy(held));
            };
            // Take it only from that owner: another machine may have taken
            // it meanwhile.
            let owner = self.owner.clone();
            if let Some(held) = self
                .lease(move |b| b.lease(t.class, &owner, now, until, Some(&dead)))
                .await?
            {
                return Ok(Outcome::Busy(held));
            }
        }
        // From here on the lease is ours: the guard gives it back on every
        // way out but the last batch (which gives it back itself).
        let mut guard = LeaseGuard {
            mirror: self.mirror.clone(),
            class: t.class,
            owner: self.owner.clone(),
            armed: true,
            retry_at: None,
        };
        let mut state = self.mirror.with(move |b| b.state(t.class)).await?;
        // Another machine may have finished the class between the check
        // above and the lease.
        if !self.opts.force
            && let Some(next) = state.next_due
            && next > self.now
            && !(strategy == Strategy::History && self.history_changed(&state))
        {
            return Ok(Outcome::NotDue(next));
        }
        // A table whose schema needs a rebuild is not written to.
        if let Some(e) = self.mirror.needs_rebuild(t).await? {
            return Err(e);
        }
        let mut acc = Acc::default();
        let result = match strategy {
            Strategy::Snapshot => self.snapshot(t, &mut state, &mut acc).await,
            Strategy::Since {
                column,
                overlap_hours,
            } => {
                self.since(t, column, overlap_hours, &mut state, &mut acc)
                    .await
            }
            Strategy::Current => self.current(t, &mut state, &mut acc).await,
            Strategy::History => self.history(t, &mut state, &mut acc).await,
        };
        // The last batch gave the lease back; after an error the guard does.
        // A class that failed waits for its next slot as if it had synced
        // (`--force` retries at once): a failure that persists (a value
        // that cannot be read, a suspicious answer) must not fetch the
        // class again at every run. Errors about the account or the
        // database are not the class's, and leave its slot as it was.
        guard.armed = result.is_err();
        if let Err(e) = &result
            && !stops_the_sync(e)
        {
            guard.retry_at = Some(next_due(t.class, plan(t.class).1, self.now));
        }
        drop(guard);
        result?;
        Ok(Outcome::Synced {
            requests: acc.requests,
            fetched: acc.fetched,
            applied: acc.applied,
        })
    }

    /// Takes a lease with `take`, unless the sync was stopped: checked
    /// while holding the database, which the stopped sync's give-back also
    /// holds, so a lease is either given back or never taken.
    async fn lease<T: Send + 'static>(
        &self,
        take: impl FnOnce(&mut dyn crate::backend::Backend) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let stopped = self.stopped.clone();
        self.mirror
            .with(move |b| {
                if stopped.load(Ordering::SeqCst) {
                    return Err(stopped_error());
                }
                take(b)
            })
            .await
    }

    pub(super) fn history_changed(&self, state: &State) -> bool {
        match (
            self.opts.history,
            state.progress.as_deref().and_then(Range::parse),
        ) {
            (Some((from, to)), Some(r)) => from != r.from || to != r.to,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Fetches records of `t`'s class, decoded strictly into the generated
    /// record type (unknown columns kept), as table rows.
    pub(super) async fn fetch(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(Preds) -> Preds,
    ) -> Result<Vec<Row>> {
        let preds = query(Preds::default()).0;
        acc.requests += 1;
        let rows = with_record!(t.class, R => self.fetch_typed::<R>(t, preds).await?);
        acc.fetched += rows.len() as u64;
        Ok(rows)
    }

    async fn fetch_typed<R: Record>(
        &self,
        t: &'static TableDef,
        preds: Vec<(String, String)>,
    ) -> Result<Vec<Row>> {
        let records = self.typed_query::<R>(t, preds)?.send().await?;
        // Converted off the async threads: a catalog is tens of thousands.
        super::typed_rows(t, records).await
    }

    /// The typed query of `preds` (`orderby` and `limit` as the builder
    /// takes them).
    pub(super) fn typed_query<R: Record>(
        &self,
        t: &'static TableDef,
        preds: Vec<(String, String)>,
    ) -> Result<spacetrack::Query<R>> {
        let mut q = self.client.query::<R>();
        for (key, value) in preds {
            match key.to_ascii_lowercase().as_str() {
                "orderby" => {
                    for part in value.split(',') {
                        let mut words = part.split_whitespace();
                        let name = words.next().unwrap_or_default();
                        let field =
                            <R::Field as spacetrack::Field>::from_name(name).ok_or_else(|| {
                                Error::InvalidArgument(format!("{}: no column {name}", t.class))
                            })?;
                        q = q.order_by(match words.next() {
                            Some(d) if d.eq_ignore_ascii_case("desc") => Order::desc(field),
                            _ => Order::asc(field),
                        });
                    }
                }
                "limit" => {
                    let n: u64 = value.parse().map_err(|_| {
                        Error::InvalidArgument(format!("{}: limit {value}", t.class))
                    })?;
                    q = q.limit(n);
                }
                _ => q = q.raw_predicate(&key, value),
            }
        }
        Ok(q)
    }

    pub(super) async fn fetch_maps(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(Preds) -> Preds,
    ) -> Result<Vec<Map<String, Json>>> {
        let mut q = self.client.request(t.class).controller(t.controller);
        for (k, v) in query(Preds::default()).0 {
            q = q.predicate(&k, v);
        }
        acc.requests += 1;
        let rows: Vec<Map<String, Json>> = q.send_as().await?;
        acc.fetched += rows.len() as u64;
        Ok(rows)
    }

    /// Applies a batch; `last` ends the sync (state: last sync, next due,
    /// lease given back).
    pub(super) async fn apply(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
        changes: Changes,
        last: bool,
    ) -> Result<()> {
        if last {
            state.last_sync = Some(self.now);
            state.next_due = Some(next_due(t.class, plan(t.class).1, self.now));
            state.lease = None;
        } else {
            // Renewed with every batch.
            state.lease = Some((self.owner.clone(), lease_end()));
        }
        let st = state.clone();
        let now = self.now;
        let owner = self.owner.clone();
        let (applied, changes) = self
            .mirror
            .with(move |b| {
                let applied = b.apply(&Batch {
                    table: t,
                    inserts: &changes.inserts,
                    updates: &changes.updates,
                    upserts: &changes.upserts,
                    delete: &changes.delete,
                    remove: &changes.remove,
                    changes: &changes.changes,
                    state: &st,
                    also: changes.also.as_ref().map(|(c, p)| (c.as_str(), p.as_str())),
                    owner: &owner,
                    now,
                })?;
                Ok((applied, changes))
            })
            .await?;
        // Freed off the database's thread, which a bulk load keeps busy
        // (a gp_history batch is 8,192 rows of twenty texts each).
        if changes.len() > 1024 {
            tokio::task::spawn_blocking(move || drop(changes));
        }
        acc.applied.written += applied.written;
        acc.applied.deleted += applied.deleted;
        acc.applied.removed += applied.removed;
        Ok(())
    }
}

/// Gives a class's lease back when its sync stops before the last batch:
/// an error, or the sync dropped unfinished (Ctrl-C). Otherwise other
/// machines would wait for the lease to run out.
struct LeaseGuard {
    mirror: Mirror,
    class: &'static str,
    owner: String,
    armed: bool,
    /// The next allowed sync to record with the release (after a failure).
    retry_at: Option<NaiveDateTime>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let owner = std::mem::take(&mut self.owner);
        give_back(&self.mirror, &[self.class], &owner, self.retry_at);
    }
}

/// Gives the leases of `classes` back now, if `owner` still holds them: on
/// a thread of its own (this may run on an async thread, where the
/// PostgreSQL client must not block), joined, so a process that exits next
/// (Ctrl-C) has given them back first.
pub(crate) fn give_back(
    mirror: &Mirror,
    classes: &[&'static str],
    owner: &str,
    retry_at: Option<NaiveDateTime>,
) {
    let backend = mirror.backend.clone();
    let (classes, owner) = (classes.to_vec(), owner.to_owned());
    let done = std::thread::Builder::new()
        .name("spacetrack-mirror-release".into())
        .spawn(move || {
            if let Ok(mut b) = backend.lock() {
                for class in classes {
                    let _ = b.release(class, &owner, retry_at);
                }
            }
        });
    if let Ok(handle) = done {
        let _ = handle.join();
    }
}

#[derive(Debug, Default)]
pub(super) struct Acc {
    pub(super) requests: u32,
    pub(super) fetched: u64,
    applied: Applied,
}

#[derive(Debug, Default)]
pub(super) struct Changes {
    pub(super) inserts: Vec<Row>,
    pub(super) updates: Vec<Row>,
    pub(super) upserts: Vec<Row>,
    pub(super) delete: Vec<Vec<Value>>,
    pub(super) remove: Vec<Vec<Value>>,
    pub(super) changes: Vec<ChangeRow>,
    /// Another state row written with the batch: `(class, progress)`
    /// (the digest of the whole-class answer applied, see `digest.rs`).
    pub(super) also: Option<(String, String)>,
}

impl Changes {
    /// The rows it writes.
    fn len(&self) -> usize {
        self.inserts.len() + self.updates.len() + self.upserts.len()
    }

    /// Rows to write where they differ (the database compares), nothing to
    /// delete or mark.
    pub(super) fn upserts(upserts: Vec<Row>) -> Changes {
        Changes {
            upserts,
            ..Changes::default()
        }
    }

    /// What a comparison found.
    pub(super) fn of(d: Diff) -> Changes {
        Changes {
            inserts: d.inserts,
            updates: d.updates,
            changes: d.changes,
            ..Changes::default()
        }
    }
}

/// A request's predicates, as the untyped query takes them.
#[derive(Debug, Default)]
pub(super) struct Preds(pub(super) Vec<(String, String)>);

impl Preds {
    /// Adds `/key/value` (an operator, a list, `orderby`, `limit`...).
    pub(super) fn predicate(mut self, key: &str, value: impl RawValue) -> Preds {
        // Values built here are always valid (numbers, dates, literals).
        if let Ok(v) = value.raw_value() {
            self.0.push((key.to_owned(), v));
        }
        self
    }
}

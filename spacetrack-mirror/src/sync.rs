//! The sync engine: per class, fetch the least Space-Track allows and
//! apply it in transactions that also carry the class's new state.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value as Json};
use spacetrack::{Client, op};

use crate::backend::{Applied, Batch, Row, State};
use crate::plan::{Strategy, next_due, plan};
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, datetime_text, from_json, parse_datetime};
use crate::{Error, Mirror, Result};

/// What to sync, and how.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    pub(crate) classes: Option<Vec<String>>,
    pub(crate) force: bool,
    pub(crate) now: Option<NaiveDateTime>,
    pub(crate) history: Option<(NaiveDate, Option<NaiveDate>)>,
    pub(crate) window_days: Option<u32>,
}

impl SyncOptions {
    /// Every class the mirror keeps except gp_history (which is synced
    /// once a range is asked for, see [`SyncOptions::history`]).
    pub fn new() -> SyncOptions {
        SyncOptions::default()
    }

    /// Only these classes.
    pub fn classes<S: Into<String>>(mut self, classes: impl IntoIterator<Item = S>) -> Self {
        self.classes = Some(classes.into_iter().map(Into::into).collect());
        self
    }

    /// Sync even when the guidance's cadence says it is too early.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// The time the cadence is measured against (default: the clock).
    pub fn now(mut self, now: NaiveDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Keep gp_history for element sets with an EPOCH from `from` (to
    /// `to`, or open-ended): pulled once in date windows, then only what
    /// is new. The range is remembered by the mirror. gp_history is synced
    /// with the other classes, also when [`classes`](Self::classes) does
    /// not name it.
    pub fn history(mut self, from: NaiveDate, to: Option<NaiveDate>) -> Self {
        self.history = Some((from, to));
        self
    }

    /// The width of a gp_history window in days (default 1: a day of all
    /// objects is tens of thousands of rows on Space-Track).
    pub fn window_days(mut self, days: u32) -> Self {
        self.window_days = Some(days.max(1));
        self
    }
}

/// What happened to one class.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// Synced.
    Synced {
        /// Requests sent to Space-Track.
        requests: u32,
        /// Rows received.
        fetched: u64,
        /// What the database changed.
        applied: Applied,
    },
    /// Not synced: the guidance allows the next sync at this time (UTC).
    NotDue(NaiveDateTime),
    /// Not synced: another sync holds the class until this time (UTC).
    Busy(NaiveDateTime),
    /// Failed: the mirror keeps what the class's earlier batches wrote,
    /// and the next sync goes on from there. Errors that concern the
    /// account or the database (refused credentials, rate limits, the
    /// shared limiter, a database failure) stop the whole sync instead.
    Failed(std::sync::Arc<Error>),
}

/// One class's result.
#[derive(Debug, Clone)]
pub struct ClassReport {
    /// The class.
    pub class: String,
    /// What happened.
    pub outcome: Outcome,
}

/// The result of a sync.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// Per class, in the order they were synced.
    pub classes: Vec<ClassReport>,
}

impl SyncReport {
    /// The earliest time a class refused as too early may be synced.
    pub fn too_early(&self) -> Option<NaiveDateTime> {
        self.classes
            .iter()
            .filter_map(|c| match c.outcome {
                Outcome::NotDue(t) => Some(t),
                _ => None,
            })
            .min()
    }

    /// The first class that failed, and why.
    pub fn error(&self) -> Option<(&str, &Error)> {
        self.classes.iter().find_map(|c| match &c.outcome {
            Outcome::Failed(e) => Some((c.class.as_str(), e.as_ref())),
            _ => None,
        })
    }

    /// Requests sent to Space-Track.
    pub fn requests(&self) -> u32 {
        self.classes
            .iter()
            .map(|c| match c.outcome {
                Outcome::Synced { requests, .. } => requests,
                _ => 0,
            })
            .sum()
    }
}

/// The gp_history range and how far its windows are done, kept in the
/// state's `progress`.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    from: NaiveDate,
    to: Option<NaiveDate>,
    done: NaiveDate,
    /// An open-ended range whose windows reached the present: from then
    /// on new GP_IDs are all there is to ask for.
    caught_up: bool,
}

impl Range {
    fn parse(s: &str) -> Option<Range> {
        let v: Json = serde_json::from_str(s).ok()?;
        let date = |k: &str| v.get(k)?.as_str()?.parse::<NaiveDate>().ok();
        Some(Range {
            from: date("from")?,
            to: date("to"),
            done: date("done")?,
            caught_up: v.get("caught_up").and_then(Json::as_bool).unwrap_or(false),
        })
    }

    fn text(&self) -> String {
        serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.map(|d| d.to_string()),
            "done": self.done.to_string(),
            "caught_up": self.caught_up,
        })
        .to_string()
    }
}

/// How long a sync may hold a class, from its last batch, before another
/// may take over.
const LEASE_MINUTES: i64 = 30;

fn wall_clock() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn lease_end() -> NaiveDateTime {
    wall_clock() + Duration::minutes(LEASE_MINUTES)
}
/// GP_IDs asked for per request when refetching changed rows.
const REFETCH_CHUNK: usize = 200;
/// More changed rows than this are refetched with the whole class.
const REFETCH_WHOLE: usize = 2_000;
/// gp's columns compared with the mirror on every sync, GP_ID and
/// NORAD_CAT_ID first: those that change without a new element set.
const CHECK: &[&str] = &[
    "GP_ID",
    "NORAD_CAT_ID",
    "DECAY_DATE",
    "OBJECT_NAME",
    "OBJECT_ID",
    "OBJECT_TYPE",
    "RCS_SIZE",
    "COUNTRY_CODE",
    "LAUNCH_DATE",
    "SITE",
];

pub(crate) struct Run<'a> {
    pub mirror: &'a Mirror,
    pub client: &'a Client,
    pub owner: String,
    pub now: NaiveDateTime,
    pub opts: &'a SyncOptions,
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
            .mirror
            .with(move |b| b.lease(t.class, &owner, now, until, None))
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
                .mirror
                .with(move |b| b.lease(t.class, &owner, now, until, Some(&dead)))
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

    fn history_changed(&self, state: &State) -> bool {
        match (
            self.opts.history,
            state.progress.as_deref().and_then(Range::parse),
        ) {
            (Some((from, to)), Some(r)) => from != r.from || to != r.to,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Fetches rows and converts them for `t`.
    async fn fetch(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(spacetrack::RawQuery) -> spacetrack::RawQuery,
    ) -> Result<Vec<Row>> {
        let maps = self.fetch_maps(t, acc, query).await?;
        let columns = ColumnIndex::new(t);
        maps.iter().map(|m| to_row(t, &columns, m)).collect()
    }

    async fn fetch_maps(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(spacetrack::RawQuery) -> spacetrack::RawQuery,
    ) -> Result<Vec<Map<String, Json>>> {
        let q = query(self.client.request(t.class).controller(t.controller));
        acc.requests += 1;
        let rows: Vec<Map<String, Json>> = q.send_as().await?;
        acc.fetched += rows.len() as u64;
        Ok(rows)
    }

    /// Applies a batch; `last` ends the sync (state: last sync, next due,
    /// lease given back).
    async fn apply(
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
        let applied = self
            .mirror
            .with(move |b| {
                b.apply(&Batch {
                    table: t,
                    upserts: &changes.upserts,
                    delete: &changes.delete,
                    remove: &changes.remove,
                    state: &st,
                    owner: &owner,
                    now,
                })
            })
            .await?;
        acc.applied.written += applied.written;
        acc.applied.deleted += applied.deleted;
        acc.applied.removed += applied.removed;
        Ok(())
    }

    async fn snapshot(&self, t: &'static TableDef, state: &mut State, acc: &mut Acc) -> Result<()> {
        let rows = self.fetch(t, acc, |q| q).await?;
        let key_cols: Vec<&'static str> = t.key.to_vec();
        let seen: HashSet<Vec<String>> = rows.iter().map(|r| key_of(t, r)).collect();
        let current = self.mirror.with(move |b| b.select(t, &key_cols)).await?;
        if rows.len() * 2 < current.len() {
            return Err(Error::Suspicious(format!(
                "{}: the answer had {} rows where the mirror holds {}; nothing was changed",
                t.class,
                rows.len(),
                current.len()
            )));
        }
        let remove = current
            .into_iter()
            .filter(|k| !seen.contains(&k.iter().map(text_of).collect::<Vec<_>>()))
            .collect();
        let changes = Changes {
            upserts: rows,
            remove,
            ..Changes::default()
        };
        self.apply(t, state, acc, changes, true).await
    }

    async fn since(
        &self,
        t: &'static TableDef,
        column: &'static str,
        overlap_hours: i64,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let col = t
            .position(column)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: no column {column}", t.class)))?;
        let kind = t.columns[col].kind;
        let mark = state.watermark.clone();
        let rows = self
            .fetch(t, acc, |q| match (&mark, kind) {
                (Some(m), ValueKind::Int) => match m.parse::<i64>() {
                    Ok(n) => q.predicate(column, op::gt(n)),
                    Err(_) => q,
                },
                (Some(m), ValueKind::DateTime | ValueKind::Date) => match parse_datetime(m) {
                    Some(at) => q.predicate(
                        column,
                        op::gt((at - Duration::hours(overlap_hours)).and_utc()),
                    ),
                    None => q,
                },
                _ => q,
            })
            .await?;
        let mut rows = rows;
        // Rows without a value in the watermark column (decay records taken
        // from the catalog have no MSG_EPOCH) are never above the mark:
        // they are asked for on their own.
        if mark.is_some() && t.columns[col].nullable {
            rows.extend(
                self.fetch(t, acc, |q| q.predicate(column, "null-val"))
                    .await?,
            );
        }
        let newest = rows
            .iter()
            .map(|r| &r.values[col])
            .filter(|v| **v != Value::Null)
            .max_by(|a, b| cmp_values(a, b));
        if let Some(v) = newest {
            let old = state.watermark.as_deref().map(|m| parse_mark(kind, m));
            if old.is_none_or(|o| cmp_values(v, &o).is_gt()) {
                state.watermark = Some(text_of(v));
            }
        }
        let changes = Changes::upserts(rows);
        self.apply(t, state, acc, changes, true).await
    }

    async fn current(&self, t: &'static TableDef, state: &mut State, acc: &mut Acc) -> Result<()> {
        let (id, norad, decay) = ("GP_ID", "NORAD_CAT_ID", "DECAY_DATE");
        let (Some(id_i), Some(norad_i), Some(_)) =
            (t.position(id), t.position(norad), t.position(decay))
        else {
            return Err(Error::InvalidArgument(
                "gp's schema lacks GP_ID, NORAD_CAT_ID or DECAY_DATE".into(),
            ));
        };
        // 1. Element sets newer than the newest seen.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc");
                match mark {
                    Some(m) => q.predicate(id, op::gt(m)),
                    None => q,
                }
            })
            .await?;
        let mine = self
            .mirror
            .with(move |b| b.select(t, &[id, norad, decay]))
            .await?;
        let delete = superseded(&rows, &mine, id_i, norad_i);
        if let Some(Value::Int(n)) = rows
            .iter()
            .map(|r| &r.values[id_i])
            .max_by(|a, b| cmp_values(a, b))
        {
            if mark.is_none_or(|m| *n > m) {
                state.watermark = Some(n.to_string());
            }
        }
        let changes = Changes {
            upserts: rows,
            delete,
            ..Changes::default()
        };
        self.apply(t, state, acc, changes, false).await?;
        // 2. The whole class in a few columns: what changes in place
        // (decay dates, names and types from the catalog), rows filed with
        // a lower GP_ID, objects that left gp.
        let check: Vec<&'static str> = CHECK
            .iter()
            .copied()
            .filter(|c| t.position(c).is_some())
            .collect();
        let list = check.join(",");
        let theirs = self
            .fetch_maps(t, acc, |q| q.predicate("predicates", list))
            .await?;
        let mut server: HashMap<i64, Vec<Value>> = HashMap::with_capacity(theirs.len());
        for m in &theirs {
            let mut vals = Vec::with_capacity(check.len());
            for c in &check {
                let kind = t.columns[t.position(c).unwrap_or(id_i)].kind;
                let v = m.get(*c).unwrap_or(&Json::Null);
                vals.push(from_json(kind, v).ok_or_else(|| bad(t, c, v, kind))?);
            }
            match vals[0] {
                Value::Int(g) => {
                    server.insert(g, vals);
                }
                _ => {
                    let v = m.get(id).unwrap_or(&Json::Null);
                    return Err(bad(t, id, v, ValueKind::Int));
                }
            }
        }
        let mine_cols = check.clone();
        let mine = self.mirror.with(move |b| b.select(t, &mine_cols)).await?;
        // An answer that would empty the mirror is not believed (Space-Track
        // never empties gp; a proxy or a broken query could).
        if server.len() * 2 < mine.len() {
            return Err(Error::Suspicious(format!(
                "gp: the check listed {} element sets where the mirror holds {}; nothing was changed",
                server.len(),
                mine.len()
            )));
        }
        let mut have: HashMap<i64, Vec<Value>> = HashMap::with_capacity(mine.len());
        for r in mine {
            if let Value::Int(g) = r[0] {
                have.insert(g, r);
            }
        }
        let mut stale: Vec<i64> = server
            .iter()
            .filter(|(g, v)| have.get(g).is_none_or(|h| h != *v))
            .map(|(g, _)| *g)
            .collect();
        stale.sort_unstable();
        let norads: HashSet<String> = server.values().map(|v| text_of(&v[1])).collect();
        let mut delete = Vec::new();
        let mut remove = Vec::new();
        for (g, v) in &have {
            if !server.contains_key(g) {
                if norads.contains(&text_of(&v[1])) {
                    delete.push(vec![Value::Int(*g)]);
                } else {
                    remove.push(vec![Value::Int(*g)]);
                }
            }
        }
        let mut upserts = Vec::new();
        if stale.len() > REFETCH_WHOLE {
            // Cheaper as one request than as many lists.
            let wanted: HashSet<i64> = stale.iter().copied().collect();
            let all = self.fetch(t, acc, |q| q).await?;
            upserts.extend(
                all.into_iter()
                    .filter(|r| matches!(r.values[id_i], Value::Int(g) if wanted.contains(&g))),
            );
        } else {
            for chunk in stale.chunks(REFETCH_CHUNK) {
                let list = chunk
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                upserts.extend(self.fetch(t, acc, |q| q.predicate(id, list)).await?);
            }
        }
        let changes = Changes {
            upserts,
            delete,
            remove,
        };
        self.apply(t, state, acc, changes, true).await
    }

    async fn history(&self, t: &'static TableDef, state: &mut State, acc: &mut Acc) -> Result<()> {
        let window = Duration::days(i64::from(self.opts.window_days.unwrap_or(1).min(3650)));
        let known = state.progress.as_deref().and_then(Range::parse);
        let mut range = match (self.opts.history, known) {
            (Some((from, to)), Some(r)) if r.from == from && r.to == to => r,
            (Some((from, to)), _) => {
                if to.is_some_and(|to| to < from) {
                    return Err(Error::InvalidArgument(format!(
                        "gp_history range ends before it starts ({from} to {})",
                        to.unwrap_or(from)
                    )));
                }
                // A new range starts over (what is stored stays).
                state.watermark = None;
                Range {
                    from,
                    to,
                    done: from,
                    caught_up: false,
                }
            }
            (None, Some(r)) => r,
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "gp_history needs a date range the first time (SyncOptions::history, --history FROM..TO)".into(),
                ));
            }
        };
        let id_i = t
            .position("GP_ID")
            .ok_or_else(|| Error::InvalidArgument("gp_history's schema lacks GP_ID".into()))?;
        let end = match range.to {
            Some(d) => d + Duration::days(1),
            None if range.caught_up => range.done,
            None => self.now.date() + Duration::days(1),
        };
        // Windows not pulled yet, one transaction each, so an interrupted
        // pull resumes at the first incomplete window.
        let windows_left = range.done < end;
        // The newest GP_ID before the first window: afterwards, everything
        // above it is asked for again, so element sets filed while the
        // windows were pulled (into windows already done) are not missed.
        // Window rows never raise the watermark: they come in EPOCH order.
        if windows_left && state.watermark.is_none() {
            let top = self
                .fetch_maps(t, acc, |q| {
                    q.predicate("predicates", "GP_ID")
                        .predicate("orderby", "GP_ID desc")
                        .predicate("limit", "1")
                })
                .await?;
            let top = match top.first().and_then(|m| m.get("GP_ID")) {
                None => 0,
                Some(v) => match from_json(ValueKind::Int, v) {
                    Some(Value::Int(n)) => n,
                    _ => return Err(bad(t, "GP_ID", v, ValueKind::Int)),
                },
            };
            state.watermark = Some(top.to_string());
        }
        while range.done < end {
            let start = range.done;
            let stop = (start + window).min(end);
            let rows = self
                .fetch(t, acc, |q| {
                    q.predicate("EPOCH", format!("{start}--{stop}"))
                        .predicate("orderby", "GP_ID asc")
                })
                .await?;
            // Rows on the upper bound belong to the next window too; the
            // key makes the overlap harmless.
            range.done = stop;
            range.caught_up = range.to.is_none() && stop >= end;
            state.progress = Some(range.text());
            let last = range.done >= end && range.to.is_some();
            self.apply(t, state, acc, Changes::upserts(rows), last)
                .await?;
        }
        if range.to.is_some() && windows_left {
            return Ok(());
        }
        // Then only element sets newer than the newest seen, in the range.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let (from, to) = (range.from, range.to);
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc").predicate(
                    "EPOCH",
                    match to {
                        Some(to) => format!("{from}--{}", to + Duration::days(1)),
                        None => format!(">{from}"),
                    },
                );
                match mark {
                    Some(m) => q.predicate("GP_ID", op::gt(m)),
                    None => q,
                }
            })
            .await?;
        bump(state, &rows, id_i);
        self.apply(t, state, acc, Changes::upserts(rows), true)
            .await
    }
}

/// Whether an error stops the whole sync rather than one class: what
/// concerns the account (credentials, rate limits, the shared limiter) or
/// the database would only fail again, or cost the account, for the next
/// class.
pub(crate) fn stops_the_sync(e: &Error) -> bool {
    use spacetrack::Error as Api;
    match e {
        Error::Api(api) => matches!(
            api,
            Api::Auth(_) | Api::RateLimited { .. } | Api::Store(_) | Api::Config(_)
        ),
        Error::Database(_) | Error::Task(_) | Error::Url(_) => true,
        _ => false,
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
        let backend = self.mirror.backend.clone();
        let (class, owner, retry_at) = (self.class, std::mem::take(&mut self.owner), self.retry_at);
        // On a thread of its own: this may run on an async thread, where
        // the PostgreSQL client must not block; joined, so a process that
        // exits next (Ctrl-C) has given the lease back first.
        let done = std::thread::Builder::new()
            .name("spacetrack-mirror-release".into())
            .spawn(move || {
                if let Ok(mut b) = backend.lock() {
                    let _ = b.release(class, &owner, retry_at);
                }
            });
        if let Ok(handle) = done {
            let _ = handle.join();
        }
    }
}

/// Raises the GP_ID watermark to the newest of `rows`.
fn bump(state: &mut State, rows: &[Row], id_i: usize) {
    let newest = rows
        .iter()
        .filter_map(|r| match r.values[id_i] {
            Value::Int(n) => Some(n),
            _ => None,
        })
        .max();
    let old = state
        .watermark
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok());
    if let Some(n) = newest
        && old.is_none_or(|o| n > o)
    {
        state.watermark = Some(n.to_string());
    }
}

/// The mirror's element sets replaced by a newer one of the same object.
fn superseded(rows: &[Row], mine: &[Vec<Value>], id_i: usize, norad_i: usize) -> Vec<Vec<Value>> {
    let newest: HashMap<String, i64> = rows.iter().fold(HashMap::new(), |mut m, r| {
        if let Value::Int(g) = r.values[id_i] {
            let e = m.entry(text_of(&r.values[norad_i])).or_insert(g);
            *e = (*e).max(g);
        }
        m
    });
    mine.iter()
        .filter_map(|r| match &r[..] {
            [Value::Int(g), n, _] => newest
                .get(&text_of(n))
                .filter(|new| **new != *g)
                .map(|_| vec![Value::Int(*g)]),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Default)]
struct Acc {
    requests: u32,
    fetched: u64,
    applied: Applied,
}

#[derive(Debug, Default)]
struct Changes {
    upserts: Vec<Row>,
    delete: Vec<Vec<Value>>,
    remove: Vec<Vec<Value>>,
}

impl Changes {
    /// Rows to write, nothing to delete or mark.
    fn upserts(upserts: Vec<Row>) -> Changes {
        Changes {
            upserts,
            ..Changes::default()
        }
    }
}

fn bad(t: &TableDef, column: &str, v: &Json, kind: ValueKind) -> Error {
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
struct ColumnIndex(HashMap<&'static str, usize>);

impl ColumnIndex {
    fn new(t: &'static TableDef) -> ColumnIndex {
        ColumnIndex(
            t.columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name, i))
                .collect(),
        )
    }

    /// The column named `name`, or spelled so in another case.
    fn get(&self, t: &TableDef, name: &str) -> Option<usize> {
        self.0.get(name).copied().or_else(|| {
            t.columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        })
    }
}

/// One answer row as the table stores it; columns the schema lacks are
/// kept in `_unknown`.
fn to_row(t: &'static TableDef, columns: &ColumnIndex, m: &Map<String, Json>) -> Result<Row> {
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
fn key_of(t: &TableDef, r: &Row) -> Vec<String> {
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

fn parse_mark(kind: ValueKind, m: &str) -> Value {
    from_json(kind, &Json::String(m.to_owned())).unwrap_or(Value::Text(m.to_owned()))
}

fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Real(x), Real(y)) => x.total_cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (DateTime(x), DateTime(y)) => x.cmp(y),
        _ => text_of(a).cmp(&text_of(b)),
    }
}

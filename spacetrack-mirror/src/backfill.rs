//! gp_history backfill on a budget: a plan first (how many requests, how
//! long under the budget, how many rows), from a probe of how dense each
//! period is; then one request per window, each checkpointed, resumable.
//!
//! Planning asks Space-Track, per year (per month for spans under two
//! years), how many element sets have an EPOCH in it (`metadata/true` with
//! `limit/1`: one small answer each), and cuts each period into equal time
//! windows of about [`BackfillOptions::rows_per_request`] sets. The plan is
//! kept in the mirror (`_sync_state`, class `gp_history/backfill`): a
//! backfill that stops resumes at its first window not done, without
//! probing again. Every request goes through the client's account limiter,
//! shared with other processes through its store; a budget is a limit of
//! its own on top.

use std::time::Duration as StdDuration;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value as Json, json};
use spacetrack::{Client, GpHistoryField, op};

use crate::backend::Batch;
use crate::sync::{history_progress, typed_rows};
use crate::tables::table;
use crate::{Error, Mirror, Result};

/// The state row a backfill keeps its plan and progress in.
const STATE_CLASS: &str = "gp_history/backfill";

/// What to backfill, and how politely.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    from: NaiveDate,
    to: NaiveDate,
    budget: Option<(u32, StdDuration)>,
    rows_per_request: u64,
}

impl BackfillOptions {
    /// Element sets with an EPOCH from `from` to `to` (both days included).
    pub fn new(from: NaiveDate, to: NaiveDate) -> BackfillOptions {
        BackfillOptions {
            from,
            to,
            budget: None,
            rows_per_request: 100_000,
        }
    }

    /// At most `requests` per `period` for this backfill: its windows are
    /// paced to it (beside the account's own limits, which the client's
    /// limiter always keeps, shared with other processes through its
    /// store). The plan's duration is computed from it.
    pub fn budget(mut self, requests: u32, period: StdDuration) -> Self {
        self.budget = Some((requests, period));
        self
    }

    /// About how many element sets one request asks for (default 100,000,
    /// about 110 MB of JSON).
    pub fn rows_per_request(mut self, rows: u64) -> Self {
        self.rows_per_request = rows.max(1);
        self
    }
}

/// One request of a backfill: the sets with an EPOCH in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Inclusive.
    pub from: NaiveDateTime,
    /// Exclusive.
    pub to: NaiveDateTime,
    /// How many sets the probe counted there (the window's share of its
    /// period's).
    pub expected_rows: u64,
}

/// What a backfill will do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BackfillPlan {
    /// The days covered.
    pub from: NaiveDate,
    /// The last day covered.
    pub to: NaiveDate,
    /// Requests the planning sent (probes), 0 when the plan was resumed.
    pub probes: u32,
    /// The windows, one request each, in order.
    pub windows: Vec<Window>,
    /// How many windows are done already (a resumed backfill).
    pub done: usize,
    /// How long the requests left take at the budget (or at the account's
    /// limits, 300 an hour, without one).
    pub duration: StdDuration,
    /// The newest GP_ID when the backfill was planned: once it is done,
    /// syncs of its range ask only for sets above it (sets filed while the
    /// windows were pulled included).
    top: i64,
    /// The budget the windows are paced to.
    budget: Option<(u32, StdDuration)>,
}

impl BackfillPlan {
    /// Requests the windows left will send.
    pub fn requests(&self) -> usize {
        self.windows.len() - self.done
    }

    /// Sets the windows left are expected to hold.
    pub fn rows(&self) -> u64 {
        self.windows[self.done..]
            .iter()
            .map(|w| w.expected_rows)
            .sum()
    }
}

/// A window just written, for progress reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WindowDone {
    /// Its place (0-based) among the plan's windows.
    pub index: usize,
    /// How many windows the plan has.
    pub of: usize,
    /// The window.
    pub window: Window,
    /// Sets received.
    pub rows: u64,
}

/// What a backfill did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackfillReport {
    /// Windows fetched by this run.
    pub requests: u32,
    /// Sets received.
    pub rows: u64,
    /// Rows written (new or changed).
    pub written: u64,
}

fn period_starts(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let monthly = (to - from) < Duration::days(730);
    let mut out = vec![from];
    let mut d = from;
    loop {
        d = if monthly {
            let (y, m) = if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month")
        } else {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).expect("first of a year")
        };
        if d > to {
            break;
        }
        out.push(d);
    }
    out
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight")
}

fn plan_json(plan: &BackfillPlan) -> String {
    json!({
        "from": plan.from.to_string(),
        "to": plan.to.to_string(),
        "done": plan.done,
        "top": plan.top,
        "windows": plan.windows.iter().map(|w| json!([
            crate::value::datetime_text(&w.from),
            crate::value::datetime_text(&w.to),
            w.expected_rows,
        ])).collect::<Vec<_>>(),
    })
    .to_string()
}

fn parse_plan(s: &str) -> Option<BackfillPlan> {
    let v: Json = serde_json::from_str(s).ok()?;
    let date = |k: &str| v.get(k)?.as_str()?.parse::<NaiveDate>().ok();
    let windows = v
        .get("windows")?
        .as_array()?
        .iter()
        .map(|w| {
            let t = |i: usize| crate::value::parse_datetime(w.get(i)?.as_str()?);
            Some(Window {
                from: t(0)?,
                to: t(1)?,
                expected_rows: w.get(2)?.as_u64()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(BackfillPlan {
        from: date("from")?,
        to: date("to")?,
        probes: 0,
        done: v.get("done")?.as_u64()? as usize,
        windows,
        duration: StdDuration::ZERO,
        top: v.get("top")?.as_i64()?,
        budget: None,
    })
}

/// How long `requests` take at `budget` and the account's limits.
fn duration(requests: usize, budget: Option<(u32, StdDuration)>) -> StdDuration {
    let per_hour = |n: u32, p: StdDuration| f64::from(n) * 3600.0 / p.as_secs_f64().max(1e-9);
    // Space-Track: fewer than 30 a minute and 300 an hour.
    let mut rate: f64 = 300.0f64.min(30.0 * 60.0);
    if let Some((n, p)) = budget {
        rate = rate.min(per_hour(n, p));
    }
    StdDuration::from_secs_f64(requests as f64 / rate * 3600.0)
}

impl Mirror {
    /// The plan of a backfill: the one kept in the mirror when it is for
    /// the same days (a resumed backfill sends no probe), else a new one
    /// from a probe per year (per month under two years).
    pub async fn plan_backfill(
        &self,
        client: &Client,
        opts: &BackfillOptions,
    ) -> Result<BackfillPlan> {
        if opts.to < opts.from {
            return Err(Error::InvalidArgument(format!(
                "the backfill ends ({}) before it starts ({})",
                opts.to, opts.from
            )));
        }
        let kept = self.with(|b| b.state(STATE_CLASS)).await?;
        if let Some(mut plan) = kept.progress.as_deref().and_then(parse_plan) {
            if plan.from == opts.from && plan.to == opts.to {
                plan.duration = duration(plan.requests(), opts.budget);
                plan.budget = opts.budget;
                return Ok(plan);
            }
        }
        // The newest GP_ID now (see `BackfillPlan::top`): one small answer.
        let newest = client
            .gp_history()
            .order_by(GpHistoryField::GpId.desc())
            .limit(1)
            .select([GpHistoryField::GpId])
            .send()
            .await?;
        let top = newest
            .first()
            .and_then(|r| r.get("GP_ID"))
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(0);
        let mut probes = 1;
        let starts = period_starts(opts.from, opts.to);
        let end = opts.to + Duration::days(1);
        let mut windows = Vec::new();
        for (i, start) in starts.iter().enumerate() {
            let stop = starts.get(i + 1).copied().unwrap_or(end);
            let (a, b) = (midnight(*start), midnight(stop));
            // `metadata/true` with `limit/1`: the period's count, one set.
            let page = client
                .gp_history()
                .epoch(op::range(a.and_utc(), b.and_utc()))
                .limit(1)
                .send_with_metadata()
                .await?;
            probes += 1;
            let total = page.total().unwrap_or(page.rows.len() as u64);
            if total == 0 {
                continue;
            }
            let n = total.div_ceil(opts.rows_per_request).max(1);
            let span = b - a;
            // Boundaries to the microsecond, as the plan is stored: a plan
            // read back must equal the one made.
            let cut = |k: u64| {
                let t = a + span * (k as i32) / (n as i32);
                t - Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&t) % 1_000))
            };
            for k in 0..n {
                let wa = cut(k);
                let wb = if k + 1 == n { b } else { cut(k + 1) };
                windows.push(Window {
                    from: wa,
                    to: wb,
                    expected_rows: total / n + u64::from(k < total % n),
                });
            }
        }
        let plan = BackfillPlan {
            from: opts.from,
            to: opts.to,
            probes,
            done: 0,
            duration: duration(windows.len(), opts.budget),
            windows,
            top,
            budget: opts.budget,
        };
        let text = plan_json(&plan);
        self.with(move |b| b.set_progress(STATE_CLASS, Some(&text)))
            .await?;
        Ok(plan)
    }

    /// Runs `plan` from its first window not done, one request per window,
    /// each written with the window's checkpoint in one transaction under
    /// gp_history's lease. `each` is told of every window written.
    pub async fn backfill(
        &self,
        client: &Client,
        plan: &BackfillPlan,
        mut each: impl FnMut(&WindowDone),
    ) -> Result<BackfillReport> {
        let t = table("gp_history").ok_or_else(|| Error::UnknownClass("gp_history".into()))?;
        let owner = crate::owner();
        let lease = |owner: String| {
            move |b: &mut dyn crate::backend::Backend| {
                let now = chrono::Utc::now().naive_utc();
                b.lease(t.class, &owner, now, now + Duration::minutes(30), None)
            }
        };
        if let Some(until) = self.with(lease(owner.clone())).await? {
            return Err(Error::Busy(format!(
                "gp_history: another sync holds it until {until} UTC"
            )));
        }
        let result = self.backfill_windows(client, plan, &owner, &mut each).await;
        let release = {
            let owner = owner.clone();
            self.with(move |b| b.release(t.class, &owner, None)).await
        };
        let report = result?;
        release?;
        Ok(report)
    }

    async fn backfill_windows(
        &self,
        client: &Client,
        plan: &BackfillPlan,
        owner: &str,
        each: &mut dyn FnMut(&WindowDone),
    ) -> Result<BackfillReport> {
        let t = table("gp_history").ok_or_else(|| Error::UnknownClass("gp_history".into()))?;
        let mut report = BackfillReport::default();
        let mut done = plan.clone();
        // Where the windows stand, re-read: another run may have gone on.
        if let Some(kept) = self
            .with(|b| b.state(STATE_CLASS))
            .await?
            .progress
            .as_deref()
            .and_then(parse_plan)
            .filter(|k| k.windows == plan.windows)
        {
            done.done = kept.done.max(plan.done);
        }
        let mut sent: std::collections::VecDeque<std::time::Instant> = Default::default();
        while done.done < done.windows.len() {
            let w = done.windows[done.done].clone();
            // The budget: at most n requests in any period.
            if let Some((n, period)) = plan.budget.filter(|(n, _)| *n > 0) {
                while sent.front().is_some_and(|t| t.elapsed() >= period) {
                    sent.pop_front();
                }
                if sent.len() >= n as usize {
                    let wait = period.saturating_sub(sent[0].elapsed());
                    if wait > StdDuration::from_secs(1) {
                        tracing::info!(
                            wait_secs = wait.as_secs(),
                            "gp_history backfill: waiting for its budget of {n} requests per {period:?}"
                        );
                    }
                    tokio::time::sleep(wait).await;
                    sent.pop_front();
                }
            }
            let records = client
                .gp_history()
                .epoch(op::range(
                    w.from.and_utc(),
                    (w.to - Duration::microseconds(1)).and_utc(),
                ))
                .order_by(GpHistoryField::GpId)
                .send()
                .await?;
            // Counted from when the answer is in: the server saw the
            // request before, so its periods are never fuller than ours.
            sent.push_back(std::time::Instant::now());
            report.requests += 1;
            report.rows += records.len() as u64;
            let rows = typed_rows(t, records).await?;
            done.done += 1;
            let text = plan_json(&done);
            let mut history = self.with(move |b| b.state(t.class)).await?;
            if done.done == done.windows.len() {
                // Done: later syncs of this range ask only for new GP_IDs.
                history.progress = Some(history_progress(done.from, done.to));
                history.watermark = Some(done.top.to_string());
            }
            history.lease = Some((
                owner.to_owned(),
                chrono::Utc::now().naive_utc() + Duration::minutes(30),
            ));
            let owner = owner.to_owned();
            let applied = self
                .with(move |b| {
                    // The rows and the checkpoint in one transaction.
                    b.apply(&Batch {
                        table: t,
                        inserts: &[],
                        updates: &[],
                        upserts: &rows,
                        delete: &[],
                        remove: &[],
                        changes: &[],
                        state: &history,
                        also: Some((STATE_CLASS, &text)),
                        owner: &owner,
                        now: chrono::Utc::now().naive_utc(),
                    })
                })
                .await?;
            report.written += applied.written;
            each(&WindowDone {
                index: done.done - 1,
                of: done.windows.len(),
                window: w,
                rows: report.rows,
            });
        }
        Ok(report)
    }
}

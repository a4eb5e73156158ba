//! What to sync, and what happened: options and reports.

use chrono::{NaiveDate, NaiveDateTime};

use crate::Error;
use crate::backend::Applied;

/// What to sync, and how.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    pub(crate) classes: Option<Vec<String>>,
    pub(crate) force: bool,
    pub(crate) now: Option<NaiveDateTime>,
    pub(crate) history: Option<(NaiveDate, Option<NaiveDate>)>,
    pub(crate) window_days: Option<u32>,
    pub(crate) history_batch: Option<usize>,
    pub(crate) classes_at_once: Option<usize>,
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

    /// gp_history rows written per transaction while a window streams in
    /// (default 8,192: a few megabytes of rows). A window is done only once
    /// its answer ended whole; the batches written before an answer broke
    /// off stay, and the window is pulled again (the key makes the repeat
    /// harmless).
    pub fn history_batch(mut self, rows: usize) -> Self {
        self.history_batch = Some(rows.max(1));
        self
    }

    /// How many classes are synced at once (default 2): one class's answer
    /// decodes while another's rows are written, and one's request waits
    /// for Space-Track while another's answer arrives. Every request still
    /// goes through the client's account limiter, so no more are sent per
    /// minute or hour than one at a time would; the database writes one
    /// batch at a time. `1` syncs the classes one after another, in order
    /// (the order of requests a test with faults on the N-th relies on).
    pub fn classes_at_once(mut self, n: usize) -> Self {
        self.classes_at_once = Some(n.max(1));
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

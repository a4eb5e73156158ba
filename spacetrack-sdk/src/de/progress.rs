//! Progress of an answer while it arrives: bytes received and records (or
//! lines) decoded, reported to the callback of
//! [`Query::on_progress`](crate::Query::on_progress) at most every
//! [`INTERVAL`], and once more at the end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::Chunks;

/// How far a query's answer has come, as reported to
/// [`Query::on_progress`](crate::Query::on_progress).
///
/// The counts run over the whole query: every request of a value list
/// split between several URLs, every page of
/// [`paginate`](crate::Query::paginate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Records decoded so far ([`lines`](crate::Query::lines): lines
    /// received; [`bytes`](crate::Query::bytes): always 0).
    pub records: u64,
    /// Bytes of the answer received so far (after decompression).
    pub bytes: u64,
    /// The answer's size when the server announced it (`Content-Length`
    /// of an uncompressed answer, or an engine's
    /// [`Answer::with_len`](crate::engine::Answer::with_len)) and the query
    /// is one request; else `None`.
    pub total_bytes: Option<u64>,
    /// How many records the query matches, when the answer says it:
    /// [`paginate`](crate::Query::paginate) asks Space-Track with its first
    /// page (`metadata/true`); else `None`.
    pub total_records: Option<u64>,
    /// Whether this is the last report: the answer is complete (a failed
    /// query ends without one).
    pub done: bool,
}

/// The callback of [`Query::on_progress`](crate::Query::on_progress).
pub(crate) type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The shortest time between two reports.
pub(crate) const INTERVAL: Duration = Duration::from_millis(100);

const UNKNOWN: u64 = u64::MAX;

/// The counts of one run of a query and its callback.
pub(crate) struct Tracker {
    callback: ProgressFn,
    records: AtomicU64,
    bytes: AtomicU64,
    total_bytes: AtomicU64,
    total_records: AtomicU64,
    last: Mutex<Option<Instant>>,
    finished: AtomicBool,
}

impl Tracker {
    pub(crate) fn new(callback: ProgressFn) -> Arc<Tracker> {
        Arc::new(Tracker {
            callback,
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            total_bytes: AtomicU64::new(UNKNOWN),
            total_records: AtomicU64::new(UNKNOWN),
            last: Mutex::new(None),
            finished: AtomicBool::new(false),
        })
    }

    pub(crate) fn add_records(&self, n: u64) {
        self.records.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn set_total_bytes(&self, n: Option<u64>) {
        self.total_bytes
            .store(n.unwrap_or(UNKNOWN), Ordering::Relaxed);
    }

    pub(crate) fn set_total_records(&self, n: u64) {
        self.total_records.store(n, Ordering::Relaxed);
    }

    /// The counts now, to go back to if a request is retried.
    pub(crate) fn checkpoint(&self) -> (u64, u64) {
        (
            self.records.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }

    /// Forgets what a failed attempt counted.
    pub(crate) fn restore(&self, (records, bytes): (u64, u64)) {
        self.records.store(records, Ordering::Relaxed);
        self.bytes.store(bytes, Ordering::Relaxed);
    }

    fn snapshot(&self, done: bool) -> Progress {
        let known = |v: u64| (v != UNKNOWN).then_some(v);
        Progress {
            records: self.records.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            total_bytes: known(self.total_bytes.load(Ordering::Relaxed)),
            total_records: known(self.total_records.load(Ordering::Relaxed)),
            done,
        }
    }

    /// Reports, unless the last report is less than [`INTERVAL`] old (the
    /// first report is at once).
    pub(crate) fn tick(&self) {
        let now = Instant::now();
        {
            // Another thread reporting now: this tick is not needed.
            let Ok(mut last) = self.last.try_lock() else {
                return;
            };
            if last.is_some_and(|t| now.duration_since(t) < INTERVAL) {
                return;
            }
            *last = Some(now);
        }
        if !self.finished.load(Ordering::Relaxed) {
            (self.callback)(&self.snapshot(false));
        }
    }

    /// The last report, once: the answer is complete.
    pub(crate) fn finish(&self) {
        if !self.finished.swap(true, Ordering::Relaxed) {
            (self.callback)(&self.snapshot(true));
        }
    }
}

impl Chunks {
    /// The same body, its bytes counted by `tracker` as they arrive (and
    /// its announced length the total, when `whole`: the query is this one
    /// request). The decoders count records through [`Chunks::progress`].
    pub(crate) fn tracked(mut self, tracker: Option<&Arc<Tracker>>, whole: bool) -> Chunks {
        let Some(t) = tracker else {
            return self;
        };
        if whole {
            t.set_total_bytes(self.len);
        }
        let counter = Arc::clone(t);
        self.stream = self
            .stream
            .inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    counter.add_bytes(bytes.len() as u64);
                    counter.tick();
                }
            })
            .boxed();
        self.progress = Some(Arc::clone(t));
        self
    }
}

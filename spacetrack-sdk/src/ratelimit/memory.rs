//! The ledger in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{BoxFuture, Limit, LimiterStore, Snapshot, admit};
use crate::error::Result;

/// Limiter state in this process. [`MemoryStore::shared`] is the one every
/// client of the process uses unless told otherwise.
#[derive(Debug)]
pub struct MemoryStore {
    logs: Mutex<HashMap<String, VecDeque<u64>>>,
    start: Instant,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store of its own (clients that use it share nothing with
    /// the rest of the process).
    pub fn new() -> MemoryStore {
        MemoryStore {
            logs: Mutex::default(),
            start: Instant::now(),
        }
    }

    /// The process-wide store: every client of an account in this process
    /// shares its ledger, however each was built.
    pub fn shared() -> Arc<MemoryStore> {
        static SHARED: OnceLock<Arc<MemoryStore>> = OnceLock::new();
        SHARED.get_or_init(|| Arc::new(MemoryStore::new())).clone()
    }

    /// Runs the algorithm at an explicit time (for tests and simulations).
    pub fn acquire_at(&self, now_ms: u64, limit: &Limit) -> std::result::Result<(), u64> {
        let mut logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        admit(
            now_ms,
            &limit.windows,
            logs.entry(limit.key.clone()).or_default(),
        )
    }
}

impl LimiterStore for MemoryStore {
    fn acquire<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Duration>> {
        // Monotonic time: immune to wall-clock jumps within one process.
        let now = self.start.elapsed().as_millis() as u64;
        let r = match self.acquire_at(now, limit) {
            Ok(()) => Duration::ZERO,
            Err(ms) => Duration::from_millis(ms),
        };
        Box::pin(async move { Ok(r) })
    }

    fn snapshot<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Option<Snapshot>>> {
        let now_ms = self.start.elapsed().as_millis() as u64;
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        let log = logs
            .get(&limit.key)
            .map(|l| l.iter().copied().collect())
            .unwrap_or_default();
        Box::pin(async move { Ok(Some(Snapshot { now_ms, log })) })
    }
}

//! Client-side rate limiting, so an account never exceeds Space-Track's
//! limits (fewer than 30 requests per minute and 300 per hour), however many
//! clients, processes or machines share it.
//!
//! The limits belong to the account, not to a client: every client of one
//! identity on one server keeps one ledger, the times of its recent
//! requests (a sliding-window log, at most one entry per request of the
//! last hour). A request is admitted when, for every limit of the client
//! asking, fewer than its allowance were admitted in that limit's window.
//! Because every client checks the same ledger, the requests of all of
//! them together never exceed the loosest limit among them; against
//! Space-Track itself, Space-Track's limits are always among a client's
//! limits (a client may add stricter ones), so together they never exceed
//! Space-Track's. A log is exact where a shared token bucket with mixed
//! parameters is not, and its state (a few hundred timestamps) is small
//! enough for any store.
//!
//! Stores: [`MemoryStore`] (one per process, shared by every client of the
//! process by default), [`FileStore`] (a locked file per account, shared by
//! the processes of one machine: the command line's default) and
//! `RedisStore` (feature `redis`: every process and machine using the same
//! Redis). Why not the `governor` crate: it keeps its state in process
//! memory with no way to plug in a shared store.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod wait;

pub use file::FileStore;
pub(crate) use file::create_private_dir;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use wait::{Wait, WaitObserver, WaitReason};
pub(crate) use wait::{notify, retrying};

/// At most `count` requests in any window of `period`, allowing bursts of
/// up to `burst` requests.
///
/// The limiter admits strictly fewer than `count` requests in any window of
/// `period` (stretched by a safety margin of 1/60, at least 250 ms, so that
/// jitter between admission here and arrival at the server cannot push a
/// window over), and at most `burst` in any `period × burst / count`, which
/// spreads a long run of requests evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    count: u32,
    period: Duration,
    burst: u32,
}

impl Rate {
    /// `count` per `period`, with a burst of a sixth of `count` (at least 1).
    pub fn new(count: u32, period: Duration) -> Rate {
        Rate {
            count,
            period,
            burst: (count / 6).max(1),
        }
    }

    /// Sets the burst (1 means evenly spaced requests).
    pub fn burst(mut self, burst: u32) -> Rate {
        self.burst = burst.max(1);
        self
    }

    /// Space-Track's per-minute limit: fewer than 30 per minute.
    pub fn per_minute_default() -> Rate {
        Rate::new(30, Duration::from_secs(60)).burst(5)
    }

    /// Space-Track's per-hour limit: fewer than 300 per hour.
    pub fn per_hour_default() -> Rate {
        Rate::new(300, Duration::from_secs(3600)).burst(30)
    }

    /// The windows this rate imposes: (at most this many, in this many ms).
    pub(crate) fn windows(&self) -> Result<Vec<Window>> {
        if self.count < 2 || self.burst >= self.count || self.period.is_zero() {
            return Err(Error::Config(format!(
                "rate {} per {:?} with burst {} is not satisfiable (need count >= 2, burst < count and a period)",
                self.count, self.period, self.burst
            )));
        }
        let stretch = |ms: u64| ms + (ms / 60).max(250);
        let raw = self.period.as_millis() as u64;
        let mut out = vec![Window {
            max: self.count - 1,
            ms: stretch(raw),
        }];
        if self.burst < self.count - 1 {
            out.push(Window {
                max: self.burst,
                ms: stretch(raw * u64::from(self.burst) / u64::from(self.count)),
            });
        }
        Ok(out)
    }

    /// Whether this rate admits no more than `other` in the same period.
    fn at_most(&self, other: &Rate) -> bool {
        self.period >= other.period && self.count <= other.count
    }
}

/// One window of a limit: at most `max` requests in any `ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// How many requests the window admits.
    pub max: u32,
    /// Its length in milliseconds.
    pub ms: u64,
}

/// What a client asks a store for: one more request in the ledger `key`
/// (one per account), under every window at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The account's ledger: `spacetrack:{server}:{identity}`.
    pub key: String,
    /// The windows to respect.
    pub windows: Vec<Window>,
}

/// A boxed future, so that stores can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where limiter state lives. Implementations must apply [`admit`]
/// atomically across everything sharing the store, and fail closed: an
/// unreachable store is an error ([`Error::Store`]), never an admission.
pub trait LimiterStore: Send + Sync + 'static {
    /// Admits a request (records it and returns zero) or changes nothing
    /// and returns how long to wait before trying again.
    fn acquire<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Duration>>;

    /// The ledger `limit.key` as it stands, without recording anything:
    /// the admission times and the store's clock, both in ms. `None` when
    /// the store cannot tell (the default), which makes
    /// [`Query::plan`](crate::Query::plan)'s expected wait unknown.
    fn snapshot<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Option<Snapshot>>> {
        let _ = limit;
        Box::pin(async { Ok(None) })
    }
}

/// A ledger as it stands (see [`LimiterStore::snapshot`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The store's clock, in ms.
    pub now_ms: u64,
    /// The admission times still in the ledger, ascending, in ms.
    pub log: Vec<u64>,
}

impl Snapshot {
    /// How long until `n` more requests have all been admitted under
    /// `windows`, if the ledger saw nothing else meanwhile; `None` when a
    /// window admits nothing at all.
    pub fn wait_for(&self, windows: &[Window], n: usize) -> Option<Duration> {
        if windows.iter().any(|w| w.max == 0) {
            return None;
        }
        let mut log: VecDeque<u64> = self.log.iter().copied().collect();
        let mut t = self.now_ms;
        for _ in 0..n {
            while let Err(wait) = admit(t, windows, &mut log) {
                t += wait;
            }
        }
        Some(Duration::from_millis(t - self.now_ms))
    }
}

/// The admission step on one ledger: `log` holds the admission times (ms,
/// ascending). Drops entries older than every window, then records `now`
/// and returns `Ok` if every window admits one more, else the wait in ms.
pub fn admit(
    now_ms: u64,
    windows: &[Window],
    log: &mut VecDeque<u64>,
) -> std::result::Result<(), u64> {
    let horizon = windows.iter().map(|w| w.ms).max().unwrap_or(0);
    while log.front().is_some_and(|&t| t + horizon <= now_ms) {
        log.pop_front();
    }
    let mut wait = 0u64;
    for w in windows {
        // Entries inside the window: the newest ones.
        let inside = log.iter().rev().take_while(|&&t| t + w.ms > now_ms).count();
        if inside >= w.max as usize {
            // The oldest entry that must leave the window first.
            let leaving = log[log.len() - inside + (inside - w.max as usize)];
            wait = wait.max(leaving + w.ms - now_ms);
        }
    }
    if wait > 0 {
        return Err(wait);
    }
    let at = log.back().map_or(now_ms, |&t| t.max(now_ms));
    log.push_back(at);
    Ok(())
}

/// The limiter a client uses: its account's ledger in a store, and the
/// windows of its limits.
#[derive(Clone)]
pub(crate) struct Limiter {
    pub(crate) store: Arc<dyn LimiterStore>,
    pub(crate) limit: Limit,
    /// What each of `limit.windows` is, in words (for waits).
    labels: Arc<[String]>,
}

/// Whether `host` is Space-Track's own.
pub(crate) fn is_space_track(host: Option<&str>) -> bool {
    host.is_some_and(|h| h == "space-track.org" || h.ends_with(".space-track.org"))
}

impl Limiter {
    /// `rates` for the account `identity` on `server`. Against Space-Track
    /// itself, its own limits are always added: configured rates can only
    /// make a client stricter.
    pub(crate) fn new(
        store: Arc<dyn LimiterStore>,
        rates: &[Rate],
        server: &url::Url,
        identity: &str,
    ) -> Result<Limiter> {
        let mut all: Vec<Rate> = rates.to_vec();
        if is_space_track(server.host_str()) {
            for d in [Rate::per_minute_default(), Rate::per_hour_default()] {
                if !all.iter().any(|r| r.at_most(&d)) {
                    all.push(d);
                }
            }
        }
        let (mut windows, mut labels) = (Vec::new(), Vec::new());
        for r in &all {
            windows.extend(r.windows()?);
            labels.extend(wait::labels(r));
        }
        let server = server.as_str().trim_end_matches('/');
        Ok(Limiter {
            store,
            limit: Limit {
                key: format!("spacetrack:{server}:{}", identity.to_lowercase()),
                windows,
            },
            labels: labels.into(),
        })
    }

    /// How long `n` more requests would wait under the ledger as it
    /// stands (`None`: the store cannot tell).
    pub(crate) async fn expected_wait(&self, n: usize) -> Result<Option<Duration>> {
        if self.limit.windows.is_empty() || n == 0 {
            return Ok(Some(Duration::ZERO));
        }
        Ok(self
            .store
            .snapshot(&self.limit)
            .await?
            .and_then(|s| s.wait_for(&self.limit.windows, n)))
    }

    /// Waits until every limit admits one request, and returns how long
    /// it waited. A wait over a second is said as it starts, with the
    /// limit that holds the request and whether other processes or
    /// machines filled it.
    pub(crate) async fn until_ready(&self, observer: Option<&WaitObserver>) -> Result<Duration> {
        if self.limit.windows.is_empty() {
            return Ok(Duration::ZERO);
        }
        let mut waited = Duration::ZERO;
        loop {
            let wait = self.store.acquire(&self.limit).await?;
            if wait.is_zero() {
                let horizon = self.limit.windows.iter().map(|w| w.ms).max();
                wait::note_own(&self.limit.key, Duration::from_millis(horizon.unwrap_or(0)));
                return Ok(waited);
            }
            let detail = match wait > wait::ANNOUNCED {
                true => self.detail().await,
                false => None,
            };
            notify(observer, wait, WaitReason::Limiter, detail.as_deref());
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// Which limit holds a request back, in words (`None`: the store
    /// cannot tell).
    async fn detail(&self) -> Option<String> {
        let snapshot = self.store.snapshot(&self.limit).await.ok()??;
        wait::detail(&snapshot, &self.limit.windows, &self.labels, |span| {
            wait::own_within(&self.limit.key, span)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(rates: &[Rate]) -> Limit {
        let url = url::Url::parse("http://127.0.0.1:1/").unwrap();
        Limiter::new(Arc::new(MemoryStore::new()), rates, &url, "t")
            .unwrap()
            .limit
    }

    /// The largest number of admissions in any window of `period` ms.
    fn max_in_window(admitted: &[u64], period: u64) -> usize {
        let mut max = 0;
        let mut j = 0;
        for i in 0..admitted.len() {
            while admitted[i] - admitted[j] >= period {
                j += 1;
            }
            max = max.max(i - j + 1);
        }
        max
    }

    /// Greedy clients at 1 ms resolution for `ms`, each with its own limits,
    /// all on one ledger; returns the admission times.
    fn drive(store: &MemoryStore, clients: &[Limit], ms: u64) -> Vec<u64> {
        let mut admitted = Vec::new();
        let mut next = vec![0u64; clients.len()];
        let mut now = 0u64;
        while now < ms {
            for (c, l) in clients.iter().enumerate() {
                if next[c] <= now {
                    match store.acquire_at(now, l) {
                        Ok(()) => {
                            admitted.push(now);
                            next[c] = now + 1 + (admitted.len() as u64 * 7919) % 400;
                        }
                        Err(wait) => next[c] = now + wait,
                    }
                }
            }
            now = *next.iter().min().unwrap();
        }
        admitted
    }

    #[test]
    fn defaults_never_reach_space_tracks_limits() {
        let l = limit(&[Rate::per_minute_default(), Rate::per_hour_default()]);
        let store = MemoryStore::default();
        let admitted = drive(&store, &[l], 2 * 3600 * 1000);
        assert!(max_in_window(&admitted, 60_000) < 30);
        assert!(max_in_window(&admitted, 3_600_000) < 300);
        // ... while still using most of the hourly budget.
        assert!(max_in_window(&admitted, 3_600_000) >= 250);
        // The burst is available at once.
        assert!(admitted.iter().take_while(|&&t| t < 3000).count() >= 5);
    }

    #[test]
    fn clients_with_different_limits_together_keep_the_loosest() {
        // Three clients of one account with different limits, one ledger.
        let store = MemoryStore::new();
        let clients = [
            limit(&[Rate::new(30, Duration::from_secs(60)).burst(5)]),
            limit(&[Rate::new(20, Duration::from_secs(60)).burst(19)]),
            limit(&[Rate::new(12, Duration::from_secs(60)).burst(2)]),
        ];
        let admitted = drive(&store, &clients, 10 * 60 * 1000);
        assert!(
            max_in_window(&admitted, 60_000) < 30,
            "{}",
            max_in_window(&admitted, 60_000)
        );
        // Control: one ledger per client lets them exceed it together.
        let apart: Vec<Vec<u64>> = clients
            .iter()
            .map(|c| drive(&MemoryStore::new(), std::slice::from_ref(c), 10 * 60 * 1000))
            .collect();
        let mut all: Vec<u64> = apart.concat();
        all.sort();
        assert!(max_in_window(&all, 60_000) >= 30);
    }

    #[test]
    fn space_tracks_limits_are_always_applied_to_space_track() {
        let url = url::Url::parse("https://www.space-track.org/").unwrap();
        let loose = Limiter::new(
            Arc::new(MemoryStore::new()),
            &[Rate::new(10_000, Duration::from_secs(1))],
            &url,
            "A@B",
        )
        .unwrap()
        .limit;
        let store = MemoryStore::new();
        let admitted = drive(&store, &[loose.clone()], 3 * 3600 * 1000);
        assert!(max_in_window(&admitted, 60_000) < 30);
        assert!(max_in_window(&admitted, 3_600_000) < 300);
        // The ledger is the account's: case of the identity does not matter.
        assert!(loose.key.ends_with(":a@b"));
    }

    #[test]
    fn a_refusal_changes_nothing() {
        let l = limit(&[Rate::new(10, Duration::from_secs(10)).burst(1)]);
        let store = MemoryStore::default();
        assert!(store.acquire_at(0, &l).is_ok());
        let w1 = store.acquire_at(1, &l).unwrap_err();
        let w2 = store.acquire_at(1, &l).unwrap_err();
        assert_eq!(w1, w2);
        assert!(store.acquire_at(1 + w1, &l).is_ok());
    }

    #[test]
    fn default_memory_store_keeps_admitting() {
        // `MemoryStore::default()` used to freeze its clock and hang.
        let l = limit(&[Rate::new(100, Duration::from_millis(200)).burst(50)]);
        let store = MemoryStore::default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let limiter = Limiter {
                store: Arc::new(store),
                limit: l,
                labels: Arc::from([]),
            };
            for _ in 0..300 {
                tokio::time::timeout(Duration::from_secs(5), limiter.until_ready(None))
                    .await
                    .expect("admitted in time")
                    .unwrap();
            }
        });
    }

    #[test]
    fn file_store_shares_one_ledger() {
        let dir = std::env::temp_dir().join(format!("spacetrack-filestore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let l = limit(&[Rate::new(5, Duration::from_secs(60)).burst(4)]);
        let (a, b) = (FileStore::new(&dir), FileStore::new(&dir));
        let mut admitted = 0;
        for i in 0..10 {
            let s = if i % 2 == 0 { &a } else { &b };
            if s.acquire_blocking(&l).unwrap().is_zero() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 4, "fewer than 5 per minute across both");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unsatisfiable_rates_are_config_errors() {
        assert!(Rate::new(1, Duration::from_secs(1)).windows().is_err());
        assert!(
            Rate::new(5, Duration::from_secs(1))
                .burst(5)
                .windows()
                .is_err()
        );
    }
}

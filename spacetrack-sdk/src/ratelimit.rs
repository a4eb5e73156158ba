//! Client-side rate limiting, so an account never exceeds Space-Track's
//! limits (fewer than 30 requests per minute and 300 per hour).
//!
//! The algorithm is GCRA (the generic cell rate algorithm): each limit keeps
//! one number, the theoretical arrival time (TAT) of the next request. It is
//! smooth (no window edge lets twice the limit through) and its whole state
//! is one integer per limit, which is what lets it be shared through a store
//! such as Redis.
//!
//! Why not the `governor` crate: governor implements the same algorithm but
//! keeps its state in process memory with no way to plug in a shared store;
//! many workers on one account must share one state, so the few lines of
//! GCRA live here, once, and run in memory ([`MemoryStore`]) or atomically
//! inside Redis (`RedisStore`, feature `redis`) with the same arithmetic.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, Result};

/// At most `count` requests in any window of `period`, allowing bursts of
/// up to `burst` requests.
///
/// The limiter admits strictly fewer than `count` requests in any window of
/// `period`: the sustained rate is `count - burst` per `period`, which
/// leaves room for the burst inside the same window.
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

    /// The GCRA parameters in milliseconds: (emission interval, tolerance).
    pub(crate) fn gcra(&self) -> Result<(u64, u64)> {
        if self.count < 2 || self.burst >= self.count {
            return Err(Error::Config(format!(
                "rate {} per {:?} with burst {} is not satisfiable (need count >= 2 and burst < count)",
                self.count, self.period, self.burst
            )));
        }
        // Strictly fewer than `count` in any window of `period`:
        // burst + floor((period - e) / T) <= count - 1 with T = period / (count - burst).
        // The period is stretched by a safety margin (1/60 of it, at least
        // 250 ms) so that jitter between admission here and arrival at the
        // server cannot push a window over the limit.
        let raw = self.period.as_millis() as u64;
        let period = raw + (raw / 60).max(250);
        let interval = period.div_ceil(u64::from(self.count - self.burst));
        let tolerance = interval * u64::from(self.burst - 1);
        Ok((interval, tolerance))
    }

    fn key(&self) -> String {
        format!("{}per{}ms", self.count, self.period.as_millis())
    }
}

/// One limit as a store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Store key, unique per account and rate.
    pub key: String,
    /// GCRA emission interval (ms).
    pub interval_ms: u64,
    /// GCRA tolerance (ms).
    pub tolerance_ms: u64,
}

/// A boxed future, so that stores can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where limiter state lives. Implementations must apply [`gcra`]
/// atomically across everything sharing the store.
pub trait LimiterStore: Send + Sync + 'static {
    /// Admits a request under every limit at once (then returns zero) or
    /// changes nothing and returns how long to wait before trying again.
    fn acquire<'a>(&'a self, limits: &'a [Limit]) -> BoxFuture<'a, Result<Duration>>;
}

/// The GCRA step for several limits: given each limit's stored TAT (ms),
/// returns `Ok(new TATs)` to store, or `Err(wait ms)`.
pub fn gcra(
    now_ms: u64,
    limits: &[Limit],
    tats: &[Option<u64>],
) -> std::result::Result<Vec<u64>, u64> {
    let mut wait = 0u64;
    let mut next = Vec::with_capacity(limits.len());
    for (limit, tat) in limits.iter().zip(tats) {
        let tat = tat.unwrap_or(now_ms).max(now_ms);
        let ahead = tat - now_ms;
        if ahead > limit.tolerance_ms {
            wait = wait.max(ahead - limit.tolerance_ms);
        }
        next.push(tat + limit.interval_ms);
    }
    if wait > 0 { Err(wait) } else { Ok(next) }
}

/// Limiter state in this process (the default).
#[derive(Debug, Default)]
pub struct MemoryStore {
    tats: Mutex<HashMap<String, u64>>,
    start: Option<Instant>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore {
            tats: Mutex::default(),
            start: Some(Instant::now()),
        }
    }

    /// Runs the algorithm at an explicit time (for tests and simulations).
    pub fn acquire_at(&self, now_ms: u64, limits: &[Limit]) -> std::result::Result<(), u64> {
        let mut tats = self.tats.lock().unwrap_or_else(|p| p.into_inner());
        let current: Vec<Option<u64>> = limits.iter().map(|l| tats.get(&l.key).copied()).collect();
        let next = gcra(now_ms, limits, &current)?;
        for (l, t) in limits.iter().zip(next) {
            tats.insert(l.key.clone(), t);
        }
        Ok(())
    }
}

impl LimiterStore for MemoryStore {
    fn acquire<'a>(&'a self, limits: &'a [Limit]) -> BoxFuture<'a, Result<Duration>> {
        // Monotonic time: immune to wall-clock jumps within one process.
        let now = self
            .start
            .map(|s| s.elapsed().as_millis() as u64)
            .unwrap_or(0);
        let r = match self.acquire_at(now, limits) {
            Ok(()) => Duration::ZERO,
            Err(ms) => Duration::from_millis(ms),
        };
        Box::pin(async move { Ok(r) })
    }
}

/// Limiter state in Redis, shared by every process and machine that uses
/// the same Redis and key prefix. The GCRA step runs as one Lua script, on
/// Redis's own clock, so it is atomic and immune to client clock skew.
#[cfg(feature = "redis")]
pub struct RedisStore {
    conn: redis::aio::MultiplexedConnection,
    prefix: String,
    script: redis::Script,
}

#[cfg(feature = "redis")]
const GCRA_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
local next = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  if tat - now > tolerance then
    wait = math.max(wait, tat - now - tolerance)
  end
  next[i] = tat + interval
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, next[i], 'PX', next[i] - now + 1000)
end
return 0
"#;

#[cfg(feature = "redis")]
impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/`); keys start with
    /// `prefix` (use one prefix per Space-Track account).
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore> {
        let client = redis::Client::open(url).map_err(|e| Error::Config(format!("redis: {e}")))?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| Error::Config(format!("redis: {e}")))?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_owned(),
            script: redis::Script::new(GCRA_LUA),
        })
    }
}

#[cfg(feature = "redis")]
impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl LimiterStore for RedisStore {
    fn acquire<'a>(&'a self, limits: &'a [Limit]) -> BoxFuture<'a, Result<Duration>> {
        Box::pin(async move {
            let mut inv = self.script.prepare_invoke();
            for l in limits {
                inv.key(format!("{}{}", self.prefix, l.key));
                inv.arg(l.interval_ms).arg(l.tolerance_ms);
            }
            let mut conn = self.conn.clone();
            let wait: u64 = inv
                .invoke_async(&mut conn)
                .await
                .map_err(|e| Error::Config(format!("redis limiter: {e}")))?;
            Ok(Duration::from_millis(wait))
        })
    }
}

/// A wait imposed by the limiter, reported to observers before sleeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// How long the request will wait.
    pub duration: Duration,
    /// When it will be tried again (wall clock).
    pub until: SystemTime,
    /// Why: the client-side limiter or a server-side violation.
    pub reason: WaitReason,
}

/// Why a request waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// The client-side limiter.
    Limiter,
    /// Space-Track reported a rate-limit violation.
    ServerRateLimit,
    /// A transient failure (connection, timeout, 502/503/504).
    Transient,
}

/// A callback for [`Wait`]s.
pub type WaitObserver = Arc<dyn Fn(&Wait) + Send + Sync>;

/// The limiter a client uses: limits plus a store.
#[derive(Clone)]
pub(crate) struct Limiter {
    pub(crate) store: Arc<dyn LimiterStore>,
    pub(crate) limits: Vec<Limit>,
}

impl Limiter {
    pub(crate) fn new(
        store: Arc<dyn LimiterStore>,
        rates: &[Rate],
        account: &str,
    ) -> Result<Limiter> {
        let mut limits = Vec::with_capacity(rates.len());
        for r in rates {
            let (interval_ms, tolerance_ms) = r.gcra()?;
            limits.push(Limit {
                key: format!("spacetrack:{account}:{}", r.key()),
                interval_ms,
                tolerance_ms,
            });
        }
        Ok(Limiter { store, limits })
    }

    /// Waits until every limit admits one request.
    pub(crate) async fn until_ready(&self, observer: Option<&WaitObserver>) -> Result<()> {
        if self.limits.is_empty() {
            return Ok(());
        }
        loop {
            let wait = self.store.acquire(&self.limits).await?;
            if wait.is_zero() {
                return Ok(());
            }
            notify(observer, wait, WaitReason::Limiter);
            tokio::time::sleep(wait).await;
        }
    }
}

pub(crate) fn notify(observer: Option<&WaitObserver>, duration: Duration, reason: WaitReason) {
    let w = Wait {
        duration,
        until: SystemTime::now() + duration,
        reason,
    };
    tracing::info!(wait_ms = duration.as_millis() as u64, reason = ?reason, "waiting before the next Space-Track request");
    if let Some(o) = observer {
        o(&w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rates: &[Rate]) -> Vec<Limit> {
        Limiter::new(Arc::new(MemoryStore::new()), rates, "t")
            .unwrap()
            .limits
    }

    /// Drives the limiter with greedy clients at 1 ms resolution and checks
    /// every window of each limit's length.
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

    #[test]
    fn defaults_never_reach_space_tracks_limits() {
        let l = limits(&[Rate::per_minute_default(), Rate::per_hour_default()]);
        let store = MemoryStore::default();
        let mut admitted = Vec::new();
        let mut now = 0u64;
        // Two simulated hours of a client that asks as often as allowed,
        // with irregular gaps.
        while now < 2 * 3600 * 1000 {
            match store.acquire_at(now, &l) {
                Ok(()) => {
                    admitted.push(now);
                    now += 1 + (admitted.len() as u64 * 7919) % 400;
                }
                Err(wait) => now += wait,
            }
        }
        assert!(
            max_in_window(&admitted, 60_000) < 30,
            "{}",
            max_in_window(&admitted, 60_000)
        );
        assert!(max_in_window(&admitted, 3_600_000) < 300);
        // ... while still using most of the hourly budget.
        assert!(max_in_window(&admitted, 3_600_000) >= 250);
        // The burst is available at once.
        assert!(admitted.iter().take_while(|&&t| t < 3000).count() >= 5);
    }

    #[test]
    fn a_refusal_changes_nothing() {
        let l = limits(&[Rate::new(10, Duration::from_secs(10)).burst(1)]);
        let store = MemoryStore::default();
        assert!(store.acquire_at(0, &l).is_ok());
        let w1 = store.acquire_at(1, &l).unwrap_err();
        let w2 = store.acquire_at(1, &l).unwrap_err();
        assert_eq!(w1, w2);
        assert!(store.acquire_at(1 + w1, &l).is_ok());
    }

    #[test]
    fn unsatisfiable_rates_are_config_errors() {
        assert!(Rate::new(1, Duration::from_secs(1)).gcra().is_err());
        assert!(
            Rate::new(5, Duration::from_secs(1))
                .burst(5)
                .gcra()
                .is_err()
        );
    }
}

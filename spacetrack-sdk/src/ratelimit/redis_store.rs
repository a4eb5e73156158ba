//! The ledger in Redis, shared by every machine that uses it.

use std::time::Duration;

use super::{BoxFuture, Limit, LimiterStore, Snapshot};
use crate::error::{Error, Result};

/// Limiter state in Redis, shared by every process and machine that uses
/// the same Redis and key prefix. The admission step runs as one Lua script
/// on Redis's own clock, so it is atomic and immune to client clock skew.
/// The connection is re-established by itself after Redis restarts
/// (`redis::aio::ConnectionManager`); while Redis is unreachable every
/// acquisition fails with [`Error::Store`] (fail closed: nothing is sent).
pub struct RedisStore {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    script: redis::Script,
}

const ADMIT_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]
local horizon = 0
for i = 1, #ARGV, 2 do horizon = math.max(horizon, tonumber(ARGV[i + 1])) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - horizon)
local wait = 0
for i = 1, #ARGV, 2 do
  local max = tonumber(ARGV[i])
  local ms = tonumber(ARGV[i + 1])
  local inside = redis.call('ZCOUNT', key, '(' .. (now - ms), '+inf')
  if inside >= max then
    local leaving = redis.call('ZRANGEBYSCORE', key, '(' .. (now - ms), '+inf', 'WITHSCORES', 'LIMIT', inside - max, 1)
    wait = math.max(wait, tonumber(leaving[2]) + ms - now)
  end
end
if wait > 0 then return wait end
local seq = redis.call('INCR', key .. ':seq')
redis.call('ZADD', key, now, now .. ':' .. seq)
redis.call('PEXPIRE', key, horizon + 1000)
redis.call('PEXPIRE', key .. ':seq', horizon + 1000)
return 0
"#;

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/`); keys start with
    /// `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore> {
        let client = redis::Client::open(url).map_err(|e| Error::Store(format!("redis: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| Error::Store(format!("redis: {e}")))?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_owned(),
            script: redis::Script::new(ADMIT_LUA),
        })
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl LimiterStore for RedisStore {
    fn acquire<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Duration>> {
        Box::pin(async move {
            let mut inv = self.script.prepare_invoke();
            inv.key(format!("{}{}", self.prefix, limit.key));
            for w in &limit.windows {
                inv.arg(w.max).arg(w.ms);
            }
            let mut conn = self.conn.clone();
            let wait: u64 = inv
                .invoke_async(&mut conn)
                .await
                .map_err(|e| Error::Store(format!("redis limiter: {e}")))?;
            Ok(Duration::from_millis(wait))
        })
    }

    fn snapshot<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Option<Snapshot>>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let err = |e: redis::RedisError| Error::Store(format!("redis limiter: {e}"));
            let (secs, micros): (u64, u64) = redis::cmd("TIME")
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            let scored: Vec<(String, f64)> = redis::cmd("ZRANGEBYSCORE")
                .arg(format!("{}{}", self.prefix, limit.key))
                .arg("-inf")
                .arg("+inf")
                .arg("WITHSCORES")
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            Ok(Some(Snapshot {
                now_ms: secs * 1000 + micros / 1000,
                log: scored.into_iter().map(|(_, t)| t as u64).collect(),
            }))
        })
    }
}

//! The answer cache: a repeated identical query, within its class's
//! cadence, is answered from disk instead of being sent.
//!
//! One file per request (server, account and path: format included), named
//! by a hash of that key and holding the key on its first line, so that a
//! hash collision is a miss, never another query's answer. Files are
//! owner-only and replaced whole (written beside, then renamed), so a
//! reader never sees half an answer. Only successful, classified answers
//! (data, never an error body or a web page) are kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use super::ledger::now_ms;

/// What the first line of a cached file holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    key: String,
    fetched_at_ms: u64,
}

/// The cache folder.
#[derive(Debug, Clone)]
pub(crate) struct AnswerCache {
    dir: PathBuf,
}

/// A cached answer.
pub(crate) struct Hit {
    pub(crate) body: Bytes,
    pub(crate) age: Duration,
}

impl AnswerCache {
    pub(crate) fn new(dir: PathBuf) -> AnswerCache {
        AnswerCache { dir }
    }

    fn file(&self, key: &str) -> PathBuf {
        // FNV-1a, 64 bits, twice with different offsets: 128 bits of name.
        let fnv = |offset: u64| {
            key.bytes().fold(offset, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })
        };
        self.dir.join(format!(
            "{:016x}{:016x}.answer",
            fnv(0xcbf2_9ce4_8422_2325),
            fnv(0x8422_2325_cbf2_9ce4)
        ))
    }

    /// The answer to `key` if it was fetched less than `fresh` ago.
    pub(crate) fn get(&self, key: &str, fresh: Duration) -> Option<Hit> {
        let path = self.file(key);
        let data = std::fs::read(&path).ok()?;
        let nl = memchr::memchr(b'\n', &data)?;
        let header: Header = serde_json::from_slice(&data[..nl]).ok()?;
        if header.key != key {
            return None;
        }
        let age = Duration::from_millis(now_ms().saturating_sub(header.fetched_at_ms));
        if age >= fresh {
            return None;
        }
        let body = Bytes::from(data).slice(nl + 1..);
        Some(Hit { body, age })
    }

    /// Keeps `body` as the answer to `key`, fetched now. A failure to write
    /// is logged, not returned: the answer itself is good.
    pub(crate) fn put(&self, key: &str, body: &[u8]) {
        if let Err(e) = self.write(key, body) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "answer cache not written");
        }
    }

    fn write(&self, key: &str, body: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        crate::ratelimit::create_private_dir(&self.dir)?;
        let path = self.file(key);
        let header = serde_json::to_vec(&Header {
            key: key.to_owned(),
            fetched_at_ms: now_ms(),
        })
        .map_err(std::io::Error::other)?;
        let tmp = temp_beside(&path);
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let result = (|| {
            let mut f = open.open(&tmp)?;
            f.write_all(&header)?;
            f.write_all(b"\n")?;
            f.write_all(body)?;
            f.sync_data()?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

fn temp_beside(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    path.with_extension(format!("tmp.{}.{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_freshness() {
        let dir = std::env::temp_dir().join(format!("st-cache-unit-{}", std::process::id()));
        let c = AnswerCache::new(dir.clone());
        assert!(c.get("k", Duration::from_secs(60)).is_none());
        c.put("k", b"[{\"A\":\"1\"}]\nsecond line");
        let hit = c.get("k", Duration::from_secs(60)).unwrap();
        assert_eq!(&hit.body[..], b"[{\"A\":\"1\"}]\nsecond line");
        assert!(c.get("k", Duration::ZERO).is_none(), "stale");
        assert!(c.get("other", Duration::from_secs(60)).is_none());
        // A file whose key differs (a collision) is a miss.
        std::fs::write(c.file("z"), b"{\"key\":\"y\",\"fetched_at_ms\":0}\n[]").unwrap();
        assert!(c.get("z", Duration::MAX).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(c.file("k")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

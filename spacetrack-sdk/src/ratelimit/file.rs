//! The ledger in files that every process of a machine shares.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{BoxFuture, Limit, LimiterStore, Snapshot, admit};
use crate::error::{Error, Result};

/// Limiter state in files, one per account, under a folder: every process
/// of the machine that uses the same folder shares the account's ledger.
/// Each admission holds an exclusive lock on the account's file (std
/// `File::lock`) while it reads, checks and rewrites the log, and uses the
/// wall clock, which processes share. The command line uses one in the
/// user's cache folder, so a shell loop of `spacetrack query` cannot exceed
/// the minute limit.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created, owner-only, when first used).
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    /// `<cache>/spacetrack-rs/limits`, or `None` when the system has no
    /// cache folder.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("spacetrack-rs").join("limits"))
    }

    fn path(&self, key: &str) -> PathBuf {
        // A stable name that cannot leave the folder: FNV-1a of the key.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        self.dir.join(format!("{h:016x}.log"))
    }

    fn snapshot_blocking(&self, limit: &Limit) -> Result<Snapshot> {
        let io = |e: std::io::Error| Error::Store(format!("{}: {e}", self.dir.display()));
        let text = match std::fs::read_to_string(self.path(&limit.key)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let mut lines = text.lines();
        let log = match lines.next() {
            Some(first) if first == limit.key => lines.filter_map(|l| l.parse().ok()).collect(),
            _ => Vec::new(),
        };
        let now_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Ok(Snapshot { now_ms, log })
    }

    pub(super) fn acquire_blocking(&self, limit: &Limit) -> Result<Duration> {
        use std::io::{Read, Seek, Write};
        let io = |e: std::io::Error| Error::Store(format!("{}: {e}", self.dir.display()));
        create_private_dir(&self.dir).map_err(io)?;
        let path = self.path(&limit.key);
        let mut open = std::fs::OpenOptions::new();
        open.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let mut file = open.open(&path).map_err(io)?;
        file.lock().map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        // The first line names the ledger (a hash collision must not mix two).
        let mut lines = text.lines();
        let mut log: VecDeque<u64> = match lines.next() {
            Some(first) if first == limit.key => lines.filter_map(|l| l.parse().ok()).collect(),
            _ => VecDeque::new(),
        };
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let result = admit(now, &limit.windows, &mut log);
        let mut out = String::with_capacity(limit.key.len() + log.len() * 14 + 1);
        out.push_str(&limit.key);
        out.push('\n');
        for t in &log {
            out.push_str(&t.to_string());
            out.push('\n');
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(out.as_bytes()).map_err(io)?;
        // The lock is released when the file closes.
        Ok(match result {
            Ok(()) => Duration::ZERO,
            Err(ms) => Duration::from_millis(ms),
        })
    }
}

pub(crate) fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

impl LimiterStore for FileStore {
    fn acquire<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Duration>> {
        let store = self.clone();
        let limit = limit.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || store.acquire_blocking(&limit))
                .await
                .map_err(|e| Error::Store(format!("file store task failed: {e}")))?
        })
    }

    fn snapshot<'a>(&'a self, limit: &'a Limit) -> BoxFuture<'a, Result<Option<Snapshot>>> {
        let store = self.clone();
        let limit = limit.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || store.snapshot_blocking(&limit).map(Some))
                .await
                .map_err(|e| Error::Store(format!("file store task failed: {e}")))?
        })
    }
}

//! The ledger of recent queries the rules look back over: in memory,
//! shared by a client's clones, and optionally in a file that every
//! process of the account shares (the command line keeps one in its cache
//! folder, so that a shell loop is seen as one user).
//!
//! The file is advisory (it only decides warnings), so a lost update
//! between two processes is harmless; it is still written under an
//! exclusive lock and replaced whole.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{Guidance, Shape};

/// One query sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) class: String,
    pub(crate) single: bool,
    /// When it was sent (ms since the Unix epoch: processes share it).
    pub(crate) at_ms: u64,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Recent queries, oldest first.
#[derive(Default)]
pub(crate) struct Ledger {
    entries: Mutex<Vec<Entry>>,
    file: Option<PathBuf>,
}

impl Ledger {
    /// A ledger kept in `file` as well as in memory.
    pub(crate) fn in_file(file: PathBuf) -> Ledger {
        Ledger {
            entries: Mutex::default(),
            file: Some(file),
        }
    }

    /// The in-memory ledger of the account `key` (its limiter's ledger
    /// key): one per account in the process, however each client was
    /// built.
    pub(crate) fn shared(key: &str) -> Arc<Ledger> {
        static ALL: OnceLock<Mutex<HashMap<String, Arc<Ledger>>>> = OnceLock::new();
        let mut all = ALL
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        all.entry(key.to_owned()).or_default().clone()
    }

    /// The entries still inside the guidance's horizon.
    pub(crate) fn recent(&self, g: &Guidance) -> Vec<Entry> {
        let cutoff = now_ms().saturating_sub(g.horizon().as_millis() as u64);
        if let Some(file) = &self.file {
            if let Ok(mut from_file) = read(file) {
                from_file.retain(|e| e.at_ms > cutoff);
                return from_file;
            }
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|e| e.at_ms > cutoff);
        entries.clone()
    }

    /// Records a query sent now.
    pub(crate) fn record(&self, shape: &Shape, g: &Guidance) {
        let entry = Entry {
            key: shape.key.clone(),
            class: shape.class.clone(),
            single: shape.single,
            at_ms: now_ms(),
        };
        let cutoff = entry.at_ms.saturating_sub(g.horizon().as_millis() as u64);
        {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.retain(|e| e.at_ms > cutoff);
            entries.push(entry.clone());
        }
        if let Some(file) = &self.file {
            if let Err(e) = append(file, entry, cutoff) {
                tracing::debug!(file = %file.display(), error = %e, "guidance ledger not written");
            }
        }
    }
}

fn read(file: &std::path::Path) -> std::io::Result<Vec<Entry>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // A line that does not parse (a torn write, an older format) is skipped.
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

fn append(file: &std::path::Path, entry: Entry, cutoff: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, Write};
    if let Some(dir) = file.parent() {
        crate::ratelimit::create_private_dir(dir)?;
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut f = open.open(file)?;
    f.lock()?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let mut out = String::with_capacity(text.len() + 128);
    for line in text.lines() {
        let keep = serde_json::from_str::<Entry>(line).is_ok_and(|e| e.at_ms > cutoff);
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&serde_json::to_string(&entry).map_err(std::io::Error::other)?);
    out.push('\n');
    f.set_len(0)?;
    f.rewind()?;
    f.write_all(out.as_bytes())
}

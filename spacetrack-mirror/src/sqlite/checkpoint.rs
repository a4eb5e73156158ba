//! WAL checkpoints on a thread of their own.
//!
//! A checkpoint copies the write-ahead log into the database file and waits
//! for the disk twice (the log, then the file). SQLite's automatic
//! checkpoint runs it inside the commit that crossed the threshold, on the
//! writer's thread: a bulk load (gp_history's windows, a first sync) then
//! stops every 32 MiB to wait for the disk. Here the writer only notes the
//! log's size after each commit ([`Checkpoints::after_commit`]); past
//! [`BACKGROUND_PAGES`] a thread with its own connection runs a passive
//! checkpoint (one that never blocks the writer or readers) while the writer
//! goes on. The same checkpoints, the same waits for the disk, the same
//! durability: only no longer on the writer's path.
//!
//! Measured (BENCHMARKS §7, paired rounds): a gp_history sync of 200,000
//! rows took 0.86x the time. (`synchronous = OFF`, which skips the waits
//! for the disk altogether and is not safe against a power cut, took about
//! 0.8x in single runs: the waits were most of what the writer lost.)
//!
//! The log is still bounded: a writer that finds it past
//! [`FOREGROUND_PAGES`] (the thread fell behind: a checkpoint that ends
//! while the writer has committed more leaves the log to grow) waits for
//! the thread's checkpoint to end, checkpoints the rest itself, as SQLite's
//! automatic checkpoint would, and its next transaction starts the log
//! over.

use std::cell::Cell;
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::hooks::Wal;
use rusqlite::{Connection, OpenFlags};

/// Pages in the log (4 KiB each) past which the thread checkpoints: 32 MiB.
pub(super) const BACKGROUND_PAGES: i32 = 8192;
/// Pages past which the writer checkpoints itself: 128 MiB.
pub(super) const FOREGROUND_PAGES: i32 = 4 * BACKGROUND_PAGES;

thread_local! {
    /// The log's size in pages after the last commit on this thread, from
    /// SQLite's WAL hook (a plain function: it cannot hold a reference to
    /// its connection's state). The commit and the check that reads it run
    /// on the same thread in the same call (`Backend::apply`, `migrate`,
    /// `rebuild`).
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn note_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(pages));
    Ok(())
}

/// The checkpoint policy of one writer connection.
pub(super) struct Checkpoints {
    path: PathBuf,
    background: i32,
    foreground: i32,
    /// Held by whoever checkpoints, the thread or the writer: a second
    /// checkpoint would only find the first one's lock and give up.
    turn: Arc<Mutex<()>>,
    worker: Option<Worker>,
}

struct Worker {
    wake: Option<SyncSender<()>>,
    done: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpoints {
    /// Takes over `conn`'s checkpoints (its automatic checkpoint is
    /// replaced by the WAL hook).
    pub(super) fn install(conn: &Connection, path: &Path) -> Checkpoints {
        conn.wal_hook(Some(note_pages));
        Checkpoints {
            // The thread opens the file later: wherever the working folder
            // is by then.
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            background: BACKGROUND_PAGES,
            foreground: FOREGROUND_PAGES,
            turn: Arc::new(Mutex::new(())),
            worker: None,
        }
    }

    /// Other thresholds (tests).
    #[cfg(test)]
    pub(super) fn with_thresholds(mut self, background: i32, foreground: i32) -> Self {
        self.background = background;
        self.foreground = foreground;
        self
    }

    /// After a commit on this thread (the writes of a sync, a migration):
    /// wakes the checkpoint thread when the log has passed the threshold,
    /// or checkpoints here when it has passed the bound. (A size left by
    /// another connection's commit on this thread, when this commit wrote
    /// nothing, can only bring a checkpoint forward, never skip one.)
    pub(super) fn after_commit(&mut self, conn: &Connection) {
        let pages = WAL_PAGES.with(|p| p.replace(0));
        if pages >= self.foreground {
            // After the thread's checkpoint, if one runs. One that cannot
            // finish now (a reader on an old snapshot) is tried again at
            // the next commit; an error here never fails the batch, which
            // is committed.
            let _turn = self.turn.lock();
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::debug!(error = %e, "checkpoint on the writer failed");
            }
        } else if pages >= self.background {
            self.worker().wake();
        }
    }

    /// Checkpoints the thread has run.
    #[cfg(test)]
    pub(super) fn background_runs(&self) -> u64 {
        self.worker
            .as_ref()
            .map_or(0, |w| w.done.load(Ordering::SeqCst))
    }

    fn worker(&mut self) -> &Worker {
        let (path, turn) = (&self.path, &self.turn);
        self.worker
            .get_or_insert_with(|| Worker::start(path, turn.clone()))
    }
}

impl Worker {
    fn start(path: &Path, turn: Arc<Mutex<()>>) -> Worker {
        // One pending wake is enough: the checkpoint that runs next takes
        // the whole log as it then is.
        let (wake, rx) = sync_channel(1);
        let done = Arc::new(AtomicU64::new(0));
        let counter = done.clone();
        let path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&path, &rx, &counter, &turn))
            .ok();
        Worker {
            wake: Some(wake),
            done,
            thread,
        }
    }

    fn wake(&self) {
        if let Some(wake) = &self.wake {
            match wake.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                // The thread could not open the file and ended: the
                // writer's own bound still holds the log.
                Err(TrySendError::Disconnected(())) => {}
            }
        }
    }
}

fn run(path: &Path, rx: &Receiver<()>, done: &AtomicU64, turn: &Mutex<()>) {
    // The writer's file, never a new one (a file moved or removed since).
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "checkpoint thread: the file did not open");
            return;
        }
    };
    // As the writer: a checkpoint syncs the log, then the file.
    let _ = conn.busy_timeout(Duration::from_secs(5));
    let _ = conn.pragma_update(None, "synchronous", "NORMAL");
    let _ = conn.pragma_update(None, "journal_size_limit", 64 << 20);
    while rx.recv().is_ok() {
        let _turn = turn.lock();
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            Ok(()) => {
                done.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => tracing::debug!(error = %e, "background checkpoint failed"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the checkpoint it runs
        // (and one more, when a wake was waiting); it is joined so that the
        // writer's connection is the last to close (and checkpoints what is
        // left of the log).
        drop(self.wake.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        tracing::debug!(
            checkpoints = self.done.load(Ordering::SeqCst),
            "checkpoint thread ended"
        );
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A folder of its own for a database, removed at the end.
    pub(in crate::sqlite) struct Scratch(pub(crate) PathBuf);

    impl Scratch {
        pub(in crate::sqlite) fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "spacetrack-mirror-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        pub(in crate::sqlite) fn db(&self) -> PathBuf {
            self.0.join("m.db")
        }

        /// The log file's size in bytes.
        pub(in crate::sqlite) fn wal_len(&self) -> u64 {
            std::fs::metadata(self.0.join("m.db-wal")).map_or(0, |m| m.len())
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn writer(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
            .unwrap();
        conn
    }

    /// Commits `n` transactions of 64 rows of 1 KiB (about 17 pages each).
    fn commit_batches(conn: &Connection, ck: &mut Checkpoints, n: i64) {
        let v = "x".repeat(1024);
        for b in 0..n {
            let tx = conn.unchecked_transaction().unwrap();
            for i in 0..64 {
                tx.execute("INSERT INTO t VALUES (?1, ?2)", (b * 64 + i, &v))
                    .unwrap();
            }
            tx.commit().unwrap();
            ck.after_commit(conn);
        }
    }

    fn rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    /// The log file never grew far past a bound of 64 pages (256 KiB).
    fn assert_log_bounded(dir: &Scratch) {
        assert!(
            dir.wal_len() < 1 << 20,
            "the log grew to {} bytes",
            dir.wal_len()
        );
    }

    fn checkpointed_frames(path: &Path) -> (i64, i64) {
        // A passive checkpoint of what is left reports the log's frames
        // and how many of them are in the file.
        let c = Connection::open(path).unwrap();
        c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(1)?, r.get(2)?))
        })
        .unwrap()
    }

    #[test]
    fn the_thread_checkpoints_past_the_threshold() {
        let dir = Scratch::new("ckpt-thread");
        let conn = writer(&dir.db());
        let mut ck = Checkpoints::install(&conn, &dir.db()).with_thresholds(64, i32::MAX);
        commit_batches(&conn, &mut ck, 40);
        // Wait for the thread (it is woken, not waited for).
        let waited = std::time::Instant::now();
        while ck.background_runs() == 0 && waited.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(ck.background_runs() > 0, "the thread never checkpointed");
        drop(ck);
        assert_eq!(rows(&conn), 40 * 64);
    }

    #[test]
    fn without_the_thread_the_writer_bounds_the_log_itself() {
        let dir = Scratch::new("ckpt-bound");
        let conn = writer(&dir.db());
        // The thread never woken: the bound of 64 pages is the writer's.
        let mut ck = Checkpoints::install(&conn, &dir.db()).with_thresholds(i32::MAX, 64);
        commit_batches(&conn, &mut ck, 200);
        assert_eq!(ck.background_runs(), 0);
        // 200 batches of ~17 pages: 13 MiB of log unbounded; the log
        // starts over after each checkpoint, so it stays near the bound.
        assert_log_bounded(&dir);
        let (log, done) = checkpointed_frames(&dir.db());
        assert!(log < 128, "{log} frames in the log");
        assert!(done <= log);
    }

    #[test]
    fn with_the_thread_running_the_log_stays_bounded() {
        // The thread woken every 16 pages, the writer's bound at 64: the
        // writer waits for the thread's checkpoint (never gives up on its
        // lock), so the log starts over near the bound.
        let dir = Scratch::new("ckpt-both");
        let conn = writer(&dir.db());
        let mut ck = Checkpoints::install(&conn, &dir.db()).with_thresholds(16, 64);
        commit_batches(&conn, &mut ck, 400);
        assert_log_bounded(&dir);
        drop(ck);
        assert_eq!(rows(&conn), 400 * 64);
    }

    #[test]
    fn the_hook_replaces_sqlites_automatic_checkpoint() {
        // What the tests above rely on: once installed, nothing but
        // `after_commit` checkpoints (SQLite's own checkpoint, every 1,000
        // pages by default, would have bounded this log at 4 MiB).
        let dir = Scratch::new("ckpt-none");
        let conn = writer(&dir.db());
        let mut never = Checkpoints::install(&conn, &dir.db()).with_thresholds(i32::MAX, i32::MAX);
        commit_batches(&conn, &mut never, 400);
        assert!(
            dir.wal_len() > 16 << 20,
            "the log was checkpointed: {} bytes",
            dir.wal_len()
        );
    }
}

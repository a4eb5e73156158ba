//! What the library says through `tracing`, captured for a test to read.

use std::sync::{Arc, Mutex};

use tracing::Level;
use tracing::subscriber::DefaultGuard;

/// A `tracing` writer that keeps the text it is given, and wakes a waiter
/// for each line.
#[derive(Clone, Default)]
pub struct Logs {
    text: Arc<Mutex<Vec<u8>>>,
    written: Arc<tokio::sync::Notify>,
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.lock().unwrap().extend_from_slice(buf);
        self.written.notify_one();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Captures this thread's events at `level` and above until the guard
    /// drops: under a current-thread runtime the client runs here, and
    /// other tests' events cannot leak in. A test that must see an event
    /// is best alone in its binary: tracing can cache a callsite as
    /// uninteresting when another thread registers it while this
    /// subscriber is being set.
    pub fn on_this_thread(level: Level) -> (Logs, DefaultGuard) {
        let logs = Logs::default();
        let guard = tracing::subscriber::set_default(logs.subscriber(level));
        // Tests running beside this one may have registered the library's
        // callsites while no subscriber of this thread existed, and tracing
        // can keep the interest it cached then; ask again now.
        tracing::callsite::rebuild_interest_cache();
        (logs, guard)
    }

    /// Captures every thread's events at `level` and above for the rest of
    /// the process (a test binary of its own), the `log` crate's records
    /// included (what reqwest says).
    pub fn everywhere(level: Level) -> Logs {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("first subscriber in this binary");
        logs
    }

    fn subscriber(&self, level: Level) -> impl tracing::Subscriber + Send + Sync + use<> {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap()).into_owned()
    }

    /// The lines written so far that hold `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }

    /// The first line holding `needle`, once one is written.
    pub async fn line_with(&self, needle: &str) -> String {
        loop {
            let written = self.written.notified();
            if let Some(line) = self.lines_with(needle).into_iter().next() {
                return line;
            }
            written.await;
        }
    }
}

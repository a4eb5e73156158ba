//! The classes of one sync, run as tasks a few at a time: one class's
//! answer decodes and is compared on one core while another's rows are
//! written or its request waits for Space-Track. Every request goes through
//! the client's account limiter, so running classes together never sends
//! more per minute or hour than running them one after another; the
//! database takes one batch at a time.
//!
//! Measured (BENCHMARKS §7): a first sync of 30,000 objects took 0.80x the
//! time of the same build syncing one class after another.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use tokio::task::JoinSet;

use super::options::{ClassReport, Outcome, SyncOptions, SyncReport};
use super::run::{Run, give_back};
use crate::tables::TableDef;
use crate::{Error, Mirror, Result};

/// Classes run at once unless [`SyncOptions::classes_at_once`] says.
const DEFAULT_AT_ONCE: usize = 2;

/// Syncs `tables`, reported in their order.
pub(crate) async fn classes(
    mirror: &Mirror,
    client: &spacetrack::Client,
    opts: &SyncOptions,
    tables: &[&'static TableDef],
    now: NaiveDateTime,
) -> Result<SyncReport> {
    let shared = Arc::new((mirror.clone(), client.clone(), opts.clone(), crate::owner()));
    let at_once = opts.classes_at_once.unwrap_or(DEFAULT_AT_ONCE);
    // Dropped with this future (an error that stops the sync, Ctrl-C): the
    // tasks still running are aborted, which the runtime carries out
    // later, so their leases are given back here, now.
    let mut running = Running {
        tasks: JoinSet::new(),
        classes: Vec::new(),
        shared: shared.clone(),
        stopped: Arc::new(AtomicBool::new(false)),
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; tables.len()];
    let mut next = 0;
    loop {
        while next < tables.len() && running.tasks.len() < at_once {
            let (i, t, shared) = (next, tables[next], shared.clone());
            let stopped = running.stopped.clone();
            running.classes.push(t.class);
            running.tasks.spawn(async move {
                let (mirror, client, opts, owner) = &*shared;
                let run = Run {
                    mirror,
                    client,
                    owner: owner.clone(),
                    now,
                    opts,
                    stopped,
                };
                (i, run.class(t).await)
            });
            next += 1;
        }
        let Some(joined) = running.tasks.join_next().await else {
            break;
        };
        let (i, result) = joined.map_err(|e| Error::Task(e.to_string()))?;
        running.classes.retain(|c| *c != tables[i].class);
        outcomes[i] = Some(match result {
            Ok(o) => o,
            Err(e) if super::stops_the_sync(&e) => return Err(e),
            Err(e) => Outcome::Failed(Arc::new(e)),
        });
    }
    let mut report = SyncReport::default();
    for (t, outcome) in tables.iter().zip(outcomes) {
        if let Some(outcome) = outcome {
            report.classes.push(ClassReport {
                class: t.class.to_owned(),
                outcome,
            });
        }
    }
    Ok(report)
}

/// The classes' tasks, and the classes still running.
struct Running {
    tasks: JoinSet<(usize, Result<Outcome>)>,
    classes: Vec<&'static str>,
    /// The mirror, client, options and lease owner every task shares.
    shared: Arc<(Mirror, spacetrack::Client, SyncOptions, String)>,
    /// Set before the leases are given back: a task's call to take its
    /// lease that is still waiting for the database then takes none
    /// (`Run::lease`).
    stopped: Arc<AtomicBool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.tasks.abort_all();
        if !self.classes.is_empty() {
            let (mirror, _, _, owner) = &*self.shared;
            give_back(mirror, &self.classes, owner, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stopped_sync_takes_no_lease() {
        // A class whose call to take its lease reaches the database after
        // its sync was dropped (and the leases given back) takes none.
        let dir = std::env::temp_dir().join(format!("mirror-stopped-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mirror = Mirror::open(dir.join("m.db").to_str().unwrap())
            .await
            .unwrap();
        // Never asked: the class stops before its first request.
        let client = spacetrack::Client::builder()
            .identity("nobody@example.org")
            .password("unused")
            .base_url("http://127.0.0.1:9/")
            .allow_http(true)
            .retry(spacetrack::RetryPolicy::none())
            .modeldef_cache_dir(None)
            .build()
            .unwrap();
        let opts = SyncOptions::new().force(true);
        let t = crate::tables::table("launch_site").unwrap();
        let run = |stopped: bool| Run {
            mirror: &mirror,
            client: &client,
            owner: "me".into(),
            now: chrono::Utc::now().naive_utc(),
            opts: &opts,
            stopped: Arc::new(AtomicBool::new(stopped)),
        };
        let err = run(true).class(t).await.unwrap_err();
        assert!(err.to_string().contains("stopped"), "{err}");
        let state = mirror.with(move |b| b.state(t.class)).await.unwrap();
        assert_eq!(state.lease, None);
        // Not stopped, the same call takes it (and fails later, at the
        // unreachable server, giving it back).
        let err = run(false).class(t).await.unwrap_err();
        assert!(!err.to_string().contains("stopped"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

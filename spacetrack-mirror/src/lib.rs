//! An incremental, polite local copy of Space-Track in a database.
//!
//! [`Mirror`] keeps gp, satcat, decay, tip, cdm_public, boxscore and
//! launch_site, and on request gp_history for a date range, one table per
//! class with the columns of the schemas the `spacetrack` crate is
//! generated from (the generator writes the SQL too), the columns a schema
//! lacks kept as JSON in `_unknown`, `_synced_at` and `_removed_at`.
//!
//! - **Incremental**: each class asks for the least Space-Track allows
//!   (new GP_IDs, messages since the newest seen); a sync with nothing new
//!   changes nothing; decayed objects are marked (gp's `DECAY_DATE`), gp,
//!   satcat, boxscore and launch_site rows that leave Space-Track get
//!   `_removed_at`, nothing is dropped (message classes are an archive of
//!   every message seen); gp equals Space-Track's current gp answer after
//!   every sync.
//! - **Polite**: every request goes through the client's account limiter,
//!   and the cadence of Space-Track's guidance is the default: a sync that
//!   comes too early reports when the next is allowed
//!   ([`Outcome::NotDue`]); [`SyncOptions::force`] overrides it.
//! - **Safe**: every answer is applied in one transaction with the class's
//!   new sync state, kept in the database (`_sync_state`): a sync killed at
//!   any point leaves a consistent mirror and the next one resumes. A class
//!   being synced is leased, so two machines sharing one mirror do not
//!   fetch or write it twice.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use spacetrack_mirror::{ExportFormat, Mirror, SyncOptions};
//!
//! let st = spacetrack::Client::from_env()?;
//! let mirror = Mirror::open("sqlite:spacetrack.db").await?;
//! let report = mirror.sync(&st, &SyncOptions::new().classes(["gp", "satcat"])).await?;
//! if let Some(next) = report.too_early() {
//!     println!("some classes are not due before {next} UTC");
//! }
//! for s in mirror.status().await? {
//!     println!("{}: {} rows", s.class, s.rows);
//! }
//! let out = std::fs::File::create("gp.ndjson")?;
//! mirror.export("gp", ExportFormat::Ndjson, out, false).await?;
//! # Ok(()) }
//! ```
//!
//! ## The same typed queries, offline
//!
//! A mirror is a second engine of the `spacetrack` API: `mirror.gp()` is
//! the builder of `client.gp()`, answered from the database with
//! Space-Track's semantics (text compared ignoring case, `~~` and `^`,
//! `null-val`, ranges, `now-7`, NULLs first in ascending order, an enum by
//! its members' order), and nothing is sent to Space-Track. Rows marked
//! removed are left out unless `.include_removed()` is called. Text formats
//! other than csv, tle and 3le are Space-Track's own renderings and are
//! refused. [`blocking::Mirror`] does the same without async.
//!
//! ```
//! use spacetrack::{GpField, op};
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(200).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! # let dir = std::env::temp_dir().join(format!("mirror-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let db = format!("sqlite:{}", dir.join("query.db").display());
//! let m = spacetrack_mirror::Mirror::open(&db).await?;
//! m.sync(&st, &spacetrack_mirror::SyncOptions::new().classes(["gp"]).force(true)).await?;
//! let recent = m
//!     .gp()
//!     .epoch(op::gt(op::now_minus_days(7)))
//!     .order_by(GpField::Epoch.desc())
//!     .limit(10)
//!     .send()
//!     .await?;
//! assert!(recent.len() <= 10);
//! let iss = m.gp().norad_cat_id(25544).send().await?;
//! assert_eq!(iss, st.gp().norad_cat_id(25544).send().await?);
//! # Ok(()) }
//! ```
//!
//! ## The catalog as of a date, and what changed
//!
//! [`Mirror::gp_as_of`] picks each object's newest gp_history set at a
//! time (see [`AsOf`] for the rule and the completeness report), and every
//! sync records what it changed in a feed ([`Mirror::changes`]): new
//! objects, new element sets, decays, renames, removals.
//!
//! ```
//! use spacetrack_mirror::{ChangeKind, Mirror, SyncOptions};
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(200).history_depth(4).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! # let dir = std::env::temp_dir().join(format!("mirror-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let db = format!("sqlite:{}", dir.join("feed.db").display());
//! let m = Mirror::open(&db).await?;
//! let today = sim.now().date();
//! let with_history = SyncOptions::new()
//!     .classes(["gp", "satcat"])
//!     .history(today - chrono::Duration::days(60), None)
//!     .window_days(30)
//!     .force(true);
//! m.sync(&st, &with_history).await?;
//! let seen = m.last_change().await?;
//!
//! // A day later on the simulator: new element sets.
//! sim.advance(chrono::Duration::days(1));
//! m.sync(&st, &SyncOptions::new().classes(["gp"]).force(true)).await?;
//! let since = chrono::NaiveDateTime::MIN;
//! let changes = m.changes_after(since, seen).await?;
//! assert!(changes.iter().any(|c| c.kind == ChangeKind::NewElementSet));
//!
//! // The catalog as it was two days ago.
//! let then = sim.now() - chrono::Duration::days(2);
//! let asof = m.gp_as_of(then).await?;
//! assert!(asof.report.covers_window);
//! assert!(asof.records.iter().all(|g| g.epoch.is_some_and(|e| e.naive_utc() <= then)));
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod asof;
mod backend;
mod backfill;
pub mod blocking;
mod changes;
mod dataset;
mod error;
mod export;
mod migrate;
mod parquet;
mod plan;
mod postgres;
mod query;
mod row;
mod sql;
mod sqlite;
mod sync;
mod tables;
mod value;

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

pub use asof::{AsOf, Completeness, DEFAULT_LOOKBACK_DAYS};
pub use backend::Applied;
pub use backfill::{BackfillOptions, BackfillPlan, BackfillReport, Window, WindowDone};
pub use changes::{Change, ChangeKind};
pub use dataset::{Dataset, Partition, partition_column};
pub use error::Error;
pub use export::ExportFormat;
pub use migrate::SchemaStatus;
pub use plan::{Cadence, Strategy, plan};
pub use sync::{ClassReport, Outcome, SyncOptions, SyncReport};
pub use tables::{ColumnDef, TABLES, TableDef, ValueKind, table};
pub use value::{Value, datetime_text};

/// The mirror's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The classes the mirror keeps.
pub fn classes() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.class).collect()
}

/// The classes synced when none are named: all but gp_history.
pub const DEFAULT_CLASSES: &[&str] = &[
    "gp",
    "satcat",
    "decay",
    "tip",
    "cdm_public",
    "boxscore",
    "launch_site",
];

/// A local copy of Space-Track in a database.
#[derive(Clone)]
pub struct Mirror {
    backend: Arc<Mutex<Box<dyn backend::Backend>>>,
    url: String,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror").field("url", &self.url).finish()
    }
}

/// One class's state, for [`Mirror::status`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClassStatus {
    /// The class.
    pub class: String,
    /// Current rows.
    pub rows: u64,
    /// Rows marked removed.
    pub removed: u64,
    /// When the last complete sync ended (UTC).
    pub last_sync: Option<NaiveDateTime>,
    /// When the guidance allows the next (UTC).
    pub next_due: Option<NaiveDateTime>,
    /// The newest watermark value seen.
    pub watermark: Option<String>,
    /// The table's schema: its version, retired columns, and what needs
    /// `spacetrack mirror migrate`.
    pub schema: SchemaStatus,
}

impl Mirror {
    /// Opens (creating its tables) a mirror: `sqlite:PATH` or a plain path
    /// (an SQLite file), or `postgres://user:password@host/db`.
    pub async fn open(url: &str) -> Result<Mirror> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let conn = url.to_owned();
            let backend = tokio::task::spawn_blocking(move || {
                postgres::Postgres::connect(&conn).map(|s| Box::new(s) as Box<dyn backend::Backend>)
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
            return Mirror::with_backend(backend, url).await;
        }
        let path = if let Some(p) = url.strip_prefix("sqlite://") {
            p.to_owned()
        } else if let Some(p) = url.strip_prefix("sqlite:") {
            p.to_owned()
        } else if url.contains("://") {
            return Err(Error::Url(url.to_owned()));
        } else {
            url.to_owned()
        };
        if path.is_empty() {
            return Err(Error::Url(url.to_owned()));
        }
        let backend = tokio::task::spawn_blocking(move || {
            sqlite::Sqlite::open(std::path::Path::new(&path))
                .map(|s| Box::new(s) as Box<dyn backend::Backend>)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        Mirror::with_backend(backend, url).await
    }

    async fn with_backend(backend: Box<dyn backend::Backend>, url: &str) -> Result<Mirror> {
        let mirror = Mirror {
            backend: Arc::new(Mutex::new(backend)),
            url: redact(url),
        };
        for t in TABLES {
            mirror.with(move |b| b.ensure(t)).await?;
        }
        mirror.upgrade().await?;
        Ok(mirror)
    }

    /// Runs a database call on a blocking thread.
    pub(crate) async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn backend::Backend) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let backend = self.backend.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = backend
                .lock()
                .map_err(|_| Error::Task("the database connection was poisoned".into()))?;
            f(guard.as_mut())
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Syncs the chosen classes with `client` (whose account limiter paces
    /// every request), two at a time unless
    /// [`SyncOptions::classes_at_once`] says otherwise, reported in the
    /// order they were named. A class that fails is reported
    /// ([`Outcome::Failed`], [`SyncReport::error`]) and the others are
    /// synced; an error about the account or the database (refused
    /// credentials, rate limits, the shared limiter, a database failure)
    /// ends the sync with `Err`. What was written before stays.
    pub async fn sync(
        &self,
        client: &spacetrack::Client,
        opts: &SyncOptions,
    ) -> Result<SyncReport> {
        let mut names: Vec<String> = match &opts.classes {
            Some(c) => c.clone(),
            None => DEFAULT_CLASSES.iter().map(|s| s.to_string()).collect(),
        };
        // A history range asks for gp_history, whatever the classes; an
        // unfinished range goes on in a sync of the default classes.
        let unfinished = opts.classes.is_none()
            && self
                .with(|b| b.state("gp_history"))
                .await?
                .progress
                .is_some();
        if (opts.history.is_some() || unfinished) && !names.iter().any(|n| n == "gp_history") {
            names.push("gp_history".into());
        }
        // A class named twice is synced once (two tasks of one owner would
        // share its lease).
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| seen.insert(n.clone()));
        let tables = names
            .iter()
            .map(|n| table(n).ok_or_else(|| Error::UnknownClass(n.clone())))
            .collect::<Result<Vec<_>>>()?;
        // Microseconds, as every datetime of the mirror (`_synced_at` had
        // the clock's nanoseconds).
        let now = chrono::SubsecRound::trunc_subsecs(
            opts.now.unwrap_or_else(|| chrono::Utc::now().naive_utc()),
            6,
        );
        sync::classes(self, client, opts, &tables, now).await
    }

    /// Per class: rows, removed rows, last sync, next allowed sync.
    pub async fn status(&self) -> Result<Vec<ClassStatus>> {
        let mut out = Vec::new();
        for t in TABLES {
            let (state, (rows, removed)) = self
                .with(move |b| Ok((b.state(t.class)?, b.counts(t)?)))
                .await?;
            out.push(ClassStatus {
                class: t.class.to_owned(),
                rows,
                removed,
                last_sync: state.last_sync,
                next_due: state.next_due,
                watermark: state.watermark,
                schema: self.schema_status(t).await?,
            });
        }
        Ok(out)
    }

    /// Writes a class's rows to `out`, in key order, reading them from the
    /// database a row at a time (memory stays flat). Returns the row count.
    pub async fn export<W: std::io::Write + Send + 'static>(
        &self,
        class: &str,
        format: ExportFormat,
        out: W,
        include_removed: bool,
    ) -> Result<u64> {
        let t = table(class).ok_or_else(|| Error::UnknownClass(class.to_owned()))?;
        self.with(move |b| {
            let mut w = export::Writer::new(out, t, format, include_removed)?;
            let mut rows = 0u64;
            b.scan(t, include_removed, None, &mut |row, removed| {
                rows += 1;
                w.row(row, removed)
            })?;
            w.finish()?;
            Ok(rows)
        })
        .await
    }
}

/// The URL without its password, for `Debug`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// This machine, for the lease: its host name as the kernel has it (the
/// same for every process, where `$HOSTNAME` may differ between a shell
/// and cron) and its machine id (two machines may share a host name).
fn host() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let name = read("/proc/sys/kernel/hostname")
        .or_else(|| read("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "host".into());
    match read("/etc/machine-id").or_else(|| read("/var/lib/dbus/machine-id")) {
        Some(id) => format!("{name}/{id}"),
        None => name,
    }
}

/// This process's PID namespace (Linux; empty elsewhere): containers that
/// share a host name do not share it.
fn pid_namespace() -> String {
    std::fs::read_link("/proc/self/ns/pid")
        .map(|p| {
            p.to_string_lossy()
                .chars()
                .filter(char::is_ascii_digit)
                .collect()
        })
        .unwrap_or_default()
}

/// Who is syncing, for the lease: `host:pid:pid-namespace:start`.
pub(crate) fn owner() -> String {
    format!(
        "{}:{}:{}:{}",
        host().replace(':', "_"),
        std::process::id(),
        pid_namespace(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// Whether a lease owner is a process that has ended, seen from the same
/// host and PID namespace (Linux, through /proc; elsewhere, or from
/// another machine or container, a lease runs out on its own).
pub(crate) fn owner_ended(owner: &str) -> bool {
    let mut parts = owner.split(':');
    let (Some(h), Some(pid), Some(ns)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let mine = pid_namespace();
    !mine.is_empty()
        && ns == mine
        && h == host().replace(':', "_")
        && pid.chars().all(|c| c.is_ascii_digit())
        && pid != std::process::id().to_string()
        && !std::path::Path::new("/proc").join(pid).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_ended_process_of_this_machine_loses_its_lease() {
        // A PID that cannot be running (above Linux's pid_max).
        let dead = 1u64 << 23;
        let ns = pid_namespace();
        let me = host().replace(':', "_");
        if cfg!(target_os = "linux") && !ns.is_empty() {
            assert!(owner_ended(&format!("{me}:{dead}:{ns}:0")));
        }
        // The same host name on another machine, another PID namespace, a
        // running process (this one), or not an owner at all: kept.
        let name = me.split('/').next().unwrap();
        assert!(!owner_ended(&format!("{name}/other-machine:{dead}:{ns}:0")));
        assert!(!owner_ended(&format!("{me}:{dead}:1{ns}:0")));
        assert!(!owner_ended(&format!("{me}:{}:{ns}:0", std::process::id())));
        assert!(!owner_ended("garbage"));
    }

    #[test]
    fn debug_never_shows_a_database_password() {
        assert_eq!(
            redact("postgres://me:s3cret@db.example.org:5432/st"),
            "postgres://me:***@db.example.org:5432/st"
        );
        assert_eq!(redact("postgres://me@db/st"), "postgres://me@db/st");
        assert_eq!(redact("sqlite:/tmp/a@b.db"), "sqlite:/tmp/a@b.db");
    }
}

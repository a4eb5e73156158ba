//! The shared state of a running simulator: catalog and tables, sessions,
//! the request log, the account's limits and the queued faults.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::{Method, Uri};
use spacetrack_codegen::schema::ModeldefRow;

use crate::config::SimConfig;
use crate::fault::Fault;
use crate::{catalog, files, schemas, table};

/// One request the simulator received (for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Path and query exactly as received (still percent-encoded).
    pub path: String,
    /// Whether a `chocolatechip` cookie came with it.
    pub cookie: bool,
    /// When it arrived (wall clock, comparable across processes).
    pub at: std::time::SystemTime,
}

/// Shared state of a running simulator.
pub struct SimState {
    pub(crate) config: SimConfig,
    /// The catalog at the simulated present; a query works on the snapshot
    /// it started with, and advancing the clock swaps in a new one.
    pub(crate) catalog: std::sync::RwLock<Arc<catalog::Catalog>>,
    pub(crate) tables: HashMap<(String, String), table::Table>,
    pub(crate) modeldef: Mutex<HashMap<(String, String), Vec<ModeldefRow>>>,
    pub(crate) files: Mutex<files::Files>,
    pub(crate) answers: Mutex<HashMap<String, (&'static str, Vec<bytes::Bytes>)>>,
    pub(crate) answers_size: std::sync::atomic::AtomicUsize,
    /// Gzip-compressed forms of cached answers, made on first demand.
    pub(crate) answers_gz: Mutex<HashMap<String, bytes::Bytes>>,
    pub(crate) sessions: Mutex<HashMap<String, Instant>>,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    pub(crate) log: Mutex<Vec<LoggedRequest>>,
    /// When the account's served queries arrived (for account_limits).
    pub(crate) served: Mutex<VecDeque<Instant>>,
    /// Queries refused for exceeding account_limits.
    pub(crate) refused: std::sync::atomic::AtomicUsize,
    pub(crate) counter: std::sync::atomic::AtomicU64,
    /// Logins per account and guidance breaches.
    pub(crate) manners: crate::manners::Manners,
    /// Query requests admitted (a session, within the limits).
    pub(crate) queries: std::sync::atomic::AtomicUsize,
    /// When the simulator was made: its clock's real-time part.
    pub(crate) started: Instant,
}

impl SimState {
    /// Builds the catalog and tables (no I/O). An extra column that is not
    /// a valid modeldef row (see [`crate::SimBuilder::extra_column`]) is an
    /// `InvalidInput` error.
    pub fn new(config: SimConfig) -> std::io::Result<SimState> {
        let anchor = config.anchor.unwrap_or_else(|| {
            let now = chrono::Utc::now().naive_utc();
            now - chrono::Duration::nanoseconds(chrono::Timelike::nanosecond(&now) as i64)
        });
        let catalog = catalog::Catalog::new(config.objects, config.seed, anchor);
        let mut tables = HashMap::new();
        let mut modeldef = HashMap::new();
        let classes = schemas::schemas_with(&config.extra_columns)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        for (schema, rows) in classes {
            let key = (schema.controller.clone(), schema.class.clone());
            tables.insert(
                key.clone(),
                table::Table::new(schema, catalog.objects.len(), config.history_depth),
            );
            modeldef.insert(key, rows);
        }
        let files = Mutex::new(files::Files::new(&catalog));
        let manners = crate::manners::Manners::new(config.guidance.clone());
        Ok(SimState {
            config,
            catalog: std::sync::RwLock::new(Arc::new(catalog)),
            tables,
            modeldef: Mutex::new(modeldef),
            files,
            answers: Mutex::new(HashMap::new()),
            answers_size: Default::default(),
            answers_gz: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
            served: Mutex::new(VecDeque::new()),
            refused: Default::default(),
            counter: Default::default(),
            manners,
            queries: Default::default(),
            started: Instant::now(),
        })
    }

    /// The modeldef rows served for a class (extra columns included).
    pub fn modeldef(&self, controller: &str, class: &str) -> Option<Vec<ModeldefRow>> {
        let m = self.modeldef.lock().expect("modeldef");
        m.get(&(controller.to_owned(), class.to_owned())).cloned()
    }

    /// Moves the clock on by `by` (see [`crate::Simulator::advance`]).
    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.catalog.write().expect("catalog");
        let mut next = catalog::Catalog::clone(&guard);
        next.advance_to(next.now + by);
        *guard = Arc::new(next);
        drop(guard);
        self.answers.lock().expect("answers").clear();
        self.answers_gz.lock().expect("answers_gz").clear();
        self.answers_size
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// The catalog as it is now.
    pub(crate) fn catalog(&self) -> Arc<catalog::Catalog> {
        self.catalog.read().expect("catalog").clone()
    }

    /// The simulator's clock for the usage guidance: real time since it
    /// was made plus the time [`crate::Simulator::advance`] added.
    pub(crate) fn clock(&self) -> std::time::Duration {
        let cat = self.catalog();
        let advanced = (cat.now - cat.anchor).to_std().unwrap_or_default();
        self.started.elapsed() + advanced
    }

    pub(crate) fn log(&self, method: Method, uri: &Uri, cookie: bool) {
        let path = uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        if path.contains("/query/class/") {
            self.manners.query(&path, self.clock());
        }
        self.log.lock().expect("log").push(LoggedRequest {
            method: method.to_string(),
            path,
            cookie,
            at: std::time::SystemTime::now(),
        });
    }

    pub(crate) fn new_session(&self) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = format!(
            "{:016x}{:016x}",
            catalog::mix(n ^ self.config.seed ^ 0x5e55),
            catalog::mix(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(n)
            )
        );
        self.sessions
            .lock()
            .expect("sessions")
            .insert(token.clone(), Instant::now());
        token
    }

    pub(crate) fn check_session(&self, token: Option<&str>) -> bool {
        let Some(token) = token else { return false };
        let mut sessions = self.sessions.lock().expect("sessions");
        match sessions.get_mut(token) {
            Some(last) if last.elapsed() <= self.config.session_idle => {
                *last = Instant::now();
                true
            }
            Some(_) => {
                sessions.remove(token);
                false
            }
            None => false,
        }
    }

    /// Whether one more query fits the account's limits (and counts it).
    pub(crate) fn within_limits(&self) -> bool {
        let limits = &self.config.account_limits;
        if limits.is_empty() {
            return true;
        }
        let now = Instant::now();
        let mut served = self.served.lock().expect("served");
        let horizon = limits.iter().map(|l| l.1).max().unwrap_or_default();
        while served
            .front()
            .is_some_and(|t| now.duration_since(*t) >= horizon)
        {
            served.pop_front();
        }
        let over = limits.iter().any(|&(max, window)| {
            served
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < window)
                .count()
                >= max
        });
        if over {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return false;
        }
        served.push_back(now);
        true
    }

    pub(crate) fn peek_fault(&self) -> Option<Fault> {
        self.faults.lock().expect("faults").front().copied()
    }

    pub(crate) fn next_fault(&self) -> Option<Fault> {
        self.faults.lock().expect("faults").pop_front()
    }
}

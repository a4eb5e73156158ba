//! # spacetrack-sim
//!
//! A local simulator of [Space-Track.org](https://www.space-track.org): a real
//! HTTP server on loopback that behaves like Space-Track for login and
//! logout (the `chocolatechip` session cookie), `modeldef`, the query grammar
//! (every operator, `orderby`, `limit`, `predicates`, `distinct`,
//! `metadata`, `emptyresult`) and the formats json, csv, xml, html, tle, 3le
//! and kvn, over a deterministic synthetic catalog of any size. Faults
//! (expired sessions, both rate-limit answers, 5xx, truncated or slow bodies,
//! invalid JSON) can be injected on demand.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = spacetrack_sim::Simulator::builder().objects(1000).start().await?;
//! println!("Space-Track simulator at {}", sim.base_url());
//! println!("identity {} / password {}", sim.identity(), sim.password());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod catalog;
mod fault;
mod files;
mod grammar;
mod render;
mod serve;
mod server;
mod table;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, Uri};
use chrono::NaiveDateTime;
use spacetrack_codegen::ClassSchema;

pub use catalog::alpha5;
pub use fault::{Fault, Hostile};
pub use serve::{serve_started, serve_until_stopped};
pub use server::{LOGIN_FAILED, NOT_LOGGED_IN, RATE_LIMIT_BODY};
pub use spacetrack_codegen::schema::ModeldefRow;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
}

/// The classes the simulator serves, parsed from the embedded schemas.
pub fn schemas() -> Vec<(ClassSchema, Vec<ModeldefRow>)> {
    schemas_with(&[]).expect("embedded schemas are valid (checked by codegen tests)")
}

/// The embedded schemas with `extra` columns appended to their classes'
/// modeldef, parsed by the generator's own parser (an unknown type becomes
/// text, a bad or duplicate name is an error naming the column).
fn schemas_with(
    extra: &[(String, String, ModeldefRow)],
) -> Result<Vec<(ClassSchema, Vec<ModeldefRow>)>, spacetrack_codegen::SchemaError> {
    embedded::SCHEMAS
        .iter()
        .map(|(rel, text)| {
            let path = std::path::Path::new("schemas").join(rel);
            let mut doc: spacetrack_codegen::schema::ModeldefDocument =
                serde_json::from_str(text).expect("embedded schema is JSON");
            let class = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            doc.data.extend(
                extra
                    .iter()
                    .filter(|(ctl, cls, _)| *ctl == doc.controller && cls == class)
                    .map(|(_, _, row)| row.clone()),
            );
            let text = serde_json::to_string(&doc).expect("a modeldef document serialises");
            let schema = ClassSchema::parse(&path, &text)?;
            Ok((schema, doc.data))
        })
        .collect()
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Catalog size (objects in gp and satcat).
    pub objects: usize,
    /// Seed of every generated value.
    pub seed: u64,
    /// Element sets per object in gp_history.
    pub history_depth: usize,
    /// Sessions expire after this long without a request (Space-Track:
    /// about two hours).
    pub session_idle: Duration,
    /// Epochs are generated in the days before this instant (default: now).
    pub anchor: Option<NaiveDateTime>,
    /// The one account's identity.
    pub identity: String,
    /// The one account's password.
    pub password: String,
    /// Answer the login form with a redirect (to test that clients do not
    /// follow it with the password).
    pub login_redirect: bool,
    /// Address to bind (default `127.0.0.1:0`, a free loopback port).
    pub bind: SocketAddr,
    /// Keep complete query answers in memory (up to this many bytes in
    /// all) and serve repeated identical requests from there, so that a
    /// benchmark measures the client rather than the simulator's row
    /// generation. 0 (the default) turns it off.
    pub answer_cache_bytes: usize,
    /// Columns served beyond the embedded schemas, as `(controller, class,
    /// modeldef row)`: Space-Track adding a column that a client's schema
    /// does not know yet. They appear in answers (values generated from the
    /// type), in modeldef, and can be filtered on.
    pub extra_columns: Vec<(String, String, ModeldefRow)>,
    /// Server-side limits on the account's queries, as `(at most, per
    /// window)`: a query beyond one gets Space-Track's rate-limit answer
    /// (HTTP 500) and is not served. Empty (the default for the library,
    /// so tests can be fast) enforces nothing; [`SimBuilder::space_track_limits`]
    /// sets Space-Track's 30 per minute and 300 per hour, which the
    /// `spacetrack sim` and `spacetrack-sim` commands enforce.
    pub account_limits: Vec<(usize, Duration)>,
    /// Answer the login form one byte at a time, this long apart (a slow,
    /// trickling login; the answer is padded to 20 bytes).
    pub login_trickle: Option<Duration>,
    /// Compress query answers with gzip when the client asks for it (on by
    /// default, as over the internet; off with [`SimBuilder::compression`]).
    pub compression: bool,
    /// Simulated seconds per real second (0, the default: the clock only
    /// moves by [`Simulator::advance`]). Time then passes an hour at a
    /// time, so demos against a running simulator see new data.
    pub clock_rate: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        // Fresh credentials per simulator: nothing to leak, nothing to guess.
        let nonce = catalog::mix(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
                ^ std::process::id() as u64,
        );
        SimConfig {
            objects: 10_000,
            seed: 2026,
            history_depth: 5,
            session_idle: Duration::from_secs(2 * 3600),
            anchor: None,
            identity: "demo@spacetrack-sim.invalid".into(),
            password: format!("sim-{nonce:016x}"),
            login_redirect: false,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            answer_cache_bytes: 0,
            extra_columns: Vec::new(),
            account_limits: Vec::new(),
            login_trickle: None,
            compression: true,
            clock_rate: 0,
        }
    }
}

/// Builds and starts a simulator.
#[derive(Debug, Default, Clone)]
pub struct SimBuilder {
    config: SimConfig,
}

impl SimBuilder {
    /// Catalog size (default 10,000).
    pub fn objects(mut self, n: usize) -> Self {
        self.config.objects = n;
        self
    }
    /// Seed (default 2026).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }
    /// gp_history element sets per object (default 5).
    pub fn history_depth(mut self, depth: usize) -> Self {
        self.config.history_depth = depth;
        self
    }
    /// Session idle expiry (default two hours).
    pub fn session_idle(mut self, d: Duration) -> Self {
        self.config.session_idle = d;
        self
    }
    /// Fixed anchor for epochs, for byte-identical runs.
    pub fn anchor(mut self, t: NaiveDateTime) -> Self {
        self.config.anchor = Some(t);
        self
    }
    /// Credentials of the simulated account.
    pub fn credentials(mut self, identity: impl Into<String>, password: impl Into<String>) -> Self {
        self.config.identity = identity.into();
        self.config.password = password.into();
        self
    }
    /// Redirect the login form instead of answering it.
    pub fn login_redirect(mut self, on: bool) -> Self {
        self.config.login_redirect = on;
        self
    }
    /// Serve repeated identical queries from memory (see
    /// [`SimConfig::answer_cache_bytes`]).
    pub fn answer_cache_bytes(mut self, bytes: usize) -> Self {
        self.config.answer_cache_bytes = bytes;
        self
    }
    /// Serves a column that the embedded schema of `controller/class` does
    /// not have (as when Space-Track adds one), with values generated from
    /// its MySQL `sql_type`; it is also listed by modeldef and can be
    /// filtered on.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let sim = spacetrack_sim::Simulator::builder()
    ///     .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn extra_column(
        mut self,
        controller: &str,
        class: &str,
        field: &str,
        sql_type: &str,
    ) -> Self {
        self.config.extra_columns.push((
            controller.to_owned(),
            class.to_owned(),
            ModeldefRow {
                field: field.to_owned(),
                ty: sql_type.to_owned(),
                null: "YES".into(),
                key: String::new(),
                default: None,
                extra: String::new(),
            },
        ));
        self
    }
    /// Enforces limits on the account's queries server-side (see
    /// [`SimConfig::account_limits`]).
    pub fn account_limits(mut self, limits: impl IntoIterator<Item = (usize, Duration)>) -> Self {
        self.config.account_limits = limits.into_iter().collect();
        self
    }
    /// Enforces Space-Track's own limits: 30 queries per minute and 300 per
    /// hour.
    pub fn space_track_limits(self) -> Self {
        self.account_limits([
            (30, Duration::from_secs(60)),
            (300, Duration::from_secs(3600)),
        ])
    }
    /// Trickles the login answer one byte every `every`.
    pub fn login_trickle(mut self, every: Duration) -> Self {
        self.config.login_trickle = Some(every);
        self
    }
    /// Whether answers are gzip-compressed for clients that ask (default
    /// true); `false` serves them plain, as to a client that does not ask.
    pub fn compression(mut self, on: bool) -> Self {
        self.config.compression = on;
        self
    }
    /// Address to bind.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.config.bind = addr;
        self
    }
    /// The configuration.
    pub fn config(self) -> SimConfig {
        self.config
    }
    /// Starts serving on the configured address.
    pub async fn start(self) -> std::io::Result<Simulator> {
        Simulator::start(self.config).await
    }

    /// Lets simulated time run by itself, `rate` times faster than real
    /// time, in steps of one simulated hour (see [`SimConfig::clock_rate`]).
    pub fn clock_rate(mut self, rate: u32) -> Self {
        self.config.clock_rate = rate;
        self
    }
}

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
    config: SimConfig,
    /// The catalog at the simulated present; a query works on the snapshot
    /// it started with, and advancing the clock swaps in a new one.
    catalog: std::sync::RwLock<Arc<catalog::Catalog>>,
    tables: HashMap<(String, String), table::Table>,
    modeldef: Mutex<HashMap<(String, String), Vec<ModeldefRow>>>,
    files: Mutex<files::Files>,
    answers: Mutex<HashMap<String, (&'static str, Vec<bytes::Bytes>)>>,
    answers_size: std::sync::atomic::AtomicUsize,
    /// Gzip-compressed forms of cached answers, made on first demand.
    pub(crate) answers_gz: Mutex<HashMap<String, bytes::Bytes>>,
    sessions: Mutex<HashMap<String, Instant>>,
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<LoggedRequest>>,
    /// When the account's served queries arrived (for account_limits).
    served: Mutex<VecDeque<Instant>>,
    /// Queries refused for exceeding account_limits.
    refused: std::sync::atomic::AtomicUsize,
    counter: std::sync::atomic::AtomicU64,
}

impl SimState {
    /// Builds the catalog and tables (no I/O). An extra column that is not
    /// a valid modeldef row (see [`SimBuilder::extra_column`]) is an
    /// `InvalidInput` error.
    pub fn new(config: SimConfig) -> std::io::Result<SimState> {
        let anchor = config.anchor.unwrap_or_else(|| {
            let now = chrono::Utc::now().naive_utc();
            now - chrono::Duration::nanoseconds(chrono::Timelike::nanosecond(&now) as i64)
        });
        let catalog = catalog::Catalog::new(config.objects, config.seed, anchor);
        let mut tables = HashMap::new();
        let mut modeldef = HashMap::new();
        let classes = schemas_with(&config.extra_columns)
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
        })
    }

    /// Moves the clock on (see [`Simulator::advance`]).
    fn advance(&self, by: chrono::Duration) {
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

    fn log(&self, method: Method, uri: &Uri, cookie: bool) {
        let path = uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        self.log.lock().expect("log").push(LoggedRequest {
            method: method.to_string(),
            path,
            cookie,
            at: std::time::SystemTime::now(),
        });
    }

    fn new_session(&self) -> String {
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

    fn check_session(&self, token: Option<&str>) -> bool {
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
    fn within_limits(&self) -> bool {
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

    fn peek_fault(&self) -> Option<Fault> {
        self.faults.lock().expect("faults").front().copied()
    }

    fn next_fault(&self) -> Option<Fault> {
        self.faults.lock().expect("faults").pop_front()
    }
}

/// A running simulator. Stops when dropped.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<SimState>,
    task: tokio::task::JoinHandle<()>,
    /// Moves the clock when [`SimConfig::clock_rate`] is set.
    clock: Option<tokio::task::JoinHandle<()>>,
}

impl Simulator {
    /// A [`SimBuilder`] with default settings.
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }

    /// Starts a simulator with `config`.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let bind = config.bind;
        let state = Arc::new(tokio::task::spawn_blocking(move || SimState::new(config)).await??);
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let app = server::router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("simulator stopped: {e}");
            }
        });
        let clock = (state.config.clock_rate > 0).then(|| {
            let state = state.clone();
            let hour = Duration::from_secs(3600).div_f64(f64::from(state.config.clock_rate));
            tokio::spawn(async move {
                let mut every = tokio::time::interval(hour.max(Duration::from_millis(1)));
                every.tick().await;
                loop {
                    every.tick().await;
                    let state = state.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        state.advance(chrono::Duration::hours(1))
                    })
                    .await;
                }
            })
        });
        Ok(Simulator {
            addr,
            state,
            task,
            clock,
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulated account's identity.
    pub fn identity(&self) -> &str {
        &self.state.config.identity
    }

    /// The simulated account's password.
    pub fn password(&self) -> &str {
        &self.state.config.password
    }

    /// Queues faults for the next query requests, one per request.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.faults.lock().expect("faults").extend(faults);
    }

    /// Drops the faults not consumed yet (a request that failed early may
    /// leave some of a sequence unused) and returns how many there were.
    pub fn clear_faults(&self) -> usize {
        let mut f = self.state.faults.lock().expect("faults");
        let n = f.len();
        f.clear();
        n
    }

    /// The session tokens currently valid (the `chocolatechip` values), so
    /// tests can search output for them.
    pub fn session_tokens(&self) -> Vec<String> {
        self.state
            .sessions
            .lock()
            .expect("sessions")
            .keys()
            .cloned()
            .collect()
    }

    /// How many answers the answer cache holds.
    pub fn cached_answers(&self) -> usize {
        self.state.answers.lock().expect("answers").len()
    }

    /// Forgets every session, as if they had been idle too long.
    pub fn expire_sessions(&self) {
        self.state.sessions.lock().expect("sessions").clear();
    }

    /// How many queries were refused for exceeding
    /// [`SimConfig::account_limits`].
    pub fn refused_for_rate(&self) -> usize {
        self.state
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.lock().expect("log").clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.state.log.lock().expect("log").clear();
    }

    /// The modeldef rows served for a class.
    pub fn modeldef(&self, controller: &str, class: &str) -> Option<Vec<ModeldefRow>> {
        let m = self.state.modeldef.lock().expect("modeldef");
        m.get(&(controller.to_owned(), class.to_owned())).cloned()
    }

    /// Replaces the modeldef served for a class, to simulate a schema change
    /// on Space-Track's side (the data keeps its compiled-in columns).
    pub fn set_modeldef(&self, controller: &str, class: &str, rows: Vec<ModeldefRow>) {
        let mut m = self.state.modeldef.lock().expect("modeldef");
        m.insert((controller.to_owned(), class.to_owned()), rows);
    }

    /// The content of a fileshare file (to check uploads).
    pub fn fileshare_content(&self, file_id: u64) -> Option<Vec<u8>> {
        let files = self.state.files.lock().expect("files");
        files.file(file_id).map(|f| f.content.to_vec())
    }

    /// NORAD numbers in catalog order.
    pub fn norad_ids(&self) -> Vec<u32> {
        self.state
            .catalog()
            .objects
            .iter()
            .map(|o| o.norad)
            .collect()
    }

    /// The simulated present: the anchor until the clock is advanced.
    pub fn now(&self) -> NaiveDateTime {
        self.state.catalog().now
    }

    /// Moves the simulated clock on by `by`, publishing what Space-Track
    /// would have in that time, hour by hour: new element sets (about one
    /// per object and day, with GP_IDs above every earlier one), launches
    /// (new catalog numbers), re-entries (the object's decay date is set
    /// in gp and satcat, and a decay record and TIP message are added),
    /// new re-entry predictions (21 days ahead), new conjunctions
    /// (cdm_public, cdm) and a gp_history row per new element set. Rows
    /// already published never change or disappear, except each object's
    /// current state (gp, satcat), as on Space-Track. Queries already
    /// running finish on the catalog they started with.
    pub fn advance(&self, by: chrono::Duration) {
        self.state.advance(by);
    }

    /// Stops serving.
    pub fn shutdown(self) {}
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(clock) = &self.clock {
            clock.abort();
        }
    }
}

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

mod answers;
mod catalog;
mod config;
mod fault;
mod files;
mod grammar;
mod manners;
mod render;
mod schemas;
mod serve;
mod server;
mod state;
mod table;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;

pub use answers::{LOGIN_FAILED, NOT_LOGGED_IN, RATE_LIMIT_BODY};
pub use catalog::alpha5;
pub use config::{SimBuilder, SimConfig};
pub use fault::{Fault, Hostile};
pub use manners::{Breach, GuidanceRules};
pub use schemas::schemas;
pub use serve::{serve_started, serve_until_stopped};
pub use server::AnswerError;
pub use spacetrack_codegen::schema::ModeldefRow;
pub use state::{LoggedRequest, SimState};

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
        self.state.modeldef(controller, class)
    }

    /// Answers a query path in process, as the server would (see
    /// [`SimState::answer`]); the request is neither logged nor counted.
    pub fn answer(&self, path: &str) -> Result<String, AnswerError> {
        self.state.answer(path)
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

    /// Successful logins so far, every account.
    pub fn logins(&self) -> usize {
        self.state.manners.logins()
    }

    /// Successful logins of `identity` so far.
    pub fn logins_for(&self, identity: &str) -> usize {
        self.state.manners.logins_for(identity)
    }

    /// The breaches of Space-Track's usage guidance the simulator saw (see
    /// [`Breach`]), with the windows of [`SimConfig::guidance`] (by
    /// default: more than three logins of an account in a minute, the same
    /// query again within its class's cadence, gp_history asked for
    /// current elements, ten single-object queries of a class in a minute,
    /// a removed class). Each is also logged (`tracing`, warn). The
    /// windows are measured on the simulator's clock: real time plus what
    /// [`Simulator::advance`] added, so a test steps past a cadence.
    pub fn guidance_breaches(&self) -> Vec<Breach> {
        self.state.manners.breaches()
    }

    /// Query requests served so far: those admitted (a valid session,
    /// within [`SimConfig::account_limits`]); logins, logouts, refused and
    /// unauthenticated requests are not counted.
    pub fn queries(&self) -> usize {
        self.state
            .queries
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A simulator started from blocking code ([`Simulator::start_blocking`]):
/// it serves from a runtime of its own, in the background, and stops when
/// dropped. It dereferences to the [`Simulator`].
///
/// ```
/// let sim = spacetrack_sim::Simulator::builder().objects(20).start_blocking()?;
/// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct BlockingSimulator {
    sim: Option<Simulator>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::ops::Deref for BlockingSimulator {
    type Target = Simulator;
    fn deref(&self) -> &Simulator {
        self.sim.as_ref().expect("present until dropped")
    }
}

impl Drop for BlockingSimulator {
    fn drop(&mut self) {
        // The server's tasks first, then the runtime they ran on: waited
        // for (briefly), so that the port is closed when the drop returns,
        // unless dropped inside an async runtime, where waiting is not
        // allowed.
        self.sim.take();
        if let Some(rt) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(1));
            }
        }
    }
}

impl Simulator {
    /// Starts a simulator from blocking code (a script, a blocking test):
    /// it runs on a runtime of its own until the handle drops. Inside an
    /// async runtime use [`Simulator::start`]; this refuses with an error.
    pub fn start_blocking(config: SimConfig) -> std::io::Result<BlockingSimulator> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(std::io::Error::other(
                "start_blocking was called inside an async runtime; use Simulator::start",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("spacetrack-sim")
            .enable_all()
            .build()?;
        let sim = runtime.block_on(Simulator::start(config))?;
        Ok(BlockingSimulator {
            sim: Some(sim),
            runtime: Some(runtime),
        })
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(clock) = &self.clock {
            clock.abort();
        }
    }
}

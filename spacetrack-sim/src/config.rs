//! Simulator settings and the builder that starts a simulator.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDateTime;
use spacetrack_codegen::schema::ModeldefRow;

use crate::catalog;
use crate::{GuidanceRules, Simulator};

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
    /// The usage-guidance rules the simulator flags breaches of, and their
    /// windows (see [`Simulator::guidance_breaches`]).
    pub guidance: GuidanceRules,
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
            guidance: GuidanceRules::default(),
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

    /// Starts the simulator from blocking code (see
    /// [`Simulator::start_blocking`]).
    pub fn start_blocking(self) -> std::io::Result<crate::BlockingSimulator> {
        Simulator::start_blocking(self.config())
    }

    /// The usage-guidance rules and windows the simulator checks its
    /// clients against (default: [`GuidanceRules::default`]).
    ///
    /// ```
    /// let config = spacetrack_sim::Simulator::builder()
    ///     .guidance_rules(spacetrack_sim::GuidanceRules {
    ///         login_storm: 1,
    ///         ..Default::default()
    ///     })
    ///     .config();
    /// assert_eq!(config.guidance.login_storm, 1);
    /// ```
    pub fn guidance_rules(mut self, rules: GuidanceRules) -> Self {
        self.config.guidance = rules;
        self
    }

    /// Lets simulated time run by itself, `rate` times faster than real
    /// time, in steps of one simulated hour (see [`SimConfig::clock_rate`]).
    pub fn clock_rate(mut self, rate: u32) -> Self {
        self.config.clock_rate = rate;
        self
    }
}

//! Building a [`Client`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::session::{Secret, Session};
use super::{Client, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Inner, RetryPolicy};
use crate::error::{Error, Result};
use crate::guidance::{AnswerCache, Guide, Ledger};
use crate::ratelimit::{Limiter, LimiterStore, MemoryStore, Rate, WaitObserver};

/// Default of [`ClientBuilder::max_answer_bytes`].
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 512 << 20;
/// Default of [`ClientBuilder::max_line_bytes`].
pub const DEFAULT_MAX_LINE_BYTES: u64 = 1 << 20;

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    identity: Option<String>,
    password: Option<Secret>,
    base_url: Option<String>,
    allow_http: bool,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    rates: Option<Vec<Rate>>,
    extra_rates: Vec<Rate>,
    store: Option<Arc<dyn LimiterStore>>,
    observer: Option<WaitObserver>,
    retry: RetryPolicy,
    modeldef_dir: Option<Option<PathBuf>>,
    login_policy: super::LoginPolicy,
    max_answer_bytes: Option<u64>,
    max_line_bytes: Option<u64>,
    policy: crate::guidance::Policy,
    guidance: Option<crate::guidance::Guidance>,
    guidance_ledger: Option<PathBuf>,
    answer_cache: Option<PathBuf>,
    session_store: Option<Arc<dyn super::SessionStore>>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("identity", &self.identity)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The account's identity (its e-mail address).
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// The account's password. It is only ever sent in the login form.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Secret::new(password.into()));
        self
    }

    /// The server (default [`DEFAULT_BASE_URL`]); a test server or the
    /// simulator, for example. Must be `https` unless
    /// [`allow_http`](Self::allow_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain `http` base URL. Only for a local simulator or test
    /// server: over plain HTTP the password and the session cookie travel
    /// unencrypted.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Uses the caller's `reqwest::Client` (proxies, custom roots, ...).
    /// It should not follow redirects for the login request; the client
    /// checks that it did not.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total timeout for each request, body included, instead of the
    /// default connect and read-idle timeouts of 30 s.
    ///
    /// Large answers are decoded while they arrive, and by default the
    /// read waits for the decoder so that memory stays a few megabytes
    /// above the records. Under a total timeout it does not (the timeout
    /// would otherwise time decoding too): the body is read as fast as it
    /// comes and may be held whole while decoding catches up.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Replaces the default limits (fewer than 30 per minute and 300 per
    /// hour). Against Space-Track itself its own limits always stay in
    /// force: rates given here can only make the client stricter. Against
    /// another server (a simulator) they replace the defaults, and an empty
    /// list disables client-side limiting.
    ///
    /// The limits are checked against the account's ledger, which every
    /// client of the same identity and server shares (see
    /// [`limiter_store`](Self::limiter_store)): clients with different
    /// limits together never exceed the loosest of them.
    pub fn rate_limits(mut self, rates: impl IntoIterator<Item = Rate>) -> Self {
        self.rates = Some(rates.into_iter().collect());
        self
    }

    /// Adds a limit on top of the others (for example to leave part of the
    /// account's budget to another tool).
    pub fn extra_rate_limit(mut self, rate: Rate) -> Self {
        self.extra_rates.push(rate);
        self
    }

    /// Where the account's ledger lives. Default: one store for the whole
    /// process ([`MemoryStore::shared`](crate::ratelimit::MemoryStore::shared)),
    /// so every client of an account in the process shares it. Across the
    /// processes of a machine use a
    /// [`FileStore`](crate::ratelimit::FileStore) (the command line's
    /// default), across machines `RedisStore` (feature `redis`). A store
    /// that cannot be reached fails closed with [`Error::Store`].
    pub fn limiter_store(mut self, store: Arc<dyn LimiterStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How logins are paced after Space-Track refuses the credentials
    /// (default: no new attempt with the same credentials for 5 minutes,
    /// at most 3 refused logins per account per hour). Whatever the
    /// policy, one login at a time runs per account in the process, and
    /// every caller waiting for it shares its outcome.
    pub fn login_policy(mut self, policy: super::LoginPolicy) -> Self {
        self.login_policy = policy;
        self
    }

    /// The largest answer held in memory, decompressed (`send`,
    /// `send_text`, `send_bytes`, `send_json`, downloads into memory).
    /// Default 512 MiB: a full catalog (gp about 32 MiB, satcat about 12
    /// MiB) fits, a gzip bomb does not. Larger answers must be streamed
    /// (`stream`, `lines`, `bytes`, `save_to`), which hold one record or
    /// chunk at a time.
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = Some(bytes);
        self
    }

    /// The longest line `lines()` yields (default 1 MiB; element set lines
    /// are 69 characters, a csv line of the widest class a few KiB).
    pub fn max_line_bytes(mut self, bytes: u64) -> Self {
        self.max_line_bytes = Some(bytes);
        self
    }

    /// Called before every wait (limiter, server rate limit, backoff).
    /// Waits are also logged as `tracing` events.
    pub fn on_wait(
        mut self,
        observer: impl Fn(&crate::ratelimit::Wait) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Retry behaviour (see [`RetryPolicy`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where [`Client::get_predicates`] caches modeldef answers for a day
    /// (default: the user's cache folder, `spacetrack-rs/modeldef`). `None`
    /// keeps them in memory only.
    pub fn modeldef_cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.modeldef_dir = Some(dir);
        self
    }

    /// What the client does with a query against Space-Track's usage
    /// guidance (see [`guidance`](crate::guidance)): warn (the default),
    /// refuse ([`Policy::Strict`](crate::guidance::Policy::Strict), with
    /// [`Error::Guideline`]) or nothing.
    pub fn policy(mut self, policy: crate::guidance::Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The figures of the guidance rules (cadences, thresholds), instead
    /// of [`Guidance::default`](crate::guidance::Guidance).
    pub fn guidance(mut self, guidance: crate::guidance::Guidance) -> Self {
        self.guidance = Some(guidance);
        self
    }

    /// Keeps the ledger of recent queries that the guidance rules look back
    /// over in `file`, so that every process using the same file is seen
    /// as one user (the command line keeps one in its cache folder).
    /// Default: in memory, shared by the clients of an account in the
    /// process.
    pub fn guidance_ledger(mut self, file: impl Into<PathBuf>) -> Self {
        self.guidance_ledger = Some(file.into());
        self
    }

    /// Answers a repeated identical query from `dir` instead of sending
    /// it, while the first answer is younger than its class's cadence (gp:
    /// an hour, satcat: a day, ...; see
    /// [`Guidance`](crate::guidance::Guidance)), and says so at `info`
    /// level through `tracing`. Off by default.
    ///
    /// Answers are kept whole (owner-only files, one per server, account
    /// and URL): with the cache on, a query's answer is read whole before
    /// it is decoded or streamed, within
    /// [`max_answer_bytes`](Self::max_answer_bytes). Downloads are never
    /// cached.
    ///
    /// ```
    /// # fn main() -> spacetrack::Result<()> {
    /// let st = spacetrack::Client::builder()
    ///     .identity("me@example.com")
    ///     .password("secret")
    ///     .answer_cache(std::env::temp_dir().join("spacetrack-answers"))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn answer_cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.answer_cache = Some(dir.into());
        self
    }

    /// Keeps the session cookie in `store` so that other processes of the
    /// account reuse it instead of logging in (see
    /// [`FileSessionStore`](super::FileSessionStore), which the command
    /// line uses in its cache folder). A stored session is used until
    /// Space-Track expires it; then one process logs in again (under the
    /// store's lock) and stores the new one. With a store, dropping or
    /// closing the client leaves the session for the next process;
    /// [`Client::logout`] ends it. Refused credentials are noted there
    /// too, so that the other processes do not send them again at once
    /// (see [`LoginPolicy`](super::LoginPolicy)); a logout clears the note.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # fn main() -> spacetrack::Result<()> {
    /// let sessions = std::env::temp_dir().join("spacetrack-sessions-example");
    /// let st = spacetrack::Client::builder()
    ///     .identity("me@example.com")
    ///     .password("secret")
    ///     .session_store(Arc::new(spacetrack::FileSessionStore::new(sessions)))
    ///     .build()?;
    /// // The first query adopts the stored session, or logs in and stores
    /// // it; `st.logout().await` would end it for every process.
    /// # drop(st);
    /// # Ok(()) }
    /// ```
    pub fn session_store(mut self, store: Arc<dyn super::SessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// Builds the client. Nothing is sent until the first query.
    pub fn build(self) -> Result<Client> {
        let identity = self
            .identity
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::Config("an identity is required".into()))?;
        let password = self
            .password
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| Error::Config("a password is required".into()))?;
        let mut base = Url::parse(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .map_err(|e| Error::Config(format!("invalid base URL: {e}")))?;
        match base.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(Error::Config(
                    "plain http would send the password unencrypted; use https or call allow_http(true) for a local simulator".into(),
                ));
            }
            other => return Err(Error::Config(format!("unsupported URL scheme `{other}`"))),
        }
        if base.cannot_be_a_base() || base.query().is_some() || base.fragment().is_some() {
            return Err(Error::Config(
                "the base URL must be a plain http(s) URL".into(),
            ));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = match self.http {
            Some(h) => h,
            None => default_http(!self.allow_http, base.scheme() == "https")?,
        };
        let mut rates = self
            .rates
            .unwrap_or_else(|| vec![Rate::per_minute_default(), Rate::per_hour_default()]);
        rates.extend(self.extra_rates);
        // By default every client of the process shares one ledger per
        // account, however each was built.
        let store = self.store.unwrap_or_else(|| MemoryStore::shared());
        let limiter = Limiter::new(store, &rates, &base, &identity)?;
        // Login discipline is the account's, shared in the process.
        let limiter_key = limiter.limit.key.clone();
        let session = Arc::new(Session::new(
            super::session::account(&limiter.limit.key),
            super::session::credentials_hash(&identity, &password),
            self.login_policy,
            self.session_store.map(|store| super::store::Stored {
                store,
                account: limiter.limit.key.clone(),
            }),
        ));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                identity,
                password,
                session,
                timeout: self.timeout,
                limiter,
                observer: self.observer,
                retry: self.retry,
                modeldef: crate::modeldef::Cache::new(
                    self.modeldef_dir
                        .unwrap_or_else(crate::modeldef::Cache::default_dir),
                ),
                max_answer_bytes: self.max_answer_bytes.unwrap_or(DEFAULT_MAX_ANSWER_BYTES),
                max_line_bytes: self.max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES),
                guide: Guide::new(
                    self.policy,
                    self.guidance.unwrap_or_default(),
                    match self.guidance_ledger {
                        Some(file) => Arc::new(Ledger::in_file(file)),
                        None => Ledger::shared(&limiter_key),
                    },
                ),
                cache: self.answer_cache.map(AnswerCache::new),
            }),
        })
    }
}

fn default_http(https_only: bool, tls: bool) -> Result<reqwest::Client> {
    // reqwest is built without a bundled crypto provider; use ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Never follow redirects: the password must only ever go to
    // ajaxauth/login, and a query redirected (to a login page) is an expired
    // session, not data. Downloads are not redirected by Space-Track.
    let policy = reqwest::redirect::Policy::none();
    let mut http = reqwest::Client::builder()
        .user_agent(concat!("spacetrack-rs/", env!("CARGO_PKG_VERSION")))
        .https_only(https_only)
        .redirect(policy)
        .connect_timeout(DEFAULT_TIMEOUT)
        .read_timeout(DEFAULT_TIMEOUT);
    if !tls {
        // A plain-HTTP base URL (the simulator, a test server): every
        // request goes to it (none is redirected), so the system's
        // certificates are not loaded: reading and parsing them was a
        // quarter of a short command's CPU (BENCHMARKS.md §7). Trusting no
        // root, this client could not complete a TLS handshake at all.
        http = http.tls_certs_only(std::iter::empty());
    }
    http.build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

//! The client: configuration, sending requests with the session, error
//! statuses.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderValue};
use url::Url;

use crate::auth::{Secret, Session, Ticket};
use crate::error::{Error, Result};
use crate::modeldef::{ModeldefColumn, SchemaDrift};
use crate::query::{Format, RawQuery, Spec};
use crate::ratelimit::{Limiter, LimiterStore, MemoryStore, Rate, WaitObserver, WaitReason};

/// Space-Track's address.
pub const DEFAULT_BASE_URL: &str = "https://www.space-track.org/";

/// The default timeout: for connecting, and between two reads of a body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Space-Track client. Cheap to clone: clones share the session.
///
/// ```no_run
/// # async fn demo() -> spacetrack::Result<()> {
/// let st = spacetrack::Client::from_env()?;
/// let iss: Vec<spacetrack::Gp> = st.gp().norad_cat_id(25544).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    identity: String,
    password: Secret,
    session: Session,
    timeout: Option<Duration>,
    limiter: Limiter,
    observer: Option<WaitObserver>,
    retry: RetryPolicy,
    modeldef: crate::modeldef::Cache,
    /// Caps on what is held in memory (decompressed bytes).
    pub(crate) max_answer_bytes: u64,
    pub(crate) max_line_bytes: u64,
}

/// Default of [`ClientBuilder::max_answer_bytes`].
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 512 << 20;
/// Default of [`ClientBuilder::max_line_bytes`].
pub const DEFAULT_MAX_LINE_BYTES: u64 = 1 << 20;

/// How the client retries, and how long it waits.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after Space-Track reports a rate-limit violation (HTTP 500
    /// or an HTTP 200 error body). Default 2.
    pub rate_limit_retries: u32,
    /// Wait before such a retry. Space-Track's limits are per minute, so
    /// the default is 60 s.
    pub rate_limit_wait: Duration,
    /// Retries of idempotent requests after a connection error, a timeout,
    /// a body cut short or HTTP 502/503/504. Default 3.
    pub transient_retries: u32,
    /// First backoff delay (doubled each time, with jitter). Default 1 s.
    pub transient_min_delay: Duration,
    /// Longest backoff delay. Default 30 s.
    pub transient_max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            rate_limit_retries: 2,
            rate_limit_wait: Duration::from_secs(60),
            transient_retries: 3,
            transient_min_delay: Duration::from_secs(1),
            transient_max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            rate_limit_retries: 0,
            transient_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// Counts retries of one request and chooses the wait before the next.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    rate_limited: u32,
    backoff: backon::ExponentialBackoff,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy) -> Self {
        use backon::BackoffBuilder;
        let backoff = backon::ExponentialBuilder::new()
            .with_jitter()
            .with_min_delay(policy.transient_min_delay)
            .with_max_delay(policy.transient_max_delay)
            .with_max_times(policy.transient_retries as usize)
            .build();
        Attempts {
            policy,
            rate_limited: 0,
            backoff,
        }
    }

    /// The wait before retrying after `e`, or `None` to give up.
    pub(crate) fn next_wait(&mut self, e: &Error) -> Option<(Duration, WaitReason)> {
        match e {
            Error::RateLimited { .. } if self.rate_limited < self.policy.rate_limit_retries => {
                self.rate_limited += 1;
                Some((self.policy.rate_limit_wait, WaitReason::ServerRateLimit))
            }
            e if is_transient(e) => self.backoff.next().map(|d| (d, WaitReason::Transient)),
            _ => None,
        }
    }
}

fn is_transient(e: &Error) -> bool {
    match e {
        Error::Transport(t) => {
            t.is_connect() || t.is_timeout() || t.is_body() || t.is_decode() || t.is_request()
        }
        Error::Timeout(_) => true,
        Error::Api { status, .. } => matches!(status, 502..=504),
        _ => false,
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("identity", &self.inner.identity)
            .field("password", &self.inner.password)
            .field(
                "session",
                &if self.inner.session.is_logged_in() {
                    "<redacted>"
                } else {
                    "none"
                },
            )
            .finish()
    }
}

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
    login_policy: crate::auth::LoginPolicy,
    max_answer_bytes: Option<u64>,
    max_line_bytes: Option<u64>,
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
    pub fn login_policy(mut self, policy: crate::auth::LoginPolicy) -> Self {
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
            None => default_http(!self.allow_http)?,
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
        let session = Session::new(
            crate::auth::account(&limiter.limit.key),
            crate::auth::credentials_hash(&identity, &password),
            self.login_policy,
        );
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
            }),
        })
    }
}

fn default_http(https_only: bool) -> Result<reqwest::Client> {
    // reqwest is built without a bundled crypto provider; use ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Never follow redirects: the password must only ever go to
    // ajaxauth/login, and a query redirected (to a login page) is an expired
    // session, not data. Downloads are not redirected by Space-Track.
    let policy = reqwest::redirect::Policy::none();
    reqwest::Client::builder()
        .user_agent(concat!("spacetrack-rs/", env!("CARGO_PKG_VERSION")))
        .https_only(https_only)
        .redirect(policy)
        .connect_timeout(DEFAULT_TIMEOUT)
        .read_timeout(DEFAULT_TIMEOUT)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

impl Client {
    /// A [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for Space-Track with these credentials.
    pub fn new(identity: impl Into<String>, password: impl Into<String>) -> Result<Client> {
        Client::builder()
            .identity(identity)
            .password(password)
            .build()
    }

    /// A client from `SPACETRACK_IDENTITY` and `SPACETRACK_PASSWORD`, with
    /// optional `SPACETRACK_BASE_URL` and `SPACETRACK_ALLOW_HTTP=1`.
    pub fn from_env() -> Result<Client> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let identity = var("SPACETRACK_IDENTITY")
            .ok_or_else(|| Error::Config("SPACETRACK_IDENTITY is not set".into()))?;
        let password = var("SPACETRACK_PASSWORD")
            .ok_or_else(|| Error::Config("SPACETRACK_PASSWORD is not set".into()))?;
        let mut b = Client::builder().identity(identity).password(password);
        if let Some(url) = var("SPACETRACK_BASE_URL") {
            b = b.base_url(url);
        }
        if var("SPACETRACK_ALLOW_HTTP").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
        {
            b = b.allow_http(true);
        }
        b.build()
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn default_timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    pub(crate) fn notify_wait(&self, wait: Duration, reason: WaitReason) {
        crate::ratelimit::notify(self.inner.observer.as_ref(), wait, reason);
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// An untyped query for any class (see [`RawQuery`]).
    pub fn request(&self, class: &str) -> RawQuery {
        RawQuery::new(self.clone(), class)
    }

    pub(crate) fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.inner.base, path)
    }

    /// The live `modeldef` of a class in this build (searched in the
    /// reference client's controller order), fetched at most once a day:
    /// answers are cached in memory and on disk (see
    /// [`ClientBuilder::modeldef_cache_dir`]) and the disk cache is shared
    /// safely by concurrent processes.
    pub async fn get_predicates(&self, class: &str) -> Result<Arc<[ModeldefColumn]>> {
        let info = crate::schema::find_class(class, None).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "class `{class}` is not in this build's schemas; use get_predicates_in(controller, class)"
            ))
        })?;
        self.get_predicates_in(info.controller, info.class).await
    }

    /// [`get_predicates`](Self::get_predicates) for any controller and class.
    pub async fn get_predicates_in(
        &self,
        controller: &str,
        class: &str,
    ) -> Result<Arc<[ModeldefColumn]>> {
        let base = self.inner.base.as_str();
        self.inner
            .modeldef
            .get(base, controller, class, || async {
                let mut spec = Spec::new(controller, class);
                spec.action = "modeldef";
                let body = self.get_body(&spec, None).await?;
                let answer: crate::modeldef::ModeldefAnswer = crate::de::decode_any(class, &body)?;
                Ok(answer.data)
            })
            .await
    }

    /// Compares a class's live modeldef (through the same daily cache) with
    /// the schema compiled into this build: added, removed and retyped
    /// columns. A non-empty drift means `spacetrack schemas pull` and a
    /// rebuild would change the generated API.
    pub async fn schema_drift(&self, class: &str) -> Result<SchemaDrift> {
        let info = crate::schema::find_class(class, None).ok_or_else(|| {
            Error::InvalidArgument(format!("class `{class}` is not in this build's schemas"))
        })?;
        let live = self.get_predicates_in(info.controller, info.class).await?;
        Ok(SchemaDrift::compare(info, &live))
    }

    /// Logs in now (queries log in by themselves when needed).
    pub async fn login(&self) -> Result<()> {
        self.ticket().await.map(|_| ())
    }

    /// Ends the session. The next query logs in again. The session is
    /// forgotten locally even when the logout request fails.
    pub async fn logout(&self) -> Result<()> {
        let Some(cookie) = self.inner.session.clear() else {
            return Ok(());
        };
        let resp = self
            .inner
            .http
            .get(self.url_for("ajaxauth/logout"))
            .header(COOKIE, cookie)
            .timeout(LOGOUT_TIMEOUT)
            .send()
            .await?;
        tracing::debug!(status = resp.status().as_u16(), "logout");
        if !resp.status().is_success() {
            return Err(Error::Api {
                status: resp.status().as_u16(),
                message: "logout failed".into(),
            });
        }
        Ok(())
    }

    /// Logs out and drops this handle. The session is forgotten and, once
    /// this was the last clone, the connections are released, even when
    /// the logout request fails (its error is still returned). Other clones
    /// keep working and log in again when they next query.
    ///
    /// Dropping the last clone without `close` also logs out, in the
    /// background on the current Tokio runtime (if there is one).
    pub async fn close(self) -> Result<()> {
        self.logout().await
    }

    async fn ticket(&self) -> Result<Ticket> {
        let inner = &self.inner;
        inner.session.ticket(|| self.do_login()).await
    }

    async fn do_login(&self) -> Result<HeaderValue> {
        let inner = &self.inner;
        tracing::debug!(identity = %inner.identity, "logging in");
        let url = self.url_for("ajaxauth/login");
        // A total deadline for the login, body included (the HTTP client's
        // own timeouts only bound connecting and each read).
        let deadline = inner.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let resp = inner
            .http
            .post(&url)
            .form(&[
                ("identity", inner.identity.as_str()),
                ("password", inner.password.expose()),
            ])
            .timeout(deadline)
            .send()
            .await
            .map_err(|e| transport(e, Some(deadline)))?;
        if !resp.url().path().ends_with("ajaxauth/login") {
            return Err(Error::Auth(
                "the login request was redirected; configure the HTTP client not to follow redirects".into(),
            ));
        }
        let status = resp.status();
        let cookie = crate::auth::cookie_from_login(resp.headers());
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport(e, Some(deadline)))?;
        if status.is_redirection() {
            return Err(Error::Auth(format!(
                "login answered a redirect (HTTP {})",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            let message = error_message(&body);
            return Err(Error::Auth(format!(
                "login failed with HTTP {}: {message}",
                status.as_u16()
            )));
        }
        crate::auth::check_login_body(&body)?;
        cookie.ok_or_else(|| Error::Auth("login succeeded but no session cookie was set".into()))
    }

    /// Sends a GET for `spec` and returns the whole body, retrying
    /// rate-limit violations and transient failures (GETs are idempotent).
    /// The body is capped at [`ClientBuilder::max_answer_bytes`]
    /// (decompressed).
    pub(crate) async fn get_body(&self, spec: &Spec, format: Option<Format>) -> Result<Bytes> {
        let timeout = spec.timeout.or(self.inner.timeout);
        // A download is the file itself: never read it as an error body.
        let sniff = format != Some(Format::Stream);
        let cap = self.inner.max_answer_bytes;
        self.get_retrying(spec, format, |got| async move {
            let status = got.status;
            let body = got.body(cap, timeout).await?;
            classify(status, body, sniff)
        })
        .await
    }

    /// Sends a GET for a JSON answer of `R` and decodes it while it arrives
    /// (see [`pipeline`](crate::pipeline)); retried as [`get_body`](Self::get_body) is.
    pub(crate) async fn get_records<R: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        class: &'static str,
        spec: &Spec,
    ) -> Result<Vec<R>> {
        let timeout = spec.timeout.or(self.inner.timeout);
        let cap = self.inner.max_answer_bytes;
        let format = Some(Format::Json);
        self.get_retrying(spec, format, |got| async move {
            let got = got.successful(cap, timeout).await?;
            let status = got.status;
            match crate::pipeline::receive::<R>(class, got, cap, timeout).await? {
                crate::pipeline::Answer::Records(rows) => Ok(rows),
                crate::pipeline::Answer::Whole(body) => {
                    let body = classify(status, body, true)?;
                    crate::query::decode_off_runtime(body, move |b| {
                        crate::de::decode_records::<R>(class, b).map(|r| r.0)
                    })
                    .await
                }
            }
        })
        .await
    }

    /// Sends a GET for `spec` and returns the answer once its status is a
    /// success, for streaming. Retries happen only before the body starts.
    pub(crate) async fn get_response(
        &self,
        spec: &Spec,
        format: Option<Format>,
    ) -> Result<Received> {
        let timeout = spec.timeout.or(self.inner.timeout);
        let cap = self.inner.max_answer_bytes;
        self.get_retrying(spec, format, |got| got.successful(cap, timeout))
            .await
    }

    pub(crate) fn max_line_bytes(&self) -> u64 {
        self.inner.max_line_bytes
    }

    /// The retry loop shared by every GET: sends, lets `finish` turn the
    /// response into a result, and retries what [`RetryPolicy`] allows.
    async fn get_retrying<T, F, Fut>(
        &self,
        spec: &Spec,
        format: Option<Format>,
        finish: F,
    ) -> Result<T>
    where
        F: Fn(Received) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let url = self.url_for(&spec.path(format)?);
        let timeout = spec.timeout.or(self.inner.timeout);
        let mut attempts = Attempts::new(&self.inner.retry);
        tracing::debug!(url = %url, "query");
        loop {
            let outcome = match self
                .send_once(|http| Ok(http.get(&url)), timeout, format)
                .await
            {
                Ok(resp) => finish(resp).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) => match attempts.next_wait(&e) {
                    Some((wait, reason)) => {
                        tracing::warn!(error = %e, "retrying");
                        crate::ratelimit::notify(self.inner.observer.as_ref(), wait, reason);
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(e),
                },
            }
        }
    }

    /// Waits for the limiter, logs in if needed, sends the request `make`
    /// builds, and on an expired session (a 401, a redirect to a login
    /// page, or a login page where data was asked for) logs in again once
    /// and resends: `make` is called again and may refuse (a body that
    /// cannot be replayed). A web page is never returned as data: HTML is
    /// accepted only when `format` asks for it (`html`) or for a download's
    /// content; otherwise it is an expired session (once) or
    /// [`Error::Page`]. The whole call, login included, obeys `timeout`.
    pub(crate) async fn send_once(
        &self,
        mut make: impl FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
        timeout: Option<Duration>,
        format: Option<Format>,
    ) -> Result<Received> {
        let deadline = timeout.unwrap_or(DEFAULT_TIMEOUT);
        let html_is_data = matches!(format, Some(Format::Html | Format::Stream));
        let mut relogged = false;
        loop {
            // Log in first (within the request's deadline: a slow or
            // trickling login must not hold every caller), then take the
            // limiter's slot and send at once, so that the server sees
            // requests spaced as the limiter admitted them.
            // The login has the same deadline of its own (so that its
            // failure is recorded and shared); this one is the backstop.
            let ticket = tokio::time::timeout(deadline + Duration::from_secs(1), self.ticket())
                .await
                .map_err(|_| Error::Timeout(deadline))??;
            self.inner
                .limiter
                .until_ready(self.inner.observer.as_ref())
                .await?;
            let mut req = make(&self.inner.http)?.header(COOKIE, ticket.cookie.clone());
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            let resp = req.send().await.map_err(|e| transport(e, timeout))?;
            let status = resp.status();
            let expired = if status == StatusCode::UNAUTHORIZED {
                let body = resp.bytes().await.unwrap_or_default();
                Err(Error::Auth(error_message(&body)))
            } else if status.is_redirection() {
                // Queries never follow redirects: Space-Track redirects a
                // request without a session to its login page.
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                if looks_like_login(&location) {
                    Err(Error::Auth(format!(
                        "redirected to the login page ({location}) after logging in again"
                    )))
                } else {
                    return Err(Error::Api {
                        status: status.as_u16(),
                        message: format!("unexpected redirect to {location:?}; not followed"),
                    });
                }
            } else {
                let got = Received::start(resp, timeout).await?;
                // Error statuses are classified by their callers (a
                // rate-limit page is a rate limit).
                if html_is_data || !status.is_success() || !got.is_html() {
                    return Ok(got);
                }
                let page = got.page().await;
                if !page.login || status != StatusCode::OK {
                    return Err(Error::Page {
                        status: status.as_u16(),
                        title: page.title,
                    });
                }
                Err(Error::Page {
                    status: status.as_u16(),
                    title: format!("a login page after logging in again: {}", page.title),
                })
            };
            if relogged {
                return expired;
            }
            // The session expired (about two hours idle): log in again once
            // and resend.
            tracing::info!("session expired; logging in again");
            self.inner.session.invalidate(&ticket);
            relogged = true;
        }
    }
}

/// Whether a redirect target is a login page.
fn looks_like_login(location: &str) -> bool {
    let l = location.to_ascii_lowercase();
    l.contains("login")
        || l.contains("auth")
        || l.contains("signin")
        || l.trim_end_matches('/').is_empty()
}

/// How much of an error answer or a web page is read: its message or
/// title is at the start.
const PAGE_BYTES: usize = 64 << 10;

/// An answer whose status and first bytes have been read: enough to tell a
/// web page from data before anything is handed on.
pub(crate) struct Received {
    pub(crate) status: StatusCode,
    head: bytes::BytesMut,
    html_type: bool,
    resp: reqwest::Response,
}

/// What a web page is.
struct Page {
    login: bool,
    title: String,
}

impl Received {
    /// Reads up to 512 bytes (or the whole body if shorter).
    async fn start(resp: reqwest::Response, timeout: Option<Duration>) -> Result<Received> {
        let html_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
        let mut got = Received {
            status: resp.status(),
            head: bytes::BytesMut::new(),
            html_type,
            resp,
        };
        got.read_head(512, timeout).await?;
        Ok(got)
    }

    /// Reads on until at least `n` bytes are held (or the body ends).
    async fn read_head(&mut self, n: usize, timeout: Option<Duration>) -> Result<()> {
        while self.head.len() < n {
            match self.resp.chunk().await.map_err(|e| transport(e, timeout))? {
                Some(c) => self.head.extend_from_slice(&c),
                None => break,
            }
        }
        Ok(())
    }

    /// An HTML document. Decided by the first bytes, which a page cannot
    /// hide: a `text/html` type alone is not enough (servers mislabel JSON
    /// and XML), but it makes any body that starts with a tag a page.
    fn is_html(&self) -> bool {
        let start: Vec<u8> = self
            .head
            .iter()
            .copied()
            .skip_while(u8::is_ascii_whitespace)
            .take(16)
            .map(|b| b.to_ascii_lowercase())
            .collect();
        ["<!doctype html", "<html", "<head", "<body", "<title"]
            .iter()
            .any(|p| start.starts_with(p.as_bytes()))
            || (self.html_type && start.first() == Some(&b'<') && !start.starts_with(b"<?xml"))
    }

    /// Reads up to 64 KiB of a page (within the request's timeout) and
    /// says what it is.
    async fn page(mut self) -> Page {
        // A page cut short is still a page: keep what arrived.
        let _ = self.read_head(PAGE_BYTES, None).await;
        let text = String::from_utf8_lossy(&self.head).to_string();
        let lower = text.to_ascii_lowercase();
        let title = page_title(&text);
        let login = lower.contains("type=\"password\"")
            || lower.contains("type='password'")
            || lower.contains("ajaxauth/login")
            || title.to_ascii_lowercase().contains("login")
            || title.to_ascii_lowercase().contains("log in");
        Page { login, title }
    }

    /// The body: for a success the whole of it, at most `cap` bytes
    /// (decompressed), else an error; for an error status only its first
    /// [`PAGE_BYTES`], which is all a message needs (the rest is left
    /// unread).
    pub(crate) async fn body(mut self, cap: u64, timeout: Option<Duration>) -> Result<Bytes> {
        if !self.status.is_success() {
            self.read_head(PAGE_BYTES, timeout).await?;
            self.head.truncate(PAGE_BYTES);
            return Ok(self.head.freeze());
        }
        let too_large = || Error::TooLarge {
            limit: cap,
            what: "an answer held in memory",
        };
        if self.head.len() as u64 > cap {
            return Err(too_large());
        }
        if let Some(n) = self.resp.content_length() {
            if n > cap {
                return Err(too_large());
            }
            self.head
                .reserve((n as usize).saturating_sub(self.head.len()));
        }
        while let Some(c) = self.resp.chunk().await.map_err(|e| transport(e, timeout))? {
            if (self.head.len() + c.len()) as u64 > cap {
                return Err(too_large());
            }
            self.head.extend_from_slice(&c);
        }
        Ok(self.head.freeze())
    }

    /// The answer when its status is a success, else the error its body
    /// says (read up to [`PAGE_BYTES`]).
    async fn successful(self, cap: u64, timeout: Option<Duration>) -> Result<Received> {
        let status = self.status;
        if status.is_success() {
            return Ok(self);
        }
        let body = self.body(cap, timeout).await?;
        Err(classify(status, body, true)
            .err()
            .unwrap_or_else(|| Error::Api {
                status: status.as_u16(),
                message: "unexpected status".into(),
            }))
    }

    /// The length the server announced, if any (none when decompressing).
    pub(crate) fn content_length(&self) -> Option<u64> {
        self.resp.content_length()
    }

    /// The next chunk of the body (the bytes already read come first).
    pub(crate) async fn next_chunk(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>> {
        if !self.head.is_empty() {
            return Ok(Some(std::mem::take(&mut self.head).freeze()));
        }
        self.resp.chunk().await.map_err(|e| transport(e, timeout))
    }

    /// The body as a stream of chunks (the bytes already read first).
    pub(crate) fn into_stream(
        self,
    ) -> futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>> {
        use futures_util::StreamExt;
        let head = (!self.head.is_empty()).then(|| Ok(self.head.freeze()));
        futures_util::stream::iter(head)
            .chain(self.resp.bytes_stream())
            .boxed()
    }
}

/// A page's `<title>`, else the start of its text.
fn page_title(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    lower
        .find("<title")
        .and_then(|i| Some(i + lower[i..].find('>')? + 1))
        .and_then(|start| Some((start, start + lower[start..].find("</title")?)))
        .map(|(a, b)| text[a..b].split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| page_text(text))
}

/// The start of a page's text, without its tags.
fn page_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut t = words.join(" ");
    if t.len() > 200 {
        let mut end = 200;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        t.truncate(end);
        t.push('…');
    }
    if t.is_empty() {
        "(an empty page)".into()
    } else {
        t
    }
}

/// How long a logout may take (it is a courtesy to the server).
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone is gone: end the session on the server, without
        // blocking the thread that drops us.
        let Some(cookie) = self.session.clear() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!("dropped outside a Tokio runtime; session left to expire");
            return;
        };
        let http = self.http.clone();
        let url = format!("{}ajaxauth/logout", self.base);
        runtime.spawn(async move {
            let r = http
                .get(url)
                .header(COOKIE, cookie)
                .timeout(LOGOUT_TIMEOUT)
                .send()
                .await;
            tracing::debug!(ok = r.is_ok(), "logout on drop");
        });
    }
}

/// Turns a status and body into the body or an error. Space-Track sends
/// some errors with HTTP 200 (`[{"error": ...}]`), and rate-limit violations
/// as HTTP 500 with a text body.
pub(crate) fn classify(status: StatusCode, body: Bytes, sniff: bool) -> Result<Bytes> {
    if status.is_success() {
        if let Some(message) = sniff.then(|| crate::de::error_body(&body)).flatten() {
            return Err(crate::de::api_error(status.as_u16(), message));
        }
        return Ok(body);
    }
    let text = String::from_utf8_lossy(&body);
    if text.contains("violated your query rate limit") {
        return Err(Error::RateLimited {
            message: error_message(&body),
        });
    }
    Err(crate::de::api_error(status.as_u16(), error_message(&body)))
}

pub(crate) fn transport(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    if e.is_timeout() {
        Error::Timeout(timeout.unwrap_or(DEFAULT_TIMEOUT))
    } else {
        Error::from(e)
    }
}

/// Space-Track's message from an error body: the `error` field when there
/// is one, else the start of the text.
fn error_message(body: &[u8]) -> String {
    if let Some(m) = crate::de::error_body(body) {
        return m;
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(500)]);
    let text = text.trim();
    if text.starts_with('<') {
        // An HTML error page: its title or text, not its markup.
        return page_title(&String::from_utf8_lossy(
            &body[..body.len().min(PAGE_BYTES)],
        ));
    }
    if text.is_empty() {
        "(empty body)".into()
    } else {
        text.to_owned()
    }
}

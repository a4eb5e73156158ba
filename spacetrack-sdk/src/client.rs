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
}

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
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Replaces the default limits (fewer than 30 per minute and 300 per
    /// hour). An empty list disables client-side limiting: only for a
    /// simulator or test server.
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

    /// Where limiter state lives (default: this process). Clients that
    /// share a store and an identity share their limits, across processes
    /// with `RedisStore` (feature `redis`).
    pub fn limiter_store(mut self, store: Arc<dyn LimiterStore>) -> Self {
        self.store = Some(store);
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
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let limiter = Limiter::new(store, &rates, &identity)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                identity,
                password,
                session: Session::default(),
                timeout: self.timeout,
                limiter,
                observer: self.observer,
                retry: self.retry,
                modeldef: crate::modeldef::Cache::new(
                    self.modeldef_dir
                        .unwrap_or_else(crate::modeldef::Cache::default_dir),
                ),
            }),
        })
    }
}

fn default_http(https_only: bool) -> Result<reqwest::Client> {
    // reqwest is built without a bundled crypto provider; use ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        // Never follow a redirect away from the login form: the password
        // must only ever go to ajaxauth/login.
        let from_login = attempt
            .previous()
            .last()
            .is_some_and(|u| u.path().ends_with("ajaxauth/login"));
        if from_login {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
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
        let resp = inner
            .http
            .post(&url)
            .form(&[
                ("identity", inner.identity.as_str()),
                ("password", inner.password.expose()),
            ])
            .send()
            .await?;
        if !resp.url().path().ends_with("ajaxauth/login") {
            return Err(Error::Auth(
                "the login request was redirected; configure the HTTP client not to follow redirects".into(),
            ));
        }
        let status = resp.status();
        let cookie = crate::auth::cookie_from_login(resp.headers());
        let body = resp.bytes().await?;
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
    pub(crate) async fn get_body(&self, spec: &Spec, format: Option<Format>) -> Result<Bytes> {
        let timeout = spec.timeout.or(self.inner.timeout);
        // A download is the file itself: never read it as an error body.
        let sniff = format != Some(Format::Stream);
        self.get_retrying(spec, format, |resp| async move {
            let status = resp.status();
            let body = resp.bytes().await.map_err(|e| transport(e, timeout))?;
            classify(status, body, sniff)
        })
        .await
    }

    /// Sends a GET for `spec` and returns the response once its status is a
    /// success, for streaming. Retries happen only before the body starts.
    pub(crate) async fn get_response(
        &self,
        spec: &Spec,
        format: Option<Format>,
    ) -> Result<reqwest::Response> {
        let timeout = spec.timeout.or(self.inner.timeout);
        self.get_retrying(spec, format, |resp| async move {
            let status = resp.status();
            if status.is_success() {
                return Ok(resp);
            }
            let body = resp.bytes().await.map_err(|e| transport(e, timeout))?;
            Err(classify(status, body, true)
                .err()
                .unwrap_or_else(|| Error::Api {
                    status: status.as_u16(),
                    message: "unexpected status".into(),
                }))
        })
        .await
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
        F: Fn(reqwest::Response) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let url = self.url_for(&spec.path(format)?);
        let timeout = spec.timeout.or(self.inner.timeout);
        let mut attempts = Attempts::new(&self.inner.retry);
        tracing::debug!(url = %url, "query");
        loop {
            let outcome = match self.send_once(|http| Ok(http.get(&url)), timeout).await {
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
    /// builds, and on a 401 (expired session) logs in again once and
    /// resends: `make` is called again and may refuse (a body that cannot
    /// be replayed).
    pub(crate) async fn send_once(
        &self,
        mut make: impl FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response> {
        let mut relogged = false;
        loop {
            // Log in first, then take the limiter's slot and send at once, so
            // that the server sees requests spaced as the limiter admitted them.
            let ticket = self.ticket().await?;
            self.inner
                .limiter
                .until_ready(self.inner.observer.as_ref())
                .await?;
            let mut req = make(&self.inner.http)?.header(COOKIE, ticket.cookie.clone());
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            let resp = req.send().await.map_err(|e| transport(e, timeout))?;
            if resp.status() != StatusCode::UNAUTHORIZED {
                return Ok(resp);
            }
            let body = resp.bytes().await.unwrap_or_default();
            if relogged {
                return Err(Error::Auth(error_message(&body)));
            }
            // The session expired (about two hours idle): log in again once
            // and resend.
            tracing::info!("session expired; logging in again");
            self.inner.session.invalidate(&ticket);
            relogged = true;
        }
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
    if text.is_empty() {
        "(empty body)".into()
    } else {
        text.to_owned()
    }
}

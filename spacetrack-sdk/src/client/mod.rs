//! Sending to Space-Track: the client and its configuration, the session
//! and login, the retry loop, and the classification of answers (data,
//! web pages, login pages, error bodies, rate-limit answers).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::COOKIE;
use url::Url;

use crate::error::{Error, Result};
use crate::ratelimit::{Limiter, WaitObserver, WaitReason};

pub(crate) use answer::classify;
pub use builder::{ClientBuilder, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_LINE_BYTES};
pub(crate) use retry::Attempts;
pub use retry::RetryPolicy;
pub use session::LoginPolicy;
use session::{Secret, Session};
pub use store::{FileSessionStore, Refusal, SessionStore};

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
    session: Arc<Session>,
    timeout: Option<Duration>,
    limiter: Limiter,
    observer: Option<WaitObserver>,
    retry: RetryPolicy,
    modeldef: crate::modeldef::Cache,
    /// Caps on what is held in memory (decompressed bytes).
    pub(crate) max_answer_bytes: u64,
    pub(crate) max_line_bytes: u64,
    /// Space-Track's usage guidance as this client applies it.
    guide: crate::guidance::Guide,
    /// Answers kept on disk (`ClientBuilder::answer_cache`).
    cache: Option<crate::guidance::AnswerCache>,
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

    pub(crate) fn guide(&self) -> &crate::guidance::Guide {
        &self.inner.guide
    }

    /// How long `n` more requests would wait under the account's ledger as
    /// it stands (`None`: the limiter's store cannot tell).
    pub(crate) async fn expected_wait(&self, n: usize) -> Result<Option<Duration>> {
        self.inner.limiter.expected_wait(n).await
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn default_timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// Says a wait before retrying after `error`, and tells the observer.
    pub(crate) fn retry_wait(&self, wait: Duration, reason: WaitReason, error: &Error) {
        crate::ratelimit::retrying(self.inner.observer.as_ref(), wait, reason, error);
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    pub(crate) fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.inner.base, path)
    }

    /// Logs in now (queries log in by themselves when needed).
    pub async fn login(&self) -> Result<()> {
        self.ticket().await.map(|_| ())
    }

    /// Ends the session. The next query logs in again. The session is
    /// forgotten locally (and in the [session
    /// store](ClientBuilder::session_store), whose stored session it ends
    /// too) even when the logout request fails.
    pub async fn logout(&self) -> Result<()> {
        let Some(cookie) = self.inner.session.end() else {
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
    ///
    /// With a [session store](ClientBuilder::session_store), `close` and
    /// dropping leave the session for the next process (that is the
    /// store's purpose); [`logout`](Self::logout) ends it.
    pub async fn close(self) -> Result<()> {
        if self.inner.session.is_stored() {
            return Ok(());
        }
        self.logout().await
    }
}

/// How long a logout may take (it is a courtesy to the server).
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone is gone: end the session on the server, without
        // blocking the thread that drops us (unless a store keeps it for
        // the next process).
        if self.session.is_stored() {
            return;
        }
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

// Declared after `Client`'s own methods so that rustdoc lists those first.
mod answer;
mod builder;
mod exchange;
mod modeldef;
mod retry;
mod send;
mod session;
mod store;

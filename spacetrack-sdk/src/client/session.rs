//! The Space-Track session: lazy login (once, even under concurrent first
//! calls), the session cookie, re-login after expiry, logout.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, SET_COOKIE};

use super::answer::{error_message, transport};
use super::exchange::Exchange;
use super::{Client, DEFAULT_TIMEOUT};
use crate::error::{Error, Result};

/// The word in an `Auth` error that marks credentials Space-Track refused.
const REFUSED: &str = "rejected";

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(s: String) -> Self {
        Secret(s)
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Login discipline for one account (identity on a server), shared by every
/// client of the process: one login in flight at a time, and after
/// Space-Track refuses the credentials, no new attempt with the same ones
/// for a back-off period and at most a few per hour. Space-Track locks
/// accounts after repeated failed logins; 64 callers with a wrong password
/// send one login, not 64.
pub(crate) struct Account {
    login: Arc<tokio::sync::Mutex<()>>,
    refusals: Mutex<Refusals>,
    /// Login attempts so far, to tell callers that waited through one.
    attempts: std::sync::atomic::AtomicU64,
    /// The last attempt's failure (not a refusal: a timeout, a network
    /// error), shared with the callers that waited for it and, for a short
    /// back-off, with the next ones: no login storm against a struggling
    /// server.
    failure: Mutex<Option<(Instant, LoginFailure)>>,
}

/// A login failure that can be handed to every waiting caller.
#[derive(Clone)]
enum LoginFailure {
    Timeout(Duration),
    Other(String),
}

impl LoginFailure {
    fn of(e: &Error) -> LoginFailure {
        match e {
            Error::Timeout(d) => LoginFailure::Timeout(*d),
            other => LoginFailure::Other(other.to_string()),
        }
    }
    fn error(&self) -> Error {
        match self {
            LoginFailure::Timeout(d) => Error::Timeout(*d),
            LoginFailure::Other(m) => Error::Auth(format!("the account's login failed: {m}")),
        }
    }
}

/// How long a failed (not refused) login is shared with later callers.
const FAILED_LOGIN_BACKOFF: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Refusals {
    /// The last refusal: when, for which credentials (a hash), and why.
    last: Option<(Instant, u64, String)>,
    /// When recent refusals happened (the last hour).
    recent: VecDeque<Instant>,
}

/// How logins are paced after a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// No new login with credentials Space-Track refused, for this long.
    pub refused_backoff: Duration,
    /// At most this many refused logins per account per hour; further
    /// attempts fail without being sent until the hour has passed.
    pub max_refusals_per_hour: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            refused_backoff: Duration::from_secs(300),
            max_refusals_per_hour: 3,
        }
    }
}

/// The process-wide state of the account `key` (`spacetrack:{server}:{identity}`).
pub(crate) fn account(key: &str) -> Arc<Account> {
    static ACCOUNTS: OnceLock<Mutex<HashMap<String, Arc<Account>>>> = OnceLock::new();
    let mut all = ACCOUNTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    all.entry(key.to_owned())
        .or_insert_with(|| {
            Arc::new(Account {
                login: Arc::new(tokio::sync::Mutex::new(())),
                refusals: Mutex::default(),
                attempts: Default::default(),
                failure: Mutex::default(),
            })
        })
        .clone()
}

impl Account {
    /// Why a login with `credentials` must not be sent now, if it must not.
    fn refused_recently(&self, credentials: u64, policy: &LoginPolicy) -> Option<String> {
        let mut r = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        let hour = Duration::from_secs(3600);
        while r.recent.front().is_some_and(|t| t.elapsed() >= hour) {
            r.recent.pop_front();
        }
        if let Some((at, creds, why)) = &r.last {
            if *creds == credentials && at.elapsed() < policy.refused_backoff {
                let left = policy.refused_backoff.saturating_sub(at.elapsed());
                return Some(format!(
                    "{why} (login not retried with the same credentials for another {} s, so the account is not locked)",
                    left.as_secs().max(1)
                ));
            }
        }
        if r.recent.len() >= policy.max_refusals_per_hour as usize {
            return Some(format!(
                "{} refused logins for this account in the last hour; no more are sent until the hour has passed, so the account is not locked",
                r.recent.len()
            ));
        }
        None
    }

    fn note_refusal(&self, credentials: u64, why: &str) {
        let mut r = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        r.last = Some((Instant::now(), credentials, why.to_owned()));
        r.recent.push_back(Instant::now());
    }

    fn note_success(&self) {
        let mut r = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        r.last = None;
    }
}

/// A hash of the credentials, to tell "the same refused password again"
/// from a corrected one. Kept in memory only; never logged.
pub(crate) fn credentials_hash(identity: &str, password: &Secret) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    identity.hash(&mut h);
    password.expose().hash(&mut h);
    h.finish()
}

/// The mark of `credentials` noted with a refusal in a session store:
/// a random salt and 16 bits of a hash of it and the credentials' hash
/// (see [`Refusal::tag`](super::Refusal::tag)).
fn refusal_tag(credentials: u64) -> String {
    use std::hash::BuildHasher;
    let salt = std::collections::hash_map::RandomState::new().hash_one(credentials) as u32;
    format!("{salt:08x}-{:04x}", tag_bits(salt, credentials))
}

fn tag_bits(salt: u32, credentials: u64) -> u16 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    salt.hash(&mut h);
    credentials.hash(&mut h);
    h.finish() as u16
}

/// Whether a noted refusal's mark may be of `credentials` (an empty or
/// unreadable mark may be of any).
fn tag_matches(tag: &str, credentials: u64) -> bool {
    let parsed = tag.split_once('-').and_then(|(salt, bits)| {
        Some((
            u32::from_str_radix(salt, 16).ok()?,
            u16::from_str_radix(bits, 16).ok()?,
        ))
    });
    match parsed {
        Some((salt, bits)) => tag_bits(salt, credentials) == bits,
        None => true,
    }
}

/// The current session cookie and a generation counter, so that a request
/// that failed with an old cookie does not throw away a newer session.
pub(crate) struct Session {
    state: Mutex<State>,
    account: Arc<Account>,
    credentials: u64,
    policy: LoginPolicy,
    /// Where the session outlives the process, if anywhere.
    stored: Option<super::store::Stored>,
}

#[derive(Default)]
struct State {
    cookie: Option<HeaderValue>,
    generation: u64,
}

/// A cookie to send and the generation it belongs to.
#[derive(Clone)]
pub(crate) struct Ticket {
    pub(crate) cookie: HeaderValue,
    pub(crate) generation: u64,
}

impl Session {
    pub(crate) fn new(
        account: Arc<Account>,
        credentials: u64,
        policy: LoginPolicy,
        stored: Option<super::store::Stored>,
    ) -> Session {
        Session {
            stored,
            state: Mutex::default(),
            account,
            credentials,
            policy,
        }
    }

    pub(crate) fn is_logged_in(&self) -> bool {
        self.state
            .lock()
            .map(|s| s.cookie.is_some())
            .unwrap_or(false)
    }

    fn current(&self) -> Option<Ticket> {
        let s = self.state.lock().ok()?;
        s.cookie.clone().map(|cookie| Ticket {
            cookie,
            generation: s.generation,
        })
    }

    /// Returns the session cookie, logging in first if there is none. Only
    /// one login runs at a time; callers that wait reuse its result.
    ///
    /// The login runs as a task of its own: once sent, it runs to its
    /// deadline even if every caller waiting for it is cancelled (a service
    /// with short deadlines), and its outcome (a session, a refusal, a
    /// failure) serves the next caller instead of a new login.
    pub(crate) async fn ticket<F, Fut>(self: &Arc<Self>, login: F) -> Result<Ticket>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<HeaderValue>> + Send + 'static,
    {
        if let Some(t) = self.current() {
            return Ok(t);
        }
        // A session another process left in the store.
        if let Some(t) = self.adopt_stored().await? {
            return Ok(t);
        }
        // One login in flight per account: the others wait here and then
        // see its outcome (a session, a refusal or a failure).
        use std::sync::atomic::Ordering;
        let seen = self.account.attempts.load(Ordering::SeqCst);
        let guard = Arc::clone(&self.account.login).lock_owned().await;
        if let Some(t) = self.current() {
            return Ok(t);
        }
        if let Some(why) = self
            .account
            .refused_recently(self.credentials, &self.policy)
        {
            return Err(Error::Auth(why));
        }
        {
            let failure = self
                .account
                .failure
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some((at, f)) = &*failure {
                let waited_through = self.account.attempts.load(Ordering::SeqCst) != seen;
                if waited_through || at.elapsed() < FAILED_LOGIN_BACKOFF {
                    return Err(f.error());
                }
            }
        }
        // Across processes: the store's lock, then the store again (the
        // process that held the lock may just have logged in).
        let store_guard = match &self.stored {
            Some(stored) => Some(stored.run(|store, account| store.lock(account)).await?),
            None => None,
        };
        if let Some(t) = self.adopt_stored().await? {
            return Ok(t);
        }
        // Another process may just have been refused.
        if let Some(why) = self.refused_elsewhere().await? {
            return Err(Error::Auth(why));
        }
        self.account.attempts.fetch_add(1, Ordering::SeqCst);
        let session = Arc::clone(self);
        let task = tokio::spawn(async move {
            // The account's login locks are held until the outcome is
            // recorded (and stored), whoever is still waiting.
            let _guard = guard;
            let _store_guard = store_guard;
            let outcome = login().await;
            let refused = matches!(&outcome, Err(Error::Auth(why)) if why.contains(REFUSED));
            if let (Some(stored), true) = (&session.stored, refused) {
                // Shared, so that other processes do not send them again.
                let tag = refusal_tag(session.credentials);
                if let Err(e) = stored.store.note_refusal(&stored.account, &tag) {
                    tracing::warn!(error = %e, "the refused login could not be noted in the session store");
                }
            }
            let ticket = session.record(outcome)?;
            if let (Some(stored), Ok(cookie)) = (&session.stored, ticket.cookie.to_str()) {
                // A small owner-only file, written while the lock is held.
                if let Err(e) = stored.store.save(&stored.account, cookie) {
                    tracing::warn!(error = %e, "the session could not be stored for the next run");
                }
            }
            Ok(ticket)
        });
        task.await
            .map_err(|e| Error::Auth(format!("the login task failed: {e}")))?
    }

    /// Records a login's outcome for the account and this session.
    fn record(&self, outcome: Result<HeaderValue>) -> Result<Ticket> {
        *self
            .account
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = match &outcome {
            Err(e) if !matches!(e, Error::Auth(why) if why.contains(REFUSED)) => {
                Some((Instant::now(), LoginFailure::of(e)))
            }
            _ => None,
        };
        let cookie = match outcome {
            Ok(c) => {
                self.account.note_success();
                c
            }
            Err(Error::Auth(why)) if why.contains(REFUSED) => {
                self.account.note_refusal(self.credentials, &why);
                return Err(Error::Auth(why));
            }
            Err(e) => return Err(e),
        };
        let mut s = self
            .state
            .lock()
            .map_err(|_| Error::Auth("session lock poisoned".into()))?;
        s.generation += 1;
        s.cookie = Some(cookie.clone());
        Ok(Ticket {
            cookie,
            generation: s.generation,
        })
    }

    /// Why no login may be sent now because of refusals the store noted
    /// (another process's, or this one's), if none may.
    async fn refused_elsewhere(&self) -> Result<Option<String>> {
        let Some(stored) = &self.stored else {
            return Ok(None);
        };
        let all = stored.run(|store, account| store.refusals(account)).await?;
        let age = |r: &super::Refusal| r.at.elapsed().unwrap_or_default();
        let clear = "if the password has been corrected, logging out (`spacetrack logout`, \
                     Client::logout) clears this";
        // The same credentials are not sent again within the back-off; a
        // corrected password is (up to the hour's cap below).
        let same = all
            .iter()
            .filter(|r| tag_matches(&r.tag, self.credentials))
            .map(age)
            .min();
        if let Some(last) = same
            && last < self.policy.refused_backoff
        {
            let left = self.policy.refused_backoff - last;
            return Ok(Some(format!(
                "Space-Track {REFUSED} these credentials {} s ago (noted in the session \
                 store, shared with other processes); no login with them is sent for another \
                 {} s, so that the account is not locked; {clear}",
                last.as_secs(),
                left.as_secs().max(1)
            )));
        }
        let hour = Duration::from_secs(3600);
        let recent = all.iter().filter(|r| age(r) < hour).count();
        if recent >= self.policy.max_refusals_per_hour as usize {
            return Ok(Some(format!(
                "{recent} refused logins for this account in the last hour (noted in the \
                 session store); no more are sent until the hour has passed, so that the \
                 account is not locked; {clear}"
            )));
        }
        Ok(None)
    }

    /// Takes the stored session, if the store holds one.
    async fn adopt_stored(&self) -> Result<Option<Ticket>> {
        let Some(stored) = &self.stored else {
            return Ok(None);
        };
        let Some(text) = stored.run(|store, account| store.load(account)).await? else {
            return Ok(None);
        };
        let Ok(cookie) = HeaderValue::from_str(&text) else {
            return Ok(None);
        };
        let mut s = self
            .state
            .lock()
            .map_err(|_| Error::Auth("session lock poisoned".into()))?;
        if let Some(cookie) = &s.cookie {
            // Another caller of this process got there first.
            return Ok(Some(Ticket {
                cookie: cookie.clone(),
                generation: s.generation,
            }));
        }
        tracing::debug!("reusing the stored session");
        s.generation += 1;
        s.cookie = Some(cookie.clone());
        Ok(Some(Ticket {
            cookie,
            generation: s.generation,
        }))
    }

    /// Forgets the session if it is still the one `ticket` came from, and
    /// the stored one if it is that same session (it expired: no process
    /// should reuse it). The store is read and cleared under its lock, so
    /// a session another process just stored is never cleared.
    pub(crate) async fn invalidate(&self, ticket: &Ticket) {
        if let Ok(mut s) = self.state.lock() {
            if s.generation == ticket.generation {
                s.cookie = None;
            }
        }
        if let (Some(stored), Ok(cookie)) = (&self.stored, ticket.cookie.to_str()) {
            let cookie = cookie.to_owned();
            let cleared = stored
                .run(move |store, account| {
                    let _lock = store.lock(account)?;
                    if store.load(account)?.as_deref() == Some(cookie.as_str()) {
                        store.clear(account)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = cleared {
                tracing::warn!(error = %e, "the expired session could not be removed from the store");
            }
        }
    }

    /// Whether the session is kept in a store (it then outlives the
    /// client: dropping or closing the client leaves it for the next run).
    pub(crate) fn is_stored(&self) -> bool {
        self.stored.is_some()
    }

    /// Forgets the session here and in the store, and returns its cookie
    /// (this process's, or the stored one).
    pub(crate) fn end(&self) -> Option<HeaderValue> {
        let mine = self.clear();
        let stored = self.stored.as_ref().and_then(|s| {
            let cookie = s.store.load(&s.account).ok().flatten();
            let _ = s.store.clear(&s.account);
            cookie.and_then(|c| HeaderValue::from_str(&c).ok())
        });
        mine.or(stored)
    }

    /// Forgets any session and returns its cookie.
    pub(crate) fn clear(&self) -> Option<HeaderValue> {
        self.state.lock().ok().and_then(|mut s| s.cookie.take())
    }
}

/// Builds the `Cookie` header from a login answer's `Set-Cookie` headers.
pub(crate) fn cookie_from_login(headers: &reqwest::header::HeaderMap) -> Option<HeaderValue> {
    let pairs: Vec<&str> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|p| p.contains('=') && !p.ends_with('='))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let mut value = HeaderValue::from_str(&pairs.join("; ")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Interprets the body of `ajaxauth/login`: Space-Track answers `""` on
/// success and `{"Login":"Failed"}` on failure, both with HTTP 200.
pub(crate) fn check_login_body(body: &[u8]) -> Result<()> {
    let text = String::from_utf8_lossy(body);
    if text.contains("\"Login\"") && text.contains("Failed") {
        return Err(Error::Auth(format!(
            "Space-Track {REFUSED} the identity or password"
        )));
    }
    if let Some(message) = crate::de::error_body(body) {
        return Err(Error::Auth(message));
    }
    Ok(())
}

impl Client {
    pub(super) async fn ticket(&self) -> Result<Ticket> {
        let client = self.clone();
        self.inner
            .session
            .ticket(move || async move { client.do_login().await })
            .await
    }

    async fn do_login(&self) -> Result<HeaderValue> {
        let inner = &self.inner;
        tracing::debug!(identity = %inner.identity, "logging in");
        let url = self.url_for("ajaxauth/login");
        // A total deadline for the login, body included (the HTTP client's
        // own timeouts only bound connecting and each read).
        let deadline = inner.timeout.unwrap_or(DEFAULT_TIMEOUT);
        // Said like every request (the form, with the password, never is).
        let mut exchange = Exchange::sent(
            reqwest::Method::POST,
            url.parse()
                .map_err(|e| Error::Config(format!("{url}: {e}")))?,
            Duration::ZERO,
        );
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
            .map_err(|e| transport(e, Some(deadline)))
            .inspect_err(|e| exchange.failed(e))?;
        if !resp.url().path().ends_with("ajaxauth/login") {
            return Err(Error::Auth(
                "the login request was redirected; configure the HTTP client not to follow redirects".into(),
            ));
        }
        let status = resp.status();
        exchange.answered(status);
        let cookie = cookie_from_login(resp.headers());
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport(e, Some(deadline)))
            .inspect_err(|e| exchange.failed(e))?;
        exchange.read(body.len());
        exchange.complete();
        drop(exchange);
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
        check_login_body(&body)?;
        cookie.ok_or_else(|| Error::Auth("login succeeded but no session cookie was set".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_tag_tells_the_refused_credentials_from_others() {
        let refused = 0x1234_5678_9abc_def0;
        let tag = refusal_tag(refused);
        assert!(tag_matches(&tag, refused), "{tag}");
        // Salted: the same credentials give different tags.
        assert_ne!(tag, refusal_tag(refused));
        // 16 bits: of many other credentials, about 1 in 65,536 collides.
        let collisions = (0..10_000u64).filter(|c| tag_matches(&tag, *c)).count();
        assert!(collisions < 5, "{collisions}");
        // A note without a readable tag holds every password.
        assert!(tag_matches("", 7) && tag_matches("zz", 7));
    }
}

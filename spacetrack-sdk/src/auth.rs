//! The Space-Track session: lazy login (once, even under concurrent first
//! calls), the session cookie, re-login after expiry, logout.

use std::sync::Mutex;

use reqwest::header::{HeaderValue, SET_COOKIE};

use crate::error::{Error, Result};

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

/// The current session cookie and a generation counter, so that a request
/// that failed with an old cookie does not throw away a newer session.
#[derive(Default)]
pub(crate) struct Session {
    state: Mutex<State>,
    login: tokio::sync::Mutex<()>,
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
    pub(crate) async fn ticket<F, Fut>(&self, login: F) -> Result<Ticket>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<HeaderValue>>,
    {
        if let Some(t) = self.current() {
            return Ok(t);
        }
        let _guard = self.login.lock().await;
        if let Some(t) = self.current() {
            return Ok(t);
        }
        let cookie = login().await?;
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

    /// Forgets the session if it is still the one `ticket` came from.
    pub(crate) fn invalidate(&self, ticket: &Ticket) {
        if let Ok(mut s) = self.state.lock() {
            if s.generation == ticket.generation {
                s.cookie = None;
            }
        }
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
        return Err(Error::Auth(
            "Space-Track rejected the identity or password".into(),
        ));
    }
    if let Some(message) = crate::de::error_body(body) {
        return Err(Error::Auth(message));
    }
    Ok(())
}

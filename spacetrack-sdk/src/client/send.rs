//! Sending one request: the limiter, the session, the retry loop, and
//! the answer handed to the decoders.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::COOKIE;

use super::answer::{Received, classify, error_message, looks_like_login, transport};
use super::exchange::Exchange;
use super::retry::Attempts;
use super::{Client, DEFAULT_TIMEOUT};
use std::sync::Arc;

use crate::de::{Chunks, Tracker};
use crate::error::{Error, Result};
use crate::request::{Format, Spec};

impl Client {
    /// Sends a GET for `spec` and returns the whole body, retrying
    /// rate-limit violations and transient failures (GETs are idempotent).
    /// The body is capped at [`ClientBuilder::max_answer_bytes`]
    /// (decompressed).
    pub(crate) async fn get_body(&self, spec: &Spec, format: Option<Format>) -> Result<Bytes> {
        let cache_key = self.cache_key(spec, format)?;
        if let Some(body) = self.cached(spec, cache_key.as_deref()) {
            return Ok(body);
        }
        let body = self.fetch_body(spec, format).await?;
        if let (Some(cache), Some(key)) = (&self.inner.cache, &cache_key) {
            cache.put(key, &body);
        }
        Ok(body)
    }

    /// The answer cache's key for `spec` in `format`, when the cache is on
    /// and may keep it (never a download's content).
    fn cache_key(&self, spec: &Spec, format: Option<Format>) -> Result<Option<String>> {
        if self.inner.cache.is_none() || format == Some(Format::Stream) {
            return Ok(None);
        }
        Ok(Some(format!(
            "{}|{}|{}",
            self.inner.base,
            self.inner.identity.to_lowercase(),
            spec.path(format)?
        )))
    }

    /// Whether `spec` in `format` would be answered from the answer cache.
    pub(crate) fn would_answer_from_cache(
        &self,
        spec: &Spec,
        format: Option<Format>,
    ) -> Result<bool> {
        let Some(key) = self.cache_key(spec, format)? else {
            return Ok(false);
        };
        let shape = crate::guidance::Shape::of(spec);
        let fresh = self
            .inner
            .guide
            .guidance
            .freshness(&shape.class, shape.narrow);
        Ok(self
            .inner
            .cache
            .as_ref()
            .is_some_and(|c| c.get(&key, fresh).is_some()))
    }

    /// A fresh cached answer to `spec`, said at info level.
    fn cached(&self, spec: &Spec, key: Option<&str>) -> Option<Bytes> {
        let (cache, key) = (self.inner.cache.as_ref()?, key?);
        let shape = crate::guidance::Shape::of(spec);
        let fresh = self
            .inner
            .guide
            .guidance
            .freshness(&shape.class, shape.narrow);
        let hit = cache.get(key, fresh)?;
        tracing::info!(
            target: "spacetrack::cache",
            class = %spec.class,
            age_s = hit.age.as_secs(),
            "answered from the answer cache (fetched {} s ago; kept {} s for {}); nothing sent",
            hit.age.as_secs(),
            fresh.as_secs(),
            spec.class
        );
        Some(hit.body)
    }

    /// [`get_body`](Self::get_body) without the cache.
    async fn fetch_body(&self, spec: &Spec, format: Option<Format>) -> Result<Bytes> {
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
    /// (see `de::pipeline`); retried as [`get_body`](Self::get_body) is.
    /// `progress` counts its bytes and records (`whole`: the query is this
    /// one request, so the announced length is its total); a retried
    /// attempt's counts are forgotten.
    pub(crate) async fn get_records<R: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        class: &'static str,
        spec: &Spec,
        progress: Option<&Arc<Tracker>>,
        whole: bool,
    ) -> Result<Vec<R>> {
        if self.inner.cache.is_some() {
            // The cache keeps whole answers: read it whole, then decode.
            let body = self.get_body(spec, Some(Format::Json)).await?;
            if let Some(t) = progress {
                if whole {
                    t.set_total_bytes(Some(body.len() as u64));
                }
                t.add_bytes(body.len() as u64);
            }
            let rows = crate::de::decode_off_runtime(body, move |b| {
                crate::de::decode_records::<R>(class, b).map(|r| r.0)
            })
            .await?;
            if let Some(t) = progress {
                t.add_records(rows.len() as u64);
            }
            return Ok(rows);
        }
        let timeout = spec.timeout.or(self.inner.timeout);
        let cap = self.inner.max_answer_bytes;
        let format = Some(Format::Json);
        self.get_retrying(spec, format, |got| async move {
            let checkpoint = progress.map(|t| t.checkpoint());
            let rows = async {
                let got = got.successful(cap, timeout).await?;
                let status = got.status;
                let chunks = got.into_timed_chunks(timeout).tracked(progress, whole);
                match crate::de::receive::<R>(class, chunks, cap, timeout.is_none()).await? {
                    crate::de::Answer::Records(rows) => Ok(rows),
                    crate::de::Answer::Whole(body) => {
                        let body = classify(status, body, true)?;
                        let rows = crate::de::decode_off_runtime(body, move |b| {
                            crate::de::decode_records::<R>(class, b).map(|r| r.0)
                        })
                        .await?;
                        if let Some(t) = progress {
                            t.add_records(rows.len() as u64);
                        }
                        Ok(rows)
                    }
                }
            }
            .await;
            if let (Err(_), Some(t), Some(cp)) = (&rows, progress, checkpoint) {
                t.restore(cp);
            }
            rows
        })
        .await
    }

    /// Sends a GET for `spec` and returns the body as it arrives once its
    /// status is a success, for streaming. Retries happen only before the
    /// body starts.
    pub(crate) async fn get_chunks(&self, spec: &Spec, format: Option<Format>) -> Result<Chunks> {
        if self.cache_key(spec, format)?.is_some() {
            // The cache keeps whole answers.
            let body = self.get_body(spec, format).await?;
            return Ok(Chunks::whole(body));
        }
        let timeout = spec.timeout.or(self.inner.timeout);
        let cap = self.inner.max_answer_bytes;
        let got = self
            .get_retrying(spec, format, |got| got.successful(cap, timeout))
            .await?;
        Ok(got.into_chunks())
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
        // Space-Track's guidance, before anything is sent (a retry is the
        // same query: checked once).
        self.inner.guide.before_sending(spec)?;
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
                        self.retry_wait(wait, reason, &e);
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
            let waited = self
                .inner
                .limiter
                .until_ready(self.inner.observer.as_ref())
                .await?;
            let mut req = make(&self.inner.http)?.header(COOKIE, ticket.cookie.clone());
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            let req = req.build().map_err(|e| transport(e, timeout))?;
            let (method, url) = (req.method().clone(), req.url().clone());
            if tracing::enabled!(tracing::Level::DEBUG) {
                tracing::debug!(headers = ?shown_headers(req.headers()), "{method} {url}");
            }
            // Every request is said once, at info, when its answer has
            // been read, dropped or failed (see `exchange`).
            let mut exchange = Exchange::sent(method, url, waited);
            let resp = match self.inner.http.execute(req).await {
                Ok(resp) => resp,
                Err(e) => {
                    let e = transport(e, timeout);
                    exchange.failed(&e);
                    return Err(e);
                }
            };
            let status = resp.status();
            exchange.answered(status);
            if tracing::enabled!(tracing::Level::DEBUG) {
                tracing::debug!(headers = ?shown_headers(resp.headers()), "answer headers");
            }
            let expired = if status == StatusCode::UNAUTHORIZED {
                let body = resp.bytes().await.unwrap_or_default();
                exchange.read(body.len());
                exchange.complete();
                drop(exchange);
                Err(Error::Auth(error_message(&body)))
            } else if status.is_redirection() {
                drop(exchange);
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
                let got = Received::start(resp, timeout, exchange).await?;
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
            self.inner.session.invalidate(&ticket).await;
            relogged = true;
        }
    }
}

/// Headers as logged at debug level: cookies never.
fn shown_headers(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter(|(k, _)| *k != COOKIE && *k != reqwest::header::SET_COOKIE)
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("<binary>").to_owned()))
        .collect()
}

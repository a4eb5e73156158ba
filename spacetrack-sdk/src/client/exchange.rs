//! One request as the log shows it: method, URL, status, the bytes of its
//! answer, the time it took and the limiter's wait before it, said once
//! at `info` when its answer has been read, or dropped unread, or failed.
//! The URL holds no secret (credentials travel in the login form and the
//! cookie header, neither of which is ever logged).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::Stream;

use crate::error::{Error, Result};

/// A request sent, and what came of it so far.
pub(crate) struct Exchange {
    method: reqwest::Method,
    url: reqwest::Url,
    status: Option<u16>,
    sent: Instant,
    /// The limiter's wait before it was sent.
    waited: Duration,
    bytes: u64,
    end: End,
}

enum End {
    /// The answer is still being read (or was left unread).
    Open,
    /// Read to its end, this long after it was sent.
    Complete(Duration),
    /// Ended by an error.
    Failed(String),
    /// Already said.
    Said,
}

impl Exchange {
    /// A request about to be sent, after `waited` for the limiter.
    pub(crate) fn sent(method: reqwest::Method, url: reqwest::Url, waited: Duration) -> Exchange {
        Exchange {
            method,
            url,
            status: None,
            sent: Instant::now(),
            waited,
            bytes: 0,
            end: End::Open,
        }
    }

    /// Its answer's status arrived.
    pub(crate) fn answered(&mut self, status: reqwest::StatusCode) {
        self.status = Some(status.as_u16());
    }

    /// `n` more bytes of its answer were read.
    pub(crate) fn read(&mut self, n: usize) {
        self.bytes += n as u64;
    }

    /// Its answer was read to the end.
    pub(crate) fn complete(&mut self) {
        if matches!(self.end, End::Open) {
            self.end = End::Complete(self.sent.elapsed());
        }
    }

    /// It failed with `e` (no answer, or an answer cut short).
    pub(crate) fn failed(&mut self, e: &Error) {
        if matches!(self.end, End::Open) {
            self.end = End::Failed(e.to_string());
        }
    }

    /// Says it, once.
    fn say(&mut self) {
        let end = std::mem::replace(&mut self.end, End::Said);
        let (took, answer) = match &end {
            End::Said => return,
            End::Complete(took) => (*took, format!("{} bytes", self.bytes)),
            End::Open if self.bytes == 0 => (self.sent.elapsed(), "body not read".to_owned()),
            End::Open => (
                self.sent.elapsed(),
                format!("{} bytes read, the rest left unread", self.bytes),
            ),
            End::Failed(e) if self.status.is_none() => (self.sent.elapsed(), e.clone()),
            End::Failed(e) => (
                self.sent.elapsed(),
                format!("{} bytes, then {e}", self.bytes),
            ),
        };
        let status = self
            .status
            .map_or("no answer".to_owned(), |s| s.to_string());
        let waited = match self.waited.is_zero() {
            true => String::new(),
            false => format!(
                ", after waiting {:.1} s for the account's rate limit",
                self.waited.as_secs_f64()
            ),
        };
        // The message says it all (fields would repeat it on a terminal).
        tracing::info!(
            "{} {} -> {status}: {answer} in {} ms{waited}",
            self.method,
            self.url,
            took.as_millis()
        );
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.say();
    }
}

/// A body stream that counts its bytes into its [`Exchange`] and says it
/// when the body ends, fails or is dropped.
pub(crate) struct Counted<S> {
    inner: S,
    exchange: Exchange,
}

impl<S> Counted<S> {
    pub(crate) fn new(inner: S, exchange: Exchange) -> Counted<S> {
        Counted { inner, exchange }
    }
}

impl<S: Stream<Item = Result<Bytes>> + Unpin> Stream for Counted<S> {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = Pin::new(&mut self.inner).poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => self.exchange.read(chunk.len()),
            Poll::Ready(Some(Err(e))) => {
                self.exchange.failed(e);
                self.exchange.say();
            }
            Poll::Ready(None) => {
                self.exchange.complete();
                self.exchange.say();
            }
            Poll::Pending => {}
        }
        next
    }
}

//! What an answer is: data, a web page (a login page means an expired
//! session), Space-Track's error body or its rate-limit answer. The one
//! place that classifies answers.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;

use super::DEFAULT_TIMEOUT;
use super::exchange::{Counted, Exchange};
use crate::de::Chunks;
use crate::error::{Error, Result, api_error, is_rate_limit};

/// Whether a redirect target is a login page.
pub(super) fn looks_like_login(location: &str) -> bool {
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
    /// The request as the log shows it, said when its answer is read.
    exchange: Exchange,
}

/// What a web page is.
pub(super) struct Page {
    pub(super) login: bool,
    pub(super) title: String,
}

impl Received {
    /// Reads up to 512 bytes (or the whole body if shorter).
    pub(super) async fn start(
        resp: reqwest::Response,
        timeout: Option<Duration>,
        exchange: Exchange,
    ) -> Result<Received> {
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
            exchange,
        };
        got.read_head(512, timeout).await?;
        Ok(got)
    }

    /// Reads on until at least `n` bytes are held (or the body ends).
    async fn read_head(&mut self, n: usize, timeout: Option<Duration>) -> Result<()> {
        while self.head.len() < n {
            match self.next_chunk(timeout).await? {
                Some(c) => self.head.extend_from_slice(&c),
                None => break,
            }
        }
        Ok(())
    }

    /// The body's next chunk, counted in the request's log line.
    async fn next_chunk(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>> {
        match self.resp.chunk().await.map_err(|e| transport(e, timeout)) {
            Ok(Some(c)) => {
                self.exchange.read(c.len());
                Ok(Some(c))
            }
            Ok(None) => {
                self.exchange.complete();
                Ok(None)
            }
            Err(e) => {
                self.exchange.failed(&e);
                Err(e)
            }
        }
    }

    /// An HTML document. Decided by the first bytes, which a page cannot
    /// hide: a `text/html` type alone is not enough (servers mislabel JSON
    /// and XML), but it makes any body that starts with a tag a page.
    pub(super) fn is_html(&self) -> bool {
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
    pub(super) async fn page(mut self) -> Page {
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
            while let Some(c) = self.next_chunk(timeout).await? {
                if (self.head.len() + c.len()) as u64 > cap {
                    return Err(too_large());
                }
                self.head.extend_from_slice(&c);
            }
            return Ok(self.head.freeze());
        }
        // Of unknown length (a compressed answer): the chunks are kept as
        // they come and joined once, into a buffer of the exact size. Grown
        // chunk by chunk, the buffer was copied into each larger one (every
        // gzip answer, tens of megabytes for a catalog: an eighth of a short
        // sync's CPU in copies and fresh pages).
        let mut chunks = Vec::new();
        let mut total = self.head.len();
        while let Some(c) = self.next_chunk(timeout).await? {
            total += c.len();
            if total as u64 > cap {
                return Err(too_large());
            }
            chunks.push(c);
        }
        if self.head.is_empty() && chunks.len() == 1 {
            return Ok(chunks.swap_remove(0));
        }
        let mut body = BytesMut::with_capacity(total);
        body.extend_from_slice(&self.head);
        for c in chunks {
            body.extend_from_slice(&c);
        }
        Ok(body.freeze())
    }

    /// The answer when its status is a success, else the error its body
    /// says (read up to [`PAGE_BYTES`]).
    pub(super) async fn successful(self, cap: u64, timeout: Option<Duration>) -> Result<Received> {
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

    /// The body for the decoders (the bytes already read first), a
    /// transport error as [`Error::from`] says it.
    pub(crate) fn into_chunks(self) -> Chunks {
        self.chunks(Error::from)
    }

    /// [`into_chunks`](Self::into_chunks), a read that timed out said as
    /// [`Error::Timeout`] with the request's timeout.
    pub(crate) fn into_timed_chunks(self, timeout: Option<Duration>) -> Chunks {
        self.chunks(move |e| transport(e, timeout))
    }

    fn chunks(self, error: impl Fn(reqwest::Error) -> Error + Send + Sync + 'static) -> Chunks {
        use futures_util::StreamExt;
        // The length the server announced (none when decompressing).
        let len = self.resp.content_length();
        let head = (!self.head.is_empty()).then(|| Ok(self.head.freeze()));
        // The head's bytes are already counted: only the rest is.
        let rest = Counted::new(
            self.resp
                .bytes_stream()
                .map(move |r| r.map_err(&error))
                .boxed(),
            self.exchange,
        );
        Chunks {
            stream: futures_util::stream::iter(head).chain(rest).boxed(),
            len,
            progress: None,
        }
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

/// Turns a status and body into the body or an error. Space-Track sends
/// some errors with HTTP 200 (`[{"error": ...}]`), and rate-limit violations
/// as HTTP 500 with a text body.
pub(crate) fn classify(status: StatusCode, body: Bytes, sniff: bool) -> Result<Bytes> {
    if status.is_success() {
        if let Some(message) = sniff.then(|| crate::de::error_body(&body)).flatten() {
            return Err(api_error(status.as_u16(), message));
        }
        return Ok(body);
    }
    let text = String::from_utf8_lossy(&body);
    if is_rate_limit(&text) {
        return Err(Error::RateLimited {
            message: error_message(&body),
        });
    }
    Err(api_error(status.as_u16(), error_message(&body)))
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
pub(super) fn error_message(body: &[u8]) -> String {
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

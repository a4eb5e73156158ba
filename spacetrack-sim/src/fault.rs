//! Faults injected on demand, consumed one per query (or modeldef)
//! request, in order.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::answers::{MAINTENANCE_PAGE, RATE_LIMIT_BODY};

/// A fault for the next query.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// No fault: the request is answered as usual. Queued before another
    /// fault, it aims that one at a later request.
    Pass,
    /// The session expires before this request: 401 and every session is
    /// forgotten, so the client must log in again.
    ExpireSession,
    /// HTTP 500 with a text body containing "violated your query rate limit".
    RateLimit500,
    /// HTTP 200 with `[{"error":"You've violated your query rate limit..."}]`.
    RateLimit200,
    /// A bare status (502, 503, 504, ...) with a short HTML body.
    Status(u16),
    /// The body stops part-way and the connection is reset.
    TruncateBody,
    /// A query answer stops after this many bytes (or in its middle if it
    /// is shorter) and the connection is reset: an answer cut short late,
    /// after megabytes a client may already have used.
    TruncateAfter(usize),
    /// Each 64 KiB chunk of the body is delayed by this much.
    SlowBody(Duration),
    /// A syntax error after the first record of a JSON answer.
    InvalidJson,
    /// A JSON answer of two gp-shaped records whose second is hostile.
    Hostile(Hostile),
    /// The session expires and the request is redirected (302) to an HTML
    /// login page, as a web server in front of Space-Track might do.
    RedirectToLogin,
    /// The session expires and the answer is an HTML login page with HTTP
    /// 200.
    HtmlLoginPage,
    /// A 200 HTML maintenance page instead of the answer.
    Maintenance,
    /// A gzip-encoded answer (`Content-Encoding: gzip`) that inflates to
    /// this many MiB of JSON whitespace inside `[` `]`: about 1 KiB of
    /// transfer per MiB.
    GzipBomb {
        /// Decompressed size in MiB.
        mib: usize,
    },
    /// Every `every`-th record of the answer carries `"N/A"` in its first
    /// numeric or datetime column (the rest of the answer is intact), as a
    /// real answer with one odd record would.
    BadRecords {
        /// One record in this many is bad (1: all of them).
        every: usize,
    },
}

/// Hostile record contents for [`Fault::Hostile`]. Each targets one named
/// column, so a client can be checked to name it in its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hostile {
    /// `NORAD_CAT_ID` is an array nested 100,000 levels deep.
    DeepNesting,
    /// `EPOCH` is a 20 MiB string.
    HugeString,
    /// `NORAD_CAT_ID` is `"4294967296"`, past `int(10) unsigned`.
    NumberOutOfRange,
    /// `EPOCH` is `"10000-01-01T00:00:00"`, past any datetime.
    DateOutOfRange,
}

impl Hostile {
    /// The column it attacks.
    pub fn column(self) -> &'static str {
        match self {
            Hostile::DeepNesting | Hostile::NumberOutOfRange => "NORAD_CAT_ID",
            Hostile::HugeString | Hostile::DateOutOfRange => "EPOCH",
        }
    }

    /// Replaces the column's value in `row` (one JSON object) and returns
    /// the new object's text.
    pub(crate) fn apply(self, row: &mut serde_json::Map<String, serde_json::Value>) -> String {
        const MARK: &str = "__HOSTILE__";
        let value = match self {
            Hostile::DeepNesting => MARK.into(),
            Hostile::HugeString => "2".repeat(20 << 20),
            Hostile::NumberOutOfRange => "4294967296".into(),
            Hostile::DateOutOfRange => "10000-01-01T00:00:00".into(),
        };
        row.insert(self.column().into(), serde_json::Value::String(value));
        let text = serde_json::Value::Object(row.clone()).to_string();
        match self {
            Hostile::DeepNesting => {
                let depth = 100_000;
                let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
                text.replace(&format!("\"{MARK}\""), &nested)
            }
            _ => text,
        }
    }
}

/// `[`, `mib` MiB of spaces, `]`, gzip-compressed (cached per size).
pub(crate) fn gzip_bomb(mib: usize) -> bytes::Bytes {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<usize, bytes::Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(b) = cache.lock().expect("bombs").get(&mib) {
        return b.clone();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    let _ = gz.write_all(b"[");
    for _ in 0..mib {
        let _ = gz.write_all(&spaces);
    }
    let _ = gz.write_all(b"]");
    let body = bytes::Bytes::from(gz.finish().unwrap_or_default());
    cache.lock().expect("bombs").insert(mib, body.clone());
    body
}

impl Fault {
    /// The response for faults that replace the whole answer.
    pub(crate) fn respond_early(&self) -> Option<Response> {
        if let Fault::GzipBomb { mib } = self {
            let mut r = Response::new(gzip_bomb(*mib).into());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            return Some(r);
        }
        let (status, body, ct) = match self {
            Fault::Maintenance => (200, MAINTENANCE_PAGE.to_owned(), "text/html; charset=UTF-8"),
            Fault::RateLimit500 => (
                500,
                "<html><body>Error: you have violated your query rate limit. Please slow down.</body></html>".to_owned(),
                "text/html",
            ),
            Fault::RateLimit200 => (200, RATE_LIMIT_BODY.to_owned(), "application/json"),
            Fault::Status(s) => (*s, format!("<html><body>{s} Service Unavailable</body></html>"), "text/html"),
            _ => return None,
        };
        let mut r = Response::new(body.into());
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        Some(r)
    }
}

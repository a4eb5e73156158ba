//! Gzip-compressed answers, for clients that ask.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;

use crate::state::SimState;

/// Whether `Accept-Encoding` lists gzip (with a non-zero quality).
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            coding.eq_ignore_ascii_case("gzip") && !q_zero
        })
}

/// `body` gzip-compressed as it streams (fast level: the simulator must
/// keep up with large uncached answers).
pub(super) fn gzip_stream(
    body: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    use futures_util::StreamExt;
    use std::io::Write;
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    futures_util::stream::unfold(
        (Box::pin(body), Some(encoder)),
        |(mut body, mut encoder)| async move {
            loop {
                let enc = encoder.as_mut()?;
                match body.next().await {
                    Some(Ok(chunk)) => {
                        if let Err(e) = enc.write_all(&chunk) {
                            return Some((Err(e), (body, None)));
                        }
                        let out = std::mem::take(enc.get_mut());
                        if !out.is_empty() {
                            return Some((Ok(Bytes::from(out)), (body, encoder)));
                        }
                    }
                    Some(Err(e)) => return Some((Err(e), (body, None))),
                    None => {
                        let rest = encoder.take()?.finish();
                        return Some((rest.map(Bytes::from), (body, None)));
                    }
                }
            }
        },
    )
}

/// A cached answer compressed once (default level, as a web server's
/// static compression would) and kept beside the plain one.
pub(super) fn gzip_cached(st: &SimState, key: &str, chunks: &[Bytes]) -> Bytes {
    if let Some(gz) = st.answers_gz.lock().expect("answers_gz").get(key) {
        return gz.clone();
    }
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for c in chunks {
        let _ = enc.write_all(c);
    }
    let gz = Bytes::from(enc.finish().unwrap_or_default());
    st.answers_gz
        .lock()
        .expect("answers_gz")
        .insert(key.to_owned(), gz.clone());
    gz
}

pub(super) fn gzip_header(r: &mut Response) {
    r.headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
}

//! HTTP routes: login, logout, modeldef and queries. The router and the
//! small answers every route shares live here; each job has its own file:
//! [`session`] (login, logout, and admitting a request: its session, the
//! account's limits, the next fault), [`files`] (upload and the file
//! classes that are actions), [`query`] (modeldef and table queries) and
//! [`gzip`] (compressed answers).

mod files;
mod gzip;
mod query;
mod session;

pub use query::AnswerError;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;

use crate::answers;
use crate::state::SimState;

/// Answers are sent in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// Largest upload the simulator accepts.
const UPLOAD_LIMIT: usize = 64 << 20;

pub fn router(state: Arc<SimState>) -> axum::Router {
    axum::Router::new()
        .route("/ajaxauth/login", axum::routing::post(session::login))
        .route("/ajaxauth/logout", axum::routing::get(session::logout))
        .route(
            "/fileshare/query/class/upload",
            axum::routing::post(files::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/fileshare/query/class/upload/{*rest}",
            axum::routing::post(files::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .fallback(dispatch)
        .with_state(state)
}

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn html_page(body: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    r
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, serde_json::json!({ "error": message }).to_string())
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().strip_prefix("chocolatechip="))
        .map(str::to_owned)
        .next()
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

async fn dispatch(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let token = session_token(&headers);
    st.log(method.clone(), &uri, token.is_some());
    if method != Method::GET {
        return error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    }
    if uri.path() == "/auth/login" {
        return html_page(answers::LOGIN_PAGE);
    }
    let segments = path_segments(&uri);
    if segments.len() < 4
        || segments[2] != "class"
        || !matches!(segments[1].as_str(), "query" | "modeldef")
    {
        return error(StatusCode::NOT_FOUND, "Not found");
    }
    // Answers are gzip-compressed when the client asks (reqwest, curl
    // --compressed and Python's requests all do), as a web server in front
    // of Space-Track would; faulted answers stay as the fault makes them.
    let gzip = st.config.compression && gzip::accepts_gzip(&headers);
    match session::admit(&st, token.as_deref()) {
        Ok(fault) => {
            if segments[1] == "query" {
                st.queries
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            query::query(&st, &segments, uri.query(), fault, gzip).await
        }
        Err(r) => r,
    }
}

/// The path's segments, split before decoding so that `%2F` stays inside
/// its value.
fn path_segments(uri: &Uri) -> Vec<String> {
    uri.path()
        .trim_matches('/')
        .split('/')
        .map(decode)
        .collect()
}

/// `key/value` path pairs with lower-cased keys.
fn pairs(segments: &[String]) -> HashMap<String, String> {
    segments
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].to_ascii_lowercase(), c[1].clone()))
        .collect()
}

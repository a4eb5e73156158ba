//! HTTP routes: login, logout, modeldef and queries.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Form, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use spacetrack_codegen::schema::ModeldefDocument;

use crate::SimState;
use crate::fault::Fault;
use crate::grammar::{self, Format};
use crate::render::{self, Writer};

/// Space-Track's answer to a request without a valid session.
pub const NOT_LOGGED_IN: &str = r#"{"error": "You must be logged in to complete this action"}"#;
/// Space-Track's answer to bad credentials (HTTP 200).
pub const LOGIN_FAILED: &str = r#"{"Login": "Failed"}"#;
/// Space-Track's rate-limit error body (HTTP 200 variant).
pub const RATE_LIMIT_BODY: &str = r#"[{"error":"You've violated your query rate limit.  Please refer to our Acceptable Use guidelines for further information on how to avoid this message in the future. ( https://www.space-track.org/documentation ) ( https://www.space-track.org/documentation )"}]"#;

pub fn router(state: Arc<SimState>) -> axum::Router {
    axum::Router::new()
        .route("/ajaxauth/login", axum::routing::post(login))
        .route("/ajaxauth/logout", axum::routing::get(logout))
        .route(
            "/fileshare/query/class/upload",
            axum::routing::post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/fileshare/query/class/upload/{*rest}",
            axum::routing::post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
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

async fn login(
    State(st): State<Arc<SimState>>,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    st.log(Method::POST, &uri, false);
    if st.config.login_redirect {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        r.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/elsewhere"));
        return r;
    }
    let ok = form.get("identity") == Some(&st.config.identity)
        && form.get("password") == Some(&st.config.password);
    if !ok {
        return json_response(StatusCode::OK, LOGIN_FAILED);
    }
    let token = st.new_session();
    let mut r = match st.config.login_trickle {
        None => json_response(StatusCode::OK, "\"\""),
        Some(every) => {
            let body = Bytes::from_static(b"\"\"                  ");
            let stream = futures_util::stream::unfold(0usize, move |i| {
                let body = body.clone();
                async move {
                    if i >= body.len() {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    Some((Ok::<_, std::io::Error>(body.slice(i..=i)), i + 1))
                }
            });
            json_response(StatusCode::OK, Body::from_stream(stream))
        }
    };
    if let Ok(v) = HeaderValue::from_str(&format!("chocolatechip={token}; path=/; HttpOnly")) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(st): State<Arc<SimState>>, uri: Uri, headers: HeaderMap) -> Response {
    let token = session_token(&headers);
    st.log(Method::GET, &uri, token.is_some());
    // A queued bare-status fault makes the logout fail too (the session is
    // still ended), so clients can be tested against a failing logout.
    if let Some(Fault::Status(code)) = st.peek_fault() {
        st.next_fault();
        if let Some(t) = token {
            st.sessions.lock().expect("sessions").remove(&t);
        }
        return error(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "logout failed",
        );
    }
    if let Some(t) = token {
        st.sessions.lock().expect("sessions").remove(&t);
    }
    json_response(StatusCode::OK, "\"Successfully logged out\"")
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
        return html_page(crate::fault::LOGIN_PAGE);
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
    let gzip = st.config.compression && accepts_gzip(&headers);
    match admit(&st, token.as_deref()) {
        Ok(fault) => query(&st, &segments, uri.query(), fault, gzip).await,
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

/// Checks the session and takes the next fault: an early answer (401, a
/// rate-limit or status fault) or the fault that shapes the body, if any.
fn admit(st: &SimState, token: Option<&str>) -> Result<Option<Fault>, Response> {
    if !st.check_session(token) {
        return Err(json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN));
    }
    if !st.within_limits() {
        // Space-Track's answer to a violation: HTTP 500 with this text.
        let mut r = Response::new(Body::from(
            "<html><body>Error: you have violated your query rate limit.  Please refer to our Acceptable Use guidelines.</body></html>",
        ));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return Err(r);
    }
    let Some(fault) = st.next_fault().filter(|f| *f != Fault::Pass) else {
        return Ok(None);
    };
    if let Some(r) = fault.respond_early() {
        return Err(r);
    }
    match fault {
        Fault::ExpireSession => {
            st.sessions.lock().expect("sessions").clear();
            return Err(json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN));
        }
        Fault::RedirectToLogin => {
            st.sessions.lock().expect("sessions").clear();
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/auth/login"));
            return Err(r);
        }
        Fault::HtmlLoginPage => {
            st.sessions.lock().expect("sessions").clear();
            return Err(html_page(crate::fault::LOGIN_PAGE));
        }
        _ => {}
    }
    Ok(Some(fault))
}

/// Largest upload the simulator accepts.
const UPLOAD_LIMIT: usize = 64 << 20;

/// `POST fileshare/query/class/upload/folder_id/N`, multipart part `file`.
async fn upload(
    State(st): State<Arc<SimState>>,
    uri: Uri,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let token = session_token(&headers);
    st.log(Method::POST, &uri, token.is_some());
    // Body faults (truncation, slowness) do not apply to an upload's answer.
    if let Err(r) = admit(&st, token.as_deref()) {
        return r;
    }
    let segments = path_segments(&uri);
    let params = pairs(&segments[4..]);
    let Some(folder) = params.get("folder_id").and_then(|v| v.parse::<u64>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "folder_id is required");
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("Invalid upload: {e}")),
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return error(StatusCode::BAD_REQUEST, "No file was uploaded"),
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("Invalid upload: {e}")),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let content = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("Invalid upload: {e}")),
        };
        let now = chrono::Utc::now().naive_utc();
        let size = content.len();
        let mut files = st.files.lock().expect("files");
        return match files.upload(folder, name.clone(), content, now) {
            // Simulator's choice: the new file's id, name, folder and size.
            Ok(id) => json_response(
                StatusCode::OK,
                serde_json::json!([{
                    "FILE_ID": id.to_string(),
                    "FILE_NAME": name,
                    "FOLDER_ID": folder.to_string(),
                    "FILE_BYTES": size.to_string(),
                }])
                .to_string(),
            ),
            Err(e) => error(StatusCode::BAD_REQUEST, &e),
        };
    }
}

/// `key/value` path pairs with lower-cased keys.
fn pairs(segments: &[String]) -> HashMap<String, String> {
    segments
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].to_ascii_lowercase(), c[1].clone()))
        .collect()
}

/// Answers the file classes that are actions rather than tables: fileshare
/// download and delete, spephemeris download, publicfiles.
fn file_action(
    st: &Arc<SimState>,
    controller: &str,
    class: &str,
    segments: &[String],
    query_string: Option<&str>,
    fault: Option<Fault>,
) -> Option<Response> {
    let params = pairs(segments);
    let id = |k: &str| params.get(k).and_then(|v| v.parse::<u64>().ok());
    let files = st.files.lock().expect("files");
    let content = match (controller, class) {
        ("fileshare", "download") => {
            let recursive = params.get("recursive").is_some_and(|v| v == "true");
            match (id("file_id"), id("folder_id")) {
                (Some(f), folder) => files
                    .file(f)
                    .filter(|s| folder.is_none_or(|d| d == s.folder))
                    .map(|s| (s.name.clone(), s.content.clone())),
                (None, Some(d)) => files
                    .folder_zip(d, recursive)
                    .map(|z| (format!("folder_{d}.zip"), z)),
                (None, None) => {
                    return Some(error(
                        StatusCode::BAD_REQUEST,
                        "file_id or folder_id is required",
                    ));
                }
            }
        }
        ("fileshare", "delete") => {
            drop(files);
            let Some(f) = id("file_id") else {
                return Some(error(StatusCode::BAD_REQUEST, "file_id is required"));
            };
            let removed = st.files.lock().expect("files").delete(f);
            // Simulator's choice: the deleted file's ids, or nothing.
            let rows: Vec<serde_json::Value> = removed
                .map(|(file, folder)| {
                    serde_json::json!({"FILE_ID": file.to_string(), "FOLDER_ID": folder.to_string()})
                })
                .into_iter()
                .collect();
            return Some(json_response(
                StatusCode::OK,
                serde_json::Value::from(rows).to_string(),
            ));
        }
        ("spephemeris", "download") => files.ephemeris(id("file_id")),
        ("publicfiles", "dirs") => {
            return Some(json_response(
                StatusCode::OK,
                serde_json::to_string(&files.public_dirs()).unwrap_or_default(),
            ));
        }
        ("publicfiles", "loadpublicdata") => {
            return Some(json_response(
                StatusCode::OK,
                files.public_listing().to_string(),
            ));
        }
        ("publicfiles", "download") => {
            let name = query_string.and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v.into_owned())
            });
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                return Some(error(
                    StatusCode::BAD_REQUEST,
                    "Parameter [ name ] expected but not provided",
                ));
            };
            files.public_file(&name)
        }
        _ => return None,
    };
    Some(match content {
        Some((name, bytes)) => content_response(&name, bytes, fault),
        None => error(StatusCode::NOT_FOUND, "File not found"),
    })
}

/// Two gp records, the second with a hostile value.
fn hostile(st: &SimState, h: crate::fault::Hostile) -> Response {
    let key = ("basicspacedata".to_owned(), "gp".to_owned());
    let table = &st.tables[&key];
    let mut writer = Writer {
        table,
        columns: (0..table.schema.columns.len()).collect(),
        format: Format::Json,
        rows: 0,
    };
    let mut out = String::new();
    writer.begin(&mut out);
    writer.row(&mut out, &table.row(&st.catalog(), 0));
    writer.end(&mut out);
    let mut rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&out).unwrap_or_default();
    let Some(first) = rows.pop() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no gp row");
    };
    let mut second = first.clone();
    let body = format!(
        "[{},{}]",
        serde_json::Value::Object(first),
        h.apply(&mut second)
    );
    json_response(StatusCode::OK, body)
}

/// A file download, in 64 KiB chunks, with body faults applied.
fn content_response(name: &str, content: Bytes, fault: Option<Fault>) -> Response {
    let cut = matches!(fault, Some(Fault::TruncateBody)).then_some(content.len() / 2);
    let delay = match fault {
        Some(Fault::SlowBody(d)) => Some(d),
        _ => None,
    };
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = Vec::new();
    let body = match cut {
        Some(n) => content.slice(..n),
        None => content,
    };
    let mut at = 0;
    while at < body.len() {
        let end = (at + CHUNK).min(body.len());
        chunks.push(Ok(body.slice(at..end)));
        at = end;
    }
    if cut.is_some() {
        chunks.push(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: body cut short",
        )));
    }
    let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
        let item = it.next()?;
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if item.is_err() {
            // Pause before the reset: the server flushes what it has while
            // the body is pending, so the client really receives part of the
            // file before the connection breaks.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Some((item, it))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Whether `Accept-Encoding` lists gzip (with a non-zero quality).
fn accepts_gzip(headers: &HeaderMap) -> bool {
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
fn gzip_stream(
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
fn gzip_cached(st: &SimState, key: &str, chunks: &[Bytes]) -> Bytes {
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

fn gzip_header(r: &mut Response) {
    r.headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
}

async fn query(
    st: &Arc<SimState>,
    segments: &[String],
    query_string: Option<&str>,
    fault: Option<Fault>,
    gzip: bool,
) -> Response {
    let gzip = gzip && fault.is_none();
    let (controller, action, class) = (&segments[0], &segments[1], &segments[3]);
    if action == "query" {
        if let Some(r) = file_action(st, controller, class, &segments[4..], query_string, fault) {
            return r;
        }
    }
    let Some(table) = st.tables.get(&(controller.clone(), class.clone())) else {
        let known = st.tables.keys().any(|(c, _)| c == controller);
        return if known {
            error(StatusCode::BAD_REQUEST, &format!("Unknown class: {class}"))
        } else {
            error(
                StatusCode::NOT_FOUND,
                &format!("Unknown controller: {controller}"),
            )
        };
    };
    if action == "modeldef" {
        let data = st
            .modeldef
            .lock()
            .expect("modeldef")
            .get(&(controller.clone(), class.clone()))
            .cloned()
            .unwrap_or_default();
        let doc = ModeldefDocument {
            controller: controller.clone(),
            data,
            meta: None,
        };
        return json_response(
            StatusCode::OK,
            serde_json::to_string(&doc).unwrap_or_default(),
        );
    }
    let req = match grammar::parse(table, &segments[4..]) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    if let Some(Fault::Hostile(h)) = fault {
        return hostile(st, h);
    }
    // Repeated identical answers from memory, when enabled and unfaulted.
    // The answer of the catalog as it is now (a cached answer names the
    // simulated time it was made at).
    let cat = st.catalog();
    let cache_key = (st.config.answer_cache_bytes > 0 && fault.is_none()).then(|| {
        format!(
            "{}@{}?{}",
            segments.join("/"),
            cat.now,
            query_string.unwrap_or("")
        )
    });
    if let Some(key) = &cache_key {
        let cached = st.answers.lock().expect("answers").get(key).cloned();
        if let Some((ct, chunks)) = cached {
            let chunks = if gzip {
                let (st, key) = (st.clone(), key.clone());
                let Ok(gz) =
                    tokio::task::spawn_blocking(move || gzip_cached(&st, &key, &chunks)).await
                else {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "compression failed");
                };
                (0..gz.len())
                    .step_by(CHUNK)
                    .map(|i| gz.slice(i..(i + CHUNK).min(gz.len())))
                    .collect()
            } else {
                chunks
            };
            let stream =
                futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            if gzip {
                gzip_header(&mut r);
            }
            return r;
        }
    }
    let gp_like = table.schema.columns.iter().any(|c| c.name == "TLE_LINE1");
    if matches!(req.format, Format::Tle | Format::ThreeLe | Format::Kvn) && !gp_like {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Format not supported for class {class}"),
        );
    }
    let content_type = match req.format {
        Format::Json => "application/json; charset=utf-8",
        Format::Xml => "text/xml; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Csv => "text/csv; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let state = st.clone();
    let key = (controller.clone(), class.clone());
    tokio::task::spawn_blocking(move || {
        // A bug in the simulator must never look like a complete, shorter
        // answer: a panic ends the body with an error, which the client
        // sees as a broken connection.
        let guard = tx.clone();
        let run = std::panic::AssertUnwindSafe(|| produce(&state, &cat, &key, &req, fault, tx));
        if std::panic::catch_unwind(run).is_err() {
            let _ =
                guard.blocking_send(Err(std::io::Error::other("simulator bug: answer aborted")));
        }
    });
    let cache = cache_key.map(|k| (k, Vec::<Bytes>::new(), 0usize, st.clone()));
    let stream = futures_util::stream::unfold((rx, cache), move |(mut rx, mut cache)| async move {
        let item = rx.recv().await;
        match (&item, &mut cache) {
            (Some(Ok(chunk)), Some((_, kept, size, _))) => {
                kept.push(chunk.clone());
                *size += chunk.len();
            }
            (Some(Err(_)), c) => *c = None,
            (None, Some(_)) => {
                if let Some((key, kept, size, st)) = cache.take() {
                    let used = st
                        .answers_size
                        .fetch_add(size, std::sync::atomic::Ordering::Relaxed);
                    if used + size <= st.config.answer_cache_bytes {
                        // A newer answer replaces its compressed form too.
                        st.answers_gz.lock().expect("answers_gz").remove(&key);
                        st.answers
                            .lock()
                            .expect("answers")
                            .insert(key, (content_type, kept));
                    } else {
                        st.answers_size
                            .fetch_sub(size, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            _ => {}
        }
        item.map(|item| (item, (rx, cache)))
    });
    let mut r = if gzip {
        let mut r = Response::new(Body::from_stream(gzip_stream(stream)));
        gzip_header(&mut r);
        r
    } else {
        Response::new(Body::from_stream(stream))
    };
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

const CHUNK: usize = 64 * 1024;

/// Computes the answer and sends it in chunks; runs on a blocking thread.
fn produce(
    st: &SimState,
    cat: &crate::catalog::Catalog,
    key: &(String, String),
    req: &grammar::Request,
    fault: Option<Fault>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let table = &st.tables[key];
    let cols = req
        .columns
        .clone()
        .unwrap_or_else(|| (0..table.schema.columns.len()).collect());
    let mut writer = Writer {
        table,
        columns: cols.clone(),
        format: req.format,
        rows: 0,
    };
    // The file classes list the simulator's files; the others are computed.
    let stored = st.files.lock().expect("files").rows(&table.schema);
    let candidates: Box<dyn Iterator<Item = Vec<crate::table::Val>>> = match stored {
        Some(rows) => Box::new(rows.into_iter()),
        None => match req
            .filters
            .iter()
            .find_map(|f| f.norad_ids(table))
            .and_then(|ids| table.rows_for_norads(cat, &ids))
        {
            Some(rows) => Box::new(rows.into_iter().map(|r| table.row(cat, r))),
            None => Box::new((0..table.len(cat)).map(|r| table.row(cat, r))),
        },
    };
    let text =
        |c: usize| move |v: &crate::table::Val| render::text(table, c, v).unwrap_or_default();
    let matching =
        candidates.filter(|row| req.filters.iter().all(|f| f.matches(row, text(f.column))));
    let needs_all = !req.order.is_empty() || req.distinct || req.metadata;
    let mut total = None;
    let rows: Box<dyn Iterator<Item = Vec<crate::table::Val>>> = if needs_all {
        let mut all: Vec<Vec<crate::table::Val>> = matching.collect();
        if !req.order.is_empty() {
            all.sort_by(|a, b| {
                for &(c, desc) in &req.order {
                    let o = grammar::key(&a[c])
                        .partial_cmp(&grammar::key(&b[c]))
                        .unwrap_or(std::cmp::Ordering::Equal);
                    let o = if desc { o.reverse() } else { o };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
        }
        if req.distinct {
            let mut seen = std::collections::HashSet::new();
            all.retain(|row| {
                seen.insert(
                    cols.iter()
                        .map(|&c| format!("{:?}", row[c]))
                        .collect::<Vec<_>>(),
                )
            });
        }
        total = Some(all.len());
        Box::new(all.into_iter())
    } else {
        Box::new(matching)
    };
    let rows = rows.skip(req.offset).take(req.limit.unwrap_or(usize::MAX));

    let mut out = String::with_capacity(CHUNK + 4096);
    let mut sent = 0usize;
    let truncate_after = match &fault {
        Some(Fault::TruncateBody) => Some(CHUNK / 4),
        _ => None,
    };
    let slow = match &fault {
        Some(Fault::SlowBody(d)) => Some(*d),
        _ => None,
    };
    let invalid = matches!(fault, Some(Fault::InvalidJson));
    let send = |out: &mut String, sent: &mut usize, last: bool| -> bool {
        // A short answer is cut in its middle.
        let truncate_after = truncate_after.map(|l| {
            if last {
                l.min(*sent + out.len() / 2)
            } else {
                l
            }
        });
        if let Some(limit) = truncate_after {
            if *sent + out.len() > limit {
                let cut = limit.saturating_sub(*sent);
                let mut cut = cut.min(out.len());
                while !out.is_char_boundary(cut) {
                    cut -= 1;
                }
                let _ = tx.blocking_send(Ok(Bytes::copy_from_slice(&out.as_bytes()[..cut])));
                let _ = tx.blocking_send(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fault: body cut short",
                )));
                return false;
            }
        }
        if let Some(d) = slow {
            std::thread::sleep(d);
        }
        *sent += out.len();
        let chunk = Bytes::from(std::mem::take(out));
        tx.blocking_send(Ok(chunk)).is_ok()
    };
    if req.metadata {
        let meta = serde_json::json!({
            "Total": total.unwrap_or(0),
            "Limit": req.limit,
            "LimitOffset": req.offset,
            "RequestTime": "0.0100",
        });
        out.push_str(&format!("{{\"request_metadata\":{meta},\"data\":"));
    }
    let bad_every = match fault {
        Some(Fault::BadRecords { every }) => Some(every.max(1)),
        _ => None,
    };
    let bad_column = cols.iter().copied().find(|&c| {
        use spacetrack_codegen::mysql::SqlType;
        matches!(
            table.schema.columns[c].sql,
            SqlType::Int { .. } | SqlType::Real { .. } | SqlType::Date | SqlType::DateTime { .. }
        )
    });
    let mut begun = false;
    for mut row in rows {
        if let (Some(every), Some(c)) = (bad_every, bad_column) {
            if writer.rows % every == every - 1 {
                row[c] = crate::table::Val::Text("N/A".into());
            }
        }
        if !begun {
            writer.begin(&mut out);
            begun = true;
        }
        writer.row(&mut out, &row);
        if invalid && writer.rows == 1 {
            out.push_str("{not json");
        }
        if out.len() >= CHUNK && !send(&mut out, &mut sent, false) {
            return;
        }
    }
    if !begun {
        // As Space-Track: `[]`; in text an empty body, or this line with emptyresult/show.
        if req.format != Format::Json {
            out.push_str(["", "NO RESULTS RETURNED"][usize::from(req.empty_show)]);
            send(&mut out, &mut sent, true);
            return;
        }
        writer.begin(&mut out);
    }
    writer.end(&mut out);
    if req.metadata {
        out.push('}');
    }
    send(&mut out, &mut sent, true);
}

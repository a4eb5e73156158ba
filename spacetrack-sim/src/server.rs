//! HTTP routes: login, logout, modeldef and queries.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Form, State};
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
    let mut r = json_response(StatusCode::OK, "\"\"");
    if let Ok(v) = HeaderValue::from_str(&format!("chocolatechip={token}; path=/; HttpOnly")) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(st): State<Arc<SimState>>, uri: Uri, headers: HeaderMap) -> Response {
    let token = session_token(&headers);
    st.log(Method::GET, &uri, token.is_some());
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
    // Split the raw path before decoding, so `%2F` stays inside its value.
    let segments: Vec<String> = uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(decode)
        .collect();
    if segments.len() < 4
        || segments[2] != "class"
        || !matches!(segments[1].as_str(), "query" | "modeldef")
    {
        return error(StatusCode::NOT_FOUND, "Not found");
    }
    if !st.check_session(token.as_deref()) {
        return json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN);
    }
    if let Some(fault) = st.next_fault() {
        if let Some(r) = fault.respond_early() {
            return r;
        }
        if let Fault::ExpireSession = fault {
            st.sessions.lock().expect("sessions").clear();
            return json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN);
        }
        return query(&st, &segments, Some(fault)).await;
    }
    query(&st, &segments, None).await
}

async fn query(st: &Arc<SimState>, segments: &[String], fault: Option<Fault>) -> Response {
    let (controller, action, class) = (&segments[0], &segments[1], &segments[3]);
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
        let doc = ModeldefDocument {
            controller: controller.clone(),
            data: st.modeldef[&(controller.clone(), class.clone())].clone(),
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
        let run = std::panic::AssertUnwindSafe(|| produce(&state, &key, &req, fault, tx));
        if std::panic::catch_unwind(run).is_err() {
            let _ =
                guard.blocking_send(Err(std::io::Error::other("simulator bug: answer aborted")));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

const CHUNK: usize = 64 * 1024;

/// Computes the answer and sends it in chunks; runs on a blocking thread.
fn produce(
    st: &SimState,
    key: &(String, String),
    req: &grammar::Request,
    fault: Option<Fault>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let table = &st.tables[key];
    let cat = &st.catalog;
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
    let candidates: Box<dyn Iterator<Item = usize>> = match req
        .filters
        .iter()
        .find_map(|f| f.norad_ids(table))
        .and_then(|ids| table.rows_for_norads(cat, &ids))
    {
        Some(rows) => Box::new(rows.into_iter()),
        None => Box::new(0..table.len(cat)),
    };
    let text =
        |c: usize| move |v: &crate::table::Val| render::text(table, c, v).unwrap_or_default();
    let matching = candidates
        .map(|r| table.row(cat, r))
        .filter(|row| req.filters.iter().all(|f| f.matches(row, text(f.column))));
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
    let mut begun = false;
    for row in rows {
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
        if req.empty_show || req.format == Format::Json {
            writer.begin(&mut out);
        } else {
            out.push_str("NO RESULTS RETURNED");
            send(&mut out, &mut sent, true);
            return;
        }
    }
    writer.end(&mut out);
    if req.metadata {
        out.push('}');
    }
    send(&mut out, &mut sent, true);
}

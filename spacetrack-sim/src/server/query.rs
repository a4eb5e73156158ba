//! Modeldef and table queries: the grammar parsed, rows computed,
//! filtered, ordered and written in the asked format as they stream.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use spacetrack_codegen::schema::ModeldefDocument;

use super::gzip::{gzip_cached, gzip_header, gzip_stream};
use super::{CHUNK, error, files::file_action, json_response};
use crate::fault::Fault;
use crate::grammar::{self, Format};
use crate::render::{self, Writer};
use crate::state::SimState;
use spacetrack_codegen::mysql::SqlType;

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

pub(super) async fn query(
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
        let sink = |item| tx.blocking_send(item).is_ok();
        let run = std::panic::AssertUnwindSafe(|| produce(&state, &cat, &key, &req, fault, &sink));
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

/// Where an answer's chunks go (the HTTP body, or a string in process);
/// `false` when nobody listens any more.
type Sink<'a> = &'a dyn Fn(Result<Bytes, std::io::Error>) -> bool;

/// Why [`crate::SimState::answer`] has no answer: the HTTP status and
/// message the server would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    /// The HTTP status (400 for a bad query or an unknown class, 404 for
    /// an unknown controller or path).
    pub status: u16,
    /// Space-Track's message.
    pub message: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)
    }
}

impl std::error::Error for AnswerError {}

/// A table query answered in process, as the server would (see
/// [`crate::SimState::answer`]).
// Here rather than in state.rs: the state knows nothing of the server.
impl SimState {
    /// Answers a query path (`/basicspacedata/query/class/gp/...`) in
    /// process, exactly as the server would answer it over HTTP, without a
    /// session, the account's limits, faults or the request log: for tools
    /// and tests that read whole classes. File classes that are actions
    /// (fileshare uploads and downloads) are not answered here.
    ///
    /// ```
    /// let config = spacetrack_sim::Simulator::builder().objects(20).config();
    /// let state = spacetrack_sim::SimState::new(config)?;
    /// let iss = state.answer("/basicspacedata/query/class/gp/NORAD_CAT_ID/25544/format/json")?;
    /// assert!(iss.contains("\"OBJECT_NAME\":\"ISS (ZARYA)\""));
    /// let e = state.answer("/basicspacedata/query/class/tle_latest").unwrap_err();
    /// assert_eq!(e.status, 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn answer(&self, path: &str) -> Result<String, crate::AnswerError> {
        answer(self, path)
    }
}

pub(crate) fn answer(st: &SimState, path: &str) -> Result<String, AnswerError> {
    let fail = |status: u16, message: String| AnswerError { status, message };
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(super::decode)
        .collect();
    if segments.len() < 4 || segments[1] != "query" || segments[2] != "class" {
        return Err(fail(404, "Not found".into()));
    }
    let key = (segments[0].clone(), segments[3].clone());
    let Some(table) = st.tables.get(&key) else {
        return Err(if st.tables.keys().any(|(c, _)| *c == key.0) {
            fail(400, format!("Unknown class: {}", key.1))
        } else {
            fail(404, format!("Unknown controller: {}", key.0))
        });
    };
    let req = grammar::parse(table, &segments[4..]).map_err(|e| fail(400, e))?;
    let cat = st.catalog();
    let out = std::cell::RefCell::new(Vec::new());
    let broken = std::cell::RefCell::new(None);
    let sink = |item: Result<Bytes, std::io::Error>| match item {
        Ok(chunk) => {
            out.borrow_mut().extend_from_slice(&chunk);
            true
        }
        Err(e) => {
            *broken.borrow_mut() = Some(e.to_string());
            false
        }
    };
    produce(st, &cat, &key, &req, None, &sink);
    if let Some(e) = broken.into_inner() {
        return Err(fail(500, e));
    }
    String::from_utf8(out.into_inner()).map_err(|e| fail(500, e.to_string()))
}

/// Computes the answer and sends it in chunks; runs on a blocking thread.
fn produce(
    st: &SimState,
    cat: &crate::catalog::Catalog,
    key: &(String, String),
    req: &grammar::Request,
    fault: Option<Fault>,
    tx: Sink<'_>,
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
    // `LIKE` compares MySQL's text of the value (a datetime with a space).
    let text =
        |c: usize| move |v: &crate::table::Val| render::cast_text(table, c, v).unwrap_or_default();
    let matching =
        candidates.filter(|row| req.filters.iter().all(|f| f.matches(row, text(f.column))));
    let needs_all = !req.order.is_empty() || req.distinct || req.metadata;
    let mut total = None;
    let rows: Box<dyn Iterator<Item = Vec<crate::table::Val>>> = if needs_all {
        let mut all: Vec<Vec<crate::table::Val>> = matching.collect();
        if !req.order.is_empty() {
            // MySQL sorts an enum column by member position, not by text.
            let members: Vec<Option<&Vec<String>>> = req
                .order
                .iter()
                .map(|&(c, _)| match &table.schema.columns[c].sql {
                    SqlType::Enum(m) => Some(m),
                    _ => None,
                })
                .collect();
            let key = |v: &crate::table::Val, members: Option<&Vec<String>>| match (v, members) {
                (crate::table::Val::Text(s), Some(m)) => m
                    .iter()
                    .position(|x| x.eq_ignore_ascii_case(s))
                    .map(|i| grammar::Key::Num(i as f64 + 1.0))
                    .or_else(|| grammar::key(v)),
                _ => grammar::key(v),
            };
            all.sort_by(|a, b| {
                for (&(c, desc), m) in req.order.iter().zip(&members) {
                    let o = key(&a[c], *m)
                        .partial_cmp(&key(&b[c], *m))
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
        Some(Fault::TruncateAfter(bytes)) => Some(*bytes),
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
                let _ = tx(Ok(Bytes::copy_from_slice(&out.as_bytes()[..cut])));
                let _ = tx(Err(std::io::Error::new(
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
        tx(Ok(chunk))
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

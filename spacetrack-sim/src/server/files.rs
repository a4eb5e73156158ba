//! The fileshare upload, and the file classes that are actions rather
//! than tables: downloads, delete, publicfiles.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;

use super::{CHUNK, error, json_response, pairs, path_segments, session::admit, session_token};
use crate::fault::Fault;
use crate::state::SimState;

/// `POST fileshare/query/class/upload/folder_id/N`, multipart part `file`.
pub(super) async fn upload(
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

/// Answers the file classes that are actions rather than tables: fileshare
/// download and delete, spephemeris download, publicfiles.
pub(super) fn file_action(
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

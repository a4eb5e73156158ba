//! `send()` and `stream()` decode large answers while they arrive, in
//! segments cut at `},{` (spacetrack-sdk/src/pipeline.rs). Whatever the
//! body and however it is chunked on the wire, `send()` must give exactly
//! what decoding the whole body at once gives (`de::from_json_slice`): the
//! same records, or the same error with the same record index, column,
//! value and position; and `stream()` exactly the items of the
//! record-at-a-time decoder (`de::read_records`): the same records, then
//! the same error.
//!
//! The bodies are real simulator answers (several segments long), served by
//! a small loopback server that sends them in chunks of a chosen size, and
//! then damaged where the simulator never damages them: cuts inside
//! strings, a bad value far into the body, invalid UTF-8, nested values,
//! newlines between records, a missing end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use spacetrack::{Error, Format, Gp};
use tokio::io::AsyncWriteExt;

struct Server {
    base: String,
    /// Queries for data (not modeldef) that reached the server.
    queries: Arc<AtomicUsize>,
}

/// Serves `body` to every query, written `chunk` bytes at a time.
async fn serve(body: Arc<Vec<u8>>, chunk: usize) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let queries = Arc::new(AtomicUsize::new(0));
    let q = queries.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (body, q) = (body.clone(), q.clone());
            tokio::spawn(async move {
                let Some(path) = spacetrack_tests::request_path(&mut sock).await else {
                    return;
                };
                if path.ends_with("ajaxauth/login") {
                    let _ = sock.write_all(spacetrack_tests::LOGIN_OK).await;
                    return;
                }
                if path.contains("/query/") && !path.contains("modeldef") {
                    q.fetch_add(1, Ordering::SeqCst);
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for part in body.chunks(chunk.max(1)) {
                    if sock.write_all(part).await.is_err() || sock.flush().await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Server { base, queries }
}

/// A client for `base`; `total_timeout` sets a total request timeout, under
/// which send() reads without waiting for the decoder (the other path).
fn client_with(base: &str, total_timeout: bool) -> spacetrack::Client {
    let b = spacetrack::Client::builder()
        .base_url(base)
        .allow_http(true)
        .identity("me@example.invalid")
        .password("pw")
        .rate_limits([])
        .retry(spacetrack_tests::fast_retries())
        .modeldef_cache_dir(None);
    let b = if total_timeout {
        b.timeout(Duration::from_secs(60))
    } else {
        b
    };
    b.build().unwrap()
}

fn client(base: &str) -> spacetrack::Client {
    client_with(base, false)
}

/// A real gp answer of `objects` records, as the simulator sends it.
async fn gp_body(objects: usize) -> Vec<u8> {
    let (_sim, st) = spacetrack_tests::sim_and_client(objects).await;
    let body = st.gp().send_bytes(Format::Json).await.unwrap().to_vec();
    assert!(
        body.len() > 3 << 20,
        "several segments: {} bytes",
        body.len()
    );
    body
}

/// What decoding the whole body at once gives, in comparable form.
fn expected(body: &[u8]) -> Result<Vec<Gp>, String> {
    spacetrack::de::from_json_slice::<Gp>(body).map_err(|e| describe(&e))
}

fn describe(e: &Error) -> String {
    match e {
        Error::Decode(d) => format!(
            "record {:?} field {:?} value {:?}: {d}",
            d.record, d.field, d.value
        ),
        other => format!("{other}"),
    }
}

/// The record-at-a-time decoder's items: records until the first error.
fn expected_stream(body: &[u8]) -> (Vec<Gp>, Option<String>) {
    let mut rows = Vec::new();
    for item in spacetrack::de::read_records::<Gp, _>(body) {
        match item {
            Ok(r) => rows.push(r),
            Err(e) => return (rows, Some(describe(&e))),
        }
    }
    (rows, None)
}

/// Sends `body` through `stream()` and `send()` in several chunkings and
/// checks each against the record-at-a-time and whole-body decoders;
/// returns what `send()` gives.
async fn same_as_whole(name: &str, body: Vec<u8>) -> Result<Vec<Gp>, String> {
    let want = expected(&body);
    let want_stream = expected_stream(&body);
    let body = Arc::new(body);
    for chunk in [997, 65_536, 1 << 20] {
        let server = serve(body.clone(), chunk).await;
        let st = client(&server.base);

        let mut rows = Vec::new();
        let mut error = None;
        let mut items = st.gp().stream().await.unwrap();
        while let Some(item) = items.next().await {
            match item {
                Ok(r) => rows.push(r),
                Err(e) => {
                    error = Some(describe(&e));
                    assert!(
                        items.next().await.is_none(),
                        "{name}: nothing after an error"
                    );
                    break;
                }
            }
        }
        assert_eq!(
            rows.len(),
            want_stream.0.len(),
            "{name}, chunks of {chunk}: streamed count"
        );
        assert!(
            rows == want_stream.0,
            "{name}, chunks of {chunk}: streamed records differ"
        );
        assert_eq!(
            error, want_stream.1,
            "{name}, chunks of {chunk}: the stream's error"
        );

        for total_timeout in [false, true] {
            let st = client_with(&server.base, total_timeout);
            let got = st.gp().send().await.map_err(|e| describe(&e));
            let how = format!("{name}, chunks of {chunk}, total timeout {total_timeout}");
            match (&got, &want) {
                (Ok(g), Ok(w)) => {
                    assert_eq!(g.len(), w.len(), "{how}: record count");
                    assert!(g == w, "{how}: records differ");
                }
                _ => assert_eq!(got, want, "{how}"),
            }
        }
        let queries = server.queries.load(Ordering::SeqCst);
        assert_eq!(queries, 3, "{name}: one request for each call");
    }
    want
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The byte offset of the record `n` records into the body (its `{`).
fn record_start(body: &[u8], n: usize) -> usize {
    let mut at = 1;
    for _ in 0..n {
        at += find(&body[at..], b"},{").unwrap() + 2;
    }
    at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_damage_gives_what_the_whole_body_gives() {
    let body = gp_body(4_000).await;
    let n = expected(&body).unwrap().len();
    let late = n * 3 / 4;

    // A clean answer: every record, in order.
    let rows = same_as_whole("clean", body.clone()).await.unwrap();
    assert_eq!(rows.len(), n);

    // `},{` inside every object name: most cuts would fall in a string.
    let text = String::from_utf8(body.clone()).unwrap();
    let tricky = text.replace(r#""OBJECT_NAME":""#, r#""OBJECT_NAME":"},{"#);
    let rows = same_as_whole("},{ in strings", tricky.into_bytes())
        .await
        .unwrap();
    assert!(rows.iter().all(|r| {
        r.object_name
            .as_deref()
            .is_some_and(|s| s.starts_with("},{"))
    }));

    // A bad value far into the body: the error names record, column, value.
    let mut bad = body.clone();
    let at = record_start(&bad, late);
    let key = find(&bad[at..], br#""MEAN_MOTION":""#).unwrap() + at + 15;
    bad.splice(key..key, b"x".iter().copied());
    let e = same_as_whole("bad value", bad).await.unwrap_err();
    assert!(e.contains(&format!("record Some({late})")), "{e}");
    assert!(e.contains("MEAN_MOTION"), "{e}");

    // Invalid UTF-8 in a late string.
    let mut bad = body.clone();
    let at = record_start(&bad, late) + 20;
    let q = find(&bad[at..], b"\"").unwrap() + at + 1;
    bad[q] = 0xff;
    same_as_whole("invalid UTF-8", bad).await.unwrap_err();

    // A nested value in an unknown column: not flat, still data.
    let mut nested = body.clone();
    let at = record_start(&nested, late) + 1;
    nested.splice(at..at, br#""EXTRA":{"A":[1,{"B":"},{"}]},"#.iter().copied());
    let rows = same_as_whole("nested value", nested).await.unwrap();
    assert!(rows[late].unknown_columns().get("EXTRA").is_some());

    // Newlines between records, then a bad value: positions count lines.
    let text = String::from_utf8(body.clone()).unwrap();
    let mut lined = text.replacen("},{", "},\n{", 50).into_bytes();
    let at = record_start(&lined, late);
    let key = find(&lined[at..], br#""ECCENTRICITY":""#).unwrap() + at + 16;
    lined.splice(key..key, b"\"".iter().copied());
    let e = same_as_whole("newlines, then broken JSON", lined)
        .await
        .unwrap_err();
    assert!(e.contains("line 51"), "{e}");

    // The end of the array missing, and the body cut inside a record.
    let mut open = body.clone();
    open.pop();
    let e = same_as_whole("no closing bracket", open).await.unwrap_err();
    assert!(e.contains("EOF"), "{e}");
    let cut = body[..record_start(&body, late) + 30].to_vec();
    same_as_whole("cut in a record", cut).await.unwrap_err();

    // Data after the array.
    let mut trailing = body.clone();
    trailing.extend_from_slice(b" x");
    same_as_whole("trailing data", trailing).await.unwrap_err();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_body_or_a_huge_record_first_is_judged_as_before() {
    // An error object in first place of a long array: the stream reports
    // the API error, as the record-at-a-time decoder does.
    let body = gp_body(4_000).await;
    let mut errored = br#"[{"error":"You must be logged in to complete this action"},"#.to_vec();
    errored.extend_from_slice(&body[1..]);
    let (rows, error) = expected_stream(&errored);
    assert!(rows.is_empty() && error.is_some());
    // (send() decodes it as the whole-body decoder does, whatever that is.)
    let _ = same_as_whole("error body first", errored).await;

    // A record of a few megabytes (under the bound): the stream decodes
    // it on its own, as before.
    let text = String::from_utf8(body.clone()).unwrap();
    let late = text.len() / 2;
    let at = late + text[late..].find(r#""OBJECT_NAME":""#).unwrap() + 15;
    let big = format!("{}{}{}", &text[..at], "B".repeat(5 << 20), &text[at..]);
    let rows = same_as_whole("a 5 MiB record", big.into_bytes())
        .await
        .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.object_name.as_deref().is_some_and(|n| n.len() > 5 << 20))
    );

    // After a long first record, a last one that is not flat and looks
    // like an error body on its own: still two records for send(), as the
    // whole body gives (an error body is a whole answer, not its tail).
    let first = &text[1..=text.find("},{").unwrap()];
    let name = first.find(r#""OBJECT_NAME":""#).unwrap() + 15;
    let long = format!(
        r#"[{}{}{},{{"error":"["}}]"#,
        &first[..name],
        "x".repeat(1_048_600),
        &first[name..]
    );
    let e = same_as_whole("an error-like last record", long.into_bytes())
        .await
        .unwrap_err();
    assert!(e.starts_with("record Some(1)"), "{e}");

    // Whitespace before the array, and a large answer that is not an
    // array (the metadata form).
    let mut spaced = vec![b' '; 2 << 20];
    spaced.extend_from_slice(&body);
    same_as_whole("whitespace first", spaced).await.unwrap();
    let meta = format!(
        r#"{{"request_metadata":{{"Total":1}},"data":{}}}"#,
        String::from_utf8(body.clone()).unwrap()
    );
    same_as_whole("metadata form", meta.into_bytes())
        .await
        .unwrap();

    // A record larger than the stream's record bound, late in the body.
    let text = String::from_utf8(body).unwrap();
    let late = text.len() * 3 / 4;
    let at = late + text[late..].find(r#""OBJECT_NAME":""#).unwrap() + 15;
    let huge = format!(
        "{}{}{}",
        &text[..at],
        "A".repeat(spacetrack::de::MAX_RECORD_BYTES + 10),
        &text[at..]
    );
    let (rows, error) = expected_stream(huge.as_bytes());
    assert!(
        error.as_deref().is_some_and(|e| e.contains("larger than")),
        "{} rows, {error:?}, body {} bytes",
        rows.len(),
        huge.len()
    );
    same_as_whole("huge record", huge.into_bytes())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_answers_and_error_bodies_take_the_whole_body_path() {
    for body in [
        &br#"[{"error":"You've violated your query rate limit."}]"#[..],
        br#"{"error":"You must be logged in to complete this action"}"#,
        b"[]",
        b"",
    ] {
        let server = serve(Arc::new(body.to_vec()), 7).await;
        let got = client(&server.base)
            .gp()
            .send()
            .await
            .map_err(|e| describe(&e));
        let whole = expected(body);
        match (&got, &whole) {
            (Ok(g), Ok(w)) => assert_eq!(g, w),
            (Err(_), Err(_)) => {}
            // A rate-limit body is retried, then reported as such; the
            // whole-body decoder reports it as an API error too.
            _ => panic!("{}: {got:?} vs {whole:?}", String::from_utf8_lossy(body)),
        }
    }
}

//! Small hand-written loopback servers that misbehave in ways the simulator
//! does not: HTML served as text, redirects elsewhere, empty and short
//! bodies, a login that never answers. The client must never return a page
//! or a cut-off body as data.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use spacetrack::{Error, Format};
use tokio::io::AsyncWriteExt;

/// What the server does with a query (login is answered normally unless
/// `login` says otherwise).
#[derive(Clone)]
enum Reply {
    /// Raw bytes: status line, headers and body.
    Raw(&'static str),
    /// Headers announcing `len` bytes, then `sent` of them, then close.
    Short { len: usize, sent: usize },
}

struct Server {
    base: String,
    queries: Arc<AtomicUsize>,
    logins: Arc<AtomicUsize>,
    paths: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn serve(reply: Reply, login_delay: Option<Duration>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let queries = Arc::new(AtomicUsize::new(0));
    let logins = Arc::new(AtomicUsize::new(0));
    let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (q, l, p) = (queries.clone(), logins.clone(), paths.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (reply, q, l, p) = (reply.clone(), q.clone(), l.clone(), p.clone());
            tokio::spawn(async move {
                let Some(path) = spacetrack_tests::request_path(&mut sock).await else {
                    return;
                };
                p.lock().unwrap().push(path.clone());
                if path.ends_with("ajaxauth/login") {
                    l.fetch_add(1, Ordering::SeqCst);
                    if let Some(d) = login_delay {
                        tokio::time::sleep(d).await;
                    }
                    let _ = sock.write_all(spacetrack_tests::LOGIN_OK).await;
                    return;
                }
                q.fetch_add(1, Ordering::SeqCst);
                match reply {
                    Reply::Raw(text) => {
                        let _ = sock.write_all(text.as_bytes()).await;
                    }
                    Reply::Short { len, sent } => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(&vec![b'1'; sent]).await;
                        let _ = sock.flush().await;
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    Server {
        base,
        queries,
        logins,
        paths,
    }
}

fn client(base: &str) -> spacetrack::Client {
    spacetrack::Client::builder()
        .base_url(base)
        .allow_http(true)
        .identity("me@example.invalid")
        .password("pw")
        .rate_limits([])
        .retry(spacetrack_tests::fast_retries())
        .timeout(Duration::from_secs(3))
        .modeldef_cache_dir(None)
        .build()
        .unwrap()
}

const HTML_AS_TEXT: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 96\r\nConnection: close\r\n\r\n<!DOCTYPE html><html><head><title>Service notice</title></head><body>Back soon.</body></html>\n\n\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_sent_as_plain_text_is_never_data() {
    let s = serve(Reply::Raw(HTML_AS_TEXT), None).await;
    let st = client(&s.base);
    let is_page = |e: &Error| matches!(e, Error::Page { title, .. } if title == "Service notice");
    let e = st.gp().send_text(Format::Tle).await.unwrap_err();
    assert!(is_page(&e), "{e}");
    let e = st.gp().send_bytes(Format::Csv).await.unwrap_err();
    assert!(is_page(&e), "{e}");
    match st.gp().lines(Format::ThreeLe).await {
        Err(e) => assert!(is_page(&e), "{e}"),
        Ok(_) => panic!("lines() returned a page"),
    }
    match st.gp().bytes(Format::Kvn).await {
        Err(e) => assert!(is_page(&e), "{e}"),
        Ok(_) => panic!("bytes() returned a page"),
    }
    assert!(st.gp().send().await.is_err());
    // Not a login page, so no login storm: one login for all of it.
    assert_eq!(s.logins.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_elsewhere_are_not_followed() {
    let s = serve(
        Reply::Raw(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere/data.json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        None,
    )
    .await;
    let st = client(&s.base);
    let e = st.gp().send().await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 302, message } if message.contains("not followed")),
        "{e}"
    );
    assert_eq!(s.queries.load(Ordering::SeqCst), 1);
    assert!(
        s.paths
            .lock()
            .unwrap()
            .iter()
            .all(|p| !p.contains("elsewhere"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_body_is_an_empty_answer_for_every_call_alike() {
    let s = serve(
        Reply::Raw(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        None,
    )
    .await;
    let st = client(&s.base);
    assert!(st.gp().send().await.unwrap().is_empty());
    assert!(st.gp().send_partial().await.unwrap().records.is_empty());
    assert_eq!(st.gp().send_text(Format::Tle).await.unwrap(), "");
    assert!(st.gp().send_bytes(Format::Tle).await.unwrap().is_empty());
    let lines: Vec<String> = st
        .gp()
        .lines(Format::Tle)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(lines.is_empty());
    let rows: Vec<spacetrack::Gp> = st.gp().stream().await.unwrap().try_collect().await.unwrap();
    assert!(rows.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_announced_is_an_error_for_every_call() {
    let s = serve(
        Reply::Short {
            len: 5000,
            sent: 700,
        },
        None,
    )
    .await;
    let st = spacetrack::Client::builder()
        .base_url(&s.base)
        .allow_http(true)
        .identity("me@example.invalid")
        .password("pw")
        .rate_limits([])
        .retry(spacetrack::RetryPolicy::none())
        .modeldef_cache_dir(None)
        .build()
        .unwrap();
    assert!(st.gp().send().await.is_err());
    assert!(st.gp().send_text(Format::Tle).await.is_err());
    assert!(st.gp().send_bytes(Format::Tle).await.is_err());
    let lines: Result<Vec<String>, _> = st
        .gp()
        .lines(Format::Tle)
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(lines.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_that_never_answers_ends_at_the_timeout() {
    let s = serve(Reply::Raw(HTML_AS_TEXT), Some(Duration::from_secs(60))).await;
    let st = client(&s.base); // 3 s timeout
    let started = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = st.clone();
            tokio::spawn(async move { c.launch_site().send().await })
        })
        .collect();
    for c in calls {
        assert!(matches!(c.await.unwrap(), Err(Error::Timeout(_))));
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.logins.load(Ordering::SeqCst), 1, "no login storm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_mislabelled_as_html_is_still_data() {
    // Some servers label every answer text/html: the body decides.
    let s = serve(
        Reply::Raw(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: 43\r\nConnection: close\r\n\r\n[{\"SITE_CODE\":\"AFETR\",\"LAUNCH_SITE\":\"X\"}]\n\n",
        ),
        None,
    )
    .await;
    let st = client(&s.base);
    let rows = st.launch_site().send().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].site_code, "AFETR");
}

/// Space-Track's answer to a text query that matched nothing, with
/// `emptyresult/show`: the line alone (with and without a line ending).
const NO_RESULTS: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 19\r\nConnection: close\r\n\r\nNO RESULTS RETURNED";
const NO_RESULTS_CRLF: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 21\r\nConnection: close\r\n\r\nNO RESULTS RETURNED\r\n";
/// ... and without it: an empty body.
const EMPTY_TEXT: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_tracks_empty_text_answers_are_empty_everywhere() {
    for reply in [NO_RESULTS, NO_RESULTS_CRLF, EMPTY_TEXT] {
        let s = serve(Reply::Raw(reply), None).await;
        let st = client(&s.base);
        for format in [Format::Tle, Format::ThreeLe, Format::Csv, Format::Kvn] {
            let q = || st.gp().object_name("NO SUCH OBJECT").empty_result_show();
            assert_eq!(q().send_text(format).await.unwrap(), "", "{reply:?}");
            assert_eq!(
                q().send_text_answer(format).await.unwrap(),
                spacetrack::TextAnswer::NoResults
            );
            assert!(q().send_bytes(format).await.unwrap().is_empty());
            let lines: Vec<String> = q()
                .lines(format)
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            assert!(lines.is_empty(), "{lines:?}");
            let chunks: Vec<bytes::Bytes> = q()
                .bytes(format)
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            assert!(chunks.iter().all(|c| c.is_empty()), "{chunks:?}");
        }
        // One request per call, each asking for the shown empty result.
        let paths = s.paths.lock().unwrap().clone();
        let queries: Vec<&String> = paths.iter().filter(|p| p.contains("/query/")).collect();
        assert_eq!(queries.len(), 4 * 5);
        assert_eq!(s.queries.load(Ordering::SeqCst), 4 * 5);
        assert!(queries.iter().all(|p| p.contains("/emptyresult/show/")));
    }
    // A download's content is never judged: a file may hold those words.
    let s = serve(Reply::Raw(NO_RESULTS), None).await;
    let st = client(&s.base);
    let raw = st
        .request("download")
        .controller("fileshare")
        .send_bytes(Format::Stream);
    assert_eq!(&raw.await.unwrap()[..], b"NO RESULTS RETURNED");
}

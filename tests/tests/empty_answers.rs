//! Issue 25, item 2: an answer that matched nothing is empty everywhere.
//! The simulator answers as Space-Track does (a text query that matched
//! nothing: an empty body, or `NO RESULTS RETURNED` with
//! `emptyresult/show`; JSON: `[]`), checked on the wire; the SDK never
//! hands that line on as data, whichever way it is read.

use futures_util::TryStreamExt;
use spacetrack::{Format, TextAnswer};
use spacetrack_sim::Simulator;
use spacetrack_tests::{query_paths, sim_and_client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The body the simulator sends for `path` (plain HTTP/1.1 over a socket,
/// no compression), after logging in.
async fn on_the_wire(sim: &Simulator, path: &str) -> Vec<u8> {
    let addr = sim.addr();
    let form =
        format!("identity={}&password={}", sim.identity(), sim.password()).replace('@', "%40");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let login = format!(
        "POST /ajaxauth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    sock.write_all(login.as_bytes()).await.unwrap();
    let mut answer = String::new();
    sock.read_to_string(&mut answer).await.unwrap();
    let cookie = answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let get = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(get.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let body = &raw[split..];
    if !head.contains("transfer-encoding: chunked") {
        return body.to_vec();
    }
    // Chunked: size lines and chunks.
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 4 + size..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_answers_an_empty_result_as_space_track_does() {
    let (sim, _st) = sim_and_client(50).await;
    let base = "/basicspacedata/query/class/gp/object_name/NO%20SUCH/format";
    for format in ["tle", "3le", "csv", "kvn", "xml", "html"] {
        assert_eq!(
            on_the_wire(&sim, &format!("{base}/{format}")).await,
            b"",
            "{format}"
        );
        assert_eq!(
            on_the_wire(&sim, &format!("{base}/{format}/emptyresult/show")).await,
            b"NO RESULTS RETURNED",
            "{format}"
        );
    }
    assert_eq!(on_the_wire(&sim, &format!("{base}/json")).await, b"[]");
    assert_eq!(
        on_the_wire(&sim, &format!("{base}/json/emptyresult/show")).await,
        b"[]"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_text_answers_are_empty_for_every_call_with_and_without_show() {
    let (sim, st) = sim_and_client(200).await;
    for show in [false, true] {
        let q = || {
            let q = st.gp().object_name("NO SUCH OBJECT");
            if show { q.empty_result_show() } else { q }
        };
        for format in [
            Format::Tle,
            Format::ThreeLe,
            Format::Csv,
            Format::Kvn,
            Format::Xml,
        ] {
            sim.clear_requests();
            assert_eq!(q().send_text(format).await.unwrap(), "", "{format} {show}");
            assert_eq!(
                q().send_text_answer(format).await.unwrap(),
                TextAnswer::NoResults
            );
            assert!(q().send_bytes(format).await.unwrap().is_empty());
            let lines: Vec<String> = q()
                .lines(format)
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            assert!(lines.is_empty(), "{format} {show}: {lines:?}");
            let chunks: Vec<bytes::Bytes> = q()
                .bytes(format)
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(chunks.concat(), b"", "{format} {show}");
            // One request per call, as asked.
            let paths = query_paths(&sim);
            assert_eq!(paths.len(), 5);
            assert!(
                paths
                    .iter()
                    .all(|p| p.contains("/emptyresult/show") == show)
            );
        }
        assert!(q().send().await.unwrap().is_empty());
    }

    // The blocking client too.
    let client = spacetrack_tests::builder_for(&sim).build().unwrap();
    let thread = std::thread::spawn(move || {
        let st = spacetrack::blocking::Client::from_async(client).unwrap();
        let q = || st.gp().object_name("NO SUCH OBJECT").empty_result_show();
        (
            q().send_text(Format::ThreeLe).unwrap(),
            q().send_text_answer(Format::ThreeLe).unwrap(),
            q().lines(Format::ThreeLe).unwrap().count(),
        )
    });
    let got = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    assert_eq!(got, (String::new(), TextAnswer::NoResults, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_with_data_are_untouched_and_say_so_in_their_type() {
    let (_sim, st) = sim_and_client(200).await;
    let q = || st.gp().norad_cat_id(25544).empty_result_show();
    let text = q().send_text(Format::ThreeLe).await.unwrap();
    assert!(text.starts_with("0 ISS (ZARYA)\n1 25544U"), "{text}");
    assert_eq!(
        q().send_text_answer(Format::ThreeLe).await.unwrap(),
        TextAnswer::Text(text.clone())
    );
    // Raw bytes keep Space-Track's CRLF.
    let raw = q().send_bytes(Format::ThreeLe).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&raw).replace("\r\n", "\n"), text);
    let streamed: Vec<bytes::Bytes> = q()
        .bytes(Format::ThreeLe)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.concat(), raw.to_vec());
    let lines: Vec<String> = q()
        .lines(Format::ThreeLe)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lines.len(), 3);
}

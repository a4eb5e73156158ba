//! Issue 24, item 5, on the command line: `-v` shows each request (never a
//! secret), the library's warnings reach stderr by default and `-q`
//! silences them.

mod support;

use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, query_paths};
use support::{command, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_each_request_and_no_secret() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let home = TempDir::new("cli-verbose");
    let r = run(
        &sim,
        &home,
        &["-v", "query", "gp", "--norad-cat-id", "25544,20580"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), 1);
    let url = format!("{}{}", sim.base_url().trim_end_matches('/'), paths[0]);
    // Its line gives the bytes of the answer.
    let said = r
        .stderr
        .split(&format!("GET {url} -> 200: "))
        .nth(1)
        .unwrap_or_else(|| panic!("{url}\n{}", r.stderr));
    let bytes: u64 = said
        .split(" bytes in ")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(bytes > 0, "{said}");
    assert!(r.stderr.contains("ajaxauth/login -> 200"), "{}", r.stderr);
    assert!(!r.stderr.contains(sim.password()), "{}", r.stderr);
    for token in sim.session_tokens() {
        assert!(!r.stderr.contains(&token), "a cookie was printed");
    }
    // -vv: headers too, still without cookies.
    let r = run(
        &sim,
        &home,
        &["-vv", "query", "satcat", "--norad-cat-id", "25544"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("content-type"), "{}", r.stderr);
    assert!(
        !r.stderr.to_ascii_lowercase().contains("chocolatechip="),
        "{}",
        r.stderr
    );
    for token in sim.session_tokens() {
        assert!(!r.stderr.contains(&token), "a cookie was printed");
    }
    // Without -v: no request lines.
    let r = run(&sim, &home, &["query", "boxscore", "--country", "US"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("GET "), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_column_is_warned_about_unless_quiet() {
    let sim = Simulator::builder()
        .objects(50)
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-unknown");
    let r = run(&sim, &home, &["query", "gp", "--norad-cat-id", "25544"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("REENTRY_RISK"), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("REENTRY_RISK").count(),
        1,
        "once: {}",
        r.stderr
    );
    let r = run(
        &sim,
        &home,
        &["-q", "query", "gp", "--norad-cat-id", "20580"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("REENTRY_RISK"), "{}", r.stderr);
}

/// A wait over a second for the account's limits is said on stderr as it
/// starts, by default: how long, which limit, and that another process of
/// the account (an earlier run, through the shared ledger) filled it. The
/// test reads stderr until the line arrives, then stops the run: its query
/// never reached the server (counted there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_wait_is_said_on_stderr_with_its_limit() {
    use tokio::io::AsyncBufReadExt;
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let home = TempDir::new("cli-wait");
    // Fewer than 2 queries a minute, for the account, across processes.
    let limit = ["--max-per-minute", "2"];
    let first = command(&sim, &home)
        .args(limit)
        .args(["query", "boxscore", "-f", "csv"])
        .output()
        .await
        .unwrap();
    assert!(first.status.success(), "{first:?}");
    assert_eq!(query_paths(&sim).len(), 1);

    let mut second = command(&sim, &home)
        .args(limit)
        .args(["query", "launch_site", "-f", "csv"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(second.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let line = loop {
        match lines.next_line().await.unwrap() {
            Some(l) if l.contains("waiting") => break l,
            Some(l) => seen.push(l),
            None => panic!("the run ended without a wait: {seen:?}"),
        }
    };
    second.kill().await.unwrap();
    assert!(
        line.contains(
            "for the account's rate limit: the limit of fewer than 2 requests a minute is reached"
        ),
        "{line}"
    );
    assert!(
        line.contains("1 of them from other processes or machines using the account"),
        "{line}"
    );
    assert_eq!(
        query_paths(&sim).len(),
        1,
        "the second run's query was held"
    );
}

//! Issue 24, item 5, on the command line: `-v` shows each request (never a
//! secret), the library's warnings reach stderr by default and `-q`
//! silences them.

mod support;

use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, query_paths};
use support::run;

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
    assert!(
        r.stderr.contains(&format!("GET {url} -> 200")),
        "{url}\n{}",
        r.stderr
    );
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

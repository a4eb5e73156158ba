//! Issue 24, items 1 and 2, on the command line: `--policy`, `--cache`,
//! `--dry-run` and the removed classes, counted at the simulator.

mod support;

use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, logins, query_paths};
use support::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_classes_name_gp_and_gp_history_and_send_nothing() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let home = TempDir::new("cli-removed");
    for class in ["tle", "tle_latest", "tle-latest", "tle_publish", "omm"] {
        let r = run(&sim, &home, &["query", class, "--norad-cat-id", "25544"]).await;
        assert_eq!(r.code, 13, "{class}: {}", r.stderr);
        assert!(
            r.stderr.contains("removed from Space-Track") && r.stderr.contains("gp"),
            "{class}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("unrecognized subcommand"),
            "{}",
            r.stderr
        );
    }
    let r = run(&sim, &home, &["query", "tle"]).await;
    assert!(r.stderr.contains("gp_history"), "{}", r.stderr);
    assert!(sim.requests().is_empty(), "nothing reached the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_requests_and_sends_nothing() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let home = TempDir::new("cli-dry-run");
    let ids: Vec<String> = (1..=3000).map(|i| i.to_string()).collect();
    let ids = ids.join(",");
    let r = run(
        &sim,
        &home,
        &["query", "gp", "--dry-run", "--norad-cat-id", &ids],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let gets = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("GET "))
        .count();
    assert!(
        gets > 1,
        "a list this long is several requests: {}",
        r.stdout
    );
    assert!(
        r.stdout
            .starts_with(&format!("{gets} requests, {gets} sent")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expected wait"), "{}", r.stdout);
    assert!(!r.stdout.contains(sim.password()));
    assert!(sim.requests().is_empty(), "no login, no query");

    // The same query sent: exactly the announced number of requests.
    let r = run(&sim, &home, &["query", "gp", "--norad-cat-id", &ids]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(query_paths(&sim).len(), gets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_refuses_a_repeat_across_runs_and_cache_serves_it() {
    let sim = Simulator::builder().objects(80).start().await.unwrap();
    let home = TempDir::new("cli-policy");
    let broad = ["query", "gp", "--epoch", ">now-10", "-f", "csv"];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = extra.to_vec();
        v.extend(broad);
        v
    };
    let first = run(&sim, &home, &with(&["--policy", "strict"])).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(query_paths(&sim).len(), 1);
    // Another process, the same query within the hour: refused.
    let again = run(&sim, &home, &with(&["--policy", "strict"])).await;
    assert_eq!(again.code, 13, "{}", again.stderr);
    assert!(again.stderr.contains("[cadence]"), "{}", again.stderr);
    assert_eq!(query_paths(&sim).len(), 1, "nothing sent");
    // Its dry run says why, and sends nothing either.
    let mut dry = with(&[]);
    dry.push("--dry-run");
    let plan = run(&sim, &home, &dry).await;
    assert!(
        plan.stdout.contains("guidance: [cadence]"),
        "{}",
        plan.stdout
    );
    assert_eq!(query_paths(&sim).len(), 1);

    // --cache: the first run fills it, the second is answered from it.
    let q = [
        "--cache",
        "query",
        "satcat",
        "--object-type",
        "PAYLOAD",
        "-f",
        "csv",
    ];
    let a = run(&sim, &home, &q).await;
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(query_paths(&sim).len(), 2);
    let b = run(&sim, &home, &q).await;
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(b.stdout, a.stdout);
    assert_eq!(query_paths(&sim).len(), 2, "answered from the cache");
    assert!(
        b.stderr.contains("answered from the answer cache"),
        "says so: {}",
        b.stderr
    );
    // Without --cache it is sent.
    let c = run(&sim, &home, &q[1..]).await;
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert_eq!(query_paths(&sim).len(), 3);
    assert!(logins(&sim) >= 1);
}

//! Issue 24, item 5: a wait for the account's limits longer than a second
//! is said (at `info`, through `tracing`) as it starts: how long, which
//! limit holds the request, and how many of the requests filling that
//! limit's window came from other processes or machines sharing the
//! account's ledger. The tests wait for the announcement, then give up the
//! request: it never reaches the server (counted there), and no assertion
//! depends on how long anything took.

use std::sync::Arc;
use std::time::Duration;

use spacetrack::Rate;
use spacetrack::ratelimit::{Limit, LimiterStore, MemoryStore, Window};
use spacetrack_sim::Simulator;
use spacetrack_tests::{Logs, builder_for, query_paths};

/// Sends `send` until the log says it waits, then drops it; panics if it
/// finishes first (it was not held back).
async fn until_said<T: std::fmt::Debug>(
    logs: &Logs,
    send: impl std::future::Future<Output = T>,
) -> String {
    tokio::select! {
        r = send => panic!("sent without a wait: {r:?}"),
        line = logs.line_with("waiting") => line,
    }
}

/// The seconds a wait line announces.
fn announced_secs(line: &str) -> f64 {
    line.split("waiting ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

// A current-thread runtime: the subscriber is this thread's.
#[tokio::test(flavor = "current_thread")]
async fn a_long_wait_names_the_limit_as_it_starts() {
    let (logs, _guard) = Logs::on_this_thread(tracing::Level::INFO);
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    // Fewer than 2 a minute: the second request waits about a minute.
    let st = builder_for(&sim)
        .limiter_store(Arc::new(MemoryStore::new()))
        .rate_limits([Rate::new(2, Duration::from_secs(60))])
        .build()
        .unwrap();
    st.boxscore().send().await.unwrap();
    assert!(logs.lines_with("waiting").is_empty());

    let line = until_said(&logs, st.launch_site().send()).await;
    assert_eq!(query_paths(&sim).len(), 1, "the second is held back");
    assert!(line.contains(" INFO "), "{line}");
    assert!(
        line.contains(
            "for the account's rate limit: the limit of fewer than 2 requests a minute is \
             reached (1 request in the last 1 min)"
        ),
        "{line}"
    );
    assert!(!line.contains("other processes"), "{line}");
    assert!(announced_secs(&line) > 1.0, "{line}");
}

#[tokio::test(flavor = "current_thread")]
async fn another_process_use_of_the_account_is_said() {
    let (logs, _guard) = Logs::on_this_thread(tracing::Level::INFO);
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let store = Arc::new(MemoryStore::new());
    // Another process of the account, seen through the shared ledger: one
    // request admitted, not by this process's limiter.
    let other = Limit {
        key: format!(
            "spacetrack:{}:{}",
            sim.base_url().trim_end_matches('/'),
            sim.identity().to_lowercase()
        ),
        windows: vec![Window { max: 1, ms: 61_000 }],
    };
    assert!(store.acquire(&other).await.unwrap().is_zero());

    let st = builder_for(&sim)
        .limiter_store(store)
        .rate_limits([Rate::new(2, Duration::from_secs(60))])
        .build()
        .unwrap();
    let line = until_said(&logs, st.boxscore().send()).await;
    assert!(query_paths(&sim).is_empty(), "held back before sending");
    assert!(
        line.contains(
            "the limit of fewer than 2 requests a minute is reached (1 request in the last \
             1 min); 1 of them from other processes or machines using the account"
        ),
        "{line}"
    );
}

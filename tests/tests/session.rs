//! Ending sessions: close(), logout failures and logout on drop.

use std::time::Duration;

use spacetrack::Error;
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{builder_for, logins, paths_with};

#[tokio::test]
async fn close_logs_out() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    st.gp().limit(1).send().await.unwrap();
    st.close().await.unwrap();
    assert_eq!(paths_with(&sim, "logout"), ["GET /ajaxauth/logout"]);
}

#[tokio::test]
async fn a_failing_logout_still_forgets_the_session() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    let keep = st.clone();
    st.login().await.unwrap();
    sim.inject([Fault::Status(503)]);
    match st.close().await {
        Err(Error::Api { status: 503, .. }) => {}
        other => panic!("expected the logout's 503, got {other:?}"),
    }
    assert!(
        format!("{keep:?}").contains("session: \"none\""),
        "{keep:?}"
    );
    // The remaining clone logs in again.
    keep.gp().limit(1).send().await.unwrap();
    assert_eq!(logins(&sim), 2);
}

#[tokio::test]
async fn dropping_the_last_clone_logs_out_in_the_background() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    let clone = st.clone();
    st.login().await.unwrap();
    drop(st);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        paths_with(&sim, "logout").is_empty(),
        "a clone is still alive"
    );
    drop(clone);
    // Wait (bounded) for the background logout; not a performance check.
    for _ in 0..200 {
        if !paths_with(&sim, "logout").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let logout = sim
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("logout"))
        .expect("logout on drop");
    assert!(logout.cookie, "the logout carried the session");
}

#[tokio::test]
async fn a_client_that_never_logged_in_does_not_log_out() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    st.close().await.unwrap();
    drop(builder_for(&sim).build().unwrap());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sim.requests().is_empty());
}

/// Issue 24, item 3, from Rust: clients sharing a `FileSessionStore` (as
/// processes do) log in once, and after Space-Track expires the session
/// one of them logs in again, once, and the other takes its new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_store_shares_one_login_and_renews_it_once() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let dir = spacetrack_tests::TempDir::new("session-store");
    let store = std::sync::Arc::new(spacetrack::FileSessionStore::new(dir.0.join("s")));
    let a = builder_for(&sim)
        .session_store(store.clone())
        .build()
        .unwrap();
    let b = builder_for(&sim)
        .session_store(store.clone())
        .build()
        .unwrap();
    a.boxscore().send().await.unwrap();
    b.boxscore().send().await.unwrap();
    assert_eq!(logins(&sim), 1);
    assert!(!format!("{a:?}{b:?}").contains(&sim.session_tokens()[0]));

    sim.expire_sessions();
    b.launch_site().send().await.unwrap();
    a.launch_site().send().await.unwrap();
    assert_eq!(logins(&sim), 2, "b renewed it; a took b's new session");

    // Closing leaves the stored session; logout ends it everywhere.
    a.close().await.unwrap();
    assert!(paths_with(&sim, "logout").is_empty());
    b.logout().await.unwrap();
    assert_eq!(paths_with(&sim, "logout").len(), 1);
    let c = builder_for(&sim).session_store(store).build().unwrap();
    c.boxscore().send().await.unwrap();
    assert_eq!(logins(&sim), 3);
}

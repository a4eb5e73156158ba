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

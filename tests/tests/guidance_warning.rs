//! Issue 24, item 1: under the `Warn` policy a query against the usage
//! guidance is sent, and warned about once per rule and class.
//!
//! A binary of its own: the warning is captured by a subscriber of this
//! thread, and tracing can cache a callsite as uninteresting when another
//! thread registers it at the moment this one's subscriber is set (its
//! interest is computed before the callsite joins the list that a rebuild
//! goes through). Two runs of the full suite lost the warning that way
//! while other tests of `guidance.rs` sent the same query beside it.

use spacetrack::op;
use spacetrack_sim::Simulator;
use spacetrack_tests::{Logs, builder_for, query_paths};

#[tokio::test(flavor = "current_thread")]
async fn warn_sends_and_warns_once() {
    // Events of this thread only (a current-thread runtime polls the
    // client here), so other tests' warnings cannot leak in.
    let (logs, _guard) = Logs::on_this_thread(tracing::Level::WARN);

    let sim = Simulator::builder()
        .objects(100)
        .start()
        .await
        .expect("simulator starts");
    let st = builder_for(&sim).build().unwrap();
    for _ in 0..3 {
        st.gp()
            .epoch(op::gt(op::now_minus_days(10)))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(query_paths(&sim).len(), 3, "warn sends every query");
    // ... and the server flags the two repeats.
    let rules: Vec<&str> = sim.guidance_breaches().iter().map(|b| b.rule).collect();
    assert_eq!(rules, ["cadence", "cadence"]);
    let text = logs.text();
    assert_eq!(text.matches("[cadence]").count(), 1, "{text}");
    assert!(text.contains("the same broad gp query"), "{text}");
    assert!(
        text.contains("answer cache"),
        "names the better way: {text}"
    );
}

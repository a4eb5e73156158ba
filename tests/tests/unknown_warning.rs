//! The first time a class shows an unknown column in a process, one warning
//! names the class and the columns and points at `spacetrack schemas diff`.
//! (Its own test binary: the warning is once per process.)

use spacetrack_sim::Simulator;
use spacetrack_tests::{Logs, client_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_warning_per_class_names_the_columns_and_the_way_out() {
    let logs = Logs::everywhere(tracing::Level::WARN);
    let sim = Simulator::builder()
        .objects(300)
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .extra_column("basicspacedata", "gp", "X_SECOND", "varchar(8)")
        .extra_column("basicspacedata", "satcat", "X_OTHER", "int(10)")
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    for _ in 0..3 {
        st.gp().send().await.unwrap();
        st.satcat().limit(10).send().await.unwrap();
    }
    // A class without unknown columns says nothing.
    st.decay().limit(10).send().await.unwrap();
    let text = logs.text();
    // The unknown-column warnings (the repeats also raise the usage
    // guidance's own warning, once per class: checked below).
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("does not list"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let guidance = text
        .lines()
        .filter(|l| l.contains("spacetrack::guidance"))
        .count();
    assert_eq!(guidance, 2, "one per class: {text}");
    let gp = lines
        .iter()
        .find(|l| l.contains("class=\"gp\"") || l.contains("class=gp"))
        .expect(&text);
    assert!(gp.contains("REENTRY_RISK, X_SECOND"), "{gp}");
    assert!(gp.contains("spacetrack schemas diff"), "{gp}");
    let satcat = lines.iter().find(|l| l.contains("satcat")).expect(&text);
    assert!(satcat.contains("X_OTHER"), "{satcat}");
}

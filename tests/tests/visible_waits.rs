//! Issue 24, item 5: a wait for the account's limits longer than a second
//! is said (at `info`, through `tracing`) as it starts, with how long and
//! why; shorter waits stay at `debug`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spacetrack::Rate;
use spacetrack_sim::Simulator;
use spacetrack_tests::{builder_for, query_paths};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_wait_is_said_as_it_starts() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    // One request per 1.25 s at most: the second waits longer than a second.
    let st = builder_for(&sim)
        .rate_limits([Rate::new(3, Duration::from_secs(3)).burst(1)])
        .build()
        .unwrap();
    st.boxscore().send().await.unwrap();
    st.launch_site().send().await.unwrap();
    assert_eq!(query_paths(&sim).len(), 2);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let waits: Vec<&str> = text.lines().filter(|l| l.contains("waiting")).collect();
    assert_eq!(waits.len(), 1, "{text}");
    assert!(waits[0].contains(" INFO "), "{}", waits[0]);
    assert!(
        waits[0].contains("the account's rate limit"),
        "{}",
        waits[0]
    );
    let secs: f64 = waits[0]
        .split("waiting ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", waits[0]));
    assert!(secs > 1.0 && secs < 2.0, "{}", waits[0]);
}

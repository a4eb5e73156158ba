//! Issue 25, item 4: clients for the simulator in one call, async and
//! blocking, and the simulator started from blocking code.

use spacetrack::sim::{Simulator, SimulatorExt};
use spacetrack_tests::query_paths;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_in_one_call_without_rate_limits() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = sim.client().unwrap();
    assert_eq!(st.gp().norad_cat_id(25544).send().await.unwrap().len(), 1);
    // No limiter: forty queries at once are all answered, none waits.
    let waits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = waits.clone();
    let st = sim
        .client_builder()
        .on_wait(move |_| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let all =
        futures_util::future::join_all((0..40).map(|i| st.satcat().norad_cat_id(25544 + i).send()))
            .await;
    assert!(all.iter().all(|r| r.is_ok()));
    assert_eq!(waits.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(query_paths(&sim).len(), 41);
    // Inside a runtime, start_blocking refuses instead of panicking.
    assert!(Simulator::builder().objects(10).start_blocking().is_err());
}

#[test]
fn blocking_code_starts_the_simulator_and_queries_it() {
    let sim = Simulator::builder().objects(50).start_blocking().unwrap();
    let st = sim.blocking_client().unwrap();
    let iss = st.gp().norad_cat_id(25544).send().unwrap();
    assert_eq!(iss[0].object_name.as_deref(), Some("ISS (ZARYA)"));
    assert_eq!(query_paths(&sim).len(), 1);
    let url = sim.base_url();
    drop(st);
    drop(sim);
    // Stopped with its handle: nothing answers any more.
    let refused =
        std::net::TcpStream::connect(url.trim_start_matches("http://").trim_end_matches('/'));
    assert!(refused.is_err(), "the simulator still answers after drop");
}

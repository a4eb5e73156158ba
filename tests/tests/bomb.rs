//! A gzip bomb is refused within bounded memory with the default cap. Its
//! own test binary, so that the peak memory measured is this test's.

use spacetrack::{Error, Format};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::client_for;

/// Peak resident memory of this process (Linux), in MiB.
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_refused_within_bounded_memory() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = client_for(&sim); // default caps
    // 1 GiB of JSON whitespace in about 1 MiB of gzip.
    sim.inject([Fault::GzipBomb { mib: 1024 }]);
    let e = st.gp().send().await.unwrap_err();
    assert!(
        matches!(e, Error::TooLarge { limit, .. } if limit == spacetrack::DEFAULT_MAX_ANSWER_BYTES),
        "{e}"
    );
    sim.inject([Fault::GzipBomb { mib: 1024 }]);
    assert!(matches!(
        st.gp().send_text(Format::Json).await,
        Err(Error::TooLarge { .. })
    ));
    if let Some(peak) = peak_mib() {
        // The cap (512 MiB) plus the simulator and test harness; without a
        // cap the bomb alone needs over 1 GiB.
        assert!(peak < 900, "peak resident memory {peak} MiB");
    }
}

//! Issue 24, item 4: a login outlives the callers that wait for it. Calls
//! cancelled by their callers while a slow login is in flight must not each
//! send a login of their own: counted at the simulator, logins stay within
//! one per completed call (each completed call ends the session on the
//! server, so the next one needs a login) plus a handful.

use std::time::Duration;

use spacetrack_sim::Simulator;
use spacetrack_tests::{builder_for, logins};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_callers_do_not_multiply_logins() {
    // A login answered one byte a millisecond: about 20 ms.
    let sim = Simulator::builder()
        .objects(50)
        .login_trickle(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let st = builder_for(&sim).build().unwrap();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let (mut completed, mut cancelled) = (0usize, 0usize);
    for _ in 0..300 {
        // Cancelled at a pseudo-random time under 30 ms.
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let deadline = Duration::from_micros((seed >> 33) % 30_000);
        match tokio::time::timeout(deadline, st.boxscore().country("US").send()).await {
            Ok(Ok(_)) => {
                completed += 1;
                // The next call finds its session gone and logs in again.
                sim.expire_sessions();
            }
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => cancelled += 1,
        }
    }
    let sent = logins(&sim);
    assert_eq!(sim.logins(), sent, "the simulator's own count agrees");
    assert!(completed > 0 && cancelled > 0, "{completed} {cancelled}");
    assert!(
        sent <= completed + 5,
        "{sent} logins for {completed} completed calls ({cancelled} cancelled)"
    );
}

/// While the session lasts, one login serves every caller: 300 calls,
/// most cancelled under 30 ms while the first (20 ms) login is in flight,
/// send exactly one login, counted at the simulator. With the login in
/// its caller, each cancelled caller's successor sent a login of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_login_serves_every_caller_while_the_session_lasts() {
    let sim = Simulator::builder()
        .objects(50)
        .login_trickle(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let st = builder_for(&sim).build().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut completed, mut cancelled) = (0usize, 0usize);
    for _ in 0..300 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let deadline = Duration::from_micros((seed >> 33) % 30_000);
        match tokio::time::timeout(deadline, st.boxscore().country("US").send()).await {
            Ok(Ok(_)) => completed += 1,
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => cancelled += 1,
        }
    }
    assert!(
        completed > 0,
        "{completed} completed, {cancelled} cancelled"
    );
    assert_eq!(
        logins(&sim),
        1,
        "{completed} completed, {cancelled} cancelled"
    );
    assert_eq!(sim.logins(), 1);
}

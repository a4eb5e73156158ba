//! Account safety against the real world: one ledger per account, login
//! discipline, no web page taken as data, bounded answers. Every count is
//! taken on the server's side.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use spacetrack::ratelimit::MemoryStore;
use spacetrack::{Error, Format, LoginPolicy, Rate};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{TempDir, builder_for, client_for, logins, max_in_window, query_paths};

/// Query arrival times on the server.
fn query_times(sim: &Simulator) -> Vec<std::time::SystemTime> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains("/query/"))
        .map(|r| r.at)
        .collect()
}

/// Clients of one account built in four different ways.
fn differently_built(sim: &Simulator, own_stores: bool) -> Vec<spacetrack::Client> {
    let window = Duration::from_secs(2);
    [
        Rate::new(10, window).burst(2),
        Rate::new(8, window).burst(4),
        Rate::new(10, window).burst(9),
        Rate::new(6, window).burst(5),
    ]
    .into_iter()
    .map(|r| {
        let b = builder_for(sim).rate_limits([r]);
        let b = if own_stores {
            b.limiter_store(Arc::new(MemoryStore::new()))
        } else {
            b
        };
        b.build().unwrap()
    })
    .collect()
}

async fn hammer(clients: &[spacetrack::Client], each: usize) {
    let tasks: Vec<_> = clients
        .iter()
        .map(|c| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..each {
                    let _ = c.launch_site().limit(1).send().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_one_account_share_its_limits_whatever_their_configuration() {
    // The server allows fewer than 10 per 2 s for the account.
    let sim = Simulator::builder()
        .objects(100)
        .account_limits([(9, Duration::from_secs(2))])
        .start()
        .await
        .unwrap();
    let clients = differently_built(&sim, false);
    for c in &clients {
        c.login().await.unwrap();
    }
    sim.clear_requests();
    hammer(&clients, 6).await;
    let times = query_times(&sim);
    assert_eq!(times.len(), 24, "every query was served once");
    assert_eq!(sim.refused_for_rate(), 0, "the server never refused one");
    let most = max_in_window(&times, Duration::from_secs(2));
    assert!(most < 10, "{most} in 2 s");

    // Control: with a ledger each, the same clients exceed the limit.
    let sim2 = Simulator::builder()
        .objects(100)
        .account_limits([(9, Duration::from_secs(2))])
        .start()
        .await
        .unwrap();
    let apart = differently_built(&sim2, true);
    for c in &apart {
        c.login().await.unwrap();
    }
    sim2.clear_requests();
    hammer(&apart, 6).await;
    assert!(
        sim2.refused_for_rate() > 0,
        "control stayed under the limit; the test proves nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_of_one_machine_share_the_ledger_through_a_file() {
    let sim = Arc::new(
        Simulator::builder()
            .objects(100)
            .account_limits([(9, Duration::from_secs(2))])
            .start()
            .await
            .unwrap(),
    );
    let dir = TempDir::new("file-ledger");
    let store = format!("file:{}", dir.0.display());
    let times = tokio::task::spawn_blocking({
        let sim = sim.clone();
        move || {
            spacetrack_tests::run_limit_workers(
                env!("CARGO_BIN_EXE_limit-worker"),
                &sim,
                &store,
                "",
                3,
                6,
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(times.len(), 18);
    assert_eq!(sim.refused_for_rate(), 0);
    assert!(max_in_window(&times, Duration::from_secs(2)) < 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_under_64_concurrent_callers_sends_one_login() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let bad = builder_for(&sim)
        .password("not-the-password")
        .build()
        .unwrap();
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let c = bad.clone();
            tokio::spawn(async move { c.launch_site().send().await })
        })
        .collect();
    for c in calls {
        assert!(matches!(c.await.unwrap(), Err(Error::Auth(_))));
    }
    assert_eq!(logins(&sim), 1, "one login for 64 callers");
    // Another client of the account, with the same refused password, sends
    // nothing during the back-off...
    let again = builder_for(&sim)
        .password("not-the-password")
        .build()
        .unwrap();
    let e = again.launch_site().send().await.unwrap_err();
    assert!(e.to_string().contains("not retried"), "{e}");
    assert_eq!(logins(&sim), 1);
    // ... while the right password logs in at once.
    let good = client_for(&sim);
    assert_eq!(
        good.launch_site().send().await.unwrap().len(),
        16,
        "every site"
    );
    assert_eq!(logins(&sim), 2);
    assert!(query_paths(&sim).iter().all(|p| !p.contains("password")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_are_bounded_per_hour() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let policy = LoginPolicy {
        refused_backoff: Duration::ZERO,
        max_refusals_per_hour: 2,
    };
    for i in 0..6 {
        let c = builder_for(&sim)
            .password(format!("wrong-{i}"))
            .login_policy(policy)
            .build()
            .unwrap();
        assert!(matches!(c.login().await, Err(Error::Auth(_))));
    }
    assert_eq!(logins(&sim), 2, "no more than two refused logins an hour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_login_ends_at_the_timeout() {
    let sim = Simulator::builder()
        .objects(50)
        .login_trickle(Duration::from_millis(1400))
        .start()
        .await
        .unwrap();
    let st = builder_for(&sim)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let c = st.clone();
            tokio::spawn(async move { c.launch_site().send().await })
        })
        .collect();
    for c in calls {
        assert!(matches!(c.await.unwrap(), Err(Error::Timeout(_))));
    }
    // 20 bytes at 1.4 s each would take 28 s; every caller is bounded by
    // its own 2 s (generous margin for a loaded machine).
    let took = started.elapsed();
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert_eq!(
        logins(&sim),
        1,
        "the waiting callers did not start logins of their own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_redirect_or_login_page_is_an_expired_session_recovered_with_complete_data() {
    let (sim, st) = spacetrack_tests::sim_and_client(300).await;
    let want = st.gp().limit(20).send().await.unwrap();
    let want_tle = st.gp().limit(20).send_text(Format::Tle).await.unwrap();
    for fault in [Fault::RedirectToLogin, Fault::HtmlLoginPage] {
        let before = logins(&sim);
        sim.inject([fault]);
        assert_eq!(st.gp().limit(20).send().await.unwrap(), want, "{fault:?}");
        sim.inject([fault]);
        assert_eq!(
            st.gp().limit(20).send_text(Format::Tle).await.unwrap(),
            want_tle,
            "{fault:?}"
        );
        sim.inject([fault]);
        let lines: Vec<String> = st
            .gp()
            .limit(20)
            .lines(Format::Tle)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(lines.join("\n") + "\n", want_tle);
        sim.inject([fault]);
        let streamed: Vec<_> = st
            .gp()
            .limit(20)
            .stream()
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, want);
        sim.inject([fault]);
        let bytes = st.gp().limit(20).send_bytes(Format::Tle).await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n"),
            want_tle
        );
        sim.inject([fault]);
        let picked = st
            .gp()
            .limit(20)
            .select([spacetrack::GpField::NoradCatId])
            .send()
            .await
            .unwrap();
        assert_eq!(picked.len(), 20);
        assert_eq!(
            logins(&sim),
            before + 6,
            "{fault:?}: one login per recovery"
        );
    }
    // A login page that persists after logging in again is an error.
    sim.inject([Fault::HtmlLoginPage, Fault::HtmlLoginPage]);
    let e = st.gp().limit(5).send().await.unwrap_err();
    assert!(matches!(e, Error::Page { .. } | Error::Auth(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maintenance_page_is_never_data() {
    let (sim, st) = spacetrack_tests::sim_and_client(100).await;
    macro_rules! refused {
        ($call:expr) => {{
            sim.inject([Fault::Maintenance]);
            match $call {
                Err(Error::Page { status, title }) => {
                    assert_eq!(status, 200);
                    assert!(title.contains("maintenance"), "{title}");
                }
                other => panic!("a maintenance page came back as {:?}", other.map(|_| ())),
            }
        }};
    }
    refused!(st.gp().limit(3).send().await);
    refused!(st.gp().limit(3).send_text(Format::Tle).await);
    refused!(st.gp().limit(3).send_bytes(Format::Csv).await);
    refused!(st.gp().limit(3).send_json().await);
    refused!(st.gp().limit(3).stream().await);
    refused!(st.gp().limit(3).lines(Format::ThreeLe).await);
    refused!(st.gp().limit(3).bytes(Format::Kvn).await);
    refused!(st.request("gp").send_text(Format::Csv).await);
    // Asked for html, a page is the answer.
    let html = st.gp().limit(3).send_text(Format::Html).await.unwrap();
    assert!(html.contains("<table>"));
    // A download's content may be HTML.
    let page = "<!DOCTYPE html><html><head><title>My notes</title></head></html>";
    st.upload(1, spacetrack::Upload::bytes("notes.html", page))
        .await
        .unwrap();
    let files = st.fileshare_file().send().await.unwrap();
    let id = files
        .iter()
        .find(|f| f.file_name.as_deref() == Some("notes.html"))
        .map(|f| f.file_id)
        .expect("uploaded");
    let got = st
        .fileshare_download()
        .file_id(id.into())
        .send()
        .await
        .unwrap();
    assert_eq!(&got[..], page.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_held_in_memory_are_capped() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = builder_for(&sim)
        .max_answer_bytes(8 << 20)
        .max_line_bytes(64 << 10)
        .build()
        .unwrap();
    for _ in 0..2 {
        sim.inject([Fault::GzipBomb { mib: 64 }]);
    }
    assert!(matches!(
        st.gp().send().await,
        Err(Error::TooLarge { limit, .. }) if limit == 8 << 20
    ));
    assert!(matches!(
        st.gp().send_bytes(Format::Json).await,
        Err(Error::TooLarge { .. })
    ));
    sim.inject([Fault::GzipBomb { mib: 64 }]);
    let mut lines = st.gp().lines(Format::Tle).await.unwrap();
    let first = lines.next().await.unwrap();
    assert!(
        matches!(
            first,
            Err(Error::TooLarge {
                what: "one line",
                ..
            })
        ),
        "{first:?}"
    );
    assert!(lines.next().await.is_none(), "nothing after the error");
    // Streaming records is bounded by the record cap, not by the answer.
    sim.inject([Fault::GzipBomb { mib: 64 }]);
    let mut records = st.gp().stream().await.unwrap();
    // `[` then only spaces and `]`: no record, no error.
    assert!(records.next().await.is_none());
    // Normal answers are unaffected.
    assert_eq!(st.gp().send().await.unwrap().len(), 100);
}

#[test]
fn a_blocking_iterator_used_inside_a_runtime_ends_after_its_error() {
    let sim_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim_rt
        .block_on(Simulator::builder().objects(50).start())
        .unwrap();
    let st = spacetrack::blocking::Client::from_async(client_for(&sim)).unwrap();
    let mut iter = st.gp().limit(50).stream().unwrap();
    assert!(iter.next().unwrap().is_ok());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let task = rt.spawn_blocking(move || {
        iter.by_ref()
            .take(1000)
            .map(|r| r.is_ok())
            .collect::<Vec<_>>()
    });
    let items: Vec<_> = rt.block_on(task).unwrap();
    assert_eq!(items, [false], "one error, then the end");
}

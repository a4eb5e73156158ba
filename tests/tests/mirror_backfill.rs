//! gp_history backfill on a budget, counted at the simulator: planning
//! sends only its probes; the plan's request count is what the windows
//! send; a backfill killed at every window resumes where it stopped (no
//! window twice) and ends equal to the server; later syncs of the range
//! ask only for what is new.

use chrono::{Duration, NaiveDate};
use spacetrack::GpHistoryField;
use spacetrack_mirror::{BackfillOptions, Mirror, SyncOptions};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{TempDir, builder_for, query_paths};

fn windows_sent(sim: &Simulator) -> Vec<String> {
    query_paths(sim)
        .into_iter()
        .filter(|p| p.contains("/class/gp_history/") && p.contains("/orderby/gp_id/"))
        .filter(|p| !p.contains("metadata") && !p.contains("predicates"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_plans_then_resumes_after_every_kill_and_ends_equal_to_the_server() {
    let anchor = NaiveDate::from_ymd_opt(2026, 9, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let sim = Simulator::builder()
        .objects(60)
        .history_depth(6)
        .anchor(anchor)
        .start()
        .await
        .unwrap();
    sim.advance(Duration::days(20));
    let st = builder_for(&sim)
        .retry(spacetrack::RetryPolicy::none())
        .build()
        .unwrap();
    let dir = TempDir::new("mirror-backfill");
    let m = Mirror::open(dir.0.join("m.db").to_str().unwrap())
        .await
        .unwrap();
    let (from, to) = (
        anchor.date() - Duration::days(300),
        anchor.date() + Duration::days(30),
    );
    let opts = BackfillOptions::new(from, to)
        .rows_per_request(40)
        .budget(200, std::time::Duration::from_secs(3600));

    // The plan: its probes, and nothing else.
    sim.clear_requests();
    let plan = m.plan_backfill(&st, &opts).await.unwrap();
    let sent = query_paths(&sim);
    assert_eq!(sent.len(), plan.probes as usize, "{sent:?}");
    assert!(windows_sent(&sim).is_empty());
    let in_range: Vec<spacetrack::GpHistory> = st
        .gp_history()
        .epoch(spacetrack::op::range(
            from.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            (to + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                - Duration::microseconds(1),
        ))
        .send()
        .await
        .unwrap();
    assert!(plan.requests() > 3, "{plan:?}");
    assert_eq!(
        plan.rows(),
        in_range.len() as u64,
        "the probes counted every set"
    );
    // 200 an hour: the plan's duration says so.
    let hours = plan.duration.as_secs_f64() / 3600.0;
    assert!(
        (hours - plan.requests() as f64 / 200.0).abs() < 1e-6,
        "{hours}"
    );
    // Planning again resumes the kept plan without a probe.
    sim.clear_requests();
    let again = m.plan_backfill(&st, &opts).await.unwrap();
    assert_eq!(again.windows, plan.windows);
    assert!(query_paths(&sim).is_empty());

    // Killed at every window: one window passes, the next is cut short.
    sim.clear_requests();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs <= plan.windows.len() + 1);
        sim.inject([Fault::Pass, Fault::TruncateBody]);
        let plan = m.plan_backfill(&st, &opts).await.unwrap();
        match m.backfill(&st, &plan, |_| {}).await {
            Ok(report) => {
                assert!(report.requests <= 1);
                break;
            }
            Err(e) => assert!(
                e.to_string().contains("transport")
                    || e.to_string().contains("decode")
                    || e.to_string().contains("cut"),
                "{e}"
            ),
        }
        sim.clear_faults();
    }
    sim.clear_faults();
    let sent = windows_sent(&sim);
    // Each window answered once, plus one cut short per kill: no window
    // was fetched twice once written.
    assert_eq!(sent.len(), plan.windows.len() + runs - 1, "{sent:?}");
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), plan.windows.len(), "the plan's request count");

    // Equal to the server.
    let mut mine: Vec<i64> = m
        .gp_history()
        .order_by(GpHistoryField::GpId)
        .send()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.gp_id as i64)
        .collect();
    let mut theirs: Vec<i64> = in_range.iter().map(|g| g.gp_id as i64).collect();
    mine.sort_unstable();
    theirs.sort_unstable();
    assert_eq!(mine, theirs);

    // A sync of the same range then asks only for new GP_IDs.
    sim.clear_requests();
    let report = m
        .sync(
            &st,
            &SyncOptions::new()
                .classes(Vec::<String>::new())
                .history(from, Some(to))
                .force(true),
        )
        .await
        .unwrap();
    assert!(report.error().is_none(), "{report:?}");
    let after = query_paths(&sim);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].contains("gp_id/%3E"), "{after:?}");
}

/// The budget, counted where it matters: at the server, no period holds
/// more window requests than it allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_paces_the_windows_at_the_server() {
    let anchor = NaiveDate::from_ymd_opt(2026, 9, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let sim = Simulator::builder()
        .objects(30)
        .history_depth(6)
        .anchor(anchor)
        .start()
        .await
        .unwrap();
    let st = spacetrack_tests::client_for(&sim);
    let dir = TempDir::new("mirror-backfill-budget");
    let m = Mirror::open(dir.0.join("m.db").to_str().unwrap())
        .await
        .unwrap();
    let period = std::time::Duration::from_millis(400);
    let opts = BackfillOptions::new(anchor.date() - Duration::days(200), anchor.date())
        .rows_per_request(15)
        .budget(2, period);
    let plan = m.plan_backfill(&st, &opts).await.unwrap();
    assert!(plan.requests() >= 5, "{plan:?}");
    sim.clear_requests();
    m.backfill(&st, &plan, |_| {}).await.unwrap();
    let times: Vec<std::time::SystemTime> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/class/gp_history/"))
        .map(|r| r.at)
        .collect();
    assert_eq!(times.len(), plan.requests());
    assert!(spacetrack_tests::max_in_window(&times, period) <= 2);
}

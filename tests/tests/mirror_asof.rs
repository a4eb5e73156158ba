//! The catalog as of a date: across a simulated month with launches and
//! decays, `gp_as_of` picks the set a brute-force computation over the
//! simulator's whole gp_history picks, for several times and look-backs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use spacetrack::GpHistory;
use spacetrack_mirror::{Mirror, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for};

/// The rule, by brute force: per object the set with the latest (EPOCH,
/// GP_ID) in [t - lookback, t]; objects decayed before t's day left out
/// (satcat's DECAY, else the set's DECAY_DATE).
fn brute_force(
    all: &[GpHistory],
    decays: &HashMap<u32, Option<NaiveDate>>,
    t: NaiveDateTime,
    lookback: Duration,
) -> BTreeSet<i64> {
    let mut newest: BTreeMap<u32, &GpHistory> = BTreeMap::new();
    for g in all {
        let Some(epoch) = g.epoch.map(|e| e.naive_utc()) else {
            continue;
        };
        if epoch < t - lookback || epoch > t {
            continue;
        }
        let better = newest
            .get(&g.norad_cat_id)
            .is_none_or(|b| (b.epoch, b.gp_id) < (g.epoch, g.gp_id));
        if better {
            newest.insert(g.norad_cat_id, g);
        }
    }
    newest
        .values()
        .filter(|g| {
            let decay = decays.get(&g.norad_cat_id).copied().unwrap_or(g.decay_date);
            decay.is_none_or(|d| d >= t.date())
        })
        .map(|g| g.gp_id as i64)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_picks_the_set_a_brute_force_picks_across_a_month() {
    let dir = TempDir::new("mirror-asof");
    across_a_month(dir.0.join("m.db").to_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_picks_the_same_sets_in_postgres() {
    let Some(pg) = spacetrack_tests::Postgres::start() else {
        return;
    };
    across_a_month(&pg.url).await;
}

async fn across_a_month(url: &str) {
    let anchor = NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let sim = Simulator::builder()
        .objects(250)
        .history_depth(6)
        .anchor(anchor)
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    // A month of simulated time: new element sets, launches, decays.
    for _ in 0..10 {
        sim.advance(Duration::days(3));
    }
    let m = Mirror::open(url).await.unwrap();
    let start = anchor.date() - Duration::days(120);
    let opts = SyncOptions::new()
        .classes(["satcat"])
        .history(start, None)
        .window_days(30)
        .force(true);
    let report = m.sync(&st, &opts).await.unwrap();
    assert!(report.error().is_none(), "{report:?}");

    let all: Vec<GpHistory> = st.gp_history().send().await.unwrap();
    let satcat = st.satcat().send().await.unwrap();
    let decays: HashMap<u32, Option<NaiveDate>> = satcat
        .iter()
        .filter_map(|s| Some((s.norad_cat_id?, s.decay)))
        .collect();
    let decayed_in_month = satcat
        .iter()
        .filter(|s| s.decay.is_some_and(|d| d >= anchor.date()))
        .count();
    let launched_in_month = satcat
        .iter()
        .filter(|s| s.launch.is_some_and(|d| d >= anchor.date()))
        .count();
    assert!(
        decayed_in_month > 0 && launched_in_month > 0,
        "the month has decays and launches"
    );

    let mut compared = 0;
    for (days, lookback) in [(-20, 30), (0, 30), (5, 30), (14, 3), (21, 30), (29, 10)] {
        let t = anchor + Duration::days(days) + Duration::hours(7);
        let lookback = Duration::days(lookback);
        let asof = m.gp_as_of_with(t, lookback).await.unwrap();
        let got: BTreeSet<i64> = asof.records.iter().map(|g| g.gp_id as i64).collect();
        let want = brute_force(&all, &decays, t, lookback);
        assert_eq!(got, want, "as of {t}, look-back {lookback}");
        assert_eq!(asof.records.len(), want.len(), "one set per object");
        assert!(asof.report.covers_window, "{:?}", asof.report);
        compared += want.len();
        // Every object launched by then, not decayed, and without a set in
        // the window is reported.
        let have: BTreeSet<u32> = asof.records.iter().map(|g| g.norad_cat_id).collect();
        let missing: Vec<u32> = satcat
            .iter()
            .filter(|s| s.launch.is_some_and(|l| l <= t.date()))
            .filter(|s| s.decay.is_none_or(|d| d >= t.date()))
            .filter_map(|s| s.norad_cat_id)
            .filter(|n| !have.contains(n))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(asof.report.without_set.as_deref(), Some(&missing[..]));
    }
    assert!(compared > 500, "the times compared hold sets: {compared}");
    // Before the kept range, the report says the window is not covered.
    let early = m
        .gp_as_of(
            NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(!early.report.covers_window);
}

//! A whole-class answer identical to the one last applied (satcat,
//! boxscore, launch_site, gp's check pass) is recorded, not decoded and
//! compared again (spacetrack-mirror's sync/digest.rs); any other answer is
//! compared in full. Requests are counted at the simulator.

use chrono::NaiveDate;
use spacetrack::GpField;
use spacetrack_mirror::{Mirror, Outcome, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for, query_paths};

/// `(requests, fetched)` of each class of a sync.
fn counts(report: &spacetrack_mirror::SyncReport) -> Vec<(String, u32, u64)> {
    report
        .classes
        .iter()
        .map(|c| match c.outcome {
            Outcome::Synced {
                requests, fetched, ..
            } => (c.class.clone(), requests, fetched),
            ref other => panic!("{}: {other:?}", c.class),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_answer_is_recorded_and_any_other_compared() {
    let sim = Simulator::builder()
        .objects(400)
        .history_depth(2)
        .anchor(
            NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
        )
        .start()
        .await
        .unwrap();
    let client = client_for(&sim);
    let dir = TempDir::new("mirror-digest");
    let mirror = Mirror::open(&format!("sqlite:{}", dir.0.join("m.db").display()))
        .await
        .unwrap();
    let opts = SyncOptions::new()
        .force(true)
        .classes(["gp", "satcat", "boxscore", "launch_site"]);
    let first = counts(&mirror.sync(&client, &opts).await.unwrap());
    assert!(
        first.iter().all(|(_, _, fetched)| *fetched > 0),
        "{first:?}"
    );

    // Nothing new: the same requests reach the server, nothing is decoded.
    sim.clear_requests();
    let second = counts(&mirror.sync(&client, &opts).await.unwrap());
    let sent = query_paths(&sim).len() as u32;
    assert_eq!(sent, second.iter().map(|c| c.1).sum::<u32>());
    for (class, requests, fetched) in &second {
        let want = if class == "gp" { 2 } else { 1 };
        assert_eq!((*requests, *fetched), (want, 0), "{class}: {second:?}");
    }

    // The sky moves: the answers differ and are compared in full, and the
    // mirror answers as the server does.
    sim.advance(chrono::Duration::days(3));
    let third = counts(&mirror.sync(&client, &opts).await.unwrap());
    let fetched = |class: &str| third.iter().find(|c| c.0 == class).unwrap().2;
    assert!(fetched("satcat") > 0 && fetched("gp") > 0, "{third:?}");
    let by_id = |mut v: Vec<spacetrack::Satcat>| {
        v.sort_by_key(|s| s.norad_cat_id);
        v
    };
    assert_eq!(
        by_id(mirror.satcat().send().await.unwrap()),
        by_id(client.satcat().send().await.unwrap())
    );
    assert_eq!(
        mirror
            .gp()
            .order_by(GpField::NoradCatId)
            .send()
            .await
            .unwrap(),
        client
            .gp()
            .order_by(GpField::NoradCatId)
            .send()
            .await
            .unwrap()
    );
}

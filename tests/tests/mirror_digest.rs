//! A whole-class answer identical to the one last applied (satcat,
//! boxscore, launch_site, gp's check pass), and a message class's answer
//! since an unchanged watermark (decay, cdm_public, tip), is recorded, not
//! decoded and compared again (spacetrack-mirror's sync/digest.rs); any
//! other answer is compared in full. Requests are counted at the simulator.

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

/// A simulator whose sky is anchored at 2026-11-24 12:00 UTC, and an empty
/// SQLite mirror in `dir`.
async fn sky_and_mirror(history_depth: usize, dir: &TempDir) -> (Simulator, Mirror) {
    let sim = Simulator::builder()
        .objects(400)
        .history_depth(history_depth)
        .anchor(
            NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
        )
        .start()
        .await
        .unwrap();
    let mirror = Mirror::open(&format!("sqlite:{}", dir.0.join("m.db").display()))
        .await
        .unwrap();
    (sim, mirror)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_answer_is_recorded_and_any_other_compared() {
    let dir = TempDir::new("mirror-digest");
    let (sim, mirror) = sky_and_mirror(2, &dir).await;
    let client = client_for(&sim);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_answers_since_an_unchanged_watermark_are_recorded_not_compared() {
    let dir = TempDir::new("mirror-digest-since");
    let (sim, mirror) = sky_and_mirror(5, &dir).await; // the default depth
    let client = client_for(&sim);
    let opts = SyncOptions::new()
        .force(true)
        .classes(["decay", "cdm_public", "tip"]);
    let first = counts(&mirror.sync(&client, &opts).await.unwrap());
    assert!(
        first.iter().all(|(_, _, fetched)| *fetched > 0),
        "{first:?}"
    );

    // The second sync is the first to ask since the watermarks (decay's
    // overlap window holds messages already stored, and its messages
    // without an epoch are asked apart): these answers are new to the
    // mirror and compared.
    let second = counts(&mirror.sync(&client, &opts).await.unwrap());
    let decay_overlap = second.iter().find(|c| c.0 == "decay").unwrap().2;
    assert!(decay_overlap > 0, "{second:?}");

    // Nothing new: the same requests reach the server, and answers equal
    // to the ones last applied are neither decoded nor compared.
    sim.clear_requests();
    let third = counts(&mirror.sync(&client, &opts).await.unwrap());
    let sent = query_paths(&sim).len() as u32;
    assert_eq!(sent, third.iter().map(|c| c.1).sum::<u32>());
    assert_eq!(
        third.iter().find(|c| c.0 == "decay").unwrap().1,
        2,
        "decay asks since its watermark and for messages without an epoch"
    );
    for (class, _, fetched) in &third {
        assert_eq!(*fetched, 0, "{class}: {third:?}");
    }

    // The sky moves: new messages are compared and stored, and the mirror
    // answers as the server does.
    sim.advance(chrono::Duration::days(3));
    let fourth = counts(&mirror.sync(&client, &opts).await.unwrap());
    let fetched = |class: &str| fourth.iter().find(|c| c.0 == class).unwrap().2;
    assert!(fetched("decay") > 0, "{fourth:?}");
    let key = |d: &spacetrack::Decay| {
        (
            d.norad_cat_id,
            d.msg_epoch,
            d.msg_type.clone(),
            d.precedence,
            d.source.clone(),
            d.decay_epoch,
        )
    };
    let sorted = |mut v: Vec<spacetrack::Decay>| {
        v.sort_by_key(key);
        v
    };
    assert_eq!(
        sorted(mirror.decay().send().await.unwrap()),
        sorted(client.decay().send().await.unwrap())
    );
}

//! The change feed lists exactly the changes the simulator made across
//! `advance` rounds: computed here by brute force from the simulator's gp
//! answers before and after each round, compared with what the mirror's
//! sync recorded.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use spacetrack::Gp;
use spacetrack_mirror::{Change, ChangeKind, Mirror, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for};

/// gp's current sets, by NORAD_CAT_ID.
async fn gp_now(st: &spacetrack::Client) -> HashMap<u32, Gp> {
    st.gp()
        .send()
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.norad_cat_id, g))
        .collect()
}

/// (kind, NORAD_CAT_ID, GP_ID) of every change a round should record.
fn expected(
    before: &HashMap<u32, Gp>,
    after: &HashMap<u32, Gp>,
    ever: &HashSet<u32>,
) -> BTreeMap<(ChangeKind, u32, Option<u64>), usize> {
    let mut out = BTreeMap::<(ChangeKind, u32, Option<u64>), usize>::new();
    let mut add = |k: ChangeKind, n: u32, g: Option<u64>| *out.entry((k, n, g)).or_default() += 1;
    for (n, new) in after {
        let id = Some(new.gp_id as u64);
        match before.get(n) {
            None if ever.contains(n) => add(ChangeKind::Reappeared, *n, id),
            None => add(ChangeKind::New, *n, id),
            Some(old) if old == new => continue,
            Some(old) => {
                let kind = if old.gp_id != new.gp_id {
                    ChangeKind::NewElementSet
                } else {
                    ChangeKind::Changed
                };
                add(kind, *n, id);
                if old.decay_date.is_none() && new.decay_date.is_some() {
                    add(ChangeKind::Decayed, *n, id);
                }
                if old.object_name != new.object_name {
                    add(ChangeKind::Renamed, *n, id);
                }
                if old.object_type != new.object_type {
                    add(ChangeKind::Retyped, *n, id);
                }
            }
        }
    }
    for (n, old) in before {
        if !after.contains_key(n) {
            add(ChangeKind::Removed, *n, Some(old.gp_id as u64));
        }
    }
    out
}

fn recorded(changes: &[Change]) -> BTreeMap<(ChangeKind, u32, Option<u64>), usize> {
    let mut out = BTreeMap::new();
    for c in changes.iter().filter(|c| c.class == "gp") {
        let norad = c.key["NORAD_CAT_ID"].as_u64().unwrap() as u32;
        let gp_id = c.key.get("GP_ID").and_then(|v| v.as_u64());
        *out.entry((c.kind, norad, gp_id)).or_default() += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_lists_exactly_what_changed_across_rounds() {
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 24)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let sim = Simulator::builder()
        .objects(500)
        .anchor(anchor)
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    let dir = TempDir::new("mirror-changes");
    let m = Mirror::open(dir.0.join("m.db").to_str().unwrap())
        .await
        .unwrap();
    let gp_only = SyncOptions::new().classes(["gp"]).force(true);
    m.sync(&st, &gp_only).await.unwrap();
    let first = m.changes(anchor - Duration::days(3650)).await.unwrap();
    let mut before = gp_now(&st).await;
    assert_eq!(
        first.iter().filter(|c| c.kind == ChangeKind::New).count(),
        before.len(),
        "every object is new to an empty mirror"
    );
    let mut ever: HashSet<u32> = before.keys().copied().collect();
    let mut seen_kinds = HashSet::new();
    let mut last_seq = first.last().map_or(0, |c| c.seq);
    for hours in [6, 30, 80, 200, 700] {
        sim.advance(Duration::hours(hours));
        m.sync(&st, &gp_only).await.unwrap();
        let after = gp_now(&st).await;
        let changes = m
            .changes_after(anchor - Duration::days(3650), last_seq)
            .await
            .unwrap();
        last_seq = changes.last().map_or(last_seq, |c| c.seq);
        let want = expected(&before, &after, &ever);
        assert_eq!(recorded(&changes), want, "after advancing {hours} h");
        seen_kinds.extend(changes.iter().map(|c| c.kind));
        // Each change says what changed, old and new.
        for c in &changes {
            if c.kind == ChangeKind::Decayed {
                let [old, new] = c.columns["DECAY_DATE"].as_array().unwrap().as_slice() else {
                    panic!("{c:?}")
                };
                assert!(old.is_null() && !new.is_null(), "{c:?}");
            }
            if c.kind == ChangeKind::Renamed {
                assert!(c.columns.contains_key("OBJECT_NAME"), "{c:?}");
            }
        }
        ever.extend(after.keys().copied());
        before = after;
    }
    for kind in [
        ChangeKind::New,
        ChangeKind::NewElementSet,
        ChangeKind::Decayed,
        ChangeKind::Renamed,
    ] {
        assert!(
            seen_kinds.contains(&kind),
            "no {kind:?} across the rounds: {seen_kinds:?}"
        );
    }
    // A sync with nothing new records nothing.
    let quiet = m.changes_after(anchor, last_seq).await.unwrap().len();
    m.sync(&st, &gp_only).await.unwrap();
    assert_eq!(
        m.changes_after(anchor, last_seq).await.unwrap().len(),
        quiet
    );
}

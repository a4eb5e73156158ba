//! The SQLite backend's own tests.

use super::*;
use crate::tables::table;

#[test]
fn a_sync_s_writes_wake_the_checkpoint_thread() {
    // Every batch a sync writes goes through `apply`: past the
    // threshold, its commit hands the checkpoint to the thread.
    let dir = checkpoint::tests::Scratch::new("apply-ckpt");
    let mut lite = Sqlite::open(&dir.db()).unwrap();
    lite.checkpoints = Checkpoints::install(&lite.conn, &dir.db()).with_thresholds(64, i32::MAX);
    let t = table("launch_site").unwrap();
    lite.ensure(t).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let until = now + chrono::Duration::minutes(30);
    assert_eq!(lite.lease(t.class, "me", now, until, None).unwrap(), None);
    let state = State {
        class: t.class.into(),
        lease: Some(("me".into(), until)),
        ..State::default()
    };
    let long = "x".repeat(1024);
    for b in 0..40 {
        let rows: Vec<Row> = (0..64)
            .map(|i| Row {
                values: vec![Value::Text(format!("S{b}-{i}")), Value::Text(long.clone())],
                unknown: None,
                key: None,
            })
            .collect();
        let batch = Batch {
            table: t,
            inserts: &[],
            updates: &[],
            upserts: &rows,
            delete: &[],
            remove: &[],
            changes: &[],
            state: &state,
            also: None,
            owner: "me",
            now,
        };
        assert_eq!(lite.apply(&batch).unwrap().written, 64);
    }
    let waited = std::time::Instant::now();
    while lite.checkpoints.background_runs() == 0 && waited.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(lite.checkpoints.background_runs() > 0);
    drop(lite);
    // Closed: the writer, last, checkpointed the rest and removed the log.
    assert_eq!(dir.wal_len(), 0);
    let again = Sqlite::open(&dir.db()).unwrap();
    let n: i64 = again
        .conn
        .query_row("SELECT count(*) FROM launch_site", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 40 * 64);
}

//! Issue 25, item 6: the mirror writes `_synced_at` with at most 6
//! fractional digits, as every other datetime (it had the clock's 9).

use spacetrack_mirror::{Mirror, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for};

/// The `_synced_at` values of `class` in the SQLite file at `db`.
fn synced_at(db: &std::path::Path, class: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT DISTINCT \"_synced_at\" FROM \"{class}\""))
        .unwrap();
    stmt.query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn fraction(text: &str) -> &str {
    text.split_once('.').map_or("", |(_, f)| f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_at_has_microseconds_like_every_datetime() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = client_for(&sim);
    let dir = TempDir::new("synced-at");
    let db = dir.0.join("m.db");
    let mirror = Mirror::open(db.to_str().unwrap()).await.unwrap();

    // The wall clock (nanoseconds on Linux).
    mirror
        .sync(&st, &SyncOptions::new().classes(["gp"]))
        .await
        .unwrap();
    let values = synced_at(&db, "gp");
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(fraction(&values[0]).len() <= 6, "{values:?}");

    // A sync time given with nanoseconds: written to the microsecond.
    let t = chrono::NaiveDate::from_ymd_opt(2030, 1, 2)
        .unwrap()
        .and_hms_nano_opt(3, 4, 5, 123_456_789)
        .unwrap();
    mirror
        .sync(
            &st,
            &SyncOptions::new().classes(["satcat"]).force(true).now(t),
        )
        .await
        .unwrap();
    assert_eq!(synced_at(&db, "satcat"), ["2030-01-02 03:04:05.123456"]);
}

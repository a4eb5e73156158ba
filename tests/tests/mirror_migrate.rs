//! A mirror made by one build, opened by a build whose schemas differ. The
//! older build is made by hand from a mirror of this one, as it would have
//! left its tables: a column it did not have kept in `_unknown` (then this
//! build adds the column), a column it had that this build does not
//! (retired), a column of another type (a rebuild with `migrate`), and rows
//! in the older storage format (datetimes with fewer fractional digits).

use spacetrack::{GpField, Record};
use spacetrack_mirror::{Error, Mirror, Outcome, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for};

async fn synced(dir: &TempDir) -> (Simulator, spacetrack::Client, String) {
    let sim = Simulator::builder().objects(200).start().await.unwrap();
    let st = client_for(&sim);
    let url = dir.0.join("m.db").to_str().unwrap().to_owned();
    let m = Mirror::open(&url).await.unwrap();
    let report = m
        .sync(
            &st,
            &SyncOptions::new().classes(["gp", "decay"]).force(true),
        )
        .await
        .unwrap();
    assert!(report.error().is_none(), "{report:?}");
    (sim, st, url)
}

fn sqlite(url: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(url).unwrap()
}

fn written(report: &spacetrack_mirror::SyncReport) -> u64 {
    report
        .classes
        .iter()
        .map(|c| match &c.outcome {
            Outcome::Synced { applied, .. } => applied.written,
            _ => 0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_the_schemas_gained_is_added_and_filled_from_unknown() {
    let dir = TempDir::new("migrate-added");
    let (_sim, st, url) = synced(&dir).await;
    let want = st.gp().order_by(GpField::GpId).send().await.unwrap();
    {
        // The older build had no RCS_SIZE: it kept the values in _unknown,
        // and wrote datetimes in its own way (storage format 1).
        let c = sqlite(&url);
        c.execute_batch(
            "UPDATE gp SET _unknown = json_patch(COALESCE(_unknown, '{}'), json_object('RCS_SIZE', RCS_SIZE));
             ALTER TABLE gp DROP COLUMN RCS_SIZE;
             UPDATE gp SET EPOCH = substr(EPOCH, 1, 23);
             UPDATE decay SET MSG_EPOCH = substr(MSG_EPOCH, 1, 19),
                 _key = json_array(NORAD_CAT_ID, substr(MSG_EPOCH, 1, 19), MSG_TYPE);
             UPDATE _sync_state SET schema_version = NULL;",
        )
        .unwrap();
        let held: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM gp WHERE _unknown LIKE '%RCS_SIZE%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(held > 0, "the older build's values are in _unknown");
    }
    let m = Mirror::open(&url).await.unwrap();
    let got = m.gp().order_by(GpField::GpId).send().await.unwrap();
    assert_eq!(got, want, "the added column holds the values _unknown held");
    assert!(got.iter().any(|g| g.rcs_size.is_some()));
    assert!(
        got.iter().all(|g| g.unknown_columns().is_empty()),
        "and _unknown no longer does"
    );
    // Datetimes rewritten in the current storage format: an exact epoch
    // compares equal as text.
    let one = got.iter().find(|g| g.epoch.is_some()).unwrap();
    let epoch = one.epoch.unwrap();
    let same = m.gp().epoch(epoch).send().await.unwrap();
    assert!(same.iter().any(|g| g.gp_id == one.gp_id), "{epoch}");
    let stored: String = sqlite(&url)
        .query_row("SELECT EPOCH FROM gp LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), 26, "{stored}");
    let status = m.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert!(gp.schema.current, "{:?}", gp.schema);
    let log: String = sqlite(&url)
        .query_row(
            "SELECT migrations FROM _sync_state WHERE class = 'gp'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(log.contains("added RCS_SIZE"), "{log}");
    // Rows in the current storage format: a sync finds nothing to write
    // (decay's identities were rebuilt from the rewritten datetimes).
    let again = m
        .sync(
            &st,
            &SyncOptions::new().classes(["gp", "decay"]).force(true),
        )
        .await
        .unwrap();
    assert_eq!(written(&again), 0, "{again:?}");
    let decays: i64 = sqlite(&url)
        .query_row("SELECT COUNT(*) FROM decay", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        decays as usize,
        st.decay().send().await.unwrap().len(),
        "no duplicate identity"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_the_schemas_lost_is_kept_and_still_answered() {
    let dir = TempDir::new("migrate-retired");
    let (_sim, st, url) = synced(&dir).await;
    sqlite(&url)
        .execute_batch(
            "ALTER TABLE gp ADD COLUMN \"REENTRY_RISK\" REAL;
             UPDATE gp SET REENTRY_RISK = 0.25 WHERE NORAD_CAT_ID = 25544;",
        )
        .unwrap();
    let m = Mirror::open(&url).await.unwrap();
    let status = m.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert_eq!(gp.schema.retired, ["REENTRY_RISK"]);
    let iss = m.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(
        iss[0].unknown_columns().get("REENTRY_RISK"),
        Some(&serde_json::json!(0.25)),
        "the retired column's value comes back as an unknown column"
    );
    let other = m.gp().norad_cat_id(20580).send().await.unwrap();
    assert!(
        other[0].unknown_columns().get("REENTRY_RISK").is_none(),
        "a null adds nothing"
    );
    let r = m
        .sync(&st, &SyncOptions::new().classes(["gp"]).force(true))
        .await
        .unwrap();
    assert!(r.error().is_none(), "{r:?}");
    let risk: f64 = sqlite(&url)
        .query_row(
            "SELECT REENTRY_RISK FROM gp WHERE NORAD_CAT_ID = 25544",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(risk, 0.25, "kept, not dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_type_stops_the_class_until_migrate_rebuilds_it() {
    let dir = TempDir::new("migrate-retyped");
    let (_sim, st, url) = synced(&dir).await;
    let m = Mirror::open(&url).await.unwrap();
    let before = m.gp().order_by(GpField::GpId).send().await.unwrap();
    drop(m);
    {
        // The older build kept MEAN_MOTION as text.
        let c = sqlite(&url);
        let ddl: String = c
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'gp'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let old = ddl
            .replace("\"gp\"", "\"gp_old\"")
            .replace("\"MEAN_MOTION\" REAL", "\"MEAN_MOTION\" TEXT");
        c.execute_batch(&format!(
            "{old}; INSERT INTO gp_old SELECT * FROM gp; DROP TABLE gp; ALTER TABLE gp_old RENAME TO gp;"
        ))
        .unwrap();
    }
    let m = Mirror::open(&url).await.unwrap();
    let status = m.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert_eq!(gp.schema.pending, ["MEAN_MOTION: TEXT -> REAL"]);
    let report = m
        .sync(&st, &SyncOptions::new().classes(["gp"]).force(true))
        .await
        .unwrap();
    let (class, e) = report.error().expect("the class stops");
    assert_eq!(class, "gp");
    assert!(matches!(e, Error::Migration { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("MEAN_MOTION") && text.contains("spacetrack mirror migrate"),
        "{text}"
    );

    let status = m.migrate("gp").await.unwrap();
    assert!(status.current && status.pending.is_empty(), "{status:?}");
    let after = m.gp().order_by(GpField::GpId).send().await.unwrap();
    assert_eq!(after, before, "nothing lost in the rebuild");
    let declared: String = sqlite(&url)
        .query_row(
            "SELECT type FROM pragma_table_info('gp') WHERE name = 'MEAN_MOTION'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(declared, "REAL");
    let again = m
        .sync(&st, &SyncOptions::new().classes(["gp"]).force(true))
        .await
        .unwrap();
    assert!(again.error().is_none(), "{again:?}");
    assert_eq!(written(&again), 0);
    // Rows kept their sync times.
    let no_time: i64 = sqlite(&url)
        .query_row(
            "SELECT COUNT(*) FROM gp WHERE _synced_at IS NULL OR _synced_at = ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(no_time, 0);
    let _ = <spacetrack::Gp as Record>::CLASS;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_adds_columns_and_converts_types_in_place() {
    let Some(pg) = spacetrack_tests::Postgres::start() else {
        return;
    };
    let sim = Simulator::builder().objects(150).start().await.unwrap();
    let st = client_for(&sim);
    let m = Mirror::open(&pg.url).await.unwrap();
    m.sync(&st, &SyncOptions::new().classes(["gp"]).force(true))
        .await
        .unwrap();
    let want = st.gp().order_by(GpField::GpId).send().await.unwrap();
    drop(m);
    let url = pg.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(
            "UPDATE gp SET _unknown = COALESCE(_unknown, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('RCS_SIZE', \"RCS_SIZE\"));
             ALTER TABLE gp DROP COLUMN \"RCS_SIZE\";
             ALTER TABLE gp ALTER COLUMN \"MEAN_MOTION\" TYPE TEXT USING \"MEAN_MOTION\"::text;
             UPDATE _sync_state SET schema_version = NULL;",
        )
        .unwrap();
    })
    .await
    .unwrap();
    let m = Mirror::open(&pg.url).await.unwrap();
    let status = m.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert!(
        gp.schema.current && gp.schema.pending.is_empty(),
        "{:?}",
        gp.schema
    );
    let got = m.gp().order_by(GpField::GpId).send().await.unwrap();
    assert_eq!(got, want);
    let again = m
        .sync(&st, &SyncOptions::new().classes(["gp"]).force(true))
        .await
        .unwrap();
    assert_eq!(written(&again), 0, "{again:?}");
}

//! The mirror against the simulator with a real SQLite file: several
//! advance-and-sync rounds equal the simulator's answers, a second sync
//! changes nothing, an interrupted sync resumes to the same result, a
//! too-early sync is refused, an export reads back equal to the table.

use std::fmt::Debug;

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value};
use spacetrack::{Client, Record};
use spacetrack_mirror::{DEFAULT_CLASSES, ExportFormat, Mirror, Outcome, SyncOptions};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{Postgres, TempDir, client_for};

fn anchor() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 24)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

async fn sim() -> Simulator {
    Simulator::builder()
        .objects(600)
        .history_depth(2)
        .anchor(anchor())
        .start()
        .await
        .expect("simulator starts")
}

/// A sync time before satcat's daily slot (2026-11-25 10:12 UTC).
fn morning() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(10, 12, 0)
        .unwrap()
}

/// gp and satcat, synced as if at `t`.
/// gp then satcat, one after the other (faults aimed at the N-th request
/// find the same class every time).
fn gp_and_satcat_at(t: chrono::NaiveDateTime) -> SyncOptions {
    SyncOptions::new()
        .classes(["gp", "satcat"])
        .now(t)
        .classes_at_once(1)
}

/// A client that fails at once where the default would retry (faults are
/// aimed at single requests).
fn client_without_retries(sim: &Simulator) -> Client {
    spacetrack_tests::builder_for(sim)
        .retry(spacetrack::RetryPolicy::none())
        .build()
        .unwrap()
}

/// A SQLite mirror in `dir`.
async fn open_in(dir: &TempDir) -> Mirror {
    Mirror::open(dir.0.join("m.db").to_str().unwrap())
        .await
        .unwrap()
}

async fn export(mirror: &Mirror, class: &str) -> String {
    export_with(mirror, class, false).await
}

/// The export, with the removed rows and `_removed_at` when asked.
async fn export_with(mirror: &Mirror, class: &str, removed: bool) -> String {
    let path = std::env::temp_dir().join(format!(
        "mirror-export-{class}-{}-{}.ndjson",
        std::process::id(),
        rand_suffix()
    ));
    let file = std::fs::File::create(&path).unwrap();
    mirror
        .export(
            class,
            ExportFormat::Ndjson,
            std::io::BufWriter::new(file),
            removed,
        )
        .await
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    text
}

fn rand_suffix() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The class's typed records from the server and from the mirror's
/// export, in the same order.
async fn same<R: Record + PartialEq + Debug>(
    client: &Client,
    mirror: &Mirror,
    class: &str,
) -> usize {
    let server: Vec<Map<String, Value>> = client.request(class).send_as().await.unwrap();
    let body = serde_json::to_vec(&server).unwrap();
    let mut theirs: Vec<R> = spacetrack::de::from_json_slice(&body).unwrap();
    let lines = export(mirror, class).await;
    let mut ours: Vec<R> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{class}: {e}: {l}")))
        .collect();
    let key = |r: &R| serde_json::to_string(r).unwrap();
    theirs.sort_by_key(key);
    ours.sort_by_key(key);
    assert_eq!(ours.len(), theirs.len(), "{class}: row count");
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b, "{class}");
    }
    ours.len()
}

async fn all_same(client: &Client, mirror: &Mirror) -> Vec<usize> {
    vec![
        same::<spacetrack::Gp>(client, mirror, "gp").await,
        same::<spacetrack::Satcat>(client, mirror, "satcat").await,
        same::<spacetrack::Decay>(client, mirror, "decay").await,
        same::<spacetrack::Tip>(client, mirror, "tip").await,
        same::<spacetrack::CdmPublic>(client, mirror, "cdm_public").await,
        same::<spacetrack::Boxscore>(client, mirror, "boxscore").await,
        same::<spacetrack::LaunchSite>(client, mirror, "launch_site").await,
    ]
}

fn written(report: &spacetrack_mirror::SyncReport) -> u64 {
    report
        .classes
        .iter()
        .map(|c| match c.outcome {
            Outcome::Synced { applied, .. } => applied.written + applied.deleted + applied.removed,
            _ => 0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advance_and_sync_rounds_equal_the_server() {
    let sim = sim().await;
    let client = client_for(&sim);
    let dir = TempDir::new("mirror-rounds");
    let mirror = Mirror::open(&format!("sqlite:{}", dir.0.join("m.db").display()))
        .await
        .unwrap();
    let force = SyncOptions::new().force(true);
    let first = mirror.sync(&client, &force).await.unwrap();
    let sizes = all_same(&client, &mirror).await;
    let without_epoch = |text: String| {
        text.lines()
            .filter(|l| l.contains("\"MSG_EPOCH\":null"))
            .count()
    };
    let records_at_first = without_epoch(export(&mirror, "decay").await);
    let decayed_at_first = export(&mirror, "gp")
        .await
        .lines()
        .filter(|l| !l.contains("\"DECAY_DATE\":null"))
        .count();
    assert!(written(&first) > 600, "{first:?}");

    // Nothing new: nothing written, and each class asks once (gp twice:
    // new GP_IDs, then the check; decay and cdm_public twice: above the
    // mark, and rows without a value in its column).
    sim.clear_requests();
    let again = mirror.sync(&client, &force).await.unwrap();
    assert_eq!(written(&again), 0, "{again:?}");
    assert_eq!(spacetrack_tests::query_paths(&sim).len(), 10);
    assert_eq!(again.requests(), 10);

    let mut grew = false;
    for hours in [7, 50, 120] {
        sim.advance(Duration::hours(hours));
        sim.clear_requests();
        let report = mirror.sync(&client, &force).await.unwrap();
        assert!(written(&report) > 0, "{report:?}");
        // gp asks only for GP_IDs above the newest it has.
        let gp: Vec<String> = spacetrack_tests::query_paths(&sim)
            .into_iter()
            .filter(|p| p.contains("/class/gp/"))
            .collect();
        assert!(
            gp.iter()
                .any(|p| p.contains("/GP_ID/%3E") || p.contains("/gp_id/%3E")),
            "{gp:?}"
        );
        let now = all_same(&client, &mirror).await;
        grew |= now.iter().zip(&sizes).any(|(a, b)| a > b);
    }
    assert!(grew);
    // Decay records without a message epoch filed since the first sync
    // arrived too (they are never above the watermark).
    assert!(without_epoch(export(&mirror, "decay").await) > records_at_first);
    // Objects that decayed during the rounds are kept, with their decay
    // date.
    let decayed = |text: String| {
        text.lines()
            .filter(|l| !l.contains("\"DECAY_DATE\":null"))
            .count()
    };
    assert!(decayed(export(&mirror, "gp").await) > decayed_at_first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_too_early_sync_is_refused_until_the_cadence_allows_it() {
    let sim = sim().await;
    let client = client_for(&sim);
    let dir = TempDir::new("mirror-early");
    let mirror = open_in(&dir).await;
    let (t0, opts) = (morning(), gp_and_satcat_at);
    mirror.sync(&client, &opts(t0)).await.unwrap();
    sim.clear_requests();
    let early = mirror
        .sync(&client, &opts(t0 + Duration::minutes(20)))
        .await
        .unwrap();
    assert_eq!(early.requests(), 0);
    assert!(spacetrack_tests::query_paths(&sim).is_empty());
    assert_eq!(early.too_early(), Some(t0 + Duration::hours(1)));
    // An hour on, gp is due; satcat waits for 17:00 UTC.
    let later = mirror
        .sync(&client, &opts(t0 + Duration::minutes(61)))
        .await
        .unwrap();
    assert!(matches!(later.classes[0].outcome, Outcome::Synced { .. }));
    assert!(
        matches!(later.classes[1].outcome, Outcome::NotDue(t) if t.format("%H").to_string() == "17")
    );
    let status = mirror.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert_eq!(gp.rows, 600);
    assert_eq!(gp.next_due, Some(t0 + Duration::minutes(121)));
    // --force overrides the cadence.
    let forced = mirror
        .sync(&client, &opts(t0 + Duration::minutes(62)).force(true))
        .await
        .unwrap();
    assert!(forced.too_early().is_none());
}

#[tokio::test]
async fn a_class_that_failed_waits_for_its_next_slot_and_force_retries_it() {
    // A failure that persists (here: every answer cut short) must not make
    // each run fetch the class again; the other classes go on.
    let sim = sim().await;
    let client = client_without_retries(&sim);
    let dir = TempDir::new("mirror-failed");
    let mirror = open_in(&dir).await;
    let (t0, opts) = (morning(), gp_and_satcat_at);
    // gp's first request breaks off; satcat's goes through.
    sim.inject([Fault::TruncateBody]);
    let first = mirror.sync(&client, &opts(t0)).await.unwrap();
    assert_eq!(first.error().map(|(c, _)| c), Some("gp"));
    assert!(matches!(first.classes[1].outcome, Outcome::Synced { .. }));
    sim.clear_faults();
    // Twenty minutes on: nothing is asked, gp waits for its hour.
    sim.clear_requests();
    let early = mirror
        .sync(&client, &opts(t0 + Duration::minutes(20)))
        .await
        .unwrap();
    assert!(spacetrack_tests::query_paths(&sim).is_empty());
    assert!(matches!(early.classes[0].outcome, Outcome::NotDue(t) if t == t0 + Duration::hours(1)));
    let status = mirror.status().await.unwrap();
    let gp = status.iter().find(|s| s.class == "gp").unwrap();
    assert_eq!(gp.rows, 0);
    // --force retries it at once (and finds the lease given back: a lease
    // still held by this process would make it Busy).
    let forced = mirror
        .sync(
            &client,
            &opts(t0 + Duration::minutes(21)).classes(["gp"]).force(true),
        )
        .await
        .unwrap();
    assert!(forced.error().is_none());
    assert!(written(&forced) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_interrupted_at_any_request_resumes_to_the_same_mirror() {
    let sim = sim().await;
    let client = client_without_retries(&sim);
    let dir = TempDir::new("mirror-resume");
    let force = SyncOptions::new().force(true);
    let open = |name: &str| {
        let path = dir.0.join(name);
        async move { Mirror::open(path.to_str().unwrap()).await.unwrap() }
    };
    // Mirrors synced before the clock advances.
    let reference = open("ref.db").await;
    reference.sync(&client, &force).await.unwrap();
    let mut copies = Vec::new();
    for k in 0..12 {
        let m = open(&format!("k{k}.db")).await;
        m.sync(&client, &force).await.unwrap();
        copies.push(m);
    }
    sim.advance(Duration::hours(30));
    sim.clear_requests();
    reference.sync(&client, &force).await.unwrap();
    let requests = spacetrack_tests::query_paths(&sim).len();
    assert!((10..=12).contains(&requests), "{requests}");
    let want: Vec<String> = {
        let mut v = Vec::new();
        for &class in DEFAULT_CLASSES {
            v.push(export_with(&reference, class, true).await);
        }
        v
    };
    // The k-th request of the sync breaks off mid-answer; the next sync
    // resumes to the same mirror as the uninterrupted one.
    for (k, m) in copies.iter().enumerate().take(requests) {
        let mut faults = vec![Fault::Pass; k];
        faults.push(Fault::TruncateBody);
        sim.inject(faults);
        let broken = m.sync(&client, &force).await.unwrap();
        // The class that broke is reported; the others went on.
        let (class, e) = broken.error().expect("a class failed");
        assert!(
            matches!(e, spacetrack_mirror::Error::Api(_)),
            "request {k}: {class}: {e}"
        );
        sim.clear_faults();
        m.sync(&client, &force).await.unwrap();
        for (i, class) in DEFAULT_CLASSES.iter().enumerate() {
            assert_eq!(
                export_with(m, class, true).await,
                want[i],
                "interrupted at request {k}: {class}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_mirror_equals_the_server_after_each_round() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let sim = sim().await;
    let client = client_for(&sim);
    let mirror = Mirror::open(&pg.url).await.unwrap();
    let force = SyncOptions::new().force(true);
    mirror.sync(&client, &force).await.unwrap();
    all_same(&client, &mirror).await;
    let again = mirror.sync(&client, &force).await.unwrap();
    assert_eq!(written(&again), 0, "{again:?}");
    for hours in [20, 90] {
        sim.advance(Duration::hours(hours));
        let report = mirror.sync(&client, &force).await.unwrap();
        assert!(written(&report) > 0);
        all_same(&client, &mirror).await;
    }
    // The same answers give the same rows as in SQLite.
    let dir = TempDir::new("mirror-pg-vs-sqlite");
    let lite = Mirror::open(dir.0.join("m.db").to_str().unwrap())
        .await
        .unwrap();
    lite.sync(&client, &force).await.unwrap();
    for &class in DEFAULT_CLASSES {
        assert_eq!(
            export(&mirror, class).await,
            export(&lite, class).await,
            "{class}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_machines_sharing_a_postgres_mirror_do_not_duplicate_work_or_rows() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let sim = sim().await;
    // Two machines: their own client (session) and database connection.
    let (a_client, b_client) = (client_for(&sim), client_for(&sim));
    let (a, b) = tokio::join!(Mirror::open(&pg.url), Mirror::open(&pg.url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let now = anchor();
    let opts = SyncOptions::new().now(now);
    let (ra, rb) = tokio::join!(a.sync(&a_client, &opts), b.sync(&b_client, &opts));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // Each class was synced by exactly one of them.
    for &class in DEFAULT_CLASSES {
        let synced = [&ra, &rb]
            .iter()
            .filter(|r| {
                r.classes
                    .iter()
                    .any(|c| c.class == class && matches!(c.outcome, Outcome::Synced { .. }))
            })
            .count();
        assert_eq!(synced, 1, "{class}: {ra:?} {rb:?}");
    }
    // Counted where it matters: the server saw one sync's requests.
    assert_eq!(spacetrack_tests::query_paths(&sim).len(), 8);
    assert_eq!(ra.requests() + rb.requests(), 8);
    all_same(&a_client, &a).await;
}

/// A Parquet export as JSON objects, written as the ndjson export writes
/// them: `_unknown` merged back in.
fn parquet_rows(path: &std::path::Path) -> Vec<Map<String, Value>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
    use arrow_array::{Array, RecordBatchReader};
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let schema = reader.schema();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let mut m = Map::new();
            for (f, col) in schema.fields().iter().zip(batch.columns()) {
                let v = if col.is_null(i) {
                    Value::Null
                } else {
                    match f.data_type() {
                        arrow_schema::DataType::Int64 => {
                            Value::from(col.as_primitive::<Int64Type>().value(i))
                        }
                        arrow_schema::DataType::Float64 => {
                            Value::from(col.as_primitive::<Float64Type>().value(i))
                        }
                        arrow_schema::DataType::Utf8 => {
                            Value::from(col.as_string::<i32>().value(i))
                        }
                        arrow_schema::DataType::Date32 => {
                            let days = col.as_primitive::<Date32Type>().value(i);
                            let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                                + Duration::days(days.into());
                            Value::from(d.format("%Y-%m-%d").to_string())
                        }
                        arrow_schema::DataType::Timestamp(..) => {
                            let us = col.as_primitive::<TimestampMicrosecondType>().value(i);
                            let t = chrono::DateTime::from_timestamp_micros(us)
                                .unwrap()
                                .naive_utc();
                            Value::from(spacetrack_mirror::datetime_text(&t))
                        }
                        other => panic!("unexpected column type {other}"),
                    }
                };
                if f.name() == "_unknown" {
                    if let Value::String(s) = v {
                        let Value::Object(extra) = serde_json::from_str(&s).unwrap() else {
                            panic!("_unknown is not an object: {s}");
                        };
                        m.extend(extra);
                    }
                } else {
                    m.insert(f.name().clone(), v);
                }
            }
            rows.push(m);
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_read_back_equal_the_table_and_keep_unknown_columns() {
    // Space-Track sends a column our schemas lack.
    let sim = Simulator::builder()
        .objects(300)
        .anchor(anchor())
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .start()
        .await
        .unwrap();
    let client = client_for(&sim);
    let dir = TempDir::new("mirror-export");
    let mirror = open_in(&dir).await;
    mirror
        .sync(&client, &SyncOptions::new().force(true))
        .await
        .unwrap();
    // The typed comparison includes the unknown column.
    same::<spacetrack::Gp>(&client, &mirror, "gp").await;
    let ndjson = export(&mirror, "gp").await;
    assert!(ndjson.lines().all(|l| l.contains("\"REENTRY_RISK\"")));
    for &class in DEFAULT_CLASSES {
        let path = dir.0.join(format!("{class}.parquet"));
        let n = mirror
            .export(
                class,
                ExportFormat::Parquet,
                std::fs::File::create(&path).unwrap(),
                false,
            )
            .await
            .unwrap();
        let from_parquet = parquet_rows(&path);
        let from_ndjson: Vec<Map<String, Value>> = export(&mirror, class)
            .await
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(n > 0, "{class}");
        assert_eq!(from_parquet.len() as u64, n);
        assert_eq!(from_parquet, from_ndjson, "{class}");
        // CSV: the same values as text, the unknown columns in `_unknown`.
        let path = dir.0.join(format!("{class}.csv"));
        mirror
            .export(
                class,
                ExportFormat::Csv,
                std::fs::File::create(&path).unwrap(),
                false,
            )
            .await
            .unwrap();
        let mut csv = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
        let mut rows = 0;
        for (record, want) in csv.records().zip(&from_ndjson) {
            let record = record.unwrap();
            rows += 1;
            for (name, cell) in header.iter().zip(record.iter()) {
                if name == "_unknown" {
                    let extra: Map<String, Value> = if cell.is_empty() {
                        Map::new()
                    } else {
                        serde_json::from_str(cell).unwrap()
                    };
                    for (k, v) in extra {
                        assert_eq!(want.get(&k), Some(&v), "{class}.{k}");
                    }
                    continue;
                }
                match &want[name] {
                    Value::Null => assert_eq!(cell, "", "{class}.{name}"),
                    Value::Number(n) => {
                        assert_eq!(cell.parse::<f64>().ok(), n.as_f64(), "{class}.{name}")
                    }
                    Value::String(s) => assert_eq!(cell, s, "{class}.{name}"),
                    other => panic!("{class}.{name}: {other}"),
                }
            }
        }
        assert_eq!(rows, from_ndjson.len(), "{class}");
    }
}

/// gp_history rows with an EPOCH from `from`, from the server and from the
/// mirror.
async fn same_history(client: &Client, mirror: &Mirror, from: NaiveDate) -> usize {
    let server: Vec<Map<String, Value>> = client
        .request("gp_history")
        .predicate("EPOCH", format!(">{from}"))
        .send_as()
        .await
        .unwrap();
    let body = serde_json::to_vec(&server).unwrap();
    let mut theirs: Vec<spacetrack::GpHistory> = spacetrack::de::from_json_slice(&body).unwrap();
    let mut ours: Vec<spacetrack::GpHistory> = export(mirror, "gp_history")
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    theirs.sort_by_key(|g| g.gp_id);
    ours.sort_by_key(|g| g.gp_id);
    assert_eq!(ours.len(), theirs.len());
    assert_eq!(ours, theirs);
    ours.len()
}

/// A window of megabytes streams in: its rows are written batch by batch
/// while the rest arrives. Cut short after a few megabytes, the batches
/// already written stay, but the window is not done: the next sync pulls it
/// again and ends equal to the server, each row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_is_written_as_it_streams_and_pulled_again_when_cut_short() {
    let sim = Simulator::builder()
        .objects(3000)
        .history_depth(4)
        .anchor(anchor())
        .start()
        .await
        .unwrap();
    let client = client_without_retries(&sim);
    let dir = TempDir::new("mirror-history-batches");
    let mirror = open_in(&dir).await;
    let from = anchor().date() - Duration::days(3 * 365);
    let opts = || {
        SyncOptions::new()
            .classes(["gp_history"])
            .force(true)
            .now(sim.now())
            .history(from, None)
            .window_days(3650)
            .history_batch(500)
    };
    // The newest GP_ID, then the one window, cut after 3.5 MiB (the client
    // decodes whole megabytes as they arrive).
    sim.inject([Fault::Pass, Fault::TruncateAfter(7 << 19)]);
    let broken = mirror.sync(&client, &opts()).await.unwrap();
    assert!(broken.error().is_some(), "{broken:?}");
    let kept = export(&mirror, "gp_history").await.lines().count();
    assert!(
        kept >= 1000 && kept % 500 == 0,
        "whole batches were kept: {kept}"
    );
    sim.clear_faults();
    sim.clear_requests();
    let report = mirror.sync(&client, &opts()).await.unwrap();
    assert!(report.error().is_none(), "{report:?}");
    let asked = spacetrack_tests::query_paths(&sim);
    assert!(
        asked
            .iter()
            .any(|p| p.contains(&format!("/epoch/{from}--"))),
        "the window again: {asked:?}"
    );
    let all = same_history(&client, &mirror, from).await;
    assert!(all > kept + 1000, "{all} rows, {kept} kept before the cut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gp_history_is_pulled_in_windows_once_then_incrementally() {
    let sim = sim().await;
    let client = client_without_retries(&sim);
    let dir = TempDir::new("mirror-history");
    let mirror = open_in(&dir).await;
    let from = anchor().date() - Duration::days(3);
    let opts = |sim: &Simulator| {
        SyncOptions::new()
            .classes(["gp_history"])
            .force(true)
            .now(sim.now())
    };
    // The second day's window breaks off (after the newest GP_ID and the
    // first window): the first stays, the pull resumes at the second, after
    // the clock moved on.
    sim.inject([Fault::Pass, Fault::Pass, Fault::TruncateBody]);
    let broken = mirror.sync(&client, &opts(&sim).history(from, None)).await;
    assert!(broken.unwrap().error().is_some());
    sim.clear_faults();
    sim.advance(Duration::hours(6));
    sim.clear_requests();
    let report = mirror
        .sync(&client, &opts(&sim).history(from, None))
        .await
        .unwrap();
    let windows: Vec<String> = spacetrack_tests::query_paths(&sim);
    // The range's days 2 to 4, up to the (simulated) present (its first
    // day was kept), then the incremental ask.
    assert_eq!(windows.len(), 3 + 1, "{windows:?}");
    assert!(
        windows[0].contains(&format!(
            "{}--{}",
            from + Duration::days(1),
            from + Duration::days(2)
        )),
        "{windows:?}"
    );
    assert_eq!(report.requests(), 4);
    let first = same_history(&client, &mirror, from).await;
    // Recent sets of the objects still in orbit (about half of the 600:
    // the others re-entered long ago and have none).
    assert!(first > 300, "{first}");
    // Later syncs remember the range and ask only for new GP_IDs.
    sim.advance(Duration::hours(30));
    sim.clear_requests();
    mirror.sync(&client, &opts(&sim)).await.unwrap();
    let asked = spacetrack_tests::query_paths(&sim);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].to_ascii_lowercase().contains("/gp_id/%3e"),
        "{asked:?}"
    );
    assert!(same_history(&client, &mirror, from).await > first);
    // A range given with other classes named syncs gp_history too.
    let named = mirror
        .sync(
            &client,
            &SyncOptions::new()
                .classes(["tip"])
                .force(true)
                .now(sim.now())
                .history(from, None),
        )
        .await
        .unwrap();
    let classes: Vec<&str> = named.classes.iter().map(|c| c.class.as_str()).collect();
    assert_eq!(classes, ["tip", "gp_history"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_clock_can_run_by_itself() {
    // A hundred simulated hours a second: an hour every 10 ms.
    let sim = Simulator::builder()
        .objects(200)
        .anchor(anchor())
        .clock_rate(360_000)
        .start()
        .await
        .unwrap();
    let client = client_for(&sim);
    let mut waited = 0;
    while sim.now() < anchor() + Duration::hours(10) && waited < 500 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    assert!(sim.now() >= anchor() + Duration::hours(10), "{}", sim.now());
    let gp = client.gp().send().await.unwrap();
    assert!(gp.iter().any(|g| g.gp_id >= 300_000_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_being_synced_elsewhere_is_busy_and_a_cancelled_sync_lets_go() {
    let sim = sim().await;
    let dir = TempDir::new("mirror-lease");
    let path = dir.0.join("m.db");
    let a = Mirror::open(path.to_str().unwrap()).await.unwrap();
    let b = Mirror::open(path.to_str().unwrap()).await.unwrap();
    let gp = SyncOptions::new().classes(["gp"]).force(true);
    // A's answer trickles in for seconds while it holds gp's lease.
    sim.inject([Fault::SlowBody(std::time::Duration::from_millis(400))]);
    let (a_client, b_client) = (client_for(&sim), client_for(&sim));
    let opts = gp.clone();
    let task = tokio::spawn(async move { a.sync(&a_client, &opts).await });
    while spacetrack_tests::query_paths(&sim).is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Even forced, B does not sync what A is syncing, and asks nothing.
    let busy = b.sync(&b_client, &gp).await.unwrap();
    assert!(
        matches!(busy.classes[0].outcome, Outcome::Busy(_)),
        "{busy:?}"
    );
    assert_eq!(busy.requests(), 0);
    assert_eq!(spacetrack_tests::query_paths(&sim).len(), 1);
    // A is cancelled mid-answer (as by Ctrl-C): its lease is given back.
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let synced = b.sync(&b_client, &gp).await.unwrap();
    assert!(
        matches!(synced.classes[0].outcome, Outcome::Synced { .. }),
        "{synced:?}"
    );
    same::<spacetrack::Gp>(&b_client, &b, "gp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_stop_the_whole_sync_after_one_login() {
    let sim = sim().await;
    let client = spacetrack_tests::builder_for(&sim)
        .password("not-the-password")
        .build()
        .unwrap();
    let dir = TempDir::new("mirror-auth");
    let mirror = open_in(&dir).await;
    let err = mirror
        .sync(&client, &SyncOptions::new().force(true))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            spacetrack_mirror::Error::Api(spacetrack::Error::Auth(_))
        ),
        "{err}"
    );
    assert_eq!(spacetrack_tests::logins(&sim), 1);
    assert!(spacetrack_tests::query_paths(&sim).is_empty());
    // Nothing is left leased: a sync with the right password goes ahead.
    let ok = mirror
        .sync(
            &client_for(&sim),
            &SyncOptions::new().classes(["gp"]).force(true),
        )
        .await
        .unwrap();
    assert!(matches!(ok.classes[0].outcome, Outcome::Synced { .. }));
}

/// A hand-written gp server whose answer the test changes between syncs:
/// what the simulator never does (an object leaving gp, an element set
/// filed late below the newest GP_ID). It understands the mirror's gp
/// queries: `GP_ID/>N`, `GP_ID/a,b,c`, `predicates/...`.
struct ScriptedGp {
    base: String,
    rows: Arc<std::sync::Mutex<Vec<Map<String, Value>>>>,
    queries: Arc<std::sync::Mutex<Vec<String>>>,
}

use std::sync::Arc;

async fn scripted_gp() -> ScriptedGp {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let rows: Arc<std::sync::Mutex<Vec<Map<String, Value>>>> = Arc::default();
    let queries: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let (r, q) = (rows.clone(), queries.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (rows, queries) = (r.clone(), q.clone());
            tokio::spawn(async move {
                let Some(path) = spacetrack_tests::request_path(&mut sock).await else {
                    return;
                };
                if path.ends_with("ajaxauth/login") {
                    let _ = sock.write_all(spacetrack_tests::LOGIN_OK).await;
                    return;
                }
                queries.lock().unwrap().push(path.clone());
                let path = percent_encoding::percent_decode_str(&path)
                    .decode_utf8_lossy()
                    .into_owned();
                let rest = path.split("/class/gp/").nth(1).unwrap_or("");
                let parts: Vec<&str> = rest.split('/').collect();
                let mut answer: Vec<Map<String, Value>> = rows.lock().unwrap().clone();
                let mut columns: Option<Vec<String>> = None;
                for pair in parts.chunks(2) {
                    let [key, value] = pair else { continue };
                    match key.to_ascii_lowercase().as_str() {
                        "predicates" => {
                            columns = Some(value.split(',').map(str::to_owned).collect())
                        }
                        "gp_id" => {
                            let id = |m: &Map<String, Value>| {
                                m["GP_ID"].as_str().unwrap().parse::<i64>().unwrap()
                            };
                            if let Some(n) = value.strip_prefix('>') {
                                let n: i64 = n.parse().unwrap();
                                answer.retain(|m| id(m) > n);
                            } else {
                                let ids: Vec<i64> =
                                    value.split(',').map(|v| v.parse().unwrap()).collect();
                                answer.retain(|m| ids.contains(&id(m)));
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(cols) = columns {
                    for m in &mut answer {
                        m.retain(|k, _| cols.contains(k));
                    }
                }
                let body = serde_json::to_vec(&answer).unwrap();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    ScriptedGp {
        base,
        rows,
        queries,
    }
}

/// A gp record as Space-Track sends one: every NOT NULL column has a
/// value of its type (the mirror decodes answers strictly, as the client
/// does), then the columns the test is about.
fn gp_row(gp_id: i64, norad: i64, name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    for c in <spacetrack::Gp as Record>::CLASS
        .columns
        .iter()
        .filter(|c| !c.nullable)
    {
        let t = c.sql_type;
        let v = if t.starts_with("datetime") {
            "2026-11-24T12:00:00"
        } else if t.starts_with("date") {
            "2026-11-24"
        } else if [
            "int",
            "tinyint",
            "smallint",
            "mediumint",
            "bigint",
            "decimal",
            "double",
            "float",
        ]
        .iter()
        .any(|p| t.starts_with(p))
        {
            "0"
        } else if let Some(members) = t.strip_prefix("enum('") {
            members.split('\'').next().unwrap_or("")
        } else {
            "X"
        };
        m.insert(c.name.to_owned(), Value::String(v.to_owned()));
    }
    let Value::Object(ours) = serde_json::json!({
        "GP_ID": gp_id.to_string(),
        "NORAD_CAT_ID": norad.to_string(),
        "OBJECT_NAME": name,
        "EPOCH": "2026-11-24T12:00:00.000000",
        "DECAY_DATE": null,
    }) else {
        unreachable!()
    };
    m.extend(ours);
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gp_follows_what_gp_ids_do_not_show() {
    let server = scripted_gp().await;
    let client = spacetrack::Client::builder()
        .base_url(&server.base)
        .allow_http(true)
        .identity("me@example.invalid")
        .password("pw")
        .rate_limits([])
        .retry(spacetrack_tests::fast_retries())
        .modeldef_cache_dir(None)
        .build()
        .unwrap();
    *server.rows.lock().unwrap() = vec![
        gp_row(10, 1, "ALPHA"),
        gp_row(20, 2, "BETA"),
        gp_row(30, 3, "GAMMA"),
    ];
    let dir = TempDir::new("mirror-scripted");
    let mirror = open_in(&dir).await;
    let gp = SyncOptions::new().classes(["gp"]).force(true);
    mirror.sync(&client, &gp).await.unwrap();
    // Object 1 gets a new element set, object 2 is renamed in place,
    // object 3 leaves gp, and object 4 arrives with a GP_ID below the
    // newest the mirror has seen (filed late).
    *server.rows.lock().unwrap() = vec![
        gp_row(40, 1, "ALPHA"),
        gp_row(20, 2, "BETA RENAMED"),
        gp_row(25, 4, "DELTA"),
    ];
    server.queries.lock().unwrap().clear();
    let report = mirror.sync(&client, &gp).await.unwrap();
    let Outcome::Synced { applied, .. } = &report.classes[0].outcome else {
        panic!("{report:?}");
    };
    assert_eq!((applied.deleted, applied.removed), (1, 1), "{applied:?}");
    // Asked: above GP_ID 30, the check, then the two rows it found stale.
    let asked = server.queries.lock().unwrap().clone();
    assert_eq!(asked.len(), 3, "{asked:?}");
    assert!(asked[0].contains("/gp_id/%3E30/"), "{asked:?}");
    assert!(asked[2].contains("/gp_id/20%2C25/"), "{asked:?}");
    let current: Vec<Map<String, Value>> = export(&mirror, "gp")
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(i64, String)> = current
        .iter()
        .map(|m| {
            (
                m["GP_ID"].as_i64().unwrap(),
                m["OBJECT_NAME"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (20, "BETA RENAMED".to_owned()),
            (25, "DELTA".to_owned()),
            (40, "ALPHA".to_owned())
        ]
    );
    // Object 3 is kept, marked removed; the superseded set is gone.
    let all = export_with(&mirror, "gp", true).await;
    let gone: Vec<&str> = all.lines().filter(|l| l.contains("GAMMA")).collect();
    assert_eq!(gone.len(), 1);
    assert!(!gone[0].contains("\"_removed_at\":null"), "{}", gone[0]);
    assert!(!all.contains("\"GP_ID\":10,"));
    // An answer that would remove most of the mirror is refused.
    server.rows.lock().unwrap().truncate(1);
    let refused = mirror.sync(&client, &gp).await.unwrap();
    assert!(
        matches!(
            refused.error(),
            Some((_, spacetrack_mirror::Error::Suspicious(_)))
        ),
        "{refused:?}"
    );
    assert_eq!(export(&mirror, "gp").await.lines().count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_dataset_reads_back_as_one_table() {
    use spacetrack_mirror::Partition;
    let sim = Simulator::builder()
        .objects(80)
        .history_depth(4)
        .anchor(anchor())
        .start()
        .await
        .unwrap();
    let client = client_for(&sim);
    // Element sets published over three months (into the next year).
    for _ in 0..3 {
        sim.advance(Duration::days(25));
    }
    let dir = TempDir::new("mirror-dataset");
    let mirror = open_in(&dir).await;
    let from = anchor().date() - Duration::days(400);
    mirror
        .sync(
            &client,
            &SyncOptions::new()
                .classes(["gp", "satcat"])
                .history(from, None)
                .window_days(200)
                .force(true),
        )
        .await
        .unwrap();
    let sorted = |mut rows: Vec<Map<String, Value>>| {
        rows.sort_by_key(|m| serde_json::to_string(m).unwrap());
        rows
    };
    for (class, by, column) in [
        ("gp", Partition::Year, "EPOCH"),
        ("gp_history", Partition::Month, "EPOCH"),
        ("satcat", Partition::Year, "LAUNCH"),
    ] {
        let out = dir.0.join(format!("{class}-dataset"));
        let ds = mirror.export_dataset(class, by, &out, false).await.unwrap();
        // gp holds current sets, all of this year; the others span years.
        assert!(
            ds.files.len() > 1 || class == "gp",
            "{class}: {:?}",
            ds.files
        );
        let mut all = Vec::new();
        for f in &ds.files {
            // Hive-style: column_year=YYYY[/column_month=MM]/part-0.parquet.
            let rel = f.strip_prefix(&out).unwrap();
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let prefix = column.to_ascii_lowercase();
            let year = parts[0]
                .strip_prefix(&format!("{prefix}_year="))
                .unwrap()
                .to_owned();
            let month = (by == Partition::Month).then(|| {
                parts[1]
                    .strip_prefix(&format!("{prefix}_month="))
                    .unwrap()
                    .to_owned()
            });
            assert_eq!(parts.last().unwrap(), "part-0.parquet");
            let rows = parquet_rows(f);
            assert!(!rows.is_empty());
            for r in &rows {
                let when = r[column].as_str().unwrap_or("");
                if year != "__HIVE_DEFAULT_PARTITION__" {
                    assert!(when.starts_with(&year), "{f:?}: {when}");
                    if let Some(m) = &month {
                        assert_eq!(&when[5..7], m, "{f:?}: {when}");
                    }
                }
            }
            all.extend(rows);
        }
        let from_ndjson: Vec<Map<String, Value>> = export(&mirror, class)
            .await
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(ds.rows as usize, from_ndjson.len(), "{class}");
        assert_eq!(
            sorted(all),
            sorted(from_ndjson),
            "{class}: one table, equal to the mirror"
        );
        // Not written over.
        let again = mirror.export_dataset(class, by, &out, false).await;
        assert!(again.is_err());
    }
    let e = mirror
        .export_dataset("boxscore", Partition::Year, &dir.0.join("b"), false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no time column"), "{e}");
}

/// When each of gp's and satcat's requests reached the server, in a first
/// sync whose gp answer trickles (each 64 KiB of it 200 ms late: seconds).
async fn arrivals(classes_at_once: usize) -> (std::time::SystemTime, std::time::SystemTime) {
    let sim = sim().await;
    let client = client_for(&sim);
    let dir = TempDir::new("mirror-at-once");
    let mirror = open_in(&dir).await;
    sim.inject([Fault::SlowBody(std::time::Duration::from_millis(200))]);
    let report = mirror
        .sync(
            &client,
            &SyncOptions::new()
                .classes(["gp", "satcat"])
                .force(true)
                .classes_at_once(classes_at_once),
        )
        .await
        .unwrap();
    assert!(report.error().is_none(), "{report:?}");
    // Reported in the order named, whichever finished first.
    let names: Vec<&str> = report.classes.iter().map(|c| c.class.as_str()).collect();
    assert_eq!(names, ["gp", "satcat"]);
    let log = sim.requests();
    let first = |class: &str| {
        log.iter()
            .find(|r| r.path.contains(&format!("/class/{class}/")))
            .map(|r| r.at)
            .unwrap()
    };
    let (gp, satcat) = (first("gp"), first("satcat"));
    // Both mirrors equal the server either way.
    same::<spacetrack::Gp>(&client, &mirror, "gp").await;
    (gp, satcat)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_are_synced_two_at_a_time_and_reported_in_order() {
    // The slow gp answer is at least 7 chunks late (600 objects' sets are
    // over 450 KiB): 1.4 s. Seen at the server, satcat's request comes
    // while it trickles, not after it; one at a time, only after.
    let slow = std::time::Duration::from_millis(1400);
    let (gp, satcat) = arrivals(2).await;
    let gap = satcat.duration_since(gp).unwrap_or_default();
    assert!(gap < slow / 2, "satcat asked {gap:?} after gp");
    let (gp, satcat) = arrivals(1).await;
    let gap = satcat.duration_since(gp).unwrap();
    assert!(gap >= slow, "one at a time: satcat asked {gap:?} after gp");
}

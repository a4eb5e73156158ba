//! Live modeldef: the daily cache (memory, disk, concurrent clients) and
//! schema drift against the compiled-in snapshots.

use spacetrack::{Error, ModeldefColumn};
use spacetrack_sim::{ModeldefRow, Simulator};
use spacetrack_tests::{TempDir, builder_for, paths_with};

fn modeldef_requests(sim: &Simulator) -> usize {
    paths_with(sim, "/modeldef/").len()
}

fn as_sim_rows(cols: &[ModeldefColumn]) -> Vec<(String, String, String)> {
    cols.iter()
        .map(|c| (c.field.clone(), c.ty.clone(), c.null.clone()))
        .collect()
}

fn sim_rows(rows: &[ModeldefRow]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| (r.field.clone(), r.ty.clone(), r.null.clone()))
        .collect()
}

#[tokio::test]
async fn predicates_are_fetched_once_then_served_from_memory_and_disk() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let dir = TempDir::new("modeldef");
    let st = builder_for(&sim)
        .modeldef_cache_dir(Some(dir.0.clone()))
        .build()
        .unwrap();
    let gp = st.get_predicates("gp").await.unwrap();
    assert_eq!(
        as_sim_rows(&gp),
        sim_rows(&sim.modeldef("basicspacedata", "gp").unwrap())
    );
    assert_eq!(
        paths_with(&sim, "/modeldef/"),
        ["GET /basicspacedata/modeldef/class/gp"]
    );
    // Memory.
    st.get_predicates("gp").await.unwrap();
    assert_eq!(modeldef_requests(&sim), 1);
    // Disk: a new client (a new process, as far as the cache knows).
    let other = builder_for(&sim)
        .modeldef_cache_dir(Some(dir.0.clone()))
        .build()
        .unwrap();
    assert_eq!(*other.get_predicates("gp").await.unwrap(), *gp);
    assert_eq!(modeldef_requests(&sim), 1);
    // Without a disk cache, a new client fetches.
    let memory_only = builder_for(&sim).build().unwrap();
    memory_only.get_predicates("gp").await.unwrap();
    assert_eq!(modeldef_requests(&sim), 2);

    // The files are private to the user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files = Vec::new();
        let mut stack = vec![dir.0.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let mode = e.metadata().unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "{:?} is {mode:o}", e.path());
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
        assert!(
            files.iter().any(|f| f.ends_with("basicspacedata.gp.json")),
            "{files:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_sharing_a_cache_folder_fetch_once() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let dir = TempDir::new("modeldef-race");
    // Separate clients have separate memory caches: only the disk cache
    // and its file lock can keep them to one request.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let st = builder_for(&sim)
                .modeldef_cache_dir(Some(dir.0.clone()))
                .build()
                .unwrap();
            tokio::spawn(async move { st.get_predicates("satcat").await.map(|c| c.len()) })
        })
        .collect();
    let mut lens = Vec::new();
    for t in tasks {
        lens.push(t.await.unwrap().unwrap());
    }
    assert!(lens.iter().all(|&n| n == lens[0] && n > 0), "{lens:?}");
    assert_eq!(
        modeldef_requests(&sim),
        1,
        "{:?}",
        paths_with(&sim, "/modeldef/")
    );
}

#[tokio::test]
async fn drift_reports_a_simulated_schema_change() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    assert!(st.schema_drift("satcat").await.unwrap().is_empty());

    let mut rows = sim.modeldef("basicspacedata", "gp").unwrap();
    rows.retain(|r| r.field != "COMMENT");
    let mut added = rows[0].clone();
    added.field = "REENTRY_RISK".into();
    added.ty = "decimal(5,2)".into();
    added.null = "YES".into();
    rows.push(added);
    let bstar = rows.iter_mut().find(|r| r.field == "BSTAR").unwrap();
    bstar.ty = "varchar(20)".into();
    sim.set_modeldef("basicspacedata", "gp", rows);

    let drift = st.schema_drift("gp").await.unwrap();
    assert_eq!(
        drift
            .added
            .iter()
            .map(|c| c.field.as_str())
            .collect::<Vec<_>>(),
        ["REENTRY_RISK"]
    );
    assert_eq!(
        drift.removed.iter().map(|c| c.name).collect::<Vec<_>>(),
        ["COMMENT"]
    );
    assert_eq!(
        drift
            .retyped
            .iter()
            .map(|r| (r.compiled.name, r.live.ty.as_str()))
            .collect::<Vec<_>>(),
        [("BSTAR", "varchar(20)")]
    );
    assert!(drift.to_string().contains("~ BSTAR"), "{drift}");
}

#[tokio::test]
async fn unknown_classes_are_typed_errors() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    assert!(matches!(
        st.get_predicates("tle_latest").await,
        Err(Error::InvalidArgument(_))
    ));
    // A class Space-Track removed is refused before sending (the usage
    // guidance names gp and gp_history); one the server does not know is
    // its 400.
    assert!(matches!(
        st.get_predicates_in("basicspacedata", "tle_latest").await,
        Err(Error::Guideline(_))
    ));
    assert!(matches!(
        st.get_predicates_in("basicspacedata", "no_such_class")
            .await,
        Err(Error::Api { status: 400, .. })
    ));
    assert_eq!(
        paths_with(&sim, "/modeldef/").len(),
        1,
        "only the explicit request was sent"
    );
}

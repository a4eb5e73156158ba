//! Issue 25, item 2, on the command line: a query that matched nothing
//! writes an empty answer (never Space-Track's `NO RESULTS RETURNED`),
//! says so on stderr and exits 0.

mod support;

use spacetrack_sim::Simulator;
use spacetrack_tests::TempDir;
use support::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_matched_is_an_empty_file_and_a_note() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let home = TempDir::new("cli-empty");
    for format in ["tle", "3le", "csv", "kvn", "xml"] {
        let file = home.0.join(format!("out.{format}"));
        let path = file.to_str().unwrap();
        let r = run(
            &sim,
            &home,
            &[
                "query",
                "gp",
                "--object-name",
                "X",
                "-f",
                format,
                "-o",
                path,
            ],
        )
        .await;
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"",
            "{format}: the file is empty"
        );
        assert!(
            r.stderr.contains("nothing matched") && r.stderr.contains(path),
            "{format}: {}",
            r.stderr
        );
        assert!(!home.0.join(format!("out.{format}.partial")).exists());
    }

    // To stdout: nothing there, the note on stderr.
    let r = run(
        &sim,
        &home,
        &["query", "gp", "--object-name", "X", "-f", "3le"],
    )
    .await;
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(r.stderr.contains("nothing matched"), "{}", r.stderr);

    // json: an empty array, the same note.
    let file = home.0.join("out.json");
    let r = run(
        &sim,
        &home,
        &[
            "query",
            "gp",
            "--object-name",
            "X",
            "-o",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "[]\n");
    assert!(r.stderr.contains("nothing matched"), "{}", r.stderr);

    // Something matched: its lines, and no note.
    let r = run(
        &sim,
        &home,
        &["query", "gp", "--norad-cat-id", "25544", "-f", "3le"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
    assert!(r.stdout.starts_with("0 ISS (ZARYA)\n"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
}

//! End-to-end tests of the `spacetrack` binary against the simulator: the
//! real executable, spawned with the environment a user would set.

use std::path::Path;
use std::process::Stdio;

use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{TempDir, query_paths};
use tokio::io::AsyncWriteExt;

/// Points `cmd` at `sim` with its credentials, in the private `home`.
fn against(cmd: &mut tokio::process::Command, sim: &Simulator, home: &Path) {
    cmd.env("SPACETRACK_BASE_URL", sim.base_url())
        .env("SPACETRACK_ALLOW_HTTP", "1")
        .env("SPACETRACK_IDENTITY", sim.identity())
        .env("SPACETRACK_PASSWORD", sim.password())
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"));
}

/// One run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// How to run the binary: against `sim`, in a private home.
struct Cli<'a> {
    sim: &'a Simulator,
    home: &'a Path,
    creds: bool,
    password: Option<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
    /// Arguments put before each run's own.
    prefix: Vec<&'static str>,
}

impl<'a> Cli<'a> {
    fn new(sim: &'a Simulator, home: &'a TempDir) -> Cli<'a> {
        Cli {
            sim,
            home: &home.0,
            creds: true,
            password: Some(sim.password().to_owned()),
            env: Vec::new(),
            stdin: None,
            // Every process of a test shares the account's ledger (a file
            // in the test's cache folder), and the simulator enforces no
            // limit unless a test asks: lift the client's.
            prefix: vec!["--max-per-minute", "600"],
        }
    }

    /// Without the lifted limit: the command's own defaults.
    fn default_limits(mut self) -> Self {
        self.prefix = Vec::new();
        self
    }

    /// Lifts the client-side rate limit (the simulator has none), for
    /// commands that make one request per class.
    fn fast(mut self) -> Self {
        self.prefix = vec!["--max-per-minute", "600"];
        self
    }

    /// Without SPACETRACK_IDENTITY / SPACETRACK_PASSWORD.
    fn no_creds(mut self) -> Self {
        self.creds = false;
        self
    }

    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    fn stdin(mut self, s: &str) -> Self {
        self.stdin = Some(s.into());
        self
    }

    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
        cmd.args(&self.prefix)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        against(&mut cmd, self.sim, self.home);
        if !self.creds {
            cmd.env_remove("SPACETRACK_IDENTITY")
                .env_remove("SPACETRACK_PASSWORD");
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn spacetrack");
        if let Some(input) = &self.stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input.as_bytes()).await.unwrap();
        }
        let out = child.wait_with_output().await.expect("run spacetrack");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        };
        if let Some(pw) = &self.password {
            assert!(
                !run.stdout.contains(pw.as_str()) && !run.stderr.contains(pw.as_str()),
                "the password was printed by {args:?}"
            );
        }
        run
    }
}

async fn sim(objects: usize) -> Simulator {
    Simulator::builder().objects(objects).start().await.unwrap()
}

/// `--db`: the same flags and formats answered from a mirror, with
/// nothing sent (counted at the simulator) and no account.
#[tokio::test]
async fn queries_run_offline_on_a_mirror_and_print_what_the_online_query_prints() {
    let sim = sim(200).await;
    let home = TempDir::new("cli-offline");
    let cli = Cli::new(&sim, &home);
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let sync = cli.run(&["mirror", "sync", "--db", &db, "--force"]).await;
    assert_eq!(sync.code, 0, "{}{}", sync.stdout, sync.stderr);
    let queries: &[&[&str]] = &[
        &["gp", "--norad-cat-id", "25544", "-f", "json"],
        &[
            "gp",
            "--norad-cat-id",
            "25544,20580",
            "--order-by",
            "norad_cat_id",
            "-f",
            "3le",
        ],
        &[
            "gp",
            "--epoch",
            ">now-30",
            "--order-by",
            "epoch:desc,norad_cat_id",
            "--limit",
            "3",
            "-f",
            "ndjson",
        ],
        &[
            "satcat",
            "--object-type",
            "PAYLOAD",
            "--order-by",
            "norad_cat_id",
            "--limit",
            "5",
            "-f",
            "csv",
        ],
        &[
            "satcat",
            "--satname",
            "~~deb",
            "--select",
            "NORAD_CAT_ID,SATNAME",
            "-f",
            "json",
        ],
        &[
            "decay",
            "--order-by",
            "norad_cat_id",
            "--limit",
            "4",
            "-f",
            "table",
        ],
    ];
    let offline_cli = Cli::new(&sim, &home).no_creds();
    for q in queries {
        let online = cli.run(&[&["query"], *q].concat()).await;
        assert_eq!(online.code, 0, "{q:?}: {}", online.stderr);
        assert!(!online.stdout.trim().is_empty(), "{q:?}");
        sim.clear_requests();
        let offline = offline_cli
            .run(&[&["query"], *q, &["--db", &db]].concat())
            .await;
        assert_eq!(offline.code, 0, "{q:?}: {}", offline.stderr);
        assert!(sim.requests().is_empty(), "{q:?} sent {:?}", sim.requests());
        assert_eq!(online.stdout, offline.stdout, "{q:?}");
    }
    // What only Space-Track renders is refused, with the reason.
    let kvn = offline_cli
        .run(&[
            "query",
            "gp",
            "--norad-cat-id",
            "25544",
            "-f",
            "kvn",
            "--db",
            &db,
        ])
        .await;
    assert_eq!(kvn.code, 2, "{}", kvn.stderr);
    assert!(kvn.stderr.contains("cannot reproduce"), "{}", kvn.stderr);
}

/// The change feed from the command line: `mirror sync --changes -`
/// prints what the sync changed as NDJSON, `mirror changes --since` reads
/// the feed back.
#[tokio::test]
async fn the_change_feed_is_printed_by_sync_and_read_back() {
    let sim = sim(150).await;
    let home = TempDir::new("cli-changes");
    let cli = Cli::new(&sim, &home);
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let first = home.0.join("first.ndjson");
    let sync = cli
        .run(&[
            "mirror",
            "sync",
            "--db",
            &db,
            "--class",
            "gp",
            "--force",
            "--changes",
            first.to_str().unwrap(),
        ])
        .await;
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    let lines = std::fs::read_to_string(&first).unwrap();
    let kinds: Vec<String> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds.len(), 150, "every object is new: {lines}");
    assert!(kinds.iter().all(|k| k == "new"));

    sim.advance(chrono::Duration::hours(30));
    let again = cli
        .run(&[
            "mirror",
            "sync",
            "--db",
            &db,
            "--class",
            "gp",
            "--force",
            "--changes",
            "-",
        ])
        .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let sets = again
        .stdout
        .lines()
        .filter(|l| l.contains("\"kind\":\"new_element_set\""))
        .count();
    assert!(sets > 0, "{}", again.stdout);

    let read = cli
        .run(&[
            "mirror",
            "changes",
            "--db",
            &db,
            "--since",
            "2000-01-01",
            "--class",
            "gp",
        ])
        .await;
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert_eq!(read.stdout, format!("{lines}{}", again.stdout));
    let bad = cli
        .run(&["mirror", "changes", "--db", &db, "--since", "yesterday"])
        .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// `mirror as-of`: the catalog at a time, from gp_history, with the
/// report on stderr; the same sets the library picks.
#[tokio::test]
async fn as_of_prints_the_catalog_at_a_time() {
    let sim = sim(120).await;
    let home = TempDir::new("cli-asof");
    let cli = Cli::new(&sim, &home);
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let from = (sim.now().date() - chrono::Duration::days(90)).to_string();
    let sync = cli
        .run(&[
            "mirror",
            "sync",
            "--db",
            &db,
            "--class",
            "satcat",
            "--force",
            "--history",
            &format!("{from}.."),
            "--window-days",
            "45",
            "--classes-at-once",
            "1",
        ])
        .await;
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    let at = sim.now() - chrono::Duration::days(2);
    let at_text = at.format("%Y-%m-%dT%H:%M").to_string();
    let run = cli
        .run(&["mirror", "as-of", &at_text, "--db", &db, "-f", "ndjson"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("covering the window"), "{}", run.stderr);
    let printed: Vec<u64> = run
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["GP_ID"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let m = spacetrack_mirror::Mirror::open(&db).await.unwrap();
    let at = chrono::NaiveDateTime::parse_from_str(&at_text, "%Y-%m-%dT%H:%M").unwrap();
    let asof = m.gp_as_of(at).await.unwrap();
    let want: Vec<u64> = asof.records.iter().map(|g| g.gp_id as u64).collect();
    assert!(!want.is_empty());
    assert_eq!(printed, want);
    let tle = cli
        .run(&["mirror", "as-of", &at_text, "--db", &db, "-f", "3le"])
        .await;
    assert_eq!(
        tle.stdout.lines().count(),
        3 * asof
            .records
            .iter()
            .filter(|g| g.three_le().is_some())
            .count()
    );
}

/// `mirror export`: a partitioned Parquet dataset into a folder, and csv
/// or ndjson to standard output with `-o -`.
#[tokio::test]
async fn exports_go_to_a_dataset_folder_or_to_stdout() {
    let sim = sim(100).await;
    let home = TempDir::new("cli-export");
    let cli = Cli::new(&sim, &home);
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let sync = cli
        .run(&[
            "mirror", "sync", "--db", &db, "--class", "satcat", "--force",
        ])
        .await;
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    let out = home.0.join("satcat-dataset");
    let ds = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "satcat",
            "--format",
            "parquet",
            "--partition-by",
            "year",
            "-o",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(ds.code, 0, "{}", ds.stderr);
    let years = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("launch_year=")
        })
        .count();
    assert!(years > 1, "{}", ds.stderr);
    let stdout = cli
        .run(&[
            "mirror", "export", "--db", &db, "--class", "satcat", "--format", "ndjson", "-o", "-",
        ])
        .await;
    assert_eq!(stdout.code, 0, "{}", stdout.stderr);
    assert_eq!(stdout.stdout.lines().count(), 100);
    let refused = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "satcat",
            "--partition-by",
            "year",
            "-o",
            "x",
        ])
        .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

/// `mirror backfill`: the plan first (--dry-run sends only the probes),
/// then one request per window, a line each; counted at the simulator.
#[tokio::test]
async fn backfill_prints_its_plan_and_keeps_to_it() {
    let sim = Simulator::builder()
        .objects(40)
        .history_depth(5)
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-backfill");
    let cli = Cli::new(&sim, &home);
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let to = sim.now().date();
    let from = to - chrono::Duration::days(120);
    let (from, to) = (from.to_string(), to.to_string());
    let args = [
        "mirror",
        "backfill",
        "gp_history",
        "--db",
        &db,
        "--from",
        &from,
        "--to",
        &to,
        "--rows-per-request",
        "30",
        "--budget",
        "100/h",
    ];
    sim.clear_requests();
    let dry = cli.run(&[&args[..], &["--dry-run"]].concat()).await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let plan_line = dry
        .stderr
        .lines()
        .find(|l| l.starts_with("plan:"))
        .expect("a plan")
        .to_owned();
    let requests: usize = plan_line
        .split(": ")
        .nth(2)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{plan_line}"));
    assert!(requests > 1, "{plan_line}");
    let probes = query_paths(&sim);
    assert!(
        probes
            .iter()
            .all(|p| p.contains("metadata") || p.contains("predicates")),
        "{probes:?}"
    );
    sim.clear_requests();
    let run = cli.run(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        query_paths(&sim).len(),
        requests,
        "the plan's count, at the server"
    );
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("window "))
            .count(),
        requests
    );
    let bad = cli
        .run(&[&args[..10], &["--budget", "lots"]].concat())
        .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[tokio::test]
async fn query_in_every_format() {
    let sim = sim(200).await;
    let home = TempDir::new("cli-formats");
    let cli = Cli::new(&sim, &home);
    let base = [
        "query",
        "gp",
        "--norad-cat-id",
        "25544,20580",
        "--order-by",
        "norad_cat_id:desc",
    ];

    let json = cli.run(&[&base[..], &["--format", "json"]].concat()).await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    let ids: Vec<u64> = rows
        .iter()
        .map(|r| r["NORAD_CAT_ID"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [25544, 20580]);
    assert_eq!(rows[0]["OBJECT_NAME"], "ISS (ZARYA)");

    let nd = cli
        .run(&[&base[..], &["--format", "ndjson"]].concat())
        .await;
    let lines: Vec<serde_json::Value> = nd
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, rows);

    let csv = cli
        .run(
            &[
                &base[..],
                &["--format", "csv", "--select", "norad_cat_id,object_name"],
            ]
            .concat(),
        )
        .await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let csv_lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(csv_lines.len(), 3, "{}", csv.stdout);
    assert!(csv_lines[0].contains("NORAD_CAT_ID") && csv_lines[0].contains("OBJECT_NAME"));
    assert!(csv_lines[1].contains("25544") && csv_lines[1].contains("ISS (ZARYA)"));

    let table = cli
        .run(
            &[
                &base[..],
                &[
                    "--format",
                    "table",
                    "--select",
                    "NORAD_CAT_ID,OBJECT_NAME,EPOCH",
                ],
            ]
            .concat(),
        )
        .await;
    let t: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(t.len(), 3);
    assert!(
        t[0].starts_with("NORAD_CAT_ID  OBJECT_NAME"),
        "{}",
        table.stdout
    );
    assert!(
        t[1].starts_with("25544         ISS (ZARYA)"),
        "{}",
        table.stdout
    );

    // Selected columns keep their order and their types.
    let sel = cli
        .run(
            &[
                &base[..],
                &["--select", "object_name,norad_cat_id", "--format", "ndjson"],
            ]
            .concat(),
        )
        .await;
    assert_eq!(sel.code, 0, "{}", sel.stderr);
    assert_eq!(
        sel.stdout.lines().next(),
        Some(r#"{"OBJECT_NAME":"ISS (ZARYA)","NORAD_CAT_ID":25544}"#)
    );

    let tle = cli.run(&[&base[..], &["--format", "tle"]].concat()).await;
    let l: Vec<&str> = tle.stdout.lines().collect();
    assert_eq!(l.len(), 4, "{}", tle.stdout);
    assert!(
        l[0].starts_with("1 25544") && l[1].starts_with("2 25544"),
        "{}",
        tle.stdout
    );
    assert!(!tle.stdout.contains('\r'));

    let three = cli.run(&[&base[..], &["--format", "3le"]].concat()).await;
    let l: Vec<&str> = three.stdout.lines().collect();
    assert_eq!(l.len(), 6);
    assert_eq!(l[0], "0 ISS (ZARYA)");

    // What reached the server: predicates, sort and format, encoded.
    let paths = query_paths(&sim);
    assert!(
        paths
            .iter()
            .any(|p| p.contains("/norad_cat_id/25544%2C20580/orderby/norad_cat_id%20desc")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p.ends_with("/format/3le")));
}

#[tokio::test]
async fn operators_limit_and_output_file() {
    let sim = sim(300).await;
    let home = TempDir::new("cli-ops");
    let cli = Cli::new(&sim, &home);
    let out = home.0.join("recent.json");
    let run = cli
        .run(&[
            "query",
            "gp",
            "--epoch",
            ">now-30",
            "--mean-motion",
            "14--16",
            "--order-by",
            "epoch:desc",
            "--limit",
            "5",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "", "records go to the file only");
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(rows.len(), 5);
    let epochs: Vec<&str> = rows.iter().map(|r| r["EPOCH"].as_str().unwrap()).collect();
    assert!(
        epochs.windows(2).all(|w| w[0] >= w[1]),
        "sorted descending: {epochs:?}"
    );
    for r in &rows {
        let mm = r["MEAN_MOTION"].as_f64().unwrap();
        assert!((14.0..=16.0).contains(&mm), "{mm}");
    }
    let paths = query_paths(&sim);
    assert!(
        paths[0].contains("/epoch/%3Enow-30/mean_motion/14--16/"),
        "{paths:?}"
    );
    assert!(paths[0].contains("/limit/5/"), "{paths:?}");
}

#[tokio::test]
async fn values_are_checked_before_anything_is_sent() {
    let sim = sim(50).await;
    let home = TempDir::new("cli-usage");
    let cli = Cli::new(&sim, &home);
    for (args, needle) in [
        (
            &["query", "gp", "--norad-cat-id", "ISS"][..],
            "is not an integer",
        ),
        (
            &["query", "gp", "--epoch", ">yesterday"][..],
            "is not a date-time",
        ),
        (
            &["query", "gp", "--mean-motion", "fast"][..],
            "is not a number",
        ),
        (
            &["query", "gp", "--norad-catid", "1"][..],
            "unexpected argument",
        ),
        (
            &["query", "gp", "--order-by", "epok:desc"][..],
            "is not a column of gp",
        ),
        (
            &["query", "gp", "--select", "nope"][..],
            "is not a column of gp",
        ),
        (&["query", "gpx"][..], "unrecognized subcommand"),
        (
            &["query", "decay", "--format", "tle"][..],
            "tle, 3le and kvn need gp",
        ),
    ] {
        let run = cli.run(args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    assert!(
        query_paths(&sim).is_empty(),
        "nothing may be sent for a usage error"
    );
}

#[tokio::test]
async fn help_lists_every_class_and_each_columns_type() {
    let sim = sim(10).await;
    let home = TempDir::new("cli-help");
    let cli = Cli::new(&sim, &home);
    let classes = cli.run(&["query", "--help"]).await;
    assert_eq!(classes.code, 0);
    for c in spacetrack::CLASSES {
        let name = if c.class == "file" {
            format!("{}-file", c.controller)
        } else {
            c.class.to_owned()
        };
        assert!(
            classes.stdout.contains(&name),
            "{name} missing from:\n{}",
            classes.stdout
        );
    }
    let gp = cli.run(&["query", "gp", "--help"]).await;
    assert_eq!(gp.code, 0);
    assert!(gp.stdout.contains("--norad-cat-id <INT>"), "{}", gp.stdout);
    assert!(
        gp.stdout
            .contains("NORAD_CAT_ID: int(10) unsigned, not null"),
        "{}",
        gp.stdout
    );
    assert!(gp.stdout.contains("--epoch <DATETIME>"));
    assert!(
        gp.stdout.contains("EPOCH: datetime(6), nullable"),
        "{}",
        gp.stdout
    );
    let top = cli.run(&["--help"]).await;
    assert!(top.stdout.contains("Exit codes:"));

    let bash = cli.run(&["completions", "bash"]).await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    for word in [
        "gp_history",
        "--norad-cat-id",
        "--order-by",
        "spephemeris-file",
    ] {
        assert!(
            bash.stdout.contains(word),
            "{word} missing from the bash completions"
        );
    }
    // --order-by and --select complete column names, not file names.
    let gp_case = bash
        .stdout
        .split("spacetrack__subcmd__query__subcmd__gp)")
        .nth(1)
        .expect("a case for `query gp`");
    for (flag, words) in [
        ("--order-by)", &["epoch", "epoch:desc", "norad_cat_id"][..]),
        ("--select)", &["epoch", "tle_line1"][..]),
    ] {
        let arm = gp_case
            .split(flag)
            .nth(1)
            .and_then(|rest| rest.split(";;").next())
            .unwrap_or_else(|| panic!("no {flag} arm"));
        assert!(!arm.contains("compgen -f"), "{flag} offers files: {arm}");
        let offered: Vec<&str> = arm
            .split('"')
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        for w in words {
            assert!(
                offered.contains(w),
                "{w} missing from the {flag} completion: {arm}"
            );
        }
    }
    // The table of every column is kept out of --help.
    let help = cli.run(&["query", "gp", "--help"]).await;
    assert!(
        !help.stdout.contains("norad_cat_id:desc"),
        "{}",
        help.stdout
    );
    assert!(
        help.stdout.contains("--order-by <FIELD[:desc]>"),
        "{}",
        help.stdout
    );
}

#[tokio::test]
async fn exit_codes_for_failures() {
    let sim = sim(50).await;
    let home = TempDir::new("cli-exit");

    let none = Cli::new(&sim, &home)
        .no_creds()
        .run(&["query", "gp", "--limit", "1"])
        .await;
    assert_eq!(none.code, 3, "{}", none.stderr);
    assert!(
        none.stderr.contains("SPACETRACK_IDENTITY"),
        "{}",
        none.stderr
    );

    let wrong = Cli::new(&sim, &home)
        .env("SPACETRACK_PASSWORD", "not-the-password")
        .run(&["query", "gp", "--limit", "1"])
        .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("not-the-password"));

    let cli = Cli::new(&sim, &home);
    sim.inject([Fault::RateLimit500]);
    let limited = cli
        .run(&["--retries", "0", "query", "gp", "--limit", "1"])
        .await;
    assert_eq!(limited.code, 4, "{}", limited.stderr);

    sim.inject([Fault::Status(500)]);
    let api = cli.run(&["query", "gp", "--limit", "1"]).await;
    assert_eq!(api.code, 5, "{}", api.stderr);

    // The shared ledger unreachable: fail closed, nothing sent.
    let before = query_paths(&sim).len();
    let store = cli
        .run(&[
            "--redis",
            "redis://127.0.0.1:1/",
            "query",
            "gp",
            "--limit",
            "1",
        ])
        .await;
    assert_eq!(store.code, 10, "{}", store.stderr);
    assert!(
        store.stderr.contains("rate-limiter store unavailable"),
        "{}",
        store.stderr
    );
    assert_eq!(query_paths(&sim).len(), before);

    sim.inject([Fault::InvalidJson]);
    let out = home.0.join("bad.json");
    let bad = cli.run(&["query", "gp", "-o", out.to_str().unwrap()]).await;
    assert_eq!(bad.code, 7, "{}", bad.stderr);
    assert!(!out.exists(), "a failed query leaves no output file");
    assert_eq!(
        std::fs::read_dir(&home.0)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .count(),
        0
    );

    sim.inject([Fault::TruncateBody]);
    let cut = cli
        .run(&["--retries", "0", "query", "gp", "-o", out.to_str().unwrap()])
        .await;
    assert!(matches!(cut.code, 6 | 7), "{}: {}", cut.code, cut.stderr);
    assert!(!out.exists());

    // A server that is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let gone = Cli::new(&sim, &home)
        .env("SPACETRACK_BASE_URL", &url)
        .run(&["--retries", "0", "query", "gp", "--limit", "1"])
        .await;
    assert_eq!(gone.code, 6, "{}", gone.stderr);

    // And after all that, a healthy run still exits 0.
    let ok = cli.run(&["query", "gp", "--limit", "1"]).await;
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[tokio::test]
async fn credentials_from_an_owner_only_config_file() {
    let sim = sim(20).await;
    let home = TempDir::new("cli-config");
    let set = Cli::new(&sim, &home)
        .no_creds()
        .stdin(&format!("{}\n", sim.password()))
        .run(&[
            "config",
            "set-credentials",
            "--identity",
            sim.identity(),
            "--password-stdin",
        ])
        .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let file = home.0.join("config/spacetrack/config.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let cli = Cli::new(&sim, &home).no_creds();
    let q = cli.run(&["query", "gp", "--norad-cat-id", "25544"]).await;
    assert_eq!(q.code, 0, "{}", q.stderr);
    assert!(q.stdout.contains("ISS (ZARYA)"));

    let show = cli.run(&["config", "show"]).await;
    assert_eq!(show.code, 0);
    assert!(show.stdout.contains(sim.identity()));
    assert!(
        show.stdout.contains("password:    set (from config file"),
        "{}",
        show.stdout
    );

    // A malformed file is reported by line, never quoted (it holds the password).
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{good}\nbase_url = \"{}-tail\n", sim.password()),
    )
    .unwrap();
    let broken = cli.run(&["query", "gp", "--norad-cat-id", "25544"]).await;
    assert_eq!(broken.code, 3, "{}", broken.stderr);
    assert!(
        broken
            .stderr
            .contains("is not a valid config file (line 4)"),
        "{}",
        broken.stderr
    );
    std::fs::write(&file, good).unwrap();

    // Readable by others: refused, like ssh refuses such a key.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = cli.run(&["query", "gp", "--norad-cat-id", "25544"]).await;
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
    }
}

/// The README's regeneration path: `schemas pull --dir` into an empty
/// folder, then the crate generated from it (`SPACETRACK_SCHEMAS_DIR`).
/// The modeldef answer has no notes (semantic types, keys, deprecations,
/// column docs): the pulled files must carry this build's, or the typed API
/// changes (`Decay.decay_epoch` would become text) and the docs vanish.
#[tokio::test]
async fn schemas_pulled_into_an_empty_folder_generate_the_same_api() {
    let sim = sim(20).await;
    let home = TempDir::new("cli-schemas-fresh");
    let cli = Cli::new(&sim, &home).fast();
    let dir = home.0.join("new-project").join("schemas");
    let pull = cli
        .run(&["schemas", "pull", "--dir", dir.to_str().unwrap()])
        .await;
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    let bundled =
        spacetrack_codegen::schema::find_schemas_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .expect("the bundled schemas");
    let ours = spacetrack_codegen::generate_dir(&bundled).unwrap().source;
    let theirs = spacetrack_codegen::generate_dir(&dir).unwrap().source;
    // What the notes give, checked by name first for a readable failure.
    for needle in [
        "pub decay_epoch: Option<chrono::DateTime<chrono::Utc>>",
        "pub launch_date: Option<chrono::NaiveDate>",
        "NORAD catalog number",
        "key: &[\"GP_ID\"]",
    ] {
        assert!(ours.contains(needle), "the bundled build has `{needle}`");
        assert!(
            theirs.contains(needle),
            "the pulled schemas lost `{needle}`"
        );
    }
    // Once pulled, the types are Space-Track's own: the schemas' confidence
    // and the "inferred" flags and notes change, and nothing else may.
    let kept = |src: &str| -> Vec<String> {
        src.lines()
            .map(|l| match l.find("confidence") {
                Some(i) => &l[..i],
                None => l,
            })
            .filter(|l| !l.contains("inferred") && l.trim() != "///")
            .map(str::to_owned)
            .collect()
    };
    let (ours, theirs) = (kept(&ours), kept(&theirs));
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b, "the generated API differs once pulled");
    }
}

#[tokio::test]
async fn schemas_pull_and_diff_follow_a_schema_change() {
    let sim = sim(20).await;
    let home = TempDir::new("cli-schemas");
    let cli = Cli::new(&sim, &home).fast();
    let dir = home.0.join("schemas");
    let dir_s = dir.to_str().unwrap();

    // The simulator serves this build's schemas: nothing differs.
    let same = cli.run(&["schemas", "diff"]).await;
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains(&format!(
        "0 of {} class(es) differ",
        spacetrack::CLASSES.len()
    )));

    let pull = cli.run(&["schemas", "pull", "--dir", dir_s]).await;
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    for c in spacetrack::CLASSES {
        let path = dir.join(c.controller).join(format!("{}.json", c.class));
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let served = serde_json::to_value(sim.modeldef(c.controller, c.class).unwrap()).unwrap();
        assert_eq!(
            doc["data"],
            served,
            "{} is not the modeldef answer",
            path.display()
        );
        assert_eq!(doc["controller"], c.controller);
    }

    // Space-Track changes gp: a column added, one removed, one retyped.
    let mut rows = sim.modeldef("basicspacedata", "gp").unwrap();
    rows.retain(|r| r.field != "COMMENT");
    let mm = rows.iter_mut().find(|r| r.field == "MEAN_MOTION").unwrap();
    mm.ty = "double".into();
    let mut added = rows[0].clone();
    added.field = "MANEUVERABLE".into();
    added.ty = "enum('Y','N')".into();
    added.null = "YES".into();
    rows.push(added);
    sim.set_modeldef("basicspacedata", "gp", rows);

    // The daily cache still holds yesterday's answer; --fresh asks again.
    let changed = cli
        .run(&["schemas", "diff", "--class", "gp", "--fresh"])
        .await;
    assert_eq!(changed.code, 1, "{}{}", changed.stdout, changed.stderr);
    for needle in ["MANEUVERABLE", "COMMENT", "MEAN_MOTION", "double"] {
        assert!(
            changed.stdout.contains(needle),
            "{needle} in:\n{}",
            changed.stdout
        );
    }

    let pull = cli
        .run(&["schemas", "pull", "--dir", dir_s, "--fresh"])
        .await;
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    assert!(
        pull.stdout.contains("1 schema(s) written"),
        "{}",
        pull.stdout
    );
    // Offline, the pulled folder shows the same change.
    let offline = Cli::new(&sim, &home)
        .no_creds()
        .run(&["schemas", "diff", "--dir", dir_s])
        .await;
    assert_eq!(offline.code, 1, "{}", offline.stderr);
    assert!(offline.stdout.contains("MANEUVERABLE"));
    assert!(offline.stdout.contains("1 of"), "{}", offline.stdout);

    // Space-Track refusing one class is reported; the others still go on.
    sim.inject([Fault::Status(404)]);
    let refused = cli
        .run(&[
            "schemas", "diff", "--class", "satcat", "--class", "gp", "--fresh",
        ])
        .await;
    assert_eq!(refused.code, 5, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("basicspacedata/satcat: Space-Track answered HTTP 404"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stdout.contains("MANEUVERABLE"),
        "gp still compared: {}",
        refused.stdout
    );
    sim.inject([Fault::Status(404)]);
    let partial = cli
        .run(&[
            "schemas", "pull", "--dir", dir_s, "--class", "satcat", "--class", "gp", "--fresh",
        ])
        .await;
    assert_eq!(partial.code, 5, "{}{}", partial.stdout, partial.stderr);
    assert!(
        partial
            .stdout
            .contains("0 schema(s) written, 1 unchanged, 1 failed"),
        "{}",
        partial.stdout
    );

    // Pull + rebuild: the generator reads the pulled folder as it is.
    let code = spacetrack_codegen::generate_dir(&dir)
        .expect("pulled schemas generate")
        .source;
    assert!(
        code.contains("pub maneuverable: Option<GpManeuverable>"),
        "new column typed"
    );
    assert!(!code.contains("pub comment: String,\n    /// `ORIGINATOR`"));
    assert!(code.contains("pub fn maneuverable"));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`; BSD's takes
/// other flags) and returns what the terminal showed.
#[cfg(target_os = "linux")]
async fn on_a_terminal(sim: &Simulator, home: &TempDir, args: &str) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_spacetrack"));
    let mut script = tokio::process::Command::new("script");
    against(&mut script, sim, &home.0);
    let out = script
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("util-linux `script` runs");
    assert!(
        out.status.success(),
        "{args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!shown.contains(sim.password()));
    shown
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn progress_is_shown_on_a_terminal_only_when_it_helps() {
    let sim = sim(500).await;
    let home = TempDir::new("cli-progress");
    let file = home.0.join("out.json");
    let file = file.to_str().unwrap();
    let slow = || sim.inject([Fault::SlowBody(std::time::Duration::from_millis(150))]);

    // A download to a file: a live count on the terminal, and the total.
    slow();
    let shown = on_a_terminal(&sim, &home, &format!("query gp -o {file}")).await;
    assert!(shown.contains("500 records in"), "{shown:?}");
    // The bytes received, from the SDK's on_progress.
    assert!(
        shown.contains("iB received") || shown.contains("iB of "),
        "{shown:?}"
    );
    assert_eq!(
        serde_json::from_slice::<Vec<serde_json::Value>>(&std::fs::read(file).unwrap())
            .unwrap()
            .len(),
        500
    );

    // --quiet: nothing.
    slow();
    let shown = on_a_terminal(&sim, &home, &format!("-q query gp -o {file}")).await;
    assert!(!shown.contains("records"), "{shown:?}");

    // Records printed on the terminal are the progress: no bar over them.
    slow();
    let shown = on_a_terminal(&sim, &home, "query gp -f ndjson --select norad_cat_id").await;
    assert_eq!(
        shown.lines().filter(|l| l.contains("NORAD_CAT_ID")).count(),
        500
    );
    assert!(!shown.contains("records"), "{shown:?}");

    // And never on a pipe: the other tests' stderr is a pipe. (The same
    // query again within the hour: the usage guidance's warning is what
    // stderr would hold, and --policy off leaves it out.)
    let run = Cli::new(&sim, &home)
        .run(&["--policy", "off", "query", "gp", "-o", file])
        .await;
    assert_eq!(run.stderr, "");
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_leaves_no_partial_output() {
    let sim = sim(3000).await;
    let home = TempDir::new("cli-interrupt");
    let out = home.0.join("history.json");
    // Every 64 KiB of the answer takes 200 ms: the download is still
    // running when the signal comes.
    sim.inject([Fault::SlowBody(std::time::Duration::from_millis(200))]);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
    against(&mut cmd, &sim, &home.0);
    let child = cmd
        .args(["query", "gp_history", "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = home.0.join("history.json.partial");
    let started = std::time::Instant::now();
    while std::fs::metadata(&partial).map_or(true, |m| m.len() == 0) {
        assert!(started.elapsed().as_secs() < 30, "no output after 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out_status = child.wait_with_output().await.unwrap();
    assert_eq!(
        out_status.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out_status.stderr)
    );
    assert!(!partial.exists(), "the unfinished file is removed");
    assert!(!out.exists());
}

#[cfg(unix)]
#[tokio::test]
async fn sim_command_serves_until_terminated() {
    use tokio::io::AsyncBufReadExt;
    let home = TempDir::new("cli-sim");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"))
        .args(["sim", "--objects", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env_file = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(p) = line.split("source ").nth(1) {
            env_file = Some(std::path::PathBuf::from(p.trim()));
            break;
        }
    }
    let env_file = env_file.expect("the simulator names its env file");
    let text = std::fs::read_to_string(&env_file).unwrap();
    let vars: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(vars.len(), 4, "{text}");

    let mut q = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
    q.args([
        "query",
        "satcat",
        "--limit",
        "3",
        "--format",
        "table",
        "--select",
        "norad_cat_id,satname",
    ])
    .env("XDG_CACHE_HOME", home.0.join("cache"))
    .env_remove("SPACETRACK_CONFIG");
    for (k, v) in &vars {
        q.env(k, v);
    }
    let out = q.output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 4);

    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        !env_file.exists(),
        "the credentials file is removed on exit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_are_never_lost_and_bad_records_can_be_skipped() {
    let sim = Simulator::builder()
        .objects(200)
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-columns");
    let cli = Cli::new(&sim, &home);

    // A column the schema lacks is in json and ndjson output.
    for format in ["json", "ndjson"] {
        let out = cli
            .run(&["query", "gp", "--limit", "3", "--format", format])
            .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            out.stdout.matches("\"REENTRY_RISK\":\"").count(),
            3,
            "{}",
            out.stdout
        );
    }

    // Bad records: strict fails (7); --skip-bad writes the rest, names each
    // bad record on stderr and exits 9.
    sim.inject([Fault::BadRecords { every: 40 }]);
    let strict = cli.run(&["query", "gp", "--format", "ndjson"]).await;
    assert_eq!(strict.code, 7, "{}", strict.stderr);
    sim.inject([Fault::BadRecords { every: 40 }]);
    let out = home.0.join("gp.ndjson");
    let skip = cli
        .run(&[
            "query",
            "gp",
            "--format",
            "ndjson",
            "--skip-bad",
            "-o",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(skip.code, 9, "{}", skip.stderr);
    assert_eq!(
        skip.stderr
            .matches("skipped: cannot decode `gp` record")
            .count(),
        5,
        "{}",
        skip.stderr
    );
    assert!(
        skip.stderr
            .contains("5 record(s) could not be decoded and were skipped"),
        "{}",
        skip.stderr
    );
    assert!(
        skip.stderr.contains("column CREATION_DATE, value \"N/A\""),
        "{}",
        skip.stderr
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 195);
    // Without bad records, --skip-bad is plain success.
    let clean = cli
        .run(&["query", "gp", "--limit", "5", "--skip-bad"])
        .await;
    assert_eq!(clean.code, 0, "{}", clean.stderr);

    // `now` on a text column is a usage error that names a datetime column.
    let before = query_paths(&sim).len();
    let now = cli.run(&["query", "decay", "--decay-epoch", ">now"]).await;
    assert_eq!(now.code, 2, "{}", now.stderr);
    assert!(now.stderr.contains("--msg-epoch"), "{}", now.stderr);
    assert_eq!(query_paths(&sim).len(), before, "nothing was sent");
    let ok = cli
        .run(&[
            "query",
            "decay",
            "--msg-epoch",
            ">now-30",
            "--limit",
            "3",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

/// Runs `spacetrack query launch_site` 8 times in a row, as a shell loop
/// would, against a simulator allowing 5 queries per 10 s; `own_cache` gives
/// each process a cache folder (and so a ledger) of its own. Returns how
/// many the server refused.
async fn shell_loop(own_cache: bool) -> usize {
    let sim = Simulator::builder()
        .objects(50)
        .account_limits([(5, std::time::Duration::from_secs(10))])
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-loop");
    for i in 0..8 {
        let mut cli = Cli::new(&sim, &home).default_limits();
        if own_cache {
            let own = home.0.join(format!("cache-{i}"));
            cli = cli.env("XDG_CACHE_HOME", own.to_str().unwrap());
        }
        // The command's own limit (--max-per-minute 30) is at most 5 per
        // 10 s; --retries 0 makes a refused query exit 4 at once.
        let run = cli
            .run(&[
                "--max-per-minute",
                "30",
                "--retries",
                "0",
                "query",
                "launch_site",
                "--limit",
                "1",
            ])
            .await;
        assert!(
            run.code == 0 || (own_cache && run.code == 4),
            "{}",
            run.stderr
        );
    }
    if !own_cache {
        assert_eq!(query_paths(&sim).len(), 8);
        let ledgers = std::fs::read_dir(home.0.join("cache/spacetrack-rs/limits")).unwrap();
        assert_eq!(ledgers.count(), 1, "one ledger file for the account");
    }
    sim.refused_for_rate()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_loop_of_commands_shares_the_accounts_limit() {
    assert_eq!(
        shell_loop(false).await,
        0,
        "no query went over the account's limit"
    );
    // Control: processes that do not share a ledger go over.
    assert!(
        shell_loop(true).await > 0,
        "the control run stayed under the limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn natural_values_and_helpful_errors() {
    let sim = sim(200).await;
    let home = TempDir::new("cli-natural");
    let cli = Cli::new(&sim, &home);

    // Negative numbers are values, not flags.
    let neg = cli
        .run(&[
            "query", "tip", "--lat", "-30--10", "--lon", "-5", "--format", "json",
        ])
        .await;
    assert_eq!(neg.code, 0, "{}", neg.stderr);
    assert!(
        query_paths(&sim)
            .iter()
            .any(|p| p.contains("/lat/-30--10/lon/-5/")),
        "{:?}",
        query_paths(&sim)
    );

    // Integers are checked against the MySQL type's range; nothing is sent.
    let before = query_paths(&sim).len();
    let big = cli
        .run(&["query", "gp", "--norad-cat-id", "4294967296"])
        .await;
    assert_eq!(big.code, 2, "{}", big.stderr);
    assert!(big.stderr.contains("out of range"), "{}", big.stderr);
    assert_eq!(query_paths(&sim).len(), before);

    // Space-Track's own `EPOCH desc` ordering.
    let ordered = cli
        .run(&["query", "gp", "--order-by", "EPOCH desc", "--limit", "2"])
        .await;
    assert_eq!(ordered.code, 0, "{}", ordered.stderr);
    assert!(
        query_paths(&sim)
            .iter()
            .any(|p| p.contains("/orderby/epoch%20desc/"))
    );

    // Did you mean, wherever a column is named.
    let typo = cli.run(&["query", "gp", "--order-by", "epohc:desc"]).await;
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `epoch`"),
        "{}",
        typo.stderr
    );
    let typo = cli.run(&["query", "gp", "--select", "norad_cat_di"]).await;
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `norad_cat_id`"),
        "{}",
        typo.stderr
    );
    let typo = cli.run(&["query", "gp", "--norad-cat-idd", "5"]).await;
    assert_eq!(typo.code, 2);
    // The suggestion itself (the error also echoes the misspelled flag,
    // which contains the right one).
    assert!(
        typo.stderr
            .contains("similar argument exists: '--norad-cat-id'"),
        "{}",
        typo.stderr
    );

    // A list too long for one URL, in an order and under a limit: its
    // requests' records are merged, as one request would answer.
    let ids: Vec<String> = (1..=1_200).map(|i| i.to_string()).collect();
    let before = query_paths(&sim).len();
    let merged = cli
        .run(&[
            "query",
            "gp",
            "--norad-cat-id",
            &ids.join(","),
            "--order-by",
            "NORAD_CAT_ID:desc",
            "--limit",
            "3",
            "-f",
            "ndjson",
        ])
        .await;
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert!(query_paths(&sim).len() - before >= 2, "several requests");
    let got: Vec<u64> = merged
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["NORAD_CAT_ID"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let mut want: Vec<u64> = sim
        .norad_ids()
        .into_iter()
        .map(u64::from)
        .filter(|&i| i <= 1_200)
        .collect();
    want.sort_unstable_by(|a, b| b.cmp(a));
    want.truncate(3);
    assert_eq!(want.len(), 3);
    assert_eq!(got, want);

    // A missing output folder is named.
    let missing = home.0.join("nodir").join("x.json");
    let out = cli
        .run(&[
            "query",
            "gp",
            "--limit",
            "1",
            "-o",
            missing.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.code, 8, "{}", out.stderr);
    assert!(out.stderr.contains("nodir:"), "{}", out.stderr);
    assert!(!out.stderr.contains("partial"), "{}", out.stderr);

    // Table cells are the shortest decimal that round-trips.
    let table = cli
        .run(&["query", "tip", "--limit", "50", "--format", "table"])
        .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    for cell in table.stdout.split_whitespace().filter(|c| c.contains('.')) {
        let frac = cell.rsplit('.').next().unwrap_or("");
        assert!(
            !frac.contains("000000") && !frac.contains("999999"),
            "{cell} is a float artefact"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_records_are_written_in_order_and_an_error_after_what_came_before() {
    // Output is serialised in batches of 1,024 records on other threads:
    // several batches must come out whole and in the answer's order, as
    // one JSON array or one line per record.
    let sim = sim(3_000).await;
    let home = TempDir::new("cli-batches");
    let cli = Cli::new(&sim, &home);
    let ndjson = cli.run(&["query", "gp", "--format", "ndjson"]).await;
    assert_eq!(ndjson.code, 0, "{}", ndjson.stderr);
    let lines: Vec<serde_json::Value> = ndjson
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3_000);
    let json = cli.run(&["query", "gp", "--format", "json"]).await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let array: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(array, lines);
    // The answer's order, as the library receives it.
    let st = spacetrack_tests::client_for(&sim);
    let want: Vec<u64> = st
        .gp()
        .send()
        .await
        .unwrap()
        .iter()
        .map(|r| u64::from(r.norad_cat_id))
        .collect();
    let ids: Vec<u64> = lines
        .iter()
        .map(|r| r["NORAD_CAT_ID"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, want, "the answer's order, kept");

    // A bad record past the first batches: everything before it is
    // written, then the command fails.
    sim.inject([Fault::BadRecords { every: 2_500 }]);
    let strict = cli.run(&["query", "gp", "--format", "ndjson"]).await;
    assert_eq!(strict.code, 7, "{}", strict.stderr);
    let written: Vec<&str> = strict.stdout.lines().collect();
    assert_eq!(written.len(), 2_499, "the records before the bad one");
    assert_eq!(
        written[..],
        ndjson.stdout.lines().take(2_499).collect::<Vec<_>>()[..]
    );
}

#[tokio::test]
async fn mirror_sync_status_export_and_a_too_early_sync() {
    let sim = sim(120).await;
    let home = TempDir::new("cli-mirror");
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let cli = Cli::new(&sim, &home);
    let first = cli.run(&["mirror", "sync", "--db", &db]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("gp: 2 request(s)"),
        "{}",
        first.stderr
    );
    // Straight away: nothing is due, nothing is sent, its own exit code.
    let sent = query_paths(&sim).len();
    let early = cli.run(&["mirror", "sync", "--db", &db]).await;
    assert_eq!(early.code, 11, "{}", early.stderr);
    assert!(early.stderr.contains("too early"), "{}", early.stderr);
    assert_eq!(query_paths(&sim).len(), sent);
    let forced = cli
        .run(&["mirror", "sync", "--db", &db, "--class", "gp", "--force"])
        .await;
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stderr.contains("0 written"), "{}", forced.stderr);

    let status = cli.run(&["mirror", "status", "--db", &db]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    let gp_line = status
        .stdout
        .lines()
        .find(|l| l.starts_with("gp "))
        .unwrap();
    assert!(
        gp_line.split_whitespace().nth(1) == Some("120"),
        "{}",
        status.stdout
    );

    // Exports read back equal the server's answer.
    let out = home.0.join("gp.ndjson");
    let exported = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "gp",
            "-o",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let mut ours: Vec<spacetrack::Gp> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let client = spacetrack_tests::client_for(&sim);
    let mut theirs = client.gp().send().await.unwrap();
    ours.sort_by_key(|g| g.gp_id);
    theirs.sort_by_key(|g| g.gp_id);
    assert_eq!(ours, theirs);
    let csv = home.0.join("satcat.csv");
    let exported = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "satcat",
            "--format",
            "csv",
            "-o",
            csv.to_str().unwrap(),
        ])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("INTLDES,NORAD_CAT_ID,"), "{}", &text[..80]);
    assert_eq!(text.lines().count(), 121);
    let pq = home.0.join("gp.parquet");
    // A file of the user's named like another export's temporary file is
    // left alone (temporary files are FILE.partial).
    std::fs::write(home.0.join("gp.partial"), "mine").unwrap();
    let exported = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "gp",
            "--format",
            "parquet",
            "-o",
            pq.to_str().unwrap(),
        ])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let bytes = std::fs::read(&pq).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    assert!(!home.0.join("gp.parquet.partial").exists());
    assert_eq!(
        std::fs::read_to_string(home.0.join("gp.partial")).unwrap(),
        "mine"
    );
    // A missing folder is named.
    let nodir = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "gp",
            "-o",
            home.0.join("nodir/gp.ndjson").to_str().unwrap(),
        ])
        .await;
    assert_ne!(nodir.code, 0);
    assert!(
        nodir.stderr.contains("nodir") && !nodir.stderr.contains(".partial"),
        "{}",
        nodir.stderr
    );
    let unknown = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "tle",
            "-o",
            csv.to_str().unwrap(),
        ])
        .await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

#[tokio::test]
async fn a_killed_mirror_sync_resumes() {
    let sim = sim(300).await;
    let home = TempDir::new("cli-mirror-kill");
    let db = format!("sqlite:{}", home.0.join("m.db").display());
    let cli = Cli::new(&sim, &home);
    // The third answer trickles: the process is killed while it arrives,
    // after gp's batches were committed (classes one after another, so the
    // third request is satcat's).
    sim.inject([
        Fault::Pass,
        Fault::Pass,
        // Long enough to kill the process mid-answer, short enough that
        // the simulator's blocked answer thread ends soon after the test.
        Fault::SlowBody(std::time::Duration::from_secs(2)),
    ]);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
    against(&mut cmd, &sim, &home.0);
    cmd.args([
        "--max-per-minute",
        "600",
        "mirror",
        "sync",
        "--db",
        &db,
        "--classes-at-once",
        "1",
    ])
    .env("HOME", &home.0)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    for _ in 0..200 {
        if query_paths(&sim).len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(query_paths(&sim).len(), 3);
    child.kill().await.unwrap();
    sim.clear_faults();
    // The killed run's lease does not hold the next one back.
    let resumed = cli.run(&["mirror", "sync", "--db", &db, "--force"]).await;
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(!resumed.stderr.contains("holds it"), "{}", resumed.stderr);
    let out = home.0.join("satcat.ndjson");
    let exported = cli
        .run(&[
            "mirror",
            "export",
            "--db",
            &db,
            "--class",
            "satcat",
            "-o",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 300);
}

//! Issue 25, item 6: one command line, not two dialects. Every class and
//! column in both spellings, help that lists only what applies, and
//! `spacetrack sim --fault`.

use std::process::Stdio;

use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, query_paths};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` (against `sim` when given), in `home`.
async fn run(sim: Option<&Simulator>, home: &TempDir, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home.0)
        .env("XDG_CACHE_HOME", home.0.join("cache"))
        .env("XDG_CONFIG_HOME", home.0.join("config"))
        .stdin(Stdio::null());
    if let Some(sim) = sim {
        cmd.env("SPACETRACK_BASE_URL", sim.base_url())
            .env("SPACETRACK_ALLOW_HTTP", "1")
            .env("SPACETRACK_IDENTITY", sim.identity())
            .env("SPACETRACK_PASSWORD", sim.password());
    }
    let out = cmd.output().await.expect("run spacetrack");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The name `query` lists for a class (snake case, or
/// `controller-class` when two controllers share the class).
fn canonical(info: &spacetrack::ClassInfo) -> String {
    let shared = spacetrack::CLASSES
        .iter()
        .filter(|c| c.class == info.class)
        .count()
        > 1;
    if shared {
        format!("{}-{}", info.controller, info.class)
    } else {
        info.class.to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_class_takes_both_spellings() {
    let home = TempDir::new("cli-dialects");
    let mut checked = 0;
    for info in spacetrack::CLASSES {
        let name = canonical(info);
        for spelling in [name.replace('_', "-"), name.replace('-', "_")] {
            let r = run(None, &home, &["query", &spelling, "--help"]).await;
            assert_eq!(r.code, 0, "query {spelling}: {}", r.stderr);
            assert!(
                r.stdout
                    .contains(&format!("Usage: spacetrack query {name} ")),
                "query {spelling} --help is {name}'s: {}",
                r.stdout
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * spacetrack::CLASSES.len());

    // And a query sent in the other spellings: the same request.
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let kebab = run(
        Some(&sim),
        &home,
        &["query", "cdm-public", "--sat-1-id", "25544", "-f", "csv"],
    )
    .await;
    let snake = run(
        Some(&sim),
        &home,
        &["query", "cdm_public", "--sat_1_id", "25544", "-f", "csv"],
    )
    .await;
    assert_eq!(kebab.code, 0, "{}", kebab.stderr);
    assert_eq!(snake.code, 0, "{}", snake.stderr);
    assert_eq!(kebab.stdout, snake.stdout);
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0], paths[1]);
    assert!(
        paths[0].contains("/class/cdm_public/sat_1_id/25544/"),
        "{}",
        paths[0]
    );
}

#[tokio::test]
async fn commands_that_send_nothing_list_no_network_option() {
    let home = TempDir::new("cli-dialects-help");
    let network = ["--retries", "--redis", "--max-per-minute", "--config"];
    for args in [
        &["mirror", "status", "--help"][..],
        &["mirror", "export", "--help"],
        &["sim", "--help"],
        &["completions", "--help"],
    ] {
        let r = run(None, &home, args).await;
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        for flag in network {
            assert!(
                !r.stdout.contains(flag),
                "{args:?} lists {flag}:\n{}",
                r.stdout
            );
        }
    }
    // Where they apply, they are listed.
    for args in [
        &["mirror", "sync", "--help"][..],
        &["query", "gp", "--help"],
        &["schemas", "pull", "--help"],
    ] {
        let r = run(None, &home, args).await;
        for flag in network {
            assert!(r.stdout.contains(flag), "{args:?} lacks {flag}");
        }
    }
    // Given to a command that sends nothing: a usage error naming it.
    let db = home.0.join("m.db");
    let db = format!("sqlite:{}", db.display());
    let r = run(
        None,
        &home,
        &["mirror", "status", "--db", &db, "--retries", "3"],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("does not apply"), "{}", r.stderr);
    // Before the subcommand, as a global option: accepted, nothing to do.
    let r = run(
        None,
        &home,
        &["--retries", "3", "mirror", "status", "--db", &db],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);

    // export's options all say what they are, parquet included.
    let r = run(None, &home, &["mirror", "export", "--help"]).await;
    let options = &r.stdout[r.stdout.find("Options:").unwrap()..];
    for line in [
        "--class <CLASS>",
        "-o, --output <FILE>",
        "--format <FORMAT>",
    ] {
        let i = options.find(line).unwrap_or_else(|| panic!("{line}"));
        let help = options[i + line.len()..].lines().nth(1).unwrap_or("");
        assert!(!help.trim().is_empty(), "{line} has no help:\n{}", r.stdout);
    }
    let words = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("parquet (columnar"), "{}", r.stdout);
}

/// Starts `spacetrack sim` with `args` and returns the child and its
/// environment (base URL, credentials).
async fn spawn_sim(args: &[&str]) -> (tokio::process::Child, Vec<(String, String)>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"))
        .arg("sim")
        .args(args)
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
    let text = std::fs::read_to_string(env_file.expect("an env file")).unwrap();
    let vars = text
        .lines()
        .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (child, vars)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_faults_repeat_every_nth_query() {
    let (mut child, vars) = spawn_sim(&[
        "--objects",
        "30",
        "--seed",
        "7",
        "--no-account-limits",
        "--fault",
        "status=502:2",
        "--fault",
        "truncate-body:3",
    ])
    .await;
    let var = |k: &str| {
        vars.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let st = spacetrack::Client::builder()
        .base_url(var("SPACETRACK_BASE_URL"))
        .allow_http(true)
        .identity(var("SPACETRACK_IDENTITY"))
        .password(var("SPACETRACK_PASSWORD"))
        .retry(spacetrack::RetryPolicy::none())
        .modeldef_cache_dir(None)
        .build()
        .unwrap();
    // Query i: 502 when 2 divides i, else cut short when 3 does, else
    // answered; the pattern goes on.
    let mut seen = Vec::new();
    for _ in 0..12 {
        let outcome = match st.satcat().send().await {
            Ok(rows) => {
                assert_eq!(rows.len(), 30);
                "ok"
            }
            Err(spacetrack::Error::Api { status: 502, .. }) => "502",
            Err(_) => "cut",
        };
        seen.push(outcome);
    }
    assert_eq!(
        seen,
        [
            "ok", "502", "cut", "502", "ok", "502", "ok", "502", "cut", "502", "ok", "502"
        ]
    );
    let _ = child.kill().await;
}

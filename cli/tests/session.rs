//! Issue 24, item 3, on the command line: the runs of an account share one
//! session kept in the cache folder (owner-only, never printed), reused
//! until Space-Track expires it; `spacetrack logout` ends it. Logins are
//! counted at the simulator.

mod support;

use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, logins, paths_with};
use support::{command, run};

fn session_files(home: &TempDir) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(home.0.join("cache/spacetrack-rs/sessions"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "session"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_runs_log_in_once_until_the_session_expires_or_logout() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let home = TempDir::new("cli-session");
    for i in 0..10 {
        let r = run(
            &sim,
            &home,
            &["query", "boxscore", "--country", "US", "-f", "csv"],
        )
        .await;
        assert_eq!(r.code, 0, "run {i}: {}", r.stderr);
    }
    assert_eq!(logins(&sim), 1, "ten runs, one login");
    assert_eq!(sim.logins_for(sim.identity()), 1);
    assert!(
        sim.guidance_breaches()
            .iter()
            .all(|b| b.rule != "login-storm")
    );
    assert!(paths_with(&sim, "logout").is_empty(), "the session is kept");

    // The stored session: owner-only, never printed.
    let files = session_files(&home);
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files[0]), 0o600);
        assert_eq!(mode(files[0].parent().unwrap()), 0o700);
    }
    let r = run(
        &sim,
        &home,
        &["-vv", "query", "boxscore", "--country", "US"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    for token in sim.session_tokens() {
        assert!(!r.stderr.contains(&token) && !r.stdout.contains(&token));
    }

    // Space-Track expires it: one run logs in again, once; the next reuse it.
    sim.expire_sessions();
    for _ in 0..3 {
        let r = run(&sim, &home, &["query", "launch_site", "-f", "csv"]).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert_eq!(logins(&sim), 2);

    // logout ends it on the server and here; the next run logs in.
    let r = run(&sim, &home, &["logout"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paths_with(&sim, "logout").len(), 1);
    assert!(session_files(&home).is_empty());
    let r = run(&sim, &home, &["query", "launch_site", "-f", "csv"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(logins(&sim), 3);

    // --no-session-cache: a login of its own, ended when the run ends.
    let r = run(&sim, &home, &["--no-session-cache", "query", "launch_site"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(logins(&sim), 4);
    assert_eq!(paths_with(&sim, "logout").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_at_once_share_one_login() {
    let sim = Simulator::builder()
        .objects(50)
        // A slow login, so that the runs overlap it.
        .login_trickle(std::time::Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-session-parallel");
    let args = ["query", "boxscore", "--country", "US", "-f", "csv"];
    let runs = futures_util::future::join_all((0..4).map(|_| run(&sim, &home, &args))).await;
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert_eq!(logins(&sim), 1, "four processes, one login");
}

/// A refused password is shared through the session store: runs of the
/// account (four at once, then three in a row) send one refused login
/// between them, not seven (each refused login counts toward Space-Track
/// locking the account). Another password is sent and the corrected one
/// logs in at once; the hour's cap of refusals holds every password until
/// `spacetrack logout` clears the note. Counted at the simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_password_is_not_sent_again_by_the_next_runs() {
    let sim = Simulator::builder()
        .objects(50)
        .login_trickle(std::time::Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let home = TempDir::new("cli-refused");
    let with = |password: &'static str| {
        let (sim, home) = (&sim, &home);
        async move {
            command(sim, home)
                .env("SPACETRACK_PASSWORD", password)
                .args(["--max-per-minute", "600", "query", "boxscore", "-f", "csv"])
                .output()
                .await
                .unwrap()
        }
    };
    let refused = |r: &std::process::Output, password: &str| {
        let stderr = String::from_utf8_lossy(&r.stderr).into_owned();
        assert_eq!(r.status.code(), Some(3), "{stderr}");
        assert!(!stderr.contains(password), "{stderr}");
        stderr
    };
    let mut runs = futures_util::future::join_all((0..4).map(|_| with("not-the-password"))).await;
    for _ in 0..3 {
        runs.push(with("not-the-password").await);
    }
    for r in &runs {
        refused(r, "not-the-password");
    }
    assert_eq!(logins(&sim), 1, "seven runs, one refused login");
    assert_eq!(sim.logins(), 0, "none succeeded");
    let last = refused(&runs[6], "not-the-password");
    assert!(last.contains("so that the account is not locked"), "{last}");

    // Other credentials are tried (the note tells them apart without
    // keeping them), and the corrected password logs in at once.
    refused(&with("also-wrong").await, "also-wrong");
    assert_eq!(logins(&sim), 2, "a different password is sent");
    let r = run(&sim, &home, &["query", "boxscore", "-f", "csv"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((logins(&sim), sim.logins()), (3, 1));

    // The hour's cap holds every password, the right one too, until a
    // logout clears the note.
    let r = run(&sim, &home, &["logout"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    for password in ["wrong-a", "wrong-b", "wrong-c"] {
        refused(&with(password).await, password);
    }
    assert_eq!(logins(&sim), 6, "three different passwords, three logins");
    let capped = refused(&with("wrong-d").await, "wrong-d");
    assert!(
        capped.contains("refused logins for this account in the last hour"),
        "{capped}"
    );
    let r = run(&sim, &home, &["query", "boxscore", "-f", "csv"]).await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(logins(&sim), 6, "nothing sent under the cap");

    let r = run(&sim, &home, &["logout"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&sim, &home, &["query", "boxscore", "-f", "csv"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((logins(&sim), sim.logins()), (7, 2));
}

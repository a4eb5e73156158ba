//! Running the `spacetrack` binary against a simulator, in a private home
//! (its cache folder holds the account's ledgers, sessions and answers).

// Each test binary uses part of it.
#![allow(dead_code)]

use std::process::Stdio;

use spacetrack_sim::Simulator;
use spacetrack_tests::TempDir;

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `spacetrack --max-per-minute 600 ARGS` against `sim` with its
/// credentials and nothing else of the caller's environment.
pub async fn run(sim: &Simulator, home: &TempDir, args: &[&str]) -> Run {
    let out = command(sim, home)
        .args(["--max-per-minute", "600"])
        .args(args)
        .output()
        .await
        .expect("run spacetrack");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The binary, set to run against `sim` with its credentials in the
/// private home `home` and nothing else of the caller's environment.
pub fn command(sim: &Simulator, home: &TempDir) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_spacetrack"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home.0)
        .env("XDG_CACHE_HOME", home.0.join("cache"))
        .env("XDG_CONFIG_HOME", home.0.join("config"))
        .env("SPACETRACK_BASE_URL", sim.base_url())
        .env("SPACETRACK_ALLOW_HTTP", "1")
        .env("SPACETRACK_IDENTITY", sim.identity())
        .env("SPACETRACK_PASSWORD", sim.password())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

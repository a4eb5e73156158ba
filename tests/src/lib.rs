//! Helpers shared by the end-to-end tests.

use std::time::Duration;

use spacetrack::{Client, Rate, RetryPolicy};
use spacetrack_sim::Simulator;

mod logs;
pub use logs::Logs;

/// Starts a simulator with `objects` objects and a client for it.
pub async fn sim_and_client(objects: usize) -> (Simulator, Client) {
    let sim = Simulator::builder()
        .objects(objects)
        .start()
        .await
        .expect("simulator starts");
    let client = client_for(&sim);
    (sim, client)
}

/// A client logged into `sim`'s account, with a generous limiter and short
/// retry waits so tests run fast (the limiter itself is tested on its own).
pub fn client_for(sim: &Simulator) -> Client {
    builder_for(sim).build().expect("client builds")
}

/// The builder behind [`client_for`].
pub fn builder_for(sim: &Simulator) -> spacetrack::ClientBuilder {
    use spacetrack::sim::SimulatorExt;
    // A limiter all the same (generous), so that every test exercises it.
    sim.client_builder()
        .rate_limits([Rate::new(10_000, Duration::from_secs(1)).burst(1_000)])
        .retry(fast_retries())
        // Tests that exercise the disk cache pass their own folder.
        .modeldef_cache_dir(None)
}

/// Retries as by default, with millisecond waits.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        rate_limit_wait: Duration::from_millis(20),
        transient_min_delay: Duration::from_millis(5),
        transient_max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

/// The largest number of requests among `times` in any window of `period`.
pub fn max_in_window(times: &[std::time::SystemTime], period: Duration) -> usize {
    let mut t: Vec<_> = times.to_vec();
    t.sort();
    let mut max = 0;
    let mut j = 0;
    for i in 0..t.len() {
        while t[i].duration_since(t[j]).unwrap_or_default() >= period {
            j += 1;
        }
        max = max.max(i - j + 1);
    }
    max
}

/// How many login requests `sim` received.
pub fn logins(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.ends_with("ajaxauth/login"))
        .count()
}

/// Paths of the query requests `sim` received.
pub fn query_paths(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains("/query/"))
        .map(|r| r.path)
        .collect()
}

/// A fresh private folder under the system temp folder, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Creates `spacetrack-test-<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("spacetrack-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Paths of the requests `sim` received whose path contains `part`.
pub fn paths_with(sim: &Simulator, part: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains(part))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Runs `processes` copies of the `limit-worker` binary at `worker` (pass
/// `env!("CARGO_BIN_EXE_limit-worker")`), each sending `n` queries to `sim`
/// through a client whose ledger is `store` (`memory`, `file:DIR` or a
/// Redis URL), and returns when the server received each query.
pub fn run_limit_workers(
    worker: &str,
    sim: &Simulator,
    store: &str,
    prefix: &str,
    processes: usize,
    n: usize,
) -> Vec<std::time::SystemTime> {
    sim.clear_requests();
    let children: Vec<_> = (0..processes)
        .map(|_| {
            std::process::Command::new(worker)
                .args([
                    &sim.base_url(),
                    sim.identity(),
                    store,
                    prefix,
                    &n.to_string(),
                ])
                .env("SPACETRACK_PASSWORD", sim.password())
                .spawn()
                .expect("limit-worker starts")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("limit-worker ends").success());
    }
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains("/query/"))
        .map(|r| r.at)
        .collect()
}

/// Reads a stream asked for with `started` to its end: how many items came,
/// and the error it ended with, whether the error came at the start (from
/// `stream()` itself) or mid-way.
pub async fn drain<T, S>(started: spacetrack::Result<S>) -> (usize, Option<spacetrack::Error>)
where
    S: futures_util::Stream<Item = spacetrack::Result<T>> + Unpin,
{
    use futures_util::TryStreamExt;
    let mut s = match started {
        Ok(s) => s,
        Err(e) => return (0, Some(e)),
    };
    let mut n = 0;
    loop {
        match s.try_next().await {
            Ok(Some(_)) => n += 1,
            Ok(None) => return (n, None),
            Err(e) => return (n, Some(e)),
        }
    }
}

/// For hand-written loopback servers: a login answer with a session cookie.
pub const LOGIN_OK: &[u8] = b"HTTP/1.1 200 OK\r\nSet-Cookie: chocolatechip=t0k3n; path=/\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n\"\"";

/// For hand-written loopback servers: reads a request's head from `sock`
/// and returns its path, or `None` if the peer went away first.
pub async fn request_path(sock: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    Some(head.split_whitespace().nth(1).unwrap_or("").to_owned())
}

/// A private PostgreSQL server in a temp folder, on a free loopback port,
/// stopped on drop. `.ci/run` installs PostgreSQL and sets
/// `SPACETRACK_REQUIRE_POSTGRES=1`, so CI cannot skip the tests that use it.
pub struct Postgres {
    dir: TempDir,
    bin: std::path::PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
}

impl Postgres {
    /// Starts one, or says why it cannot (and returns `None`).
    pub fn start() -> Option<Postgres> {
        match Postgres::try_start() {
            Ok(p) => Some(p),
            Err(e) => {
                if std::env::var_os("SPACETRACK_REQUIRE_POSTGRES").is_some() {
                    panic!("PostgreSQL is required here but cannot start: {e}");
                }
                eprintln!("SKIPPED: PostgreSQL cannot start ({e}); install it to run this test");
                None
            }
        }
    }

    /// The folder holding `initdb`, `pg_ctl` and `postgres`.
    fn bin_dir() -> Option<std::path::PathBuf> {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut versions: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
            .unwrap_or_default();
        versions.sort();
        versions.reverse();
        on_path
            .into_iter()
            .chain(versions)
            .chain([std::path::PathBuf::from("/usr/local/pgsql/bin")])
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    }

    /// Runs a PostgreSQL program, as the `postgres` user when we are root
    /// (PostgreSQL refuses to run as root).
    fn run(bin: &std::path::Path, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = bin.join(program);
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0\n"))
            .unwrap_or(false);
        let mut cmd = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn try_start() -> Result<Postgres, String> {
        let bin = Postgres::bin_dir().ok_or("initdb and pg_ctl not found")?;
        let dir = TempDir::new("postgres");
        // The server's user must own its folder.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o777));
        }
        let data = dir.0.join("data");
        let data_s = data.to_str().ok_or("temp path")?;
        Postgres::run(
            &bin,
            "initdb",
            &[
                "-D",
                data_s,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| e.to_string())?
            .local_addr()
            .map_err(|e| e.to_string())?
            .port();
        // Dates in a style other than ISO and floats at 15 digits (what a
        // server configured otherwise, or before PostgreSQL 12, sends):
        // clients must not depend on the defaults.
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c datestyle=SQL,DMY -c extra_float_digits=0",
            dir.0.display()
        );
        let log = dir.0.join("log");
        Postgres::run(
            &bin,
            "pg_ctl",
            &[
                "-D",
                data_s,
                "-l",
                log.to_str().ok_or("temp path")?,
                "-o",
                &opts,
                "-w",
                "start",
            ],
        )?;
        Ok(Postgres {
            dir,
            bin,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.0.join("data");
        let _ = Postgres::run(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or(""),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

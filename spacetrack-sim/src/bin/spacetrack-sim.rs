//! Runs the Space-Track simulator until interrupted.
//!
//! ```text
//! spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N] [--answer-cache-mb N]
//! ```

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut builder = spacetrack_sim::Simulator::builder();
    let mut args = std::env::args().skip(1);
    let mut port = 0u16;
    while let Some(arg) = args.next() {
        let mut num = |name: &str| -> Option<u64> {
            let v = args.next().and_then(|v| v.parse().ok());
            if v.is_none() {
                eprintln!("{name} needs a number");
            }
            v
        };
        match arg.as_str() {
            "--port" => match num("--port") {
                Some(p) => port = p as u16,
                None => return std::process::ExitCode::from(2),
            },
            "--objects" => match num("--objects") {
                Some(n) => builder = builder.objects(n as usize),
                None => return std::process::ExitCode::from(2),
            },
            "--seed" => match num("--seed") {
                Some(n) => builder = builder.seed(n),
                None => return std::process::ExitCode::from(2),
            },
            "--history-depth" => match num("--history-depth") {
                Some(n) => builder = builder.history_depth(n as usize),
                None => return std::process::ExitCode::from(2),
            },
            "--answer-cache-mb" => match num("--answer-cache-mb") {
                Some(n) => builder = builder.answer_cache_bytes(n as usize * (1 << 20)),
                None => return std::process::ExitCode::from(2),
            },
            _ => {
                eprintln!(
                    "usage: spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N] [--answer-cache-mb N]"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    builder = builder.bind(SocketAddr::from(([127, 0, 0, 1], port)));
    let sim = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the simulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Space-Track simulator listening on {}", sim.base_url());
    // The throwaway credentials go to an owner-only file, never to the
    // terminal or a log.
    let env_file = std::env::temp_dir().join(format!("spacetrack-sim-{}.env", sim.addr().port()));
    let vars = [
        ("BASE_URL", sim.base_url()),
        ("ALLOW_HTTP", "1".to_owned()),
        ("IDENTITY", sim.identity().to_owned()),
        ("PASSWORD", sim.password().to_owned()),
    ];
    let contents: String = vars
        .iter()
        .map(|(name, value)| format!("export SPACETRACK_{name}={value}\n"))
        .collect();
    if let Err(e) = write_private(&env_file, &contents) {
        eprintln!("cannot write {}: {e}", env_file.display());
        return std::process::ExitCode::FAILURE;
    }
    println!("Point a client at it with:  source {}", env_file.display());
    // Ctrl-C or SIGTERM (a script stopping it): remove the file either way.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    let _ = std::fs::remove_file(&env_file);
    std::process::ExitCode::SUCCESS
}

/// Writes `contents` to a new file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(contents.as_bytes())
}

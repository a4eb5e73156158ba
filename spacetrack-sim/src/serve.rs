//! Running the simulator as a foreground process: what `spacetrack-sim`
//! and `spacetrack sim` do.

use std::path::{Path, PathBuf};

use crate::{SimBuilder, Simulator};

/// Starts the simulator from `builder`, prints its URL and the path of an
/// owner-only env file holding its throwaway credentials (never the
/// credentials themselves), and serves until Ctrl-C or SIGTERM. The env
/// file is removed on the way out.
pub async fn serve_until_stopped(builder: SimBuilder) -> std::io::Result<()> {
    serve_started(builder.start().await?).await
}

/// [`serve_until_stopped`] for a simulator already started (with faults
/// queued, say).
pub async fn serve_started(sim: Simulator) -> std::io::Result<()> {
    println!("Space-Track simulator listening on {}", sim.base_url());
    let env_file = write_env_file(&sim)?;
    println!("Point a client at it with:  source {}", env_file.display());
    wait_for_stop().await;
    let _ = std::fs::remove_file(&env_file);
    Ok(())
}

/// Writes `export SPACETRACK_...=...` lines for `sim` to an owner-only file
/// in the temporary folder and returns its path.
fn write_env_file(sim: &Simulator) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("spacetrack-sim-{}.env", sim.addr().port()));
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
    write_private(&path, &contents)?;
    Ok(path)
}

/// Waits for Ctrl-C, or SIGTERM on Unix (a script stopping the process).
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Writes `contents` to a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
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
        // The file may have existed with wider permissions.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(contents.as_bytes())
}

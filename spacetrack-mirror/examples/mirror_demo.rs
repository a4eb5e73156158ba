//! A mirror kept against the embedded simulator: sync, let simulated time
//! pass, sync again (only what is new is fetched), then export gp.
//!
//! ```sh
//! cargo run -p spacetrack-mirror --example mirror_demo
//! ```

use chrono::Duration;
use spacetrack_mirror::{ExportFormat, Mirror, Outcome, SyncOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = spacetrack_sim::Simulator::builder()
        .objects(2_000)
        .start()
        .await?;
    let st = spacetrack::Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(sim.password())
        .build()?;
    let dir = std::env::temp_dir().join(format!("spacetrack-mirror-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mirror = Mirror::open(&format!("sqlite:{}", dir.join("mirror.db").display())).await?;
    // The demo runs rounds back to back, so it overrides the cadence.
    let opts = SyncOptions::new().force(true);
    for round in 0..3 {
        let report = mirror.sync(&st, &opts).await?;
        println!("round {round}: {} request(s)", report.requests());
        for c in &report.classes {
            if let Outcome::Synced {
                fetched, applied, ..
            } = &c.outcome
            {
                println!(
                    "  {:<12} {fetched:>6} received {:>6} written {:>4} deleted {:>4} removed",
                    c.class, applied.written, applied.deleted, applied.removed
                );
            }
        }
        sim.advance(Duration::hours(12));
    }
    for s in mirror.status().await? {
        println!("{:<12} {:>7} rows", s.class, s.rows);
    }
    let path = dir.join("gp.ndjson");
    let n = mirror
        .export(
            "gp",
            ExportFormat::Ndjson,
            std::fs::File::create(&path)?,
            false,
        )
        .await?;
    println!("{n} gp rows exported to {}", path.display());
    st.close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

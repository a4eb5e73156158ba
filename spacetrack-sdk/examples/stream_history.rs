//! Streams a large element-set history to disk, one JSON record per line,
//! in constant memory: records are written as they arrive, never held as
//! a whole answer (a full gp_history download is many gigabytes).
//!
//! A body cut short ends the stream with an error, never early, so the
//! output is renamed into place only once complete.
//!
//! ```text
//! cargo run -p spacetrack --example stream_history -- [out.ndjson] [days]
//! ```

mod common;

use std::io::Write;
use std::time::Instant;

use futures_util::TryStreamExt;
use spacetrack::{GpHistoryField, op};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().unwrap_or("history.ndjson".into()));
    let days: f64 = args.next().map_or(Ok(3.0), |a| a.parse())?;
    let conn = common::connect().await?;
    let st = &conn.client;

    let started = Instant::now();
    let mut history = st
        .gp_history()
        .epoch(op::gt(op::now_minus_days(days)))
        .order_by(GpHistoryField::Epoch)
        .stream()
        .await?;
    let tmp = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut records = 0u64;
    while let Some(gp) = history.try_next().await? {
        serde_json::to_writer(&mut out, &gp)?;
        out.write_all(b"\n")?;
        records += 1;
    }
    out.into_inner()?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{records} element sets from the last {days} days -> {} ({:.1} MB) in {secs:.2} s",
        path.display(),
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );
    st.logout().await?;
    Ok(())
}

//! Keeps a local copy of the current element sets of the whole catalog in
//! a JSON file, downloading only what changed since the last run.
//!
//! The first run fetches every object in orbit (Space-Track's recommended
//! query: `decay_date/null-val/epoch/>now-30`). Later runs ask only for
//! element sets newer than the newest `GP_ID` already held, and merge them
//! by NORAD number. The file is replaced atomically, so an interrupted sync
//! never leaves half a catalog.
//!
//! ```text
//! cargo run -p spacetrack --example catalog_sync -- [catalog.json]
//! ```

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures_util::TryStreamExt;
use spacetrack::{Gp, GpField, op};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(std::env::args().nth(1).unwrap_or("catalog.json".into()));
    let conn = common::connect().await?;
    let st = &conn.client;

    let mut catalog: BTreeMap<u32, Gp> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Vec<Gp>>(&bytes)?
            .into_iter()
            .map(|gp| (gp.norad_cat_id, gp))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(e.into()),
    };
    let newest = catalog.values().map(|gp| gp.gp_id).max();

    let query = match newest {
        // Incremental: only element sets published since the last sync.
        Some(id) => st.gp().gp_id(op::gt(id)),
        None => st
            .gp()
            .decay_date(op::null())
            .epoch(op::gt(op::now_minus_days(30))),
    };
    let mut updates = query.order_by(GpField::GpId).stream().await?;
    let mut changed = 0usize;
    while let Some(gp) = updates.try_next().await? {
        catalog.insert(gp.norad_cat_id, gp);
        changed += 1;
    }

    let tmp = path.with_extension("json.tmp");
    let rows: Vec<&Gp> = catalog.values().collect();
    std::fs::write(&tmp, serde_json::to_vec(&rows)?)?;
    std::fs::rename(&tmp, &path)?;
    println!(
        "{}: {} objects ({} element sets {})",
        path.display(),
        catalog.len(),
        changed,
        if newest.is_some() {
            "updated"
        } else {
            "downloaded"
        }
    );
    st.logout().await?;
    Ok(())
}

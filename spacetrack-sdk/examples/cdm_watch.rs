//! Watches public conjunction data messages (`cdm_public`): prints each new
//! close approach with a time of closest approach still ahead, most
//! probable first, then polls again.
//!
//! Space-Track refreshes CDMs a few times a day; polling every 10 minutes
//! is plenty and stays far below the rate limit.
//!
//! ```text
//! cargo run -p spacetrack --example cdm_watch -- [polls] [minutes between polls]
//! ```

mod common;

use std::time::Duration;

use spacetrack::{CdmPublicField, op};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let polls: u32 = args.next().map_or(Ok(1), |a| a.parse())?;
    let every = Duration::from_secs_f64(args.next().map_or(Ok(10.0), |a| a.parse::<f64>())? * 60.0);
    let conn = common::connect().await?;
    let st = &conn.client;

    let mut last_seen = 0u32;
    for poll in 0..polls {
        if poll > 0 {
            tokio::time::sleep(every).await;
        }
        let new = st
            .cdm_public()
            .cdm_id(op::gt(last_seen))
            .tca(op::gt(op::now()))
            .pc(op::not_null())
            .order_by(CdmPublicField::Pc.desc())
            .send()
            .await?;
        println!(
            "{} new conjunction message(s) at {}",
            new.len(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        for cdm in new.iter().take(10) {
            println!(
                "  TCA {}  Pc {:.1e}  miss {:>6} m  {} ({}) x {} ({})",
                cdm.tca
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                cdm.pc.unwrap_or_default(),
                cdm.min_rng.unwrap_or_default(),
                cdm.sat_1_name.as_deref().unwrap_or("?"),
                cdm.sat_1_id.unwrap_or_default(),
                cdm.sat_2_name.as_deref().unwrap_or("?"),
                cdm.sat_2_id.unwrap_or_default(),
            );
        }
        last_seen = new
            .iter()
            .map(|c| c.cdm_id)
            .max()
            .unwrap_or(last_seen)
            .max(last_seen);
    }
    st.logout().await?;
    Ok(())
}

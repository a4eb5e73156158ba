//! Re-entry report: the latest decay predictions and the Tracking and
//! Impact Prediction (TIP) messages for objects about to re-enter.
//!
//! ```text
//! cargo run -p spacetrack --example decay_report -- [days ahead]
//! ```

mod common;

use spacetrack::{DecayField, TipField, op};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let days: f64 = std::env::args().nth(1).map_or(Ok(7.0), |a| a.parse())?;
    let conn = common::connect().await?;
    let st = &conn.client;

    // TIP messages: re-entry time with its uncertainty window and location.
    let tips = st
        .tip()
        .decay_epoch(op::range(op::now(), op::now_plus_days(days)))
        .order_by(TipField::DecayEpoch)
        .send()
        .await?;
    println!("TIP messages: re-entries in the next {days} days");
    println!(
        "  {:>6}  {:<19}  {:>8}  {:>7}  {:>7}",
        "NORAD", "decay (UTC)", "+/- min", "lat", "lon"
    );
    for t in &tips {
        println!(
            "  {:>6}  {:<19}  {:>8}  {:>7.2}  {:>7.2}",
            t.norad_cat_id.unwrap_or_default(),
            t.decay_epoch.format("%Y-%m-%d %H:%M:%S"),
            t.window,
            t.lat,
            t.lon
        );
    }

    // Decay predictions issued in the last day, newest first.
    let predictions = st
        .decay()
        .msg_type("Prediction")
        .msg_epoch(op::gt(op::now_minus_days(1)))
        .order_by(DecayField::MsgEpoch.desc())
        .send()
        .await?;
    println!("\nDecay predictions issued in the last 24 hours");
    for d in &predictions {
        println!(
            "  {:>6}  {:<25} predicted {}",
            d.norad_cat_id.unwrap_or_default(),
            d.object_name,
            d.decay_epoch
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "?".into())
        );
    }
    st.logout().await?;
    Ok(())
}

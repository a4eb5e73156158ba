//! Quickstart: typed records, a text format, and operators.
//!
//! Runs against the embedded simulator (no account needed), or against
//! Space-Track when `SPACETRACK_IDENTITY` and `SPACETRACK_PASSWORD` are set.
//!
//! ```text
//! cargo run -p spacetrack --example quickstart
//! ```

mod common;

use spacetrack::{Format, GpField, op};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let st = &conn.client;

    // Typed records: every field has its Space-Track column's Rust type.
    let iss: Vec<spacetrack::Gp> = st.gp().norad_cat_id(25544).send().await?;
    for gp in &iss {
        println!(
            "{} ({})",
            gp.object_name.as_deref().unwrap_or("?"),
            gp.norad_cat_id
        );
        println!(
            "  epoch          {}",
            gp.epoch.map(|e| e.to_rfc3339()).unwrap_or_default()
        );
        println!(
            "  mean motion    {:.8} rev/day",
            gp.mean_motion.unwrap_or_default()
        );
        println!(
            "  eccentricity   {:.7}",
            gp.eccentricity.unwrap_or_default()
        );
        println!(
            "  inclination    {:.4} deg",
            gp.inclination.unwrap_or_default()
        );
        println!("  period         {:.3} min", gp.period.unwrap_or_default());
        println!("  apoapsis       {:.1} km", gp.apoapsis.unwrap_or_default());
        println!(
            "  launched       {}",
            gp.launch_date.map(|d| d.to_string()).unwrap_or_default()
        );
    }

    let satcat = st.satcat().norad_cat_id(25544).send().await?;
    if let Some(s) = satcat.first() {
        println!(
            "  satcat         {} launched from {}",
            s.intldes,
            s.site.as_deref().unwrap_or("?")
        );
    }

    // The same query as three-line element sets.
    let tle = st
        .gp()
        .norad_cat_id(25544)
        .send_text(Format::ThreeLe)
        .await?;
    println!("\n{tle}");

    // Operators, ranges and ordering, checked by the compiler.
    let geo = st
        .gp()
        .epoch(op::gt(op::now_minus_days(7)))
        .mean_motion(0.99..=1.01)
        .order_by(GpField::NoradCatId.desc())
        .limit(5)
        .send()
        .await?;
    println!("Five geostationary objects with recent elements:");
    for g in &geo {
        println!(
            "  {:>6}  {}",
            g.norad_cat_id,
            g.object_name.as_deref().unwrap_or("?")
        );
    }

    st.logout().await?;
    Ok(())
}

//! Where is the ISS now? Fetches its latest element set and propagates it
//! with SGP4 (feature `sgp4`).
//!
//! ```text
//! cargo run -p spacetrack --features sgp4 --example iss_position
//! ```

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let st = &conn.client;
    let iss = st
        .gp()
        .norad_cat_id(25544)
        .send()
        .await?
        .pop()
        .ok_or("no element set for NORAD 25544")?;

    // A null element column is a clear error here, not a wrong position.
    let elements = sgp4::Elements::try_from(&iss)?;
    let constants = sgp4::Constants::from_elements(&elements)?;
    let now = chrono::Utc::now().naive_utc();
    let prediction = constants.propagate(elements.datetime_to_minutes_since_epoch(&now)?)?;

    // TEME position to latitude, longitude and altitude over a spherical
    // Earth: good to a few tenths of a degree, plenty for "where is it".
    let [x, y, z] = prediction.position;
    let r = (x * x + y * y + z * z).sqrt();
    let gmst = sgp4::iau_epoch_to_sidereal_time(sgp4::julian_years_since_j2000(&now));
    let lon = (y.atan2(x) - gmst).to_degrees();
    let lon = (lon + 540.0).rem_euclid(360.0) - 180.0;
    let lat = (z / r).asin().to_degrees();
    let [vx, vy, vz] = prediction.velocity;

    println!(
        "{} at {} UTC",
        iss.object_name.as_deref().unwrap_or("ISS"),
        now.format("%Y-%m-%d %H:%M:%S")
    );
    println!(
        "  elements of   {}",
        elements.datetime.format("%Y-%m-%d %H:%M:%S")
    );
    println!("  TEME position {x:.1} {y:.1} {z:.1} km");
    println!("  latitude      {lat:.2}°");
    println!("  longitude     {lon:.2}°");
    println!("  altitude      {:.1} km", r - 6378.137);
    println!(
        "  speed         {:.3} km/s",
        (vx * vx + vy * vy + vz * vz).sqrt()
    );
    st.logout().await?;
    Ok(())
}

//! Feature `sgp4`: gp and gp_history records propagate with the sgp4 crate.

use spacetrack_tests::sim_and_client;

/// Distance from the Earth's centre, km.
fn radius(p: [f64; 3]) -> f64 {
    p.iter().map(|c| c * c).sum::<f64>().sqrt()
}

#[tokio::test]
async fn gp_and_history_records_propagate() {
    let (_sim, st) = sim_and_client(100).await;
    let iss = st.gp().norad_cat_id(25544).send().await.unwrap().remove(0);
    let elements = sgp4::Elements::try_from(&iss).unwrap();
    assert_eq!(elements.norad_id, 25544);
    assert_eq!(elements.mean_motion, iss.mean_motion.unwrap());
    assert_eq!(elements.datetime, iss.epoch.unwrap().naive_utc());
    assert_eq!(elements.object_name.as_deref(), Some("ISS (ZARYA)"));

    let constants = sgp4::Constants::from_elements(&elements).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let t = elements.datetime_to_minutes_since_epoch(&now).unwrap();
    let p = constants.propagate(t).unwrap();
    // A low Earth orbit: the ISS flies 370-460 km above a 6378 km Earth.
    let r = radius(p.position);
    assert!(
        (6700.0..6900.0).contains(&r),
        "ISS at {r} km from the centre"
    );

    let history = st
        .gp_history()
        .norad_cat_id(25544)
        .limit(3)
        .send()
        .await
        .unwrap();
    assert!(!history.is_empty());
    for h in &history {
        let e = sgp4::Elements::try_from(h).unwrap();
        let c = sgp4::Constants::from_elements(&e).unwrap();
        let r = radius(c.propagate(sgp4::MinutesSinceEpoch(0.0)).unwrap().position);
        assert!((6500.0..7100.0).contains(&r), "{r}");
    }
}

#[tokio::test]
async fn a_missing_element_is_a_clear_error() {
    let (_sim, st) = sim_and_client(20).await;
    let mut gp = st.gp().norad_cat_id(25544).send().await.unwrap().remove(0);
    gp.mean_motion = None;
    let e = sgp4::Elements::try_from(&gp).unwrap_err();
    assert_eq!(
        (e.class, e.norad_cat_id, e.column),
        ("gp", 25544, "MEAN_MOTION")
    );
    assert!(e.to_string().contains("MEAN_MOTION is null"), "{e}");

    gp.mean_motion = Some(15.5);
    gp.epoch = None;
    assert_eq!(sgp4::Elements::try_from(&gp).unwrap_err().column, "EPOCH");

    gp.epoch = Some(chrono::Utc::now());
    gp.classification_type = Some("X".into());
    assert_eq!(
        sgp4::Elements::try_from(gp).unwrap_err().column,
        "CLASSIFICATION_TYPE"
    );
}

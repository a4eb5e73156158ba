//! Issue 24, item 6: the simulator checks its clients' manners on its own
//! side of the wire. Each rule of the usage guidance is breached over HTTP
//! by a client whose own guidance is off, and the server's handle reports
//! it (rule and path), with logins per account and queries served.

use std::time::Duration;

use spacetrack::guidance::Policy;
use spacetrack::{GpHistoryField, op};
use spacetrack_sim::{GuidanceRules, Simulator};
use spacetrack_tests::builder_for;

fn rules(sim: &Simulator) -> Vec<&'static str> {
    sim.guidance_breaches().iter().map(|b| b.rule).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_is_flagged_by_the_server_with_its_path() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = builder_for(&sim).policy(Policy::Off).build().unwrap();
    let ids = sim.norad_ids();

    // One broad gp query is fine; the same again within the hour is not.
    let broad = || st.gp().epoch(op::gt(op::now_minus_days(10)));
    broad().send().await.unwrap();
    assert_eq!(rules(&sim), Vec::<&str>::new());
    broad().send().await.unwrap();
    assert_eq!(rules(&sim), ["cadence"]);
    let breach = &sim.guidance_breaches()[0];
    assert!(
        breach
            .path
            .to_ascii_lowercase()
            .contains("/class/gp/epoch/"),
        "{}",
        breach.path
    );
    // Once the simulated clock has passed the cadence it is due again.
    sim.advance(chrono::Duration::minutes(61));
    broad().send().await.unwrap();
    assert_eq!(rules(&sim), ["cadence"]);

    // gp_history for current elements.
    st.gp_history()
        .norad_cat_id(ids[0])
        .order_by(GpHistoryField::Epoch.desc())
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(rules(&sim)[1], "history-for-current");
    assert!(
        sim.guidance_breaches()[1]
            .path
            .contains("/class/gp_history/")
    );

    // Ten single-object satcat queries within a minute.
    for id in &ids[..10] {
        st.satcat().norad_cat_id(*id).send().await.unwrap();
    }
    assert_eq!(rules(&sim)[2..], ["one-query-per-object"]);
    assert!(
        sim.guidance_breaches()[2]
            .path
            .to_ascii_lowercase()
            .contains(&format!("/norad_cat_id/{}/", ids[9]))
    );

    // A removed class: Space-Track answers 400, and the server flags it.
    let removed = st
        .request("tle_latest")
        .controller("basicspacedata")
        .send_json()
        .await;
    assert!(removed.is_err(), "{removed:?}");
    assert_eq!(rules(&sim)[3..], ["removed-class"]);

    // Every request above was a query served but the removed class
    // (answered, with its 400): 3 + 1 + 10 + 1.
    assert_eq!(sim.queries(), 15);
    assert_eq!(sim.logins_for(sim.identity()), 1, "one session for all");

    // A login storm: four clients of one account within a minute (the
    // first client's login is an hour ago on the simulated clock).
    for _ in 0..4 {
        let other = builder_for(&sim).policy(Policy::Off).build().unwrap();
        other.launch_site().send().await.unwrap();
    }
    assert_eq!(sim.logins(), 5);
    assert_eq!(sim.logins_for(&sim.identity().to_uppercase()), 5);
    assert_eq!(rules(&sim)[4..], ["login-storm"]);
    assert_eq!(sim.guidance_breaches()[4].path, sim.identity());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_windows_are_the_configured_ones() {
    let sim = Simulator::builder()
        .objects(50)
        .guidance_rules(
            GuidanceRules {
                burst: 3,
                ..Default::default()
            }
            .cadence("launch_site", Duration::from_secs(3600))
            .cadence("gp", Duration::from_secs(600)),
        )
        .start()
        .await
        .unwrap();
    let st = builder_for(&sim).policy(Policy::Off).build().unwrap();
    st.launch_site().send().await.unwrap();
    st.launch_site().send().await.unwrap();
    assert_eq!(rules(&sim), ["cadence"], "a cadence the defaults lack");
    let broad = || st.gp().decay_date(None);
    broad().send().await.unwrap();
    sim.advance(chrono::Duration::minutes(11));
    broad().send().await.unwrap();
    assert_eq!(rules(&sim), ["cadence"], "ten minutes, not an hour");
    for id in sim.norad_ids().into_iter().take(3) {
        st.tip().norad_cat_id(id).send().await.unwrap();
    }
    assert_eq!(rules(&sim), ["cadence", "one-query-per-object"]);
}

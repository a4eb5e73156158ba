//! The blocking client, from plain threads, against the simulator.

use spacetrack::{Error, Format, GpField};
use spacetrack_sim::Simulator;
use spacetrack_tests::{builder_for, paths_with};

/// A simulator served by its own runtime, so the test thread has none.
fn sim(objects: usize) -> (tokio::runtime::Runtime, Simulator) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(Simulator::builder().objects(objects).start())
        .unwrap();
    (rt, sim)
}

fn client(sim: &Simulator) -> spacetrack::blocking::Client {
    spacetrack::blocking::Client::from_async(builder_for(sim).build().unwrap()).unwrap()
}

#[test]
fn typed_queries_without_await() {
    let (rt, sim) = sim(500);
    let st = client(&sim);
    let iss = st.gp().norad_cat_id(25544).send().unwrap();
    assert_eq!(iss.len(), 1);
    assert_eq!(iss[0].object_name.as_deref(), Some("ISS (ZARYA)"));

    // The same answer as the async client.
    let async_st = builder_for(&sim).build().unwrap();
    let all_async = rt
        .block_on(async_st.gp().order_by(GpField::NoradCatId).send())
        .unwrap();
    let all = st.gp().order_by(GpField::NoradCatId).send().unwrap();
    assert_eq!(all, all_async);
    assert_eq!(all.len(), 500);

    let streamed: Vec<_> = st
        .gp()
        .order_by(GpField::NoradCatId)
        .stream()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(streamed, all);

    let tle_lines = st
        .gp()
        .norad_cat_id(25544)
        .lines(Format::Tle)
        .unwrap()
        .count();
    assert_eq!(tle_lines, 2);

    let page = st.satcat().limit(3).send_with_metadata().unwrap();
    assert_eq!(page.rows.len(), 3);
    assert_eq!(page.total(), Some(500));

    let picked = st
        .gp()
        .norad_cat_id(25544)
        .select([GpField::NoradCatId, GpField::ObjectName])
        .send()
        .unwrap();
    assert_eq!(picked[0].len(), 2);

    // Anything else through run().
    let file = st
        .run(|c| async move { c.fileshare_download().file_id(101).send().await })
        .unwrap();
    assert_eq!(Some(file.to_vec()), sim.fileshare_content(101));
    assert!(st.public_dirs().unwrap().len() >= 1);
    assert!(st.schema_drift("gp").unwrap().is_empty());
}

#[test]
fn dropping_the_last_handle_logs_out() {
    let (_rt, sim) = sim(50);
    let st = client(&sim);
    let clone = st.clone();
    st.login().unwrap();
    drop(st);
    assert!(paths_with(&sim, "logout").is_empty());
    drop(clone);
    assert_eq!(paths_with(&sim, "logout"), ["GET /ajaxauth/logout"]);
}

#[test]
fn inside_an_async_runtime_it_is_an_error_not_a_panic() {
    let (rt, sim) = sim(50);
    let st = client(&sim);
    let r = rt.block_on(async { st.gp().limit(1).send() });
    match r {
        Err(Error::Config(m)) => assert!(m.contains("async runtime"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    // Still usable from the plain thread afterwards.
    assert_eq!(st.gp().limit(1).send().unwrap().len(), 1);
}

#[test]
fn builder_first_and_element_set_lines() {
    let (_rt, sim) = sim(300);
    // The blocking builder has the async builder's options.
    let st = spacetrack::blocking::Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(sim.password())
        .rate_limits([])
        .modeldef_cache_dir(None)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    // first(): one record, in the query's order; None when nothing matches.
    let newest = st
        .gp()
        .order_by(GpField::NoradCatId.desc())
        .first()
        .unwrap()
        .expect("a record");
    let all = st.gp().order_by(GpField::NoradCatId.desc()).send().unwrap();
    assert_eq!(newest, all[0]);
    assert!(
        paths_with(&sim, "/limit/1/").len() == 1,
        "only one record asked for"
    );
    assert_eq!(
        st.gp().norad_cat_id(4_000_000_000u32).first().unwrap(),
        None
    );

    // tle() and three_le() are the lines Space-Track's 3le format sends.
    let text = st
        .gp()
        .order_by(GpField::NoradCatId)
        .send_text(Format::ThreeLe)
        .unwrap();
    let mut from_records = String::new();
    let mut without = 0;
    for gp in st.gp().order_by(GpField::NoradCatId).send().unwrap() {
        match gp.three_le() {
            Some([l0, l1, l2]) => {
                assert_eq!(gp.tle(), Some([l1, l2]));
                from_records.push_str(&format!("{l0}\n{l1}\n{l2}\n"));
            }
            None => {
                assert!(gp.tle_line1.is_none() || gp.tle_line2.is_none() || gp.tle_line0.is_none());
                without += 1;
            }
        }
    }
    assert_eq!(text, from_records);
    let _ = without;
}

//! Issue 24, items 1 and 2: Space-Track's usage guidance as a policy, the
//! answer cache and `plan()`, each counted at the server (the simulator's
//! request log), never from what the client believes it sent.

use std::time::Duration;

use spacetrack::guidance::{Cadence, Guidance, Policy, Rule};
use spacetrack::{Error, Format, GpField, GpHistoryField, Rate, op};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{TempDir, builder_for, logins, query_paths};

fn rule(e: &Error) -> Rule {
    match e {
        Error::Guideline(note) => note.rule,
        other => panic!("expected a guideline refusal, got {other:?}"),
    }
}

async fn sim(objects: usize) -> Simulator {
    Simulator::builder()
        .objects(objects)
        .start()
        .await
        .expect("simulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_refuses_each_rule_and_sends_nothing() {
    let sim = sim(200).await;
    let st = builder_for(&sim).policy(Policy::Strict).build().unwrap();
    let ids = sim.norad_ids();

    // The same broad gp query twice within the hour.
    let broad = || st.gp().epoch(op::gt(op::now_minus_days(10)));
    broad().send().await.unwrap();
    let sent = query_paths(&sim).len();
    assert_eq!(sent, 1);
    let e = broad().send().await.unwrap_err();
    assert_eq!(rule(&e), Rule::Cadence, "{e}");
    assert!(e.to_string().contains("nothing was sent"), "{e}");
    // In another format it is the same data.
    let e = broad().send_text(Format::ThreeLe).await.unwrap_err();
    assert_eq!(rule(&e), Rule::Cadence);
    assert_eq!(query_paths(&sim).len(), sent, "a refusal sends nothing");
    // Another query is not a repeat.
    broad().object_type("PAYLOAD").send().await.unwrap();
    assert_eq!(query_paths(&sim).len(), sent + 1);

    // gp_history asked for current elements: ordered by EPOCH desc with a
    // small limit, or EPOCH >now-N with a small N.
    let e = st
        .gp_history()
        .norad_cat_id(ids[0])
        .order_by(GpHistoryField::Epoch.desc())
        .limit(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(rule(&e), Rule::HistoryForCurrent, "{e}");
    assert!(e.to_string().contains("ask gp"), "{e}");
    let e = st
        .gp_history()
        .epoch(op::gt(op::now_minus_days(1)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(rule(&e), Rule::HistoryForCurrent);
    // A past window is what gp_history is for.
    st.gp_history()
        .norad_cat_id(ids[0])
        .epoch(op::gt(op::now_minus_days(30)))
        .send()
        .await
        .unwrap();
    assert_eq!(query_paths(&sim).len(), sent + 2);

    // One query per object: the tenth single-object satcat query within a
    // minute is refused; a list of all of them is one query.
    for id in &ids[..9] {
        st.satcat().norad_cat_id(*id).send().await.unwrap();
    }
    let e = st.satcat().norad_cat_id(ids[9]).send().await.unwrap_err();
    assert_eq!(rule(&e), Rule::OneQueryPerObject, "{e}");
    assert!(e.to_string().contains("list"), "{e}");
    assert_eq!(query_paths(&sim).len(), sent + 2 + 9);
    st.satcat().norad_cat_id(&ids[..20]).send().await.unwrap();
    assert_eq!(query_paths(&sim).len(), sent + 2 + 9 + 1);

    // A removed class, by name.
    let e = st
        .request("tle_latest")
        .predicate("NORAD_CAT_ID", 25544)
        .send_json()
        .await
        .unwrap_err();
    assert_eq!(rule(&e), Rule::RemovedClass);
    assert!(e.to_string().contains("gp"), "{e}");
    assert_eq!(query_paths(&sim).len(), sent + 2 + 9 + 1);
    // The server, checking on its side, saw no breach at all.
    assert_eq!(sim.guidance_breaches(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_class_is_refused_by_default_and_sent_only_with_the_policy_off() {
    let sim = sim(50).await;
    let st = builder_for(&sim).build().unwrap();
    for class in ["tle", "tle_latest", "tle_publish", "omm"] {
        let e = st.request(class).send_json().await.unwrap_err();
        assert_eq!(rule(&e), Rule::RemovedClass, "{class}: {e}");
        let e = st.request(class).url(Format::Json).unwrap_err();
        assert_eq!(rule(&e), Rule::RemovedClass);
    }
    assert!(query_paths(&sim).is_empty());
    assert_eq!(logins(&sim), 0, "not even a login");
    assert_eq!(sim.logins(), 0);

    // Off: the user asked for no checks; Space-Track answers as it does.
    let off = builder_for(&sim).policy(Policy::Off).build().unwrap();
    let r = off
        .request("tle_latest")
        .controller("basicspacedata")
        .send_json()
        .await;
    assert!(!matches!(r, Err(Error::Guideline(_))), "{r:?}");
    assert_eq!(query_paths(&sim).len(), 1);
    let rules: Vec<&str> = sim.guidance_breaches().iter().map(|b| b.rule).collect();
    assert_eq!(rules, ["removed-class"], "flagged at the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_cache_serves_a_repeat_and_refetches_after_the_cadence() {
    let sim = sim(100).await;
    let dir = TempDir::new("answer-cache");
    let cadence = Duration::from_millis(1500);
    let build = || {
        builder_for(&sim)
            .answer_cache(&dir.0)
            .guidance(Guidance::default().cadence("gp", Cadence::every(cadence)))
            .build()
            .unwrap()
    };
    let st = build();
    let ids = sim.norad_ids();
    let q = || {
        st.gp()
            .norad_cat_id(&ids[..5])
            .order_by(GpField::NoradCatId)
    };
    let first = q().send().await.unwrap();
    assert_eq!(first.len(), 5);
    assert_eq!(query_paths(&sim).len(), 1);

    // The repeat: the same records, nothing sent; by another client (a
    // later run) too, and streamed.
    assert_eq!(q().send().await.unwrap(), first);
    let other = build();
    let again = other
        .gp()
        .norad_cat_id(&ids[..5])
        .order_by(GpField::NoradCatId)
        .send()
        .await
        .unwrap();
    assert_eq!(again, first);
    let streamed: Vec<_> = futures_util::TryStreamExt::try_collect(q().stream().await.unwrap())
        .await
        .unwrap();
    assert_eq!(streamed, first);
    assert_eq!(query_paths(&sim).len(), 1, "served from the cache");
    let plan = q().plan().await.unwrap();
    assert!(plan.requests[0].cached);
    assert_eq!(plan.sends(), 0);

    // Another format is another answer.
    let tle = q().send_text(Format::Tle).await.unwrap();
    assert_eq!(tle.lines().count(), 10);
    assert_eq!(q().send_text(Format::Tle).await.unwrap(), tle);
    assert_eq!(query_paths(&sim).len(), 2);

    // After the cadence the query is sent again.
    tokio::time::sleep(cadence + Duration::from_millis(100)).await;
    assert_eq!(q().send().await.unwrap().len(), 5);
    assert_eq!(query_paths(&sim).len(), 3);

    // Only data is kept: a web page where data was asked for is an error,
    // and the next try is sent.
    let q2 = || st.gp().norad_cat_id(ids[7]);
    sim.inject([Fault::Maintenance]);
    assert!(matches!(q2().send().await, Err(Error::Page { .. })));
    let n = query_paths(&sim).len();
    assert_eq!(q2().send().await.unwrap().len(), 1);
    assert_eq!(query_paths(&sim).len(), n + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_sends_nothing_and_counts_the_requests_of_a_split_list() {
    let sim = sim(100).await;
    let st = builder_for(&sim).build().unwrap();
    // Numbers that need several URLs (most do not exist: the requests are
    // what is counted).
    let ids: Vec<u32> = (1..=4000).collect();
    let plan = st.gp().norad_cat_id(&ids).plan().await.unwrap();
    assert!(plan.requests.len() > 1, "{plan}");
    assert_eq!(plan.sends(), plan.requests.len());
    assert!(!plan.local);
    for r in &plan.requests {
        assert!(r.url.starts_with(&sim.base_url()), "{}", r.url);
        assert!(!r.url.contains(sim.password()));
    }
    let text = plan.to_string();
    assert!(text.contains("GET "), "{text}");
    assert!(query_paths(&sim).is_empty(), "plan sends nothing");
    assert_eq!(logins(&sim), 0, "plan does not log in");

    // send() uses exactly the requests the plan announced.
    st.gp().norad_cat_id(&ids).send().await.unwrap();
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), plan.requests.len());
    for (p, r) in paths.iter().zip(&plan.requests) {
        assert!(r.url.ends_with(p.as_str()), "{} vs {p}", r.url);
    }

    // Text formats plan their own URLs.
    let plan = st
        .gp()
        .norad_cat_id(25544)
        .plan_for(Format::ThreeLe)
        .await
        .unwrap();
    assert!(plan.requests[0].url.contains("/format/3le"), "{plan}");

    // The guidance's notes, before sending.
    let broad = || st.gp().epoch(op::gt(op::now_minus_days(10)));
    assert!(broad().plan().await.unwrap().notes.is_empty());
    broad().send().await.unwrap();
    let notes = broad().plan().await.unwrap().notes;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].rule, Rule::Cadence);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_reports_the_wait_under_the_accounts_ledger() {
    let sim = sim(50).await;
    let st = builder_for(&sim)
        // Two requests at once, then none until a minute has passed.
        .rate_limits([Rate::new(3, Duration::from_secs(60)).burst(2)])
        .build()
        .unwrap();
    let ids = sim.norad_ids();
    let plan = st.satcat().norad_cat_id(ids[0]).plan().await.unwrap();
    assert_eq!(plan.expected_wait, Some(Duration::ZERO));
    st.satcat().norad_cat_id(ids[0]).send().await.unwrap();
    st.satcat().norad_cat_id(ids[1]).send().await.unwrap();
    assert_eq!(query_paths(&sim).len(), 2);
    let plan = st.satcat().norad_cat_id(ids[2]).plan().await.unwrap();
    let wait = plan.expected_wait.expect("the memory store can tell");
    assert!(
        wait > Duration::from_secs(50) && wait <= Duration::from_secs(62),
        "{wait:?}"
    );
    assert_eq!(query_paths(&sim).len(), 2);

    // Blocking, from a thread without a runtime.
    let client = builder_for(&sim).build().unwrap();
    let thread = std::thread::spawn(move || {
        let st = spacetrack::blocking::Client::from_async(client)?;
        st.gp().norad_cat_id(25544).plan()
    });
    let plan = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.requests.len(), 1);
    assert_eq!(query_paths(&sim).len(), 2);
}

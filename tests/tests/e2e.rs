//! End-to-end: the typed SDK against the Space-Track simulator on loopback.

use chrono::{Duration, NaiveDate, Utc};
use spacetrack::{Error, Format, GpField, Record, op};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{client_for, logins, query_paths, sim_and_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_class_round_trips_through_the_simulator() {
    let (sim, st) = sim_and_client(2_000).await;
    let mut seen = Vec::new();
    macro_rules! check {
        ($rec:ident, $field:ident, $query:ident, $method:ident, $controller:literal, $class:literal) => {{
            // `delete` is an action (it needs a file_id and removes the
            // file): give it one; tests/files.rs checks its effect.
            let query = st.$method();
            let query = if $class == "delete" {
                query.raw_predicate("file_id", "101")
            } else {
                query
            };
            let rows: Vec<spacetrack::$rec> = query
                .limit(7)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}/{}: {e}", $controller, $class));
            assert!(!rows.is_empty(), "{} returned no rows", $class);
            assert!(rows.len() <= 7, "{} ignored the limit", $class);
            // Serialising and decoding again gives the same records.
            let json = serde_json::to_vec(&rows).unwrap();
            let again: Vec<spacetrack::$rec> = spacetrack::de::from_json_slice(&json).unwrap();
            assert_eq!(rows, again, "{} does not round-trip", $class);
            assert_eq!(<spacetrack::$rec as Record>::CLASS.class, $class);
            assert_eq!(
                spacetrack::$field::ALL.len(),
                <spacetrack::$rec as Record>::CLASS.columns.len()
            );
            seen.push(($controller, $class));
        }};
    }
    spacetrack::for_each_class!(check);
    assert_eq!(seen.len(), spacetrack::CLASSES.len());
    assert_eq!(seen.len(), 22);
    // Every query went to the right controller and class.
    let paths = query_paths(&sim);
    for (controller, class) in seen {
        let prefix = format!("/{controller}/query/class/{class}/");
        assert!(
            paths.iter().any(|p| p.starts_with(&prefix)),
            "no request for {prefix}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iss_comes_back_typed() {
    let (_sim, st) = sim_and_client(2_000).await;
    let iss = st.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(iss.len(), 1);
    let gp = &iss[0];
    assert_eq!(gp.norad_cat_id, 25544);
    assert_eq!(gp.object_name.as_deref(), Some("ISS (ZARYA)"));
    assert_eq!(gp.object_id.as_deref(), Some("1998-067A"));
    assert_eq!(gp.launch_date, NaiveDate::from_ymd_opt(1998, 11, 20));
    assert!((gp.inclination.unwrap() - 51.6416).abs() < 1e-9);
    let epoch = gp.epoch.unwrap();
    assert!(epoch < Utc::now() && epoch > Utc::now() - Duration::days(6));
    let line1 = gp.tle_line1.as_deref().unwrap();
    assert!(line1.starts_with("1 25544U 98067A"), "{line1}");
    assert_eq!(gp.tle_line2.as_deref().unwrap().len(), 69);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_filter_like_space_track() {
    let (sim, st) = sim_and_client(3_000).await;
    let all = st.gp().send().await.unwrap();
    assert_eq!(all.len(), sim.norad_ids().len());

    // Lists.
    let two = st.gp().norad_cat_id([25544, 20580]).send().await.unwrap();
    let mut ids: Vec<u32> = two.iter().map(|g| g.norad_cat_id).collect();
    ids.sort();
    assert_eq!(ids, [20580, 25544]);

    // Ranges and comparisons agree with filtering the full catalog here.
    let geo = st.gp().mean_motion(0.99..=1.01).send().await.unwrap();
    let expect = all
        .iter()
        .filter(|g| (0.99..=1.01).contains(&g.mean_motion.unwrap()))
        .count();
    assert_eq!(geo.len(), expect);
    assert!(expect > 10, "the catalog should have GEO objects");

    let low = st.gp().eccentricity(op::lt(0.001)).send().await.unwrap();
    assert_eq!(
        low.len(),
        all.iter()
            .filter(|g| g.eccentricity.unwrap() < 0.001)
            .count()
    );

    let ne = st.gp().norad_cat_id(op::ne(25544)).send().await.unwrap();
    assert_eq!(ne.len(), all.len() - 1);

    // now-relative datetimes.
    let recent = st
        .gp()
        .epoch(op::gt(op::now_minus_days(1)))
        .send()
        .await
        .unwrap();
    let cutoff = Utc::now() - Duration::days(1);
    assert_eq!(
        recent.len(),
        all.iter()
            .filter(|g| g.epoch.unwrap() > cutoff + Duration::seconds(5))
            .count()
            .max(
                recent.len().min(
                    all.iter()
                        .filter(|g| g.epoch.unwrap() > cutoff - Duration::seconds(5))
                        .count()
                )
            )
    );
    assert!(
        recent
            .iter()
            .all(|g| g.epoch.unwrap() > cutoff - Duration::seconds(5))
    );
    assert!(!recent.is_empty() && recent.len() < all.len());

    // Text operators are case-insensitive, like MySQL.
    let starlink = st
        .gp()
        .object_name(op::starts_with("starlink"))
        .send()
        .await
        .unwrap();
    assert!(!starlink.is_empty());
    assert!(
        starlink
            .iter()
            .all(|g| g.object_name.as_deref().unwrap().starts_with("STARLINK"))
    );
    let debris = st.gp().object_name(op::like("DEB")).send().await.unwrap();
    assert_eq!(
        debris.len(),
        all.iter()
            .filter(|g| g.object_name.as_deref().unwrap().contains("DEB"))
            .count()
    );

    // Null and not null.
    let decayed = st.gp().decay_date(op::not_null()).send().await.unwrap();
    let alive = st.gp().decay_date(None).send().await.unwrap();
    assert_eq!(decayed.len() + alive.len(), all.len());
    assert!(decayed.iter().all(|g| g.decay_date.is_some()));

    // Any-of mixes operators.
    let mixed = st
        .gp()
        .norad_cat_id(op::eq(25544).or(op::range(1, 10)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        mixed.len(),
        1 + all
            .iter()
            .filter(|g| (1..=10).contains(&g.norad_cat_id))
            .count()
    );

    // A value that parses as nothing matches nothing.
    let none = st
        .gp()
        .object_name("NO SUCH OBJECT/../x?y#z")
        .send()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_limit_offset_distinct_metadata() {
    let (_sim, st) = sim_and_client(2_000).await;
    let desc = st
        .gp()
        .order_by(GpField::NoradCatId.desc())
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(desc.len(), 50);
    assert!(
        desc.windows(2)
            .all(|w| w[0].norad_cat_id > w[1].norad_cat_id)
    );

    let page2 = st
        .gp()
        .order_by(GpField::NoradCatId.desc())
        .limit(10)
        .offset(20)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page2.iter().map(|g| g.norad_cat_id).collect::<Vec<_>>(),
        desc[20..30]
            .iter()
            .map(|g| g.norad_cat_id)
            .collect::<Vec<_>>()
    );

    let by_two = st
        .satcat()
        .order_by(spacetrack::SatcatField::Country)
        .order_by(spacetrack::SatcatField::NoradCatId.desc())
        .limit(200)
        .send()
        .await
        .unwrap();
    assert!(by_two.windows(2).all(|w| {
        let (a, b) = (&w[0], &w[1]);
        a.country < b.country || (a.country == b.country && a.norad_cat_id >= b.norad_cat_id)
    }));

    let page = st
        .gp()
        .object_type("PAYLOAD")
        .limit(5)
        .send_with_metadata()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 5);
    let total = page.total().unwrap();
    let payloads = st.gp().object_type("PAYLOAD").send().await.unwrap().len() as u64;
    assert_eq!(total, payloads);

    let types = st.gp().select([GpField::ObjectType]).send().await.unwrap();
    assert_eq!(types.len(), 2_000);
    let distinct = st
        .gp()
        .distinct()
        .select([GpField::ObjectType])
        .send()
        .await
        .unwrap();
    assert_eq!(distinct.len(), 4, "{distinct:?}");
    assert!(
        distinct
            .iter()
            .all(|m| m.len() == 1 && m.contains_key("OBJECT_TYPE"))
    );

    // Nothing matched: JSON is an empty list.
    let empty = st.gp().norad_cat_id(999_999).send().await.unwrap();
    assert!(empty.is_empty());
    // Text: empty, with or without Space-Track's `NO RESULTS RETURNED`
    // (tests/tests/empty_answers.rs has the details).
    let shown = st
        .gp()
        .norad_cat_id(999_999)
        .empty_result_show()
        .send_text(Format::Csv)
        .await
        .unwrap();
    assert_eq!(shown, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_formats() {
    let (_sim, st) = sim_and_client(2_000).await;
    let q = || {
        st.gp()
            .norad_cat_id([25544, 20580])
            .order_by(GpField::NoradCatId)
    };
    let tle = q().send_text(Format::Tle).await.unwrap();
    assert!(!tle.contains('\r'), "CRLF is normalised");
    let lines: Vec<&str> = tle.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("1 20580U") && lines[2].starts_with("1 25544U"));
    let three = q().send_text(Format::ThreeLe).await.unwrap();
    assert_eq!(three.lines().next(), Some("0 HST"));
    let raw = q().send_bytes(Format::Tle).await.unwrap();
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "raw bytes keep Space-Track's CRLF"
    );

    let csv = q().send_text(Format::Csv).await.unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.lines().next().unwrap().contains("\"NORAD_CAT_ID\""));
    let xml = q().send_text(Format::Xml).await.unwrap();
    assert_eq!(xml.matches("<item>").count(), 2);
    let html = q().send_text(Format::Html).await.unwrap();
    assert!(html.contains("<th>EPOCH</th>") && html.matches("<tr>").count() == 3);
    let kvn = q().send_text(Format::Kvn).await.unwrap();
    assert!(kvn.contains("OBJECT_NAME = ISS (ZARYA)"));

    // Element-set formats only exist for the gp classes.
    let err = st
        .satcat()
        .limit(1)
        .send_text(Format::Tle)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_match_the_reference_client() {
    // python-spacetrack-2.1.0.md section 1.3, with `format` moved last (our
    // builder always sends it last).
    let st = spacetrack::Client::new("id", "pw").unwrap();
    let base = "https://www.space-track.org/basicspacedata/query/class";
    let cases: Vec<(String, String)> = vec![
        (st.gp().norad_cat_id(25544).url().unwrap(), format!("{base}/gp/norad_cat_id/25544/format/json")),
        (
            st.gp().epoch(op::gt(op::now_minus_days(30))).mean_motion(0.99..=1.01).eccentricity(op::lt(0.01)).url().unwrap(),
            format!("{base}/gp/epoch/%3Enow-30/mean_motion/0.99--1.01/eccentricity/%3C0.01/format/json"),
        ),
        (
            st.gp()
                .norad_cat_id(op::eq(36000).or(op::range(36001, 36004)).or(op::like(36005)).or(op::starts_with(3600)).or(36010))
                .order_by(GpField::NoradCatId)
                .url()
                .unwrap(),
            format!("{base}/gp/norad_cat_id/36000%2C36001--36004%2C~~36005%2C%5E3600%2C36010/orderby/norad_cat_id/format/json"),
        ),
        (
            st.gp().norad_cat_id(op::ne(5)).object_name(op::gt("A")).url().unwrap(),
            format!("{base}/gp/norad_cat_id/%3C%3E5/object_name/%3EA/format/json"),
        ),
        (
            st.gp_history().norad_cat_id(25544).order_by(spacetrack::GpHistoryField::Epoch.desc()).limit(22).url().unwrap(),
            format!("{base}/gp_history/norad_cat_id/25544/orderby/epoch%20desc/limit/22/format/json"),
        ),
        (
            st.gp().limit(10).offset(5).distinct().empty_result_show().favorites("Amateur").url().unwrap(),
            format!("{base}/gp/limit/10%2C5/distinct/true/emptyresult/show/favorites/Amateur/format/json"),
        ),
        (
            st.gp().object_name("ISS (ZARYA)/a&b?c#d%e+f").url().unwrap(),
            format!("{base}/gp/object_name/ISS%20%28ZARYA%29%2Fa%26b%3Fc%23d%25e%2Bf/format/json"),
        ),
        (
            st.gp()
                .creation_date(NaiveDate::from_ymd_opt(1986, 1, 28).unwrap().and_hms_micro_opt(16, 39, 13, 123).unwrap().and_utc())
                .url()
                .unwrap(),
            format!("{base}/gp/creation_date/1986-01-28%2016%3A39%3A13.000123/format/json"),
        ),
        (
            st.decay()
                .decay_epoch(op::range("2012-07-02", "2012-07-09"))
                .order_by(spacetrack::DecayField::NoradCatId)
                .order_by(spacetrack::DecayField::Precedence)
                .url()
                .unwrap(),
            format!("{base}/decay/decay_epoch/2012-07-02--2012-07-09/orderby/norad_cat_id%2Cprecedence/format/json"),
        ),
        (
            st.satcat().decay(None).current(spacetrack::SatcatCurrent::Y).period(op::lt(128.0)).url().unwrap(),
            format!("{base}/satcat/decay/null-val/current/Y/period/%3C128/format/json"),
        ),
        (
            st.cdm().constellation("intelsat").tca(op::gt(op::now())).select([
                spacetrack::CdmField::MessageFor,
                spacetrack::CdmField::Tca,
                spacetrack::CdmField::MissDistance,
            ])
            .url()
            .unwrap(),
            "https://www.space-track.org/expandedspacedata/query/class/cdm/constellation/intelsat/tca/%3Enow/predicates/message_for%2Ctca%2Cmiss_distance/format/json".to_owned(),
        ),
        (
            st.spephemeris_file().file_id(5).url().unwrap(),
            "https://www.space-track.org/spephemeris/query/class/file/file_id/5/format/json".to_owned(),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    // The escape hatch builds the same URLs.
    assert_eq!(
        st.request("gp")
            .predicate("NORAD_CAT_ID", 25544)
            .url(Format::Tle)
            .unwrap(),
        format!("{base}/gp/norad_cat_id/25544/format/tle")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_never_add_path_segments_or_operators() {
    let (sim, st) = sim_and_client(1_000).await;
    sim.clear_requests();
    let hostile = "A/B?C#D%E&F=G..%2F";
    let rows = st.gp().object_name(hostile).send().await.unwrap();
    assert!(rows.is_empty());
    let path = query_paths(&sim).pop().unwrap();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    assert_eq!(
        segments[4..],
        [
            "object_name",
            "A%2FB%3FC%23D%25E%26F%3DG..%252F",
            "format",
            "json"
        ]
    );

    // Operator characters in a literal are refused before anything is sent.
    sim.clear_requests();
    for bad in ["a,b", "x--y", ">A", "null-val", "^A", "~~A"] {
        let err = st.gp().object_name(bad).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{bad}: {err}");
    }
    let err = st.gp().mean_motion(f64::NAN).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    let err = st.gp().offset(5).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    assert!(
        sim.requests().is_empty(),
        "nothing may be sent for invalid arguments"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_happens_once_under_concurrent_first_calls() {
    let (sim, st) = sim_and_client(1_000).await;
    let mut tasks = Vec::new();
    for i in 0..16u32 {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            st.gp().norad_cat_id(25544).limit(1 + i as u64).send().await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().len(), 1);
    }
    assert_eq!(logins(&sim), 1);
    // The login form carries exactly identity and password.
    st.logout().await.unwrap();
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/ajaxauth/logout" && r.cookie)
    );
    // The next query logs in again.
    st.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(logins(&sim), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_an_auth_error() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let st = spacetrack::Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(format!("{}-not-it", sim.password()))
        .build()
        .unwrap();
    let err = st.gp().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err}");
    assert!(query_paths(&sim).is_empty(), "no query without a session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_logs_in_again_once() {
    let (sim, st) = sim_and_client(1_000).await;
    st.gp().norad_cat_id(25544).send().await.unwrap();
    sim.expire_sessions();
    let again = st.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(logins(&sim), 2);
    // An unauthenticated request gets Space-Track's exact 401 body.
    let (status, _, body) = raw_http(
        &format!("{}basicspacedata/query/class/gp", sim.base_url()),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (401, spacetrack_sim::NOT_LOGGED_IN)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_redirects_are_not_followed() {
    let sim = Simulator::builder()
        .objects(100)
        .login_redirect(true)
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    let err = st.gp().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err}");
    assert!(
        !sim.requests().iter().any(|r| r.path.contains("elsewhere")),
        "the password must not follow a redirect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_become_typed_errors() {
    let (sim, st) = sim_and_client(1_000).await;
    // Retries are exhausted: three rate-limit answers in a row.
    sim.inject([Fault::RateLimit200; 3]);
    let err = st.gp().norad_cat_id(25544).send().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");

    sim.inject([Fault::TruncateBody; 4]);
    let err = st.gp().send().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport(_)),
        "a cut body is an error, not fewer rows: {err}"
    );

    sim.inject([Fault::InvalidJson]);
    let err = st.gp().limit(3).send().await.unwrap_err();
    let d = err.as_decode().expect("decode error");
    assert_eq!(d.class, "gp");

    // Unknown class and predicate: Space-Track's error object, as an API error.
    let err = st
        .request("no_such_class")
        .controller("basicspacedata")
        .send_json()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message.contains("no_such_class")),
        "{err}"
    );
    let err = st
        .request("gp")
        .predicate("NO_SUCH_FIELD", 1)
        .send_json()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message.contains("NO_SUCH_FIELD") || message.contains("no_such_field")),
        "{err}"
    );
    let err = st.request("brand_new_class").send_json().await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_hatch_returns_json_or_the_callers_type() {
    let (_sim, st) = sim_and_client(1_000).await;
    let v = st
        .request("gp")
        .predicate("NORAD_CAT_ID", 25544)
        .predicate("EPOCH", ">now-30")
        .send_json()
        .await
        .unwrap();
    assert_eq!(v[0]["OBJECT_NAME"], "ISS (ZARYA)");
    #[derive(serde::Deserialize)]
    struct Mine {
        #[serde(rename = "NORAD_CAT_ID")]
        id: String,
    }
    let mine: Vec<Mine> = st
        .request("satcat")
        .predicate("norad_cat_id", 20580)
        .send_as()
        .await
        .unwrap();
    assert_eq!(mine[0].id, "20580");
    let modeldef: serde_json::Value = st
        .request("gp")
        .predicate("norad_cat_id", op::lt::<u32>(10))
        .send_json()
        .await
        .unwrap();
    assert!(modeldef.as_array().unwrap().len() < 10);
}

#[test]
fn decode_errors_name_the_column_and_value() {
    let good = r#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A"}]"#;
    let rows: Vec<spacetrack::Satellite> =
        spacetrack::de::from_json_slice(good.as_bytes()).unwrap();
    assert_eq!(rows[0].norad_cat_id, Some(25544));

    let bad = r#"[{"NORAD_CAT_ID":"1"},{"NORAD_CAT_ID":"twelve"}]"#;
    let err = spacetrack::de::from_json_slice::<spacetrack::Satellite>(bad.as_bytes()).unwrap_err();
    let d = err.as_decode().unwrap();
    assert_eq!(d.field.as_deref(), Some("NORAD_CAT_ID"));
    assert_eq!(d.value.as_deref(), Some("twelve"));
    assert_eq!(d.record, Some(1));

    // Numbers as numbers, datetimes with a space, are accepted.
    let tip = r#"[{"SOME_NEW_COLUMN":{"nested":[1,2]},"NORAD_CAT_ID":25544,"MSG_EPOCH":"2024-01-02 3:04:05","INSERT_EPOCH":"2024-01-02T03:04:05.5","DECAY_EPOCH":"2024-01-02 03:04:05","WINDOW":"10","REV":"1","DIRECTION":"sideways","LAT":"1.5","LON":"2.5","INCL":"51.6","NEXT_REPORT":"2","ID":"7","HIGH_INTEREST":"Y","OBJECT_NUMBER":"25544"}]"#;
    let t: Vec<spacetrack::Tip> = spacetrack::de::from_json_slice(tip.as_bytes()).unwrap();
    assert_eq!(
        t[0].direction,
        Some(spacetrack::TipDirection::Other("sideways".into()))
    );
    assert_eq!(t[0].high_interest, Some(spacetrack::TipHighInterest::Y));
    assert_eq!(t[0].norad_cat_id, Some(25544));

    // Null in a NOT NULL column, out of range, truncated body, error body.
    let null = tip.replace(r#""WINDOW":"10""#, r#""WINDOW":null"#);
    let e = spacetrack::de::from_json_slice::<spacetrack::Tip>(null.as_bytes()).unwrap_err();
    assert_eq!(e.as_decode().unwrap().field.as_deref(), Some("WINDOW"));
    let big = tip.replace(r#""WINDOW":"10""#, r#""WINDOW":"99999999999""#);
    assert!(spacetrack::de::from_json_slice::<spacetrack::Tip>(big.as_bytes()).is_err());
    let cut = &tip[..tip.len() - 3];
    assert!(spacetrack::de::from_json_slice::<spacetrack::Tip>(cut.as_bytes()).is_err());
    let missing = r#"[{"NORAD_CAT_ID":25544}]"#;
    let e = spacetrack::de::from_json_slice::<spacetrack::Tip>(missing.as_bytes()).unwrap_err();
    assert!(e.as_decode().unwrap().field.is_some());
    let limited = spacetrack::de::from_json_slice::<spacetrack::Gp>(
        spacetrack_sim::RATE_LIMIT_BODY.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(limited, Error::RateLimited { .. }));
    // metadata=true answers are unwrapped.
    let wrapped = r#"{"request_metadata":{"Total":1},"data":[{"NORAD_CAT_ID":"5"}]}"#;
    let rows: Vec<spacetrack::Satellite> =
        spacetrack::de::from_json_slice(wrapped.as_bytes()).unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_debug_output() {
    let (sim, st) = sim_and_client(100).await;
    st.login().await.unwrap();
    let debug = format!("{st:?} {:?}", st.gp().norad_cat_id(1));
    assert!(!debug.contains(sim.password()), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert!(!debug.contains("chocolatechip"));
    let secret = format!("s3cr3t-{}", std::process::id());
    let builder = format!(
        "{:?}",
        spacetrack::Client::builder().password(secret.clone())
    );
    assert!(!builder.contains(&secret));
    // Plain http needs an explicit opt-in.
    let err = spacetrack::Client::builder()
        .base_url(sim.base_url())
        .identity("a")
        .password(secret.clone())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modeldef_is_served_from_the_schemas() {
    let sim = Simulator::builder().objects(100).start().await.unwrap();
    let url = format!("{}basicspacedata/modeldef/class/gp", sim.base_url());
    let (status, _, _) = raw_http(&url, None, None).await;
    assert_eq!(status, 401, "modeldef needs a session");
    let form = format!("identity={}&password={}", sim.identity(), sim.password());
    let login = format!("{}ajaxauth/login", sim.base_url());
    let (status, headers, body) = raw_http(&login, None, Some(&form)).await;
    assert_eq!((status, body.as_str()), (200, "\"\""));
    let cookie = headers
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    assert!(cookie.starts_with("chocolatechip="));
    let (status, _, body) = raw_http(&url, Some(&cookie), None).await;
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&body).unwrap();
    let snapshot: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/basicspacedata/gp.json")).unwrap();
    assert_eq!(served["controller"], "basicspacedata");
    assert_eq!(served["data"], snapshot["data"]);
    let (status, _, body) = raw_http(&login, None, Some("identity=x&password=y")).await;
    assert_eq!((status, body.as_str()), (200, spacetrack_sim::LOGIN_FAILED));
}

/// A bare HTTP/1.1 request: status, lower-cased headers, body.
async fn raw_http(url: &str, cookie: Option<&str>, form: Option<&str>) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let u = url.strip_prefix("http://").unwrap();
    let (host, path) = u.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut req = format!(
        "{} /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
        if form.is_some() { "POST" } else { "GET" }
    );
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(f) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{f}",
            f.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn plain_http_needs_an_explicit_opt_in() {
    let password = format!("pw-{}", std::process::id());
    let build = |url: &str, allow: bool| {
        spacetrack::Client::builder()
            .identity("me@example.invalid")
            .password(password.clone())
            .base_url(url)
            .allow_http(allow)
            .build()
    };
    match build("http://127.0.0.1:9/", false) {
        Err(Error::Config(m)) => assert!(m.contains("unencrypted"), "{m}"),
        other => panic!("plain http must be refused, got {other:?}"),
    }
    assert!(build("http://127.0.0.1:9/", true).is_ok());
    assert!(build("https://www.space-track.org/", false).is_ok());
    assert!(matches!(
        build("ftp://example.invalid/", true),
        Err(Error::Config(_))
    ));
    assert_eq!(
        spacetrack::Client::new("me@example.invalid", password.clone())
            .unwrap()
            .base_url(),
        "https://www.space-track.org/"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_cache_serves_identical_bytes() {
    let sim = Simulator::builder()
        .objects(500)
        .answer_cache_bytes(64 << 20)
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    let first = st.gp().send_bytes(Format::Json).await.unwrap();
    assert_eq!(sim.cached_answers(), 1);
    let second = st.gp().send_bytes(Format::Json).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(sim.cached_answers(), 1);
    // Faulted answers are neither cached nor served from the cache.
    sim.inject([Fault::TruncateBody]);
    let once = spacetrack_tests::builder_for(&sim)
        .retry(spacetrack::RetryPolicy::none())
        .build()
        .unwrap();
    let (n, end) = spacetrack_tests::drain(once.gp().stream().await).await;
    assert!(end.is_some() && n < 500);
    // A different query is a different answer.
    st.gp().limit(3).send().await.unwrap();
    assert_eq!(sim.cached_answers(), 2);
}

#[tokio::test]
async fn reentry_predictions_lie_ahead_for_objects_still_in_orbit() {
    let (_sim, st) = sim_and_client(3000).await;
    let now = chrono::Utc::now();
    let tips = st
        .tip()
        .decay_epoch(spacetrack::op::gt(spacetrack::op::now()))
        .send()
        .await
        .unwrap();
    assert!(!tips.is_empty(), "the simulator predicts some re-entries");
    for t in &tips {
        assert!(t.decay_epoch > now && t.msg_epoch < now, "{t:?}");
        assert!(t.lat.abs() <= 90.0 && t.lon.abs() <= 180.0, "{t:?}");
        assert!(t.window >= 5, "{t:?}");
    }
    let ids: Vec<u32> = tips.iter().filter_map(|t| t.norad_cat_id).collect();
    let gps = st.gp().norad_cat_id(ids.clone()).send().await.unwrap();
    assert_eq!(gps.len(), ids.len());
    assert!(
        gps.iter().all(|g| g.decay_date.is_none()),
        "not decayed yet"
    );

    // Every object TIP messages expect to re-enter has a prediction in
    // the decay class (an object has several TIP messages, converging).
    let predictions = st
        .decay()
        .msg_type("Prediction")
        .msg_epoch(spacetrack::op::gt(spacetrack::op::now_minus_days(1)))
        .send()
        .await
        .unwrap();
    let predicted: std::collections::HashSet<u32> =
        predictions.iter().filter_map(|d| d.norad_cat_id).collect();
    let tracked: std::collections::HashSet<u32> = ids.iter().copied().collect();
    assert!(
        tracked.is_subset(&predicted),
        "{tracked:?} vs {predicted:?}"
    );
}

#[tokio::test]
async fn selected_columns_stream_as_objects() {
    use futures_util::TryStreamExt;
    let (_sim, st) = sim_and_client(100).await;
    let rows: Vec<_> = st
        .gp()
        .norad_cat_id([25544, 20580])
        .order_by(spacetrack::GpField::NoradCatId)
        .select([
            spacetrack::GpField::NoradCatId,
            spacetrack::GpField::ObjectName,
        ])
        .stream()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].len(), 2);
    assert_eq!(rows[1]["OBJECT_NAME"], "ISS (ZARYA)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_and_offset_take_any_integer() {
    let (sim, st) = sim_and_client(100).await;
    let ids: Vec<u32> = vec![1, 2, 3];
    let rows = st
        .gp()
        .order_by(GpField::NoradCatId)
        .limit(ids.len())
        .offset(2u8)
        .send()
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        query_paths(&sim)
            .iter()
            .any(|p| p.contains("/limit/3%2C2/"))
    );
    let before = query_paths(&sim).len();
    let e = st.gp().limit(-1).send().await.unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument(ref m) if m.contains("limit")),
        "{e}"
    );
    let e = st.gp().limit(5).offset(-3i64).send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    assert_eq!(query_paths(&sim).len(), before, "nothing sent");
}

//! The mirror as a second engine of the typed API: the same builders as
//! the client, answered from the database, with Space-Track's semantics.
//! Hand-written cases for every operator and NULL/case/ordering edge; the
//! property-based comparison with the simulator is in `mirror_differential.rs`.

use futures_util::TryStreamExt;
use spacetrack::{Format, GpField, SatcatField, TipField, op};
use spacetrack_mirror::{Mirror, SyncOptions};
use spacetrack_sim::Simulator;
use spacetrack_tests::{TempDir, client_for};

/// A simulator and a mirror synced from it (the default classes): an
/// SQLite file in a new folder, or the PostgreSQL database at `pg`.
async fn synced(tag: &str) -> (Simulator, spacetrack::Client, Mirror, TempDir) {
    synced_at(tag, None).await
}

async fn synced_at(
    tag: &str,
    pg: Option<&str>,
) -> (Simulator, spacetrack::Client, Mirror, TempDir) {
    let sim = Simulator::builder()
        .objects(400)
        .history_depth(2)
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    let dir = TempDir::new(tag);
    let url = match pg {
        Some(url) => url.to_owned(),
        None => dir.0.join("m.db").to_str().unwrap().to_owned(),
    };
    let m = Mirror::open(&url).await.unwrap();
    let report = m.sync(&st, &SyncOptions::new().force(true)).await.unwrap();
    assert!(report.error().is_none(), "{report:?}");
    (sim, st, m, dir)
}

#[tokio::test]
async fn the_same_builders_answer_from_the_mirror_without_a_request() {
    let (sim, st, m, _dir) = synced("mq-basic").await;
    sim.clear_requests();
    let iss = m.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(iss.len(), 1);
    assert_eq!(iss[0].object_name.as_deref(), Some("ISS (ZARYA)"));
    let recent = m
        .gp()
        .epoch(op::gt(op::now_minus_days(30)))
        .order_by(GpField::Epoch.desc())
        .limit(10)
        .send()
        .await
        .unwrap();
    assert!(recent.len() <= 10);
    assert!(recent.windows(2).all(|w| w[0].epoch >= w[1].epoch));
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());

    // The same query against Space-Track (the simulator) agrees.
    let online = st.gp().norad_cat_id(25544).send().await.unwrap();
    assert_eq!(online, iss);
}

#[tokio::test]
async fn operators_nulls_case_and_order_follow_space_track() {
    operators_nulls_case_and_order(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_nulls_case_and_order_follow_space_track_in_postgres() {
    let Some(pg) = spacetrack_tests::Postgres::start() else {
        return;
    };
    operators_nulls_case_and_order(Some(&pg.url)).await;
}

async fn operators_nulls_case_and_order(pg: Option<&str>) {
    let (_sim, st, m, _dir) = synced_at("mq-ops", pg).await;
    macro_rules! same {
        ($q:ident => $($b:tt)*) => {{
            let mut online = st.$q()$($b)*.send().await.unwrap();
            let mut offline = m.$q()$($b)*.send().await.unwrap();
            assert!(!online.is_empty() || offline.is_empty());
            online.sort_by_key(|r| serde_json::to_string(r).unwrap());
            offline.sort_by_key(|r| serde_json::to_string(r).unwrap());
            assert_eq!(online, offline, stringify!($q $($b)*));
            online.len()
        }};
    }
    assert!(
        same!(satcat => .object_type("payload")) > 0,
        "text ignores case"
    );
    assert!(same!(satcat => .satname(op::like("deb"))) > 0);
    assert!(same!(satcat => .satname(op::starts_with("starlink"))) > 0);
    same!(satcat => .decay(None));
    same!(satcat => .decay(op::not_null()));
    same!(satcat => .norad_cat_id(op::ne(25544)));
    same!(satcat => .norad_cat_id(100..=200));
    same!(satcat => .norad_cat_id(op::gt(1000).or(op::lt(50))));
    same!(satcat => .launch(op::gt(chrono::NaiveDate::from_ymd_opt(2010, 1, 1).unwrap())));
    same!(gp => .epoch(op::lt(op::now_minus_days(1))));
    same!(gp => .mean_motion(op::gt(15.0)));
    same!(gp => .eccentricity(op::lt(0.001)).inclination(50.0..=60.0));
    same!(gp => .object_type(["PAYLOAD", "ROCKET BODY"]));

    // Ordered: NULLs first ascending, last descending; an enum by its
    // members' order.
    for desc in [false, true] {
        let order = if desc {
            SatcatField::Decay.desc()
        } else {
            SatcatField::Decay.into()
        };
        let online = st.satcat().order_by(order).limit(50).send().await.unwrap();
        let offline = m.satcat().order_by(order).limit(50).send().await.unwrap();
        let decays = |rows: &[spacetrack::Satcat]| rows.iter().map(|r| r.decay).collect::<Vec<_>>();
        assert_eq!(decays(&online), decays(&offline), "desc {desc}");
    }
    // Found by the differential test: PostgreSQL sorted numbers as text
    // (ORDER BY named the SELECT list's text column, not the table's).
    let online = st.gp().order_by(GpField::MeanMotion).send().await.unwrap();
    let offline = m.gp().order_by(GpField::MeanMotion).send().await.unwrap();
    let motions = |rows: &[spacetrack::Gp]| rows.iter().map(|r| r.mean_motion).collect::<Vec<_>>();
    assert_eq!(motions(&online), motions(&offline));
    // An enum sorts by its members' order, `enum('Y','N')`: Y before N
    // (MySQL), not as text; NULL first.
    let current: Vec<Option<String>> = m
        .satcat()
        .order_by(SatcatField::Current)
        .send()
        .await
        .unwrap()
        .into_iter()
        .map(|s| Some(format!("{:?}", s.current)))
        .collect();
    let rank = |c: &Option<String>| match c.as_deref() {
        None => 0,
        Some("Y") => 1,
        _ => 2,
    };
    assert!(
        current.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{current:?}"
    );
    assert!(current.iter().any(|c| rank(c) == 1) && current.iter().any(|c| rank(c) == 2));

    // Found by the differential test, fixed in the simulator: it sorted an
    // enum column as text (N before Y) where MySQL sorts by member position,
    // and matched `~~`/`^` on a datetime against its JSON rendering (`T`,
    // fraction dropped) where MySQL matches the column's text (a space, and
    // every fractional digit of `datetime(6)`).
    let by_current = || {
        st.satcat()
            .order_by(SatcatField::Current.desc())
            .order_by(SatcatField::NoradCatId)
    };
    let online = by_current().send().await.unwrap();
    let offline = m
        .satcat()
        .order_by(SatcatField::Current.desc())
        .order_by(SatcatField::NoradCatId)
        .send()
        .await
        .unwrap();
    assert_eq!(online, offline, "enum order");
    let all = st.gp().count().await.unwrap();
    for (value, everything) in [("~~ ", true), ("~~T", false), ("~~.", true)] {
        let online = st.gp().raw_predicate("EPOCH", value).send().await.unwrap();
        let offline = m.gp().raw_predicate("EPOCH", value).send().await.unwrap();
        assert_eq!(online.len(), offline.len(), "EPOCH {value}");
        let want = if everything { all as usize } else { 0 };
        assert_eq!(
            online.len(),
            want,
            "EPOCH {value}: MySQL's text of a datetime(6)"
        );
    }
    same!(gp => .raw_predicate("EPOCH", "^2026-"));
    // tip's enums likewise: HIGH_INTEREST enum('Y','N') puts Y first when
    // ascending (as text it would be last); DIRECTION in member order.
    for field in [TipField::HighInterest, TipField::Direction] {
        for desc in [false, true] {
            let key = if desc { field.desc() } else { field.asc() };
            let online = st
                .tip()
                .order_by(key.clone())
                .order_by(TipField::Id)
                .send()
                .await
                .unwrap();
            let offline = m
                .tip()
                .order_by(key)
                .order_by(TipField::Id)
                .send()
                .await
                .unwrap();
            assert_eq!(online, offline, "tip ordered by {field:?}, desc {desc}");
        }
    }
    let by_interest = st
        .tip()
        .order_by(TipField::HighInterest.asc())
        .send()
        .await
        .unwrap();
    let flags: Vec<&str> = by_interest
        .iter()
        .filter_map(|t| t.high_interest.as_ref().map(|f| f.as_str()))
        .collect();
    assert!(flags.contains(&"Y") && flags.contains(&"N"), "{flags:?}");
    assert_eq!(flags.first(), Some(&"Y"), "{flags:?}");
}

#[tokio::test]
async fn text_formats_limits_pages_and_streams() {
    let (_sim, st, m, _dir) = synced("mq-formats").await;
    let ids = [25544u32, 20580];
    let online = st
        .gp()
        .norad_cat_id(ids)
        .send_text(Format::ThreeLe)
        .await
        .unwrap();
    let offline = m
        .gp()
        .norad_cat_id(ids)
        .send_text(Format::ThreeLe)
        .await
        .unwrap();
    let mut a: Vec<&str> = online.lines().collect();
    let mut b: Vec<&str> = offline.lines().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let err = m.gp().send_text(Format::Kvn).await.unwrap_err();
    assert!(err.to_string().contains("cannot reproduce"), "{err}");

    let all = m
        .satcat()
        .order_by(SatcatField::NoradCatId)
        .send()
        .await
        .unwrap();
    let paged: Vec<spacetrack::Satcat> = m.satcat().paginate(97).try_collect().await.unwrap();
    assert_eq!(paged.len(), all.len());
    let streamed: Vec<spacetrack::Satcat> = m
        .satcat()
        .order_by(SatcatField::NoradCatId)
        .stream()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, all);
    let page = m
        .satcat()
        .order_by(SatcatField::NoradCatId)
        .limit(10)
        .offset(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page, all[5..15]);
    let first = m
        .satcat()
        .order_by(SatcatField::NoradCatId.desc())
        .first()
        .await
        .unwrap();
    assert_eq!(first.as_ref(), all.last());
    let some = m
        .satcat()
        .distinct()
        .select([SatcatField::ObjectType])
        .send()
        .await
        .unwrap();
    assert!(
        some.len() < 10 && some.iter().all(|r| r.len() == 1),
        "{some:?}"
    );
    let partial = m.satcat().send_partial().await.unwrap();
    assert!(partial.is_complete());
    assert_eq!(partial.records.len(), all.len());
    let with = m
        .gp()
        .norad_cat_id(25544)
        .send_with_metadata()
        .await
        .unwrap();
    assert_eq!(with.total(), Some(1));
}

#[test]
fn the_blocking_mirror_runs_the_same_queries() {
    // The simulator and the first sync on a runtime of their own; the
    // blocking mirror outside any.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sim, st, async_mirror, dir) = rt.block_on(synced("mq-blocking"));
    drop(async_mirror);
    let m =
        spacetrack_mirror::blocking::Mirror::open(dir.0.join("m.db").to_str().unwrap()).unwrap();
    sim.clear_requests();
    let iss = m.gp().norad_cat_id(25544).send().unwrap();
    assert_eq!(iss.len(), 1);
    let lines: Vec<String> = m
        .gp()
        .norad_cat_id(25544)
        .lines(Format::Tle)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let streamed = m.satcat().stream().unwrap().count();
    assert_eq!(streamed, m.satcat().send().unwrap().len());
    assert!(sim.requests().is_empty());
    let online = rt.block_on(st.gp().norad_cat_id(25544).send()).unwrap();
    assert_eq!(online, iss);
    let status = m.status().unwrap();
    assert!(status.iter().any(|s| s.class == "gp" && s.rows > 0));
}

/// An empty text answer is what Space-Track sends (an empty body; the
/// line with emptyresult/show), which the client turns into nothing; the
/// count comes from the mirror's metadata.
#[tokio::test]
async fn empty_answers_and_counts_match_the_simulator() {
    let (_sim, st, m, _dir) = synced("mq-empty").await;
    for show in [false, true] {
        let online = if show {
            st.gp().object_name("NO SUCH THING").empty_result_show()
        } else {
            st.gp().object_name("NO SUCH THING")
        };
        let offline = if show {
            m.gp().object_name("NO SUCH THING").empty_result_show()
        } else {
            m.gp().object_name("NO SUCH THING")
        };
        for f in [Format::ThreeLe, Format::Csv] {
            assert_eq!(
                online.clone().send_bytes(f).await.unwrap(),
                offline.clone().send_bytes(f).await.unwrap(),
                "{f} show {show}"
            );
            assert_eq!(offline.clone().send_text(f).await.unwrap(), "");
        }
    }
    let n = m.satcat().object_type("PAYLOAD").count().await.unwrap();
    assert_eq!(n, st.satcat().object_type("PAYLOAD").count().await.unwrap());
    assert!(n > 0);
}

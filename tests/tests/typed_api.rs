//! Issue 15's helpers against the simulator, counted on the server side:
//! long value lists split under the URL bound and merged in order,
//! pagination over limit/offset, `first`, the per-class builders.

use futures_util::TryStreamExt;
use spacetrack::{Error, Format, GpField, MAX_URL_BYTES};
use spacetrack_tests::{query_paths, sim_and_client};

/// NORAD ids of the simulator's catalog, enough of them that a list of all
/// needs several URLs.
async fn setup() -> (spacetrack_sim::Simulator, spacetrack::Client, Vec<u32>) {
    let (sim, st) = sim_and_client(1_500).await;
    let ids = sim.norad_ids();
    assert!(ids.len() >= 1_000);
    (sim, st, ids)
}

/// gp's answer for `ids` in a text format, line by line (`lines`).
async fn gp_lines(st: &spacetrack::Client, ids: &[u32], format: Format) -> Vec<String> {
    st.gp()
        .norad_cat_id(ids)
        .lines(format)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

#[tokio::test]
async fn long_lists_are_split_under_the_bound_and_merged() {
    let (sim, st, ids) = setup().await;
    let urls = st.gp().norad_cat_id(&ids).urls().unwrap();
    assert!(urls.len() >= 3, "{} urls", urls.len());
    sim.clear_requests();

    // Repeated ids are asked for, and answered, once.
    let twice: Vec<u32> = ids.iter().chain(ids.iter()).copied().collect();
    let rows = st.gp().norad_cat_id(&twice).send().await.unwrap();
    let got: Vec<u32> = rows.iter().map(|g| g.norad_cat_id).collect();
    assert_eq!(sorted(got), sorted(ids.clone()), "every object, once");

    // What reached the server: one request per URL, each under the bound.
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), urls.len());
    let base = sim.base_url();
    for p in &paths {
        let full = format!("{}{}", base.trim_end_matches('/'), p);
        assert!(full.len() <= MAX_URL_BYTES, "{} bytes", full.len());
    }
    // Together the requests asked for each id exactly once.
    let mut asked: Vec<u32> = paths
        .iter()
        .flat_map(|p| {
            let list = p.split("/norad_cat_id/").nth(1).unwrap();
            let list = list.split('/').next().unwrap().to_owned();
            list.split("%2C")
                .map(|v| v.parse::<u32>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    asked.sort_unstable();
    assert_eq!(asked, sorted(ids));
}

#[tokio::test]
async fn split_answers_keep_the_order_and_the_limit() {
    let (sim, st, ids) = setup().await;
    // Every id but a few, so the list is long; order by a column that is
    // not the list's own order.
    let list: Vec<u32> = ids.iter().copied().skip(5).collect();
    let want: Vec<(u32, String)> = {
        let mut all = st.gp().send().await.unwrap();
        all.retain(|g| list.contains(&g.norad_cat_id));
        all.sort_by(|a, b| {
            b.epoch
                .cmp(&a.epoch)
                .then(a.norad_cat_id.cmp(&b.norad_cat_id))
        });
        all.iter()
            .take(25)
            .map(|g| (g.norad_cat_id, format!("{:?}", g.epoch)))
            .collect()
    };
    sim.clear_requests();
    let got = st
        .gp()
        .norad_cat_id(&list)
        .order_by(GpField::Epoch.desc())
        .order_by(GpField::NoradCatId)
        .limit(25)
        .send()
        .await
        .unwrap();
    let got: Vec<(u32, String)> = got
        .iter()
        .map(|g| (g.norad_cat_id, format!("{:?}", g.epoch)))
        .collect();
    assert_eq!(got, want);
    let paths = query_paths(&sim);
    assert!(paths.len() > 1);
    assert!(paths.iter().all(|p| p.contains("/limit/25/")), "{paths:?}");

    // first() over a split list is the first record of the merged order.
    let first = st
        .gp()
        .norad_cat_id(&list)
        .order_by(GpField::Epoch.desc())
        .order_by(GpField::NoradCatId)
        .first()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.norad_cat_id, want[0].0);
}

#[tokio::test]
async fn split_streams_and_texts_follow_each_other() {
    let (sim, st, ids) = setup().await;
    let n = st.gp().norad_cat_id(&ids).urls().unwrap().len();

    sim.clear_requests();
    let streamed: Vec<u32> = st
        .gp()
        .norad_cat_id(&ids)
        .stream()
        .await
        .unwrap()
        .map_ok(|g| g.norad_cat_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sorted(streamed), sorted(ids.clone()));
    assert_eq!(query_paths(&sim).len(), n);

    let tle = st
        .gp()
        .norad_cat_id(&ids)
        .send_text(Format::Tle)
        .await
        .unwrap();
    // As many element sets as records that have one (the simulator, like
    // Space-Track, has objects without a TLE).
    let with_tle = st
        .gp()
        .norad_cat_id(&ids)
        .send()
        .await
        .unwrap()
        .iter()
        .filter(|g| g.tle_line1.is_some())
        .count();
    assert!(with_tle > ids.len() / 2);
    assert_eq!(tle.lines().count(), 2 * with_tle);
    assert!(
        tle.lines()
            .all(|l| l.starts_with("1 ") || l.starts_with("2 "))
    );

    let csv: Vec<String> = gp_lines(&st, &ids, Format::Csv).await;
    let header = &csv[0];
    assert!(header.contains("NORAD_CAT_ID"));
    assert_eq!(csv.iter().filter(|l| *l == header).count(), 1, "one header");
    assert_eq!(csv.len(), ids.len() + 1);
}

#[tokio::test]
async fn split_texts_leave_out_the_parts_that_matched_nothing() {
    // A text answer that matched nothing is empty (with `emptyresult/show`,
    // Space-Track's line "NO RESULTS RETURNED", which is never data). Ids
    // the catalog does not have come first, so whole parts of the split
    // list match nothing.
    let (sim, st, ids) = setup().await;
    let absent: Vec<u32> = (900_000..901_200).collect();
    let mixed: Vec<u32> = absent.iter().chain(ids.iter()).copied().collect();
    let n = st.gp().norad_cat_id(&mixed).urls().unwrap().len();
    assert!(n >= 4, "{n} urls");

    // One request that matches nothing: empty.
    let one = st
        .gp()
        .norad_cat_id(&absent[..10])
        .send_text(Format::Tle)
        .await
        .unwrap();
    assert_eq!(one, "");

    let expected_tle = st
        .gp()
        .norad_cat_id(&ids)
        .send_text(Format::Tle)
        .await
        .unwrap();
    sim.clear_requests();
    let tle = st
        .gp()
        .norad_cat_id(&mixed)
        .send_text(Format::Tle)
        .await
        .unwrap();
    assert_eq!(query_paths(&sim).len(), n, "every part was asked");
    let lines = |t: &str| {
        let mut v: Vec<String> = t.lines().map(str::to_owned).collect();
        v.sort();
        v
    };
    assert_eq!(lines(&tle), lines(&expected_tle));
    let streamed: Vec<String> = gp_lines(&st, &mixed, Format::ThreeLe).await;
    assert!(!streamed.iter().any(|l| l.contains("NO RESULTS")));
    assert_eq!(streamed.len() % 3, 0);

    // csv: the header comes from the first part that has one.
    for csv in [
        st.gp()
            .norad_cat_id(&mixed)
            .send_text(Format::Csv)
            .await
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        gp_lines(&st, &mixed, Format::Csv).await,
    ] {
        assert!(csv[0].contains("NORAD_CAT_ID"), "{}", csv[0]);
        assert_eq!(csv.len(), ids.len() + 1);
        assert!(!csv.iter().any(|l| l.contains("NO RESULTS")));
    }

    // Nothing matched in any part: empty, as one request's answer is.
    let all_absent: Vec<u32> = (900_000..902_000).collect();
    assert!(st.gp().norad_cat_id(&all_absent).urls().unwrap().len() > 1);
    let text = st
        .gp()
        .norad_cat_id(&all_absent)
        .send_text(Format::Tle)
        .await
        .unwrap();
    assert_eq!(text, "");
    let streamed: Vec<String> = gp_lines(&st, &all_absent, Format::Csv).await;
    assert!(streamed.is_empty(), "{streamed:?}");
    let shown = st
        .gp()
        .norad_cat_id(&all_absent)
        .empty_result_show()
        .send_text_answer(Format::ThreeLe)
        .await
        .unwrap();
    assert_eq!(shown, spacetrack::TextAnswer::NoResults);
}

#[tokio::test]
async fn partial_answers_of_a_split_list_number_records_across_the_parts() {
    let (sim, st, ids) = setup().await;
    let n = st.gp().norad_cat_id(&ids).urls().unwrap().len();
    assert!(n >= 3);
    let check = |indices: Vec<usize>, total: usize| {
        // Each part has bad records at its own 99th, 199th, ...; counted
        // across the parts, no index repeats and each is in the answer.
        assert!(indices.len() >= n, "{indices:?}");
        assert!(indices.windows(2).all(|w| w[0] < w[1]), "{indices:?}");
        assert!(indices.iter().all(|&i| i < total), "{indices:?}");
        assert_eq!(indices[0], 99);
    };
    sim.inject(vec![spacetrack_sim::Fault::BadRecords { every: 100 }; n]);
    let partial = st.gp().norad_cat_id(&ids).send_partial().await.unwrap();
    let total = partial.records.len() + partial.errors.len();
    assert_eq!(total, ids.len());
    check(
        partial.errors.iter().map(|e| e.record.unwrap()).collect(),
        total,
    );

    sim.inject(vec![spacetrack_sim::Fault::BadRecords { every: 100 }; n]);
    let items: Vec<_> = st
        .gp()
        .norad_cat_id(&ids)
        .stream_partial()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let total = items.len();
    let indices: Vec<usize> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let bad = item.as_ref().err()?;
            assert_eq!(bad.record, Some(i), "the index of the item in the stream");
            Some(i)
        })
        .collect();
    check(indices, total);
}

#[tokio::test]
async fn first_over_a_split_list_asks_for_an_order() {
    let (sim, st, ids) = setup().await;
    sim.clear_requests();
    let e = st.gp().norad_cat_id(&ids).first().await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidArgument(m) if m.contains("first()") && m.contains("order_by")),
        "{e}"
    );
    assert!(query_paths(&sim).is_empty(), "nothing sent");
    let first = st
        .gp()
        .norad_cat_id(&ids)
        .order_by(GpField::NoradCatId)
        .first()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.norad_cat_id, *ids.iter().min().unwrap());
}

#[tokio::test]
async fn what_cannot_be_merged_is_refused_before_sending() {
    let (sim, st, ids) = setup().await;
    sim.clear_requests();
    let refused = [
        st.gp()
            .norad_cat_id(&ids)
            .order_by(GpField::Epoch)
            .stream()
            .await
            .err(),
        st.gp()
            .norad_cat_id(&ids)
            .limit(10)
            .offset(10)
            .send()
            .await
            .err(),
        st.gp().norad_cat_id(&ids).send_json().await.err(),
        st.gp()
            .norad_cat_id(&ids)
            .send_text(Format::Xml)
            .await
            .err(),
        // Which records a limit keeps is only defined with an order.
        st.gp().norad_cat_id(&ids).limit(10).send().await.err(),
        // Operator terms could match one record from two requests.
        st.gp()
            .norad_cat_id(spacetrack::op::one_of(ids.clone()).or(spacetrack::op::gt(5)))
            .send()
            .await
            .err(),
        // Answer-shaping keys go through the typed methods.
        st.gp().raw_predicate("orderby", "epoch").send().await.err(),
        // A projection is one request.
        st.gp()
            .norad_cat_id(&ids)
            .select([GpField::NoradCatId])
            .send()
            .await
            .err(),
        st.gp()
            .norad_cat_id(&ids)
            .distinct()
            .send_text(Format::Csv)
            .await
            .err(),
    ];
    for e in refused {
        assert!(matches!(e, Some(Error::InvalidArgument(_))), "{e:?}");
    }
    assert!(query_paths(&sim).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn paginate_walks_every_record_in_a_total_order() {
    let (sim, st) = sim_and_client(450).await;
    let all = st.gp().order_by(GpField::GpId).send().await.unwrap();
    assert_eq!(all.len(), 450);
    sim.clear_requests();
    let paged: Vec<u32> = st
        .gp()
        .paginate(100)
        .map_ok(|g| g.gp_id)
        .try_collect()
        .await
        .unwrap();
    let want: Vec<u32> = all.iter().map(|g| g.gp_id).collect();
    assert_eq!(paged, want);
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), 5, "four full pages and a short one: {paths:?}");
    for (i, p) in paths.iter().enumerate() {
        assert!(p.contains("/orderby/gp_id/"), "{p}");
        assert!(p.contains(&format!("/limit/100%2C{}/", i * 100)), "{p}");
    }

    // The query's own order comes first; the key breaks ties.
    let by_epoch: Vec<u32> = st
        .gp()
        .order_by(GpField::Epoch.desc())
        .paginate(64)
        .map_ok(|g| g.gp_id)
        .try_collect()
        .await
        .unwrap();
    let mut want = all.clone();
    want.sort_by(|a, b| b.epoch.cmp(&a.epoch).then(a.gp_id.cmp(&b.gp_id)));
    assert_eq!(by_epoch, want.iter().map(|g| g.gp_id).collect::<Vec<_>>());

    // A page size that divides the answer ends with one empty page.
    sim.clear_requests();
    let n = st.gp().paginate(150).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(n.len(), 450);
    assert_eq!(query_paths(&sim).len(), 4);

    // limit/offset of its own, or a zero page, are refused.
    for bad in [st.gp().limit(5).paginate(10), st.gp().paginate(0)] {
        let e = bad.try_collect::<Vec<_>>().await.unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    }
}

#[tokio::test]
async fn first_is_none_on_an_empty_answer() {
    let (sim, st) = sim_and_client(50).await;
    let id = sim.norad_ids()[3];
    assert_eq!(
        st.gp()
            .norad_cat_id(id)
            .first()
            .await
            .unwrap()
            .map(|g| g.norad_cat_id),
        Some(id)
    );
    assert!(
        st.gp()
            .norad_cat_id(999_999_999u32)
            .first()
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn blocking_paginate_and_first() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(async {
        spacetrack_sim::Simulator::builder()
            .objects(120)
            .start()
            .await
            .unwrap()
    });
    let st = spacetrack::blocking::Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(sim.password())
        .build()
        .unwrap();
    let rows: Vec<_> = st.gp().paginate(50).collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 120);
    let first = st.gp().order_by(GpField::GpId).first().unwrap().unwrap();
    assert_eq!(first.gp_id, rows[0].gp_id);
    drop(sim);
}

#[tokio::test]
async fn integers_of_any_type_are_range_checked_not_truncated() {
    let (sim, st) = sim_and_client(50).await;
    let id = sim.norad_ids()[0];
    sim.clear_requests();
    let wide: i64 = id.into();
    let rows = st.gp().norad_cat_id(wide).send().await.unwrap();
    assert_eq!(rows[0].norad_cat_id, id);
    // 2^32 + id would truncate to id: it must be refused, not sent.
    let e = st
        .gp()
        .norad_cat_id(wide + (1i64 << 32))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    assert!(e.to_string().contains("out of range"), "{e}");
    assert_eq!(query_paths(&sim).len(), 1, "only the valid query was sent");
}

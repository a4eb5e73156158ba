//! Issue 25, item 5: `count()` (one small `metadata/true` request, counted
//! on the server), `on_progress` for send, stream, lines, bytes and
//! paginate, and their behaviour with engines.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use spacetrack::engine::{Answer, AnswerFuture, Engine, Request};
use spacetrack::{Async, Error, Format, Progress, Query};
use spacetrack_tests::{builder_for, query_paths, sim_and_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_is_one_small_request_with_the_servers_total() {
    let (sim, st) = sim_and_client(1_500).await;
    let payloads = st.gp().object_type("PAYLOAD");
    let all = payloads.clone().send().await.unwrap().len() as u64;
    assert!(all > 10, "{all}");
    sim.clear_requests();
    // A limit, an offset and an order do not change what is counted.
    let n = payloads
        .clone()
        .order_by(spacetrack::GpField::Epoch.desc())
        .limit(3)
        .offset(1)
        .count()
        .await
        .unwrap();
    assert_eq!(n, all);
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].contains("/metadata/true"), "{}", paths[0]);
    assert!(paths[0].contains("/limit/1/"), "{}", paths[0]);
    assert!(!paths[0].contains("orderby"), "{}", paths[0]);

    // Nothing matches: zero, not an error.
    let none = st.gp().object_name("NO SUCH OBJECT").count().await.unwrap();
    assert_eq!(none, 0);

    // A value list too long for one URL: one small request per part.
    let ids = sim.norad_ids();
    let urls = st.gp().norad_cat_id(&ids).urls().unwrap().len();
    assert!(urls > 1);
    sim.clear_requests();
    let n = st.gp().norad_cat_id(&ids).count().await.unwrap();
    assert_eq!(n, ids.len() as u64);
    let paths = query_paths(&sim);
    assert_eq!(paths.len(), urls);
    assert!(paths.iter().all(|p| p.contains("/limit/1/")));

    // Blocking, from a thread without a runtime.
    let client = builder_for(&sim).build().unwrap();
    let thread = std::thread::spawn(move || {
        let st = spacetrack::blocking::Client::from_async(client)?;
        st.gp().object_type("PAYLOAD").count()
    });
    let b = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b, all);
}

/// An engine answering every query with `body`, recording what it was asked.
struct Fixed {
    body: &'static str,
    asked: Mutex<Vec<(bool, Option<u64>)>>,
}

impl Engine for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn answer(&self, request: Request, _format: Format) -> AnswerFuture {
        self.asked
            .lock()
            .unwrap()
            .push((request.metadata(), request.limit()));
        let body = self.body;
        Box::pin(async move { Ok(Answer::from_bytes(body)) })
    }
}

#[tokio::test]
async fn count_asks_engines_for_metadata_and_says_when_they_have_none() {
    let with = Arc::new(Fixed {
        body: r#"{"request_metadata":{"Total":42,"Limit":1},"data":[{"NORAD_CAT_ID":"1"}]}"#,
        asked: Mutex::new(Vec::new()),
    });
    let q: spacetrack::SatelliteQuery = Query::with_engine(with.clone(), Async).into();
    assert_eq!(q.count().await.unwrap(), 42);
    assert_eq!(*with.asked.lock().unwrap(), [(true, Some(1))]);

    let without = Arc::new(Fixed {
        body: r#"[{"NORAD_CAT_ID":"1"}]"#,
        asked: Mutex::new(Vec::new()),
    });
    let q: spacetrack::SatelliteQuery = Query::with_engine(without, Async).into();
    match q.count().await {
        Err(Error::Engine { engine, source }) => {
            assert_eq!(engine, "fixed");
            assert!(source.to_string().contains("metadata"), "{source}");
        }
        other => panic!("expected Error::Engine, got {other:?}"),
    }
}

/// Every report, and when it came.
#[derive(Clone, Default)]
struct Reports(Arc<Mutex<Vec<(Instant, Progress)>>>);

impl Reports {
    fn callback(&self) -> impl Fn(&Progress) + Send + Sync + 'static {
        let all = self.0.clone();
        move |p| all.lock().unwrap().push((Instant::now(), *p))
    }
    fn all(&self) -> Vec<Progress> {
        self.0.lock().unwrap().iter().map(|(_, p)| *p).collect()
    }
    fn last(&self) -> Progress {
        *self.all().last().expect("at least one report")
    }
    /// Counts never go back, only the last report is `done`, and reports
    /// (but for the last) are at least 100 ms apart.
    fn check(&self) {
        let all = self.0.lock().unwrap().clone();
        assert!(all.last().is_some_and(|(_, p)| p.done), "ends with done");
        assert_eq!(all.iter().filter(|(_, p)| p.done).count(), 1);
        for w in all.windows(2) {
            assert!(w[1].1.records >= w[0].1.records && w[1].1.bytes >= w[0].1.bytes);
        }
        let ticks: Vec<Instant> = all
            .iter()
            .filter(|(_, p)| !p.done)
            .map(|(t, _)| *t)
            .collect();
        for w in ticks.windows(2) {
            assert!(
                w[1] - w[0] >= Duration::from_millis(95),
                "{:?}",
                w[1] - w[0]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_reports_records_and_bytes_of_every_way_to_receive() {
    let (_sim, st) = sim_and_client(3_000).await;
    // Several megabytes: the arrival pipeline's segments, and several
    // reports.
    let body = st.gp_history().send_bytes(Format::Json).await.unwrap();
    assert!(body.len() > 4 << 20, "{} bytes", body.len());

    let r = Reports::default();
    let rows = st
        .gp_history()
        .on_progress(r.callback())
        .send()
        .await
        .unwrap();
    r.check();
    let last = r.last();
    assert_eq!(last.records, rows.len() as u64);
    assert_eq!(last.bytes, body.len() as u64);
    let during = r.all();
    assert!(
        during.iter().any(|p| !p.done && p.records > 0),
        "records reported while arriving: {during:?}"
    );

    let r = Reports::default();
    let streamed: Vec<spacetrack::GpHistory> = st
        .gp_history()
        .on_progress(r.callback())
        .stream()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    r.check();
    assert_eq!(streamed.len(), rows.len());
    assert_eq!(r.last().records, rows.len() as u64);
    assert_eq!(r.last().bytes, body.len() as u64);

    let r = Reports::default();
    let lines: Vec<String> = st
        .gp()
        .on_progress(r.callback())
        .lines(Format::ThreeLe)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    r.check();
    assert_eq!(r.last().records, lines.len() as u64);

    let r = Reports::default();
    let chunks: Vec<bytes::Bytes> = st
        .gp()
        .on_progress(r.callback())
        .bytes(Format::Csv)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    r.check();
    assert_eq!(r.last().records, 0);
    assert_eq!(
        r.last().bytes,
        chunks.iter().map(|c| c.len() as u64).sum::<u64>()
    );

    // paginate: the total from its first page.
    let r = Reports::default();
    let paged: Vec<spacetrack::Satcat> = st
        .satcat()
        .on_progress(r.callback())
        .paginate(700)
        .try_collect()
        .await
        .unwrap();
    r.check();
    assert!(paged.len() > 700);
    assert_eq!(r.last().records, paged.len() as u64);
    assert!(
        r.all()
            .iter()
            .all(|p| p.total_records == Some(paged.len() as u64))
    );
}

#[tokio::test]
async fn a_failed_query_is_never_reported_done() {
    let (sim, _) = sim_and_client(200).await;
    // No retry: a body cut before its first bytes are read would be sent
    // again, and succeed.
    let st = builder_for(&sim)
        .retry(spacetrack::RetryPolicy::none())
        .build()
        .unwrap();
    sim.inject([spacetrack_sim::Fault::TruncateBody]);
    let r = Reports::default();
    let got: spacetrack::Result<Vec<spacetrack::Gp>> = async {
        st.gp()
            .on_progress(r.callback())
            .stream()
            .await?
            .try_collect()
            .await
    }
    .await;
    assert!(got.is_err());
    assert!(r.all().iter().all(|p| !p.done), "{:?}", r.all());
}

#[tokio::test]
async fn progress_without_a_callback_costs_no_request_and_changes_nothing() {
    let (sim, st) = sim_and_client(300).await;
    let plain: Vec<spacetrack::Satcat> = st.satcat().paginate(100).try_collect().await.unwrap();
    let plain_paths = query_paths(&sim);
    sim.clear_requests();
    let r = Reports::default();
    let tracked: Vec<spacetrack::Satcat> = st
        .satcat()
        .on_progress(r.callback())
        .paginate(100)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(plain, tracked);
    let tracked_paths = query_paths(&sim);
    // The same requests; only the first page also asks for the total.
    assert_eq!(plain_paths.len(), tracked_paths.len());
    assert!(tracked_paths[0].contains("/metadata/true"));
    assert!(!plain_paths[0].contains("metadata"));
    assert!(tracked_paths[1..].iter().all(|p| !p.contains("metadata")));
}

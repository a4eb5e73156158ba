//! Never lose a column: unknown columns are kept in every class, cdm's
//! covariance decodes in full, datetimes written as text decode, and bad
//! records can be skipped instead of failing a whole answer.

use chrono::{NaiveDate, NaiveDateTime};
use futures_util::TryStreamExt;
use serde_json::{Map, Value};
use spacetrack::{Error, Record};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::client_for;

const ADDED: &str = "X_ADDED_LATER";

/// A simulator whose every class carries one column no schema lists.
async fn sim_with_added_column() -> Simulator {
    let mut b = Simulator::builder().objects(500);
    for c in spacetrack::CLASSES {
        b = b.extra_column(c.controller, c.class, ADDED, "varchar(40)");
    }
    b.start().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_columns_are_kept_in_every_class() {
    let sim = sim_with_added_column().await;
    let st = client_for(&sim);
    let mut checked = 0;
    macro_rules! check {
        ($rec:ident, $field:ident, $query:ident, $method:ident, $controller:literal, $class:literal) => {
            loop {
                // `delete` is an action: its answer is not rows of a table.
                if $class == "delete" {
                    checked += 1;
                    break;
                }
                let q = st.$method().limit(6);
                // The same answer, untyped, says what was sent.
                let raw = q.clone().send_json().await.unwrap();
                let raw: Vec<Map<String, Value>> = serde_json::from_value(raw).unwrap();
                let rows: Vec<spacetrack::$rec> = q.send().await.unwrap();
                assert_eq!(rows.len(), raw.len(), "{}", $class);
                assert!(!rows.is_empty(), "{}", $class);
                for (row, sent) in rows.iter().zip(&raw) {
                    let unknown = Record::unknown_columns(row);
                    assert_eq!(
                        unknown.names().collect::<Vec<_>>(),
                        [ADDED],
                        "{}: {unknown:?}",
                        $class
                    );
                    assert_eq!(unknown.get(ADDED), sent.get(ADDED), "{}", $class);
                    // Serialising writes every column sent, the unknown one too,
                    // and decoding that again gives the same record.
                    let written = serde_json::to_value(row).unwrap();
                    let written = written.as_object().unwrap();
                    let mut sent_keys: Vec<&String> = sent.keys().collect();
                    let mut written_keys: Vec<&String> = written.keys().collect();
                    sent_keys.sort();
                    written_keys.sort();
                    assert_eq!(sent_keys, written_keys, "{}: a column was lost", $class);
                    assert_eq!(written[ADDED], sent[ADDED]);
                    let again: spacetrack::$rec =
                        serde_json::from_value(Value::Object(written.clone())).unwrap();
                    assert_eq!(&again, row, "{}", $class);
                }
                checked += 1;
                break;
            }
        };
    }
    spacetrack::for_each_class!(check);
    assert_eq!(checked, spacetrack::CLASSES.len());

    // Streaming keeps them too.
    let streamed: Vec<spacetrack::Gp> = st
        .gp()
        .limit(50)
        .stream()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 50);
    assert!(
        streamed
            .iter()
            .all(|g| g.unknown_columns().get(ADDED).is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_column_that_is_no_valid_modeldef_row_is_refused() {
    // The simulator parses extra columns with the generator's own parser.
    let dup = Simulator::builder()
        .extra_column("basicspacedata", "gp", "norad_cat_id", "int(10)")
        .start()
        .await;
    let e = dup.err().expect("a duplicate column is refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("duplicate field"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_columns_can_be_filtered_on_with_a_raw_predicate() {
    let sim = Simulator::builder()
        .objects(300)
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .start()
        .await
        .unwrap();
    let st = client_for(&sim);
    let rows = st
        .gp()
        .raw_predicate("REENTRY_RISK", ">0.5")
        .send()
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for g in &rows {
        let risk: f64 = g
            .unknown_columns()
            .get_str("REENTRY_RISK")
            .unwrap()
            .parse()
            .unwrap();
        assert!(risk > 0.5, "{risk}");
    }
    // The server saw the filter: counted on its side.
    let paths = spacetrack_tests::query_paths(&sim);
    assert!(
        paths.iter().any(|p| p.contains("/reentry_risk/%3E0.5/")),
        "{paths:?}"
    );
}

/// Space-Track's `%g`-style numbers as text.
fn number(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdm_with_its_covariance_decodes_with_nothing_dropped_and_round_trips() {
    let sim = Simulator::builder().objects(500).start().await.unwrap();
    let st = client_for(&sim);
    let raw = st.cdm().limit(40).send_json().await.unwrap();
    let raw: Vec<Map<String, Value>> = serde_json::from_value(raw).unwrap();
    let rows = st.cdm().limit(40).send().await.unwrap();
    assert_eq!(rows.len(), 40);
    assert!(raw[0].len() >= 300, "the simulator sends every cdm column");

    // Real value forms are present in what was sent...
    let text = serde_json::to_string(&raw).unwrap();
    assert!(raw.iter().any(|r| r["SAT2_MANEUVERABLE"] == "N/A"));
    assert!(
        raw.iter()
            .any(|r| r["SAT1_CR_R"].as_str().is_some_and(|s| s.contains("e-")))
    );
    assert!(
        raw.iter()
            .all(|r| r["TCA"].as_str().is_none_or(|s| !s.contains('.')))
    );
    assert!(text.contains("TCA_FRACTION"));

    // ... and decode: nothing unknown, nothing dropped.
    for (row, sent) in rows.iter().zip(&raw) {
        assert!(
            row.unknown_columns().is_empty(),
            "{:?}",
            row.unknown_columns()
        );
        let written = serde_json::to_value(row).unwrap();
        let written = written.as_object().unwrap();
        let mut a: Vec<&String> = sent.keys().collect();
        let mut b: Vec<&String> = written.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        // Covariance terms are numbers equal to what was sent.
        if let (Some(v), Some(got)) = (sent["SAT1_CR_R"].as_str(), row.sat1_cr_r) {
            assert_eq!(got, v.parse::<f64>().unwrap());
        }
        if !sent["SAT2_CSRP_SRP"].is_null() {
            assert_eq!(row.sat2_csrp_srp, Some(number(&sent["SAT2_CSRP_SRP"])));
        }
        assert_eq!(
            row.sat2_maneuverable.as_ref().map(|m| m.as_str()),
            sent["SAT2_MANEUVERABLE"].as_str()
        );
        assert_eq!(
            row.tca_fraction.as_deref(),
            sent["TCA_FRACTION"].as_str(),
            "fractions stay text so leading zeros survive"
        );
        if let Some(tca) = sent["TCA"].as_str() {
            let want = NaiveDateTime::parse_from_str(tca, "%Y-%m-%d %H:%M:%S").unwrap();
            assert_eq!(row.tca.unwrap().naive_utc(), want);
        }
        // Every value round-trips: compare each column by value.
        for (k, v) in sent {
            let w = &written[k];
            match (v, w) {
                (Value::String(s), Value::Number(n)) => {
                    assert_eq!(s.parse::<f64>().unwrap(), n.as_f64().unwrap(), "{k}")
                }
                (Value::String(s), Value::String(t)) if s != t => {
                    // Datetimes are written in one style (`T`); same instant.
                    let p = |x: &str| {
                        NaiveDateTime::parse_from_str(x, "%Y-%m-%d %H:%M:%S")
                            .or_else(|_| NaiveDateTime::parse_from_str(x, "%Y-%m-%dT%H:%M:%S"))
                            .unwrap_or_else(|_| panic!("{k}: {s:?} vs {t:?}"))
                    };
                    assert_eq!(p(s), p(t), "{k}");
                }
                _ => assert_eq!(v, w, "{k}"),
            }
        }
    }
    // And decoding what we wrote gives the same records.
    let again: Vec<spacetrack::Cdm> =
        spacetrack::de::from_json_slice(&serde_json::to_vec(&rows).unwrap()).unwrap();
    assert_eq!(again, rows);
}

#[test]
fn a_cdm_record_in_the_real_answers_forms_decodes() {
    // The forms of the real 2019 answer: datetimes without fractions, the
    // fraction apart, exponent notation, N/A, escaped slashes, URLs.
    let body = br#"[{"CDM_ID":"24537247","TCA":"2019-03-17 09:28:20","TCA_FRACTION":"23",
        "CREATION_DATE":"2019-03-16 19:01:02","CREATION_DATE_FRACTION":"0",
        "MISS_DISTANCE":"886","MISS_DISTANCE_UNIT":"m","RELATIVE_SPEED":"14203",
        "RELATIVE_SPEED_UNIT":"m\/s","COLLISION_PROBABILITY":"5.89239e-05",
        "SAT1_CR_R":"1.23456e+02","SAT1_CR_R_UNIT":"m**2","SAT1_CT_R":"-4.5e-03",
        "SAT2_MANEUVERABLE":"N/A","SAT1_MANEUVERABLE":"NO","SAT1_OBJECT_TYPE":"TBA",
        "SAT1_OPERATOR_PHONE":"https:\/\/example.org\/contact","GID":"79"}]"#;
    let rows: Vec<spacetrack::Cdm> = spacetrack::de::from_json_slice(body).unwrap();
    let c = &rows[0];
    assert_eq!(c.collision_probability, Some(5.89239e-05));
    assert_eq!(c.sat1_cr_r, Some(123.456));
    assert_eq!(c.sat1_ct_r, Some(-0.0045));
    assert_eq!(c.relative_speed_unit.as_deref(), Some("m/s"));
    assert_eq!(
        c.sat2_maneuverable,
        Some(spacetrack::CdmSat2Maneuverable::NA)
    );
    assert_eq!(
        c.sat1_maneuverable,
        Some(spacetrack::CdmSat1Maneuverable::No)
    );
    assert_eq!(
        c.sat1_object_type,
        Some(spacetrack::CdmSat1ObjectType::Other("TBA".into()))
    );
    assert_eq!(c.tca_fraction.as_deref(), Some("23"));
    assert_eq!(
        c.tca.unwrap().naive_utc(),
        NaiveDate::from_ymd_opt(2019, 3, 17)
            .unwrap()
            .and_hms_opt(9, 28, 20)
            .unwrap()
    );
    assert!(c.unknown_columns().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decay_epochs_in_every_real_form_decode_to_datetimes() {
    let sim = Simulator::builder().objects(2_000).start().await.unwrap();
    let st = client_for(&sim);
    let raw = st.decay().limit(300).send_json().await.unwrap();
    let raw: Vec<Map<String, Value>> = serde_json::from_value(raw).unwrap();
    let rows = st.decay().limit(300).send().await.unwrap();
    let mut forms = std::collections::BTreeSet::new();
    for (row, sent) in rows.iter().zip(&raw) {
        let Some(text) = sent["DECAY_EPOCH"].as_str() else {
            assert_eq!(row.decay_epoch, None);
            continue;
        };
        let (day, time) = text.split_once(' ').unwrap();
        let parts: Vec<&str> = time.split(':').collect();
        forms.insert((parts[0].len(), parts.len()));
        let want = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(
                parts[0].parse().unwrap(),
                parts[1].parse().unwrap(),
                parts.get(2).map_or(0, |s| s.parse().unwrap()),
            )
            .unwrap();
        assert_eq!(row.decay_epoch.unwrap().naive_utc(), want, "{text}");
    }
    // One-digit hours, with and without seconds, and two-digit hours.
    assert!(forms.contains(&(1, 2)), "{forms:?}");
    assert!(forms.contains(&(1, 3)), "{forms:?}");
    assert!(forms.iter().any(|f| f.0 == 2), "{forms:?}");
    // The column is still filtered as text: the predicate takes a string.
    let day = rows[0].decay_epoch.unwrap().format("%Y-%m-%d").to_string();
    let same_day = st
        .decay()
        .decay_epoch(spacetrack::op::starts_with(day.clone()))
        .send()
        .await
        .unwrap();
    assert!(
        same_day
            .iter()
            .all(|d| d.decay_epoch.unwrap().format("%Y-%m-%d").to_string() == day)
    );
    assert!(!same_day.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_results_give_the_good_records_and_one_error_per_bad_record() {
    let sim = Simulator::builder().objects(400).start().await.unwrap();
    let st = client_for(&sim);
    let all = st.gp().send().await.unwrap();
    assert_eq!(all.len(), 400);

    // Strict stays the default: one bad record fails the whole answer.
    sim.inject([Fault::BadRecords { every: 50 }]);
    let e = st.gp().send().await.unwrap_err();
    let d = e.as_decode().expect("a decode error");
    assert_eq!(d.record, Some(49));
    assert_eq!(d.value.as_deref(), Some("N/A"));

    // On request: every good record, in order, and the bad ones named.
    sim.inject([Fault::BadRecords { every: 50 }]);
    let partial = st.gp().send_partial().await.unwrap();
    assert_eq!(partial.records.len(), 392);
    assert_eq!(partial.errors.len(), 8);
    for (k, bad) in partial.errors.iter().enumerate() {
        assert_eq!(bad.class, "gp");
        assert_eq!(bad.record, Some(50 * k + 49));
        assert_eq!(bad.field.as_deref(), Some("CREATION_DATE"), "{bad}");
        assert_eq!(bad.value.as_deref(), Some("N/A"));
    }
    let good: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 50 != 49)
        .map(|(_, g)| g.clone())
        .collect();
    assert_eq!(partial.records, good);
    assert!(!partial.is_complete());

    // The stream goes on past bad records...
    sim.inject([Fault::BadRecords { every: 50 }]);
    let items: Vec<_> = st
        .gp()
        .stream_partial()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 400);
    assert_eq!(items.iter().filter(|i| i.is_err()).count(), 8);
    let streamed: Vec<_> = items.into_iter().filter_map(Result::ok).collect();
    assert_eq!(streamed, good);

    // ... but a malformed answer is still an error, never a shorter list.
    sim.inject([Fault::InvalidJson]);
    assert!(matches!(
        st.gp().send_partial().await,
        Err(Error::Decode(_))
    ));
    // A body cut short (every retry too) ends in an error, before the
    // stream is handed over or during it, never in a clean end.
    sim.inject([Fault::TruncateBody; 4]);
    let (_, end) = spacetrack_tests::drain(st.gp().stream_partial().await).await;
    assert!(end.is_some());

    // Blocking too.
    let async_client = st.clone();
    sim.inject([Fault::BadRecords { every: 100 }]);
    let p = std::thread::spawn(move || {
        spacetrack::blocking::Client::from_async(async_client)?
            .gp()
            .send_partial()
    })
    .join()
    .unwrap()
    .unwrap();
    assert_eq!((p.records.len(), p.errors.len()), (396, 4));
}

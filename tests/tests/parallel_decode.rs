//! Large answers are decoded on several cores (spacetrack-sdk/src/parallel.rs):
//! the records, their order and every error must be exactly the
//! sequential decoder's, whatever the body holds.

use spacetrack::{Error, Format, Gp};
use spacetrack_tests::sim_and_client;

/// A real gp answer of several MiB (enough for two decoding threads).
async fn big_body() -> Vec<u8> {
    let (_sim, st) = sim_and_client(9_000).await;
    let body = st.gp().send_bytes(Format::Json).await.unwrap().to_vec();
    assert!(body.len() > 8 << 20, "{} bytes", body.len());
    body
}

fn sequential(body: &[u8]) -> Vec<Gp> {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn records_and_order_are_the_sequential_decoders() {
    let body = big_body().await;
    let rows = spacetrack::de::from_json_slice::<Gp>(&body).unwrap();
    assert_eq!(rows.len(), 9_000);
    assert_eq!(rows, sequential(&body));
}

#[tokio::test]
async fn a_record_boundary_inside_a_string_is_still_decoded_right() {
    let body = String::from_utf8(big_body().await).unwrap();
    // Put `},{` inside object names all over the body, where a cut would
    // otherwise land.
    let tricky = body.replace(
        r#""OBJECT_NAME":"OBJECT"#,
        r#""OBJECT_NAME":"},{\"X\":\"1\"}],["#,
    );
    assert_ne!(tricky, body);
    let rows = spacetrack::de::from_json_slice::<Gp>(tricky.as_bytes()).unwrap();
    assert_eq!(rows, sequential(tricky.as_bytes()));
}

#[tokio::test]
async fn an_error_names_the_record_the_sequential_decoder_names() {
    let body = String::from_utf8(big_body().await).unwrap();
    // Spoil one record in the second half: its index must be exact.
    let at = body.len() * 3 / 4;
    let pos = at + body[at..].find(r#""NORAD_CAT_ID":""#).unwrap();
    let record = body[..pos].matches(r#""CCSDS_OMM_VERS""#).count() - 1;
    let spoiled = format!(
        "{}\"NORAD_CAT_ID\":\"X{}",
        &body[..pos],
        &body[pos + r#""NORAD_CAT_ID":""#.len()..]
    );
    let Err(Error::Decode(e)) = spacetrack::de::from_json_slice::<Gp>(spoiled.as_bytes()) else {
        panic!("a bad value must fail the answer");
    };
    assert_eq!(e.record, Some(record), "{e}");
    assert_eq!(e.field.as_deref(), Some("NORAD_CAT_ID"));

    // A body cut short, or with trailing garbage, is still an error.
    for bad in [&body[..body.len() - 10], &format!("{body}]")[..]] {
        assert!(spacetrack::de::from_json_slice::<Gp>(bad.as_bytes()).is_err());
    }
}

//! gp's 40 columns, all as text, decoded (and dropped) as `String`s and as
//! `CompactString`s (inline up to 24 bytes): the price of allocating the
//! text columns, which small-string storage would remove.
//!
//! cargo run --release --manifest-path bench/smallstr/Cargo.toml -- GP.json
use std::time::Instant;
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct S {
    #[serde(rename = "CCSDS_OMM_VERS")]
    f0: Option<String>,
    #[serde(rename = "COMMENT")]
    f1: Option<String>,
    #[serde(rename = "CREATION_DATE")]
    f2: Option<String>,
    #[serde(rename = "ORIGINATOR")]
    f3: Option<String>,
    #[serde(rename = "OBJECT_NAME")]
    f4: Option<String>,
    #[serde(rename = "OBJECT_ID")]
    f5: Option<String>,
    #[serde(rename = "CENTER_NAME")]
    f6: Option<String>,
    #[serde(rename = "REF_FRAME")]
    f7: Option<String>,
    #[serde(rename = "TIME_SYSTEM")]
    f8: Option<String>,
    #[serde(rename = "MEAN_ELEMENT_THEORY")]
    f9: Option<String>,
    #[serde(rename = "EPOCH")]
    f10: Option<String>,
    #[serde(rename = "MEAN_MOTION")]
    f11: Option<String>,
    #[serde(rename = "ECCENTRICITY")]
    f12: Option<String>,
    #[serde(rename = "INCLINATION")]
    f13: Option<String>,
    #[serde(rename = "RA_OF_ASC_NODE")]
    f14: Option<String>,
    #[serde(rename = "ARG_OF_PERICENTER")]
    f15: Option<String>,
    #[serde(rename = "MEAN_ANOMALY")]
    f16: Option<String>,
    #[serde(rename = "EPHEMERIS_TYPE")]
    f17: Option<String>,
    #[serde(rename = "CLASSIFICATION_TYPE")]
    f18: Option<String>,
    #[serde(rename = "NORAD_CAT_ID")]
    f19: Option<String>,
    #[serde(rename = "ELEMENT_SET_NO")]
    f20: Option<String>,
    #[serde(rename = "REV_AT_EPOCH")]
    f21: Option<String>,
    #[serde(rename = "BSTAR")]
    f22: Option<String>,
    #[serde(rename = "MEAN_MOTION_DOT")]
    f23: Option<String>,
    #[serde(rename = "MEAN_MOTION_DDOT")]
    f24: Option<String>,
    #[serde(rename = "SEMIMAJOR_AXIS")]
    f25: Option<String>,
    #[serde(rename = "PERIOD")]
    f26: Option<String>,
    #[serde(rename = "APOAPSIS")]
    f27: Option<String>,
    #[serde(rename = "PERIAPSIS")]
    f28: Option<String>,
    #[serde(rename = "OBJECT_TYPE")]
    f29: Option<String>,
    #[serde(rename = "RCS_SIZE")]
    f30: Option<String>,
    #[serde(rename = "COUNTRY_CODE")]
    f31: Option<String>,
    #[serde(rename = "LAUNCH_DATE")]
    f32: Option<String>,
    #[serde(rename = "SITE")]
    f33: Option<String>,
    #[serde(rename = "DECAY_DATE")]
    f34: Option<String>,
    #[serde(rename = "FILE")]
    f35: Option<String>,
    #[serde(rename = "GP_ID")]
    f36: Option<String>,
    #[serde(rename = "TLE_LINE0")]
    f37: Option<String>,
    #[serde(rename = "TLE_LINE1")]
    f38: Option<String>,
    #[serde(rename = "TLE_LINE2")]
    f39: Option<String>,
}
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct C {
    #[serde(rename = "CCSDS_OMM_VERS")]
    f0: Option<compact_str::CompactString>,
    #[serde(rename = "COMMENT")]
    f1: Option<compact_str::CompactString>,
    #[serde(rename = "CREATION_DATE")]
    f2: Option<compact_str::CompactString>,
    #[serde(rename = "ORIGINATOR")]
    f3: Option<compact_str::CompactString>,
    #[serde(rename = "OBJECT_NAME")]
    f4: Option<compact_str::CompactString>,
    #[serde(rename = "OBJECT_ID")]
    f5: Option<compact_str::CompactString>,
    #[serde(rename = "CENTER_NAME")]
    f6: Option<compact_str::CompactString>,
    #[serde(rename = "REF_FRAME")]
    f7: Option<compact_str::CompactString>,
    #[serde(rename = "TIME_SYSTEM")]
    f8: Option<compact_str::CompactString>,
    #[serde(rename = "MEAN_ELEMENT_THEORY")]
    f9: Option<compact_str::CompactString>,
    #[serde(rename = "EPOCH")]
    f10: Option<compact_str::CompactString>,
    #[serde(rename = "MEAN_MOTION")]
    f11: Option<compact_str::CompactString>,
    #[serde(rename = "ECCENTRICITY")]
    f12: Option<compact_str::CompactString>,
    #[serde(rename = "INCLINATION")]
    f13: Option<compact_str::CompactString>,
    #[serde(rename = "RA_OF_ASC_NODE")]
    f14: Option<compact_str::CompactString>,
    #[serde(rename = "ARG_OF_PERICENTER")]
    f15: Option<compact_str::CompactString>,
    #[serde(rename = "MEAN_ANOMALY")]
    f16: Option<compact_str::CompactString>,
    #[serde(rename = "EPHEMERIS_TYPE")]
    f17: Option<compact_str::CompactString>,
    #[serde(rename = "CLASSIFICATION_TYPE")]
    f18: Option<compact_str::CompactString>,
    #[serde(rename = "NORAD_CAT_ID")]
    f19: Option<compact_str::CompactString>,
    #[serde(rename = "ELEMENT_SET_NO")]
    f20: Option<compact_str::CompactString>,
    #[serde(rename = "REV_AT_EPOCH")]
    f21: Option<compact_str::CompactString>,
    #[serde(rename = "BSTAR")]
    f22: Option<compact_str::CompactString>,
    #[serde(rename = "MEAN_MOTION_DOT")]
    f23: Option<compact_str::CompactString>,
    #[serde(rename = "MEAN_MOTION_DDOT")]
    f24: Option<compact_str::CompactString>,
    #[serde(rename = "SEMIMAJOR_AXIS")]
    f25: Option<compact_str::CompactString>,
    #[serde(rename = "PERIOD")]
    f26: Option<compact_str::CompactString>,
    #[serde(rename = "APOAPSIS")]
    f27: Option<compact_str::CompactString>,
    #[serde(rename = "PERIAPSIS")]
    f28: Option<compact_str::CompactString>,
    #[serde(rename = "OBJECT_TYPE")]
    f29: Option<compact_str::CompactString>,
    #[serde(rename = "RCS_SIZE")]
    f30: Option<compact_str::CompactString>,
    #[serde(rename = "COUNTRY_CODE")]
    f31: Option<compact_str::CompactString>,
    #[serde(rename = "LAUNCH_DATE")]
    f32: Option<compact_str::CompactString>,
    #[serde(rename = "SITE")]
    f33: Option<compact_str::CompactString>,
    #[serde(rename = "DECAY_DATE")]
    f34: Option<compact_str::CompactString>,
    #[serde(rename = "FILE")]
    f35: Option<compact_str::CompactString>,
    #[serde(rename = "GP_ID")]
    f36: Option<compact_str::CompactString>,
    #[serde(rename = "TLE_LINE0")]
    f37: Option<compact_str::CompactString>,
    #[serde(rename = "TLE_LINE1")]
    f38: Option<compact_str::CompactString>,
    #[serde(rename = "TLE_LINE2")]
    f39: Option<compact_str::CompactString>,
}
fn main() {
    let body = std::fs::read_to_string(
        std::env::args()
            .nth(1)
            .expect("usage: smallstr-bench GP.json"),
    )
    .unwrap();
    let (mut ts, mut tc) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        let t = Instant::now();
        let a: Vec<S> = serde_json::from_str(&body).unwrap();
        drop(a);
        ts.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let b: Vec<C> = serde_json::from_str(&body).unwrap();
        drop(b);
        tc.push(t.elapsed().as_secs_f64());
    }
    ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    tc.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("40 columns as text; median of 9 (decode + drop): String {:.1} ms, CompactString {:.1} ms, ratio {:.2}", ts[4]*1e3, tc[4]*1e3, tc[4]/ts[4]);
}

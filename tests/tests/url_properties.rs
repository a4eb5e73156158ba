//! Property tests of URL building: for any value, the URL parses back to
//! exactly the intended path segments (no value can add, drop or reorder a
//! segment), and the encoding is the reference client's
//! (`urllib.parse.quote(value, safe="")`, python-spacetrack-2.1.0.md §1.3).

use proptest::prelude::*;
use spacetrack::query::encode_segment;

fn client() -> spacetrack::Client {
    spacetrack::Client::builder()
        .identity("props@example.invalid")
        .password(format!("p{}", std::process::id()))
        .base_url("https://st.example.invalid/base/")
        .build()
        .unwrap()
}

/// Python's `quote(s, safe="")`, written independently of the SDK: UTF-8
/// bytes, unreserved ASCII kept, everything else `%XX` in upper case.
fn python_quote(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The decoded path segments of a URL after the base path.
fn segments(url: &str) -> Vec<String> {
    let u = url::Url::parse(url).expect("a valid URL");
    assert_eq!(u.fragment(), None, "no fragment in {url}");
    u.path_segments()
        .expect("a path")
        .skip(1) // "base"
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .expect("UTF-8")
                .into_owned()
        })
        .collect()
}

/// Whether the typed layer must refuse `s` as a literal (it would read as
/// an operator or a list on Space-Track's side).
fn reserved(s: &str) -> bool {
    literal_reserved(s) || unsendable(s)
}

/// A whole path segment that URL normalisation would remove.
fn unsendable(s: &str) -> bool {
    matches!(s, "" | "." | "..")
}

/// Space-Track's operator and list syntax, refused inside a literal.
fn literal_reserved(s: &str) -> bool {
    s.is_empty()
        || s.contains(',')
        || s.contains("--")
        || s.starts_with(['>', '<', '^'])
        || s.starts_with("~~")
        || s.ends_with("~~")
        || s.eq_ignore_ascii_case("null-val")
}

/// Strings that favour the characters that matter in URLs.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("/".to_owned()),
                Just("%".to_owned()),
                Just("%2F".to_owned()),
                Just("?".to_owned()),
                Just("#".to_owned()),
                Just("&".to_owned()),
                Just("=".to_owned()),
                Just("+".to_owned()),
                Just(" ".to_owned()),
                Just(",".to_owned()),
                Just("--".to_owned()),
                Just(">".to_owned()),
                Just("<>".to_owned()),
                Just("~~".to_owned()),
                Just("^".to_owned()),
                Just("..".to_owned()),
                Just(".".to_owned()),
                Just("null-val".to_owned()),
                Just("é".to_owned()),
                Just("\u{0}".to_owned()),
                "[a-zA-Z0-9]{1,3}",
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoding_is_pythons_quote_and_round_trips(s in hostile()) {
        let e = encode_segment(&s);
        prop_assert_eq!(&e, &python_quote(&s));
        prop_assert!(!e.contains(['/', '?', '#', '&', '+', ' ']));
        let back = percent_encoding::percent_decode_str(&e).decode_utf8().unwrap();
        prop_assert_eq!(back, s.as_str());
    }

    #[test]
    fn raw_predicates_stay_in_their_segments(
        preds in proptest::collection::vec(("[a-z_]{1,12}", hostile()), 0..8),
    ) {
        let st = client();
        let mut q = st.request("satcat");
        let mut expected: Vec<(String, String)> = Vec::new();
        for (k, v) in &preds {
            q = q.predicate(k, v.as_str());
            // A repeated key replaces the earlier value in place.
            match expected.iter_mut().find(|(ek, _)| ek == k) {
                Some(slot) => slot.1 = v.clone(),
                None => expected.push((k.clone(), v.clone())),
            }
        }
        // `.`, `..` and empty values cannot survive URL normalisation: they
        // are refused rather than silently dropped.
        let unsendable = expected.iter().any(|(_, v)| matches!(v.as_str(), "" | "." | ".."));
        let url = match q.url(spacetrack::Format::Json) {
            Ok(url) => {
                prop_assert!(!unsendable, "sent an unsendable value: {expected:?}");
                url
            }
            Err(spacetrack::Error::InvalidArgument(_)) if unsendable => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
        };
        let mut want = vec!["basicspacedata".to_owned(), "query".into(), "class".into(), "satcat".into()];
        for (k, v) in expected {
            want.push(k);
            want.push(v);
        }
        want.push("format".into());
        want.push("json".into());
        prop_assert_eq!(segments(&url), want);
        let parsed = url::Url::parse(&url).unwrap();
        prop_assert_eq!(parsed.query(), None);
    }

    #[test]
    fn typed_string_values_are_exact_or_refused(s in hostile(), n in 0u32..1_000_000) {
        let st = client();
        let q = st.satcat().object_name(s.as_str()).norad_cat_id(n);
        match q.url() {
            Ok(url) => {
                prop_assert!(!reserved(&s), "accepted reserved literal {s:?}");
                let segs = segments(&url);
                prop_assert_eq!(segs.len(), 10, "{:?}", segs);
                prop_assert_eq!(&segs[4], "object_name");
                prop_assert_eq!(&segs[5], &s);
                prop_assert_eq!(&segs[6], "norad_cat_id");
                prop_assert_eq!(&segs[7], &n.to_string());
            }
            Err(spacetrack::Error::InvalidArgument(_)) => prop_assert!(reserved(&s), "refused {s:?}"),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn lists_join_exactly(values in proptest::collection::vec(hostile(), 1..20)) {
        let st = client();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        match st.satcat().object_name(refs).url() {
            Ok(url) => {
                prop_assert!(values.iter().all(|v| !literal_reserved(v)));
                prop_assert!(!unsendable(&values.join(",")));
                let segs = segments(&url);
                prop_assert_eq!(segs.len(), 8);
                prop_assert_eq!(&segs[5], &values.join(","));
            }
            Err(spacetrack::Error::InvalidArgument(_)) => {
                prop_assert!(
                    values.iter().any(|v| literal_reserved(v)) || unsendable(&values.join(","))
                );
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn publicfiles_names_stay_in_the_query_string(name in hostile()) {
        prop_assume!(!name.is_empty());
        let st = client();
        let url = st.public_download(&name).url().unwrap();
        let u = url::Url::parse(&url).unwrap();
        prop_assert_eq!(
            segments(&url),
            ["publicfiles", "query", "class", "download", "format", "stream"]
        );
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        prop_assert_eq!(pairs, vec![("name".to_owned(), name.clone())]);
        prop_assert_eq!(u.fragment(), None);
    }
}

#[test]
fn long_lists_build_without_loss() {
    let st = client();
    let ids: Vec<u32> = (1..=5_000).collect();
    let url = st.gp().norad_cat_id(ids.clone()).url().unwrap();
    let segs = segments(&url);
    let got: Vec<u32> = segs[5].split(',').map(|s| s.parse().unwrap()).collect();
    assert_eq!(got, ids);
}

#[test]
fn dot_segments_are_refused_everywhere() {
    let st = client();
    for bad in [".", ".."] {
        assert!(
            st.request(bad)
                .controller("basicspacedata")
                .url(spacetrack::Format::Json)
                .is_err()
        );
        assert!(
            st.request("gp")
                .controller(bad)
                .url(spacetrack::Format::Json)
                .is_err()
        );
        assert!(st.gp().raw_predicate(bad, "1").url().is_err());
        assert!(st.satcat().object_name(bad).url().is_err());
    }
}

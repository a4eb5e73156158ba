//! Hostile input: bodies from the simulator that attack one column (typed
//! errors naming it, through send() and stream()), and a smoke run of the
//! fuzz targets' bodies (fuzz/src/lib.rs) over seeds and mutations.

use futures_util::TryStreamExt;
use spacetrack::Error;
use spacetrack_sim::{Fault, Hostile, Simulator};
use spacetrack_tests::builder_for;

#[path = "../../fuzz/src/lib.rs"]
mod targets;

fn decode_field(e: &Error) -> (Option<String>, String) {
    match e {
        Error::Decode(d) => (d.field.clone(), d.to_string()),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_typed_errors_naming_the_column() {
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    for h in [
        Hostile::DeepNesting,
        Hostile::HugeString,
        Hostile::NumberOutOfRange,
        Hostile::DateOutOfRange,
    ] {
        sim.inject([Fault::Hostile(h)]);
        let e = st.gp().limit(2).send().await.unwrap_err();
        let (field, text) = decode_field(&e);
        assert_eq!(field.as_deref(), Some(h.column()), "{h:?}: {text}");
        assert!(text.len() < 2_000, "{h:?}: the message stays short");
        if let Error::Decode(d) = &e {
            assert_eq!(d.record, Some(1), "{h:?}: the second record");
        }

        // Streaming: the first record arrives, then an error; never a
        // clean, shorter end.
        sim.inject([Fault::Hostile(h)]);
        let mut s = st.gp().limit(2).stream().await.unwrap();
        assert!(s.try_next().await.unwrap().is_some());
        let e = s.try_next().await.unwrap_err();
        let (field, text) = decode_field(&e);
        match h {
            // The record is refused before decoding: it is too large.
            Hostile::HugeString => assert!(text.contains("larger than"), "{text}"),
            _ => assert_eq!(field.as_deref(), Some(h.column()), "{h:?}: {text}"),
        }
    }
}

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 if !v.is_empty() => v.truncate(rng.below(v.len())),
            2 => {
                let i = rng.below(v.len() + 1);
                let junk: &[u8] = [
                    &b"\""[..],
                    b"{",
                    b"[",
                    b"]",
                    b"}",
                    b",",
                    b"\\",
                    b"null",
                    b"1e999",
                    b"-0",
                ][rng.below(10)];
                v.splice(i..i, junk.iter().copied());
            }
            3 if v.len() > 1 => {
                let a = rng.below(v.len());
                let b = rng.below(v.len());
                let (a, b) = (a.min(b), a.max(b));
                let copy = v[a..b].to_vec();
                v.splice(b..b, copy);
            }
            _ => {}
        }
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_targets_smoke() {
    // Seeds: real answers of every class from the simulator, a metadata
    // answer, error bodies and a modeldef.
    let sim = Simulator::builder().objects(30).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    let mut seeds: Vec<Vec<u8>> = vec![
        br#"[{"error":"You've violated your query rate limit."}]"#.to_vec(),
        br#"{"error":"You must be logged in to complete this action"}"#.to_vec(),
        b"[]".to_vec(),
        b"".to_vec(),
    ];
    for class in spacetrack::CLASSES {
        let mut q = st
            .request(class.class)
            .controller(class.controller)
            .predicate("limit", "3");
        if class.class == "delete" {
            q = q.predicate("file_id", "101");
        }
        let body = q.send_as::<serde_json::Value>().await.unwrap();
        seeds.push(serde_json::to_vec(&body).unwrap());
    }
    let page = st.gp().limit(2).send_json().await.unwrap();
    seeds.push(
        serde_json::to_vec(&serde_json::json!({"request_metadata": {"Total": 2}, "data": page}))
            .unwrap(),
    );
    let modeldef = serde_json::json!({
        "controller": "basicspacedata",
        "data": st.get_predicates("gp").await.unwrap().to_vec(),
    });
    seeds.push(serde_json::to_vec(&modeldef).unwrap());
    assert!(seeds.len() > 20);

    let mut rng = Rng(0x5eed_cafe);
    let mut runs = 0;
    for seed in &seeds {
        for i in 0..150 {
            let input = if i == 0 {
                seed.clone()
            } else {
                mutate(seed, &mut rng)
            };
            targets::decode_records(&input);
            let mut chunked = vec![rng.next() as u8];
            chunked.extend_from_slice(&input);
            targets::read_records(&chunked);
            targets::modeldef(&input);
            runs += 1;
        }
    }
    assert_eq!(runs, seeds.len() * 150);
}

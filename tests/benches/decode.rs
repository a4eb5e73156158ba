//! Decode throughput of realistic answers and query-building cost.
//!
//! Bodies come from the simulator, formatted as Space-Track formats them
//! (every value a string). Run: `cargo bench -p spacetrack-tests --bench decode`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spacetrack::{Format, GpField, op};

/// Fetches `class` answers from a simulator with `objects` objects.
fn bodies(objects: usize, wanted: &[(&'static str, Option<u64>)]) -> Vec<(String, Vec<u8>)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sim = spacetrack_sim::Simulator::builder()
            .objects(objects)
            .start()
            .await
            .unwrap();
        let st = spacetrack::Client::builder()
            .base_url(sim.base_url())
            .allow_http(true)
            .identity(sim.identity())
            .password(sim.password())
            .rate_limits([])
            .modeldef_cache_dir(None)
            .build()
            .unwrap();
        let mut out = Vec::new();
        for &(class, limit) in wanted {
            let mut q = st.request(class);
            if let Some(l) = limit {
                q = q.predicate("limit", l);
            }
            let body = q.send_bytes(Format::Json).await.unwrap();
            out.push((class.to_owned(), body.to_vec()));
        }
        out
    })
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    let sets = [
        (
            30_000,
            vec![("gp", None), ("satcat", None), ("cdm_public", None)],
        ),
        (100_000, vec![("gp", None)]),
    ];
    for (objects, wanted) in sets {
        for (class, body) in bodies(objects, &wanted) {
            let n = serde_json::from_slice::<Vec<serde_json::Value>>(&body)
                .unwrap()
                .len();
            let label = format!("{class}/{n}");
            g.throughput(Throughput::Bytes(body.len() as u64));
            g.bench_with_input(
                BenchmarkId::new("serde_json::Value", &label),
                &body,
                |b, body| {
                    b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(body).unwrap()))
                },
            );
            macro_rules! typed {
                ($rec:ty) => {{
                    g.bench_with_input(BenchmarkId::new("typed send", &label), &body, |b, body| {
                        b.iter(|| black_box(spacetrack::de::from_json_slice::<$rec>(body).unwrap()))
                    });
                    g.bench_with_input(
                        BenchmarkId::new("typed stream", &label),
                        &body,
                        |b, body| {
                            b.iter(|| {
                                let mut count = 0usize;
                                for r in spacetrack::de::read_records::<$rec, _>(&body[..]) {
                                    black_box(r.unwrap());
                                    count += 1;
                                }
                                count
                            })
                        },
                    );
                }};
            }
            match class.as_str() {
                "gp" => typed!(spacetrack::Gp),
                "satcat" => typed!(spacetrack::Satcat),
                "cdm_public" => typed!(spacetrack::CdmPublic),
                _ => unreachable!(),
            }
        }
    }
    g.finish();
}

/// Where the time of a typed decode goes, on one core (gp, 30,000
/// records): copying the bytes, scanning the JSON without keeping anything,
/// scanning while borrowing every key and value (no conversion, no
/// allocation), the typed decode itself with serde_json, and the same
/// generated types driven by sonic-rs (a SIMD JSON parser; with
/// `--features sonic`).
fn breakdown(c: &mut Criterion) {
    let (_, body) = bodies(30_000, &[("gp", None)]).remove(0);
    let text = std::str::from_utf8(&body).unwrap().to_owned();
    let mut g = c.benchmark_group("breakdown");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("gp/copy the bytes", |b| b.iter(|| black_box(body.to_vec())));
    g.bench_function("gp/scan (IgnoredAny)", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde::de::IgnoredAny>(&text).unwrap()))
    });
    g.bench_function("gp/scan, borrowing keys and values", |b| {
        b.iter(|| black_box(serde_json::from_str::<Vec<Borrowed>>(&text).unwrap().len()))
    });
    g.bench_function("gp/scan, allocating every value as a String", |b| {
        b.iter(|| black_box(serde_json::from_str::<Vec<Owned>>(&text).unwrap().len()))
    });
    g.bench_function("gp/typed, serde_json, one thread", |b| {
        b.iter(|| black_box(serde_json::from_str::<Vec<spacetrack::Gp>>(&text).unwrap()))
    });
    // The floor the records themselves set: building the same 30,000
    // records by cloning decoded ones (one allocation per text column, the
    // copies, no JSON and no conversion), and dropping them, which every
    // timing here includes.
    let rows = serde_json::from_str::<Vec<spacetrack::Gp>>(&text).unwrap();
    g.bench_function("gp/clone the decoded records, and drop the clone", |b| {
        b.iter(|| black_box(rows.clone()))
    });
    g.bench_function("gp/drop decoded records", |b| {
        b.iter_batched(|| rows.clone(), drop, criterion::BatchSize::PerIteration)
    });
    #[cfg(feature = "sonic")]
    g.bench_function("gp/typed, sonic-rs, one thread", |b| {
        b.iter(|| black_box(sonic_rs::from_str::<Vec<spacetrack::Gp>>(&text).unwrap()))
    });
    g.finish();
}

/// A record read without conversion: the number of its columns, every key
/// and value borrowed from the body on the way.
struct Borrowed(#[allow(dead_code)] usize);

impl<'de> serde::Deserialize<'de> for Borrowed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Borrowed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Borrowed, A::Error> {
                let mut n = 0;
                while let Some((k, v)) = m.next_entry::<&'de str, Option<Text>>()? {
                    black_box((k, v));
                    n += 1;
                }
                Ok(Borrowed(n))
            }
        }
        d.deserialize_map(V)
    }
}

/// A record whose values are all allocated as `String`s (kept until the
/// record is dropped), to price allocation against the borrowed scan.
struct Owned(#[allow(dead_code)] Vec<Option<String>>);

impl<'de> serde::Deserialize<'de> for Owned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Owned;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Owned, A::Error> {
                let mut values = Vec::with_capacity(48);
                while let Some((k, v)) = m.next_entry::<&'de str, Option<String>>()? {
                    black_box(k);
                    values.push(v);
                }
                Ok(Owned(values))
            }
        }
        d.deserialize_map(V)
    }
}

/// A value's text, borrowed (its length kept): an escaped string such as
/// `R\/B` is unescaped by serde_json into scratch space, without allocating.
struct Text(#[allow(dead_code)] usize);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(black_box(v).len()))
            }
        }
        d.deserialize_str(V)
    }
}

fn build_query(c: &mut Criterion) {
    let st = spacetrack::Client::builder()
        .identity("bench@example.invalid")
        .password(format!("p{}", std::process::id()))
        .build()
        .unwrap();
    let url = st
        .gp()
        .norad_cat_id([25544u32, 48274, 20580])
        .epoch(op::gt(op::now_minus_days(7)))
        .mean_motion(15.0..=16.0)
        .object_name(op::like("ISS"))
        .decay_date(op::null())
        .order_by(GpField::Epoch.desc())
        .limit(100)
        .url()
        .unwrap();
    eprintln!("the benchmarked URL ({} bytes): {url}", url.len());
    let mut g = c.benchmark_group("query");
    g.bench_function("5 predicates + orderby + limit -> URL", |b| {
        b.iter(|| {
            black_box(
                st.gp()
                    .norad_cat_id(black_box([25544u32, 48274, 20580]))
                    .epoch(op::gt(op::now_minus_days(7)))
                    .mean_motion(black_box(15.0)..=black_box(16.0))
                    .object_name(op::like("ISS"))
                    .decay_date(op::null())
                    .order_by(GpField::Epoch.desc())
                    .limit(100)
                    .url()
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, decode, breakdown, build_query);
criterion_main!(benches);

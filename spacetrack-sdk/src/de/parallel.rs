//! Decoding a large JSON array of records on several cores.
//!
//! The body is cut into one run of records per thread at `},{` (the
//! boundary between two of Space-Track's compact records), each run is
//! decoded on its own thread, and the runs are joined in order. A cut can
//! only be wrong if `},{` sits inside a string; the run before it then ends
//! inside that string and fails, and so does any run that is not a clean
//! sequence of records. On any failure this returns `None` and the caller
//! decodes the whole body on one thread: errors (with their record index)
//! and strictness are exactly the sequential decoder's.

use serde::de::DeserializeOwned;

/// Bodies below this size are not worth a thread.
const MIN_BYTES_PER_THREAD: usize = 2 << 20;

/// The threads a body of `len` bytes is decoded on.
fn threads_for(len: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(8).min(len / MIN_BYTES_PER_THREAD).max(1)
}

/// Decodes `text`, a JSON array of records, on several threads; `None`
/// when it is too small to be worth it or when anything at all fails.
pub(crate) fn decode<R: DeserializeOwned + Send>(text: &str) -> Option<Vec<R>> {
    let threads = threads_for(text.len());
    if threads < 2 {
        return None;
    }
    decode_in(text, threads)
}

/// Decodes `text` in `threads` runs, whatever its size (the fuzz target
/// compares this with the sequential decoder on small inputs).
pub(crate) fn decode_in<R: DeserializeOwned + Send>(text: &str, threads: usize) -> Option<Vec<R>> {
    let runs = cut(text, threads.max(1))?;
    let results: Vec<Option<Vec<R>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, run)| {
                let last = i == runs.len() - 1;
                // A thread that cannot be started is a run that failed:
                // the caller then decodes on one thread.
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || decode_run::<R>(run, false, last))
                    .ok()
            })
            .collect();
        // The first run on this thread.
        let mut out = vec![decode_run::<R>(runs[0], true, runs.len() == 1)];
        out.extend(
            handles
                .into_iter()
                .map(|h| h.and_then(|h| h.join().ok()).flatten()),
        );
        out
    });
    // The first run's vector grows to hold the others: a large vector
    // grows by remapping its pages (glibc's `mremap`), so only the later
    // runs' records are copied.
    let total: usize = results.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum();
    let mut results = results.into_iter();
    let mut rows = results.next()??;
    rows.reserve_exact(total - rows.len());
    for run in results {
        rows.extend(run?);
    }
    Some(rows)
}

/// Cuts `text` into `n` runs near equal sizes: the first starts with `[`,
/// the others with the `{` of a record, and each but the last ends with
/// the `}` before a `,{`.
fn cut(text: &str, n: usize) -> Option<Vec<&str>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..n {
        let target = (bytes.len() * i / n).max(start);
        let at = target + memchr::memmem::find(&bytes[target..], b"},{")?;
        // `at` is the `}`: this run ends after it, the next starts at `{`.
        runs.push(&text[start..=at]);
        start = at + 2;
    }
    runs.push(&text[start..]);
    Some(runs)
}

/// Decodes one run: records separated by commas, after `[` for the first
/// run, followed by `]` (and only whitespace) for the last.
pub(crate) fn decode_run<R: DeserializeOwned>(
    run: &str,
    first: bool,
    last: bool,
) -> Option<Vec<R>> {
    decode_run_measured(run, first, last).map(|r| r.rows)
}

/// A run's records, with the extent of its first record and the size of
/// its largest (what a stream checks: an error body in first place, the
/// record size bound).
pub(crate) struct Run<R> {
    pub(crate) rows: Vec<R>,
    pub(crate) first: std::ops::Range<usize>,
    pub(crate) largest: usize,
}

/// [`decode_run`], measuring the records.
pub(crate) fn decode_run_measured<R: DeserializeOwned>(
    run: &str,
    first: bool,
    last: bool,
) -> Option<Run<R>> {
    let b = run.as_bytes();
    let mut pos = skip_ws(b, 0);
    if first {
        if b.get(pos) != Some(&b'[') {
            return None;
        }
        pos = skip_ws(b, pos + 1);
    }
    // Only flat records (Space-Track's) are decoded here: the sequential
    // decoder spends one of serde_json's 128 nesting levels on the array,
    // so a deeply nested value is left to it, to fail exactly as it does.
    // One `{` per record and no `[` past the array's own means flat (a
    // bracket inside a string merely sends the body to the sequential path).
    let brackets = memchr::memchr_iter(b'[', b).count();
    if brackets > usize::from(first) {
        return None;
    }
    let mut out = Run {
        rows: Vec::with_capacity(run.len() / 1024 + 1),
        first: 0..0,
        largest: 0,
    };
    loop {
        if b.get(pos) != Some(&b'{') {
            return None;
        }
        let mut stream = serde_json::Deserializer::from_str(&run[pos..]).into_iter::<R>();
        out.rows.push(stream.next()?.ok()?);
        let len = stream.byte_offset();
        if out.rows.len() == 1 {
            out.first = pos..pos + len;
        }
        out.largest = out.largest.max(len);
        pos += len;
        pos = skip_ws(b, pos);
        match b.get(pos) {
            Some(b',') => pos = skip_ws(b, pos + 1),
            None if !last => return flat(b, out),
            Some(b']') if last => {
                return if skip_ws(b, pos + 1) == b.len() {
                    flat(b, out)
                } else {
                    None
                };
            }
            _ => return None,
        }
    }
}

/// The run when it had one `{` per record (no nested object).
fn flat<R>(run: &[u8], out: Run<R>) -> Option<Run<R>> {
    (memchr::memchr_iter(b'{', run).count() == out.rows.len()).then_some(out)
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(rename = "A")]
        a: String,
    }

    fn body(n: usize, pad: usize) -> String {
        let rows: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"A":"{i}{}"}}"#, "x".repeat(pad)))
            .collect();
        format!("[{}]", rows.join(","))
    }

    fn sequential(text: &str) -> Vec<Row> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn runs_join_to_the_sequential_answer() {
        let text = body(5_000, 50);
        for n in 2..6 {
            let runs = cut(&text, n).unwrap();
            let rows: Vec<Row> = runs
                .iter()
                .enumerate()
                .flat_map(|(i, r)| decode_run::<Row>(r, i == 0, i == runs.len() - 1).unwrap())
                .collect();
            assert_eq!(rows, sequential(&text), "{n} runs");
        }
    }

    #[test]
    fn a_cut_inside_a_string_or_a_bad_body_falls_back() {
        // `},{` inside a value: the run before a cut there fails.
        let tricky = format!(r#"[{{"A":"{}"}}]"#, "},{".repeat(2_000));
        let runs = cut(&tricky, 2).unwrap();
        assert!(decode_run::<Row>(runs[0], true, false).is_none());
        // Trailing garbage, a trailing comma, a missing bracket.
        for bad in [
            format!("{}x", body(300, 10)),
            body(300, 10).replace("}]", "},]"),
            body(300, 10).trim_end_matches(']').to_owned(),
        ] {
            let runs = cut(&bad, 3).unwrap();
            let ok = runs
                .iter()
                .enumerate()
                .all(|(i, r)| decode_run::<Row>(r, i == 0, i == runs.len() - 1).is_some());
            assert!(!ok, "{}", &bad[bad.len() - 20..]);
        }
    }
}

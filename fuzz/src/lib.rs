//! The fuzz targets' bodies, shared by the cargo-fuzz binaries and the
//! stable smoke test in `tests/` (which includes this file by path).
//!
//! Each body must never panic and never allocate without bound, whatever
//! the input: decoding returns records or a typed error.

use spacetrack::Record;

/// Every generated class's whole-body decoder (`Query::send`): plain
/// arrays, the `metadata/true` object and error bodies.
pub fn decode_records(data: &[u8]) {
    macro_rules! each {
        ($rec:ident, $field:ident, $query:ident, $method:ident, $controller:literal, $class:literal) => {
            check::<spacetrack::$rec>(data);
        };
    }
    spacetrack::for_each_class!(each);
}

fn check<R: Record + PartialEq + std::fmt::Debug>(data: &[u8]) {
    // The run decoder that sends and streams use, forced to 1-4 runs: it
    // either gives up (and the caller decodes sequentially) or agrees
    // exactly with serde_json.
    if let Ok(text) = std::str::from_utf8(data) {
        let runs = 1 + data.len() % 4;
        let parallel = spacetrack::de::decode_in_runs::<R>(text, runs);
        let sequential: Result<Vec<R>, _> = serde_json::from_str(text);
        match (parallel, sequential) {
            (Some(p), Ok(s)) => assert_eq!(p, s, "parallel and sequential decoders disagree"),
            (Some(_), Err(e)) => {
                panic!("the parallel decoder accepted what the sequential refused: {e}")
            }
            _ => {}
        }
    }
    if let Ok(rows) = spacetrack::de::from_json_slice::<R>(data) {
        // Whatever decodes serialises, and decodes again to the same rows.
        let json = serde_json::to_vec(&rows).expect("records serialise");
        let again: Vec<R> = spacetrack::de::from_json_slice(&json).expect("own output decodes");
        assert_eq!(rows, again);
    }
}

/// The streaming decoder (`Query::stream`, `de::read_records`), fed in
/// chunks whose sizes come from the input's first byte.
pub fn read_records(data: &[u8]) {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 17) + 1;
    let reader = Chunked { data: body, chunk };
    let streamed: Vec<_> = spacetrack::de::read_records::<spacetrack::Gp, _>(reader).collect();
    // A stream ends with at most one error, and only at its end.
    if let Some(pos) = streamed.iter().position(Result::is_err) {
        assert_eq!(pos, streamed.len() - 1, "nothing after an error");
    }
    // When the whole-body decoder accepts a plain array, streaming yields
    // the same records.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        if let Ok(all) = spacetrack::de::from_json_slice::<spacetrack::Gp>(body) {
            if streamed.iter().all(Result::is_ok) {
                let got: Vec<_> = streamed.into_iter().map(Result::unwrap).collect();
                assert_eq!(got, all);
            }
        }
    }
}

struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The modeldef parser and the drift comparison.
pub fn modeldef(data: &[u8]) {
    if let Ok(answer) = serde_json::from_slice::<spacetrack::modeldef::ModeldefAnswer>(data) {
        for &class in spacetrack::CLASSES {
            let drift = spacetrack::SchemaDrift::compare(class, &answer.data);
            let _ = drift.to_string();
            assert!(drift.added.len() <= answer.data.len());
        }
    }
}

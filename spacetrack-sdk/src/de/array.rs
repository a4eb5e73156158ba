//! Typed records from a JSON array arriving in chunks, with memory bounded
//! by one record: the splitter, the record decoder, the async streams and
//! the reader of saved answers.
//!
//! A body cut short is always an error, never a shorter result: the record
//! stream only ends cleanly after the array's closing `]`.

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::Chunks;
use super::answer::Partial;
use super::body::{decode_error, decode_one, error_body};
use crate::error::{DecodeError, Error, Result, api_error};

/// The largest record a stream accepts. Space-Track's widest records (cdm)
/// are a few KiB; a bigger one means a hostile or broken answer, and
/// buffering it would make memory unbounded.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// Splits a JSON array arriving in chunks into its top-level elements.
#[derive(Debug, Default)]
pub(crate) struct ArraySplitter {
    state: State,
    depth: u32,
    in_string: bool,
    escaped: bool,
    current: Vec<u8>,
    /// Largest element seen, for diagnostics and the memory bound.
    pub(crate) max_element: usize,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum State {
    #[default]
    Start,
    /// After `[` or `,`: an element or (after `[`) `]` may follow.
    BeforeElement {
        first: bool,
    },
    InElement,
    /// After an element: `,` or `]`.
    AfterElement,
    Done,
}

impl ArraySplitter {
    /// Feeds a chunk; calls `emit` with each complete element.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        mut emit: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let bad = |what: &str, b: u8| {
            Err(Error::Decode(Box::new(DecodeError {
                class: String::new(),
                record: None,
                field: None,
                value: Some((b as char).to_string()),
                message: format!("malformed JSON array: {what}"),
            })))
        };
        let too_large = || {
            Error::Decode(Box::new(DecodeError {
                class: String::new(),
                record: None,
                field: None,
                value: None,
                message: format!("a record is larger than {MAX_RECORD_BYTES} bytes"),
            }))
        };
        let mut start = None;
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            match self.state {
                State::Start => match b {
                    b'[' => self.state = State::BeforeElement { first: true },
                    b if b.is_ascii_whitespace() => {}
                    b => return bad("expected `[`", b),
                },
                State::BeforeElement { first } => match b {
                    b']' if first => self.state = State::Done,
                    b if b.is_ascii_whitespace() => {}
                    b'{' | b'[' => {
                        self.state = State::InElement;
                        self.depth = 1;
                        start = Some(i);
                    }
                    b => return bad("expected an object", b),
                },
                State::InElement => {
                    if self.in_string {
                        if self.escaped {
                            self.escaped = false;
                        } else {
                            // Most of a record is inside strings: jump to
                            // the next quote or backslash.
                            match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                                None => {
                                    i = chunk.len();
                                    continue;
                                }
                                Some(k) => {
                                    i += k;
                                    if chunk[i] == b'\\' {
                                        self.escaped = true;
                                    } else {
                                        self.in_string = false;
                                    }
                                }
                            }
                        }
                    } else {
                        match b {
                            b'"' => self.in_string = true,
                            b'{' | b'[' => self.depth += 1,
                            b'}' | b']' => {
                                self.depth -= 1;
                                if self.depth == 0 {
                                    let s = start.take().unwrap_or(0);
                                    // The bound holds however the record
                                    // was chunked (it was only checked at
                                    // the end of a chunk).
                                    if self.current.len() + (i + 1 - s) > MAX_RECORD_BYTES {
                                        return Err(too_large());
                                    }
                                    self.current.extend_from_slice(&chunk[s..=i]);
                                    self.max_element = self.max_element.max(self.current.len());
                                    let element = std::mem::take(&mut self.current);
                                    emit(&element)?;
                                    // Reuse the allocation for the next element.
                                    self.current = element;
                                    self.current.clear();
                                    self.state = State::AfterElement;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                State::AfterElement => match b {
                    b',' => self.state = State::BeforeElement { first: false },
                    b']' => self.state = State::Done,
                    b if b.is_ascii_whitespace() => {}
                    b => return bad("expected `,` or `]`", b),
                },
                State::Done => {
                    if !b.is_ascii_whitespace() {
                        return bad("data after the end of the array", b);
                    }
                }
            }
            i += 1;
        }
        if self.state == State::InElement {
            let rest = &chunk[start.unwrap_or(0)..];
            if self.current.len() + rest.len() > MAX_RECORD_BYTES {
                return Err(too_large());
            }
            self.current.extend_from_slice(rest);
        }
        Ok(())
    }

    /// Whether the closing `]` was seen.
    pub(crate) fn finished(&self) -> bool {
        self.state == State::Done
    }
}

/// One decoded element: a record, or why this one record could not be
/// decoded (the others are unaffected).
pub(crate) type Item<R> = std::result::Result<R, Box<DecodeError>>;

/// Turns JSON array chunks into typed records: the splitter, Space-Track's
/// error body in first position, per-record decoding with context, and the
/// check that the array was closed. Shared by the async streams, the reader
/// and [`decode_partial`]. Strict ([`pop`](Self::pop)), it ends at the first
/// error; partial ([`pop_partial`](Self::pop_partial)), it ends only at an
/// error about the answer as a whole (malformed or cut short, transport).
pub(crate) struct RecordDecoder<R> {
    class: &'static str,
    splitter: ArraySplitter,
    ready: std::collections::VecDeque<Result<Item<R>>>,
    index: usize,
    ended: bool,
}

impl<R: DeserializeOwned> RecordDecoder<R> {
    pub(crate) fn new(class: &'static str) -> Self {
        RecordDecoder {
            class,
            splitter: ArraySplitter::default(),
            ready: Default::default(),
            index: 0,
            ended: false,
        }
    }

    /// A decoder that takes over after `index` records, at the comma that
    /// follows the last of them (see `pipeline`).
    pub(crate) fn resume(class: &'static str, index: usize) -> Self {
        let mut d = Self::new(class);
        d.index = index;
        d.splitter.state = State::AfterElement;
        d
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        let RecordDecoder {
            class,
            splitter,
            ready,
            index,
            ..
        } = self;
        let fed = splitter.feed(chunk, |element| {
            if *index == 0 {
                if let Some(message) = error_body(element) {
                    return Err(api_error(200, message));
                }
            }
            ready.push_back(match decode_one::<R>(class, *index, element) {
                Ok(r) => Ok(Ok(r)),
                Err(Error::Decode(d)) => Ok(Err(d)),
                Err(e) => Err(e),
            });
            *index += 1;
            Ok(())
        });
        if let Err(mut e) = fed {
            if let Error::Decode(d) = &mut e {
                d.class = self.class.to_owned();
                d.record = Some(self.index);
            }
            self.ready.push_back(Err(e));
        }
    }

    /// The input ended cleanly: an error unless the array was closed (or
    /// the body was empty).
    pub(crate) fn end(&mut self) {
        self.ended = true;
        if !self.splitter.finished() && !(self.index == 0 && self.splitter.state == State::Start) {
            self.ready.push_back(Err(decode_error(
                self.class,
                format!(
                    "the data ended after {} records, before the end of the JSON array",
                    self.index
                ),
            )));
        }
    }

    /// The input failed: `e` is the last item.
    pub(crate) fn fail(&mut self, e: Error) {
        self.ended = true;
        self.ready.push_back(Err(e));
    }

    /// The next ready record, strictly: any error is the last item. `None`
    /// when more input is needed or it is over (see [`done`](Self::done)).
    pub(crate) fn pop(&mut self) -> Option<Result<R>> {
        let item = match self.ready.pop_front()? {
            Ok(Ok(r)) => return Some(Ok(r)),
            Ok(Err(d)) => Err(Error::Decode(d)),
            Err(e) => Err(e),
        };
        self.ended = true;
        self.ready.clear();
        Some(item)
    }

    /// The next ready item, going on past records that do not decode; an
    /// error about the whole answer is the last item.
    pub(crate) fn pop_partial(&mut self) -> Option<Result<Item<R>>> {
        let item = self.ready.pop_front()?;
        if item.is_err() {
            self.ended = true;
            self.ready.clear();
        }
        Some(item)
    }

    pub(crate) fn done(&self) -> bool {
        self.ended && self.ready.is_empty()
    }
}

/// The records of a whole JSON array answer that decoded, and one error per
/// record that did not. An answer that is not a complete JSON array is an
/// error, never a shorter list.
pub(crate) fn decode_partial<R: DeserializeOwned>(
    class: &'static str,
    body: &[u8],
) -> Result<Partial<R>> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    let mut dec = RecordDecoder::<R>::new(class);
    dec.feed(body);
    dec.end();
    let mut out = Partial {
        records: Vec::new(),
        errors: Vec::new(),
    };
    while let Some(item) = dec.pop_partial() {
        match item? {
            Ok(r) => out.records.push(r),
            Err(d) => out.errors.push(*d),
        }
    }
    Ok(out)
}

/// Typed records from a streamed JSON array.
pub(crate) fn records<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    body: Chunks,
) -> impl Stream<Item = Result<R>> + Send + 'static {
    decoded(class, body, RecordDecoder::pop)
}

/// Typed records from a streamed JSON array, going on past records that do
/// not decode.
pub(crate) fn records_partial<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    body: Chunks,
) -> impl Stream<Item = Result<Item<R>>> + Send + 'static {
    decoded(class, body, RecordDecoder::pop_partial)
}

fn decoded<R, T>(
    class: &'static str,
    body: Chunks,
    pop: fn(&mut RecordDecoder<R>) -> Option<Result<T>>,
) -> impl Stream<Item = Result<T>> + Send + 'static
where
    R: DeserializeOwned + Send + 'static,
    T: Send + 'static,
{
    let st = (body.stream, RecordDecoder::<R>::new(class));
    futures_util::stream::unfold(st, move |(mut body, mut dec)| async move {
        loop {
            if let Some(item) = pop(&mut dec) {
                return Some((item, (body, dec)));
            }
            if dec.done() {
                return None;
            }
            match body.next().await {
                Some(Ok(chunk)) => dec.feed(&chunk),
                Some(Err(e)) => dec.fail(e),
                None => dec.end(),
            }
        }
    })
}

/// Typed records read one at a time from a saved JSON answer (see
/// [`crate::de::read_records`]).
pub struct RecordReader<R, Rd> {
    reader: Rd,
    decoder: RecordDecoder<R>,
    buf: Vec<u8>,
}

/// Reads the records of a JSON array (a saved Space-Track answer) from
/// `reader` one at a time, holding one record in memory. A file cut short
/// ends with an error, never early.
///
/// ```
/// let file = &br#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)"}]"#[..];
/// for sat in spacetrack::de::read_records::<spacetrack::Satellite, _>(file) {
///     assert_eq!(sat?.norad_cat_id, Some(25544));
/// }
/// # Ok::<(), spacetrack::Error>(())
/// ```
pub fn read_records<R: crate::schema::Record, Rd: std::io::Read>(
    reader: Rd,
) -> RecordReader<R, Rd> {
    RecordReader {
        reader,
        decoder: RecordDecoder::new(R::CLASS.class),
        buf: vec![0; 64 * 1024],
    }
}

impl<R: crate::schema::Record, Rd: std::io::Read> Iterator for RecordReader<R, Rd> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Result<R>> {
        loop {
            if let Some(item) = self.decoder.pop() {
                return Some(item);
            }
            if self.decoder.done() {
                return None;
            }
            match self.reader.read(&mut self.buf) {
                Ok(0) => self.decoder.end(),
                Ok(n) => self.decoder.feed(&self.buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => self.decoder.fail(Error::io("(reader)", e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&str]) -> Result<(Vec<String>, bool)> {
        let mut s = ArraySplitter::default();
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c.as_bytes(), |e| {
                out.push(String::from_utf8(e.to_vec()).unwrap());
                Ok(())
            })?;
        }
        Ok((out, s.finished()))
    }

    #[test]
    fn elements_across_chunk_boundaries() {
        let body = r#" [ {"A":"x]}\"{","B":[1,{"c":2}]} , {"A":null} ] "#;
        for cut in 0..body.len() {
            let (a, b) = body.split_at(cut);
            let (els, done) = split(&[a, b]).unwrap();
            assert_eq!(
                els,
                vec![
                    r#"{"A":"x]}\"{","B":[1,{"c":2}]}"#.to_owned(),
                    r#"{"A":null}"#.to_owned()
                ]
            );
            assert!(done);
        }
    }

    #[test]
    fn the_record_bound_holds_however_the_record_is_chunked() {
        // `{"A":"…"}` is 8 bytes around the value.
        let record = |len: usize| format!(r#"{{"A":"{}"}}"#, "x".repeat(len - 8));
        for (len, ok) in [(MAX_RECORD_BYTES, true), (MAX_RECORD_BYTES + 1, false)] {
            let body = format!("[{}]", record(len));
            // Whole, in one chunk; cut just before the end; cut in halves.
            for cut in [body.len(), body.len() - 3, body.len() / 2] {
                let got = split(&[&body[..cut], &body[cut..]]);
                assert_eq!(got.is_ok(), ok, "{len} bytes, cut at {cut}");
            }
        }
    }

    #[test]
    fn truncation_and_garbage_are_detected() {
        assert!(!split(&[r#"[{"A":"1"},{"A""#]).unwrap().1);
        assert!(!split(&[r#"[{"A":"1"}"#]).unwrap().1);
        assert!(split(&[r#"[{"A":"1"}] x"#]).is_err());
        assert!(split(&[r#"[{"A":"1"} {"#]).is_err());
        assert!(split(&["<html>"]).is_err());
        assert_eq!(split(&["[]"]).unwrap(), (vec![], true));
    }
}

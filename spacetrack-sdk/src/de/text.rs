//! Text answers: lines split as they arrive, whole text bodies, raw bytes.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::Chunks;
use super::body::{decode_error, error_body};
use crate::error::{Error, Result, api_error};

/// What Space-Track answers in a text format when nothing matched and the
/// query asked for `emptyresult/show`; without it, the answer is an empty
/// body. Never data: every reader here turns it into an empty answer.
///
/// Sources (no capture of a live answer is public): without
/// `emptyresult/show` an empty `tle` answer is falsy in the Python
/// reference client (python-astrodynamics/spacetrack#66, `if not tles`);
/// Perl's Astro::SpaceTrack counts an empty body (or `[]`) as empty; the
/// Java client (stevenpaligo/spacetrack-client, 2019) adds
/// `emptyresult/show` to its JSON queries so that an empty result is `[]`,
/// not an empty body; Space-Track's own pages link `format/tle|xml|html/
/// emptyresult/show` URLs for people to read, who are shown this line.
pub(crate) const NO_RESULTS: &str = "NO RESULTS RETURNED";

/// Whether `body` is Space-Track's line for an empty answer (with any
/// surrounding whitespace or line ending).
pub(crate) fn is_no_results(body: &[u8]) -> bool {
    body.trim_ascii() == NO_RESULTS.as_bytes()
}

/// Lines of a text answer, without line endings (CRLF or LF), split
/// correctly across chunk boundaries. Space-Track's [`NO_RESULTS`] line is
/// not a line of data: an answer that is only that line has no lines.
pub(crate) fn lines(
    body: Chunks,
    max_line: u64,
) -> impl Stream<Item = Result<String>> + Send + 'static {
    struct St {
        body: futures_util::stream::BoxStream<'static, Result<Bytes>>,
        splitter: LineSplitter,
        ready: std::collections::VecDeque<Result<String>>,
        ended: bool,
    }
    let st = St {
        body: body.stream,
        splitter: LineSplitter::default(),
        ready: Default::default(),
        ended: false,
    };
    futures_util::stream::unfold(st, move |mut st| async move {
        loop {
            if let Some(item) = st.ready.pop_front() {
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            match st.body.next().await {
                Some(Ok(chunk)) => {
                    let St {
                        splitter, ready, ..
                    } = &mut st;
                    splitter.feed(&chunk, |line| {
                        if !is_no_results(&line) {
                            ready.push_back(to_string(line))
                        }
                    });
                    // A line without an end must not grow without bound.
                    if splitter.pending.len() as u64 > max_line
                        || ready
                            .iter()
                            .any(|l| l.as_ref().is_ok_and(|l| l.len() as u64 > max_line))
                    {
                        st.ended = true;
                        st.ready.clear();
                        st.ready.push_back(Err(Error::TooLarge {
                            limit: max_line,
                            what: "one line",
                        }));
                    }
                }
                Some(Err(e)) => {
                    st.ended = true;
                    st.ready.push_back(Err(e));
                }
                None => {
                    st.ended = true;
                    if let Some(line) = st.splitter.finish().filter(|l| !is_no_results(l)) {
                        st.ready.push_back(to_string(line));
                    }
                }
            }
        }
    })
}

/// Splits text arriving in chunks into lines without their `\n` or
/// `\r\n`. Lines are cut straight out of each chunk; only a line that spans
/// chunks is copied through `pending`.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    pub(crate) fn feed(&mut self, chunk: &[u8], mut emit: impl FnMut(Vec<u8>)) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            let mut line = if self.pending.is_empty() {
                chunk[start..end].to_vec()
            } else {
                let mut l = std::mem::take(&mut self.pending);
                l.extend_from_slice(&chunk[start..end]);
                l
            };
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            emit(line);
            start = end + 1;
        }
        self.pending.extend_from_slice(&chunk[start..]);
    }

    /// The last line, if the text did not end with a line break.
    pub(crate) fn finish(&mut self) -> Option<Vec<u8>> {
        let mut line = std::mem::take(&mut self.pending);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        (!line.is_empty()).then_some(line)
    }
}

fn to_string(line: Vec<u8>) -> Result<String> {
    String::from_utf8(line).map_err(|e| decode_error("text", format!("a line is not UTF-8: {e}")))
}

/// Raw chunks of an answer.
pub(crate) fn bytes(body: Chunks) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    body.stream
}

/// The longest body that can still be Space-Track's [`NO_RESULTS`] line
/// (with whitespace and a line ending around it).
const NO_RESULTS_MAX: usize = 64;

/// Raw chunks of a text answer, but none when the answer is only
/// Space-Track's [`NO_RESULTS`] line: its first bytes are held until they
/// can no longer be that line (at most [`NO_RESULTS_MAX`]).
pub(crate) fn text_bytes(body: Chunks) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    let mut chunks = body.stream;
    let head = async move {
        let mut held = bytes::BytesMut::new();
        loop {
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    held.extend_from_slice(&chunk);
                    if held.len() > NO_RESULTS_MAX {
                        break;
                    }
                }
                Some(Err(e)) => {
                    // What came before the error, then the error.
                    let first = (!held.is_empty()).then(|| Ok(held.freeze()));
                    let rest = futures_util::stream::iter(first.into_iter().chain([Err(e)]));
                    return rest.chain(chunks).boxed();
                }
                None if is_no_results(&held) => return futures_util::stream::empty().boxed(),
                None => break,
            }
        }
        let first = (!held.is_empty()).then(|| Ok(held.freeze()));
        futures_util::stream::iter(first).chain(chunks).boxed()
    };
    futures_util::stream::once(head).flatten()
}

/// What a text query answered: its text, or that nothing matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextAnswer {
    /// The answer's text, line endings normalised to `\n`.
    Text(String),
    /// Nothing matched: Space-Track said so with `NO RESULTS RETURNED`
    /// (its answer with [`empty_result_show`](crate::Query::empty_result_show)),
    /// or sent an empty body (its answer without).
    NoResults,
}

impl TextAnswer {
    /// Whether nothing matched.
    pub fn is_no_results(&self) -> bool {
        matches!(self, TextAnswer::NoResults)
    }

    /// The text: empty when nothing matched.
    pub fn text(&self) -> &str {
        match self {
            TextAnswer::Text(t) => t,
            TextAnswer::NoResults => "",
        }
    }

    /// The text, owned: empty when nothing matched.
    pub fn into_text(self) -> String {
        match self {
            TextAnswer::Text(t) => t,
            TextAnswer::NoResults => String::new(),
        }
    }
}

/// Reads a text answer: error bodies detected, Space-Track's empty answers
/// (an empty body, or [`NO_RESULTS`]) as [`TextAnswer::NoResults`], UTF-8
/// checked, CRLF → LF.
pub(crate) fn text_answer(class: &str, body: &[u8]) -> Result<TextAnswer> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    if body.trim_ascii().is_empty() || is_no_results(body) {
        return Ok(TextAnswer::NoResults);
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| decode_error(class, format!("the answer is not UTF-8: {e}")))?;
    Ok(TextAnswer::Text(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    }))
}

/// [`text_answer`] as a string (empty when nothing matched).
pub(crate) fn text_body(class: &str, body: &[u8]) -> Result<String> {
    text_answer(class, body).map(TextAnswer::into_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> Chunks {
        let parts: Vec<Result<Bytes>> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        Chunks {
            stream: futures_util::stream::iter(parts).boxed(),
            len: None,
            progress: None,
        }
    }

    fn collect<T: Send>(s: impl Stream<Item = Result<T>> + Send) -> Vec<T> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(futures_util::TryStreamExt::try_collect(s))
            .unwrap()
    }

    #[test]
    fn no_results_is_never_data() {
        for body in [
            &[b"NO RESULTS RETURNED".as_slice()][..],
            &[b"NO RESULTS RETURNED\r\n"],
            &[b"NO RES", b"ULTS RETURNED", b"\n"],
            &[b""],
        ] {
            assert!(collect(lines(chunks(body), 1024)).is_empty(), "{body:?}");
            assert!(collect(text_bytes(chunks(body))).is_empty(), "{body:?}");
            let whole: Vec<u8> = body.concat();
            assert_eq!(text_answer("gp", &whole).unwrap(), TextAnswer::NoResults);
            assert_eq!(text_body("gp", &whole).unwrap(), "");
        }
        // Data passes untouched, however it is chunked.
        let data: &[&[u8]] = &[b"1 25544U", b" 98067A\r\n2 25544\r\n"];
        assert_eq!(
            collect(lines(chunks(data), 1024)),
            ["1 25544U 98067A", "2 25544"]
        );
        assert_eq!(collect(text_bytes(chunks(data))).concat(), data.concat());
        let long: &'static [u8] = b"x".repeat(100).leak();
        assert_eq!(
            collect(text_bytes(chunks(&[long, b"y"]))).concat().len(),
            101
        );
        assert_eq!(
            text_answer("gp", b"0 ISS\r\n").unwrap(),
            TextAnswer::Text("0 ISS\n".into())
        );
    }

    #[test]
    fn lines_split_across_any_chunking() {
        let text = b"1 25544U\r\n2 25544 51.6\r\n\r\nlast";
        let want = ["1 25544U", "2 25544 51.6", "", "last"];
        for size in 1..text.len() {
            let mut s = LineSplitter::default();
            let mut got = Vec::new();
            for chunk in text.chunks(size) {
                s.feed(chunk, |l| got.push(String::from_utf8(l).unwrap()));
            }
            got.extend(s.finish().map(|l| String::from_utf8(l).unwrap()));
            assert_eq!(got, want, "chunk size {size}");
        }
        // A CR at a chunk end followed by LF in the next chunk.
        let mut s = LineSplitter::default();
        let mut got = Vec::new();
        s.feed(b"a\r", |l| got.push(l));
        s.feed(b"\nb\n", |l| got.push(l));
        assert_eq!(got, [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(s.finish(), None);
    }
}

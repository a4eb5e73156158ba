//! Text answers: lines split as they arrive, whole text bodies, raw bytes.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::Chunks;
use super::body::{decode_error, error_body};
use crate::error::{Error, Result, api_error};

/// What Space-Track answers in a text format (without `emptyresult/show`)
/// when nothing matched: a split query leaves out the parts that say it.
pub(crate) const NO_RESULTS: &str = "NO RESULTS RETURNED";

/// Lines of a text answer, without line endings (CRLF or LF), split
/// correctly across chunk boundaries.
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
                    splitter.feed(&chunk, |line| ready.push_back(to_string(line)));
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
                    if let Some(line) = st.splitter.finish() {
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

/// Converts a text answer: UTF-8 checked, CRLF → LF, error bodies detected.
pub(crate) fn text_body(class: &str, body: &[u8]) -> Result<String> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| decode_error(class, format!("the answer is not UTF-8: {e}")))?;
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

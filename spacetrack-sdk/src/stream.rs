//! Streaming answers: typed records one at a time from a JSON array with
//! memory bounded by one record, text lines, raw bytes.
//!
//! A body cut short is always an error, never a shorter result: the record
//! stream only ends cleanly after the array's closing `]`.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

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
            Err(Error::Decode(Box::new(crate::error::DecodeError {
                class: String::new(),
                record: None,
                field: None,
                value: Some((b as char).to_string()),
                message: format!("malformed JSON array: {what}"),
            })))
        };
        let mut start = None;
        for (i, &b) in chunk.iter().enumerate() {
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
                        } else if b == b'\\' {
                            self.escaped = true;
                        } else if b == b'"' {
                            self.in_string = false;
                        }
                    } else {
                        match b {
                            b'"' => self.in_string = true,
                            b'{' | b'[' => self.depth += 1,
                            b'}' | b']' => {
                                self.depth -= 1;
                                if self.depth == 0 {
                                    let s = start.take().unwrap_or(0);
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
        }
        if self.state == State::InElement {
            self.current.extend_from_slice(&chunk[start.unwrap_or(0)..]);
        }
        Ok(())
    }

    /// Whether the closing `]` was seen.
    pub(crate) fn finished(&self) -> bool {
        self.state == State::Done
    }
}

/// Typed records from a streamed JSON array.
pub(crate) fn records<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    resp: reqwest::Response,
) -> impl Stream<Item = Result<R>> + Send + 'static {
    struct St<R> {
        body: futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>>,
        splitter: ArraySplitter,
        ready: std::collections::VecDeque<Result<R>>,
        index: usize,
        ended: bool,
    }
    let st = St {
        body: resp.bytes_stream().boxed(),
        splitter: ArraySplitter::default(),
        ready: Default::default(),
        index: 0,
        ended: false,
    };
    futures_util::stream::unfold(st, move |mut st| async move {
        loop {
            if let Some(item) = st.ready.pop_front() {
                if item.is_err() {
                    st.ended = true;
                    st.ready.clear();
                }
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            match st.body.next().await {
                Some(Ok(chunk)) => {
                    let St {
                        splitter,
                        ready,
                        index,
                        ..
                    } = &mut st;
                    let fed = splitter.feed(&chunk, |element| {
                        if *index == 0 {
                            if let Some(message) = crate::de::error_body(element) {
                                return Err(crate::de::api_error(200, message));
                            }
                        }
                        ready.push_back(crate::de::decode_one::<R>(class, *index, element));
                        *index += 1;
                        Ok(())
                    });
                    if let Err(mut e) = fed {
                        if let Error::Decode(d) = &mut e {
                            d.class = class.to_owned();
                            d.record = Some(st.index);
                        }
                        st.ready.push_back(Err(e));
                    }
                }
                Some(Err(e)) => {
                    st.ended = true;
                    return Some((Err(Error::from(e)), st));
                }
                None => {
                    st.ended = true;
                    if !st.splitter.finished()
                        && !(st.index == 0 && st.splitter.state == State::Start)
                    {
                        return Some((
                            Err(crate::de::decode_error(
                                class,
                                format!(
                                    "the answer ended after {} records, before the end of the JSON array",
                                    st.index
                                ),
                            )),
                            st,
                        ));
                    }
                    return None;
                }
            }
        }
    })
}

/// Lines of a text answer, without line endings (CRLF or LF), split
/// correctly across chunk boundaries.
pub(crate) fn lines(
    resp: reqwest::Response,
) -> impl Stream<Item = Result<String>> + Send + 'static {
    struct St {
        body: futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>>,
        pending: Vec<u8>,
        ready: std::collections::VecDeque<Result<String>>,
        ended: bool,
    }
    let st = St {
        body: resp.bytes_stream().boxed(),
        pending: Vec::new(),
        ready: Default::default(),
        ended: false,
    };
    futures_util::stream::unfold(st, |mut st| async move {
        loop {
            if let Some(item) = st.ready.pop_front() {
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            match st.body.next().await {
                Some(Ok(chunk)) => {
                    st.pending.extend_from_slice(&chunk);
                    while let Some(pos) = st.pending.iter().position(|&b| b == b'\n') {
                        let mut line: Vec<u8> = st.pending.drain(..=pos).collect();
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        st.ready.push_back(to_string(line));
                    }
                }
                Some(Err(e)) => {
                    st.ended = true;
                    st.ready.push_back(Err(Error::from(e)));
                }
                None => {
                    st.ended = true;
                    if !st.pending.is_empty() {
                        let line = std::mem::take(&mut st.pending);
                        st.ready.push_back(to_string(line));
                    }
                }
            }
        }
    })
}

fn to_string(line: Vec<u8>) -> Result<String> {
    String::from_utf8(line)
        .map_err(|e| crate::de::decode_error("text", format!("a line is not UTF-8: {e}")))
}

/// Raw chunks of an answer.
pub(crate) fn bytes(resp: reqwest::Response) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    resp.bytes_stream().map(|r| r.map_err(Error::from))
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
    fn truncation_and_garbage_are_detected() {
        assert!(!split(&[r#"[{"A":"1"},{"A""#]).unwrap().1);
        assert!(!split(&[r#"[{"A":"1"}"#]).unwrap().1);
        assert!(split(&[r#"[{"A":"1"}] x"#]).is_err());
        assert!(split(&[r#"[{"A":"1"} {"#]).is_err());
        assert!(split(&["<html>"]).is_err());
        assert_eq!(split(&["[]"]).unwrap(), (vec![], true));
    }
}

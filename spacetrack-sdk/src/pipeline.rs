//! Decoding a large JSON answer while it arrives.
//!
//! [`Query::send`](crate::Query::send) used to receive the whole body, then
//! decode it. Here the body is cut, as it arrives, into segments of about
//! [`SEGMENT_BYTES`] at `},{` (the boundary between two of Space-Track's
//! compact records), and each segment is decoded on a blocking thread while
//! the next one is received. A decoded segment's bytes are freed at once, so
//! the body is never held whole: the transfer overlaps decoding, and the
//! peak memory is the records plus a few segments.
//!
//! Exactness: a segment that decodes as a clean run of flat records
//! ([`parallel::decode_run`](crate::parallel)) proves that the cut after it
//! was a real boundary, because it started at one. At the first segment
//! that does not (a cut inside a string, a malformed or nested record, a
//! body that is not UTF-8), the rest of the body from that segment on is
//! decoded by the sequential decoder, as `[` followed by the rest, and its
//! error's record index and byte position are shifted to where they are in
//! the whole body. Records, errors and their context are therefore exactly
//! those of decoding the whole body at once (tests/tests/pipeline.rs).
//! Answers smaller than a segment, and anything that does not start as a
//! JSON array, take the whole-body path unchanged.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use crate::client::Received;
use crate::error::{Error, Result};

/// The size at which the arriving body is cut into a segment.
pub(crate) const SEGMENT_BYTES: usize = 1 << 20;

/// What [`receive`] produced: decoded records, or (for answers smaller than
/// one segment, or not a JSON array) the whole body for the usual path.
pub(crate) enum Answer<R> {
    Records(Vec<R>),
    Whole(Bytes),
}

/// Reads a successful answer, decoding it segment by segment when it is a
/// large JSON array. `cap` bounds the bytes read, as for whole bodies.
pub(crate) async fn receive<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    mut got: Received,
    cap: u64,
    timeout: Option<Duration>,
) -> Result<Answer<R>> {
    let too_large = || Error::TooLarge {
        limit: cap,
        what: "an answer held in memory",
    };
    let expected = got.content_length();
    if expected.is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut pipe: Option<Pipe<R>> = None;
    // Whether the body is known to start as a JSON array (None: not yet).
    let mut array: Option<bool> = None;
    while let Some(chunk) = got.next_chunk(timeout).await? {
        total += chunk.len() as u64;
        if total > cap {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
        if array.is_none() {
            array = buf
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .map(|&b| b == b'[');
        }
        if buf.len() < SEGMENT_BYTES || array != Some(true) {
            continue;
        }
        // The last boundary in the buffer: the segment ends with its `}`,
        // the next starts with its `{` (the comma between is implied).
        let Some(at) = memchr::memmem::rfind(&buf, b"},{") else {
            continue;
        };
        let rest = buf[at + 2..].to_vec();
        buf.truncate(at + 1);
        let segment = std::mem::replace(&mut buf, rest);
        let pipe = pipe.get_or_insert_with(|| Pipe::new(class, expected));
        pipe.push(segment).await?;
    }
    match pipe {
        None => Ok(Answer::Whole(Bytes::from(buf))),
        Some(pipe) => pipe.finish(buf).await.map(Answer::Records),
    }
}

/// Segments in flight and the records of those already confirmed.
struct Pipe<R> {
    class: &'static str,
    /// The body's length, when the server said it.
    expected: Option<u64>,
    in_flight: VecDeque<(Arc<Vec<u8>>, JoinHandle<Option<Vec<R>>>)>,
    /// Segments sent so far (the first one starts with `[`).
    sent: usize,
    rows: Vec<R>,
    /// Bytes of the body confirmed so far (segments and the commas between).
    confirmed_bytes: usize,
    /// Newlines in the confirmed bytes, and bytes since the last one.
    lines: usize,
    column: usize,
    /// From the first segment that did not decode on: `[` and the rest of
    /// the body, for the sequential decoder.
    rest: Option<Vec<u8>>,
    /// Whether the first segment failed (the whole body is then `rest`,
    /// without the added `[`).
    failed_first: bool,
}

impl<R: DeserializeOwned + Send + 'static> Pipe<R> {
    fn new(class: &'static str, expected: Option<u64>) -> Self {
        Pipe {
            class,
            expected,
            in_flight: VecDeque::new(),
            sent: 0,
            rows: Vec::new(),
            confirmed_bytes: 0,
            lines: 0,
            column: 0,
            rest: None,
            failed_first: false,
        }
    }

    /// The most segments decoding or waiting at once: one per core and
    /// one more, so a core never waits for the network to cut a segment.
    fn window() -> usize {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
            + 1
    }

    async fn push(&mut self, segment: Vec<u8>) -> Result<()> {
        if let Some(rest) = &mut self.rest {
            rest.push(b',');
            rest.extend_from_slice(&segment);
            return Ok(());
        }
        self.spawn(segment, false);
        while self.in_flight.len() >= Self::window() && self.rest.is_none() {
            self.confirm_oldest().await?;
        }
        Ok(())
    }

    fn spawn(&mut self, segment: Vec<u8>, last: bool) {
        let first = self.sent == 0;
        self.sent += 1;
        let segment = Arc::new(segment);
        let bytes = Arc::clone(&segment);
        let handle = tokio::task::spawn_blocking(move || {
            let text = std::str::from_utf8(&bytes).ok()?;
            crate::parallel::decode_run::<R>(text, first, last)
        });
        self.in_flight.push_back((segment, handle));
    }

    /// Waits for the oldest segment: its records join the answer, or the
    /// rest of the body from it on goes to the sequential decoder.
    async fn confirm_oldest(&mut self) -> Result<()> {
        let Some((segment, handle)) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let decoded = handle
            .await
            .map_err(|e| Error::InvalidArgument(format!("decoder task failed: {e}")))?;
        match decoded {
            Some(rows) => {
                let first = self.confirmed_bytes == 0;
                if first {
                    if let Some(n) = self.expected {
                        // Size the answer from the first segment's density
                        // (2% spare), never more than twice the announced
                        // bytes: the announcement may be a lie.
                        let per_byte = rows.len() as f64 / segment.len().max(1) as f64;
                        let estimate = (n as f64 * per_byte * 1.02) as usize;
                        let most = (2 * n as usize) / std::mem::size_of::<R>().max(1);
                        self.rows.reserve_exact(estimate.min(most));
                    }
                }
                self.rows.extend(rows);
                if !first {
                    self.advance(b",");
                }
                self.advance(&segment);
            }
            None => {
                let mut rest = Vec::with_capacity(segment.len() + 1);
                self.failed_first = self.confirmed_bytes == 0;
                if !self.failed_first {
                    rest.push(b'[');
                }
                rest.extend_from_slice(&segment);
                // Later segments started at cuts that are no longer
                // proven: their bytes join the rest, their results are
                // dropped.
                for (later, _) in self.in_flight.drain(..) {
                    rest.push(b',');
                    rest.extend_from_slice(&later);
                }
                self.rest = Some(rest);
            }
        }
        Ok(())
    }

    /// Counts confirmed bytes, for positions in errors from the rest.
    fn advance(&mut self, bytes: &[u8]) {
        self.confirmed_bytes += bytes.len();
        match memchr::memrchr(b'\n', bytes) {
            Some(i) => {
                self.lines += memchr::memchr_iter(b'\n', bytes).count();
                self.column = bytes.len() - i - 1;
            }
            None => self.column += bytes.len(),
        }
    }

    /// The body ended with `last` (everything after the last cut).
    async fn finish(mut self, last: Vec<u8>) -> Result<Vec<R>> {
        if self.rest.is_none() {
            self.spawn(last, true);
        } else if let Some(rest) = &mut self.rest {
            rest.push(b',');
            rest.extend_from_slice(&last);
        }
        while self.rest.is_none() && !self.in_flight.is_empty() {
            self.confirm_oldest().await?;
        }
        tracing::debug!(
            class = self.class,
            segments = self.sent,
            sequential_rest_bytes = self.rest.as_ref().map_or(0, Vec::len),
            "decoded while arriving"
        );
        let Some(rest) = self.rest.take() else {
            return Ok(self.rows);
        };
        let class = self.class;
        if self.failed_first {
            // Nothing was confirmed: the whole body, as it always was.
            let body = Bytes::from(rest);
            if let Some(message) = crate::de::error_body(&body) {
                return Err(crate::de::api_error(200, message));
            }
            return decode_blocking(move || {
                crate::de::decode_records::<R>(class, &body).map(|r| r.0)
            })
            .await;
        }
        let (skip, lines, column) = (self.rows.len(), self.lines, self.column);
        let more =
            decode_blocking(move || crate::de::decode_records::<R>(class, &rest).map(|r| r.0))
                .await
                .map_err(|e| shift(e, skip, lines, column))?;
        let mut rows = self.rows;
        rows.extend(more);
        Ok(rows)
    }
}

async fn decode_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::InvalidArgument(format!("decoder task failed: {e}")))?
}

/// An error from decoding `[` + the rest of the body, as decoding the whole
/// body reports it: the record index counts the `skip` records before, and
/// serde_json's position moves by the `lines` and `column` before the `[`
/// (which stands where the comma before the rest was).
fn shift(e: Error, skip: usize, lines: usize, column: usize) -> Error {
    let Error::Decode(mut d) = e else { return e };
    if let Some(r) = &mut d.record {
        *r += skip;
    }
    d.message = shift_position(&d.message, lines, column);
    Error::Decode(d)
}

/// Rewrites the ` at line L column C` that ends serde_json's messages.
pub(crate) fn shift_position(message: &str, lines: usize, column: usize) -> String {
    let Some(i) = message.rfind(" at line ") else {
        return message.to_owned();
    };
    let Some((l, c)) = message[i + 9..].split_once(" column ") else {
        return message.to_owned();
    };
    let (Ok(l), Ok(c)) = (l.parse::<usize>(), c.parse::<usize>()) else {
        return message.to_owned();
    };
    let (l, c) = if l == 1 {
        (1 + lines, c + column)
    } else {
        (l + lines, c)
    };
    format!("{} at line {l} column {c}", &message[..i])
}

#[cfg(test)]
mod tests {
    use super::shift_position;

    #[test]
    fn positions_move_to_the_whole_body() {
        assert_eq!(
            shift_position("EOF while parsing a list at line 1 column 10", 0, 100),
            "EOF while parsing a list at line 1 column 110"
        );
        assert_eq!(
            shift_position("expected value at line 3 column 4", 2, 100),
            "expected value at line 5 column 4"
        );
        assert_eq!(
            shift_position("no position here", 2, 100),
            "no position here"
        );
    }
}

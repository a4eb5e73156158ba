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
//! ([`parallel::decode_run`](super::parallel)) proves that the cut after it
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

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::Chunks;
use super::array::{MAX_RECORD_BYTES, RecordDecoder};
use super::body::{decode_array, decode_off_runtime, error_body};
use super::parallel::Run;
use crate::error::{Error, Result};

/// The size at which the arriving body is cut into a segment.
pub(crate) const SEGMENT_BYTES: usize = 1 << 20;

/// The largest segment a stream decodes in one piece (a segment is cut
/// just past [`SEGMENT_BYTES`]: a larger one holds a record of megabytes).
const STREAM_SEGMENT_BYTES: usize = 4 * SEGMENT_BYTES;

/// What [`receive`] produced: decoded records, or (for answers smaller than
/// one segment, not a JSON array, or whose first segment did not decode)
/// the whole body for the usual path.
pub(crate) enum Answer<R> {
    Records(Vec<R>),
    Whole(Bytes),
}

/// Reads a successful answer, decoding it segment by segment when it is a
/// large JSON array. `cap` bounds the bytes read, as for whole bodies.
/// `bounded`: whether reading waits for decoding (see `Pipe::bounded`).
pub(crate) async fn receive<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    body: Chunks,
    cap: u64,
    bounded: bool,
) -> Result<Answer<R>> {
    use futures_util::StreamExt;
    let too_large = || Error::TooLarge {
        limit: cap,
        what: "an answer held in memory",
    };
    let expected = body.len;
    let progress = body.progress;
    let mut chunks = body.stream;
    if expected.is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let mut cutter = Cutter::default();
    let mut total = 0u64;
    let mut pipe: Option<Pipe<R>> = None;
    while let Some(chunk) = chunks.next().await.transpose()? {
        total += chunk.len() as u64;
        if total > cap {
            return Err(too_large());
        }
        if let Some(segment) = cutter.push(&chunk) {
            let pipe =
                pipe.get_or_insert_with(|| Pipe::new(class, expected, bounded, progress.clone()));
            pipe.push(segment).await?;
        }
    }
    match pipe {
        None => Ok(Answer::Whole(Bytes::from(cutter.buf))),
        Some(pipe) => pipe.finish(cutter.buf).await,
    }
}

/// Cuts an arriving JSON array into segments of at least
/// [`SEGMENT_BYTES`] at `},{`. Anything that does not start with `[` stays
/// in `buf`.
#[derive(Default)]
struct Cutter {
    buf: Vec<u8>,
    /// Whether the body starts as a JSON array (None: not known yet).
    array: Option<bool>,
    /// How much of `buf` has been searched for `},{` already.
    searched: usize,
}

impl Cutter {
    /// Adds a chunk; returns a segment (ending with a record's `}`) when
    /// one is ready. The rest (from the next `{`) stays.
    fn push(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        self.buf.extend_from_slice(chunk);
        if self.array.is_none() {
            // Only the new bytes: what came before was all whitespace.
            self.array = chunk
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .map(|&b| b == b'[');
        }
        if self.buf.len() < SEGMENT_BYTES || self.array != Some(true) {
            return None;
        }
        // Search only what was not searched yet (a body without a cut must
        // not be searched again for every chunk).
        let from = self.searched.saturating_sub(2);
        self.searched = self.buf.len();
        let at = from + memchr::memmem::rfind(&self.buf[from..], b"},{")?;
        // The next segment's room at once, not grown by doubling from the
        // few bytes after the cut (which copied each segment again).
        let mut rest = Vec::with_capacity(SEGMENT_BYTES + SEGMENT_BYTES / 4);
        rest.extend_from_slice(&self.buf[at + 2..]);
        self.buf.truncate(at + 1);
        self.searched = rest.len();
        Some(std::mem::replace(&mut self.buf, rest))
    }
}

/// Decodes a segment on a blocking thread.
fn spawn_run<R: DeserializeOwned + Send + 'static>(
    segment: &Arc<Vec<u8>>,
    first: bool,
    last: bool,
) -> JoinHandle<Option<Run<R>>> {
    let bytes = Arc::clone(segment);
    tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&bytes).ok()?;
        super::parallel::decode_run_measured::<R>(text, first, last)
    })
}

/// The most segments decoding or waiting at once: one per core and one
/// more, so a core never waits for the network to cut a segment.
fn window() -> usize {
    // Asked once: on Linux the answer reads cgroup files, and the stream
    // asks for every chunk.
    static WINDOW: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WINDOW.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
            + 1
    })
}

/// Segments handed to blocking threads, oldest first, with the bytes of
/// each (kept until its result is confirmed).
struct InFlight<R> {
    queue: VecDeque<(Arc<Vec<u8>>, JoinHandle<Option<Run<R>>>)>,
    /// Segments sent so far (the first one starts with `[`).
    sent: usize,
}

impl<R> Default for InFlight<R> {
    fn default() -> Self {
        InFlight {
            queue: VecDeque::new(),
            sent: 0,
        }
    }
}

impl<R: DeserializeOwned + Send + 'static> InFlight<R> {
    /// Starts decoding `segment` (`last`: the body ends with it).
    fn spawn(&mut self, segment: Vec<u8>, last: bool) {
        let first = self.sent == 0;
        self.sent += 1;
        let segment = Arc::new(segment);
        let handle = spawn_run::<R>(&segment, first, last);
        self.queue.push_back((segment, handle));
    }
}

impl<R> std::ops::Deref for InFlight<R> {
    type Target = VecDeque<(Arc<Vec<u8>>, JoinHandle<Option<Run<R>>>)>;
    fn deref(&self) -> &Self::Target {
        &self.queue
    }
}

impl<R> std::ops::DerefMut for InFlight<R> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.queue
    }
}

/// Segments in flight and the records of those already confirmed.
struct Pipe<R> {
    class: &'static str,
    /// The body's length, when the server said it.
    expected: Option<u64>,
    in_flight: InFlight<R>,
    /// Segments cut but not yet handed to a thread (whether each is the
    /// last).
    pending: VecDeque<(Vec<u8>, bool)>,
    /// Whether reading waits for decoding when [`window`] segments are in
    /// flight, so that memory stays a few segments. Not under a total
    /// request timeout: it would then time decoding as well as the
    /// transfer, and fail (and retry) a transfer that finished in time;
    /// the segments then queue up as the body did when it was read whole.
    bounded: bool,
    /// Counts the records confirmed, when the query reports progress.
    progress: Option<Arc<super::Tracker>>,
    rows: Vec<R>,
    /// Bytes of the body confirmed so far (segments and the commas between).
    confirmed_bytes: usize,
    /// Newlines in the confirmed bytes, and bytes since the last one.
    lines: usize,
    column: usize,
    /// From the first segment that did not decode on: `[` and the rest of
    /// the body, for the sequential decoder (the whole body, without an
    /// added `[`, when nothing was confirmed).
    rest: Option<Vec<u8>>,
}

impl<R: DeserializeOwned + Send + 'static> Pipe<R> {
    fn new(
        class: &'static str,
        expected: Option<u64>,
        bounded: bool,
        progress: Option<Arc<super::Tracker>>,
    ) -> Self {
        Pipe {
            class,
            expected,
            bounded,
            progress,
            in_flight: InFlight::default(),
            pending: VecDeque::new(),
            rows: Vec::new(),
            confirmed_bytes: 0,
            lines: 0,
            column: 0,
            rest: None,
        }
    }

    async fn push(&mut self, segment: Vec<u8>) -> Result<()> {
        if let Some(rest) = &mut self.rest {
            rest.push(b',');
            rest.extend_from_slice(&segment);
            return Ok(());
        }
        self.pending.push_back((segment, false));
        // Collect what has finished (without waiting), then start more.
        while self.rest.is_none() && self.in_flight.front().is_some_and(|(_, h)| h.is_finished()) {
            self.confirm_oldest().await?;
        }
        self.start_pending();
        while self.bounded && self.rest.is_none() && !self.pending.is_empty() {
            self.confirm_oldest().await?;
            self.start_pending();
        }
        Ok(())
    }

    /// Hands pending segments to threads, at most [`window`] at once.
    fn start_pending(&mut self) {
        while self.rest.is_none() && self.in_flight.len() < window() {
            let Some((segment, last)) = self.pending.pop_front() else {
                return;
            };
            self.in_flight.spawn(segment, last);
        }
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
        match decoded.map(|run| run.rows) {
            Some(rows) => {
                let first = self.confirmed_bytes == 0;
                if let Some(p) = &self.progress {
                    p.add_records(rows.len() as u64);
                    p.tick();
                }
                self.make_room(rows.len(), segment.len());
                self.rows.extend(rows);
                if !first {
                    self.advance(b",");
                }
                self.advance(&segment);
            }
            None => {
                let mut rest = Vec::with_capacity(segment.len() + 1);
                if self.confirmed_bytes > 0 {
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
                for (later, _) in self.pending.drain(..) {
                    rest.push(b',');
                    rest.extend_from_slice(&later);
                }
                self.rest = Some(rest);
            }
        }
        Ok(())
    }

    /// Grows the answer's vector for `more` records, sized from the
    /// records per byte so far when the body's length is known (2% spare,
    /// at most twice the announced bytes: the announcement may be a lie),
    /// by half again otherwise. Doubling would leave up to half of the
    /// largest allocation of a `send()` unused.
    fn make_room(&mut self, more: usize, segment_len: usize) {
        let need = self.rows.len() + more;
        if need <= self.rows.capacity() {
            return;
        }
        let seen = (self.confirmed_bytes + segment_len).max(1);
        // Grow by at least a quarter, so a late change of density cannot
        // make the vector grow (and move) at every segment.
        let least = need.max(
            self.rows
                .capacity()
                .saturating_add(self.rows.capacity() / 4),
        );
        let target = match self.expected {
            Some(n) => {
                let estimate = (n as f64 * need as f64 / seen as f64 * 1.02) as usize;
                let bytes = usize::try_from(n).unwrap_or(usize::MAX).saturating_mul(2);
                let most = bytes / std::mem::size_of::<R>().max(1);
                estimate.min(most).max(least)
            }
            None => need.saturating_add(need / 2),
        };
        // An estimate that cannot be had falls back to what is needed now.
        if self
            .rows
            .try_reserve_exact(target - self.rows.len())
            .is_err()
        {
            self.rows.reserve(more);
        }
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
    async fn finish(mut self, last: Vec<u8>) -> Result<Answer<R>> {
        match &mut self.rest {
            None => self.pending.push_back((last, true)),
            Some(rest) => {
                rest.push(b',');
                rest.extend_from_slice(&last);
            }
        }
        self.start_pending();
        while self.rest.is_none() && !self.in_flight.is_empty() {
            self.confirm_oldest().await?;
            self.start_pending();
        }
        tracing::debug!(
            class = self.class,
            segments = self.in_flight.sent,
            sequential_rest_bytes = self.rest.as_ref().map_or(0, Vec::len),
            "decoded while arriving"
        );
        let Some(rest) = self.rest.take() else {
            return Ok(Answer::Records(shrunk(self.rows)));
        };
        if self.confirmed_bytes == 0 {
            // Nothing was confirmed: the whole body, as it always was.
            return Ok(Answer::Whole(Bytes::from(rest)));
        }
        let (class, skip, lines, column) = (self.class, self.rows.len(), self.lines, self.column);
        // `[` and the rest, as an array: the whole body was not an error
        // body (it had more than one record), so the rest is not read as
        // one either.
        let more = decode_off_runtime(Bytes::from(rest), move |b| decode_array::<R>(class, b))
            .await
            .map_err(|e| shift(e, skip, lines, column))?;
        if let Some(p) = &self.progress {
            p.add_records(more.len() as u64);
        }
        let mut rows = self.rows;
        rows.extend(more);
        Ok(Answer::Records(shrunk(rows)))
    }
}

/// `rows` without the spare room of an estimate that was too high.
fn shrunk<R>(mut rows: Vec<R>) -> Vec<R> {
    if rows.capacity() > rows.len() + rows.len() / 32 {
        rows.shrink_to_fit();
    }
    rows
}

/// Typed records of a streamed JSON array, decoded segment by segment on
/// blocking threads while the body arrives. The items (records, then at
/// most one error) are exactly those of the record-at-a-time decoder
/// (`array::records`): at the first segment that is not a clean
/// run of flat records, whose first record is an error body or whose
/// largest record is near [`MAX_RECORD_BYTES`],
/// and at a transport error, that decoder takes over from the last
/// confirmed record. Records arrive a segment at a time.
pub(crate) fn records<R: DeserializeOwned + Send + 'static>(
    class: &'static str,
    body: Chunks,
) -> impl futures_util::Stream<Item = Result<R>> + Send + 'static {
    let st = Streamed::<R> {
        class,
        body: body.stream,
        cutter: Cutter::default(),
        in_flight: InFlight::default(),
        index: 0,
        ready: Vec::new().into_iter(),
        fallback: None,
        body_ended: false,
    };
    futures_util::stream::unfold(st, |mut st| async move {
        let item = st.next().await?;
        Some((item, st))
    })
}

struct Streamed<R> {
    class: &'static str,
    body: futures_util::stream::BoxStream<'static, Result<Bytes>>,
    cutter: Cutter,
    in_flight: InFlight<R>,
    /// Records confirmed so far.
    index: usize,
    ready: std::vec::IntoIter<R>,
    fallback: Option<RecordDecoder<R>>,
    body_ended: bool,
}

impl<R: DeserializeOwned + Send + 'static> Streamed<R> {
    async fn next(&mut self) -> Option<Result<R>> {
        use futures_util::StreamExt;
        loop {
            if let Some(r) = self.ready.next() {
                return Some(Ok(r));
            }
            if let Some(dec) = &mut self.fallback {
                if let Some(item) = dec.pop() {
                    return Some(item);
                }
                if dec.done() {
                    return None;
                }
                match self.body.next().await {
                    Some(Ok(chunk)) => dec.feed(&chunk),
                    Some(Err(e)) => dec.fail(e),
                    None => dec.end(),
                }
                continue;
            }
            // The oldest segment's records go out as soon as they are
            // decoded (or when the window is full or the body over).
            if self.in_flight.front().is_some_and(|(_, h)| {
                self.body_ended || h.is_finished() || self.in_flight.len() >= window()
            }) {
                self.confirm_oldest().await;
                continue;
            }
            if self.body_ended {
                return None;
            }
            match self.body.next().await {
                Some(Ok(chunk)) => match self.cutter.push(&chunk) {
                    // A segment holding a record of megabytes, or no cut in
                    // sight: the record decoder judges it, one record in
                    // memory as before (a few segments of that size would
                    // not be).
                    Some(segment) if segment.len() > STREAM_SEGMENT_BYTES => {
                        self.fall_back(Vec::new(), segment, None)
                    }
                    Some(segment) => self.in_flight.spawn(segment, false),
                    None if self.cutter.buf.len() > STREAM_SEGMENT_BYTES => {
                        self.fall_back(Vec::new(), Vec::new(), None)
                    }
                    // Not an array: the record decoder says so at once.
                    None if self.cutter.array == Some(false) => {
                        self.fall_back(Vec::new(), Vec::new(), None)
                    }
                    None => {}
                },
                Some(Err(e)) => self.fall_back(Vec::new(), Vec::new(), Some(e)),
                None => {
                    self.body_ended = true;
                    if self.in_flight.sent == 0 {
                        self.fall_back(Vec::new(), Vec::new(), None);
                    } else {
                        let last = std::mem::take(&mut self.cutter.buf);
                        self.in_flight.spawn(last, true);
                    }
                }
            }
        }
    }

    async fn confirm_oldest(&mut self) {
        let Some((segment, handle)) = self.in_flight.pop_front() else {
            return;
        };
        let run = handle.await.ok().flatten().filter(|run| {
            let error_first = self.index == 0 && error_body(&segment[run.first.clone()]).is_some();
            !error_first && run.largest + 2 < MAX_RECORD_BYTES
        });
        match run {
            Some(run) => {
                self.index += run.rows.len();
                self.ready = run.rows.into_iter();
            }
            None => self.fall_back(Arc::unwrap_or_clone(segment), Vec::new(), None),
        }
    }

    /// Hands everything not yet confirmed (`failed`, a segment just taken
    /// off the queue, then the segments in flight, `newest`, a segment just
    /// cut, and the uncut bytes) to the record-at-a-time decoder, resumed
    /// after the confirmed records; `error` (a transport failure) ends it.
    fn fall_back(&mut self, failed: Vec<u8>, newest: Vec<u8>, error: Option<Error>) {
        let mut dec = if self.index == 0 {
            RecordDecoder::new(self.class)
        } else {
            RecordDecoder::resume(self.class, self.index)
        };
        // Segment 0 starts the body; every later piece follows a comma
        // that the cut removed.
        let mut at_start = self.index == 0;
        let mut feed = |bytes: &[u8], dec: &mut RecordDecoder<R>| {
            if !at_start {
                dec.feed(b",");
            }
            at_start = false;
            dec.feed(bytes);
        };
        if !failed.is_empty() {
            feed(&failed, &mut dec);
        }
        for (segment, _) in self.in_flight.drain(..) {
            feed(&segment, &mut dec);
        }
        if !newest.is_empty() {
            feed(&newest, &mut dec);
        }
        if !self.cutter.buf.is_empty() {
            if self.in_flight.sent == 0 && newest.is_empty() {
                // Nothing was cut: the bytes are the body's start.
                dec.feed(&self.cutter.buf);
            } else {
                feed(&self.cutter.buf, &mut dec);
            }
            self.cutter.buf = Vec::new();
        }
        match error {
            Some(e) => dec.fail(e),
            None if self.body_ended => dec.end(),
            None => {}
        }
        self.fallback = Some(dec);
    }
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

//! Decoding of Space-Track values and responses.
//!
//! Space-Track sends every value of a JSON answer as a string (`"25544"`,
//! `"0.0001234"`, `"2024-01-01T12:00:00.123456"`), nulls as `null`, and
//! datetimes with a `T` or a space, with or without fractions. [`FromWire`]
//! accepts all of these forms *and* native JSON numbers, and rejects
//! everything else with an error naming the column and the value.
//!
//! The record deserialisers are generated (see `spacetrack-codegen`) and use
//! the helpers here; this module is our core, so it is hand-written rather
//! than built on `serde_with`-style adapters: a column-indexed key match and
//! a borrowed string per value keep decoding free of per-value allocation.

// Everything here works on bytes and knows nothing of HTTP: an engine (the
// Space-Track client, or a local one) hands over an answer as `Chunks`, and
// the decoders turn them into records, lines or text.

pub(crate) mod answer;
mod array;
mod body;
mod context;
mod parallel;
mod pipeline;
mod progress;
mod record;
mod text;
mod unknown;
mod value;

use bytes::Bytes;
use futures_util::stream::BoxStream;

pub use crate::schema::unknown::UnknownColumns;
pub use array::{MAX_RECORD_BYTES, RecordReader, read_records};
pub use body::{decode_in_runs, from_json_slice};
pub use progress::Progress;
pub use record::{Key, KeySeed, Wire, fill, fill_unknown, settle, warn_unknown_once};
pub use value::{FromWire, ToWire};

pub(crate) use answer::metadata_total;
pub(crate) use array::{decode_partial, records, records_partial};
pub(crate) use body::{decode_any, decode_off_runtime, decode_records, error_body};
pub(crate) use pipeline::{Answer, receive, records as records_in_segments};
pub(crate) use progress::{ProgressFn, Tracker};
pub use text::TextAnswer;
pub(crate) use text::{bytes, is_no_results, lines, text_answer, text_body, text_bytes};
pub(crate) use value::parse_datetime;

/// An answer's body as it arrives: its chunks in order (an error ends
/// them) and the length the sender announced, if any.
pub(crate) struct Chunks {
    pub(crate) stream: BoxStream<'static, crate::Result<Bytes>>,
    pub(crate) len: Option<u64>,
    /// Where decoders count records, when the query reports progress
    /// (see [`Chunks::tracked`]).
    pub(crate) progress: Option<std::sync::Arc<progress::Tracker>>,
}

impl Chunks {
    /// A body held whole, as one chunk.
    pub(crate) fn whole(body: Bytes) -> Chunks {
        let len = Some(body.len() as u64);
        Chunks {
            stream: Box::pin(futures_util::stream::once(async move { Ok(body) })),
            len,
            progress: None,
        }
    }
}

//! The blocking side of queries: `send()` instead of `send().await`, and
//! iterators instead of streams.

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::Blocking;
use crate::error::Result;
use crate::query::{Format, Mode, Page, Projection, Query};
use crate::schema::Record;

impl crate::query::sealed::Sealed for Blocking {}
impl Mode for Blocking {}

impl<R: Record> Query<R, Blocking> {
    /// Sends the query and decodes every record.
    pub fn send(self) -> Result<Vec<R>> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send())?
    }

    /// The first record of the answer, in the query's order, or `None`
    /// (see [`Query::first`]).
    pub fn first(self) -> Result<Option<R>> {
        let (q, mode) = self.into_async();
        mode.block_on(q.first())?
    }

    /// How many records match, from Space-Track's count: one small request
    /// (see [`Query::count`]).
    pub fn count(self) -> Result<u64> {
        let (q, mode) = self.into_async();
        mode.block_on(q.count())?
    }

    /// What `send` would do, without sending anything (see
    /// [`Query::plan`]).
    pub fn plan(&self) -> Result<crate::query::Plan> {
        self.plan_for(Format::Json)
    }

    /// What asking for `format` would do, without sending anything (see
    /// [`Query::plan_for`]).
    pub fn plan_for(&self, format: Format) -> Result<crate::query::Plan> {
        let (q, mode) = self.clone().into_async();
        mode.block_on(async move { q.plan_for(format).await })?
    }

    /// Sends with `metadata/true` (see [`Query::send_with_metadata`]).
    pub fn send_with_metadata(self) -> Result<Page<R>> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_with_metadata())?
    }

    /// Sends and returns the JSON answer untouched.
    pub fn send_json(self) -> Result<serde_json::Value> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_json())?
    }

    /// Sends in a text format; CRLF is normalised to LF.
    pub fn send_text(self, format: Format) -> Result<String> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_text(format))?
    }

    /// Sends in a text format; the answer or that nothing matched (see
    /// [`Query::send_text_answer`]).
    pub fn send_text_answer(self, format: Format) -> Result<crate::TextAnswer> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_text_answer(format))?
    }

    /// Sends in any format and returns the raw bytes.
    pub fn send_bytes(self, format: Format) -> Result<Bytes> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_bytes(format))?
    }

    /// Yields records one at a time, holding a few megabytes (see
    /// [`Query::stream`]).
    pub fn stream(self) -> Result<Iter<R>> {
        let (q, mode) = self.into_async();
        let stream = mode.block_on(q.stream())??;
        Ok(Iter::new(stream.boxed(), mode))
    }

    /// Yields the lines of a text format.
    pub fn lines(self, format: Format) -> Result<Iter<String>> {
        let (q, mode) = self.into_async();
        let stream = mode.block_on(q.lines(format))??;
        Ok(Iter::new(stream.boxed(), mode))
    }

    /// Every record, page by page, as an iterator (see
    /// [`Query::paginate`]). An error ends it.
    pub fn paginate(self, page_size: u64) -> Iter<R> {
        let (q, mode) = self.into_async();
        Iter::new(q.paginate(page_size).boxed(), mode)
    }

    /// The records that decoded and one error per record that did not (see
    /// [`Query::send_partial`]).
    pub fn send_partial(self) -> Result<crate::Partial<R>> {
        let (q, mode) = self.into_async();
        mode.block_on(q.send_partial())?
    }

    /// [`stream`](Self::stream) that goes on past records that do not decode
    /// (see [`Query::stream_partial`]).
    pub fn stream_partial(self) -> Result<Iter<std::result::Result<R, Box<crate::DecodeError>>>> {
        let (q, mode) = self.into_async();
        let stream = mode.block_on(q.stream_partial())??;
        Ok(Iter::new(stream.boxed(), mode))
    }
}

impl<R: Record> Projection<R, Blocking> {
    /// Sends and returns each record as a JSON object.
    pub fn send(self) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
        let (q, mode) = self.query.into_async();
        mode.block_on(Projection { query: q }.send())?
    }
}

/// A blocking iterator over a streamed answer. A body cut short ends it
/// with an error, never early; after an error it yields nothing more.
pub struct Iter<T> {
    stream: BoxStream<'static, Result<T>>,
    mode: Blocking,
    ended: bool,
}

impl<T> Iter<T> {
    fn new(stream: BoxStream<'static, Result<T>>, mode: Blocking) -> Self {
        Iter {
            stream,
            mode,
            ended: false,
        }
    }
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.ended {
            return None;
        }
        let item = match self.mode.block_on(self.stream.next()) {
            Ok(item) => item,
            // The runtime could not be entered (used inside an async
            // context): one error, then the end.
            Err(e) => Some(Err(e)),
        };
        if !matches!(item, Some(Ok(_))) {
            self.ended = true;
        }
        item
    }
}

/// Gives a generated class builder (see `class_query!`) its blocking
/// methods, forwarded to `Query<R, Blocking>`.
macro_rules! blocking_builder {
    ($query:ident, $rec:ident) => {
        impl $query<crate::blocking::Blocking> {
            /// Sends the query and decodes every record, blocking.
            #[inline]
            pub fn send(self) -> crate::Result<Vec<$rec>> {
                self.inner.send()
            }

            /// The first record in the query's order, or `None`, blocking.
            #[inline]
            pub fn first(self) -> crate::Result<Option<$rec>> {
                self.inner.first()
            }

            /// How many records match, from Space-Track's count, blocking.
            #[inline]
            pub fn count(self) -> crate::Result<u64> {
                self.inner.count()
            }

            /// What `send` would do, without sending anything.
            #[inline]
            pub fn plan(&self) -> crate::Result<crate::query::Plan> {
                self.inner.plan()
            }

            /// What asking for `format` would do, without sending anything.
            #[inline]
            pub fn plan_for(&self, format: crate::Format) -> crate::Result<crate::query::Plan> {
                self.inner.plan_for(format)
            }

            /// The records that decoded and one error per record that did
            /// not, blocking.
            #[inline]
            pub fn send_partial(self) -> crate::Result<crate::query::Partial<$rec>> {
                self.inner.send_partial()
            }

            /// Records one at a time as they arrive, as an iterator.
            #[inline]
            pub fn stream(self) -> crate::Result<crate::blocking::Iter<$rec>> {
                self.inner.stream()
            }

            /// [`stream`](Self::stream) that goes on past records that do not
            /// decode.
            #[inline]
            pub fn stream_partial(
                self,
            ) -> crate::Result<
                crate::blocking::Iter<std::result::Result<$rec, Box<crate::DecodeError>>>,
            > {
                self.inner.stream_partial()
            }

            /// Every record, page by page, as an iterator (see
            /// [`Query::paginate`](crate::Query::paginate)).
            #[inline]
            pub fn paginate(self, page_size: u64) -> crate::blocking::Iter<$rec> {
                self.inner.paginate(page_size)
            }

            /// The lines of a text format, as an iterator.
            #[inline]
            pub fn lines(
                self,
                format: crate::query::Format,
            ) -> crate::Result<crate::blocking::Iter<String>> {
                self.inner.lines(format)
            }

            /// The records with Space-Track's `request_metadata`, blocking.
            #[inline]
            pub fn send_with_metadata(self) -> crate::Result<crate::query::Page<$rec>> {
                self.inner.send_with_metadata()
            }

            /// The JSON answer untouched, blocking.
            #[inline]
            pub fn send_json(self) -> crate::Result<serde_json::Value> {
                self.inner.send_json()
            }

            /// The answer in a text format, line endings normalised, blocking.
            #[inline]
            pub fn send_text(self, format: crate::query::Format) -> crate::Result<String> {
                self.inner.send_text(format)
            }

            /// The answer in a text format, or that nothing matched, blocking.
            #[inline]
            pub fn send_text_answer(
                self,
                format: crate::query::Format,
            ) -> crate::Result<crate::query::TextAnswer> {
                self.inner.send_text_answer(format)
            }

            /// The answer in any format as raw bytes, blocking.
            #[inline]
            pub fn send_bytes(self, format: crate::query::Format) -> crate::Result<bytes::Bytes> {
                self.inner.send_bytes(format)
            }
        }
    };
}
pub(crate) use blocking_builder;

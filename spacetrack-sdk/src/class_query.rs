//! The per-class query builders (`GpQuery`, `SatcatQuery`, ...).
//!
//! Each class gets its own builder type so that its filters have their own
//! documentation page and IDE completion after `st.gp().` offers gp's
//! columns only. A builder wraps the generic [`Query`](crate::Query), which
//! does the work; [`class_query!`] gives every builder the methods common to
//! all classes by forwarding to it (the blocking ones through
//! `blocking::blocking_builder!`, so that the blocking side's code lives in
//! `blocking/`). The generated layer invokes the macro and adds one filter
//! method per column.

/// Gives `$query<M>` (a generated struct with one field, `inner:
/// Query<$rec, M>`) the common builder, async and blocking methods,
/// forwarded to [`Query`](crate::Query).
///
/// The methods of the concrete `Async` and `Blocking` impls are
/// `#[inline]`: a non-generic method is otherwise compiled into this crate
/// for all 22 classes whether or not a program calls it, and those copies
/// (each inlining the engine's send, stream and blocking paths) were most
/// of the crate's optimised build time.
macro_rules! class_query {
    ($query:ident, $rec:ident) => {
        impl<M: crate::query::Mode> Clone for $query<M> {
            fn clone(&self) -> Self {
                $query { inner: self.inner.clone() }
            }
        }

        impl<M> std::fmt::Debug for $query<M> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }

        impl<M: crate::query::Mode> From<$query<M>> for crate::query::Query<$rec, M> {
            fn from(q: $query<M>) -> Self {
                q.inner
            }
        }

        impl<M: crate::query::Mode> From<crate::query::Query<$rec, M>> for $query<M> {
            fn from(inner: crate::query::Query<$rec, M>) -> Self {
                $query { inner }
            }
        }

        impl<M: crate::query::Mode> $query<M> {
            pub(crate) fn new(inner: crate::query::Query<$rec, M>) -> Self {
                $query { inner }
            }

            fn filter<T: crate::de::ToWire>(self, key: &str, predicate: crate::op::Predicate<T>) -> Self {
                $query { inner: self.inner.filter(key, predicate) }
            }

            /// The generic [`Query`](crate::Query) behind this builder, for
            /// code that handles any class.
            pub fn into_query(self) -> crate::query::Query<$rec, M> {
                self.inner
            }

            /// Adds a predicate on a column this build does not know, written
            /// as Space-Track reads it (see [`Query::raw_predicate`](crate::Query::raw_predicate)).
            pub fn raw_predicate(self, key: &str, value: impl crate::query::RawValue) -> Self {
                $query { inner: self.inner.raw_predicate(key, value) }
            }

            /// Sorts by a column; call again to add further keys (see
            /// [`Query::order_by`](crate::Query::order_by)).
            pub fn order_by(
                self,
                order: impl Into<crate::query::Order<<$rec as crate::schema::Record>::Field>>,
            ) -> Self {
                $query { inner: self.inner.order_by(order) }
            }

            /// Returns at most `n` records; any integer type (see
            /// [`Query::limit`](crate::Query::limit)).
            pub fn limit<N: TryInto<u64>>(self, n: N) -> Self {
                $query { inner: self.inner.limit(n) }
            }

            /// Skips the first `n` records; needs a limit (see
            /// [`Query::offset`](crate::Query::offset)).
            pub fn offset<N: TryInto<u64>>(self, n: N) -> Self {
                $query { inner: self.inner.offset(n) }
            }

            /// Also the rows a mirror keeps that Space-Track no longer has
            /// (see [`Query::include_removed`](crate::Query::include_removed)).
            pub fn include_removed(self) -> Self {
                $query { inner: self.inner.include_removed() }
            }

            /// Removes duplicate rows (`distinct/true`).
            pub fn distinct(self) -> Self {
                $query { inner: self.inner.distinct() }
            }

            /// Asks Space-Track to say when nothing matched
            /// (`emptyresult/show`; see
            /// [`Query::empty_result_show`](crate::Query::empty_result_show)).
            pub fn empty_result_show(self) -> Self {
                $query { inner: self.inner.empty_result_show() }
            }

            /// Restricts to one of the account's favorites lists.
            pub fn favorites(self, name: &str) -> Self {
                $query { inner: self.inner.favorites(name) }
            }

            /// Overrides the client's timeout for this request.
            pub fn timeout(self, timeout: std::time::Duration) -> Self {
                $query { inner: self.inner.timeout(timeout) }
            }

            /// Reports the answer's progress (records, bytes, totals when
            /// known) to `f` while it arrives (see
            /// [`Query::on_progress`](crate::Query::on_progress)).
            pub fn on_progress(
                self,
                f: impl Fn(&crate::query::Progress) + Send + Sync + 'static,
            ) -> Self {
                $query { inner: self.inner.on_progress(f) }
            }

            /// Returns only the given columns (see
            /// [`Query::select`](crate::Query::select)).
            pub fn select(
                self,
                fields: impl IntoIterator<Item = <$rec as crate::schema::Record>::Field>,
            ) -> crate::query::Projection<$rec, M> {
                self.inner.select(fields)
            }

            /// The query as one URL, however long (see
            /// [`Query::url`](crate::Query::url); [`urls`](Self::urls) gives the
            /// requests actually sent).
            pub fn url(&self) -> crate::Result<String> {
                self.inner.url()
            }

            /// Every URL the query sends: more than one when a value list is
            /// too long for one URL (see [`Query::urls`](crate::Query::urls)).
            pub fn urls(&self) -> crate::Result<Vec<String>> {
                self.inner.urls()
            }
        }

        impl $query<crate::query::Async> {
            /// Sends the query and decodes every record (see
            /// [`Query::send`](crate::Query::send)).
            #[inline]
            pub async fn send(self) -> crate::Result<Vec<$rec>> {
                self.inner.send().await
            }

            /// The first record in the query's order, or `None` (see
            /// [`Query::first`](crate::Query::first)).
            #[inline]
            pub async fn first(self) -> crate::Result<Option<$rec>> {
                self.inner.first().await
            }

            /// How many records match, from Space-Track's count: one small
            /// request (see [`Query::count`](crate::Query::count)).
            #[inline]
            pub async fn count(self) -> crate::Result<u64> {
                self.inner.count().await
            }

            /// What [`send`](Self::send) would do, without sending anything
            /// (see [`Query::plan`](crate::Query::plan)).
            #[inline]
            pub async fn plan(&self) -> crate::Result<crate::query::Plan> {
                self.inner.plan().await
            }

            /// What asking for `format` would do, without sending anything
            /// (see [`Query::plan_for`](crate::Query::plan_for)).
            #[inline]
            pub async fn plan_for(&self, format: crate::Format) -> crate::Result<crate::query::Plan> {
                self.inner.plan_for(format).await
            }

            /// The records that decoded and one error per record that did
            /// not (see [`Query::send_partial`](crate::Query::send_partial)).
            #[inline]
            pub async fn send_partial(self) -> crate::Result<crate::query::Partial<$rec>> {
                self.inner.send_partial().await
            }

            /// Records one at a time as they arrive (see
            /// [`Query::stream`](crate::Query::stream)).
            #[inline]
            pub async fn stream(
                self,
            ) -> crate::Result<impl futures_util::Stream<Item = crate::Result<$rec>> + Send + 'static> {
                self.inner.stream().await
            }

            /// [`stream`](Self::stream) that goes on past records that do not
            /// decode (see [`Query::stream_partial`](crate::Query::stream_partial)).
            #[inline]
            pub async fn stream_partial(
                self,
            ) -> crate::Result<
                impl futures_util::Stream<
                    Item = crate::Result<std::result::Result<$rec, Box<crate::DecodeError>>>,
                > + Send
                + 'static,
            > {
                self.inner.stream_partial().await
            }

            /// Every record, page by page with `limit`/`offset`, in a stable
            /// order (see [`Query::paginate`](crate::Query::paginate)).
            #[inline]
            pub fn paginate(
                self,
                page_size: u64,
            ) -> impl futures_util::Stream<Item = crate::Result<$rec>> + Send + 'static {
                self.inner.paginate(page_size)
            }

            /// Streams a text format line by line (see
            /// [`Query::lines`](crate::Query::lines)).
            #[inline]
            pub async fn lines(
                self,
                format: crate::query::Format,
            ) -> crate::Result<impl futures_util::Stream<Item = crate::Result<String>> + Send + 'static> {
                self.inner.lines(format).await
            }

            /// Streams the raw answer chunk by chunk (see
            /// [`Query::bytes`](crate::Query::bytes)).
            #[inline]
            pub async fn bytes(
                self,
                format: crate::query::Format,
            ) -> crate::Result<impl futures_util::Stream<Item = crate::Result<bytes::Bytes>> + Send + 'static> {
                self.inner.bytes(format).await
            }

            /// The records with Space-Track's `request_metadata` (see
            /// [`Query::send_with_metadata`](crate::Query::send_with_metadata)).
            #[inline]
            pub async fn send_with_metadata(self) -> crate::Result<crate::query::Page<$rec>> {
                self.inner.send_with_metadata().await
            }

            /// The JSON answer untouched (see
            /// [`Query::send_json`](crate::Query::send_json)).
            #[inline]
            pub async fn send_json(self) -> crate::Result<serde_json::Value> {
                self.inner.send_json().await
            }

            /// The answer in a text format, line endings normalised (see
            /// [`Query::send_text`](crate::Query::send_text)).
            #[inline]
            pub async fn send_text(self, format: crate::query::Format) -> crate::Result<String> {
                self.inner.send_text(format).await
            }

            /// The answer in a text format, or that nothing matched (see
            /// [`Query::send_text_answer`](crate::Query::send_text_answer)).
            #[inline]
            pub async fn send_text_answer(
                self,
                format: crate::query::Format,
            ) -> crate::Result<crate::query::TextAnswer> {
                self.inner.send_text_answer(format).await
            }

            /// The answer in any format as raw bytes (see
            /// [`Query::send_bytes`](crate::Query::send_bytes)).
            #[inline]
            pub async fn send_bytes(self, format: crate::query::Format) -> crate::Result<bytes::Bytes> {
                self.inner.send_bytes(format).await
            }
        }

        crate::blocking::blocking_builder!($query, $rec);
    };
}
pub(crate) use class_query;

//! Query building: URL paths exactly as the reference client builds them,
//! and the typed fluent builder the generated layer extends.

// `Query<R>` describes a request of class `R` (the description itself is
// `request::Spec`) and runs it on the client, splitting, merging and paging
// as one request would have answered. Its methods are spread over the
// modules declared at the end of this file (declared there so that rustdoc
// lists the builder's methods first, as before the split).

use std::marker::PhantomData;
use std::time::Duration;

use crate::client::Client;
use crate::de::{ProgressFn, ToWire, Tracker};
use crate::error::Result;
use crate::op::Predicate;
use crate::request::Spec;
use crate::schema::{Field, Record};
use target::Target;

pub use crate::de::answer::{Page, Partial};
pub use crate::de::{Progress, TextAnswer};
pub use crate::request::{Format, Order, RawValue, encode_segment};
pub use preview::{Plan, PlannedRequest};
pub use raw::RawQuery;

/// How a [`Query`] is sent: [`Async`] (the default) or blocking (see
/// [`blocking`](crate::blocking)). The builder methods are the same.
pub trait Mode: Clone + Send + Sync + 'static + sealed::Sealed {}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// Queries sent with `.await`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;
impl sealed::Sealed for Async {}
impl Mode for Async {}

/// A typed query on class `R`, built fluently and sent with
/// [`send`](Query::send): the engine behind every class's builder.
///
/// `st.gp()` returns [`GpQuery`](crate::GpQuery), whose page lists gp's
/// filters (one per column, generated from the schemas) beside these
/// common methods; [`GpQuery::into_query`](crate::GpQuery::into_query)
/// gives this generic form, for code that handles any class:
///
/// ```
/// use spacetrack::{Query, Record};
/// async fn count<R: Record>(q: Query<R>) -> spacetrack::Result<usize> {
///     Ok(q.send().await?.len())
/// }
/// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
/// let n = count(st.gp().norad_cat_id(25544).into_query()).await?;
/// # Ok(()) }
/// ```
///
/// Filters are not methods of `Query` itself:
///
/// ```compile_fail,E0599
/// # fn demo(st: spacetrack::Client) {
/// st.gp().into_query().norad_cat_id(25544);
/// # }
/// ```
#[must_use = "a query does nothing until it is sent"]
pub struct Query<R, M = Async> {
    target: Target,
    spec: Spec,
    mode: M,
    /// The callback of [`on_progress`](Query::on_progress).
    progress: Option<ProgressFn>,
    _record: PhantomData<fn() -> R>,
}

impl<R, M: Mode> Clone for Query<R, M> {
    fn clone(&self) -> Self {
        Query {
            target: self.target.clone(),
            spec: self.spec.clone(),
            mode: self.mode.clone(),
            progress: self.progress.clone(),
            _record: PhantomData,
        }
    }
}

impl<R: Record, M> std::fmt::Debug for Query<R, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("class", &R::CLASS.class)
            .field("segments", &self.spec.segments)
            .finish_non_exhaustive()
    }
}

impl<R: Record> Query<R, Async> {
    pub(crate) fn new(client: Client) -> Self {
        Query::with_mode(client, Async)
    }
}

impl Client {
    /// A typed query of any class by its record type, for code generic
    /// over the class (`st.query::<Gp>()` is `st.gp().into_query()`).
    ///
    /// ```
    /// use spacetrack::{Query, Record};
    /// async fn newest<R: Record>(st: &spacetrack::Client) -> spacetrack::Result<Vec<R>> {
    ///     st.query::<R>().limit(10).send().await
    /// }
    /// ```
    pub fn query<R: Record>(&self) -> Query<R> {
        Query::new(self.clone())
    }
}

impl<R: Record, M: Mode> Query<R, M> {
    pub(crate) fn with_mode(client: Client, mode: M) -> Self {
        Query::on(Target::SpaceTrack(client), mode)
    }

    /// A query of `R` answered by `engine` instead of Space-Track (see
    /// [`engine`](crate::engine)), sent with `.await` ([`Async`]) or
    /// blocking (a [`Blocking`](crate::blocking::Blocking) mode). Convert it
    /// into the class's builder with `.into()` for its filters. A value list
    /// is never split: an engine has no URL length.
    pub fn with_engine(engine: std::sync::Arc<dyn crate::engine::Engine>, mode: M) -> Self {
        Query::on(Target::Engine(engine), mode)
    }

    fn on(target: Target, mode: M) -> Self {
        Query {
            target,
            spec: Spec::new(R::CLASS.controller, R::CLASS.class),
            mode,
            progress: None,
            _record: PhantomData,
        }
    }

    /// The same query, sent asynchronously, and its mode.
    pub(crate) fn into_async(self) -> (Query<R, Async>, M) {
        (
            Query {
                target: self.target,
                spec: self.spec,
                mode: Async,
                progress: self.progress,
                _record: PhantomData,
            },
            self.mode,
        )
    }

    /// Adds a predicate on `key` (used by the generated column methods).
    pub(crate) fn filter<T: ToWire>(mut self, key: &str, predicate: Predicate<T>) -> Self {
        match predicate.render() {
            Ok(v) => self.spec.set(key, v),
            Err(e) => self.spec.fail(format!("{key}: {e}")),
        }
        self
    }

    /// Adds a predicate on a column this build does not know (one that
    /// [`Client::schema_drift`] reports as added, say), with the value
    /// written as Space-Track reads it. Prefer the typed column methods.
    ///
    /// ```
    /// # fn demo(st: spacetrack::Client) {
    /// st.gp().raw_predicate("REENTRY_RISK", ">0.5");
    /// # }
    /// ```
    pub fn raw_predicate(mut self, key: &str, value: impl RawValue) -> Self {
        if crate::request::CONTROL_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            self.spec.fail(format!(
                "`{key}` shapes the answer: use the typed method (order_by, limit, offset, \
                 distinct, select, ...) so that splitting and paging know about it"
            ));
            return self;
        }
        self.spec.set_raw(key, value);
        self
    }

    /// Sorts by a column; call again to add further keys.
    ///
    /// ```
    /// # use spacetrack::{GpField};
    /// # fn demo(st: spacetrack::Client) {
    /// st.gp().order_by(GpField::Epoch.desc()).order_by(GpField::NoradCatId);
    /// # }
    /// ```
    pub fn order_by(mut self, order: impl Into<Order<R::Field>>) -> Self {
        self.spec.order.push(order.into().render());
        let joined = self.spec.order.join(",");
        self.spec.set("orderby", joined);
        self
    }

    /// Returns at most `n` records. Any integer type is accepted (`usize`
    /// from a `len()`, `u32`, a literal); a negative one is an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) when the query is sent.
    ///
    /// ```
    /// # fn demo(st: spacetrack::Client, ids: Vec<u32>) {
    /// st.gp().limit(10);
    /// st.gp().limit(ids.len()).offset(5u8);
    /// # }
    /// ```
    pub fn limit<N: TryInto<u64>>(mut self, n: N) -> Self {
        match n.try_into() {
            Ok(n) => {
                self.spec.limit = Some(n);
                self.spec.set_limit();
            }
            Err(_) => self
                .spec
                .fail("limit must be a non-negative integer".into()),
        }
        self
    }

    /// Skips the first `n` records (needs [`limit`](Self::limit)). Any
    /// integer type is accepted, as for `limit`.
    pub fn offset<N: TryInto<u64>>(mut self, n: N) -> Self {
        match n.try_into() {
            Ok(n) => {
                self.spec.offset = Some(n);
                self.spec.set_limit();
            }
            Err(_) => self
                .spec
                .fail("offset must be a non-negative integer".into()),
        }
        self
    }

    /// Also the rows a mirror keeps that Space-Track no longer has (marked
    /// `_removed_at`), which an engine's queries leave out by default. Only
    /// an [`Engine`](crate::engine::Engine) such as `spacetrack-mirror`
    /// keeps such rows: sent to Space-Track, the query is an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument).
    pub fn include_removed(mut self) -> Self {
        self.spec.include_removed = true;
        self
    }

    /// Removes duplicate rows (`distinct/true`).
    pub fn distinct(mut self) -> Self {
        self.spec.set("distinct", "true".into());
        self
    }

    /// Asks Space-Track to say when nothing matched (`emptyresult/show`).
    /// A JSON answer is `[]` either way. A text answer is then
    /// `NO RESULTS RETURNED` instead of an empty body, which is never
    /// handed on as text: [`send_text`](Self::send_text) returns `""`,
    /// [`lines`](Self::lines) no line, [`bytes`](Self::bytes) and
    /// [`send_bytes`](Self::send_bytes) nothing, and
    /// [`send_text_answer`](Self::send_text_answer)
    /// [`TextAnswer::NoResults`].
    pub fn empty_result_show(mut self) -> Self {
        self.spec.set("emptyresult", "show".into());
        self
    }

    /// Restricts to one of the account's favorites lists (`favorites/NAME`).
    pub fn favorites(mut self, name: &str) -> Self {
        match crate::op::check_literal(name) {
            Ok(()) => self.spec.set("favorites", name.to_owned()),
            Err(e) => self.spec.fail(format!("favorites: {e}")),
        }
        self
    }

    /// Calls `f` with the answer's [`Progress`] while it arrives: records
    /// decoded and bytes received so far, and the totals when known. It
    /// reports during [`send`](Self::send) (and [`first`](Self::first)),
    /// [`stream`](Self::stream), [`stream_partial`](Self::stream_partial),
    /// [`lines`](Self::lines) (`records` counts lines),
    /// [`bytes`](Self::bytes) and [`paginate`](Self::paginate) (whose
    /// first page also asks Space-Track for the total, `metadata/true`), in
    /// blocking mode too.
    ///
    /// `f` is called at most every 100 ms while data arrives, from the
    /// thread that receives it (keep it quick: update a bar, store the
    /// numbers), and once more with [`Progress::done`] when the answer is
    /// complete. The counts run over the whole query (every request of a
    /// split value list, every page). Counting costs nothing per record
    /// but an addition.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use futures_util::TryStreamExt;
    /// use spacetrack::Progress;
    /// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
    /// # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
    /// #     .identity(sim.identity()).password(sim.password()).build()?;
    /// let last = Arc::new(Mutex::new(Progress::default()));
    /// let seen = last.clone();
    /// let history: Vec<spacetrack::GpHistory> = st
    ///     .gp_history()
    ///     .on_progress(move |p| {
    ///         eprint!("\r{} records, {} bytes", p.records, p.bytes);
    ///         *seen.lock().unwrap() = *p;
    ///     })
    ///     .stream()
    ///     .await?
    ///     .try_collect()
    ///     .await?;
    /// let last = *last.lock().unwrap();
    /// assert!(last.done);
    /// assert_eq!(last.records, history.len() as u64);
    /// assert!(last.bytes > 0);
    ///
    /// // paginate learns the total with its first page.
    /// let total = Arc::new(Mutex::new(None));
    /// let t = total.clone();
    /// let sats: Vec<spacetrack::Satcat> = st
    ///     .satcat()
    ///     .on_progress(move |p| *t.lock().unwrap() = p.total_records)
    ///     .paginate(200)
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(*total.lock().unwrap(), Some(sats.len() as u64));
    /// # Ok(()) }
    /// ```
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    /// A fresh count of one run of the query, when it reports progress.
    pub(crate) fn tracker(&self) -> Option<std::sync::Arc<Tracker>> {
        self.progress.clone().map(Tracker::new)
    }

    /// Overrides the client's timeout for this request (the whole request,
    /// body included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = Some(timeout);
        self
    }

    /// Returns only the given columns (`predicates/...`). The answer no
    /// longer fits `R`, so the result is a [`Projection`] of JSON objects.
    pub fn select(mut self, fields: impl IntoIterator<Item = R::Field>) -> Projection<R, M> {
        let list: Vec<String> = fields
            .into_iter()
            .map(|f| f.name().to_ascii_lowercase())
            .collect();
        if list.is_empty() {
            self.spec.fail("select needs at least one field".into());
        }
        self.spec.set("predicates", list.join(","));
        Projection { query: self }
    }

    /// The query as one URL, for logs. A value list too long for one URL
    /// is sent as several shorter requests instead: [`urls`](Self::urls)
    /// gives the URLs actually requested.
    pub fn url(&self) -> Result<String> {
        Ok(self.target.url_for(&self.spec.path(Some(Format::Json))?))
    }

    /// Every URL that [`send`](Self::send) requests: one, or several when
    /// the query's URL would be longer than [`MAX_URL_BYTES`](crate::MAX_URL_BYTES).
    /// Its longest value list is then divided between requests, in order,
    /// each under the bound; every request goes through the rate limiter.
    ///
    /// ```
    /// # fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let ids: Vec<u32> = (1..=2000).collect();
    /// let urls = st.gp().norad_cat_id(&ids).urls()?;
    /// assert!(urls.len() > 1);
    /// assert!(urls.iter().all(|u| u.len() <= spacetrack::MAX_URL_BYTES));
    /// # Ok(()) }
    /// ```
    pub fn urls(&self) -> Result<Vec<String>> {
        Ok(self
            .parts(Some(Format::Json))?
            .iter()
            .map(|spec| {
                spec.path(Some(Format::Json))
                    .map(|p| self.target.url_for(&p))
            })
            .collect::<Result<_>>()?)
    }
}

/// A query restricted to some columns with [`Query::select`].
#[must_use = "a query does nothing until it is sent"]
pub struct Projection<R, M = Async> {
    pub(crate) query: Query<R, M>,
}

impl<R: Record, M: Mode> Projection<R, M> {
    /// The full URL that `send` requests.
    pub fn url(&self) -> Result<String> {
        self.query.url()
    }
}

impl<R: Record> Projection<R> {
    /// Sends and returns each record as a JSON object with the selected
    /// columns.
    pub async fn send(self) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
        self.send_as().await
    }

    /// Sends and decodes into the caller's type.
    pub async fn send_as<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let q = self.query;
        let spec = q.single(Some(Format::Json), "select")?;
        let body = q.target.get_body(&spec, Some(Format::Json)).await?;
        crate::de::decode_any(R::CLASS.class, &body)
    }

    /// [`Query::stream`] for the selected columns: yields each record as a
    /// JSON object as it arrives.
    pub async fn stream(
        self,
    ) -> Result<
        impl futures_util::Stream<Item = Result<serde_json::Map<String, serde_json::Value>>>
        + Send
        + 'static,
    > {
        let q = self.query;
        let spec = q.single(Some(Format::Json), "select")?;
        let resp = q
            .target
            .get_chunks(&spec, Some(Format::Json), None, true)
            .await?;
        Ok(Box::pin(crate::de::records(R::CLASS.class, resp)))
    }

    /// [`Query::lines`] for the selected columns (`csv` has a column per
    /// selected field).
    pub async fn lines(
        self,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = Result<String>> + Send + 'static> {
        self.query.lines(format).await
    }
}

mod merge;
mod plan;
mod preview;
mod raw;
mod send;
mod stream;
mod target;

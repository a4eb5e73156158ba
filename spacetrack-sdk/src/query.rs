//! Query building: URL paths exactly as the reference client builds them,
//! and the typed fluent builder the generated layer extends.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::Client;
use crate::de::ToWire;
use crate::error::{Error, Result};
use crate::op::Predicate;
use crate::schema::{Field, Record};

/// Python's `urllib.parse.quote(value, safe="")`: everything but
/// `A-Z a-z 0-9 _ . - ~` is percent-encoded, so a value can never add a
/// path segment (`/` → `%2F`) or a query string (`?` → `%3F`).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Percent-encodes one path segment the way the reference client does.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

/// Response formats (`/format/...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON (the default, and what typed queries use).
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// XML.
    Xml,
    /// An HTML table.
    Html,
    /// Two-line element sets (gp classes only).
    Tle,
    /// Three-line element sets, with a name line (gp classes only).
    ThreeLe,
    /// CCSDS OMM in key-value notation (gp classes only).
    Kvn,
    /// Raw file content (downloads).
    Stream,
}

impl Format {
    /// The path value, e.g. `3le`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xml => "xml",
            Format::Html => "html",
            Format::Tle => "tle",
            Format::ThreeLe => "3le",
            Format::Kvn => "kvn",
            Format::Stream => "stream",
        }
    }

    /// Parses a path value (`json`, `3le`, ...), ignoring ASCII case.
    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::Json,
            Format::Csv,
            Format::Xml,
            Format::Html,
            Format::Tle,
            Format::ThreeLe,
            Format::Kvn,
            Format::Stream,
        ]
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sort key: a column and a direction. Made by `GpField::Epoch.desc()`,
/// or from a bare field for ascending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<F> {
    field: F,
    descending: bool,
}

impl<F: Field> Order<F> {
    /// Ascending order on `field`.
    pub fn asc(field: F) -> Self {
        Order {
            field,
            descending: false,
        }
    }
    /// Descending order on `field`.
    pub fn desc(field: F) -> Self {
        Order {
            field,
            descending: true,
        }
    }
    fn render(&self) -> String {
        let name = self.field.name().to_ascii_lowercase();
        if self.descending {
            format!("{name} desc")
        } else {
            name
        }
    }
}

impl<F: Field> From<F> for Order<F> {
    fn from(field: F) -> Self {
        Order::asc(field)
    }
}

/// The parts of a request that do not depend on the record type.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// `query` or `modeldef`.
    pub(crate) action: &'static str,
    pub(crate) controller: String,
    pub(crate) class: String,
    /// `(key, unencoded value)` in insertion order.
    pub(crate) segments: Vec<(String, String)>,
    /// Query-string parameters (only publicfiles `name`).
    pub(crate) params: Vec<(String, String)>,
    pub(crate) order: Vec<String>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) error: Option<String>,
    pub(crate) timeout: Option<Duration>,
}

impl Spec {
    pub(crate) fn new(controller: &str, class: &str) -> Spec {
        Spec {
            action: "query",
            controller: controller.to_owned(),
            class: class.to_owned(),
            segments: Vec::new(),
            params: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            error: None,
            timeout: None,
        }
    }

    /// Sets `key` to `value`, keeping the position of an earlier setting.
    pub(crate) fn set(&mut self, key: &str, value: String) {
        match self.segments.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.segments.push((key.to_owned(), value)),
        }
    }

    /// Sets a predicate given by name: the key lower-cased like the
    /// reference client's keyword arguments, the value verbatim.
    pub(crate) fn set_raw(&mut self, key: &str, value: impl RawValue) {
        let key = key.to_ascii_lowercase();
        if key.is_empty() || key == "format" {
            self.fail(format!(
                "`{key}` cannot be a predicate; pick the format with the send method"
            ));
            return;
        }
        match value.raw_value() {
            Ok(v) => self.set(&key, v),
            Err(e) => self.fail(format!("{key}: {e}")),
        }
    }

    pub(crate) fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    pub(crate) fn set_limit(&mut self) {
        if let Some(limit) = self.limit {
            let v = match self.offset {
                Some(off) => format!("{limit},{off}"),
                None => limit.to_string(),
            };
            self.set("limit", v);
        }
    }

    /// The request path relative to the base URL, or why it cannot be built.
    pub(crate) fn path(&self, format: Option<Format>) -> Result<String> {
        if let Some(e) = &self.error {
            return Err(Error::InvalidArgument(e.clone()));
        }
        if self.offset.is_some() && self.limit.is_none() {
            return Err(Error::InvalidArgument("offset needs a limit".into()));
        }
        for part in [&self.controller, &self.class] {
            if matches!(part.as_str(), "" | "." | "..") {
                return Err(Error::InvalidArgument(format!(
                    "{part:?} is not a controller or class name"
                )));
            }
        }
        let mut path = format!(
            "{}/{}/class/{}",
            encode_segment(&self.controller),
            self.action,
            encode_segment(&self.class)
        );
        for (key, value) in &self.segments {
            // URL parsers (WHATWG, so reqwest's `url`) remove `.` and `..`
            // segments, even percent-encoded: such a value would silently
            // drop itself and its key. An empty value would leave `//`.
            for part in [key, value] {
                if matches!(part.as_str(), "" | "." | "..") {
                    return Err(Error::InvalidArgument(format!(
                        "`{key}`: {part:?} cannot be a URL path segment (URL normalisation would drop it)"
                    )));
                }
            }
            path.push('/');
            path.push_str(&encode_segment(key));
            path.push('/');
            path.push_str(&encode_segment(value));
        }
        if let Some(f) = format {
            path.push_str("/format/");
            path.push_str(f.as_str());
        }
        if !self.params.is_empty() {
            path.push('?');
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.params {
                ser.append_pair(k, v);
            }
            path.push_str(&ser.finish());
        }
        Ok(path)
    }
}

/// How a [`Query`] is sent: [`Async`] (the default) or blocking (see
/// [`blocking`](crate::blocking)). The builder methods are the same.
pub trait Mode: Clone + Send + Sync + 'static + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

/// Queries sent with `.await`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;
impl sealed::Sealed for Async {}
impl Mode for Async {}
impl sealed::Sealed for crate::blocking::Blocking {}
impl Mode for crate::blocking::Blocking {}

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
    client: Client,
    spec: Spec,
    mode: M,
    _record: PhantomData<fn() -> R>,
}

impl<R, M: Mode> Clone for Query<R, M> {
    fn clone(&self) -> Self {
        Query {
            client: self.client.clone(),
            spec: self.spec.clone(),
            mode: self.mode.clone(),
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

impl<R: Record, M: Mode> Query<R, M> {
    pub(crate) fn with_mode(client: Client, mode: M) -> Self {
        Query {
            client,
            spec: Spec::new(R::CLASS.controller, R::CLASS.class),
            mode,
            _record: PhantomData,
        }
    }

    /// The same query, sent asynchronously, and its mode.
    pub(crate) fn into_async(self) -> (Query<R, Async>, M) {
        (
            Query {
                client: self.client,
                spec: self.spec,
                mode: Async,
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
        if crate::split::CONTROL_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
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
    /// [`Error::InvalidArgument`] when the query is sent.
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

    /// Removes duplicate rows (`distinct/true`).
    pub fn distinct(mut self) -> Self {
        self.spec.set("distinct", "true".into());
        self
    }

    /// Asks for an empty answer instead of an error when nothing matches
    /// (`emptyresult/show`).
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
        Ok(self.client.url_for(&self.spec.path(Some(Format::Json))?))
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
                    .map(|p| self.client.url_for(&p))
            })
            .collect::<Result<_>>()?)
    }

    /// The requests that answer this query in `format`.
    fn parts(&self, format: Option<Format>) -> Result<Vec<Spec>> {
        let parts = crate::split::split(
            &self.spec,
            format,
            self.client.url_for("").len(),
            crate::split::MAX_URL_BYTES,
        )?;
        if parts.len() > 1 && self.spec.limit.is_some() && self.spec.order.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "a limit over a value list too long for one URL (it needs {} requests) \
                 needs an order_by: without one, which records the server returns first is not \
                 defined",
                parts.len()
            )));
        }
        if parts.len() > 1 && self.spec.offset.is_some() {
            return Err(Error::InvalidArgument(format!(
                "offset cannot be combined with a value list too long for one URL \
                 (it needs {} requests); use paginate or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }

    /// The one request that answers this query, or an error saying that
    /// `what` cannot merge several.
    fn single(&self, format: Option<Format>, what: &str) -> Result<Spec> {
        let mut parts = self.parts(format)?;
        if parts.len() > 1 {
            return Err(Error::InvalidArgument(format!(
                "{what} cannot merge the {} requests that a value list this long needs \
                 (URLs are kept under {} bytes); use send, stream or paginate, or a shorter list",
                parts.len(),
                crate::split::MAX_URL_BYTES
            )));
        }
        Ok(parts.remove(0))
    }

    /// Sorts records merged from several requests by the query's order and
    /// applies its limit, as one request would have.
    fn merge<T>(&self, rows: Vec<T>, record: impl Fn(&T) -> Option<serde_json::Value>) -> Vec<T> {
        let mut rows = if self.spec.order.is_empty() {
            rows
        } else {
            let mut keyed: Vec<(serde_json::Value, T)> = rows
                .into_iter()
                .map(|r| (record(&r).unwrap_or_default(), r))
                .collect();
            crate::split::sort_rows(&mut keyed, &self.spec.order, R::CLASS);
            keyed.into_iter().map(|(_, r)| r).collect()
        };
        if let Some(limit) = self.spec.limit {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        rows
    }
}

impl<R: Record> Query<R, Async> {
    /// Sends the query and decodes every record.
    ///
    /// A value list too long for one URL (see [`urls`](Self::urls)) is sent
    /// as several requests; their records are merged in the query's order
    /// (`order_by`) and cut to its `limit`, as one request would have
    /// answered.
    pub async fn send(self) -> Result<Vec<R>> {
        let parts = self.parts(Some(Format::Json))?;
        let class = R::CLASS.class;
        let mut rows = Vec::new();
        for spec in &parts {
            let part = self.client.get_records::<R>(class, spec).await?;
            if parts.len() == 1 {
                return Ok(part);
            }
            rows.extend(part);
        }
        Ok(self.merge(rows, |r| serde_json::to_value(r).ok()))
    }

    /// The first record of the answer, in the query's order (set one with
    /// [`order_by`](Self::order_by)), or `None` when nothing matches. Sends
    /// the query with `limit/1`, so only one record travels.
    ///
    /// ```
    /// use spacetrack::GpHistoryField;
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let latest = st
    ///     .gp_history()
    ///     .norad_cat_id(25544)
    ///     .order_by(GpHistoryField::Epoch.desc())
    ///     .first()
    ///     .await?;
    /// if let Some(gp) = latest {
    ///     println!("latest element set: {:?}", gp.epoch);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn first(self) -> Result<Option<R>> {
        if self.spec.order.is_empty() {
            let n = self.parts(Some(Format::Json))?.len();
            if n > 1 {
                return Err(Error::InvalidArgument(format!(
                    "first() over a value list too long for one URL (it needs {n} requests) \
                     needs an order_by: without one, which record comes first is not defined"
                )));
            }
        }
        let mut rows = self.limit(1).send().await?;
        Ok(rows.pop())
    }

    /// Sends the query and returns the records that decoded together with
    /// one [`DecodeError`](crate::DecodeError) per record that did not
    /// (class, record index, column, value). Strict [`send`](Self::send)
    /// stays the default: use this when a catalog must not fail as a whole
    /// over one odd record. An answer that is not a complete JSON array
    /// (cut short, malformed, an error body) is still an error. For a value
    /// list sent as several requests, an error's record index counts the
    /// records of their answers in the order the requests were sent.
    ///
    /// ```
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let answer = st.satcat().current(spacetrack::SatcatCurrent::Y).send_partial().await?;
    /// for bad in &answer.errors {
    ///     eprintln!("skipped {bad}");
    /// }
    /// println!("{} objects", answer.records.len());
    /// # Ok(()) }
    /// ```
    pub async fn send_partial(self) -> Result<Partial<R>> {
        let parts = self.parts(Some(Format::Json))?;
        let class = R::CLASS.class;
        let mut all = Partial {
            records: Vec::new(),
            errors: Vec::new(),
        };
        // A split list's record indices count the records of the parts'
        // answers in the order they were sent.
        let mut before = 0;
        for spec in &parts {
            let body = self.client.get_body(spec, Some(Format::Json)).await?;
            let mut part =
                decode_off_runtime(body, move |b| crate::stream::decode_partial::<R>(class, b))
                    .await?;
            if parts.len() == 1 {
                return Ok(part);
            }
            let count = part.records.len() + part.errors.len();
            for e in &mut part.errors {
                e.record = e.record.map(|i| i + before);
            }
            before += count;
            all.records.extend(part.records);
            all.errors.extend(part.errors);
        }
        all.records = self.merge(all.records, |r| serde_json::to_value(r).ok());
        Ok(all)
    }

    /// [`stream`](Self::stream) that goes on past records that do not
    /// decode: each item is `Ok(Ok(record))`, `Ok(Err(why))` for one bad
    /// record, or a final `Err` about the answer as a whole (cut short,
    /// malformed, transport). For a value list sent as several requests, a
    /// bad record's index is its place in the stream.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let mut rows = st.gp().epoch(spacetrack::op::gt(spacetrack::op::now_minus_days(1)))
    ///     .stream_partial().await?;
    /// while let Some(row) = rows.try_next().await? {
    ///     match row {
    ///         Ok(gp) => println!("{:?}", gp.norad_cat_id),
    ///         Err(bad) => eprintln!("skipped {bad}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream_partial(
        self,
    ) -> Result<
        impl futures_util::Stream<Item = Result<std::result::Result<R, Box<crate::DecodeError>>>>
        + Send
        + 'static,
    > {
        use futures_util::StreamExt;
        let parts = self.stream_parts()?;
        let split = parts.len() > 1;
        let items = self
            .chained(parts, Some(Format::Json), |resp| {
                crate::stream::records_partial::<R>(R::CLASS.class, resp)
            })
            .await?;
        // A split list's record indices count the records of the parts'
        // answers in the order they were sent (each part counts from 0).
        Ok(items.scan(0usize, move |seen, mut item| {
            if let Ok(row) = &mut item {
                if let (true, Err(bad)) = (split, row) {
                    bad.record = Some(*seen);
                }
                *seen += 1;
            }
            std::future::ready(Some(item))
        }))
    }

    /// The requests a stream sends in turn: several only when their answers
    /// can simply follow each other (no `order_by`, no `limit`).
    fn stream_parts(&self) -> Result<Vec<Spec>> {
        let parts = self.parts(Some(Format::Json))?;
        if parts.len() > 1 && (!self.spec.order.is_empty() || self.spec.limit.is_some()) {
            return Err(Error::InvalidArgument(format!(
                "a stream cannot merge the {} requests of a value list this long in order_by \
                 order or under a limit; use send (which merges them), or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }

    /// Sends the first request now (so that its error is this call's) and
    /// the others as the stream reaches them, one after the other.
    async fn chained<T, S, F>(
        &self,
        parts: Vec<Spec>,
        format: Option<Format>,
        make: F,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<T>>>
    where
        T: Send + 'static,
        S: futures_util::Stream<Item = Result<T>> + Send + 'static,
        F: Fn(crate::client::Received) -> S + Send + Sync + 'static,
    {
        use futures_util::StreamExt;
        let mut parts = parts.into_iter();
        let first = parts.next().expect("split returns at least one request");
        let resp = self.client.get_response(&first, format).await?;
        let head = make(resp);
        if parts.len() == 0 {
            return Ok(head.boxed());
        }
        let make = std::sync::Arc::new(make);
        let client = self.client.clone();
        let rest = futures_util::stream::iter(parts)
            .then(move |spec| {
                let client = client.clone();
                let make = make.clone();
                async move {
                    match client.get_response(&spec, format).await {
                        Ok(resp) => make(resp).left_stream(),
                        Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
                    }
                }
            })
            .flatten();
        // An error (a failed request, an answer cut short) ends the stream:
        // nothing after it.
        Ok(head
            .chain(rest)
            .scan(false, |ended, item| {
                if *ended {
                    return std::future::ready(None);
                }
                *ended = item.is_err();
                std::future::ready(Some(item))
            })
            .boxed())
    }

    /// Sends the query and yields records one at a time as they arrive,
    /// holding a few megabytes rather than the whole answer (gp_history
    /// answers can be gigabytes): large answers are decoded in 1 MiB
    /// segments on every core while the rest arrives, so records come a
    /// segment at a time. A body cut short ends the stream with an error,
    /// never early.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let mut history = st.gp_history().norad_cat_id(25544).stream().await?;
    /// while let Some(gp) = history.try_next().await? {
    ///     println!("{:?}", gp.epoch);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(
        self,
    ) -> Result<impl futures_util::Stream<Item = Result<R>> + Send + 'static> {
        let parts = self.stream_parts()?;
        self.chained(parts, Some(Format::Json), |resp| {
            crate::pipeline::records::<R>(R::CLASS.class, resp)
        })
        .await
    }

    /// Every record of the query, fetched page by page (`limit/N,offset`)
    /// and yielded one at a time: for answers too large for one request, or
    /// to start work before the last page has arrived. Each page is one
    /// request through the rate limiter; the stream ends after the first
    /// page with fewer than `page_size` records.
    ///
    /// Pages only fit together if the order is total, so the query's own
    /// [`order_by`](Self::order_by) keys are followed by the class's key
    /// columns ([`ClassInfo::key`](crate::ClassInfo::key), e.g. `GP_ID`;
    /// every column for a class with no known key). A query that sets its
    /// own `limit` or `offset`, or whose value list needs more than one URL,
    /// yields one [`Error::InvalidArgument`].
    ///
    /// Pages are separate requests over a live catalog: a record that
    /// changes between two pages (in gp, an object's newer element set
    /// replaces its row, with a higher `GP_ID`) can be missed or seen twice,
    /// as with any offset paging. Order by a column that only grows
    /// (`GP_ID`) and filter on it (`gp_id(op::gt(last))`) to follow a class
    /// exactly; `spacetrack-mirror` does that.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// use spacetrack::GpField;
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// let mut all = st.gp().order_by(GpField::NoradCatId).paginate(10_000);
    /// while let Some(gp) = all.try_next().await? {
    ///     println!("{:?}", gp.norad_cat_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn paginate(
        self,
        page_size: u64,
    ) -> impl futures_util::Stream<Item = Result<R>> + Send + 'static {
        use futures_util::{StreamExt, TryStreamExt};
        let start = self.paged(page_size);
        let client = self.client.clone();
        futures_util::stream::try_unfold(start.map(|spec| (spec, 0u64, false)), move |state| {
            let client = client.clone();
            async move {
                let Ok((mut spec, offset, done)) = state else {
                    return Err(state.err().expect("checked"));
                };
                if done {
                    return Ok(None);
                }
                spec.limit = Some(page_size);
                spec.offset = Some(offset);
                spec.set_limit();
                let rows = client.get_records::<R>(R::CLASS.class, &spec).await?;
                let done = (rows.len() as u64) < page_size;
                let page = futures_util::stream::iter(rows.into_iter().map(Ok));
                Ok(Some((page, Ok((spec, offset + page_size, done)))))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// The request of the first page of [`paginate`](Self::paginate), its
    /// order made total.
    fn paged(&self, page_size: u64) -> Result<Spec> {
        if page_size == 0 {
            return Err(Error::InvalidArgument(
                "page_size must be at least 1".into(),
            ));
        }
        if self.spec.limit.is_some() || self.spec.offset.is_some() {
            return Err(Error::InvalidArgument(
                "paginate sets limit and offset itself: remove them from the query".into(),
            ));
        }
        let mut spec = self.single(Some(Format::Json), "paginate")?;
        let class = R::CLASS;
        let tiebreak: Vec<&str> = if class.key.is_empty() {
            class.columns.iter().map(|c| c.name).collect()
        } else {
            class.key.to_vec()
        };
        for key in tiebreak {
            let named = spec.order.iter().any(|o| {
                o.strip_suffix(" desc")
                    .unwrap_or(o)
                    .eq_ignore_ascii_case(key)
            });
            if !named {
                spec.order.push(key.to_ascii_lowercase());
            }
        }
        let joined = spec.order.join(",");
        spec.set("orderby", joined);
        // The first page's request as it will be sent, checked against the
        // URL bound (the tie-break keys and the limit make it longer).
        let mut first = spec.clone();
        first.limit = Some(page_size);
        first.offset = Some(u64::MAX);
        first.set_limit();
        let len = self.client.url_for(&first.path(Some(Format::Json))?).len();
        if len > crate::split::MAX_URL_BYTES {
            return Err(Error::InvalidArgument(format!(
                "a page request would be {len} bytes, over the {}-byte URL bound",
                crate::split::MAX_URL_BYTES
            )));
        }
        Ok(spec)
    }

    /// Streams a text format line by line (line endings removed). A value
    /// list too long for one URL is sent as several requests whose lines
    /// follow each other (`tle`, `3le`, `kvn`, and `csv`, whose header is
    /// kept once); other formats cannot be merged and are refused.
    pub async fn lines(
        self,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = Result<String>> + Send + 'static> {
        use futures_util::StreamExt;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let max_line = self.client.max_line_bytes();
        let parts = self.text_parts(format)?;
        if parts.len() == 1 {
            return self
                .chained(parts, Some(format), move |resp| {
                    crate::stream::lines(resp, max_line)
                })
                .await;
        }
        // Several requests: a part that matched nothing says so in a line
        // of its own, which is dropped (and said once at the end when no
        // part matched anything, as one request would); a csv part's
        // header is kept only from the first part that has one.
        let csv = format == Format::Csv;
        let header_kept = Arc::new(AtomicBool::new(false));
        let anything = Arc::new(AtomicBool::new(false));
        let seen = anything.clone();
        let lines = self
            .chained(parts, Some(format), move |resp| {
                let header_kept = header_kept.clone();
                let mut first_line = true;
                crate::stream::lines(resp, max_line).filter(move |line| {
                    let keep = match line {
                        Ok(text) if text.trim_end() == crate::split::NO_RESULTS => false,
                        Ok(_) if csv && std::mem::take(&mut first_line) => {
                            !header_kept.swap(true, Ordering::SeqCst)
                        }
                        _ => true,
                    };
                    std::future::ready(keep)
                })
            })
            .await?
            .inspect(move |_| seen.store(true, Ordering::SeqCst));
        let nothing = futures_util::stream::once(async move {
            (!anything.load(Ordering::SeqCst)).then(|| Ok(crate::split::NO_RESULTS.to_owned()))
        })
        .filter_map(std::future::ready);
        Ok(lines.chain(nothing).boxed())
    }

    /// The requests of a text answer: several only for formats whose
    /// answers can follow each other.
    fn text_parts(&self, format: Format) -> Result<Vec<Spec>> {
        let parts = self.parts(Some(format))?;
        if parts.len() > 1
            && !matches!(
                format,
                Format::Tle | Format::ThreeLe | Format::Kvn | Format::Csv
            )
        {
            return Err(Error::InvalidArgument(format!(
                "{format} answers of the {} requests that a value list this long needs cannot be \
                 merged; use json, csv, tle, 3le or kvn, or a shorter list",
                parts.len()
            )));
        }
        if parts.len() > 1
            && (!self.spec.order.is_empty()
                || self.spec.limit.is_some()
                || self.spec.segments.iter().any(|(k, _)| k == "distinct"))
        {
            return Err(Error::InvalidArgument(format!(
                "text answers of the {} requests that a value list this long needs cannot be \
                 merged in order_by order or under a limit; ask for json records (whose \
                 answers are merged), or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }

    /// Streams the raw answer in any format, chunk by chunk.
    pub async fn bytes(
        self,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = Result<Bytes>> + Send + 'static> {
        let spec = self.single(Some(format), "bytes")?;
        let resp = self.client.get_response(&spec, Some(format)).await?;
        Ok(Box::pin(crate::stream::bytes(resp)))
    }

    /// Sends with `metadata/true` and returns the records with Space-Track's
    /// `request_metadata` (total count, limit, ...).
    pub async fn send_with_metadata(mut self) -> Result<Page<R>> {
        self.spec.set("metadata", "true".into());
        let spec = self.single(Some(Format::Json), "send_with_metadata")?;
        let body = self.client.get_body(&spec, Some(Format::Json)).await?;
        let (rows, metadata) = crate::de::decode_records::<R>(R::CLASS.class, &body)?;
        Ok(Page { rows, metadata })
    }

    /// Sends and returns the JSON answer untouched (error bodies are still
    /// turned into errors).
    pub async fn send_json(self) -> Result<serde_json::Value> {
        let spec = self.single(Some(Format::Json), "send_json")?;
        let body = self.client.get_body(&spec, Some(Format::Json)).await?;
        crate::de::decode_any(R::CLASS.class, &body)
    }

    /// Sends in a text format (`csv`, `xml`, `html`, `tle`, `3le`, `kvn`)
    /// and returns the text with line endings normalised to `\n`. A value
    /// list too long for one URL is merged as for [`lines`](Self::lines).
    pub async fn send_text(self, format: Format) -> Result<String> {
        let parts = self.text_parts(format)?;
        if parts.len() == 1 {
            let body = self.client.get_body(&parts[0], Some(format)).await?;
            return text_body(R::CLASS.class, &body);
        }
        // Several requests: merged line by line by `lines`, whose rules
        // (parts that matched nothing left out, one csv header) this keeps.
        use futures_util::TryStreamExt;
        let lines: Vec<String> = self.lines(format).await?.try_collect().await?;
        if lines.len() == 1 && lines[0] == crate::split::NO_RESULTS {
            // As one request says it: the line alone.
            return Ok(lines.into_iter().next().unwrap_or_default());
        }
        let mut out = lines.join("\n");
        out.push('\n');
        Ok(out)
    }

    /// Sends in any format and returns the raw bytes.
    pub async fn send_bytes(self, format: Format) -> Result<Bytes> {
        let spec = self.single(Some(format), "send_bytes")?;
        self.client.get_body(&spec, Some(format)).await
    }
}

/// Decodes `body` with `decode`: decoding 100,000 gp records takes long
/// enough to stall a runtime worker, so bodies over 1 MiB are decoded on a
/// blocking thread.
pub(crate) async fn decode_off_runtime<T: Send + 'static>(
    body: Bytes,
    decode: impl FnOnce(&[u8]) -> Result<T> + Send + 'static,
) -> Result<T> {
    if body.len() <= 1 << 20 {
        return decode(&body);
    }
    tokio::task::spawn_blocking(move || decode(&body))
        .await
        .map_err(|e| Error::InvalidArgument(format!("decoder task failed: {e}")))?
}

/// Converts a text answer: UTF-8 checked, CRLF → LF, error bodies detected.
pub(crate) fn text_body(class: &str, body: &[u8]) -> Result<String> {
    if let Some(message) = crate::de::error_body(body) {
        return Err(crate::de::api_error(200, message));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| crate::de::decode_error(class, format!("the answer is not UTF-8: {e}")))?;
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    })
}

/// The answer of [`Query::send_partial`]: the records that decoded, in
/// order, and one error per record that did not.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Partial<R> {
    /// The records that decoded, in the answer's order.
    pub records: Vec<R>,
    /// One error per record that did not decode, naming the class, the
    /// record's index in the answer, the column and the value.
    pub errors: Vec<crate::DecodeError>,
}

impl<R> Partial<R> {
    /// Whether every record decoded.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// The records, or the first error if any record did not decode.
    pub fn into_strict(mut self) -> Result<Vec<R>> {
        if self.errors.is_empty() {
            Ok(self.records)
        } else {
            Err(Error::Decode(Box::new(self.errors.swap_remove(0))))
        }
    }
}

/// Records with the metadata that `metadata/true` adds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<R> {
    /// The records.
    pub rows: Vec<R>,
    /// Space-Track's `request_metadata` object, when it sent one.
    pub metadata: Option<serde_json::Value>,
}

impl<R> Page<R> {
    /// `request_metadata.Total`: how many records matched before `limit`.
    pub fn total(&self) -> Option<u64> {
        let v = self.metadata.as_ref()?.get("Total")?;
        v.as_u64().or_else(|| v.as_str()?.parse().ok())
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
        let body = q.client.get_body(&spec, Some(Format::Json)).await?;
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
        let resp = q.client.get_response(&spec, Some(Format::Json)).await?;
        Ok(Box::pin(crate::stream::records(R::CLASS.class, resp)))
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

/// A value for [`RawQuery::predicate`]: a verbatim string (operators
/// allowed, e.g. `">now-30"`) or a typed [`Predicate`].
pub trait RawValue {
    /// The unencoded path value.
    fn raw_value(self) -> std::result::Result<String, String>;
}

impl RawValue for &str {
    fn raw_value(self) -> std::result::Result<String, String> {
        Ok(self.to_owned())
    }
}

impl RawValue for String {
    fn raw_value(self) -> std::result::Result<String, String> {
        Ok(self)
    }
}

impl<T: ToWire> RawValue for Predicate<T> {
    fn raw_value(self) -> std::result::Result<String, String> {
        self.render()
    }
}

macro_rules! raw_number {
    ($($t:ty),*) => {$(
        impl RawValue for $t {
            fn raw_value(self) -> std::result::Result<String, String> {
                let mut s = String::new();
                self.to_wire(&mut s)?;
                Ok(s)
            }
        }
    )*};
}
raw_number!(u8, u16, u32, u64, i8, i16, i32, i64, f64, bool);

/// An untyped query for any class, including ones this build has no schema
/// for: made by [`Client::request`].
///
/// ```
/// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
/// let rows: serde_json::Value = st
///     .request("gp")
///     .predicate("EPOCH", ">now-30")
///     .predicate("NORAD_CAT_ID", 25544)
///     .send_json()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until it is sent"]
pub struct RawQuery {
    client: Client,
    spec: Spec,
    controller_set: bool,
}

impl RawQuery {
    pub(crate) fn new(client: Client, class: &str) -> RawQuery {
        let controller = crate::schema::find_class(class, None).map(|c| c.controller);
        let mut spec = Spec::new(controller.unwrap_or("basicspacedata"), class);
        if class.is_empty() {
            spec.fail("empty class name".into());
        }
        RawQuery {
            client,
            spec,
            controller_set: controller.is_some(),
        }
    }

    /// Sets the controller (`basicspacedata`, `expandedspacedata`, ...).
    /// Needed for classes this build has no schema for.
    pub fn controller(mut self, controller: &str) -> Self {
        self.spec.controller = controller.to_owned();
        self.controller_set = true;
        self
    }

    /// Adds `/{key}/{value}`. The key is lower-cased like the reference
    /// client's keyword arguments; the value is percent-encoded.
    pub fn predicate(mut self, key: &str, value: impl RawValue) -> Self {
        self.spec.set_raw(key, value);
        self
    }

    /// Adds a query-string parameter (`?name=...`, used by publicfiles).
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.spec.params.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Overrides the timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = Some(timeout);
        self
    }

    fn check(&self) -> Result<()> {
        if self.controller_set {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "class `{}` is not in this build's schemas: set its controller with .controller(...)",
                self.spec.class
            )))
        }
    }

    /// The full URL for `format`.
    pub fn url(&self, format: Format) -> Result<String> {
        self.check()?;
        Ok(self.client.url_for(&self.spec.path(Some(format))?))
    }

    /// Sends and returns the JSON answer.
    pub async fn send_json(self) -> Result<serde_json::Value> {
        self.send_as().await
    }

    /// Sends and decodes the JSON answer into the caller's type.
    pub async fn send_as<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        self.check()?;
        let body = self.client.get_body(&self.spec, Some(Format::Json)).await?;
        crate::de::decode_any(&self.spec.class, &body)
    }

    /// Sends in a text format; CRLF is normalised to LF.
    pub async fn send_text(self, format: Format) -> Result<String> {
        self.check()?;
        let body = self.client.get_body(&self.spec, Some(format)).await?;
        text_body(&self.spec.class, &body)
    }

    /// Sends and returns the raw bytes (downloads).
    pub async fn send_bytes(self, format: Format) -> Result<Bytes> {
        self.check()?;
        self.client.get_body(&self.spec, Some(format)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_python_quote_safe_empty() {
        assert_eq!(
            encode_segment("ISS (ZARYA)/a&b?c#d%e+f"),
            "ISS%20%28ZARYA%29%2Fa%26b%3Fc%23d%25e%2Bf"
        );
        assert_eq!(encode_segment(">now-30"), "%3Enow-30");
        assert_eq!(encode_segment("0.99--1.01"), "0.99--1.01");
        assert_eq!(encode_segment("~~x"), "~~x");
        assert_eq!(encode_segment("^3600,1"), "%5E3600%2C1");
        assert_eq!(
            encode_segment("1986-01-28 16:39:13.000123"),
            "1986-01-28%2016%3A39%3A13.000123"
        );
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn format_round_trips() {
        for f in ["json", "csv", "xml", "html", "tle", "3le", "kvn", "stream"] {
            assert_eq!(Format::parse(f).unwrap().as_str(), f);
        }
        assert_eq!(Format::parse("3LE"), Some(Format::ThreeLe));
        assert_eq!(Format::parse("yaml"), None);
    }
}

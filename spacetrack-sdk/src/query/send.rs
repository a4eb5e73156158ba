//! Sending a query and returning its whole answer: records, the first
//! record, records with their decode errors, JSON, text, bytes.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::request::Format;
use crate::schema::Record;

use super::{Async, Page, Partial, Query};

/// `body`, empty when it is Space-Track's `NO RESULTS RETURNED` in a text
/// format (a download's content is never judged).
pub(super) fn empty_if_no_results(body: Bytes, format: Format) -> Bytes {
    if !matches!(format, Format::Json | Format::Stream) && crate::de::is_no_results(&body) {
        Bytes::new()
    } else {
        body
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
        let progress = self.tracker();
        let whole = parts.len() == 1;
        let mut rows = Vec::new();
        for spec in &parts {
            let part = self
                .target
                .get_records::<R>(class, spec, progress.as_ref(), whole)
                .await?;
            if whole {
                rows = part;
            } else {
                rows.extend(part);
            }
        }
        if let Some(t) = &progress {
            t.finish();
        }
        if whole {
            return Ok(rows);
        }
        Ok(self.merge(rows, |r| serde_json::to_value(r).ok()))
    }

    /// How many records match the query, from Space-Track's count
    /// (`request_metadata.Total` of `metadata/true`): one small request
    /// (`limit/1`, the query's order dropped), whatever the count. The
    /// query's [`limit`](Self::limit) and [`offset`](Self::offset) do not
    /// apply: it counts every matching record. A value list too long for one
    /// URL counts with one request per part (their records are distinct).
    ///
    /// An [`engine`](crate::engine) must answer `metadata/true` with
    /// Space-Track's `request_metadata` envelope; one that does not is an
    /// [`Error::Engine`] saying so.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
    /// # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
    /// #     .identity(sim.identity()).password(sim.password()).build()?;
    /// let payloads = st.gp().object_type("PAYLOAD");
    /// let n: u64 = payloads.clone().count().await?;
    /// assert_eq!(n, payloads.send().await?.len() as u64);
    /// // One request, for at most one record.
    /// let counted = sim.requests().into_iter().rev().nth(1).expect("the count's request");
    /// assert!(counted.path.contains("/metadata/true") && counted.path.contains("/limit/1/"));
    /// # Ok(()) }
    /// ```
    pub async fn count(self) -> Result<u64> {
        let class = R::CLASS.class;
        let mut total = 0u64;
        for spec in self.count_parts()? {
            let body = self.target.get_body(&spec, Some(Format::Json)).await?;
            let (_, metadata) = crate::de::decode_off_runtime(body, move |b| {
                crate::de::decode_records::<serde::de::IgnoredAny>(class, b)
            })
            .await?;
            let n = metadata
                .as_ref()
                .and_then(crate::de::metadata_total)
                .ok_or_else(|| self.target.no_total(class))?;
            total = total.saturating_add(n);
        }
        Ok(total)
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
            let body = self.target.get_body(spec, Some(Format::Json)).await?;
            let mut part = crate::de::decode_off_runtime(body, move |b| {
                crate::de::decode_partial::<R>(class, b)
            })
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

    /// Sends with `metadata/true` and returns the records with Space-Track's
    /// `request_metadata` (total count, limit, ...).
    pub async fn send_with_metadata(mut self) -> Result<Page<R>> {
        self.spec.set("metadata", "true".into());
        let spec = self.single(Some(Format::Json), "send_with_metadata")?;
        let body = self.target.get_body(&spec, Some(Format::Json)).await?;
        let (rows, metadata) = crate::de::decode_records::<R>(R::CLASS.class, &body)?;
        Ok(Page { rows, metadata })
    }

    /// Sends and returns the JSON answer untouched (error bodies are still
    /// turned into errors).
    pub async fn send_json(self) -> Result<serde_json::Value> {
        let spec = self.single(Some(Format::Json), "send_json")?;
        let body = self.target.get_body(&spec, Some(Format::Json)).await?;
        crate::de::decode_any(R::CLASS.class, &body)
    }

    /// Sends in a text format (`csv`, `xml`, `html`, `tle`, `3le`, `kvn`)
    /// and returns the text with line endings normalised to `\n`. A value
    /// list too long for one URL is merged as for [`lines`](Self::lines).
    ///
    /// When nothing matches, the text is empty: Space-Track's answer (an
    /// empty body, or `NO RESULTS RETURNED` with
    /// [`empty_result_show`](Self::empty_result_show)) is never returned as
    /// text. [`send_text_answer`](Self::send_text_answer) says so in its type.
    ///
    /// ```
    /// use spacetrack::Format;
    /// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
    /// # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
    /// #     .identity(sim.identity()).password(sim.password()).build()?;
    /// let none = st.gp().object_name("NO SUCH OBJECT").send_text(Format::ThreeLe).await?;
    /// assert_eq!(none, "");
    /// let also_none = st
    ///     .gp()
    ///     .object_name("NO SUCH OBJECT")
    ///     .empty_result_show()
    ///     .send_text(Format::ThreeLe)
    ///     .await?;
    /// assert_eq!(also_none, "");
    /// # Ok(()) }
    /// ```
    pub async fn send_text(self, format: Format) -> Result<String> {
        self.send_text_answer(format)
            .await
            .map(crate::de::TextAnswer::into_text)
    }

    /// [`send_text`](Self::send_text), saying in its type whether anything
    /// matched: [`TextAnswer::NoResults`](crate::TextAnswer::NoResults) when
    /// Space-Track answered that nothing did (`NO RESULTS RETURNED`, its
    /// answer with [`empty_result_show`](Self::empty_result_show), or an
    /// empty body, its answer without), else the text.
    ///
    /// ```
    /// use spacetrack::{Format, TextAnswer};
    /// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
    /// # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
    /// #     .identity(sim.identity()).password(sim.password()).build()?;
    /// match st.gp().norad_cat_id(25544).empty_result_show().send_text_answer(Format::Tle).await? {
    ///     TextAnswer::Text(tle) => assert!(tle.starts_with("1 25544U")),
    ///     TextAnswer::NoResults => unreachable!("the ISS is in the catalog"),
    ///     _ => unreachable!(),
    /// }
    /// let none = st.gp().object_name("NO SUCH OBJECT").empty_result_show();
    /// assert!(none.send_text_answer(Format::Tle).await?.is_no_results());
    /// # Ok(()) }
    /// ```
    pub async fn send_text_answer(self, format: Format) -> Result<crate::de::TextAnswer> {
        let parts = self.text_parts(format)?;
        if parts.len() == 1 {
            let body = self.target.get_body(&parts[0], Some(format)).await?;
            return crate::de::text_answer(R::CLASS.class, &body);
        }
        // Several requests: merged line by line by `lines`, whose rules
        // (parts that matched nothing left out, one csv header) this keeps.
        use futures_util::TryStreamExt;
        let lines: Vec<String> = self.lines(format).await?.try_collect().await?;
        if lines.is_empty() {
            return Ok(crate::de::TextAnswer::NoResults);
        }
        let mut out = lines.join("\n");
        out.push('\n');
        Ok(crate::de::TextAnswer::Text(out))
    }

    /// Sends in any format and returns the raw bytes. An answer in a text
    /// format that says nothing matched (`NO RESULTS RETURNED`, with
    /// [`empty_result_show`](Self::empty_result_show)) is empty, as it is
    /// without; anything else is as Space-Track sent it (CRLF included).
    pub async fn send_bytes(self, format: Format) -> Result<Bytes> {
        let spec = self.single(Some(format), "send_bytes")?;
        let body = self.target.get_body(&spec, Some(format)).await?;
        Ok(empty_if_no_results(body, format))
    }
}

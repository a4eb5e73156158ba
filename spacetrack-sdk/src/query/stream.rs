//! Answers as they arrive: records, records with their decode errors,
//! pages, lines, bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;

use crate::de::Tracker;
use crate::error::Result;
use crate::request::{Format, Spec};
use crate::schema::Record;

use super::{Async, Query};

impl<R: Record> Query<R, Async> {
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
        let progress = self.tracker();
        let items = self
            .chained(parts, Some(Format::Json), progress.clone(), |resp| {
                crate::de::records_in_segments::<R>(R::CLASS.class, resp)
            })
            .await?;
        Ok(counted(items, progress, true))
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
        let progress = self.tracker();
        let items = self
            .chained(parts, Some(Format::Json), progress.clone(), |resp| {
                crate::de::records_partial::<R>(R::CLASS.class, resp)
            })
            .await?;
        let items = counted(items, progress, true);
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

    /// Sends the first request now (so that its error is this call's) and
    /// the others as the stream reaches them, one after the other; their
    /// bytes are counted by `progress`.
    async fn chained<T, S, F>(
        &self,
        parts: Vec<Spec>,
        format: Option<Format>,
        progress: Option<Arc<Tracker>>,
        make: F,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<T>>>
    where
        T: Send + 'static,
        S: futures_util::Stream<Item = Result<T>> + Send + 'static,
        F: Fn(crate::de::Chunks) -> S + Send + Sync + 'static,
    {
        use futures_util::StreamExt;
        let whole = parts.len() == 1;
        let mut parts = parts.into_iter();
        let first = parts.next().expect("split returns at least one request");
        let resp = self
            .target
            .get_chunks(&first, format, progress.as_ref(), whole)
            .await?;
        let head = make(resp);
        if parts.len() == 0 {
            return Ok(head.boxed());
        }
        let make = std::sync::Arc::new(make);
        let target = self.target.clone();
        let rest = futures_util::stream::iter(parts)
            .then(move |spec| {
                let target = target.clone();
                let make = make.clone();
                let progress = progress.clone();
                async move {
                    match target
                        .get_chunks(&spec, format, progress.as_ref(), false)
                        .await
                    {
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
    /// yields one [`Error::InvalidArgument`](crate::Error::InvalidArgument).
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
        use futures_util::TryStreamExt;
        let start = self.paged(page_size);
        let target = self.target.clone();
        let progress = self.tracker();
        let tracker = progress.clone();
        let pages =
            futures_util::stream::try_unfold(start.map(|spec| (spec, 0u64, false)), move |state| {
                let target = target.clone();
                let progress = tracker.clone();
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
                    let rows = match &progress {
                        Some(t) if offset == 0 && target.splits() => {
                            first_page::<R>(&target, &spec, t).await?
                        }
                        _ => {
                            target
                                .get_records::<R>(R::CLASS.class, &spec, progress.as_ref(), false)
                                .await?
                        }
                    };
                    let done = (rows.len() as u64) < page_size;
                    let page = futures_util::stream::iter(rows.into_iter().map(Ok));
                    Ok(Some((page, Ok((spec, offset + page_size, done)))))
                }
            })
            .try_flatten();
        counted(pages, progress, false)
    }

    /// Streams a text format line by line (line endings removed). When
    /// nothing matches there is no line: Space-Track's `NO RESULTS RETURNED`
    /// (its answer with [`empty_result_show`](Self::empty_result_show)) is
    /// not one. A value
    /// list too long for one URL is sent as several requests whose lines
    /// follow each other (`tle`, `3le`, `kvn`, and `csv`, whose header is
    /// kept once); other formats cannot be merged and are refused.
    pub async fn lines(
        self,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = Result<String>> + Send + 'static> {
        use futures_util::StreamExt;
        let max_line = self.target.max_line_bytes();
        let parts = self.text_parts(format)?;
        let progress = self.tracker();
        if parts.len() == 1 {
            let lines = self
                .chained(parts, Some(format), progress.clone(), move |resp| {
                    crate::de::lines(resp, max_line)
                })
                .await?;
            return Ok(counted(lines, progress, true));
        }
        // Several requests: a part that matched nothing has no line (its
        // `NO RESULTS RETURNED` is not one); a csv part's header is kept
        // only from the first part that has one.
        let csv = format == Format::Csv;
        let header_kept = Arc::new(AtomicBool::new(false));
        let lines = self
            .chained(parts, Some(format), progress.clone(), move |resp| {
                let header_kept = header_kept.clone();
                let mut first_line = true;
                crate::de::lines(resp, max_line).filter(move |line| {
                    let keep = match line {
                        Ok(_) if csv && std::mem::take(&mut first_line) => {
                            !header_kept.swap(true, Ordering::SeqCst)
                        }
                        _ => true,
                    };
                    std::future::ready(keep)
                })
            })
            .await?;
        Ok(counted(lines, progress, true))
    }

    /// Streams the raw answer in any format, chunk by chunk. An answer in a
    /// text format that says nothing matched (`NO RESULTS RETURNED`) has no
    /// chunk, as an empty answer has none; anything else is as sent.
    pub async fn bytes(
        self,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = Result<Bytes>> + Send + 'static> {
        let spec = self.single(Some(format), "bytes")?;
        let progress = self.tracker();
        let resp = self
            .target
            .get_chunks(&spec, Some(format), progress.as_ref(), true)
            .await?;
        use futures_util::StreamExt;
        let chunks = crate::de::bytes(resp).boxed();
        let chunks = match format {
            Format::Json | Format::Stream => chunks,
            _ => crate::de::text_bytes(crate::de::Chunks {
                stream: chunks,
                len: None,
                progress: None,
            })
            .boxed(),
        };
        Ok(counted(chunks, progress, false))
    }
}

/// The first page of [`paginate`](Query::paginate) when it reports
/// progress: asked with `metadata/true`, whose `Total` is the number of
/// records the query matches.
async fn first_page<R: Record>(
    target: &super::target::Target,
    spec: &Spec,
    progress: &Arc<Tracker>,
) -> Result<Vec<R>> {
    let mut spec = spec.clone();
    spec.set("metadata", "true".into());
    let body = target.get_body(&spec, Some(Format::Json)).await?;
    progress.add_bytes(body.len() as u64);
    let class = R::CLASS.class;
    let (rows, metadata) =
        crate::de::decode_off_runtime(body, move |b| crate::de::decode_records::<R>(class, b))
            .await?;
    if let Some(total) = metadata.as_ref().and_then(crate::de::metadata_total) {
        progress.set_total_records(total);
    }
    progress.add_records(rows.len() as u64);
    progress.tick();
    Ok(rows)
}

/// `items`, counted by `progress` (each `Ok` item a record when `records`),
/// which makes its last report when they end without an error.
fn counted<T: Send + 'static>(
    items: impl futures_util::Stream<Item = Result<T>> + Send + 'static,
    progress: Option<Arc<Tracker>>,
    records: bool,
) -> futures_util::stream::BoxStream<'static, Result<T>> {
    use futures_util::StreamExt;
    let Some(tracker) = progress else {
        return items.boxed();
    };
    let failed = Arc::new(AtomicBool::new(false));
    let (end, seen) = (tracker.clone(), failed.clone());
    let items = items.inspect(move |item| match item {
        Ok(_) if records => tracker.add_records(1),
        Ok(_) => {}
        Err(_) => failed.store(true, Ordering::Relaxed),
    });
    let last = futures_util::stream::once(async move {
        if !seen.load(Ordering::Relaxed) {
            end.finish();
        }
        None
    })
    .filter_map(std::future::ready);
    items.chain(last).boxed()
}

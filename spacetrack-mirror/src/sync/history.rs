//! gp_history: a date range pulled once in windows of EPOCH, then only new
//! GP_IDs in that range. Windows are written as they come (the database
//! compares rows on the key), without a change feed: the history is an
//! archive, and gp's feed says what changed.

use chrono::{Duration, NaiveDate};
use serde_json::Value as Json;
use spacetrack::{GpHistory, op};

use super::rows::bad;
use super::run::{Acc, Changes, Preds, Run};
use crate::backend::{Row, State};
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, from_json};
use crate::{Error, Result};

/// The gp_history range and how far its windows are done, kept in the
/// state's `progress`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Range {
    pub(super) from: NaiveDate,
    pub(super) to: Option<NaiveDate>,
    pub(super) done: NaiveDate,
    /// An open-ended range whose windows reached the present: from then
    /// on new GP_IDs are all there is to ask for.
    caught_up: bool,
}

impl Range {
    pub(super) fn parse(s: &str) -> Option<Range> {
        let v: Json = serde_json::from_str(s).ok()?;
        let date = |k: &str| v.get(k)?.as_str()?.parse::<NaiveDate>().ok();
        Some(Range {
            from: date("from")?,
            to: date("to"),
            done: date("done")?,
            caught_up: v.get("caught_up").and_then(Json::as_bool).unwrap_or(false),
        })
    }

    /// A range whose windows are all pulled.
    pub(super) fn done_through(from: NaiveDate, to: NaiveDate) -> Range {
        Range {
            from,
            to: Some(to),
            done: to + Duration::days(1),
            caught_up: false,
        }
    }

    pub(super) fn text(&self) -> String {
        serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.map(|d| d.to_string()),
            "done": self.done.to_string(),
            "caught_up": self.caught_up,
        })
        .to_string()
    }
}

impl Run<'_> {
    pub(super) async fn history(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let window = Duration::days(i64::from(self.opts.window_days.unwrap_or(1).min(3650)));
        let known = state.progress.as_deref().and_then(Range::parse);
        let mut range = match (self.opts.history, known) {
            (Some((from, to)), Some(r)) if r.from == from && r.to == to => r,
            (Some((from, to)), _) => {
                if to.is_some_and(|to| to < from) {
                    return Err(Error::InvalidArgument(format!(
                        "gp_history range ends before it starts ({from} to {})",
                        to.unwrap_or(from)
                    )));
                }
                // A new range starts over (what is stored stays).
                state.watermark = None;
                Range {
                    from,
                    to,
                    done: from,
                    caught_up: false,
                }
            }
            (None, Some(r)) => r,
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "gp_history needs a date range the first time (SyncOptions::history, --history FROM..TO)".into(),
                ));
            }
        };
        let id_i = t
            .position("GP_ID")
            .ok_or_else(|| Error::InvalidArgument("gp_history's schema lacks GP_ID".into()))?;
        let end = match range.to {
            Some(d) => d + Duration::days(1),
            None if range.caught_up => range.done,
            None => self.now.date() + Duration::days(1),
        };
        // Windows not pulled yet, one transaction each, so an interrupted
        // pull resumes at the first incomplete window.
        let windows_left = range.done < end;
        // The newest GP_ID before the first window: afterwards, everything
        // above it is asked for again, so element sets filed while the
        // windows were pulled (into windows already done) are not missed.
        // Window rows never raise the watermark: they come in EPOCH order.
        if windows_left && state.watermark.is_none() {
            let top = self
                .fetch_maps(t, acc, |q| {
                    q.predicate("predicates", "GP_ID")
                        .predicate("orderby", "GP_ID desc")
                        .predicate("limit", "1")
                })
                .await?;
            let top = match top.first().and_then(|m| m.get("GP_ID")) {
                None => 0,
                Some(v) => match from_json(ValueKind::Int, v) {
                    Some(Value::Int(n)) => n,
                    _ => return Err(bad(t, "GP_ID", v, ValueKind::Int)),
                },
            };
            state.watermark = Some(top.to_string());
        }
        if windows_left {
            self.pull_windows(t, state, acc, &mut range, end, window)
                .await?;
        }
        if range.to.is_some() && windows_left {
            return Ok(());
        }
        // Then only element sets newer than the newest seen, in the range.
        let mark = state
            .watermark
            .as_deref()
            .and_then(|m| m.parse::<i64>().ok());
        let (from, to) = (range.from, range.to);
        let rows = self
            .fetch(t, acc, |q| {
                let q = q.predicate("orderby", "GP_ID asc").predicate(
                    "EPOCH",
                    match to {
                        Some(to) => format!("{from}--{}", to + Duration::days(1)),
                        None => format!(">{from}"),
                    },
                );
                match mark {
                    Some(m) => q.predicate("GP_ID", op::gt(m)),
                    None => q,
                }
            })
            .await?;
        bump(state, &rows, id_i);
        self.apply(t, state, acc, Changes::upserts(rows), true)
            .await
    }
}

/// Records per chunk of a window (SyncOptions::history_batch): a few
/// megabytes of rows, a transaction each.
const CHUNK: usize = 8192;

/// The chunks of one window's answer, as records.
type Chunks =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Vec<spacetrack::Result<GpHistory>>> + Send>>;

/// What the reader of the windows hands the writer next.
enum Read {
    /// The next chunk's rows.
    Rows(Vec<Row>),
    /// The window read last ended whole here (its day after).
    Ended(NaiveDate),
    /// Every window has been read.
    Done,
}

/// Reads the windows one after another, a chunk at a time.
struct Windows<'r, 'a> {
    run: &'r Run<'a>,
    t: &'static TableDef,
    /// The windows not asked for yet: (first day, day after).
    left: std::collections::VecDeque<(NaiveDate, NaiveDate)>,
    /// The window being read, and its day after.
    current: Option<(NaiveDate, Chunks)>,
    requests: u32,
}

impl Windows<'_, '_> {
    async fn next(&mut self) -> Result<Read> {
        use futures_util::StreamExt;
        let (stop, chunks) = match self.current.as_mut() {
            Some(c) => c,
            None => {
                let Some((start, stop)) = self.left.pop_front() else {
                    return Ok(Read::Done);
                };
                let chunks = self.open(start, stop).await?;
                self.current.insert((stop, chunks))
            }
        };
        match chunks.next().await {
            Some(items) => {
                let records = items.into_iter().collect::<spacetrack::Result<Vec<_>>>()?;
                Ok(Read::Rows(super::typed_rows(self.t, records).await?))
            }
            // The answer ended whole: the window is read.
            None => {
                let stop = *stop;
                self.current = None;
                Ok(Read::Ended(stop))
            }
        }
    }

    async fn open(&mut self, start: NaiveDate, stop: NaiveDate) -> Result<Chunks> {
        use futures_util::StreamExt;
        let preds = Preds::default()
            .predicate("EPOCH", format!("{start}--{stop}"))
            .predicate("orderby", "GP_ID asc");
        self.requests += 1;
        let records = self
            .run
            .typed_query::<GpHistory>(self.t, preds.0)?
            .stream()
            .await?;
        let size = self.run.opts.history_batch.unwrap_or(CHUNK);
        Ok(Box::pin(records.chunks(size)))
    }
}

impl Run<'_> {
    /// The windows of gp_history not pulled yet, streamed: each chunk of
    /// records is turned into rows and written while the next chunk arrives
    /// and decodes (a window of recent years is hundreds of megabytes: held
    /// whole, then written, it cost twice the time, one core idle in each
    /// half). Chunks are written under the state's old progress; a window's
    /// progress is recorded as soon as its answer has ended whole and its
    /// last chunk is written, while the next window is asked for. A window
    /// cut short (a truncated body, a killed process) is pulled again, and
    /// the key makes the repeat harmless.
    async fn pull_windows(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
        range: &mut Range,
        end: NaiveDate,
        window: Duration,
    ) -> Result<()> {
        let mut left = std::collections::VecDeque::new();
        let mut start = range.done;
        while start < end {
            let stop = (start + window).min(end);
            left.push_back((start, stop));
            start = stop;
        }
        let mut windows = Windows {
            run: self,
            t,
            left,
            current: None,
            requests: 0,
        };
        // Two stages, one per core: the answers decoded into records and
        // the records into rows, then the rows written (or a window's
        // progress recorded).
        let mut read = windows.next().await;
        loop {
            acc.requests += std::mem::take(&mut windows.requests);
            let (write, last) = match read? {
                Read::Done => return Ok(()),
                Read::Rows(batch) => {
                    acc.fetched += batch.len() as u64;
                    (Changes::upserts(batch), false)
                }
                Read::Ended(stop) => {
                    // Rows on the upper bound belong to the next window
                    // too; the key makes the overlap harmless.
                    range.done = stop;
                    range.caught_up = range.to.is_none() && stop >= end;
                    state.progress = Some(range.text());
                    // The last window of a bounded range ends the class's
                    // sync.
                    let last = range.done >= end && range.to.is_some();
                    (Changes::upserts(Vec::new()), last)
                }
            };
            let (written, next) =
                tokio::join!(self.apply(t, state, acc, write, last), windows.next());
            acc.requests += std::mem::take(&mut windows.requests);
            written?;
            read = next;
        }
    }
}

/// Raises the GP_ID watermark to the newest of `rows`.
fn bump(state: &mut State, rows: &[Row], id_i: usize) {
    let newest = rows
        .iter()
        .filter_map(|r| match r.values[id_i] {
            Value::Int(n) => Some(n),
            _ => None,
        })
        .max();
    let old = state
        .watermark
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok());
    if let Some(n) = newest
        && old.is_none_or(|o| n > o)
    {
        state.watermark = Some(n.to_string());
    }
}

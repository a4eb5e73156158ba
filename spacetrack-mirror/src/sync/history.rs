//! gp_history: a date range pulled once in windows of EPOCH, then only new
//! GP_IDs in that range. Windows are written as they come (the database
//! compares rows on the key), without a change feed: the history is an
//! archive, and gp's feed says what changed.

use chrono::{Duration, NaiveDate};
use serde_json::Value as Json;
use spacetrack::op;

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
        while range.done < end {
            let start = range.done;
            let stop = (start + window).min(end);
            let preds = Preds::default()
                .predicate("EPOCH", format!("{start}--{stop}"))
                .predicate("orderby", "GP_ID asc");
            self.pull_window(t, state, acc, preds).await?;
            // Rows on the upper bound belong to the next window too; the
            // key makes the overlap harmless.
            range.done = stop;
            range.caught_up = range.to.is_none() && stop >= end;
            state.progress = Some(range.text());
            let last = range.done >= end && range.to.is_some();
            // The window is done: its answer ended whole.
            self.apply(t, state, acc, Changes::upserts(Vec::new()), last)
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

impl Run<'_> {
    /// One window of gp_history, streamed: each chunk of records is turned
    /// into rows and written while the next chunk arrives and decodes (a
    /// window of recent years is hundreds of megabytes: held whole, then
    /// written, it cost twice the time, one core idle in each half). The
    /// chunks are written under the state's old progress; the caller moves
    /// it once the answer has ended whole, so a window cut short (a
    /// truncated body, a killed process) is pulled again, and the key makes
    /// the repeat harmless.
    async fn pull_window(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
        preds: Preds,
    ) -> Result<()> {
        use futures_util::StreamExt;
        acc.requests += 1;
        let records = self
            .typed_query::<spacetrack::GpHistory>(t, preds.0)?
            .stream()
            .await?;
        let mut chunks = std::pin::pin!(records.chunks(self.opts.history_batch.unwrap_or(CHUNK)));
        // Two stages, one per core: the answer decoded into records and
        // the records into rows, then the rows written.
        let mut rows = next_rows(t, &mut chunks).await?;
        while let Some(batch) = rows.take() {
            acc.fetched += batch.len() as u64;
            let write = self.apply(t, state, acc, Changes::upserts(batch), false);
            let (written, read) = tokio::join!(write, next_rows(t, &mut chunks));
            written?;
            rows = read?;
        }
        Ok(())
    }
}

/// The rows of the next chunk of records, or the answer's error.
async fn next_rows<R: spacetrack::Record>(
    t: &'static TableDef,
    chunks: &mut (impl futures_util::Stream<Item = Vec<spacetrack::Result<R>>> + Unpin),
) -> Result<Option<Vec<Row>>> {
    use futures_util::StreamExt;
    match chunks.next().await {
        None => Ok(None),
        Some(items) => {
            let records = items.into_iter().collect::<spacetrack::Result<Vec<_>>>()?;
            Ok(Some(super::typed_rows(t, records).await?))
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

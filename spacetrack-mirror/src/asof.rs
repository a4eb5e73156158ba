//! The catalog as it was on a date, from gp_history.
//!
//! The selection rule: for each object (`NORAD_CAT_ID`), the gp_history
//! element set with the latest `EPOCH` in the look-back window `[t -
//! look-back, t]` (both ends included; of two sets with the same EPOCH, the
//! greater `GP_ID`, the one filed later). An object that decayed before `t`
//! is left out: its decay date is satcat's `DECAY` when the mirror keeps
//! satcat and knows the object, else the chosen set's own `DECAY_DATE`; a
//! decay on `t`'s own day keeps the object (it may have decayed after `t`).
//! Rows marked removed are not used.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use spacetrack::GpHistory;

use crate::query::records;
use crate::sql::q;
use crate::sql::{Dialect, Statement};
use crate::tables::{ValueKind, table};
use crate::value::{Value, datetime_text};
use crate::{Error, Mirror, Result};

/// The default look-back of [`Mirror::gp_as_of`]: an object whose newest
/// set is older than this is treated as having none.
pub const DEFAULT_LOOKBACK_DAYS: i64 = 30;

/// The catalog as of a time: [`Mirror::gp_as_of`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AsOf {
    /// The time asked for (UTC).
    pub at: NaiveDateTime,
    /// The look-back window's length.
    pub lookback: Duration,
    /// One element set per object, by NORAD_CAT_ID.
    pub records: Vec<GpHistory>,
    /// How far the mirror's history can answer.
    pub report: Completeness,
}

/// Whether the mirror's gp_history covers an as-of window, and what is
/// missing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Completeness {
    /// The gp_history range the mirror was asked to keep, and how far its
    /// windows are pulled (`None` when no range was ever synced).
    pub history: Option<(NaiveDate, NaiveDate)>,
    /// Whether that range covers the whole look-back window.
    pub covers_window: bool,
    /// Objects left out because they decayed before the time.
    pub decayed: usize,
    /// Objects satcat lists as launched by then and not decayed whose
    /// history has no set in the window (`None` when the mirror does not
    /// keep satcat).
    pub without_set: Option<Vec<u32>>,
}

fn db_error(what: &str) -> impl Fn(spacetrack::Error) -> Error + '_ {
    move |e| Error::Database(format!("{what}: {e}"))
}

impl Mirror {
    /// The catalog as of `at`, with the default look-back of 30 days (see
    /// the module docs for the selection rule).
    pub async fn gp_as_of(&self, at: NaiveDateTime) -> Result<AsOf> {
        self.gp_as_of_with(at, Duration::days(DEFAULT_LOOKBACK_DAYS))
            .await
    }

    /// [`gp_as_of`](Self::gp_as_of) with a look-back of your choosing.
    pub async fn gp_as_of_with(&self, at: NaiveDateTime, lookback: Duration) -> Result<AsOf> {
        if lookback <= Duration::zero() {
            return Err(Error::InvalidArgument(
                "the look-back must be positive".into(),
            ));
        }
        let t = table("gp_history").ok_or_else(|| Error::UnknownClass("gp_history".into()))?;
        let from = at - lookback;
        let rows = self
            .with(move |b| {
                let dialect = b.dialect();
                let cast = match dialect {
                    Dialect::Sqlite => "",
                    Dialect::Postgres => "::text",
                };
                let param = |n: usize| match dialect {
                    Dialect::Sqlite => format!("?{n}"),
                    Dialect::Postgres => format!("${n}::text::timestamp"),
                };
                let cols: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| c.name)
                    .chain(["_unknown"])
                    .map(|c| format!("{}{cast}", q(c)))
                    .collect();
                let sql = format!(
                    "SELECT {cols} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY {norad} \
                     ORDER BY {epoch} DESC, {gp} DESC) AS \"_rank\" FROM {table} \
                     WHERE {epoch} >= {p1} AND {epoch} <= {p2} AND {removed} IS NULL) AS \"_newest\" \
                     WHERE \"_rank\" = 1 ORDER BY {norad}",
                    cols = cols.join(", "),
                    norad = q("NORAD_CAT_ID"),
                    epoch = q("EPOCH"),
                    gp = q("GP_ID"),
                    table = q(t.class),
                    removed = q("_removed_at"),
                    p1 = param(1),
                    p2 = param(2),
                );
                let stmt = Statement {
                    sql,
                    params: vec![
                        Value::Text(datetime_text(&from)),
                        Value::Text(datetime_text(&at)),
                    ],
                };
                let kinds: Vec<ValueKind> = t.columns.iter().map(|c| c.kind).collect();
                let mut rows = Vec::new();
                b.query(&stmt, &kinds, &mut |values, unknown| {
                    rows.push((values, unknown));
                    Ok(true)
                })?;
                Ok(rows)
            })
            .await?;
        let sets: Vec<GpHistory> = records(t, &rows)?;
        // Decay dates from satcat when the mirror keeps it.
        let satcat: Vec<spacetrack::Satcat> =
            self.satcat().send().await.map_err(db_error("satcat"))?;
        let decays: std::collections::HashMap<u32, Option<NaiveDate>> = satcat
            .iter()
            .filter_map(|s| Some((s.norad_cat_id?, s.decay)))
            .collect();
        let day = at.date();
        let decayed_before = |g: &GpHistory| {
            let decay = match decays.get(&g.norad_cat_id) {
                Some(d) => *d,
                None => g.decay_date,
            };
            decay.is_some_and(|d| d < day)
        };
        let total = sets.len();
        let records: Vec<GpHistory> = sets.into_iter().filter(|g| !decayed_before(g)).collect();
        let decayed = total - records.len();
        let without_set = (!satcat.is_empty()).then(|| {
            let have: std::collections::HashSet<u32> =
                records.iter().map(|g| g.norad_cat_id).collect();
            let mut missing: Vec<u32> = satcat
                .iter()
                .filter(|s| s.launch.is_some_and(|l| l <= day))
                .filter(|s| s.decay.is_none_or(|d| d >= day))
                .filter_map(|s| s.norad_cat_id)
                .filter(|n| !have.contains(n))
                .collect();
            missing.sort_unstable();
            missing
        });
        let state = self.with(|b| b.state("gp_history")).await?;
        let history = state
            .progress
            .as_deref()
            .and_then(crate::sync::history_range);
        let covers_window = history.is_some_and(|(f, done)| f <= from.date() && done > day);
        Ok(AsOf {
            at,
            lookback,
            records,
            report: Completeness {
                history,
                covers_window,
                decayed,
                without_set,
            },
        })
    }
}

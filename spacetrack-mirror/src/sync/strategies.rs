//! How the snapshot and message classes are brought up to date: the whole
//! class (satcat, boxscore, launch_site), or messages since a watermark
//! (decay, tip, cdm_public). Answers are compared with the stored rows in
//! Rust; only what differs is written, with the change feed.

use std::collections::HashSet;

use chrono::Duration;
use spacetrack::op;

use super::diff::{by_key, change, compare, key_column_values};
use super::digest::Fetched;
use super::rows::{RowKey, cmp_values, key_of, parse_mark, text_of};
use super::run::{Acc, Changes, Run};
use crate::backend::{Row, Rows, State, key_values};
use crate::changes::ChangeKind;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, parse_datetime};
use crate::{Error, Result};

/// Keys asked for at a time when reading stored rows.
const KEYS_AT_ONCE: usize = 500;

impl Run<'_> {
    /// The stored rows (removed ones too) with the keys of `rows`.
    pub(super) async fn stored_for(
        &self,
        t: &'static TableDef,
        rows: &[Row],
    ) -> Result<Vec<crate::backend::StoredRow>> {
        let (column, keys) = key_column_values(t, rows);
        let mut out = Vec::new();
        for chunk in keys.chunks(KEYS_AT_ONCE) {
            let chunk = chunk.to_vec();
            out.extend(
                self.mirror
                    .with(move |b| b.rows(t, Rows::In(column, &chunk)))
                    .await?,
            );
        }
        Ok(out)
    }

    pub(super) async fn snapshot(
        &self,
        t: &'static TableDef,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let (rows, digest) = match self.fetch_digested(t, acc, |q| q).await? {
            // The answer last applied: the mirror holds it already.
            Fetched::Same => return self.apply(t, state, acc, Changes::default(), true).await,
            Fetched::New(rows, digest) => (rows, digest),
        };
        let stored = self.mirror.with(move |b| b.rows(t, Rows::All)).await?;
        let current = stored.iter().filter(|s| !s.removed).count();
        if rows.len() * 2 < current {
            return Err(Error::Suspicious(format!(
                "{}: the answer had {} rows where the mirror holds {current}; nothing was changed",
                t.class,
                rows.len(),
            )));
        }
        let seen: HashSet<RowKey> = rows.iter().map(|r| key_of(t, r)).collect();
        let stored = by_key(t, stored);
        let mut changes = Changes::of(compare(t, rows, &stored));
        // Rows that left Space-Track's answer are marked, not dropped.
        let mut gone: Vec<&Row> = stored
            .iter()
            .filter(|(k, s)| !s.removed && !seen.contains(*k))
            .map(|(_, s)| &s.row)
            .collect();
        gone.sort_by_key(|r| key_of(t, r));
        for r in gone {
            change(t, ChangeKind::Removed, None, r, &mut changes.changes);
            changes.remove.push(key_values(t, r));
        }
        changes.also = Some(digest);
        self.apply(t, state, acc, changes, true).await
    }

    pub(super) async fn since(
        &self,
        t: &'static TableDef,
        column: &'static str,
        overlap_hours: i64,
        state: &mut State,
        acc: &mut Acc,
    ) -> Result<()> {
        let col = t
            .position(column)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: no column {column}", t.class)))?;
        let kind = t.columns[col].kind;
        let mark = state.watermark.clone();
        // An answer identical to the one this request had when last
        // applied is in the mirror: it is not decoded or compared again.
        let known = self.known_digests(t).await?;
        let known = |i: usize| known.get(i).map(String::as_str);
        let (since, d1) = self
            .fetch_unless(t, acc, known(0), |q| match (&mark, kind) {
                (Some(m), ValueKind::Int) => match m.parse::<i64>() {
                    Ok(n) => q.predicate(column, op::gt(n)),
                    Err(_) => q,
                },
                (Some(m), ValueKind::DateTime | ValueKind::Date) => match parse_datetime(m) {
                    Some(at) => q.predicate(
                        column,
                        op::gt((at - Duration::hours(overlap_hours)).and_utc()),
                    ),
                    None => q,
                },
                _ => q,
            })
            .await?;
        let mut digests = vec![d1];
        let mut parts = vec![since];
        // Rows without a value in the watermark column (decay records taken
        // from the catalog have no MSG_EPOCH) are never above the mark:
        // they are asked for on their own.
        if mark.is_some() && t.columns[col].nullable {
            let (unset, d2) = self
                .fetch_unless(t, acc, known(1), |q| q.predicate(column, "null-val"))
                .await?;
            digests.push(d2);
            parts.push(unset);
        }
        if parts.iter().all(Option::is_none) {
            return self.apply(t, state, acc, Changes::default(), true).await;
        }
        let rows: Vec<Row> = parts.into_iter().flatten().flatten().collect();
        let newest = rows
            .iter()
            .map(|r| &r.values[col])
            .filter(|v| **v != Value::Null)
            .max_by(|a, b| cmp_values(a, b));
        if let Some(v) = newest {
            let old = state.watermark.as_deref().map(|m| parse_mark(kind, m));
            if old.is_none_or(|o| cmp_values(v, &o).is_gt()) {
                state.watermark = Some(text_of(v));
            }
        }
        let stored = by_key(t, self.stored_for(t, &rows).await?);
        let mut changes = Changes::of(compare(t, rows, &stored));
        changes.also = Some(Self::digests_record(t, &digests));
        self.apply(t, state, acc, changes, true).await
    }
}

//! What the sync engine asks of a database. One implementation per
//! database ([`crate::sqlite`]); each runs its calls on a blocking thread.

use chrono::NaiveDateTime;

use crate::Result;
pub use crate::row::Row;
pub(crate) use crate::row::key_values;
use crate::sql::{Dialect, Statement};
use crate::tables::{TableDef, ValueKind};
use crate::value::Value;

/// The sync state of one class, kept in the `_sync_state` table of the
/// mirror itself, so every machine syncing it sees the same.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// The class.
    pub class: String,
    /// The newest value of the class's watermark column seen (a GP_ID, a
    /// message epoch...), as text.
    pub watermark: Option<String>,
    /// Where an interrupted multi-request sync stands (gp_history: the
    /// end of the last complete window).
    pub progress: Option<String>,
    /// When the last complete sync ended.
    pub last_sync: Option<NaiveDateTime>,
    /// When the guidance allows the next.
    pub next_due: Option<NaiveDateTime>,
    /// Who is syncing the class now, and until when at most.
    pub lease: Option<(String, NaiveDateTime)>,
}

/// Changes applied in one transaction, with the class's new state: a
/// sync interrupted between two batches leaves the mirror as the first
/// one left it, and the next sync goes on from its state.
#[derive(Debug)]
pub struct Batch<'a> {
    /// The table.
    pub table: &'static TableDef,
    /// New rows (no row has their key).
    pub inserts: &'a [Row],
    /// Changed rows, written whole (their key exists).
    pub updates: &'a [Row],
    /// Rows inserted, or rewritten where they differ (the database
    /// compares): for answers not compared in Rust (gp_history's windows).
    pub upserts: &'a [Row],
    /// Rows deleted (key values): superseded element sets.
    pub delete: &'a [Vec<Value>],
    /// Rows marked `_removed_at` (key values): gone from Space-Track.
    pub remove: &'a [Vec<Value>],
    /// What changed, for the change feed.
    pub changes: &'a [ChangeRow],
    /// Another state row's progress written with the batch (a backfill's
    /// checkpoint): `(class, progress)`.
    pub also: Option<(&'a str, &'a str)>,
    /// The class's state after the batch. Written only while `owner`
    /// holds the class's lease; otherwise the batch is rolled back
    /// ([`crate::Error::LeaseLost`]).
    pub state: &'a State,
    /// The sync applying the batch.
    pub owner: &'a str,
    /// The time written to `_synced_at`, `_removed_at` and the changes.
    pub now: NaiveDateTime,
}

/// One change for the change feed, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    /// The row's identity, a JSON object.
    pub key: String,
    /// The kind (`ChangeKind`'s name).
    pub kind: &'static str,
    /// `{"COLUMN": [old, new], ...}`, when columns changed.
    pub columns: Option<String>,
}

/// A stored row and whether it is marked removed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    /// The row.
    pub row: Row,
    /// Whether it is marked `_removed_at`.
    pub removed: bool,
}

/// Which stored rows to read.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// All of them, removed ones included.
    All,
    /// Those whose `column` is one of `values` (removed ones included).
    In(&'a str, &'a [Value]),
}

/// What a batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Rows inserted or changed.
    pub written: u64,
    /// Rows deleted.
    pub deleted: u64,
    /// Rows newly marked removed.
    pub removed: u64,
}

/// A database holding a mirror.
pub trait Backend: Send {
    /// Creates the class's table and the state table if missing.
    fn ensure(&mut self, table: &'static TableDef) -> Result<()>;
    /// The class's state (default when never synced).
    fn state(&mut self, class: &str) -> Result<State>;
    /// Takes the class's lease for `owner` until `until`, unless another
    /// owner holds one that has not expired at `now` (and is not
    /// `takeover`, an owner known to have ended): then returns when that
    /// one expires.
    fn lease(
        &mut self,
        class: &str,
        owner: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        takeover: Option<&str>,
    ) -> Result<Option<NaiveDateTime>>;
    /// Gives the lease back (when `owner` still holds it), recording
    /// `next_due` as the next allowed sync when given.
    fn release(&mut self, class: &str, owner: &str, next_due: Option<NaiveDateTime>) -> Result<()>;
    /// Applies a batch and writes the state, in one transaction.
    fn apply(&mut self, batch: &Batch<'_>) -> Result<Applied>;
    /// The named columns of every current (not removed) row.
    fn select(&mut self, table: &'static TableDef, columns: &[&str]) -> Result<Vec<Vec<Value>>>;
    /// Current and removed row counts.
    fn counts(&mut self, table: &'static TableDef) -> Result<(u64, u64)>;
    /// Whether the table has any row, current or removed (without counting
    /// them: a mirror opened checks every table).
    fn has_rows(&mut self, table: &'static TableDef) -> Result<bool>;
    /// The SQL dialect the backend speaks.
    fn dialect(&self) -> Dialect;
    /// Runs a query's `SELECT`, calling `each` with every row (its values,
    /// read as `kinds`, then the `_unknown` text) until it returns `false`.
    /// Rows are read a few at a time.
    fn query(
        &mut self,
        stmt: &Statement,
        kinds: &[ValueKind],
        each: &mut dyn FnMut(Vec<Value>, Option<String>) -> Result<bool>,
    ) -> Result<()>;
    /// Runs a `SELECT COUNT(*)`.
    fn count(&mut self, stmt: &Statement) -> Result<u64>;
    /// Stored rows, whole.
    fn rows(&mut self, table: &'static TableDef, which: Rows<'_>) -> Result<Vec<StoredRow>>;
    /// The table's columns as the database has them (name, declared type).
    fn shape(&mut self, class: &str) -> Result<crate::migrate::Shape>;
    /// The schema version recorded for the class.
    fn schema_version(&mut self, class: &str) -> Result<Option<String>>;
    /// Records the class's schema version, and a migration in its log.
    fn record_schema(&mut self, class: &str, version: &str, done: Option<&str>) -> Result<()>;
    /// Runs a migration that needs no rebuild, in one transaction (the
    /// caller holds the class's lease).
    fn migrate(&mut self, table: &'static TableDef, m: &crate::migrate::Migration) -> Result<()>;
    /// Rebuilds the table from its rows in this build's schema, in one
    /// transaction (the caller holds the class's lease). Returns how many
    /// values did not convert (kept in `_unknown`).
    fn rebuild(
        &mut self,
        table: &'static TableDef,
        shape: &crate::migrate::Shape,
        m: &crate::migrate::Migration,
    ) -> Result<usize>;
    /// Sets a state row's progress (creating the row).
    fn set_progress(&mut self, class: &str, progress: Option<&str>) -> Result<()>;
    /// The newest change's `seq` (0 when none).
    fn last_change(&mut self) -> Result<i64>;
    /// The change feed from `after` (a `seq`), oldest first: `(seq,
    /// synced_at, class, key, kind, columns)`.
    fn changes(
        &mut self,
        since: NaiveDateTime,
        after: i64,
    ) -> Result<Vec<(i64, NaiveDateTime, String, String, String, Option<String>)>>;
    /// Every row in key order (or `order_by`'s, NULLs first, then the key's), with its unknown columns and `_removed_at`;
    /// removed rows only when asked. Rows are read a few at a time.
    fn scan(
        &mut self,
        table: &'static TableDef,
        include_removed: bool,
        order_by: Option<&str>,
        each: &mut dyn FnMut(Row, Option<NaiveDateTime>) -> Result<()>,
    ) -> Result<()>;
}

//! The change feed: what each sync changed, kept in the mirror's
//! `_changes` table in the transaction of the batch that made the change.

use chrono::NaiveDateTime;
use serde_json::{Map, Value as Json};

use crate::{Error, Mirror, Result};

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A row the mirror did not have: a new object (gp, satcat), a new
    /// message (decay, tip, cdm_public), a new country or site.
    New,
    /// gp: a newer element set of an object the mirror had (the old set is
    /// replaced; `columns` holds what differs between them).
    NewElementSet,
    /// The decay date (gp `DECAY_DATE`, satcat `DECAY`) went from none to a
    /// date. Recorded beside the change that carried it.
    Decayed,
    /// The name (gp `OBJECT_NAME`, satcat `SATNAME`, `OBJECT_NAME`) changed.
    /// Recorded beside the change that carried it.
    Renamed,
    /// The object type changed. Recorded beside the change that carried it.
    Retyped,
    /// Other columns of a row changed in place.
    Changed,
    /// The row left Space-Track's answer (marked `_removed_at`).
    Removed,
    /// A row marked removed came back.
    Reappeared,
}

impl ChangeKind {
    const ALL: [ChangeKind; 8] = [
        ChangeKind::New,
        ChangeKind::NewElementSet,
        ChangeKind::Decayed,
        ChangeKind::Renamed,
        ChangeKind::Retyped,
        ChangeKind::Changed,
        ChangeKind::Removed,
        ChangeKind::Reappeared,
    ];

    /// Its name, as stored and printed (`new_element_set`).
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::NewElementSet => "new_element_set",
            ChangeKind::Decayed => "decayed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Retyped => "retyped",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
            ChangeKind::Reappeared => "reappeared",
        }
    }

    /// The kind of a name.
    pub fn parse(name: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One change a sync made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    /// Its place in the feed (increasing).
    pub seq: i64,
    /// When the sync wrote it (UTC).
    pub synced_at: NaiveDateTime,
    /// The class.
    pub class: String,
    /// The row's identity: its key columns (gp: `GP_ID` and
    /// `NORAD_CAT_ID`; satcat: `NORAD_CAT_ID`; ...).
    pub key: Map<String, Json>,
    /// What happened.
    pub kind: ChangeKind,
    /// The columns that changed, each `[old, new]` (empty for a new row or
    /// a removal).
    pub columns: Map<String, Json>,
}

impl Mirror {
    /// The changes synced at or after `since` (UTC), oldest first.
    ///
    /// ```no_run
    /// # async fn demo(m: spacetrack_mirror::Mirror) -> spacetrack_mirror::Result<()> {
    /// use spacetrack_mirror::ChangeKind;
    /// let yesterday = chrono::Utc::now().naive_utc() - chrono::Duration::days(1);
    /// for c in m.changes(yesterday).await? {
    ///     if c.kind == ChangeKind::Decayed {
    ///         println!("{} decayed: {:?}", c.key["NORAD_CAT_ID"], c.columns);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn changes(&self, since: NaiveDateTime) -> Result<Vec<Change>> {
        self.changes_after(since, 0).await
    }

    /// The newest change's `seq` (0 when the feed is empty): a consumer
    /// remembers it and later asks for what came after
    /// ([`changes_after`](Self::changes_after)).
    pub async fn last_change(&self) -> Result<i64> {
        self.with(|b| b.last_change()).await
    }

    /// The changes synced at or after `since` and after `seq` (for a
    /// consumer that remembers where it is).
    pub async fn changes_after(&self, since: NaiveDateTime, seq: i64) -> Result<Vec<Change>> {
        let rows = self.with(move |b| b.changes(since, seq)).await?;
        rows.into_iter()
            .map(|(seq, synced_at, class, key, kind, columns)| {
                let bad = |what: &str| Error::Database(format!("_changes {seq}: {what}"));
                Ok(Change {
                    seq,
                    synced_at,
                    class,
                    key: serde_json::from_str(&key).map_err(|_| bad("key is not JSON"))?,
                    kind: ChangeKind::parse(&kind).ok_or_else(|| bad("unknown kind"))?,
                    columns: match columns {
                        Some(c) => serde_json::from_str(&c).map_err(|_| bad("columns"))?,
                        None => Map::new(),
                    },
                })
            })
            .collect()
    }
}

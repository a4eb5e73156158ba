//! The mirror's one error type.

/// Why a mirror operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Space-Track (or the client) failed; the mirror is as the last
    /// complete batch left it.
    #[error(transparent)]
    Api(#[from] spacetrack::Error),
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// The URL is not `sqlite:PATH`, a path, or `postgres://...`.
    #[error("unsupported mirror URL `{0}` (use sqlite:PATH or postgres://...)")]
    Url(String),
    /// The class is not one the mirror keeps.
    #[error("the mirror does not keep class `{0}` (it keeps {list})", list = crate::classes().join(", "))]
    UnknownClass(String),
    /// A value Space-Track sent does not fit its column's type. Nothing of
    /// that answer was written.
    #[error("{class}.{column}: `{value}` is not a valid {kind}")]
    Value {
        /// The class.
        class: String,
        /// The column.
        column: String,
        /// The value as sent.
        value: String,
        /// The column's kind.
        kind: String,
    },
    /// A bad argument (an empty history range...).
    #[error("{0}")]
    InvalidArgument(String),
    /// Writing an export failed.
    #[error("export: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking database task ended abnormally.
    #[error("database task failed: {0}")]
    Task(String),
    /// An answer that would have removed most of a class from the mirror
    /// (Space-Track never empties these classes; a proxy or a broken query
    /// could). Nothing was changed.
    #[error("{0}")]
    Suspicious(String),
    /// A column of the class's table changed type in a way the database
    /// cannot convert in place: the table must be rebuilt with
    /// `spacetrack mirror migrate` ([`crate::Mirror::migrate`]); until then
    /// the class is not synced.
    #[error(
        "{class}: the schemas changed a column's type ({change}), which this database cannot convert in place; run `spacetrack mirror migrate --class {class}` to rebuild the table from its rows"
    )]
    Migration {
        /// The class.
        class: String,
        /// The column and its change, `COLUMN: old -> new`.
        change: String,
    },
    /// Another sync holds the class.
    #[error("{0}")]
    Busy(String),
    /// Another sync took the class over (this one's lease ran out);
    /// nothing of the batch was written.
    #[error("{0}: another sync took the class over; nothing of this batch was written")]
    LeaseLost(String),
}

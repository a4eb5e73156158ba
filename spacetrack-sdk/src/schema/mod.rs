//! Runtime description of the generated classes.

mod cell;
pub(crate) mod unknown;

use serde::de::DeserializeOwned;

pub use cell::{Cell, IntoCell};
pub(crate) use unknown::UnknownColumns;

/// A (controller, class) pair known at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassInfo {
    /// `basicspacedata`, `expandedspacedata`, `fileshare` or `spephemeris`.
    pub controller: &'static str,
    /// The Space-Track class name, e.g. `gp`.
    pub class: &'static str,
    /// The generated record type, e.g. `Gp`.
    pub rust_name: &'static str,
    /// How sure the schema snapshot is (`high`, `low (names only...)`).
    pub confidence: &'static str,
    /// Columns in modeldef order.
    pub columns: &'static [ColumnInfo],
    /// The columns that identify a row, when the schema names them
    /// (`x-spacetrack.key`: our reading of the class, modeldef reports no
    /// keys); empty when unknown.
    pub key: &'static [&'static str],
}

/// One column of a [`ClassInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Space-Track column name, e.g. `NORAD_CAT_ID`.
    pub name: &'static str,
    /// MySQL type as modeldef reports it, e.g. `int(10) unsigned`.
    pub sql_type: &'static str,
    /// Whether the column may be null.
    pub nullable: bool,
    /// Whether the type is our inference rather than a published modeldef.
    pub inferred: bool,
    /// What a text column carries, when the schema declares it (the record
    /// field then has that type; the server still filters it as text).
    pub semantic: Option<Semantic>,
    /// What the column means, from Space-Track's documentation or the CCSDS
    /// standards.
    pub doc: Option<&'static str>,
    /// The column's unit, when it has one.
    pub unit: Option<&'static str>,
}

/// What a text column carries (see [`ColumnInfo::semantic`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Semantic {
    /// UTC datetimes written as text, e.g. `decay.DECAY_EPOCH`
    /// (`2026-11-26 0:29`).
    DateTime,
    /// Dates written as text, e.g. gp_history `LAUNCH_DATE` (`1998-11-20`).
    Date,
}

impl ClassInfo {
    /// Finds a column by name, ignoring ASCII case.
    pub fn column(&self, name: &str) -> Option<&'static ColumnInfo> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Finds a generated class by Space-Track name, searching controllers in
/// the reference client's order. `controller` narrows the search.
pub fn find_class(class: &str, controller: Option<&str>) -> Option<&'static ClassInfo> {
    crate::generated::CLASSES
        .iter()
        .copied()
        .find(|c| c.class == class && controller.is_none_or(|ctl| c.controller == ctl))
}

/// A generated record type.
pub trait Record: DeserializeOwned + serde::Serialize + Send + 'static {
    /// Its field enum.
    type Field: Field;
    /// Its class description.
    const CLASS: &'static ClassInfo;
    /// The columns the answer carried that the schema does not list, by name
    /// and value exactly as sent.
    fn unknown_columns(&self) -> &UnknownColumns;
    /// Gives the record's values one column at a time, typed, in the
    /// order of [`CLASS`](Self::CLASS)`.columns` (`cell(index, value)`),
    /// then returns its unknown columns: what a program that stores
    /// records takes from them, with no text written and parsed again.
    fn into_cells(self, cell: &mut dyn FnMut(usize, Cell)) -> UnknownColumns;
}

/// A generated field enum.
pub trait Field: Copy + Send + Sync + 'static {
    /// The Space-Track column name.
    fn name(self) -> &'static str;
    /// Looks a column up by name (exact, then ignoring ASCII case).
    fn from_name(name: &str) -> Option<Self>;
}

//! Runtime description of the generated classes.

use serde::de::DeserializeOwned;

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
}

/// A generated field enum.
pub trait Field: Copy + Send + Sync + 'static {
    /// The Space-Track column name.
    fn name(self) -> &'static str;
    /// Looks a column up by name (exact, then ignoring ASCII case).
    fn from_name(name: &str) -> Option<Self>;
}

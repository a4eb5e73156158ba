//! The mirrored classes' tables, generated from `schemas/` by the build
//! script (`spacetrack_codegen::sql::mirror_tables`).

/// How a column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number.
    Int,
    /// A floating-point number.
    Real,
    /// Text, as sent.
    Text,
    /// A calendar date (`YYYY-MM-DD` text in SQLite, `DATE` in PostgreSQL).
    Date,
    /// A UTC datetime (ISO text in SQLite, `TIMESTAMP` in PostgreSQL).
    DateTime,
    /// Bytes.
    Blob,
}

/// One column of a mirrored class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// The Space-Track column name.
    pub name: &'static str,
    /// How its values are stored.
    pub kind: ValueKind,
    /// Whether it may be null.
    pub nullable: bool,
}

/// One mirrored class: its table in both dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    /// The class, which is also the table's name.
    pub class: &'static str,
    /// Its controller.
    pub controller: &'static str,
    /// The primary key: the class's key columns, or `_key`.
    pub key: &'static [&'static str],
    /// The columns that identify a record (the schema's key, possibly
    /// empty): `_key` holds their values when one of them may be null.
    pub identity: &'static [&'static str],
    /// The schema's columns, in modeldef order.
    pub columns: &'static [ColumnDef],
    /// `CREATE TABLE IF NOT EXISTS` for SQLite.
    pub sqlite: &'static str,
    /// `CREATE TABLE IF NOT EXISTS` for PostgreSQL.
    pub postgres: &'static str,
}

impl TableDef {
    /// The position of a column.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Whether the table has the `_key` column instead of a schema key.
    pub fn synthetic_key(&self) -> bool {
        self.key == ["_key"]
    }
}

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

/// The definition of a mirrored class.
pub fn table(class: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.class == class)
}

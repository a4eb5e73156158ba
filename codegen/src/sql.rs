//! SQL tables for a local copy of Space-Track (issue 16's mirror).
//!
//! One table per class, named as the class, one column per schema column
//! with the SQL type that holds the value the Rust record holds (a decimal
//! column is an `f64` in Rust, so a double here), `NOT NULL` where the
//! schema says so, and the mirror's own columns:
//!
//! - `_unknown`: the columns Space-Track sent that the schema lacks, as a
//!   JSON object (never dropped; `NULL` when there were none);
//! - `_synced_at`: when the row was last written by a sync (UTC);
//! - `_removed_at`: when the row left Space-Track's answer (a decayed
//!   object's elements, a withdrawn message), `NULL` while it is current.
//!
//! The primary key is the class's `x-spacetrack.key` when it has one and
//! every key column is `NOT NULL`; otherwise a `_key` text column, which the
//! mirror fills with the record's identity: its key columns' values (NULL
//! included) when the class has a key, else the whole record.
//!
//! Only the key columns are `NOT NULL`: the mirror stores what Space-Track
//! sends, and a column it stops filling must not make every insert fail.
//!
//! Identifiers are double-quoted, so the upper-case column names are kept
//! as Space-Track spells them in both SQLite and PostgreSQL.

use std::fmt::Write;

use crate::mysql::SqlType;
use crate::schema::{ClassSchema, Semantic};

/// The database a table is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: dates and datetimes as ISO text (which sorts as time does),
    /// JSON as text.
    Sqlite,
    /// PostgreSQL: `DATE`, `TIMESTAMP` (UTC, no zone), `JSONB`.
    Postgres,
}

/// The primary key of a class's table: its key columns, or `_key`.
pub fn key_columns(class: &ClassSchema) -> Vec<String> {
    let usable = !class.key.is_empty()
        && class
            .key
            .iter()
            .all(|k| class.columns.iter().any(|c| &c.name == k && !c.nullable));
    if usable {
        class.key.clone()
    } else {
        vec!["_key".to_owned()]
    }
}

/// The SQL type of a column's values in `dialect`.
pub fn column_type(sql: &SqlType, semantic: Option<Semantic>, dialect: Dialect) -> &'static str {
    use Dialect::*;
    match (semantic, sql, dialect) {
        (Some(Semantic::DateTime), _, Sqlite) | (None, SqlType::DateTime { .. }, Sqlite) => "TEXT",
        (Some(Semantic::DateTime), _, Postgres) | (None, SqlType::DateTime { .. }, Postgres) => {
            "TIMESTAMP"
        }
        (Some(Semantic::Date), _, Sqlite) | (None, SqlType::Date, Sqlite) => "TEXT",
        (Some(Semantic::Date), _, Postgres) | (None, SqlType::Date, Postgres) => "DATE",
        (None, SqlType::Int { .. }, Sqlite) => "INTEGER",
        (None, SqlType::Int { bytes, unsigned }, Postgres) => match (bytes, unsigned) {
            (1, _) | (2, false) => "SMALLINT",
            (2, true) | (3, _) | (4, false) => "INTEGER",
            (4, true) | (8, false) => "BIGINT",
            _ => "NUMERIC(20)",
        },
        (None, SqlType::Real { .. }, Sqlite) => "REAL",
        (None, SqlType::Real { .. }, Postgres) => "DOUBLE PRECISION",
        (None, SqlType::Blob, Sqlite) => "BLOB",
        (None, SqlType::Blob, Postgres) => "BYTEA",
        (None, SqlType::Text { .. } | SqlType::Enum(_), _) => "TEXT",
    }
}

/// `CREATE TABLE IF NOT EXISTS` for `class` in `dialect`.
pub fn create_table(class: &ClassSchema, dialect: Dialect) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "CREATE TABLE IF NOT EXISTS {} (", quote(&class.class));
    let key = key_columns(class);
    for c in &class.columns {
        let not_null = if key.contains(&c.name) {
            " NOT NULL"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    {} {}{not_null},",
            quote(&c.name),
            column_type(&c.sql, c.semantic, dialect)
        );
    }
    let (json, time) = match dialect {
        Dialect::Sqlite => ("TEXT", "TEXT"),
        Dialect::Postgres => ("JSONB", "TIMESTAMP"),
    };
    if key == ["_key"] {
        let _ = writeln!(out, "    \"_key\" TEXT NOT NULL,");
    }
    let _ = writeln!(out, "    \"_unknown\" {json},");
    let _ = writeln!(out, "    \"_synced_at\" {time} NOT NULL,");
    let _ = writeln!(out, "    \"_removed_at\" {time},");
    let keys: Vec<String> = key.iter().map(|k| quote(k)).collect();
    let _ = writeln!(out, "    PRIMARY KEY ({})", keys.join(", "));
    out.push_str(");\n");
    out
}

/// How the mirror stores and reads a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number (`INTEGER`, `SMALLINT`, ...).
    Int,
    /// A floating-point number.
    Real,
    /// Text, kept as sent.
    Text,
    /// A calendar date.
    Date,
    /// A UTC datetime.
    DateTime,
    /// Bytes.
    Blob,
}

impl ValueKind {
    /// The variant's name, for emitted code.
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Int => "Int",
            ValueKind::Real => "Real",
            ValueKind::Text => "Text",
            ValueKind::Date => "Date",
            ValueKind::DateTime => "DateTime",
            ValueKind::Blob => "Blob",
        }
    }
}

/// The kind of a column's values (the same reading as [`column_type`]).
pub fn value_kind(sql: &SqlType, semantic: Option<Semantic>) -> ValueKind {
    match (semantic, sql) {
        (Some(Semantic::DateTime), _) | (None, SqlType::DateTime { .. }) => ValueKind::DateTime,
        (Some(Semantic::Date), _) | (None, SqlType::Date) => ValueKind::Date,
        (None, SqlType::Int { .. }) => ValueKind::Int,
        (None, SqlType::Real { .. }) => ValueKind::Real,
        (None, SqlType::Blob) => ValueKind::Blob,
        (None, SqlType::Text { .. } | SqlType::Enum(_)) => ValueKind::Text,
    }
}

/// Rust source of a `TABLES` array describing `classes` for the mirror:
/// per class its controller, key, columns (name, [`ValueKind`],
/// nullability) and `CREATE TABLE` in both dialects. It names `TableDef`,
/// `ColumnDef` and `ValueKind`, which the including module defines.
pub fn mirror_tables(classes: &[&ClassSchema]) -> String {
    use quote::quote;
    let tables = classes.iter().map(|c| {
        let class = &c.class;
        let controller = &c.controller;
        let key = key_columns(c);
        let identity = &c.key;
        let columns = c.columns.iter().map(|col| {
            let name = &col.name;
            let kind = quote::format_ident!("{}", value_kind(&col.sql, col.semantic).name());
            let nullable = col.nullable;
            quote!(ColumnDef { name: #name, kind: ValueKind::#kind, nullable: #nullable })
        });
        let sqlite = create_table(c, Dialect::Sqlite);
        let postgres = create_table(c, Dialect::Postgres);
        quote! {
            TableDef {
                class: #class,
                controller: #controller,
                key: &[#(#key),*],
                identity: &[#(#identity),*],
                columns: &[#(#columns),*],
                sqlite: #sqlite,
                postgres: #postgres,
            }
        }
    });
    let file = quote! {
        /// The mirrored classes, generated from `schemas/` by
        /// `spacetrack_codegen::sql::mirror_tables`.
        pub static TABLES: &[TableDef] = &[#(#tables),*];
    };
    match syn::parse2::<syn::File>(file) {
        Ok(f) => prettyplease::unparse(&f),
        Err(e) => format!("compile_error!({:?});", e.to_string()),
    }
}

/// A double-quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn class(name: &str) -> ClassSchema {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        crate::schema::load_dir(&dir)
            .unwrap()
            .into_iter()
            .find(|c| c.class == name)
            .unwrap()
    }

    #[test]
    fn gp_tables_in_both_dialects() {
        let gp = class("gp");
        insta::assert_snapshot!("gp_sqlite", create_table(&gp, Dialect::Sqlite));
        insta::assert_snapshot!("gp_postgres", create_table(&gp, Dialect::Postgres));
    }

    #[test]
    fn every_class_has_a_key_and_every_column() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        for c in crate::schema::load_dir(&dir).unwrap() {
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let ddl = create_table(&c, dialect);
                for col in &c.columns {
                    assert!(
                        ddl.contains(&format!("\"{}\" ", col.name)),
                        "{}.{}",
                        c.class,
                        col.name
                    );
                }
                assert!(ddl.contains("PRIMARY KEY ("), "{}", c.class);
            }
            // A usable key is NOT NULL in the table.
            for k in key_columns(&c).iter().filter(|k| *k != "_key") {
                let col = c.columns.iter().find(|x| &x.name == k).unwrap();
                assert!(!col.nullable, "{}.{k}", c.class);
            }
        }
    }

    #[test]
    fn mirror_table_definitions() {
        let site = class("launch_site");
        insta::assert_snapshot!("launch_site_mirror", mirror_tables(&[&site]));
    }

    #[test]
    fn identifiers_cannot_escape_their_quotes() {
        assert_eq!(quote(r#"A"B"#), r#""A""B""#);
    }
}

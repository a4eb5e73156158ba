//! Code generator for the `spacetrack` crate.
//!
//! It reads the modeldef snapshots in `schemas/` (one JSON file per
//! controller and class, in the exact shape of Space-Track's
//! `{controller}/modeldef/class/{class}` answer) and emits, per class, a typed
//! record struct, a field enum and the predicate methods of the query builder.
//!
//! The generator knows nothing about HTTP: the emitted code only refers to the
//! engine's `crate::de`, `crate::op`, `crate::query` and `crate::schema`
//! modules. The `spacetrack` crate's `build.rs` calls [`generate_dir`] and
//! writes the result to `OUT_DIR`; the `spacetrack-codegen` binary prints the
//! same source for review.

#![warn(missing_docs)]

pub mod emit;
pub mod mysql;
pub mod names;
pub mod schema;
pub mod sql;

use std::path::Path;

pub use schema::{ClassSchema, Column, SchemaError};

/// The generated source and what the generator had to work around.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source.
    pub source: String,
    /// Problems that did not stop generation, each naming the schema file
    /// and column (see [`ClassSchema::warnings`]).
    pub warnings: Vec<String>,
}

/// Loads every schema under `dir` and returns the formatted Rust source.
pub fn generate_dir(dir: &Path) -> Result<Generated, SchemaError> {
    let classes = schema::load_dir(dir)?;
    let source = emit::generate(&classes)?;
    Ok(Generated {
        source,
        warnings: classes.into_iter().flat_map(|c| c.warnings).collect(),
    })
}

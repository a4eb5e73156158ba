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

use std::path::Path;

pub use schema::{ClassSchema, Column, SchemaError};

/// Loads every schema under `dir` and returns the formatted Rust source.
pub fn generate_dir(dir: &Path) -> Result<String, SchemaError> {
    let classes = schema::load_dir(dir)?;
    emit::generate(&classes)
}

//! See `tests/added_column.rs`.

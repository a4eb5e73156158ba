//! Values bound to SQLite statements: one value, or a whole row.

use rusqlite::types::{ToSqlOutput, Value as Sql, ValueRef};

use crate::backend::Row;
use crate::tables::TableDef;
use crate::value::{Value, datetime_text, push_date_text, push_datetime_text};

/// Binds rows to a prepared insert, update or upsert, one parameter at a
/// time: its values, `_key` (tables without a schema key), `_unknown`,
/// the sync time, then `extra` (an update's key). Dates are written into
/// one buffer reused for every row (SQLite copies each text it is given),
/// not a string per value: gp_history binds three datetimes a row, hundreds
/// of thousands of rows a window.
pub(super) struct RowBinder<'a> {
    t: &'a TableDef,
    now: &'a str,
    text: String,
}

impl<'a> RowBinder<'a> {
    pub(super) fn new(t: &'a TableDef, now: &'a str) -> Self {
        RowBinder {
            t,
            now,
            text: String::with_capacity(32),
        }
    }

    pub(super) fn bind(
        &mut self,
        stmt: &mut rusqlite::Statement<'_>,
        row: &Row,
        extra: &[Value],
    ) -> rusqlite::Result<()> {
        let mut i = 0;
        for v in &row.values {
            i += 1;
            self.value(stmt, i, v)?;
        }
        if self.t.synthetic_key() {
            i += 1;
            stmt.raw_bind_parameter(i, row.key.as_deref())?;
        }
        stmt.raw_bind_parameter(i + 1, row.unknown.as_deref())?;
        stmt.raw_bind_parameter(i + 2, self.now)?;
        i += 2;
        for v in extra {
            i += 1;
            self.value(stmt, i, v)?;
        }
        // A parameter left unbound would be written as NULL.
        match stmt.parameter_count() {
            n if n == i => Ok(()),
            n => Err(rusqlite::Error::InvalidParameterCount(i, n)),
        }
    }

    fn value(
        &mut self,
        stmt: &mut rusqlite::Statement<'_>,
        i: usize,
        v: &Value,
    ) -> rusqlite::Result<()> {
        match v {
            Value::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null),
            Value::Int(n) => stmt.raw_bind_parameter(i, n),
            Value::Real(f) => stmt.raw_bind_parameter(i, f),
            Value::Text(s) => stmt.raw_bind_parameter(i, s.as_str()),
            Value::Date(d) => {
                self.text.clear();
                push_date_text(&mut self.text, d);
                stmt.raw_bind_parameter(i, self.text.as_str())
            }
            Value::DateTime(t) => {
                self.text.clear();
                push_datetime_text(&mut self.text, t);
                stmt.raw_bind_parameter(i, self.text.as_str())
            }
        }
    }
}

pub(super) fn bind(v: &Value) -> ToSqlOutput<'_> {
    match v {
        Value::Null => ToSqlOutput::Owned(Sql::Null),
        Value::Int(n) => ToSqlOutput::Owned(Sql::Integer(*n)),
        Value::Real(f) => ToSqlOutput::Owned(Sql::Real(*f)),
        Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Date(d) => ToSqlOutput::Owned(Sql::Text(crate::value::date_text(d))),
        Value::DateTime(t) => ToSqlOutput::Owned(Sql::Text(datetime_text(t))),
    }
}

pub(super) fn bind_opt(v: Option<&str>) -> ToSqlOutput<'_> {
    match v {
        Some(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        None => ToSqlOutput::Owned(Sql::Null),
    }
}

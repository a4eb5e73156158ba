//! Answers decoded into the generated records (strictly, as the client
//! decodes them, unknown columns included), then turned into table rows
//! from the records' typed values ([`spacetrack::Record::into_cells`]): no
//! JSON tree, and no value written as text to be parsed again (a datetime
//! goes from the record to the row as a datetime).

use serde_json::{Map, Value as Json};
use spacetrack::{Cell, Record};

use crate::backend::Row;
use crate::row::synthetic_key;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, parse_date, parse_datetime};
use crate::{Error, Result};

/// Where each column of `R` goes in `t` (`None`: the table has no such
/// column, and the value is kept with the unknown columns).
pub(crate) fn columns_of<R: Record>(t: &TableDef) -> Vec<Option<usize>> {
    R::CLASS
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            // Both come from the same schemas, in the same order: the
            // position is checked first, then looked up by name.
            if t.columns.get(i).is_some_and(|d| d.name == c.name) {
                Some(i)
            } else {
                t.position(c.name)
            }
        })
        .collect()
}

/// The row of a generated record of `t`'s class; `columns` is
/// [`columns_of`] for the record's type.
pub(crate) fn row_of<R: Record>(
    t: &'static TableDef,
    columns: &[Option<usize>],
    record: R,
) -> Result<Row> {
    let mut values = vec![Value::Null; t.columns.len()];
    let mut unplaced: Vec<(&'static str, Cell)> = Vec::new();
    let mut failed: Option<Error> = None;
    let extra = record.into_cells(&mut |i, cell| {
        if failed.is_some() {
            return;
        }
        match columns.get(i).copied().flatten() {
            Some(at) => {
                let kind = t.columns[at].kind;
                match value_of(kind, cell) {
                    Ok(v) => values[at] = v,
                    Err(text) => {
                        failed = Some(Error::Value {
                            class: t.class.to_owned(),
                            column: t.columns[at].name.to_owned(),
                            value: text,
                            kind: format!("{kind:?}").to_lowercase(),
                        })
                    }
                }
            }
            None => unplaced.push((R::CLASS.columns[i].name, cell)),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let mut unknown = Map::new();
    for (name, cell) in unplaced {
        unknown.insert(name.to_owned(), cell_json(cell));
    }
    unknown.extend(extra);
    let key = synthetic_key(t, &values, &unknown);
    Ok(Row {
        values,
        unknown: (!unknown.is_empty()).then(|| Json::Object(unknown).to_string()),
        key,
    })
}

/// A column the table lacks, kept as the record would serialise it.
fn cell_json(cell: Cell) -> Json {
    match cell {
        Cell::Null => Json::Null,
        Cell::Int(n) => Json::from(n),
        Cell::UInt(n) => Json::from(n),
        Cell::Real(x) => serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number),
        Cell::Bool(b) => Json::Bool(b),
        Cell::Text(s) => Json::String(s),
        other => Json::String(other.to_string()),
    }
}

/// One known column's value as its column stores it; `Err` carries the
/// value as text when it does not fit. A value of the column's own kind
/// is taken as it is; one of another (a schema regenerated for one crate
/// and not the other) goes through its text, as Space-Track would send it.
fn value_of(kind: ValueKind, cell: Cell) -> std::result::Result<Value, String> {
    use ValueKind as K;
    Ok(match (cell, kind) {
        (Cell::Null, _) => Value::Null,
        (Cell::Text(s), K::Text | K::Blob) => Value::Text(s),
        (Cell::Int(n), K::Int) => Value::Int(n),
        (Cell::Int(n), K::Real) => Value::Real(n as f64),
        (Cell::UInt(n), K::Real) => Value::Real(n as f64),
        (Cell::Real(x), K::Real) => Value::Real(x),
        (Cell::Real(x), K::Int) if x.fract() == 0.0 => Value::Int(x as i64),
        (Cell::Date(d), K::Date) => Value::Date(d),
        (Cell::DateTime(t), K::DateTime) => Value::DateTime(t.naive_utc()),
        (Cell::Int(n), K::Date | K::DateTime) => return Err(n.to_string()),
        (Cell::Text(s), kind) => return text(kind, &s),
        (other, kind) => return text(kind, &other.to_string()),
    })
}

/// A value written as text, read as `kind` stores it.
fn text(kind: ValueKind, s: &str) -> std::result::Result<Value, String> {
    let bad = || s.to_owned();
    Ok(match kind {
        ValueKind::Text | ValueKind::Blob => Value::Text(s.to_owned()),
        ValueKind::Int => Value::Int(s.trim().parse().map_err(|_| bad())?),
        ValueKind::Real => Value::Real(s.trim().parse().map_err(|_| bad())?),
        ValueKind::Date => Value::Date(parse_date(s).ok_or_else(bad)?),
        ValueKind::DateTime => Value::DateTime(parse_datetime(s).ok_or_else(bad)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn values_of_their_own_kind_are_taken_as_they_are() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        assert_eq!(
            value_of(ValueKind::DateTime, Cell::DateTime(t)),
            Ok(Value::DateTime(t.naive_utc()))
        );
        assert_eq!(
            value_of(ValueKind::Real, Cell::Int(3)),
            Ok(Value::Real(3.0))
        );
        assert_eq!(value_of(ValueKind::Int, Cell::Real(3.0)), Ok(Value::Int(3)));
        assert_eq!(value_of(ValueKind::Int, Cell::Null), Ok(Value::Null));
    }

    #[test]
    fn values_of_another_kind_go_through_their_text() {
        let d = NaiveDate::from_ymd_opt(1998, 11, 20).unwrap();
        assert_eq!(
            value_of(ValueKind::Text, Cell::Date(d)),
            Ok(Value::Text("1998-11-20".into()))
        );
        assert_eq!(
            value_of(ValueKind::DateTime, Cell::Date(d)),
            Ok(Value::DateTime(d.and_hms_opt(0, 0, 0).unwrap()))
        );
        assert_eq!(
            value_of(ValueKind::Text, Cell::Int(7)),
            Ok(Value::Text("7".into()))
        );
        assert_eq!(
            value_of(ValueKind::Text, Cell::Bool(true)),
            Ok(Value::Text("true".into()))
        );
        assert_eq!(
            value_of(ValueKind::Int, Cell::Text("12a".into())),
            Err("12a".into())
        );
        assert_eq!(value_of(ValueKind::Int, Cell::Real(0.5)), Err("0.5".into()));
        assert_eq!(value_of(ValueKind::Date, Cell::Int(5)), Err("5".into()));
    }

    #[test]
    fn a_record_becomes_its_row_unknown_columns_kept() {
        let t = crate::tables::table("decay").unwrap();
        let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NUMBER":"25544","OBJECT_NAME":"ISS (ZARYA)","INTLDES":"1998-067A","OBJECT_ID":"1998-067A","RCS":"0","RCS_SIZE":null,"COUNTRY":"ISS","MSG_EPOCH":"2026-11-24 12:00:00","DECAY_EPOCH":"2030-01-01 0:29","SOURCE":"60day","MSG_TYPE":"Prediction","PRECEDENCE":"2","ORBIT_X":"7"}]"#;
        let recs: Vec<spacetrack::Decay> = spacetrack::de::from_json_slice(body).unwrap();
        let cols = columns_of::<spacetrack::Decay>(t);
        let row = row_of(t, &cols, recs.into_iter().next().unwrap()).unwrap();
        let at = |c| &row.values[t.position(c).unwrap()];
        assert_eq!(at("NORAD_CAT_ID"), &Value::Int(25544));
        assert_eq!(at("OBJECT_NAME"), &Value::Text("ISS (ZARYA)".into()));
        assert_eq!(
            at("DECAY_EPOCH"),
            &Value::DateTime(
                NaiveDate::from_ymd_opt(2030, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 29, 0)
                    .unwrap()
            )
        );
        assert_eq!(at("RCS_SIZE"), &Value::Null);
        assert_eq!(row.unknown.as_deref(), Some(r#"{"ORBIT_X":"7"}"#));
    }
}

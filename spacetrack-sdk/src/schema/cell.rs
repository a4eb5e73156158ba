//! A record's values one column at a time, typed: what a program that
//! stores records (a database, a column file) takes from them without
//! serialising each to text and parsing it back.

use chrono::{DateTime, NaiveDate, Utc};

/// One column's value of a record, as its field holds it. Given by
/// [`Record::into_cells`](crate::Record::into_cells) in the class's column
/// order. Its `Display` writes the value as the record's `Serialize` does:
/// numbers in their shortest form, dates `YYYY-MM-DD`, datetimes
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]`, `null` as nothing.
///
/// ```
/// use spacetrack::{Cell, Record};
/// # fn main() -> spacetrack::Result<()> {
/// let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NUMBER":"25544","OBJECT_NAME":"ISS (ZARYA)","INTLDES":"1998-067A","OBJECT_ID":"1998-067A","RCS":"0","RCS_SIZE":null,"COUNTRY":"ISS","MSG_EPOCH":"2026-11-24 12:00:00","DECAY_EPOCH":"2030-01-01 0:29","SOURCE":"60day","MSG_TYPE":"Prediction","PRECEDENCE":"2","ORBIT_X":"7"}]"#;
/// let rows: Vec<spacetrack::Decay> = spacetrack::de::from_json_slice(body)?;
/// let mut cells = Vec::new();
/// let extra = rows[0].clone().into_cells(&mut |i, cell| {
///     cells.push((spacetrack::Decay::CLASS.columns[i].name, cell))
/// });
/// assert!(cells.contains(&("NORAD_CAT_ID", Cell::Int(25544))));
/// assert!(cells.contains(&("OBJECT_NAME", Cell::Text("ISS (ZARYA)".into()))));
/// assert!(cells.contains(&("RCS_SIZE", Cell::Null)));
/// let decay = "2030-01-01T00:29:00Z".parse().unwrap();
/// assert!(cells.contains(&("DECAY_EPOCH", Cell::DateTime(decay))));
/// assert_eq!(extra.get_str("ORBIT_X"), Some("7"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cell {
    /// No value (`null`).
    Null,
    /// A signed whole number.
    Int(i64),
    /// An unsigned whole number too large for [`Cell::Int`].
    UInt(u64),
    /// A floating-point number.
    Real(f64),
    /// A boolean.
    Bool(bool),
    /// Text (an enum column's value as Space-Track writes it).
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// A UTC datetime.
    DateTime(DateTime<Utc>),
}

/// A record field's type, as a [`Cell`]. Implemented for every type a
/// generated field has (and the generated enums).
pub trait IntoCell {
    /// The value as a cell.
    fn into_cell(self) -> Cell;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl IntoCell for $t {
            fn into_cell(self) -> Cell {
                Cell::Int(i64::from(self))
            }
        }
    )*};
}
signed!(i8, i16, i32, i64, u8, u16, u32);

impl IntoCell for u64 {
    fn into_cell(self) -> Cell {
        match i64::try_from(self) {
            Ok(n) => Cell::Int(n),
            Err(_) => Cell::UInt(self),
        }
    }
}

impl IntoCell for f64 {
    fn into_cell(self) -> Cell {
        Cell::Real(self)
    }
}

impl IntoCell for bool {
    fn into_cell(self) -> Cell {
        Cell::Bool(self)
    }
}

impl IntoCell for String {
    fn into_cell(self) -> Cell {
        Cell::Text(self)
    }
}

impl IntoCell for Vec<u8> {
    fn into_cell(self) -> Cell {
        Cell::Text(match String::from_utf8(self) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
}

impl IntoCell for NaiveDate {
    fn into_cell(self) -> Cell {
        Cell::Date(self)
    }
}

impl IntoCell for DateTime<Utc> {
    fn into_cell(self) -> Cell {
        Cell::DateTime(self)
    }
}

impl<T: IntoCell> IntoCell for Option<T> {
    fn into_cell(self) -> Cell {
        match self {
            Some(v) => v.into_cell(),
            None => Cell::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_write_what_serialize_writes() {
        let t = "2026-11-24T12:00:00.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap();
        assert_eq!(t.into_cell().to_string(), "2026-11-24T12:00:00.123456");
        let d = NaiveDate::from_ymd_opt(1998, 11, 20).unwrap();
        assert_eq!(d.into_cell().to_string(), "1998-11-20");
        assert_eq!(u64::MAX.into_cell(), Cell::UInt(u64::MAX));
        assert_eq!(7u64.into_cell(), Cell::Int(7));
        assert_eq!(None::<f64>.into_cell(), Cell::Null);
        assert_eq!(0.5f64.into_cell().to_string(), "0.5");
    }
}

//! Typed getters on [`UnknownColumns`]: the value of a column the schema
//! does not list, decoded with the same lenient rules as a known column
//! ([`FromWire`]). They live here, beside the decoding, so that `schema`
//! does not depend on `de`.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::context::shown;
use super::value::FromWire;
use crate::error::{DecodeError, Error, Result};
use crate::schema::UnknownColumns;

/// The typed getters decode the value exactly as a generated record decodes
/// a nullable column of that type: numbers sent as strings (`"0.0123"`) or
/// as JSON numbers, datetimes with a `T` or a space and any fraction, an
/// empty string as null (but for text).
///
/// Each returns `Result<Option<T>>`, so that `?` leaves the value:
/// `Ok(None)` when the record has no such column, or its value is null;
/// `Ok(Some(v))` when it decodes; [`Error::Decode`] (naming the column and
/// the value) when it is present but not a `T`. A missing column and a
/// null one are both `None`: ask [`get`](UnknownColumns::get) to tell them
/// apart.
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A Space-Track that sends two gp columns this build does not know.
/// let sim = spacetrack_sim::Simulator::builder()
///     .objects(500)
///     .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
///     .extra_column("basicspacedata", "gp", "LAST_SEEN", "datetime")
///     .start()
///     .await?;
/// let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
///     .identity(sim.identity()).password(sim.password()).build()?;
/// let iss = st.gp().norad_cat_id(25544).first().await?.expect("the ISS");
/// let extra = iss.unknown_columns();
/// let risk: Option<f64> = extra.get_f64("REENTRY_RISK")?;
/// assert!(risk.is_some()); // sent as a string such as "0.0123", decoded
/// let seen: Option<chrono::DateTime<chrono::Utc>> = extra.get_datetime("LAST_SEEN")?;
/// assert!(seen.is_some());
/// // Any type the records use, by name:
/// assert_eq!(extra.get_as::<f64>("REENTRY_RISK")?, risk);
/// // Absent: None, not an error.
/// assert_eq!(extra.get_f64("NO_SUCH_COLUMN")?, None);
/// // Present but not a number: an error naming the column.
/// let e = extra.get_i64("LAST_SEEN").unwrap_err();
/// assert_eq!(e.as_decode().and_then(|d| d.field.as_deref()), Some("LAST_SEEN"));
/// # Ok(()) }
/// ```
impl UnknownColumns {
    /// The value of an unknown column decoded as `T` (any type a record
    /// field has: integers, `f64`, `String`, `bool`, `NaiveDate`,
    /// `DateTime<Utc>`): `Ok(None)` when absent or null, an
    /// [`Error::Decode`] when it is not a `T`.
    pub fn get_as<T: FromWire>(&self, name: &str) -> Result<Option<T>> {
        let Some((column, value)) = self.entry(name) else {
            return Ok(None);
        };
        decode::<Option<T>>(value).map_err(|message| {
            let value = match value {
                Value::String(s) => shown(s),
                other => shown(&other.to_string()),
            };
            Error::Decode(Box::new(DecodeError {
                class: "unknown columns".into(),
                record: None,
                field: Some(column.to_owned()),
                message: format!("column `{column}`: invalid value {value:?}: {message}"),
                value: Some(value),
            }))
        })
    }

    /// [`get_as::<f64>`](Self::get_as): a decimal column (`"0.0123"`, `1e-3`, `7`).
    pub fn get_f64(&self, name: &str) -> Result<Option<f64>> {
        self.get_as(name)
    }

    /// [`get_as::<i64>`](Self::get_as): an integer column (`"25544"`, `25544`).
    pub fn get_i64(&self, name: &str) -> Result<Option<i64>> {
        self.get_as(name)
    }

    /// [`get_as::<DateTime<Utc>>`](Self::get_as): a datetime in any form
    /// Space-Track writes (`2026-08-07T00:30:49.879296`, `2026-11-26 0:29`,
    /// a date alone as its midnight), UTC.
    pub fn get_datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        self.get_as(name)
    }

    /// [`get_as::<NaiveDate>`](Self::get_as): a date (`YYYY-MM-DD`).
    pub fn get_date(&self, name: &str) -> Result<Option<NaiveDate>> {
        self.get_as(name)
    }

    /// The column's name as sent and its value (exact name first, then
    /// ignoring ASCII case, as [`get`](Self::get)).
    fn entry(&self, name: &str) -> Option<(&str, &Value)> {
        self.iter()
            .find(|(n, _)| *n == name)
            .or_else(|| self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
    }
}

/// A JSON value read as a column of type `T` is read from the wire.
fn decode<T: FromWire>(value: &Value) -> std::result::Result<T, String> {
    match value {
        Value::Null => T::from_wire_null(),
        Value::String(s) => T::from_wire_str(s),
        Value::Bool(b) => T::from_wire_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => T::from_wire_u64(u),
            (None, Some(i), _) => T::from_wire_i64(i),
            (None, None, Some(f)) => T::from_wire_f64(f),
            _ => Err(format!("got the number {n}, expected {}", T::EXPECTING)),
        },
        Value::Array(_) => Err(format!("got an array, expected {}", T::EXPECTING)),
        Value::Object(_) => Err(format!("got an object, expected {}", T::EXPECTING)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(pairs: &[(&str, Value)]) -> UnknownColumns {
        UnknownColumns(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn getters_decode_as_known_columns_do() {
        let c = columns(&[
            ("RISK", Value::from("0.0125")),
            ("COUNT", Value::from("42")),
            ("NUMBER", Value::from(7)),
            ("EPOCH", Value::from("2026-11-26 0:29")),
            ("DAY", Value::from("2026-11-26")),
            ("NOTHING", Value::Null),
            ("BLANK", Value::from("")),
            ("NAME", Value::from("ISS (ZARYA)")),
        ]);
        assert_eq!(c.get_f64("RISK").unwrap(), Some(0.0125));
        assert_eq!(c.get_f64("risk").unwrap(), Some(0.0125));
        assert_eq!(c.get_i64("COUNT").unwrap(), Some(42));
        assert_eq!(c.get_f64("NUMBER").unwrap(), Some(7.0));
        assert_eq!(
            c.get_datetime("EPOCH").unwrap().map(|d| d.to_rfc3339()),
            Some("2026-11-26T00:29:00+00:00".into())
        );
        assert_eq!(
            c.get_date("DAY").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(c.get_f64("NOTHING").unwrap(), None);
        assert_eq!(c.get_f64("BLANK").unwrap(), None);
        assert_eq!(c.get_as::<String>("BLANK").unwrap(), Some(String::new()));
        assert_eq!(c.get_f64("ABSENT").unwrap(), None);
        assert_eq!(
            c.get_as::<String>("NAME").unwrap().as_deref(),
            Some("ISS (ZARYA)")
        );

        let e = c.get_i64("RISK").unwrap_err();
        let d = e.as_decode().expect("a decode error");
        assert_eq!(d.field.as_deref(), Some("RISK"));
        assert_eq!(d.value.as_deref(), Some("0.0125"));
        assert!(e.to_string().contains("RISK"), "{e}");
        assert!(c.get_f64("NAME").is_err());
        assert!(c.get_date("EPOCH").is_err());
        assert!(c.get_as::<u8>("COUNT").is_ok());
        assert!(c.get_as::<u8>("NUMBER").is_ok());
    }
}

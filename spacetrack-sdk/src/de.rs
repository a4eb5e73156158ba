//! Decoding of Space-Track values and responses.
//!
//! Space-Track sends every value of a JSON answer as a string (`"25544"`,
//! `"0.0001234"`, `"2024-01-01T12:00:00.123456"`), nulls as `null`, and
//! datetimes with a `T` or a space, with or without fractions. [`FromWire`]
//! accepts all of these forms *and* native JSON numbers, and rejects
//! everything else with an error naming the column and the value.
//!
//! The record deserialisers are generated (see `spacetrack-codegen`) and use
//! the helpers here; this module is our core, so it is hand-written rather
//! than built on `serde_with`-style adapters: a column-indexed key match and
//! a borrowed string per value keep decoding free of per-value allocation.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::{DecodeError, Error};

pub use crate::stream::{MAX_RECORD_BYTES, RecordReader, read_records};

/// A type that can be read from a Space-Track JSON value.
pub trait FromWire: Sized {
    /// What a valid value looks like, for error messages.
    const EXPECTING: &'static str;
    /// Whether an empty string means null for `Option<Self>`.
    const EMPTY_IS_NULL: bool = true;
    /// Parses the string form.
    fn from_wire_str(s: &str) -> Result<Self, String>;
    /// Converts a JSON integer.
    fn from_wire_i64(v: i64) -> Result<Self, String> {
        Self::from_wire_str(&v.to_string())
    }
    /// Converts a JSON unsigned integer.
    fn from_wire_u64(v: u64) -> Result<Self, String> {
        Self::from_wire_str(&v.to_string())
    }
    /// Converts a JSON float.
    fn from_wire_f64(v: f64) -> Result<Self, String> {
        Err(format!("got the number {v}, expected {}", Self::EXPECTING))
    }
    /// Converts a JSON `null`.
    fn from_wire_null() -> Result<Self, String> {
        Err("got null for a column that is NOT NULL".into())
    }
    /// The value of a column absent from the object (for example when
    /// `predicates` selected other columns), if absence is acceptable.
    fn missing() -> Option<Self> {
        None
    }
}

/// A type that can be written the way Space-Track reads it in a URL, and
/// serialised the way our records serialise.
pub trait ToWire {
    /// Appends the URL form (before percent-encoding).
    fn to_wire(&self, out: &mut String) -> Result<(), String>;
    /// Serialises the value (numbers as numbers, datetimes as text).
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

macro_rules! int_wire {
    ($($t:ty),*) => {$(
        impl FromWire for $t {
            const EXPECTING: &'static str = concat!("an integer in the range of ", stringify!($t));
            fn from_wire_str(s: &str) -> Result<Self, String> {
                s.parse::<$t>().map_err(|_| format!("expected {}", Self::EXPECTING))
            }
            fn from_wire_i64(v: i64) -> Result<Self, String> {
                <$t>::try_from(v).map_err(|_| format!("expected {}", Self::EXPECTING))
            }
            fn from_wire_u64(v: u64) -> Result<Self, String> {
                <$t>::try_from(v).map_err(|_| format!("expected {}", Self::EXPECTING))
            }
            fn from_wire_f64(v: f64) -> Result<Self, String> {
                if v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64 {
                    Ok(v as $t)
                } else {
                    Err(format!("expected {}", Self::EXPECTING))
                }
            }
        }
        impl ToWire for $t {
            fn to_wire(&self, out: &mut String) -> Result<(), String> {
                use std::fmt::Write;
                let _ = write!(out, "{self}");
                Ok(())
            }
            fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(self, s)
            }
        }
    )*};
}
int_wire!(u8, i8, u16, i16, u32, i32, u64, i64);

impl FromWire for f64 {
    const EXPECTING: &'static str = "a finite decimal number";
    fn from_wire_str(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
        match s.parse::<f64>() {
            Ok(v) if ok && v.is_finite() => Ok(v),
            _ => Err(format!("expected {}", Self::EXPECTING)),
        }
    }
    fn from_wire_i64(v: i64) -> Result<Self, String> {
        Ok(v as f64)
    }
    fn from_wire_u64(v: u64) -> Result<Self, String> {
        Ok(v as f64)
    }
    fn from_wire_f64(v: f64) -> Result<Self, String> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!("expected {}", Self::EXPECTING))
        }
    }
}

impl ToWire for f64 {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        if !self.is_finite() {
            return Err(format!("{self} is not a finite number"));
        }
        // `Display` for f64 never uses exponent notation, which Space-Track
        // would not understand, and is the shortest exact representation.
        use std::fmt::Write;
        let _ = write!(out, "{self}");
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(*self)
    }
}

impl FromWire for String {
    const EXPECTING: &'static str = "a string";
    const EMPTY_IS_NULL: bool = false;
    fn from_wire_str(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
    fn from_wire_f64(v: f64) -> Result<Self, String> {
        Ok(v.to_string())
    }
}

impl ToWire for String {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        out.push_str(self);
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl ToWire for &str {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        out.push_str(self);
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl FromWire for Vec<u8> {
    const EXPECTING: &'static str = "a string";
    const EMPTY_IS_NULL: bool = false;
    fn from_wire_str(s: &str) -> Result<Self, String> {
        Ok(s.as_bytes().to_vec())
    }
}

impl ToWire for Vec<u8> {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        out.push_str(&String::from_utf8_lossy(self));
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(self))
    }
}

impl FromWire for bool {
    const EXPECTING: &'static str = "true or false";
    fn from_wire_str(s: &str) -> Result<Self, String> {
        match s {
            "true" | "1" | "Y" => Ok(true),
            "false" | "0" | "N" => Ok(false),
            _ => Err(format!("expected {}", Self::EXPECTING)),
        }
    }
}

impl ToWire for bool {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*self)
    }
}

impl FromWire for NaiveDate {
    const EXPECTING: &'static str = "a date YYYY-MM-DD";
    fn from_wire_str(s: &str) -> Result<Self, String> {
        parse_date(s.as_bytes()).ok_or_else(|| format!("expected {}", Self::EXPECTING))
    }
}

impl ToWire for NaiveDate {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        write_date(out, self);
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(10);
        write_date(&mut text, self);
        s.serialize_str(&text)
    }
}

impl FromWire for DateTime<Utc> {
    const EXPECTING: &'static str =
        "a UTC datetime YYYY-MM-DD[ T]HH:MM:SS[.fraction] (a date alone means midnight)";
    fn from_wire_str(s: &str) -> Result<Self, String> {
        parse_datetime(s.as_bytes())
            .map(|n| n.and_utc())
            .ok_or_else(|| format!("expected {}", Self::EXPECTING))
    }
}

impl ToWire for DateTime<Utc> {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        write_datetime(out, &self.naive_utc(), ' ');
        Ok(())
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(26);
        write_datetime(&mut text, &self.naive_utc(), 'T');
        s.serialize_str(&text)
    }
}

/// Writes `YYYY-MM-DD HH:MM:SS[.ffffff]` (fraction only when non-zero),
/// the form the reference client sends and Space-Track stores.
pub(crate) fn write_datetime(out: &mut String, dt: &NaiveDateTime, sep: char) {
    use chrono::{Datelike, Timelike};
    let micros = dt.and_utc().timestamp_subsec_micros();
    if dt.nanosecond() >= 1_000_000_000 || !(0..=9999).contains(&dt.year()) {
        // A leap second, or a year of more than four digits: as chrono
        // writes them.
        use std::fmt::Write;
        let _ = write!(
            out,
            "{}{sep}{}",
            dt.format("%Y-%m-%d"),
            dt.format("%H:%M:%S")
        );
        if micros != 0 {
            let _ = write!(out, ".{micros:06}");
        }
        return;
    }
    write_date(out, &dt.date());
    out.push(sep);
    push_digits(out, dt.hour(), 2);
    out.push(':');
    push_digits(out, dt.minute(), 2);
    out.push(':');
    push_digits(out, dt.second(), 2);
    if micros != 0 {
        out.push('.');
        push_digits(out, micros, 6);
    }
}

/// Writes `YYYY-MM-DD`. Written digit by digit: chrono's `format` costs
/// several times more, and the CLI writes two or three datetimes per
/// record.
pub(crate) fn write_date(out: &mut String, d: &NaiveDate) {
    use chrono::Datelike;
    match u32::try_from(d.year()) {
        Ok(year) if year <= 9999 => {
            push_digits(out, year, 4);
            out.push('-');
            push_digits(out, d.month(), 2);
            out.push('-');
            push_digits(out, d.day(), 2);
        }
        // Years chrono writes with a sign or more digits.
        _ => {
            use std::fmt::Write;
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
    }
}

/// Appends `v` zero-padded to `width` digits (`v` has at most `width`).
fn push_digits(out: &mut String, v: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + (v / div % 10) as u8));
        div /= 10;
    }
}

impl<T: FromWire> FromWire for Option<T> {
    const EXPECTING: &'static str = T::EXPECTING;
    const EMPTY_IS_NULL: bool = T::EMPTY_IS_NULL;
    fn from_wire_str(s: &str) -> Result<Self, String> {
        if s.is_empty() && T::EMPTY_IS_NULL {
            return Ok(None);
        }
        T::from_wire_str(s).map(Some)
    }
    fn from_wire_i64(v: i64) -> Result<Self, String> {
        T::from_wire_i64(v).map(Some)
    }
    fn from_wire_u64(v: u64) -> Result<Self, String> {
        T::from_wire_u64(v).map(Some)
    }
    fn from_wire_f64(v: f64) -> Result<Self, String> {
        T::from_wire_f64(v).map(Some)
    }
    fn from_wire_null() -> Result<Self, String> {
        Ok(None)
    }
    fn missing() -> Option<Self> {
        Some(None)
    }
}

impl<T: ToWire> ToWire for Option<T> {
    fn to_wire(&self, out: &mut String) -> Result<(), String> {
        match self {
            Some(v) => v.to_wire(out),
            None => {
                out.push_str("null-val");
                Ok(())
            }
        }
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => v.serialize_wire(s),
            None => s.serialize_none(),
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// `YYYY-MM-DD`.
fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// `YYYY-MM-DD`, optionally followed by `[ T]H[H]:MM[:SS[.f{1,9}]][Z|+00:00]`.
/// Space-Track writes a one-digit hour and no seconds in a few classes
/// (`decay.DECAY_EPOCH`: `2026-11-26 0:29`).
pub(crate) fn parse_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 10 {
        return None;
    }
    let date = parse_date(&b[..10])?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    if rest[0] != b' ' && rest[0] != b'T' {
        return None;
    }
    let mut t = &rest[1..];
    // Strip a UTC designator.
    if let Some(stripped) = t.strip_suffix(b"Z") {
        t = stripped;
    } else if let Some(stripped) = t.strip_suffix(b"+00:00") {
        t = stripped;
    }
    let colon = t.iter().position(|&c| c == b':')?;
    if colon == 0 || colon > 2 {
        return None;
    }
    let hour = digits(&t[..colon])?;
    let t = &t[colon + 1..];
    if t.len() != 2 && (t.len() < 5 || t[2] != b':') {
        return None;
    }
    let minute = digits(&t[0..2])?;
    // `2026-11-26 0:29` (decay): no seconds.
    if t.len() == 2 {
        return Some(date.and_time(NaiveTime::from_hms_opt(hour, minute, 0)?));
    }
    let second = digits(&t[3..5])?;
    let frac = &t[5..];
    let nanos = if frac.is_empty() {
        0
    } else {
        if frac[0] != b'.' || frac.len() > 10 {
            return None;
        }
        let f = &frac[1..];
        if f.is_empty() {
            0
        } else {
            digits(f)? * 10u32.pow(9 - f.len() as u32)
        }
    };
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time))
}

// ---------------------------------------------------------------------------
// Decode context: which record, column and value an error is about.

#[derive(Default)]
struct Context {
    field: Option<&'static str>,
    value: Option<String>,
    record: Option<usize>,
}

thread_local! {
    static CONTEXT: RefCell<Context> = RefCell::new(Context::default());
}

fn reset_context() {
    CONTEXT.with(|c| *c.borrow_mut() = Context::default());
}

const MAX_VALUE_IN_ERROR: usize = 120;

fn shown(value: &str) -> String {
    if value.len() <= MAX_VALUE_IN_ERROR {
        value.to_owned()
    } else {
        let mut end = MAX_VALUE_IN_ERROR;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &value[..end], value.len())
    }
}

fn field_error<E: de::Error>(field: &'static str, value: Option<&str>, message: String) -> E {
    let value = value.map(shown);
    let text = match &value {
        Some(v) => format!("column `{field}`: invalid value {v:?}: {message}"),
        None => format!("column `{field}`: {message}"),
    };
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        c.field = Some(field);
        c.value = value;
    });
    E::custom(text)
}

// ---------------------------------------------------------------------------
// Helpers used by the generated deserialisers.

/// A record's key: a column of the schema (by index), or one it does not
/// list (by name; the only key that allocates).
#[doc(hidden)]
pub enum Key {
    Known(u16),
    Unknown(String),
}

/// Maps an object key to a column index without allocating.
#[doc(hidden)]
pub struct KeySeed(pub fn(&str) -> Option<u16>);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(i) = (self.0)(v) {
            return Ok(Key::Known(i));
        }
        // Some classes' key case is not known for sure (organization,
        // folder, file_history): an all-upper or all-lower spelling of a
        // schema column is that column. Only keys that miss pay for this.
        let upper = v.to_ascii_uppercase();
        let known = (self.0)(&upper).or_else(|| (self.0)(&v.to_ascii_lowercase()));
        Ok(match known {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v.to_owned()),
        })
    }
}

/// The columns of a record that its schema does not list, in the order the
/// answer sent them, with their values exactly as sent (Space-Track sends
/// strings and nulls). Every generated record has them
/// ([`Record::unknown_columns`](crate::schema::Record::unknown_columns)), and
/// serialises them back after its typed fields, so decoding and encoding
/// loses nothing.
///
/// ```
/// let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)","REENTRY_RISK":"0.01"}]"#;
/// let rows: Vec<spacetrack::Satellite> = spacetrack::de::from_json_slice(body).unwrap();
/// let extra = rows[0].unknown_columns();
/// assert_eq!(extra.get_str("REENTRY_RISK"), Some("0.01"));
/// assert!(serde_json::to_string(&rows[0]).unwrap().contains(r#""REENTRY_RISK":"0.01""#));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownColumns(Vec<(String, serde_json::Value)>);

impl UnknownColumns {
    /// Whether the record had no unknown column.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// How many unknown columns the record had.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// The value of an unknown column (exact name first, then ignoring
    /// ASCII case).
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v)
    }
    /// The value of an unknown column when it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_str()
    }
    /// The names, in the order the answer sent them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }
    /// `(name, value)` pairs, in the order the answer sent them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<'a> IntoIterator for &'a UnknownColumns {
    type Item = (&'a str, &'a serde_json::Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, serde_json::Value)>,
        fn(&'a (String, serde_json::Value)) -> (&'a str, &'a serde_json::Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

/// Reads the value of a column the schema does not list; a repeated one is
/// an error, as for known columns.
#[doc(hidden)]
pub fn fill_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    unknown: &mut UnknownColumns,
    name: String,
) -> Result<(), A::Error> {
    if unknown.0.iter().any(|(n, _)| *n == name) {
        let text = format!("column `{name}`: the column appears twice in one record");
        CONTEXT.with(|c| c.borrow_mut().value = None);
        return Err(de::Error::custom(text));
    }
    let value = map.next_value::<serde_json::Value>()?;
    unknown.0.push((name, value));
    Ok(())
}

/// Logs, once per class and process, that answers carry columns this
/// build's schema does not list.
#[doc(hidden)]
pub fn warn_unknown_once(
    warned: &std::sync::atomic::AtomicBool,
    class: &str,
    unknown: &UnknownColumns,
) {
    use std::sync::atomic::Ordering;
    if warned.load(Ordering::Relaxed) || warned.swap(true, Ordering::Relaxed) {
        return;
    }
    let names: Vec<&str> = unknown.names().collect();
    tracing::warn!(
        class,
        columns = %names.join(", "),
        "Space-Track sent columns that this build's `{class}` schema does not list; they are kept \
         in `unknown_columns()` and written back when serialised. Run `spacetrack schemas diff` \
         to see what changed and `spacetrack schemas pull` with SPACETRACK_SCHEMAS_DIR to type them."
    );
}

struct ValueSeed<T> {
    field: &'static str,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: FromWire> DeserializeSeed<'de> for ValueSeed<T> {
    type Value = T;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: FromWire> Visitor<'de> for ValueSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for column `{}`", T::EXPECTING, self.field)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_wire_str(v).map_err(|m| field_error(self.field, Some(v), m))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_wire_i64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_wire_u64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_wire_f64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        T::from_wire_str(if v { "true" } else { "false" })
            .map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        T::from_wire_null().map_err(|m| field_error(self.field, Some("null"), m))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<T, A::Error> {
        Err(field_error(
            self.field,
            None,
            format!("got an array, expected {}", T::EXPECTING),
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<T, A::Error> {
        Err(field_error(
            self.field,
            None,
            format!("got an object, expected {}", T::EXPECTING),
        ))
    }
}

/// Reads the next map value into `slot`; a repeated key is an error.
#[doc(hidden)]
pub fn fill<'de, A: MapAccess<'de>, T: FromWire>(
    map: &mut A,
    slot: &mut Option<T>,
    field: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(field_error(
            field,
            None,
            "the column appears twice in one record".into(),
        ));
    }
    *slot = Some(map.next_value_seed(ValueSeed::<T> {
        field,
        _t: PhantomData,
    })?);
    Ok(())
}

/// Fills an empty slot with the value of an absent column; an absent
/// NOT NULL column is an error.
#[doc(hidden)]
pub fn settle<T: FromWire, E: de::Error>(
    slot: &mut Option<T>,
    field: &'static str,
) -> Result<(), E> {
    if slot.is_none() {
        *slot = Some(
            T::missing()
                .ok_or_else(|| field_error(field, None, "missing from the record".into()))?,
        );
    }
    Ok(())
}

/// Serialises a field through [`ToWire::serialize_wire`].
#[doc(hidden)]
pub struct Wire<'a, T>(pub &'a T);

impl<T: ToWire> serde::Serialize for Wire<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(s)
    }
}

// ---------------------------------------------------------------------------
// Whole responses.

/// Detects Space-Track's error bodies: `{"error": "..."}` and
/// `[{"error": "..."}]`, which it sometimes sends with HTTP 200.
pub(crate) fn error_body(body: &[u8]) -> Option<String> {
    // Real error bodies are a few hundred bytes; never scan a data body.
    if body.len() > 4096 || !body.windows(7).any(|w| w == b"\"error\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = match &value {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Array(a) if a.len() == 1 => a[0].as_object()?,
        _ => return None,
    };
    if obj.len() != 1 {
        return None;
    }
    match obj.get("error")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Classifies an error message: rate-limit violations get their own variant.
pub(crate) fn api_error(status: u16, message: String) -> Error {
    if message.contains("violated your query rate limit") {
        Error::RateLimited { message }
    } else {
        Error::Api { status, message }
    }
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Decodes a JSON answer into records: a plain array, or the object that
/// `metadata=true` produces (`{"request_metadata": {...}, "data": [...]}`).
/// Returns the records and the metadata, if any.
pub(crate) fn decode_records<R: DeserializeOwned + Send>(
    class: &str,
    body: &[u8],
) -> Result<(Vec<R>, Option<serde_json::Value>), Error> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    match first_byte(body) {
        None => Ok((Vec::new(), None)),
        Some(b'[') => decode_array(class, body).map(|v| (v, None)),
        Some(b'{') => {
            reset_context();
            let mut de = serde_json::Deserializer::from_slice(body);
            let result =
                de::Deserializer::deserialize_map(&mut de, MetadataVisitor::<R>(PhantomData))
                    .and_then(|v| de.end().map(|_| v));
            match result {
                Ok((Some(rows), meta)) => Ok((rows, meta)),
                Ok((None, _)) => Err(decode_error(
                    class,
                    "an object without a `data` array".into(),
                )),
                Err(e) => Err(decode_error(class, e.to_string())),
            }
        }
        Some(_) => Err(decode_error(
            class,
            format!(
                "expected a JSON array, got {:?}",
                shown(&String::from_utf8_lossy(&body[..body.len().min(200)]))
            ),
        )),
    }
}

pub(crate) fn decode_array<R: DeserializeOwned + Send>(
    class: &str,
    body: &[u8],
) -> Result<Vec<R>, Error> {
    // One UTF-8 check of the whole body, then `from_str`, which does not
    // check each string again (measured in BENCHMARKS.md). A body that is
    // not UTF-8 takes the checking path, whose error names the column.
    if let Ok(text) = std::str::from_utf8(body) {
        if let Some(rows) = crate::parallel::decode::<R>(text) {
            return Ok(rows);
        }
        reset_context();
        let mut de = serde_json::Deserializer::from_str(text);
        let result = de::Deserializer::deserialize_seq(&mut de, RecordsVisitor::<R>(PhantomData))
            .and_then(|v| de.end().map(|_| v));
        return result.map_err(|e| decode_error(class, e.to_string()));
    }
    reset_context();
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = de::Deserializer::deserialize_seq(&mut de, RecordsVisitor::<R>(PhantomData))
        .and_then(|v| de.end().map(|_| v));
    result.map_err(|e| decode_error(class, e.to_string()))
}

/// Decodes a Space-Track JSON answer (a plain array, or the object that
/// `metadata/true` produces) into records of `R`, exactly as
/// [`Query::send`](crate::Query::send) does. Handy for answers saved to disk.
///
/// ```
/// let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A"}]"#;
/// let rows: Vec<spacetrack::Satellite> = spacetrack::de::from_json_slice(body).unwrap();
/// assert_eq!(rows[0].norad_cat_id, Some(25544));
/// ```
pub fn from_json_slice<R: crate::schema::Record>(body: &[u8]) -> Result<Vec<R>, Error> {
    decode_records::<R>(R::CLASS.class, body).map(|r| r.0)
}

/// The parallel decoder of large answers, forced to `runs` runs whatever
/// the size: `None` where the sequential decoder would fail (or a cut fell
/// inside a string), else the same records. For the fuzz targets.
#[doc(hidden)]
pub fn decode_in_runs<R: DeserializeOwned + Send>(text: &str, runs: usize) -> Option<Vec<R>> {
    crate::parallel::decode_in(text, runs)
}

/// Builds a [`DecodeError`] from the thread's decode context.
pub(crate) fn decode_error(class: &str, message: String) -> Error {
    let ctx = CONTEXT.with(|c| std::mem::take(&mut *c.borrow_mut()));
    Error::Decode(Box::new(DecodeError {
        class: class.to_owned(),
        record: ctx.record,
        field: ctx.field.map(str::to_owned),
        value: ctx.value,
        message,
    }))
}

/// Decodes one record (used by streaming), with the same context.
pub(crate) fn decode_one<R: DeserializeOwned>(
    class: &str,
    index: usize,
    raw: &[u8],
) -> Result<R, Error> {
    reset_context();
    // As for whole answers: one UTF-8 check, then `from_str`; a record that
    // is not UTF-8 takes the checking path, whose error names the column.
    let result = match std::str::from_utf8(raw) {
        Ok(text) => serde_json::from_str::<R>(text),
        Err(_) => serde_json::from_slice::<R>(raw),
    };
    result.map_err(|e| {
        CONTEXT.with(|c| c.borrow_mut().record = Some(index));
        decode_error(class, e.to_string())
    })
}

struct RecordsVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> Visitor<'de> for RecordsVisitor<R> {
    type Value = Vec<R>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<R>, A::Error> {
        // Cap the pre-allocation: a hostile size hint must not reserve memory.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let index = out.len();
            match seq.next_element::<R>() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return Ok(out),
                Err(e) => {
                    CONTEXT.with(|c| c.borrow_mut().record = Some(index));
                    return Err(e);
                }
            }
        }
    }
}

struct MetadataVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> Visitor<'de> for MetadataVisitor<R> {
    type Value = (Option<Vec<R>>, Option<serde_json::Value>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `request_metadata` and `data`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rows = None;
        let mut meta = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" => rows = Some(map.next_value_seed(RecordsSeed::<R>(PhantomData))?),
                "request_metadata" => meta = Some(map.next_value::<serde_json::Value>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok((rows, meta))
    }
}

struct RecordsSeed<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> DeserializeSeed<'de> for RecordsSeed<R> {
    type Value = Vec<R>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<R>, D::Error> {
        d.deserialize_seq(RecordsVisitor::<R>(PhantomData))
    }
}

/// Decodes a JSON body into any type (the escape hatch), unwrapping nothing
/// but still detecting error bodies.
pub(crate) fn decode_any<T: DeserializeOwned>(class: &str, body: &[u8]) -> Result<T, Error> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    reset_context();
    serde_json::from_slice(body).map_err(|e| decode_error(class, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_in_every_real_form() {
        let want = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_micro_opt(3, 4, 5, 123456)
            .unwrap();
        for s in [
            "2024-01-02T03:04:05.123456",
            "2024-01-02 03:04:05.123456",
            "2024-01-02 3:04:05.123456",
            "2024-01-02T03:04:05.123456Z",
            "2024-01-02T03:04:05.123456000",
        ] {
            assert_eq!(parse_datetime(s.as_bytes()), Some(want), "{s}");
        }
        assert_eq!(
            parse_datetime(b"2024-01-02 03:04:05"),
            NaiveDate::from_ymd_opt(2024, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 5)
        );
        for (s, h, m) in [("2026-11-26 0:29", 0, 29), ("2026-11-26 13:05", 13, 5)] {
            assert_eq!(
                parse_datetime(s.as_bytes()),
                NaiveDate::from_ymd_opt(2026, 11, 26)
                    .unwrap()
                    .and_hms_opt(h, m, 0),
                "{s}"
            );
        }
        assert_eq!(
            parse_datetime(b"2024-01-02"),
            NaiveDate::from_ymd_opt(2024, 1, 2)
                .unwrap()
                .and_hms_opt(0, 0, 0)
        );
        for bad in [
            "",
            "2024-13-02",
            "2024-01-02X03:04:05",
            "2024-01-02 03:4",
            "2024-01-02 03:04:",
            "2024-01-02 03:04:5",
            "2024-01-02 03:04:5x",
            "2024-01-02 25:00:00",
            "garbage",
            "2024-01-02 03:04:05.1234567890",
            "2024-01-02 :04:05",
        ] {
            assert_eq!(parse_datetime(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn datetimes_are_written_as_chrono_writes_them() {
        // The digit-by-digit writer against chrono's formatting, over
        // dates from year 0 to 9999 and beyond, every field's extremes,
        // fractions and a leap second.
        let old = |dt: &NaiveDateTime, sep: char| {
            let micros = dt.and_utc().timestamp_subsec_micros();
            let mut s = format!("{}{sep}{}", dt.format("%Y-%m-%d"), dt.format("%H:%M:%S"));
            if micros != 0 {
                s.push_str(&format!(".{micros:06}"));
            }
            s
        };
        let mut cases = Vec::new();
        for (y, m, d) in [
            (0, 1, 1),
            (1, 2, 3),
            (999, 12, 31),
            (1957, 10, 4),
            (2026, 11, 26),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            for (h, mi, s, us) in [
                (0, 0, 0, 0),
                (23, 59, 59, 999_999),
                (9, 5, 7, 1),
                (12, 30, 0, 120_000),
            ] {
                cases.push(date.and_hms_micro_opt(h, mi, s, us).unwrap());
            }
            cases.push(date.and_hms_micro_opt(23, 59, 59, 1_500_000).unwrap());
        }
        for dt in &cases {
            for sep in [' ', 'T'] {
                let mut got = String::new();
                write_datetime(&mut got, dt, sep);
                assert_eq!(got, old(dt, sep));
            }
            let mut got = String::new();
            write_date(&mut got, &dt.date());
            assert_eq!(got, dt.date().format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn numbers_lenient_and_strict() {
        assert_eq!(u32::from_wire_str("25544"), Ok(25544));
        assert_eq!(u32::from_wire_u64(25544), Ok(25544));
        assert!(u32::from_wire_str("-1").is_err());
        assert!(u8::from_wire_str("256").is_err());
        assert!(u32::from_wire_str("25544.5").is_err());
        assert_eq!(f64::from_wire_str("0.0001234"), Ok(0.0001234));
        assert_eq!(f64::from_wire_str("-1.5e-5"), Ok(-1.5e-5));
        assert!(f64::from_wire_str("NaN").is_err());
        assert!(f64::from_wire_str("inf").is_err());
        assert!(f64::from_wire_str(" 1").is_err());
        assert_eq!(Option::<f64>::from_wire_str(""), Ok(None));
        assert_eq!(Option::<String>::from_wire_str(""), Ok(Some(String::new())));
        assert!(f64::from_wire_str("").is_err());
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_body(br#"{"error": "You must be logged in to complete this action"}"#).as_deref(),
            Some("You must be logged in to complete this action")
        );
        assert!(error_body(br#"[{"error":"You've violated your query rate limit."}]"#).is_some());
        assert!(error_body(br#"[{"error":"x","NORAD_CAT_ID":"1"}]"#).is_none());
        assert!(error_body(br#"[]"#).is_none());
    }
}

//! Values: every form Space-Track writes a column in ([`FromWire`]), and
//! the form it reads in a URL ([`ToWire`]).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

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
}

impl std::fmt::Display for crate::schema::Cell {
    /// The value as the record's `Serialize` writes it (see
    /// [`Cell`](crate::schema::Cell)).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::schema::Cell;
        match self {
            Cell::Null => Ok(()),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::UInt(n) => write!(f, "{n}"),
            Cell::Real(x) => write!(f, "{x}"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Text(s) => f.write_str(s),
            Cell::Date(d) => {
                let mut s = String::with_capacity(10);
                write_date(&mut s, d);
                f.write_str(&s)
            }
            Cell::DateTime(t) => {
                let mut s = String::with_capacity(26);
                write_datetime(&mut s, &t.naive_utc(), 'T');
                f.write_str(&s)
            }
        }
    }
}

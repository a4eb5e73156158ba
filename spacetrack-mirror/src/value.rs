//! Space-Track's JSON values as the mirror stores them, and back.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value as Json;

use crate::tables::ValueKind;

/// A stored value. Dates and datetimes are kept as their canonical text
/// (`2026-11-24`, `2026-11-24 12:00:00.123456`), which sorts as time does.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// A datetime.
    DateTime(NaiveDateTime),
}

/// Reads Space-Track's JSON value (numbers and dates usually come as
/// strings) as a value of `kind`. `None` when it does not fit.
pub fn from_json(kind: ValueKind, v: &Json) -> Option<Value> {
    let text = match v {
        Json::Null => return Some(Value::Null),
        Json::String(s) => s.as_str(),
        Json::Number(n) => {
            return match kind {
                ValueKind::Int => n.as_i64().map(Value::Int),
                ValueKind::Real => n.as_f64().map(Value::Real),
                ValueKind::Text | ValueKind::Blob => Some(Value::Text(n.to_string())),
                _ => None,
            };
        }
        Json::Bool(b) => {
            return matches!(kind, ValueKind::Text).then(|| Value::Text(b.to_string()));
        }
        _ => return None,
    };
    match kind {
        ValueKind::Text | ValueKind::Blob => Some(Value::Text(text.to_owned())),
        ValueKind::Int => text.trim().parse().ok().map(Value::Int),
        ValueKind::Real => text.trim().parse().ok().map(Value::Real),
        ValueKind::Date => parse_date(text).map(Value::Date),
        ValueKind::DateTime => parse_datetime(text).map(Value::DateTime),
    }
}

/// The value as JSON for export: numbers as numbers, dates as text.
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(n) => Json::from(*n),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Text(s) => Json::String(s.clone()),
        Value::Date(d) => Json::String(date_text(d)),
        Value::DateTime(t) => Json::String(datetime_text(t)),
    }
}

/// `2026-11-24`, digit by digit (chrono's `format` interprets its pattern
/// on every call, and every stored date goes through here).
pub fn date_text(d: &NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date_text(&mut out, d);
    out
}

/// [`date_text`], appended to `out`.
pub(crate) fn push_date_text(out: &mut String, d: &NaiveDate) {
    use chrono::Datelike;
    let y = d.year();
    if !(0..=9999).contains(&y) {
        use std::fmt::Write;
        let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        return;
    }
    push_digits(out, y as u32, 4);
    out.push('-');
    push_digits(out, d.month(), 2);
    out.push('-');
    push_digits(out, d.day(), 2);
}

fn push_digits(out: &mut String, v: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + (v / div % 10) as u8));
        div /= 10;
    }
}

/// `2026-11-24 12:00:00.000000`: always six fractional digits (Space-Track's
/// finest precision), so that stored datetimes compare as text exactly as
/// they compare as times.
pub fn datetime_text(t: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(26);
    push_datetime_text(&mut out, t);
    out
}

/// [`datetime_text`], appended to `out`.
pub(crate) fn push_datetime_text(out: &mut String, t: &NaiveDateTime) {
    use chrono::{Datelike, Timelike};
    // Digit by digit: chrono's `format` costs several times more, and every
    // datetime of every row written goes through here.
    let (y, micros) = (t.year(), t.nanosecond() / 1000);
    if !(0..=9999).contains(&y) || micros >= 1_000_000 {
        use std::fmt::Write;
        let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f"));
        return;
    }
    for (v, width, sep) in [
        (y as u32, 4, '-'),
        (t.month(), 2, '-'),
        (t.day(), 2, ' '),
        (t.hour(), 2, ':'),
        (t.minute(), 2, ':'),
        (t.second(), 2, '.'),
    ] {
        push_digits(out, v, width);
        out.push(sep);
    }
    push_digits(out, micros, 6);
}

/// `2026-11-24`, or the date of a datetime.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some(d) = fast_date(s.as_bytes()) {
        return Some(d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_datetime(s).map(|t| t.date()))
}

/// The datetime forms Space-Track writes: `T` or a space between date and
/// time, a one-digit hour, with or without seconds and fraction.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Some(t) = fast_datetime(s.as_bytes()) {
        return Some(t);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    fast_date(s.as_bytes())
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// `YYYY-MM-DD` exactly, without chrono's pattern interpreter.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}]`, the forms the records serialise and
/// the mirror stores, read without chrono's format parser (every datetime
/// of every row of a sync goes through here).
fn fast_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if !digits.is_empty() && digits.len() <= 9 => {
            let n = num(20..b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    date.and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_fast_and_slow_agree() {
        for text in ["2026-11-24", "1957-10-04", "0001-01-01", "9999-12-31"] {
            let d = parse_date(text).unwrap();
            assert_eq!(d, NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap());
            assert_eq!(date_text(&d), text);
            assert_eq!(date_text(&d), d.format("%Y-%m-%d").to_string());
        }
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026-1-01",
            "2026/01/01",
            "20260101xx",
        ] {
            assert_eq!(fast_date(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(
            parse_datetime("2026-11-24"),
            NaiveDate::from_ymd_opt(2026, 11, 24).and_then(|d| d.and_hms_opt(0, 0, 0))
        );
    }

    #[test]
    fn space_track_forms_are_read() {
        assert_eq!(
            from_json(ValueKind::Int, &json!("25544")),
            Some(Value::Int(25544))
        );
        assert_eq!(from_json(ValueKind::Int, &json!(7)), Some(Value::Int(7)));
        assert_eq!(
            from_json(ValueKind::Real, &json!("-1.5e-5")),
            Some(Value::Real(-1.5e-5))
        );
        assert_eq!(from_json(ValueKind::Int, &json!("N/A")), None);
        let t = parse_datetime("2026-11-26 0:29").unwrap();
        assert_eq!(datetime_text(&t), "2026-11-26 00:29:00.000000");
        let t = parse_datetime("2026-11-24T12:00:00.026490").unwrap();
        assert_eq!(datetime_text(&t), "2026-11-24 12:00:00.026490");
        assert_eq!(parse_date("1998-11-20").unwrap().to_string(), "1998-11-20");
        assert_eq!(from_json(ValueKind::Date, &Json::Null), Some(Value::Null));
        // The fast path agrees with chrono's parser on every form it takes.
        for text in [
            "2026-11-24T12:00:00",
            "2026-11-24 12:00:00.5",
            "2026-11-24T12:00:00.026490",
            "2026-11-24 23:59:59.999999999",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
                .unwrap();
            assert_eq!(fast_datetime(text.as_bytes()), Some(chrono), "{text}");
        }
        assert_eq!(fast_datetime(b"2026-13-24T12:00:00"), None);
        // Written digit by digit as chrono writes it.
        for text in [
            "0001-01-01 00:00:00",
            "2026-11-24 12:00:00.026490",
            "9999-12-31 23:59:59.999999",
        ] {
            let t = parse_datetime(text).unwrap();
            assert_eq!(
                datetime_text(&t),
                t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
            );
        }
        assert_eq!(fast_datetime(b"2026-11-24T12:00:00."), None);
    }
}

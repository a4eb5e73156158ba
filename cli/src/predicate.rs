//! Checks a predicate value against its column's type before anything is
//! sent, so that `--norad-cat-id ISS` is a usage error rather than an empty
//! answer (Space-Track, like MySQL, silently matches nothing).
//!
//! Values use Space-Track's own grammar: `a,b` (any of), `a--b` (range),
//! `>a`, `<a`, `<>a`, `~~a` / `a~~` (contains), `^a` (starts with),
//! `null-val`, `<>null-val`, and `now`, `now-N`, `now+N` (days) for dates.

use chrono::{NaiveDate, NaiveDateTime};
use spacetrack::{ClassInfo, ColumnInfo};
use spacetrack_codegen::mysql::SqlType;

/// Checks `value` for `column` of `class`, returning why it cannot match.
pub fn check(class: &ClassInfo, column: &ColumnInfo, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("a value is required".into());
    }
    // A type we cannot read (a schema newer than this checker) accepts
    // anything: the server stays the judge.
    let Ok(mut ty) = SqlType::parse(column.sql_type) else {
        return Ok(());
    };
    // An enumeration we inferred (CCSDS's closed lists on cdm) is a guess:
    // Space-Track has sent values outside it, so it is checked as text.
    if column.inferred && matches!(ty, SqlType::Enum(_)) {
        ty = SqlType::Text { max_len: None };
    }
    if matches!(ty, SqlType::Text { .. }) && value.split(',').any(now_relative) {
        return Err(now_on_text(class, column));
    }
    value.split(',').try_for_each(|term| check_term(&ty, term))
}

/// Whether a term compares with `now` (`now`, `>now-1`, `now-7--now`).
fn now_relative(term: &str) -> bool {
    let bare = term
        .strip_prefix("<>")
        .or_else(|| term.strip_prefix('>'))
        .or_else(|| term.strip_prefix('<'))
        .unwrap_or(term);
    match split_range(bare) {
        Some((a, b)) => is_now(a.trim()) || is_now(b.trim()),
        None => is_now(bare.trim()),
    }
}

/// Space-Track compares a text column's values as text, so `now` there
/// matches nothing (or everything): say which datetime column to use.
fn now_on_text(class: &ClassInfo, column: &ColumnInfo) -> String {
    let carries = if column.semantic.is_some() {
        " (it carries datetimes, but Space-Track stores and compares them as text)"
    } else {
        ""
    };
    let datetime = class
        .columns
        .iter()
        .find(|c| SqlType::parse(c.sql_type).is_ok_and(|t| t.is_temporal()));
    let instead = match datetime {
        Some(c) => format!(
            "filter on the datetime column --{} instead, or give a literal prefix such as '^2026-11-26'",
            c.name.to_ascii_lowercase().replace('_', "-")
        ),
        None => format!(
            "{} has no datetime column; give a literal value or a prefix such as '^2026-11-26'",
            class.class
        ),
    };
    format!(
        "{} is a text column{carries}: `now` is not understood there; {instead}",
        column.name
    )
}

fn check_term(ty: &SqlType, term: &str) -> Result<(), String> {
    if term.eq_ignore_ascii_case("null-val") || term.eq_ignore_ascii_case("<>null-val") {
        return Ok(());
    }
    // Pattern matches compare the text of any column.
    if let Some(pattern) = term
        .strip_prefix("~~")
        .or_else(|| term.strip_suffix("~~"))
        .or_else(|| term.strip_prefix('^'))
    {
        return nonempty(pattern, term).map(drop);
    }
    if let Some(v) = term
        .strip_prefix("<>")
        .or_else(|| term.strip_prefix('>'))
        .or_else(|| term.strip_prefix('<'))
    {
        return operand(ty, v);
    }
    if let Some((a, b)) = split_range(term) {
        operand(ty, a)?;
        return operand(ty, b);
    }
    operand(ty, term)
}

/// `a--b`, where `a` may itself be negative (`-5--3`).
fn split_range(t: &str) -> Option<(&str, &str)> {
    let start = usize::from(t.starts_with('-'));
    t[start..]
        .find("--")
        .map(|i| (&t[..start + i], &t[start + i + 2..]))
}

fn nonempty<'a>(v: &'a str, term: &str) -> Result<&'a str, String> {
    if v.trim().is_empty() {
        Err(format!("`{term}` has an operator but no value"))
    } else {
        Ok(v)
    }
}

fn operand(ty: &SqlType, v: &str) -> Result<(), String> {
    let v = nonempty(v, v)?.trim();
    let ok = match ty {
        SqlType::Int { bytes, unsigned } => {
            let Ok(n) = v.parse::<i128>() else {
                return Err(format!("`{v}` is not {}", describe(ty)));
            };
            let bits = u32::from(*bytes) * 8;
            let (lo, hi) = if *unsigned {
                (0i128, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            if n < lo || n > hi {
                return Err(format!(
                    "`{v}` is out of range for the column's type ({lo} to {hi})"
                ));
            }
            true
        }
        SqlType::Real { .. } => v.parse::<f64>().is_ok_and(f64::is_finite),
        SqlType::Date | SqlType::DateTime { .. } => is_now(v) || is_date(v),
        SqlType::Enum(members) => {
            if members.iter().any(|m| m.eq_ignore_ascii_case(v)) {
                return Ok(());
            }
            return Err(format!("`{v}` is not one of {}", members.join(", ")));
        }
        SqlType::Text { .. } | SqlType::Blob => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{v}` is not {}", describe(ty)))
    }
}

/// `now`, `now-N`, `now+N` with N in days (fractions allowed).
fn is_now(v: &str) -> bool {
    let Some(rest) = v
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("now"))
        .map(|_| &v[3..])
    else {
        return false;
    };
    rest.is_empty()
        || ((rest.starts_with('-') || rest.starts_with('+'))
            && rest[1..].parse::<f64>().is_ok_and(f64::is_finite))
}

fn is_date(v: &str) -> bool {
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    FORMATS
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok())
        || NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

/// What a value of `ty` looks like, for `--help` and error messages.
pub fn describe(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Int { .. } => "an integer",
        SqlType::Real { .. } => "a number",
        SqlType::Date => "a date (YYYY-MM-DD or now±days)",
        SqlType::DateTime { .. } => "a date-time (YYYY-MM-DD[ HH:MM:SS] or now±days)",
        SqlType::Enum(_) => "one of the listed values",
        SqlType::Text { .. } | SqlType::Blob => "text",
    }
}

/// The placeholder `--help` shows for a column's values.
pub fn value_name(sql_type: &str) -> &'static str {
    match SqlType::parse(sql_type) {
        Ok(SqlType::Int { .. }) => "INT",
        Ok(SqlType::Real { .. }) => "NUM",
        Ok(SqlType::Date) => "DATE",
        Ok(SqlType::DateTime { .. }) => "DATETIME",
        Ok(SqlType::Enum(_)) => "ENUM",
        _ => "TEXT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// decay: `DECAY_EPOCH` is text carrying datetimes, `MSG_EPOCH` a
    /// datetime.
    const CLASS: &ClassInfo = <spacetrack::Decay as spacetrack::Record>::CLASS;

    #[test]
    fn now_on_a_text_column_names_a_datetime_column() {
        let text = CLASS.column("DECAY_EPOCH").unwrap();
        for bad in [
            ">now",
            "now",
            "<now-1",
            "now-7--now",
            "2026-01-01--now",
            "x,>now+1",
        ] {
            let e = check(CLASS, text, bad).unwrap_err();
            assert!(e.contains("--msg-epoch"), "{bad}: {e}");
            assert!(e.contains("DECAY_EPOCH is a text column"), "{e}");
        }
        for ok in [
            "2026-11-26 0:29",
            "^2026-11-26",
            "~~now",
            "nowhere",
            "null-val",
        ] {
            assert_eq!(check(CLASS, text, ok), Ok(()), "{ok}");
        }
        // A datetime column accepts `now`.
        let datetime = CLASS.column("MSG_EPOCH").unwrap();
        assert_eq!(check(CLASS, datetime, ">now-1"), Ok(()));
    }

    fn col(sql_type: &'static str) -> ColumnInfo {
        ColumnInfo {
            name: "X",
            sql_type,
            nullable: true,
            inferred: false,
            semantic: None,
            doc: None,
            unit: None,
        }
    }

    #[test]
    fn integers() {
        let c = col("int(10) unsigned");
        for ok in [
            "25544",
            "1,2,3",
            ">5",
            "<5",
            "<>5",
            "1--5",
            "4294967295",
            "null-val",
            "<>null-val",
            "~~55",
            "^255",
        ] {
            assert_eq!(check(CLASS, &c, ok), Ok(()), "{ok}");
        }
        for bad in [
            "ISS",
            "",
            "1,",
            ">",
            "1--",
            "1.5",
            "now",
            "-5--3",
            "4294967296",
            "<-1",
        ] {
            assert!(check(CLASS, &c, bad).is_err(), "{bad}");
        }
        // Signed columns take negative values and ranges of them.
        let signed = col("smallint(6)");
        for ok in ["-5--3", "-32768", "32767", "<-1"] {
            assert_eq!(check(CLASS, &signed, ok), Ok(()), "{ok}");
        }
        for bad in ["32768", "-32769"] {
            assert!(check(CLASS, &signed, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reals_dates_enums_text() {
        let r = col("decimal(13,8)");
        assert_eq!(check(CLASS, &r, "0.99--1.01"), Ok(()));
        assert!(check(CLASS, &r, "NaN").is_err());
        assert!(check(CLASS, &r, "abc").is_err());

        let d = col("datetime");
        for ok in [
            "now",
            ">now-1",
            "now-7--now",
            "<now+0.5",
            "2024-01-01",
            "2024-01-01 12:00:00",
            "2024-01-01T12:00:00.123456",
            "2024-01-01--2024-02-01",
        ] {
            assert_eq!(check(CLASS, &d, ok), Ok(()), "{ok}");
        }
        for bad in ["yesterday", ">now-x", "2024-13-01", "25544", "nowish"] {
            assert!(check(CLASS, &d, bad).is_err(), "{bad}");
        }

        let e = col("enum('Y','N')");
        assert_eq!(check(CLASS, &e, "y"), Ok(()));
        assert_eq!(check(CLASS, &e, "Y,N"), Ok(()));
        let err = check(CLASS, &e, "maybe").unwrap_err();
        assert!(err.contains("Y, N"), "{err}");

        let t = col("varchar(25)");
        assert_eq!(check(CLASS, &t, "ISS (ZARYA)"), Ok(()));
        assert_eq!(check(CLASS, &t, "~~STARLINK"), Ok(()));
        assert!(check(CLASS, &t, "~~").is_err());
    }
}

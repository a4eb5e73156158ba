//! Parsing of the MySQL column types that Space-Track's `modeldef` reports
//! (`int(10) unsigned`, `decimal(13,8)`, `datetime(6)`, `enum('Y','N')`, ...).

use std::fmt;

/// A column type, reduced to what matters for code generation and for
/// rendering values the way MySQL does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    /// `tinyint`, `smallint`, `mediumint`, `int`, `bigint` (width in bytes).
    Int {
        /// Storage width: 1, 2, 3, 4 or 8.
        bytes: u8,
        /// Whether the column is `unsigned`.
        unsigned: bool,
    },
    /// `decimal`, `numeric`, `float`, `double`, `real`.
    Real {
        /// The SQL spelling.
        kind: RealKind,
        /// Digits after the decimal point, when the type declares them.
        scale: Option<u32>,
    },
    /// `date`.
    Date,
    /// `datetime`, `timestamp`, with their fractional-second precision.
    DateTime {
        /// Digits of fractional seconds (0-6).
        fsp: u8,
    },
    /// `char`, `varchar`, the `text` family, `binary`, `varbinary`.
    Text {
        /// The declared length, when there is one.
        max_len: Option<u32>,
    },
    /// The `blob` family.
    Blob,
    /// `enum('a','b',...)`, with its members in declaration order.
    Enum(Vec<String>),
}

/// Which SQL spelling a [`SqlType::Real`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealKind {
    /// `decimal` or `numeric`: exact.
    Decimal,
    /// `float`: single precision.
    Float,
    /// `double` or `real`.
    Double,
}

/// Why a type string could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError(pub String);

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl SqlType {
    /// Parses a `modeldef` `Type` string.
    pub fn parse(raw: &str) -> Result<SqlType, TypeError> {
        let text = raw.trim();
        let lower = text.to_ascii_lowercase();
        let base_len = lower
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(lower.len());
        let base = &lower[..base_len];
        if base.is_empty() {
            return Err(TypeError(format!("unknown MySQL type `{raw}`")));
        }
        let rest = &text[base_len..];
        if base == "enum" {
            return parse_enum(rest)
                .map(SqlType::Enum)
                .ok_or_else(|| TypeError(format!("malformed enum type `{raw}`")));
        }
        let (args, suffix) = split_args(rest)
            .ok_or_else(|| TypeError(format!("malformed type arguments in `{raw}`")))?;
        let mut unsigned = false;
        for word in suffix.split_whitespace() {
            match word.to_ascii_lowercase().as_str() {
                "unsigned" => unsigned = true,
                "signed" | "zerofill" => {}
                other => {
                    return Err(TypeError(format!(
                        "unknown type modifier `{other}` in `{raw}`"
                    )));
                }
            }
        }
        let int = |bytes| Ok(SqlType::Int { bytes, unsigned });
        let real = |kind| {
            Ok(SqlType::Real {
                kind,
                scale: args.get(1).copied(),
            })
        };
        match base {
            "tinyint" => int(1),
            "smallint" => int(2),
            "mediumint" => int(3),
            "int" | "integer" => int(4),
            "bigint" => int(8),
            "decimal" | "numeric" | "dec" | "fixed" => real(RealKind::Decimal),
            "float" => real(RealKind::Float),
            "double" | "real" => real(RealKind::Double),
            "date" => Ok(SqlType::Date),
            "datetime" | "timestamp" => {
                let fsp = args.first().copied().unwrap_or(0);
                if fsp > 6 {
                    return Err(TypeError(format!(
                        "fractional precision above 6 in `{raw}`"
                    )));
                }
                Ok(SqlType::DateTime { fsp: fsp as u8 })
            }
            "char" | "varchar" | "binary" | "varbinary" => Ok(SqlType::Text {
                max_len: args.first().copied(),
            }),
            "tinytext" | "text" | "mediumtext" | "longtext" => Ok(SqlType::Text { max_len: None }),
            "tinyblob" | "blob" | "mediumblob" | "longblob" => Ok(SqlType::Blob),
            _ => Err(TypeError(format!(
                "unknown MySQL type `{raw}` (supported: integer types, decimal/float/double, date, \
                 datetime/timestamp, char/varchar/text/binary, blob, enum)"
            ))),
        }
    }

    /// True for the date and datetime types.
    pub fn is_temporal(&self) -> bool {
        matches!(self, SqlType::Date | SqlType::DateTime { .. })
    }
}

/// Splits `(10,3) unsigned` into `[10, 3]` and `" unsigned"`.
fn split_args(rest: &str) -> Option<(Vec<u32>, &str)> {
    let trimmed = rest.trim_start();
    if !trimmed.starts_with('(') {
        return Some((Vec::new(), rest));
    }
    let close = trimmed.find(')')?;
    let inner = &trimmed[1..close];
    let args = inner
        .split(',')
        .map(|a| a.trim().parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    Some((args, &trimmed[close + 1..]))
}

/// Parses `('a','b''c')` into its members (SQL doubles a quote to escape it).
fn parse_enum(rest: &str) -> Option<Vec<String>> {
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => value.push(chars.next()?),
                c => value.push(c),
            }
        }
        values.push(value);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return None,
        }
    }
    if values.is_empty() {
        None
    } else {
        Some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_by_width_and_sign() {
        assert_eq!(
            SqlType::parse("int(10) unsigned").unwrap(),
            SqlType::Int {
                bytes: 4,
                unsigned: true
            }
        );
        assert_eq!(
            SqlType::parse("tinyint(4)").unwrap(),
            SqlType::Int {
                bytes: 1,
                unsigned: false
            }
        );
        assert_eq!(
            SqlType::parse("mediumint(8) unsigned").unwrap(),
            SqlType::Int {
                bytes: 3,
                unsigned: true
            }
        );
        assert_eq!(
            SqlType::parse("bigint(21)").unwrap(),
            SqlType::Int {
                bytes: 8,
                unsigned: false
            }
        );
    }

    #[test]
    fn reals_keep_their_scale() {
        assert_eq!(
            SqlType::parse("decimal(13,8)").unwrap(),
            SqlType::Real {
                kind: RealKind::Decimal,
                scale: Some(8)
            }
        );
        assert_eq!(
            SqlType::parse("double").unwrap(),
            SqlType::Real {
                kind: RealKind::Double,
                scale: None
            }
        );
    }

    #[test]
    fn temporal_and_text() {
        assert_eq!(
            SqlType::parse("datetime(6)").unwrap(),
            SqlType::DateTime { fsp: 6 }
        );
        assert_eq!(
            SqlType::parse("datetime").unwrap(),
            SqlType::DateTime { fsp: 0 }
        );
        assert_eq!(SqlType::parse("date").unwrap(), SqlType::Date);
        assert_eq!(
            SqlType::parse("varchar(71)").unwrap(),
            SqlType::Text { max_len: Some(71) }
        );
        assert_eq!(
            SqlType::parse("mediumtext").unwrap(),
            SqlType::Text { max_len: None }
        );
    }

    #[test]
    fn enums_with_odd_members() {
        assert_eq!(
            SqlType::parse("enum('ascending','descending')").unwrap(),
            SqlType::Enum(vec!["ascending".into(), "descending".into()])
        );
        assert_eq!(
            SqlType::parse("enum('ROCKET BODY','it''s', 'a-b/c')").unwrap(),
            SqlType::Enum(vec!["ROCKET BODY".into(), "it's".into(), "a-b/c".into()])
        );
        assert!(SqlType::parse("enum()").is_err());
        assert!(SqlType::parse("enum('a'").is_err());
    }

    #[test]
    fn unknown_types_are_rejected() {
        for bad in [
            "geometry",
            "set('a')",
            "%brokentype",
            "json",
            "int(10) wobbly",
            "datetime(7)",
        ] {
            assert!(SqlType::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}

//! Space-Track's query grammar, read from an engine request: the filters,
//! the order, the limit and the shape of the answer, with each literal
//! converted to its column's type as Space-Track (MySQL) converts it.

use chrono::{Duration, NaiveDateTime};
use spacetrack::engine::Request;
use spacetrack::{ClassInfo, Format};

use crate::tables::{TableDef, ValueKind, table};
use crate::value::parse_datetime;
use crate::{Error, Result};

/// A request made ready for SQL.
#[derive(Debug)]
pub(crate) struct Plan {
    pub table: &'static TableDef,
    pub info: &'static ClassInfo,
    pub filters: Vec<Filter>,
    /// Column positions and whether descending.
    pub order: Vec<(usize, bool)>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// The columns of the answer: those `select`ed, else every column
    /// (and then the row's unknown columns after them).
    pub columns: Vec<usize>,
    pub selected: bool,
    pub distinct: bool,
    pub metadata: bool,
    pub empty_show: bool,
    pub include_removed: bool,
    pub format: Format,
}

/// A filter on one column: any term may match.
#[derive(Debug)]
pub(crate) struct Filter {
    pub column: usize,
    pub terms: Vec<Term>,
}

#[derive(Debug)]
pub(crate) enum Term {
    Null,
    NotNull,
    Eq(Lit),
    Ne(Lit),
    Gt(Lit),
    Lt(Lit),
    Range(Lit, Lit),
    /// `~~x`: the value's text contains `x` (ignoring case).
    Contains(String),
    /// `^x`: the value's text starts with `x` (ignoring case).
    Starts(String),
}

/// A literal in its column's type. `None` when it does not convert: MySQL
/// then finds nothing, so the term never matches.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    None,
    Num(f64),
    Time(NaiveDateTime),
    Text(String),
}

/// How a column's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    Num,
    Time,
    Text,
}

pub(crate) fn compare(kind: ValueKind) -> Compare {
    match kind {
        ValueKind::Int | ValueKind::Real => Compare::Num,
        ValueKind::Date | ValueKind::DateTime => Compare::Time,
        ValueKind::Text | ValueKind::Blob => Compare::Text,
    }
}

fn usage(class: &str, message: String) -> Error {
    Error::InvalidArgument(format!("{class}: {message}"))
}

/// Reads `request` for the mirror's table of its class.
pub(crate) fn plan(request: &Request, format: Format, now: NaiveDateTime) -> Result<Plan> {
    let class = request.class();
    let t = table(class)
        .filter(|t| t.controller == request.controller())
        .ok_or_else(|| {
            usage(
                class,
                format!(
                    "the mirror does not keep {}/{class} (it keeps {})",
                    request.controller(),
                    crate::classes().join(", ")
                ),
            )
        })?;
    let info = spacetrack::schema::find_class(class, Some(t.controller))
        .ok_or_else(|| usage(class, "not a class of this build".into()))?;
    if let Some(name) = request.favorites() {
        return Err(usage(
            class,
            format!(
                "favorites/{name} is a list of your Space-Track account; the mirror does not keep \
                 favorites lists (filter on the objects' NORAD_CAT_IDs instead)"
            ),
        ));
    }
    let find = |name: &str| {
        t.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| usage(class, format!("no column `{name}` in this build's schema")))
    };
    let mut filters = Vec::new();
    for (key, value) in request.filters() {
        let column = find(key)?;
        let kind = t.columns[column].kind;
        let terms = value.split(',').map(|v| term(kind, v, now)).collect();
        filters.push(Filter { column, terms });
    }
    let order = request
        .order()
        .into_iter()
        .map(|(name, desc)| Ok((find(name)?, desc)))
        .collect::<Result<_>>()?;
    let (columns, selected) = match request.columns() {
        Some(names) => (names.into_iter().map(find).collect::<Result<_>>()?, true),
        None => ((0..t.columns.len()).collect(), false),
    };
    Ok(Plan {
        table: t,
        info,
        filters,
        order,
        limit: request.limit(),
        offset: request.offset().unwrap_or(0),
        columns,
        selected,
        distinct: request.distinct(),
        metadata: request.metadata(),
        empty_show: request.empty_result_show(),
        include_removed: request.include_removed(),
        format,
    })
}

fn term(kind: ValueKind, t: &str, now: NaiveDateTime) -> Term {
    let lit = |s: &str| literal(kind, s, now);
    if t.eq_ignore_ascii_case("null-val") {
        Term::Null
    } else if t.eq_ignore_ascii_case("<>null-val") {
        Term::NotNull
    } else if let Some(v) = t.strip_prefix("<>") {
        Term::Ne(lit(v))
    } else if let Some(v) = t.strip_prefix('>') {
        Term::Gt(lit(v))
    } else if let Some(v) = t.strip_prefix('<') {
        Term::Lt(lit(v))
    } else if let Some(v) = t.strip_prefix("~~").or_else(|| t.strip_suffix("~~")) {
        Term::Contains(v.to_owned())
    } else if let Some(v) = t.strip_prefix('^') {
        Term::Starts(v.to_owned())
    } else if let Some((a, b)) = split_range(t) {
        Term::Range(lit(a), lit(b))
    } else {
        Term::Eq(lit(t))
    }
}

/// `a--b`, where `a` may itself be negative (`-5--3`).
fn split_range(t: &str) -> Option<(&str, &str)> {
    let start = usize::from(t.starts_with('-'));
    t[start..]
        .find("--")
        .map(|i| (&t[..start + i], &t[start + i + 2..]))
}

/// `now`, `now-N`, `now+N` (days, fractions allowed).
fn now_offset(s: &str, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let rest = s.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now);
    }
    let days: f64 = rest.parse().ok().filter(|d: &f64| d.is_finite())?;
    Some(now + Duration::microseconds((days * 86_400_000_000.0) as i64))
}

fn literal(kind: ValueKind, s: &str, now: NaiveDateTime) -> Lit {
    match compare(kind) {
        Compare::Num => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map_or(Lit::None, Lit::Num),
        Compare::Time => now_offset(s.trim(), now)
            .or_else(|| parse_datetime(s))
            .map_or(Lit::None, Lit::Time),
        Compare::Text => Lit::Text(s.to_owned()),
    }
}

/// The members of a MySQL `enum('a','b',...)` type, in order (MySQL sorts
/// an enum by its members' order, not as text); empty for other types.
pub(crate) fn enum_members(sql_type: &str) -> Vec<String> {
    let Some(inner) = sql_type
        .strip_prefix("enum(")
        .and_then(|t| t.strip_suffix(')'))
    else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(|m| m.trim().trim_matches('\'').to_owned())
        .collect()
}

/// The digits after the point that Space-Track writes: a `decimal(p,s)`'s
/// scale, a `datetime(fsp)`'s fraction.
pub(crate) fn scale(sql_type: &str) -> Option<usize> {
    let args = sql_type
        .strip_prefix("decimal(")
        .or_else(|| sql_type.strip_prefix("datetime("))?;
    let args = args.split(')').next()?;
    args.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_read_as_space_track_reads_them() {
        let now = parse_datetime("2026-12-01 00:00:00").unwrap();
        assert!(matches!(term(ValueKind::Int, "null-val", now), Term::Null));
        assert!(matches!(
            term(ValueKind::Int, "<>NULL-VAL", now),
            Term::NotNull
        ));
        assert!(matches!(term(ValueKind::Int, "<>5", now), Term::Ne(Lit::Num(n)) if n == 5.0));
        assert!(
            matches!(term(ValueKind::Real, "-5--3", now), Term::Range(Lit::Num(a), Lit::Num(b)) if a == -5.0 && b == 3.0)
        );
        assert!(
            matches!(term(ValueKind::Real, "-5---3", now), Term::Range(Lit::Num(a), Lit::Num(b)) if a == -5.0 && b == -3.0)
        );
        assert!(matches!(
            term(ValueKind::Int, "abc", now),
            Term::Eq(Lit::None)
        ));
        assert!(matches!(term(ValueKind::Text, "~~deb", now), Term::Contains(s) if s == "deb"));
        assert!(matches!(term(ValueKind::Text, "^STAR", now), Term::Starts(s) if s == "STAR"));
        match term(ValueKind::DateTime, ">now-1.5", now) {
            Term::Gt(Lit::Time(t)) => assert_eq!(t, parse_datetime("2026-11-29 12:00:00").unwrap()),
            other => panic!("{other:?}"),
        }
        match term(ValueKind::Date, "2026-01-01", now) {
            Term::Eq(Lit::Time(t)) => assert_eq!(t, parse_datetime("2026-01-01 00:00:00").unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn types_give_scale_and_members() {
        assert_eq!(scale("decimal(13,8)"), Some(8));
        assert_eq!(scale("datetime(6)"), Some(6));
        assert_eq!(scale("double"), None);
        assert_eq!(
            enum_members("enum('PAYLOAD','ROCKET BODY')"),
            ["PAYLOAD", "ROCKET BODY"]
        );
    }
}

//! The Space-Track query grammar: `/{key}/{value}` pairs after the class,
//! with operators inside values.

use chrono::{Duration, NaiveDateTime, Utc};
use spacetrack_codegen::Column;
use spacetrack_codegen::mysql::SqlType;

use crate::table::{Table, Val};

/// Response formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xml,
    Html,
    Tle,
    ThreeLe,
    Kvn,
    Stream,
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "csv" => Format::Csv,
            "xml" => Format::Xml,
            "html" => Format::Html,
            "tle" => Format::Tle,
            "3le" => Format::ThreeLe,
            "kvn" => Format::Kvn,
            "stream" => Format::Stream,
            _ => return None,
        })
    }
}

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Request {
    pub format: Format,
    pub filters: Vec<Filter>,
    pub order: Vec<(usize, bool)>,
    pub limit: Option<usize>,
    pub offset: usize,
    pub columns: Option<Vec<usize>>,
    pub distinct: bool,
    pub metadata: bool,
    pub empty_show: bool,
}

/// A filter on one column: any term may match.
#[derive(Debug, Clone)]
pub struct Filter {
    pub column: usize,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub enum Term {
    Null,
    NotNull,
    Eq(Lit),
    Ne(Lit),
    Gt(Lit),
    Lt(Lit),
    Range(Lit, Lit),
    Like(String),
    Starts(String),
}

/// A literal converted to the column's type; `None` when it does not parse
/// (MySQL compares and finds nothing, so the term never matches).
#[derive(Debug, Clone)]
pub struct Lit(Option<Key>);

/// A comparable form of a value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Key {
    Num(f64),
    Time(NaiveDateTime),
    Text(String),
}

/// Parses the path segments after `/class/{class}`.
pub fn parse(table: &Table, segments: &[String]) -> Result<Request, String> {
    if segments.len() % 2 == 1 {
        return Err(format!(
            "missing value for `{}`",
            segments[segments.len() - 1]
        ));
    }
    let mut req = Request {
        format: Format::Json,
        filters: Vec::new(),
        order: Vec::new(),
        limit: None,
        offset: 0,
        columns: None,
        distinct: false,
        metadata: false,
        empty_show: false,
    };
    let cols = &table.schema.columns;
    let find = |name: &str| {
        cols.iter()
            .position(|c| c.name.eq_ignore_ascii_case(name.trim()))
    };
    for pair in segments.chunks(2) {
        let (key, value) = (pair[0].as_str(), pair[1].as_str());
        match key.to_ascii_lowercase().as_str() {
            "format" => {
                req.format =
                    Format::parse(value).ok_or_else(|| format!("Unknown format: {value}"))?
            }
            "orderby" => {
                for part in value.split(',').filter(|p| !p.trim().is_empty()) {
                    let mut words = part.split_whitespace();
                    let name = words.next().unwrap_or_default();
                    let col = find(name).ok_or_else(|| format!("Unknown orderby field: {name}"))?;
                    let desc = match words.next().map(|w| w.to_ascii_lowercase()) {
                        None => false,
                        Some(w) if w == "asc" => false,
                        Some(w) if w == "desc" => true,
                        Some(w) => return Err(format!("Unknown sort direction: {w}")),
                    };
                    req.order.push((col, desc));
                }
            }
            "limit" => {
                let mut parts = value.split(',');
                let n = parts.next().unwrap_or_default().trim();
                req.limit = Some(n.parse().map_err(|_| format!("Invalid limit: {value}"))?);
                if let Some(off) = parts.next() {
                    req.offset = off
                        .trim()
                        .parse()
                        .map_err(|_| format!("Invalid limit offset: {value}"))?;
                }
            }
            "predicates" => {
                let mut list = Vec::new();
                for name in value.split(',') {
                    list.push(find(name).ok_or_else(|| format!("Unknown predicate: {name}"))?);
                }
                req.columns = Some(list);
            }
            "distinct" => req.distinct = value.eq_ignore_ascii_case("true"),
            "metadata" => req.metadata = value.eq_ignore_ascii_case("true"),
            "emptyresult" => req.empty_show = value.eq_ignore_ascii_case("show"),
            // Favorites lists belong to accounts; the simulator's account has
            // every object in every list.
            "favorites" => {}
            _ => {
                let column = find(key).ok_or_else(|| format!("Unknown predicate: {key}"))?;
                let terms = value.split(',').map(|t| term(&cols[column], t)).collect();
                req.filters.push(Filter { column, terms });
            }
        }
    }
    Ok(req)
}

fn term(col: &Column, t: &str) -> Term {
    let lit = |s: &str| Lit(literal(col, s));
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
    } else if let Some(v) = t.strip_prefix("~~") {
        Term::Like(v.to_lowercase())
    } else if let Some(v) = t.strip_suffix("~~") {
        Term::Like(v.to_lowercase())
    } else if let Some(v) = t.strip_prefix('^') {
        Term::Starts(v.to_lowercase())
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

fn now_offset(s: &str) -> Option<NaiveDateTime> {
    let rest = s.strip_prefix("now")?;
    let now = Utc::now().naive_utc();
    if rest.is_empty() {
        return Some(now);
    }
    let days: f64 = rest.parse().ok()?;
    Some(now + Duration::milliseconds((days * 86_400_000.0) as i64))
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

fn literal(col: &Column, s: &str) -> Option<Key> {
    match &col.sql {
        SqlType::Int { .. } | SqlType::Real { .. } => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Key::Num),
        SqlType::Date | SqlType::DateTime { .. } => {
            now_offset(s).or_else(|| parse_time(s)).map(Key::Time)
        }
        _ => Some(Key::Text(s.to_lowercase())),
    }
}

/// The comparable form of a cell.
pub fn key(v: &Val) -> Option<Key> {
    match v {
        Val::Null => None,
        Val::Int(n) => Some(Key::Num(*n as f64)),
        Val::Real(f) => Some(Key::Num(*f)),
        Val::Date(d) => d.and_hms_opt(0, 0, 0).map(Key::Time),
        Val::DateTime(t) => Some(Key::Time(*t)),
        Val::Text(s) => Some(Key::Text(s.to_lowercase())),
    }
}

impl Filter {
    pub fn matches(&self, row: &[Val], text: impl Fn(&Val) -> String) -> bool {
        let cell = &row[self.column];
        let k = key(cell);
        self.terms.iter().any(|t| match t {
            Term::Null => k.is_none(),
            Term::NotNull => k.is_some(),
            Term::Eq(Lit(l)) => k.is_some() && l.is_some() && k == *l,
            Term::Ne(Lit(l)) => k.is_some() && l.is_some() && k != *l,
            Term::Gt(Lit(l)) => matches!((&k, l), (Some(a), Some(b)) if a > b),
            Term::Lt(Lit(l)) => matches!((&k, l), (Some(a), Some(b)) if a < b),
            Term::Range(Lit(a), Lit(b)) => {
                matches!((&k, a, b), (Some(v), Some(a), Some(b)) if v >= a && v <= b)
            }
            Term::Like(s) => k.is_some() && text(cell).to_lowercase().contains(s.as_str()),
            Term::Starts(s) => k.is_some() && text(cell).to_lowercase().starts_with(s.as_str()),
        })
    }

    /// The NORAD numbers this filter is limited to, when it is a plain list
    /// of equalities on `NORAD_CAT_ID`.
    pub fn norad_ids(&self, table: &Table) -> Option<Vec<u32>> {
        if !table.schema.columns[self.column]
            .name
            .eq_ignore_ascii_case("NORAD_CAT_ID")
        {
            return None;
        }
        self.terms
            .iter()
            .map(|t| match t {
                Term::Eq(Lit(Some(Key::Num(n)))) if *n >= 0.0 && n.fract() == 0.0 => {
                    Some(*n as u32)
                }
                Term::Eq(Lit(None)) => Some(u32::MAX),
                _ => None,
            })
            .collect()
    }
}

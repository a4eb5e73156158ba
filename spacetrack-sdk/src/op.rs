//! Predicate values and operators.
//!
//! Every predicate method of a query builder takes `impl IntoPredicate<T>`
//! where `T` is the column's own type, so it accepts:
//!
//! | you write | Space-Track receives |
//! |---|---|
//! | `25544` | `25544` |
//! | `[25544, 20580]`, a `Vec`, `&ids[..]`, `&ids` | `25544,20580` (any of) |
//! | [`one_of`]`(iterator)` | `25544,20580` (any of) |
//! | an `i64`, `u16`, `usize`, ... on an integer column | range-checked, never truncated |
//! | a `NaiveDate` on a datetime column | that whole day, UTC (`d 00:00:00--d 23:59:59.999999`); in an operator, its midnight |
//! | `0.99..=1.01` | `0.99--1.01` (inclusive range) |
//! | `None` | `null-val` |
//! | [`gt`]`(x)`, [`lt`]`(x)`, [`ne`]`(x)` | `>x`, `<x`, `<>x` |
//! | [`range`]`(a, b)` or [`between`]`(a, b)` | `a--b` |
//! | [`like`]`("ZARYA")` or [`contains`]`("ZARYA")`, [`starts_with`]`("STARLINK")` | `~~ZARYA`, `^STARLINK` |
//! | [`null`]`()`, [`not_null`]`()` | `null-val`, `<>null-val` |
//! | [`gt`]`(`[`now_minus_days`]`(30))` on a date column | `>now-30` |
//! | `a.or(b)` / [`any_of`] | `a,b` |
//!
//! A literal value that contains one of Space-Track's operator characters
//! (a `,`, a `--`, a leading `>`, `<`, `^` or `~~`, or the word `null-val`)
//! would silently change the query's meaning, so it is rejected with
//! [`Error::InvalidArgument`](crate::Error::InvalidArgument) when the query is
//! sent. Everything else, including `/`, `%`, `?` and `#`, is percent-encoded
//! and arrives intact.
//!
//! ```
//! use spacetrack::op;
//! # fn demo(st: spacetrack::Client) {
//! let q = st
//!     .gp()
//!     .epoch(op::gt(op::now_minus_days(1)))
//!     .mean_motion(0.99..=1.01)
//!     .object_name(op::starts_with("STARLINK"))
//!     .decay_date(None)
//!     .norad_cat_id(op::lt(60000).or(op::range(70000, 70010)));
//! # }
//! ```
//!
// Each `text` block below is the error of the `compile_fail` example above
// it: codegen/tests/diagnostics.rs compiles the examples and checks that the
// compiler prints these lines (`…` stands for any text).
//!
//! ## When a filter does not compile
//!
//! A filter method takes the type of its column on Space-Track; the
//! method's documentation gives the MySQL type.
//!
//! | column on Space-Track | the filter takes | and also |
//! |---|---|---|
//! | `char`, `varchar`, `text`, ... | `String` | `&str` |
//! | `int`, `bigint`, ... | `u8` to `i64` by width and sign | any integer type, checked against the column's range when sent |
//! | `decimal`, `float`, `double` | `f64` | integers of up to 32 bits |
//! | `date` | `NaiveDate` | |
//! | `datetime` | `DateTime<Utc>` | a `NaiveDate`: that whole day |
//! | `enum(...)` | the column's enum, such as `TipDirection` | |
//!
//! A text column that carries datetimes (decay's `DECAY_EPOCH`) or dates
//! (gp_history's `LAUNCH_DATE`) has a record field of that type, but its
//! filter takes `String`: Space-Track compares the text.
//!
//! When a value does not fit, the compiler's error names the type the
//! filter takes and what to use instead, with one note per kind of column
//! (shown here: the note for the example's column). `now` on a column that
//! is text on the server:
//!
//! ```compile_fail,E0277
//! use spacetrack::op;
//! # fn demo(st: spacetrack::Client) {
//! st.decay().decay_epoch(op::gt(op::now()));
//! # }
//! ```
//!
//! ```text
//! error[E0277]: `op::now()` compares only with date and datetime columns, and this filter takes `String`
//!   = note: `String`: a text column on Space-Track, also when its record field is a datetime, as with decay's `DECAY_EPOCH` (stored as text such as `2026-11-26 0:29`): the server compares its values as text and does not understand `now`; filter it with an exact value or a prefix, `op::starts_with("2026-11-26")`, or filter a datetime column of the class instead, such as decay's `MSG_EPOCH`
//! ```
//!
//! `now` on a number:
//!
//! ```compile_fail,E0277
//! use spacetrack::op;
//! # fn demo(st: spacetrack::Client) {
//! st.gp().mean_motion(op::gt(op::now()));
//! # }
//! ```
//!
//! ```text
//! error[E0277]: `op::now()` compares only with date and datetime columns, and this filter takes `f64`
//!   = note: a number or an enum: the column compares with values of its own type, such as `op::lt(60000)` on an integer column or `op::gt(15.0)` on a decimal one
//! ```
//!
//! A value of the wrong type:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_cat_id("25544");
//! # }
//! ```
//!
//! ```text
//! error[E0277]: this filter takes `u32`, the column's type on Space-Track, not `&str`
//!   = note: `u8` to `i64`: an integer column; it takes any integer type (checked against the column's range when the query is sent), not a decimal. `f64`: a decimal column; it takes `f64` or an integer of up to 32 bits
//! ```
//!
//! A datetime on a text column that carries datetimes:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.decay().decay_epoch(chrono::Utc::now());
//! # }
//! ```
//!
//! ```text
//! error[E0277]: this filter takes `String`, the column's type on Space-Track, not `chrono::DateTime<Utc>`
//!   = note: `String`: a text column (char, varchar, text); it takes `&str` or `String`, also when its record field is a datetime or a date, as with decay's `DECAY_EPOCH`: the server stores and compares those as text, so filter them with an exact value or a prefix, `op::starts_with("2026-11-26")`, or filter a datetime column such as decay's `MSG_EPOCH`
//! ```
//!
//! Text on a datetime column, and an iterator instead of a list:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().epoch("2024-01-01");
//! # }
//! ```
//!
//! ```text
//! error[E0277]: this filter takes `chrono::DateTime<Utc>`, the column's type on Space-Track, not `&str`
//!   = note: `DateTime<Utc>`: a datetime column; it takes a `DateTime<Utc>` or a `NaiveDate` (that whole day, UTC). `NaiveDate`: a date column; it takes a `NaiveDate`, not a datetime. Parse text first (`"2024-01-01".parse::<chrono::NaiveDate>()`); `now` goes in an operator: `op::gt(op::now_minus_days(7))`
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! let ids = vec![25544u32, 20580];
//! st.gp().norad_cat_id(ids.iter().copied());
//! # }
//! ```
//!
//! ```text
//! error[E0277]: this filter takes `u32`, the column's type on Space-Track, not `…`
//!   = note: another type: an enum column's own enum, such as `TipDirection`; it takes its variants. An iterator is not a list: pass `op::one_of(iter)`
//! ```
//!
//! A misspelled filter is error E0599, "no method named `norad_catid`
//! found for struct `GpQuery`", whose wording a crate cannot change; rustc
//! suggests the nearest name, and the builder's page
//! ([`GpQuery`](crate::GpQuery) and the other `…Query` types) lists every
//! filter of its class, each named after its column in snake case.

use chrono::{DateTime, NaiveDate, Utc};

use crate::de::ToWire;

/// A filter on one column of type `T`: one or more terms, any of which may
/// match (Space-Track's comma).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Predicate<T> {
    terms: Vec<Term<T>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Term<T> {
    Eq(Operand<T>),
    Gt(Operand<T>),
    Lt(Operand<T>),
    Ne(Operand<T>),
    Range(Operand<T>, Operand<T>),
    Like(String),
    StartsWith(String),
    Null,
    NotNull,
    /// A value that does not fit the column (an integer out of its range):
    /// an error when the query is sent.
    Invalid(String),
}

/// One side of a comparison: a value of the column's type, or `now` with
/// an offset in days (date and datetime columns only).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand<T> {
    /// A literal value.
    Value(T),
    /// Space-Track's `now`, `now-N` or `now+N` (days, fractions allowed).
    Now(Now),
}

/// The server's current time plus an offset in days. Made by [`now`],
/// [`now_minus_days`] and [`now_plus_days`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    days: f64,
}

/// Column types that accept `now±days`: the filter types of date and
/// datetime columns.
///
/// A filter of another type does not take `now`, and the compiler says
/// why (see [When a filter does not compile](self#when-a-filter-does-not-compile)).
#[diagnostic::on_unimplemented(
    message = "`op::now()` compares only with date and datetime columns, and this filter takes `{Self}`",
    label = "`now` on a filter that takes `{Self}`",
    note = "`String`: a text column on Space-Track, also when its record field is a datetime, as with decay's `DECAY_EPOCH` (stored as text such as `2026-11-26 0:29`): the server compares its values as text and does not understand `now`; filter it with an exact value or a prefix, `op::starts_with(\"2026-11-26\")`, or filter a datetime column of the class instead, such as decay's `MSG_EPOCH`",
    note = "a number or an enum: the column compares with values of its own type, such as `op::lt(60000)` on an integer column or `op::gt(15.0)` on a decimal one"
)]
pub trait Temporal {}
impl Temporal for NaiveDate {}
impl Temporal for DateTime<Utc> {}

impl<T> From<T> for Operand<T> {
    fn from(v: T) -> Self {
        Operand::Value(v)
    }
}

/// A date on a datetime column means its midnight, UTC.
impl From<NaiveDate> for Operand<DateTime<Utc>> {
    fn from(d: NaiveDate) -> Self {
        Operand::Value(midnight(d))
    }
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl<T: Temporal> From<Now> for Operand<T> {
    fn from(n: Now) -> Self {
        Operand::Now(n)
    }
}

impl From<&str> for Operand<String> {
    fn from(v: &str) -> Self {
        Operand::Value(v.to_owned())
    }
}

/// Any of the values an iterator yields (`a,b,c`): for the inputs that
/// are not a list already, such as `ids.iter().copied()` or a `HashSet`.
/// Each value is converted as the column's predicate method would convert
/// it.
///
/// ```
/// use spacetrack::op;
/// # fn demo(st: spacetrack::Client) {
/// let ids = std::collections::BTreeSet::from([25544u32, 20580]);
/// st.gp().norad_cat_id(op::one_of(ids));
/// st.gp().norad_cat_id(op::one_of((1..=5).map(|i| 25540 + i)));
/// # }
/// ```
pub fn one_of<T, V: IntoPredicate<T>>(values: impl IntoIterator<Item = V>) -> Predicate<T> {
    any_of(values.into_iter().map(IntoPredicate::into_predicate))
}

fn single<T>(term: Term<T>) -> Predicate<T> {
    Predicate { terms: vec![term] }
}

/// Equal to `v`.
pub fn eq<T>(v: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Eq(v.into()))
}

/// Greater than `v` (`>v`).
pub fn gt<T>(v: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Gt(v.into()))
}

/// Less than `v` (`<v`).
pub fn lt<T>(v: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Lt(v.into()))
}

/// Not equal to `v` (`<>v`).
pub fn ne<T>(v: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Ne(v.into()))
}

/// Between `lo` and `hi`, both included (`lo--hi`). Also spelled
/// [`between`]; an inclusive Rust range (`lo..=hi`) says the same.
pub fn range<T>(lo: impl Into<Operand<T>>, hi: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Range(lo.into(), hi.into()))
}

/// [`range`] under the name SQL gives it: between `lo` and `hi`, both
/// included (`lo--hi`).
///
/// ```
/// use spacetrack::op;
/// # fn main() -> spacetrack::Result<()> {
/// # let st = spacetrack::Client::new("me@example.com", "password")?;
/// let a = st.gp().mean_motion(op::between(0.99, 1.01)).url()?;
/// let b = st.gp().mean_motion(op::range(0.99, 1.01)).url()?;
/// assert_eq!(a, b);
/// assert!(a.contains("/mean_motion/0.99--1.01/"));
/// # Ok(()) }
/// ```
pub fn between<T>(lo: impl Into<Operand<T>>, hi: impl Into<Operand<T>>) -> Predicate<T> {
    range(lo, hi)
}

/// Contains `text` (`~~text`; Space-Track's SQL `LIKE '%text%'`). Also
/// spelled [`contains`].
pub fn like<T>(text: impl std::fmt::Display) -> Predicate<T> {
    single(Term::Like(text.to_string()))
}

/// [`like`] under the name of `str::contains`: the value contains `text`
/// anywhere (`~~text`, SQL `LIKE '%text%'`). For a prefix, see
/// [`starts_with`].
///
/// ```
/// use spacetrack::op;
/// # fn main() -> spacetrack::Result<()> {
/// # let st = spacetrack::Client::new("me@example.com", "password")?;
/// let url = st.gp().object_name(op::contains("DEB")).url()?;
/// assert!(url.contains("/object_name/~~DEB/"));
/// # Ok(()) }
/// ```
pub fn contains<T>(text: impl std::fmt::Display) -> Predicate<T> {
    like(text)
}

/// Starts with `text` (`^text`).
pub fn starts_with<T>(text: impl std::fmt::Display) -> Predicate<T> {
    single(Term::StartsWith(text.to_string()))
}

/// Is null (`null-val`).
pub fn null<T>() -> Predicate<T> {
    single(Term::Null)
}

/// Is not null (`<>null-val`).
pub fn not_null<T>() -> Predicate<T> {
    single(Term::NotNull)
}

/// Matches any of the given predicates (Space-Track's comma).
pub fn any_of<T>(predicates: impl IntoIterator<Item = Predicate<T>>) -> Predicate<T> {
    Predicate {
        terms: predicates.into_iter().flat_map(|p| p.terms).collect(),
    }
}

/// The server's current time (`now`).
pub fn now() -> Now {
    Now { days: 0.0 }
}

/// `now-days`.
pub fn now_minus_days(days: impl Into<f64>) -> Now {
    Now { days: -days.into() }
}

/// `now+days`.
pub fn now_plus_days(days: impl Into<f64>) -> Now {
    Now { days: days.into() }
}

impl<T> Predicate<T> {
    /// Also matches `other` (Space-Track's comma).
    pub fn or(mut self, other: impl IntoPredicate<T>) -> Self {
        self.terms.extend(other.into_predicate().terms);
        self
    }
}

impl<T: ToWire> Predicate<T> {
    /// The predicate as Space-Track reads it, before percent-encoding, or
    /// why it cannot be sent.
    pub fn render(&self) -> Result<String, String> {
        if self.terms.is_empty() {
            return Err("an empty list matches nothing; Space-Track has no way to say that".into());
        }
        let mut out = String::new();
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match term {
                Term::Eq(v) => operand(&mut out, v)?,
                Term::Gt(v) => {
                    out.push('>');
                    operand(&mut out, v)?
                }
                Term::Lt(v) => {
                    out.push('<');
                    operand(&mut out, v)?
                }
                Term::Ne(v) => {
                    out.push_str("<>");
                    operand(&mut out, v)?
                }
                Term::Range(a, b) => {
                    operand(&mut out, a)?;
                    out.push_str("--");
                    operand(&mut out, b)?
                }
                Term::Like(s) => {
                    out.push_str("~~");
                    literal(&mut out, s)?
                }
                Term::StartsWith(s) => {
                    out.push('^');
                    literal(&mut out, s)?
                }
                Term::Null => out.push_str("null-val"),
                Term::NotNull => out.push_str("<>null-val"),
                Term::Invalid(why) => return Err(why.clone()),
            }
        }
        Ok(out)
    }
}

fn operand<T: ToWire>(out: &mut String, v: &Operand<T>) -> Result<(), String> {
    match v {
        Operand::Value(v) => {
            let mut s = String::new();
            v.to_wire(&mut s)?;
            literal(out, &s)
        }
        Operand::Now(n) => {
            if !n.days.is_finite() {
                return Err(format!("now{:+} is not a finite offset", n.days));
            }
            out.push_str("now");
            if n.days != 0.0 {
                use std::fmt::Write;
                let _ = write!(
                    out,
                    "{}{}",
                    if n.days < 0.0 { '-' } else { '+' },
                    n.days.abs()
                );
            }
            Ok(())
        }
    }
}

/// Appends a literal after checking that it cannot be read as an operator.
fn literal(out: &mut String, s: &str) -> Result<(), String> {
    check_literal(s)?;
    out.push_str(s);
    Ok(())
}

/// Why `s` cannot be sent as a literal value, if it cannot.
pub fn check_literal(s: &str) -> Result<(), String> {
    let bad = if s.is_empty() {
        Some("is empty")
    } else if s.contains(',') {
        Some("contains `,` (Space-Track's list separator)")
    } else if s.contains("--") {
        Some("contains `--` (Space-Track's range operator)")
    } else if s.starts_with(['>', '<', '^']) || s.starts_with("~~") {
        Some("starts with an operator")
    } else if s.ends_with("~~") {
        Some("ends with `~~`")
    } else if s.eq_ignore_ascii_case("null-val") {
        Some("is Space-Track's null marker")
    } else {
        None
    };
    match bad {
        Some(why) => Err(format!(
            "the value {s:?} {why}; use the operators in `spacetrack::op` instead"
        )),
        None => Ok(()),
    }
}

mod input;
pub use input::IntoPredicate;

#[cfg(test)]
mod tests;

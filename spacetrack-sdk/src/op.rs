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
//! | [`range`]`(a, b)` | `a--b` |
//! | [`like`]`("ZARYA")`, [`starts_with`]`("STARLINK")` | `~~ZARYA`, `^STARLINK` |
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

use std::ops::RangeInclusive;

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

/// Everything a predicate method accepts for a column of type `T`.
///
/// A value of another type does not compile, and the compiler names the
/// type the filter takes (see
/// [When a filter does not compile](self#when-a-filter-does-not-compile)).
#[diagnostic::on_unimplemented(
    message = "this filter takes `{T}`, the column's type on Space-Track, not `{Self}`",
    label = "not a `{T}` value, list or range, nor a predicate from `op`",
    note = "`String`: a text column (char, varchar, text); it takes `&str` or `String`, also when its record field is a datetime or a date, as with decay's `DECAY_EPOCH`: the server stores and compares those as text, so filter them with an exact value or a prefix, `op::starts_with(\"2026-11-26\")`, or filter a datetime column such as decay's `MSG_EPOCH`",
    note = "`u8` to `i64`: an integer column; it takes any integer type (checked against the column's range when the query is sent), not a decimal. `f64`: a decimal column; it takes `f64` or an integer of up to 32 bits",
    note = "`DateTime<Utc>`: a datetime column; it takes a `DateTime<Utc>` or a `NaiveDate` (that whole day, UTC). `NaiveDate`: a date column; it takes a `NaiveDate`, not a datetime. Parse text first (`\"2024-01-01\".parse::<chrono::NaiveDate>()`); `now` goes in an operator: `op::gt(op::now_minus_days(7))`",
    note = "another type: an enum column's own enum, such as `TipDirection`; it takes its variants. An iterator is not a list: pass `op::one_of(iter)`"
)]
pub trait IntoPredicate<T> {
    /// Converts into a [`Predicate`].
    fn into_predicate(self) -> Predicate<T>;
}

impl<T> IntoPredicate<T> for Predicate<T> {
    fn into_predicate(self) -> Predicate<T> {
        self
    }
}

impl<T: ToWire> IntoPredicate<T> for T {
    fn into_predicate(self) -> Predicate<T> {
        eq(self)
    }
}

impl<T> IntoPredicate<T> for Option<T> {
    fn into_predicate(self) -> Predicate<T> {
        match self {
            Some(v) => eq(v),
            None => null(),
        }
    }
}

impl<T, const N: usize> IntoPredicate<T> for [T; N] {
    fn into_predicate(self) -> Predicate<T> {
        any_of(self.into_iter().map(eq))
    }
}

impl<T> IntoPredicate<T> for Vec<T> {
    fn into_predicate(self) -> Predicate<T> {
        any_of(self.into_iter().map(eq))
    }
}

impl<T> IntoPredicate<T> for RangeInclusive<T> {
    fn into_predicate(self) -> Predicate<T> {
        let (a, b) = self.into_inner();
        range(a, b)
    }
}

impl IntoPredicate<String> for &str {
    fn into_predicate(self) -> Predicate<String> {
        eq(self.to_owned())
    }
}

/// A reference to a value of the column's type (`&String`, or the `&u32`
/// items of `one_of(ids.iter())`).
impl<T: ToWire + Clone> IntoPredicate<T> for &T {
    fn into_predicate(self) -> Predicate<T> {
        eq(self.clone())
    }
}

impl<const N: usize> IntoPredicate<String> for [&str; N] {
    fn into_predicate(self) -> Predicate<String> {
        any_of(self.into_iter().map(|s| eq(s.to_owned())))
    }
}

impl IntoPredicate<String> for Vec<&str> {
    fn into_predicate(self) -> Predicate<String> {
        any_of(self.into_iter().map(|s| eq(s.to_owned())))
    }
}

impl<T: Clone> IntoPredicate<T> for &[T] {
    fn into_predicate(self) -> Predicate<T> {
        any_of(self.iter().cloned().map(eq))
    }
}

impl<T: Clone> IntoPredicate<T> for &Vec<T> {
    fn into_predicate(self) -> Predicate<T> {
        self.as_slice().into_predicate()
    }
}

impl<T: Clone, const N: usize> IntoPredicate<T> for &[T; N] {
    fn into_predicate(self) -> Predicate<T> {
        self.as_slice().into_predicate()
    }
}

impl IntoPredicate<String> for &[&str] {
    fn into_predicate(self) -> Predicate<String> {
        any_of(self.iter().map(|s| eq(s.to_string())))
    }
}

impl IntoPredicate<String> for &Vec<&str> {
    fn into_predicate(self) -> Predicate<String> {
        self.as_slice().into_predicate()
    }
}

impl<const N: usize> IntoPredicate<String> for &[&str; N] {
    fn into_predicate(self) -> Predicate<String> {
        self.as_slice().into_predicate()
    }
}

/// One value given in another type than the column's: converted, or an
/// [`Term::Invalid`] that fails the query when it is sent.
trait Convert<T>: Sized {
    fn term(self) -> Term<T>;
}

/// Any of `items`, each converted. One function per (source, column) pair
/// serves every list type, which keeps the ~550 input impls cheap to
/// compile.
fn converted_list<S: Copy + Convert<T>, T>(items: &[S]) -> Predicate<T> {
    Predicate {
        terms: items.iter().map(|&s| s.term()).collect(),
    }
}

/// The input impls of a source type `S` that converts into a column type
/// `T` through [`Convert`]: the value, arrays, slices, vectors and ranges.
macro_rules! converted_inputs {
    ($col:ty => $($src:ty),*) => {$(
        impl IntoPredicate<$col> for $src {
            fn into_predicate(self) -> Predicate<$col> {
                single(Convert::<$col>::term(self))
            }
        }
        impl IntoPredicate<$col> for &$src {
            fn into_predicate(self) -> Predicate<$col> {
                single(Convert::<$col>::term(*self))
            }
        }
        impl<const N: usize> IntoPredicate<$col> for [$src; N] {
            fn into_predicate(self) -> Predicate<$col> {
                converted_list(&self)
            }
        }
        impl<const N: usize> IntoPredicate<$col> for &[$src; N] {
            fn into_predicate(self) -> Predicate<$col> {
                converted_list(self)
            }
        }
        impl IntoPredicate<$col> for Vec<$src> {
            fn into_predicate(self) -> Predicate<$col> {
                converted_list(&self)
            }
        }
        impl IntoPredicate<$col> for &[$src] {
            fn into_predicate(self) -> Predicate<$col> {
                converted_list(self)
            }
        }
        impl IntoPredicate<$col> for &Vec<$src> {
            fn into_predicate(self) -> Predicate<$col> {
                converted_list(self)
            }
        }
        impl IntoPredicate<$col> for RangeInclusive<$src> {
            fn into_predicate(self) -> Predicate<$col> {
                let (a, b) = self.into_inner();
                // From the start of `a` to the end of `b` (a date's whole
                // last day on a datetime column).
                match (Convert::<$col>::term(a), Convert::<$col>::term(b)) {
                    (Term::Invalid(why), _) | (_, Term::Invalid(why)) => single(Term::Invalid(why)),
                    (Term::Eq(a) | Term::Range(a, _), Term::Eq(b) | Term::Range(_, b)) => {
                        single(Term::Range(a, b))
                    }
                    _ => single(Term::Invalid("this range cannot be converted".into())),
                }
            }
        }
    )*};
}

/// Integers of any type on an integer column: range-checked, never
/// truncated. Every integer type is accepted (not only the lossless ones) so
/// that a bare literal (`norad_cat_id(25544)`, typed `i32` when several
/// impls apply) still compiles; a value out of range is an error when sent.
macro_rules! int_columns {
    ($($col:ty => [$($src:ty),*];)*) => {$(
        $(
            impl Convert<$col> for $src {
                fn term(self) -> Term<$col> {
                    match <$col>::try_from(self) {
                        Ok(v) => Term::Eq(Operand::Value(v)),
                        Err(_) => Term::Invalid(format!(
                            "{self} is out of range for the column's type {}",
                            stringify!($col)
                        )),
                    }
                }
            }
        )*
        converted_inputs!($col => $($src),*);
    )*};
}
int_columns! {
    u8 => [i8, u16, i16, u32, i32, u64, i64, usize, isize];
    i8 => [u8, u16, i16, u32, i32, u64, i64, usize, isize];
    u16 => [u8, i8, i16, u32, i32, u64, i64, usize, isize];
    i16 => [u8, i8, u16, u32, i32, u64, i64, usize, isize];
    u32 => [u8, i8, u16, i16, i32, u64, i64, usize, isize];
    i32 => [u8, i8, u16, i16, u32, u64, i64, usize, isize];
    u64 => [u8, i8, u16, i16, u32, i32, i64, usize, isize];
    i64 => [u8, i8, u16, i16, u32, i32, u64, usize, isize];
}

/// Integers on a decimal column: only the types `f64` holds exactly.
macro_rules! float_column {
    ($($src:ty),*) => {$(
        impl Convert<f64> for $src {
            fn term(self) -> Term<f64> {
                Term::Eq(Operand::Value(f64::from(self)))
            }
        }
    )*
    converted_inputs!(f64 => $($src),*);
    };
}
float_column!(u8, i8, u16, i16, u32, i32);

/// A date on a datetime column: that whole day, UTC (midnight to its last
/// microsecond), so that `epoch(day)` finds the day's element sets.
impl Convert<DateTime<Utc>> for NaiveDate {
    fn term(self) -> Term<DateTime<Utc>> {
        let end = self
            .and_time(chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("valid"))
            .and_utc();
        Term::Range(Operand::Value(midnight(self)), Operand::Value(end))
    }
}
converted_inputs!(DateTime<Utc> => NaiveDate);

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

/// Between `lo` and `hi`, both included (`lo--hi`).
pub fn range<T>(lo: impl Into<Operand<T>>, hi: impl Into<Operand<T>>) -> Predicate<T> {
    single(Term::Range(lo.into(), hi.into()))
}

/// Contains `text` (`~~text`; Space-Track's SQL `LIKE '%text%'`).
pub fn like<T>(text: impl std::fmt::Display) -> Predicate<T> {
    single(Term::Like(text.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn r<T: ToWire>(p: impl IntoPredicate<T>) -> Result<String, String> {
        p.into_predicate().render()
    }

    #[test]
    fn converted_inputs_render_exactly() {
        type Dt = DateTime<Utc>;
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(
            r::<Dt>(day),
            Ok("2026-11-01 00:00:00--2026-11-01 23:59:59.999999".into())
        );
        assert_eq!(
            r::<Dt>(day..=next),
            Ok("2026-11-01 00:00:00--2026-11-02 23:59:59.999999".into())
        );
        assert_eq!(r::<Dt>(gt(day)), Ok(">2026-11-01 00:00:00".into()));
        assert_eq!(r::<u32>(7i64), Ok("7".into()));
        assert_eq!(r::<u32>(&[1u16, 2][..]), Ok("1,2".into()));
        assert_eq!(r::<u32>(one_of(vec![3i64, 4])), Ok("3,4".into()));
        assert!(r::<u32>(-1i64).unwrap_err().contains("out of range"));
        assert!(r::<u8>(1..=300).unwrap_err().contains("out of range"));
        assert_eq!(r::<f64>(15), Ok("15".into()));
    }

    #[test]
    fn renders_like_the_reference() {
        assert_eq!(r::<u32>(25544), Ok("25544".into()));
        assert_eq!(r::<u32>([25544, 41335]), Ok("25544,41335".into()));
        assert_eq!(r::<f64>(0.99..=1.01), Ok("0.99--1.01".into()));
        assert_eq!(r::<f64>(lt(0.01)), Ok("<0.01".into()));
        assert_eq!(r::<u32>(ne(5)), Ok("<>5".into()));
        assert_eq!(r::<String>(gt("A")), Ok(">A".into()));
        assert_eq!(
            r::<u32>(
                eq(36000)
                    .or(range(36001, 36004))
                    .or(like(36005))
                    .or(starts_with(3600))
                    .or(36010)
            ),
            Ok("36000,36001--36004,~~36005,^3600,36010".into())
        );
        assert_eq!(
            r::<NaiveDate>(Option::<NaiveDate>::None),
            Ok("null-val".into())
        );
        assert_eq!(r::<NaiveDate>(not_null()), Ok("<>null-val".into()));
        assert_eq!(
            r::<DateTime<Utc>>(gt(now_minus_days(30))),
            Ok(">now-30".into())
        );
        assert_eq!(
            r::<DateTime<Utc>>(lt(now_plus_days(0.5))),
            Ok("<now+0.5".into())
        );
        assert_eq!(r::<DateTime<Utc>>(gt(now())), Ok(">now".into()));
        let d = |m, day| NaiveDate::from_ymd_opt(2012, m, day).unwrap();
        assert_eq!(
            r::<NaiveDate>(d(7, 2)..=d(7, 9)),
            Ok("2012-07-02--2012-07-09".into())
        );
        let dt = NaiveDate::from_ymd_opt(1986, 1, 28)
            .unwrap()
            .and_hms_micro_opt(16, 39, 13, 123)
            .unwrap()
            .and_utc();
        assert_eq!(
            r::<DateTime<Utc>>(dt),
            Ok("1986-01-28 16:39:13.000123".into())
        );
    }

    #[test]
    fn operator_characters_in_literals_are_rejected() {
        for bad in [
            "a,b", "x--y", ">5", "<5", "^A", "~~A", "A~~", "null-val", "",
        ] {
            assert!(r::<String>(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(r::<f64>(f64::NAN).is_err());
        assert!(r::<u32>(Vec::<u32>::new()).is_err());
        assert_eq!(
            r::<String>("ISS (ZARYA)/a&b?c#d%e+f"),
            Ok("ISS (ZARYA)/a&b?c#d%e+f".into())
        );
        assert_eq!(r::<i32>(-5..=-3), Ok("-5---3".into()));
    }
}

//! What a predicate method accepts: [`IntoPredicate`] for values, lists,
//! ranges and references of the column's type, and the conversions of
//! other integer types and of dates.

use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Operand, Predicate, Term, any_of, eq, midnight, null, range, single};
use crate::de::ToWire;

/// Everything a predicate method accepts for a column of type `T`.
///
/// A value of another type does not compile, and the compiler names the
/// type the filter takes (see
/// [When a filter does not compile](crate::op#when-a-filter-does-not-compile)).
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

//! Values that fit their column's SQL type.

use chrono::{Duration, NaiveDate};
use spacetrack_codegen::Column;
use spacetrack_codegen::mysql::SqlType;

use super::Val;
use super::values::RowCtx;

/// A plausible value from the column type alone.
pub(super) fn generic(ctx: &RowCtx<'_>, col: &Column, i: usize) -> Val {
    let u = ctx.u(i);
    if col.nullable && ctx.u(i + 500) < 0.08 {
        return Val::Null;
    }
    let lname = col.name.to_ascii_lowercase();
    match &col.sql {
        SqlType::Int { bytes, unsigned } => {
            if lname.ends_with("_id") || lname == "id" || lname == "gid" {
                return Val::Int(ctx.r as i64 + 1);
            }
            let max = match bytes {
                1 => 100.0,
                2 => 10_000.0,
                _ => 1_000_000.0,
            };
            let v = (u * max) as i64;
            Val::Int(if *unsigned { v } else { v - (max as i64) / 4 })
        }
        SqlType::Real { scale, .. } => {
            // Within the type's digits (decimal(5,4) stays under 10).
            let (max, unsigned) = real_bounds(col);
            let m = max.unwrap_or(1000.0).min(1000.0);
            let v = if unsigned { u * m } else { (u - 0.2) * m };
            Val::Real(match scale {
                Some(s) => (v * 10f64.powi(*s as i32)).round() / 10f64.powi(*s as i32),
                None => v,
            })
        }
        SqlType::Date => Val::Date(ctx.cat.anchor.date() - Duration::days((u * 3650.0) as i64)),
        SqlType::DateTime { fsp } => {
            let dt = ctx.cat.anchor - Duration::seconds((u * 365.0 * 86_400.0) as i64);
            Val::DateTime(if *fsp > 0 {
                dt + Duration::microseconds((ctx.u(i + 900) * 1e6) as i64)
            } else {
                dt
            })
        }
        SqlType::Text { .. } => Val::Text(if lname.ends_with("_unit") {
            ["km", "m", "m/s", "s"][ctx.r % 4].to_owned()
        } else if lname.contains("email") {
            format!("operator{}@example.org", ctx.r)
        } else {
            format!(
                "{} {}",
                col.name.to_ascii_uppercase().replace('_', " "),
                ctx.r + 1
            )
        }),
        SqlType::Blob => Val::Text(format!("blob-{}", ctx.r)),
        SqlType::Enum(members) => Val::Text(members[ctx.r % members.len()].clone()),
    }
}

/// Makes a value fit its column: nulls only where allowed, integers in
/// range, text within its length, reals at their scale.
pub(crate) fn coerce(v: Val, col: &Column) -> Val {
    match (&col.sql, v) {
        (_, Val::Null) if !col.nullable => match &col.sql {
            SqlType::Int { .. } => Val::Int(0),
            SqlType::Real { .. } => Val::Real(0.0),
            SqlType::Date => Val::Date(NaiveDate::from_ymd_opt(1, 1, 1).expect("date")),
            SqlType::DateTime { .. } => Val::DateTime(
                NaiveDate::from_ymd_opt(1, 1, 1)
                    .expect("date")
                    .and_hms_opt(0, 0, 0)
                    .expect("time"),
            ),
            _ => Val::Text(String::new()),
        },
        (_, Val::Null) => Val::Null,
        (SqlType::Int { bytes, unsigned }, v) => {
            let n = match v {
                Val::Int(n) => n,
                Val::Real(f) => f.round() as i64,
                _ => 0,
            };
            let bits = *bytes as u32 * 8;
            let (lo, hi): (i128, i128) = if *unsigned {
                (0, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            Val::Int((n as i128).clamp(lo, hi.min(i64::MAX as i128)) as i64)
        }
        (SqlType::Real { scale, .. }, v) => {
            let f = match v {
                Val::Real(f) => f,
                Val::Int(n) => n as f64,
                _ => 0.0,
            };
            let f = match scale {
                Some(s) => (f * 10f64.powi(*s as i32)).round() / 10f64.powi(*s as i32),
                None => f,
            };
            let (max, unsigned) = real_bounds(col);
            let max = max.unwrap_or(f64::MAX);
            let f = f.clamp(if unsigned { 0.0 } else { -max }, max);
            // A decimal has no negative zero (-0.00000000 rounds to 0).
            Val::Real(if f == 0.0 { 0.0 } else { f })
        }
        (SqlType::Enum(members), Val::Text(s)) => {
            // Only a member fits an enum column.
            match members.iter().find(|m| m.eq_ignore_ascii_case(&s)) {
                Some(m) => Val::Text(m.clone()),
                None => members.first().cloned().map_or(Val::Null, Val::Text),
            }
        }
        (SqlType::Text { max_len: Some(m) }, Val::Text(mut s)) => {
            if s.chars().count() > *m as usize {
                s = s.chars().take(*m as usize).collect();
            }
            Val::Text(s)
        }
        (SqlType::Text { .. } | SqlType::Enum(_) | SqlType::Blob, v) => match v {
            Val::Text(s) => Val::Text(s),
            Val::Int(n) => Val::Text(n.to_string()),
            Val::Real(f) => Val::Text(f.to_string()),
            Val::Date(d) => Val::Text(d.to_string()),
            Val::DateTime(d) => Val::Text(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            Val::Null => Val::Null,
        },
        (SqlType::Date, Val::DateTime(d)) => Val::Date(d.date()),
        (SqlType::DateTime { .. }, Val::Date(d)) => {
            Val::DateTime(d.and_hms_opt(0, 0, 0).expect("time"))
        }
        (_, v) => v,
    }
}

/// The largest magnitude a real column holds (`decimal(p,s)`: under
/// 10^(p-s); `double(p,s)` likewise; `decimal` alone is `decimal(10,0)`;
/// other floats have no bound here), and whether it is `unsigned`.
pub(crate) fn real_bounds(col: &Column) -> (Option<f64>, bool) {
    use spacetrack_codegen::mysql::RealKind;
    let raw = col.raw_type.to_ascii_lowercase();
    let unsigned = raw.split_whitespace().any(|w| w == "unsigned");
    let args: Vec<i32> = raw
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| {
            inner
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let digits = match (&col.sql, args.as_slice()) {
        (
            SqlType::Real {
                kind: RealKind::Decimal,
                ..
            },
            [],
        ) => Some((10, 0)),
        (
            SqlType::Real {
                kind: RealKind::Decimal,
                ..
            },
            [p],
        ) => Some((*p, 0)),
        (SqlType::Real { .. }, [p, s]) => Some((*p, *s)),
        _ => None,
    };
    let max = digits.map(|(p, s)| 10f64.powi(p - s) - 10f64.powi(-s));
    (max, unsigned)
}

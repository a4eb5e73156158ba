//! A plan as SQL, for SQLite or PostgreSQL, with Space-Track's semantics
//! rather than SQL's: text compared ignoring case (MySQL's default
//! collation), `LIKE` ignoring case, NULLs first in ascending order and
//! last in descending order, an enum sorted by its members' order, a date
//! compared with a datetime as that day's midnight.

use super::grammar::{Compare, Lit, Plan, Term, compare, enum_members, scale};
use crate::sql::{Dialect, Statement, q, unknown_expr};
use crate::tables::ValueKind;
use crate::value::{Value, datetime_text};

struct Builder {
    dialect: Dialect,
    params: Vec<Value>,
}

impl Builder {
    /// A parameter of the comparison type `c`.
    fn param(&mut self, v: Value, c: Compare) -> String {
        self.params.push(v);
        let n = self.params.len();
        match (self.dialect, c) {
            (Dialect::Sqlite, _) => format!("?{n}"),
            (Dialect::Postgres, Compare::Num) => format!("${n}::text::double precision"),
            (Dialect::Postgres, Compare::Time) => format!("${n}::text::timestamp"),
            (Dialect::Postgres, Compare::Text) => format!("lower(${n}::text)"),
        }
    }

    fn lit(&mut self, l: &Lit, c: Compare) -> Option<String> {
        let v = match l {
            Lit::None => return None,
            Lit::Num(n) => Value::Real(*n),
            Lit::Time(t) => Value::Text(datetime_text(t)),
            Lit::Text(s) => Value::Text(s.clone()),
        };
        Some(self.param(v, c))
    }

    /// The column as it compares: text ignoring case, a date as its
    /// midnight.
    fn operand(&self, col: &str, kind: ValueKind) -> String {
        self.operand_of(&q(col), kind)
    }

    /// [`operand`](Self::operand) of an already quoted column reference.
    fn operand_of(&self, c: &str, kind: ValueKind) -> String {
        let c = c.to_owned();
        match (self.dialect, kind) {
            (Dialect::Sqlite, ValueKind::Text | ValueKind::Blob) => format!("{c} COLLATE NOCASE"),
            (Dialect::Sqlite, ValueKind::Date) => format!("({c} || ' 00:00:00.000000')"),
            (Dialect::Postgres, ValueKind::Text | ValueKind::Blob) => format!("lower({c})"),
            (Dialect::Postgres, ValueKind::Date) => format!("{c}::timestamp"),
            _ => c,
        }
    }

    /// The column's value as MySQL's `CAST(... AS CHAR)` writes it, which
    /// `LIKE` matches: decimals at their scale, datetimes with a space and
    /// the column's fraction digits.
    fn text_of(&self, col: &str, kind: ValueKind, sql_type: &str) -> String {
        let c = q(col);
        let digits = scale(sql_type);
        match (self.dialect, kind) {
            (_, ValueKind::Text | ValueKind::Blob) => c,
            (Dialect::Sqlite, ValueKind::Real) => match digits {
                Some(s) => format!("printf('%.{s}f', {c})"),
                None => format!("CAST({c} AS TEXT)"),
            },
            (Dialect::Postgres, ValueKind::Real) => match digits {
                Some(s) => format!("round({c}::numeric, {s})::text"),
                None => format!("{c}::text"),
            },
            (Dialect::Sqlite, ValueKind::DateTime) => {
                let len = 19 + digits.filter(|&d| d > 0).map_or(0, |d| d + 1);
                format!("substr({c}, 1, {len})")
            }
            (Dialect::Postgres, ValueKind::DateTime) => {
                let len = 19 + digits.filter(|&d| d > 0).map_or(0, |d| d + 1);
                format!("substr(to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US'), 1, {len})")
            }
            (Dialect::Sqlite, _) => format!("CAST({c} AS TEXT)"),
            (Dialect::Postgres, _) => format!("{c}::text"),
        }
    }

    fn like(&mut self, expr: &str, pattern: String) -> String {
        self.params.push(Value::Text(pattern));
        let n = self.params.len();
        match self.dialect {
            Dialect::Sqlite => format!("{expr} LIKE ?{n} ESCAPE '\\'"),
            Dialect::Postgres => format!("{expr} ILIKE ${n}::text ESCAPE '\\'"),
        }
    }
}

/// `LIKE`'s wildcards in a literal, escaped.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// The `WHERE` clause (without the keyword), always non-empty.
fn conditions(plan: &Plan, b: &mut Builder) -> String {
    let t = plan.table;
    let mut all = Vec::new();
    if !plan.include_removed {
        all.push(format!("{} IS NULL", q("_removed_at")));
    }
    for f in &plan.filters {
        let col = &t.columns[f.column];
        let sql_type = plan.info.column(col.name).map(|c| c.sql_type).unwrap_or("");
        let kind = col.kind;
        let c = compare(kind);
        let a = b.operand(col.name, kind);
        let mut any = Vec::new();
        for term in &f.terms {
            let cond = match term {
                Term::Null => Some(format!("{} IS NULL", q(col.name))),
                Term::NotNull => Some(format!("{} IS NOT NULL", q(col.name))),
                Term::Eq(l) => b.lit(l, c).map(|p| format!("{a} = {p}")),
                Term::Ne(l) => b.lit(l, c).map(|p| format!("{a} <> {p}")),
                Term::Gt(l) => b.lit(l, c).map(|p| format!("{a} > {p}")),
                Term::Lt(l) => b.lit(l, c).map(|p| format!("{a} < {p}")),
                Term::Range(x, y) => match (b.lit(x, c), b.lit(y, c)) {
                    (Some(x), Some(y)) => Some(format!("{a} BETWEEN {x} AND {y}")),
                    _ => None,
                },
                Term::Contains(s) => {
                    let text = b.text_of(col.name, kind, sql_type);
                    Some(b.like(&text, format!("%{}%", escape_like(s))))
                }
                Term::Starts(s) => {
                    let text = b.text_of(col.name, kind, sql_type);
                    Some(b.like(&text, format!("{}%", escape_like(s))))
                }
            };
            // A literal that does not convert never matches.
            any.push(cond.unwrap_or_else(|| "0 = 1".into()));
        }
        all.push(format!("({})", any.join(" OR ")));
    }
    if all.is_empty() {
        "1 = 1".into()
    } else {
        all.join(" AND ")
    }
}

fn order_by(plan: &Plan, dialect: Dialect) -> String {
    let t = plan.table;
    // PostgreSQL reads a bare name in ORDER BY as the output column of that
    // name first, which the SELECT list casts to text: name the table's.
    let qualified = |name: &str| match dialect {
        Dialect::Sqlite => q(name),
        Dialect::Postgres => format!("{}.{}", q(t.class), q(name)),
    };
    let keys: Vec<String> = plan
        .order
        .iter()
        .map(|&(i, desc)| {
            let col = &t.columns[i];
            let members = plan
                .info
                .column(col.name)
                .map(|c| enum_members(c.sql_type))
                .unwrap_or_default();
            let expr = if !members.is_empty() {
                let arms: Vec<String> = members
                    .iter()
                    .enumerate()
                    .map(|(n, m)| format!("WHEN '{}' THEN {}", m.replace('\'', "''"), n + 1))
                    .collect();
                format!("CASE {} {} ELSE 0 END", qualified(col.name), arms.join(" "))
            } else {
                Builder {
                    dialect,
                    params: Vec::new(),
                }
                .operand_of(&qualified(col.name), col.kind)
            };
            // MySQL: NULLs first ascending, last descending (SQLite's default too).
            let (dir, nulls) = match (desc, dialect) {
                (false, Dialect::Sqlite) => ("", ""),
                (true, Dialect::Sqlite) => (" DESC", ""),
                (false, Dialect::Postgres) => ("", " NULLS FIRST"),
                (true, Dialect::Postgres) => (" DESC", " NULLS LAST"),
            };
            // A NULL enum is NULL, not the ELSE arm.
            if !members.is_empty() {
                format!(
                    "CASE WHEN {} IS NULL THEN 0 ELSE 1 END{dir}, {expr}{dir}{nulls}",
                    qualified(col.name)
                )
            } else {
                format!("{expr}{dir}{nulls}")
            }
        })
        .collect();
    keys.join(", ")
}

/// The rows of the plan, every column then `_unknown` (the answer's
/// columns are picked when rendering). Limit and offset are left to the
/// caller when `distinct` (duplicates are removed after sorting).
pub(crate) fn select(plan: &Plan, dialect: Dialect, retired: &[String]) -> Statement {
    let mut b = Builder {
        dialect,
        params: Vec::new(),
    };
    let cast = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => "::text",
    };
    let mut cols: Vec<String> = plan
        .table
        .columns
        .iter()
        .map(|c| format!("{}{cast}", q(c.name)))
        .collect();
    cols.push(unknown_expr(dialect, retired, cast));
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {}",
        cols.join(", "),
        q(plan.table.class),
        conditions(plan, &mut b)
    );
    if !plan.order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&order_by(plan, dialect));
    }
    if !plan.distinct && (plan.limit.is_some() || plan.offset > 0) {
        let limit = plan
            .limit
            .map_or(i64::MAX, |l| l.min(i64::MAX as u64) as i64);
        let offset = plan.offset.min(i64::MAX as u64) as i64;
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    Statement {
        sql,
        params: b.params,
    }
}

/// How many rows match, before the limit.
pub(crate) fn count(plan: &Plan, dialect: Dialect) -> Statement {
    let mut b = Builder {
        dialect,
        params: Vec::new(),
    };
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE {}",
        q(plan.table.class),
        conditions(plan, &mut b)
    );
    Statement {
        sql,
        params: b.params,
    }
}

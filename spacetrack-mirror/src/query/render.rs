//! Rows written in Space-Track's formats: JSON (with `metadata/true`'s
//! envelope), CSV, TLE and 3LE. The other text formats are Space-Track's
//! own renderings, which the mirror does not reproduce.

use spacetrack::Format;

use super::grammar::{Plan, scale};
use crate::tables::ValueKind;
use crate::value::Value;
use crate::{Error, Result};

/// What Space-Track sends in a text format for an answer without rows
/// when `emptyresult/show` is asked (an empty body otherwise).
pub(crate) const NO_RESULTS: &str = "NO RESULTS RETURNED";

/// Checks that the mirror can write `format` for `plan`'s class.
pub(crate) fn supported(plan: &Plan) -> Result<()> {
    let class = plan.table.class;
    match plan.format {
        Format::Json | Format::Csv => Ok(()),
        Format::Tle | Format::ThreeLe
            if plan.table.position("TLE_LINE1").is_some()
                && plan.table.position("TLE_LINE2").is_some() =>
        {
            Ok(())
        }
        Format::Tle | Format::ThreeLe => Err(Error::InvalidArgument(format!(
            "{class} has no element set lines: tle and 3le answers come from gp and gp_history"
        ))),
        other => Err(Error::InvalidArgument(format!(
            "{other} answers are Space-Track's own rendering, which the mirror cannot reproduce \
             exactly; ask the mirror for json, csv, tle or 3le (or Space-Track for {other})"
        ))),
    }
}

/// Writes the answer's rows into a buffer that the caller drains.
pub(crate) struct Writer<'a> {
    plan: &'a Plan,
    /// Per column of the table: the digits after the point Space-Track
    /// writes (decimal scale, datetime fraction).
    digits: Vec<Option<usize>>,
    pub rows: u64,
}

/// A JSON string as PHP's `json_encode` writes it (`/` escaped too).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'/' => "\\/",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

impl<'a> Writer<'a> {
    pub fn new(plan: &'a Plan) -> Writer<'a> {
        let digits = plan
            .table
            .columns
            .iter()
            .map(|c| plan.info.column(c.name).and_then(|i| scale(i.sql_type)))
            .collect();
        Writer {
            plan,
            digits,
            rows: 0,
        }
    }

    /// A cell as Space-Track writes it: decimals at their scale, datetimes
    /// with `T` and the column's fraction digits.
    fn text(&self, col: usize, v: &Value, out: &mut String) -> bool {
        use std::fmt::Write;
        match v {
            Value::Null => return false,
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Real(f) => match self.digits[col] {
                Some(s) => {
                    let _ = write!(out, "{f:.s$}");
                }
                None => {
                    let _ = write!(out, "{f}");
                }
            },
            Value::Text(s) => out.push_str(s),
            Value::Date(d) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            Value::DateTime(t) => {
                let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
                if let Some(fsp) = self.digits[col].filter(|&d| d > 0) {
                    let frac = format!("{:09}", chrono::Timelike::nanosecond(t));
                    out.push('.');
                    out.push_str(&frac[..fsp.min(9)]);
                }
            }
        }
        true
    }

    pub fn begin(&self, out: &mut String, total: Option<u64>) {
        if self.plan.metadata {
            let meta = serde_json::json!({
                "Total": total.unwrap_or(0),
                "Limit": self.plan.limit,
                "LimitOffset": self.plan.offset,
                "RequestTime": "0.0000",
            });
            out.push_str(&format!("{{\"request_metadata\":{meta},\"data\":"));
        }
        match self.plan.format {
            Format::Json => out.push('['),
            Format::Csv => {
                let header: Vec<String> = self
                    .plan
                    .columns
                    .iter()
                    .map(|&c| format!("\"{}\"", self.plan.table.columns[c].name))
                    .collect();
                out.push_str(&header.join(","));
                out.push_str("\r\n");
            }
            _ => {}
        }
    }

    /// Writes one row; `unknown` is its `_unknown` JSON object.
    pub fn row(&mut self, out: &mut String, values: &[Value], unknown: Option<&str>) {
        let plan = self.plan;
        let t = plan.table;
        match plan.format {
            Format::Json => {
                if self.rows > 0 {
                    out.push(',');
                }
                out.push('{');
                let mut cell = String::new();
                for (i, &c) in plan.columns.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_str(out, t.columns[c].name);
                    out.push(':');
                    cell.clear();
                    if self.text(c, &values[c], &mut cell) {
                        json_str(out, &cell);
                    } else {
                        out.push_str("null");
                    }
                }
                // The columns this build's schema lacks, as Space-Track sent
                // them, after the known ones.
                if let (false, Some(extra)) = (plan.selected, unknown) {
                    let inner = extra
                        .trim()
                        .strip_prefix('{')
                        .and_then(|s| s.strip_suffix('}'))
                        .unwrap_or("")
                        .trim();
                    if !inner.is_empty() {
                        out.push(',');
                        out.push_str(inner);
                    }
                }
                out.push('}');
            }
            Format::Csv => {
                let mut cell = String::new();
                for (i, &c) in plan.columns.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    cell.clear();
                    if self.text(c, &values[c], &mut cell) {
                        out.push('"');
                        out.push_str(&cell.replace('"', "\"\""));
                        out.push('"');
                    }
                }
                out.push_str("\r\n");
            }
            Format::Tle | Format::ThreeLe => {
                let line = |name: &str| match t.position(name).map(|i| &values[i]) {
                    Some(Value::Text(s)) => Some(s.as_str()),
                    _ => None,
                };
                // Space-Track writes no lines for a set without a TLE.
                let (Some(a), Some(b)) = (line("TLE_LINE1"), line("TLE_LINE2")) else {
                    return;
                };
                if plan.format == Format::ThreeLe {
                    if let Some(l0) = line("TLE_LINE0") {
                        out.push_str(l0);
                        out.push_str("\r\n");
                    }
                }
                out.push_str(a);
                out.push_str("\r\n");
                out.push_str(b);
                out.push_str("\r\n");
            }
            _ => {}
        }
        self.rows += 1;
    }

    /// Ends the answer. An answer without rows in a text format is as
    /// Space-Track sends it: an empty body, or with `emptyresult/show` the
    /// line that says so.
    pub fn end(&self, out: &mut String) {
        let plan = self.plan;
        if self.rows == 0 && matches!(plan.format, Format::Csv | Format::Tle | Format::ThreeLe) {
            out.clear();
            if plan.empty_show {
                out.push_str(NO_RESULTS);
            }
            return;
        }
        if plan.format == Format::Json {
            out.push(']');
        }
        if plan.metadata {
            out.push('}');
        }
    }
}

/// The kinds of a table's columns, for reading rows.
pub(crate) fn kinds(plan: &Plan) -> Vec<ValueKind> {
    plan.table.columns.iter().map(|c| c.kind).collect()
}

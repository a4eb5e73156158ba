//! Writing rows in Space-Track's formats.

use spacetrack_codegen::mysql::SqlType;

use crate::grammar::Format;
use crate::table::{Table, Val};

/// A cell as Space-Track writes it: decimals at the column's scale,
/// datetimes at its precision, with `T` or a space as the class does.
pub fn text(table: &Table, col: usize, v: &Val) -> Option<String> {
    let c = &table.schema.columns[col];
    Some(match v {
        Val::Null => return None,
        Val::Int(n) => n.to_string(),
        Val::Real(f) => match c.sql {
            SqlType::Real { scale: Some(s), .. } => format!("{f:.*}", s as usize),
            _ if table.exponent[col] => g_format(*f),
            _ => format!("{f}"),
        },
        Val::Date(d) => d.format("%Y-%m-%d").to_string(),
        Val::DateTime(t) => {
            let sep = if table.t_separator[col] { "T" } else { " " };
            let fsp = match c.sql {
                SqlType::DateTime { fsp } => fsp as usize,
                _ => 0,
            };
            let mut s = format!("{}{sep}{}", t.format("%Y-%m-%d"), t.format("%H:%M:%S"));
            if fsp > 0 && !table.no_fraction[col] {
                let frac = format!("{:09}", chrono::Timelike::nanosecond(t));
                s.push('.');
                s.push_str(&frac[..fsp]);
            }
            s
        }
        Val::Text(s) => s.clone(),
    })
}

/// The text MySQL compares for `LIKE` (`~~`, `^`): a datetime as
/// `CAST(... AS CHAR)` writes it, with a space and every fractional digit
/// its type declares (`2026-11-24 12:00:00.000000` for `datetime(6)`),
/// whatever the answer's own rendering (`T`, fraction dropped); any other
/// value as [`text`] writes it.
pub fn cast_text(table: &Table, col: usize, v: &Val) -> Option<String> {
    match v {
        Val::DateTime(t) => {
            let fsp = match table.schema.columns[col].sql {
                SqlType::DateTime { fsp } => fsp as usize,
                _ => 0,
            };
            let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
            if fsp > 0 {
                let frac = format!("{:09}", chrono::Timelike::nanosecond(t));
                s.push('.');
                s.push_str(&frac[..fsp]);
            }
            Some(s)
        }
        _ => text(table, col, v),
    }
}

/// C's `%g` with 6 significant digits, as PHP and MySQL print doubles:
/// `5.89239e-05`, `0.0012`, `123457`.
fn g_format(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return format!("{f}");
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        let s = format!("{f:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        let e = format!("{f:.5e}");
        let (mantissa, exponent) = e.split_once('e').unwrap_or((&e, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let n: i32 = exponent.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if n < 0 { '-' } else { '+' }, n.abs())
    }
}

/// A JSON string as PHP's `json_encode` writes it: `/` escaped too.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '/' => out.push_str("\\/"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Incremental writer for one response.
pub struct Writer<'a> {
    pub table: &'a Table,
    pub columns: Vec<usize>,
    pub format: Format,
    pub rows: usize,
}

impl<'a> Writer<'a> {
    pub fn begin(&self, out: &mut String) {
        let names = || {
            self.columns
                .iter()
                .map(|&c| self.table.schema.columns[c].name.as_str())
        };
        match self.format {
            Format::Json => out.push('['),
            Format::Csv => {
                let header: Vec<String> = names().map(|n| format!("\"{n}\"")).collect();
                out.push_str(&header.join(","));
                out.push_str("\r\n");
            }
            Format::Xml => out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>"),
            Format::Html => {
                out.push_str("<table><thead><tr>");
                for n in names() {
                    out.push_str(&format!("<th>{n}</th>"));
                }
                out.push_str("</tr></thead><tbody>");
            }
            _ => {}
        }
    }

    pub fn row(&mut self, out: &mut String, row: &[Val]) {
        let t = self.table;
        let name = |c: usize| t.schema.columns[c].name.as_str();
        let cell = |c: usize| text(t, c, &row[c]);
        match self.format {
            Format::Json => {
                if self.rows > 0 {
                    out.push(',');
                }
                out.push('{');
                for (i, &c) in self.columns.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_str(out, name(c));
                    out.push(':');
                    match cell(c) {
                        Some(s) => json_str(out, &s),
                        None => out.push_str("null"),
                    }
                }
                out.push('}');
            }
            Format::Csv => {
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .map(|&c| {
                        cell(c)
                            .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
                            .unwrap_or_default()
                    })
                    .collect();
                out.push_str(&cells.join(","));
                out.push_str("\r\n");
            }
            Format::Xml => {
                out.push_str("<item>");
                for &c in &self.columns {
                    match cell(c) {
                        Some(s) => {
                            out.push_str(&format!("<{0}>{1}</{0}>", name(c), xml_escape(&s)))
                        }
                        None => out.push_str(&format!("<{}/>", name(c))),
                    }
                }
                out.push_str("</item>");
            }
            Format::Html => {
                out.push_str("<tr>");
                for &c in &self.columns {
                    out.push_str(&format!(
                        "<td>{}</td>",
                        xml_escape(&cell(c).unwrap_or_default())
                    ));
                }
                out.push_str("</tr>");
            }
            Format::Tle | Format::ThreeLe => {
                let find = |n: &str| t.schema.columns.iter().position(|c| c.name == n);
                let (Some(l1), Some(l2)) = (find("TLE_LINE1"), find("TLE_LINE2")) else {
                    return;
                };
                let (Some(a), Some(b)) = (cell(l1), cell(l2)) else {
                    return;
                };
                if self.format == Format::ThreeLe {
                    if let Some(l0) = find("TLE_LINE0").and_then(cell) {
                        out.push_str(&l0);
                        out.push_str("\r\n");
                    }
                }
                out.push_str(&a);
                out.push_str("\r\n");
                out.push_str(&b);
                out.push_str("\r\n");
            }
            Format::Kvn | Format::Stream => {
                if self.rows > 0 {
                    out.push('\n');
                }
                for &c in &self.columns {
                    if let Some(s) = cell(c) {
                        out.push_str(&format!("{} = {}\n", name(c), s));
                    }
                }
            }
        }
        self.rows += 1;
    }

    pub fn end(&self, out: &mut String) {
        match self.format {
            Format::Json => out.push(']'),
            Format::Xml => out.push_str("</xml>"),
            Format::Html => out.push_str("</tbody></table>"),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn g_format_like_c() {
        for (v, want) in [
            (5.89239e-05, "5.89239e-05"),
            (-1.5e-12, "-1.5e-12"),
            (0.0012, "0.0012"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (42.5, "42.5"),
            (0.0, "0"),
        ] {
            assert_eq!(super::g_format(v), want, "{v}");
        }
    }
}

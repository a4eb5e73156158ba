//! Writing a mirrored table out, a row at a time.

use std::io::Write;

use chrono::NaiveDateTime;
use serde_json::{Map, Value as Json};

use crate::backend::Row;
use crate::tables::TableDef;
use crate::value::{datetime_text, to_json};
use crate::{Error, Result};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFormat {
    /// One JSON object per line: the schema's columns (numbers as
    /// numbers, dates as text), then the columns Space-Track sent that the
    /// schema lacks.
    Ndjson,
    /// A header row of the schema's columns and `_unknown` (the columns
    /// the schema lacks, as a JSON object).
    Csv,
    /// Apache Parquet (through the arrow-rs crates; readable by DuckDB,
    /// Polars and pandas): integers as INT64, reals as DOUBLE, dates as
    /// DATE, datetimes as TIMESTAMP (microseconds, UTC without a zone),
    /// text as UTF-8, and `_unknown`. Written in row groups of 65,536 rows,
    /// so memory stays flat whatever the table's size.
    Parquet,
}

impl ExportFormat {
    /// `ndjson` (or `jsonl`), `csv` or `parquet`, ignoring ASCII case.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "ndjson" | "jsonl" => Some(ExportFormat::Ndjson),
            "csv" => Some(ExportFormat::Csv),
            "parquet" => Some(ExportFormat::Parquet),
            _ => None,
        }
    }
}

/// Writes rows in a format; `include_removed` adds `_removed_at`.
pub(crate) enum Writer<W: Write + Send> {
    Parquet(Box<crate::parquet::Parquet<W>>),
    Ndjson {
        out: W,
        table: &'static TableDef,
        include_removed: bool,
    },
    Csv {
        out: csv::Writer<W>,
        include_removed: bool,
    },
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Io(e),
        other => Error::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

impl<W: Write + Send> Writer<W> {
    pub fn new(
        out: W,
        table: &'static TableDef,
        format: ExportFormat,
        include_removed: bool,
    ) -> Result<Self> {
        Ok(match format {
            ExportFormat::Parquet => Writer::Parquet(Box::new(crate::parquet::Parquet::new(
                out,
                table,
                include_removed,
            )?)),
            ExportFormat::Ndjson => Writer::Ndjson {
                out,
                table,
                include_removed,
            },
            ExportFormat::Csv => {
                let mut out = csv::Writer::from_writer(out);
                let mut header: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                header.push("_unknown");
                if include_removed {
                    header.push("_removed_at");
                }
                out.write_record(&header).map_err(csv_error)?;
                Writer::Csv {
                    out,
                    include_removed,
                }
            }
        })
    }

    pub fn row(&mut self, row: Row, removed: Option<NaiveDateTime>) -> Result<()> {
        match self {
            Writer::Parquet(p) => p.row(row, removed)?,
            Writer::Ndjson {
                out,
                table,
                include_removed,
            } => {
                let mut m = Map::with_capacity(table.columns.len() + 1);
                for (c, v) in table.columns.iter().zip(&row.values) {
                    m.insert(c.name.to_owned(), to_json(v));
                }
                if let Some(u) = &row.unknown
                    && let Ok(Json::Object(extra)) = serde_json::from_str(u)
                {
                    m.extend(extra);
                }
                if *include_removed {
                    m.insert(
                        "_removed_at".into(),
                        removed.map_or(Json::Null, |t| Json::String(datetime_text(&t))),
                    );
                }
                serde_json::to_writer(&mut *out, &Json::Object(m))
                    .map_err(|e| Error::Io(e.into()))?;
                out.write_all(b"\n")?;
            }
            Writer::Csv {
                out,
                include_removed,
                ..
            } => {
                let mut fields: Vec<String> = row.values.iter().map(crate::sync::text_of).collect();
                fields.push(row.unknown.clone().unwrap_or_default());
                if *include_removed {
                    fields.push(removed.map(|t| datetime_text(&t)).unwrap_or_default());
                }
                out.write_record(&fields).map_err(csv_error)?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        match self {
            Writer::Parquet(p) => p.finish()?,
            Writer::Ndjson { mut out, .. } => out.flush()?,
            Writer::Csv { mut out, .. } => out.flush()?,
        }
        Ok(())
    }
}

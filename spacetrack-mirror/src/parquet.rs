//! Parquet export through the arrow-rs crates, in bounded row groups.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{NaiveDate, NaiveDateTime};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::backend::Row;
use crate::tables::{TableDef, ValueKind};
use crate::value::Value;
use crate::{Error, Result};

/// Rows per record batch handed to the writer.
const BATCH_ROWS: usize = 8192;
/// Rows per row group: what the writer holds in memory at most.
pub(crate) const ROW_GROUP_ROWS: usize = 65_536;
/// Rows per row group of a partitioned dataset: DuckDB's own (a row group
/// is its unit of parallel work; Spark and Polars read such groups well).
pub(crate) const DATASET_ROW_GROUP_ROWS: usize = 122_880;

enum Col {
    Int(Int64Builder),
    Real(Float64Builder),
    Text(StringBuilder),
    Date(Date32Builder),
    Time(TimestampMicrosecondBuilder),
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01")
}

impl Col {
    fn new(kind: ValueKind) -> Col {
        match kind {
            ValueKind::Int => Col::Int(Int64Builder::new()),
            ValueKind::Real => Col::Real(Float64Builder::new()),
            ValueKind::Text | ValueKind::Blob => Col::Text(StringBuilder::new()),
            ValueKind::Date => Col::Date(Date32Builder::new()),
            ValueKind::DateTime => Col::Time(TimestampMicrosecondBuilder::new()),
        }
    }

    fn data_type(kind: ValueKind) -> DataType {
        match kind {
            ValueKind::Int => DataType::Int64,
            ValueKind::Real => DataType::Float64,
            ValueKind::Text | ValueKind::Blob => DataType::Utf8,
            ValueKind::Date => DataType::Date32,
            ValueKind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
        }
    }

    fn push(&mut self, v: &Value) -> std::result::Result<(), ()> {
        match (self, v) {
            (Col::Int(b), Value::Null) => b.append_null(),
            (Col::Real(b), Value::Null) => b.append_null(),
            (Col::Text(b), Value::Null) => b.append_null(),
            (Col::Date(b), Value::Null) => b.append_null(),
            (Col::Time(b), Value::Null) => b.append_null(),
            (Col::Int(b), Value::Int(n)) => b.append_value(*n),
            (Col::Real(b), Value::Real(f)) => b.append_value(*f),
            (Col::Text(b), Value::Text(s)) => b.append_value(s),
            (Col::Date(b), Value::Date(d)) => b.append_value((*d - epoch()).num_days() as i32),
            (Col::Time(b), Value::DateTime(t)) => b.append_value(micros(t)),
            _ => return Err(()),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Int(b) => Arc::new(b.finish()),
            Col::Real(b) => Arc::new(b.finish()),
            Col::Text(b) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
        }
    }
}

fn micros(t: &NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// A Parquet file being written.
pub(crate) struct Parquet<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    table: &'static TableDef,
    columns: Vec<Col>,
    unknown: StringBuilder,
    removed: Option<TimestampMicrosecondBuilder>,
    pending: usize,
}

fn parquet_error(e: parquet::errors::ParquetError) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

impl<W: Write + Send> Parquet<W> {
    pub fn new(out: W, table: &'static TableDef, include_removed: bool) -> Result<Self> {
        Parquet::with_row_groups(out, table, include_removed, ROW_GROUP_ROWS)
    }

    /// A file whose row groups hold at most `group_rows` rows.
    pub fn with_row_groups(
        out: W,
        table: &'static TableDef,
        include_removed: bool,
        group_rows: usize,
    ) -> Result<Self> {
        let mut fields: Vec<Field> = table
            .columns
            .iter()
            .map(|c| Field::new(c.name, Col::data_type(c.kind), true))
            .collect();
        fields.push(Field::new("_unknown", DataType::Utf8, true));
        if include_removed {
            fields.push(Field::new(
                "_removed_at",
                DataType::Timestamp(TimeUnit::Microsecond, None),
                true,
            ));
        }
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .set_compression(Compression::SNAPPY)
            .build();
        let writer =
            ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(parquet_error)?;
        Ok(Parquet {
            writer,
            schema,
            table,
            columns: table.columns.iter().map(|c| Col::new(c.kind)).collect(),
            unknown: StringBuilder::new(),
            removed: include_removed.then(TimestampMicrosecondBuilder::new),
            pending: 0,
        })
    }

    pub fn row(&mut self, row: Row, removed: Option<NaiveDateTime>) -> Result<()> {
        for ((col, v), def) in self
            .columns
            .iter_mut()
            .zip(&row.values)
            .zip(self.table.columns)
        {
            col.push(v).map_err(|()| {
                Error::Database(format!(
                    "{}.{}: {v:?} is not a {:?} value",
                    self.table.class, def.name, def.kind
                ))
            })?;
        }
        self.unknown.append_option(row.unknown.as_deref());
        if let Some(b) = &mut self.removed {
            b.append_option(removed.as_ref().map(micros));
        }
        self.pending += 1;
        if self.pending == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Col::finish).collect();
        arrays.push(Arc::new(self.unknown.finish()));
        if let Some(b) = &mut self.removed {
            arrays.push(Arc::new(b.finish()));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        self.writer.write(&batch).map_err(parquet_error)?;
        self.pending = 0;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        let mut out = self.writer.into_inner().map_err(parquet_error)?;
        out.flush()?;
        Ok(())
    }
}

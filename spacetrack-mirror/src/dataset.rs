//! A class written as a Hive-style partitioned Parquet dataset
//! (`DIR/epoch_year=2024/part-0.parquet`), which DuckDB, Polars,
//! DataFusion and Spark read as one table (`read_parquet('DIR/**/*.parquet',
//! hive_partitioning = true)`), with row groups of the size they work in.

use std::path::{Path, PathBuf};

use crate::backend::Row;
use crate::parquet::{DATASET_ROW_GROUP_ROWS, Parquet};
use crate::tables::TableDef;
use crate::value::Value;
use crate::{Error, Mirror, Result};

/// How a dataset is partitioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Partition {
    /// One folder per year of the class's time column (`epoch_year=2024`).
    Year,
    /// One folder per month inside the year's (`epoch_year=2024/epoch_month=06`).
    Month,
}

impl Partition {
    /// `year` or `month`.
    pub fn parse(s: &str) -> Option<Partition> {
        match s.to_ascii_lowercase().as_str() {
            "year" => Some(Partition::Year),
            "month" => Some(Partition::Month),
            _ => None,
        }
    }
}

/// The time column a class is partitioned by.
pub fn partition_column(class: &str) -> Option<&'static str> {
    Some(match class {
        "gp" | "gp_history" => "EPOCH",
        "satcat" => "LAUNCH",
        "decay" => "MSG_EPOCH",
        "tip" => "DECAY_EPOCH",
        "cdm_public" => "TCA",
        _ => return None,
    })
}

/// Hive's name for a partition whose value is null.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// A written dataset.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Dataset {
    /// Its Parquet files, in the order written.
    pub files: Vec<PathBuf>,
    /// Its rows.
    pub rows: u64,
}

/// The folder of a row's partition, relative to the dataset's.
fn folder(column: &str, by: Partition, v: &Value) -> PathBuf {
    use chrono::Datelike;
    let prefix = column.to_ascii_lowercase();
    let date = match v {
        Value::Date(d) => Some(*d),
        Value::DateTime(t) => Some(t.date()),
        _ => None,
    };
    let year = PathBuf::from(format!(
        "{prefix}_year={}",
        date.map_or(NULL_PARTITION.to_owned(), |d| d.year().to_string())
    ));
    match by {
        Partition::Year => year,
        Partition::Month => year.join(format!(
            "{prefix}_month={}",
            date.map_or(NULL_PARTITION.to_owned(), |d| format!("{:02}", d.month()))
        )),
    }
}

struct Open {
    folder: PathBuf,
    writer: Parquet<std::io::BufWriter<std::fs::File>>,
}

impl Mirror {
    /// Writes a class as a partitioned Parquet dataset into `dir`, which
    /// must not exist yet (it appears only once complete). Rows are read in
    /// the partition column's order, one partition open at a time: memory
    /// stays a row group.
    pub async fn export_dataset(
        &self,
        class: &str,
        by: Partition,
        dir: &Path,
        include_removed: bool,
    ) -> Result<Dataset> {
        let t: &'static TableDef =
            crate::table(class).ok_or_else(|| Error::UnknownClass(class.to_owned()))?;
        let column = partition_column(class).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{class} has no time column to partition by; export it as one file"
            ))
        })?;
        let at = t.position(column).ok_or_else(|| {
            Error::InvalidArgument(format!("{class}: no column {column} in this build"))
        })?;
        if dir.exists() {
            return Err(Error::InvalidArgument(format!(
                "{} exists: a dataset is written into a new folder",
                dir.display()
            )));
        }
        let partial = PathBuf::from(format!("{}.partial", dir.display()));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial)?;
        let root = partial.clone();
        let result = self
            .with(move |b| {
                let mut open: Option<Open> = None;
                let mut files = Vec::new();
                let mut rows = 0u64;
                let mut each = |row: Row, removed| -> Result<()> {
                    let f = folder(column, by, &row.values[at]);
                    if open.as_ref().is_none_or(|o| o.folder != f) {
                        if let Some(done) = open.take() {
                            done.writer.finish()?;
                        }
                        std::fs::create_dir_all(root.join(&f))?;
                        let path = f.join("part-0.parquet");
                        let file = std::fs::File::create(root.join(&path))?;
                        files.push(path);
                        open = Some(Open {
                            folder: f,
                            writer: Parquet::with_row_groups(
                                std::io::BufWriter::new(file),
                                t,
                                include_removed,
                                DATASET_ROW_GROUP_ROWS,
                            )?,
                        });
                    }
                    rows += 1;
                    open.as_mut()
                        .expect("opened above")
                        .writer
                        .row(row, removed)
                };
                b.scan(t, include_removed, Some(column), &mut each)?;
                if let Some(done) = open.take() {
                    done.writer.finish()?;
                }
                Ok((files, rows))
            })
            .await;
        match result {
            Ok((files, rows)) => {
                std::fs::rename(&partial, dir)?;
                Ok(Dataset {
                    files: files.into_iter().map(|f| dir.join(f)).collect(),
                    rows,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&partial);
                Err(e)
            }
        }
    }
}

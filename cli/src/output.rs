//! Where results go (stdout or a file that only appears once complete),
//! how they are written in each format, and the progress bar.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::exit::Failure;

/// Output formats of `spacetrack query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// A JSON array, one record per line.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// An aligned text table.
    Table,
    /// A text format produced by Space-Track itself.
    Server(spacetrack::Format),
}

impl OutFormat {
    pub const NAMES: [&'static str; 9] = [
        "json", "ndjson", "table", "csv", "tle", "3le", "kvn", "xml", "html",
    ];

    pub fn parse(s: &str) -> Option<OutFormat> {
        Some(match s {
            "json" => OutFormat::Json,
            "ndjson" => OutFormat::Ndjson,
            "table" => OutFormat::Table,
            other => OutFormat::Server(spacetrack::Format::parse(other)?),
        })
    }
}

/// stdout, or a file written under a temporary name and renamed into place
/// by [`finish`](Sink::finish): a failed or interrupted query never leaves
/// a partial file that looks complete.
pub struct Sink {
    out: BufWriter<Box<dyn Write>>,
    file: Option<(PathBuf, PathBuf)>,
    finished: bool,
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, Failure> {
        let (out, file): (Box<dyn Write>, _) = match path {
            None => (Box::new(std::io::stdout().lock()), None),
            Some(p) => {
                let tmp = partial_path(p)?;
                let f = std::fs::File::create(&tmp).map_err(|e| Failure::io(&tmp, e))?;
                (Box::new(f), Some((tmp, p.to_path_buf())))
            }
        };
        Ok(Sink {
            out: BufWriter::with_capacity(1 << 16, out),
            file,
            finished: false,
        })
    }

    fn path(&self) -> &Path {
        self.file
            .as_ref()
            .map_or(Path::new("<stdout>"), |(_, p)| p.as_path())
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.out
            .write_all(bytes)
            .map_err(|e| Failure::io(self.path(), e))
    }

    pub fn finish(mut self) -> Result<(), Failure> {
        self.out.flush().map_err(|e| Failure::io(self.path(), e))?;
        if let Some((tmp, path)) = &self.file {
            std::fs::rename(tmp, path).map_err(|e| Failure::io(path, e))?;
        }
        self.finished = true;
        Ok(())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let (false, Some((tmp, _))) = (self.finished, &self.file) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A spinner on stderr counting `unit`s written, and the bytes received
/// (see [`received`]), drawn only when stderr is a terminal (indicatif
/// hides it otherwise) and not at all with `--quiet`.
pub fn progress(quiet: bool, unit: &'static str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {human_pos} {msg} in {elapsed} ({per_sec}) {prefix}",
    ) {
        pb.set_style(style);
    }
    pb.set_message(unit);
    pb.enable_steady_tick(Duration::from_millis(120));
    *BAR.lock().unwrap_or_else(|p| p.into_inner()) = Some(pb.clone());
    pb
}

/// The progress bar on the terminal, if one is drawn: what the library
/// says (a long wait for the account's limits, a warning) is printed above
/// it, not through it.
static BAR: std::sync::Mutex<Option<ProgressBar>> = std::sync::Mutex::new(None);

/// Where the library's `tracing` lines go: stderr, above the progress bar
/// when one is drawn.
pub struct AboveTheBar;

impl std::io::Write for AboveTheBar {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = BAR.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match bar.filter(|b| !b.is_finished() && !b.is_hidden()) {
            Some(b) => b.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// What the bar says of the bytes received, from the query's
/// [`Progress`](spacetrack::Progress): `12.5 MiB of 40.0 MiB (31%)` when the
/// answer's size is known, else `12.5 MiB received`.
pub fn received(p: &spacetrack::Progress) -> String {
    use indicatif::HumanBytes;
    match p.total_bytes {
        Some(total) if total > 0 => format!(
            "{} of {} ({}%)",
            HumanBytes(p.bytes),
            HumanBytes(total),
            (p.bytes.min(total) * 100) / total
        ),
        _ => format!("{} received", HumanBytes(p.bytes)),
    }
}

/// A bar over the classes of `schemas pull` and `schemas diff` (a pull of
/// every class takes about a minute under Space-Track's rate limit).
pub fn class_progress(quiet: bool, classes: usize) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(classes as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb
}

/// Records serialised together on a blocking thread.
const BATCH: usize = 1024;

/// Writes records as they arrive, in `format` (JSON, NDJSON or a table
/// with `columns` in order), and returns how many.
///
/// JSON and NDJSON are serialised in batches of [`BATCH`] records on
/// blocking threads, a few batches at once, while the next records arrive
/// (serialising took as long as decoding, on one core); batches are
/// written in order.
pub async fn write_records<T: Serialize + Send + 'static>(
    records: impl Stream<Item = spacetrack::Result<T>>,
    format: OutFormat,
    columns: &[&str],
    sink: &mut Sink,
    pb: &ProgressBar,
) -> Result<u64, Failure> {
    let mut records = std::pin::pin!(records);
    if format == OutFormat::Table {
        let mut table = Vec::new();
        while let Some(rec) = records.next().await {
            table.push(serde_json::to_value(&rec?).map_err(encode_failure)?);
            pb.inc(1);
        }
        sink.write(render_table(columns, &table).as_bytes())?;
        return Ok(table.len() as u64);
    }
    let ndjson = format == OutFormat::Ndjson;
    let window = std::thread::available_parallelism().map_or(1, |n| n.get()) + 1;
    let mut in_flight = std::collections::VecDeque::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut count = 0u64;
    let mut failure = None;
    loop {
        let next = match records.next().await {
            Some(Ok(rec)) => Some(rec),
            Some(Err(e)) => {
                // What arrived before the error is written first.
                failure = Some(Failure::from(e));
                None
            }
            None => None,
        };
        let end = next.is_none();
        if let Some(rec) = next {
            batch.push(rec);
        }
        if batch.len() == BATCH || (end && !batch.is_empty()) {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            let first = count == 0;
            count += rows.len() as u64;
            in_flight.push_back(tokio::task::spawn_blocking(move || {
                serialize_batch(&rows, first, ndjson).map(|bytes| (bytes, rows.len()))
            }));
        }
        while in_flight.len() >= window || (end && !in_flight.is_empty()) {
            let Some(job) = in_flight.pop_front() else {
                break;
            };
            let (bytes, n) = job
                .await
                .map_err(|e| Failure::Usage(format!("a serialising thread failed: {e}")))??;
            sink.write(&bytes)?;
            pb.inc(n as u64);
        }
        if end {
            break;
        }
    }
    if let Some(f) = failure {
        return Err(f);
    }
    match format {
        OutFormat::Json if count == 0 => sink.write(b"[]\n")?,
        OutFormat::Json => sink.write(b"\n]\n")?,
        _ => {}
    }
    Ok(count)
}

/// One batch as JSON array elements (after `[` or `,` and a newline) or
/// as NDJSON lines.
fn serialize_batch<T: Serialize>(
    rows: &[T],
    first: bool,
    ndjson: bool,
) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(rows.len() * 1024);
    for (i, rec) in rows.iter().enumerate() {
        if !ndjson {
            out.extend_from_slice(if first && i == 0 { b"[\n" } else { b",\n" });
        }
        serde_json::to_writer(&mut out, rec).map_err(encode_failure)?;
        if ndjson {
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Some columns of a record, in the order they were asked for.
pub struct Selected(Vec<(&'static str, serde_json::Value)>);

impl Selected {
    pub fn of<T: Serialize>(record: &T, columns: &[&'static str]) -> Selected {
        let mut all = match serde_json::to_value(record) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        Selected(
            columns
                .iter()
                .map(|&c| (c, all.remove(c).unwrap_or(serde_json::Value::Null)))
                .collect(),
        )
    }
}

impl Serialize for Selected {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

fn encode_failure(e: serde_json::Error) -> Failure {
    Failure::Usage(format!("cannot write a record as JSON: {e}"))
}

/// Writes a text answer line by line (CRLF becomes LF) and returns how
/// many lines. An answer that matched nothing has none (the SDK never
/// hands on Space-Track's `NO RESULTS RETURNED`), so its file is empty.
pub async fn write_lines(
    lines: impl Stream<Item = spacetrack::Result<String>>,
    sink: &mut Sink,
    pb: &ProgressBar,
) -> Result<u64, Failure> {
    let mut lines = std::pin::pin!(lines);
    let mut count = 0;
    while let Some(line) = lines.next().await {
        let mut line = line?;
        line.push('\n');
        sink.write(line.as_bytes())?;
        pb.inc(1);
        count += 1;
    }
    Ok(count)
}

/// What stderr says when nothing matched (the exit code stays 0: an empty
/// answer is an answer). With `-o`, the file is still written, empty (or
/// `[]` for json), so that a script finds it and an older file of the same
/// name is not mistaken for this answer.
pub fn nothing_matched(output: Option<&Path>) -> String {
    match output {
        Some(p) => format!("nothing matched the query; {} holds no record", p.display()),
        None => "nothing matched the query".into(),
    }
}

/// An aligned table: one column per name, cells as Space-Track sends them,
/// null as empty.
pub fn render_table(columns: &[&str], rows: &[serde_json::Value]) -> String {
    let cell = |row: &serde_json::Value, col: &str| match row.get(col) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.replace(['\n', '\r', '\t'], " "),
        Some(v) => v.to_string(),
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| cell(r, c)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut push_row = |row: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (i, v) in row.enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(v);
            let pad = widths[i].saturating_sub(v.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_row(&mut columns.iter().copied());
    for r in &cells {
        push_row(&mut r.iter().map(String::as_str));
    }
    out
}

/// Where a file is written before it is complete: `FILE.partial` beside
/// it (renamed to `FILE` at the end, removed on failure). A missing folder
/// is named in the error, not the temporary file in it.
pub(crate) fn partial_path(p: &std::path::Path) -> Result<PathBuf, Failure> {
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Failure::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the output folder does not exist",
                ),
            ));
        }
    }
    let mut tmp = p.as_os_str().to_owned();
    tmp.push(".partial");
    Ok(PathBuf::from(tmp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_bytes_with_and_without_a_total() {
        let mut p = spacetrack::Progress::default();
        p.bytes = 3 << 20;
        assert_eq!(received(&p), "3.00 MiB received");
        p.total_bytes = Some(12 << 20);
        assert_eq!(received(&p), "3.00 MiB of 12.00 MiB (25%)");
    }

    #[test]
    fn table_aligns_and_blanks_nulls() {
        let rows = vec![
            serde_json::json!({"A": "1", "B": "ISS (ZARYA)"}),
            serde_json::json!({"A": "25544", "B": null}),
        ];
        assert_eq!(
            render_table(&["A", "B"], &rows),
            "A      B\n1      ISS (ZARYA)\n25544\n"
        );
    }

    #[test]
    fn a_failed_file_output_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("spacetrack-cli-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        {
            let mut sink = Sink::open(Some(&path)).unwrap();
            sink.write(b"[partial").unwrap();
            // Dropped without finish: the query failed.
        }
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut sink = Sink::open(Some(&path)).unwrap();
        sink.write(b"[]\n").unwrap();
        sink.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[]\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

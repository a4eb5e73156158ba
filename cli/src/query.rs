//! `spacetrack query <class>`: the typed builder driven by parsed flags.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ArgMatches;
use futures_util::{StreamExt, TryStreamExt};
use spacetrack::{ClassInfo, Client, Field, Order, Query, Record};

use crate::cli::SortKey;
use crate::exit::Failure;
use crate::output::{self, OutFormat, Sink};

/// Where a query is answered.
pub enum Source<'a> {
    /// Space-Track, through the client.
    SpaceTrack(&'a Client),
    /// A mirror (`--db`): nothing is sent.
    Mirror(&'a spacetrack_mirror::Mirror),
}

/// Runs the query of `info` described by `m` (its subcommand's matches).
pub async fn run(
    source: Source<'_>,
    info: &ClassInfo,
    m: &ArgMatches,
    quiet: bool,
) -> Result<(), Failure> {
    macro_rules! dispatch {
        ($rec:ident, $field:ident, $query:ident, $method:ident, $controller:literal, $class:literal) => {
            if info.controller == $controller && info.class == $class {
                let q = match source {
                    Source::SpaceTrack(client) => client.query::<spacetrack::$rec>(),
                    Source::Mirror(mirror) => mirror.query::<spacetrack::$rec>(),
                };
                return typed(q, m, quiet).await;
            }
        };
    }
    spacetrack::for_each_class!(dispatch);
    Err(Failure::Usage(format!("unknown class {}", info.class)))
}

async fn typed<R: Record>(mut q: Query<R>, m: &ArgMatches, quiet: bool) -> Result<(), Failure> {
    let class = R::CLASS;
    for col in class.columns {
        if let Some(values) = m.get_many::<String>(col.name) {
            let list: Vec<&str> = values.map(String::as_str).collect();
            q = q.raw_predicate(col.name, list.join(","));
        }
    }
    for key in m.get_many::<SortKey>("order-by").into_iter().flatten() {
        let field = field::<R>(key.column)?;
        q = q.order_by(if key.descending {
            Order::desc(field)
        } else {
            Order::asc(field)
        });
    }
    if let Some(&n) = m.get_one::<u64>("limit") {
        q = q.limit(n);
    }
    if let Some(&n) = m.get_one::<u64>("offset") {
        q = q.offset(n);
    }
    if m.get_flag("distinct") {
        q = q.distinct();
    }
    if m.get_flag("include-removed") {
        q = q.include_removed();
    }
    let format = m
        .get_one::<String>("format")
        .and_then(|f| OutFormat::parse(f))
        .unwrap_or(OutFormat::Json);
    if matches!(
        format,
        OutFormat::Server(
            spacetrack::Format::Tle | spacetrack::Format::ThreeLe | spacetrack::Format::Kvn
        )
    ) && class.column("TLE_LINE1").is_none()
    {
        return Err(Failure::Usage(format!(
            "{} has no element sets: tle, 3le and kvn need gp or gp_history",
            class.class
        )));
    }
    let select: Vec<&'static str> = m
        .get_many::<String>("select")
        .into_iter()
        .flatten()
        .filter_map(|name| class.column(name).map(|c| c.name))
        .collect();

    if m.get_flag("dry-run") {
        let plan = match format {
            OutFormat::Server(f) => q.plan_for(f).await?,
            _ => q.plan().await?,
        };
        print!("{plan}");
        return Ok(());
    }

    let skipped = std::sync::atomic::AtomicU64::new(0);
    let output = m.get_one::<PathBuf>("output").map(PathBuf::as_path);
    let mut sink = Sink::open(output)?;
    // Records printed to a terminal are their own progress report.
    let pb = output::progress(
        quiet || (output.is_none() && std::io::stdout().is_terminal()),
        if matches!(format, OutFormat::Server(_)) {
            "lines"
        } else {
            "records"
        },
    );
    // The bytes received, as the SDK reports them.
    if !pb.is_hidden() {
        let bar = pb.clone();
        q = q.on_progress(move |p| bar.set_prefix(output::received(p)));
    }
    let written = match (format, select.is_empty()) {
        (OutFormat::Server(f), true) => {
            output::write_lines(q.lines(f).await?, &mut sink, &pb).await?
        }
        (OutFormat::Server(f), false) => {
            let fields = select
                .iter()
                .map(|c| field::<R>(c))
                .collect::<Result<Vec<_>, _>>()?;
            output::write_lines(q.select(fields).lines(f).await?, &mut sink, &pb).await?
        }
        (_, select_none) => {
            let columns: Vec<&str> = if select_none {
                class.columns.iter().map(|c| c.name).collect()
            } else {
                select.clone()
            };
            // A value list too long for one URL, in an order or under a
            // limit: its requests' records are merged in memory (`send`),
            // since a stream cannot interleave them; otherwise streamed.
            let merged = (m.get_many::<SortKey>("order-by").is_some()
                || m.get_one::<u64>("limit").is_some())
                && q.urls()?.len() > 1;
            let rows = match (m.get_flag("skip-bad"), merged) {
                (true, false) => skipping(q.stream_partial().await?, &skipped).boxed(),
                (false, false) => q.stream().await?.boxed(),
                (true, true) => {
                    let part = q.send_partial().await?;
                    let items = part
                        .errors
                        .into_iter()
                        .map(|e| Ok(Err(Box::new(e))))
                        .chain(part.records.into_iter().map(|r| Ok(Ok(r))));
                    skipping(futures_util::stream::iter(items), &skipped).boxed()
                }
                (false, true) => {
                    futures_util::stream::iter(q.send().await?.into_iter().map(Ok)).boxed()
                }
            };
            if select_none {
                output::write_records(rows, format, &columns, &mut sink, &pb).await?
            } else {
                // Whole records, decoded and checked like any other, then
                // cut down: the columns keep their types (numbers stay
                // numbers) whether or not they were selected. `--format csv
                // --select` is the smaller download, cut by Space-Track.
                let rows = rows.map_ok(|r| output::Selected::of(&r, &select));
                output::write_records(rows, format, &columns, &mut sink, &pb).await?
            }
        }
    };
    sink.finish()?;
    // The final count stays on the terminal.
    pb.finish();
    if written == 0 && skipped.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        eprintln!("{}", output::nothing_matched(output));
    }
    match skipped.into_inner() {
        0 => Ok(()),
        n => Err(Failure::Skipped(n)),
    }
}

/// The records that decoded; each one that did not is reported on stderr
/// and counted.
fn skipping<'a, R: Send + 'static>(
    items: impl futures_util::Stream<Item = spacetrack::Result<Result<R, Box<spacetrack::DecodeError>>>>
    + Send
    + 'a,
    skipped: &'a std::sync::atomic::AtomicU64,
) -> impl futures_util::Stream<Item = spacetrack::Result<R>> + 'a {
    items.try_filter_map(move |item| {
        let kept = match item {
            Ok(r) => Some(r),
            Err(bad) => {
                skipped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut line = format!("skipped: {bad}");
                if let Some(field) = &bad.field {
                    line.push_str(&format!(" (column {field}"));
                    if let Some(value) = &bad.value {
                        line.push_str(&format!(", value {value:?}"));
                    }
                    line.push(')');
                }
                eprintln!("{line}");
                None
            }
        };
        std::future::ready(Ok(kept))
    })
}

fn field<R: Record>(column: &str) -> Result<R::Field, Failure> {
    <R::Field as Field>::from_name(column)
        .ok_or_else(|| Failure::Usage(format!("`{column}` is not a column of {}", R::CLASS.class)))
}

//! `spacetrack mirror sync|status|export`: a local copy of Space-Track in
//! SQLite or PostgreSQL, kept by `spacetrack_mirror`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use spacetrack_mirror::{ExportFormat, Mirror, Outcome, SyncOptions};

use crate::exit::Failure;

fn db_arg() -> Arg {
    Arg::new("db")
        .long("db")
        .value_name("URL")
        .default_value("sqlite:spacetrack-mirror.db")
        .help("The mirror: sqlite:PATH (an embedded file, nothing to install) or postgres://user:password@host/db")
}

pub fn command() -> Command {
    Command::new("mirror")
        .about("Keep a local copy of Space-Track in a database, fetching only what is new")
        .subcommand_required(true)
        .subcommand(
            Command::new("sync")
                .about("Fetch what is new for each class, at the cadence Space-Track asks for")
                .long_about(
                    "Fetch what is new for each class, at the cadence Space-Track asks for: gp \
                     hourly, tip hourly, cdm_public daily, satcat, boxscore and launch_site daily \
                     after 17:00 UTC, decay on Wednesdays after 17:00 UTC. A class that is not due \
                     is skipped, saying when it is; when no class was due the command exits with \
                     code 11. --force overrides. Every request goes through the account's rate limiter.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("class")
                        .long("class")
                        .value_name("C,C,...")
                        .value_delimiter(',')
                        .help("Only these classes (default: all but gp_history)"),
                )
                .arg(
                    Arg::new("force")
                        .long("force")
                        .action(ArgAction::SetTrue)
                        .help("Sync even when the cadence says it is too early"),
                )
                .arg(
                    Arg::new("history")
                        .long("history")
                        .value_name("FROM..[TO]")
                        .help("Also keep gp_history for EPOCHs in this date range (pulled once in windows, then incrementally)"),
                )
                .arg(
                    Arg::new("window-days")
                        .long("window-days")
                        .value_name("N")
                        .value_parser(value_parser!(u32).range(1..))
                        .help("Days per gp_history request (default 1)"),
                )
                .arg(
                    Arg::new("classes-at-once")
                        .long("classes-at-once")
                        .value_name("N")
                        .value_parser(value_parser!(u32).range(1..=8))
                        .help("Classes synced at once (default 2; 1: one after another). Every request still keeps to the account's limits"),
                )
                .arg(
                    Arg::new("changes")
                        .long("changes")
                        .value_name("FILE|-")
                        .help("Write the changes this sync made as NDJSON to FILE (`-`: standard output), for a pipeline"),
                ),
        )
        .subcommand(
            Command::new("as-of")
                .about("The catalog as it was at a time: each object's newest gp_history set then")
                .long_about(
                    "The catalog as it was at a time, from the mirror's gp_history: for each object, \
                     the element set with the latest EPOCH in [TIME - look-back, TIME] (ties: the \
                     greater GP_ID), leaving out objects decayed before TIME's day (satcat's DECAY \
                     when the mirror keeps satcat, else the set's DECAY_DATE). A report on stderr says \
                     whether the mirror's gp_history covers the window and how many objects have no \
                     set in it. Sync gp_history first: `mirror sync --history FROM..`.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("time")
                        .value_name("TIME")
                        .required(true)
                        .help("UTC, e.g. 2025-06-01 or 2025-06-01T00:00Z"),
                )
                .arg(
                    Arg::new("lookback-days")
                        .long("lookback-days")
                        .value_name("N")
                        .default_value("30")
                        .value_parser(value_parser!(u32).range(1..))
                        .help("How far before TIME a set may be"),
                )
                .arg(
                    Arg::new("format")
                        .short('f')
                        .long("format")
                        .value_name("FORMAT")
                        .default_value("json")
                        .value_parser(["json", "ndjson", "table", "tle", "3le"])
                        .help("json, ndjson or table of the records; tle or 3le from their element set lines"),
                )
                .arg(
                    Arg::new("output")
                        .short('o')
                        .long("output")
                        .value_name("FILE")
                        .value_parser(value_parser!(PathBuf))
                        .help("Write to FILE (it appears only once complete) instead of stdout"),
                ),
        )
        .subcommand(
            Command::new("changes")
                .about("What the syncs changed: new objects, new element sets, decays, renames, removals")
                .long_about(
                    "What the syncs changed, as recorded in the mirror's change feed: one line per \
                     change (class, key, kind, the old and new values of the columns that changed, \
                     sync time). Kinds: new, new_element_set, decayed, renamed, retyped, changed, \
                     removed, reappeared.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("since")
                        .long("since")
                        .value_name("DATE[THH:MM]")
                        .required(true)
                        .help("Changes synced at or after this time (UTC), e.g. 2026-12-01 or 2026-12-01T06:00"),
                )
                .arg(
                    Arg::new("after")
                        .long("after")
                        .value_name("SEQ")
                        .value_parser(value_parser!(i64))
                        .help("Only changes after this sequence number (the last one a consumer saw)"),
                )
                .arg(
                    Arg::new("class")
                        .long("class")
                        .value_name("C,C,...")
                        .value_delimiter(',')
                        .help("Only these classes"),
                )
                .arg(
                    Arg::new("format")
                        .short('f')
                        .long("format")
                        .value_name("FORMAT")
                        .default_value("ndjson")
                        .value_parser(["ndjson", "json"])
                        .help("ndjson: one change per line; json: one array"),
                ),
        )
        .subcommand(
            Command::new("backfill")
                .about("Pull gp_history for a date range on a budget: a plan first, then resumable windows")
                .long_about(
                    "Pull gp_history for a date range on a budget. A probe per year (per month under \
                     two years) counts the element sets of each period (one small request each); the \
                     plan (requests, time under the budget, sets expected) is printed first. Each \
                     window is one request, written with its checkpoint: a backfill that stops resumes \
                     at its first window not done (without probing again). Every request goes through \
                     the account's rate limiter, shared with other processes; --budget paces the \
                     windows further. --dry-run prints the plan and sends only the probes.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("class")
                        .value_name("CLASS")
                        .required(true)
                        .value_parser(["gp_history"])
                        .help("The class to backfill (gp_history)"),
                )
                .arg(
                    Arg::new("from")
                        .long("from")
                        .value_name("DATE")
                        .required(true)
                        .value_parser(value_parser!(NaiveDate))
                        .help("First day of EPOCHs to pull (e.g. 1957-10-04)"),
                )
                .arg(
                    Arg::new("to")
                        .long("to")
                        .value_name("DATE")
                        .required(true)
                        .value_parser(value_parser!(NaiveDate))
                        .help("Last day of EPOCHs to pull"),
                )
                .arg(
                    Arg::new("budget")
                        .long("budget")
                        .value_name("N/h|N/m")
                        .help("At most N window requests an hour (or a minute), beside the account's limits (e.g. 200/h)"),
                )
                .arg(
                    Arg::new("rows-per-request")
                        .long("rows-per-request")
                        .value_name("N")
                        .default_value("100000")
                        .value_parser(value_parser!(u64).range(1..))
                        .help("About how many element sets each window asks for"),
                )
                .arg(
                    Arg::new("dry-run")
                        .long("dry-run")
                        .action(ArgAction::SetTrue)
                        .help("Print the plan; send only the probes planning needs"),
                ),
        )
        .subcommand(
            Command::new("migrate")
                .about("Rebuild a class's table in this build's schema (after a column changed type)")
                .long_about(
                    "Rebuild a class's table from its own rows in this build's schema: a column whose \
                     type changed is converted, a value that does not convert is kept in _unknown, \
                     columns the schemas no longer list stay (retired). Runs in one transaction under \
                     the class's lease. Columns added or retired need no rebuild: opening the mirror \
                     migrates them.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("class")
                        .long("class")
                        .value_name("C")
                        .required(true)
                        .help("The class whose table to rebuild"),
                ),
        )
        .subcommand(crate::options::without_network(
            Command::new("status")
                .about("Per class: rows, removed rows, last sync, next allowed sync")
                .long_about(
                    "Per class: rows, removed rows, last sync, next allowed sync. Reads the \
                     mirror only: nothing is sent to Space-Track.",
                )
                .arg(db_arg()),
        ))
        .subcommand(crate::options::without_network(
            Command::new("export")
                .about("Write a mirrored table out, a row at a time")
                .long_about(
                    "Write a mirrored table out, a row at a time, from the mirror only: \
                     nothing is sent to Space-Track.",
                )
                .arg(db_arg())
                .arg(
                    Arg::new("class")
                        .long("class")
                        .required(true)
                        .value_name("CLASS")
                        .help("The mirrored class to write, e.g. gp, satcat, decay, gp_history"),
                )
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_name("FORMAT")
                        .default_value("ndjson")
                        .value_parser(["ndjson", "csv", "parquet"])
                        .help(
                            "ndjson (one JSON object per line), csv (a header row, then one row \
                             per record) or parquet (columnar, typed)",
                        ),
                )
                .arg(
                    Arg::new("output")
                        .short('o')
                        .long("output")
                        .value_name("FILE")
                        .required(true)
                        .value_parser(value_parser!(PathBuf))
                        .help("Write to FILE (it appears only once complete)"),
                )
                .arg(
                    Arg::new("removed")
                        .long("removed")
                        .action(ArgAction::SetTrue)
                        .help("Include rows that left Space-Track, with _removed_at"),
                )
                .arg(
                    Arg::new("partition-by")
                        .long("partition-by")
                        .value_name("year|month")
                        .value_parser(["year", "month"])
                        .help(
                            "With --format parquet: a Hive-style partitioned dataset in the folder -o \
                             names (epoch_year=2024/part-0.parquet), by the class's time column, which \
                             DuckDB, Polars, DataFusion and Spark read as one table",
                        ),
                ),
        ))
}

fn range(s: &str) -> Result<(NaiveDate, Option<NaiveDate>), Failure> {
    let bad = || {
        Failure::Usage(format!(
            "--history `{s}`: use FROM..TO or FROM.. (dates as 2026-01-31)"
        ))
    };
    let (from, to) = s.split_once("..").ok_or_else(bad)?;
    let from = from.trim().parse().map_err(|_| bad())?;
    let to = match to.trim() {
        "" => None,
        t => Some(t.parse().map_err(|_| bad())?),
    };
    Ok((from, to))
}

pub fn failure(e: spacetrack_mirror::Error) -> Failure {
    match e {
        spacetrack_mirror::Error::Api(e) => Failure::Sdk(e),
        other => Failure::Mirror(std::sync::Arc::new(other)),
    }
}

pub async fn run(
    m: &ArgMatches,
    client: impl FnOnce() -> Result<spacetrack::Client, Failure>,
    quiet: bool,
) -> Result<(), Failure> {
    let (name, sm) = m
        .subcommand()
        .ok_or_else(|| Failure::Usage("name a mirror command".into()))?;
    let db = sm.get_one::<String>("db").cloned().unwrap_or_default();
    let mirror = Mirror::open(&db).await.map_err(failure)?;
    match name {
        "sync" => {
            let mut opts = SyncOptions::new().force(sm.get_flag("force"));
            if let Some(c) = sm.get_many::<String>("class") {
                opts = opts.classes(c.cloned());
            }
            if let Some(h) = sm.get_one::<String>("history") {
                let (from, to) = range(h)?;
                opts = opts.history(from, to);
            }
            if let Some(&n) = sm.get_one::<u32>("window-days") {
                opts = opts.window_days(n);
            }
            if let Some(&n) = sm.get_one::<u32>("classes-at-once") {
                opts = opts.classes_at_once(n as usize);
            }
            let client = client()?;
            let before = mirror.last_change().await.map_err(failure)?;
            let report = tokio::select! {
                r = mirror.sync(&client, &opts) => r,
                _ = tokio::signal::ctrl_c() => return Err(Failure::Interrupted),
            };
            let _ = client.close().await;
            let report = report.map_err(failure)?;
            for c in &report.classes {
                let line = match &c.outcome {
                    Outcome::Synced {
                        requests,
                        fetched,
                        applied,
                    } => format!(
                        "{}: {requests} request(s), {fetched} row(s) received, {} written, {} deleted, {} marked removed",
                        c.class, applied.written, applied.deleted, applied.removed
                    ),
                    Outcome::NotDue(t) => {
                        format!("{}: not due before {t} UTC (--force to sync now)", c.class)
                    }
                    Outcome::Busy(t) => format!("{}: another sync holds it until {t} UTC", c.class),
                    Outcome::Failed(e) => format!("{}: failed: {e}", c.class),
                    other => format!("{}: {other:?}", c.class),
                };
                if !quiet {
                    eprintln!("{line}");
                }
            }
            if let Some(target) = sm.get_one::<String>("changes") {
                let since = chrono::NaiveDateTime::MIN;
                let changes = mirror.changes_after(since, before).await.map_err(failure)?;
                write_changes(target, &changes, false)?;
            }
            // Its own exit code when nothing was due: an hourly job that
            // synced gp while satcat waits for 17:00 succeeded.
            let synced = report
                .classes
                .iter()
                .any(|c| matches!(c.outcome, Outcome::Synced { .. }));
            // The class's line said why; the exit code says what kind.
            if let Some(e) = report.classes.iter().find_map(|c| match &c.outcome {
                Outcome::Failed(e) => Some(e.clone()),
                _ => None,
            }) {
                return Err(Failure::Mirror(e));
            }
            match report.too_early() {
                Some(t) if !synced => Err(Failure::TooEarly(t)),
                _ => Ok(()),
            }
        }
        "status" => {
            println!(
                "{:<12} {:>10} {:>8}  {:<19}  {:<19}  {}",
                "class", "rows", "removed", "last sync (UTC)", "next allowed (UTC)", "schema"
            );
            let t = |v: Option<chrono::NaiveDateTime>| {
                v.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for s in mirror.status().await.map_err(failure)? {
                let mut schema = s.schema.version.clone().unwrap_or_else(|| "-".into());
                if !s.schema.pending.is_empty() {
                    schema.push_str(&format!(
                        " (needs `mirror migrate --class {}`: {})",
                        s.class,
                        s.schema.pending.join(", ")
                    ));
                }
                if !s.schema.retired.is_empty() {
                    schema.push_str(&format!(" (retired: {})", s.schema.retired.join(", ")));
                }
                println!(
                    "{:<12} {:>10} {:>8}  {:<19}  {:<19}  {schema}",
                    s.class,
                    s.rows,
                    s.removed,
                    t(s.last_sync),
                    t(s.next_due)
                );
            }
            Ok(())
        }
        "backfill" => {
            let from = *sm.get_one::<NaiveDate>("from").expect("required");
            let to = *sm.get_one::<NaiveDate>("to").expect("required");
            let mut opts = spacetrack_mirror::BackfillOptions::new(from, to).rows_per_request(
                sm.get_one::<u64>("rows-per-request")
                    .copied()
                    .unwrap_or(100_000),
            );
            if let Some(b) = sm.get_one::<String>("budget") {
                let (n, period) = budget(b)?;
                opts = opts.budget(n, period);
            }
            let client = client()?;
            let result = backfill(&mirror, &client, &opts, sm.get_flag("dry-run"), quiet).await;
            let _ = client.close().await;
            result
        }
        "migrate" => {
            let class = sm.get_one::<String>("class").cloned().unwrap_or_default();
            let status = mirror.migrate(&class).await.map_err(failure)?;
            if !quiet {
                eprintln!(
                    "{class}: schema {}{}",
                    status.version.as_deref().unwrap_or("-"),
                    if status.retired.is_empty() {
                        String::new()
                    } else {
                        format!(", retired columns kept: {}", status.retired.join(", "))
                    }
                );
            }
            Ok(())
        }
        "as-of" => {
            let text = sm.get_one::<String>("time").cloned().unwrap_or_default();
            let at = parse_since(&text)?;
            let days = sm.get_one::<u32>("lookback-days").copied().unwrap_or(30);
            let asof = mirror
                .gp_as_of_with(at, chrono::Duration::days(days.into()))
                .await
                .map_err(failure)?;
            let r = &asof.report;
            if !quiet {
                let range = match r.history {
                    Some((from, to)) => format!("gp_history kept from {from} to {to}"),
                    None => "no gp_history range synced (mirror sync --history FROM..)".into(),
                };
                eprintln!(
                    "as of {at} UTC, {days}-day look-back: {} object(s); {range}, {}; {} left out as decayed{}",
                    asof.records.len(),
                    if r.covers_window {
                        "covering the window"
                    } else {
                        "NOT covering the whole window"
                    },
                    r.decayed,
                    match &r.without_set {
                        Some(m) => format!(
                            "; {} object(s) in satcat with no set in the window",
                            m.len()
                        ),
                        None => String::new(),
                    }
                );
            }
            let format = sm.get_one::<String>("format").cloned().unwrap_or_default();
            let output = sm.get_one::<PathBuf>("output").map(PathBuf::as_path);
            let mut sink = crate::output::Sink::open(output)?;
            let pb = crate::output::progress(true, "records");
            match format.as_str() {
                "tle" | "3le" => {
                    let mut text = String::new();
                    for g in &asof.records {
                        let lines: Vec<&str> = if format == "3le" {
                            g.three_le().map(Vec::from).unwrap_or_default()
                        } else {
                            g.tle().map(Vec::from).unwrap_or_default()
                        };
                        for l in lines {
                            text.push_str(l);
                            text.push('\n');
                        }
                    }
                    sink.write(text.as_bytes())?;
                }
                f => {
                    let format = crate::output::OutFormat::parse(f)
                        .unwrap_or(crate::output::OutFormat::Json);
                    let columns: Vec<&str> = <spacetrack::GpHistory as spacetrack::Record>::CLASS
                        .columns
                        .iter()
                        .map(|c| c.name)
                        .collect();
                    let rows = futures_util::stream::iter(asof.records.into_iter().map(Ok));
                    crate::output::write_records(rows, format, &columns, &mut sink, &pb).await?;
                }
            }
            sink.finish()
        }
        "changes" => {
            let text = sm.get_one::<String>("since").cloned().unwrap_or_default();
            let since = parse_since(&text)?;
            let after = sm.get_one::<i64>("after").copied().unwrap_or(0);
            let mut changes = mirror.changes_after(since, after).await.map_err(failure)?;
            if let Some(classes) = sm.get_many::<String>("class") {
                let classes: Vec<&String> = classes.collect();
                changes.retain(|c| classes.iter().any(|k| **k == c.class));
            }
            let json = sm.get_one::<String>("format").is_some_and(|f| f == "json");
            write_changes("-", &changes, json)
        }
        "export" => {
            let class = sm.get_one::<String>("class").cloned().unwrap_or_default();
            let format = sm
                .get_one::<String>("format")
                .and_then(|f| ExportFormat::parse(f))
                .unwrap_or(ExportFormat::Ndjson);
            let path = sm.get_one::<PathBuf>("output").cloned().unwrap_or_default();
            let include_removed = sm.get_flag("removed");
            if let Some(by) = sm.get_one::<String>("partition-by") {
                if format != ExportFormat::Parquet {
                    return Err(Failure::Usage(
                        "--partition-by writes a Parquet dataset: add --format parquet".into(),
                    ));
                }
                let by = spacetrack_mirror::Partition::parse(by)
                    .unwrap_or(spacetrack_mirror::Partition::Year);
                let ds = mirror
                    .export_dataset(&class, by, &path, include_removed)
                    .await
                    .map_err(failure)?;
                if !quiet {
                    eprintln!(
                        "{} row(s) of {class} written to {} in {} file(s)",
                        ds.rows,
                        path.display(),
                        ds.files.len()
                    );
                }
                return Ok(());
            }
            if path.as_os_str() == "-" {
                if format == ExportFormat::Parquet {
                    return Err(Failure::Usage(
                        "-o - writes csv or ndjson to standard output; Parquet needs a file".into(),
                    ));
                }
                let rows = mirror
                    .export(&class, format, std::io::stdout(), include_removed)
                    .await
                    .map_err(failure)?;
                if !quiet {
                    eprintln!("{rows} row(s) of {class} written");
                }
                return Ok(());
            }
            // Written beside the target (`FILE.partial`, as query output)
            // and renamed when complete, so a failed export never leaves a
            // partial file under its name.
            let tmp = crate::output::partial_path(&path)?;
            let file = std::fs::File::create(&tmp).map_err(|e| Failure::io(&tmp, e))?;
            let rows = mirror
                .export(
                    &class,
                    format,
                    std::io::BufWriter::new(file),
                    include_removed,
                )
                .await;
            let rows = match rows {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(failure(e));
                }
            };
            std::fs::rename(&tmp, &path).map_err(|e| Failure::io(&path, e))?;
            if !quiet {
                eprintln!("{rows} row(s) of {class} written to {}", path.display());
            }
            Ok(())
        }
        _ => Err(Failure::Usage("unknown mirror command".into())),
    }
}

/// `2026-12-01`, `2026-12-01T06:00[:SS]` or with a space, UTC.
fn parse_since(s: &str) -> Result<chrono::NaiveDateTime, Failure> {
    let t = s.trim();
    if let Ok(d) = t.parse::<NaiveDate>() {
        return Ok(d.and_time(chrono::NaiveTime::MIN));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(t.trim_end_matches('Z'), f) {
            return Ok(t);
        }
    }
    Err(Failure::Usage(format!(
        "--since `{s}`: use a UTC date or time, e.g. 2026-12-01 or 2026-12-01T06:00"
    )))
}

/// Writes changes as NDJSON (or one JSON array) to `target` (`-`: stdout).
fn write_changes(
    target: &str,
    changes: &[spacetrack_mirror::Change],
    array: bool,
) -> Result<(), Failure> {
    use std::io::Write;
    let mut text = String::new();
    if array {
        text = serde_json::to_string_pretty(changes)
            .map_err(|e| Failure::Usage(format!("cannot write changes: {e}")))?;
        text.push('\n');
    } else {
        for c in changes {
            let line = serde_json::to_string(c)
                .map_err(|e| Failure::Usage(format!("cannot write changes: {e}")))?;
            text.push_str(&line);
            text.push('\n');
        }
    }
    if target == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Failure::io(std::path::Path::new("(stdout)"), e))
    } else {
        let path = PathBuf::from(target);
        std::fs::write(&path, text).map_err(|e| Failure::io(&path, e))
    }
}

/// `200/h`, `20/m`: a number of requests per hour or minute.
fn budget(s: &str) -> Result<(u32, std::time::Duration), Failure> {
    let bad = || Failure::Usage(format!("--budget `{s}`: use N/h or N/m, e.g. 200/h"));
    let (n, per) = s.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let period = match per.trim() {
        "h" | "hour" => std::time::Duration::from_secs(3600),
        "m" | "min" | "minute" => std::time::Duration::from_secs(60),
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    Ok((n, period))
}

async fn backfill(
    mirror: &Mirror,
    client: &spacetrack::Client,
    opts: &spacetrack_mirror::BackfillOptions,
    dry_run: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let plan = mirror.plan_backfill(client, opts).await.map_err(failure)?;
    let hours = plan.duration.as_secs_f64() / 3600.0;
    eprintln!(
        "plan: {} to {}: {} request(s) for about {} element set(s), about {:.1} h at the budget{}{}",
        plan.from,
        plan.to,
        plan.requests(),
        plan.rows(),
        hours,
        if plan.done > 0 {
            format!(
                "; {} of {} window(s) done already",
                plan.done,
                plan.windows.len()
            )
        } else {
            String::new()
        },
        if plan.probes > 0 {
            format!(" ({} probe request(s) sent to plan)", plan.probes)
        } else {
            String::new()
        }
    );
    if dry_run {
        return Ok(());
    }
    let pb = crate::output::progress(
        quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()),
        "windows",
    );
    pb.set_length(plan.windows.len() as u64);
    pb.set_position(plan.done as u64);
    let lines = !quiet && pb.is_hidden();
    let report = tokio::select! {
        r = mirror.backfill(client, &plan, |w| {
            pb.set_position(w.index as u64 + 1);
            if lines {
                eprintln!(
                    "window {}/{}: {} to {}, {} set(s) so far",
                    w.index + 1,
                    w.of,
                    w.window.from,
                    w.window.to,
                    w.rows
                );
            }
        }) => r,
        _ = tokio::signal::ctrl_c() => return Err(Failure::Interrupted),
    };
    pb.finish_and_clear();
    let report = report.map_err(failure)?;
    if !quiet {
        eprintln!(
            "{} window request(s), {} set(s) received, {} written",
            report.requests, report.rows, report.written
        );
    }
    Ok(())
}

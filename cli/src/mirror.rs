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
            let client = client()?;
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
                "{:<12} {:>10} {:>8}  {:<19}  {:<19}",
                "class", "rows", "removed", "last sync (UTC)", "next allowed (UTC)"
            );
            let t = |v: Option<chrono::NaiveDateTime>| {
                v.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for s in mirror.status().await.map_err(failure)? {
                println!(
                    "{:<12} {:>10} {:>8}  {:<19}  {:<19}",
                    s.class,
                    s.rows,
                    s.removed,
                    t(s.last_sync),
                    t(s.next_due)
                );
            }
            Ok(())
        }
        "export" => {
            let class = sm.get_one::<String>("class").cloned().unwrap_or_default();
            let format = sm
                .get_one::<String>("format")
                .and_then(|f| ExportFormat::parse(f))
                .unwrap_or(ExportFormat::Ndjson);
            let path = sm.get_one::<PathBuf>("output").cloned().unwrap_or_default();
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
                    sm.get_flag("removed"),
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

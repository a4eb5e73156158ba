//! `spacetrack sim`: the simulator on loopback, with the options of its
//! Rust builder (catalog size, seed, extra columns, faults).

use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use spacetrack_sim::{Fault, Hostile};

use crate::exit::Failure;

/// How many times a `--fault` pattern is queued: `NAME:N` covers the first
/// N×10,000 queries.
const REPEATS: usize = 10_000;

/// The largest N of `NAME:N` (the queue holds N×10,000 entries).
const MAX_EVERY: usize = 1_000;

pub fn command() -> Command {
    let num = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("N")
            .value_parser(value_parser!(u64))
            .help(help)
    };
    Command::new("sim")
        .about("Run the Space-Track simulator on loopback for demos and tests")
        .long_about(
            "Run the Space-Track simulator on loopback until Ctrl-C. It prints its URL and \
             the path of an owner-only file to `source` for SPACETRACK_BASE_URL, \
             SPACETRACK_ALLOW_HTTP and its throwaway credentials.",
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("PORT")
                .default_value("0")
                .value_parser(value_parser!(u16))
                .help("0 picks a free port"),
        )
        .arg(num("objects", "Catalog size (default 10000)"))
        .arg(num(
            "seed",
            "Seed of every generated value: the same seed and size give the same catalog (default 2026)",
        ))
        .arg(
            Arg::new("extra-column")
                .long("extra-column")
                .value_name("CLASS:FIELD:TYPE")
                .action(ArgAction::Append)
                .help(
                    "Add a column this build's schemas lack, as Space-Track does when it adds one: \
                     in the class's modeldef and every record, with generated values of that MySQL \
                     type (e.g. gp:REENTRY_RISK:decimal(5,4); CLASS may be controller/class; repeatable)",
                ),
        )
        .arg(
            Arg::new("fault")
                .long("fault")
                .value_name("NAME[=VALUE][:N]")
                .action(ArgAction::Append)
                .value_parser(parse_fault)
                .help(FAULT_HELP),
        )
        .arg(num(
            "history-depth",
            "Element sets per object in gp_history",
        ))
        .arg(num(
            "clock-rate",
            "Let simulated time run N times faster than real time (3600: an hour a second): new element sets, launches, decays",
        ))
        .arg(num(
            "answer-cache-mb",
            "Keep recent answers (up to N MiB) so repeated queries measure clients, not the simulator",
        ))
        .arg(
            Arg::new("no-account-limits")
                .long("no-account-limits")
                .action(ArgAction::SetTrue)
                .help("Do not enforce Space-Track's 30 queries per minute and 300 per hour (benchmarks)"),
        )
        .arg(
            Arg::new("no-compression")
                .long("no-compression")
                .action(ArgAction::SetTrue)
                .help("Serve answers plain even to clients that ask for gzip"),
        )
}

const FAULT_HELP: &str = "\
Misbehave as Space-Track sometimes does, on every query (every N-th with :N; \
repeatable, the first that applies wins). NAME is one of: \
expire-session (401: the session is gone; the client logs in again), \
rate-limit-500 and rate-limit-200 (Space-Track's two rate-limit answers), \
status[=CODE] (a bare status, default 503), \
truncate-body (the body stops part-way), \
truncate-after[=BYTES] (a query answer stops after BYTES, default 1048576), \
slow-body[=MS] (each 64 KiB of the body MS ms late, default 1000), \
invalid-json (a syntax error after the first record), \
bad-records[=K] (every K-th record has \"N/A\" in a numeric column, default 10), \
hostile[=deep-nesting|huge-string|number-out-of-range|date-out-of-range] \
(a record built to break decoders, default number-out-of-range), \
redirect-to-login, html-login-page (an expired session answered with a login page), \
maintenance (a 200 maintenance page), \
gzip-bomb[=MIB] (a gzip answer inflating to MIB MiB, default 1024). \
E.g. --fault truncate-body:3 --fault status=502:5";

/// A parsed `--fault`: the fault and how often (every `every`-th query).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    pub fault: Fault,
    pub every: usize,
}

/// Parses `NAME[=VALUE][:N]` (see [`FAULT_HELP`]).
fn parse_fault(spec: &str) -> Result<FaultSpec, String> {
    let (head, every) = match spec.rsplit_once(':') {
        Some((head, n)) => {
            let every = n
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_EVERY).contains(n))
                .ok_or_else(|| format!("`:{n}`: N is a whole number from 1 to {MAX_EVERY}"))?;
            (head, every)
        }
        None => (spec, 1),
    };
    let (name, value) = match head.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (head, None),
    };
    let number = |default: u64| -> Result<u64, String> {
        value.map_or(Ok(default), |v| {
            v.parse::<u64>()
                .map_err(|_| format!("`{name}={v}`: the value is a whole number"))
        })
    };
    let plain = |fault: Fault| -> Result<Fault, String> {
        match value {
            None => Ok(fault),
            Some(v) => Err(format!("`{name}` takes no value (got `={v}`)")),
        }
    };
    let fault = match name {
        "expire-session" => plain(Fault::ExpireSession)?,
        "rate-limit-500" => plain(Fault::RateLimit500)?,
        "rate-limit-200" => plain(Fault::RateLimit200)?,
        "truncate-body" => plain(Fault::TruncateBody)?,
        "invalid-json" => plain(Fault::InvalidJson)?,
        "redirect-to-login" => plain(Fault::RedirectToLogin)?,
        "html-login-page" => plain(Fault::HtmlLoginPage)?,
        "maintenance" => plain(Fault::Maintenance)?,
        "status" => {
            let code = number(503)?;
            if !(100..=599).contains(&code) {
                return Err(format!("`status={code}`: not an HTTP status"));
            }
            Fault::Status(code as u16)
        }
        "truncate-after" => {
            Fault::TruncateAfter(usize::try_from(number(1 << 20)?).unwrap_or(usize::MAX))
        }
        "slow-body" => Fault::SlowBody(Duration::from_millis(number(1000)?)),
        "bad-records" => Fault::BadRecords {
            every: usize::try_from(number(10)?.max(1)).unwrap_or(usize::MAX),
        },
        "gzip-bomb" => Fault::GzipBomb {
            mib: usize::try_from(number(1024)?.max(1)).unwrap_or(usize::MAX),
        },
        "hostile" => Fault::Hostile(match value.unwrap_or("number-out-of-range") {
            "deep-nesting" => Hostile::DeepNesting,
            "huge-string" => Hostile::HugeString,
            "number-out-of-range" => Hostile::NumberOutOfRange,
            "date-out-of-range" => Hostile::DateOutOfRange,
            other => {
                return Err(format!(
                    "`hostile={other}`: one of deep-nesting, huge-string, number-out-of-range, \
                     date-out-of-range"
                ));
            }
        }),
        other => {
            return Err(format!(
                "`{other}` is not a fault; see `spacetrack sim --help` for the names"
            ));
        }
    };
    Ok(FaultSpec { fault, every })
}

/// The faults of the first `REPEATS × (largest N)` queries, one per query
/// (the simulator consumes one queued fault per query): query `i` (from 1)
/// gets the first fault whose N divides `i`, or none.
fn schedule(specs: &[FaultSpec]) -> Vec<Fault> {
    let Some(longest) = specs.iter().map(|s| s.every).max() else {
        return Vec::new();
    };
    (1..=longest * REPEATS)
        .map(|i| {
            specs
                .iter()
                .find(|s| i % s.every == 0)
                .map_or(Fault::Pass, |s| s.fault)
        })
        .collect()
}

/// `CLASS:FIELD:TYPE` of `sim --extra-column` (CLASS may be
/// `controller/class`; TYPE may itself hold a colon-free `decimal(5,4)`).
fn extra_column(spec: &str) -> Result<(&'static str, &'static str, &str, &str), Failure> {
    let usage = || {
        Failure::Usage(format!(
            "--extra-column `{spec}`: expected CLASS:FIELD:TYPE, e.g. gp:REENTRY_RISK:decimal(5,4)"
        ))
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(class), Some(field), Some(ty)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(usage());
    };
    if field.is_empty() || ty.is_empty() {
        return Err(usage());
    }
    let (controller, class) = match class.split_once('/') {
        Some((c, k)) => (Some(c), k),
        None => (None, class),
    };
    let info = spacetrack::schema::find_class(class, controller).ok_or_else(|| {
        Failure::Usage(format!(
            "--extra-column `{spec}`: `{class}` is not a class of this build"
        ))
    })?;
    Ok((info.controller, info.class, field, ty))
}

pub async fn run(m: &ArgMatches) -> Result<(), Failure> {
    let mut b = spacetrack_sim::Simulator::builder();
    if !m.get_flag("no-account-limits") {
        b = b.space_track_limits();
    }
    if m.get_flag("no-compression") {
        b = b.compression(false);
    }
    let port = m.get_one::<u16>("port").copied().unwrap_or(0);
    b = b.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    if let Some(&n) = m.get_one::<u64>("objects") {
        b = b.objects(n as usize);
    }
    if let Some(&n) = m.get_one::<u64>("seed") {
        b = b.seed(n);
    }
    if let Some(&n) = m.get_one::<u64>("history-depth") {
        b = b.history_depth(n as usize);
    }
    if let Some(&n) = m.get_one::<u64>("clock-rate") {
        b = b.clock_rate(u32::try_from(n).unwrap_or(u32::MAX));
    }
    for spec in m.get_many::<String>("extra-column").into_iter().flatten() {
        let (controller, class, field, ty) = extra_column(spec)?;
        b = b.extra_column(controller, class, field, ty);
    }
    if let Some(&n) = m.get_one::<u64>("answer-cache-mb") {
        b = b.answer_cache_bytes((n as usize).saturating_mul(1 << 20));
    }
    let faults: Vec<FaultSpec> = m
        .get_many::<FaultSpec>("fault")
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let io = |e| Failure::io(std::path::Path::new("simulator"), e);
    let sim = b.start().await.map_err(io)?;
    sim.inject(schedule(&faults));
    spacetrack_sim::serve_started(sim).await.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_columns_name_a_class_of_this_build() {
        let (controller, class, field, ty) = extra_column("gp:REENTRY_RISK:decimal(5,4)").unwrap();
        assert_eq!(
            (controller, class, field, ty),
            ("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        );
        let (controller, ..) = extra_column("expandedspacedata/satellite:X:int(10)").unwrap();
        assert_eq!(controller, "expandedspacedata");
        for bad in ["gp", "gp:X", "gp::int", "nosuch:X:int", "gp:X:"] {
            assert!(extra_column(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn faults_parse_with_their_defaults() {
        let f = |s| parse_fault(s).unwrap();
        assert_eq!(
            f("truncate-body"),
            FaultSpec {
                fault: Fault::TruncateBody,
                every: 1
            }
        );
        assert_eq!(f("truncate-body:3").every, 3);
        assert_eq!(f("truncate-after=4096").fault, Fault::TruncateAfter(4096));
        assert_eq!(f("status").fault, Fault::Status(503));
        assert_eq!(
            f("status=502:5"),
            FaultSpec {
                fault: Fault::Status(502),
                every: 5
            }
        );
        assert_eq!(
            f("slow-body").fault,
            Fault::SlowBody(Duration::from_secs(1))
        );
        assert_eq!(
            f("slow-body=150").fault,
            Fault::SlowBody(Duration::from_millis(150))
        );
        assert_eq!(f("bad-records").fault, Fault::BadRecords { every: 10 });
        assert_eq!(f("gzip-bomb=8").fault, Fault::GzipBomb { mib: 8 });
        assert_eq!(
            f("hostile").fault,
            Fault::Hostile(Hostile::NumberOutOfRange)
        );
        assert_eq!(
            f("hostile=huge-string").fault,
            Fault::Hostile(Hostile::HugeString)
        );
        for name in [
            "expire-session",
            "rate-limit-500",
            "rate-limit-200",
            "invalid-json",
            "redirect-to-login",
            "html-login-page",
            "maintenance",
        ] {
            assert!(parse_fault(name).is_ok(), "{name}");
            // Every name is in the help.
            assert!(FAULT_HELP.contains(name), "{name}");
        }
        for bad in [
            "nosuch",
            "truncate-body:0",
            "truncate-body:x",
            "truncate-body=3",
            "status=99",
            "status=abc",
            "hostile=nice",
            "truncate-body:1001",
        ] {
            assert!(parse_fault(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn faults_repeat_every_nth_query() {
        let specs = [
            parse_fault("truncate-body:3").unwrap(),
            parse_fault("status:2").unwrap(),
        ];
        let s = schedule(&specs);
        assert_eq!(s.len(), 3 * REPEATS);
        assert_eq!(
            &s[..6],
            &[
                Fault::Pass,
                Fault::Status(503),
                Fault::TruncateBody,
                Fault::Status(503),
                Fault::Pass,
                Fault::TruncateBody,
            ]
        );
        assert!(schedule(&[]).is_empty());
        let every = schedule(&[parse_fault("maintenance").unwrap()]);
        assert!(every.iter().all(|f| *f == Fault::Maintenance));
    }
}

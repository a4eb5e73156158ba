//! Runs the Space-Track simulator until interrupted (the same as
//! `spacetrack sim` in the CLI).
//!
//! ```text
//! spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N] [--answer-cache-mb N] [--clock-rate N]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N] [--answer-cache-mb N] [--clock-rate N] [--no-account-limits] [--no-compression]

--clock-rate N lets simulated time run N times faster than real time (3600: an
hour a second): new element sets, launches, decays, messages.

Space-Track's account limits (30 queries per minute, 300 per hour) are enforced
unless --no-account-limits is given (benchmarks). Answers are gzip-compressed
for clients that ask, unless --no-compression is given.";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = spacetrack_sim::Simulator::builder().space_track_limits();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--no-account-limits" {
            builder = builder.account_limits([]);
            continue;
        }
        if flag == "--no-compression" {
            builder = builder.compression(false);
            continue;
        }
        let Some(n) = args.next().and_then(|v| v.parse::<u64>().ok()) else {
            eprintln!("{flag} needs a number\n{USAGE}");
            return ExitCode::from(2);
        };
        builder = match flag.as_str() {
            "--port" if n <= u64::from(u16::MAX) => {
                port = n as u16;
                builder
            }
            "--objects" => builder.objects(n as usize),
            "--seed" => builder.seed(n),
            "--history-depth" => builder.history_depth(n as usize),
            "--answer-cache-mb" => builder.answer_cache_bytes(n as usize * (1 << 20)),
            "--clock-rate" if n <= u64::from(u32::MAX) => builder.clock_rate(n as u32),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
    }
    let builder = builder.bind(SocketAddr::from(([127, 0, 0, 1], port)));
    match spacetrack_sim::serve_until_stopped(builder).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("simulator: {e}");
            ExitCode::FAILURE
        }
    }
}

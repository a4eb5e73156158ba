//! Runs the Space-Track simulator until interrupted.
//!
//! ```text
//! spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N]
//! ```

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut builder = spacetrack_sim::Simulator::builder();
    let mut args = std::env::args().skip(1);
    let mut port = 0u16;
    while let Some(arg) = args.next() {
        let mut num = |name: &str| -> Option<u64> {
            let v = args.next().and_then(|v| v.parse().ok());
            if v.is_none() {
                eprintln!("{name} needs a number");
            }
            v
        };
        match arg.as_str() {
            "--port" => match num("--port") {
                Some(p) => port = p as u16,
                None => return std::process::ExitCode::from(2),
            },
            "--objects" => match num("--objects") {
                Some(n) => builder = builder.objects(n as usize),
                None => return std::process::ExitCode::from(2),
            },
            "--seed" => match num("--seed") {
                Some(n) => builder = builder.seed(n),
                None => return std::process::ExitCode::from(2),
            },
            "--history-depth" => match num("--history-depth") {
                Some(n) => builder = builder.history_depth(n as usize),
                None => return std::process::ExitCode::from(2),
            },
            _ => {
                eprintln!(
                    "usage: spacetrack-sim [--port N] [--objects N] [--seed N] [--history-depth N]"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    builder = builder.bind(SocketAddr::from(([127, 0, 0, 1], port)));
    let sim = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the simulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Space-Track simulator listening on {}", sim.base_url());
    println!("export SPACETRACK_BASE_URL={}", sim.base_url());
    println!("export SPACETRACK_ALLOW_HTTP=1");
    println!("export SPACETRACK_IDENTITY={}", sim.identity());
    // The simulator's throwaway password, printed so a user can point a
    // client at it; it protects nothing.
    println!("export SPACETRACK_PASSWORD={}", sim.password());
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}

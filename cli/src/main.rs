//! `spacetrack`: query every Space-Track.org class from the command line,
//! refresh the schemas the SDK is generated from, and run the simulator.
//!
//! ```text
//! spacetrack query gp --norad-cat-id 25544 --epoch '>now-1' --order-by epoch:desc --limit 5 --format table
//! spacetrack schemas diff
//! spacetrack sim
//! ```
//!
//! See `spacetrack --help` for the exit codes.

mod cli;
mod config;
mod exit;
mod mirror;
mod options;
mod output;
mod predicate;
mod query;
mod schemas;
mod sim;

use std::path::PathBuf;
use std::process::ExitCode;

use exit::Failure;

// glibc's allocator was a sixth of a mirror sync's CPU time (malloc, free
// and their consolidation, in `perf` on a 30,000-object first sync): the
// typed records, rows and strings of a sync are many small short-lived
// allocations, which mimalloc serves from thread-local free lists.
// BENCHMARKS.md section 7 has the before and after.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    log_to_stderr(matches.get_flag("quiet"), matches.get_count("verbose"));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        // `spacetrack query ... | head`: the reader left; not an error.
        Err(Failure::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(f) => f.report(),
    }
}

/// The library's `tracing` events on stderr: by default its warnings
/// (unknown columns, the usage guidance; each once per process), waits
/// over a second for the account's limits and answers served from the
/// answer cache; `-v` every request and wait, `-vv` their headers (never a
/// cookie: the library does not log them); `-q` nothing. `RUST_LOG`
/// overrides all of it.
fn log_to_stderr(quiet: bool, verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ if quiet => EnvFilter::new("off"),
        _ => EnvFilter::new(match verbose {
            0 => "warn,spacetrack::ratelimit=info,spacetrack::cache=info",
            1 => "warn,spacetrack=info,spacetrack_mirror=info",
            _ => "warn,spacetrack=debug,spacetrack_mirror=debug",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| output::AboveTheBar)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .try_init();
}

async fn run(m: &clap::ArgMatches) -> Result<(), Failure> {
    let config_flag = m.get_one::<PathBuf>("config").map(PathBuf::as_path);
    let quiet = m.get_flag("quiet");
    let retries = m.get_one::<u32>("retries").copied();
    let per_minute = m.get_one::<u32>("max-per-minute").copied();
    // The account's ledger: shared through Redis across machines with
    // --redis, else through a locked file by every process of this machine
    // (a shell loop of `spacetrack query` cannot exceed the minute limit).
    let store: std::sync::Arc<dyn spacetrack::ratelimit::LimiterStore> =
        match m.get_one::<String>("redis") {
            Some(url) => std::sync::Arc::new(
                spacetrack::ratelimit::RedisStore::connect(url, "spacetrack-rs:").await?,
            ),
            None => match spacetrack::ratelimit::FileStore::default_dir() {
                Some(dir) => std::sync::Arc::new(spacetrack::ratelimit::FileStore::new(dir)),
                None => spacetrack::ratelimit::MemoryStore::shared(),
            },
        };
    let polite = config::Polite {
        policy: m
            .get_one::<String>("policy")
            .and_then(|p| spacetrack::guidance::Policy::parse(p))
            .unwrap_or_default(),
        answer_cache: m.get_flag("cache"),
        session_cache: !m.get_flag("no-session-cache"),
    };
    let client = |fresh: bool| {
        config::settings(config_flag)?.client(!fresh, retries, per_minute, store.clone(), &polite)
    };
    match m.subcommand() {
        Some(("query", qm)) => {
            let Some((name, cm)) = qm.subcommand() else {
                return Err(Failure::Usage("name a class".into()));
            };
            if let Some(note) = spacetrack::guidance::removed_class(name) {
                return Err(Failure::Sdk(spacetrack::Error::Guideline(Box::new(note))));
            }
            let info = spacetrack::CLASSES
                .iter()
                .find(|c| cli::subcommand_name(c) == name)
                .ok_or_else(|| Failure::Usage(format!("unknown class {name}")))?;
            // Ctrl-C drops the query, and with it the unfinished output
            // file, before the process exits.
            if let Some(db) = cm.get_one::<String>("db") {
                // Offline: no account, no request.
                let mirror = spacetrack_mirror::Mirror::open(db)
                    .await
                    .map_err(|e| Failure::Mirror(std::sync::Arc::new(e)))?;
                return tokio::select! {
                    r = query::run(query::Source::Mirror(&mirror), info, cm, quiet) => r,
                    _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
                };
            }
            let client = client(false)?;
            let result = tokio::select! {
                r = query::run(query::Source::SpaceTrack(&client), info, cm, quiet) => r,
                _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
            };
            let _ = client.close().await;
            result
        }
        Some(("schemas", sm)) => match sm.subcommand() {
            Some(("pull", pm)) => {
                let client = client(pm.get_flag("fresh"))?;
                let result = schemas::pull(&client, pm, quiet).await;
                let _ = client.close().await;
                result
            }
            Some(("diff", dm)) if dm.get_one::<PathBuf>("dir").is_some() => {
                schemas::diff(None, dm, quiet).await
            }
            Some(("diff", dm)) => {
                let client = client(dm.get_flag("fresh"))?;
                let result = schemas::diff(Some(&client), dm, quiet).await;
                let _ = client.close().await;
                result
            }
            _ => Err(Failure::Usage("unknown schemas command".into())),
        },
        Some(("sim", sm)) => sim::run(sm).await,
        Some(("logout", _)) => {
            // Ends the session the runs of this account share (and any of
            // this process): on Space-Track and in the cache folder.
            let client = client(false)?;
            client.logout().await?;
            eprintln!("logged out; the stored session is removed");
            Ok(())
        }
        Some(("mirror", mm)) => mirror::run(mm, || client(false), quiet).await,
        Some(("config", cm)) => config_command(config_flag, cm),
        Some(("completions", cm)) => {
            if let Some(&shell) = cm.get_one::<clap_complete::Shell>("shell") {
                let mut cmd = cli::command();
                clap_complete::generate(shell, &mut cmd, "spacetrack", &mut std::io::stdout());
            }
            Ok(())
        }
        _ => Err(Failure::Usage("unknown command".into())),
    }
}

fn config_command(flag: Option<&std::path::Path>, m: &clap::ArgMatches) -> Result<(), Failure> {
    match m.subcommand() {
        Some(("set-credentials", sm)) => {
            let path = config::path(flag).ok_or_else(|| {
                Failure::Config("no config folder on this system: pass --config FILE".into())
            })?;
            let identity = sm.get_one::<String>("identity").cloned();
            let password = if sm.get_flag("password-stdin") {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| Failure::io(std::path::Path::new("<stdin>"), e))?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                const PROMPT: &str = "Space-Track password: ";
                rpassword::prompt_password(PROMPT).map_err(|e| {
                    Failure::Config(format!(
                        "cannot read the password from the terminal ({e}); use --password-stdin"
                    ))
                })?
            };
            if password.is_empty() {
                return Err(Failure::Usage("the password is empty".into()));
            }
            let mut file = config::load(&path, false)?.unwrap_or_default();
            file.identity = identity;
            file.password = Some(password);
            config::save(&path, &file)?;
            println!(
                "credentials saved to {} (readable by you only)",
                path.display()
            );
            Ok(())
        }
        Some(("show", _)) => {
            let s = config::settings(flag)?;
            let file = s.file.as_ref().map(|p| p.display().to_string());
            println!("config file: {}", file.as_deref().unwrap_or("none"));
            match &s.identity {
                Some((id, src)) => println!("identity:    {id} (from {src})"),
                None => println!("identity:    not set"),
            }
            match &s.password {
                Some((_, src)) => println!("password:    set (from {src}; never shown)"),
                None => println!("password:    not set"),
            }
            match &s.base_url {
                Some((url, src)) => println!("base URL:    {url} (from {src})"),
                None => println!("base URL:    {}", spacetrack::DEFAULT_BASE_URL),
            }
            Ok(())
        }
        _ => Err(Failure::Usage("unknown config command".into())),
    }
}

//! Exit codes scripts can rely on, and the one failure type behind them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The table `--help` prints and the README repeats.
pub const TABLE: &str = "\
Exit codes:
  0  success, also when nothing matched (stderr says so; an --output file is written empty)
  1  `schemas diff` found differences
  2  usage error: unknown class or field, a value of the wrong type
  3  credentials missing or refused, or a bad config file
  4  rate limited by Space-Track (after retrying)
  5  Space-Track answered with an error
  6  network failure or timeout
  7  the answer could not be decoded (truncated, invalid, unexpected type, too large)
  8  a local file could not be read or written
  9  --skip-bad: some records could not be decoded and were skipped (the rest was written)
  10  the shared rate-limit store (Redis, the limits folder) is unavailable; nothing was sent
  11  `mirror sync`: no class was due yet (the guidance's cadence); nothing was sent
  12  `mirror`: the mirror's database failed or holds an unexpected value
  13  refused by Space-Track's usage guidance (--policy strict, or a removed class such as tle); nothing was sent
  130  interrupted (Ctrl-C); an --output file is not left behind";

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments found after parsing.
    Usage(String),
    /// Missing or unusable credentials or config file.
    Config(String),
    /// The SDK's error.
    Sdk(spacetrack::Error),
    /// A local file.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `schemas diff` found differences (already printed).
    Differences,
    /// `--skip-bad` skipped this many records (already reported).
    Skipped(u64),
    /// Ctrl-C.
    Interrupted,
    /// `mirror sync`: a class is not due before this time (UTC).
    TooEarly(chrono::NaiveDateTime),
    /// The mirror failed (a class of a sync, or the mirror itself).
    Mirror(std::sync::Arc<spacetrack_mirror::Error>),
}

impl Failure {
    pub fn io(path: &Path, source: std::io::Error) -> Failure {
        Failure::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn code(&self) -> u8 {
        match self {
            Failure::Differences => 1,
            Failure::Skipped(_) => 9,
            Failure::Interrupted => 130,
            Failure::TooEarly(_) => 11,
            Failure::Mirror(e) => match &**e {
                spacetrack_mirror::Error::Api(e) => sdk_code(e),
                spacetrack_mirror::Error::Url(_)
                | spacetrack_mirror::Error::UnknownClass(_)
                | spacetrack_mirror::Error::InvalidArgument(_) => 2,
                spacetrack_mirror::Error::Value { .. } => 7,
                spacetrack_mirror::Error::Io(_) => 8,
                _ => 12,
            },
            Failure::Usage(_) => 2,
            Failure::Config(_) => 3,
            Failure::Io { .. } => 8,
            Failure::Sdk(e) => sdk_code(e),
        }
    }

    pub fn report(&self) -> ExitCode {
        match self {
            Failure::Differences => {}
            Failure::Skipped(n) => eprintln!(
                "{n} record(s) could not be decoded and were skipped; `spacetrack schemas diff` shows whether Space-Track changed this class"
            ),
            Failure::Interrupted => eprintln!("interrupted"),
            Failure::TooEarly(t) => eprintln!(
                "too early: Space-Track's guidance allows the next sync at {t} UTC (--force overrides)"
            ),
            Failure::Mirror(e) => eprintln!("error: {e}"),
            Failure::Usage(m) => eprintln!("error: {m}"),
            Failure::Config(m) => eprintln!("error: {m}"),
            Failure::Io { path, source } => eprintln!("error: {}: {source}", path.display()),
            Failure::Sdk(e) => {
                eprintln!("error: {e}");
                if let Some(d) = e.as_decode() {
                    if let Some(field) = &d.field {
                        eprintln!("  column: {field}");
                    }
                    if let Some(value) = &d.value {
                        eprintln!("  value:  {value}");
                    }
                    eprintln!(
                        "  if Space-Track changed this class, `spacetrack schemas diff` shows how"
                    );
                }
            }
        }
        ExitCode::from(self.code())
    }
}

impl From<spacetrack::Error> for Failure {
    fn from(e: spacetrack::Error) -> Self {
        Failure::Sdk(e)
    }
}

/// The exit code of an SDK error.
fn sdk_code(e: &spacetrack::Error) -> u8 {
    use spacetrack::Error as E;
    match e {
        E::InvalidArgument(_) => 2,
        E::Auth(_) | E::Config(_) => 3,
        E::RateLimited { .. } => 4,
        E::Api { .. } => 5,
        E::Transport(_) | E::Timeout(_) => 6,
        E::Decode(_) | E::TooLarge { .. } => 7,
        E::Page { .. } => 5,
        E::Store(_) => 10,
        E::Io { .. } => 8,
        E::Guideline(_) => 13,
        _ => 5,
    }
}

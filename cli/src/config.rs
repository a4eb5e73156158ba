//! Credentials: from the environment or an owner-only config file, never
//! from the command line (where `ps` and shell history would show them),
//! and never printed.
//!
//! The file is TOML:
//!
//! ```toml
//! identity = "me@example.com"
//! password = "..."
//! # optional:
//! base_url = "https://www.space-track.org/"
//! allow_http = false
//! ```
//!
//! Each `SPACETRACK_*` variable that is set wins over the file's value.

use std::io::Write;
use std::path::{Path, PathBuf};

use std::time::Duration;

use serde::{Deserialize, Serialize};
use spacetrack::Rate;

use crate::exit::Failure;

/// The config file's contents. No `Debug`: it holds the password.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_http: Option<bool>,
}

/// Where the config file is: `--config`, else `$SPACETRACK_CONFIG`, else
/// `<config dir>/spacetrack/config.toml` (`~/.config` on Linux).
pub fn path(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| env("SPACETRACK_CONFIG").map(PathBuf::from))
        .or_else(|| dirs::config_dir().map(|d| d.join("spacetrack").join("config.toml")))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Reads the file at `path`. A missing file is `None` unless `required`.
pub fn load(path: &Path, required: bool) -> Result<Option<ConfigFile>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(Failure::io(path, e)),
    };
    check_private(path)?;
    // toml's messages quote the offending line, which may be the password:
    // report only where the error is.
    toml::from_str(&text).map(Some).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                format!(
                    " (line {})",
                    1 + text.as_bytes()[..s.start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                )
            })
            .unwrap_or_default();
        Failure::Config(format!("{} is not a valid config file{at}", path.display()))
    })
}

/// Refuses a file that other users can read, as ssh does for keys.
fn check_private(path: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| Failure::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Failure::Config(format!(
                "{} holds a password but other users can read it (mode {:o}); run: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    Ok(())
}

/// The settings a client is built from, with where each came from.
pub struct Settings {
    pub identity: Option<(String, &'static str)>,
    pub password: Option<(String, &'static str)>,
    pub base_url: Option<(String, &'static str)>,
    pub allow_http: bool,
    pub file: Option<PathBuf>,
}

/// Merges the environment over the config file.
pub fn settings(flag: Option<&Path>) -> Result<Settings, Failure> {
    let path = path(flag);
    let file = match &path {
        Some(p) => load(p, flag.is_some())?,
        None => None,
    };
    let file_loaded = file.is_some();
    let file = file.unwrap_or_default();
    let pick = |var: &str, from_file: Option<String>| {
        env(var)
            .map(|v| (v, "environment"))
            .or(from_file.map(|v| (v, "config file")))
    };
    let allow_http = match env("SPACETRACK_ALLOW_HTTP") {
        Some(v) => v == "1" || v.eq_ignore_ascii_case("true"),
        None => file.allow_http.unwrap_or(false),
    };
    Ok(Settings {
        identity: pick("SPACETRACK_IDENTITY", file.identity),
        password: pick("SPACETRACK_PASSWORD", file.password),
        base_url: pick("SPACETRACK_BASE_URL", file.base_url),
        allow_http,
        file: path.filter(|_| file_loaded),
    })
}

/// How the client keeps Space-Track's usage guidance (`--policy`,
/// `--cache`).
pub struct Polite {
    pub policy: spacetrack::guidance::Policy,
    /// Answer repeated queries from the answer cache.
    pub answer_cache: bool,
    /// Keep the session in the cache folder for the next runs.
    pub session_cache: bool,
}

impl Polite {
    /// Applies the policy, the guidance ledger shared by every run of the
    /// account on this machine (so that a shell loop is one user to the
    /// rules), and the answer cache.
    fn apply(
        &self,
        mut b: spacetrack::ClientBuilder,
        server: &str,
        identity: &str,
    ) -> spacetrack::ClientBuilder {
        b = b.policy(self.policy);
        let base = dirs::cache_dir().map(|d| d.join("spacetrack-rs"));
        if let Some(base) = &base {
            // One ledger per account and server: FNV-1a of both.
            let key = format!(
                "{}|{}",
                server.trim_end_matches('/'),
                identity.to_lowercase()
            );
            let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            b = b.guidance_ledger(base.join("guidance").join(format!("{h:016x}.jsonl")));
        }
        if self.answer_cache {
            if let Some(base) = &base {
                b = b.answer_cache(base.join("answers"));
            }
        }
        if self.session_cache {
            if let Some(base) = &base {
                // One login for many runs: the session cookie in an
                // owner-only file, reused until Space-Track expires it.
                b = b.session_store(std::sync::Arc::new(spacetrack::FileSessionStore::new(
                    base.join("sessions"),
                )));
            }
        }
        b
    }
}

impl Settings {
    /// A client, or a [`Failure::Config`] naming what is missing.
    pub fn client(
        &self,
        modeldef_cache: bool,
        retries: Option<u32>,
        per_minute: Option<u32>,
        store: std::sync::Arc<dyn spacetrack::ratelimit::LimiterStore>,
        polite: &Polite,
    ) -> Result<spacetrack::Client, Failure> {
        let (Some((identity, _)), Some((password, _))) = (&self.identity, &self.password) else {
            return Err(Failure::Config(
                "no Space-Track credentials: set SPACETRACK_IDENTITY and SPACETRACK_PASSWORD, \
                 or run `spacetrack config set-credentials`"
                    .into(),
            ));
        };
        let mut b = spacetrack::Client::builder()
            .identity(identity)
            .password(password)
            .allow_http(self.allow_http)
            .limiter_store(store);
        if let Some(n) = per_minute {
            // The SDK's defaults are Space-Track's limits; a different
            // per-minute figure scales the hourly one with it (30 → 300).
            let minute = Duration::from_secs(60);
            b = b.rate_limits([
                Rate::new(n, minute),
                Rate::new(n.saturating_mul(10), 60 * minute).burst(n),
            ]);
        }
        if let Some((url, _)) = &self.base_url {
            b = b.base_url(url);
        }
        let server = self
            .base_url
            .as_ref()
            .map_or(spacetrack::DEFAULT_BASE_URL, |(u, _)| u.as_str());
        b = polite.apply(b, server, identity);
        if !modeldef_cache {
            b = b.modeldef_cache_dir(None);
        }
        if let Some(n) = retries {
            b = b.retry(spacetrack::RetryPolicy {
                rate_limit_retries: n,
                transient_retries: n,
                ..spacetrack::RetryPolicy::default()
            });
        }
        Ok(b.build()?)
    }
}

/// Writes `config` to `path` with owner-only permissions, atomically.
pub fn save(path: &Path, config: &ConfigFile) -> Result<(), Failure> {
    let text = toml::to_string(config)
        .map_err(|e| Failure::Config(format!("cannot write the config file: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io(dir, e))?;
    }
    let tmp = path.with_extension("toml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| {
            // A leftover temporary file may have had wider permissions.
            #[cfg(unix)]
            f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::io(path, e));
    }
    Ok(())
}

//! Where a session outlives its process: a [`SessionStore`] keeps the
//! session cookie so that the next process reuses it instead of logging
//! in (Space-Track asks clients not to log in for every request).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// Keeps an account's session cookie between processes (see
/// [`ClientBuilder::session_store`](crate::ClientBuilder::session_store)).
///
/// `account` names the account and server (it holds no secret). A store
/// must never log or print the cookie. [`lock`](Self::lock) serialises the
/// logins of one account across everything sharing the store: a process
/// that must log in takes it, reads the store again (another may just have
/// logged in), logs in only if it still has to, saves, and lets go.
///
/// A store also shares refusals: when Space-Track refuses the account's
/// credentials, [`note_refusal`](Self::note_refusal) records it, and the
/// other processes sharing the store send no login with the same
/// credentials for a while, and none at all once the hour's refusals reach
/// [`LoginPolicy`](crate::LoginPolicy)'s cap (each refused login counts
/// toward Space-Track locking the account; ten runs of a script with a
/// wrong password must not send ten, but the run after the password was
/// corrected logs in).
pub trait SessionStore: Send + Sync + 'static {
    /// The stored cookie (`name=value`), if any.
    fn load(&self, account: &str) -> Result<Option<String>>;
    /// Stores `cookie` as the account's session.
    fn save(&self, account: &str, cookie: &str) -> Result<()>;
    /// Forgets the account's session, and the refusals it noted.
    fn clear(&self, account: &str) -> Result<()>;
    /// Takes the account's login lock, blocking until it is free; it is
    /// released when the returned guard drops.
    fn lock(&self, account: &str) -> Result<Box<dyn Send>>;

    /// Notes that Space-Track refused the account's credentials just now;
    /// `tag` marks which credentials (see [`Refusal::tag`]). The default
    /// keeps nothing (refusals are then shared only within a process).
    fn note_refusal(&self, account: &str, tag: &str) -> Result<()> {
        let _ = (account, tag);
        Ok(())
    }

    /// The refusals of the last hour, oldest first (what
    /// [`note_refusal`](Self::note_refusal) kept). A [`save`](Self::save)
    /// or [`clear`](Self::clear) forgets them.
    fn refusals(&self, account: &str) -> Result<Vec<Refusal>> {
        let _ = account;
        Ok(Vec::new())
    }
}

/// A refused login noted in a [`SessionStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// When Space-Track refused it.
    pub at: SystemTime,
    /// An opaque mark of the refused credentials, without whitespace: a
    /// random salt and 16 bits of a hash of the salt and the credentials.
    /// It tells a corrected password from the refused one (but for one
    /// time in 65,536) and reveals nothing useful of either. Empty for a
    /// refusal noted without a mark (it is taken to match any
    /// credentials).
    pub tag: String,
}

/// How long a refusal is kept.
const HOUR: Duration = Duration::from_secs(3600);

/// A [`SessionStore`] in a folder: one owner-only file per account and
/// server (`0600`, in a `0700` folder), and a lock file beside it taken
/// with the operating system's file lock. The command line keeps one in
/// its cache folder.
///
/// ```
/// use std::sync::Arc;
/// # fn main() -> spacetrack::Result<()> {
/// let dir = std::env::temp_dir().join("spacetrack-sessions-doc");
/// let st = spacetrack::Client::builder()
///     .identity("me@example.com")
///     .password("secret")
///     .session_store(Arc::new(spacetrack::FileSessionStore::new(dir)))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileSessionStore {
    dir: PathBuf,
}

impl FileSessionStore {
    /// A store in `dir` (created, owner-only, when first written).
    pub fn new(dir: impl Into<PathBuf>) -> FileSessionStore {
        FileSessionStore { dir: dir.into() }
    }

    /// `<cache>/spacetrack-rs/sessions`, or `None` when the system has no
    /// cache folder.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("spacetrack-rs").join("sessions"))
    }

    /// The file of `account` (a stable name that cannot leave the folder).
    pub fn file(&self, account: &str) -> PathBuf {
        let h = account.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        self.dir.join(format!("{h:016x}.session"))
    }

    /// Where refusals of `account` are noted.
    fn refused_file(&self, account: &str) -> PathBuf {
        self.file(account).with_extension("refused")
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(&self.dir, e)
    }

    /// Writes `text` to `path` whole (a file beside, renamed), owner-only.
    fn write(&self, path: &Path, text: &str) -> Result<()> {
        use std::io::Write;
        crate::ratelimit::create_private_dir(&self.dir).map_err(|e| self.io(e))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = path.with_file_name(format!("{name}.tmp.{}", std::process::id()));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let written = open
            .open(&tmp)
            .and_then(|mut f| {
                #[cfg(unix)]
                f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
                f.write_all(text.as_bytes())
            })
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.io(e));
        }
        Ok(())
    }

    fn remove(&self, path: &Path) -> Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io(e)),
            _ => Ok(()),
        }
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self, account: &str) -> Result<Option<String>> {
        let text = match std::fs::read_to_string(self.file(account)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        // The first line names the account (a hash collision must not hand
        // one account's session to another).
        let mut lines = text.lines();
        Ok(match (lines.next(), lines.next()) {
            (Some(first), Some(cookie)) if first == account && !cookie.is_empty() => {
                Some(cookie.to_owned())
            }
            _ => None,
        })
    }

    fn save(&self, account: &str, cookie: &str) -> Result<()> {
        self.write(&self.file(account), &format!("{account}\n{cookie}\n"))?;
        self.remove(&self.refused_file(account))
    }

    fn clear(&self, account: &str) -> Result<()> {
        self.remove(&self.file(account))?;
        self.remove(&self.refused_file(account))
    }

    fn note_refusal(&self, account: &str, tag: &str) -> Result<()> {
        let mut all = self.refusals(account)?;
        all.push(Refusal {
            at: SystemTime::now(),
            tag: tag.split_whitespace().collect(),
        });
        let mut text = format!("{account}\n");
        for r in all {
            let ms =
                r.at.duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
            text.push_str(&format!("{} {}\n", ms.as_millis(), r.tag));
        }
        self.write(&self.refused_file(account), &text)
    }

    fn refusals(&self, account: &str) -> Result<Vec<Refusal>> {
        let text = match std::fs::read_to_string(self.refused_file(account)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(e)),
        };
        let mut lines = text.lines();
        if lines.next() != Some(account) {
            return Ok(Vec::new());
        }
        Ok(lines
            .filter_map(|l| {
                // `millis tag`; a line of an earlier build has no tag.
                let (ms, tag) = l.split_once(' ').unwrap_or((l, ""));
                Some(Refusal {
                    at: SystemTime::UNIX_EPOCH + Duration::from_millis(ms.parse().ok()?),
                    tag: tag.trim().to_owned(),
                })
            })
            .filter(|r| r.at.elapsed().map_or(true, |age| age < HOUR))
            .collect())
    }

    fn lock(&self, account: &str) -> Result<Box<dyn Send>> {
        crate::ratelimit::create_private_dir(&self.dir).map_err(|e| self.io(e))?;
        let mut open = std::fs::OpenOptions::new();
        open.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let file = open
            .open(self.file(account).with_extension("lock"))
            .map_err(|e| self.io(e))?;
        file.lock().map_err(|e| self.io(e))?;
        // The lock is released when the file closes.
        Ok(Box::new(file))
    }
}

/// A client's store and its account's name in it.
#[derive(Clone)]
pub(crate) struct Stored {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) account: String,
}

impl Stored {
    /// Runs a blocking store call off the async threads.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SessionStore, &str) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&*me.store, &me.account))
            .await
            .map_err(|e| Error::Config(format!("session store task failed: {e}")))?
    }
}

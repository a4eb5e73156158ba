//! Where a session outlives its process: a [`SessionStore`] keeps the
//! session cookie so that the next process reuses it instead of logging
//! in (Space-Track asks clients not to log in for every request).

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};

/// Keeps an account's session cookie between processes (see
/// [`ClientBuilder::session_store`](crate::ClientBuilder::session_store)).
///
/// `account` names the account and server (it holds no secret). A store
/// must never log or print the cookie. [`lock`](Self::lock) serialises the
/// logins of one account across everything sharing the store: a process
/// that must log in takes it, reads the store again (another may just have
/// logged in), logs in only if it still has to, saves, and lets go.
pub trait SessionStore: Send + Sync + 'static {
    /// The stored cookie (`name=value`), if any.
    fn load(&self, account: &str) -> Result<Option<String>>;
    /// Stores `cookie` as the account's session.
    fn save(&self, account: &str, cookie: &str) -> Result<()>;
    /// Forgets the account's session.
    fn clear(&self, account: &str) -> Result<()>;
    /// Takes the account's login lock, blocking until it is free; it is
    /// released when the returned guard drops.
    fn lock(&self, account: &str) -> Result<Box<dyn Send>>;
}

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

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(&self.dir, e)
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
        use std::io::Write;
        crate::ratelimit::create_private_dir(&self.dir).map_err(|e| self.io(e))?;
        let path = self.file(account);
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let written = open
            .open(&tmp)
            .and_then(|mut f| {
                #[cfg(unix)]
                f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
                f.write_all(format!("{account}\n{cookie}\n").as_bytes())
            })
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.io(e));
        }
        Ok(())
    }

    fn clear(&self, account: &str) -> Result<()> {
        match std::fs::remove_file(self.file(account)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io(e)),
            _ => Ok(()),
        }
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

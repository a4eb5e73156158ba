//! Live `modeldef` answers: fetched at most once a day per class, cached in
//! memory and on disk, and compared with the compiled-in schemas.
//!
//! Space-Track's staff ask clients to request a class's modeldef at most
//! once a day. The disk cache makes that hold across runs and processes:
//! a process holds an exclusive lock on `<file>.lock` while it re-reads,
//! fetches and writes, so concurrent processes fetch once between them.
//! Files are written to a temporary name and renamed, so a reader never
//! sees half a file, and with owner-only permissions (they hold no
//! secret, but they are the user's).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema::{ClassInfo, ColumnInfo};

/// How long a modeldef answer stays valid (Space-Track: once a day).
pub const CACHE_TTL: Duration = Duration::from_secs(24 * 3600);

const CACHE_VERSION: u32 = 1;

/// One column of a live `modeldef` answer, in Space-Track's own shape
/// (serialises back to `{"Field": ..., "Type": ..., "Null": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeldefColumn {
    /// Column name, e.g. `NORAD_CAT_ID`.
    #[serde(rename = "Field")]
    pub field: String,
    /// MySQL type, e.g. `int(10) unsigned`.
    #[serde(rename = "Type")]
    pub ty: String,
    /// `YES` or `NO`.
    #[serde(rename = "Null")]
    pub null: String,
    /// Index information (`PRI`, `MUL` or empty).
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Default value.
    #[serde(rename = "Default", default)]
    pub default: Option<String>,
    /// Extra information (`auto_increment`, ...).
    #[serde(rename = "Extra", default)]
    pub extra: String,
}

impl ModeldefColumn {
    /// Whether the column may be null.
    pub fn nullable(&self) -> bool {
        self.null.eq_ignore_ascii_case("YES")
    }
}

/// The body of a `modeldef` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeldefAnswer {
    /// The controller Space-Track reports.
    #[serde(default)]
    pub controller: Option<String>,
    /// The columns.
    pub data: Vec<ModeldefColumn>,
}

/// The on-disk cache entry (the reference client's layout, plus the URL).
#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// Unix seconds (UTC) when the answer was fetched.
    timestamp: f64,
    base_url: String,
    data: Vec<ModeldefColumn>,
}

/// The per-client cache.
pub(crate) struct Cache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<(String, String), (Instant, Arc<[ModeldefColumn]>)>>,
    /// One fetch at a time in this client (the file lock covers processes).
    fetching: tokio::sync::Mutex<()>,
}

impl Cache {
    pub(crate) fn new(dir: Option<PathBuf>) -> Cache {
        Cache {
            dir,
            memory: Mutex::new(HashMap::new()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The default folder: the user's cache folder, `spacetrack-rs/modeldef`.
    pub(crate) fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("spacetrack-rs").join("modeldef"))
    }

    fn from_memory(&self, key: &(String, String)) -> Option<Arc<[ModeldefColumn]>> {
        let memory = self.memory.lock().ok()?;
        let (at, cols) = memory.get(key)?;
        (at.elapsed() < CACHE_TTL).then(|| cols.clone())
    }

    fn remember(&self, key: (String, String), cols: Arc<[ModeldefColumn]>) {
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key, (Instant::now(), cols));
        }
    }

    /// The answer for `(controller, class)`: from memory, from disk, or
    /// from `fetch` (which sends the request) when neither is fresh.
    pub(crate) async fn get<F, Fut>(
        &self,
        base_url: &str,
        controller: &str,
        class: &str,
        fetch: F,
    ) -> Result<Arc<[ModeldefColumn]>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<ModeldefColumn>>>,
    {
        let key = (controller.to_owned(), class.to_owned());
        if let Some(c) = self.from_memory(&key) {
            return Ok(c);
        }
        let file = self
            .dir
            .as_ref()
            .map(|d| cache_path(d, base_url, controller, class));
        if let Some(cols) = file.as_deref().and_then(|f| read_fresh(f, base_url)) {
            let cols: Arc<[ModeldefColumn]> = cols.into();
            self.remember(key, cols.clone());
            return Ok(cols);
        }
        let _one = self.fetching.lock().await;
        if let Some(c) = self.from_memory(&key) {
            return Ok(c);
        }
        let lock = match &file {
            Some(f) => match lock_file(f).await {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "modeldef cache unavailable; using memory only");
                    None
                }
            },
            None => None,
        };
        // Another process may have fetched while we waited for the lock.
        if lock.is_some() {
            if let Some(cols) = file.as_deref().and_then(|f| read_fresh(f, base_url)) {
                let cols: Arc<[ModeldefColumn]> = cols.into();
                self.remember(key, cols.clone());
                return Ok(cols);
            }
        }
        let cols = fetch().await?;
        if let (Some(f), Some(_)) = (&file, &lock) {
            if let Err(e) = write_entry(f, base_url, &cols) {
                tracing::warn!(error = %e, "cannot write the modeldef cache");
            }
        }
        drop(lock);
        let cols: Arc<[ModeldefColumn]> = cols.into();
        self.remember(key, cols.clone());
        Ok(cols)
    }
}

/// `<dir>/<host_port_path>/<controller>.<class>.json`, every part reduced to
/// `[A-Za-z0-9._-]` so that no name can leave the folder.
pub(crate) fn cache_path(dir: &Path, base_url: &str, controller: &str, class: &str) -> PathBuf {
    let server = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .trim_end_matches('/');
    dir.join(safe_name(server)).join(format!(
        "{}.{}.json",
        safe_name(controller),
        safe_name(class)
    ))
}

fn safe_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() { "_".into() } else { name }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The cached columns if the file is valid, for this server, and younger
/// than a day. Anything else (missing, corrupt, other version, expired,
/// dated in the future) is a miss.
fn read_fresh(path: &Path, base_url: &str) -> Option<Vec<ModeldefColumn>> {
    let bytes = std::fs::read(path).ok()?;
    let entry: CacheFile = serde_json::from_slice(&bytes).ok()?;
    let age = now_secs() - entry.timestamp;
    let fresh = entry.version == CACHE_VERSION
        && entry.base_url == base_url
        && entry.timestamp.is_finite()
        && (-60.0..CACHE_TTL.as_secs_f64()).contains(&age);
    fresh.then_some(entry.data)
}

fn create_dir_private(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Opens a file for writing, readable by its owner only.
pub(crate) fn create_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Takes the exclusive lock next to `path` (waiting for other processes).
async fn lock_file(path: &Path) -> Result<std::fs::File> {
    let lock_path = path.with_extension("json.lock");
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = lock_path.parent() {
            create_dir_private(dir).map_err(|e| Error::io(dir, e))?;
        }
        let f = create_private(&lock_path, false).map_err(|e| Error::io(&lock_path, e))?;
        f.lock().map_err(|e| Error::io(&lock_path, e))?;
        Ok(f)
    })
    .await
    .map_err(|e| Error::Config(format!("cache lock task failed: {e}")))?
}

/// Writes atomically: a temporary file in the same folder, then a rename.
fn write_entry(path: &Path, base_url: &str, cols: &[ModeldefColumn]) -> Result<()> {
    let entry = CacheFile {
        version: CACHE_VERSION,
        timestamp: now_secs(),
        base_url: base_url.to_owned(),
        data: cols.to_vec(),
    };
    let json = serde_json::to_vec_pretty(&entry)
        .map_err(|e| Error::Config(format!("cannot serialise the cache entry: {e}")))?;
    write_atomic(path, &json)
}

/// Writes `bytes` to `path` through a temporary file and a rename, with
/// owner-only permissions.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dir_private(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut f = create_private(&tmp, true)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::io(path, e))
}

/// How a live modeldef differs from the compiled-in schema of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemaDrift {
    /// The class.
    pub class: &'static ClassInfo,
    /// Live columns the build does not know.
    pub added: Vec<ModeldefColumn>,
    /// Compiled-in columns the server no longer has.
    pub removed: Vec<&'static ColumnInfo>,
    /// Columns whose type or nullability changed.
    pub retyped: Vec<Retyped>,
}

/// A column whose type or nullability differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retyped {
    /// The compiled-in column.
    pub compiled: &'static ColumnInfo,
    /// The live column.
    pub live: ModeldefColumn,
}

impl SchemaDrift {
    /// Compares `live` with the compiled-in `class`. Names compare ignoring
    /// ASCII case; types compare ignoring case and spaces.
    pub fn compare(class: &'static ClassInfo, live: &[ModeldefColumn]) -> SchemaDrift {
        let norm = |t: &str| -> String {
            t.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let added = live
            .iter()
            .filter(|l| class.column(&l.field).is_none())
            .cloned()
            .collect();
        let removed = class
            .columns
            .iter()
            .filter(|c| !live.iter().any(|l| l.field.eq_ignore_ascii_case(c.name)))
            .collect();
        let retyped = class
            .columns
            .iter()
            .filter_map(|c| {
                let l = live.iter().find(|l| l.field.eq_ignore_ascii_case(c.name))?;
                let changed = norm(&l.ty) != norm(c.sql_type) || l.nullable() != c.nullable;
                changed.then(|| Retyped {
                    compiled: c,
                    live: l.clone(),
                })
            })
            .collect();
        SchemaDrift {
            class,
            added,
            removed,
            retyped,
        }
    }

    /// Whether the live schema matches the build.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.retyped.is_empty()
    }
}

impl std::fmt::Display for SchemaDrift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let null = |n: bool| if n { "NULL" } else { "NOT NULL" };
        write!(f, "{}/{}:", self.class.controller, self.class.class)?;
        if self.is_empty() {
            return write!(f, " no change");
        }
        for a in &self.added {
            write!(f, "\n  + {} {} {}", a.field, a.ty, null(a.nullable()))?;
        }
        for r in &self.removed {
            write!(f, "\n  - {} {} {}", r.name, r.sql_type, null(r.nullable))?;
        }
        for r in &self.retyped {
            write!(
                f,
                "\n  ~ {}: {} {} -> {} {}{}",
                r.compiled.name,
                r.compiled.sql_type,
                null(r.compiled.nullable),
                r.live.ty,
                null(r.live.nullable()),
                if r.compiled.inferred {
                    " (compiled type was inferred)"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str, null: &str) -> ModeldefColumn {
        ModeldefColumn {
            field: name.into(),
            ty: ty.into(),
            null: null.into(),
            key: String::new(),
            default: None,
            extra: String::new(),
        }
    }

    #[test]
    fn cache_names_cannot_escape_the_folder() {
        let p = cache_path(
            Path::new("/c"),
            "http://127.0.0.1:8080/../x/",
            "../..",
            "a/b",
        );
        assert!(p.starts_with("/c"));
        assert_eq!(p.components().count(), 4, "{p:?}");
        assert!(!p.to_string_lossy().contains(".."), "{p:?}");
    }

    #[test]
    fn stale_corrupt_foreign_and_future_entries_are_misses() {
        let dir = std::env::temp_dir().join(format!("st-cache-{}", std::process::id()));
        let f = dir.join("x.json");
        let base = "http://sim/";
        let cols = vec![col("A", "int(10)", "NO")];
        write_entry(&f, base, &cols).unwrap();
        assert_eq!(read_fresh(&f, base), Some(cols.clone()));
        assert_eq!(read_fresh(&f, "http://other/"), None);
        for ts in [now_secs() - 86_401.0, now_secs() + 3_600.0] {
            let e = CacheFile {
                version: CACHE_VERSION,
                timestamp: ts,
                base_url: base.into(),
                data: cols.clone(),
            };
            write_atomic(&f, &serde_json::to_vec(&e).unwrap()).unwrap();
            assert_eq!(read_fresh(&f, base), None, "timestamp {ts}");
        }
        write_atomic(&f, br#"{"version":1,"timestamp":"x"}"#).unwrap();
        assert_eq!(read_fresh(&f, base), None);
        write_atomic(&f, b"[1,").unwrap();
        assert_eq!(read_fresh(&f, base), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "cache file is private: {mode:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn drift_reports_added_removed_and_retyped() {
        let gp = crate::schema::find_class("gp", None).unwrap();
        let mut live: Vec<ModeldefColumn> = gp
            .columns
            .iter()
            .map(|c| col(c.name, c.sql_type, if c.nullable { "YES" } else { "NO" }))
            .collect();
        assert!(SchemaDrift::compare(gp, &live).is_empty());
        live.retain(|c| c.field != "COMMENT");
        live.push(col("NEW_THING", "varchar(10)", "YES"));
        let mm = live.iter_mut().find(|c| c.field == "MEAN_MOTION").unwrap();
        mm.ty = "varchar(20)".into();
        // Case and spacing differences are not drift.
        let e = live.iter_mut().find(|c| c.field == "EPOCH").unwrap();
        e.ty = e.ty.to_uppercase();
        let d = SchemaDrift::compare(gp, &live);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].field, "NEW_THING");
        assert_eq!(
            d.removed.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["COMMENT"]
        );
        assert_eq!(
            d.retyped
                .iter()
                .map(|r| r.compiled.name)
                .collect::<Vec<_>>(),
            ["MEAN_MOTION"]
        );
        let text = d.to_string();
        assert!(
            text.contains("+ NEW_THING") && text.contains("- COMMENT"),
            "{text}"
        );
        assert!(text.contains("~ MEAN_MOTION"), "{text}");
    }
}

//! Files: fileshare upload and download, spephemeris download, publicfiles
//! listing and download.
//!
//! The listing classes with a schema (fileshare `file`, `folder`,
//! `delete`; spephemeris `file`, `file_history`) are ordinary typed
//! queries: `st.fileshare_file()`, `st.folder()`, `st.delete().file_id(..)`,
//! `st.spephemeris_file()`, `st.file_history()`.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use chrono::NaiveDateTime;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Deserializer};

use crate::client::{Attempts, Client, classify};
use crate::error::{Error, Result};
use crate::request::{Format, Spec};

/// A file to upload with [`Client::upload`].
///
/// Bytes and paths can be sent again, so an upload that meets an expired
/// session or a server rate-limit answer is resent after logging in again
/// or waiting. A one-shot stream cannot: those cases end in an error.
pub struct Upload {
    name: String,
    source: Source,
}

enum Source {
    Bytes(Bytes),
    Path(PathBuf),
    Stream(Mutex<Option<BoxStream<'static, std::io::Result<Bytes>>>>),
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Path(p) => p.display().to_string(),
            Source::Stream(_) => "stream".into(),
        };
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("source", &source)
            .finish()
    }
}

impl Upload {
    /// Content in memory, sent as file `name`.
    pub fn bytes(name: impl Into<String>, content: impl Into<Bytes>) -> Upload {
        Upload {
            name: name.into(),
            source: Source::Bytes(content.into()),
        }
    }

    /// A local file, streamed from disk (opened again for a resend) and
    /// sent under its own file name.
    pub fn path(path: impl Into<PathBuf>) -> Upload {
        let path = path.into();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Upload {
            name,
            source: Source::Path(path),
        }
    }

    /// A one-shot stream (a pipe, a socket). It cannot be resent.
    pub fn stream(
        name: impl Into<String>,
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Upload {
        Upload {
            name: name.into(),
            source: Source::Stream(Mutex::new(Some(stream.boxed()))),
        }
    }

    /// Sends the file under another name.
    pub fn file_name(mut self, name: impl Into<String>) -> Upload {
        self.name = name.into();
        self
    }

    /// Whether the content can be sent again.
    pub fn can_resend(&self) -> bool {
        !matches!(self.source, Source::Stream(_))
    }

    /// The multipart part for one attempt.
    fn part(&self) -> Result<reqwest::multipart::Part> {
        use reqwest::multipart::Part;
        let part = match &self.source {
            Source::Bytes(b) => Part::stream_with_length(b.clone(), b.len() as u64),
            Source::Path(p) => {
                let file = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
                let len = file.metadata().map_err(|e| Error::io(p, e))?.len();
                Part::stream_with_length(tokio::fs::File::from_std(file), len)
            }
            Source::Stream(s) => {
                let stream = s.lock().ok().and_then(|mut s| s.take()).ok_or_else(|| {
                    Error::Auth(
                        "the upload had to be resent (expired session or rate limit) but its content was a one-shot stream; upload it again".into(),
                    )
                })?;
                Part::stream(reqwest::Body::wrap_stream(stream))
            }
        };
        Ok(part.file_name(self.name.clone()))
    }
}

impl Client {
    /// Uploads a file into a fileshare folder
    /// (`POST fileshare/query/class/upload/folder_id/N`, multipart part
    /// `file`) and returns Space-Track's answer text. Counted by the rate
    /// limiter; resent once after an expired session and after server
    /// rate-limit answers when the content can be resent; never retried
    /// after a transport error (an upload is not idempotent).
    ///
    /// ```
    /// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
    /// use spacetrack::files::Upload;
    /// st.upload(12, Upload::bytes("plan.txt", "burn at 12:00Z")).await?;
    /// st.upload(12, Upload::path("ephemeris.oem")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upload(&self, folder_id: u64, file: Upload) -> Result<String> {
        let mut spec = Spec::new("fileshare", "upload");
        spec.set("folder_id", folder_id.to_string());
        let url = self.url_for(&spec.path(None)?);
        let timeout = self.default_timeout();
        let mut attempts = Attempts::new(self.retry_policy());
        loop {
            let sent = self
                .send_once(
                    |http| {
                        Ok(http
                            .post(&url)
                            .multipart(reqwest::multipart::Form::new().part("file", file.part()?)))
                    },
                    timeout,
                    None,
                )
                .await;
            let outcome = match sent {
                Ok(got) => {
                    let status = got.status;
                    let body = got.body(1 << 20, timeout).await?;
                    classify(status, body, true)
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(body) => return Ok(String::from_utf8_lossy(&body).into_owned()),
                Err(e @ Error::RateLimited { .. }) if file.can_resend() => {
                    match attempts.next_wait(&e) {
                        Some((wait, reason)) => {
                            self.retry_wait(wait, reason, &e);
                            tokio::time::sleep(wait).await;
                        }
                        None => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A fileshare download: one file with
    /// [`file_id`](Download::file_id), or a folder (a zip archive) with
    /// [`folder_id`](Download::folder_id) and optionally
    /// [`recursive`](Download::recursive).
    pub fn fileshare_download(&self) -> Download<Fileshare> {
        Download::new(self.clone(), "fileshare", "download")
    }

    /// A spephemeris download: one file with
    /// [`file_id`](Download::<Spephemeris>::file_id), or every file.
    pub fn spephemeris_download(&self) -> Download<Spephemeris> {
        Download::new(self.clone(), "spephemeris", "download")
    }

    /// A publicfiles download by the `link` of a [`PublicFile`]
    /// (`publicfiles/query/class/download?name=...`).
    pub fn public_download(&self, link: &str) -> Download<Publicfiles> {
        let mut d = Download::new(self.clone(), "publicfiles", "download");
        if link.is_empty() {
            d.spec.fail("public_download needs a file link".into());
        }
        d.spec.params.push(("name".into(), link.to_owned()));
        d
    }

    /// The publicfiles directories (`publicfiles/query/class/dirs`).
    pub async fn public_dirs(&self) -> Result<Vec<String>> {
        let spec = Spec::new("publicfiles", "dirs");
        let body = self.get_body(&spec, None).await?;
        crate::de::decode_any("dirs", &body)
    }

    /// Every public file the account can see, across directories
    /// (`publicfiles/query/class/loadpublicdata`).
    pub async fn public_files(&self) -> Result<Vec<PublicFile>> {
        let spec = Spec::new("publicfiles", "loadpublicdata");
        let body = self.get_body(&spec, None).await?;
        crate::de::decode_any("loadpublicdata", &body)
    }
}

/// One entry of [`Client::public_files`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PublicFile {
    /// Who published it (`SpaceX`, ...).
    #[serde(default)]
    pub source: String,
    /// What it is (`Ephemeris`, ...).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// When it was published (UTC).
    #[serde(deserialize_with = "datetime")]
    pub date: NaiveDateTime,
    /// Its size as Space-Track writes it (`"1.25 MB"`); see
    /// [`size_bytes`](Self::size_bytes).
    #[serde(default)]
    pub size: String,
    /// What [`Client::public_download`] takes.
    pub link: String,
    /// The file name.
    pub name: String,
}

impl PublicFile {
    /// [`size`](Self::size) in bytes (`"1.5 KB"` → 1536), if it parses.
    pub fn size_bytes(&self) -> Option<u64> {
        let (n, unit) = self.size.trim().split_once(' ')?;
        let n: f64 = n.trim().parse().ok()?;
        let scale = match unit.trim().to_ascii_uppercase().as_str() {
            "B" | "BYTES" => 1u64,
            "KB" => 1 << 10,
            "MB" => 1 << 20,
            "GB" => 1 << 30,
            _ => return None,
        };
        (n.is_finite() && n >= 0.0).then(|| (n * scale as f64).round() as u64)
    }
}

fn datetime<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<NaiveDateTime, D::Error> {
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    crate::de::parse_datetime(s.as_bytes())
        .ok_or_else(|| serde::de::Error::custom(format!("invalid date `{s}`")))
}

/// Marker: a fileshare download.
#[derive(Debug, Clone, Copy)]
pub struct Fileshare;
/// Marker: a spephemeris download.
#[derive(Debug, Clone, Copy)]
pub struct Spephemeris;
/// Marker: a publicfiles download.
#[derive(Debug, Clone, Copy)]
pub struct Publicfiles;

/// A download, sent with [`send`](Self::send) (bytes in memory),
/// [`stream`](Self::stream) (chunks) or [`save_to`](Self::save_to) (a file,
/// written completely or not at all).
#[must_use = "a download does nothing until it is sent"]
pub struct Download<K> {
    client: Client,
    spec: Spec,
    _kind: PhantomData<K>,
}

impl<K> std::fmt::Debug for Download<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("controller", &self.spec.controller)
            .field("segments", &self.spec.segments)
            .field("params", &self.spec.params)
            .finish_non_exhaustive()
    }
}

impl Download<Fileshare> {
    /// The file to download.
    pub fn file_id(mut self, id: u64) -> Self {
        self.spec.set("file_id", id.to_string());
        self
    }
    /// The folder: alone, the whole folder as a zip archive; with
    /// `file_id`, the folder the file must be in.
    pub fn folder_id(mut self, id: u64) -> Self {
        self.spec.set("folder_id", id.to_string());
        self
    }
    /// Includes subfolders in a folder download.
    pub fn recursive(mut self, on: bool) -> Self {
        self.spec.set("recursive", on.to_string());
        self
    }
}

impl Download<Spephemeris> {
    /// The ephemeris file to download (without it: every file).
    pub fn file_id(mut self, id: u64) -> Self {
        self.spec.set("file_id", id.to_string());
        self
    }
}

impl<K> Download<K> {
    fn new(client: Client, controller: &str, class: &str) -> Self {
        Download {
            client,
            spec: Spec::new(controller, class),
            _kind: PhantomData,
        }
    }

    fn check(&self) -> Result<()> {
        let has = |k: &str| self.spec.segments.iter().any(|(key, _)| key == k);
        if self.spec.controller == "fileshare" && !has("file_id") && !has("folder_id") {
            return Err(Error::InvalidArgument(
                "a fileshare download needs file_id or folder_id".into(),
            ));
        }
        Ok(())
    }

    /// Overrides the client's timeout for this download (the whole
    /// transfer).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = Some(timeout);
        self
    }

    /// The full URL requested.
    pub fn url(&self) -> Result<String> {
        self.check()?;
        Ok(self.client.url_for(&self.spec.path(Some(Format::Stream))?))
    }

    /// Downloads into memory.
    pub async fn send(self) -> Result<Bytes> {
        self.check()?;
        self.client.get_body(&self.spec, Some(Format::Stream)).await
    }

    /// Downloads chunk by chunk; a transfer cut short ends with an error.
    pub async fn stream(
        self,
    ) -> Result<impl Stream<Item = Result<Bytes>> + Send + Unpin + 'static> {
        self.check()?;
        let resp = self
            .client
            .get_chunks(&self.spec, Some(Format::Stream))
            .await?;
        Ok(Box::pin(crate::de::bytes(resp)))
    }

    /// Downloads into `path` and returns the number of bytes. The data goes
    /// to a temporary file beside it, renamed over `path` only once the
    /// transfer is complete, so `path` never holds a partial download.
    pub async fn save_to(self, path: impl AsRef<Path>) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let path = path.as_ref();
        let mut stream = self.stream().await?;
        let tmp = partial_name(path);
        let result = async {
            let mut file = tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| Error::io(&tmp, e))?;
            let mut n = 0u64;
            while let Some(chunk) = stream.try_next().await? {
                file.write_all(&chunk)
                    .await
                    .map_err(|e| Error::io(&tmp, e))?;
                n += chunk.len() as u64;
            }
            file.sync_all().await.map_err(|e| Error::io(&tmp, e))?;
            drop(file);
            tokio::fs::rename(&tmp, path)
                .await
                .map_err(|e| Error::io(path, e))?;
            Ok(n)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }
}

/// `dir/.name.partial-PID` beside `path`.
fn partial_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_file_sizes() {
        let f = |size: &str| PublicFile {
            source: String::new(),
            kind: String::new(),
            date: NaiveDateTime::default(),
            size: size.into(),
            link: String::new(),
            name: String::new(),
        };
        assert_eq!(f("1.5 KB").size_bytes(), Some(1536));
        assert_eq!(f("2 MB").size_bytes(), Some(2 << 20));
        assert_eq!(f("10 Bytes").size_bytes(), Some(10));
        assert_eq!(f("lots").size_bytes(), None);
        assert_eq!(f("-1 KB").size_bytes(), None);
    }

    #[test]
    fn partial_files_sit_beside_the_target() {
        let p = partial_name(Path::new("/data/out.zip"));
        assert_eq!(p.parent(), Some(Path::new("/data")));
        assert!(
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".out.zip.partial-")
        );
    }
}

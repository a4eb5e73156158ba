//! Where a query is answered: Space-Track, through the client, or another
//! [`Engine`](crate::engine::Engine) such as a local mirror. The rest of
//! `query` sends through this and decodes what comes back the same way.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::client::{Client, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_LINE_BYTES};
use crate::de::{Answer, Chunks, Tracker};
use crate::engine::{Engine, Request};
use crate::error::{Error, Result};
use crate::request::{Format, Spec};

#[derive(Clone)]
pub(crate) enum Target {
    SpaceTrack(Client),
    Engine(Arc<dyn Engine>),
}

impl Target {
    /// The full URL (for an engine, its name and the path Space-Track would
    /// be asked).
    pub(crate) fn url_for(&self, path: &str) -> String {
        match self {
            Target::SpaceTrack(c) => c.url_for(path),
            Target::Engine(e) => format!("{}/{path}", e.name()),
        }
    }

    /// Whether a value list too long for one URL is sent as several
    /// requests: only URLs have a length.
    pub(crate) fn splits(&self) -> bool {
        matches!(self, Target::SpaceTrack(_))
    }

    pub(crate) fn max_line_bytes(&self) -> u64 {
        match self {
            Target::SpaceTrack(c) => c.max_line_bytes(),
            Target::Engine(_) => DEFAULT_MAX_LINE_BYTES,
        }
    }

    /// What Space-Track cannot be asked.
    fn check(&self, spec: &Spec) -> Result<()> {
        if spec.include_removed && matches!(self, Target::SpaceTrack(_)) {
            return Err(Error::InvalidArgument(
                "include_removed() asks a mirror for the rows it keeps that Space-Track no \
                 longer has; Space-Track itself has none"
                    .into(),
            ));
        }
        Ok(())
    }

    async fn answer(&self, e: &Arc<dyn Engine>, spec: &Spec, format: Format) -> Result<Chunks> {
        spec.path(Some(format))?;
        Ok(e.answer(Request::new(spec.clone()), format)
            .await?
            .into_chunks())
    }

    /// The whole body, at most [`DEFAULT_MAX_ANSWER_BYTES`] from an engine.
    pub(crate) async fn get_body(&self, spec: &Spec, format: Option<Format>) -> Result<Bytes> {
        self.check(spec)?;
        match self {
            Target::SpaceTrack(c) => c.get_body(spec, format).await,
            Target::Engine(e) => {
                let mut chunks = self
                    .answer(e, spec, format.unwrap_or(Format::Json))
                    .await?
                    .stream;
                let mut body = bytes::BytesMut::new();
                while let Some(chunk) = chunks.next().await.transpose()? {
                    if (body.len() + chunk.len()) as u64 > DEFAULT_MAX_ANSWER_BYTES {
                        return Err(Error::TooLarge {
                            limit: DEFAULT_MAX_ANSWER_BYTES,
                            what: "an answer held in memory",
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body.freeze())
            }
        }
    }

    /// Every record of a JSON answer, decoded while it arrives; `progress`
    /// counts its bytes and records (`whole`: the query is this one
    /// request).
    pub(crate) async fn get_records<R: DeserializeOwned + Send + 'static>(
        &self,
        class: &'static str,
        spec: &Spec,
        progress: Option<&Arc<Tracker>>,
        whole: bool,
    ) -> Result<Vec<R>> {
        self.check(spec)?;
        match self {
            Target::SpaceTrack(c) => c.get_records(class, spec, progress, whole).await,
            Target::Engine(e) => {
                let chunks = self
                    .answer(e, spec, Format::Json)
                    .await?
                    .tracked(progress, whole);
                match crate::de::receive::<R>(class, chunks, DEFAULT_MAX_ANSWER_BYTES, true).await?
                {
                    Answer::Records(rows) => Ok(rows),
                    Answer::Whole(body) => {
                        let rows = crate::de::decode_off_runtime(body, move |b| {
                            crate::de::decode_records::<R>(class, b).map(|r| r.0)
                        })
                        .await?;
                        if let Some(t) = progress {
                            t.add_records(rows.len() as u64);
                        }
                        Ok(rows)
                    }
                }
            }
        }
    }

    /// The body as it arrives, its bytes counted by `progress` (`whole`:
    /// the query is this one request).
    pub(crate) async fn get_chunks(
        &self,
        spec: &Spec,
        format: Option<Format>,
        progress: Option<&Arc<Tracker>>,
        whole: bool,
    ) -> Result<Chunks> {
        self.check(spec)?;
        let chunks = match self {
            Target::SpaceTrack(c) => c.get_chunks(spec, format).await?,
            Target::Engine(e) => self.answer(e, spec, format.unwrap_or(Format::Json)).await?,
        };
        Ok(chunks.tracked(progress, whole))
    }

    /// The error of a `metadata/true` answer without `request_metadata.Total`.
    pub(crate) fn no_total(&self, class: &str) -> Error {
        match self {
            Target::SpaceTrack(_) => Error::Decode(Box::new(crate::DecodeError {
                class: class.to_owned(),
                record: None,
                field: None,
                value: None,
                message: "the answer to metadata/true has no request_metadata.Total".into(),
            })),
            Target::Engine(e) => Error::Engine {
                engine: e.name().to_owned(),
                source: "its answer has no request_metadata.Total: this engine does not \
                         support metadata/true, which count() needs"
                    .into(),
            },
        }
    }
}

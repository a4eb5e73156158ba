//! Engines other than Space-Track that answer the same typed queries.
//!
//! A query is a description ([`Request`]: class, predicates as Space-Track
//! reads them, order, limit, shape of the answer) that an engine runs. The
//! [`Client`](crate::Client) sends it to Space-Track; an [`Engine`] answers
//! it from elsewhere, such as `spacetrack-mirror`'s local database, with a
//! body in Space-Track's own shape. The typed builders then decode it exactly
//! as they decode Space-Track's answers:
//!
//! ```
//! use std::sync::Arc;
//! use spacetrack::engine::{Answer, Engine, Request};
//! use spacetrack::{Async, Format, Query};
//!
//! /// An engine that knows one object.
//! struct OneObject;
//!
//! impl Engine for OneObject {
//!     fn name(&self) -> &str {
//!         "one-object"
//!     }
//!     fn answer(&self, request: Request, format: Format) -> spacetrack::engine::AnswerFuture {
//!         assert_eq!((request.class(), format), ("satellite", Format::Json));
//!         let body = r#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)"}]"#;
//!         Box::pin(async move { Ok(Answer::from_bytes(body)) })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> spacetrack::Result<()> {
//! let q: spacetrack::SatelliteQuery = Query::with_engine(Arc::new(OneObject), Async).into();
//! let rows = q.norad_cat_id(25544).send().await?;
//! assert_eq!(rows[0].object_name.as_deref(), Some("ISS (ZARYA)"));
//! # Ok(()) }
//! ```

use std::pin::Pin;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use crate::de::Chunks;
use crate::error::Result;
use crate::request::{CONTROL_KEYS, Format, Spec};

/// What [`Engine::answer`] returns.
pub type AnswerFuture = Pin<Box<dyn std::future::Future<Output = Result<Answer>> + Send>>;

/// Something other than Space-Track that answers typed queries: given a
/// [`Request`] and a [`Format`], a body in the shape Space-Track would send
/// (a JSON array of records with Space-Track's column names, or the text of
/// a text format).
pub trait Engine: Send + Sync + 'static {
    /// A name for URLs and messages, e.g. `sqlite:st.db`.
    fn name(&self) -> &str;
    /// The answer to `request` in `format`.
    fn answer(&self, request: Request, format: Format) -> AnswerFuture;
}

/// An engine's answer: the body as it is produced, chunk by chunk (an error
/// ends it and is the query's error), and its length when known.
pub struct Answer {
    chunks: BoxStream<'static, Result<Bytes>>,
    len: Option<u64>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// A body produced as a stream of chunks.
    pub fn new(chunks: impl Stream<Item = Result<Bytes>> + Send + 'static) -> Answer {
        Answer {
            chunks: chunks.boxed(),
            len: None,
        }
    }

    /// A body held whole.
    pub fn from_bytes(body: impl Into<Bytes>) -> Answer {
        let body = body.into();
        let len = body.len() as u64;
        Answer {
            chunks: futures_util::stream::once(async move { Ok(body) }).boxed(),
            len: Some(len),
        }
    }

    /// Says how long the body is (it sizes the decoder's buffers).
    pub fn with_len(mut self, len: u64) -> Answer {
        self.len = Some(len);
        self
    }

    pub(crate) fn into_chunks(self) -> Chunks {
        Chunks {
            stream: self.chunks,
            len: self.len,
            progress: None,
        }
    }
}

/// A query as an engine receives it: what Space-Track would read from its
/// URL, decoded. Values are as written in Space-Track's grammar (`>now-7`,
/// `0.99--1.01`, `PAYLOAD,DEBRIS`, `null-val`, `~~DEB`, `^STARLINK`).
#[derive(Debug, Clone)]
pub struct Request {
    spec: Spec,
}

impl Request {
    pub(crate) fn new(spec: Spec) -> Request {
        Request { spec }
    }

    /// The controller, e.g. `basicspacedata`.
    pub fn controller(&self) -> &str {
        &self.spec.controller
    }

    /// The class, e.g. `gp`.
    pub fn class(&self) -> &str {
        &self.spec.class
    }

    /// The filters, in the order they were set: `(column, value)`, the
    /// column lower-cased as the builders send it.
    pub fn filters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spec
            .segments
            .iter()
            .filter(|(k, _)| !CONTROL_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn segment(&self, key: &str) -> Option<&str> {
        self.spec
            .segments
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The sort keys: `(column, descending)`, first key first.
    pub fn order(&self) -> Vec<(&str, bool)> {
        self.spec
            .order
            .iter()
            .map(|o| match o.strip_suffix(" desc") {
                Some(column) => (column, true),
                None => (o.as_str(), false),
            })
            .collect()
    }

    /// At most this many records.
    pub fn limit(&self) -> Option<u64> {
        self.spec.limit
    }

    /// After skipping this many.
    pub fn offset(&self) -> Option<u64> {
        self.spec.offset
    }

    /// Only these columns (`select`), in the order given.
    pub fn columns(&self) -> Option<Vec<&str>> {
        self.segment("predicates").map(|v| v.split(',').collect())
    }

    /// Whether duplicate rows are removed (`distinct`).
    pub fn distinct(&self) -> bool {
        self.segment("distinct") == Some("true")
    }

    /// Whether the records come with `request_metadata` (`metadata/true`).
    pub fn metadata(&self) -> bool {
        self.segment("metadata") == Some("true")
    }

    /// Whether an empty answer was asked to be shown (`emptyresult/show`).
    pub fn empty_result_show(&self) -> bool {
        self.segment("emptyresult") == Some("show")
    }

    /// A favorites list of the account (`favorites/NAME`).
    pub fn favorites(&self) -> Option<&str> {
        self.segment("favorites")
    }

    /// Whether rows the engine keeps but Space-Track no longer has are
    /// wanted too (`include_removed`).
    pub fn include_removed(&self) -> bool {
        self.spec.include_removed
    }

    /// The path Space-Track would be asked, relative to its base URL.
    pub fn path(&self, format: Format) -> Result<String> {
        self.spec.path(Some(format))
    }
}

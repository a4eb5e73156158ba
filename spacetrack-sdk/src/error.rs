//! The one error type of the crate.

use std::fmt;

/// Everything that can go wrong talking to Space-Track.
///
/// No variant ever contains the password or the session cookie.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Space-Track refused the credentials (`{"Login":"Failed"}`), or the
    /// session could not be re-established.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// Space-Track answered with an error status or an error body.
    #[error("Space-Track answered HTTP {status}: {message}")]
    Api {
        /// HTTP status (200 when the error came in a successful answer).
        status: u16,
        /// Space-Track's message (the `error` field when there is one).
        message: String,
    },
    /// Space-Track reported that the account's query rate limit was
    /// violated, and retrying did not help.
    #[error("rate limited by Space-Track: {message}")]
    RateLimited {
        /// Space-Track's message.
        message: String,
    },
    /// The answer could not be decoded into the requested type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request could not be sent or the answer not received in full.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A request timed out.
    #[error("request timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// An argument cannot be expressed as a Space-Track query.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client is misconfigured (missing credentials, bad base URL).
    #[error("configuration error: {0}")]
    Config(String),
    /// The shared rate-limiter store (Redis, the limits folder) could not
    /// be used. Nothing was sent: the limiter fails closed.
    #[error("rate-limiter store unavailable (nothing was sent): {0}")]
    Store(String),
    /// The answer was larger than the configured cap
    /// ([`ClientBuilder::max_answer_bytes`](crate::ClientBuilder::max_answer_bytes)
    /// or [`max_line_bytes`](crate::ClientBuilder::max_line_bytes)); stream
    /// it instead, or raise the cap.
    #[error(
        "the answer exceeds the {limit}-byte cap on {what}; stream it (stream(), lines(), bytes(), save_to) or raise the cap"
    )]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
        /// What was capped: `an answer held in memory` or `one line`.
        what: &'static str,
    },
    /// Space-Track answered with a web page (a maintenance notice, a login
    /// page that did not go away after logging in again) where data was
    /// asked for. A page is never returned as data.
    #[error("Space-Track answered a web page instead of data (HTTP {status}): {title}")]
    Page {
        /// HTTP status.
        status: u16,
        /// The page's title, or the start of its text.
        title: String,
    },
    /// An engine other than Space-Track (a local mirror, see
    /// [`engine`](crate::engine)) could not answer.
    #[error("{engine}: {source}")]
    Engine {
        /// The engine's name, e.g. `sqlite:st.db`.
        engine: String,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The query goes against Space-Track's usage guidance and the
    /// client's [`Policy`](crate::guidance::Policy) refuses it (strict, or
    /// a class Space-Track removed): nothing was sent. The note names the
    /// rule and the better query.
    #[error("refused by the usage guidance (nothing was sent): {0}")]
    Guideline(Box<Note>),
    /// A local file could not be read or written (an upload's source, a
    /// download's destination, the modeldef cache).
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // Strip the URL: it never holds secrets, but it can be long and it
        // is already known to the caller.
        Error::Transport(e.without_url())
    }
}

/// Details of a value that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The Space-Track class being decoded.
    pub class: String,
    /// Zero-based index of the failing record, when known.
    pub record: Option<usize>,
    /// The column, when the failure is about one column.
    pub field: Option<String>,
    /// The offending value (shortened when long), when there is one.
    pub value: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode `{}`", self.class)?;
        if let Some(r) = self.record {
            write!(f, " record {r}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

impl Error {
    /// The decode details, when this is a decode error.
    pub fn as_decode(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode(d) => Some(d),
            _ => None,
        }
    }
}

// The details of `Error::Guideline`, here so that the error needs nothing
// of `guidance` (which uses the error); `guidance` re-exports them.

/// A rule of Space-Track's guidance (see [`guidance`](crate::guidance)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A class Space-Track removed (`tle`, `tle_latest`, `tle_publish`,
    /// `omm`, January 2026).
    RemovedClass,
    /// The same query again within its class's cadence.
    Cadence,
    /// `gp_history` asked for current elements.
    HistoryForCurrent,
    /// Many single-object queries of one class within a short window.
    OneQueryPerObject,
}

impl Rule {
    /// A short name, e.g. `cadence`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::RemovedClass => "removed-class",
            Rule::Cadence => "cadence",
            Rule::HistoryForCurrent => "history-for-current",
            Rule::OneQueryPerObject => "one-query-per-object",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a query does against the guidance, and the better query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The rule.
    pub rule: Rule,
    /// The query's class.
    pub class: String,
    /// What the query does, e.g. `the same gp query was sent 12 min ago`.
    pub message: String,
    /// What to do instead.
    pub better: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}; instead: {}",
            self.rule, self.message, self.better
        )
    }
}

/// The words of Space-Track's answer to a request over the account's
/// limits (HTTP 500 with a text body, or an HTTP 200 error body):
/// `You've violated your query rate limit.`
const RATE_LIMIT_TEXT: &str = "violated your query rate limit";

/// Whether an answer's text is Space-Track's rate-limit answer. The one
/// place that knows its words.
pub(crate) fn is_rate_limit(text: &str) -> bool {
    text.contains(RATE_LIMIT_TEXT)
}

/// Classifies an error message: rate-limit violations get their own variant.
pub(crate) fn api_error(status: u16, message: String) -> Error {
    if is_rate_limit(&message) {
        Error::RateLimited { message }
    } else {
        Error::Api { status, message }
    }
}

/// `Result<T, spacetrack::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! What a request is: its class, predicates, order, limit and format, the
//! URL path(s) they make, and the splitting of long value lists. Nothing
//! here sends anything: an engine (the Space-Track client, or a local one)
//! runs the description.

mod split;

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::de::ToWire;
use crate::error::{Error, Result};
use crate::op::Predicate;
use crate::schema::Field;

pub use split::MAX_URL_BYTES;
pub(crate) use split::{CONTROL_KEYS, split};

/// Python's `urllib.parse.quote(value, safe="")`: everything but
/// `A-Z a-z 0-9 _ . - ~` is percent-encoded, so a value can never add a
/// path segment (`/` → `%2F`) or a query string (`?` → `%3F`).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Percent-encodes one path segment the way the reference client does.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

/// Response formats (`/format/...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON (the default, and what typed queries use).
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// XML.
    Xml,
    /// An HTML table.
    Html,
    /// Two-line element sets (gp classes only).
    Tle,
    /// Three-line element sets, with a name line (gp classes only).
    ThreeLe,
    /// CCSDS OMM in key-value notation (gp classes only).
    Kvn,
    /// Raw file content (downloads).
    Stream,
}

impl Format {
    /// The path value, e.g. `3le`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xml => "xml",
            Format::Html => "html",
            Format::Tle => "tle",
            Format::ThreeLe => "3le",
            Format::Kvn => "kvn",
            Format::Stream => "stream",
        }
    }

    /// Parses a path value (`json`, `3le`, ...), ignoring ASCII case.
    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::Json,
            Format::Csv,
            Format::Xml,
            Format::Html,
            Format::Tle,
            Format::ThreeLe,
            Format::Kvn,
            Format::Stream,
        ]
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sort key: a column and a direction. Made by `GpField::Epoch.desc()`,
/// or from a bare field for ascending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<F> {
    field: F,
    descending: bool,
}

impl<F: Field> Order<F> {
    /// Ascending order on `field`.
    pub fn asc(field: F) -> Self {
        Order {
            field,
            descending: false,
        }
    }
    /// Descending order on `field`.
    pub fn desc(field: F) -> Self {
        Order {
            field,
            descending: true,
        }
    }
    pub(crate) fn render(&self) -> String {
        let name = self.field.name().to_ascii_lowercase();
        if self.descending {
            format!("{name} desc")
        } else {
            name
        }
    }
}

impl<F: Field> From<F> for Order<F> {
    fn from(field: F) -> Self {
        Order::asc(field)
    }
}

/// The parts of a request that do not depend on the record type.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// `query` or `modeldef`.
    pub(crate) action: &'static str,
    pub(crate) controller: String,
    pub(crate) class: String,
    /// `(key, unencoded value)` in insertion order.
    pub(crate) segments: Vec<(String, String)>,
    /// Query-string parameters (only publicfiles `name`).
    pub(crate) params: Vec<(String, String)>,
    pub(crate) order: Vec<String>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) error: Option<String>,
    pub(crate) timeout: Option<Duration>,
    /// Rows an engine keeps that Space-Track no longer has (a mirror's
    /// removed rows) are wanted too.
    pub(crate) include_removed: bool,
}

impl Spec {
    pub(crate) fn new(controller: &str, class: &str) -> Spec {
        Spec {
            action: "query",
            controller: controller.to_owned(),
            class: class.to_owned(),
            segments: Vec::new(),
            params: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            error: None,
            timeout: None,
            include_removed: false,
        }
    }

    /// Sets `key` to `value`, keeping the position of an earlier setting.
    pub(crate) fn set(&mut self, key: &str, value: String) {
        match self.segments.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.segments.push((key.to_owned(), value)),
        }
    }

    /// Sets a predicate given by name: the key lower-cased like the
    /// reference client's keyword arguments, the value verbatim.
    pub(crate) fn set_raw(&mut self, key: &str, value: impl RawValue) {
        let key = key.to_ascii_lowercase();
        if key.is_empty() || key == "format" {
            self.fail(format!(
                "`{key}` cannot be a predicate; pick the format with the send method"
            ));
            return;
        }
        match value.raw_value() {
            Ok(v) => self.set(&key, v),
            Err(e) => self.fail(format!("{key}: {e}")),
        }
    }

    pub(crate) fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    pub(crate) fn set_limit(&mut self) {
        if let Some(limit) = self.limit {
            let v = match self.offset {
                Some(off) => format!("{limit},{off}"),
                None => limit.to_string(),
            };
            self.set("limit", v);
        }
    }

    /// The request path relative to the base URL, or why it cannot be built.
    pub(crate) fn path(&self, format: Option<Format>) -> Result<String> {
        if let Some(e) = &self.error {
            return Err(Error::InvalidArgument(e.clone()));
        }
        if self.offset.is_some() && self.limit.is_none() {
            return Err(Error::InvalidArgument("offset needs a limit".into()));
        }
        for part in [&self.controller, &self.class] {
            if matches!(part.as_str(), "" | "." | "..") {
                return Err(Error::InvalidArgument(format!(
                    "{part:?} is not a controller or class name"
                )));
            }
        }
        let mut path = format!(
            "{}/{}/class/{}",
            encode_segment(&self.controller),
            self.action,
            encode_segment(&self.class)
        );
        for (key, value) in &self.segments {
            // URL parsers (WHATWG, so reqwest's `url`) remove `.` and `..`
            // segments, even percent-encoded: such a value would silently
            // drop itself and its key. An empty value would leave `//`.
            for part in [key, value] {
                if matches!(part.as_str(), "" | "." | "..") {
                    return Err(Error::InvalidArgument(format!(
                        "`{key}`: {part:?} cannot be a URL path segment (URL normalisation would drop it)"
                    )));
                }
            }
            path.push('/');
            path.push_str(&encode_segment(key));
            path.push('/');
            path.push_str(&encode_segment(value));
        }
        if let Some(f) = format {
            path.push_str("/format/");
            path.push_str(f.as_str());
        }
        if !self.params.is_empty() {
            path.push('?');
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.params {
                ser.append_pair(k, v);
            }
            path.push_str(&ser.finish());
        }
        Ok(path)
    }
}

/// A value for [`RawQuery::predicate`](crate::RawQuery::predicate): a verbatim string (operators
/// allowed, e.g. `">now-30"`) or a typed [`Predicate`].
pub trait RawValue {
    /// The unencoded path value.
    fn raw_value(self) -> std::result::Result<String, String>;
}

impl RawValue for &str {
    fn raw_value(self) -> std::result::Result<String, String> {
        Ok(self.to_owned())
    }
}

impl RawValue for String {
    fn raw_value(self) -> std::result::Result<String, String> {
        Ok(self)
    }
}

impl<T: ToWire> RawValue for Predicate<T> {
    fn raw_value(self) -> std::result::Result<String, String> {
        self.render()
    }
}

macro_rules! raw_number {
    ($($t:ty),*) => {$(
        impl RawValue for $t {
            fn raw_value(self) -> std::result::Result<String, String> {
                let mut s = String::new();
                self.to_wire(&mut s)?;
                Ok(s)
            }
        }
    )*};
}
raw_number!(u8, u16, u32, u64, i8, i16, i32, i64, f64, bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_python_quote_safe_empty() {
        assert_eq!(
            encode_segment("ISS (ZARYA)/a&b?c#d%e+f"),
            "ISS%20%28ZARYA%29%2Fa%26b%3Fc%23d%25e%2Bf"
        );
        assert_eq!(encode_segment(">now-30"), "%3Enow-30");
        assert_eq!(encode_segment("0.99--1.01"), "0.99--1.01");
        assert_eq!(encode_segment("~~x"), "~~x");
        assert_eq!(encode_segment("^3600,1"), "%5E3600%2C1");
        assert_eq!(
            encode_segment("1986-01-28 16:39:13.000123"),
            "1986-01-28%2016%3A39%3A13.000123"
        );
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn format_round_trips() {
        for f in ["json", "csv", "xml", "html", "tle", "3le", "kvn", "stream"] {
            assert_eq!(Format::parse(f).unwrap().as_str(), f);
        }
        assert_eq!(Format::parse("3LE"), Some(Format::ThreeLe));
        assert_eq!(Format::parse("yaml"), None);
    }
}

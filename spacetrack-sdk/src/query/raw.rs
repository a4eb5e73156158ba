//! The untyped query, for any class.

use std::time::Duration;

use bytes::Bytes;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{Format, RawValue, Spec};

impl Client {
    /// An untyped query for any class (see [`RawQuery`]).
    pub fn request(&self, class: &str) -> RawQuery {
        RawQuery::new(self.clone(), class)
    }
}

/// An untyped query for any class, including ones this build has no schema
/// for: made by [`Client::request`].
///
/// ```
/// # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {
/// let rows: serde_json::Value = st
///     .request("gp")
///     .predicate("EPOCH", ">now-30")
///     .predicate("NORAD_CAT_ID", 25544)
///     .send_json()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until it is sent"]
pub struct RawQuery {
    client: Client,
    spec: Spec,
    controller_set: bool,
}

impl RawQuery {
    pub(crate) fn new(client: Client, class: &str) -> RawQuery {
        let controller = crate::schema::find_class(class, None).map(|c| c.controller);
        let mut spec = Spec::new(controller.unwrap_or("basicspacedata"), class);
        if class.is_empty() {
            spec.fail("empty class name".into());
        }
        RawQuery {
            client,
            spec,
            controller_set: controller.is_some(),
        }
    }

    /// Sets the controller (`basicspacedata`, `expandedspacedata`, ...).
    /// Needed for classes this build has no schema for.
    pub fn controller(mut self, controller: &str) -> Self {
        self.spec.controller = controller.to_owned();
        self.controller_set = true;
        self
    }

    /// Adds `/{key}/{value}`. The key is lower-cased like the reference
    /// client's keyword arguments; the value is percent-encoded.
    pub fn predicate(mut self, key: &str, value: impl RawValue) -> Self {
        self.spec.set_raw(key, value);
        self
    }

    /// Adds a query-string parameter (`?name=...`, used by publicfiles).
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.spec.params.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Overrides the timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = Some(timeout);
        self
    }

    fn check(&self) -> Result<()> {
        // A class Space-Track removed: say what replaced it.
        self.client.guide().removed(&self.spec.class)?;
        if self.controller_set {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "class `{}` is not in this build's schemas: set its controller with .controller(...)",
                self.spec.class
            )))
        }
    }

    /// The full URL for `format`.
    pub fn url(&self, format: Format) -> Result<String> {
        self.check()?;
        Ok(self.client.url_for(&self.spec.path(Some(format))?))
    }

    /// Sends and returns the JSON answer.
    pub async fn send_json(self) -> Result<serde_json::Value> {
        self.send_as().await
    }

    /// Sends and decodes the JSON answer into the caller's type.
    pub async fn send_as<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        self.check()?;
        let body = self.client.get_body(&self.spec, Some(Format::Json)).await?;
        crate::de::decode_any(&self.spec.class, &body)
    }

    /// Sends in a text format; CRLF is normalised to LF, and an answer that
    /// says nothing matched is empty.
    pub async fn send_text(self, format: Format) -> Result<String> {
        self.check()?;
        let body = self.client.get_body(&self.spec, Some(format)).await?;
        crate::de::text_body(&self.spec.class, &body)
    }

    /// Sends and returns the raw bytes (downloads); a text answer that says
    /// nothing matched (`NO RESULTS RETURNED`) is empty.
    pub async fn send_bytes(self, format: Format) -> Result<Bytes> {
        self.check()?;
        let body = self.client.get_body(&self.spec, Some(format)).await?;
        Ok(super::send::empty_if_no_results(body, format))
    }
}

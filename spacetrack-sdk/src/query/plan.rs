//! The execution plan of a query: the requests that answer it (one, or
//! several for a long value list), which answers can be merged and how.

use crate::error::{Error, Result};
use crate::request::{Format, Spec};
use crate::schema::Record;

use super::{Async, Mode, Query};

impl<R: Record, M: Mode> Query<R, M> {
    /// The requests that answer this query in `format`.
    pub(super) fn parts(&self, format: Option<Format>) -> Result<Vec<Spec>> {
        if !self.target.splits() {
            // An engine has no URL to keep short: the path is only checked.
            self.spec.path(format)?;
            return Ok(vec![self.spec.clone()]);
        }
        let parts = crate::request::split(
            &self.spec,
            format,
            self.target.url_for("").len(),
            crate::request::MAX_URL_BYTES,
        )?;
        if parts.len() > 1 && self.spec.limit.is_some() && self.spec.order.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "a limit over a value list too long for one URL (it needs {} requests) \
                 needs an order_by: without one, which records the server returns first is not \
                 defined",
                parts.len()
            )));
        }
        if parts.len() > 1 && self.spec.offset.is_some() {
            return Err(Error::InvalidArgument(format!(
                "offset cannot be combined with a value list too long for one URL \
                 (it needs {} requests); use paginate or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }

    /// The requests of [`count`](Query::count): the query's filters with
    /// `metadata/true` and `limit/1`, without order or offset; several for
    /// a value list too long for one URL (each part's records are distinct).
    pub(super) fn count_parts(&self) -> Result<Vec<Spec>> {
        let mut spec = self.spec.clone();
        spec.order.clear();
        spec.segments.retain(|(k, _)| k != "orderby");
        spec.offset = None;
        spec.limit = Some(1);
        spec.set_limit();
        spec.set("metadata", "true".into());
        if !self.target.splits() {
            spec.path(Some(Format::Json))?;
            return Ok(vec![spec]);
        }
        crate::request::split(
            &spec,
            Some(Format::Json),
            self.target.url_for("").len(),
            crate::request::MAX_URL_BYTES,
        )
    }

    /// The one request that answers this query, or an error saying that
    /// `what` cannot merge several.
    pub(super) fn single(&self, format: Option<Format>, what: &str) -> Result<Spec> {
        let mut parts = self.parts(format)?;
        if parts.len() > 1 {
            return Err(Error::InvalidArgument(format!(
                "{what} cannot merge the {} requests that a value list this long needs \
                 (URLs are kept under {} bytes); use send, stream or paginate, or a shorter list",
                parts.len(),
                crate::request::MAX_URL_BYTES
            )));
        }
        Ok(parts.remove(0))
    }

    /// Sorts records merged from several requests by the query's order and
    /// applies its limit, as one request would have.
    pub(super) fn merge<T>(
        &self,
        rows: Vec<T>,
        record: impl Fn(&T) -> Option<serde_json::Value>,
    ) -> Vec<T> {
        let mut rows = if self.spec.order.is_empty() {
            rows
        } else {
            let mut keyed: Vec<(serde_json::Value, T)> = rows
                .into_iter()
                .map(|r| (record(&r).unwrap_or_default(), r))
                .collect();
            super::merge::sort_rows(&mut keyed, &self.spec.order, R::CLASS);
            keyed.into_iter().map(|(_, r)| r).collect()
        };
        if let Some(limit) = self.spec.limit {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        rows
    }
}

impl<R: Record> Query<R, Async> {
    /// The requests a stream sends in turn: several only when their answers
    /// can simply follow each other (no `order_by`, no `limit`).
    pub(super) fn stream_parts(&self) -> Result<Vec<Spec>> {
        let parts = self.parts(Some(Format::Json))?;
        if parts.len() > 1 && (!self.spec.order.is_empty() || self.spec.limit.is_some()) {
            return Err(Error::InvalidArgument(format!(
                "a stream cannot merge the {} requests of a value list this long in order_by \
                 order or under a limit; use send (which merges them), or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }

    /// The request of the first page of [`paginate`](Self::paginate), its
    /// order made total.
    pub(super) fn paged(&self, page_size: u64) -> Result<Spec> {
        if page_size == 0 {
            return Err(Error::InvalidArgument(
                "page_size must be at least 1".into(),
            ));
        }
        if self.spec.limit.is_some() || self.spec.offset.is_some() {
            return Err(Error::InvalidArgument(
                "paginate sets limit and offset itself: remove them from the query".into(),
            ));
        }
        let mut spec = self.single(Some(Format::Json), "paginate")?;
        let class = R::CLASS;
        let tiebreak: Vec<&str> = if class.key.is_empty() {
            class.columns.iter().map(|c| c.name).collect()
        } else {
            class.key.to_vec()
        };
        for key in tiebreak {
            let named = spec.order.iter().any(|o| {
                o.strip_suffix(" desc")
                    .unwrap_or(o)
                    .eq_ignore_ascii_case(key)
            });
            if !named {
                spec.order.push(key.to_ascii_lowercase());
            }
        }
        let joined = spec.order.join(",");
        spec.set("orderby", joined);
        // The first page's request as it will be sent, checked against the
        // URL bound (the tie-break keys and the limit make it longer).
        let mut first = spec.clone();
        first.limit = Some(page_size);
        first.offset = Some(u64::MAX);
        first.set_limit();
        let len = self.target.url_for(&first.path(Some(Format::Json))?).len();
        if self.target.splits() && len > crate::request::MAX_URL_BYTES {
            return Err(Error::InvalidArgument(format!(
                "a page request would be {len} bytes, over the {}-byte URL bound",
                crate::request::MAX_URL_BYTES
            )));
        }
        Ok(spec)
    }

    /// The requests of a text answer: several only for formats whose
    /// answers can follow each other.
    pub(super) fn text_parts(&self, format: Format) -> Result<Vec<Spec>> {
        let parts = self.parts(Some(format))?;
        if parts.len() > 1
            && !matches!(
                format,
                Format::Tle | Format::ThreeLe | Format::Kvn | Format::Csv
            )
        {
            return Err(Error::InvalidArgument(format!(
                "{format} answers of the {} requests that a value list this long needs cannot be \
                 merged; use json, csv, tle, 3le or kvn, or a shorter list",
                parts.len()
            )));
        }
        if parts.len() > 1
            && (!self.spec.order.is_empty()
                || self.spec.limit.is_some()
                || self.spec.segments.iter().any(|(k, _)| k == "distinct"))
        {
            return Err(Error::InvalidArgument(format!(
                "text answers of the {} requests that a value list this long needs cannot be \
                 merged in order_by order or under a limit; ask for json records (whose \
                 answers are merged), or a shorter list",
                parts.len()
            )));
        }
        Ok(parts)
    }
}

//! What a query's answer is, beside its records.

use crate::error::{Error, Result};

/// The answer of [`Query::send_partial`](crate::Query::send_partial): the records that decoded, in
/// order, and one error per record that did not.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Partial<R> {
    /// The records that decoded, in the answer's order.
    pub records: Vec<R>,
    /// One error per record that did not decode, naming the class, the
    /// record's index in the answer, the column and the value.
    pub errors: Vec<crate::DecodeError>,
}

impl<R> Partial<R> {
    /// Whether every record decoded.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// The records, or the first error if any record did not decode.
    pub fn into_strict(mut self) -> Result<Vec<R>> {
        if self.errors.is_empty() {
            Ok(self.records)
        } else {
            Err(Error::Decode(Box::new(self.errors.swap_remove(0))))
        }
    }
}

/// Records with the metadata that `metadata/true` adds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<R> {
    /// The records.
    pub rows: Vec<R>,
    /// Space-Track's `request_metadata` object, when it sent one.
    pub metadata: Option<serde_json::Value>,
}

impl<R> Page<R> {
    /// `request_metadata.Total`: how many records matched before `limit`.
    pub fn total(&self) -> Option<u64> {
        metadata_total(self.metadata.as_ref()?)
    }
}

/// `request_metadata.Total` (a JSON number, or a string of one).
pub(crate) fn metadata_total(metadata: &serde_json::Value) -> Option<u64> {
    let v = metadata.get("Total")?;
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

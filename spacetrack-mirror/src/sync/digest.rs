//! Whole-class answers identical to the last one applied are not compared
//! again.
//!
//! A snapshot class (satcat, boxscore, launch_site) and gp's check pass
//! are answers about the whole class, and between two syncs they are often
//! byte for byte the same; so are a message class's answers since an
//! unchanged watermark (decay's overlap window and its messages without an
//! epoch, cdm_public's, tip's), one digest per request. The digest of each (xxh3, 128 bits, over the
//! table's columns, the request and the body) is kept in the state row
//! `<class>/answer`, written in the transaction of the batch that applied
//! the answer: a digest on record means that answer is in the mirror. When
//! the next answer has the same digest, decoding it, reading the stored
//! rows and comparing them are skipped; the sync still records itself
//! (last sync, next due). A build whose schema differs (a column more)
//! computes other digests, so its first sync compares in full.

use spacetrack::{Format, Record};

use super::run::{Acc, Preds, Run};
use crate::backend::Row;
use crate::tables::TableDef;
use crate::{Error, Result};

/// What a digested fetch found.
pub(super) enum Fetched<T> {
    /// The same answer as the one last applied: nothing to compare.
    Same,
    /// Another answer: its records, and the state row that records it once
    /// applied (`(class, digest)`, for `Changes::also`).
    New(T, (String, String)),
}

/// The state row of `t`'s last applied whole-class answer.
fn state_class(t: &TableDef) -> String {
    format!("{}/answer", t.class)
}

fn digest(t: &TableDef, request: &str, body: &[u8]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for c in t.columns {
        h.update(c.name.as_bytes());
        h.update(&[0]);
    }
    h.update(request.as_bytes());
    h.update(&[0]);
    h.update(body);
    format!("{:032x}", h.digest128())
}

impl Run<'_> {
    async fn known_digest(&self, t: &'static TableDef) -> Result<Option<String>> {
        let key = state_class(t);
        Ok(self.mirror.with(move |b| b.state(&key)).await?.progress)
    }

    /// Fetches `t`'s class like [`Run::fetch`], unless the answer is the
    /// one last applied.
    pub(super) async fn fetch_digested(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(Preds) -> Preds,
    ) -> Result<Fetched<Vec<Row>>> {
        let known = self.known_digest(t).await?;
        Ok(
            match self.fetch_unless(t, acc, known.as_deref(), query).await? {
                (None, _) => Fetched::Same,
                (Some(rows), d) => Fetched::New(rows, (state_class(t), d)),
            },
        )
    }

    /// Fetches like [`Run::fetch`] and gives the answer's digest, with its
    /// rows unless the digest is `known` (the answer is the one last
    /// applied: nothing is decoded).
    pub(super) async fn fetch_unless(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        known: Option<&str>,
        query: impl FnOnce(Preds) -> Preds,
    ) -> Result<(Option<Vec<Row>>, String)> {
        let preds = query(Preds::default()).0;
        acc.requests += 1;
        let fetched = with_record!(t.class, R => self.digested::<R>(t, preds, known).await?);
        if let (Some(rows), _) = &fetched {
            acc.fetched += rows.len() as u64;
        }
        Ok(fetched)
    }

    /// The digests of the answers last applied to `t` (one for a snapshot,
    /// one per request for the message classes, space-separated).
    pub(super) async fn known_digests(&self, t: &'static TableDef) -> Result<Vec<String>> {
        Ok(self
            .known_digest(t)
            .await?
            .map(|k| k.split(' ').map(str::to_owned).collect())
            .unwrap_or_default())
    }

    /// The state row recording the answers' `digests`, for `Changes::also`.
    pub(super) fn digests_record(t: &TableDef, digests: &[String]) -> (String, String) {
        (state_class(t), digests.join(" "))
    }

    async fn digested<R: Record>(
        &self,
        t: &'static TableDef,
        preds: Vec<(String, String)>,
        known: Option<&str>,
    ) -> Result<(Option<Vec<Row>>, String)> {
        let q = self.typed_query::<R>(t, preds)?;
        let request = q.urls()?.join("\n");
        let body = q.send_bytes(Format::Json).await?;
        let d = digest(t, &request, &body);
        if known == Some(d.as_str()) {
            return Ok((None, d));
        }
        let records: Vec<R> =
            off_runtime(move || spacetrack::de::from_json_slice::<R>(&body)).await?;
        let rows = super::typed_rows(t, records).await?;
        Ok((Some(rows), d))
    }

    /// A few columns of the whole class as JSON objects (gp's check pass),
    /// unless the answer is the one last applied.
    pub(super) async fn fetch_maps_digested(
        &self,
        t: &'static TableDef,
        acc: &mut Acc,
        query: impl FnOnce(Preds) -> Preds,
    ) -> Result<Fetched<Vec<serde_json::Map<String, serde_json::Value>>>> {
        let mut q = self.client.request(t.class).controller(t.controller);
        for (k, v) in query(Preds::default()).0 {
            q = q.predicate(&k, v);
        }
        acc.requests += 1;
        let known = self.known_digest(t).await?;
        let request = q.url(Format::Json)?;
        let body = q.send_bytes(Format::Json).await?;
        let d = digest(t, &request, &body);
        if known.as_deref() == Some(d.as_str()) {
            return Ok(Fetched::Same);
        }
        let class = t.class;
        let maps: Vec<serde_json::Map<String, serde_json::Value>> = off_runtime(move || {
            serde_json::from_slice(&body).map_err(|e| {
                spacetrack::Error::Decode(Box::new(spacetrack::DecodeError {
                    class: class.to_owned(),
                    record: None,
                    field: None,
                    value: None,
                    message: e.to_string(),
                }))
            })
        })
        .await?;
        acc.fetched += maps.len() as u64;
        Ok(Fetched::New(maps, (state_class(t), d)))
    }
}

/// Decodes off the async threads (a catalog is tens of megabytes).
async fn off_runtime<T: Send + 'static>(
    decode: impl FnOnce() -> spacetrack::Result<T> + Send + 'static,
) -> Result<T> {
    Ok(tokio::task::spawn_blocking(decode)
        .await
        .map_err(|e| Error::Task(e.to_string()))??)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_covers_the_columns_the_request_and_the_body() {
        let satcat = crate::tables::table("satcat").unwrap();
        let gp = crate::tables::table("gp").unwrap();
        let d = digest(satcat, "q", b"[]");
        assert_eq!(d, digest(satcat, "q", b"[]"));
        assert_eq!(d.len(), 32);
        assert_ne!(d, digest(gp, "q", b"[]"), "another schema, another digest");
        assert_ne!(d, digest(satcat, "q2", b"[]"));
        assert_ne!(d, digest(satcat, "q", b"[ ]"));
        // The boundary between request and body is marked.
        assert_ne!(digest(satcat, "ab", b"c"), digest(satcat, "a", b"bc"));
    }
}

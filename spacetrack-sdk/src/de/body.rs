//! Whole answers: error bodies, arrays of records (with `metadata/true`'s
//! envelope), any JSON.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::context::{CONTEXT, reset_context, shown};
use crate::error::{DecodeError, Error, api_error};

/// Detects Space-Track's error bodies: `{"error": "..."}` and
/// `[{"error": "..."}]`, which it sometimes sends with HTTP 200.
pub(crate) fn error_body(body: &[u8]) -> Option<String> {
    // Real error bodies are a few hundred bytes; never scan a data body.
    if body.len() > 4096 || !body.windows(7).any(|w| w == b"\"error\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = match &value {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Array(a) if a.len() == 1 => a[0].as_object()?,
        _ => return None,
    };
    if obj.len() != 1 {
        return None;
    }
    match obj.get("error")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Decodes a JSON answer into records: a plain array, or the object that
/// `metadata=true` produces (`{"request_metadata": {...}, "data": [...]}`).
/// Returns the records and the metadata, if any.
pub(crate) fn decode_records<R: DeserializeOwned + Send>(
    class: &str,
    body: &[u8],
) -> Result<(Vec<R>, Option<serde_json::Value>), Error> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    match first_byte(body) {
        None => Ok((Vec::new(), None)),
        Some(b'[') => decode_array(class, body).map(|v| (v, None)),
        Some(b'{') => {
            reset_context();
            let mut de = serde_json::Deserializer::from_slice(body);
            let result =
                de::Deserializer::deserialize_map(&mut de, MetadataVisitor::<R>(PhantomData))
                    .and_then(|v| de.end().map(|_| v));
            match result {
                Ok((Some(rows), meta)) => Ok((rows, meta)),
                Ok((None, _)) => Err(decode_error(
                    class,
                    "an object without a `data` array".into(),
                )),
                Err(e) => Err(decode_error(class, e.to_string())),
            }
        }
        Some(_) => Err(decode_error(
            class,
            format!(
                "expected a JSON array, got {:?}",
                shown(&String::from_utf8_lossy(&body[..body.len().min(200)]))
            ),
        )),
    }
}

pub(crate) fn decode_array<R: DeserializeOwned + Send>(
    class: &str,
    body: &[u8],
) -> Result<Vec<R>, Error> {
    // One UTF-8 check of the whole body, then `from_str`, which does not
    // check each string again (measured in BENCHMARKS.md). A body that is
    // not UTF-8 takes the checking path, whose error names the column.
    if let Ok(text) = std::str::from_utf8(body) {
        if let Some(rows) = super::parallel::decode::<R>(text) {
            return Ok(rows);
        }
        reset_context();
        let mut de = serde_json::Deserializer::from_str(text);
        let result = de::Deserializer::deserialize_seq(&mut de, RecordsVisitor::<R>(PhantomData))
            .and_then(|v| de.end().map(|_| v));
        return result.map_err(|e| decode_error(class, e.to_string()));
    }
    reset_context();
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = de::Deserializer::deserialize_seq(&mut de, RecordsVisitor::<R>(PhantomData))
        .and_then(|v| de.end().map(|_| v));
    result.map_err(|e| decode_error(class, e.to_string()))
}

/// Decodes a Space-Track JSON answer (a plain array, or the object that
/// `metadata/true` produces) into records of `R`, exactly as
/// [`Query::send`](crate::Query::send) does. Handy for answers saved to disk.
///
/// ```
/// let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A"}]"#;
/// let rows: Vec<spacetrack::Satellite> = spacetrack::de::from_json_slice(body).unwrap();
/// assert_eq!(rows[0].norad_cat_id, Some(25544));
/// ```
pub fn from_json_slice<R: crate::schema::Record>(body: &[u8]) -> Result<Vec<R>, Error> {
    decode_records::<R>(R::CLASS.class, body).map(|r| r.0)
}

/// The parallel decoder of large answers, forced to `runs` runs whatever
/// the size: `None` where the sequential decoder would fail (or a cut fell
/// inside a string), else the same records. For the fuzz targets.
#[doc(hidden)]
pub fn decode_in_runs<R: DeserializeOwned + Send>(text: &str, runs: usize) -> Option<Vec<R>> {
    super::parallel::decode_in(text, runs)
}

/// Builds a [`DecodeError`] from the thread's decode context.
pub(crate) fn decode_error(class: &str, message: String) -> Error {
    let ctx = CONTEXT.with(|c| std::mem::take(&mut *c.borrow_mut()));
    Error::Decode(Box::new(DecodeError {
        class: class.to_owned(),
        record: ctx.record,
        field: ctx.field.map(str::to_owned),
        value: ctx.value,
        message,
    }))
}

/// Decodes one record (used by streaming), with the same context.
pub(crate) fn decode_one<R: DeserializeOwned>(
    class: &str,
    index: usize,
    raw: &[u8],
) -> Result<R, Error> {
    reset_context();
    // As for whole answers: one UTF-8 check, then `from_str`; a record that
    // is not UTF-8 takes the checking path, whose error names the column.
    let result = match std::str::from_utf8(raw) {
        Ok(text) => serde_json::from_str::<R>(text),
        Err(_) => serde_json::from_slice::<R>(raw),
    };
    result.map_err(|e| {
        CONTEXT.with(|c| c.borrow_mut().record = Some(index));
        decode_error(class, e.to_string())
    })
}

struct RecordsVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> Visitor<'de> for RecordsVisitor<R> {
    type Value = Vec<R>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<R>, A::Error> {
        // Cap the pre-allocation: a hostile size hint must not reserve memory.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let index = out.len();
            match seq.next_element::<R>() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return Ok(out),
                Err(e) => {
                    CONTEXT.with(|c| c.borrow_mut().record = Some(index));
                    return Err(e);
                }
            }
        }
    }
}

struct MetadataVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> Visitor<'de> for MetadataVisitor<R> {
    type Value = (Option<Vec<R>>, Option<serde_json::Value>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `request_metadata` and `data`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rows = None;
        let mut meta = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" => rows = Some(map.next_value_seed(RecordsSeed::<R>(PhantomData))?),
                "request_metadata" => meta = Some(map.next_value::<serde_json::Value>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok((rows, meta))
    }
}

struct RecordsSeed<R>(PhantomData<fn() -> R>);

impl<'de, R: DeserializeOwned> DeserializeSeed<'de> for RecordsSeed<R> {
    type Value = Vec<R>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<R>, D::Error> {
        d.deserialize_seq(RecordsVisitor::<R>(PhantomData))
    }
}

/// Decodes a JSON body into any type (the escape hatch), unwrapping nothing
/// but still detecting error bodies.
pub(crate) fn decode_any<T: DeserializeOwned>(class: &str, body: &[u8]) -> Result<T, Error> {
    if let Some(message) = error_body(body) {
        return Err(api_error(200, message));
    }
    reset_context();
    serde_json::from_slice(body).map_err(|e| decode_error(class, e.to_string()))
}

/// Decodes `body` with `decode`: decoding 100,000 gp records takes long
/// enough to stall a runtime worker, so bodies over 1 MiB are decoded on a
/// blocking thread.
pub(crate) async fn decode_off_runtime<T: Send + 'static>(
    body: bytes::Bytes,
    decode: impl FnOnce(&[u8]) -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    if body.len() <= 1 << 20 {
        return decode(&body);
    }
    tokio::task::spawn_blocking(move || decode(&body))
        .await
        .map_err(|e| Error::InvalidArgument(format!("decoder task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_body(br#"{"error": "You must be logged in to complete this action"}"#).as_deref(),
            Some("You must be logged in to complete this action")
        );
        assert!(error_body(br#"[{"error":"You've violated your query rate limit."}]"#).is_some());
        assert!(error_body(br#"[{"error":"x","NORAD_CAT_ID":"1"}]"#).is_none());
        assert!(error_body(br#"[]"#).is_none());
    }
}

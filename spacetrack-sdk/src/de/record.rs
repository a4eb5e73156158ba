//! Helpers used by the generated deserialisers: a column-indexed key
//! match, one value per column, columns the schema does not list.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::context::{CONTEXT, field_error};
use super::value::{FromWire, ToWire};
use crate::schema::UnknownColumns;

/// A record's key: a column of the schema (by index), or one it does not
/// list (by name; the only key that allocates).
#[doc(hidden)]
pub enum Key {
    Known(u16),
    Unknown(String),
}

/// Maps an object key to a column index without allocating.
#[doc(hidden)]
pub struct KeySeed(pub fn(&str) -> Option<u16>);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(i) = (self.0)(v) {
            return Ok(Key::Known(i));
        }
        // Some classes' key case is not known for sure (organization,
        // folder, file_history): an all-upper or all-lower spelling of a
        // schema column is that column. Only keys that miss pay for this.
        let upper = v.to_ascii_uppercase();
        let known = (self.0)(&upper).or_else(|| (self.0)(&v.to_ascii_lowercase()));
        Ok(match known {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v.to_owned()),
        })
    }
}

/// Reads the value of a column the schema does not list; a repeated one is
/// an error, as for known columns.
#[doc(hidden)]
pub fn fill_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    unknown: &mut UnknownColumns,
    name: String,
) -> Result<(), A::Error> {
    if unknown.0.iter().any(|(n, _)| *n == name) {
        let text = format!("column `{name}`: the column appears twice in one record");
        CONTEXT.with(|c| c.borrow_mut().value = None);
        return Err(de::Error::custom(text));
    }
    let value = map.next_value::<serde_json::Value>()?;
    unknown.0.push((name, value));
    Ok(())
}

/// Logs, once per class and process, that answers carry columns this
/// build's schema does not list.
#[doc(hidden)]
pub fn warn_unknown_once(
    warned: &std::sync::atomic::AtomicBool,
    class: &str,
    unknown: &UnknownColumns,
) {
    use std::sync::atomic::Ordering;
    if warned.load(Ordering::Relaxed) || warned.swap(true, Ordering::Relaxed) {
        return;
    }
    let names: Vec<&str> = unknown.names().collect();
    tracing::warn!(
        class,
        columns = %names.join(", "),
        "Space-Track sent columns that this build's `{class}` schema does not list; they are kept \
         in `unknown_columns()` and written back when serialised. Run `spacetrack schemas diff` \
         to see what changed and `spacetrack schemas pull` with SPACETRACK_SCHEMAS_DIR to type them."
    );
}

struct ValueSeed<T> {
    field: &'static str,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: FromWire> DeserializeSeed<'de> for ValueSeed<T> {
    type Value = T;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: FromWire> Visitor<'de> for ValueSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for column `{}`", T::EXPECTING, self.field)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_wire_str(v).map_err(|m| field_error(self.field, Some(v), m))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_wire_i64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_wire_u64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_wire_f64(v).map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        T::from_wire_str(if v { "true" } else { "false" })
            .map_err(|m| field_error(self.field, Some(&v.to_string()), m))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        T::from_wire_null().map_err(|m| field_error(self.field, Some("null"), m))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<T, A::Error> {
        Err(field_error(
            self.field,
            None,
            format!("got an array, expected {}", T::EXPECTING),
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<T, A::Error> {
        Err(field_error(
            self.field,
            None,
            format!("got an object, expected {}", T::EXPECTING),
        ))
    }
}

/// Reads the next map value into `slot`; a repeated key is an error.
#[doc(hidden)]
pub fn fill<'de, A: MapAccess<'de>, T: FromWire>(
    map: &mut A,
    slot: &mut Option<T>,
    field: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(field_error(
            field,
            None,
            "the column appears twice in one record".into(),
        ));
    }
    *slot = Some(map.next_value_seed(ValueSeed::<T> {
        field,
        _t: PhantomData,
    })?);
    Ok(())
}

/// Fills an empty slot with the value of an absent column; an absent
/// NOT NULL column is an error.
#[doc(hidden)]
pub fn settle<T: FromWire, E: de::Error>(
    slot: &mut Option<T>,
    field: &'static str,
) -> Result<(), E> {
    if slot.is_none() {
        *slot = Some(
            T::missing()
                .ok_or_else(|| field_error(field, None, "missing from the record".into()))?,
        );
    }
    Ok(())
}

/// Serialises a field through [`ToWire::serialize_wire`].
#[doc(hidden)]
pub struct Wire<'a, T>(pub &'a T);

impl<T: ToWire> serde::Serialize for Wire<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(s)
    }
}

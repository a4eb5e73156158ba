//! Answers decoded into the generated records (strictly, as the client
//! decodes them, unknown columns included), then turned into table rows
//! without a JSON tree: the record serialises itself into [`RowSink`].

use serde::ser::{self, Impossible, Serialize};
use serde_json::{Map, Value as Json};

use crate::backend::Row;
use crate::row::synthetic_key;
use crate::tables::{TableDef, ValueKind};
use crate::value::{Value, parse_date, parse_datetime};
use crate::{Error, Result};

/// The row of a generated record of `t`'s class.
pub(crate) fn row_of<R: Serialize>(t: &'static TableDef, record: &R) -> Result<Row> {
    let mut sink = RowSink {
        t,
        values: vec![Value::Null; t.columns.len()],
        unknown: Map::new(),
        next: 0,
        key: None,
    };
    record.serialize(&mut sink)?;
    let RowSink {
        values, unknown, ..
    } = sink;
    let key = synthetic_key(t, &values, &unknown);
    Ok(Row {
        values,
        unknown: (!unknown.is_empty()).then(|| Json::Object(unknown).to_string()),
        key,
    })
}

struct RowSink {
    t: &'static TableDef,
    values: Vec<Value>,
    unknown: Map<String, Json>,
    /// Where the next known column is expected (records serialise their
    /// columns in schema order).
    next: usize,
    key: Option<String>,
}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::InvalidArgument(msg.to_string())
    }
}

fn unsupported(what: &str) -> Error {
    Error::InvalidArgument(format!("a record serialised a {what}"))
}

impl<'a> ser::Serializer for &'a mut RowSink {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Self;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_map(self, _len: Option<usize>) -> Result<Self> {
        Ok(self)
    }

    fn serialize_bool(self, _: bool) -> Result<()> {
        Err(unsupported("bool"))
    }
    fn serialize_i8(self, _: i8) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_i16(self, _: i16) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_i32(self, _: i32) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_i64(self, _: i64) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_u8(self, _: u8) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_u16(self, _: u16) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_u32(self, _: u32) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_u64(self, _: u64) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(unsupported("number"))
    }
    fn serialize_char(self, _: char) -> Result<()> {
        Err(unsupported("char"))
    }
    fn serialize_str(self, _: &str) -> Result<()> {
        Err(unsupported("string"))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<()> {
        Err(unsupported("none"))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<()> {
        Err(unsupported("option"))
    }
    fn serialize_unit(self) -> Result<()> {
        Err(unsupported("unit"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(unsupported("unit struct"))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<()> {
        Err(unsupported("variant"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<()> {
        Err(unsupported("newtype"))
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(unsupported("variant"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(unsupported("sequence"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(unsupported("tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(unsupported("tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported("variant"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unsupported("struct"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported("variant"))
    }
}

impl ser::SerializeMap for &mut RowSink {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let mut name = self.key.take().unwrap_or_default();
        name.clear();
        key.serialize(KeySink(&mut name))?;
        self.key = Some(name);
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let name = self.key.take().unwrap_or_default();
        let t = self.t;
        let at = if t.columns.get(self.next).is_some_and(|c| c.name == name) {
            Some(self.next)
        } else {
            t.position(&name)
        };
        match at {
            Some(i) => {
                let kind = t.columns[i].kind;
                self.values[i] = value.serialize(Cell { kind }).map_err(|e| match e {
                    Error::InvalidArgument(why) => Error::Value {
                        class: t.class.to_owned(),
                        column: name.clone(),
                        value: why,
                        kind: format!("{kind:?}").to_lowercase(),
                    },
                    other => other,
                })?;
                self.next = i + 1;
                // The buffer is reused for the next key.
                self.key = Some(name);
            }
            None => {
                let v = serde_json::to_value(value)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                self.unknown.insert(name, v);
            }
        }
        Ok(())
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

/// One known column's value, as its column stores it.
struct Cell {
    kind: ValueKind,
}

impl Cell {
    fn text(self, s: &str) -> Result<Value> {
        let bad = || Error::InvalidArgument(s.to_owned());
        Ok(match self.kind {
            ValueKind::Text | ValueKind::Blob => Value::Text(s.to_owned()),
            ValueKind::Int => Value::Int(s.trim().parse().map_err(|_| bad())?),
            ValueKind::Real => Value::Real(s.trim().parse().map_err(|_| bad())?),
            ValueKind::Date => Value::Date(parse_date(s).ok_or_else(bad)?),
            ValueKind::DateTime => Value::DateTime(parse_datetime(s).ok_or_else(bad)?),
        })
    }

    fn int(self, n: i64) -> Result<Value> {
        Ok(match self.kind {
            ValueKind::Int => Value::Int(n),
            ValueKind::Real => Value::Real(n as f64),
            ValueKind::Text | ValueKind::Blob => Value::Text(n.to_string()),
            _ => return Err(Error::InvalidArgument(n.to_string())),
        })
    }
}

impl ser::Serializer for Cell {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Impossible<Value, Error>;
    type SerializeTuple = Impossible<Value, Error>;
    type SerializeTupleStruct = Impossible<Value, Error>;
    type SerializeTupleVariant = Impossible<Value, Error>;
    type SerializeMap = Impossible<Value, Error>;
    type SerializeStruct = Impossible<Value, Error>;
    type SerializeStructVariant = Impossible<Value, Error>;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        self.int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        match i64::try_from(v) {
            Ok(n) => self.int(n),
            Err(_) if self.kind == ValueKind::Real => Ok(Value::Real(v as f64)),
            Err(_) => self.text(&v.to_string()),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        match self.kind {
            ValueKind::Real => Ok(Value::Real(v)),
            ValueKind::Int if v.fract() == 0.0 => Ok(Value::Int(v as i64)),
            _ => self.text(&v.to_string()),
        }
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        self.text(&v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        self.text(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        self.text(&String::from_utf8_lossy(v))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Value> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<Value> {
        self.text(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Value> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value> {
        Err(unsupported("variant"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(unsupported("sequence"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(unsupported("tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(unsupported("tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported("variant"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported("map"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unsupported("struct"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported("variant"))
    }
}

/// A map key, written into a reused buffer (records' keys are strings).
struct KeySink<'a>(&'a mut String);

macro_rules! only_strings {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<()> {
            Err(unsupported("non-string key"))
        }
    )*};
}

impl ser::Serializer for KeySink<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<()> {
        self.0.push_str(v);
        Ok(())
    }

    only_strings! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<()> {
        Err(unsupported("non-string key"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(unsupported("non-string key"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(unsupported("non-string key"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(unsupported("non-string key"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(unsupported("non-string key"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported("non-string key"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported("non-string key"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unsupported("non-string key"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported("non-string key"))
    }
}

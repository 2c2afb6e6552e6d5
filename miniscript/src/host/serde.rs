//! `serde` support (feature `serde`): any `Serialize` type into a MiniScript value
//! ([`to_value`]) and any value into a `Deserialize` type ([`from_value`]).
//!
//! Structs and maps become maps with their entries in order; sequences, tuples and
//! byte strings lists; booleans 1 and 0; `None` and `()` null; a unit enum variant
//! its name; any other variant a one-entry map `{name: content}`. Reading back, a
//! number fills any numeric field (an integer type truncates toward zero, as
//! MiniScript's own conversions do) and any number fills a `bool` (nonzero is true).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use miniscript::host::serde::{from_value, to_value};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Player { name: String, hp: u32, pos: (f64, f64), alive: bool }
//!
//! let p = Player { name: "Ada".into(), hp: 12, pos: (1.5, -2.0), alive: true };
//! let v = to_value(&p).unwrap();
//! assert_eq!(v.to_string(),
//!            r#"{"name": "Ada", "hp": 12, "pos": [1.5, -2], "alive": 1}"#);
//! let back: Player = from_value(v).unwrap();
//! assert_eq!(back, p);
//! ```

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};

use crate::error::{MsError, MsResult};
use crate::value::{new_map, MsMap, Value};

impl ser::Error for MsError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        MsError::runtime(msg.to_string())
    }
}
impl de::Error for MsError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        MsError::runtime(msg.to_string())
    }
}

/// Convert any `Serialize` value into a MiniScript value.
///
/// ```
/// let v = miniscript::host::serde::to_value(&vec![Some(1), None]).unwrap();
/// assert_eq!(v.to_string(), "[1, null]");
/// ```
pub fn to_value<T: Serialize + ?Sized>(x: &T) -> MsResult<Value> {
    x.serialize(ValueSerializer)
}

/// Convert a MiniScript value into any `Deserialize` type.
///
/// ```
/// use std::collections::BTreeMap;
/// let v = miniscript::ms_map! { "a" => 1, "b" => 2 };
/// let m: BTreeMap<String, i32> = miniscript::host::serde::from_value(v).unwrap();
/// assert_eq!(m["b"], 2);
/// ```
pub fn from_value<T: de::DeserializeOwned>(v: Value) -> MsResult<T> {
    T::deserialize(v)
}

/// Values serialize as what they hold (functions as their type name `funcRef`).
impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Num(n) => s.serialize_f64(*n),
            Value::Str(t) => s.serialize_str(t.as_str()),
            Value::List(l) => {
                let l = l.borrow();
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let m = m.borrow();
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Func(_) => s.serialize_str("funcRef"),
        }
    }
}

struct ValueSerializer;

/// A list being built.
pub struct SeqBuilder {
    items: Vec<Value>,
    variant: Option<&'static str>,
}
/// A map being built.
pub struct MapBuilderSer {
    map: MsMap,
    key: Option<Value>,
    variant: Option<&'static str>,
}

fn wrap(variant: Option<&'static str>, v: Value) -> Value {
    match variant {
        Some(name) => {
            let mut m = new_map();
            m.insert(Value::str(name), v);
            Value::map(m)
        }
        None => v,
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = MsError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilderSer;
    type SerializeStruct = MapBuilderSer;
    type SerializeStructVariant = MapBuilderSer;

    fn serialize_bool(self, v: bool) -> MsResult<Value> {
        Ok(Value::bool(v))
    }
    fn serialize_i8(self, v: i8) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_i16(self, v: i16) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_i32(self, v: i32) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_i64(self, v: i64) -> MsResult<Value> {
        Ok(Value::Num(v as f64))
    }
    fn serialize_u8(self, v: u8) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_u16(self, v: u16) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_u32(self, v: u32) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_u64(self, v: u64) -> MsResult<Value> {
        Ok(Value::Num(v as f64))
    }
    fn serialize_f32(self, v: f32) -> MsResult<Value> {
        Ok(Value::Num(v.into()))
    }
    fn serialize_f64(self, v: f64) -> MsResult<Value> {
        Ok(Value::Num(v))
    }
    fn serialize_char(self, v: char) -> MsResult<Value> {
        Ok(Value::string(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> MsResult<Value> {
        Ok(Value::str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> MsResult<Value> {
        Ok(Value::list(
            v.iter().map(|b| Value::Num((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> MsResult<Value> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> MsResult<Value> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> MsResult<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> MsResult<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
    ) -> MsResult<Value> {
        Ok(Value::str(name))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> MsResult<Value> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        v: &T,
    ) -> MsResult<Value> {
        Ok(wrap(Some(name), v.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> MsResult<SeqBuilder> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> MsResult<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> MsResult<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        len: usize,
    ) -> MsResult<SeqBuilder> {
        let mut s = self.serialize_seq(Some(len))?;
        s.variant = Some(name);
        Ok(s)
    }
    fn serialize_map(self, _: Option<usize>) -> MsResult<MapBuilderSer> {
        Ok(MapBuilderSer {
            map: new_map(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> MsResult<MapBuilderSer> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        len: usize,
    ) -> MsResult<MapBuilderSer> {
        let mut m = self.serialize_map(Some(len))?;
        m.variant = Some(name);
        Ok(m)
    }
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> MsResult<()> {
        self.items.push(v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn done(self) -> MsResult<Value> {
        Ok(wrap(self.variant, Value::list(self.items)))
    }
}

macro_rules! seq_impl {
    ($($tr:ident :: $f:ident),*) => {$(
        impl ser::$tr for SeqBuilder {
            type Ok = Value;
            type Error = MsError;
            fn $f<T: Serialize + ?Sized>(&mut self, v: &T) -> MsResult<()> {
                self.push(v)
            }
            fn end(self) -> MsResult<Value> {
                self.done()
            }
        }
    )*};
}
seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for MapBuilderSer {
    type Ok = Value;
    type Error = MsError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> MsResult<()> {
        self.key = Some(k.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> MsResult<()> {
        let k = self.key.take().unwrap_or(Value::Null);
        self.map.insert(k, v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> MsResult<Value> {
        Ok(wrap(self.variant, Value::map(self.map)))
    }
}

macro_rules! struct_impl {
    ($($tr:ident),*) => {$(
        impl ser::$tr for MapBuilderSer {
            type Ok = Value;
            type Error = MsError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> MsResult<()> {
                self.map.insert(Value::str(k), v.serialize(ValueSerializer)?);
                Ok(())
            }
            fn end(self) -> MsResult<Value> {
                Ok(wrap(self.variant, Value::map(self.map)))
            }
        }
    )*};
}
struct_impl!(SerializeStruct, SerializeStructVariant);

// ---------------------------------------------------------------------------------
// Reading values.

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Num(n) => de::Unexpected::Float(*n),
        Value::Str(s) => de::Unexpected::Str(s.as_str()),
        Value::List(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
        Value::Func(_) => de::Unexpected::Other("a function"),
    }
}

macro_rules! int_de {
    ($($f:ident $visit:ident $t:ty),*) => {$(
        fn $f<V: Visitor<'de>>(self, visitor: V) -> MsResult<V::Value> {
            match self {
                Value::Num(n) => visitor.$visit(n as $t),
                other => other.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = MsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> MsResult<V::Value> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Num(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    visitor.visit_i64(n as i64)
                } else {
                    visitor.visit_f64(n)
                }
            }
            Value::Str(s) => visitor.visit_str(s.as_str()),
            Value::List(l) => {
                let items: Vec<Value> = l.borrow().iter().cloned().collect();
                visitor.visit_seq(SeqReader(items.into_iter()))
            }
            Value::Map(m) => {
                let pairs: Vec<(Value, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                visitor.visit_map(MapReader {
                    it: pairs.into_iter(),
                    value: None,
                })
            }
            f @ Value::Func(_) => Err(de::Error::invalid_type(unexpected(&f), &visitor)),
        }
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> MsResult<V::Value> {
        match self {
            Value::Num(n) => visitor.visit_bool(n != 0.0),
            other => other.deserialize_any(visitor),
        }
    }
    int_de!(
        deserialize_i8 visit_i64 i64, deserialize_i16 visit_i64 i64,
        deserialize_i32 visit_i64 i64, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u64 u64, deserialize_u16 visit_u64 u64,
        deserialize_u32 visit_u64 u64, deserialize_u64 visit_u64 u64,
        deserialize_f32 visit_f64 f64, deserialize_f64 visit_f64 f64
    );
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> MsResult<V::Value> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> MsResult<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> MsResult<V::Value> {
        match self {
            Value::Str(s) => visitor.visit_enum(s.as_str().to_string().into_deserializer()),
            Value::Map(m) if m.borrow().len() == 1 => {
                let (k, v) = m
                    .borrow()
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or((Value::Null, Value::Null));
                visitor.visit_enum(EnumReader {
                    variant: k,
                    value: v,
                })
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"an enum variant",
            )),
        }
    }
    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct SeqReader(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for SeqReader {
    type Error = MsError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> MsResult<Option<T::Value>> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapReader {
    it: std::vec::IntoIter<(Value, Value)>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapReader {
    type Error = MsError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> MsResult<Option<K::Value>> {
        match self.it.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> MsResult<T::Value> {
        seed.deserialize(self.value.take().unwrap_or(Value::Null))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.it.len())
    }
}

struct EnumReader {
    variant: Value,
    value: Value,
}

impl<'de> de::EnumAccess<'de> for EnumReader {
    type Error = MsError;
    type Variant = Value;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> MsResult<(T::Value, Value)> {
        Ok((seed.deserialize(self.variant)?, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for Value {
    type Error = MsError;
    fn unit_variant(self) -> MsResult<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> MsResult<T::Value> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> MsResult<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> MsResult<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

impl<'de> IntoDeserializer<'de, MsError> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

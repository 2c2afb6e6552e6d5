//! Building and reading MiniScript values from Rust: `From`/`TryFrom` for numbers,
//! strings, vectors and maps, the `ms_map!` macro and `MapBuilder`, map accessors.
//!
//! ```
//! use miniscript::host::{MapBuilder, Value};
//! use std::collections::HashMap;
//!
//! let player = miniscript::ms_map! { "name" => "Ada", "hp" => 12, "tags" => vec!["a", "b"] };
//! assert_eq!(player.get("hp"), Some(Value::from(12)));
//! let same = MapBuilder::new().set("name", "Ada").set("hp", 12).set("tags", vec!["a", "b"]).build();
//! assert!(player.equals(&same));
//! let hp = f64::try_from(player.get("hp").unwrap()).unwrap();
//! assert_eq!(hp, 12.0);
//! let m: HashMap<String, Value> = HashMap::try_from(player).unwrap();
//! assert_eq!(m.len(), 3);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use indexmap::IndexMap;

use super::convert::{FromValue, IntoValue};
use crate::error::{MsError, MsResult};
use crate::value::{new_map, MsMap, Value};

macro_rules! from_rust {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                x.into_value()
            }
        }
    )*};
}
from_rust!(
    f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, bool, &str, String, &String
);

impl<T: IntoValue> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        v.into_value()
    }
}
impl<T: IntoValue> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.into_value()
    }
}
impl<K: AsRef<str>, V: IntoValue, S: BuildHasher> From<HashMap<K, V, S>> for Value {
    fn from(m: HashMap<K, V, S>) -> Value {
        m.into_value()
    }
}
impl<K: AsRef<str>, V: IntoValue, S: BuildHasher> From<IndexMap<K, V, S>> for Value {
    fn from(m: IndexMap<K, V, S>) -> Value {
        m.into_value()
    }
}
impl<K: AsRef<str>, V: IntoValue> From<BTreeMap<K, V>> for Value {
    fn from(m: BTreeMap<K, V>) -> Value {
        m.into_value()
    }
}

/// A map value from string keys and values, in iteration order.
fn map_of<K: AsRef<str>, V: IntoValue>(it: impl IntoIterator<Item = (K, V)>) -> Value {
    let mut m = new_map();
    for (k, v) in it {
        m.insert(Value::str(k.as_ref()), v.into_value());
    }
    Value::map(m)
}

impl<K: AsRef<str>, V: IntoValue, S: BuildHasher> IntoValue for HashMap<K, V, S> {
    fn into_value(self) -> Value {
        map_of(self)
    }
}
impl<K: AsRef<str>, V: IntoValue, S: BuildHasher> IntoValue for IndexMap<K, V, S> {
    fn into_value(self) -> Value {
        map_of(self)
    }
}
impl<K: AsRef<str>, V: IntoValue> IntoValue for BTreeMap<K, V> {
    fn into_value(self) -> Value {
        map_of(self)
    }
}

/// The entries of a map value as (string key, converted value), in order; a key
/// that is not a string is an error.
fn entries<V: FromValue>(v: Value) -> MsResult<Vec<(String, V)>> {
    let Value::Map(m) = v else {
        return Err(super::convert::wrong_type("a map", &v));
    };
    let pairs: Vec<(Value, Value)> = m
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs
        .into_iter()
        .map(|(k, v)| {
            let key = match &k {
                Value::Str(s) => s.as_str().to_string(),
                other => return Err(super::convert::wrong_type("a string key", other)),
            };
            let v = V::from_value(v)
                .map_err(|e| MsError::runtime(format!("key {key}: {}", e.message)))?;
            Ok((key, v))
        })
        .collect()
}

impl<V: FromValue, S: BuildHasher + Default> FromValue for HashMap<String, V, S> {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(entries(v)?.into_iter().collect())
    }
}
impl<V: FromValue, S: BuildHasher + Default> FromValue for IndexMap<String, V, S> {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(entries(v)?.into_iter().collect())
    }
}
impl<V: FromValue> FromValue for BTreeMap<String, V> {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(entries(v)?.into_iter().collect())
    }
}

macro_rules! try_from_value {
    ($($t:ty),*) => {$(
        impl TryFrom<Value> for $t {
            type Error = MsError;
            fn try_from(v: Value) -> MsResult<$t> {
                <$t as FromValue>::from_value(v)
            }
        }
    )*};
}
try_from_value!(f64, f32, i32, i64, u32, u64, usize, String);

impl<T: FromValue> TryFrom<Value> for Vec<T> {
    type Error = MsError;
    fn try_from(v: Value) -> MsResult<Vec<T>> {
        FromValue::from_value(v)
    }
}
impl<V: FromValue, S: BuildHasher + Default> TryFrom<Value> for HashMap<String, V, S> {
    type Error = MsError;
    fn try_from(v: Value) -> MsResult<Self> {
        FromValue::from_value(v)
    }
}
impl<V: FromValue, S: BuildHasher + Default> TryFrom<Value> for IndexMap<String, V, S> {
    type Error = MsError;
    fn try_from(v: Value) -> MsResult<Self> {
        FromValue::from_value(v)
    }
}

/// Builds a map value entry by entry, keeping the order of insertion.
///
/// ```
/// use miniscript::host::MapBuilder;
/// let pos = MapBuilder::new().set("x", 3).set("y", 4.5).build();
/// assert_eq!(pos.to_string(), r#"{"x": 3, "y": 4.5}"#);
/// ```
#[derive(Default)]
pub struct MapBuilder(MsMap);

impl MapBuilder {
    /// An empty map.
    ///
    /// ```
    /// # use miniscript::host::MapBuilder;
    /// assert_eq!(MapBuilder::new().build().to_string(), "{}");
    /// ```
    pub fn new() -> Self {
        MapBuilder(new_map())
    }
    /// Set `key` (a string, number, or any value) to `value`.
    ///
    /// ```
    /// # use miniscript::host::{MapBuilder, Value};
    /// let m = MapBuilder::new().set(1, "one").set("two", 2).build();
    /// assert_eq!(m.get("two"), Some(Value::from(2)));
    /// ```
    pub fn set(mut self, key: impl IntoValue, value: impl IntoValue) -> Self {
        self.0.insert(key.into_value(), value.into_value());
        self
    }
    /// The map value.
    ///
    /// ```
    /// # use miniscript::host::MapBuilder;
    /// let m = MapBuilder::new().set("a", 1).build();
    /// assert_eq!(m.len(), Some(1));
    /// ```
    pub fn build(self) -> Value {
        Value::map(self.0)
    }
}

/// A map value from `key => value` pairs (anything [`IntoValue`](crate::host::IntoValue)),
/// keeping their order.
///
/// ```
/// let m = miniscript::ms_map! { "name" => "Ada", "age" => 36 };
/// assert_eq!(m.to_string(), r#"{"name": "Ada", "age": 36}"#);
/// let empty = miniscript::ms_map! {};
/// assert_eq!(empty.len(), Some(0));
/// ```
#[macro_export]
macro_rules! ms_map {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::host::MapBuilder::new()$(.set($k, $v))*.build()
    };
}

/// A value's text as `str(v)` gives it in MiniScript (strings as they are, lists and
/// maps in code form).
///
/// ```
/// # use miniscript::host::Value;
/// assert_eq!(Value::from(vec![1.5, 2.0]).to_string(), "[1.5, 2]");
/// assert_eq!(Value::from("hi").to_string(), "hi");
/// ```
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::format::to_str(self))
    }
}

impl Value {
    /// The value of a map's entry `key` (a string key), or of a list's element at
    /// index `key` parsed as a number; `None` if absent or not a container.
    ///
    /// ```
    /// # use miniscript::host::Value;
    /// let m = miniscript::ms_map! { "hp" => 3 };
    /// assert_eq!(m.get("hp"), Some(Value::from(3)));
    /// assert_eq!(m.get("mp"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.borrow().get(&crate::value::StrKey(key)).cloned(),
            Value::List(l) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| l.borrow().get(i).cloned()),
            _ => None,
        }
    }
    /// The number of entries of a map or elements of a list, or characters of a
    /// string; `None` for other values.
    ///
    /// ```
    /// # use miniscript::host::Value;
    /// assert_eq!(Value::from(vec![1, 2, 3]).len(), Some(3));
    /// assert_eq!(Value::from("héllo").len(), Some(5));
    /// assert_eq!(Value::from(1).len(), None);
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<usize> {
        match self {
            Value::Map(m) => Some(m.borrow().len()),
            Value::List(l) => Some(l.borrow().len()),
            Value::Str(s) => Some(s.char_len()),
            _ => None,
        }
    }
}

impl super::Interpreter {
    /// A global variable converted to `T` (an error names the variable).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "score = 42\nname = \"Ada\"").unwrap();
    /// let score: i64 = interp.global_as("score").unwrap();
    /// assert_eq!(score, 42);
    /// let err = interp.global_as::<f64>("name").unwrap_err();
    /// assert_eq!(err.message, "global name: expected a number, got a string");
    /// ```
    pub fn global_as<T: FromValue>(&self, name: &str) -> MsResult<T> {
        let v = self.global(name).unwrap_or(Value::Null);
        T::from_value(v).map_err(|e| MsError::runtime(format!("global {name}: {}", e.message)))
    }
}

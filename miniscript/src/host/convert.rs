//! Conversions between Rust and MiniScript values for the embedding API: `IntoValue`
//! (results of host closures, globals), `FromValue` (typed results of script calls)
//! and `IntoArgs` (argument lists, including tuples).

use crate::error::{MsError, MsResult};
use crate::value::Value;

/// A Rust value that converts into a MiniScript value (arguments, globals, results
/// of host closures).
///
/// ```
/// use miniscript::host::{IntoValue, Value};
/// assert_eq!(3.into_value(), Value::Num(3.0));
/// assert_eq!(Some("a").into_value(), Value::from("a"));
/// assert_eq!(None::<f64>.into_value(), Value::Null);
/// ```
pub trait IntoValue {
    /// The MiniScript value.
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl IntoValue for &Value {
    fn into_value(self) -> Value {
        self.clone()
    }
}
impl IntoValue for () {
    fn into_value(self) -> Value {
        Value::Null
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::bool(self)
    }
}
macro_rules! into_num {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::Num(self as f64)
            }
        }
    )*};
}
into_num!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::string(self)
    }
}
impl IntoValue for &String {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::list(self.into_iter().map(IntoValue::into_value).collect())
    }
}
/// A MiniScript value converted to a Rust type (results of
/// [`Interpreter::call`](super::Interpreter::call)).
/// Conversions are strict: a number where a string is expected is an error rather
/// than a silent `str`. `bool` uses MiniScript truthiness; `Option` maps null to
/// `None`.
///
/// ```
/// use miniscript::host::{FromValue, Value};
/// assert_eq!(i64::from_value(Value::from(2.9)).unwrap(), 2);
/// assert_eq!(Option::<String>::from_value(Value::Null).unwrap(), None);
/// let e = f64::from_value(Value::from("x")).unwrap_err();
/// assert_eq!(e.message, "expected a number, got a string");
/// ```
pub trait FromValue: Sized {
    /// The Rust value, or an error naming what was expected and what was found.
    fn from_value(v: Value) -> MsResult<Self>;
}

pub(super) fn wrong_type(expected: &str, v: &Value) -> MsError {
    MsError::runtime(format!(
        "expected {expected}, got {}",
        match v {
            Value::Null => "null",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
            Value::Func(_) => "a function",
        }
    ))
}

impl FromValue for Value {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(v)
    }
}
impl FromValue for () {
    fn from_value(_: Value) -> MsResult<Self> {
        Ok(())
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(v.truthy())
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> MsResult<Self> {
        v.as_num().ok_or_else(|| wrong_type("a number", &v))
    }
}
impl FromValue for f32 {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(f64::from_value(v)? as f32)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        /// The number truncated toward zero (saturating at the type's range).
        impl FromValue for $t {
            fn from_value(v: Value) -> MsResult<Self> {
                Ok(f64::from_value(v)? as $t)
            }
        }
    )*};
}
from_int!(i32, i64, u32, u64, usize);
impl FromValue for String {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::Str(s) => Ok(s.as_str().to_string()),
            other => Err(wrong_type("a string", &other)),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}
impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::List(l) => l.borrow().iter().cloned().map(T::from_value).collect(),
            other => Err(wrong_type("a list", &other)),
        }
    }
}

/// Arguments of a call: a tuple of [`IntoValue`] values (`()`, `(x,)`, `(x, y)`, ...
/// up to 8), an array, or a slice or vector of [`Value`]s.
///
/// ```
/// use miniscript::host::{IntoArgs, Value};
/// let mut out = Vec::new();
/// (1, "a", vec![2]).push_args(&mut out);
/// assert_eq!(out.len(), 3);
/// ```
pub trait IntoArgs {
    /// Append the arguments to `out`.
    fn push_args(self, out: &mut Vec<Value>);
}

impl IntoArgs for &[Value] {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend_from_slice(self);
    }
}
impl IntoArgs for Vec<Value> {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend(self);
    }
}
impl<T: IntoValue, const N: usize> IntoArgs for [T; N] {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend(self.into_iter().map(IntoValue::into_value));
    }
}
macro_rules! tuple_args {
    ($($name:ident),*) => {
        impl<$($name: IntoValue),*> IntoArgs for ($($name,)*) {
            #[allow(non_snake_case, unused_variables)]
            fn push_args(self, out: &mut Vec<Value>) {
                let ($($name,)*) = self;
                $(out.push($name.into_value());)*
            }
        }
    };
}
tuple_args!();
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);

/// A conversion error of the result of script function `name`, naming it.
pub(super) fn in_result_of(name: &str, e: MsError) -> MsError {
    MsError::runtime(format!("result of {name}: {}", e.message))
}

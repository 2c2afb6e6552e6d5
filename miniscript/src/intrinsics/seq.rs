//! Sequence intrinsics on strings, lists and maps: `hasIndex indexes indexOf insert
//! join len pop pull push remove replace slice sum values`.
//!
//! Strings are indexed by character. Lists and maps are never mutably borrowed while
//! their elements are compared with a script value (the value may contain them).

use std::rc::Rc;

use super::int;
use crate::error::{MsError, MsResult};
use crate::format::{to_str, to_str_checked};
use crate::interp::Vm;
use crate::ops::{
    byte_offset, char_index, char_substr, check_list_len, check_str_bytes, map_set, trunc_int,
};
use crate::value::{MsStr, Value};

/// `Index Error: index (N) out of range (A to B)` (C# `Check.Range`).
fn range_error(i: i64, lo: i64, hi: i64) -> MsError {
    MsError::runtime(format!(
        "Index Error: index ({i}) out of range ({lo} to {hi})"
    ))
}

/// `len(self)`: characters, elements or entries; null for other types.
pub fn len(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(Value::Str(s)) => Value::Num(s.char_len() as f64),
        Some(Value::List(l)) => Value::Num(l.borrow().len() as f64),
        Some(Value::Map(m)) => Value::Num(m.borrow().len() as f64),
        _ => Value::Null,
    })
}

/// `hasIndex(self, index)`: a numeric index in `-len..len` for lists and strings, a
/// present key for maps; null for other types.
pub fn has_index(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, index, ..] = &*args else {
        return Ok(Value::Null);
    };
    let in_range = |len: usize| match index {
        Value::Num(x) => {
            let i = trunc_int(*x);
            Value::bool(i >= -(len as i64) && i < len as i64)
        }
        _ => Value::Num(0.0),
    };
    Ok(match this {
        Value::List(l) => {
            let n = l.borrow().len();
            in_range(n)
        }
        Value::Str(s) => in_range(s.char_len()),
        Value::Map(m) => Value::bool(m.borrow().contains_key(index)),
        _ => Value::Null,
    })
}

/// `indexes(self)`: `[0 .. len-1]`, or a map's keys in order.
pub fn indexes(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let count = |n: usize| Value::list((0..n).map(|i| Value::Num(i as f64)).collect());
    Ok(match args.first() {
        Some(Value::Map(m)) => Value::list(m.borrow().keys().cloned().collect()),
        Some(Value::Str(s)) => count(s.char_len()),
        Some(Value::List(l)) => {
            let n = l.borrow().len();
            count(n)
        }
        _ => Value::Null,
    })
}

/// `values(self)`: a map's values or a string's characters; anything else as is.
pub fn values(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(Value::Map(m)) => Value::list(m.borrow().values().cloned().collect()),
        Some(Value::Str(s)) => Value::list(chars_of(s)),
        Some(v) => v.clone(),
        None => Value::Null,
    })
}

/// One single-character string per character.
fn chars_of(s: &MsStr) -> Vec<Value> {
    let t = s.as_str();
    t.char_indices()
        .map(|(b, c)| Value::str(&t[b..b + c.len_utf8()]))
        .collect()
}

/// The position after which `indexOf` starts: `None` when `after` puts the search
/// past the end (C#: `after < -1` counts from the end, then must be in
/// `-1 .. len-2`).
fn search_start(after: &Value, len: usize) -> Option<usize> {
    if after.is_null() {
        return Some(0);
    }
    let len = len as i64;
    let mut a = int(after);
    if a < -1 {
        a += len;
    }
    if a < -1 || a >= len - 1 {
        None
    } else {
        Some((a + 1) as usize)
    }
}

/// `indexOf(self, value, after)`: first index (or key) whose element equals value;
/// strings search for the substring `str(value)`.
pub fn index_of(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, value, after, ..] = &*args else {
        return Ok(Value::Null);
    };
    match this {
        Value::List(l) => {
            let list = l.borrow();
            let Some(start) = search_start(after, list.len()) else {
                return Ok(Value::Null);
            };
            let found = list.iter().skip(start).position(|x| x.equals(value));
            Ok(found.map_or(Value::Null, |i| Value::Num((start + i) as f64)))
        }
        Value::Str(s) => {
            if value.is_null() {
                return Ok(Value::Null);
            }
            let Some(start) = search_start(after, s.char_len()) else {
                return Ok(Value::Null);
            };
            let needle = match value {
                Value::Str(v) => std::borrow::Cow::Borrowed(v.as_str()),
                other => std::borrow::Cow::Owned(to_str(other)),
            };
            let from = byte_offset(s, start);
            Ok(match s.as_str()[from..].find(&*needle) {
                Some(b) => Value::Num(char_index(s, from + b) as f64),
                None => Value::Null,
            })
        }
        Value::Map(m) => {
            let mut saw_after = after.is_null();
            for (k, v) in m.borrow().iter() {
                if !saw_after {
                    saw_after = k.equals(after);
                } else if v.equals(value) {
                    return Ok(k.clone());
                }
            }
            Ok(Value::Null)
        }
        _ => Ok(Value::Null),
    }
}

/// `insert(self, index, value)`: lists are changed in place and returned; strings
/// give a new string. A negative index counts from the end (`-1` appends).
pub fn insert(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, index, value, ..] = &*args else {
        return Ok(Value::Null);
    };
    let Value::Num(x) = index else {
        return Err(MsError::runtime(if index.is_null() {
            "insert: index argument required"
        } else {
            "insert: number required for index argument"
        }));
    };
    let mut idx = trunc_int(*x);
    match this {
        Value::List(l) => {
            let n = l.borrow().len() as i64;
            if idx < 0 {
                idx += n + 1;
            }
            if idx < 0 || idx > n {
                return Err(range_error(idx, 0, n));
            }
            check_list_len(n as usize + 1)?;
            crate::limits::charge(crate::limits::LIST_ELEM_BYTES)?;
            l.borrow_mut().insert(idx as usize, value.clone());
            Ok(this.clone())
        }
        Value::Str(s) => {
            let n = s.char_len() as i64;
            if idx < 0 {
                idx += n + 1;
            }
            if idx < 0 || idx > n {
                return Err(range_error(idx, 0, n));
            }
            let at = byte_offset(s, idx as usize);
            let t = s.as_str();
            let v = to_str_checked(value)?;
            check_str_bytes(t.len() + v.len())?;
            crate::limits::charge(t.len() + v.len())?;
            Ok(Value::string(format!("{}{}{}", &t[..at], v, &t[at..])))
        }
        _ => Err(MsError::runtime("insert called on invalid type")),
    }
}

/// `remove(self, k)`: map -> delete key, 1/0; list -> delete index, null; string ->
/// new string without the first occurrence of `str(k)`.
pub fn remove(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, k, ..] = &*args else {
        return Ok(Value::Null);
    };
    match this {
        Value::Map(m) => {
            let found = m.borrow().get_index_of(k);
            Ok(Value::bool(match found {
                Some(i) => {
                    // Keep the order of the remaining keys; drop outside the borrow.
                    let removed = m.borrow_mut().shift_remove_index(i);
                    drop(removed);
                    true
                }
                None => false,
            }))
        }
        Value::List(l) => {
            if k.is_null() {
                return Err(MsError::runtime("argument to 'remove' must not be null"));
            }
            let n = l.borrow().len() as i64;
            let mut idx = int(k);
            if idx < 0 {
                idx += n;
            }
            if idx < 0 || idx >= n {
                return Err(range_error(idx, 0, n - 1));
            }
            let removed = l.borrow_mut().remove(idx as usize);
            drop(removed);
            Ok(Value::Null)
        }
        Value::Str(s) => {
            if k.is_null() {
                return Err(MsError::runtime("argument to 'remove' must not be null"));
            }
            let needle = to_str(k);
            let t = s.as_str();
            Ok(match t.find(&needle) {
                Some(b) => Value::string(format!("{}{}", &t[..b], &t[b + needle.len()..])),
                None => this.clone(),
            })
        }
        _ => Err(MsError::runtime(
            "Type Error: 'remove' requires map, list, or string",
        )),
    }
}

/// `replace(self, oldval, newval, maxCount)`: lists and maps replace equal values in
/// place (up to maxCount) and return self; strings give a new string, scanning left
/// to right and resuming after each inserted text.
pub fn replace(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, oldval, newval, max, ..] = &*args else {
        return Ok(Value::Null);
    };
    if this.is_null() {
        return Err(MsError::runtime("argument to 'replace' must not be null"));
    }
    let max_count = if max.is_null() { -1 } else { int(max) };
    if !max.is_null() && max_count < 1 {
        return Ok(this.clone());
    }
    let limit = if max_count > 0 {
        max_count as usize
    } else {
        usize::MAX
    };
    match this {
        Value::Map(m) => {
            let hits: Vec<usize> = m
                .borrow()
                .values()
                .enumerate()
                .filter(|(_, v)| v.equals(oldval))
                .map(|(i, _)| i)
                .take(limit)
                .collect();
            for i in hits {
                let old = m
                    .borrow_mut()
                    .get_index_mut(i)
                    .map(|(_, v)| std::mem::replace(v, newval.clone()));
                drop(old);
            }
            Ok(this.clone())
        }
        Value::List(l) => {
            let hits: Vec<usize> = l
                .borrow()
                .iter()
                .enumerate()
                .filter(|(_, v)| v.equals(oldval))
                .map(|(i, _)| i)
                .take(limit)
                .collect();
            for i in hits {
                let old = l
                    .borrow_mut()
                    .get_mut(i)
                    .map(|v| std::mem::replace(v, newval.clone()));
                drop(old);
            }
            Ok(this.clone())
        }
        Value::Str(s) => {
            let old = match oldval {
                Value::Str(v) => std::borrow::Cow::Borrowed(v.as_str()),
                other => std::borrow::Cow::Owned(to_str(other)),
            };
            if old.is_empty() {
                return Err(MsError::runtime("replace: oldval argument is empty"));
            }
            let new = match newval {
                Value::Str(v) => std::borrow::Cow::Borrowed(v.as_str()),
                other => std::borrow::Cow::Owned(to_str_checked(other)?),
            };
            let t = s.as_str();
            let mut out = String::with_capacity(t.len());
            // One searcher over the text (matches do not overlap, left to right).
            let mut done = 0;
            for (b, _) in t.match_indices(&*old).take(limit) {
                check_str_bytes(out.len() + (b - done) + new.len())?;
                out.push_str(&t[done..b]);
                out.push_str(&new);
                done = b + old.len();
            }
            out.push_str(&t[done..]);
            // An ASCII text with ASCII put in stays ASCII: no scan.
            Ok(if s.is_ascii() && new.is_ascii() {
                Value::Str(Rc::new(MsStr::with_ascii(out, true)))
            } else {
                Value::string(out)
            })
        }
        _ => Err(MsError::runtime(
            "Type Error: 'replace' requires map, list, or string",
        )),
    }
}

/// `seq[from:to]` and `slice(seq, from=0, to)`: negative indexes count from the end,
/// bounds are clamped, never an error; non-sequences give null.
pub fn slice(seq: &Value, from: &Value, to: &Value) -> Value {
    let bounds = |len: usize| {
        let n = len as i64;
        let mut a = int(from);
        if a < 0 {
            a += n;
        }
        let a = a.max(0);
        let mut b = if to.is_null() { n } else { int(to) };
        if b < 0 {
            b += n;
        }
        let b = b.min(n);
        if a >= n || b <= a {
            None
        } else {
            Some((a as usize, b as usize))
        }
    };
    match seq {
        Value::List(l) => {
            let list = l.borrow();
            match bounds(list.len()) {
                Some((a, b)) => Value::list(list[a..b].to_vec()),
                None => Value::list(Vec::new()),
            }
        }
        Value::Str(s) => match bounds(s.char_len()) {
            // The whole string is the same immutable value: share it.
            Some((0, b)) if b == s.char_len() => Value::Str(Rc::clone(s)),
            Some((a, b)) => Value::str(char_substr(s, a, b)),
            None => Value::str(""),
        },
        _ => Value::Null,
    }
}

pub fn slice_fn(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [seq, from, to, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(slice(seq, from, to))
}

/// `join(self, delimiter=" ")`: `str` of each element; a non-list comes back as is.
pub fn join(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, delim, ..] = &*args else {
        return Ok(Value::Null);
    };
    let Value::List(l) = this else {
        return Ok(this.clone());
    };
    let delim = to_str_checked(delim)?;
    let l = l.borrow();
    // For a list of strings (the usual case) the size and ASCII-ness of the result
    // are known up front: one allocation, no scan.
    let mut ascii = delim.is_ascii();
    let mut size = delim.len().saturating_mul(l.len().saturating_sub(1));
    for e in l.iter() {
        match e {
            Value::Str(s) => {
                ascii &= s.is_ascii();
                size = size.saturating_add(s.as_str().len());
            }
            _ => ascii = false,
        }
    }
    let mut out = String::with_capacity(size.min(crate::ops::MAX_SIZE));
    for (i, e) in l.iter().enumerate() {
        if i > 0 {
            check_str_bytes(out.len() + delim.len())?;
            out.push_str(&delim);
        }
        match e {
            Value::Str(s) => {
                check_str_bytes(out.len() + s.as_str().len())?;
                out.push_str(s.as_str())
            }
            other => {
                let t = to_str_checked(other)?;
                check_str_bytes(out.len() + t.len())?;
                out.push_str(&t)
            }
        }
    }
    Ok(if ascii {
        Value::Str(Rc::new(MsStr::with_ascii(out, true)))
    } else {
        Value::string(out)
    })
}

/// `push(self, value)`: append to a list, or add `value: 1` to a map; returns self.
pub fn push(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, value, ..] = &*args else {
        return Ok(Value::Null);
    };
    match this {
        Value::List(l) => {
            let mut l = l.borrow_mut();
            check_list_len(l.len() + 1)?;
            crate::limits::charge(crate::limits::LIST_ELEM_BYTES)?;
            l.push(value.clone());
            drop(l);
            Ok(this.clone())
        }
        Value::Map(m) => {
            map_set(m, value.clone(), Value::Num(1.0))?;
            Ok(this.clone())
        }
        _ => Ok(Value::Null),
    }
}

/// `pop(self)`: remove and return a list's last element or a map's first key.
pub fn pop(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    take_end(args.first(), true)
}

/// `pull(self)`: remove and return a list's first element or a map's first key.
pub fn pull(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    take_end(args.first(), false)
}

fn take_end(this: Option<&Value>, last: bool) -> MsResult<Value> {
    Ok(match this {
        Some(Value::List(l)) => {
            let mut list = l.borrow_mut();
            if list.is_empty() {
                Value::Null
            } else if last {
                list.pop().unwrap_or_default()
            } else {
                list.remove(0)
            }
        }
        Some(Value::Map(m)) => {
            let first = m.borrow_mut().shift_remove_index(0);
            first.map_or(Value::Null, |(k, _)| k)
        }
        _ => Value::Null,
    })
}

/// `sum(self)`: total of the numeric elements (others count 0).
pub fn sum(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Num(match args.first() {
        Some(Value::List(l)) => l.borrow().iter().map(Value::num_or_zero).sum(),
        Some(Value::Map(m)) => m.borrow().values().map(Value::num_or_zero).sum(),
        _ => 0.0,
    }))
}

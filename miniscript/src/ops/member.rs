//! Member resolution and indexing (spec §4.7, §7): `isa`, `new`, the `__isa` chain,
//! the built-in type maps that non-map values resolve members through, and reading
//! and writing map entries. Assignment by index stays in `ops` beside the list-index rule.

use std::rc::Rc;

use super::{check_map_len, key_not_found, list_get, str_get, ISA_DEPTH_MSG, MAX_ISA_DEPTH};
use crate::error::{MsError, MsResult};
use crate::format::code_form;
use crate::value::{new_map, MapRef, MsStr, Value};

/// The built-in type maps that `string`, `list`, `map`, `number` and `funcRef` return
/// and that member lookup on non-map values consults (spec §7.3).
pub struct TypeMaps {
    pub number: MapRef,
    pub string: MapRef,
    pub list: MapRef,
    pub map: MapRef,
    pub funcref: MapRef,
}

fn is_map(v: &Value, m: &MapRef) -> bool {
    matches!(v, Value::Map(x) if Rc::ptr_eq(x, m))
}

/// Identity of two values as C# reference comparison sees it.
pub(super) fn same_ref(a: &Value, b: &Value) -> bool {
    match (a.ref_ptr(), b.ref_ptr()) {
        (Some(p), Some(q)) => p == q,
        _ => false,
    }
}

/// `a isa b` (spec §4.7).
pub fn isa(a: &Value, b: &Value, types: &TypeMaps) -> MsResult<Value> {
    let r = match a {
        Value::Null => b.is_null(),
        _ if b.is_null() => false,
        Value::Num(_) => is_map(b, &types.number),
        Value::Str(_) => is_map(b, &types.string),
        Value::List(_) => is_map(b, &types.list),
        Value::Func(_) => is_map(b, &types.funcref),
        Value::Map(m) => {
            if is_map(b, &types.map) {
                return Ok(Value::Num(1.0));
            }
            let mut cur = m.clone();
            let mut depth = 0;
            loop {
                let next = match cur.borrow().isa() {
                    None | Some(Value::Null) => break false,
                    Some(v) if same_ref(v, b) => break true,
                    Some(Value::Map(pm)) => pm.clone(),
                    Some(_) => break false,
                };
                depth += 1;
                if depth > MAX_ISA_DEPTH {
                    return Err(MsError::runtime(ISA_DEPTH_MSG));
                }
                cur = next;
            }
        }
    };
    Ok(Value::bool(r))
}

/// `new a` (spec §7.1): a fresh map whose `__isa` is `a`.
pub fn new_object(a: &Value, types: &TypeMaps) -> MsResult<Value> {
    let Value::Map(m) = a else {
        return Err(MsError::runtime("argument to 'new' must be a map"));
    };
    let msg = if Rc::ptr_eq(m, &types.string) {
        "invalid use of 'new'; to create a string, use quotes, e.g. \"foo\""
    } else if Rc::ptr_eq(m, &types.list) {
        "invalid use of 'new'; to create a list, use square brackets, e.g. [1,2]"
    } else if Rc::ptr_eq(m, &types.number) {
        "invalid use of 'new'; to create a number, use a numeric literal, e.g. 42"
    } else if Rc::ptr_eq(m, &types.funcref) {
        "invalid use of 'new'; to create a function, use the 'function' keyword"
    } else {
        let mut out = new_map();
        out.insert(crate::value::isa_value(), a.clone());
        return Ok(Value::map(out));
    };
    Err(MsError::runtime(msg))
}

/// Resolves a string key on any value (spec §7.2): a map's own entries, then its
/// `__isa` chain, then the `map` type map once; other types go to their type map.
/// A null reached along the way (a null `__isa`) yields null, as in C#.
///
/// `key` is the name as a script string: its hash is cached with it and a constant
/// name compares by pointer, so each level costs one probe without hashing.
fn resolve(
    base: &Value,
    key: &Value,
    name: &MsStr,
    types: &TypeMaps,
) -> MsResult<(Value, Option<MapRef>)> {
    let name = name.as_str();
    let mut seq = base.clone();
    let mut include_map_type = true;
    let mut loops_left = MAX_ISA_DEPTH as i64;
    loop {
        let next = match &seq {
            Value::Map(m) => {
                let mb = m.borrow();
                if let Some(v) = mb.get(key) {
                    return Ok((v.clone(), Some(m.clone())));
                }
                if loops_left < 0 {
                    return Err(MsError::runtime(ISA_DEPTH_MSG));
                }
                match mb.isa() {
                    Some(p) => p.clone(),
                    None => {
                        if !include_map_type {
                            return Err(key_not_found(name));
                        }
                        include_map_type = false;
                        Value::Map(types.map.clone())
                    }
                }
            }
            Value::List(_) => Value::Map(types.list.clone()),
            Value::Str(_) => Value::Map(types.string.clone()),
            Value::Num(_) => Value::Map(types.number.clone()),
            Value::Func(_) => Value::Map(types.funcref.clone()),
            Value::Null => return Ok((Value::Null, None)),
        };
        if !matches!(seq, Value::Map(_)) {
            include_map_type = false;
        }
        seq = next;
        loops_left -= 1;
    }
}

/// A non-string key in a map: own entries then the `__isa` chain (no type map).
pub fn map_lookup(m: &MapRef, key: &Value) -> MsResult<Option<(Value, MapRef)>> {
    let mut obj = m.clone();
    let mut depth = 0;
    loop {
        let parent = {
            let ob = obj.borrow();
            if let Some(v) = ob.get(key) {
                return Ok(Some((v.clone(), obj.clone())));
            }
            match ob.isa() {
                Some(Value::Map(p)) => p.clone(),
                _ => return Ok(None),
            }
        };
        depth += 1;
        if depth > MAX_ISA_DEPTH {
            return Err(MsError::runtime(ISA_DEPTH_MSG));
        }
        obj = parent;
    }
}

/// `Key Not Found` for a non-string key, showing the key's short code form.
fn key_not_found_value(key: &Value) -> MsError {
    let mut text = String::new();
    code_form(&mut text, key, 1);
    key_not_found(&text)
}

/// `base.key` (spec §7.2), returning the value and the map it was found in (from
/// which the interpreter derives `super`). A null base is a `Type Error`.
pub fn lookup_member(
    base: &Value,
    key: &Value,
    types: &TypeMaps,
) -> MsResult<(Value, Option<MapRef>)> {
    match key {
        Value::Str(name) => {
            if base.is_null() {
                return Err(MsError::runtime(format!(
                    "Type Error (while attempting to look up {})",
                    name.as_str()
                )));
            }
            resolve(base, key, name, types)
        }
        _ => match base {
            Value::Map(m) => match map_lookup(m, key)? {
                Some((v, found)) => Ok((v, Some(found))),
                None => Err(key_not_found_value(key)),
            },
            _ => index(base, key, types).map(|v| (v, None)),
        },
    }
}

/// `base[idx]` in an expression (no invocation; spec §4).
pub fn index(base: &Value, idx: &Value, types: &TypeMaps) -> MsResult<Value> {
    if let Value::Str(name) = idx {
        // Any base can be searched by string; a null base just yields null here.
        return resolve(base, idx, name, types).map(|(v, _)| v);
    }
    match base {
        Value::Map(m) => match map_lookup(m, idx)? {
            Some((v, _)) => Ok(v),
            None => Err(key_not_found_value(idx)),
        },
        Value::List(l) => list_get(l, idx),
        Value::Str(s) => str_get(s, idx),
        Value::Null => Err(MsError::runtime(
            "Null Reference Exception: can't index into null",
        )),
        Value::Num(_) => Ok(Value::Null),
        Value::Func(_) => match idx {
            Value::Func(_) => Ok(Value::Null),
            _ => Err(MsError::runtime(
                "Type Exception: can't index into this type",
            )),
        },
    }
}

/// Inserts or replaces `m[k] = v` without holding a mutable borrow while `k` is
/// hashed or compared (the key may contain `m` itself).
pub fn map_set(m: &MapRef, k: Value, v: Value) -> MsResult<()> {
    let existing = m.borrow().get_index_of(&k);
    match existing {
        Some(i) => {
            if let Some((_, slot)) = m.borrow_mut().get_index_mut(i) {
                *slot = v;
            }
        }
        None => {
            check_map_len(m.borrow().len() + 1)?;
            crate::limits::charge(crate::limits::MAP_ENTRY_BYTES)?;
            // Take the map out of its cell for the insertion, so hashing a key that
            // refers back to this map sees an (empty) unborrowed map, not a panic.
            let mut tmp = std::mem::take(&mut *m.borrow_mut());
            tmp.insert(k, v);
            *m.borrow_mut() = tmp;
        }
    }
    Ok(())
}

//! Operator semantics on values (spec §4, §7): arithmetic, comparison, fuzzy logic,
//! `isa`, `new`, member resolution, indexing and `for`-loop iteration.
//! This file holds the shared helpers, indexing (with the list-index rule) and
//! iteration (the size limits are in `limits.rs`, re-exported here); `arith.rs` the operators, `member.rs` `isa`, `new` and lookup.
//!
//! Everything here is pure: it sees only the operands and the type maps. The
//! interpreter runs number-number arithmetic inline and calls in here for the rest.
//! Error texts are the C# reference's, word for word (spec §9).
//!
//! Borrowing rule: a map or list is never mutably borrowed while user values are
//! hashed or compared, because a key or operand may contain that very container
//! (`m[m] = 1`); see `map_set`.

use std::rc::Rc;

use crate::ast::BinOp;
use crate::error::{MsError, MsResult};
use crate::format::{num_to_string, to_str};
use crate::value::{new_map, ListRef, MsStr, Value};

mod arith;
mod member;
pub use arith::{append_in_place, arith, compare, concat_fast, fuzzy_and, fuzzy_or, not};
#[cfg(test)]
use member::same_ref;
pub use member::{index, isa, lookup_member, map_lookup, map_set, new_object, TypeMaps};

// The size limits and the memory ceiling live in the bottom layer (`format` needs
// them too); they are part of the operators' vocabulary, so they are re-exported.
pub use crate::limits::*;

/// Longest `__isa` chain followed before assuming a reference loop.
pub const MAX_ISA_DEPTH: usize = 256;

const ISA_DEPTH_MSG: &str = "__isa depth exceeded (perhaps a reference loop?)";

/// Index normalisation (truncation, negative from the end, range check) is one
/// rule for every tier: `value::list_slot`.
pub use crate::value::{list_slot, trunc_int};

/// `min(|x|, 1)`, the clamp of fuzzy logic (NaN stays NaN, as in C#).
#[inline]
pub(crate) fn abs_clamp01(x: f64) -> f64 {
    let a = if x < 0.0 { -x } else { x };
    if a > 1.0 {
        1.0
    } else {
        a
    }
}

/// The number-number case of `+ - * / % ^` (`%` is C `fmod`: sign of the dividend).
#[inline]
pub fn num_arith(op: BinOp, x: f64, y: f64) -> f64 {
    match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        BinOp::Mod => crate::value::num_mod(x, y),
        BinOp::Pow => x.powf(y),
    }
}

/// The C# class name used in operand type errors.
fn cs_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "ValNull",
        Value::Num(_) => "ValNumber",
        Value::Str(_) => "ValString",
        Value::List(_) => "ValList",
        Value::Map(_) => "ValMap",
        Value::Func(_) => "ValFunction",
    }
}

/// `got a Miniscript.ValNumber where a Miniscript.ValList was required (list
/// concatenation)`.
fn type_error(got: &Value, want: &str, desc: &str) -> MsError {
    let got = match got {
        Value::Null => "null".to_string(),
        other => format!("a Miniscript.{}", cs_type_name(other)),
    };
    MsError::runtime(format!(
        "got {got} where a Miniscript.{want} was required ({desc})"
    ))
}

fn key_not_found(key_text: &str) -> MsError {
    MsError::runtime(format!("Key Not Found: '{key_text}' not found in map"))
}

// ---------------------------------------------------------------------------
// Character-indexed strings. MiniScript indexes strings by character (code point);
// ASCII strings take the byte fast path.

/// Byte offset of character `ci` in `s` (or `s.len()` past the end).
pub fn byte_offset(s: &MsStr, ci: usize) -> usize {
    if s.is_ascii() {
        return ci.min(s.as_str().len());
    }
    s.as_str()
        .char_indices()
        .nth(ci)
        .map_or(s.as_str().len(), |(b, _)| b)
}

/// Character index of byte offset `b` (which must be a char boundary).
pub fn char_index(s: &MsStr, b: usize) -> usize {
    if s.is_ascii() {
        b
    } else {
        s.as_str()[..b.min(s.as_str().len())].chars().count()
    }
}

/// Characters `[from, to)` of `s` (clamped to the string).
pub fn char_substr(s: &MsStr, from: usize, to: usize) -> &str {
    let t = s.as_str();
    if s.is_ascii() {
        let to = to.min(t.len());
        return &t[from.min(to)..to];
    }
    let a = byte_offset(s, from);
    let b = byte_offset(s, to).max(a);
    &t[a..b]
}

fn list_get(l: &ListRef, idx: &Value) -> MsResult<Value> {
    let Value::Num(x) = idx else {
        return Err(MsError::runtime("List index must be numeric"));
    };
    let list = l.borrow();
    match list_slot(*x, list.len()) {
        Some(i) => Ok(list[i].clone()),
        None => Err(MsError::runtime(format!(
            "Index Error (list index {} out of range)",
            num_to_string(*x)
        ))),
    }
}

fn str_get(s: &Rc<MsStr>, idx: &Value) -> MsResult<Value> {
    let Value::Num(x) = idx else {
        return Err(MsError::runtime("String index must be numeric"));
    };
    match list_slot(*x, s.char_len()) {
        Some(i) => Ok(Value::str(char_substr(s, i, i + 1))),
        None => Err(MsError::runtime(format!(
            "Index Error (string index {} out of range)",
            num_to_string(*x)
        ))),
    }
}

/// `base[idx] = v` and `base.name = v` (spec §4.3, §7.2).
pub fn set_index(base: &Value, idx: &Value, v: Value) -> MsResult<()> {
    match base {
        Value::Null => Err(MsError::runtime("can't set indexed element of null")),
        Value::List(l) => {
            // A non-numeric index means element 0 (C# reads it as a number).
            let i = match idx {
                Value::Num(x) => *x,
                _ => 0.0,
            };
            let len = l.borrow().len();
            match list_slot(i, len) {
                Some(i) => {
                    let old = std::mem::replace(&mut l.borrow_mut()[i], v);
                    // Dropped after the borrow ends: the old value may own this list.
                    drop(old);
                    Ok(())
                }
                None => {
                    let text = if idx.is_null() {
                        "null".to_string()
                    } else {
                        to_str(idx)
                    };
                    Err(MsError::runtime(format!(
                        "Index Error (list index {text} out of range)"
                    )))
                }
            }
        }
        Value::Map(m) => map_set(m, idx.clone(), v),
        _ => Err(MsError::runtime(
            "can't set an indexed element in this type",
        )),
    }
}

// ---------------------------------------------------------------------------
// for-loop iteration

/// Number of iterations of `for x in seq` (`None`: not a sequence, zero iterations).
pub fn seq_len(seq: &Value) -> Option<usize> {
    match seq {
        Value::List(l) => Some(l.borrow().len()),
        Value::Str(s) => Some(s.char_len()),
        Value::Map(m) => Some(m.borrow().len()),
        _ => None,
    }
}

/// The `i`-th loop value: a list element, a one-character string, or a fresh
/// `{"key": k, "value": v}` map of the `i`-th entry in insertion order.
pub fn iter_element(seq: &Value, i: usize) -> Option<Value> {
    match seq {
        Value::List(l) => l.borrow().get(i).cloned(),
        Value::Str(s) => {
            if s.is_ascii() {
                s.as_str().get(i..=i).map(Value::str)
            } else {
                let (b, c) = s.as_str().char_indices().nth(i)?;
                Some(Value::str(&s.as_str()[b..b + c.len_utf8()]))
            }
        }
        Value::Map(m) => {
            let (k, v) = {
                let mb = m.borrow();
                let (k, v) = mb.get_index(i)?;
                (k.clone(), v.clone())
            };
            let mut kv = new_map();
            kv.insert(Value::str("key"), k);
            kv.insert(Value::str("value"), v);
            Some(Value::map(kv))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

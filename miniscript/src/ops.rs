//! Operator semantics on values (spec §4, §7): arithmetic, comparison, fuzzy logic,
//! `isa`, `new`, member resolution, indexing and `for`-loop iteration.
//!
//! Everything here is pure: it sees only the operands and the type maps. The
//! interpreter runs number-number arithmetic inline and calls in here for the rest.
//! Error texts are the C# reference's, word for word (spec §9).
//!
//! Borrowing rule: a map or list is never mutably borrowed while user values are
//! hashed or compared, because a key or operand may contain that very container
//! (`m[m] = 1`); see `map_set`.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::ast::{BinOp, CmpOp};
use crate::error::{MsError, MsResult};
use crate::format::{code_form, num_to_string, to_str};
use crate::interp::TypeMaps;
use crate::value::{new_map, ListRef, MapRef, MsStr, StrKey, Value};

/// Largest string (in characters) or list a value may grow to (C# `maxSize`).
pub const MAX_SIZE: usize = 0xFF_FFFF;

/// Default memory ceiling (`VmConfig::max_memory`): the most bytes one string,
/// list or map may grow to.
pub const DEFAULT_MAX_MEMORY: usize = 1 << 30;

/// Estimated bytes per list element and per map entry (key, value, index).
pub const LIST_ELEM_BYTES: usize = std::mem::size_of::<Value>();
pub const MAP_ENTRY_BYTES: usize = 2 * std::mem::size_of::<Value>() + 16;

thread_local! {
    static MAX_MEMORY: std::cell::Cell<usize> = const { std::cell::Cell::new(DEFAULT_MAX_MEMORY) };
}

/// The memory ceiling in force on this thread: the running Vm's
/// `VmConfig::max_memory` (see `MemoryScope`), else the default. Every place that
/// makes a string, list or map grow checks its new size against it *before*
/// allocating, so a runaway program gets a MiniScript error instead of an abort.
pub fn memory_limit() -> usize {
    MAX_MEMORY.with(|m| m.get())
}

/// Puts a Vm's ceiling in force while it runs; restores the previous one on drop
/// (an intrinsic may run another Vm nested).
pub struct MemoryScope(usize);

impl MemoryScope {
    pub fn enter(limit: usize) -> MemoryScope {
        MemoryScope(MAX_MEMORY.with(|m| m.replace(limit)))
    }
}

impl Drop for MemoryScope {
    fn drop(&mut self) {
        MAX_MEMORY.with(|m| m.set(self.0));
    }
}

/// The error for a value that would pass the ceiling: the reference's `string too
/// large` / `list too large` wording, plus the limit and the option that sets it.
pub fn too_large(what: &str) -> MsError {
    let limit = memory_limit();
    let shown = if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MB", limit >> 20)
    } else {
        format!("{limit} bytes")
    };
    MsError::runtime(format!(
        "{what} too large (over the memory limit of {shown}; see --max-memory-mb)"
    ))
}

/// Ok when a string of `bytes` bytes fits under the ceiling.
pub fn check_str_bytes(bytes: usize) -> MsResult<()> {
    if bytes > memory_limit() {
        return Err(too_large("string"));
    }
    Ok(())
}

/// Ok when a list of `len` elements fits under the ceiling.
pub fn check_list_len(len: usize) -> MsResult<()> {
    if len.saturating_mul(LIST_ELEM_BYTES) > memory_limit() {
        return Err(too_large("list"));
    }
    Ok(())
}

/// Ok when a map of `len` entries fits under the ceiling.
pub fn check_map_len(len: usize) -> MsResult<()> {
    if len.saturating_mul(MAP_ENTRY_BYTES) > memory_limit() {
        return Err(too_large("map"));
    }
    Ok(())
}

/// Longest `__isa` chain followed before assuming a reference loop.
pub const MAX_ISA_DEPTH: usize = 256;

const ISA_DEPTH_MSG: &str = "__isa depth exceeded (perhaps a reference loop?)";

/// Index normalisation (truncation, negative from the end, range check) is one
/// rule for every tier: `value::list_slot`.
pub use crate::value::{list_slot, trunc_int};

/// `min(|x|, 1)`, the clamp of fuzzy logic (NaN stays NaN, as in C#).
fn abs_clamp01(x: f64) -> f64 {
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
        BinOp::Mod => x % y,
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

// ---------------------------------------------------------------------------
// Arithmetic

/// `a op b` for `+ - * / % ^` on any operand types (spec §4).
pub fn arith(op: BinOp, a: &Value, b: &Value) -> MsResult<Value> {
    if op == BinOp::Add && (matches!(a, Value::Str(_)) || matches!(b, Value::Str(_))) {
        return concat(a, b);
    }
    match a {
        Value::Num(x) => match b {
            Value::Num(y) => Ok(Value::Num(num_arith(op, *x, *y))),
            // null counts as 0 on the right of a number.
            Value::Null => Ok(Value::Num(num_arith(op, *x, 0.0))),
            _ => Ok(Value::Null),
        },
        Value::Str(s) => match op {
            BinOp::Mul | BinOp::Div => {
                let factor = match (op, b) {
                    (BinOp::Mul, Value::Num(y)) => *y,
                    (BinOp::Mul, _) => {
                        return Err(type_error(b, "ValNumber", "string replication"))
                    }
                    (_, Value::Num(y)) => 1.0 / *y,
                    _ => return Err(type_error(b, "ValNumber", "string division")),
                };
                replicate_str(s, factor)
            }
            BinOp::Sub => match b {
                Value::Null => Ok(a.clone()),
                Value::Str(t) => match s.as_str().strip_suffix(t.as_str()) {
                    Some(rest) if !t.is_empty() => Ok(Value::str(rest)),
                    _ => Ok(a.clone()),
                },
                _ => Ok(Value::Null),
            },
            _ => Ok(Value::Null),
        },
        Value::List(l) => match op {
            BinOp::Add => {
                let Value::List(r) = b else {
                    return Err(type_error(b, "ValList", "list concatenation"));
                };
                let (x, y) = (l.borrow(), r.borrow());
                if x.len() + y.len() > MAX_SIZE {
                    return Err(MsError::runtime("list too large"));
                }
                check_list_len(x.len() + y.len())?;
                let mut out = Vec::with_capacity(x.len() + y.len());
                out.extend(x.iter().cloned());
                out.extend(y.iter().cloned());
                Ok(Value::list(out))
            }
            BinOp::Mul | BinOp::Div => {
                let factor = match (op, b) {
                    (BinOp::Mul, Value::Num(y)) => *y,
                    (BinOp::Mul, _) => return Err(type_error(b, "ValNumber", "list replication")),
                    (_, Value::Num(y)) => 1.0 / *y,
                    _ => return Err(type_error(b, "ValNumber", "list division")),
                };
                replicate_list(l, factor)
            }
            _ => Ok(Value::Null),
        },
        Value::Map(m) => match op {
            BinOp::Add => {
                let Value::Map(r) = b else {
                    return Err(type_error(b, "ValMap", "map combination"));
                };
                let (x, y) = (m.borrow(), r.borrow());
                check_map_len(x.len().saturating_add(y.len()))?;
                let mut out = crate::value::MsMap(x.0.clone());
                drop(x);
                drop(y);
                for (k, v) in r.borrow().iter() {
                    out.insert(k.clone(), v.clone());
                }
                Ok(Value::map(out))
            }
            _ => Ok(Value::Null),
        },
        // null on the left, and functions, yield null for every arithmetic operator.
        Value::Null | Value::Func(_) => Ok(Value::Null),
    }
}

/// `+` with a string on either side: a null side returns the other operand.
fn concat(a: &Value, b: &Value) -> MsResult<Value> {
    if a.is_null() {
        return Ok(b.clone());
    }
    if b.is_null() {
        return Ok(a.clone());
    }
    let sa = as_text(a)?;
    let sb = as_text(b)?;
    let chars = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    };
    // Byte length bounds the char count from above, so only long strings pay for
    // counting characters.
    if sa.len() + sb.len() > MAX_SIZE && chars(&sa) + chars(&sb) > MAX_SIZE {
        return Err(MsError::runtime("string too large"));
    }
    check_str_bytes(sa.len() + sb.len())?;
    let mut out = String::with_capacity(sa.len() + sb.len());
    out.push_str(&sa);
    out.push_str(&sb);
    Ok(Value::string(out))
}

/// The `str` form of a value, borrowing when it already is a string.
fn as_text(v: &Value) -> MsResult<std::borrow::Cow<'_, str>> {
    Ok(match v {
        Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
        other => std::borrow::Cow::Owned(crate::format::to_str_checked(other)?),
    })
}

/// `s * factor`: whole copies, then the first `trunc(len * frac)` characters.
fn replicate_str(s: &Rc<MsStr>, factor: f64) -> MsResult<Value> {
    if !factor.is_finite() {
        return Ok(Value::Null);
    }
    if factor <= 0.0 {
        return Ok(Value::str(""));
    }
    let len = s.char_len();
    if len == 0 {
        return Ok(Value::str(""));
    }
    let whole = factor.trunc();
    if whole * len as f64 > MAX_SIZE as f64 {
        return Err(MsError::runtime("string too large"));
    }
    let repeats = whole as usize;
    check_str_bytes(s.as_str().len().saturating_mul(repeats + 1))?;
    let extra = (len as f64 * (factor - whole)) as usize;
    let mut out = String::with_capacity(s.as_str().len() * (repeats + 1));
    for _ in 0..repeats {
        out.push_str(s.as_str());
    }
    out.push_str(char_substr(s, 0, extra));
    Ok(Value::string(out))
}

/// `list * factor`: `trunc(len * factor)` elements, cycling through the list.
fn replicate_list(l: &ListRef, factor: f64) -> MsResult<Value> {
    if !factor.is_finite() {
        return Ok(Value::Null);
    }
    if factor <= 0.0 {
        return Ok(Value::list(Vec::new()));
    }
    let src = l.borrow();
    let count = (src.len() as f64 * factor).trunc();
    if count > MAX_SIZE as f64 {
        return Err(MsError::runtime("list too large"));
    }
    let count = count as usize;
    check_list_len(count)?;
    if src.is_empty() {
        return Ok(Value::list(Vec::new()));
    }
    let out: Vec<Value> = src.iter().cycle().take(count).cloned().collect();
    Ok(Value::list(out))
}

// ---------------------------------------------------------------------------
// Comparison and logic

fn ordering_result(op: CmpOp, ord: Option<Ordering>) -> Value {
    // `None` (NaN involved) makes every ordering test false, as IEEE does.
    let r = match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Ordering::Equal),
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (CmpOp::Lt, o) => o == Some(Ordering::Less),
        (CmpOp::Le, o) => matches!(o, Some(Ordering::Less | Ordering::Equal)),
        (CmpOp::Gt, o) => o == Some(Ordering::Greater),
        (CmpOp::Ge, o) => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
    };
    Value::bool(r)
}

/// `==` / `!=` for mixed types: 0 / 1; ordering tests between them: null.
fn mixed(op: CmpOp) -> Value {
    match op {
        CmpOp::Eq => Value::Num(0.0),
        CmpOp::Ne => Value::Num(1.0),
        _ => Value::Null,
    }
}

/// `a op b` for `== != < <= > >=` (spec §3, §4).
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Value {
    let is_eq = matches!(op, CmpOp::Eq | CmpOp::Ne);
    if is_eq && (a.is_null() || b.is_null()) {
        let same = a.is_null() && b.is_null();
        return Value::bool(same == (op == CmpOp::Eq));
    }
    match a {
        Value::Num(x) => match b {
            Value::Num(y) => ordering_result(op, x.partial_cmp(y)),
            Value::Null => ordering_result(op, x.partial_cmp(&0.0)),
            _ => mixed(op),
        },
        Value::Str(s) => match b {
            Value::Str(t) => ordering_result(op, Some(s.as_str().cmp(t.as_str()))),
            // C# orders null below every string (equality was handled above).
            Value::Null => ordering_result(op, Some(Ordering::Greater)),
            _ => mixed(op),
        },
        Value::List(_) | Value::Map(_) => {
            if is_eq {
                Value::bool(a.equals(b) == (op == CmpOp::Eq))
            } else {
                Value::Null
            }
        }
        // A function on the left: only function-vs-function equality is defined;
        // anything else (even `==`) is null.
        Value::Func(f) => match b {
            Value::Func(g) if is_eq => Value::bool(f.same_definition(g) == (op == CmpOp::Eq)),
            _ => Value::Null,
        },
        Value::Null => Value::Null,
    }
}

/// The operands of fuzzy `and`/`or` as numbers (spec §4.6).
fn fuzzy_operands(a: &Value, b: &Value) -> (f64, f64) {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => (*x, *y),
        (Value::Num(x), Value::Null) => (*x, 0.0),
        _ => {
            let fa = if a.truthy() { 1.0 } else { 0.0 };
            let fb = match b {
                Value::Num(y) => *y,
                other => {
                    if other.truthy() {
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            (fa, fb)
        }
    }
}

/// Final combine of `a and b` (after short-circuiting): `clamp(a*b)`.
pub fn fuzzy_and(a: &Value, b: &Value) -> Value {
    let (x, y) = fuzzy_operands(a, b);
    Value::Num(abs_clamp01(x * y))
}

/// Final combine of `a or b`: `clamp(a + b - a*b)`.
pub fn fuzzy_or(a: &Value, b: &Value) -> Value {
    let (x, y) = fuzzy_operands(a, b);
    Value::Num(abs_clamp01(x + y - x * y))
}

/// `not a`: numbers `1 - clamp(a)`, everything else by truthiness.
pub fn not(a: &Value) -> Value {
    match a {
        Value::Num(x) => Value::Num(1.0 - abs_clamp01(*x)),
        other => Value::bool(!other.truthy()),
    }
}

// ---------------------------------------------------------------------------
// isa, new, member resolution

fn is_map(v: &Value, m: &MapRef) -> bool {
    matches!(v, Value::Map(x) if Rc::ptr_eq(x, m))
}

/// Identity of two values as C# reference comparison sees it.
fn same_ref(a: &Value, b: &Value) -> bool {
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
            let mut p = m.borrow().get(&StrKey("__isa")).cloned();
            let mut depth = 0;
            loop {
                match p {
                    None | Some(Value::Null) => break false,
                    Some(ref v) if same_ref(v, b) => break true,
                    Some(Value::Map(ref pm)) => {
                        depth += 1;
                        if depth > MAX_ISA_DEPTH {
                            return Err(MsError::runtime(ISA_DEPTH_MSG));
                        }
                        let next = pm.borrow().get(&StrKey("__isa")).cloned();
                        p = next;
                    }
                    Some(_) => break false,
                }
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
        out.insert(Value::str("__isa"), a.clone());
        return Ok(Value::map(out));
    };
    Err(MsError::runtime(msg))
}

/// Resolves a string key on any value (spec §7.2): a map's own entries, then its
/// `__isa` chain, then the `map` type map once; other types go to their type map.
/// A null reached along the way (a null `__isa`) yields null, as in C#.
fn resolve(base: &Value, name: &str, types: &TypeMaps) -> MsResult<(Value, Option<MapRef>)> {
    let mut seq = base.clone();
    let mut include_map_type = true;
    let mut loops_left = MAX_ISA_DEPTH as i64;
    loop {
        let next = match &seq {
            Value::Map(m) => {
                let mb = m.borrow();
                if let Some(v) = mb.get(&StrKey(name)) {
                    return Ok((v.clone(), Some(m.clone())));
                }
                if loops_left < 0 {
                    return Err(MsError::runtime(ISA_DEPTH_MSG));
                }
                match mb.get(&StrKey("__isa")) {
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
            match ob.get(&StrKey("__isa")) {
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
            resolve(base, name.as_str(), types)
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
        return resolve(base, name.as_str(), types).map(|(v, _)| v);
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
            // Take the map out of its cell for the insertion, so hashing a key that
            // refers back to this map sees an (empty) unborrowed map, not a panic.
            let mut tmp = std::mem::take(&mut *m.borrow_mut());
            tmp.insert(k, v);
            *m.borrow_mut() = tmp;
        }
    }
    Ok(())
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
mod tests {
    use super::*;
    use crate::format::to_repr;
    use std::cell::RefCell;

    fn types() -> TypeMaps {
        let m = || Rc::new(RefCell::new(new_map()));
        TypeMaps {
            number: m(),
            string: m(),
            list: m(),
            map: m(),
            funcref: m(),
        }
    }
    fn num(x: f64) -> Value {
        Value::Num(x)
    }
    fn s(x: &str) -> Value {
        Value::str(x)
    }
    fn list(v: &[f64]) -> Value {
        Value::list(v.iter().map(|x| num(*x)).collect())
    }
    fn show(v: &MsResult<Value>) -> String {
        match v {
            Ok(v) => to_repr(v),
            Err(e) => format!("ERR {}", e.message),
        }
    }
    fn ar(op: BinOp, a: &Value, b: &Value) -> String {
        show(&arith(op, a, b))
    }
    fn cmp(op: CmpOp, a: &Value, b: &Value) -> String {
        to_repr(&compare(op, a, b))
    }
    fn map_of(pairs: Vec<(Value, Value)>) -> Value {
        let mut m = new_map();
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::map(m)
    }

    #[test]
    fn numbers() {
        assert_eq!(ar(BinOp::Mod, &num(-5.0), &num(3.0)), "-2");
        assert_eq!(ar(BinOp::Mod, &num(5.0), &num(-3.0)), "2");
        assert_eq!(ar(BinOp::Mod, &num(5.5), &num(2.0)), "1.5");
        assert_eq!(ar(BinOp::Mod, &num(5.0), &num(0.0)), "NaN");
        assert_eq!(ar(BinOp::Div, &num(1.0), &num(0.0)), "Infinity");
        assert_eq!(ar(BinOp::Pow, &num(-8.0), &num(1.0 / 3.0)), "NaN");
        assert_eq!(ar(BinOp::Pow, &num(2.0), &num(10.0)), "1024");
        assert_eq!(ar(BinOp::Add, &num(3.0), &Value::Null), "3");
        assert_eq!(ar(BinOp::Mul, &num(3.0), &Value::Null), "0");
        assert_eq!(ar(BinOp::Add, &Value::Null, &num(3.0)), "null");
        assert_eq!(ar(BinOp::Mul, &Value::Null, &num(3.0)), "null");
        assert_eq!(ar(BinOp::Add, &num(1.0), &list(&[1.0])), "null");
        assert_eq!(ar(BinOp::Sub, &num(0.0), &s("abc")), "null");
    }

    #[test]
    fn string_concat() {
        assert_eq!(ar(BinOp::Add, &s("a"), &Value::Null), "\"a\"");
        assert_eq!(ar(BinOp::Add, &Value::Null, &s("a")), "\"a\"");
        assert_eq!(ar(BinOp::Add, &list(&[1.0, 2.0]), &s("a")), "\"[1, 2]a\"");
        assert_eq!(ar(BinOp::Add, &num(1.5), &s("abc")), "\"1.5abc\"");
        assert_eq!(ar(BinOp::Add, &s("x"), &num(0.1 + 0.2)), "\"x0.3\"");
        let big = Value::string("é".repeat(MAX_SIZE));
        assert_eq!(ar(BinOp::Add, &big, &s("")), to_repr(&big));
        assert_eq!(ar(BinOp::Add, &big, &s("a")), "ERR string too large");
    }

    #[test]
    fn string_replication_and_division() {
        assert_eq!(ar(BinOp::Mul, &s("apple"), &num(0.6)), "\"app\"");
        assert_eq!(ar(BinOp::Mul, &s("abc"), &num(2.5)), "\"abcabca\"");
        assert_eq!(
            ar(BinOp::Mul, &s("apple"), &num(3.0)),
            "\"appleappleapple\""
        );
        assert_eq!(ar(BinOp::Mul, &s("ab"), &num(-1.0)), "\"\"");
        assert_eq!(ar(BinOp::Mul, &s("ab"), &num(f64::NAN)), "null");
        assert_eq!(ar(BinOp::Mul, &s("ab"), &num(f64::INFINITY)), "null");
        assert_eq!(ar(BinOp::Div, &s("abc"), &num(0.0)), "null");
        assert_eq!(ar(BinOp::Div, &s("banana"), &num(2.0)), "\"ban\"");
        assert_eq!(ar(BinOp::Mul, &s("héllo"), &num(0.4)), "\"hé\"");
        assert_eq!(ar(BinOp::Mul, &s("ab"), &num(1e9)), "ERR string too large");
        assert_eq!(ar(BinOp::Mul, &s(""), &num(1e300)), "\"\"");
        assert_eq!(
            ar(BinOp::Mul, &s("ab"), &s("x")),
            "ERR got a Miniscript.ValString where a Miniscript.ValNumber was required \
             (string replication)"
        );
        assert_eq!(
            ar(BinOp::Div, &s("ab"), &Value::Null),
            "ERR got null where a Miniscript.ValNumber was required (string division)"
        );
    }

    #[test]
    fn string_subtraction_and_others() {
        assert_eq!(ar(BinOp::Sub, &s("banana.txt"), &s(".txt")), "\"banana\"");
        assert_eq!(ar(BinOp::Sub, &s("banana"), &s("nan")), "\"banana\"");
        assert_eq!(ar(BinOp::Sub, &s("abc"), &Value::Null), "\"abc\"");
        assert_eq!(ar(BinOp::Sub, &s("abc"), &num(1.0)), "null");
        let nana = arith(BinOp::Mul, &s("na"), &num(2.0)).unwrap();
        assert_eq!(ar(BinOp::Sub, &s("banana"), &nana), "\"ba\"");
        assert_eq!(ar(BinOp::Mod, &s("abc"), &num(2.0)), "null");
        assert_eq!(ar(BinOp::Pow, &s("abc"), &num(2.0)), "null");
    }

    #[test]
    fn lists() {
        let l1 = list(&[0.0, 10.0, 20.0, 30.0, 40.0]);
        let l2 = list(&[100.0, -200.0, 300.0]);
        assert_eq!(
            ar(BinOp::Add, &l1, &l2),
            "[0, 10, 20, 30, 40, 100, -200, 300]"
        );
        assert_eq!(
            ar(BinOp::Mul, &l2, &num(2.5)),
            "[100, -200, 300, 100, -200, 300, 100]"
        );
        assert_eq!(ar(BinOp::Mul, &l1, &num(0.4)), "[0, 10]");
        assert_eq!(ar(BinOp::Mul, &l1, &num(-5.0)), "[]");
        assert_eq!(ar(BinOp::Div, &l1, &num(2.0)), "[0, 10]");
        assert_eq!(ar(BinOp::Mul, &list(&[42.0]), &num(f64::NAN)), "null");
        assert_eq!(ar(BinOp::Div, &list(&[42.0]), &num(0.0)), "null");
        assert_eq!(ar(BinOp::Mul, &list(&[]), &num(1e300)), "[]");
        assert_eq!(
            ar(BinOp::Mul, &list(&[1.0]), &num(1e8)),
            "ERR list too large"
        );
        assert_eq!(ar(BinOp::Sub, &l1, &l2), "null");
        assert_eq!(
            ar(BinOp::Add, &l1, &num(1.0)),
            "ERR got a Miniscript.ValNumber where a Miniscript.ValList was required \
             (list concatenation)"
        );
        assert_eq!(
            ar(BinOp::Mul, &l1, &l2),
            "ERR got a Miniscript.ValList where a Miniscript.ValNumber was required \
             (list replication)"
        );
        // `+` makes a new list; the operands are untouched.
        let c = arith(BinOp::Add, &l2, &l2).unwrap();
        assert!(!same_ref(&c, &l2));
        assert_eq!(to_repr(&l2), "[100, -200, 300]");
    }

    #[test]
    fn maps_and_functions_in_arith() {
        let a = map_of(vec![(num(1.0), num(1.0)), (num(2.0), num(4.0))]);
        let b = map_of(vec![(num(1.0), num(-1.0)), (num(3.0), num(9.0))]);
        assert_eq!(ar(BinOp::Add, &a, &b), "{1: -1, 2: 4, 3: 9}");
        assert_eq!(ar(BinOp::Sub, &a, &b), "null");
        assert_eq!(
            ar(BinOp::Add, &a, &s("x")),
            format!("\"{}x\"", crate::format::to_str(&a).replace('"', "\"\""))
        );
        assert_eq!(
            ar(BinOp::Add, &a, &list(&[])),
            "ERR got a Miniscript.ValList where a Miniscript.ValMap was required (map combination)"
        );
    }

    #[test]
    fn comparisons() {
        assert_eq!(cmp(CmpOp::Eq, &num(1.0), &s("1")), "0");
        assert_eq!(cmp(CmpOp::Ne, &num(42.0), &list(&[42.0])), "1");
        assert_eq!(cmp(CmpOp::Lt, &num(1.0), &s("42")), "null");
        assert_eq!(cmp(CmpOp::Gt, &s("abc"), &list(&[42.0])), "null");
        assert_eq!(cmp(CmpOp::Le, &list(&[42.0]), &map_of(vec![])), "null");
        assert_eq!(cmp(CmpOp::Ge, &map_of(vec![]), &num(0.0)), "null");
        assert_eq!(cmp(CmpOp::Eq, &list(&[]), &list(&[])), "1");
        assert_eq!(cmp(CmpOp::Ne, &list(&[1.0]), &list(&[2.0])), "1");
        assert_eq!(cmp(CmpOp::Gt, &num(5.0), &Value::Null), "1");
        assert_eq!(cmp(CmpOp::Lt, &Value::Null, &num(1.0)), "null");
        assert_eq!(cmp(CmpOp::Eq, &Value::Null, &Value::Null), "1");
        assert_eq!(cmp(CmpOp::Ne, &Value::Null, &num(0.0)), "1");
        assert_eq!(cmp(CmpOp::Eq, &num(0.0), &Value::Null), "0");
        assert_eq!(cmp(CmpOp::Ge, &s("Q"), &s("A")), "1");
        assert_eq!(cmp(CmpOp::Le, &s("q"), &s("Z")), "0");
        assert_eq!(cmp(CmpOp::Lt, &s("10"), &s("9")), "1");
        assert_eq!(cmp(CmpOp::Gt, &s(""), &Value::Null), "1");
        assert_eq!(cmp(CmpOp::Le, &s(""), &Value::Null), "0");
        assert_eq!(cmp(CmpOp::Eq, &num(f64::NAN), &num(f64::NAN)), "0");
        assert_eq!(cmp(CmpOp::Ne, &num(f64::NAN), &num(f64::NAN)), "1");
        assert_eq!(cmp(CmpOp::Ge, &num(f64::NAN), &num(1.0)), "0");
    }

    #[test]
    fn logic() {
        let f = |a: f64, b: f64| to_repr(&fuzzy_and(&num(a), &num(b)));
        let o = |a: f64, b: f64| to_repr(&fuzzy_or(&num(a), &num(b)));
        assert_eq!(f(0.6, 0.5), "0.3");
        assert_eq!(o(0.6, 0.3), "0.72");
        assert_eq!(f(5.0, 10.0), "1");
        assert_eq!(o(-1.0, 0.0), "1");
        assert_eq!(f(-0.5, 1.0), "0.5");
        assert_eq!(to_repr(&fuzzy_and(&num(1.0), &Value::Null)), "0");
        assert_eq!(to_repr(&fuzzy_or(&num(1.0), &Value::Null)), "1");
        assert_eq!(to_repr(&fuzzy_and(&num(0.3), &s("a"))), "1");
        assert_eq!(to_repr(&fuzzy_and(&s("x"), &num(0.5))), "0.5");
        assert_eq!(to_repr(&fuzzy_or(&s(""), &num(0.5))), "0.5");
        assert_eq!(to_repr(&fuzzy_or(&list(&[]), &map_of(vec![]))), "0");
        assert_eq!(to_repr(&not(&num(0.25))), "0.75");
        assert_eq!(to_repr(&not(&num(-3.0))), "0");
        assert_eq!(to_repr(&not(&s(""))), "1");
        assert_eq!(to_repr(&not(&list(&[42.0]))), "0");
        assert_eq!(to_repr(&not(&Value::Null)), "1");
    }

    #[test]
    fn isa_and_new() {
        let t = types();
        let tm = |m: &MapRef| Value::Map(m.clone());
        let yes = |a: &Value, b: &Value| to_repr(&isa(a, b, &t).unwrap());
        assert_eq!(yes(&num(42.0), &Value::Null), "0");
        assert_eq!(yes(&Value::Null, &Value::Null), "1");
        assert_eq!(yes(&num(42.0), &tm(&t.number)), "1");
        assert_eq!(yes(&num(42.0), &tm(&t.string)), "0");
        assert_eq!(yes(&s("x"), &tm(&t.string)), "1");
        assert_eq!(yes(&map_of(vec![]), &tm(&t.map)), "1");
        let d = map_of(vec![]);
        let e = new_object(&d, &t).unwrap();
        assert_eq!(yes(&e, &d), "1");
        assert_eq!(yes(&d, &d), "0");
        assert_eq!(yes(&e, &map_of(vec![])), "0");
        // A reference loop in __isa.
        let a = map_of(vec![]);
        let b = map_of(vec![(s("__isa"), a.clone())]);
        set_index(&a, &s("__isa"), b.clone()).unwrap();
        assert_eq!(
            show(&isa(&a, &map_of(vec![]), &t)),
            "ERR ".to_string() + ISA_DEPTH_MSG
        );
        set_index(&a, &s("__isa"), Value::Null).unwrap();

        assert_eq!(
            show(&new_object(&num(42.0), &t)),
            "ERR argument to 'new' must be a map"
        );
        assert!(show(&new_object(&tm(&t.string), &t)).contains("to create a string"));
        assert!(show(&new_object(&tm(&t.list), &t)).contains("e.g. [1,2]"));
        assert!(show(&new_object(&tm(&t.number), &t)).contains("e.g. 42"));
        assert!(show(&new_object(&tm(&t.funcref), &t)).contains("'function' keyword"));
        assert!(new_object(&tm(&t.map), &t).is_ok());
        let n1 = new_object(&d, &t).unwrap();
        assert!(!same_ref(&n1, &e));
    }

    #[test]
    fn member_resolution() {
        let t = types();
        t.string.borrow_mut().insert(s("len"), num(99.0));
        t.map.borrow_mut().insert(s("m"), num(7.0));
        let base = map_of(vec![(s("name"), s("A")), (s("len"), num(42.0))]);
        let obj = new_object(&base, &t).unwrap();
        let (v, found) = lookup_member(&obj, &s("name"), &t).unwrap();
        assert_eq!(to_repr(&v), "\"A\"");
        assert!(matches!((&found, &base), (Some(f), Value::Map(b)) if Rc::ptr_eq(f, b)));
        // Own keys shadow type methods; the map type is tried once at the chain's end.
        assert_eq!(
            to_repr(&lookup_member(&obj, &s("len"), &t).unwrap().0),
            "42"
        );
        assert_eq!(to_repr(&lookup_member(&obj, &s("m"), &t).unwrap().0), "7");
        assert_eq!(
            to_repr(&lookup_member(&s("abc"), &s("len"), &t).unwrap().0),
            "99"
        );
        assert_eq!(
            show(&lookup_member(&obj, &s("zz"), &t).map(|r| r.0)),
            "ERR Key Not Found: 'zz' not found in map"
        );
        assert_eq!(
            show(&lookup_member(&list(&[]), &s("m"), &t).map(|r| r.0)),
            "ERR Key Not Found: 'm' not found in map"
        );
        assert_eq!(
            show(&lookup_member(&Value::Null, &s("foo"), &t).map(|r| r.0)),
            "ERR Type Error (while attempting to look up foo)"
        );
        // The suite's reference loop.
        let a = map_of(vec![]);
        let b = map_of(vec![(s("__isa"), a.clone())]);
        set_index(&a, &s("__isa"), b.clone()).unwrap();
        assert_eq!(
            show(&lookup_member(&a, &s("foo"), &t).map(|r| r.0)),
            "ERR ".to_string() + ISA_DEPTH_MSG
        );
        set_index(&a, &s("__isa"), Value::Null).unwrap();
        // A null __isa ends the search with null.
        assert_eq!(
            to_repr(&lookup_member(&a, &s("foo"), &t).unwrap().0),
            "null"
        );
    }

    #[test]
    fn indexing() {
        let t = types();
        let l = list(&[2.0, 4.0, 6.0]);
        let ix = |b: &Value, i: &Value| show(&index(b, i, &t));
        assert_eq!(ix(&l, &num(-1.0)), "6");
        assert_eq!(ix(&l, &num(1.9)), "4");
        assert_eq!(ix(&l, &num(-0.5)), "2");
        assert_eq!(
            ix(&l, &num(3.0)),
            "ERR Index Error (list index 3 out of range)"
        );
        assert_eq!(
            ix(&l, &num(-4.0)),
            "ERR Index Error (list index -4 out of range)"
        );
        assert_eq!(
            ix(&l, &num(42.5)),
            "ERR Index Error (list index 42.5 out of range)"
        );
        assert_eq!(
            ix(&l, &num(f64::NAN)),
            "ERR Index Error (list index NaN out of range)"
        );
        assert_eq!(ix(&l, &Value::Null), "ERR List index must be numeric");
        assert_eq!(ix(&l, &l), "ERR List index must be numeric");
        let st = s("héllo");
        assert_eq!(ix(&st, &num(1.0)), "\"é\"");
        assert_eq!(ix(&st, &num(-1.0)), "\"o\"");
        assert_eq!(
            ix(&st, &num(5.0)),
            "ERR Index Error (string index 5 out of range)"
        );
        assert_eq!(ix(&st, &Value::Null), "ERR String index must be numeric");
        assert_eq!(
            ix(&Value::Null, &num(0.0)),
            "ERR Null Reference Exception: can't index into null"
        );
        assert_eq!(ix(&Value::Null, &s("x")), "null");
        assert_eq!(ix(&num(5.0), &num(0.0)), "null");
        let m = map_of(vec![(num(1.0), s("one")), (Value::Null, num(42.0))]);
        assert_eq!(ix(&m, &num(1.0)), "\"one\"");
        assert_eq!(ix(&m, &Value::Null), "42");
        assert_eq!(ix(&m, &num(2.0)), "ERR Key Not Found: '2' not found in map");
        assert_eq!(
            ix(&m, &Value::list(vec![list(&[1.0])])),
            "ERR Key Not Found: '[[...]]' not found in map"
        );
        let child = new_object(&m, &t).unwrap();
        assert_eq!(ix(&child, &num(1.0)), "\"one\"");
    }

    #[test]
    fn setting() {
        let l = list(&[1.0, 2.0, 3.0]);
        set_index(&l, &num(-1.0), num(9.0)).unwrap();
        set_index(&l, &s("y"), num(5.0)).unwrap();
        assert_eq!(to_repr(&l), "[5, 2, 9]");
        assert_eq!(
            set_index(&l, &num(3.0), num(0.0)).unwrap_err().message,
            "Index Error (list index 3 out of range)"
        );
        assert_eq!(
            set_index(&list(&[]), &s("y"), num(0.0))
                .unwrap_err()
                .message,
            "Index Error (list index y out of range)"
        );
        assert_eq!(
            set_index(&Value::Null, &num(0.0), num(0.0))
                .unwrap_err()
                .message,
            "can't set indexed element of null"
        );
        assert_eq!(
            set_index(&s("abc"), &num(0.0), num(0.0))
                .unwrap_err()
                .message,
            "can't set an indexed element in this type"
        );
        // A map used as its own key must not panic.
        let m = map_of(vec![]);
        set_index(&m, &m, num(1.0)).unwrap();
        set_index(&m, &Value::list(vec![m.clone()]), num(2.0)).unwrap();
        set_index(&m, &s("k"), num(3.0)).unwrap();
        set_index(&m, &s("k"), num(4.0)).unwrap();
        if let Value::Map(mm) = &m {
            assert_eq!(mm.borrow().len(), 3);
            mm.borrow_mut().clear();
        }
    }

    #[test]
    fn iteration() {
        assert_eq!(seq_len(&s("héllo")), Some(5));
        assert_eq!(to_repr(&iter_element(&s("héllo"), 1).unwrap()), "\"é\"");
        assert_eq!(to_repr(&iter_element(&s("abc"), 2).unwrap()), "\"c\"");
        assert!(iter_element(&s("abc"), 3).is_none());
        assert_eq!(seq_len(&num(3.0)), None);
        assert_eq!(seq_len(&Value::Null), None);
        let m = map_of(vec![(s("one"), num(1.0)), (s("two"), num(2.0))]);
        assert_eq!(seq_len(&m), Some(2));
        assert_eq!(
            to_repr(&iter_element(&m, 1).unwrap()),
            "{\"key\": \"two\", \"value\": 2}"
        );
        let a = iter_element(&m, 0).unwrap();
        let b = iter_element(&m, 0).unwrap();
        assert!(!same_ref(&a, &b));
        assert_eq!(to_repr(&iter_element(&list(&[7.0]), 0).unwrap()), "7");
    }
}

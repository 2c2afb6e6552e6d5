//! Arithmetic, comparison and fuzzy logic on any operand types (spec §4.1-4.6):
//! string concatenation and replication, list and map combination, and the
//! ordering rules of mixed comparisons. The number-number cases run inline in the
//! interpreter; these are the general paths.

use std::cmp::Ordering;
use std::rc::Rc;

use super::{
    abs_clamp01, char_substr, check_list_len, check_map_len, check_str_bytes, num_arith,
    type_error, MAX_SIZE,
};
use crate::ast::{BinOp, CmpOp};
use crate::error::{MsError, MsResult};
use crate::limits::{charge, LIST_ELEM_BYTES, MAP_ENTRY_BYTES};
use crate::value::{ListRef, MsStr, Value};

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
                charge((x.len() + y.len()) * LIST_ELEM_BYTES)?;
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
                charge((x.len() + y.len()) * MAP_ENTRY_BYTES)?;
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
    let (sa, ascii_a) = as_text(a)?;
    let (sb, ascii_b) = as_text(b)?;
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
    charge(sa.len() + sb.len())?;
    // Exact capacity: the boxing of the text does not reallocate.
    let mut out = String::with_capacity(sa.len() + sb.len());
    out.push_str(&sa);
    out.push_str(&sb);
    Ok(Value::Str(Rc::new(MsStr::with_ascii(
        out,
        ascii_a && ascii_b,
    ))))
}

/// `a + b` where one side is a string and the other a string or a number, for the
/// interpreter's inline path: `None` when it would fail (the general path then
/// raises the error).
#[inline(never)]
pub fn concat_fast(a: &Value, b: &Value) -> Option<Value> {
    concat(a, b).ok()
}

/// `s + b` appended to `s` in place (see [`MsStr::push_str`]) when `b` is a string
/// or a number, with the checks and charge of `concat`; `None` for other operands.
pub fn append_in_place(s: &mut MsStr, b: &Value) -> Option<MsResult<()>> {
    let num;
    let (tail, ascii) = match b {
        Value::Str(t) => (t.as_str(), t.is_ascii()),
        Value::Num(n) => {
            num = crate::format::num_to_string(*n);
            (num.as_str(), true)
        }
        _ => return None,
    };
    let (la, lb) = (s.as_str().len(), tail.len());
    if la + lb > MAX_SIZE && s.char_len() + tail.chars().count() > MAX_SIZE {
        return Some(Err(MsError::runtime("string too large")));
    }
    let checked = check_str_bytes(la + lb).and_then(|()| charge(la + lb));
    if checked.is_ok() {
        s.push_str(tail, ascii);
    }
    Some(checked)
}

/// The `str` form of a value, borrowing when it already is a string, and whether it
/// is all ASCII (known without a scan for strings and numbers).
fn as_text(v: &Value) -> MsResult<(std::borrow::Cow<'_, str>, bool)> {
    Ok(match v {
        Value::Str(s) => (std::borrow::Cow::Borrowed(s.as_str()), s.is_ascii()),
        Value::Num(n) => (
            std::borrow::Cow::Owned(crate::format::num_to_string(*n)),
            true,
        ),
        other => {
            let t = crate::format::to_str_checked(other)?;
            let ascii = t.is_ascii();
            (std::borrow::Cow::Owned(t), ascii)
        }
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
    charge(s.as_str().len() * (repeats + 1))?;
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
    charge(count * LIST_ELEM_BYTES)?;
    if src.is_empty() {
        return Ok(Value::list(Vec::new()));
    }
    let out: Vec<Value> = src.iter().cycle().take(count).cloned().collect();
    Ok(Value::list(out))
}

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

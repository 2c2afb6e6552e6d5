//! String intrinsics: `char code lower upper val split str`.

use super::int;
use crate::error::MsResult;
use crate::format::to_str;
use crate::interp::Vm;
use crate::value::{MsStr, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// `char(codePoint=65)`: the one-character string. The code point is truncated to a
/// C `int` (NaN and values out of its range become its minimum, as on x86); below 0
/// or above 0x1FFFFF (what UTF-8 encodes in four bytes) the reference encodes
/// nothing, so the result is "". Surrogates and 0x110000..=0x1FFFFF, which the
/// reference encodes as invalid UTF-8, give U+FFFD.
pub fn char_(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let x = args.first().map_or(0.0, Value::num_or_zero);
    let cp = if x > -2_147_483_649.0 && x < 2_147_483_648.0 {
        x as i64
    } else {
        i64::from(i32::MIN)
    };
    if !(0..=0x1F_FFFF).contains(&cp) {
        return Ok(Value::str(""));
    }
    let c = u32::try_from(cp)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}');
    Ok(Value::Str(Rc::new(MsStr::with_ascii(
        c.to_string(),
        c.is_ascii(),
    ))))
}

/// `code(self)`: the first code point of `str(self)`; null and "" give 0.
pub fn code(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let c = match args.first() {
        None | Some(Value::Null) => None,
        Some(Value::Str(s)) => s.as_str().chars().next(),
        Some(other) => to_str(other).chars().next(),
    };
    Ok(Value::Num(c.map_or(0.0, |c| c as u32 as f64)))
}

/// `lower(self)` / `upper(self)`: non-strings come back unchanged.
pub fn lower(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(Value::Str(s)) if s.is_ascii() => Value::Str(Rc::new(MsStr::with_ascii(
            s.as_str().to_ascii_lowercase(),
            true,
        ))),
        Some(Value::Str(s)) => Value::string(s.as_str().to_lowercase()),
        Some(v) => v.clone(),
        None => Value::Null,
    })
}

pub fn upper(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(Value::Str(s)) if s.is_ascii() => Value::Str(Rc::new(MsStr::with_ascii(
            s.as_str().to_ascii_uppercase(),
            true,
        ))),
        Some(Value::Str(s)) => Value::string(s.as_str().to_uppercase()),
        Some(v) => v.clone(),
        None => Value::Null,
    })
}

/// `str(x="")`: null becomes "".
pub fn str_(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(v @ Value::Str(_)) => v.clone(),
        // Number text is ASCII: no scan.
        Some(Value::Num(n)) => Value::Str(Rc::new(MsStr::with_ascii(
            crate::format::num_to_string(*n),
            true,
        ))),
        Some(v) => Value::string(crate::format::to_str_checked(v)?),
        None => Value::str(""),
    })
}

/// `val(self=0)`: numbers as is, strings parsed (0 when not a number), else null.
pub fn val(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(match args.first() {
        Some(Value::Num(n)) => Value::Num(*n),
        Some(Value::Str(s)) => Value::Num(parse_number(s.as_str()).unwrap_or(0.0)),
        _ => Value::Null,
    })
}

/// Parses a number the way C# `double.TryParse(s, NumberStyles.Any,
/// InvariantCulture)` accepts it: the whole string must be a number, with optional
/// surrounding white space, a leading or trailing sign or enclosing parentheses
/// (negative), `,` group separators in the integer part, a fraction, an exponent,
/// and the `Infinity`/`NaN` symbols.
pub fn parse_number(s: &str) -> Option<f64> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    let mut t = s.trim_matches(ws);
    let mut neg = false;
    let paren = match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => {
            t = inner.trim_matches(ws);
            neg = true;
            true
        }
        None => false,
    };
    // The invariant culture's currency symbol may lead or trail.
    t = t.strip_prefix('\u{a4}').unwrap_or(t).trim_matches(ws);
    t = t.strip_suffix('\u{a4}').unwrap_or(t).trim_matches(ws);
    let mut signs = 0;
    if let Some(r) = t.strip_prefix('-') {
        neg = !neg;
        signs += 1;
        t = r;
    } else if let Some(r) = t.strip_prefix('+') {
        signs += 1;
        t = r;
    }
    if let Some(r) = t.strip_suffix('-') {
        neg = !neg;
        signs += 1;
        t = r;
    } else if let Some(r) = t.strip_suffix('+') {
        signs += 1;
        t = r;
    }
    // One sign at most, and not together with parentheses.
    if signs > 1 || (paren && signs > 0) {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    if lower == "infinity" || t == "\u{221e}" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    // Rebuild a plain `digits[.digits][e[+-]digits]` text for Rust's exact parser.
    let b = t.as_bytes();
    let mut i = 0;
    let mut clean = String::with_capacity(t.len() + 1);
    if neg {
        clean.push('-');
    }
    let mut mant_digits = 0;
    while i < b.len() && (b[i].is_ascii_digit() || (b[i] == b',' && mant_digits > 0)) {
        if b[i] != b',' {
            clean.push(b[i] as char);
            mant_digits += 1;
        }
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        clean.push('.');
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            clean.push(b[i] as char);
            mant_digits += 1;
            i += 1;
        }
    }
    if mant_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        clean.push('e');
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            clean.push(b[i] as char);
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            clean.push(b[i] as char);
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    clean.parse::<f64>().ok()
}

/// `split(self, delimiter=" ", maxCount=-1)`: once the result holds `maxCount-1`
/// parts the rest of the string is the last part; an empty delimiter splits into
/// characters; a delimiter at the very end adds a final "".
pub fn split(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, delim, max, ..] = &*args else {
        return Ok(Value::Null);
    };
    // Borrowed when already strings (the common case): no copies.
    let (s, ascii) = text(this);
    let (delim, _) = text(delim);
    let max_count = int(max);
    // A part of an ASCII text is ASCII: no scan per part.
    let part = |t: &str| {
        if ascii {
            Value::Str(Rc::new(MsStr::with_ascii(t.to_string(), true)))
        } else {
            Value::str(t)
        }
    };
    let mut parts = Vec::new();
    if s.is_empty() {
        return Ok(Value::list(parts));
    }
    if delim.is_empty() {
        // One character (not byte) per part; the last takes the rest at the limit.
        let mut pos = 0;
        while pos < s.len() {
            let next = if max_count >= 0 && parts.len() as i64 == max_count - 1 {
                s.len()
            } else {
                pos + s[pos..].chars().next().map_or(1, char::len_utf8)
            };
            crate::ops::check_list_len(parts.len() + 1)?;
            crate::limits::charge(crate::limits::LIST_ELEM_BYTES + next - pos)?;
            parts.push(part(&s[pos..next]));
            pos = next;
        }
        return Ok(Value::list(parts));
    }
    // The parts between delimiters, the last one taking the rest once `max - 1`
    // parts are made (a max of 0 or less is no limit): `str::splitn`, which also
    // gives the empty part after a trailing delimiter. One searcher for the text.
    let limit = if max_count >= 1 {
        max_count as usize
    } else {
        usize::MAX
    };
    for t in s.splitn(limit, &*delim) {
        crate::ops::check_list_len(parts.len() + 1)?;
        crate::limits::charge(crate::limits::LIST_ELEM_BYTES + t.len())?;
        parts.push(part(t));
    }
    Ok(Value::list(parts))
}

/// The text of a value (`to_str`), borrowed when it is a string, and whether it is
/// known to be ASCII (only strings say so).
fn text(v: &Value) -> (Cow<'_, str>, bool) {
    match v {
        Value::Str(s) => (Cow::Borrowed(s.as_str()), s.is_ascii()),
        other => (Cow::Owned(to_str(other)), false),
    }
}

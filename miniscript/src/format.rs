//! Values to text (spec §5): the number format, `str`/`print` form and the
//! in-container ("code") form.
//!
//! Containers are printed with a recursion budget of 3 levels, after which a nested
//! list or map shows as `[...]` / `{...}`. The budget is what keeps self-containing
//! structures from recursing forever, so every container path goes through it.

use std::fmt::Write;
use std::rc::Rc;

use crate::value::{FuncVal, Value};

/// Nesting levels shown by `str`/`print` before `[...]`/`{...}`.
const PRINT_DEPTH: i32 = 3;

/// MiniScript's number text (C# flavour, spec §5).
pub fn num_to_string(n: f64) -> String {
    // Room for any integer below 2^53 and the usual fixed forms: no regrowth.
    let mut s = String::with_capacity(24);
    push_num(&mut s, n);
    s
}

/// Appends the text of `n` to `out`; shared by every formatter so numbers inside
/// containers need no temporary strings.
pub fn push_num(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
        return;
    }
    if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if n.fract() == 0.0 {
        // Integral: exact digits, never an exponent. Below 2^53 every integral double
        // fits an i64 exactly, which is much cheaper than float formatting; `as i64`
        // also turns -0 into 0, as C# prints it.
        if n.abs() < 9_007_199_254_740_992.0 {
            push_int(out, n as i64);
        } else {
            let _ = write!(out, "{n:.0}");
        }
        return;
    }
    if !(-1e10..=1e10).contains(&n) || (n > -1e-6 && n < 1e-6) {
        // Rust writes `1.230000E-9`; MiniScript wants a sign and at least two
        // exponent digits.
        let t = format!("{n:.6E}");
        let (mant, exp) = t.split_once('E').unwrap_or((t.as_str(), "0"));
        let e: i32 = exp.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        let _ = write!(out, "{mant}E{sign}{:02}", e.unsigned_abs());
        return;
    }
    // Fixed with 6 decimals (correctly rounded), then trailing zeros dropped while
    // keeping one digit after the point: `110.0`, `0.333333`.
    let start = out.len();
    let _ = write!(out, "{n:.6}");
    let keep = {
        let t = &out[start..];
        let trimmed = t.trim_end_matches('0');
        if trimmed.ends_with('.') {
            trimmed.len() + 1
        } else {
            trimmed.len()
        }
    };
    out.truncate(start + keep);
    if &out[start..] == "-0.0" {
        // Cannot happen for values outside (-1e-6, 1e-6), kept as C# does.
        out.truncate(start);
        out.push_str("0.0");
    }
}

/// The decimal digits of `n` (what `write!` gives, without the formatting
/// machinery: `str` of an integer is common in string building).
fn push_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &d in &buf[i..] {
        out.push(d as char);
    }
}

/// What `str(v)` and `print` show: strings raw, null as the empty string.
///
/// A container's text can be far bigger than the container (a list that holds
/// itself a thousand times prints a billion elements three levels down), so the
/// text stops growing at the memory ceiling (`limits::memory_limit`); `to_str`
/// returns what it has then, `to_str_checked` the `string too large` error.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.as_str().to_string(),
        Value::Num(n) => num_to_string(*n),
        _ => {
            let mut out = String::new();
            code_form(&mut out, v, PRINT_DEPTH);
            out
        }
    }
}

/// `to_str`, or the ceiling's error when the text would pass it.
pub fn to_str_checked(v: &Value) -> crate::error::MsResult<String> {
    match v {
        Value::List(_) | Value::Map(_) => {
            let mut out = String::new();
            if !code_form_in(&mut out, v, PRINT_DEPTH, &mut Vec::new(), memory_limit()) {
                return Err(crate::limits::too_large("string"));
            }
            Ok(out)
        }
        _ => Ok(to_str(v)),
    }
}

/// The in-container form: strings quoted (`"` doubled), null as `null`.
pub fn to_repr(v: &Value) -> String {
    let mut out = String::new();
    code_form(&mut out, v, PRINT_DEPTH);
    out
}

fn memory_limit() -> usize {
    crate::limits::memory_limit()
}

/// Appends the code form of `v` with `limit` container levels left; at 0 a container
/// prints as `[...]`/`{...}`. A negative limit means unlimited (only used for
/// scalars such as parameter defaults).
pub fn code_form(out: &mut String, v: &Value, limit: i32) {
    let cap = out.len().saturating_add(memory_limit());
    code_form_in(out, v, limit, &mut Vec::new(), cap);
}

/// `path` holds the maps entered through `__isa` on the way here: an `__isa` value
/// gets a fresh budget of one level (so a class chain is shown in full, as in C#),
/// which is what could otherwise recurse forever around an `__isa` loop.
///
/// Returns false (and stops) once `out` is longer than `cap` bytes.
fn code_form_in(
    out: &mut String,
    v: &Value,
    limit: i32,
    path: &mut Vec<usize>,
    cap: usize,
) -> bool {
    if out.len() > cap {
        return false;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Num(n) => push_num(out, *n),
        Value::Str(s) => push_quoted(out, s.as_str()),
        Value::List(l) => {
            if limit == 0 {
                out.push_str("[...]");
                return true;
            }
            out.push('[');
            for (i, e) in l.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !code_form_in(out, e, limit - 1, path, cap) {
                    return false;
                }
            }
            out.push(']');
        }
        Value::Map(m) => {
            let id = Rc::as_ptr(m) as usize;
            // The length cap bounds native recursion on absurdly long class chains.
            if limit == 0 || path.contains(&id) || path.len() >= 256 {
                out.push_str("{...}");
                return true;
            }
            out.push('{');
            for (i, (k, val)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                // A class parent is shown only one level deep, so printing an
                // instance does not dump its whole class hierarchy.
                if matches!(k, Value::Str(s) if s.as_str() == "__isa") {
                    path.push(id);
                    let done = code_form_in(out, k, 1, path, cap) && {
                        out.push_str(": ");
                        code_form_in(out, val, 1, path, cap)
                    };
                    path.pop();
                    if !done {
                        return false;
                    }
                } else {
                    if !code_form_in(out, k, limit - 1, path, cap) {
                        return false;
                    }
                    out.push_str(": ");
                    if !code_form_in(out, val, limit - 1, path, cap) {
                        return false;
                    }
                }
            }
            out.push('}');
        }
        Value::Func(f) => push_func(out, f),
    }
    true
}

/// `FUNCTION(a, b=2)`: parameters with their non-null defaults in code form.
pub fn push_func(out: &mut String, f: &FuncVal) {
    out.push_str("FUNCTION(");
    for (i, p) in f.params().iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&p.name);
        if !p.default.is_null() {
            out.push('=');
            code_form(out, &p.default, PRINT_DEPTH);
        }
    }
    out.push(')');
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for (i, part) in s.split('"').enumerate() {
        if i > 0 {
            out.push_str("\"\"");
        }
        out.push_str(part);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::new_map;

    fn n(x: f64) -> String {
        num_to_string(x)
    }

    #[test]
    fn spec_table_rows() {
        assert_eq!(n(1.23e9), "1230000000");
        assert_eq!(n(1.23e-9), "1.230000E-09");
        assert_eq!(n(-1.23e-9), "-1.230000E-09");
        assert_eq!(n(42.0), "42");
        assert_eq!(n(2.0 + 3.0 * 0.5), "3.5");
        assert_eq!(n(0.6 + 0.3 - 0.6 * 0.3), "0.72");
        assert_eq!(n(50f64.ln() / 5f64.ln()), "2.430677");
        assert_eq!(n(std::f64::consts::PI), "3.141593");
        assert_eq!(n(1.0 / 3.0), "0.333333");
        assert_eq!(n(2.0 / 3.0), "0.666667");
        assert_eq!(n(0.1 + 0.2), "0.3");
        assert_eq!(n(100.0 * 1.1), "110.0");
        assert_eq!(n(999999.9999999), "1000000.0");
        assert_eq!(n(1234567.1234567), "1234567.123457");
        assert_eq!(n(1e10), "10000000000");
        assert_eq!(n(1e10 + 0.5), "1.000000E+10");
        assert_eq!(n(9999999999.5), "9999999999.5");
        assert_eq!(n(0.0000015), "0.000002");
        assert_eq!(n(0.000001), "0.000001");
        assert_eq!(n(1e-7), "1.000000E-07");
        assert_eq!(n(1e20), "100000000000000000000");
        assert_eq!(n(2f64.powi(63)), "9223372036854775808");
    }

    #[test]
    fn integers_print_as_write_prints_them() {
        for x in [
            0.0,
            7.0,
            -7.0,
            10.0,
            -100.0,
            123_456_789.0,
            9_007_199_254_740_991.0,
            -9_007_199_254_740_991.0,
        ] {
            assert_eq!(n(x), format!("{}", x as i64));
        }
    }

    #[test]
    fn special_numbers() {
        assert_eq!(n(-0.0), "0");
        assert_eq!(n(f64::NAN), "NaN");
        assert_eq!(n(f64::INFINITY), "Infinity");
        assert_eq!(n(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(n(-1.5e-7), "-1.500000E-07");
        assert_eq!(n(1e-300), "1.000000E-300");
        assert_eq!(n(12345678901.5), "1.234568E+10");
        assert_eq!(n(-1230000000.0), "-1230000000");
        assert_eq!(n(-0.5), "-0.5");
        assert_eq!(n(-1e-6), "-0.000001");
        assert_eq!(n(9.9999999e-7), "1.000000E-06");
        // Integral values print their exact binary value, like printf `%.0f`.
        assert_eq!(n(1e22), "10000000000000000000000");
        assert_eq!(n(1e23), "99999999999999991611392");
        assert_eq!(n(f64::MIN_POSITIVE), "2.225074E-308");
    }

    #[test]
    fn strings_and_null() {
        assert_eq!(to_str(&Value::Null), "");
        assert_eq!(to_repr(&Value::Null), "null");
        assert_eq!(to_str(&Value::str("a\"b")), "a\"b");
        assert_eq!(to_repr(&Value::str("a\"b")), "\"a\"\"b\"");
        assert_eq!(to_repr(&Value::str("\"")), "\"\"\"\"");
    }

    #[test]
    fn containers() {
        let l = Value::list(vec![Value::Num(1.0), Value::str("a"), Value::Null]);
        assert_eq!(to_str(&l), "[1, \"a\", null]");
        assert_eq!(to_str(&Value::list(vec![])), "[]");
        assert_eq!(to_str(&Value::map(new_map())), "{}");
        let mut m = new_map();
        m.insert(Value::str("a"), Value::Num(1.0));
        m.insert(Value::Num(2.0), Value::list(vec![Value::str("x")]));
        m.insert(Value::Null, Value::Null);
        assert_eq!(to_str(&Value::map(m)), "{\"a\": 1, 2: [\"x\"], null: null}");
    }

    #[test]
    fn nesting_limit() {
        let inner = Value::list(vec![Value::Num(1.0)]);
        let v = Value::list(vec![Value::list(vec![Value::list(vec![inner])])]);
        assert_eq!(to_str(&v), "[[[[...]]]]");
        let three = Value::list(vec![Value::list(vec![Value::list(vec![Value::Num(1.0)])])]);
        assert_eq!(to_str(&three), "[[[1]]]");
        // A list containing itself prints within the budget.
        let a = Value::list(vec![Value::Num(1.0)]);
        if let Value::List(l) = &a {
            l.borrow_mut().push(a.clone());
        }
        assert_eq!(to_str(&a), "[1, [1, [1, [...]]]]");
        if let Value::List(l) = &a {
            l.borrow_mut().clear();
        }
    }

    #[test]
    fn isa_loop_terminates() {
        let a = Value::map(new_map());
        let b = Value::map(new_map());
        if let (Value::Map(ma), Value::Map(mb)) = (&a, &b) {
            ma.borrow_mut().insert(Value::str("__isa"), b.clone());
            mb.borrow_mut().insert(Value::str("__isa"), a.clone());
            mb.borrow_mut().insert(Value::str("x"), Value::Num(1.0));
        }
        assert_eq!(to_str(&a), "{\"__isa\": {\"__isa\": {...}, \"x\": 1}}");
        if let Value::Map(ma) = &a {
            ma.borrow_mut().clear();
        }
    }

    #[test]
    fn isa_chain_shown_in_full() {
        let mut top = new_map();
        top.insert(Value::str("n"), Value::Num(1.0));
        let mut mid = new_map();
        mid.insert(Value::str("__isa"), Value::map(top));
        let mut obj = new_map();
        obj.insert(Value::str("__isa"), Value::map(mid));
        let want = "{\"__isa\": {\"__isa\": {\"n\": 1}}}";
        assert_eq!(to_str(&Value::map(obj)), want);
    }

    #[test]
    fn isa_shown_one_level() {
        let mut deep = new_map();
        deep.insert(Value::str("x"), Value::list(vec![Value::Num(1.0)]));
        let mut parent = new_map();
        parent.insert(Value::str("d"), Value::map(deep));
        parent.insert(Value::str("n"), Value::Num(5.0));
        let mut obj = new_map();
        obj.insert(Value::str("__isa"), Value::map(parent));
        obj.insert(Value::str("y"), Value::Num(2.0));
        assert_eq!(
            to_str(&Value::map(obj)),
            "{\"__isa\": {\"d\": {...}, \"n\": 5}, \"y\": 2}"
        );
    }
}

//! Output, time, identity and introspection intrinsics: `print wait yield time
//! hash refEquals stackTrace version intrinsics` and the type-map getters
//! `funcRef list map number string`.

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::num;
use crate::error::MsResult;
use crate::format::to_str_checked;
use crate::interp::Vm;
use crate::value::{new_map, Value};

/// `print(s="", delimiter)`: the `str` form of s (null prints as `null`), then the
/// delimiter, or a newline when the delimiter is null.
pub fn print(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let mut text = match args.first() {
        None | Some(Value::Null) => "null".to_string(),
        Some(v) => to_str_checked(v)?,
    };
    match args.get(1) {
        None | Some(Value::Null) => text.push('\n'),
        Some(d) => text.push_str(&to_str_checked(d)?),
    }
    vm.out.write_str(&text);
    Ok(Value::Null)
}

/// Longest single sleep, so that an interrupt is noticed promptly.
const WAIT_STEP: Duration = Duration::from_millis(10);

/// `wait(seconds=1)`: sleeps in real time, returning early (without error) when the
/// VM is interrupted. Non-positive or NaN durations return at once.
pub fn wait(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let secs = args.first().map_or(0.0, num);
    // NaN first: `f64::min` below would turn it into the cap.
    if secs.is_nan() || secs <= 0.0 {
        return Ok(Value::Null);
    }
    // A huge wait is capped at a year (still interruptible); `try_from` cannot fail
    // then, but unlike `from_secs_f64` it could not panic either.
    let Ok(total) = Duration::try_from_secs_f64(secs.min(365.0 * 86400.0)) else {
        return Ok(Value::Null);
    };
    vm.out.flush();
    let deadline = Instant::now() + total;
    loop {
        if vm.attention.interrupted() {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(WAIT_STEP));
    }
    Ok(Value::Null)
}

/// `yield`: ends the current run slice.
pub fn yield_(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    vm.yield_requested = true;
    Ok(Value::Null)
}

/// `time`: seconds since the run started.
pub fn time(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Num(vm.start.elapsed().as_secs_f64()))
}

/// `hash(obj)`: a number derived from the content hash, so equal values hash alike.
/// Kept to 32 bits (like the reference's `int`) so it is an exact integer.
pub fn hash(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let h = args.first().map_or(0, Value::key_hash);
    Ok(Value::Num(f64::from((h ^ (h >> 32)) as u32 as i32)))
}

/// `refEquals(a, b)`: identity for strings, lists, maps and functions (functions by
/// definition); value equality for numbers; null only equals null.
pub fn ref_equals(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [a, b, ..] = &*args else {
        return Ok(Value::Null);
    };
    let r = match (a, b) {
        (Value::Null, _) => b.is_null(),
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Map(x), Value::Map(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => x.same_definition(y),
        _ => false,
    };
    Ok(Value::bool(r))
}

/// `stackTrace`: `"(current program) line N"` per active frame, innermost first.
pub fn stack_trace(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    let lines = vm.stack_trace_lines();
    let out = lines
        .iter()
        .map(|n| Value::string(format!("(current program) line {n}")))
        .collect();
    Ok(Value::list(out))
}

/// Date reported as `buildDate`: the day this crate was built (UTC), stamped by
/// `build.rs`.
const BUILD_DATE: &str = env!("MINISCRIPT_BUILD_DATE");

/// `version`: `miniscript`, `buildDate`, `host`, `hostName`, `hostInfo`.
pub fn version(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    let mut m = new_map();
    m.insert(Value::str("miniscript"), Value::str("1.6.2"));
    m.insert(Value::str("buildDate"), Value::str(BUILD_DATE));
    m.insert(Value::str("host"), Value::Num(host_version()));
    m.insert(Value::str("hostName"), Value::str("miniscript-rs"));
    m.insert(
        Value::str("hostInfo"),
        Value::str("https://github.com/JoeStrout/miniscript"),
    );
    Ok(Value::map(m))
}

/// The crate version as `major.minor` (the `host` number).
fn host_version() -> f64 {
    let mut parts = env!("CARGO_PKG_VERSION").split('.');
    let major = parts.next().unwrap_or("0");
    let minor = parts.next().unwrap_or("0");
    format!("{major}.{minor}").parse().unwrap_or(0.0)
}

/// `intrinsics`: the map of every named intrinsic.
pub fn intrinsics(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.intrinsics_map.clone()))
}

pub fn func_ref(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.types.funcref.clone()))
}
pub fn list_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.types.list.clone()))
}
pub fn map_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.types.map.clone()))
}
pub fn number_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.types.number.clone()))
}
pub fn string_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(vm.types.string.clone()))
}

//! Numeric intrinsics: `abs acos asin atan bitAnd bitOr bitXor ceil cos floor log pi
//! round rnd sign sin sqrt tan`. Non-numeric arguments read as 0 (spec §8).

use super::{int, num, rng_next, rng_seed};
use crate::error::MsResult;
use crate::interp::Vm;
use crate::value::Value;

/// Applies `f` to the first argument.
fn unary(args: &[Value], f: fn(f64) -> f64) -> MsResult<Value> {
    Ok(Value::Num(f(args.first().map_or(0.0, num))))
}

pub fn abs(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::abs)
}
pub fn acos(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::acos)
}
pub fn asin(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::asin)
}
pub fn ceil(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::ceil)
}
pub fn floor(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::floor)
}
pub fn sqrt(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::sqrt)
}
pub fn cos(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::cos)
}
pub fn sin(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::sin)
}
pub fn tan(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, f64::tan)
}

/// `sign`: -1, 0 or 1 (`f64::signum` would give 1 for 0); NaN stays NaN rather than
/// failing as C#'s `Math.Sign` does.
pub fn sign_of(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

pub fn sign(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, sign_of)
}

pub fn pi(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Num(std::f64::consts::PI))
}

/// `atan(y, x)`: the one-argument arctangent when x is exactly 1, else atan2.
pub fn atan_of(y: f64, x: f64) -> f64 {
    if x == 1.0 {
        y.atan()
    } else {
        y.atan2(x)
    }
}

/// `atan(y, x=1)`.
pub fn atan(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [y, x, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(atan_of(num(y), num(x))))
}

/// `log(x, base)`: natural log when base is (close to) e.
pub fn log_of(x: f64, b: f64) -> f64 {
    // The reference compares with this six-decimal literal, not with `E` itself.
    #[allow(clippy::approx_constant)]
    let near_e = (b - 2.718282).abs() < 0.000001;
    if near_e {
        x.ln()
    } else {
        x.ln() / b.ln()
    }
}

/// `log(x, base=10)`.
pub fn log(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [x, b, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(log_of(num(x), num(b))))
}

/// `round(x, places)`: halves to even (C# `Math.Round`, which the spec follows; the
/// C++ version rounds them away from zero), places truncated to an integer and
/// capped at 15; negative places round to tens, hundreds, ...
pub fn round_of(x: f64, places: f64) -> f64 {
    let places = super::trunc_int(places);
    if places >= 0 {
        let p = 10f64.powi(places.min(15) as i32);
        // C# leaves numbers this large unchanged: they have no fractional digits
        // left, and scaling them could overflow.
        if x.abs() < 1e16 {
            (x * p).round_ties_even() / p
        } else {
            x
        }
    } else {
        let p = 10f64.powf(-(places.max(-400) as f64));
        (x / p).round_ties_even() * p
    }
}

/// `round(x, decimalPlaces=0)`.
pub fn round(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [x, places, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(round_of(num(x), num(places))))
}

/// Splits a number into (negative?, |x| truncated to u64) as the bitwise intrinsics
/// read it: sign-magnitude, not two's complement.
fn split_bits(x: f64) -> (bool, u64) {
    (x < 0.0, x.abs() as u64)
}

fn bitwise(args: &[Value], sign_op: fn(bool, bool) -> bool, op: fn(u64, u64) -> u64) -> Value {
    let (si, i) = split_bits(args.first().map_or(0.0, num));
    let (sj, j) = split_bits(args.get(1).map_or(0.0, num));
    let v = op(i, j) as f64;
    Value::Num(if sign_op(si, sj) { -v } else { v })
}

pub fn bit_and(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(bitwise(args, |a, b| a & b, |a, b| a & b))
}
pub fn bit_or(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(bitwise(args, |a, b| a | b, |a, b| a | b))
}
pub fn bit_xor(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(bitwise(args, |a, b| a ^ b, |a, b| a ^ b))
}

/// `rnd(seed)`: next number in [0, 1); a non-null seed restarts the sequence.
pub fn rnd(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    if let Some(seed) = args.first().filter(|s| !s.is_null()) {
        rng_seed(&mut vm.rng, int(seed));
    }
    Ok(Value::Num(rng_next(&mut vm.rng)))
}

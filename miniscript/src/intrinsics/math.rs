//! Numeric intrinsics: `abs acos asin atan bitAnd bitOr bitXor ceil cos floor log pi
//! round rnd sign sin sqrt tan`. Non-numeric arguments read as 0 (spec §8). The pure
//! ones compute with the Rust function of `tier::intrinsics::PURE`, as native code.

use super::{int, num, rng_next, rng_seed};
use crate::error::MsResult;
use crate::interp::Vm;
use crate::tier::intrinsics::{eval_of, PureFn};
use crate::value::Value;

/// Applies `f` to the first argument.
fn unary(args: &[Value], f: PureFn) -> MsResult<Value> {
    Ok(Value::Num(f(args.first().map_or(0.0, num), 0.0)))
}

pub fn abs(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("abs") })
}
pub fn acos(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("acos") })
}
pub fn asin(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("asin") })
}
pub fn ceil(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("ceil") })
}
pub fn floor(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("floor") })
}
pub fn sqrt(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("sqrt") })
}
pub fn cos(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("cos") })
}
pub fn sin(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("sin") })
}
pub fn tan(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("tan") })
}

pub fn sign(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    unary(args, const { eval_of("sign") })
}

pub fn pi(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Num(const { eval_of("pi") }(0.0, 0.0)))
}

/// `atan(y, x=1)`.
pub fn atan(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [y, x, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(const { eval_of("atan") }(num(y), num(x))))
}

/// `log(x, base=10)`.
pub fn log(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [x, b, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(const { eval_of("log") }(num(x), num(b))))
}

/// `round(x, decimalPlaces=0)`.
pub fn round(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [x, places, ..] = &*args else {
        return Ok(Value::Null);
    };
    Ok(Value::Num(const { eval_of("round") }(num(x), num(places))))
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

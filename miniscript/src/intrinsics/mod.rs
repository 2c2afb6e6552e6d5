//! Native intrinsics (spec §8): the table of built-in functions, their parameters and
//! defaults, and the type maps (`string`, `list`, `map`, `number`, `funcRef`).
//!
//! An intrinsic is a plain Rust function over already-evaluated arguments. The
//! interpreter fills missing arguments with the declared defaults, so `args.len()` is
//! always exactly the number of declared parameters. Intrinsics never call back into
//! script code.

use std::rc::Rc;

use crate::error::MsResult;
use crate::interp::Vm;
use crate::value::{ParamSpec, Value};

/// Signature of every intrinsic: the interpreter, and the arguments (one per declared
/// parameter, defaults filled in). The slice may be modified freely.
pub type NativeFn = fn(&mut Vm, &mut [Value]) -> MsResult<Value>;

/// One built-in function.
pub struct Intrinsic {
    pub name: Rc<str>,
    pub params: Vec<ParamSpec>,
    pub f: NativeFn,
}

pub mod host_fns;
mod math;
mod misc;
mod registry;
mod seq;
pub mod shell;
mod sort;
mod string;
#[cfg(test)]
mod tests;

pub use host_fns::HostState;
pub use registry::create_registry;
pub(crate) use registry::is_builtin;
pub use seq::slice;

use crate::interp::Rng;
use crate::ops::trunc_int;
use crate::value::mix64;

/// A numeric parameter: non-numbers read as 0 (C# `DoubleValue`).
fn num(v: &Value) -> f64 {
    v.num_or_zero()
}

/// An integer parameter (C# `IntValue`): the number truncated toward zero.
fn int(v: &Value) -> i64 {
    trunc_int(v.num_or_zero())
}

/// Next number in [0, 1) from the VM's generator (splitmix64: any state, including
/// 0, is a valid state, so seeding needs no care).
pub fn rng_next(rng: &mut Rng) -> f64 {
    rng.state = rng.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let z = mix64(rng.state);
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Restarts the generator deterministically from a script-supplied seed.
pub fn rng_seed(rng: &mut Rng, seed: i64) {
    rng.state = mix64(seed as u64 ^ 0x5851_f42d_4c95_7f2d);
}

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

//! Running a region's native code: the entry guard (every input is a number), the
//! call, and writing the outputs back. The only `unsafe` of the interpreter is here.

use crate::region::RegionInfo;
use crate::value::Value;

/// The most inputs or outputs a compiled region may have (the lowering rejects more).
pub const MAX_IO: usize = 32;

/// Signature of compiled region code.
pub type RegionFn = extern "C" fn(*const f64, *mut f64);

/// Run the native code at `entry` for `region` of the frame whose window starts at
/// `base`. Returns the pc to continue at, or `None` when the guard fails (some input
/// is not a number): then nothing was written and the caller interprets the region.
#[inline]
pub(crate) fn run(
    stack: &mut [Value],
    base: usize,
    region: &RegionInfo,
    entry: usize,
) -> Option<usize> {
    // Most regions are small: keep the buffers (which are zeroed) small for them.
    if region.inputs.len() <= 8 && region.outputs.len() <= 8 {
        run_with::<8>(stack, base, region, entry)
    } else {
        run_with::<MAX_IO>(stack, base, region, entry)
    }
}

#[inline(always)]
fn run_with<const N: usize>(
    stack: &mut [Value],
    base: usize,
    region: &RegionInfo,
    entry: usize,
) -> Option<usize> {
    let mut inputs = [0.0f64; N];
    let mut outputs = [0.0f64; N];
    if region.inputs.len() > N || region.outputs.len() > N {
        return None;
    }
    for (slot, r) in inputs.iter_mut().zip(&region.inputs) {
        match stack.get(base + *r as usize) {
            Some(Value::Num(x)) => *slot = *x,
            _ => return None,
        }
    }
    // SAFETY: `entry` is the address of a function the JIT compiled from this very
    // region's description with the `RegionFn` signature; it was published with a
    // release store after finalization and its code is never freed while the
    // process runs (the JIT leaks code memory rather than free reachable code). It
    // reads `region.inputs.len()` values from `inputs` and writes
    // `region.outputs.len()` values to `outputs`, both at most N (checked above),
    // and contains no instruction that can trap.
    let f: RegionFn = unsafe { std::mem::transmute::<usize, RegionFn>(entry) };
    f(inputs.as_ptr(), outputs.as_mut_ptr());
    for (v, r) in outputs.iter().zip(&region.outputs) {
        let slot = &mut stack[base + *r as usize];
        if let Value::Num(n) = slot {
            *n = *v;
        } else {
            *slot = Value::Num(*v);
        }
    }
    Some(region.end as usize)
}

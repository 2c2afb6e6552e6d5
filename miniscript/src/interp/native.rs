//! Running a region's native code. The code reads and writes the frame's register
//! window in place: it checks that every input and output register holds a number
//! (the entry guard), and only then computes and stores the f64 payloads. The only
//! `unsafe` of the interpreter is here.

use crate::region::RegionInfo;
use crate::value::Value;

/// The most inputs or outputs a compiled region may have (the lowering rejects more).
pub const MAX_IO: usize = 32;

/// Signature of compiled region code: the register window; returns 0 when it ran,
/// 1 when the guard failed (nothing was written).
pub type RegionFn = extern "C" fn(*mut Value) -> u32;

/// Run the native code at `entry` for `region` of the frame whose window starts at
/// `base`. Returns the pc to continue at, or `None` when the guard failed: then the
/// caller interprets the region.
#[inline]
pub(crate) fn run(
    stack: &mut [Value],
    base: usize,
    region: &RegionInfo,
    entry: usize,
    nregs: usize,
) -> Option<usize> {
    // The window of the running frame; the region's registers are all below nregs.
    let window = stack.get_mut(base..base + nregs)?;
    // Outputs that are not inputs are written by every run of the region (it is
    // straight-line code), so whatever they hold now (often the "unset" marker of a
    // fresh call) can be replaced by a number first; the native code then only
    // stores payloads. Inputs are checked by the native code itself.
    for r in &region.outputs {
        let slot = window.get_mut(*r as usize)?;
        if !matches!(slot, Value::Num(_)) && !region.inputs.contains(r) {
            *slot = Value::Num(0.0);
        }
    }
    // SAFETY: `entry` is the address of a function the JIT compiled from this
    // region's description with the `RegionFn` signature, published with a release
    // store after finalization; its code is never freed while the process runs. It
    // only touches registers named in the description, all below `nregs`, so it stays
    // inside `window`; it reads the f64 payload only of input registers whose tag
    // byte it has checked to be `NUM_TAG`, and writes only the payload of output
    // registers, which are numbers (an output that is an input passed the tag check;
    // the others were made numbers just above), with the layout `repr(u8)`
    // guarantees: that is what `*n = x` on a `Value::Num(n)` does. No reference into
    // the window is alive during the call, and the code cannot trap.
    let f: RegionFn = unsafe { std::mem::transmute::<usize, RegionFn>(entry) };
    if f(window.as_mut_ptr()) == 0 {
        Some(region.end as usize)
    } else {
        None
    }
}

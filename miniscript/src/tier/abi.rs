//! The native ABI: the signatures of native straight-region and loop code, the
//! layout of a `Value` as native code sees it, the helper symbols, and all the
//! `unsafe` of calling native code and of the helpers it calls back (`list_get`...).
//!
//! Native code reads and writes the frame's register window in place: it checks
//! that every input and output register holds a number (the entry guard), and only
//! then computes and stores the f64 payloads.

use std::cell::Cell;

use super::desc::RegionInfo;
use crate::tac::Proto;
use crate::value::{list_slot, Value};

/// Bytes of one `Value` (a register of the window): register `r` is at `r *
/// VALUE_SIZE`.
pub const VALUE_SIZE: i32 = 16;
const _: () = assert!(std::mem::size_of::<Value>() == VALUE_SIZE as usize);
/// Offset of the tag byte inside a `Value`, and the tag of a number.
pub const TAG_OFFSET: i32 = 0;
/// Offset of a number's f64 inside a `Value`.
pub use crate::value::NUM_OFFSET;
pub use crate::value::NUM_TAG;

/// The most inputs or outputs a compiled region may have (the lowering rejects more).
pub const MAX_IO: usize = 32;

/// Native loop code returns this bit with a head number when it pauses at that head
/// (every `PAUSE_PERIOD` back-edges), so that the interpreter can look at the
/// interrupt flag and the time slice and then enter it again.
pub const PAUSE_BIT: u32 = 0x8000_0000;
/// Back-edges between pauses of native loop code.
pub const PAUSE_PERIOD: u64 = 1 << 14;

/// `%` exactly as the interpreter computes it (Rust's `%` on f64 is C `fmod`): what
/// native code calls for `ROp::Mod`.
pub extern "C" fn fmod(a: f64, b: f64) -> f64 {
    crate::value::num_mod(a, b)
}

/// `^` exactly as the interpreter computes it: what native code calls for `ROp::Pow`.
pub extern "C" fn pow(a: f64, b: f64) -> f64 {
    a.powf(b)
}

/// The operators native code calls a Rust function for (the pure intrinsics are in
/// `tier::intrinsics::PURE`): operation, symbol, function.
pub const OPERATOR_HELPERS: [(super::desc::ROp, &str, super::intrinsics::PureFn); 2] = [
    (super::desc::ROp::Mod, "ms_fmod", fmod),
    (super::desc::ROp::Pow, "ms_pow", pow),
];

/// The signatures of native code and of the helpers it calls, in the letters the
/// JIT declares them with: parameters, then after `>` the result; 'p' a pointer,
/// 'f' an f64, 'i' a u32. Each sits next to the Rust type it spells.
/// [`RegionFn`]: the register window.
pub const REGION_FN: &str = "p>i";
/// [`LoopFn`]: the window, the head, the back-edge count, constants, caches.
pub const LOOP_FN: &str = "pippp>i";
/// [`PureFn`](super::intrinsics::PureFn) and the operators: two f64, one f64.
pub const PURE_FN: &str = "ff>f";

/// The container helpers of loop code, with their symbols and signatures (see
/// [`REGION_FN`]); all return a u32, 0 when done. Indexed by the `*_HELPER`
/// constants.
pub const CONTAINER_HELPERS: [(&str, &str, *const u8); 7] = [
    ("ms_list_get", "pfp>i", list_get as *const u8),
    ("ms_list_set", "pff>i", list_set as *const u8),
    ("ms_list_get_ref", "pfp>i", list_get_ref as *const u8),
    ("ms_field_get", "pppp>i", field_get as *const u8),
    ("ms_field_set", "ppfp>i", field_set as *const u8),
    ("ms_for_next", "pfpp>i", for_next as *const u8),
    ("ms_copy_value", "pp>i", copy_value as *const u8),
];
pub const LIST_GET_HELPER: usize = 0;
pub const LIST_SET_HELPER: usize = 1;
pub const LIST_GET_REF_HELPER: usize = 2;
pub const FIELD_GET_HELPER: usize = 3;
pub const FIELD_SET_HELPER: usize = 4;
pub const FOR_NEXT_HELPER: usize = 5;
pub const COPY_VALUE_HELPER: usize = 6;

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
    // A shadowed intrinsic name counts as a guard failure: the interpreter calls
    // whatever the name holds now.
    if !region.names_clear() {
        return None;
    }
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

/// Signature of compiled loop code: the register window, the entry (head) number,
/// and where to store the number of back-edges it ran. Returns 0 when the guard
/// failed (nothing was written), `k + 1` after leaving by exit `k`, or `PAUSE_BIT |
/// h` when it paused at head `h`; in the last two cases every local the loop wrote
/// has been stored back.
/// The fourth argument is the function's constant table (field names), the fifth
/// its inline caches, one per TAC instruction (`Proto::name_cache`), which the
/// field helpers share with the interpreter.
pub type LoopFn = extern "C" fn(*mut Value, u32, *mut u64, *const Value, *const Cell<u32>) -> u32;

/// Run the native loop code at `entry`, compiled from a loop of `proto`, entering
/// at head `head`, on the frame whose window starts at `base`. `None` if the window
/// is out of range (never expected).
#[inline]
pub(crate) fn run_loop(
    stack: &mut [Value],
    base: usize,
    entry: usize,
    head: u32,
    iters: &mut u64,
    proto: &Proto,
) -> Option<u32> {
    let nregs = proto.nregs as usize;
    let (consts, caches) = (&proto.consts, &proto.name_cache);
    let window = stack.get_mut(base..base + nregs)?;
    // SAFETY: `entry` is the address of a function the JIT compiled from this loop
    // region's description with the `LoopFn` signature, published with a release
    // store after finalization and never freed while the process runs. It touches
    // only registers named in the description, all below `nregs`, so it stays
    // inside `window`. It first checks that the tag byte of every numeric local is
    // `NUM_TAG` and returns 0 without writing anything otherwise; then it reads and
    // writes only their f64 payloads, and writes the payloads of the temporaries
    // in `LoopMeta::temps`, which the caller has made numbers: that is what `*n =
    // x` on a `Value::Num(n)` does (`repr(u8)` layout), so every register still
    // holds a valid `Value::Num` afterwards. It writes one u64 through `iters`, a live
    // exclusive reference. Containers (lists and maps the loop indexes) and the
    // constants are only touched through the helpers below, whose contracts the
    // generated calls meet: every pointer they get is a register of this window,
    // an element of `consts` or an element of `caches` (the cache of the field
    // instruction's own pc, which is inside the code the loop was described from),
    // all of which outlive the call (the running function holds its proto). No
    // reference into the window is alive during the call,
    // nothing else runs on this thread meanwhile, and the code cannot trap: it
    // contains no integer division, no unchecked memory access outside the window
    // and no trap instruction, and it returns to the interpreter at least every
    // `PAUSE_PERIOD` back-edges.
    let f: LoopFn = unsafe { std::mem::transmute::<usize, LoopFn>(entry) };
    Some(f(
        window.as_mut_ptr(),
        head,
        iters as *mut u64,
        consts.as_ptr(),
        caches.as_ptr(),
    ))
}

/// `list[index]` for native loop code: stores the element at `out` and returns 0
/// when `list` points at a list whose element `index` is a number; returns 1 and
/// stores nothing otherwise (the interpreter then does the access itself, with its
/// errors). Exactly the interpreter's fast path.
///
/// # Safety
/// `list` must point at a live `Value` (a register of the running frame's window)
/// and `out` at a writable f64; nothing may hold a mutable reference to either.
pub unsafe extern "C" fn list_get(list: *const Value, index: f64, out: *mut f64) -> u32 {
    // SAFETY: the caller's contract: `list` is a live register.
    let Value::List(l) = (unsafe { &*list }) else {
        return 1;
    };
    let Ok(items) = l.try_borrow() else {
        return 1;
    };
    match list_slot(index, items.len()).map(|j| &items[j]) {
        Some(Value::Num(x)) => {
            // SAFETY: the caller's contract: `out` is writable.
            unsafe { *out = *x };
            0
        }
        _ => 1,
    }
}

/// `list[index] = value` for native loop code: returns 0 when done, 1 when not a
/// list or out of range (nothing changed; the interpreter then does it).
///
/// # Safety
/// `list` must point at a live `Value` (a register of the running frame's window)
/// that nothing holds a mutable reference to.
pub unsafe extern "C" fn list_set(list: *const Value, index: f64, value: f64) -> u32 {
    // SAFETY: the caller's contract: `list` is a live register.
    let Value::List(l) = (unsafe { &*list }) else {
        return 1;
    };
    let Ok(mut items) = l.try_borrow_mut() else {
        return 1;
    };
    match list_slot(index, items.len()) {
        Some(j) => {
            // The old element is dropped here, in Rust: it may be the last
            // reference to a container (freed without recursion, see value.rs).
            items[j] = Value::Num(value);
            0
        }
        None => 1,
    }
}

/// `dst = list[index]` for native loop code, for an element of any type: clones
/// it into the register `dst` (dropping what it held) and returns 0, or returns 1
/// having changed nothing (not a list, out of range).
///
/// # Safety
/// `list` and `dst` must point at live registers of the running frame's window
/// (they may be the same one); nothing may hold a reference to either.
pub unsafe extern "C" fn list_get_ref(list: *const Value, index: f64, dst: *mut Value) -> u32 {
    let element = {
        // SAFETY: the caller's contract: `list` is a live register. The reference
        // ends with this block, before `dst` (maybe the same register) is written.
        let Value::List(l) = (unsafe { &*list }) else {
            return 1;
        };
        let Ok(items) = l.try_borrow() else {
            return 1;
        };
        match list_slot(index, items.len()) {
            Some(j) => items[j].clone(),
            None => return 1,
        }
    };
    // SAFETY: the caller's contract: `dst` is a live register nothing refers to;
    // assigning drops its old value properly.
    unsafe { *dst = element };
    0
}

/// `map.key` for native loop code: stores the field at `out` and returns 0 when
/// `map` points at a map that itself holds `key` with a number; returns 1 and
/// stores nothing otherwise (inherited, missing, not a number: the interpreter's
/// fast path would not serve it either).
///
/// # Safety
/// `map` must point at a live register of the running frame's window, `key` at a
/// live `Value` (a constant of the running function), `out` at a writable f64 and
/// `cache` at a live inline cache of the running function.
pub unsafe extern "C" fn field_get(
    map: *const Value,
    key: *const Value,
    out: *mut f64,
    cache: *const Cell<u32>,
) -> u32 {
    // SAFETY: the caller's contract: all three point at live values.
    let (Value::Map(m), key, cache) = (unsafe { &*map }, unsafe { &*key }, unsafe { &*cache })
    else {
        return 1;
    };
    let Ok(fields) = m.try_borrow() else {
        return 1;
    };
    match fields.get_cached(key, cache) {
        Some(Value::Num(x)) => {
            // SAFETY: the caller's contract: `out` is writable.
            unsafe { *out = *x };
            0
        }
        _ => 1,
    }
}

/// `map.key = value` for native loop code when the map already holds `key`
/// (overwritten in place, as the interpreter's fast path does); returns 1 having
/// changed nothing otherwise (a new key may grow the map past the memory ceiling:
/// the interpreter decides).
///
/// # Safety
/// As for [`field_get`].
pub unsafe extern "C" fn field_set(
    map: *const Value,
    key: *const Value,
    value: f64,
    cache: *const Cell<u32>,
) -> u32 {
    // SAFETY: the caller's contract: all three point at live values.
    let (Value::Map(m), key, cache) = (unsafe { &*map }, unsafe { &*key }, unsafe { &*cache })
    else {
        return 1;
    };
    let Ok(mut fields) = m.try_borrow_mut() else {
        return 1;
    };
    match fields.index_cached(key, cache) {
        Some(i) => {
            fields[i] = Value::Num(value);
            0
        }
        None => 1,
    }
}

/// One step of `for` over a list for native loop code, the interpreter's fast path:
/// the next index is `trunc(idx + 1)`, stored at `out[0]`. Returns 1 when past the
/// end (the loop is done), 0 with the element stored, 2 having stored nothing when
/// `seq` is not a list or (with a null `dst`) the element is not a number: the
/// interpreter then does the step itself. The element goes to `out[1]` when `dst`
/// is null, else it is cloned into the register `dst`.
///
/// # Safety
/// `seq` must point at a live register of the running frame's window, `out` at two
/// writable f64s, and `dst` be null or point at a live register of the window other
/// than `seq`; nothing may hold a reference to any of them.
pub unsafe extern "C" fn for_next(
    seq: *const Value,
    idx: f64,
    out: *mut f64,
    dst: *mut Value,
) -> u32 {
    let j = (idx + 1.0) as usize;
    let element = {
        // SAFETY: the caller's contract: `seq` is a live register; this reference
        // ends with the block, before `dst` is written.
        let Value::List(l) = (unsafe { &*seq }) else {
            return 2;
        };
        let Ok(items) = l.try_borrow() else {
            return 2;
        };
        match items.get(j) {
            None => None,
            Some(Value::Num(x)) if dst.is_null() => Some(Value::Num(*x)),
            Some(_) if dst.is_null() => return 2,
            Some(v) => Some(v.clone()),
        }
    };
    // SAFETY: the caller's contract: `out` points at two writable f64s, and a
    // non-null `dst` at a live register nothing refers to (assigning drops its old
    // value properly).
    unsafe {
        *out = j as f64;
        match element {
            None => 1,
            Some(Value::Num(x)) if dst.is_null() => {
                *out.add(1) = x;
                0
            }
            Some(v) => {
                *dst = v;
                0
            }
        }
    }
}

/// `dst := src` for native loop code, between container registers: clones the
/// value (of any type) into `dst`, dropping what it held. Returns 0.
///
/// # Safety
/// `src` and `dst` must point at live registers of the running frame's window
/// (maybe the same one); nothing may hold a reference to either.
pub unsafe extern "C" fn copy_value(src: *const Value, dst: *mut Value) -> u32 {
    // SAFETY: the caller's contract: `src` is a live register; the clone is made
    // before `dst` (maybe the same register) is written, and assigning drops the
    // old value properly.
    unsafe {
        let v = (*src).clone();
        *dst = v;
    }
    0
}

/// What native function code shares with the interpreter during one native call
/// (the outermost one: nested native calls share it). `repr(C)`: the JIT reads its
/// fields at the `FN_*` offsets.
#[repr(C)]
#[derive(Debug)]
pub struct FnCtx {
    /// 0 while running; set to a `BAIL_*` reason when the code gives up.
    pub status: u32,
    /// Native calls may nest this deep (the entry is depth 0).
    pub max_depth: u32,
    /// The interpreter's attention word; native code reads only its interrupt byte
    /// (`interp::attention::INTERRUPT_BYTE`).
    pub interrupt: *const std::sync::atomic::AtomicU32,
    /// Back-edges left before the code gives up (to let a time slice end).
    pub budget: u64,
}
pub const FN_STATUS: i32 = std::mem::offset_of!(FnCtx, status) as i32;
pub const FN_MAX_DEPTH: i32 = std::mem::offset_of!(FnCtx, max_depth) as i32;
pub const FN_INTERRUPT: i32 = std::mem::offset_of!(FnCtx, interrupt) as i32;
pub const FN_BUDGET: i32 = std::mem::offset_of!(FnCtx, budget) as i32;
/// Why native function code gave up (`FnCtx::status`).
pub const BAIL_DEPTH: u32 = 1;
pub const BAIL_INTERRUPT: u32 = 2;
pub const BAIL_BUDGET: u32 = 3;
/// It reached something only the interpreter does (`FInstr::Bail`, an unset local).
pub const BAIL_OTHER: u32 = 4;

/// Signature of native function code: the context, the function of the unit, the
/// native depth, then `FuncUnit::nargs` f64 arguments; returns the result (valid
/// when `status` is still 0). The letters as in [`REGION_FN`], before the arguments.
pub const FN_FN: &str = "pii";

/// Run the native function code at `entry` (compiled from a unit whose functions
/// take at most `args.len()` parameters, `args.len() <= MAX_FN_ARGS`) on `args`.
/// The result is valid when `ctx.status` is still 0 afterwards.
pub(crate) fn run_function(entry: usize, ctx: &mut FnCtx, args: &[f64]) -> f64 {
    type F0 = extern "C" fn(*mut FnCtx, u32, u32) -> f64;
    type F1 = extern "C" fn(*mut FnCtx, u32, u32, f64) -> f64;
    type F2 = extern "C" fn(*mut FnCtx, u32, u32, f64, f64) -> f64;
    type F3 = extern "C" fn(*mut FnCtx, u32, u32, f64, f64, f64) -> f64;
    type F4 = extern "C" fn(*mut FnCtx, u32, u32, f64, f64, f64, f64) -> f64;
    type F5 = extern "C" fn(*mut FnCtx, u32, u32, f64, f64, f64, f64, f64) -> f64;
    type F6 = extern "C" fn(*mut FnCtx, u32, u32, f64, f64, f64, f64, f64, f64) -> f64;
    let c = ctx as *mut FnCtx;
    let a = |i: usize| args.get(i).copied().unwrap_or(0.0);
    // SAFETY: `entry` is the address of a function the JIT compiled from a function
    // unit whose `nargs` is `args.len()`, with the signature `FN_FN` followed by
    // that many f64 and an f64 result, published with a release store after
    // finalization and never freed while the process runs; the type chosen below
    // is exactly that signature. The code only reads and writes the `FnCtx` it is
    // given (a live exclusive reference, at the `FN_*` offsets of its `repr(C)`
    // layout) and reads the interrupt flag through the pointer in it (a live
    // `AtomicBool` owned by the interpreter; a byte load of it is what a relaxed
    // atomic load is on the hosts Cranelift supports). It keeps everything else in
    // registers and on its own stack, nests at most `max_depth` calls deep (the
    // caller bounds that to fit the native stack), and cannot trap: it contains no
    // integer division, no memory access but those, and no trap instruction.
    unsafe {
        match args.len() {
            0 => std::mem::transmute::<usize, F0>(entry)(c, 0, 0),
            1 => std::mem::transmute::<usize, F1>(entry)(c, 0, 0, a(0)),
            2 => std::mem::transmute::<usize, F2>(entry)(c, 0, 0, a(0), a(1)),
            3 => std::mem::transmute::<usize, F3>(entry)(c, 0, 0, a(0), a(1), a(2)),
            4 => std::mem::transmute::<usize, F4>(entry)(c, 0, 0, a(0), a(1), a(2), a(3)),
            5 => std::mem::transmute::<usize, F5>(entry)(c, 0, 0, a(0), a(1), a(2), a(3), a(4)),
            _ => {
                std::mem::transmute::<usize, F6>(entry)(c, 0, 0, a(0), a(1), a(2), a(3), a(4), a(5))
            }
        }
    }
}

//! The one table of pure numeric intrinsics (`abs`, `sqrt`, ... `pi`): name, arity,
//! region operation, the Rust function both tiers call and whether the JIT inlines
//! it. The compiler, the interpreter (`intrinsics/math.rs`) and the JIT all read it.
//!
//! Also the shadowing bits: a map insert notes a key that names one of them, since
//! compiled code computes `sqrt(x)` without looking the name up.

use std::cell::Cell;

use super::desc::ROp;

/// The Rust function of a pure intrinsic: both arguments as f64 (those of one
/// argument ignore the second). `extern "C"` so that native code calls it directly.
pub type PureFn = extern "C" fn(f64, f64) -> f64;

/// One pure numeric intrinsic.
#[derive(Clone, Copy, Debug)]
pub struct PureIntrinsic {
    /// The global name scripts call it by.
    pub name: &'static str,
    /// What a call computes in a region (`None` for `pi`, a constant there).
    pub op: Option<ROp>,
    /// The most arguments a compiled call may pass.
    pub max_args: usize,
    /// The second operand when a call passes one argument.
    pub default_b: f64,
    /// What both tiers compute: the interpreter's intrinsic calls it, and native code
    /// calls it unless `jit_inline`.
    pub eval: PureFn,
    /// The symbol of `eval` in native code.
    pub symbol: &'static str,
    /// The JIT emits an instruction sequence (exactly `eval`) instead of a call.
    pub jit_inline: bool,
}

extern "C" fn abs_of(x: f64, _: f64) -> f64 {
    x.abs()
}
extern "C" fn sqrt_of(x: f64, _: f64) -> f64 {
    x.sqrt()
}
extern "C" fn floor_of(x: f64, _: f64) -> f64 {
    x.floor()
}
extern "C" fn ceil_of(x: f64, _: f64) -> f64 {
    x.ceil()
}
extern "C" fn sin_of(x: f64, _: f64) -> f64 {
    x.sin()
}
extern "C" fn cos_of(x: f64, _: f64) -> f64 {
    x.cos()
}
extern "C" fn tan_of(x: f64, _: f64) -> f64 {
    x.tan()
}
extern "C" fn asin_of(x: f64, _: f64) -> f64 {
    x.asin()
}
extern "C" fn acos_of(x: f64, _: f64) -> f64 {
    x.acos()
}
extern "C" fn pi_of(_: f64, _: f64) -> f64 {
    std::f64::consts::PI
}

/// `sign`: -1, 0 or 1 (`f64::signum` would give 1 for 0). NaN gives 0, as in the
/// C++ reference (C#'s `Math.Sign` throws on NaN; no MiniScript error text exists).
pub extern "C" fn sign_of(x: f64, _: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `atan(y, x)`: the one-argument arctangent when x is exactly 1, else atan2.
pub extern "C" fn atan_of(y: f64, x: f64) -> f64 {
    if x == 1.0 {
        y.atan()
    } else {
        y.atan2(x)
    }
}

/// `log(x, base)`: natural log when base is (close to) e.
pub extern "C" fn log_of(x: f64, b: f64) -> f64 {
    // The reference compares with this six-decimal literal, not with `E` itself.
    #[allow(clippy::approx_constant)]
    let near_e = (b - 2.718282).abs() < 0.000001;
    if near_e {
        x.ln()
    } else {
        x.ln() / b.ln()
    }
}

/// `round(x, places)`: halves to even (C# `Math.Round`, which the spec follows; the
/// C++ version rounds them away from zero), places truncated to an integer and
/// capped at 15; negative places round to tens, hundreds, ...
pub extern "C" fn round_of(x: f64, places: f64) -> f64 {
    let places = crate::value::trunc_int(places);
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

const fn entry(
    name: &'static str,
    op: Option<ROp>,
    max_args: usize,
    default_b: f64,
    eval: PureFn,
    symbol: &'static str,
    jit_inline: bool,
) -> PureIntrinsic {
    PureIntrinsic {
        name,
        op,
        max_args,
        default_b,
        eval,
        symbol,
        jit_inline,
    }
}

/// The pure numeric intrinsics (DESIGN §2). An entry's index is its bit in
/// [`shadowed`] and in `RegionDesc::intrinsics` (at most 16 entries).
#[rustfmt::skip]
pub const PURE: [PureIntrinsic; 14] = [
    entry("abs", Some(ROp::Abs), 1, 0.0, abs_of, "ms_abs", true),
    entry("sqrt", Some(ROp::Sqrt), 1, 0.0, sqrt_of, "ms_sqrt", true),
    entry("floor", Some(ROp::Floor), 1, 0.0, floor_of, "ms_floor", true),
    entry("ceil", Some(ROp::Ceil), 1, 0.0, ceil_of, "ms_ceil", true),
    entry("round", Some(ROp::Round), 2, 0.0, round_of, "ms_round", false),
    entry("sign", Some(ROp::Sign), 1, 0.0, sign_of, "ms_sign", true),
    entry("sin", Some(ROp::Sin), 1, 0.0, sin_of, "ms_sin", false),
    entry("cos", Some(ROp::Cos), 1, 0.0, cos_of, "ms_cos", false),
    entry("tan", Some(ROp::Tan), 1, 0.0, tan_of, "ms_tan", false),
    entry("asin", Some(ROp::Asin), 1, 0.0, asin_of, "ms_asin", false),
    entry("acos", Some(ROp::Acos), 1, 0.0, acos_of, "ms_acos", false),
    entry("atan", Some(ROp::Atan), 2, 1.0, atan_of, "ms_atan", false),
    entry("log", Some(ROp::Log), 2, 10.0, log_of, "ms_log", false),
    // `pi` takes no argument; a region uses the constant.
    entry("pi", None, 0, 0.0, pi_of, "ms_pi", true),
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The index of pure intrinsic `name` in [`PURE`] (usable in constants).
pub const fn index_of(name: &str) -> Option<usize> {
    let mut i = 0;
    while i < PURE.len() {
        if same(PURE[i].name, name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The Rust function of pure intrinsic `name`, for the interpreter's intrinsics
/// (evaluated at compile time: `const { eval_of("sqrt") }`).
pub const fn eval_of(name: &str) -> PureFn {
    match index_of(name) {
        Some(i) => PURE[i].eval,
        None => panic!("not a pure intrinsic"),
    }
}

/// The table entry computing `op`, if `op` is a pure intrinsic's.
pub fn of_op(op: ROp) -> Option<&'static PureIntrinsic> {
    PURE.iter().find(|p| p.op == Some(op))
}

/// What a call of intrinsic `name` with `nargs` arguments computes in a region: its
/// table entry and its bit in the shadowing mask ([`shadowed`]). `None` if the call
/// is not a pure numeric one (unknown name, or too many arguments, which is an error
/// the interpreter must report). A missing first argument defaults to 0; only calls
/// that pass it are compiled (an empty call of a math function is not worth a
/// region), except `pi`, which takes none.
pub fn call(name: &str, nargs: usize) -> Option<(&'static PureIntrinsic, u16)> {
    let i = index_of(name)?;
    let p = &PURE[i];
    if nargs > p.max_args || (p.max_args > 0 && nargs == 0) {
        return None;
    }
    Some((p, 1 << i))
}

/// The names of [`PURE`], in order: what a map insert scans (derived from the
/// table at compile time, so that the scan stays a loop over names).
const NAMES: [&str; PURE.len()] = {
    let mut names = [""; PURE.len()];
    let mut i = 0;
    while i < PURE.len() {
        names[i] = PURE[i].name;
        i += 1;
    }
    names
};

thread_local! {
    /// One bit per entry of [`PURE`] that some map of this thread has had as a key
    /// (see [`shadowed`]).
    static SHADOWED: Cell<u16> = const { Cell::new(0) };
}

/// Called by every map insert with a string key (`value::MsMap::insert`): notes a
/// key that names a pure intrinsic.
#[inline]
pub fn note_key(s: &str) {
    // Cheap first: the names are 2 to 5 bytes long.
    if (2..=5).contains(&s.len()) {
        if let Some(i) = NAMES.iter().position(|n| *n == s) {
            SHADOWED.with(|c| c.set(c.get() | 1 << i));
        }
    }
}

/// The pure intrinsics (bit `i` is `PURE[i]`) whose name has ever been a key of a
/// map inserted on this thread, other than the intrinsics table itself when it is
/// built. Compiled code evaluates `sqrt(x)` as the intrinsic without looking the
/// name up, which is only right while no scope map (globals, a function's locals or
/// outer map, the intrinsics a host registers) can hold the name; since every scope
/// map is a map, a region whose names are all clear here may run natively.
/// Conservative: a `log` field of any map also counts, and the bit is never cleared.
#[inline]
pub fn shadowed() -> u16 {
    SHADOWED.with(|c| c.get())
}

//! Tiering, all but the JIT: what a region is (`desc`), which code qualifies
//! (`straight`, `loops`, `func` for whole functions), `fingerprint`s, the pure `intrinsics` table, the native
//! `abi`, and here the interface to the profiler and the JIT (DESIGN §1).
//!
//! Layering: `tier` sits in the bottom layer with `value` and `tac`, and imports only
//! those two: `tac::Proto` holds its functions' `RegionInfo`s, `value`'s map insert
//! notes names of pure intrinsics, and the compiler (above) describes regions with
//! it. The interpreter's side (registering, entering and demoting regions, running
//! native loops) is `interp/regions.rs`, since it is made of `impl Vm` blocks.
//!
//! The interpreter counts region executions in plain counters, calls the hook at
//! check points and for sampled timings, and runs native code that the JIT published
//! in a region's `SiteSlot` (one atomic load per entry).

// The native ABI and the region descriptions are for the jit and profiler crates
// (`internals` feature): without it much of this module has no user.
#![cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]

use std::rc::Rc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::tac::Proto;

pub mod abi;
mod desc;
mod fingerprint;
mod func;
mod inline;
pub mod intrinsics;
mod loops;
pub mod samples;
mod straight;

pub use desc::{
    ExitKind, GlobalMirror, LInstr, LOperand, LoopBody, LoopMeta, RInstr, ROp, ROperand,
    RegionDesc, RegionInfo, Test,
};
pub use fingerprint::fingerprint;
pub use func::{
    describe_function, fn_candidate, DescribedFunc, FInstr, FuncBody, FuncUnit, MAX_FN_ARGS,
};
pub use inline::MAX_INLINE_DEPTH;
pub use loops::{describe_loop, full_desc, DescribedLoop, NestShape};
pub use straight::describe;

/// A region's id in one `Vm`: the index of its counters and slot (regions of every
/// function loaded, in the order of first use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RegionId(pub u32);

impl RegionId {
    /// The id of region `x` of a function whose region 0 has id `base`
    /// (`Proto::region_base`).
    #[inline]
    pub fn new(base: u32, x: u32) -> RegionId {
        RegionId(base + x)
    }
    /// The index of the region in per-`Vm` tables.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for RegionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Region states (DESIGN §2: Cold → Queued → Ready, or Failed (a compile was tried
/// and failed), or Demoted; Ineligible when never compilable). Stored
/// in a `SiteSlot` as its `u8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum RegionState {
    #[default]
    Cold = 0,
    Queued = 1,
    Ready = 2,
    Failed = 3,
    Demoted = 4,
    /// The JIT is off: regions are only profiled.
    Off = 5,
    /// The region cannot be compiled (its description failed): never tried.
    Ineligible = 6,
}

impl RegionState {
    /// The state stored as `s`.
    pub fn from_u8(s: u8) -> RegionState {
        match s {
            0 => RegionState::Cold,
            1 => RegionState::Queued,
            2 => RegionState::Ready,
            3 => RegionState::Failed,
            4 => RegionState::Demoted,
            6 => RegionState::Ineligible,
            _ => RegionState::Off,
        }
    }

    /// The state's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            RegionState::Cold => "interpreted",
            RegionState::Queued => "queued",
            RegionState::Ready => "compiled",
            RegionState::Failed => "failed",
            RegionState::Demoted => "demoted",
            RegionState::Off => "off",
            RegionState::Ineligible => "not eligible",
        }
    }
}

/// Where native code for one region is published. Shared with the compile thread.
#[derive(Default, Debug)]
pub struct SiteSlot {
    /// Address of the native code (an [`abi::RegionFn`] or, for a loop region, an
    /// [`abi::LoopFn`]), or 0.
    pub entry: AtomicUsize,
    /// A [`RegionState`], as its `u8`.
    state: AtomicU8,
}

impl SiteSlot {
    /// Publish native code (release: the code is complete before the address is seen).
    pub fn publish(&self, entry: usize) {
        self.set_state(RegionState::Ready);
        self.entry.store(entry, Ordering::Release);
    }
    pub fn state(&self) -> RegionState {
        RegionState::from_u8(self.state.load(Ordering::Acquire))
    }
    pub fn set_state(&self, s: RegionState) {
        self.state.store(s as u8, Ordering::Release);
    }
    /// Withdraw the native code for good (the region is interpreted from now on).
    pub fn demote(&self) {
        self.entry.store(0, Ordering::Release);
        self.set_state(RegionState::Demoted);
    }
}

/// Per-region counters kept by the interpreter (plain, single-threaded).
#[derive(Debug, Default, Clone)]
pub struct RegionCounters {
    /// Entries into the region (interpreted and native).
    pub count: u64,
    /// Entries that ran native code.
    pub native: u64,
    /// Entries whose guard failed (an input was not a number).
    pub misses: u64,
    /// Count at which the hook is consulted next (`u64::MAX`: never).
    pub next_check: u64,
    /// Loop regions: back-edges run by native code.
    pub iters: u64,
    /// Loop regions: native runs that ended by each [`ExitKind`] (indexed by it:
    /// the loop condition, a `break`, pauses every `PAUSE_PERIOD` back-edges for
    /// interrupts and time slices, and fallbacks to the interpreter).
    pub exits: [u64; 4],
}

impl RegionCounters {
    /// The count of exits of kind `k`.
    pub fn exits_of(&self, k: ExitKind) -> u64 {
        self.exits[k as usize]
    }
}

/// The profiler/JIT side, plugged into a `Vm`.
pub trait TierHook {
    /// A region of `proto` was loaded: `info`, which is `proto.regions[x]` when `x`
    /// is given (`None`: a function region, `proto` whole). `slot` is where its
    /// native code will be published. The hook may keep `proto`: a loop region is
    /// described in full from its code only when it is to be compiled
    /// ([`full_desc`]).
    fn register(
        &mut self,
        id: RegionId,
        info: &RegionInfo,
        proto: &Rc<Proto>,
        x: Option<usize>,
        slot: &Arc<SiteSlot>,
    );
    /// Region `id` reached its check point with these counters; returns the next
    /// check point (`u64::MAX` for never). `resolve` gives the script function a
    /// global name holds now (for the calls of a loop nest, see [`full_desc`]).
    fn check(
        &mut self,
        id: RegionId,
        counters: &RegionCounters,
        resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
    ) -> u64;
    /// A guard failed; returns true to demote the region to interpreted for good.
    fn guard_miss(&mut self, id: RegionId, counters: &RegionCounters) -> bool;
    /// A timestamp (cycles or nanoseconds; only differences are used).
    fn timestamp(&self) -> u64;
    /// A sampled execution of `id` took `ticks` (timestamp units).
    fn sample(&mut self, id: RegionId, native: bool, ticks: u64);
    /// Sample one region execution in 2^k (`None`: never sample).
    fn sample_shift(&self) -> Option<u32>;
    /// The program ended (or the host is done): final counters, indexed by id.
    fn finish(&mut self, counters: &[RegionCounters]);
    /// Just before `finish`: the whole-program samples, when sampling was on.
    fn samples(&mut self, _samples: &samples::Samples) {}
}

//! The tiering interface: the little the interpreter knows about the profiler and
//! the JIT (DESIGN §1). The interpreter counts region executions in plain counters,
//! calls the hook at check points and for sampled timings, and runs native code
//! that the JIT published in a region's `SiteSlot` (one atomic load per entry).

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::region::RegionInfo;

/// Region states (DESIGN §2: Cold → Queued → Ready, or Failed, or Demoted).
pub mod state {
    pub const COLD: u8 = 0;
    pub const QUEUED: u8 = 1;
    pub const READY: u8 = 2;
    pub const FAILED: u8 = 3;
    pub const DEMOTED: u8 = 4;
    /// The JIT is off: regions are only profiled.
    pub const OFF: u8 = 5;

    pub fn name(s: u8) -> &'static str {
        match s {
            COLD => "interpreted",
            QUEUED => "queued",
            READY => "compiled",
            FAILED => "failed",
            DEMOTED => "demoted",
            _ => "off",
        }
    }
}

/// Where native code for one region is published. Shared with the compile thread.
#[derive(Default, Debug)]
pub struct SiteSlot {
    /// Address of `extern "C" fn(inputs: *const f64, outputs: *mut f64)`, or 0.
    pub entry: AtomicUsize,
    pub state: AtomicU8,
}

impl SiteSlot {
    /// Publish native code (release: the code is complete before the address is seen).
    pub fn publish(&self, entry: usize) {
        self.state.store(state::READY, Ordering::Release);
        self.entry.store(entry, Ordering::Release);
    }
    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
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
    /// Loop regions: native runs that ended by the loop condition, by a `break`,
    /// pauses (every `PAUSE_PERIOD` back-edges, for interrupts and time slices),
    /// and fallbacks (a list access left to the interpreter).
    pub exits: [u64; 4],
}

/// The profiler/JIT side, plugged into a `Vm`.
pub trait TierHook {
    /// A region was loaded; `slot` is where its native code will be published.
    fn register(&mut self, gid: u32, info: &RegionInfo, file: Option<&str>, slot: &Arc<SiteSlot>);
    /// Region `gid` reached its check point with these counters; returns the next
    /// check point (`u64::MAX` for never).
    fn check(&mut self, gid: u32, counters: &RegionCounters) -> u64;
    /// A guard failed; returns true to demote the region to interpreted for good.
    fn guard_miss(&mut self, gid: u32, counters: &RegionCounters) -> bool;
    /// A timestamp (cycles or nanoseconds; only differences are used).
    fn timestamp(&self) -> u64;
    /// A sampled execution of `gid` took `ticks` (timestamp units).
    fn sample(&mut self, gid: u32, native: bool, ticks: u64);
    /// Sample one region execution in 2^k (`None`: never sample).
    fn sample_shift(&self) -> Option<u32>;
    /// The program ended (or the host is done): final counters, indexed by gid.
    fn finish(&mut self, counters: &[RegionCounters]);
}

//! Size limits and the memory ceiling: the reference's largest string or list, and
//! the per-thread ceiling one string, list or map may grow to (`--max-memory-mb`),
//! checked before allocating. Bottom layer: `format` and `ops` both obey it.

use crate::error::{MsError, MsResult};
use crate::value::Value;

/// Largest string (in characters) or list a value may grow to (C# `maxSize`).
pub const MAX_SIZE: usize = 0xFF_FFFF;

/// Default memory ceiling (`VmConfig::max_memory`): the most bytes one string,
/// list or map may grow to (option `max-memory-mb`).
pub const DEFAULT_MAX_MEMORY: usize =
    crate::options::mib_to_bytes(crate::options::Id::max_memory_mb.default_int());

/// Estimated bytes per list element and per map entry (key, value, index).
pub const LIST_ELEM_BYTES: usize = std::mem::size_of::<Value>();
pub const MAP_ENTRY_BYTES: usize = 2 * std::mem::size_of::<Value>() + 16;

thread_local! {
    static MAX_MEMORY: std::cell::Cell<usize> = const { std::cell::Cell::new(DEFAULT_MAX_MEMORY) };
}

/// The memory ceiling in force on this thread: the running Vm's
/// `VmConfig::max_memory` (see `MemoryScope`), else the default. Every place that
/// makes a string, list or map grow checks its new size against it *before*
/// allocating, so a runaway program gets a MiniScript error instead of an abort.
pub fn memory_limit() -> usize {
    MAX_MEMORY.with(|m| m.get())
}

/// Puts a Vm's ceiling in force while it runs; restores the previous one on drop
/// (an intrinsic may run another Vm nested).
pub struct MemoryScope(usize);

impl MemoryScope {
    pub fn enter(limit: usize) -> MemoryScope {
        MemoryScope(MAX_MEMORY.with(|m| m.replace(limit)))
    }
}

impl Drop for MemoryScope {
    fn drop(&mut self) {
        MAX_MEMORY.with(|m| m.set(self.0));
    }
}

/// The error for a value that would pass the ceiling: the reference's `string too
/// large` / `list too large` wording, plus the limit and the option that sets it.
pub fn too_large(what: &str) -> MsError {
    let limit = memory_limit();
    let shown = if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MB", limit >> 20)
    } else {
        format!("{limit} bytes")
    };
    MsError::runtime(format!(
        "{what} too large (over the memory limit of {shown}; see --max-memory-mb)"
    ))
}

/// Ok when a string of `bytes` bytes fits under the ceiling.
pub fn check_str_bytes(bytes: usize) -> MsResult<()> {
    if bytes > memory_limit() {
        return Err(too_large("string"));
    }
    Ok(())
}

/// Ok when a list of `len` elements fits under the ceiling.
pub fn check_list_len(len: usize) -> MsResult<()> {
    if len.saturating_mul(LIST_ELEM_BYTES) > memory_limit() {
        return Err(too_large("list"));
    }
    Ok(())
}

/// Ok when a map of `len` entries fits under the ceiling.
pub fn check_map_len(len: usize) -> MsResult<()> {
    if len.saturating_mul(MAP_ENTRY_BYTES) > memory_limit() {
        return Err(too_large("map"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The total memory budget of one interpreter (`Interpreter::set_memory_budget`).
//
// Places that make a string, list or map grow `charge` the bytes they add against an
// allowance. The allowance is half of what the budget leaves after the live data
// last measured; when it runs out the other half (the reserve) is taken and a new
// measurement is requested (the interpreter walks its live values at its next loop
// iteration or call); when both are spent the operation fails before allocating.
// Without a budget the allowance is unbounded and `charge` is one compare.

thread_local! {
    static ALLOWANCE: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
    static RESERVE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
    static WAKE: std::cell::RefCell<Option<std::rc::Rc<dyn Fn()>>> = const { std::cell::RefCell::new(None) };
    static MEASURE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a measurement of live memory was asked for since the last call.
pub fn take_measure_request() -> bool {
    MEASURE.with(|m| m.replace(false))
}

/// Count `bytes` about to be allocated against the interpreter's memory budget.
#[inline]
pub fn charge(bytes: usize) -> MsResult<()> {
    let left = ALLOWANCE.with(|a| a.get());
    if bytes <= left {
        ALLOWANCE.with(|a| a.set(left - bytes));
        return Ok(());
    }
    charge_reserve(bytes, left)
}

#[cold]
#[inline(never)]
fn charge_reserve(bytes: usize, left: usize) -> MsResult<()> {
    let reserve = RESERVE.with(|r| r.replace(0));
    let have = left.saturating_add(reserve);
    if BUDGET.with(|b| b.get()) == usize::MAX {
        // No budget: an unbounded allowance ran out after 2^64 bytes; refill it.
        ALLOWANCE.with(|a| a.set(usize::MAX));
        return Ok(());
    }
    MEASURE.with(|m| m.set(true));
    WAKE.with(|w| {
        if let Some(f) = w.borrow().as_ref() {
            f()
        }
    });
    if bytes > have {
        ALLOWANCE.with(|a| a.set(have));
        return Err(over_budget());
    }
    ALLOWANCE.with(|a| a.set(have - bytes));
    Ok(())
}

/// The error of an operation that would pass the interpreter's memory budget.
pub fn over_budget() -> MsError {
    let b = BUDGET.with(|b| b.get());
    let shown = if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
        format!("{} MB", b >> 20)
    } else {
        format!("{b} bytes")
    };
    MsError::runtime(format!("out of memory (over the memory budget of {shown})"))
}

/// One interpreter's memory budget state, kept in the interpreter between runs.
#[derive(Clone)]
pub struct MemoryBudget {
    /// The most bytes (estimated as for the per-value ceiling) all live strings,
    /// lists and maps together may take.
    pub budget: usize,
    /// Bytes that may still be allocated before a measurement, and the reserve.
    pub allowance: usize,
    pub reserve: usize,
    /// Asks the interpreter for a measurement (raises its `BUDGET` attention bit).
    pub wake: std::rc::Rc<dyn Fn()>,
}

impl MemoryBudget {
    /// A budget of `budget` bytes with `live` bytes in use now.
    pub fn new(budget: usize, live: usize, wake: std::rc::Rc<dyn Fn()>) -> Self {
        let mut m = MemoryBudget {
            budget,
            allowance: 0,
            reserve: 0,
            wake,
        };
        m.measured(live);
        m
    }
    /// Start again from a measurement of `live` bytes.
    pub fn measured(&mut self, live: usize) {
        let room = self.budget.saturating_sub(live);
        self.allowance = room / 2;
        self.reserve = room - room / 2;
    }
}

/// What `budget_enter` replaced, restored by `budget_leave`.
pub struct SavedBudget(usize, usize, usize, Option<std::rc::Rc<dyn Fn()>>);

/// Put `m` in force on this thread (a run is starting).
pub fn budget_enter(m: &MemoryBudget) -> SavedBudget {
    SavedBudget(
        ALLOWANCE.with(|a| a.replace(m.allowance)),
        RESERVE.with(|r| r.replace(m.reserve)),
        BUDGET.with(|b| b.replace(m.budget)),
        WAKE.with(|w| w.replace(Some(m.wake.clone()))),
    )
}

/// The run has ended: store what is left in `m` and restore what was before.
pub fn budget_leave(m: &mut MemoryBudget, saved: SavedBudget) {
    m.allowance = ALLOWANCE.with(|a| a.replace(saved.0));
    m.reserve = RESERVE.with(|r| r.replace(saved.1));
    BUDGET.with(|b| b.set(saved.2));
    WAKE.with(|w| *w.borrow_mut() = saved.3);
}

/// A measurement found `live` bytes in use: refill the allowance in force.
pub fn budget_measured(live: usize) {
    let budget = BUDGET.with(|b| b.get());
    let room = budget.saturating_sub(live);
    ALLOWANCE.with(|a| a.set(room / 2));
    RESERVE.with(|r| r.set(room - room / 2));
}

/// An operation budget (fuel) for one run call: one unit per loop iteration
/// (back-edge) and per script function call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fuel {
    /// Units each run call starts with.
    pub budget: u64,
    /// Units left in the current run call.
    pub left: u64,
    /// Whether running out pauses the run (at its next loop iteration, like the
    /// end of a time slice) rather than failing it.
    pub pause: bool,
    /// The budget ran out in this run call.
    pub exhausted: bool,
}

/// The error of a run that used up its operation budget.
pub fn out_of_fuel(budget: u64) -> MsError {
    MsError::runtime(format!("operation budget exhausted ({budget} operations)"))
}

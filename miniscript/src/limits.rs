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

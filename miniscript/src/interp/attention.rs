//! The one flag the interpreter polls at back-edges and calls: an interrupt, a
//! profiler sample, a debugger request or a spent budget asks for its attention.
//!
//! Other threads raise bits; the running interpreter sees a non-zero word at its next
//! check and handles the bits in [`Vm::on_attention`] (the cold path). Native code
//! reads only the interrupt byte ([`INTERRUPT_BYTE`]), so a sample request never makes
//! a native function give up.

use std::sync::atomic::{AtomicU32, Ordering};

use super::Vm;
use crate::error::MsResult;

/// Stop the running script (Ctrl-C, the host): the run fails with `interrupted`.
pub const INTERRUPT: u32 = 1;
/// The sampling profiler wants to know where the program is.
pub const SAMPLE: u32 = 1 << 8;
/// A debugger wants the interpreter to stop and look at its breakpoints.
pub const DEBUG: u32 = 1 << 9;
/// A host budget (operations, time) needs checking.
pub const BUDGET: u32 = 1 << 10;

/// Byte offset of the interrupt bit inside the word, for native code that loads one
/// byte: only [`INTERRUPT`] lives in that byte.
#[cfg_attr(not(feature = "internals"), allow(dead_code))] // the jit crate
pub const INTERRUPT_BYTE: i32 = if cfg!(target_endian = "big") { 3 } else { 0 };

/// The shared word of request bits.
#[derive(Debug, Default)]
pub struct Attention(AtomicU32);

impl Attention {
    /// No request pending.
    pub fn new() -> Self {
        Attention(AtomicU32::new(0))
    }
    /// Raise `bits`; returns whether they were all set already.
    pub fn raise(&self, bits: u32) -> bool {
        self.0.fetch_or(bits, Ordering::SeqCst) & bits == bits
    }
    /// Clear `bits`.
    pub fn clear(&self, bits: u32) {
        self.0.fetch_and(!bits, Ordering::SeqCst);
    }
    /// The bits pending now (one relaxed load: cheap enough for every back-edge).
    #[inline(always)]
    pub fn pending(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
    /// Whether an interrupt is pending.
    #[inline(always)]
    pub fn interrupted(&self) -> bool {
        self.pending() & INTERRUPT != 0
    }
    /// The word itself, for native code (which reads the byte at `INTERRUPT_BYTE`).
    pub fn as_ptr(&self) -> *const AtomicU32 {
        &self.0
    }
}

impl Vm {
    /// Handle whatever was raised; an interrupt ends the run. Called only when
    /// [`Attention::pending`] is non-zero, with the current frame's `pc` saved.
    #[cold]
    #[inline(never)]
    pub(crate) fn on_attention(&mut self) -> MsResult<()> {
        let bits = self.attention.pending();
        if bits & INTERRUPT != 0 {
            return Err(super::interrupted_error());
        }
        if bits & SAMPLE != 0 {
            self.on_sample();
        }
        if bits & BUDGET != 0 {
            self.on_budget()?;
        }
        // A debugger's request is left for its check before the next instruction
        // (`crate::debug`; kept out of here); without a debugger it is dropped. No
        // handler for the other bits yet: drop them so the check stays quiet.
        let keep = if self.dbg.attached() { DEBUG } else { 0 };
        self.attention
            .clear(bits & !(INTERRUPT | SAMPLE | BUDGET) & !keep);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupt_is_alone_in_its_byte() {
        let a = Attention::new();
        a.raise(SAMPLE | DEBUG | BUDGET);
        let byte = |a: &Attention| a.pending().to_ne_bytes()[INTERRUPT_BYTE as usize];
        assert_eq!(byte(&a), 0);
        assert!(!a.raise(INTERRUPT));
        assert_eq!(byte(&a), 1);
        assert!(a.raise(INTERRUPT));
        a.clear(INTERRUPT);
        assert!(!a.interrupted());
        assert_eq!(a.pending(), SAMPLE | DEBUG | BUDGET);
    }
}

//! Call frames. Frames live in a `Vec` owned by the `Vm`, never on the native stack,
//! so MiniScript recursion depth is bounded only by the configured limit.

use std::rc::Rc;

use crate::tac::Proto;
use crate::value::{MapRef, Value};

/// Where a returning frame's result goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetDest {
    /// An absolute index into the value stack.
    Reg(usize),
    /// The caller is resolving operand `k` of the instruction at its pc (a named local
    /// that held a function): store in the caller's `resolved[k]` and re-run it.
    Resolve(u8),
    /// Throw the result away.
    Discard,
    /// Return to the host (end of a run).
    Host,
}

pub struct Frame {
    pub proto: Rc<Proto>,
    pub pc: usize,
    /// Start of this frame's register window in the value stack.
    pub base: usize,
    /// The locals map (map-mode functions and global code; created lazily otherwise).
    pub locals: Option<MapRef>,
    /// The captured `outer` map; `None` means globals.
    pub outer: Option<MapRef>,
    pub ret: RetDest,
    pub self_val: Value,
    /// `super` for functions found through a map (`None`: reading it is an error).
    pub super_val: Option<Value>,
}

impl Frame {
    /// Whether every name this frame reads resolves to the globals map `globals`
    /// (global code, whose locals map is the globals, or a function with no locals
    /// map whose outer scope is absent or the globals).
    #[inline]
    pub fn sees_only_globals(&self, globals: &MapRef) -> bool {
        let is_globals = |m: &Option<MapRef>| m.as_ref().is_none_or(|m| Rc::ptr_eq(m, globals));
        is_globals(&self.locals) && is_globals(&self.outer)
    }
}

/// Operands of one instruction being resolved by calls (spec §2.4 auto-invocation of
/// a named local holding a function). Kept off the frame: it is rare.
pub struct Resolving {
    /// Depth (frame count) of the frame running the instruction.
    pub depth: usize,
    pub pc: usize,
    pub vals: [Option<Value>; 2],
}

//! Synchronous entry points for hosts and host-side intrinsics: call a function
//! value and get its result, or run a compiled chunk (an imported module) with its
//! own locals map, while the interpreter may be idle, paused between time slices,
//! or in the middle of a native call.
//!
//! Both push frames above everything that is live, run the dispatch loop until the
//! frame stack is back where it was, and unwind only their own frames on error. A
//! synchronous call cannot be suspended, so `yield` and time slices inside it are
//! ignored (`wait` still sleeps in real time, and interrupts still stop it).

use std::rc::Rc;

use super::call::SelfArg;
use super::frame::RetDest;
use super::slow::Flow;
use super::{RunStatus, Vm};
use crate::error::{MsError, MsResult};
use crate::tac::Proto;
use crate::value::{MapRef, Value};

/// Nested runs (host call -> script -> host closure or `import` -> script ...) each
/// take a native stack frame of the dispatch loop; past this depth the run fails
/// with a MiniScript error instead of overflowing the native stack of a host thread
/// (which may be as small as 2 MiB).
pub const MAX_NESTED_RUNS: u32 = 200;

impl Vm {
    /// Call a function value with `args` and return its result, like a MiniScript
    /// call `f(args...)`: missing arguments get their defaults, too many is an error,
    /// and a non-function value is returned as is when there are no arguments.
    ///
    /// Works when no program is running, between time slices of a paused program,
    /// and from inside an intrinsic (re-entrantly). Globals are shared with the
    /// program; nothing else of a paused program is touched.
    pub fn call_value(&mut self, f: &Value, args: &[Value]) -> MsResult<Value> {
        self.call_value_from::<false>(f, args)
    }

    /// [`Vm::call_value`] as a run call of the host (`Interpreter::call_function`):
    /// with a fuel budget, the call starts with a full one.
    pub(crate) fn host_call_value(&mut self, f: &Value, args: &[Value]) -> MsResult<Value> {
        self.call_value_from::<true>(f, args)
    }

    /// One test on the way in: `nesting` is at least `MAX_NESTED_RUNS` when the
    /// nesting limit is reached or when a budget is set (`HostState::nesting`).
    #[inline(always)]
    fn call_value_from<const FRESH: bool>(&mut self, f: &Value, args: &[Value]) -> MsResult<Value> {
        if self.host.nesting >= MAX_NESTED_RUNS {
            return self.call_value_gated(f, args, FRESH);
        }
        self.call_value_plain(f, args)
    }

    /// A call past the nesting limit (an error), or with budgets in force.
    #[cold]
    #[inline(never)]
    fn call_value_gated(&mut self, f: &Value, args: &[Value], fresh: bool) -> MsResult<Value> {
        if self.host.nested_runs() >= MAX_NESTED_RUNS {
            return match f {
                Value::Func(_) => Err(too_many_nested_runs()),
                _ => self.call_value_plain(f, args),
            };
        }
        if fresh {
            self.begin_budgeted_run(false);
        }
        self.budget_enter();
        let r = self.call_value_plain(f, args);
        self.budget_leave();
        r
    }

    #[inline(always)]
    fn call_value_plain(&mut self, f: &Value, args: &[Value]) -> MsResult<Value> {
        let func = match f {
            Value::Func(func) => func.clone(),
            other if args.is_empty() => return Ok(other.clone()),
            _ => return Err(MsError::runtime("Too Many Arguments")),
        };
        let base_depth = self.depth;
        // Registers above the top frame's window are free: a running frame's live
        // temporaries never extend past its window, and native arguments are copied.
        let top = self.free_stack_top();
        let need = top + 1 + args.len();
        if self.stack.len() < need {
            self.stack.resize(need, Value::Null);
        }
        self.stack[top] = Value::Null;
        for (i, a) in args.iter().enumerate() {
            self.stack[top + 1 + i] = a.clone();
        }
        self.host.nesting += 1;
        let r =
            match self.call_function(func, top + 1, args.len(), RetDest::Reg(top), SelfArg::None) {
                Ok(Flow::Reload) => self.run_nested(base_depth),
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
        self.host.nesting -= 1;
        r?;
        Ok(std::mem::take(&mut self.stack[top]))
    }

    /// Run compiled global code (from `compiler::compile`) to its end as a nested
    /// call whose variables live in `locals` (the reference's `import`: the module
    /// runs as a function, and its locals become the module map). Unqualified reads
    /// fall back to globals, then intrinsics; functions it defines capture `locals`
    /// as their `outer`.
    pub fn run_with_locals(&mut self, proto: Rc<Proto>, locals: MapRef) -> MsResult<()> {
        if self.depth >= self.config.max_call_depth {
            return Err(MsError::runtime(format!(
                "Stack Overflow: call depth exceeded the limit of {} nested calls",
                self.config.max_call_depth
            )));
        }
        let base_depth = self.depth;
        let top = self.free_stack_top();
        let need = top + proto.nregs as usize;
        if self.stack.len() < need {
            self.stack.resize(need, Value::Null);
        }
        self.enter_nested()?;
        self.push_frame(
            proto,
            top,
            Some(locals),
            None,
            RetDest::Discard,
            Value::Null,
            None,
        );
        self.budget_enter();
        let r = self.run_nested(base_depth);
        self.budget_leave();
        self.host.nesting -= 1;
        r
    }

    /// Assign `name` in the scope of the running frame (the caller of the current
    /// intrinsic): its locals map when it has one (global code, and functions that
    /// name `import` or `locals`), else its named-local register. Returns false when
    /// no frame is running or the frame has no such variable.
    pub fn set_caller_variable(&mut self, name: &str, v: Value) -> bool {
        let Some(f) = self.top_frame() else {
            return false;
        };
        if let Some(l) = &f.locals {
            l.borrow_mut().insert(Value::str(name), v);
            return true;
        }
        let slot = f.proto.local_names.iter().position(|n| &**n == name);
        match slot {
            Some(i) => {
                let at = f.base + i;
                self.stack[at] = v;
                true
            }
            None => false,
        }
    }

    /// First register not used by any live frame.
    pub(crate) fn free_stack_top(&self) -> usize {
        self.top_frame()
            .map_or(0, |f| f.base + f.proto.nregs as usize)
    }

    /// Count one more nested run, or fail past the limit. The caller puts the
    /// memory budget in force around the run (`budget_enter`, `budget_leave`).
    pub(crate) fn enter_nested(&mut self) -> MsResult<()> {
        if self.host.nested_runs() >= MAX_NESTED_RUNS {
            return Err(too_many_nested_runs());
        }
        self.host.nesting += 1;
        Ok(())
    }

    /// Run the frames above `base_depth` until they have all returned. On error,
    /// only those frames are dropped: the caller's frames (a paused program, or
    /// the frame running the current intrinsic) stay intact.
    pub(crate) fn run_nested(&mut self, base_depth: usize) -> MsResult<()> {
        let saved_slice = self.slice_end.take();
        let saved_ticks = self.ticks;
        let _ceiling = crate::ops::MemoryScope::enter(self.config.max_memory);
        let r = loop {
            match self.execute(base_depth) {
                Ok(RunStatus::Done) => break Ok(()),
                // `yield` or an (impossible, slice_end is None) slice end: a
                // synchronous call cannot be suspended, so keep going.
                Ok(RunStatus::Yielded) => continue,
                Err(e) => break Err(e),
            }
        };
        self.slice_end = saved_slice;
        self.ticks = saved_ticks;
        if r.is_err() {
            while self.depth > base_depth {
                self.pop_frame();
            }
            self.resolving.retain(|r| r.depth <= base_depth);
        }
        r
    }
}

fn too_many_nested_runs() -> MsError {
    MsError::runtime(format!(
        "Stack Overflow: more than {MAX_NESTED_RUNS} nested host calls or imports"
    ))
}

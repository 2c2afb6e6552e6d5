//! The debugger through the embedding API: attach a front end of the host's own
//! (a game engine's debugger UI), set breakpoints, pause, keep error traces.

use super::Interpreter;
use crate::debug::{Breakpoint, BreakpointSpec, DebugHandle, DebugHook, StackFrame};

impl Interpreter {
    /// Attach a debugger front end: from now on runs check breakpoints and steps,
    /// and `hook.stopped` is called at each stop (on this thread, inside the run)
    /// to inspect the program and say how to go on. With `stop_on_entry` the
    /// first stop is before the first line the next run executes.
    ///
    /// ```
    /// use miniscript::debug::{BreakpointSpec, DebugHook, Resume, Scope, Session, StopReason};
    /// use miniscript::host::{Interpreter, StringSink};
    /// use std::{cell::RefCell, rc::Rc};
    ///
    /// struct Watch(Rc<RefCell<Vec<String>>>);
    /// impl DebugHook for Watch {
    ///     fn stopped(&mut self, s: &mut Session<'_>, _why: &StopReason) -> Resume {
    ///         let top = &s.stack()[0];
    ///         let n = s.variables(0, Scope::Locals).into_iter().find(|v| v.name == "n");
    ///         let doubled = s.evaluate(0, "n * 2").map(|v| v.num_or_zero());
    ///         self.0.borrow_mut().push(format!(
    ///             "{} line {}: n = {}, n * 2 = {:?}",
    ///             top.function, top.line, n.map(|v| v.text).unwrap_or_default(), doubled
    ///         ));
    ///         Resume::Continue
    ///     }
    /// }
    ///
    /// let mut interp = Interpreter::new();
    /// interp.set_output(StringSink::default());
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// interp.attach_debugger(Watch(seen.clone()), false);
    /// interp.load("", "f = function(n)\n  return n + 1\nend function\nprint f(1) + f(20)").unwrap();
    /// interp.set_breakpoints(None, &[BreakpointSpec { line: 2, ..Default::default() }]);
    /// interp.run().unwrap();
    /// assert_eq!(*seen.borrow(), [
    ///     "f line 2: n = 1, n * 2 = Ok(2.0)",
    ///     "f line 2: n = 20, n * 2 = Ok(40.0)",
    /// ]);
    /// ```
    pub fn attach_debugger(&mut self, hook: impl DebugHook + 'static, stop_on_entry: bool) {
        self.vm.attach_debugger(Box::new(hook), stop_on_entry);
    }

    /// Detach the debugger (its breakpoints go with it): runs are at full speed
    /// again.
    pub fn detach_debugger(&mut self) -> Option<Box<dyn DebugHook>> {
        self.vm.detach_debugger()
    }

    /// Replace the breakpoints of `file` (`None`: the program loaded with
    /// [`Interpreter::load`], whose code moves each to the first line with code at
    /// or after the one asked for; else an imported module's name or path).
    /// Nothing is set without a debugger attached.
    pub fn set_breakpoints(
        &mut self,
        file: Option<&str>,
        specs: &[BreakpointSpec],
    ) -> Vec<Breakpoint> {
        let main = self.vm.main_proto();
        match self.vm.debug_state() {
            Some(st) => st.breakpoints.set(file, specs, main.as_deref()),
            None => Vec::new(),
        }
    }

    /// Stop (with [`crate::debug::StopReason::Error`]) when a runtime error is
    /// about to end the program, with its frames still there to inspect.
    pub fn set_break_on_errors(&mut self, on: bool) {
        if let Some(st) = self.vm.debug_state() {
            st.break_on_errors = on;
        }
    }

    /// A handle that pauses the program from any thread (see [`DebugHandle`]).
    pub fn debug_handle(&self) -> DebugHandle {
        self.vm.debug_handle()
    }

    /// Keep the call stack of each runtime error, for [`Interpreter::error_trace`].
    pub fn set_stack_trace(&mut self, on: bool) {
        self.vm.set_trace_errors(on);
    }

    /// The call stack when the last runtime error happened, innermost first (with
    /// [`Interpreter::set_stack_trace`]).
    pub fn error_trace(&self) -> &[StackFrame] {
        self.vm.error_trace()
    }
}

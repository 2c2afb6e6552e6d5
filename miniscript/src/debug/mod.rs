//! The debugger inside the VM: breakpoints, stepping, pause, inspection of frames
//! and values, evaluation in a frame, stops on runtime errors, and error traces.
//!
//! A front end (the terminal debugger, the DAP server, a host's own UI) implements
//! [`DebugHook`] and attaches it ([`crate::host::Interpreter::attach_debugger`]).
//! While one is attached the interpreter runs the dispatch loop built with its debug
//! checks (`Vm::dispatch::<true>`): before each instruction `run.rs` decides whether
//! to stop there (a breakpoint at the start of a line, a step that has arrived, a
//! pause) and whether native code may stand in for a region. Without a debugger the
//! loop is the plain one, so the checks cost nothing. At a stop the hook gets a
//! [`Session`] (`inspect.rs`) to look at the stack and variables and to evaluate
//! expressions, and answers how to go on ([`Resume`]).
//!
//! Native code and the debugger agree: while stepping or paused no native code is
//! entered; a loop or expression region is not entered while a breakpoint lies in
//! its lines; whole-function native code is not used while a debugger is attached
//! (its callees run natively too, and its loops see only interrupts). A native loop
//! that is running notices a pause request or a new breakpoint at its next pause
//! (every 16,384 back-edges) and leaves for the interpreter. Every value shown is
//! the interpreter's.

mod breakpoints;
mod inspect;
mod run;

use std::rc::Rc;

pub use breakpoints::{Breakpoint, BreakpointSpec, Breakpoints, HitCondition};
pub use inspect::{children, value_text, Scope, Session, Variable};

use crate::error::MsError;

/// Why the program stopped.
#[derive(Clone, Debug)]
pub enum StopReason {
    /// At the first line, before anything ran (`stop_on_entry`).
    Entry,
    /// At a breakpoint (its id).
    Breakpoint(u32),
    /// A step (in, over or out) arrived.
    Step,
    /// A pause request ([`DebugHandle::pause`] or the hook's `poll`).
    Pause,
    /// A runtime error, before the program stops: the frames are still there.
    Error(MsError),
}

/// How to go on after a stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Run to the next breakpoint.
    Continue,
    /// Stop at the next line, entering calls.
    StepIn,
    /// Stop at the next line of this function or of its callers.
    StepOver,
    /// Stop right after this function returns.
    StepOut,
    /// End the program: the run fails with `interrupted`.
    Terminate,
}

/// A debugger front end. Its methods run on the interpreter's thread, inside the
/// run, with the program stopped.
pub trait DebugHook {
    /// The program stopped before the instruction at the top frame's line:
    /// inspect it through `session`, then say how to go on.
    fn stopped(&mut self, session: &mut Session<'_>, reason: &StopReason) -> Resume;

    /// Another thread raised the debug request ([`DebugHandle::request`]) while
    /// the program runs: handle what it asked for (new breakpoints, say) and return
    /// whether to stop as soon as possible (a pause). The default is a pause.
    fn poll(&mut self, _session: &mut Session<'_>) -> bool {
        true
    }
}

/// One frame of the call stack, as the debugger and error traces show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackFrame {
    /// The function's name: the global (or `Map.name`) that holds it, else its
    /// compiled name; `(main)` for the program's global code.
    pub function: String,
    /// The file (`None`: the main program).
    pub file: Option<Rc<str>>,
    /// The line it is at (a caller: the line of its call).
    pub line: u32,
}

/// What a hook's owner keeps to pause the program from another thread.
#[derive(Clone, Debug)]
pub struct DebugHandle(std::sync::Arc<crate::interp::attention::Attention>);

impl DebugHandle {
    /// Ask the interpreter to call the hook's `poll` soon: before its next
    /// instruction, or at the next pause of a native loop.
    pub fn request(&self) {
        self.0.raise(crate::interp::attention::DEBUG);
    }
    /// Stop the program as soon as possible (with the default `poll`).
    pub fn pause(&self) {
        self.request();
    }
}

/// The step or stop in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Run,
    /// Stop at the first instruction run (`stop_on_entry`).
    Entry,
    /// Stop at the next line start at any depth, or on leaving the frame.
    In(usize),
    /// Stop at the next line start at this depth or above, or on leaving it.
    Over(usize),
    /// Stop at the first instruction run below this depth.
    Out(usize),
}

/// The state of an attached debugger, apart from its hook.
pub struct DebugState {
    /// The breakpoints set.
    pub breakpoints: Breakpoints,
    /// Stop when a runtime error is about to end the program.
    pub break_on_errors: bool,
    pub(crate) mode: Mode,
    pub(crate) pause: bool,
    /// The last instruction checked: (depth, pc), to see backward jumps.
    pub(crate) prev: (usize, usize),
    /// A stop for the current error was made already (nested runs see it again).
    pub(crate) error_stopped: bool,
}

/// An attached debugger.
pub(crate) struct Debugger {
    hook: Box<dyn DebugHook>,
    state: DebugState,
}

/// The `Vm`'s debugging slot: the debugger, if attached, and the error trace.
#[derive(Default)]
pub struct DebugSlot {
    session: Option<Box<Debugger>>,
    /// Keep the call stack of the last runtime error (`--stack-trace`).
    trace_errors: bool,
    /// The call stack when the last runtime error happened, innermost first.
    trace: Vec<StackFrame>,
}

impl DebugSlot {
    /// Nothing to do: neither a debugger nor error traces.
    #[inline(always)]
    pub(crate) fn is_idle(&self) -> bool {
        self.session.is_none() && !self.trace_errors
    }

    /// Whether a debugger is attached.
    pub(crate) fn attached(&self) -> bool {
        self.session.is_some()
    }
}

impl crate::interp::Vm {
    /// Attach a debugger (replacing any), with `stop_on_entry`: stop before the
    /// first line the program runs.
    pub fn attach_debugger(&mut self, hook: Box<dyn DebugHook>, stop_on_entry: bool) {
        self.dbg.session = Some(Box::new(Debugger {
            hook,
            state: DebugState {
                breakpoints: Breakpoints::default(),
                break_on_errors: false,
                mode: if stop_on_entry {
                    Mode::Entry
                } else {
                    Mode::Run
                },
                pause: false,
                prev: (0, 0),
                error_stopped: false,
            },
        }));
    }

    /// Detach the debugger; the program runs on at full speed.
    pub fn detach_debugger(&mut self) -> Option<Box<dyn DebugHook>> {
        self.dbg.session.take().map(|d| d.hook)
    }

    /// The attached debugger's state (breakpoints, error stops), if any.
    pub fn debug_state(&mut self) -> Option<&mut DebugState> {
        self.dbg.session.as_mut().map(|d| &mut d.state)
    }

    /// A handle to pause the program (or reach the hook's `poll`) from any thread.
    pub fn debug_handle(&self) -> DebugHandle {
        DebugHandle(self.attention.clone())
    }

    /// Keep the call stack of each runtime error (see [`Vm::error_trace`](crate::Vm::error_trace)).
    pub fn set_trace_errors(&mut self, on: bool) {
        self.dbg.trace_errors = on;
    }

    /// The call stack when the last runtime error happened, innermost first (with
    /// [`Vm::set_trace_errors`](crate::Vm::set_trace_errors); empty otherwise).
    pub fn error_trace(&self) -> &[StackFrame] {
        &self.dbg.trace
    }
}

//! The interpreter's side of debugging: the run with debug checks, the check made
//! before each instruction (stop? native code allowed?), stops and their resumption,
//! requests from other threads, stops on errors and error traces.

use super::{Debugger, Mode, Session, StopReason};
use crate::error::MsResult;
use crate::interp::attention::DEBUG;
use crate::interp::{RunStatus, Vm};
use crate::tac::{Op, Proto};

impl Vm {
    /// `execute` with a debugger attached or error traces on: the dispatch loop
    /// with debug checks (or without, for traces alone), then, on a runtime error,
    /// the trace and the debugger's stop while the frames are still there.
    #[cold]
    #[inline(never)]
    pub(crate) fn execute_debug(&mut self, stop_depth: usize) -> MsResult<RunStatus> {
        if stop_depth == 0 {
            self.dbg.trace.clear();
            if let Some(d) = self.dbg.session.as_mut() {
                d.state.error_stopped = false;
            }
        }
        let r = if self.dbg.session.is_some() {
            self.dispatch::<true>(stop_depth)
        } else {
            self.dispatch::<false>(stop_depth)
        };
        let Err(e) = r else {
            return r;
        };
        if self.dbg.trace_errors && self.dbg.trace.is_empty() {
            self.dbg.trace = self.stack_frames();
        }
        let stop = self.dbg.session.as_ref().is_some_and(|d| {
            d.state.break_on_errors && !d.state.error_stopped && self.host.exit_code().is_none()
        }) && !is_interrupt(&e);
        if stop {
            if let Some(d) = self.dbg.session.as_mut() {
                d.state.error_stopped = true;
            }
            // The program ends with the error whatever the answer.
            let _ = self.debug_stop(StopReason::Error(e.clone()));
        }
        Err(e)
    }

    /// The check before the instruction at `pc` of frame `fi` (with a debugger
    /// attached): stop there if a breakpoint, a step or a pause says so. Returns
    /// false when the instruction enters native code that may not run now (the
    /// caller then skips it and interprets the region).
    #[inline(never)]
    pub(crate) fn debug_instr(&mut self, fi: usize, pc: usize) -> MsResult<bool> {
        if self.attention.pending() & DEBUG != 0 {
            self.attention.clear(DEBUG);
            self.debug_poll();
        }
        let Some(d) = self.dbg.session.as_mut() else {
            return Ok(true);
        };
        let depth = fi + 1;
        let proto = &self.frames[fi].proto;
        let line = proto.lines.get(pc).copied().unwrap_or(0);
        let (pdepth, ppc) = d.state.prev;
        let line_start =
            pc == 0 || proto.lines.get(pc - 1) != Some(&line) || (pdepth == depth && pc < ppc);
        d.state.prev = (depth, pc);
        let step = match d.state.mode {
            _ if d.state.pause => Some(StopReason::Pause),
            Mode::Run => None,
            Mode::Entry => Some(StopReason::Entry),
            Mode::In(sd) => (line_start || depth < sd).then_some(StopReason::Step),
            Mode::Over(sd) => (depth < sd || line_start && depth <= sd).then_some(StopReason::Step),
            Mode::Out(sd) => (depth < sd).then_some(StopReason::Step),
        };
        let op = proto.code.get(pc).map(|i| i.op);
        let reason = match step {
            Some(r) => Some(r),
            None if line_start && d.state.breakpoints.maybe_at(line) => {
                self.frames[fi].pc = pc;
                self.breakpoint_hit(line)
            }
            None => None,
        };
        if let Some(reason) = reason {
            self.frames[fi].pc = pc;
            self.debug_stop(reason)?;
        }
        if matches!(op, Some(Op::Site | Op::Loop | Op::Enter)) {
            return Ok(self.native_allowed(fi, pc));
        }
        Ok(true)
    }

    /// Whether a breakpoint at `line` of the top frame's file stops now (its
    /// condition, then its hit count); returns the reason.
    fn breakpoint_hit(&mut self, line: u32) -> Option<StopReason> {
        let file = self.top_frame()?.proto.file.clone();
        let ids = self
            .dbg
            .session
            .as_ref()?
            .state
            .breakpoints
            .at(file.as_deref(), line);
        for id in ids {
            let cond = {
                let bp = self.dbg.session.as_mut()?.state.breakpoints.get_mut(id)?;
                bp.condition.clone()
            };
            let holds = match cond {
                // An error in the condition stops, so that it can be seen.
                Some(c) => self.debug_evaluate(0, &c).map_or(true, |v| v.truthy()),
                None => true,
            };
            let bp = self.dbg.session.as_mut()?.state.breakpoints.get_mut(id)?;
            if holds {
                bp.hits += 1;
                if bp.hit.is_none_or(|h| h.stops(bp.hits)) {
                    return Some(StopReason::Breakpoint(id));
                }
            }
        }
        None
    }

    /// Stop: hand the stopped program to the hook and set up the step it asks
    /// for. The debugger is taken out of the `Vm` meanwhile, so code the hook runs
    /// (an evaluation) runs without debug checks.
    pub(crate) fn debug_stop(&mut self, reason: StopReason) -> MsResult<()> {
        let Some(mut d) = self.dbg.session.take() else {
            return Ok(());
        };
        let Debugger { hook, state } = &mut *d;
        state.pause = false;
        self.out.flush();
        let resume = {
            let mut session = Session::new(self, state);
            hook.stopped(&mut session, &reason)
        };
        let depth = self.depth;
        state.mode = match resume {
            super::Resume::Continue => Mode::Run,
            super::Resume::StepIn => Mode::In(depth),
            super::Resume::StepOver => Mode::Over(depth),
            super::Resume::StepOut => Mode::Out(depth),
            super::Resume::Terminate => Mode::Run,
        };
        // A stop (and what the hook ran) is not a jump of the running frame.
        state.prev = (depth, self.top_frame().map_or(0, |f| f.pc));
        if self.dbg.session.is_none() {
            self.dbg.session = Some(d);
        }
        if resume == super::Resume::Terminate {
            return Err(crate::interp::interrupted_error());
        }
        Ok(())
    }

    /// The debug request of another thread (`attention::DEBUG`, seen by the check
    /// before an instruction): ask the hook's `poll`; a pause stops at once.
    pub(crate) fn debug_poll(&mut self) {
        let Some(mut d) = self.dbg.session.take() else {
            return;
        };
        let Debugger { hook, state } = &mut *d;
        let pause = {
            let mut session = Session::new(self, state);
            hook.poll(&mut session)
        };
        state.pause |= pause;
        if self.dbg.session.is_none() {
            self.dbg.session = Some(d);
        }
    }

    /// Whether native code may stand in for the region whose marker (`Site`,
    /// `Loop` or `Enter`) is at `pc` of frame `fi` now: not while stepping or
    /// pausing, not for a region with a breakpoint in its lines, and never for a
    /// whole function (its callees run natively too, and its loops see only
    /// interrupts, not a pause).
    pub(crate) fn native_allowed(&self, fi: usize, pc: usize) -> bool {
        let Some(d) = self.dbg.session.as_ref() else {
            return true;
        };
        let proto = &self.frames[fi].proto;
        let Some(ins) = proto.code.get(pc) else {
            return false;
        };
        if d.state.pause || d.state.mode != Mode::Run || ins.op == Op::Enter {
            return false;
        }
        let bps = &d.state.breakpoints;
        if bps.is_empty() {
            return true;
        }
        match ins.op {
            Op::Site | Op::Loop => match proto.regions.get(ins.x as usize) {
                Some(r) => {
                    let (lo, hi) = line_span(proto, r.site as usize, r.end as usize);
                    !bps.any_in(proto.file.as_deref(), lo, hi)
                }
                None => false,
            },
            _ => false,
        }
    }

    /// After a pause of native loop code at the head at `at` (the frame's pc
    /// saved): whether the debugger wants the interpreter from here on.
    pub(crate) fn debug_leaves_native(&self) -> bool {
        if self.dbg.session.is_none() || self.depth == 0 {
            return false;
        }
        // A request (a pause, new breakpoints) is read by the interpreter's check.
        if self.attention.pending() & DEBUG != 0 {
            return true;
        }
        let fi = self.depth - 1;
        let pc = self.frames[fi].pc;
        // The head's own instruction is not the marker: ask about the region as a
        // whole through the marker of the loop (the first `Loop` at or before pc).
        let proto = &self.frames[fi].proto;
        let marker = (0..=pc.min(proto.code.len().saturating_sub(1)))
            .rev()
            .find(|&i| proto.code[i].op == Op::Loop);
        match marker {
            Some(m) => !self.native_allowed(fi, m),
            None => true,
        }
    }
}

/// The lowest and highest source line of instructions `lo..hi` of `proto`.
fn line_span(proto: &Proto, lo: usize, hi: usize) -> (u32, u32) {
    let lines = proto
        .lines
        .get(lo..hi.min(proto.lines.len()))
        .unwrap_or(&[]);
    let min = lines.iter().copied().filter(|&l| l > 0).min().unwrap_or(0);
    let max = lines.iter().copied().max().unwrap_or(0);
    (min, max)
}

/// Whether `e` ended the run because of an interrupt (or a `Terminate`).
fn is_interrupt(e: &crate::error::MsError) -> bool {
    e.kind == crate::error::ErrorKind::Runtime && e.message == "interrupted"
}

//! Host budgets the interpreter enforces: the operation budget (fuel) spent at
//! back-edges and calls, and the measurement of live memory for the memory budget.
//!
//! Both ride on the `BUDGET` attention bit, so a run without budgets pays nothing:
//! while fuel is set the bit stays raised and every back-edge and call comes here
//! (the cold path); the memory budget raises it once per measurement it asks for.

use std::collections::HashSet;
use std::rc::Rc;

use super::attention::BUDGET;
use super::Vm;
use crate::error::MsResult;
use crate::limits::{self, out_of_fuel, LIST_ELEM_BYTES, MAP_ENTRY_BYTES};
use crate::value::{FuncCode, Value};

impl Vm {
    /// The `BUDGET` bit is up: spend one unit of fuel and measure memory if asked.
    pub(crate) fn on_budget(&mut self) -> MsResult<()> {
        if self.host.memory.is_some() && limits::take_measure_request() {
            let live = self.live_bytes();
            limits::budget_measured(live);
        }
        let Some(f) = self.host.fuel.as_mut() else {
            self.attention.clear(BUDGET);
            return Ok(());
        };
        if f.left > 0 {
            f.left -= 1;
            return Ok(());
        }
        if f.pause && !f.exhausted {
            // End the slice at the next back-edge, as a spent time limit does; a run
            // that makes another budget's worth of calls first fails.
            f.exhausted = true;
            f.left = f.budget;
            self.slice_end = Some(self.start);
            self.ticks = 1;
            return Ok(());
        }
        f.exhausted = true;
        Err(out_of_fuel(f.budget))
    }

    /// Estimated bytes of every string, list and map reachable from the globals, the
    /// type maps, the value stack and the frames (each counted once; the same
    /// estimate as the per-value ceiling: a byte per string byte, 16 per list
    /// element, 48 per map entry).
    pub fn live_bytes(&self) -> usize {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut todo: Vec<Value> = Vec::new();
        todo.push(Value::Map(self.globals.clone()));
        for t in [
            &self.types.string,
            &self.types.list,
            &self.types.map,
            &self.types.number,
            &self.types.funcref,
        ] {
            todo.push(Value::Map(t.clone()));
        }
        todo.extend(
            self.stack
                .iter()
                .filter(|v| !matches!(v, Value::Num(_) | Value::Null))
                .cloned(),
        );
        for f in &self.frames[..self.depth] {
            todo.extend(f.locals.iter().map(|m| Value::Map(m.clone())));
            todo.extend(f.outer.iter().map(|m| Value::Map(m.clone())));
            todo.push(f.self_val.clone());
            todo.extend(f.super_val.iter().cloned());
        }
        let mut total = 0usize;
        while let Some(v) = todo.pop() {
            let first = |p: usize, seen: &mut HashSet<usize>| seen.insert(p);
            match v {
                Value::Str(s) => {
                    if first(Rc::as_ptr(&s) as *const u8 as usize, &mut seen) {
                        total = total.saturating_add(s.as_str().len());
                    }
                }
                Value::List(l) => {
                    if first(Rc::as_ptr(&l) as *const u8 as usize, &mut seen) {
                        let l = l.borrow();
                        total = total.saturating_add(l.len() * LIST_ELEM_BYTES);
                        todo.extend(l.iter().filter(|v| !matches!(v, Value::Num(_))).cloned());
                    }
                }
                Value::Map(m) => {
                    if first(Rc::as_ptr(&m) as *const u8 as usize, &mut seen)
                        && !Rc::ptr_eq(&m, &self.intrinsics_map)
                    {
                        let m = m.borrow();
                        total = total.saturating_add(m.len() * MAP_ENTRY_BYTES);
                        for (k, v) in m.iter() {
                            todo.push(k.clone());
                            todo.push(v.clone());
                        }
                    }
                }
                Value::Func(f) => {
                    if first(Rc::as_ptr(&f) as *const u8 as usize, &mut seen) {
                        if let (FuncCode::Script(_), Some(o)) = (&f.code, &f.outer) {
                            todo.push(Value::Map(o.clone()));
                        }
                    }
                }
                Value::Num(_) | Value::Null => {}
            }
        }
        total
    }

    /// A run call of the host starts with budgets set: refill the fuel (`pause`:
    /// running out pauses the run) and, if the memory budget's allowance is spent,
    /// measure now, so that garbage freed since does not fail this run.
    #[cold]
    #[inline(never)]
    pub(crate) fn begin_budgeted_run(&mut self, pause: bool) {
        if self.host.memory.as_ref().is_some_and(|m| m.reserve == 0) {
            let live = self.live_bytes();
            if let Some(m) = self.host.memory.as_mut() {
                m.measured(live);
            }
        }
        if let Some(f) = self.host.fuel.as_mut() {
            f.left = f.budget;
            f.pause = pause;
            f.exhausted = false;
            self.attention.raise(BUDGET);
        }
    }

    /// Put this interpreter's memory budget in force for a run (one test when
    /// there is none: this is on the path of every host call).
    #[inline(always)]
    pub(crate) fn budget_enter(&mut self) {
        if self.host.memory.is_some() {
            self.budget_enter_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn budget_enter_slow(&mut self) {
        if let Some(m) = self.host.memory.as_ref() {
            let saved = limits::budget_enter(m);
            self.host.memory_saved.push(saved);
        }
    }

    /// The run has ended: keep what is left of the memory budget.
    #[inline(always)]
    pub(crate) fn budget_leave(&mut self) {
        if self.host.memory.is_some() {
            self.budget_leave_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn budget_leave_slow(&mut self) {
        if let (Some(s), Some(m)) = (self.host.memory_saved.pop(), self.host.memory.as_mut()) {
            limits::budget_leave(m, s);
        }
    }
}

//! Budgets a host puts on its scripts: the operation budget (fuel) of each run call
//! and the total memory budget of the interpreter.
//!
//! Fuel: one unit per loop iteration and per script function call. Each run call
//! (`run`, `run_for`, `run_slice`, `call`, `call_function`, `repl_eval`) starts with
//! the full budget. When it is spent, `run_slice` pauses the program (resumable),
//! `run` and `run_for` return the error `operation budget exhausted (N
//! operations)` with the program still loaded (run it again to continue), and a call
//! fails with that error. Natively compiled code spends no fuel, so while a budget is
//! set loops and functions run interpreted.

use std::rc::Rc;
use std::time::Duration;

use super::Interpreter;
use crate::error::MsResult;
use crate::interp::attention::BUDGET;
use crate::interp::RunStatus;
use crate::limits::{Fuel, MemoryBudget};

/// How a slice of a run ended ([`Interpreter::run_slice`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The program ran to its end.
    Done,
    /// The time slice ended or the script called `yield`.
    Yielded,
    /// The operation budget is spent; run again to continue with a fresh one.
    OutOfFuel,
}

impl Interpreter {
    /// Give each run call an operation budget of `fuel` units (one per loop
    /// iteration and per script function call); `None` (the default) is no budget.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, Progress, StringSink};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// interp.set_fuel(Some(1000));
    /// interp.load("", "i = 0\nwhile true\n  i += 1\nend while").unwrap();
    /// // Each slice runs about 1000 iterations, then pauses; the program resumes.
    /// assert_eq!(interp.run_slice(None).unwrap(), Progress::OutOfFuel);
    /// assert_eq!(interp.run_slice(None).unwrap(), Progress::OutOfFuel);
    /// let i: f64 = interp.global_as("i").unwrap();
    /// assert!(i >= 2000.0 && i < 2010.0, "{i}");
    /// // `run` reports it as an error instead (the program stays loaded).
    /// let err = interp.run().unwrap_err();
    /// assert_eq!(err.message, "operation budget exhausted (1000 operations)");
    /// assert!(interp.is_running());
    /// ```
    pub fn set_fuel(&mut self, fuel: Option<u64>) {
        self.vm.host.fuel = fuel.map(|budget| Fuel {
            budget,
            left: budget,
            pause: true,
            exhausted: false,
        });
        if fuel.is_none() {
            self.vm.attention.clear(BUDGET);
        }
        self.vm.host.update_budgeted();
    }

    /// The operation budget of each run call, if any.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// assert_eq!(interp.fuel(), None);
    /// interp.set_fuel(Some(10));
    /// assert_eq!(interp.fuel(), Some(10));
    /// ```
    pub fn fuel(&self) -> Option<u64> {
        self.vm.host.fuel.map(|f| f.budget)
    }

    /// Units of fuel left in the last run call (`None` without a budget).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.set_fuel(Some(100));
    /// interp.run_source("", "for i in range(1, 10)\nend for").unwrap();
    /// let left = interp.fuel_left().unwrap();
    /// assert!(left < 100 && left >= 85, "{left}");
    /// ```
    pub fn fuel_left(&self) -> Option<u64> {
        self.vm
            .host
            .fuel
            .map(|f| if f.exhausted { 0 } else { f.left })
    }

    /// Whether the last run call used up its operation budget.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// interp.set_fuel(Some(50));
    /// assert!(interp.run_source("", "while true\nend while").is_err());
    /// assert!(interp.fuel_exhausted());
    /// ```
    pub fn fuel_exhausted(&self) -> bool {
        self.vm.host.fuel.is_some_and(|f| f.exhausted)
    }

    /// Run the loaded program until it ends, calls `yield`, uses up `limit` (if
    /// given) or uses up its operation budget; each call starts with a fresh budget.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, Progress};
    /// let mut interp = Interpreter::new();
    /// interp.load("", "yield\nx = 1").unwrap();
    /// assert_eq!(interp.run_slice(None).unwrap(), Progress::Yielded);
    /// assert_eq!(interp.run_slice(None).unwrap(), Progress::Done);
    /// ```
    pub fn run_slice(&mut self, limit: Option<Duration>) -> MsResult<Progress> {
        self.begin_run(true);
        Ok(match self.step(limit)? {
            RunStatus::Done => Progress::Done,
            RunStatus::Yielded if self.fuel_exhausted() => Progress::OutOfFuel,
            RunStatus::Yielded => Progress::Yielded,
        })
    }

    /// Limit the estimated memory of all live strings, lists and maps of this
    /// interpreter to `bytes` (estimated as for the per-value ceiling of
    /// [`VmConfig::max_memory`](super::VmConfig), which stays in force); `None` (the
    /// default) is no budget. Growth is counted before allocating; when the count
    /// reaches the budget the interpreter measures what is really live at its next
    /// loop iteration or call, and an operation that would still pass it fails with
    /// `out of memory (over the memory budget of N)`.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// interp.set_memory_budget(Some(1 << 20));
    /// // Garbage is reclaimed: a loop that drops what it builds runs on.
    /// interp.run_source("", "for i in range(1, 2000)\n  s = \"x\" * 1000\nend for").unwrap();
    /// // Keeping it all does not.
    /// let err = interp
    ///     .run_source("", "l = []\nwhile true\n  l.push \"x\" * 100\nend while")
    ///     .unwrap_err();
    /// assert_eq!(err.message, "out of memory (over the memory budget of 1 MB)");
    /// ```
    pub fn set_memory_budget(&mut self, bytes: Option<usize>) {
        self.vm.host.memory = bytes.map(|b| {
            let live = self.vm.live_bytes();
            MemoryBudget::new(b, live, self.budget_wake())
        });
        self.vm.host.update_budgeted();
    }

    /// The memory budget, if any.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.set_memory_budget(Some(4096));
    /// assert_eq!(interp.memory_budget(), Some(4096));
    /// ```
    pub fn memory_budget(&self) -> Option<usize> {
        self.vm.host.memory.as_ref().map(|m| m.budget)
    }

    /// Estimated bytes of the strings, lists and maps reachable now (the measure
    /// the memory budget uses).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// let before = interp.memory_in_use();
    /// interp.run_source("", "s = \"x\" * 5000").unwrap();
    /// assert!(interp.memory_in_use() >= before + 5000);
    /// ```
    pub fn memory_in_use(&self) -> usize {
        self.vm.live_bytes()
    }

    /// A closure that asks this interpreter for a memory measurement.
    pub(super) fn budget_wake(&self) -> Rc<dyn Fn()> {
        let att = self.vm.attention.clone();
        Rc::new(move || {
            att.raise(BUDGET);
        })
    }

    /// A run call starts: refill the fuel (`pause`: running out pauses the run).
    /// One test when there are no budgets. (A host call, `call_function`, makes no
    /// test of its own: `Vm::host_call_value` folds it into its nesting check.)
    #[inline(always)]
    pub(super) fn begin_run(&mut self, pause: bool) {
        if self.vm.host.budgeted() {
            self.vm.begin_budgeted_run(pause);
        }
    }
}

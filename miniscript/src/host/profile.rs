//! The embedding API of the whole-program profiler: start and stop sampling, and
//! read the profile (functions, lines, stacks) as a value, e.g. for a game overlay.

use std::time::Duration;

use super::Interpreter;
use crate::tier::samples::Profile;

impl Interpreter {
    /// Start sampling the running program every `interval` (1 ms is a good
    /// default), forgetting earlier samples. Works with or without the JIT; the
    /// regions table needs the profiler crate (`jit::Attach`).
    pub fn start_profiling(&mut self, interval: Duration) {
        self.vm_mut().start_sampling(interval);
    }

    /// Stop sampling; the profile so far stays readable.
    pub fn stop_profiling(&mut self) {
        self.vm_mut().stop_sampling();
    }

    /// The profile so far (empty when profiling was never started): the same
    /// functions, lines and stacks as `--profile-format json` prints.
    pub fn profile(&self) -> Profile {
        self.vm().samples().map(|s| s.profile()).unwrap_or_default()
    }
}

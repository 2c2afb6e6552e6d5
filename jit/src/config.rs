//! The JIT's settings (`JitConfig`), taken from the options table, and its mode
//! (`Mode`, the table's `JitMode`). Defaults are the table's: nothing here repeats
//! one.

use profiler::Options;

/// How the JIT runs: the options table's mode (option `jit`). A JIT started with
/// [`Mode::Off`] runs as in [`Mode::Background`]; [`crate::attach`] starts none.
pub use miniscript::options::JitMode as Mode;

/// JIT settings from the options table.
#[derive(Clone, Debug)]
pub struct JitConfig {
    pub mode: Mode,
    pub queue: usize,
    pub opt_level: String,
    pub code_budget: u64,
    pub verbose: bool,
    pub dump: bool,
    pub perf_map: bool,
    /// Threads generating code for a batch (`--jit-threads`; 1: the compile thread).
    pub threads: usize,
    /// Test hook: fail every compile whose fingerprint is listed.
    pub fail_fingerprints: Vec<u64>,
    /// Test hook: panic in the compile thread on this fingerprint.
    pub panic_fingerprint: Option<u64>,
}

impl Default for JitConfig {
    /// The options table's defaults, with no test hook.
    fn default() -> Self {
        JitConfig::from_options(&Options::default())
    }
}

impl JitConfig {
    /// The settings `o` chooses, with no test hook.
    pub fn from_options(o: &Options) -> JitConfig {
        JitConfig {
            mode: o.jit_mode(),
            queue: o.jit_queue(),
            opt_level: o.jit_opt_level().to_string(),
            code_budget: o.jit_code_budget_bytes(),
            verbose: o.jit_verbose(),
            dump: o.jit_dump(),
            perf_map: o.perf_map(),
            threads: o.jit_threads(),
            fail_fingerprints: Vec::new(),
            panic_fingerprint: None,
        }
    }
}

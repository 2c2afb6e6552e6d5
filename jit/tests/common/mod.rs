//! Shared by the JIT tests: the one deterministic random generator, and the
//! profiler and a JIT plugged into a `Vm` with test settings.
//!
//! Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use miniscript::Vm;
use profiler::Settings;

/// Deterministic xorshift generator (no external crates, fixed seed).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// The JIT's default settings in sync mode (compiles before the region runs again).
pub fn sync_cfg() -> jit::JitConfig {
    jit::JitConfig {
        mode: jit::Mode::Sync,
        ..jit::JitConfig::default()
    }
}

/// The profiler's settings from the default options (for a test to adjust).
pub fn default_settings() -> Settings {
    Settings::from_options(&profiler::Options::default())
}

/// The profiler with `settings` and a JIT with `cfg`, to plug into a `Vm` with
/// [`plug`] (after any other adjustment, such as an `on_finish`).
pub fn tiers(settings: Settings, cfg: jit::JitConfig) -> jit::Attach {
    jit::Attach::new(&profiler::Options::default())
        .settings(settings)
        .jit_config(cfg)
}

/// Plug `tiers` into `vm`; the JIT must start.
pub fn plug(tiers: jit::Attach, vm: &mut Vm) {
    assert!(tiers.to_vm(vm).jit, "JIT starts");
}

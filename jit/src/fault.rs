//! TEST ONLY: fault injection into the JIT, chosen by an environment variable, so
//! that the integration tests can show a program surviving each fault with correct
//! output. `attach` wraps the JIT in `FaultyJit` when the variable is set.

use std::sync::Arc;

use miniscript::tier::{RegionCounters, SiteSlot};
use miniscript::tier::{RegionDesc, RegionId};
use profiler::{Backend, CompileOutcome};

use crate::{Jit, JitConfig};

/// TEST ONLY: the environment variable that injects a JIT fault, so that the
/// integration tests can show a program surviving each one with correct output.
/// Not an option (not in the options table, `--help` or `--print-config`): it exists
/// for `tests/robustness.rs` and is no interface for users.
///
/// - `panic`: the compile thread panics on the first region submitted (the JIT's
///   `panic_fingerprint` hook); the JIT reports it once and everything stays
///   interpreted.
/// - `fail`: the Cranelift compile of the first region submitted fails (the JIT's
///   `fail_fingerprints` hook); one warning, that region stays interpreted.
/// - `queue-full`: the first `QUEUE_FULL_REFUSALS` submissions are refused as a
///   full queue refuses them (`submit` returns false); the profiler retries later.
///
/// An exhausted code budget needs no hook: `--jit-code-budget-kb=0`.
const FAULT_ENV: &str = "MINISCRIPT_JIT_FAULT";

const QUEUE_FULL_REFUSALS: u32 = 3;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Fault {
    Panic,
    Fail,
    QueueFull,
}

pub(crate) fn injected_fault() -> Option<Fault> {
    let v = std::env::var(FAULT_ENV).ok()?;
    match v.as_str() {
        "panic" => Some(Fault::Panic),
        "fail" => Some(Fault::Fail),
        "queue-full" => Some(Fault::QueueFull),
        _ => {
            eprintln!("miniscript: warning: ignoring {FAULT_ENV}={v} (test hook: panic, fail or queue-full)");
            None
        }
    }
}

/// The JIT with a fault injected (see `FAULT_ENV`). The real JIT starts at the
/// first submission, when the fingerprint to break is known.
pub(crate) struct FaultyJit {
    fault: Fault,
    cfg: JitConfig,
    inner: Option<Jit>,
    refused: u32,
}

impl FaultyJit {
    /// The JIT of `cfg` with `fault`; it starts at the first submission.
    pub(crate) fn new(fault: Fault, cfg: JitConfig) -> FaultyJit {
        FaultyJit {
            fault,
            cfg,
            inner: None,
            refused: 0,
        }
    }
}

impl Backend for FaultyJit {
    fn submit(
        &mut self,
        gid: RegionId,
        desc: &RegionDesc,
        slot: &Arc<SiteSlot>,
        label: &str,
    ) -> bool {
        if self.fault == Fault::QueueFull && self.refused < QUEUE_FULL_REFUSALS {
            self.refused += 1;
            return false;
        }
        if self.inner.is_none() {
            let mut cfg = self.cfg.clone();
            match self.fault {
                Fault::Panic => cfg.panic_fingerprint = Some(desc.fingerprint),
                Fault::Fail => cfg.fail_fingerprints = vec![desc.fingerprint],
                Fault::QueueFull => {}
            }
            match Jit::start(cfg) {
                Ok(j) => self.inner = Some(j),
                Err(e) => {
                    eprintln!("miniscript: warning: JIT unavailable ({e}); running interpreted");
                    return false;
                }
            }
        }
        match self.inner.as_mut() {
            Some(j) => j.submit(gid, desc, slot, label),
            None => false,
        }
    }

    fn drain(&mut self) -> Vec<CompileOutcome> {
        self.inner.as_mut().map(|j| j.drain()).unwrap_or_default()
    }

    fn wait_idle(&mut self) {
        if let Some(j) = self.inner.as_mut() {
            j.wait_idle();
        }
    }

    fn stats(&mut self, counters: &[RegionCounters]) -> String {
        let mut s = self
            .inner
            .as_mut()
            .map(|j| j.stats(counters))
            .unwrap_or_default();
        if self.fault == Fault::QueueFull {
            s.push_str(&format!("injected queue drops: {}\n", self.refused));
        }
        s
    }
}

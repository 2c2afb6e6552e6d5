//! Wiring of the profiler and the JIT into an interpreter, from the options table:
//! which compile options the program needs, the hook to plug in, and what to print
//! at exit (`--profile` report, `--jit-stats`).

use std::io::Write as _;
use std::sync::Arc;

use miniscript::compiler::CompileOptions;
use miniscript::tier::RegionDesc;
use miniscript::tier::{RegionCounters, SiteSlot};
use miniscript::Vm;
use profiler::{Backend, CompileOutcome, Options, Profiler, Settings};

/// Whether the program must be compiled with region markers.
pub fn compile_options(o: &Options) -> CompileOptions {
    CompileOptions {
        sites: o.jit_mode() != "off" || o.profile(),
        // The report wants every region; the JIT alone only the ones it may compile.
        min_complexity: if o.profile() {
            0
        } else {
            o.jit_min_complexity()
        },
        loops: o.jit_loops(),
    }
}

/// Plug the profiler (and, unless `--jit=off`, the JIT) into `vm`. With the JIT off
/// and no `--profile`, nothing is attached and the program runs unprofiled.
pub fn attach(vm: &mut Vm, o: &Options, main_file: Option<&str>) {
    if !compile_options(o).sites {
        return;
    }
    let backend: Option<Box<dyn profiler::Backend>> = if o.jit_mode() == "off" {
        None
    } else {
        let cfg = jit::JitConfig::from_options(o);
        match injected_fault() {
            Some(fault) => Some(Box::new(FaultyJit {
                fault,
                cfg,
                inner: None,
                refused: 0,
            })),
            None => match jit::Jit::start(cfg) {
                Ok(j) => Some(Box::new(j)),
                Err(e) => {
                    eprintln!("miniscript: warning: JIT unavailable ({e}); running interpreted");
                    None
                }
            },
        }
    };
    let mut p = Profiler::new(Settings::from_options(o), backend);
    if let Some(f) = main_file {
        p.main_file = f.to_string();
    }
    let (profile, format, out, top, stats) = (
        o.profile(),
        o.profile_format().to_string(),
        o.profile_out().map(str::to_string),
        o.profile_top(),
        o.jit_stats(),
    );
    p.on_finish = Some(Box::new(move |p: &mut Profiler| {
        if stats {
            eprint!("{}", p.jit_stats());
        }
        if profile {
            let report = profiler::report::build(p, top);
            let text = if format == "json" {
                profiler::report::json(&report)
            } else {
                profiler::report::text(&report)
            };
            match &out {
                Some(path) => {
                    if let Err(e) = std::fs::write(path, text.as_bytes()) {
                        eprintln!("miniscript: cannot write the profile to {path}: {e}");
                    }
                }
                None => {
                    let _ = std::io::stderr().write_all(text.as_bytes());
                }
            }
        }
    }));
    vm.set_tier(Box::new(p));
}

/// Print the reports (call once when the program ends, whatever the outcome).
pub fn finish(vm: &mut Vm) {
    vm.finish_tier();
}

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
enum Fault {
    Panic,
    Fail,
    QueueFull,
}

fn injected_fault() -> Option<Fault> {
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
struct FaultyJit {
    fault: Fault,
    cfg: jit::JitConfig,
    inner: Option<jit::Jit>,
    refused: u32,
}

impl Backend for FaultyJit {
    fn submit(&mut self, gid: u32, desc: &RegionDesc, slot: &Arc<SiteSlot>, label: &str) -> bool {
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
            match jit::Jit::start(cfg) {
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

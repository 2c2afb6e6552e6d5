//! The compile thread: takes requests off the queue in batches, answers each from
//! the code cache (keyed by fingerprint and register layout) or has the `Compiler`
//! compile it, publishes the entry point into the region's slot and reports back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use miniscript::tier::{RegionDesc, RegionId, RegionState, SiteSlot};
use profiler::CompileOutcome;

use crate::codegen::{Compiler, Job, JobResult};
use crate::stats::{bump, Stats};
use crate::JitConfig;

/// The largest batch taken from the queue at once.
const BATCH: usize = 64;

/// One region to compile, sent by `submit`.
pub(crate) struct Request {
    /// The region's number, for the outcome and messages.
    pub(crate) gid: RegionId,
    /// `file:line` (or `loop file:first-last`), for messages.
    pub(crate) label: String,
    /// Everything code generation needs (no interpreter value crosses threads).
    pub(crate) desc: RegionDesc,
    /// Where the entry point (or the failure) is published.
    pub(crate) slot: Arc<SiteSlot>,
    /// Set in sync mode: answered when the request is done.
    pub(crate) done: Option<Sender<()>>,
}

/// What the `Jit` handle and the compile thread share.
#[derive(Default)]
pub(crate) struct Shared {
    /// The statistics (counters and compile times).
    pub(crate) stats: Stats,
    /// Set when the compile thread died (a panic): everything stays interpreted.
    pub(crate) dead: AtomicBool,
}

/// Code already compiled, keyed by fingerprint and register layout (the code
/// addresses the window), to its entry address.
type CacheKey = (u64, Vec<u16>, Vec<u16>);

fn key_of(r: &Request) -> CacheKey {
    (
        r.desc.fingerprint,
        r.desc.input_regs.clone(),
        r.desc.output_regs.clone(),
    )
}

fn outcome(
    gid: RegionId,
    micros: f64,
    code_bytes: usize,
    cache_hit: bool,
    error: Option<String>,
) -> CompileOutcome {
    CompileOutcome {
        gid,
        micros,
        code_bytes,
        cache_hit,
        error,
    }
}

/// The body of the compile thread. A panic in it marks the JIT dead, and the
/// program continues interpreted.
pub(crate) fn run(
    cfg: JitConfig,
    rx: Receiver<Request>,
    out: Sender<CompileOutcome>,
    shared: Arc<Shared>,
    pending: Arc<AtomicU64>,
) {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let compiler = match Compiler::new(&cfg) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("miniscript: JIT disabled: {e}");
                return;
            }
        };
        let mut thread = CompileThread {
            cfg: &cfg,
            compiler,
            cache: HashMap::new(),
            shared: &shared,
            out: &out,
            pending: &pending,
        };
        for first in rx.iter() {
            let batch = take_batch(first, &rx);
            thread.serve(batch);
        }
        // Leak the module: published code must stay valid (see the crate docs).
        std::mem::forget(thread.compiler);
    }));
    if run.is_err() {
        shared.dead.store(true, Ordering::Release);
        eprintln!(
            "miniscript: warning: the JIT compile thread failed; the program continues interpreted"
        );
    }
}

/// `first` and whatever else is queued, up to `BATCH` requests.
fn take_batch(first: Request, rx: &Receiver<Request>) -> Vec<Request> {
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match rx.try_recv() {
            Ok(r) => batch.push(r),
            Err(_) => break,
        }
    }
    batch
}

/// The state of the compile thread.
struct CompileThread<'a> {
    /// The settings (test hooks, budget, verbosity).
    cfg: &'a JitConfig,
    /// Owns the module and generates the code.
    compiler: Compiler,
    /// The code cache (see `CacheKey`).
    cache: HashMap<CacheKey, usize>,
    /// The statistics and the dead flag, shared with the `Jit` handle.
    shared: &'a Shared,
    /// Where the outcomes go (the profiler drains them).
    out: &'a Sender<CompileOutcome>,
    /// Outstanding requests, counted down as they are answered (`wait_idle`).
    pending: &'a AtomicU64,
}

impl CompileThread<'_> {
    /// Answer every request of a batch: from the cache, with a refusal, or by
    /// compiling it (a batch's new code is finalized once).
    fn serve(&mut self, batch: Vec<Request>) {
        let mut outcomes: Vec<Option<CompileOutcome>> = batch.iter().map(|_| None).collect();
        let (to_compile, waiting) = self.triage(&batch, &mut outcomes);
        let jobs: Vec<Job> = to_compile
            .iter()
            .map(|&i| Job {
                desc: &batch[i].desc,
                gid: batch[i].gid,
                label: &batch[i].label,
            })
            .collect();
        let results = if jobs.is_empty() {
            Vec::new()
        } else {
            self.compiler.compile_batch(&jobs)
        };
        for (&i, result) in to_compile.iter().zip(results) {
            outcomes[i] = Some(self.publish(&batch[i], result));
        }
        for &i in &waiting {
            outcomes[i] = Some(self.publish_waiting(&batch[i]));
        }
        self.answer(batch, outcomes);
    }

    /// Settle what needs no compile (cache hits, budget refusals, the test hooks)
    /// into `outcomes`. Returns the requests to compile, and those waiting for an
    /// identical one of this batch (they become cache hits).
    fn triage(
        &self,
        batch: &[Request],
        outcomes: &mut [Option<CompileOutcome>],
    ) -> (Vec<usize>, Vec<usize>) {
        let mut to_compile: Vec<usize> = Vec::new();
        let mut waiting: Vec<usize> = Vec::new();
        let counters = &self.shared.stats.counters;
        let over_budget = counters.code_bytes.load(Ordering::Relaxed) >= self.cfg.code_budget;
        for (i, req) in batch.iter().enumerate() {
            let fp = req.desc.fingerprint;
            let key = key_of(req);
            if let Some(&entry) = self.cache.get(&key) {
                req.slot.publish(entry);
                bump(&counters.cache_hits, 1);
                outcomes[i] = Some(outcome(req.gid, 0.0, 0, true, None));
            } else if over_budget {
                bump(&counters.budget_refusals, 1);
                req.slot.set_state(RegionState::Failed);
                let error = Some("code budget exhausted".to_string());
                outcomes[i] = Some(outcome(req.gid, 0.0, 0, false, error));
            } else if self.cfg.panic_fingerprint == Some(fp) {
                panic!("injected JIT panic (test hook)");
            } else if self.cfg.fail_fingerprints.contains(&fp) {
                let e = "injected compile failure (test hook)".to_string();
                self.fail(req, &e);
                outcomes[i] = Some(outcome(req.gid, 0.0, 0, false, Some(e)));
            } else if to_compile.iter().any(|&j| key_of(&batch[j]) == key) {
                waiting.push(i);
            } else {
                to_compile.push(i);
            }
        }
        (to_compile, waiting)
    }

    /// A compiled request: cache and publish its code, or mark it failed.
    fn publish(&mut self, req: &Request, result: JobResult) -> CompileOutcome {
        match result {
            Ok((entry, bytes, micros)) => {
                self.cache.insert(key_of(req), entry);
                req.slot.publish(entry);
                let stats = &self.shared.stats;
                bump(&stats.counters.compiled, 1);
                bump(&stats.counters.code_bytes, bytes as u64);
                stats.record_time(micros);
                if self.cfg.verbose {
                    eprintln!(
                        "jit: compiled region {} ({}) fingerprint {:016x} in {micros:.0} us, {bytes} bytes",
                        req.gid, req.label, req.desc.fingerprint
                    );
                }
                outcome(req.gid, micros, bytes, false, None)
            }
            Err(e) => {
                self.fail(req, &e);
                outcome(req.gid, 0.0, 0, false, Some(e))
            }
        }
    }

    /// A request that waited for an identical one: publish that one's code.
    fn publish_waiting(&self, req: &Request) -> CompileOutcome {
        let counters = &self.shared.stats.counters;
        match self.cache.get(&key_of(req)) {
            Some(&entry) => {
                req.slot.publish(entry);
                bump(&counters.cache_hits, 1);
                outcome(req.gid, 0.0, 0, true, None)
            }
            None => {
                let e = "an identical region failed to compile".to_string();
                req.slot.set_state(RegionState::Failed);
                bump(&counters.failed, 1);
                outcome(req.gid, 0.0, 0, false, Some(e))
            }
        }
    }

    /// Send the outcomes, count the requests done and wake `sync`-mode callers.
    fn answer(&self, batch: Vec<Request>, outcomes: Vec<Option<CompileOutcome>>) {
        for (req, o) in batch.into_iter().zip(outcomes) {
            if let Some(o) = o {
                let _ = self.out.send(o);
            }
            self.pending.fetch_sub(1, Ordering::AcqRel);
            if let Some(done) = req.done {
                let _ = done.send(());
            }
        }
    }

    /// A request failed: mark it, count it, and say so once.
    fn fail(&self, req: &Request, e: &str) {
        req.slot.set_state(RegionState::Failed);
        bump(&self.shared.stats.counters.failed, 1);
        eprintln!(
            "miniscript: warning: JIT could not compile region {} ({}): {e}; it stays interpreted",
            req.gid, req.label
        );
    }
}

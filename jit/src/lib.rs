//! Cranelift JIT: compiles hot regions chosen by the profiler and publishes their
//! native entry points atomically (DESIGN §1–2).
//!
//! The compile thread owns the `JITModule` (it is `Send`, not `Sync`). Requests arrive
//! over a bounded crossbeam channel, each a self-contained `RegionDesc` plus the slot
//! to publish into; no interpreter value crosses threads. Finished code is cached by
//! fingerprint, so a second region with the same fingerprint gets the same code with
//! no compile. `sync` mode sends the same request and waits for its answer, so that
//! tests are deterministic with one code path.
//!
//! Code lifetime: compiled code is never freed while the process runs. The module is
//! kept alive by the compile thread until shutdown and then dropped, which leaks its
//! code memory rather than unmapping it, so a published pointer stays valid for as
//! long as any interpreter can load it. The code-memory budget bounds the leak.

pub mod attach;
mod config;
mod fault;
mod loops;
mod translate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TrySendError};
use miniscript::region::RegionDesc;
use miniscript::tier::{state, RegionCounters, SiteSlot};
use profiler::{Backend, CompileOutcome};

pub use attach::{Attach, Attached};
pub use config::{JitConfig, Mode};
pub use translate::{helper_fmod, helper_pow};

struct Request {
    gid: u32,
    /// `file:line` (or `loop file:first-last`), for messages.
    label: String,
    desc: RegionDesc,
    slot: Arc<SiteSlot>,
    /// Set in sync mode: answered when the request is done.
    done: Option<Sender<()>>,
}

/// Counters shared with the compile thread.
#[derive(Default)]
struct Shared {
    compiled: AtomicU64,
    cache_hits: AtomicU64,
    failed: AtomicU64,
    queue_drops: AtomicU64,
    budget_refusals: AtomicU64,
    code_bytes: AtomicU64,
    /// Compile times in microseconds, for p50/p99.
    times: Mutex<Vec<f64>>,
    /// Set when the compile thread died (a panic): everything stays interpreted.
    dead: std::sync::atomic::AtomicBool,
}

/// The JIT: a handle to the compile thread.
pub struct Jit {
    cfg: JitConfig,
    tx: Option<Sender<Request>>,
    outcomes: Receiver<CompileOutcome>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    submitted: u64,
    /// Outstanding requests (background mode), for `wait_idle`.
    pending: Arc<AtomicU64>,
    /// Regions submitted that are loop regions (for the statistics).
    loops: Vec<u32>,
}

impl Jit {
    /// Start the compile thread. Errors only if the host ISA is unsupported.
    pub fn start(cfg: JitConfig) -> Result<Jit, String> {
        // Check the ISA on this thread so that an unsupported machine is reported
        // once, clearly, instead of per request.
        translate::make_isa(&cfg.opt_level)?;
        let (tx, rx) = bounded::<Request>(cfg.queue.max(1));
        let (otx, orx) = unbounded::<CompileOutcome>();
        let shared = Arc::new(Shared::default());
        let pending = Arc::new(AtomicU64::new(0));
        let thread_cfg = cfg.clone();
        let thread_shared = shared.clone();
        let thread_pending = pending.clone();
        let thread = std::thread::Builder::new()
            .name("miniscript-jit".into())
            .spawn(move || compile_thread(thread_cfg, rx, otx, thread_shared, thread_pending))
            .map_err(|e| format!("cannot start the JIT thread: {e}"))?;
        Ok(Jit {
            cfg,
            tx: Some(tx),
            outcomes: orx,
            thread: Some(thread),
            shared,
            submitted: 0,
            pending,
            loops: Vec::new(),
        })
    }

    /// Stop the compile thread after it finishes what is queued.
    pub fn shutdown(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Backend for Jit {
    fn submit(&mut self, gid: u32, desc: &RegionDesc, slot: &Arc<SiteSlot>, label: &str) -> bool {
        if self.shared.dead.load(Ordering::Acquire) {
            slot.state.store(state::FAILED, Ordering::Release);
            return true;
        }
        let Some(tx) = self.tx.as_ref() else {
            return false;
        };
        let (done_tx, done_rx) = if self.cfg.mode == Mode::Sync {
            let (a, b) = bounded(1);
            (Some(a), Some(b))
        } else {
            (None, None)
        };
        if desc.lp.is_some() {
            self.loops.push(gid);
        }
        let req = Request {
            gid,
            label: label.to_string(),
            desc: desc.clone(),
            slot: slot.clone(),
            done: done_tx,
        };
        self.pending.fetch_add(1, Ordering::AcqRel);
        match tx.try_send(req) {
            Ok(()) => {
                self.submitted += 1;
                if let Some(rx) = done_rx {
                    // A dead thread drops the sender: recv fails and we go on.
                    let _ = rx.recv();
                }
                true
            }
            Err(TrySendError::Full(_)) => {
                self.pending.fetch_sub(1, Ordering::AcqRel);
                self.shared.queue_drops.fetch_add(1, Ordering::Relaxed);
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::AcqRel);
                slot.state.store(state::FAILED, Ordering::Release);
                true
            }
        }
    }

    fn drain(&mut self) -> Vec<CompileOutcome> {
        self.outcomes.try_iter().collect()
    }

    fn wait_idle(&mut self) {
        let start = Instant::now();
        while self.pending.load(Ordering::Acquire) > 0 && !self.shared.dead.load(Ordering::Acquire)
        {
            if start.elapsed().as_secs() > 60 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    }

    fn stats(&mut self, counters: &[RegionCounters]) -> String {
        let s = &self.shared;
        let mut times = s.times.lock().map(|t| t.clone()).unwrap_or_default();
        times.sort_by(f64::total_cmp);
        let q = |p: f64| -> f64 {
            if times.is_empty() {
                0.0
            } else {
                times[((times.len() - 1) as f64 * p).round() as usize]
            }
        };
        let native: u64 = counters.iter().map(|c| c.native).sum();
        let total: u64 = counters.iter().map(|c| c.count).sum();
        let misses: u64 = counters.iter().map(|c| c.misses).sum();
        let mut rows: Vec<(&str, String)> = vec![
            ("sites", counters.len().to_string()),
            ("queued", self.submitted.to_string()),
            ("compiled", s.compiled.load(Ordering::Relaxed).to_string()),
            (
                "cache hits",
                s.cache_hits.load(Ordering::Relaxed).to_string(),
            ),
            ("failed", s.failed.load(Ordering::Relaxed).to_string()),
            (
                "queue drops",
                s.queue_drops.load(Ordering::Relaxed).to_string(),
            ),
            (
                "budget refusals",
                s.budget_refusals.load(Ordering::Relaxed).to_string(),
            ),
            (
                "compile time total",
                format!("{:.0} us", times.iter().sum::<f64>() + 0.0),
            ),
            ("compile time p50", format!("{:.1} us", q(0.5))),
            ("compile time p99", format!("{:.1} us", q(0.99))),
            (
                "code bytes",
                s.code_bytes.load(Ordering::Relaxed).to_string(),
            ),
            ("native executions", native.to_string()),
            ("interpreted executions", (total - native).to_string()),
            ("guard misses", misses.to_string()),
        ];
        let lc: Vec<&RegionCounters> = self
            .loops
            .iter()
            .filter_map(|&g| counters.get(g as usize))
            .collect();
        let sum = |f: &dyn Fn(&RegionCounters) -> u64| lc.iter().map(|c| f(c)).sum::<u64>();
        rows.extend([
            ("loop regions", self.loops.len().to_string()),
            ("loop native entries", sum(&|c| c.native).to_string()),
            ("loop native iterations", sum(&|c| c.iters).to_string()),
            (
                "loop exits normal/break",
                format!("{}/{}", sum(&|c| c.exits[0]), sum(&|c| c.exits[1])),
            ),
            ("loop pauses", sum(&|c| c.exits[2]).to_string()),
            ("loop fallbacks", sum(&|c| c.exits[3]).to_string()),
        ]);
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let mut out = String::from("jit statistics:\n");
        for (k, v) in rows {
            out.push_str(&format!("  {:<w$}: {v}\n", k));
        }
        out
    }
}

/// A request failed: mark it, count it, and say so once.
fn fail(shared: &Shared, req: &Request, e: &str) {
    req.slot.state.store(state::FAILED, Ordering::Release);
    shared.failed.fetch_add(1, Ordering::Relaxed);
    eprintln!(
        "miniscript: warning: JIT could not compile region {} ({}): {e}; it stays interpreted",
        req.gid, req.label
    );
}

/// The compile thread: owns the module and the code cache. It takes what is queued
/// in batches (up to 64), generates their code (in parallel with `--jit-threads`)
/// and finalizes each batch once.
fn compile_thread(
    cfg: JitConfig,
    rx: Receiver<Request>,
    out: Sender<CompileOutcome>,
    shared: Arc<Shared>,
    pending: Arc<AtomicU64>,
) {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut compiler = match translate::Compiler::new(&cfg) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("miniscript: JIT disabled: {e}");
                return;
            }
        };
        // Keyed by fingerprint and register layout: the code addresses the window.
        let mut cache: HashMap<(u64, Vec<u16>, Vec<u16>), usize> = HashMap::new();
        // The largest batch taken from the queue at once.
        const BATCH: usize = 64;
        for first in rx.iter() {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            let key_of = |r: &Request| {
                (
                    r.desc.fingerprint,
                    r.desc.input_regs.clone(),
                    r.desc.output_regs.clone(),
                )
            };
            let outcome = |gid, micros, code_bytes, cache_hit, error| CompileOutcome {
                gid,
                micros,
                code_bytes,
                cache_hit,
                error,
            };
            let mut outcomes: Vec<Option<CompileOutcome>> = batch.iter().map(|_| None).collect();
            // Requests to compile, and requests waiting for an identical one of
            // this batch (they become cache hits).
            let mut to_compile: Vec<usize> = Vec::new();
            let mut waiting: Vec<usize> = Vec::new();
            let over_budget = shared.code_bytes.load(Ordering::Relaxed) >= cfg.code_budget;
            for (i, req) in batch.iter().enumerate() {
                let fp = req.desc.fingerprint;
                let key = key_of(req);
                if let Some(&entry) = cache.get(&key) {
                    req.slot.publish(entry);
                    shared.cache_hits.fetch_add(1, Ordering::Relaxed);
                    outcomes[i] = Some(outcome(req.gid, 0.0, 0, true, None));
                } else if over_budget {
                    shared.budget_refusals.fetch_add(1, Ordering::Relaxed);
                    req.slot.state.store(state::FAILED, Ordering::Release);
                    let error = Some("code budget exhausted".to_string());
                    outcomes[i] = Some(outcome(req.gid, 0.0, 0, false, error));
                } else if cfg.panic_fingerprint == Some(fp) {
                    panic!("injected JIT panic (test hook)");
                } else if cfg.fail_fingerprints.contains(&fp) {
                    let e = "injected compile failure (test hook)".to_string();
                    fail(&shared, req, &e);
                    outcomes[i] = Some(outcome(req.gid, 0.0, 0, false, Some(e)));
                } else if to_compile.iter().any(|&j| key_of(&batch[j]) == key) {
                    waiting.push(i);
                } else {
                    to_compile.push(i);
                }
            }
            let jobs: Vec<translate::Job> = to_compile
                .iter()
                .map(|&i| translate::Job {
                    desc: &batch[i].desc,
                    gid: batch[i].gid,
                    label: &batch[i].label,
                })
                .collect();
            let results = if jobs.is_empty() {
                Vec::new()
            } else {
                compiler.compile_batch(&jobs)
            };
            for (&i, result) in to_compile.iter().zip(results) {
                let req = &batch[i];
                outcomes[i] = Some(match result {
                    Ok((entry, bytes, micros)) => {
                        cache.insert(key_of(req), entry);
                        req.slot.publish(entry);
                        shared.compiled.fetch_add(1, Ordering::Relaxed);
                        shared.code_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
                        if let Ok(mut t) = shared.times.lock() {
                            t.push(micros);
                        }
                        if cfg.verbose {
                            eprintln!(
                                "jit: compiled region {} ({}) fingerprint {:016x} in {micros:.0} us, {bytes} bytes",
                                req.gid, req.label, req.desc.fingerprint
                            );
                        }
                        outcome(req.gid, micros, bytes, false, None)
                    }
                    Err(e) => {
                        fail(&shared, req, &e);
                        outcome(req.gid, 0.0, 0, false, Some(e))
                    }
                });
            }
            for &i in &waiting {
                let req = &batch[i];
                outcomes[i] = Some(match cache.get(&key_of(req)) {
                    Some(&entry) => {
                        req.slot.publish(entry);
                        shared.cache_hits.fetch_add(1, Ordering::Relaxed);
                        outcome(req.gid, 0.0, 0, true, None)
                    }
                    None => {
                        let e = "an identical region failed to compile".to_string();
                        req.slot.state.store(state::FAILED, Ordering::Release);
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                        outcome(req.gid, 0.0, 0, false, Some(e))
                    }
                });
            }
            for (req, o) in batch.into_iter().zip(outcomes) {
                if let Some(o) = o {
                    let _ = out.send(o);
                }
                pending.fetch_sub(1, Ordering::AcqRel);
                if let Some(done) = req.done {
                    let _ = done.send(());
                }
            }
        }
        // Leak the module: published code must stay valid (see the module docs).
        std::mem::forget(compiler);
    }));
    if run.is_err() {
        shared.dead.store(true, Ordering::Release);
        eprintln!(
            "miniscript: warning: the JIT compile thread failed; the program continues interpreted"
        );
    }
}

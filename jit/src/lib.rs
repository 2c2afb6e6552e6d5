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
//!
//! Where things are: this file holds the public API (`Jit`, its `Backend` impl);
//! `attach` plugs the profiler and the JIT into a VM; `builder` does it from
//! `Interpreter::builder()`; `config` the settings;
//! `fault` the test-only fault injection; `compile_thread` the request loop, batches, cache and publication;
//! `codegen` the Cranelift module and the batch code generation; `stats` the
//! `--jit-stats` counters and report; the translators are `emit` (helpers, window
//! layout, shared emitters), `straight` (expression regions), `loops` (loop nests) and `func` (whole
//! functions).

pub mod attach;
mod builder;
mod codegen;
mod compile_thread;
mod config;
mod emit;
mod fault;
mod func;
mod loops;
mod stats;
mod straight;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TrySendError};
use miniscript::tier::{RegionCounters, RegionDesc, RegionId, RegionState, SiteSlot};
use profiler::{Backend, CompileOutcome};

use compile_thread::{Request, Shared};
use stats::bump;

pub use attach::{Attach, Attached};
pub use builder::BuilderExt;
pub use config::{JitConfig, Mode};

/// The JIT: a handle to the compile thread.
pub struct Jit {
    /// The settings (`submit` reads the mode).
    cfg: JitConfig,
    /// The request queue; dropped at shutdown, which ends the compile thread.
    tx: Option<Sender<Request>>,
    /// Outcomes from the compile thread, for `drain`.
    outcomes: Receiver<CompileOutcome>,
    /// The compile thread, joined at shutdown.
    thread: Option<JoinHandle<()>>,
    /// Statistics and the dead flag, shared with the compile thread.
    shared: Arc<Shared>,
    /// Requests sent (the `queued` row of the statistics).
    submitted: u64,
    /// Outstanding requests (background mode), for `wait_idle`.
    pending: Arc<AtomicU64>,
    /// Regions submitted that are loop regions (for the statistics).
    loops: Vec<RegionId>,
    /// Regions submitted that are function regions.
    funcs: Vec<RegionId>,
}

impl Jit {
    /// Start the compile thread. Errors only if the host ISA is unsupported.
    pub fn start(cfg: JitConfig) -> Result<Jit, String> {
        // Check the ISA on this thread so that an unsupported machine is reported
        // once, clearly, instead of per request.
        codegen::make_isa(&cfg.opt_level)?;
        let (tx, rx) = bounded::<Request>(cfg.queue.max(1));
        let (otx, orx) = unbounded::<CompileOutcome>();
        let shared = Arc::new(Shared::default());
        let pending = Arc::new(AtomicU64::new(0));
        let thread_cfg = cfg.clone();
        let thread_shared = shared.clone();
        let thread_pending = pending.clone();
        let thread = std::thread::Builder::new()
            .name("miniscript-jit".into())
            .spawn(move || compile_thread::run(thread_cfg, rx, otx, thread_shared, thread_pending))
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
            funcs: Vec::new(),
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
    fn submit(
        &mut self,
        gid: RegionId,
        desc: &RegionDesc,
        slot: &Arc<SiteSlot>,
        label: &str,
    ) -> bool {
        if self.shared.dead.load(Ordering::Acquire) {
            slot.set_state(RegionState::Failed);
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
        if desc.func.is_some() {
            self.funcs.push(gid);
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
                bump(&self.shared.stats.counters.queue_drops, 1);
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::AcqRel);
                slot.set_state(RegionState::Failed);
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
        self.shared
            .stats
            .report(self.submitted, &self.loops, &self.funcs, counters)
    }
}

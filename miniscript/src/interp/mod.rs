//! The interpreter: runtime state (`Vm`), frames, and the dispatch loop.
//!
//! Layout: `mod.rs` holds the state and the public entry points, `exec.rs` the one
//! dispatch loop with the number fast paths, `call.rs` calls, returns, name lookup and
//! the resolution of named locals that hold functions, `fast_call.rs` the fast paths of
//! the common calls, `slow.rs` the general (cold) paths of every instruction,
//! `regions.rs` entering regions and running native code, `native_fn.rs`
//! whole-function native code (function regions).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::error::{MsError, MsResult};
use crate::intrinsics::{self, Intrinsic};
use crate::tac::Proto;
use crate::value::{FuncCode, FuncVal, MapRef, Value};

pub mod attention;
mod budget;
mod call;
mod exec;
mod fast_call;
mod host_call;
mod local_reads;
mod loop_calls;
mod member_call;
mod names;
mod native_fn;
mod peek;
pub use host_call::MAX_NESTED_RUNS;
pub mod frame;
mod regions;
mod sampling;
mod slow;

use frame::{Frame, RetDest};

/// Where `print` output goes. The CLI writes to stdout; hosts and tests capture it.
///
/// ```
/// # use miniscript::host::{Interpreter, OutputSink};
/// struct Upper(std::rc::Rc<std::cell::RefCell<String>>);
/// impl OutputSink for Upper {
///     fn write_str(&mut self, s: &str) {
///         self.0.borrow_mut().push_str(&s.to_uppercase());
///     }
/// }
/// let text = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
/// let mut interp = Interpreter::new();
/// interp.set_output(Upper(text.clone()));
/// interp.run_source("", "print \"hi\"").unwrap();
/// assert_eq!(*text.borrow(), "HI\n");
/// ```
pub trait OutputSink {
    /// Write `s` (a whole `print` line with its line break, or part of one).
    fn write_str(&mut self, s: &str);
    /// Push out anything buffered (before errors and at the end of a run).
    fn flush(&mut self) {}
}

/// Output to the process's standard output, buffered; flushed before errors and at
/// the end of a run.
///
/// ```
/// # use miniscript::host::{Interpreter, StdoutSink};
/// let mut interp = Interpreter::new();
/// interp.set_output(StdoutSink::default()); // the default
/// ```
pub struct StdoutSink {
    buf: std::io::BufWriter<std::io::Stdout>,
    /// Written to since the last flush: a flush with nothing new (after every host
    /// call) then costs one test rather than a lock of the process's stdout.
    dirty: bool,
}

impl Default for StdoutSink {
    fn default() -> Self {
        StdoutSink {
            buf: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
            dirty: false,
        }
    }
}

impl OutputSink for StdoutSink {
    fn write_str(&mut self, s: &str) {
        use std::io::Write;
        self.dirty = true;
        // A closed pipe (e.g. `| head`) is not the script's error: drop the output.
        let _ = self.buf.write_all(s.as_bytes());
    }
    fn flush(&mut self) {
        use std::io::Write;
        if std::mem::take(&mut self.dirty) {
            let _ = self.buf.flush();
        }
    }
}

/// Collects output in memory (tests, hosts).
///
/// ```
/// # use miniscript::host::{Interpreter, StringSink};
/// let out = StringSink::default();
/// let mut interp = Interpreter::new();
/// interp.set_output(out.clone());
/// interp.run_source("", "print 1").unwrap();
/// assert_eq!(out.contents(), "1\n");
/// ```
#[derive(Clone, Default)]
pub struct StringSink(Rc<RefCell<String>>);

impl OutputSink for StringSink {
    fn write_str(&mut self, s: &str) {
        self.0.borrow_mut().push_str(s);
    }
}

impl StringSink {
    /// A copy of everything written so far.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let out = StringSink::default();
    /// let mut interp = Interpreter::new();
    /// interp.set_output(out.clone());
    /// interp.run_source("", "print \"hi\"").unwrap();
    /// assert_eq!(out.contents(), "hi\n");
    /// ```
    pub fn contents(&self) -> String {
        self.0.borrow().clone()
    }
    /// Everything written so far, leaving the sink empty.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let out = StringSink::default();
    /// let mut interp = Interpreter::new();
    /// interp.set_output(out.clone());
    /// interp.run_source("", "print 1").unwrap();
    /// assert_eq!(out.take(), "1\n");
    /// interp.run_source("", "print 2").unwrap();
    /// assert_eq!(out.take(), "2\n");
    /// ```
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// The built-in type maps (defined beside the member lookup that consults them).
pub use crate::ops::TypeMaps;

/// Random generator state for `rnd` (sequences are implementation-specific).
pub struct Rng {
    pub state: u64,
}

/// How a run ended.
///
/// ```
/// # use miniscript::host::{Interpreter, RunStatus};
/// let mut interp = Interpreter::new();
/// interp.load("", "yield").unwrap();
/// assert_eq!(interp.vm_mut().resume(None).unwrap(), RunStatus::Yielded);
/// assert_eq!(interp.vm_mut().resume(None).unwrap(), RunStatus::Done);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// The program ran to its end.
    Done,
    /// The time slice ended or the script called `yield`: resume to continue.
    Yielded,
}

/// Source of unique Vm ids (starts at 1: 0 means "no Vm").
static NEXT_VM_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Back-edges between two looks at the clock when a time slice is set.
pub(crate) const TICKS: u32 = 4096;

/// Interpreter limits and switches.
///
/// ```
/// # use miniscript::host::{Interpreter, VmConfig};
/// let config = VmConfig { max_memory: 1 << 20, ..VmConfig::default() };
/// let mut interp = Interpreter::with_config(config);
/// interp.set_report_errors(false);
/// let e = interp.run_source("", "s = \"x\" * 2000000").unwrap_err();
/// assert!(e.message.starts_with("string too large"));
/// ```
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Maximum number of nested MiniScript calls.
    pub max_call_depth: usize,
    /// Memory ceiling in bytes: the most one string, list or map may grow to
    /// (estimated: a byte per string byte, 16 per list element, 48 per map entry).
    /// Past it the operation fails with a runtime error instead of exhausting memory.
    pub max_memory: usize,
}

impl Default for VmConfig {
    fn default() -> Self {
        use crate::options::Id;
        VmConfig {
            max_call_depth: const { Id::max_call_depth.default_int() as usize },
            max_memory: crate::ops::DEFAULT_MAX_MEMORY,
        }
    }
}

/// One interpreter. Independent interpreters share nothing.
///
/// ```
/// # use miniscript::host::Interpreter;
/// let mut interp = Interpreter::new();
/// let vm = interp.vm_mut(); // the low-level interpreter under the host API
/// assert!(!vm.is_running());
/// ```
pub struct Vm {
    /// Global variables (the bottom frame's locals).
    pub(crate) globals: MapRef,
    /// The built-in type maps (`string`, `list`, `map`, `number`, `funcRef`).
    pub(crate) types: TypeMaps,
    /// Every intrinsic, by id.
    pub(crate) intrinsics: Vec<Rc<Intrinsic>>,
    /// The map `intrinsics` returns: name -> function value.
    pub(crate) intrinsics_map: MapRef,
    /// Where `print` goes.
    pub(crate) out: Box<dyn OutputSink>,
    /// The state of `rnd`.
    pub(crate) rng: Rng,
    /// When the run started (`time` is seconds since then).
    pub(crate) start: Instant,
    /// Raised from other threads (Ctrl-C, the host, the profiler, a debugger);
    /// polled at back-edges and calls.
    pub(crate) attention: Arc<attention::Attention>,
    /// Set by `yield`: the current run slice should end.
    pub(crate) yield_requested: bool,
    /// Limits and switches.
    pub(crate) config: VmConfig,
    /// State of the embedding API and the shell intrinsics (`crate::host`).
    pub(crate) host: crate::intrinsics::HostState,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    /// Number of live frames (`frames` beyond it are kept for reuse).
    pub(crate) depth: usize,
    /// Marks a named local register that has not been assigned in this call yet.
    pub(crate) unset: Rc<FuncVal>,
    /// Unique id of this Vm (functions cache their region registration per Vm).
    pub(crate) id: u64,
    /// Region registrations: function address -> (the function, its first id).
    #[allow(clippy::type_complexity)]
    pub(crate) region_bases: std::collections::HashMap<usize, (Rc<Proto>, crate::tier::RegionId)>,
    /// The profiler/JIT, if any (see `tier`).
    pub(crate) tier: Option<Box<dyn crate::tier::TierHook>>,
    /// Counters of every registered region, by global id.
    pub(crate) regions_rt: Vec<crate::tier::RegionCounters>,
    /// Where each region's native code is published, by global id.
    pub(crate) region_slots: Vec<Arc<crate::tier::SiteSlot>>,
    /// Region entries until the next timed sample, and the reload value.
    pub(crate) sample_countdown: u64,
    pub(crate) sample_every: u64,
    /// The interpreted region execution being timed: (gid, start, frame depth).
    pub(crate) sample: Option<(crate::tier::RegionId, u64, usize)>,
    /// When the current time slice ends (`None`: run to completion).
    pub(crate) slice_end: Option<Instant>,
    /// Back-edges left until the clock is read again.
    pub(crate) ticks: u32,
    /// Reused argument buffer for native calls.
    pub(crate) scratch: Vec<Value>,
    /// Instructions whose operands are being resolved, innermost last.
    pub(crate) resolving: Vec<frame::Resolving>,
    /// The key `"__isa"`: the string `new` uses too (`value::isa_value`).
    pub(crate) isa_key: Value,
    /// Functions registered as function regions (`native_fn.rs`), and their index
    /// by proto address.
    pub(crate) fn_natives: Vec<native_fn::NativeFn>,
    pub(crate) fn_index: std::collections::HashMap<usize, usize>,
    /// Depths `lo..hi` at which native function code is not tried (after it gave
    /// up for depth at `lo`).
    pub(crate) fn_deep: (usize, usize),
    /// The functions each loop region that calls some was compiled against, by
    /// region index (`loop_calls.rs`).
    pub(crate) loop_callees: std::collections::HashMap<usize, loop_calls::Callees>,
    /// The debugger attached, if any, and error traces (`crate::debug`). Boxed:
    /// one word here keeps the layout of the fields the dispatch loop uses.
    pub(crate) dbg: Box<crate::debug::DebugSlot>,
    /// The sampling profiler, while one is attached (`sampling.rs`).
    pub(crate) sampler: Option<Box<sampling::Sampler>>,
}

fn unset_marker(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Null)
}

impl Vm {
    /// An interpreter with default limits printing to `out` (hosts usually make an
    /// [`Interpreter`](crate::host::Interpreter), which owns one).
    ///
    /// ```
    /// # use miniscript::host::{StringSink, Vm};
    /// let out = StringSink::default();
    /// let mut vm = Vm::new(Box::new(out.clone()));
    /// let program = miniscript::host::compile_source("", "print 6 * 7", Default::default()).unwrap();
    /// vm.run_main(program).unwrap();
    /// assert_eq!(out.contents(), "42\n");
    /// ```
    pub fn new(out: Box<dyn OutputSink>) -> Vm {
        Vm::with_config(out, VmConfig::default())
    }

    /// An interpreter with the given limits printing to `out`.
    ///
    /// ```
    /// # use miniscript::host::{NullSink, Vm, VmConfig};
    /// let vm = Vm::with_config(Box::new(NullSink), VmConfig { max_call_depth: 64, ..VmConfig::default() });
    /// assert_eq!(vm.config().max_call_depth, 64);
    /// ```
    pub fn with_config(out: Box<dyn OutputSink>, config: VmConfig) -> Vm {
        let reg = intrinsics::create_registry();
        let marker = Rc::new(Intrinsic {
            name: "(unset)".into(),
            params: Vec::new(),
            f: unset_marker,
        });
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x1234_5678);
        Vm {
            globals: Rc::new(RefCell::new(crate::value::new_map())),
            types: reg.types,
            intrinsics: reg.list,
            intrinsics_map: reg.map,
            out,
            rng: Rng {
                state: crate::value::mix64(seed) | 1,
            },
            start: Instant::now(),
            attention: Arc::new(attention::Attention::new()),
            yield_requested: false,
            config,
            host: crate::intrinsics::HostState::default(),
            stack: Vec::with_capacity(1024),
            frames: Vec::new(),
            depth: 0,
            unset: Rc::new(FuncVal {
                code: FuncCode::Native(marker),
                outer: None,
            }),
            scratch: Vec::new(),
            id: NEXT_VM_ID.fetch_add(1, Ordering::Relaxed),
            region_bases: std::collections::HashMap::new(),
            tier: None,
            regions_rt: Vec::new(),
            region_slots: Vec::new(),
            sample_countdown: u64::MAX,
            sample_every: u64::MAX,
            sample: None,
            slice_end: None,
            ticks: TICKS,
            resolving: Vec::new(),
            isa_key: crate::value::isa_value(),
            fn_natives: Vec::new(),
            fn_index: std::collections::HashMap::new(),
            fn_deep: (usize::MAX, 0),
            loop_callees: std::collections::HashMap::new(),
            dbg: Box::default(),
            sampler: None,
        }
    }

    /// Its limits and switches.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let interp = Interpreter::new();
    /// assert!(interp.vm().config().max_call_depth > 1000);
    /// ```
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// Its limits and switches, to change (they apply from the next run call).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.vm_mut().config_mut().max_call_depth = 100;
    /// assert_eq!(interp.vm().config().max_call_depth, 100);
    /// ```
    pub fn config_mut(&mut self) -> &mut VmConfig {
        &mut self.config
    }

    /// Where `print` goes: a host function may write to the script's output.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let out = StringSink::default();
    /// let mut interp = Interpreter::builder().output(out.clone()).build().unwrap();
    /// interp.register("shout", &["s"], |vm, args| {
    ///     vm.output().write_str(&format!("{}!\n", args[0]));
    ///     Ok(())
    /// }).unwrap();
    /// interp.run_source("", "shout \"hey\"").unwrap();
    /// assert_eq!(out.contents(), "hey!\n");
    /// ```
    pub fn output(&mut self) -> &mut dyn OutputSink {
        &mut *self.out
    }

    /// The host layer's state (registered closures, a pending `exit`).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let interp = Interpreter::new();
    /// assert_eq!(interp.vm().host_state().exit_code(), None);
    /// ```
    pub fn host_state(&self) -> &crate::intrinsics::HostState {
        &self.host
    }

    /// The globals map (for the sibling crates; hosts use
    /// [`Interpreter::global`](crate::host::Interpreter::global)).
    #[cfg(feature = "internals")]
    pub fn globals_map(&self) -> &MapRef {
        &self.globals
    }

    /// The attention word (for the sibling crates; hosts use
    /// [`InterruptHandle`](crate::host::InterruptHandle)).
    #[cfg(feature = "internals")]
    pub fn attention_word(&self) -> &Arc<attention::Attention> {
        &self.attention
    }

    /// Run compiled global code to completion (or the first runtime error).
    pub fn run_main(&mut self, proto: Rc<Proto>) -> MsResult<()> {
        self.start_main(proto);
        loop {
            match self.resume(None)? {
                RunStatus::Done => return Ok(()),
                RunStatus::Yielded => continue,
            }
        }
    }

    /// Plug in the profiler/JIT. Programs must then be compiled with
    /// `CompileOptions { sites: true }` for it to see anything.
    pub fn set_tier(&mut self, hook: Box<dyn crate::tier::TierHook>) {
        let every = hook.sample_shift().map_or(u64::MAX, |k| 1u64 << k.min(62));
        self.sample_every = every;
        self.sample_countdown = every;
        self.tier = Some(hook);
    }

    /// The plugged-in hook (to read statistics while running).
    pub fn tier_mut(&mut self) -> Option<&mut (dyn crate::tier::TierHook + 'static)> {
        self.tier.as_deref_mut()
    }

    /// Counters of every region seen so far, by global id.
    pub fn region_counters(&self) -> &[crate::tier::RegionCounters] {
        &self.regions_rt
    }

    /// Hand the final counters to the hook (reports are printed from there).
    pub fn finish_tier(&mut self) {
        if let Some(mut t) = self.tier.take() {
            self.stop_sampling();
            if let Some(s) = self.samples() {
                t.samples(s);
            }
            t.finish(&self.regions_rt);
            self.tier = Some(t);
        }
    }

    /// Whether a program is loaded and not finished.
    pub fn is_running(&self) -> bool {
        self.depth > 0
    }

    /// Continue the loaded program for at most `time_limit` (or to completion), like
    /// the reference's run-until-done with a time limit. After an error the program
    /// is unloaded.
    pub fn resume(&mut self, time_limit: Option<std::time::Duration>) -> MsResult<RunStatus> {
        if self.depth == 0 {
            return Ok(RunStatus::Done);
        }
        self.slice_end = time_limit.map(|d| Instant::now() + d);
        self.ticks = TICKS;
        let r = {
            let _ceiling = crate::ops::MemoryScope::enter(self.config.max_memory);
            self.budget_enter();
            let r = self.execute(0);
            self.budget_leave();
            r
        };
        self.slice_end = None;
        self.out.flush();
        if r.is_err() {
            self.frames.clear();
            self.depth = 0;
            self.stack.clear();
        }
        r
    }

    /// Load compiled global code as the program to run (see `resume`).
    pub fn start_main(&mut self, proto: Rc<Proto>) {
        self.frames.clear();
        self.depth = 0;
        self.stack.clear();
        self.stack.resize(proto.nregs as usize, Value::Null);
        let globals = self.globals.clone();
        self.push_frame(
            proto,
            0,
            Some(globals),
            None,
            RetDest::Host,
            Value::Null,
            None,
        );
        self.resolving.clear();
    }

    /// Source lines of the active frames, innermost first (for `stackTrace`).
    pub fn stack_trace_lines(&self) -> Vec<u32> {
        self.frames[..self.depth]
            .iter()
            .rev()
            .map(|f| {
                f.proto
                    .lines
                    .get(f.pc)
                    .or(f.proto.lines.last())
                    .copied()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Whether an interrupt was requested (and clears nothing).
    pub fn interrupted(&self) -> bool {
        self.attention.interrupted()
    }

    pub(crate) fn is_unset(&self, f: &Rc<FuncVal>) -> bool {
        Rc::ptr_eq(f, &self.unset)
    }
}

/// Compile and run `source` with output going to `out`.
pub fn run_source(source: &str, out: Box<dyn OutputSink>) -> MsResult<()> {
    let program = crate::parser::parse(source)?;
    let proto = crate::compiler::compile(&program, source, None)?;
    let mut vm = Vm::new(out);
    vm.run_main(proto)
}

pub(crate) fn interrupted_error() -> MsError {
    MsError::runtime("interrupted")
}

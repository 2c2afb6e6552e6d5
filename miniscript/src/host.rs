//! The embedding API: run MiniScript inside a Rust program.
//!
//! An [`Interpreter`] owns one [`Vm`] and everything it needs; interpreters share no
//! state, so a process may run any number of them (each on one thread: values are
//! `Rc`-based and not `Send`). A host typically
//!
//! 1. creates an interpreter from a [`VmConfig`] and redirects its output,
//! 2. registers host intrinsics written as Rust closures ([`Interpreter::register`]),
//! 3. loads a program under a file name and runs it, to completion or for a time
//!    slice at a time ([`Interpreter::run_for`]),
//! 4. calls the script's functions by name, again and again, with typed arguments and
//!    results ([`Interpreter::call`], [`Interpreter::function`]),
//! 5. interrupts a runaway script from another thread ([`InterruptHandle`]).
//!
//! ```
//! use miniscript::host::{Interpreter, StringSink};
//!
//! let mut interp = Interpreter::new();
//! let out = StringSink::default();
//! interp.set_output(out.clone());
//! interp
//!     .register("hostScale", &["x"], |_vm, args| Ok(args[0].num_or_zero() * 10.0))
//!     .unwrap();
//! interp
//!     .run_source("game.ms", "speed = 2\nupdate = function(dt)\n  return hostScale(dt * speed)\nend function\nprint \"loaded\"")
//!     .unwrap();
//! let v: f64 = interp.call("update", (0.5,)).unwrap();
//! assert_eq!(v, 10.0);
//! assert_eq!(out.contents(), "loaded\n");
//! ```
//!
//! Errors come back as [`MsError`] (its `Display` is MiniScript's own wording) and
//! are also written to the error output, as the reference interpreter does.
//!
//! Layout: this file holds the `Interpreter`, its sinks and the interrupt handle;
//! `convert.rs` the Rust <-> MiniScript conversions, `repl.rs` the REPL entry points.
//! Registering closures lives below the interpreter, in `intrinsics::host_fns`.

#![warn(missing_docs)]

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{ErrorKind, MsError, MsResult};
pub use crate::interp::attention::{Attention, INTERRUPT};
use crate::tac::Proto;
pub use crate::value::{ParamSpec, Value};

pub use crate::compiler::{compile_source, CompileOptions};
pub use crate::interp::{
    OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig, MAX_NESTED_RUNS,
};
pub use crate::intrinsics::host_fns::{
    add_intrinsic, params, register_closure, HostFn, HostState, EXIT_MESSAGE, MAX_HOST_FUNCTIONS,
};
pub use crate::intrinsics::shell::{IntrinsicGroups, ShellConfig};

mod args;
mod budget;
mod builder;
mod convert;
mod debug;
mod profile;
mod repl;
#[cfg(feature = "serde")]
pub mod serde;
mod values;
pub use args::{Args, HostResult, TypedFn};
pub use budget::Progress;
pub use builder::{Builder, TierPlugin};
pub use convert::{FromValue, IntoArgs, IntoValue};
pub use repl::{ends_with_line_continuation, needs_more_input, trim_comment};
pub use values::MapBuilder;

// ---------------------------------------------------------------------------------
// Output sinks.

/// Error output to the process's standard error (unbuffered, like C's `stderr`).
#[derive(Default)]
///
/// ```
/// # use miniscript::host::*;
/// let mut interp = Interpreter::new();
/// interp.set_error_output(StderrSink); // the default
/// ```
pub struct StderrSink;

impl OutputSink for StderrSink {
    fn write_str(&mut self, s: &str) {
        use std::io::Write;
        let _ = std::io::stderr().write_all(s.as_bytes());
    }
}

/// Output handed to a closure, for hosts that route text elsewhere (a console
/// widget, a logger).
///
/// ```
/// # use miniscript::host::*;
/// let mut interp = Interpreter::new();
/// interp.set_output(FnSink(|s: &str| eprint!("[script] {s}")));
/// interp.run_source("", "print 1").unwrap();
/// ```
pub struct FnSink<F: FnMut(&str)>(pub F);

impl<F: FnMut(&str)> OutputSink for FnSink<F> {
    fn write_str(&mut self, s: &str) {
        (self.0)(s)
    }
}

/// Output thrown away.
#[derive(Default)]
///
/// ```
/// # use miniscript::host::*;
/// let mut interp = Interpreter::new();
/// interp.set_output(NullSink);
/// interp.run_source("", "print \"nobody sees this\"").unwrap();
/// ```
pub struct NullSink;

impl OutputSink for NullSink {
    fn write_str(&mut self, _: &str) {}
}

// ---------------------------------------------------------------------------------
// The interpreter.

/// Stops a running script from any thread: the run fails with the runtime error
/// `interrupted`. Cheap to clone; `Send` and `Sync`.
#[derive(Clone, Debug)]
pub struct InterruptHandle(Arc<Attention>);

impl InterruptHandle {
    /// A handle not yet tied to an interpreter (see
    /// [`Interpreter::set_interrupt_handle`]).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let handle = InterruptHandle::new();
    /// let mut interp = Interpreter::new();
    /// interp.set_interrupt_handle(&handle);
    /// assert!(!handle.is_pending());
    /// ```
    pub fn new() -> Self {
        InterruptHandle(Arc::new(Attention::new()))
    }
    /// Ask the script to stop. It notices within one loop iteration or call (a
    /// `wait` notices within 10 ms).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// let stop = interp.interrupt_handle();
    /// stop.interrupt(); // before the run: it stops at its first loop iteration
    /// assert!(interp.run_source("", "while true\nend while").is_err());
    /// ```
    pub fn interrupt(&self) {
        self.0.raise(INTERRUPT);
    }
    /// Whether an interrupt is pending (it is cleared when the interrupted run
    /// returns).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let stop = Interpreter::new().interrupt_handle();
    /// stop.interrupt();
    /// assert!(stop.is_pending());
    /// ```
    pub fn is_pending(&self) -> bool {
        self.0.interrupted()
    }
    /// The shared attention word (for signal handlers: `raise(INTERRUPT)`).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let stop = InterruptHandle::new();
    /// let word = stop.flag();
    /// word.raise(INTERRUPT);
    /// assert!(stop.is_pending());
    /// ```
    pub fn flag(&self) -> Arc<Attention> {
        self.0.clone()
    }
}

impl Default for InterruptHandle {
    fn default() -> Self {
        Self::new()
    }
}

/// A script function looked up once, to call many times without a name lookup.
///
/// ```
/// # use miniscript::host::Interpreter;
/// let mut interp = Interpreter::new();
/// interp.run_source("", "sq = function(x)\n  return x * x\nend function").unwrap();
/// let sq = interp.function("sq").unwrap();
/// assert_eq!(sq.name(), "sq");
/// assert!(matches!(sq.value(), miniscript::host::Value::Func(_)));
/// let r: f64 = interp.call_function(&sq, (7,)).unwrap();
/// assert_eq!(r, 49.0);
/// ```
#[derive(Clone)]
pub struct Function {
    value: Value,
    name: Rc<str>,
}

impl Function {
    /// The function value.
    pub fn value(&self) -> &Value {
        &self.value
    }
    /// The name it was looked up by.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Whether `e` is the error of a run stopped by an interrupt.
///
/// ```
/// # use miniscript::host::*;
/// let mut interp = Interpreter::new();
/// interp.set_error_output(StringSink::default());
/// interp.interrupt_handle().interrupt();
/// let e = interp.run_source("", "while true\nend while").unwrap_err();
/// assert!(is_interrupt(&e));
/// ```
pub fn is_interrupt(e: &MsError) -> bool {
    e.kind == ErrorKind::Runtime && e.message == "interrupted"
}

/// One MiniScript interpreter with its program, globals, output sinks and host
/// functions.
///
/// ```
/// # use miniscript::host::*;
/// let mut interp = Interpreter::new();
/// interp.run_source("", "x = 6 * 7").unwrap();
/// assert_eq!(interp.global_as::<f64>("x").unwrap(), 42.0);
/// ```
pub struct Interpreter {
    vm: Vm,
    err: Box<dyn OutputSink>,
    /// Whether errors are also written to `err` (they are always returned).
    report_errors: bool,
    /// Reused argument buffer for calls.
    args: Vec<Value>,
    /// How long `run` and `repl_eval` pause after the script calls `yield`.
    yield_pause: Duration,
}

impl Default for Interpreter {
    fn default() -> Self {
        Self::new()
    }
}

impl Interpreter {
    /// An interpreter with default limits, printing to standard output and reporting
    /// errors on standard error.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "print \"hello\"").unwrap();
    /// ```
    pub fn new() -> Self {
        Self::with_config(VmConfig::default())
    }

    /// An interpreter with the given limits.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::with_config(VmConfig { max_call_depth: 50, ..VmConfig::default() });
    /// interp.set_error_output(StringSink::default());
    /// let e = interp.run_source("", "f = function(n)\n  return f(n + 1)\nend function\nf 0").unwrap_err();
    /// assert!(e.message.starts_with("Stack Overflow"));
    /// ```
    pub fn with_config(config: VmConfig) -> Self {
        Interpreter {
            vm: Vm::with_config(Box::new(StdoutSink::default()), config),
            err: Box::new(StderrSink),
            report_errors: true,
            args: Vec::new(),
            yield_pause: Duration::ZERO,
        }
    }

    /// Where `print` (and REPL results) go.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// let out = StringSink::default();
    /// interp.set_output(out.clone());
    /// interp.run_source("", "print 1 + 1").unwrap();
    /// assert_eq!(out.contents(), "2\n");
    /// ```
    pub fn set_output(&mut self, sink: impl OutputSink + 'static) {
        self.vm.out.flush();
        self.vm.out = Box::new(sink);
    }

    /// Where errors are reported (each as one line in MiniScript's wording).
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// let err = StringSink::default();
    /// interp.set_error_output(err.clone());
    /// assert!(interp.run_source("", "x = nope").is_err());
    /// assert!(err.contents().starts_with("Runtime Error:"), "{}", err.contents());
    /// ```
    pub fn set_error_output(&mut self, sink: impl OutputSink + 'static) {
        self.err = Box::new(sink);
    }

    /// How long `run` and `repl_eval` sleep after the script calls `yield`, so that
    /// a `yield` loop waits for the next "frame" as in the reference command line
    /// (10 ms there); zero by default. `run_for` returns at a `yield` instead.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.set_yield_pause(std::time::Duration::from_millis(1));
    /// interp.run_source("", "yield\nyield").unwrap(); // sleeps 1 ms at each yield
    /// ```
    pub fn set_yield_pause(&mut self, pause: Duration) {
        self.yield_pause = pause;
    }

    /// The underlying interpreter (globals, output sink, configuration).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let interp = Interpreter::new();
    /// assert!(interp.vm().config().max_call_depth > 1000);
    /// ```
    pub fn vm(&self) -> &Vm {
        &self.vm
    }

    /// The underlying interpreter, to change (its configuration, tier hook).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.vm_mut().config_mut().max_call_depth = 100;
    /// assert_eq!(interp.vm().config().max_call_depth, 100);
    /// ```
    pub fn vm_mut(&mut self) -> &mut Vm {
        &mut self.vm
    }

    /// Parse and compile `source` with this interpreter's compile options (see
    /// [`compile_source`]).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// let program = interp.compile("p.ms", "n = n + 1").unwrap();
    /// interp.set_global("n", 0);
    /// for _ in 0..3 {
    ///     interp.load_proto(program.clone());
    ///     interp.run().unwrap();
    /// }
    /// assert_eq!(interp.global_as::<f64>("n").unwrap(), 3.0);
    /// ```
    pub fn compile(&self, name: &str, source: &str) -> MsResult<Rc<Proto>> {
        compile_source(name, source, self.vm.host.compile_options)
    }

    /// How code is compiled from now on: with `sites`, numeric regions are marked
    /// for a profiler or JIT plugged in with [`Vm::set_tier`] (through
    /// [`Interpreter::vm_mut`]). Applies to `load`, `repl_eval` and `import`.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// let options = CompileOptions { sites: true, ..Default::default() };
    /// interp.set_compile_options(options);
    /// interp.run_source("", "x = 1 + 2").unwrap();
    /// ```
    pub fn set_compile_options(&mut self, options: CompileOptions) {
        self.vm.host.compile_options = options;
    }

    /// Compile `source` and make it the program to run (replacing any unfinished
    /// one). Globals, registered functions and output sinks are kept. A compile
    /// error is reported and returned; nothing is loaded then.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// let err = interp.load("broken.ms", "x = (1").unwrap_err();
    /// assert!(err.to_string().ends_with("[broken.ms line 1]"), "{err}");
    /// ```
    pub fn load(&mut self, name: &str, source: &str) -> MsResult<()> {
        let r = self.compile(name, source);
        let proto = self.report(r)?;
        self.load_proto(proto);
        Ok(())
    }

    /// Make already compiled code the program to run.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// let p = interp.compile("", "x = 1").unwrap();
    /// interp.load_proto(p);
    /// assert!(interp.is_running());
    /// interp.run().unwrap();
    /// ```
    pub fn load_proto(&mut self, proto: Rc<Proto>) {
        self.vm.host.exit_code = None;
        self.vm.start_main(proto);
    }

    /// Whether a loaded program has not finished yet.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.load("", "yield\nx = 1").unwrap();
    /// assert!(!interp.run_for(std::time::Duration::from_secs(1)).unwrap());
    /// assert!(interp.is_running());
    /// interp.run().unwrap();
    /// assert!(!interp.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.vm.is_running()
    }

    /// Run the loaded program to its end (sleeping the yield pause at each `yield`).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.load("", "x = 0\nfor i in range(1, 10)\n  x += i\nend for").unwrap();
    /// interp.run().unwrap();
    /// assert_eq!(interp.global_as::<f64>("x").unwrap(), 55.0);
    /// ```
    pub fn run(&mut self) -> MsResult<()> {
        self.begin_run(true);
        loop {
            match self.step(None)? {
                RunStatus::Done => return Ok(()),
                RunStatus::Yielded if self.fuel_exhausted() => {
                    let e = crate::limits::out_of_fuel(self.fuel().unwrap_or(0));
                    let e = self.vm.locate(e);
                    return self.report(Err(e));
                }
                RunStatus::Yielded => {
                    if !self.yield_pause.is_zero() {
                        std::thread::sleep(self.yield_pause);
                    }
                }
            }
        }
    }

    /// Run the loaded program for at most about `limit` (the clock is checked every
    /// few thousand loop iterations) or until it calls `yield`; returns whether it
    /// finished. Call again to continue where it stopped.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// # use std::time::Duration;
    /// let mut interp = Interpreter::new();
    /// interp.load("", "i = 0\nwhile i < 3\n  i += 1\n  yield\nend while").unwrap();
    /// let mut slices = 0;
    /// while !interp.run_for(Duration::from_millis(5)).unwrap() {
    ///     slices += 1;
    /// }
    /// assert_eq!(slices, 3);
    /// ```
    pub fn run_for(&mut self, limit: Duration) -> MsResult<bool> {
        self.begin_run(true);
        Ok(self.step(Some(limit))? == RunStatus::Done)
    }

    fn step(&mut self, limit: Option<Duration>) -> MsResult<RunStatus> {
        // A limit too far in the future to represent is no limit.
        let limit = limit.filter(|d| Instant::now().checked_add(*d).is_some());
        let r = self.vm.resume(limit);
        self.report(r)
    }

    /// `load` then `run`.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// let e = interp.run_source("bad.ms", "x = 1\ny = nope").unwrap_err();
    /// assert!(e.to_string().ends_with("[bad.ms line 2]"), "{e}");
    /// ```
    pub fn run_source(&mut self, name: &str, source: &str) -> MsResult<()> {
        self.load(name, source)?;
        self.run()
    }

    /// Look up a function (or any value) by global name, for repeated calls with
    /// [`Interpreter::call_function`]. Intrinsics are found too.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "f = function\n  return 1\nend function").unwrap();
    /// assert!(interp.function("f").is_some());
    /// assert!(interp.function("len").is_some()); // an intrinsic
    /// assert!(interp.function("nope").is_none());
    /// ```
    pub fn function(&self, name: &str) -> Option<Function> {
        self.global(name)
            .or_else(|| {
                self.vm
                    .intrinsics_map
                    .borrow()
                    .get(&crate::value::StrKey(name))
                    .cloned()
            })
            .map(|value| Function {
                value,
                name: name.into(),
            })
    }

    /// Call a global function by name, as the script would call `name(args...)`, and
    /// convert its result. Runtime errors inside it are reported and returned; the
    /// interpreter stays usable (globals keep whatever the function changed).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "greet = function(who, punct=\"!\")\n  return \"Hello, \" + who + punct\nend function").unwrap();
    /// let s: String = interp.call("greet", ("Ada",)).unwrap();
    /// assert_eq!(s, "Hello, Ada!");
    /// let s: String = interp.call("greet", ("Ada", "?")).unwrap();
    /// assert_eq!(s, "Hello, Ada?");
    /// ```
    pub fn call<R: FromValue>(&mut self, name: &str, args: impl IntoArgs) -> MsResult<R> {
        let Some(f) = self.function(name) else {
            let e = MsError::runtime(format!(
                "Undefined Identifier: '{name}' is unknown in this context"
            ));
            return self.report(Err(e));
        };
        self.call_function(&f, args)
    }

    /// Call a function found with [`Interpreter::function`].
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "add = function(a, b)\n  return a + b\nend function").unwrap();
    /// let add = interp.function("add").unwrap();
    /// let mut total = 0.0;
    /// for i in 0..100 {
    ///     total = interp.call_function(&add, (total, i)).unwrap();
    /// }
    /// assert_eq!(total, 4950.0);
    /// ```
    pub fn call_function<R: FromValue>(
        &mut self,
        f: &Function,
        args: impl IntoArgs,
    ) -> MsResult<R> {
        let mut buf = std::mem::take(&mut self.args);
        buf.clear();
        args.push_args(&mut buf);
        // Refills the fuel when a budget is set (`begin_run(false)`), at no cost
        // without one.
        let r = self.vm.host_call_value(&f.value, &buf);
        buf.clear();
        self.args = buf;
        self.vm.out.flush();
        match R::from_value(self.report(r)?) {
            Ok(x) => Ok(x),
            Err(e) => self.report(Err(convert::in_result_of(&f.name, e))),
        }
    }

    /// Make a Rust closure callable from scripts under `name`, with parameters
    /// `params` (missing arguments are null; use
    /// [`Interpreter::register_with_params`] for defaults). The closure receives the
    /// interpreter and one argument per parameter and returns any [`IntoValue`].
    /// It is a `Fn` because scripts may re-enter it (a callback that calls it again);
    /// keep mutable state in a `Cell` or `RefCell`.
    /// Registering a name again replaces the closure. At most
    /// [`MAX_HOST_FUNCTIONS`] closures per interpreter.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// use std::{cell::Cell, rc::Rc};
    /// let mut interp = Interpreter::new();
    /// let out = StringSink::default();
    /// interp.set_output(out.clone());
    /// let hits = Rc::new(Cell::new(0));
    /// let h = hits.clone();
    /// interp.register("hit", &["n"], move |_vm, args| {
    ///     h.set(h.get() + args[0].num_or_zero() as i32);
    ///     Ok(h.get())
    /// }).unwrap();
    /// interp.run_source("", "for i in range(1, 3)\n  print hit(i)\nend for").unwrap();
    /// assert_eq!(hits.get(), 6);
    /// assert_eq!(out.contents(), "1\n3\n6\n");
    /// ```
    pub fn register<F, R>(&mut self, name: &str, params: &[&str], f: F) -> MsResult<()>
    where
        F: Fn(&mut Vm, &[Value]) -> MsResult<R> + 'static,
        R: IntoValue,
    {
        self.register_with_params(name, self::params(params), f)
    }

    /// [`Interpreter::register`] with parameter defaults.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// let params = vec![ParamSpec { name: "x".into(), default: Value::from(5) }];
    /// interp.register_with_params("half", params, |_vm, args| Ok(args[0].num_or_zero() / 2.0)).unwrap();
    /// assert_eq!(interp.call::<f64>("half", ()).unwrap(), 2.5);
    /// ```
    pub fn register_with_params<F, R>(
        &mut self,
        name: &str,
        params: Vec<ParamSpec>,
        f: F,
    ) -> MsResult<()>
    where
        F: Fn(&mut Vm, &[Value]) -> MsResult<R> + 'static,
        R: IntoValue,
    {
        if name.is_empty() {
            return Err(MsError::runtime("a host function needs a name"));
        }
        let boxed: Box<HostFn> = Box::new(move |vm, args| f(vm, args).map(IntoValue::into_value));
        register_closure(&mut self.vm, name, params, boxed).map(|_| ())
    }

    /// The command-line host's intrinsics (`import`, `file`, `shellArgs`, `env`,
    /// `exit`, `input`, `exec`, `RawData`), as in the reference `miniscript`
    /// command (spec §10).
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.add_shell_intrinsics(ShellConfig { args: vec!["x.ms".into(), "arg".into()], ..Default::default() });
    /// interp.run_source("", "a = shellArgs[1]").unwrap();
    /// assert_eq!(interp.global_as::<String>("a").unwrap(), "arg");
    /// ```
    pub fn add_shell_intrinsics(&mut self, config: ShellConfig) {
        crate::intrinsics::shell::register(&mut self.vm, config);
    }

    /// A global variable.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.run_source("", "x = [1, 2]").unwrap();
    /// assert_eq!(interp.global("x").and_then(|v| v.len()), Some(2));
    /// assert!(interp.global("y").is_none());
    /// ```
    pub fn global(&self, name: &str) -> Option<Value> {
        self.vm
            .globals
            .borrow()
            .get(&crate::value::StrKey(name))
            .cloned()
    }

    /// Set a global variable.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.set_global("speed", 2.5);
    /// interp.set_global("names", vec!["a", "b"]);
    /// interp.run_source("", "s = speed * names.len").unwrap();
    /// assert_eq!(interp.global_as::<f64>("s").unwrap(), 5.0);
    /// ```
    pub fn set_global(&mut self, name: &str, v: impl IntoValue) {
        self.vm
            .globals
            .borrow_mut()
            .insert(Value::str(name), v.into_value());
    }

    /// A handle that interrupts this interpreter from any thread.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink, is_interrupt};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// let stop = interp.interrupt_handle();
    /// let t = std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(20));
    ///     stop.interrupt();
    /// });
    /// let err = interp.run_source("", "while true\nend while").unwrap_err();
    /// assert!(is_interrupt(&err));
    /// t.join().unwrap();
    /// // The interpreter is usable again.
    /// interp.run_source("", "x = 1").unwrap();
    /// ```
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.vm.attention.clone())
    }

    /// Use `handle` (created elsewhere, e.g. before a signal handler was installed)
    /// as this interpreter's interrupt flag.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let handle = InterruptHandle::new();
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// interp.set_interrupt_handle(&handle);
    /// handle.interrupt();
    /// assert!(interp.run_source("", "while true\nend while").is_err());
    /// ```
    pub fn set_interrupt_handle(&mut self, handle: &InterruptHandle) {
        self.vm.attention = handle.0.clone();
        let wake = self.budget_wake();
        if let Some(m) = self.vm.host.memory.as_mut() {
            m.wake = wake;
        }
    }

    /// The code passed to `exit` (shell intrinsics), once the script has called it:
    /// the run then ended with an error whose message is [`EXIT_MESSAGE`], which is
    /// not reported.
    ///
    /// ```
    /// # use miniscript::host::*;
    /// let mut interp = Interpreter::new();
    /// interp.add_shell_intrinsics(ShellConfig::default());
    /// assert!(interp.run_source("", "exit 3").is_err());
    /// assert_eq!(interp.exit_code(), Some(3));
    /// ```
    pub fn exit_code(&self) -> Option<i32> {
        self.vm.host.exit_code
    }

    /// Report an error (unless it is an `exit`) and make the interpreter usable again
    /// after an interrupt.
    fn report<T>(&mut self, r: MsResult<T>) -> MsResult<T> {
        if let Err(e) = &r {
            self.vm.out.flush();
            if self.vm.host.exit_code.is_none() && self.report_errors {
                self.err.write_str(&format!("{e}\n"));
                self.err.flush();
            }
            if is_interrupt(e) {
                self.vm.attention.clear(INTERRUPT);
            }
        }
        r
    }
}

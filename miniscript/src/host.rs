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
//! assert_eq!(out.0.borrow().as_str(), "loaded\n");
//! ```
//!
//! Errors come back as [`MsError`] (its `Display` is MiniScript's own wording) and
//! are also written to the error output, as the reference interpreter does.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ast::{Expr, ExprKind, Stmt, StmtKind};
use crate::compiler::CompileOptions;
use crate::error::{ErrorKind, MsError, MsResult};
use crate::intrinsics::{Intrinsic, NativeFn};
use crate::lexer::{Lexer, TokenKind};
use crate::tac::Proto;
use crate::value::{FuncCode, FuncVal, ParamSpec, Value};

pub use crate::interp::{OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};
pub use crate::intrinsics::shell::ShellConfig;

/// A host intrinsic written as a Rust closure: the interpreter (to call back into
/// script code with [`Vm::call_value`], or to reach globals and output), and the
/// arguments, one per declared parameter with defaults filled in.
pub type HostFn = dyn Fn(&mut Vm, &[Value]) -> MsResult<Value>;

/// How many closures one interpreter can register (see [`Interpreter::register`]).
pub const MAX_HOST_FUNCTIONS: usize = 256;

/// The message of the error that unwinds a run after `exit` (see
/// [`Interpreter::exit_code`]); it is never reported.
pub const EXIT_MESSAGE: &str = "exit";

/// Interpreter state belonging to the host layer: registered closures, the shell
/// intrinsics' state, a pending `exit`, and REPL bookkeeping. Lives in [`Vm::host`].
#[derive(Default)]
pub struct HostState {
    fns: Vec<HostFnSlot>,
    /// Nested synchronous runs on the native stack (see `Vm::call_value`).
    pub(crate) nesting: u32,
    pub(crate) exit_code: Option<i32>,
    pub(crate) shell: Option<Box<crate::intrinsics::shell::ShellState>>,
    /// How programs, REPL entries and imported modules are compiled (region
    /// markers for the profiler and the JIT).
    pub(crate) compile_options: CompileOptions,
    /// Expression statements run by REPL input so far.
    implicit_count: u64,
}

struct HostFnSlot {
    name: Rc<str>,
    f: Rc<HostFn>,
}

impl HostState {
    /// The code passed to `exit`, once a script has called it.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }
}

// Native intrinsics are plain `fn` pointers, and the interpreter does not tell an
// intrinsic which function value was called. So each registered closure gets its own
// monomorphized trampoline, which knows its slot number at compile time.
fn trampoline<const N: usize>(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    call_host_fn(vm, N, args)
}

macro_rules! trampoline_row {
    ($hi:literal) => {
        [
            trampoline::<{ $hi * 16 }> as NativeFn,
            trampoline::<{ $hi * 16 + 1 }>,
            trampoline::<{ $hi * 16 + 2 }>,
            trampoline::<{ $hi * 16 + 3 }>,
            trampoline::<{ $hi * 16 + 4 }>,
            trampoline::<{ $hi * 16 + 5 }>,
            trampoline::<{ $hi * 16 + 6 }>,
            trampoline::<{ $hi * 16 + 7 }>,
            trampoline::<{ $hi * 16 + 8 }>,
            trampoline::<{ $hi * 16 + 9 }>,
            trampoline::<{ $hi * 16 + 10 }>,
            trampoline::<{ $hi * 16 + 11 }>,
            trampoline::<{ $hi * 16 + 12 }>,
            trampoline::<{ $hi * 16 + 13 }>,
            trampoline::<{ $hi * 16 + 14 }>,
            trampoline::<{ $hi * 16 + 15 }>,
        ]
    };
}

static TRAMPOLINES: [[NativeFn; 16]; 16] = [
    trampoline_row!(0),
    trampoline_row!(1),
    trampoline_row!(2),
    trampoline_row!(3),
    trampoline_row!(4),
    trampoline_row!(5),
    trampoline_row!(6),
    trampoline_row!(7),
    trampoline_row!(8),
    trampoline_row!(9),
    trampoline_row!(10),
    trampoline_row!(11),
    trampoline_row!(12),
    trampoline_row!(13),
    trampoline_row!(14),
    trampoline_row!(15),
];

const _: () = assert!(MAX_HOST_FUNCTIONS == 16 * 16);

fn call_host_fn(vm: &mut Vm, id: usize, args: &mut [Value]) -> MsResult<Value> {
    let Some(slot) = vm.host.fns.get(id) else {
        return Err(MsError::runtime(
            "host function called in an interpreter that did not register it",
        ));
    };
    // Cloned out of the slot: the closure may re-register functions or be re-entered
    // through script code it calls.
    let f = slot.f.clone();
    f(vm, args)
}

/// Parameters named `names`, all defaulting to null.
pub fn params(names: &[&str]) -> Vec<ParamSpec> {
    names
        .iter()
        .map(|n| ParamSpec {
            name: Rc::from(*n),
            default: Value::Null,
        })
        .collect()
}

/// Adds a native intrinsic to `vm`. A non-empty `name` makes it visible to scripts
/// (and in the `intrinsics` map); an empty one only creates the function value, for
/// use as a method in a map. Returns the function value.
pub fn add_intrinsic(vm: &mut Vm, name: &str, params: Vec<ParamSpec>, f: NativeFn) -> Value {
    let intr = Rc::new(Intrinsic {
        name: Rc::from(name),
        params,
        f,
    });
    let fv = Value::Func(Rc::new(FuncVal {
        code: FuncCode::Native(intr.clone()),
        outer: None,
    }));
    vm.intrinsics.push(intr);
    if !name.is_empty() {
        vm.intrinsics_map
            .borrow_mut()
            .insert(Value::str(name), fv.clone());
    }
    fv
}

/// Registers a closure as an intrinsic of `vm` (see [`Interpreter::register`]).
pub fn register_closure(
    vm: &mut Vm,
    name: &str,
    params: Vec<ParamSpec>,
    f: Box<HostFn>,
) -> MsResult<Value> {
    let f: Rc<HostFn> = Rc::from(f);
    // Registering a name again replaces the closure in its slot, so function values
    // that scripts already hold call the new one.
    let existing = if name.is_empty() {
        None
    } else {
        vm.host.fns.iter().position(|s| &*s.name == name)
    };
    let id = match existing {
        Some(i) => {
            vm.host.fns[i].f = f;
            i
        }
        None => {
            let i = vm.host.fns.len();
            if i >= MAX_HOST_FUNCTIONS {
                return Err(MsError::runtime(format!(
                    "cannot register '{name}': an interpreter holds at most {MAX_HOST_FUNCTIONS} host functions"
                )));
            }
            vm.host.fns.push(HostFnSlot {
                name: Rc::from(name),
                f,
            });
            i
        }
    };
    Ok(add_intrinsic(
        vm,
        name,
        params,
        TRAMPOLINES[id / 16][id % 16],
    ))
}

// ---------------------------------------------------------------------------------
// Conversions between Rust and MiniScript values.

/// A Rust value that converts into a MiniScript value (arguments, globals, results
/// of host closures).
pub trait IntoValue {
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl IntoValue for &Value {
    fn into_value(self) -> Value {
        self.clone()
    }
}
impl IntoValue for () {
    fn into_value(self) -> Value {
        Value::Null
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::bool(self)
    }
}
macro_rules! into_num {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::Num(self as f64)
            }
        }
    )*};
}
into_num!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::string(self)
    }
}
impl IntoValue for &String {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::list(self.into_iter().map(IntoValue::into_value).collect())
    }
}
/// A MiniScript value converted to a Rust type (results of [`Interpreter::call`]).
/// Conversions are strict: a number where a string is expected is an error rather
/// than a silent `str`. `bool` uses MiniScript truthiness; `Option` maps null to
/// `None`.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> MsResult<Self>;
}

fn wrong_type(expected: &str, v: &Value) -> MsError {
    MsError::runtime(format!(
        "expected {expected}, got {}",
        match v {
            Value::Null => "null",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
            Value::Func(_) => "a function",
        }
    ))
}

impl FromValue for Value {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(v)
    }
}
impl FromValue for () {
    fn from_value(_: Value) -> MsResult<Self> {
        Ok(())
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(v.truthy())
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> MsResult<Self> {
        v.as_num().ok_or_else(|| wrong_type("a number", &v))
    }
}
impl FromValue for f32 {
    fn from_value(v: Value) -> MsResult<Self> {
        Ok(f64::from_value(v)? as f32)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        /// The number truncated toward zero (saturating at the type's range).
        impl FromValue for $t {
            fn from_value(v: Value) -> MsResult<Self> {
                Ok(f64::from_value(v)? as $t)
            }
        }
    )*};
}
from_int!(i32, i64, u32, u64, usize);
impl FromValue for String {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::Str(s) => Ok(s.as_str().to_string()),
            other => Err(wrong_type("a string", &other)),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}
impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> MsResult<Self> {
        match v {
            Value::List(l) => l.borrow().iter().cloned().map(T::from_value).collect(),
            other => Err(wrong_type("a list", &other)),
        }
    }
}

/// Arguments of a call: a tuple of [`IntoValue`] values (`()`, `(x,)`, `(x, y)`, ...
/// up to 8), an array, or a slice or vector of [`Value`]s.
pub trait IntoArgs {
    fn push_args(self, out: &mut Vec<Value>);
}

impl IntoArgs for &[Value] {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend_from_slice(self);
    }
}
impl IntoArgs for Vec<Value> {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend(self);
    }
}
impl<T: IntoValue, const N: usize> IntoArgs for [T; N] {
    fn push_args(self, out: &mut Vec<Value>) {
        out.extend(self.into_iter().map(IntoValue::into_value));
    }
}
macro_rules! tuple_args {
    ($($name:ident),*) => {
        impl<$($name: IntoValue),*> IntoArgs for ($($name,)*) {
            #[allow(non_snake_case, unused_variables)]
            fn push_args(self, out: &mut Vec<Value>) {
                let ($($name,)*) = self;
                $(out.push($name.into_value());)*
            }
        }
    };
}
tuple_args!();
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);

// ---------------------------------------------------------------------------------
// Output sinks.

/// Error output to the process's standard error (unbuffered, like C's `stderr`).
#[derive(Default)]
pub struct StderrSink;

impl OutputSink for StderrSink {
    fn write_str(&mut self, s: &str) {
        use std::io::Write;
        let _ = std::io::stderr().write_all(s.as_bytes());
    }
}

/// Output handed to a closure, for hosts that route text elsewhere (a console
/// widget, a logger).
pub struct FnSink<F: FnMut(&str)>(pub F);

impl<F: FnMut(&str)> OutputSink for FnSink<F> {
    fn write_str(&mut self, s: &str) {
        (self.0)(s)
    }
}

/// Output thrown away.
#[derive(Default)]
pub struct NullSink;

impl OutputSink for NullSink {
    fn write_str(&mut self, _: &str) {}
}

// ---------------------------------------------------------------------------------
// The interpreter.

/// Stops a running script from any thread: the run fails with the runtime error
/// `interrupted`. Cheap to clone; `Send` and `Sync`.
#[derive(Clone, Debug)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// A handle not yet tied to an interpreter (see
    /// [`Interpreter::set_interrupt_handle`]).
    pub fn new() -> Self {
        InterruptHandle(Arc::new(AtomicBool::new(false)))
    }
    /// Ask the script to stop. It notices within one loop iteration or call (a
    /// `wait` notices within 10 ms).
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether an interrupt is pending (it is cleared when the interrupted run
    /// returns).
    pub fn is_pending(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// The shared flag (for signal handlers).
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Default for InterruptHandle {
    fn default() -> Self {
        Self::new()
    }
}

/// A script function looked up once, to call many times without a name lookup.
#[derive(Clone)]
pub struct Function(Value);

impl Function {
    /// The function value.
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// Whether `e` is the error of a run stopped by an interrupt.
pub fn is_interrupt(e: &MsError) -> bool {
    e.kind == ErrorKind::Runtime && e.message == "interrupted"
}

/// Name of the hidden intrinsic that REPL input calls for every expression
/// statement (stores `_` and counts, see [`Interpreter::repl_eval`]).
const IMPLICIT_FN: &str = "_implicit";

/// One MiniScript interpreter with its program, globals, output sinks and host
/// functions.
pub struct Interpreter {
    vm: Vm,
    err: Box<dyn OutputSink>,
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
    pub fn new() -> Self {
        Self::with_config(VmConfig::default())
    }

    /// An interpreter with the given limits.
    pub fn with_config(config: VmConfig) -> Self {
        Interpreter {
            vm: Vm::with_config(Box::new(StdoutSink::default()), config),
            err: Box::new(StderrSink),
            args: Vec::new(),
            yield_pause: Duration::ZERO,
        }
    }

    /// Where `print` (and REPL results) go.
    pub fn set_output(&mut self, sink: impl OutputSink + 'static) {
        self.vm.out.flush();
        self.vm.out = Box::new(sink);
    }

    /// Where errors are reported (each as one line in MiniScript's wording).
    pub fn set_error_output(&mut self, sink: impl OutputSink + 'static) {
        self.err = Box::new(sink);
    }

    /// How long `run` and `repl_eval` sleep after the script calls `yield`, so that
    /// a `yield` loop waits for the next "frame" as in the reference command line
    /// (10 ms there); zero by default. `run_for` returns at a `yield` instead.
    pub fn set_yield_pause(&mut self, pause: Duration) {
        self.yield_pause = pause;
    }

    /// The underlying interpreter (globals, output sink, configuration).
    pub fn vm(&self) -> &Vm {
        &self.vm
    }

    pub fn vm_mut(&mut self) -> &mut Vm {
        &mut self.vm
    }

    /// Parse and compile `source` with this interpreter's compile options (see
    /// [`compile_source`]).
    pub fn compile(&self, name: &str, source: &str) -> MsResult<Rc<Proto>> {
        compile_source(name, source, self.vm.host.compile_options)
    }

    /// How code is compiled from now on: with `sites`, numeric regions are marked
    /// for a profiler or JIT plugged in with [`Vm::set_tier`] (through
    /// [`Interpreter::vm_mut`]). Applies to `load`, `repl_eval` and `import`.
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
    pub fn load_proto(&mut self, proto: Rc<Proto>) {
        self.vm.host.exit_code = None;
        self.vm.start_main(proto);
    }

    /// Whether a loaded program has not finished yet.
    pub fn is_running(&self) -> bool {
        self.vm.is_running()
    }

    /// Run the loaded program to its end (sleeping the yield pause at each `yield`).
    pub fn run(&mut self) -> MsResult<()> {
        loop {
            match self.step(None)? {
                RunStatus::Done => return Ok(()),
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
        Ok(self.step(Some(limit))? == RunStatus::Done)
    }

    fn step(&mut self, limit: Option<Duration>) -> MsResult<RunStatus> {
        // A limit too far in the future to represent is no limit.
        let limit = limit.filter(|d| Instant::now().checked_add(*d).is_some());
        let r = self.vm.resume(limit);
        self.report(r)
    }

    /// `load` then `run`.
    pub fn run_source(&mut self, name: &str, source: &str) -> MsResult<()> {
        self.load(name, source)?;
        self.run()
    }

    /// Look up a function (or any value) by global name, for repeated calls with
    /// [`Interpreter::call_function`]. Intrinsics are found too.
    pub fn function(&self, name: &str) -> Option<Function> {
        self.global(name)
            .or_else(|| {
                self.vm
                    .intrinsics_map
                    .borrow()
                    .get(&crate::value::StrKey(name))
                    .cloned()
            })
            .map(Function)
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
    pub fn call_function<R: FromValue>(
        &mut self,
        f: &Function,
        args: impl IntoArgs,
    ) -> MsResult<R> {
        let mut buf = std::mem::take(&mut self.args);
        buf.clear();
        args.push_args(&mut buf);
        let r = self.vm.call_value(&f.0, &buf);
        buf.clear();
        self.args = buf;
        self.vm.out.flush();
        R::from_value(self.report(r)?)
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
    /// assert_eq!(out.0.borrow().as_str(), "1\n3\n6\n");
    /// ```
    pub fn register<F, R>(&mut self, name: &str, params: &[&str], f: F) -> MsResult<()>
    where
        F: Fn(&mut Vm, &[Value]) -> MsResult<R> + 'static,
        R: IntoValue,
    {
        self.register_with_params(name, self::params(params), f)
    }

    /// [`Interpreter::register`] with parameter defaults.
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
    pub fn add_shell_intrinsics(&mut self, config: ShellConfig) {
        crate::intrinsics::shell::register(&mut self.vm, config);
    }

    /// A global variable.
    pub fn global(&self, name: &str) -> Option<Value> {
        self.vm
            .globals
            .borrow()
            .get(&crate::value::StrKey(name))
            .cloned()
    }

    /// Set a global variable.
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
        InterruptHandle(self.vm.interrupt.clone())
    }

    /// Use `handle` (created elsewhere, e.g. before a signal handler was installed)
    /// as this interpreter's interrupt flag.
    pub fn set_interrupt_handle(&mut self, handle: &InterruptHandle) {
        self.vm.interrupt = handle.0.clone();
    }

    /// The code passed to `exit` (shell intrinsics), once the script has called it:
    /// the run then ended with an error whose message is [`EXIT_MESSAGE`], which is
    /// not reported.
    pub fn exit_code(&self) -> Option<i32> {
        self.vm.host.exit_code
    }

    /// Run one complete REPL entry (see [`needs_more_input`]): the value of each
    /// expression statement at global level is stored in `_`, and after the run the
    /// last one is printed (with `str`, so strings unquoted) unless it is null, as
    /// the reference REPL does. Globals persist between entries.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// let out = StringSink::default();
    /// interp.set_output(out.clone());
    /// interp.repl_eval("x = 6").unwrap();
    /// interp.repl_eval("x * 7").unwrap();
    /// interp.repl_eval("_ + 1").unwrap();
    /// interp.repl_eval("print \"hi\"").unwrap();
    /// assert_eq!(out.0.borrow().as_str(), "42\n43\nhi\n");
    /// ```
    pub fn repl_eval(&mut self, source: &str) -> MsResult<()> {
        let parsed = crate::parser::parse(source);
        let mut program = self.report(parsed)?;
        wrap_implicit(&mut program.body);
        let compiled =
            crate::compiler::compile_with(&program, source, None, self.vm.host.compile_options);
        let proto = self.report(compiled)?;
        if !self
            .vm
            .intrinsics_map
            .borrow()
            .contains_key(&crate::value::StrKey(IMPLICIT_FN))
        {
            add_intrinsic(
                &mut self.vm,
                IMPLICIT_FN,
                self::params(&["value"]),
                implicit_result,
            );
        }
        let before = self.vm.host.implicit_count;
        self.load_proto(proto);
        self.run()?;
        if self.vm.host.implicit_count != before {
            let v = self.global("_").unwrap_or(Value::Null);
            if !v.is_null() {
                let mut s = crate::format::to_str(&v);
                s.push('\n');
                self.vm.out.write_str(&s);
                self.vm.out.flush();
            }
        }
        Ok(())
    }

    /// Report an error (unless it is an `exit`) and make the interpreter usable again
    /// after an interrupt.
    fn report<T>(&mut self, r: MsResult<T>) -> MsResult<T> {
        if let Err(e) = &r {
            self.vm.out.flush();
            if self.vm.host.exit_code.is_none() {
                self.err.write_str(&format!("{e}\n"));
                self.err.flush();
            }
            if is_interrupt(e) {
                self.vm.interrupt.store(false, Ordering::SeqCst);
            }
        }
        r
    }
}

/// The REPL's `_implicit(value)`: `_ = value`, and count it.
fn implicit_result(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let v = args.first().cloned().unwrap_or(Value::Null);
    vm.globals.borrow_mut().insert(Value::str("_"), v);
    vm.host.implicit_count += 1;
    Ok(Value::Null)
}

/// Turn every expression statement of global code (also inside `if`, `while` and
/// `for` blocks, not inside functions) into `_implicit(expr)`.
fn wrap_implicit(body: &mut [Stmt]) {
    for s in body {
        match &mut s.kind {
            StmtKind::Expr(e) => {
                let span = e.span;
                let inner = std::mem::replace(
                    e,
                    Expr {
                        kind: ExprKind::Null,
                        span,
                    },
                );
                let callee = Expr {
                    kind: ExprKind::Ident(Rc::from(IMPLICIT_FN)),
                    span,
                };
                *e = Expr {
                    kind: ExprKind::Call(Box::new(callee), vec![inner]),
                    span,
                };
            }
            StmtKind::If(arms, els) => {
                for (_, b) in arms.iter_mut() {
                    wrap_implicit(b);
                }
                if let Some(b) = els {
                    wrap_implicit(b);
                }
            }
            StmtKind::While(_, b) | StmtKind::For(_, _, b) => wrap_implicit(b),
            _ => {}
        }
    }
}

/// Whether REPL input `source` (complete lines joined with `\n`) is an unfinished
/// block (`if`, `while`, `for` or `function` without its `end`), so the REPL should
/// read more lines with the continuation prompt.
pub fn needs_more_input(source: &str) -> bool {
    let Err(e) = crate::parser::parse(source) else {
        return false;
    };
    if e.kind != ErrorKind::Compiler {
        return false;
    }
    // Unclosed blocks are reported one line past the end of the input.
    let lines = source.split('\n').count() as u32;
    let open_block = e.message == "unmatched block opener"
        || (e.message.ends_with("without matching 'end if'")
            || e.message.ends_with("without matching 'end while'")
            || e.message.ends_with("without matching 'end for'")
            || e.message.ends_with("without matching 'end function'"))
            && !e.message.starts_with("'end");
    open_block && e.line.is_some_and(|l| l > lines)
}

/// Whether the last line of `source` ends (before any comment) with a token that
/// continues the statement on the next line: an operator, a comma, an opening
/// bracket, `and`, `or`, `not`, `isa` or `new` (the reference REPL's rule). The REPL
/// then joins the next line to this one with a space.
pub fn ends_with_line_continuation(source: &str) -> bool {
    let last_line = source.rsplit('\n').next().unwrap_or("");
    let mut lx = Lexer::new(last_line);
    let mut last = None;
    loop {
        match lx.next_token() {
            Ok(t) if t.is_end() => break,
            Ok(t) => last = Some(t),
            Err(_) => return false,
        }
    }
    let Some(t) = last else {
        return false;
    };
    match t.kind {
        TokenKind::Eol
        | TokenKind::Identifier
        | TokenKind::Number
        | TokenKind::RCurly
        | TokenKind::RParen
        | TokenKind::RSquare
        | TokenKind::String
        | TokenKind::Unknown => false,
        TokenKind::Keyword => matches!(
            t.text.as_deref(),
            Some("and" | "or" | "isa" | "not" | "new")
        ),
        _ => true,
    }
}

/// `line` without a trailing `//` comment (one outside string literals).
pub fn trim_comment(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Parse and compile `source`. A non-empty `name` is shown in error messages as
/// `[name line N]`; with an empty name they read `[line N]` (the main program).
pub fn compile_source(name: &str, source: &str, options: CompileOptions) -> MsResult<Rc<Proto>> {
    let file: Option<Rc<str>> = (!name.is_empty()).then(|| Rc::from(name));
    // The parser does not know the file name; its errors get it here.
    let with_file = |mut e: MsError| {
        if e.file.is_none() {
            e.file = file.clone();
        }
        e
    };
    let program = crate::parser::parse(source).map_err(with_file)?;
    crate::compiler::compile_with(&program, source, file.clone(), options).map_err(with_file)
}

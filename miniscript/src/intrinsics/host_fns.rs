//! Intrinsics added at run time: `add_intrinsic` for native functions, and Rust
//! closures registered by a host, each behind a monomorphized trampoline. Also the
//! `HostState` the `Vm` carries for the host layer (closures, shell state, `exit`).

use std::rc::Rc;

use super::{Intrinsic, NativeFn};
use crate::compiler::CompileOptions;
use crate::error::{MsError, MsResult};
use crate::interp::Vm;
use crate::value::{FuncCode, FuncVal, ParamSpec, Value};

/// A host intrinsic written as a Rust closure: the interpreter (to call back into
/// script code with [`Vm::call_value`], or to reach globals and output), and the
/// arguments, one per declared parameter with defaults filled in.
///
/// ```
/// # use miniscript::host::{register_closure, HostFn, Interpreter, Value};
/// let mut interp = Interpreter::new();
/// let f: Box<HostFn> = Box::new(|_vm, args| Ok(Value::from(args.len())));
/// register_closure(interp.vm_mut(), "count", miniscript::host::params(&["a"]), f).unwrap();
/// assert_eq!(interp.call::<f64>("count", ()).unwrap(), 1.0);
/// ```
pub type HostFn = dyn Fn(&mut Vm, &[Value]) -> MsResult<Value>;

/// How many closures one interpreter can register (see
/// [`Interpreter::register`](crate::host::Interpreter::register)).
///
/// ```
/// # use miniscript::host::{Interpreter, MAX_HOST_FUNCTIONS};
/// let mut interp = Interpreter::new();
/// for i in 0..MAX_HOST_FUNCTIONS {
///     interp.register(&format!("f{i}"), &[], |_vm, _| Ok(())).unwrap();
/// }
/// assert!(interp.register("one_more", &[], |_vm, _| Ok(())).is_err());
/// ```
pub const MAX_HOST_FUNCTIONS: usize = 256;

/// The message of the error that unwinds a run after `exit` (see
/// [`Interpreter::exit_code`](crate::host::Interpreter::exit_code)); it is never reported.
///
/// ```
/// # use miniscript::host::{Interpreter, ShellConfig, EXIT_MESSAGE};
/// let mut interp = Interpreter::new();
/// interp.add_shell_intrinsics(ShellConfig::default());
/// let e = interp.run_source("", "exit 2").unwrap_err();
/// assert_eq!(e.message, EXIT_MESSAGE);
/// ```
pub const EXIT_MESSAGE: &str = "exit";

/// Interpreter state belonging to the host layer: registered closures, the shell
/// intrinsics' state, a pending `exit`, and REPL bookkeeping. See [`Vm::host_state`].
///
/// ```
/// # use miniscript::host::Interpreter;
/// let interp = Interpreter::new();
/// assert_eq!(interp.vm().host_state().exit_code(), None);
/// ```
#[derive(Default)]
pub struct HostState {
    fns: Vec<HostFnSlot>,
    /// Nested synchronous runs on the native stack (see `Vm::call_value`), plus
    /// [`BUDGETED`] while the host has set a fuel or memory budget: the one test a
    /// host call makes against `MAX_NESTED_RUNS` then also sends budgeted calls down
    /// their own (cold) path, so calls without budgets pay nothing for them.
    pub(crate) nesting: u32,
    pub(crate) exit_code: Option<i32>,
    pub(crate) shell: Option<Box<super::shell::ShellState>>,
    /// How programs, REPL entries and imported modules are compiled (region
    /// markers for the profiler and the JIT).
    pub(crate) compile_options: CompileOptions,
    /// Expression statements run by REPL input so far.
    pub(crate) implicit_count: u64,
    /// The operation budget of the current run call, if the host set one.
    pub(crate) fuel: Option<crate::limits::Fuel>,
    /// The total memory budget, if the host set one.
    pub(crate) memory: Option<crate::limits::MemoryBudget>,
    /// What each run in progress replaced when it put the memory budget in force.
    pub(crate) memory_saved: Vec<crate::limits::SavedBudget>,
}

struct HostFnSlot {
    name: Rc<str>,
    f: Rc<HostFn>,
}

/// The bit of [`HostState::nesting`] that says a budget is set (far above
/// `MAX_NESTED_RUNS`, so counting nested runs never reaches it).
pub(crate) const BUDGETED: u32 = 1 << 16;

impl HostState {
    /// Nested synchronous runs in progress.
    #[inline]
    pub(crate) fn nested_runs(&self) -> u32 {
        self.nesting & (BUDGETED - 1)
    }
    /// Whether the host has set a fuel or memory budget.
    #[inline]
    pub(crate) fn budgeted(&self) -> bool {
        self.nesting & BUDGETED != 0
    }
    /// Note whether a budget is set (after `fuel` or `memory` changed).
    pub(crate) fn update_budgeted(&mut self) {
        if self.fuel.is_some() || self.memory.is_some() {
            self.nesting |= BUDGETED;
        } else {
            self.nesting &= !BUDGETED;
        }
    }
    /// The code passed to `exit`, once a script has called it.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, ShellConfig};
    /// let mut interp = Interpreter::new();
    /// interp.add_shell_intrinsics(ShellConfig::default());
    /// let _ = interp.run_source("", "exit 5");
    /// assert_eq!(interp.vm().host_state().exit_code(), Some(5));
    /// ```
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
///
/// ```
/// # use miniscript::host::params;
/// let p = params(&["x", "y"]);
/// assert_eq!(&*p[1].name, "y");
/// ```
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
///
/// ```
/// # use miniscript::host::{add_intrinsic, params, Interpreter, Value, Vm};
/// fn answer(_vm: &mut Vm, _args: &mut [Value]) -> miniscript::MsResult<Value> {
///     Ok(Value::from(42))
/// }
/// let mut interp = Interpreter::new();
/// add_intrinsic(interp.vm_mut(), "answer", params(&[]), answer);
/// assert_eq!(interp.call::<f64>("answer", ()).unwrap(), 42.0);
/// ```
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

/// Registers a closure as an intrinsic of `vm` (see
/// [`Interpreter::register`](crate::host::Interpreter::register)).
///
/// ```
/// # use miniscript::host::{register_closure, params, Interpreter, Value};
/// let mut interp = Interpreter::new();
/// let f = register_closure(interp.vm_mut(), "", params(&["x"]), Box::new(|_vm, a| Ok(a[0].clone())))
///     .unwrap(); // an anonymous function value
/// interp.set_global("same", f);
/// assert_eq!(interp.call::<f64>("same", (3,)).unwrap(), 3.0);
/// ```
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

//! Typed arguments for host functions: [`Args`] converts each argument with an error
//! that names the function and the parameter, and `register_fn` registers a plain
//! Rust closure over typed parameters.

use std::rc::Rc;

use super::convert::{FromValue, IntoValue};
use super::Interpreter;
use crate::error::{MsError, MsResult};
use crate::interp::Vm;
use crate::value::{ParamSpec, Value};

/// The arguments of one call of a host function registered with
/// [`Interpreter::register_args`], with the function's name and parameters for
/// error messages.
///
/// ```
/// # use miniscript::host::{Interpreter, StringSink};
/// let mut interp = Interpreter::new();
/// interp.set_error_output(StringSink::default());
/// interp.register_args("spawn", &["kind", "x"], |_vm, args| {
///     let kind: String = args.get(0)?;
///     let x: f64 = args.get(1)?;
///     Ok(format!("{kind} at {x}"))
/// }).unwrap();
/// interp.run_source("", "s = spawn(\"orc\", 3)").unwrap();
/// assert_eq!(interp.global_as::<String>("s").unwrap(), "orc at 3");
/// let err = interp.run_source("", "spawn 1, 2").unwrap_err();
/// assert_eq!(err.message, "spawn: argument kind: expected a string, got a number");
/// ```
pub struct Args<'a> {
    func: &'a str,
    params: &'a [Rc<str>],
    values: &'a [Value],
}

impl<'a> Args<'a> {
    /// Argument `i` converted to `T`; the error names the function and parameter.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.register_args("twice", &["n"], |_vm, a| Ok(a.get::<f64>(0)? * 2.0)).unwrap();
    /// assert_eq!(interp.call::<f64>("twice", (21,)).unwrap(), 42.0);
    /// ```
    pub fn get<T: FromValue>(&self, i: usize) -> MsResult<T> {
        let v = self.values.get(i).cloned().unwrap_or(Value::Null);
        T::from_value(v).map_err(|e| self.error(i, e))
    }
    /// Argument `i` as it is.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, Value};
    /// let mut interp = Interpreter::new();
    /// interp.register_args("id", &["v"], |_vm, a| Ok(a.value(0).clone())).unwrap();
    /// assert_eq!(interp.call::<Value>("id", ("x",)).unwrap(), Value::from("x"));
    /// ```
    pub fn value(&self, i: usize) -> &Value {
        self.values.get(i).unwrap_or(&Value::Null)
    }
    /// The number of arguments (one per declared parameter).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.register_args("n", &["a", "b"], |_vm, a| Ok(a.len())).unwrap();
    /// assert_eq!(interp.call::<f64>("n", ()).unwrap(), 2.0);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether the function takes no arguments.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.register_args("none", &[], |_vm, a| Ok(a.is_empty())).unwrap();
    /// assert!(interp.call::<bool>("none", ()).unwrap());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// The name of the function being called.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.register_args("who", &[], |_vm, a| Ok(a.function().to_string())).unwrap();
    /// assert_eq!(interp.call::<String>("who", ()).unwrap(), "who");
    /// ```
    pub fn function(&self) -> &str {
        self.func
    }
    /// A conversion error of argument `i`, naming the function and the parameter.
    fn error(&self, i: usize, e: MsError) -> MsError {
        let param = self.params.get(i).map_or("?", |p| &**p);
        MsError::runtime(format!("{}: argument {param}: {}", self.func, e.message))
    }
}

/// A Rust closure over typed parameters, registrable with
/// [`Interpreter::register_fn`]: `Fn(A, B, ...) -> R` for up to 6 parameters that
/// are [`FromValue`], returning an [`IntoValue`] or a `MsResult` of one.
pub trait TypedFn<Marker>: 'static {
    /// Call with the arguments converted (errors name the function and parameter).
    fn call_typed(&self, args: &Args) -> MsResult<Value>;
}

/// A closure result: a value, or a `MsResult` of one.
pub trait HostResult {
    /// The value, or the error to raise.
    fn into_result(self) -> MsResult<Value>;
}
impl<T: IntoValue> HostResult for T {
    fn into_result(self) -> MsResult<Value> {
        Ok(self.into_value())
    }
}
impl<T: IntoValue> HostResult for MsResult<T> {
    fn into_result(self) -> MsResult<Value> {
        self.map(IntoValue::into_value)
    }
}

macro_rules! typed_fn {
    ($($a:ident $i:tt),*) => {
        impl<F, R, $($a: FromValue),*> TypedFn<(R, $($a,)*)> for F
        where
            F: Fn($($a),*) -> R + 'static,
            R: HostResult,
        {
            #[allow(unused_variables)]
            fn call_typed(&self, args: &Args) -> MsResult<Value> {
                (self)($(args.get::<$a>($i)?),*).into_result()
            }
        }
    };
}
typed_fn!();
typed_fn!(A 0);
typed_fn!(A 0, B 1);
typed_fn!(A 0, B 1, C 2);
typed_fn!(A 0, B 1, C 2, D 3);
typed_fn!(A 0, B 1, C 2, D 3, E 4);
typed_fn!(A 0, B 1, C 2, D 3, E 4, G 5);

impl Interpreter {
    /// [`Interpreter::register`] with the arguments as [`Args`], for typed access
    /// with errors that name the function and parameter.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.register_args("add", &["a", "b"], |_vm, a| {
    ///     Ok(a.get::<f64>(0)? + a.get::<f64>(1)?)
    /// }).unwrap();
    /// assert_eq!(interp.call::<f64>("add", (2, 3)).unwrap(), 5.0);
    /// ```
    pub fn register_args<F, R>(&mut self, name: &str, params: &[&str], f: F) -> MsResult<()>
    where
        F: Fn(&mut Vm, &Args) -> MsResult<R> + 'static,
        R: IntoValue,
    {
        let specs = super::params(params);
        self.register_args_with_params(name, specs, f)
    }

    /// [`Interpreter::register_args`] with parameter defaults.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, ParamSpec, Value};
    /// let mut interp = Interpreter::new();
    /// let params = vec![ParamSpec { name: "n".into(), default: Value::from(1) }];
    /// interp.register_args_with_params("inc", params, |_vm, a| Ok(a.get::<f64>(0)? + 1.0)).unwrap();
    /// assert_eq!(interp.call::<f64>("inc", ()).unwrap(), 2.0);
    /// ```
    pub fn register_args_with_params<F, R>(
        &mut self,
        name: &str,
        params: Vec<ParamSpec>,
        f: F,
    ) -> MsResult<()>
    where
        F: Fn(&mut Vm, &Args) -> MsResult<R> + 'static,
        R: IntoValue,
    {
        let fname: Rc<str> = Rc::from(name);
        let names: Rc<[Rc<str>]> = params.iter().map(|p| p.name.clone()).collect();
        self.register_with_params(name, params, move |vm, values| {
            let args = Args {
                func: &fname,
                params: &names,
                values,
            };
            f(vm, &args).map(IntoValue::into_value)
        })
    }

    /// Register a plain Rust closure over typed parameters, one per name in
    /// `params`: each argument is converted with [`FromValue`] (an error names the
    /// function and the parameter) and the result with [`IntoValue`].
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// interp.set_error_output(StringSink::default());
    /// interp.register_fn("hypot", &["x", "y"], |x: f64, y: f64| (x * x + y * y).sqrt()).unwrap();
    /// assert_eq!(interp.call::<f64>("hypot", (3, 4)).unwrap(), 5.0);
    /// let err = interp.run_source("", "hypot [], 1").unwrap_err();
    /// assert_eq!(err.message, "hypot: argument x: expected a number, got a list");
    /// ```
    pub fn register_fn<M>(
        &mut self,
        name: &str,
        params: &[&str],
        f: impl TypedFn<M>,
    ) -> MsResult<()> {
        self.register_args(name, params, move |_vm, args| f.call_typed(args))
    }
}

//! `Interpreter::builder()`: an interpreter configured in one expression (limits,
//! sinks, budgets, shell intrinsics, and the profiler and JIT through a plug-in).
//!
//! Layering: this crate knows nothing of the profiler or the JIT (they depend on
//! it). The builder keeps their settings as the command line's option names and
//! values ([`Builder::tier_option`]) and a plug-in function ([`Builder::tier_plugin`])
//! that turns them on; the `miniscript-jit` crate's `jit::BuilderExt` adds
//! `.jit(mode)` and `.profile(on)`, which fill in both.

use std::rc::Rc;

use super::{Interpreter, IntrinsicGroups, OutputSink, ShellConfig, VmConfig};
use crate::error::MsResult;

/// A function that plugs a profiler or JIT into a built interpreter, given the tier
/// options collected by the builder (`(name, value)` as on the command line).
pub type TierPlugin = Rc<dyn Fn(&mut Interpreter, &[(String, String)]) -> MsResult<()>>;

/// Builds an [`Interpreter`] ([`Interpreter::builder`]).
///
/// ```
/// use miniscript::host::{Interpreter, IntrinsicGroups, StringSink};
/// let out = StringSink::default();
/// let mut interp = Interpreter::builder()
///     .output(out.clone())
///     .fuel(100_000)
///     .memory_budget(8 << 20)
///     .intrinsics(IntrinsicGroups { file_read: true, ..IntrinsicGroups::none() })
///     .build()
///     .unwrap();
/// interp.run_source("", "print 6 * 7").unwrap();
/// assert_eq!(out.contents(), "42\n");
/// ```
#[derive(Default)]
pub struct Builder {
    config: VmConfig,
    output: Option<Box<dyn OutputSink>>,
    error_output: Option<Box<dyn OutputSink>>,
    report_errors: Option<bool>,
    fuel: Option<u64>,
    memory_budget: Option<usize>,
    shell: Option<ShellConfig>,
    tier_options: Vec<(String, String)>,
    tier_plugin: Option<TierPlugin>,
}

impl Builder {
    /// Limits and switches of the interpreter ([`VmConfig`]).
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, VmConfig};
    /// let config = VmConfig { max_call_depth: 100, ..VmConfig::default() };
    /// let interp = Interpreter::builder().config(config).build().unwrap();
    /// assert_eq!(interp.vm().config().max_call_depth, 100);
    /// ```
    pub fn config(mut self, config: VmConfig) -> Self {
        self.config = config;
        self
    }
    /// Where `print` goes (default: standard output).
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let out = StringSink::default();
    /// let mut interp = Interpreter::builder().output(out.clone()).build().unwrap();
    /// interp.run_source("", "print 1").unwrap();
    /// assert_eq!(out.take(), "1\n");
    /// ```
    pub fn output(mut self, sink: impl OutputSink + 'static) -> Self {
        self.output = Some(Box::new(sink));
        self
    }
    /// Where errors are reported (default: standard error).
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let err = StringSink::default();
    /// let mut interp = Interpreter::builder().error_output(err.clone()).build().unwrap();
    /// assert!(interp.run_source("", "x = y").is_err());
    /// assert!(err.contents().starts_with("Runtime Error: Undefined Identifier"));
    /// ```
    pub fn error_output(mut self, sink: impl OutputSink + 'static) -> Self {
        self.error_output = Some(Box::new(sink));
        self
    }
    /// Whether errors are also written to the error output (default true); they
    /// are always returned ([`Interpreter::set_report_errors`]).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::builder().report_errors(false).build().unwrap();
    /// assert!(interp.run_source("", "x = y").is_err()); // nothing on stderr
    /// ```
    pub fn report_errors(mut self, on: bool) -> Self {
        self.report_errors = Some(on);
        self
    }
    /// An operation budget for each run call ([`Interpreter::set_fuel`]).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::builder().fuel(10).report_errors(false).build().unwrap();
    /// assert!(interp.run_source("", "while true\nend while").is_err());
    /// ```
    pub fn fuel(mut self, units: u64) -> Self {
        self.fuel = Some(units);
        self
    }
    /// A total memory budget in bytes ([`Interpreter::set_memory_budget`]).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let interp = Interpreter::builder().memory_budget(1 << 20).build().unwrap();
    /// assert_eq!(interp.memory_budget(), Some(1 << 20));
    /// ```
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = Some(bytes);
        self
    }
    /// Add the shell intrinsics of these groups ([`IntrinsicGroups`]), with no
    /// script arguments and an empty environment.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, IntrinsicGroups};
    /// let mut interp = Interpreter::builder()
    ///     .intrinsics(IntrinsicGroups { env: true, ..IntrinsicGroups::none() })
    ///     .build()
    ///     .unwrap();
    /// interp.run_source("", "e = env").unwrap();
    /// assert!(interp.function("exec").is_none());
    /// ```
    pub fn intrinsics(mut self, groups: IntrinsicGroups) -> Self {
        self.shell = Some(ShellConfig {
            env: Some(Vec::new()),
            groups: Some(groups),
            ..ShellConfig::default()
        });
        self
    }
    /// Add the shell intrinsics as `config` describes them.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, ShellConfig};
    /// let config = ShellConfig { args: vec!["game.ms".into()], ..ShellConfig::default() };
    /// let mut interp = Interpreter::builder().shell(config).build().unwrap();
    /// interp.run_source("", "a = shellArgs[0]").unwrap();
    /// assert_eq!(interp.global_as::<String>("a").unwrap(), "game.ms");
    /// ```
    pub fn shell(mut self, config: ShellConfig) -> Self {
        self.shell = Some(config);
        self
    }
    /// A profiler or JIT option, by its command-line name (`jit`, `profile`,
    /// `jit-hot-count`, ...; `miniscript --help` lists them), for the tier plug-in.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let b = Interpreter::builder().tier_option("jit-hot-count", "10");
    /// assert_eq!(b.tier_options(), &[("jit-hot-count".to_string(), "10".to_string())]);
    /// ```
    pub fn tier_option(mut self, name: &str, value: &str) -> Self {
        self.tier_options.retain(|(k, _)| k != name);
        self.tier_options
            .push((name.to_string(), value.to_string()));
        self
    }
    /// The tier options set so far.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// assert!(Interpreter::builder().tier_options().is_empty());
    /// ```
    pub fn tier_options(&self) -> &[(String, String)] {
        &self.tier_options
    }
    /// The function that plugs the profiler or JIT in, called by `build` with the
    /// tier options (`jit::BuilderExt` sets it).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// use std::rc::Rc;
    /// let interp = Interpreter::builder()
    ///     .tier_option("answer", "42")
    ///     .tier_plugin(Rc::new(|interp: &mut Interpreter, opts: &[(String, String)]| {
    ///         interp.set_global(&opts[0].0, opts[0].1.as_str());
    ///         Ok(())
    ///     }))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(interp.global_as::<String>("answer").unwrap(), "42");
    /// ```
    pub fn tier_plugin(mut self, plugin: TierPlugin) -> Self {
        self.tier_plugin = Some(plugin);
        self
    }
    /// The interpreter. Fails only if the tier plug-in does (an option value out
    /// of range, say).
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::builder().build().unwrap();
    /// interp.run_source("", "x = 1").unwrap();
    /// ```
    pub fn build(self) -> MsResult<Interpreter> {
        let mut interp = Interpreter::with_config(self.config);
        if let Some(out) = self.output {
            interp.vm.out = out;
        }
        if let Some(err) = self.error_output {
            interp.err = err;
        }
        if let Some(on) = self.report_errors {
            interp.set_report_errors(on);
        }
        if let Some(shell) = self.shell {
            interp.add_shell_intrinsics(shell);
        }
        interp.set_fuel(self.fuel);
        interp.set_memory_budget(self.memory_budget);
        if let Some(plug) = self.tier_plugin {
            plug(&mut interp, &self.tier_options)?;
        }
        Ok(interp)
    }
}

impl Interpreter {
    /// Whether errors are also written to the error output (default true). They
    /// are always returned; a host that shows the returned errors itself turns this
    /// off so that they do not appear twice.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// let err = StringSink::default();
    /// interp.set_error_output(err.clone());
    /// interp.set_report_errors(false);
    /// let e = interp.run_source("", "x = y").unwrap_err();
    /// assert_eq!(e.to_string(), "Runtime Error: Undefined Identifier: 'y' is unknown in this context [line 1]");
    /// assert_eq!(err.contents(), "");
    /// ```
    pub fn set_report_errors(&mut self, on: bool) {
        self.report_errors = on;
    }

    /// Drain the profiler's and JIT's pending work and run their end-of-program
    /// reports (if one is plugged in; see `jit::BuilderExt`). Call once at the end.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let mut interp = Interpreter::new();
    /// interp.finish_tier(); // nothing plugged in: nothing to do
    /// ```
    pub fn finish_tier(&mut self) {
        self.vm.finish_tier();
    }

    /// A [`Builder`] for an interpreter.
    ///
    /// ```
    /// # use miniscript::host::Interpreter;
    /// let interp = Interpreter::builder().fuel(1000).build().unwrap();
    /// assert_eq!(interp.fuel(), Some(1000));
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }
}

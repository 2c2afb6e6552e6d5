//! Plugging the profiler and the JIT into an interpreter, from the options table:
//! the compile options programs need, the hook to plug in, and the reports printed
//! when the program ends (`--profile`, `--jit-stats`). Every host uses this one.
//!
//! ```
//! use miniscript::host::Interpreter;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The options as the command line reads them: defaults, `miniscript.toml`,
//! // `MINISCRIPT_*` variables, flags (here one flag, as `--jit=sync` gives it).
//! let flags = [("jit".to_string(), "sync".to_string())];
//! let options = profiler::Options::load(None, None, |k| std::env::var(k).ok(), &flags)?;
//!
//! let mut interp = Interpreter::new();
//! // Sets the interpreter's compile options and plugs in the profiler and the JIT.
//! let attached = jit::Attach::new(&options).to_interpreter(&mut interp);
//! assert!(attached.compile_options.sites);
//!
//! interp.run_source("", "s = 0\nfor i in range(1, 5000)\n  s = s + i * 0.5\nend for")?;
//! // Drain the compile results and print the reports the options ask for.
//! jit::attach::finish(interp.vm_mut());
//! # Ok(())
//! # }
//! ```

use std::io::Write as _;

use miniscript::compiler::CompileOptions;
use miniscript::host::Interpreter;
use miniscript::Vm;
use profiler::{Backend, JitMode, Options, Profiler, Settings};

use crate::fault::{injected_fault, FaultyJit};
use crate::{Jit, JitConfig};

/// The compile options a program needs under `o`: region markers when the JIT or
/// the profiler is on, loop heads when loops are compiled, function entries when
/// functions are; every region when profiling with the JIT on (the table wants the
/// ones it cannot compile too). With the JIT off, only the expression regions the
/// JIT would consider are counted: the sampled views account for
/// the rest, and counting every small region, loop head and call (a map lookup
/// each) cost `--profile` up to 69% (fib) with the JIT off.
pub fn compile_options(o: &Options) -> CompileOptions {
    let jit = o.jit_mode() != JitMode::Off;
    CompileOptions {
        sites: jit || o.profile(),
        min_complexity: if jit && o.profile() {
            0
        } else {
            o.jit_min_complexity()
        },
        loops: jit && o.jit_loops(),
        functions: jit && o.jit_functions(),
    }
}

/// A callback run when the program ends, after the reports.
type OnFinish = Box<dyn FnMut(&mut Profiler)>;

/// What to plug into an interpreter: built from the options, adjusted, then plugged
/// in with [`Attach::to_interpreter`] or [`Attach::to_vm`].
pub struct Attach {
    options: Options,
    main_file: Option<String>,
    main_source: Option<String>,
    settings: Option<Settings>,
    jit_config: Option<JitConfig>,
    on_finish: Option<OnFinish>,
}

/// What [`Attach`] plugged in.
#[derive(Clone, Copy, Debug)]
pub struct Attached {
    /// The compile options programs must be compiled with for the profiler and the
    /// JIT to see them (`to_interpreter` has set them on the interpreter).
    pub compile_options: CompileOptions,
    /// Whether a profiler is plugged in (not when the JIT is off and there is no
    /// `--profile`: the program then runs unprofiled).
    pub profiler: bool,
    /// Whether a JIT is plugged in (not when it is off or could not start).
    pub jit: bool,
}

impl Attach {
    /// The profiler and the JIT as `options` configure them.
    pub fn new(options: &Options) -> Attach {
        Attach {
            options: options.clone(),
            main_file: None,
            main_source: None,
            settings: None,
            jit_config: None,
            on_finish: None,
        }
    }

    /// The name the report gives the main program's rows (default `(main)`).
    pub fn main_file(mut self, name: impl Into<String>) -> Attach {
        self.main_file = Some(name.into());
        self
    }

    /// The main program's text (the profile's lines views show source from it).
    pub fn main_source(mut self, text: impl Into<String>) -> Attach {
        self.main_source = Some(text.into());
        self
    }

    /// Run the profiler with `settings` instead of the ones the options give (a
    /// threshold no option reaches, for one).
    pub fn settings(mut self, settings: Settings) -> Attach {
        self.settings = Some(settings);
        self
    }

    /// Run the JIT with `cfg` instead of the one the options give (its test hooks,
    /// for one); the options still decide whether there is a JIT at all.
    pub fn jit_config(mut self, cfg: JitConfig) -> Attach {
        self.jit_config = Some(cfg);
        self
    }

    /// Also call `f` with the profiler when the program ends (after the reports).
    pub fn on_finish(mut self, f: impl FnMut(&mut Profiler) + 'static) -> Attach {
        self.on_finish = Some(Box::new(f));
        self
    }

    /// The compile options programs need (see [`compile_options`]).
    pub fn compile_options(&self) -> CompileOptions {
        compile_options(&self.options)
    }

    /// Set the interpreter's compile options and plug the profiler and the JIT into
    /// it.
    pub fn to_interpreter(self, interp: &mut Interpreter) -> Attached {
        interp.set_compile_options(self.compile_options());
        self.to_vm(interp.vm_mut())
    }

    /// Plug the profiler (and, unless the JIT is off, the JIT) into `vm`; programs
    /// it runs must be compiled with the returned compile options. If the JIT
    /// cannot start, a warning says so and the program runs interpreted.
    pub fn to_vm(self, vm: &mut Vm) -> Attached {
        let o = &self.options;
        let compile_options = compile_options(o);
        if !compile_options.sites {
            return Attached {
                compile_options,
                profiler: false,
                jit: false,
            };
        }
        let backend = if o.jit_mode() == JitMode::Off {
            None
        } else {
            start_jit(
                self.jit_config
                    .unwrap_or_else(|| JitConfig::from_options(o)),
            )
        };
        let jit = backend.is_some();
        let settings = self.settings.unwrap_or_else(|| Settings::from_options(o));
        let mut p = Profiler::new(settings, backend);
        if let Some(f) = self.main_file {
            p.main_file = f;
        }
        if let Some(text) = self.main_source {
            p.sources.insert(p.main_file.clone(), text);
        }
        if o.profile() {
            vm.start_sampling(o.profile_interval());
        }
        p.on_finish = Some(reports(o, self.on_finish));
        vm.set_tier(Box::new(p));
        Attached {
            compile_options,
            profiler: true,
            jit,
        }
    }
}

/// Drain the compile results and print the reports the options asked for (call
/// once when the program ends, whatever the outcome).
pub fn finish(vm: &mut Vm) {
    vm.finish_tier();
}

/// The JIT (with a fault injected if the test hook asks for one), or `None` after a
/// warning if it cannot start.
fn start_jit(cfg: JitConfig) -> Option<Box<dyn Backend>> {
    if let Some(fault) = injected_fault() {
        return Some(Box::new(FaultyJit::new(fault, cfg)));
    }
    match Jit::start(cfg) {
        Ok(j) => Some(Box::new(j)),
        Err(e) => {
            eprintln!("miniscript: warning: JIT unavailable ({e}); running interpreted");
            None
        }
    }
}

/// What the profiler does at the end: `--jit-stats` and `--profile` reports, then
/// the host's own callback.
fn reports(o: &Options, mut then: Option<OnFinish>) -> OnFinish {
    let (profile, format, out, top, stats) = (
        o.profile(),
        o.profile_format().to_string(),
        o.profile_out().map(str::to_string),
        o.profile_top(),
        o.jit_stats(),
    );
    let annotate = o.profile_annotate();
    Box::new(move |p: &mut Profiler| {
        if stats {
            eprint!("{}", p.jit_stats());
        }
        if profile {
            let text = profile_text(p, &format, top, annotate);
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
        if let Some(f) = then.as_mut() {
            f(p);
        }
    })
}

/// The profile in `format` (`text`: the sampled views, the regions table and,
/// with `annotate`, the annotated source).
fn profile_text(p: &mut Profiler, format: &str, top: usize, annotate: bool) -> String {
    let width = terminal_width();
    match format {
        "json" => profiler::export::json(&p.document(top)),
        "folded" => profiler::flame::folded(&p.profile()),
        "svg" => profiler::flame::svg(&p.profile(), &format!("{} profile", p.main_file))
            .unwrap_or_else(|e| format!("miniscript: cannot draw the flame graph: {e}\n")),
        _ => {
            let prof = p.profile();
            let mut text = profiler::views::text(&prof, &p.sources, &p.main_file, top, width);
            text.push('\n');
            text.push_str(&profiler::report::text_width(
                &profiler::report::build(p, top),
                width,
            ));
            if annotate {
                text.push('\n');
                text.push_str(&profiler::views::annotate(
                    &prof,
                    &p.sources,
                    &p.main_file,
                    2,
                ));
            }
            text
        }
    }
}

/// The width text reports fit: `COLUMNS` when set, else 80.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(80)
}

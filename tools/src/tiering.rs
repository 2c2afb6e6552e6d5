//! Wiring of the profiler and the JIT into an interpreter, from the options table:
//! which compile options the program needs, the hook to plug in, and what to print
//! at exit (`--profile` report, `--jit-stats`).

use std::io::Write as _;

use miniscript::compiler::CompileOptions;
use miniscript::Vm;
use profiler::{Options, Profiler, Settings};

/// Whether the program must be compiled with region markers.
pub fn compile_options(o: &Options) -> CompileOptions {
    CompileOptions {
        sites: o.jit_mode() != "off" || o.profile(),
        // The report wants every region; the JIT alone only the ones it may compile.
        min_complexity: if o.profile() {
            0
        } else {
            o.jit_min_complexity()
        },
        loops: o.jit_loops(),
    }
}

/// Plug the profiler (and, unless `--jit=off`, the JIT) into `vm`. With the JIT off
/// and no `--profile`, nothing is attached and the program runs unprofiled.
pub fn attach(vm: &mut Vm, o: &Options, main_file: Option<&str>) {
    if !compile_options(o).sites {
        return;
    }
    let backend: Option<Box<dyn profiler::Backend>> = if o.jit_mode() == "off" {
        None
    } else {
        match jit::Jit::start(jit::JitConfig::from_options(o)) {
            Ok(j) => Some(Box::new(j)),
            Err(e) => {
                eprintln!("miniscript: warning: JIT unavailable ({e}); running interpreted");
                None
            }
        }
    };
    let mut p = Profiler::new(Settings::from_options(o), backend);
    if let Some(f) = main_file {
        p.main_file = f.to_string();
    }
    let (profile, format, out, top, stats) = (
        o.profile(),
        o.profile_format().to_string(),
        o.profile_out().map(str::to_string),
        o.profile_top(),
        o.jit_stats(),
    );
    p.on_finish = Some(Box::new(move |p: &mut Profiler| {
        if stats {
            eprint!("{}", p.jit_stats());
        }
        if profile {
            let report = profiler::report::build(p, top);
            let text = if format == "json" {
                profiler::report::json(&report)
            } else {
                profiler::report::text(&report)
            };
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
    }));
    vm.set_tier(Box::new(p));
}

/// Print the reports (call once when the program ends, whatever the outcome).
pub fn finish(vm: &mut Vm) {
    vm.finish_tier();
}

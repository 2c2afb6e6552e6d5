//! Shared by the criterion benchmarks: finding the programs, compiling, running with
//! the output discarded or captured.
//!
//! Each benchmark file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::rc::Rc;

use miniscript::tac::Proto;
use miniscript::{OutputSink, StringSink, Vm};

/// Output that is thrown away: printing is part of a program, but collecting it in a
/// string would add allocation that the command-line host does not have.
pub struct Discard;

impl OutputSink for Discard {
    fn write_str(&mut self, _s: &str) {}
}

/// The repository root (benchmarks are registered in tools/Cargo.toml).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared data directory: `$MINISCRIPT_SHARED`, else `../shared` beside the
/// repository (as the tests find it).
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("MINISCRIPT_SHARED") {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("..").join("shared"),
    }
}

/// A benchmark program: name, source and the line it must print.
pub struct Program {
    pub name: String,
    pub source: String,
    pub expected: Option<String>,
}

/// The programs of a bench directory laid out as `ms/NAME.ms` plus `expected.txt`;
/// `None` (after a notice) when the directory is missing, so that a checkout without
/// the shared data still benchmarks its own programs.
pub fn programs(dir: &Path) -> Option<Vec<Program>> {
    let ms = dir.join("ms");
    let Ok(entries) = std::fs::read_dir(&ms) else {
        eprintln!(
            "NOTICE: skipping the programs of {} (not found; set MINISCRIPT_SHARED to the \
             directory holding bench/)",
            ms.display()
        );
        return None;
    };
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
    let mut list: Vec<Program> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ms"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            let source = std::fs::read_to_string(&p).ok()?;
            let expected = expected
                .lines()
                .find(|l| l.split_whitespace().next() == Some(name.as_str()))
                .map(str::to_string);
            Some(Program {
                name,
                source,
                expected,
            })
        })
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Some(list)
}

/// Parse and compile, panicking with the error: a benchmark of a program that does
/// not compile measures nothing.
pub fn compile(name: &str, source: &str) -> Rc<Proto> {
    let program = miniscript::parser::parse(source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    miniscript::compiler::compile(&program, source, None)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Runs a compiled program once and returns what it printed.
pub fn run_captured(name: &str, proto: &Rc<Proto>) -> String {
    let text = StringSink::default();
    let mut vm = Vm::new(Box::new(text.clone()));
    vm.run_main(proto.clone())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    text.contents()
}

/// Runs a compiled program once in a fresh interpreter, output discarded.
pub fn run_discarded(proto: &Rc<Proto>) {
    let mut vm = Vm::new(Box::new(Discard));
    if let Err(e) = vm.run_main(proto.clone()) {
        panic!("runtime error: {e:?}");
    }
}

/// The options table with these settings (as `--NAME=VALUE` flags would set them).
pub fn options(settings: &[(&str, &str)]) -> profiler::Options {
    let mut o = profiler::Options::default();
    for (name, value) in settings {
        o.set(name, value, profiler::options::Source::Flag)
            .unwrap_or_else(|e| panic!("option {name}={value}: {e}"));
    }
    o
}

/// Compile for the profiler and the JIT as `o` configures them.
pub fn compile_for(name: &str, source: &str, o: &profiler::Options) -> Rc<Proto> {
    let program = miniscript::parser::parse(source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    miniscript::compiler::compile_with(&program, source, None, jit::attach::compile_options(o))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// A `Vm` with the profiler and (unless the JIT is off) the JIT attached, the way the
/// command-line host attaches them (`o` asks for no exit report).
pub fn tiered_vm(out: Box<dyn OutputSink>, o: &profiler::Options) -> Vm {
    let mut vm = Vm::new(out);
    let attached = jit::Attach::new(o).to_vm(&mut vm);
    assert!(
        attached.jit || o.jit_mode() == profiler::JitMode::Off,
        "JIT start"
    );
    vm
}

/// Runs a program compiled for `o` once in a tiered `Vm` and returns what it printed.
pub fn run_tiered_captured(name: &str, proto: &Rc<Proto>, o: &profiler::Options) -> String {
    let text = StringSink::default();
    let mut vm = tiered_vm(Box::new(text.clone()), o);
    vm.run_main(proto.clone())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    vm.finish_tier();
    text.contents()
}

/// A deterministic generator (a 64-bit LCG) of distinct expressions, so that every
/// run sees the same program and no two sites are alike.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    /// An expression over `vars`, up to `depth` operators deep. `numeric` keeps to
    /// the arithmetic the JIT compiles; otherwise comparisons, `and`/`or` and an
    /// intrinsic call appear too.
    pub fn expr(&mut self, vars: &[String], depth: u32, numeric: bool) -> String {
        if depth == 0 || self.next(4) == 0 {
            return match self.next(3) {
                0 => format!("{}.{}", self.next(100) + 1, self.next(10)),
                _ => vars[self.next(vars.len() as u64) as usize].clone(),
            };
        }
        let ops: &[&str] = if numeric {
            &["+", "-", "*", "/", "+", "*"]
        } else {
            &["+", "-", "*", "/", "%", "<", "==", "and", "or"]
        };
        let op = ops[self.next(ops.len() as u64) as usize];
        let l = self.expr(vars, depth - 1, numeric);
        let r = self.expr(vars, depth - 1, numeric);
        if !numeric && self.next(5) == 0 {
            format!("abs({l}) {op} {r}")
        } else {
            format!("({l} {op} {r})")
        }
    }
}

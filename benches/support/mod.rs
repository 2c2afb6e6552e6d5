//! Shared by the criterion benchmarks: finding the programs, compiling, running with
//! the output discarded or captured.
//!
//! Each benchmark file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::cell::RefCell;
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
    let text = Rc::new(RefCell::new(String::new()));
    let mut vm = Vm::new(Box::new(StringSink(text.clone())));
    vm.run_main(proto.clone())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let out = text.borrow().clone();
    out
}

/// Runs a compiled program once in a fresh interpreter, output discarded.
pub fn run_discarded(proto: &Rc<Proto>) {
    let mut vm = Vm::new(Box::new(Discard));
    if let Err(e) = vm.run_main(proto.clone()) {
        panic!("runtime error: {e:?}");
    }
}

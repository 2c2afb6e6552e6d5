//! Generator (property) tests: random inputs, from a fixed seed, thrown at the whole
//! pipeline.
//!
//! - `random_bytes`: arbitrary bytes into the lexer, the parser and the lowering (with
//!   and without region markers); invalid UTF-8 goes in as the lossy text, and a few
//!   raw files go through the binary (`--dump-tac`), which must refuse them cleanly.
//! - `token_soup`: sequences of MiniScript keywords, operators, literals and names,
//!   some wrapped in deep nesting, through the same front end.
//! - `mutated_programs`: well-formed programs (below) with a few random edits
//!   (characters deleted, tokens inserted, lines repeated, the text cut off), through
//!   the same front end.
//! - `well_formed_programs`: random valid programs (arithmetic, strings, lists, maps,
//!   `if`/`while`/`for`/`break`/`continue`, functions, recursion) run under a
//!   wall-clock budget, interpreted and with the JIT compiling every site at once
//!   (`--jit=sync --jit-eager --jit-min-complexity=0`); both must give the same
//!   output. Runtime errors are allowed, panics are not.
//! - `numeric_programs`: random numeric code (special values, every arithmetic,
//!   comparison and logic operator, the numeric intrinsics, loops with `break` and
//!   `continue`, at global scope and in functions) run interpreted and with the JIT:
//!   the printed text must be the same, and every value the program records in its
//!   `trace` list must be the same bit for bit (so `-0` against `0`, or a last-digit
//!   difference, is caught although `print` shows six digits).
//!
//! - `global_programs`: loops at global scope over globals that are created inside
//!   them, removed, retyped, written through `globals`, auto-called functions, calls
//!   from loops, and a function whose loop reads globals past a local shadowing one:
//!   interpreted and with the JIT, bit for bit as above.
//!
//! A failing case is shrunk by proptest to a small one, shown with its source text.
//! Each test writes a summary line (`generator NAME: N cases ...`) straight to stderr,
//! so it shows even when the harness captures output; `-- --nocapture` shows the
//! rest.
//!
//! Environment:
//! - `MINISCRIPT_GEN_CASES=N`: run N cases in every generator (the default counts
//!   keep the whole file to a few seconds in a release build) - the longer run;
//! - `MINISCRIPT_GEN_SEED=N`: another fixed seed (default 0);
//! - `MINISCRIPT_REF_BIN=PATH`: also run each well-formed program with this binary
//!   (the reference C++ `miniscript`) and report where its output differs. Only
//!   reported, never a failure: the implementations differ on purpose in places
//!   (number text of `-0`, NaN and infinities, `round` ties, error wording).
//!
//! Failures found by these generators are kept as regression cases in
//! `tests/cases/robustness/` or as named tests at the end of this file.

mod common;

use std::cell::Cell;
use std::time::{Duration, Instant};

use miniscript::compiler::CompileOptions;
use miniscript::host::{compile_source, Interpreter, StringSink};
use miniscript::lexer::Lexer;
use miniscript::value::Value;
use miniscript::ErrorKind;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

// ---------------------------------------------------------------------------------
// Runner set-up: fixed seeds, case counts, the summary line.

/// Case count: `$MINISCRIPT_GEN_CASES` if set, else `default`.
fn case_count(default: u32) -> u32 {
    std::env::var("MINISCRIPT_GEN_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// `$MINISCRIPT_GEN_SEED`, else 0.
fn seed() -> u64 {
    std::env::var("MINISCRIPT_GEN_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// A runner with a deterministic random generator: the seed mixed with the
/// generator's name, so that each generator has its own fixed sequence.
fn runner(name: &str, cases: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    for (i, b) in name.bytes().enumerate() {
        bytes[8 + i % 24] ^= b.rotate_left(i as u32 % 8);
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Runs `test` on `cases` values of `strategy`; panics with proptest's (shrunk)
/// failure, else prints the summary line.
fn run_generator<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    extra: impl Fn() -> String,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let cases = case_count(default_cases);
    let mut runner = runner(name, cases);
    let calls = Cell::new(0u64);
    let start = Instant::now();
    let result = runner.run(&strategy, |v| {
        calls.set(calls.get() + 1);
        test(v)
    });
    let elapsed = start.elapsed().as_secs_f64();
    if let Err(e) = result {
        panic!(
            "generator {name} (seed {}): {e}\n({} calls including shrinking)",
            seed(),
            calls.get()
        );
    }
    common::notice(&format!(
        "generator {name}: {cases} cases passed, seed {}, {elapsed:.2} s{}",
        seed(),
        extra()
    ));
}

// ---------------------------------------------------------------------------------
// The front end: lexer, parser, lowering.

/// Lexes, parses and lowers `src` (with and without region markers). Each stage must
/// end with a result or a lexer/compiler error; the lexer must also make progress.
fn front_end(src: &str) -> Result<(), TestCaseError> {
    let mut lex = Lexer::new(src);
    let mut tokens = 0usize;
    loop {
        match lex.next_token() {
            Ok(t) if t.is_end() => break,
            Ok(_) => {
                tokens += 1;
                prop_assert!(
                    tokens <= src.len() + 1,
                    "the lexer made {tokens} tokens of {} bytes",
                    src.len()
                );
            }
            Err(e) => {
                prop_assert!(e.kind == ErrorKind::Lexer, "lexer gave {e}");
                break;
            }
        }
    }
    for options in [
        CompileOptions::default(),
        CompileOptions {
            sites: true,
            min_complexity: 0,
            loops: true,
            functions: true,
        },
    ] {
        match compile_source("", src, options) {
            Ok(proto) => {
                prop_assert!(!proto.dump().is_empty());
            }
            Err(e) => prop_assert!(
                matches!(e.kind, ErrorKind::Lexer | ErrorKind::Compiler),
                "compiling gave a {:?} error: {e}",
                e.kind
            ),
        }
    }
    Ok(())
}

/// Bytes that MiniScript source is made of, to make random bytes more interesting
/// than uniform noise.
const SOURCE_BYTES: &[u8] = b"abcxyz019_ .\"'()[]{},:;=+-*/%^<>!@#\n\r\t\\e";

#[test]
fn random_bytes() {
    let byte = prop_oneof![
        1 => any::<u8>(),
        12 => select(SOURCE_BYTES),
        2 => 0u8..0x80,
    ];
    let binary_runs = Cell::new(0u32);
    let invalid = Cell::new(0u32);
    run_generator(
        "random_bytes",
        5000,
        vec(byte, 0..120),
        || {
            format!(
                " ({} not UTF-8, {} also run through the binary)",
                invalid.get(),
                binary_runs.get()
            )
        },
        |bytes| {
            let text = String::from_utf8_lossy(&bytes);
            front_end(&text)?;
            if std::str::from_utf8(&bytes).is_err() {
                invalid.set(invalid.get() + 1);
                // The command line refuses a file that is not UTF-8 (exit code 66);
                // check a few, since each starts a process.
                if invalid.get() % 50 == 1 {
                    binary_runs.set(binary_runs.get() + 1);
                    let out = run_file_with(
                        &common::bin(),
                        &bytes,
                        &["--dump-tac"],
                        Duration::from_secs(60),
                    );
                    prop_assert_eq!(out.code, Some(66), "{}", out.stderr);
                    prop_assert!(out.stderr.contains("not valid UTF-8"), "{}", out.stderr);
                }
            } else if bytes.len() % 97 == 3 {
                binary_runs.set(binary_runs.get() + 1);
                let out = run_file_with(
                    &common::bin(),
                    &bytes,
                    &["--dump-tac"],
                    Duration::from_secs(60),
                );
                prop_assert!(
                    matches!(out.code, Some(0 | 2)),
                    "{}: {}",
                    out.status_text(),
                    out.stderr
                );
            }
            Ok(())
        },
    );
}

/// Runs `bin ARGS FILE` on a temporary file holding `bytes`, killing it after
/// `timeout`.
fn run_file_with(bin: &str, bytes: &[u8], args: &[&str], timeout: Duration) -> common::RunOutput {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "miniscript-gen-{}-{}.ms",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).expect("write a temporary file");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let mut timed_out = false;
    let status = loop {
        match child.try_wait().expect("wait for the child") {
            Some(status) => break Some(status),
            None if start.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let _ = std::fs::remove_file(&path);
    common::RunOutput {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.and_then(|s| s.code()),
        timed_out,
        elapsed: start.elapsed(),
    }
}

/// The pieces of token soups: every keyword (also the merged `end X` / `else if`),
/// operator and punctuation mark, literals of every form (also broken ones), names
/// that mean something (intrinsics, `self`, `globals`) and line ends.
const TOKENS: &[&str] = &[
    "if",
    "then",
    "else",
    "else if",
    "end if",
    "while",
    "end while",
    "for",
    "in",
    "end for",
    "function",
    "end function",
    "return",
    "break",
    "continue",
    "and",
    "or",
    "not",
    "isa",
    "new",
    "null",
    "true",
    "false",
    "repeat",
    "end",
    "x",
    "y",
    "foo",
    "_a1",
    "self",
    "super",
    "globals",
    "locals",
    "outer",
    "print",
    "range",
    "len",
    "push",
    "str",
    "round",
    "number",
    "string",
    "list",
    "map",
    "funcRef",
    "0",
    "1",
    "42",
    "3.25",
    ".5",
    "1e3",
    "1E-7",
    "2.",
    "9999999999999999999999",
    "\"\"",
    "\"hi\"",
    "\"a\"\"b\"",
    "\"unterminated",
    "\"",
    "=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "^=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "@",
    ";",
    "\n",
    "\r\n",
    "\r",
    " // a comment\n",
    "//",
    "!",
    "#",
    "$",
    "\\",
    "'",
    "`",
    "&",
    "|",
    "~",
    "?",
    "é",
    "名前",
    "\t",
];

/// Openers and their closers, for deep nesting.
const NESTS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("{", "}"),
    ("-", ""),
    ("not ", ""),
    ("@", ""),
    ("new ", ""),
    ("f(", ")"),
    ("x[", "]"),
    ("{1:", "}"),
    ("if 1 then ", ""),
    ("if 1 then\n", "\nend if"),
    ("while 1\n", "\nend while"),
    ("for i in x\n", "\nend for"),
    ("function()\n", "\nend function"),
    ("f = function()\n", "\nend function"),
    ("x = ", ""),
    ("a.", ""),
    ("1 + ", ""),
    ("2 ^ ", ""),
];

fn soup() -> impl Strategy<Value = String> {
    let sep = select(&["", " ", " ", "  "][..]);
    let words = vec((select(TOKENS), sep), 0..40).prop_map(|ts| {
        ts.into_iter()
            .map(|(t, s)| format!("{t}{s}"))
            .collect::<String>()
    });
    let nested = (
        select(NESTS),
        0usize..320,
        0usize..320,
        words.clone(),
        words.clone(),
    )
        .prop_map(|((open, close), n, m, inner, after)| {
            format!("{}{inner}{}{after}", open.repeat(n), close.repeat(m))
        });
    prop_oneof![3 => words, 2 => nested]
}

#[test]
fn token_soup() {
    let ok = Cell::new(0u32);
    run_generator(
        "token_soup",
        5000,
        soup(),
        || format!(" ({} compiled without an error)", ok.get()),
        |src| {
            front_end(&src)?;
            if compile_source("", &src, CompileOptions::default()).is_ok() {
                ok.set(ok.get() + 1);
            }
            Ok(())
        },
    );
}

/// Applies edits to `src`: each `(at, what, token)` deletes a few characters,
/// inserts a token, repeats a line or cuts the text off, at a position chosen by
/// `at` (moved back to a character boundary).
fn mutate(src: &str, edits: &[(usize, u8, &str)]) -> String {
    let mut text = src.to_string();
    for &(at, what, token) in edits {
        let mut i = at % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        match what {
            0 => {
                let mut j = (i + 1 + at % 5).min(text.len());
                while !text.is_char_boundary(j) {
                    j += 1;
                }
                text.replace_range(i..j, "");
            }
            1 => text.insert_str(i, token),
            2 => {
                let start = text[..i].rfind('\n').map_or(0, |p| p + 1);
                let end = text[i..].find('\n').map_or(text.len(), |p| i + p + 1);
                let line = text[start..end].to_string();
                text.insert_str(start, &line);
            }
            _ => text.truncate(i),
        }
    }
    text
}

/// Well-formed programs with a few random edits: code close to valid, which
/// reaches deeper into the parser and the lowering than token soups do.
#[test]
fn mutated_programs() {
    let ok = Cell::new(0u32);
    let edits = vec((any::<usize>(), 0u8..4, select(TOKENS)), 1..4);
    run_generator(
        "mutated_programs",
        1500,
        (general_program(), edits),
        || format!(" ({} still compiled)", ok.get()),
        |(src, edits)| {
            let text = mutate(&src, &edits);
            front_end(&text)?;
            if compile_source("", &text, CompileOptions::default()).is_ok() {
                ok.set(ok.get() + 1);
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// Running programs: interpreted or with the JIT, under a wall-clock budget.

/// What one run produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    /// Printed output, then the error line if the run failed.
    text: String,
    /// The global `trace` list, if the program has one: numbers as bits (every NaN
    /// the same), other values as their text.
    trace: Vec<String>,
    /// Whether the budget ran out before the program finished.
    timed_out: bool,
    /// Region entries that ran native code.
    native: u64,
}

/// A number's bits, with every NaN alike (a NaN's sign and payload cannot be seen).
fn num_key(v: &Value) -> String {
    match v {
        Value::Num(n) if n.is_nan() => "NaN".to_string(),
        Value::Num(n) => format!("{n:e} {:016x}", n.to_bits()),
        other => format!("{other:?}"),
    }
}

/// Runs `src` in a fresh interpreter for at most `budget`; `jit` selects the JIT in
/// its deterministic mode, compiling every site and loop at its first execution.
fn run_program(src: &str, jit: bool, budget: Duration) -> Outcome {
    let flags: Vec<(String, String)> = if jit {
        [
            ("jit", "sync"),
            ("jit-eager", "true"),
            ("jit-min-complexity", "0"),
            ("jit-hot-loop", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    } else {
        vec![("jit".to_string(), "off".to_string())]
    };
    let options = profiler::Options::load(None, None, |_| None, &flags).expect("valid JIT options");
    let mut interp = Interpreter::new();
    let out = StringSink::default();
    interp.set_output(out.clone());
    interp.set_error_output(StringSink::default());
    jit::Attach::new(&options).to_interpreter(&mut interp);
    let start = Instant::now();
    let mut error = None;
    let mut timed_out = false;
    match interp.load("", src) {
        Err(e) => error = Some(e),
        Ok(()) => loop {
            match interp.run_for(Duration::from_millis(20)) {
                Ok(true) => break,
                Ok(false) if start.elapsed() >= budget => {
                    timed_out = true;
                    break;
                }
                Ok(false) => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        },
    }
    jit::attach::finish(interp.vm_mut());
    let native = interp.vm().region_counters().iter().map(|c| c.native).sum();
    let mut text = out.contents();
    if let Some(e) = error {
        text.push_str(&format!("{e}\n"));
    }
    let trace = match interp.global("trace") {
        Some(Value::List(l)) => l.borrow().iter().map(num_key).collect(),
        _ => Vec::new(),
    };
    Outcome {
        text,
        trace,
        timed_out,
        native,
    }
}

/// Checks that the interpreter and the JIT agree on `src`; returns the interpreted
/// outcome and the number of native region entries in the JIT run, or `None` if a
/// run did not finish within the budget (it is not compared).
fn differential(src: &str, budget: Duration) -> Result<Option<(Outcome, u64)>, TestCaseError> {
    let interp = run_program(src, false, budget);
    if interp.timed_out {
        return Ok(None);
    }
    let jit = run_program(src, true, budget * 4);
    if jit.timed_out {
        return Ok(None);
    }
    prop_assert!(
        interp.text == jit.text,
        "output differs between --jit=off and --jit=sync --jit-eager\n--- program:\n{src}\n--- interpreted:\n{}\n--- JIT:\n{}",
        interp.text,
        jit.text
    );
    if let Some(i) = (0..interp.trace.len().max(jit.trace.len()))
        .find(|&i| interp.trace.get(i) != jit.trace.get(i))
    {
        return Err(TestCaseError::fail(format!(
            "trace[{i}] differs between --jit=off and --jit=sync --jit-eager: {:?} vs {:?}\n--- program:\n{src}\n--- output:\n{}",
            interp.trace.get(i),
            jit.trace.get(i),
            interp.text
        )));
    }
    prop_assert!(interp.native == 0, "native code ran with --jit=off");
    let native = jit.native;
    Ok(Some((interp, native)))
}

/// Indents every line of `block` by `depth` levels.
fn indent(block: &str, depth: usize) -> String {
    let pad = "  ".repeat(depth);
    block
        .lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

// ---------------------------------------------------------------------------------
// Statements shared by the two program generators.

/// A statement; `E` is the expression type of the generator.
#[derive(Clone, Debug)]
enum Stmt {
    /// Any simple statement, already rendered (assignment, print, call ...).
    Simple(String),
    If(String, Vec<Stmt>, Vec<Stmt>),
    /// `if COND then break` / `continue` on one line (a plain statement outside loops).
    IfJump(String, bool),
    /// A `while` loop bounded by a hidden counter.
    While(u8, Vec<Stmt>),
    /// `for k in range(FROM, TO)`.
    For(i8, i8, Vec<Stmt>),
    Break,
    Continue,
}

/// Renders statements at nesting `depth`; `loops` counts the loops around them
/// (`break` and `continue` outside a loop become a `trace` entry).
fn render(stmts: &[Stmt], depth: usize, loops: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for s in stmts {
        match s {
            Stmt::Simple(text) => out.push_str(&indent(text, depth)),
            Stmt::If(cond, then, other) => {
                out.push_str(&format!("{pad}if {cond} then\n"));
                render(then, depth + 1, loops, out);
                if !other.is_empty() {
                    out.push_str(&format!("{pad}else\n"));
                    render(other, depth + 1, loops, out);
                }
                out.push_str(&format!("{pad}end if\n"));
            }
            Stmt::IfJump(cond, is_break) => {
                let jump = match (loops > 0, is_break) {
                    (true, true) => "break",
                    (true, false) => "continue",
                    (false, _) => "trace.push 0",
                };
                out.push_str(&format!("{pad}if {cond} then {jump}\n"));
            }
            Stmt::While(n, body) => {
                let counter = format!("loop{}", loops + 1);
                out.push_str(&format!("{pad}{counter} = 0\n"));
                out.push_str(&format!("{pad}while {counter} < {n}\n"));
                out.push_str(&format!("{pad}  {counter} = {counter} + 1\n"));
                render(body, depth + 1, loops + 1, out);
                out.push_str(&format!("{pad}end while\n"));
            }
            Stmt::For(from, to, body) => {
                // Nested loops over one variable share its hidden index and never end
                // (in the reference too): only the outermost loop uses `k`.
                let var = match loops {
                    0 => "k".to_string(),
                    n => format!("k{n}"),
                };
                out.push_str(&format!("{pad}for {var} in range({from}, {to})\n"));
                render(body, depth + 1, loops + 1, out);
                out.push_str(&format!("{pad}end for\n"));
            }
            Stmt::Break | Stmt::Continue if loops == 0 => {
                out.push_str(&format!("{pad}trace.push 1\n"));
            }
            Stmt::Break => out.push_str(&format!("{pad}break\n")),
            Stmt::Continue => out.push_str(&format!("{pad}continue\n")),
        }
    }
}

/// Blocks of statements built from `simple` statements and `cond` conditions,
/// nested up to `depth` levels.
fn blocks(
    simple: BoxedStrategy<String>,
    cond: BoxedStrategy<String>,
    depth: u32,
) -> BoxedStrategy<Vec<Stmt>> {
    let leaf = prop_oneof![
        12 => simple.prop_map(Stmt::Simple),
        1 => Just(Stmt::Break),
        1 => Just(Stmt::Continue),
        2 => (cond.clone(), any::<bool>()).prop_map(|(c, b)| Stmt::IfJump(c, b)),
    ];
    let stmt = leaf.prop_recursive(depth, 48, 5, move |inner| {
        let block = vec(inner.clone(), 1..5);
        prop_oneof![
            4 => inner.clone(),
            2 => (cond.clone(), block.clone(), vec(inner, 0..3))
                .prop_map(|(c, t, e)| Stmt::If(c, t, e)),
            1 => (1u8..5, block.clone()).prop_map(|(n, b)| Stmt::While(n, b)),
            1 => (-2i8..2, 0i8..5, block).prop_map(|(a, b, body)| Stmt::For(a, b, body)),
        ]
    });
    vec(stmt, 1..7).boxed()
}

// ---------------------------------------------------------------------------------
// Numeric programs: the interpreter against the JIT.

/// Numeric literals and special values (parenthesized when they are not one token).
const NUM_CONSTS: &[&str] = &[
    "0",
    "(-0)",
    "1",
    "(-1)",
    "2",
    "3",
    "7",
    "10",
    "0.5",
    "0.1",
    "(-7.25)",
    "1e-7",
    "255",
    "(1/0)",
    "(-1/0)",
    "(0/0)",
    "(2^53+1)",
    "(2^53)",
    "9007199254740993",
    "1e-310",
    "4.9e-324",
    "1e308",
    "(-1e308)",
    "2.5",
    "(-2.5)",
    "1e15",
    "0.3",
    "pi",
    "1e21",
];

const NUM_VARS: &[&str] = &["x", "y", "z", "w", "k"];

/// Inside the function also the global `gv`.
const FN_VARS: &[&str] = &["x", "y", "z", "w", "k", "gv"];

const NUM_BINOPS: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or",
];

const NUM_FUNCS: &[&str] = &[
    "abs", "floor", "ceil", "round", "sign", "sqrt", "sin", "cos", "tan", "atan", "log", "asin",
    "acos",
];

/// Numeric expressions over the variables `vars`.
fn num_expr(vars: &'static [&'static str]) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        2 => select(NUM_CONSTS).prop_map(String::from),
        3 => select(vars).prop_map(String::from),
    ];
    leaf.prop_recursive(4, 24, 2, |e| {
        prop_oneof![
            6 => (e.clone(), select(NUM_BINOPS), e.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            1 => e.clone().prop_map(|a| format!("(-{a})")),
            1 => e.clone().prop_map(|a| format!("(not {a})")),
            2 => (select(NUM_FUNCS), e.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            1 => (e.clone(), -3i32..4).prop_map(|(a, d)| format!("round({a}, {d})")),
            1 => (e.clone(), select(&["2", "10", "0.5"][..]))
                .prop_map(|(a, b)| format!("log({a}, {b})")),
        ]
    })
    .boxed()
}

/// Simple numeric statements over `vars`: assignments (also compound), output and
/// traces.
fn num_simple(vars: &'static [&'static str]) -> BoxedStrategy<String> {
    let e = num_expr(vars);
    prop_oneof![
        5 => (select(&["x", "y", "z", "w"][..]), select(&["=", "=", "+=", "-=", "*=", "/=", "%=", "^="][..]), e.clone())
            .prop_map(|(v, op, e)| format!("{v} {op} {e}")),
        2 => e.clone().prop_map(|e| format!("trace.push {e}")),
        1 => e.clone().prop_map(|e| format!("print {e}")),
        1 => e.prop_map(|e| format!("print str({e}) + \" \" + ({e} == {e})")),
        1 => select(&["x", "y", "z", "w"][..]).prop_map(|v| format!("trace.push {v}\nprint {v}")),
    ]
    .boxed()
}

/// A numeric program: statements at global scope, a function with its own, called
/// in a loop, and the final values traced.
/// What changes between the calls of the function, so that compiled code meets
/// inputs it was not compiled for (its guards must send them to the interpreter).
const TWISTS: &[&str] = &[
    "",
    "  if c == 2 then sqrt = @fake\n",
    "  if c == 2 then round = @fake\n",
    "  if c == 2 then gv = null\n",
    "  if c == 2 then x = null\n",
    "  if c == 3 then abs = 5\n",
    "  gv = gv * 2 + c\n",
];

fn numeric_program() -> impl Strategy<Value = String> {
    let g_body = blocks(num_simple(NUM_VARS), num_expr(NUM_VARS), 3);
    let f_body = blocks(num_simple(FN_VARS), num_expr(FN_VARS), 3);
    let init = vec(select(NUM_CONSTS), 5);
    (
        (init.clone(), g_body, init, f_body),
        vec(num_expr(NUM_VARS), 2),
        1u8..5,
        select(TWISTS),
    )
        .prop_map(|((g_init, g_body, f_init, f_body), args, calls, twist)| {
            let mut src = String::from(
                "trace = []\nk = 0\nfake = function(a, b=0)\n  return a * 2 + 1\nend function\n",
            );
            src.push_str(&format!("gv = {}\n", g_init[4]));
            for (v, c) in ["x", "y", "z", "w"].iter().zip(&g_init) {
                src.push_str(&format!("{v} = {c}\n"));
            }
            render(&g_body, 0, 0, &mut src);
            src.push_str("f = function(x, y)\n");
            src.push_str(&format!("  z = {}\n  w = {}\n  k = 0\n", f_init[0], f_init[1]));
            let mut f_src = String::new();
            render(&f_body, 1, 0, &mut f_src);
            src.push_str(&f_src);
            src.push_str("  return [x, y, z, w, k]\nend function\n");
            src.push_str(&format!(
                "for c in range(1, {calls})\n{twist}  r = f({}, {} + c)\n  trace.push r[0]\n  trace.push r[1]\n  trace.push r[2]\n  trace.push r[3]\nend for\n",
                args[0], args[1]
            ));
            src.push_str("for v in [x, y, z, w, k, gv]\n  trace.push v\n  print v\nend for\n");
            src
        })
}

#[test]
fn numeric_programs() {
    let compared = Cell::new(0u32);
    let native = Cell::new(0u32);
    run_generator(
        "numeric_programs",
        1000,
        numeric_program(),
        || {
            format!(
                " ({} compared, the rest over budget; native code ran in {})",
                compared.get(),
                native.get()
            )
        },
        |src| {
            if let Some((_, n)) = differential(&src, Duration::from_secs(2))? {
                compared.set(compared.get() + 1);
                native.set(native.get() + u32::from(n > 0));
            }
            Ok(())
        },
    );
    // Else the comparison proves nothing.
    assert!(
        native.get() * 2 > compared.get(),
        "native code ran in only {} of {} programs",
        native.get(),
        compared.get()
    );
}

// ---------------------------------------------------------------------------------
// Global-scope programs: loops over globals, the interpreter against the JIT.

/// Variables of global code: globals that exist from the start, one created inside
/// the loops (`nw`), and `auto`, a function read without arguments (auto-called).
const GLOBAL_VARS: &[&str] = &["g1", "g2", "g3", "nw", "auto", "k"];

/// Inside `h`, whose own local `g1` shadows the global.
const H_VARS: &[&str] = &["g1", "g2", "g3", "t", "j"];

/// Statements of global code: assignments to globals (plain, compound, through
/// `globals`), retyping, removal, calls, output and traces.
fn global_simple() -> BoxedStrategy<String> {
    let e = num_expr(GLOBAL_VARS);
    prop_oneof![
        24 => (select(&["g1", "g2", "g3", "nw"][..]), select(&["=", "+=", "*="][..]), e.clone())
            .prop_map(|(v, op, e)| format!("{v} {op} {e}")),
        2 => (select(&["g1", "g2", "nw"][..]), e.clone())
            .prop_map(|(v, e)| format!("globals.{v} = {e}")),
        1 => e.clone().prop_map(|e| format!("trace.push {e}")),
        1 => e.clone().prop_map(|e| format!("trace.push fake({e})")),
        1 => select(&["g2", "g3", "nw"][..]).prop_map(|v| format!("{v} = \"s\"")),
        1 => select(&["g3", "nw"][..]).prop_map(|v| format!("globals.remove \"{v}\"")),
        1 => select(&["g2", "g3"][..]).prop_map(|v| format!("{v} = @fake")),
        1 => e.prop_map(|e| format!("print {e}")),
    ]
    .boxed()
}

/// Statements of `h`: its local `t` and the shadowing `g1`, reading globals.
fn h_simple() -> BoxedStrategy<String> {
    let e = num_expr(H_VARS);
    prop_oneof![
        4 => (select(&["t", "g1"][..]), e.clone()).prop_map(|(v, e)| format!("{v} = {e}")),
        1 => e.prop_map(|e| format!("trace.push {e}")),
    ]
    .boxed()
}

fn global_program() -> impl Strategy<Value = String> {
    (
        vec(select(NUM_CONSTS), 3),
        blocks(global_simple(), num_expr(GLOBAL_VARS), 3),
        blocks(h_simple(), num_expr(H_VARS), 2),
        1u8..4,
        select(TWISTS),
        any::<bool>(),
    )
        .prop_map(|(init, body, h_body, calls, twist, nw_first)| {
            let mut src = String::from(
                "trace = []\nk = 0\nfake = function(a=1, b=0)\n  return a * 2 + 1\nend function\n",
            );
            src.push_str("auto = function\n  return 3\nend function\n");
            for (v, c) in ["g1", "g2", "g3"].iter().zip(&init) {
                src.push_str(&format!("{v} = {c}\n"));
            }
            // Else `nw` is made by the loops (a read before that is an error).
            if nw_first {
                src.push_str("nw = 1\n");
            }
            src.push_str("h = function(n)\n  t = 0\n  g1 = n\n  for j in range(1, n + 2)\n");
            let mut h_src = String::new();
            render(&h_body, 2, 1, &mut h_src);
            src.push_str(&h_src);
            src.push_str("  end for\n  return t\nend function\n");
            let gv_twist = twist
                .replace("gv", "g2")
                .replace("  x = null", "  g3 = null");
            src.push_str(&format!("for c in range(1, {calls})\n{gv_twist}"));
            let mut g_src = String::new();
            render(&body, 1, 1, &mut g_src);
            src.push_str(&g_src);
            src.push_str("  trace.push h(c)\nend for\n");
            render(&body, 0, 0, &mut src);
            src.push_str("for v in [g1, g2, g3, k]\n  trace.push v\n  print v\nend for\n");
            src.push_str("print globals.hasIndex(\"nw\")\n");
            src
        })
}

#[test]
fn global_programs() {
    let compared = Cell::new(0u32);
    let native = Cell::new(0u32);
    run_generator(
        "global_programs",
        600,
        global_program(),
        || {
            format!(
                " ({} compared, the rest over budget; native code ran in {})",
                compared.get(),
                native.get()
            )
        },
        |src| {
            if let Some((_, n)) = differential(&src, Duration::from_secs(2))? {
                compared.set(compared.get() + 1);
                native.set(native.get() + u32::from(n > 0));
            }
            Ok(())
        },
    );
    assert!(
        native.get() * 4 > compared.get(),
        "native code ran in only {} of {} programs",
        native.get(),
        compared.get()
    );
}

// ---------------------------------------------------------------------------------
// Well-formed programs of every kind.

/// Number expressions for general programs (`calls`: may call the program's
/// functions).
fn gen_num(calls: bool) -> BoxedStrategy<String> {
    let mut leaves: Vec<(u32, BoxedStrategy<String>)> = vec![
        (
            3,
            select(&["0", "1", "2", "3", "(-1)", "0.5", "10", "100", "1e6", "2.5"][..])
                .prop_map(String::from)
                .boxed(),
        ),
        (
            3,
            select(&["a", "b", "c", "k"][..])
                .prop_map(String::from)
                .boxed(),
        ),
        (
            1,
            select(
                &[
                    "s.len",
                    "l.len",
                    "m.len",
                    "len(s)",
                    "l.indexOf(2)",
                    "s.indexOf(\"a\")",
                    "m.hasIndex(\"p\")",
                    "l.sum",
                    "val(\"12\")",
                    "\"abc\".code",
                    "(s == \"x\")",
                    "(l == [])",
                    "(m isa map)",
                    "(a isa number)",
                ][..],
            )
            .prop_map(String::from)
            .boxed(),
        ),
    ];
    if calls {
        leaves.push((1, (0u8..7).prop_map(|n| format!("rec({n})")).boxed()));
    }
    let leaf = proptest::strategy::Union::new_weighted(leaves);
    leaf.prop_recursive(3, 16, 2, move |e| {
        let mut alts: Vec<(u32, BoxedStrategy<String>)> = vec![
            (
                6,
                (e.clone(), select(NUM_BINOPS), e.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
                    .boxed(),
            ),
            (1, e.clone().prop_map(|a| format!("(-{a})")).boxed()),
            (
                2,
                (
                    select(&["abs", "floor", "round", "sign", "sqrt", "ceil"][..]),
                    e.clone(),
                )
                    .prop_map(|(f, a)| format!("{f}({a})"))
                    .boxed(),
            ),
        ];
        if calls {
            alts.push((
                2,
                (e.clone(), e.clone())
                    .prop_map(|(a, b)| format!("g({a}, {b})"))
                    .boxed(),
            ));
            alts.push((1, e.clone().prop_map(|a| format!("h({a})")).boxed()));
        }
        proptest::strategy::Union::new_weighted(alts).boxed()
    })
    .boxed()
}

/// String expressions (bounded in length).
fn gen_str(num: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        select(
            &[
                "\"\"",
                "\"a\"",
                "\"hello\"",
                "\"x,y\"",
                "\"Ünï\"",
                "\"a\"\"q\""
            ][..]
        )
        .prop_map(String::from),
        Just("s".to_string()),
        num.clone().prop_map(|n| format!("str({n})")),
    ];
    leaf.prop_recursive(2, 8, 2, move |e| {
        prop_oneof![
            3 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            1 => (e.clone(), 0u8..4).prop_map(|(a, n)| format!("({a} * {n})")),
            1 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            1 => (e.clone(), num.clone()).prop_map(|(a, n)| format!("{a}[{n} % 4:]")),
            1 => e.clone().prop_map(|a| format!("{a}.upper")),
            1 => e.clone().prop_map(|a| format!("lower({a})")),
            1 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a}.replace(\"a\", {b})")),
            1 => e.clone().prop_map(|a| format!("{a}.split(\",\").join(\"+\")")),
            1 => e.prop_map(|a| format!("{a}[:3]")),
        ]
    })
    .boxed()
}

/// List expressions (bounded in length).
fn gen_list(num: BoxedStrategy<String>, text: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let item = prop_oneof![3 => num.clone(), 1 => text.clone()];
    let leaf = prop_oneof![
        Just("l".to_string()),
        vec(item, 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        (0u8..4, 0u8..6).prop_map(|(a, b)| format!("range({a}, {b})")),
        Just("m.indexes".to_string()),
        Just("m.values".to_string()),
        text.prop_map(|s| format!("{s}.split(\"\")")),
    ];
    leaf.prop_recursive(2, 8, 2, move |e| {
        prop_oneof![
            3 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            1 => (e.clone(), 0u8..3).prop_map(|(a, n)| format!("({a} * {n})")),
            1 => e.clone().prop_map(|a| format!("{a}[1:]")),
            1 => e.clone().prop_map(|a| format!("{a}.sort")),
            1 => (e, num.clone()).prop_map(|(a, n)| format!("{a}[:{n} % 5]")),
        ]
    })
    .boxed()
}

/// Simple statements of general programs.
fn gen_simple(calls: bool) -> BoxedStrategy<String> {
    let num = gen_num(calls);
    let text = gen_str(num.clone());
    let list = gen_list(num.clone(), text.clone());
    let key = prop_oneof![
        select(&["\"p\"", "\"q\"", "1", "2", "null"][..]).prop_map(String::from),
        num.clone(),
    ];
    prop_oneof![
        4 => (select(&["a", "b", "c"][..]), select(&["=", "+=", "-=", "*=", "/="][..]), num.clone())
            .prop_map(|(v, op, e)| format!("{v} {op} {e}")),
        2 => text.clone().prop_map(|e| format!("s = ({e})[:40]")),
        2 => list.clone().prop_map(|e| format!("l = ({e})[:20]")),
        1 => num.clone().prop_map(|e| format!("l.push {e}")),
        1 => Just("if l.len > 0 then l.pop".to_string()),
        1 => num.clone().prop_map(|e| format!("if l.len > 0 then l[{e} % l.len] = {e}")),
        2 => (key.clone(), prop_oneof![num.clone(), text.clone()])
            .prop_map(|(k, v)| format!("m[{k}] = {v}")),
        1 => key.prop_map(|k| format!("m.remove {k}")),
        1 => Just("m = {\"p\": 1}".to_string()),
        1 => Just("l = l[:]".to_string()),
        1 => num.clone().prop_map(|e| format!("print l[{e} % 3]")),
        1 => num.clone().prop_map(|e| format!("print m[{e}]")),
        3 => prop_oneof![num, text, list, Just("m".to_string())]
            .prop_map(|e| format!("print {e}")),
    ]
    .boxed()
}

/// A general program: helper functions (one recursive), statements, and a final
/// print of the state.
fn general_program() -> impl Strategy<Value = String> {
    let in_fn = blocks(gen_simple(false), gen_num(false), 2);
    let main = blocks(gen_simple(true), gen_num(true), 3);
    (in_fn, gen_num(false), gen_num(false), main).prop_map(|(g_body, g_ret, rec_extra, main)| {
        let mut src = String::from(
            "trace = []\na = 1\nb = 2\nc = 3\nk = 0\ns = \"abc\"\nl = [1, 2, 3]\nm = {\"p\": 1, 2: \"two\"}\n",
        );
        src.push_str("g = function(a, b=1)\n  c = 0\n  k = 0\n");
        let mut body = String::new();
        render(&g_body, 1, 0, &mut body);
        src.push_str(&body);
        src.push_str(&format!("  return {g_ret}\nend function\n"));
        src.push_str(&format!(
            "rec = function(n)\n  if n <= 0 then return 1\n  return n + rec(n - 1) * 0.5 + 0 * ({rec_extra})\nend function\n"
        ));
        src.push_str("h = function(x)\n  if not (x isa number) or x > 3 or x < -10 or x != x then return x\n  return h(x + 1) + 1\nend function\n");
        render(&main, 0, 0, &mut src);
        src.push_str("print [a, b, c, k, s, l, m]\n");
        src
    })
}

#[test]
fn well_formed_programs() {
    let compared = Cell::new(0u32);
    let errors = Cell::new(0u32);
    let ref_bin = std::env::var("MINISCRIPT_REF_BIN")
        .ok()
        .filter(|s| !s.is_empty());
    let ref_diffs = Cell::new(0u32);
    let native = Cell::new(0u32);
    run_generator(
        "well_formed_programs",
        1000,
        general_program(),
        || {
            let mut s = format!(
                " ({} compared with the JIT, native code ran in {}, {} ended with a runtime error",
                compared.get(),
                native.get(),
                errors.get()
            );
            if ref_bin.is_some() {
                s.push_str(&format!(
                    ", {} differ from MINISCRIPT_REF_BIN",
                    ref_diffs.get()
                ));
            }
            s.push(')');
            s
        },
        |src| {
            prop_assert!(
                compile_source("", &src, CompileOptions::default()).is_ok(),
                "a generated program does not compile:\n{src}"
            );
            if let Some((out, n)) = differential(&src, Duration::from_secs(2))? {
                compared.set(compared.get() + 1);
                native.set(native.get() + u32::from(n > 0));
                if out.text.contains("Runtime Error") {
                    errors.set(errors.get() + 1);
                }
                if let Some(bin) = &ref_bin {
                    if let Some(report) = compare_with_reference(bin, &src, &out.text) {
                        ref_diffs.set(ref_diffs.get() + 1);
                        common::notice(&report);
                    }
                }
            }
            Ok(())
        },
    );
    assert!(native.get() > 0, "native code never ran");
}

/// Runs `src` with the reference binary and returns a report if its output differs
/// from `ours` before the first error or text that differs on purpose.
fn compare_with_reference(bin: &str, src: &str, ours: &str) -> Option<String> {
    let out = run_bytes_with(bin, src.as_bytes());
    let comparable = |text: &str| -> Vec<String> {
        text.lines()
            .take_while(|l| !l.contains("Error"))
            .map(String::from)
            .collect()
    };
    let (theirs, mine) = (comparable(&out), comparable(ours));
    let n = theirs.len().min(mine.len());
    // Text that differs on purpose: NaN and infinities, -0, exponents, the order of
    // map entries (the reference's hash order) and non-ASCII text (bytes there).
    let skip = |l: &str| {
        !l.is_ascii()
            || [
                "nan", "NaN", "INF", "Infinity", "-0", "E-", "E+", "e-", "e+", "{",
            ]
            .iter()
            .any(|p| l.contains(p))
    };
    let first = (0..n).find(|&i| theirs[i] != mine[i]);
    match first {
        Some(i) if !skip(&theirs[i]) && !skip(&mine[i]) => {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static SAVED: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "miniscript-gen-refdiff-{}.ms",
                SAVED.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::write(&path, src);
            Some(format!(
                "reference differs at output line {}: {:?} vs ours {:?} (program saved as {})",
                i + 1,
                theirs[i],
                mine[i],
                path.display()
            ))
        }
        _ => None,
    }
}

/// Runs `bin` on a temporary file holding `bytes` (killed after 10 s); its stdout
/// then its stderr.
fn run_bytes_with(bin: &str, bytes: &[u8]) -> String {
    let out = run_file_with(bin, bytes, &[], Duration::from_secs(10));
    format!("{}{}", out.stdout, out.stderr)
}

//! Robustness of the `miniscript` command: every limit ends in a MiniScript error
//! and a documented exit code, never an abort; deep and self-containing data is
//! printed, compared, hashed and freed without exhausting the stack; Ctrl-C stops
//! native code too; a JIT fault (injected through the test-only
//! `MINISCRIPT_JIT_FAULT` hook) leaves the program running interpreted with the
//! right output; bad files and option values give one line and their exit code.
//!
//! Each test checks the process *exited* (a code, not a signal) with the code the
//! README documents, and the exact error text.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, own_bin as bin, run_bin, stderr, stdout, wait_for, TempDir};

/// Runs the binary with `args` and extra environment variables; fails the test
/// when it takes longer than `limit`.
fn run_env(env: &[(&str, &str)], args: &[&str], limit: Duration) -> Output {
    run_bin(None, env, args, None, limit)
}

fn run(args: &[&str]) -> Output {
    run_env(&[], args, Duration::from_secs(60))
}

/// Runs `-e src` with `flags` and checks: exit code 1 (runtime error), the output
/// before the error, and exactly `error` on stderr.
fn runtime_error(flags: &[&str], src: &str, out: &str, error: &str) {
    let mut args = flags.to_vec();
    args.extend(["-e", src]);
    let o = run(&args);
    assert_eq!(
        (code(&o), stdout(&o).as_str(), stderr(&o).as_str()),
        (1, out, error),
        "{src}"
    );
}

fn over_limit(what: &str, mb: u32, line: u32) -> String {
    format!(
        "Runtime Error: {what} too large (over the memory limit of {mb} MB; see --max-memory-mb) [line {line}]\n"
    )
}

// ---------------------------------------------------------------------------
// Limits

#[test]
fn repetition_past_the_reference_size_limits() {
    // The reference's own limits (16,777,215 characters or elements), in its words.
    runtime_error(
        &[],
        "print \"a\" * 1e12",
        "",
        "Runtime Error: string too large [line 1]\n",
    );
    runtime_error(
        &[],
        "x = [0] * 1e12",
        "",
        "Runtime Error: list too large [line 1]\n",
    );
    runtime_error(
        &[],
        "x = range(1, 1e12)",
        "",
        "Runtime Error: list too large [line 1]\n",
    );
    // The default ceiling leaves room for the largest values the reference allows.
    let o = run(&[
        "-e",
        "x = range(1, 16e6)\nprint x.len\ns = \"é\" * 16e6\nprint s.len",
    ]);
    assert_eq!((code(&o), stdout(&o)), (0, "16000000\n16000000\n".into()));
}

#[test]
fn growth_past_the_memory_ceiling_is_a_runtime_error() {
    let flag = ["--max-memory-mb=4"];
    let cases = [
        ("x = \"ab\" * 3e6", "string"),
        ("x = [0] * 1e6", "list"),
        ("x = range(1, 1e6)", "list"),
        ("x = [0] * 200000\ny = x + x", "list"),
        ("s = \"x\" * 3e6\nt = s + s", "string"),
        ("l = [\"x\" * 1000] * 5000\ns = l.join(\"\")", "string"),
        (
            "s = \"a\" * 1000\nt = s.replace(\"a\", \"b\" * 5000)",
            "string",
        ),
        ("s = \"x\" * 1e6\nparts = s.split(\"\")", "list"),
        ("s = \"x\" * 3e6\nt = s.insert(0, s)", "string"),
    ];
    for (src, what) in cases {
        let line = src.lines().count() as u32;
        runtime_error(&flag, src, "", &over_limit(what, 4, line));
    }
}

#[test]
fn a_nan_list_index_is_an_index_error() {
    // Inside a function, where the interpreter's fast paths index lists.
    runtime_error(
        &[],
        "f = function(l)\n  print l[1]\n  print l[0/0]\nend function\nf [1, 2, 3]",
        "2\n",
        "Runtime Error: Index Error (list index NaN out of range) [line 3]\n",
    );
    runtime_error(
        &[],
        "f = function(l)\n  l[0/0] = 5\nend function\nf [1, 2, 3]",
        "",
        "Runtime Error: Index Error (list index NaN out of range) [line 2]\n",
    );
}

#[test]
fn runaway_growth_loops_stop_at_the_ceiling() {
    let start = Instant::now();
    // push on a list, from the flag.
    runtime_error(
        &["--max-memory-mb=16"],
        "l = []\nprint \"start\"\nwhile true\n  l.push 1\nend while",
        "start\n",
        &over_limit("list", 16, 4),
    );
    // insert, and new map keys (index assignment and push), from the environment.
    let env = [("MINISCRIPT_MAX_MEMORY_MB", "8")];
    for (src, what, line) in [
        ("l = []\nwhile true\n  l.insert -1, 1\nend while", "list", 3),
        (
            "m = {}\ni = 0\nwhile true\n  m[i] = i\n  i = i + 1\nend while",
            "map",
            4,
        ),
        (
            "m = {}\ni = 0\nwhile true\n  m.push i\n  i = i + 1\nend while",
            "map",
            4,
        ),
        // New string keys, which the interpreter's fast path inserts, in a function.
        (
            "f = function\n  m = {}\n  i = 0\n  while true\n    m[\"k\" + i] = i\n    i = i + 1\n  end while\nend function\nf",
            "map",
            5,
        ),
        // A string doubling in a loop.
        (
            "s = \"xyz\"\nwhile true\n  s = s + s\nend while",
            "string",
            3,
        ),
    ] {
        let o = run_env(&env, &["-e", src], Duration::from_secs(60));
        assert_eq!(
            (code(&o), stderr(&o)),
            (1, over_limit(what, 8, line)),
            "{src}"
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn recursion_limit() {
    let rec = "f = function(n)\n  if n == 0 then\n    return 0\n  end if\n  return 1 + f(n - 1)\nend function\n";
    // 100,000 frames deep works at the default limit (spec §6.1).
    let o = run(&["-e", &format!("{rec}print f(100000)")]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, "100000\n".into(), "".into())
    );
    // Past the limit: the error, not a crash, from the flag and from the environment.
    let o = run(&[
        "--max-call-depth=1000",
        "-e",
        &format!("{rec}print f(5000)"),
    ]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (
            1,
            "".into(),
            "Runtime Error: Stack Overflow: call depth exceeded the limit of 1000 nested calls [line 5]\n".into()
        )
    );
    let o = run_env(
        &[("MINISCRIPT_MAX_CALL_DEPTH", "50")],
        &["-e", &format!("{rec}print f(40)\nprint f(60)")],
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "40\n");
    assert!(
        stderr(&o).contains("limit of 50 nested calls"),
        "{}",
        stderr(&o)
    );
    // Unbounded recursion at the default limit ends in the error too.
    let o = run(&["-e", "f = function\n  f\nend function\nf"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Runtime Error: Stack Overflow: call depth exceeded the limit of 400000 nested calls [line 2]\n"
    );
    // Method calls and calls filling defaults (the interpreter's fast call paths) stop
    // at the limit the same way.
    let method = "o = {}\no.f = function(n)\n  return self.f(n + 1)\nend function\nprint o.f(1)";
    let defaults = "f = function(n, d = 1)\n  return f(n + d)\nend function\nprint f(1)";
    for (src, line) in [(method, 3), (defaults, 2)] {
        let o = run(&["--max-call-depth=700", "-e", src]);
        assert_eq!(code(&o), 1);
        assert_eq!(
            stderr(&o),
            format!("Runtime Error: Stack Overflow: call depth exceeded the limit of 700 nested calls [line {line}]\n")
        );
    }
}

// ---------------------------------------------------------------------------
// Deep and self-containing data

#[test]
fn self_containing_structures_print_like_the_reference() {
    // Outputs checked against the C++ reference build.
    let o = run(&[
        "-e",
        "a = [1]\na.push a\nprint a\nm = {}\nm.a = m\nprint m\nprint str(a).len",
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (
            0,
            "[1, [1, [1, [...]]]]\n{\"a\": {\"a\": {\"a\": {...}}}}\n20\n".into()
        )
    );
    // A list holding itself 1000 times prints a billion elements three levels
    // down: the text stops at the ceiling with an error.
    runtime_error(
        &["--max-memory-mb=64"],
        "l = []\nfor i in range(1, 1000)\n  l.push l\nend for\nprint l.len\nprint l",
        "1000\n",
        &over_limit("string", 64, 6),
    );
}

#[test]
fn deep_data_is_freed_compared_and_hashed_without_recursion() {
    let src = "\
a = []
b = []
for i in range(1, 200000)
  a = [a]
  b = [b]
end for
print a == b
b[0] = 1
print a == b
m = {}
for i in range(1, 200000)
  m = {\"k\": m}
end for
n = m
m = null
print n.len
n = null
a = null
b = null
print \"freed\"
l = []
for i in range(1, 1000)
  l.push l
end for
k = {}
k[l] = \"found\"
print k[l]
print l == l[0]
l2 = [l, l]
l3 = [l, l]
print l2 == l3
";
    let o = run(&["-e", src]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, "1\n0\n1\nfreed\nfound\n1\n1\n".into(), "".into())
    );
    // Ten million levels, freed in the middle of the program (a million in a
    // debug build, still far past what recursion on its stack could free).
    let depth = if cfg!(debug_assertions) { "1e6" } else { "1e7" };
    let o = run(&[
        "-e",
        &format!("a = []\nfor i in range(1, {depth})\n  a = [a]\nend for\na = null\nprint \"ok\""),
    ]);
    assert_eq!((code(&o), stdout(&o)), (0, "ok\n".into()));
}

#[test]
fn deep_data_on_a_small_host_stack() {
    // An embedding host runs scripts on its own thread; test threads have 2 MiB.
    let mut interp = miniscript::host::Interpreter::new();
    let out = miniscript::host::StringSink::default();
    interp.set_output(out.clone());
    interp
        .run_source(
            "",
            "a = []\nfor i in range(1, 1e6)\n  a = [a]\nend for\nb = a\nprint a == b\na = null\nb = null\nprint \"ok\"",
        )
        .unwrap();
    assert_eq!(out.contents().as_str(), "1\nok\n");
}

// ---------------------------------------------------------------------------
// Interrupts

#[cfg(unix)]
fn interrupt_after(args: &[&str], wait: Duration) -> Output {
    let child = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    std::thread::sleep(wait);
    let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    wait_for(child, Duration::from_secs(30), "after Ctrl-C")
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_native_code() {
    // The loop is compiled before it runs (sync, eager) and then runs natively.
    let src = "f = function\n  s = 0\n  i = 0\n  while true\n    s = s + i * 2 - i / 4\n    i = i + 1\n  end while\nend function\nprint \"started\"\nf";
    let o = interrupt_after(
        &[
            "--jit=sync",
            "--jit-eager",
            "--jit-min-complexity=0",
            "--jit-stats",
            "-e",
            src,
        ],
        Duration::from_millis(500),
    );
    assert_eq!(code(&o), 130);
    assert_eq!(stdout(&o), "started\n");
    let err = stderr(&o);
    assert!(
        err.starts_with("Runtime Error: interrupted [line "),
        "{err}"
    );
    // It was native code that got interrupted.
    let native = err
        .lines()
        .find(|l| l.trim_start().starts_with("native executions"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(native > 0, "{err}");
}

// ---------------------------------------------------------------------------
// JIT faults (test-only injection): the program continues interpreted.

const NUMERIC: &str = "f = function(n)\n  s = 0\n  i = 0\n  while i < n\n    s = s + i * 2 - i / 4\n    i = i + 1\n  end while\n  return s\nend function\nprint f(100000)\nprint f(1000)";
const NUMERIC_OUT: &str = "8749912500\n874125\n";

fn jit_run(fault: Option<&str>, extra: &[&str]) -> Output {
    // About the loop region: `f` is not also compiled as a whole function.
    let mut args = vec![
        "--jit=sync",
        "--jit-eager",
        "--jit-min-complexity=0",
        "--jit-functions=false",
    ];
    args.extend(extra);
    args.extend(["-e", NUMERIC]);
    let env: Vec<(&str, &str)> = fault
        .map(|f| ("MINISCRIPT_JIT_FAULT", f))
        .into_iter()
        .collect();
    run_env(&env, &args, Duration::from_secs(60))
}

fn stat(o: &Output, name: &str) -> u64 {
    stderr(o)
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {}", stderr(o)))
}

#[test]
fn jit_faults_leave_the_program_running_interpreted() {
    // Without a fault the loop runs natively (so the faults below do change things).
    let o = jit_run(None, &["--jit-stats"]);
    assert_eq!((code(&o), stdout(&o)), (0, NUMERIC_OUT.into()));
    assert_eq!(stat(&o, "compiled"), 1);
    assert!(stat(&o, "native executions") > 0);

    // A panic in the compile thread: one warning, nothing native.
    let o = jit_run(Some("panic"), &[]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (
            0,
            NUMERIC_OUT.into(),
            "miniscript: warning: the JIT compile thread failed; the program continues interpreted\n"
                .into()
        )
    );
    // A failed Cranelift compile: one warning naming the region.
    let o = jit_run(Some("fail"), &[]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (
            0,
            NUMERIC_OUT.into(),
            "miniscript: warning: JIT could not compile region 1 (loop (main):4-6): injected compile failure (test hook); it stays interpreted\n"
                .into()
        )
    );
    // The failed region is the loop; it stays interpreted (the expression region
    // inside it still compiles).
    let o = jit_run(Some("fail"), &["--jit-stats"]);
    assert_eq!(
        (stat(&o, "failed"), stat(&o, "loop native entries")),
        (1, 0)
    );
    // A full queue: the requests are dropped silently and retried later.
    let o = jit_run(Some("queue-full"), &["--jit-stats"]);
    assert_eq!((code(&o), stdout(&o)), (0, NUMERIC_OUT.into()));
    assert_eq!(stat(&o, "injected queue drops"), 3);
    // An exhausted code budget: nothing new is compiled, silently.
    let o = jit_run(None, &["--jit-code-budget-kb=0"]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, NUMERIC_OUT.into(), "".into())
    );
    let o = jit_run(None, &["--jit-code-budget-kb=0", "--jit-stats"]);
    // Both the loop region and the expression region inside it are refused.
    assert_eq!(
        (stat(&o, "budget refusals"), stat(&o, "native executions")),
        (2, 0)
    );
}

// ---------------------------------------------------------------------------
// Bad files and arguments

#[test]
fn empty_and_enormous_files() {
    let dir = TempDir::new("robust-files");
    let empty = dir.path().join("empty.ms");
    std::fs::write(&empty, "").unwrap();
    let o = run(&[empty.to_str().unwrap()]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, "".into(), "".into())
    );

    // 100 MB: a comment line that long, then a statement.
    let big = dir.path().join("big.ms");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        f.write_all(b"// ").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(b"\nprint \"done\"\n").unwrap();
    }
    let start = Instant::now();
    let o = run_env(&[], &[big.to_str().unwrap()], Duration::from_secs(60));
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, "done\n".into(), "".into())
    );
    if !cfg!(debug_assertions) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
    }

    // 100 MB of one unterminated string: one lexer error line.
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        f.write_all(b"x = \"").unwrap();
        let chunk = vec![b'y'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&chunk).unwrap();
        }
    }
    let o = run_env(&[], &[big.to_str().unwrap()], Duration::from_secs(60));
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "Lexer Error: missing closing quote (\") [line 1]\n"
    );
}

#[test]
fn bad_option_values_are_one_line_and_exit_64() {
    for (env, args, needle) in [
        (
            None,
            &["--max-memory-mb=0", "-e", "print 1"][..],
            "max-memory-mb",
        ),
        (
            None,
            &["--max-memory-mb=lots", "-e", "print 1"],
            "max-memory-mb",
        ),
        (
            None,
            &["--max-call-depth=-5", "-e", "print 1"],
            "max-call-depth",
        ),
        (None, &["--jit=fast", "-e", "print 1"], "jit"),
        (
            Some(("MINISCRIPT_MAX_MEMORY_MB", "huge")),
            &["-e", "print 1"],
            "MINISCRIPT_MAX_MEMORY_MB",
        ),
    ] {
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let o = run_env(&env, args, Duration::from_secs(60));
        let err = stderr(&o);
        assert_eq!(code(&o), 64, "{args:?}: {err}");
        assert_eq!(stdout(&o), "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("miniscript: ") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn deeply_nested_source_is_a_compile_error() {
    // From files: one argument cannot be that long.
    let dir = TempDir::new("robust-nest");
    let script = |name: &str, src: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, src).unwrap();
        p
    };
    let deep = 100_000;
    let cases = [
        script(
            "parens.ms",
            format!("x = {}1{}\nprint x", "(".repeat(deep), ")".repeat(deep)),
        ),
        script(
            "lists.ms",
            format!("x = {}{}\nprint x", "[".repeat(deep), "]".repeat(deep)),
        ),
        script(
            "calls.ms",
            format!("x = {}1{}\nprint x", "abs(".repeat(deep), ")".repeat(deep)),
        ),
    ];
    for p in &cases {
        let o = run(&[p.to_str().unwrap()]);
        assert_eq!(
            (code(&o), stdout(&o), stderr(&o)),
            (
                2,
                "".into(),
                "Compiler Error: expression too deeply nested [line 1]\n".into()
            ),
            "{}",
            p.display()
        );
    }
    let blocks = script(
        "blocks.ms",
        format!(
            "{}{}print 1",
            "if 1 then\n".repeat(deep),
            "end if\n".repeat(deep)
        ),
    );
    let o = run(&[blocks.to_str().unwrap()]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (
            2,
            "".into(),
            "Compiler Error: blocks too deeply nested [line 257]\n".into()
        )
    );
    // A long run of unary minus (`--1` is not MiniScript): one compile error line.
    let unary = script("unary.ms", format!("x = {}1\nprint x", "-".repeat(deep)));
    let o = run(&[unary.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("Compiler Error: "), "{}", stderr(&o));
}

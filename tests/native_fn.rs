//! Whole-function native code as a user sees it: fib runs natively (the statistics
//! count its native calls) and prints the same in every mode; deep recursion works
//! and a runaway one ends in MiniScript's own stack-overflow error; Ctrl-C stops a
//! native recursion.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::own_bin as bin;

/// The JIT modes the CI runs, and one that compiles every function at its first
/// call.
const MODES: [&[&str]; 4] = [
    &["--jit=off"],
    &["--jit=sync"],
    &[
        "--jit=sync",
        "--jit-eager",
        "--jit-min-complexity=0",
        "--jit-hot-loop=1",
    ],
    &["--jit=background"],
];

const FIB: &str = "fib = function(n)
\tif n < 2 then return n
\treturn fib(n - 1) + fib(n - 2)
end function
print \"fib=\" + fib(24)
";

fn run(args: &[&str], code: &str) -> Output {
    Command::new(bin())
        .args(args)
        .args(["-e", code])
        .env_remove("MINISCRIPT_JIT")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value of statistics row `label` in `err`.
fn stat(err: &str, label: &str) -> u64 {
    err.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|v| v.trim_start_matches([' ', ':']).trim().parse().ok())
        .unwrap_or_else(|| panic!("no '{label}' row in {err}"))
}

#[test]
fn fib_runs_natively_and_prints_the_same_in_every_mode() {
    for mode in MODES {
        let o = run(&[mode, &["--jit-stats"]].concat(), FIB);
        assert!(o.status.success(), "{mode:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "fib=46368\n", "{mode:?}");
    }
    let o = run(&["--jit=sync", "--jit-stats"], FIB);
    let err = stderr(&o);
    assert_eq!(stat(&err, "function regions"), 1, "{err}");
    assert!(stat(&err, "function native calls") > 0, "{err}");
    assert_eq!(stat(&err, "function fallbacks"), 0, "{err}");
    // Compiled at its 1000th call; the calls after it run natively (each native
    // entry runs a whole subtree, so the interpreter sees few more calls).
    assert!(stat(&err, "function calls") < 2000, "{err}");
}

#[test]
fn jit_functions_false_turns_function_regions_off() {
    let o = run(&["--jit=sync", "--jit-functions=false", "--jit-stats"], FIB);
    assert_eq!(stdout(&o), "fib=46368\n");
    let err = stderr(&o);
    assert_eq!(stat(&err, "function regions"), 0, "{err}");
    assert_eq!(stat(&err, "function native calls"), 0, "{err}");
}

#[test]
fn functions_show_in_the_profile() {
    let o = run(&["--jit=sync", "--profile"], FIB);
    let err = stderr(&o);
    assert!(
        err.contains("function fib")
            && err
                .lines()
                .any(|l| l.contains("native calls") && !l.contains("native calls 0,")),
        "{err}"
    );
    // Why a function is not compiled.
    let o = run(
        &["--jit=sync", "--profile"],
        "f = function(x)\n  print x\nend function\nf 1\nf 2\n",
    );
    let err = stderr(&o);
    assert!(err.contains("calls 'print'"), "{err}");
}

#[test]
fn deep_recursion_works_and_a_runaway_one_overflows_in_every_mode() {
    let deep = "down = function(n)\n  if n == 0 then return 0\n  return down(n - 1) + 1\nend function\nprint down(100000)\n";
    let runaway = "f = function(n)\n  return f(n + 1) + 1\nend function\nprint f(1)\n";
    for mode in MODES {
        let o = run(mode, deep);
        assert_eq!(stdout(&o), "100000\n", "{mode:?}: {}", stderr(&o));
        let o = run(&[mode, &["--max-call-depth=20000"]].concat(), runaway);
        assert_eq!(o.status.code(), Some(1), "{mode:?}");
        assert!(
            stderr(&o).starts_with(
                "Runtime Error: Stack Overflow: call depth exceeded the limit of 20000 nested calls [line 2]"
            ),
            "{mode:?}: {}",
            stderr(&o)
        );
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_interrupts_a_native_recursion() {
    let code = "fib = function(n)\n  if n < 2 then return n\n  return fib(n - 1) + fib(n - 2)\nend function\nprint \"started\"\nprint fib(80)\n";
    let mut child = Command::new(bin())
        .args(["--jit=sync", "--jit-stats", "-e", code])
        .env_remove("MINISCRIPT_JIT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("Ctrl-C did not stop the native recursion");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(stdout(&o), "started\n");
    let err = stderr(&o);
    assert!(err.starts_with("Runtime Error: interrupted"), "{err}");
    assert!(stat(&err, "function fallbacks") > 0, "{err}");
}

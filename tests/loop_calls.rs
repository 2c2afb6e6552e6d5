//! Loops that call script functions, as a user sees them: integrate-shaped code
//! (a numeric helper called per sample, in a function and at global scope) runs
//! natively and prints the same in every mode, `--profile` shows the loop compiled
//! or says precisely why not, and Ctrl-C stops such a loop.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::own_bin as bin;

/// The JIT modes the CI runs, and one that compiles every loop at its first entry.
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

const INTEGRATE: &str = "f = function(x, k = 0.5)
\treturn x * x * k + 1
end function
g = function(x)
\treturn f(x) - f(x, 2)
end function
integrate = function(a, b, n)
\th = (b - a) / n
\ts = 0
\ti = 0
\twhile i < n
\t\ts = s + f(a + (i + 0.5) * h)
\t\ti = i + 1
\tend while
\treturn s * h
end function
print floor(integrate(0, 3, 100000) * 1000000)
t = 0
for i in range(1, 100000)
\tt = t + g(i / 1000)
end for
print t
";

const EXPECTED: &str = "7499999\n-500007500.025\n";

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
fn loops_calling_a_helper_run_natively_and_print_the_same_in_every_mode() {
    for mode in MODES {
        let o = run(&[mode, &["--jit-stats"]].concat(), INTEGRATE);
        assert!(o.status.success(), "{mode:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), EXPECTED, "{mode:?}");
    }
    let o = run(&["--jit=sync", "--jit-stats"], INTEGRATE);
    let err = stderr(&o);
    assert_eq!(stat(&err, "loop native entries"), 2, "{err}");
    // Compiled at the 1000th back-edge of each (the default threshold), the rest
    // native, with no fallback.
    assert!(stat(&err, "loop native iterations") > 190_000, "{err}");
    assert_eq!(stat(&err, "loop fallbacks"), 0, "{err}");
}

#[test]
fn the_profile_shows_the_loops_compiled_or_why_not() {
    let o = run(&["--jit=sync", "--profile"], INTEGRATE);
    let err = stderr(&o);
    let compiled = err
        .lines()
        .filter(|l| {
            l.contains(" compiled ")
                && (l.contains("(main):11-13  while") || l.contains("(main):19-20  for"))
        })
        .count();
    assert_eq!(compiled, 2, "{err}");
    let cases = [
        (
            "f = function(n)\n\tif n < 2 then return n\n\treturn f(n - 1)\nend function\nt = 0\nfor i in range(1, 5000)\n\tt = t + f(3)\nend for\nprint t\n",
            "calls a recursive function: f",
        ),
        (
            "f = function(x)\n\tl = [x]\n\treturn x\nend function\nt = 0\nfor i in range(1, 5000)\n\tt = t + f(3)\nend for\nprint t\n",
            "calls a function that is not pure numeric: f",
        ),
        (
            "f = function(x)\n\ts = 0\n\twhile x > 0\n\t\tx = x - 1\n\t\ts = s + x\n\tend while\n\treturn s\nend function\nt = 0\nfor i in range(1, 5000)\n\tt = t + f(3)\nend for\nprint t\n",
            "calls a function that loops: f",
        ),
    ];
    for (code, why) in cases {
        let o = run(&["--jit=sync", "--profile"], code);
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        assert!(err.contains(why), "{why}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_interrupts_a_native_loop_that_calls() {
    let code = "f = function(x)\n\treturn x * 0.5 + 1\nend function\nprint \"started\"\nt = 0\nwhile true\n\tt = f(t)\nend while\n";
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
            panic!("Ctrl-C did not stop the native loop");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(stdout(&o), "started\n");
    let err = stderr(&o);
    assert!(err.starts_with("Runtime Error: interrupted"), "{err}");
    assert!(stat(&err, "loop native iterations") > 100_000, "{err}");
}

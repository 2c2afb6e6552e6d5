//! The `miniscript` command driven as a user would: `-e`, script arguments reaching
//! `shellArgs`, programs from stdin, modules imported from `MS_IMPORT_PATH`, REPL
//! sessions fed through stdin, the exit code of each outcome, and the `file`
//! intrinsics on a temporary directory.

mod common;
// Further tests, by topic, in tests/cli/.
#[path = "cli/dates.rs"]
mod dates;
#[path = "cli/options.rs"]
mod options;
#[path = "cli/pipes.rs"]
mod pipes;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, own_bin as bin, run_bin, stderr, stdout, TempDir};

/// Runs the binary with `args`, feeding `stdin`, in `dir` (if any), with extra
/// environment variables; fails the test after 60 s.
fn run_in(dir: Option<&Path>, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    run_bin(dir, env, args, Some(stdin), Duration::from_secs(60))
}

fn run(args: &[&str]) -> Output {
    run_in(None, &[], args, "")
}

#[test]
fn eval_runs_code() {
    let o = run(&["-e", "print 6 * 7\nprint \"two\""]);
    assert_eq!(stdout(&o), "42\ntwo\n");
    assert_eq!(stderr(&o), "");
    assert_eq!(code(&o), 0);
    let o = run(&["--eval", "print \"long form\""]);
    assert_eq!(stdout(&o), "long form\n");
}

#[test]
fn arguments_after_the_script_reach_shell_args() {
    let dir = TempDir::new("cli-args");
    let script = dir.write("args.ms", "print shellArgs\nprint shellArgs.len");
    let s = script.to_str().unwrap();
    // Options after the script belong to the script.
    let o = run(&[s, "a", "-i", "--x=1", "--"]);
    assert_eq!(
        stdout(&o),
        format!("[\"{s}\", \"a\", \"-i\", \"--x=1\", \"--\"]\n5\n")
    );
    assert_eq!(code(&o), 0);
    // `--` ends the options: the next argument is the script even if it looks
    // like an option.
    let o = run(&["--", s, "-e"]);
    assert_eq!(stdout(&o), format!("[\"{s}\", \"-e\"]\n2\n"));
    let o = run(&["-e", "print shellArgs", "x", "-q"]);
    assert_eq!(stdout(&o), "[\"-e\", \"x\", \"-q\"]\n");
    let o = run_in(
        None,
        &[],
        &["-", "p", "q"],
        "print shellArgs\nprint 1 + 1\n",
    );
    assert_eq!(stdout(&o), "[\"-\", \"p\", \"q\"]\n2\n");
    assert_eq!(code(&o), 0);
}

#[test]
fn exit_codes() {
    let dir = TempDir::new("cli-codes");
    // Success.
    assert_eq!(code(&run(&["-e", "x = 1"])), 0);
    // Runtime error: earlier output stays, one error line on stderr.
    let o = run(&["-e", "print \"before\"\nx = nothing"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "before\n");
    assert_eq!(
        stderr(&o),
        "Runtime Error: Undefined Identifier: 'nothing' is unknown in this context [line 2]\n"
    );
    // Compile error: nothing runs.
    let o = run(&["-e", "print \"never\"\nif x then"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "Compiler Error: 'if' without matching 'end if' [line 3]\n"
    );
    let o = run(&["-e", "x = \"open"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("Lexer Error:"));
    // exit(n), also from inside a function, and its default.
    let o = run(&[
        "-e",
        "f = function\n  print \"bye\"\n  exit 7\nend function\nf\nprint \"not reached\"",
    ]);
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (7, "bye\n".into(), "".into())
    );
    assert_eq!(code(&run(&["-e", "exit"])), 0);
    assert_eq!(code(&run(&["-e", "exit 261"])), 5);
    // Usage errors.
    for args in [&["--no-such-option"][..], &["-e"], &["-z"], &["--config"]] {
        let o = run(args);
        assert_eq!(code(&o), 64, "{args:?}");
        assert!(
            stderr(&o).starts_with("miniscript: "),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // Unreadable scripts: one clear line.
    let missing = dir.path().join("missing.ms");
    let o = run(&[missing.to_str().unwrap()]);
    assert_eq!(code(&o), 66);
    assert_eq!(
        stderr(&o),
        format!(
            "miniscript: cannot open '{}': no such file\n",
            missing.display()
        )
    );
    let o = run(&[dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 66);
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains("it is a directory"));
    let bad = dir.path().join("latin1.ms");
    std::fs::write(&bad, b"print \"caf\xe9\"\n").unwrap();
    let o = run(&[bad.to_str().unwrap()]);
    assert_eq!(code(&o), 66);
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains("not valid UTF-8"));
    // Help and version succeed and document the exit codes.
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    for needle in [
        "exit codes:",
        "64",
        "66",
        "130",
        "exit(N)",
        "-i",
        "MS_IMPORT_PATH",
    ] {
        assert!(stdout(&o).contains(needle), "help lacks {needle}");
    }
    assert_eq!(code(&run(&["--version"])), 0);
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("cli-perm");
    let p = dir.write("secret.ms", "print 1");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        // Running as root: permissions are not enforced, there is nothing to test.
        eprintln!("notice: unreadable_file_is_a_clear_error skipped (the file is readable: running as root?)");
        return;
    }
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(code(&o), 66);
    assert_eq!(
        stderr(&o),
        format!(
            "miniscript: cannot read '{}': permission denied\n",
            p.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_interrupts_a_running_script() {
    let mut child = Command::new(bin())
        .args(["-e", "print \"started\"\nwhile true\nend while"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Give it time to start and enter the loop (output to a pipe is buffered, so
    // there is nothing to wait for).
    std::thread::sleep(Duration::from_millis(300));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("Ctrl-C did not stop the script");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    assert_eq!(stdout(&o), "started\n");
    assert!(
        stderr(&o).starts_with("Runtime Error: interrupted [line "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn import_from_ms_import_path() {
    let dir = TempDir::new("cli-import");
    dir.write(
        "mods/vec.ms",
        "scale = 2\nlen2 = function(x, y)\n  return (x*x + y*y) * scale\nend function\nprint \"vec loaded\"\n",
    );
    dir.write("mods/broken.ms", "x = 1\ny = x + undefinedHere\n");
    dir.write("mods/syntax.ms", "x = (1\n");
    let mods = dir.path().join("mods");
    let path = format!("/nonexistent:{}", mods.display());
    let env = [("MS_IMPORT_PATH", path.as_str())];
    let program = format!(
        "import \"vec\"\nprint vec.len2(3, 4)\nprint vec.scale\nprint globals.hasIndex(\"scale\")\nf = function\n  import \"vec\"\n  return vec.scale\nend function\nprint f\nprint env.MS_IMPORT_PATH == \"{path}\""
    );
    let o = run_in(None, &env, &["-e", &program], "");
    assert_eq!(stderr(&o), "");
    assert_eq!(stdout(&o), "vec loaded\n50\n2\n0\nvec loaded\n2\n1\n");
    assert_eq!(code(&o), 0);
    // Errors inside a module name it.
    let o = run_in(None, &env, &["-e", "import \"broken\""], "");
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Runtime Error: Undefined Identifier: 'undefinedHere' is unknown in this context [broken.ms line 2]\n"
    );
    let o = run_in(None, &env, &["-e", "import \"syntax\""], "");
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).ends_with("[syntax.ms line 2]\n"),
        "{}",
        stderr(&o)
    );
    let o = run_in(None, &env, &["-e", "print 1\nimport \"nope\""], "");
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Runtime Error: import: library not found: nope [line 2]\n"
    );
    let o = run_in(None, &env, &["-e", "import \"\""], "");
    assert_eq!(
        stderr(&o),
        "Runtime Error: import: libname required [line 1]\n"
    );
    // $VAR in the path is expanded from env.
    let o = run_in(
        None,
        &[
            ("MODS", mods.to_str().unwrap()),
            ("MS_IMPORT_PATH", "${MODS}"),
        ],
        &["-e", "import \"vec\"\nprint vec.scale"],
        "",
    );
    assert_eq!(stdout(&o), "vec loaded\n2\n");
}

#[test]
fn import_defaults_to_the_script_directory_and_its_lib() {
    let dir = TempDir::new("cli-importdef");
    dir.write(
        "app/lib/helper.ms",
        "greet = function(n)\n  return \"hi \" + n\nend function\n",
    );
    dir.write("app/local.ms", "answer = 42\n");
    let main = dir.write(
        "app/main.ms",
        "import \"helper\"\nimport \"local\"\nprint helper.greet(local.answer)\n",
    );
    // Run from another directory: the default path uses the script's.
    let o = run_in(Some(dir.path()), &[], &[main.to_str().unwrap()], "");
    assert_eq!(stderr(&o), "");
    assert_eq!(stdout(&o), "hi 42\n");
}

#[test]
fn repl_session_through_stdin() {
    let session = "\
x = 6
x * 7
_ + 1
\"text\"
[1, \"two\"]
print \"printed\"
f = function(a)
  if a > 1 then
    return \"big\"
  end if
  return \"small\"
end function
f(5)
total = 1 +
  2 +
  3
total
for i in range(1, 3)
  i * 100
end for
nope
\"still running\"
x
";
    let o = run_in(None, &[], &[], session);
    assert_eq!(
        stdout(&o),
        "42\n43\ntext\n[1, \"two\"]\nprinted\nbig\n6\n300\nstill running\n6\n"
    );
    assert_eq!(
        stderr(&o),
        "Runtime Error: Undefined Identifier: 'nope' is unknown in this context [line 1]\n"
    );
    assert_eq!(code(&o), 0);

    // exit(n) leaves the REPL with that status; an open block at end of input is
    // reported.
    let o = run_in(None, &[], &[], "print 1\nexit 3\nprint 2\n");
    assert_eq!((stdout(&o), code(&o)), ("1\n".into(), 3));
    let o = run_in(None, &[], &[], "if 1 then\n  print 1\n");
    assert_eq!(
        stderr(&o),
        "Compiler Error: 'if' without matching 'end if' [line 3]\n"
    );
    assert_eq!(code(&o), 0);
    // `input` reads the next line of the same stdin.
    let o = run_in(
        None,
        &[],
        &[],
        "name = input(\"? \")\nAda\n\"hello \" + name\n",
    );
    assert_eq!(stdout(&o), "? hello Ada\n");
}

#[test]
fn repl_after_a_script() {
    let dir = TempDir::new("cli-interactive");
    let script = dir.write("setup.ms", "counter = 41\nprint \"setup done\"\n");
    let o = run_in(
        None,
        &[],
        &["-i", script.to_str().unwrap()],
        "counter + 1\n",
    );
    assert_eq!(stdout(&o), "setup done\n42\n");
    assert_eq!(code(&o), 0);
    let o = run_in(None, &[], &["-i", "-e", "y = 2"], "y * y\n");
    assert_eq!(stdout(&o), "4\n");
}

#[test]
fn file_intrinsics_on_a_temporary_directory() {
    let dir = TempDir::new("cli-files");
    let program = r#"
root = file.curdir
d = file.child(root, "data")
print file.makedir(d)
print file.exists(d)
p = file.child(d, "notes.txt")
print file.writeLines(p, ["alpha", "beta", 3])
print file.readLines(p)
f = file.open(p, "r")
print f.readLine
print f.position
print f.atEnd
print f.read
print f.atEnd
print f.readLine == null
print f.close
print f.isOpen
g = file.open(file.child(d, "log.txt"), "w")
print g.write("one ")
print g.writeLine("two")
g.close
a = file.open(file.child(d, "log.txt"), "a")
a.writeLine "three"
a.close
print file.readLines(file.child(d, "log.txt"))
print file.children(d)
print file.name(p)
print file.parent(p) == d
info = file.info(p)
print [info.size, info.isDirectory, info.date.len]
print file.copy(p, file.child(d, "copy.txt"))
print file.move(file.child(d, "copy.txt"), file.child(d, "moved.txt"))
print file.children(d)
print file.delete(file.child(d, "moved.txt"))
print file.exists(file.child(d, "moved.txt"))
print file.readLines(file.child(d, "none.txt"))
print file.open(file.child(file.child(d, "none"), "x.txt"), "r")
raw = file.loadRaw(p)
print [raw.len, raw.byte(0), raw.utf8(0, 5)]
raw.setUtf8 0, "ALPHA"
print file.saveRaw(file.child(d, "raw.bin"), raw)
print file.readLines(file.child(d, "raw.bin"))[0]
buf = new RawData
buf.resize 4
buf.setInt 0, -2
print [buf.int(0), buf.uint(0), buf.byte(0)]
print file.setdir(d)
print file.name(file.curdir)
print file.delete(d)
print file.setdir(root)
for n in file.children(d)
  file.delete file.child(d, n)
end for
print file.delete(d)
print file.exists(d)
"#;
    let o = run_in(Some(dir.path()), &[], &["-e", program], "");
    assert_eq!(stderr(&o), "");
    assert_eq!(
        stdout(&o),
        "\
1
1
13
[\"alpha\", \"beta\", \"3\"]
alpha
6
0
beta
3

1
1
1
0
4
4
[\"one two\", \"three\"]
[\"log.txt\", \"notes.txt\"]
notes.txt
1
[13, 0, 19]
1
1
[\"log.txt\", \"moved.txt\", \"notes.txt\"]
1
0
null
null
[13, 97, \"alpha\"]
null
ALPHA
[-2, 4294967294, 254]
1
data
0
1
1
0
"
    );
    assert_eq!(code(&o), 0);
}

#[test]
fn env_exec_and_time() {
    let o = run_in(
        None,
        &[("MS_TEST_VAR", "from-parent")],
        &[
            "-e",
            "print env.MS_TEST_VAR\nenv.CHILD_VAR = \"set-in-script\"\nr = exec(\"echo $CHILD_VAR; echo oops >&2; exit 4\")\nprint [r.output, r.errors, r.status]\nprint exec(\"sleep 5\", 0.1).status",
        ],
        "",
    );
    assert_eq!(stderr(&o), "");
    assert_eq!(
        stdout(&o),
        "from-parent\n[\"set-in-script\", \"oops\", 4]\n124\n"
    );
    // `wait` and `time` are real time; `yield` pauses the command line briefly.
    let start = Instant::now();
    let o = run(&[
        "-e",
        "t = time\nwait 0.2\nprint time - t >= 0.2\nfor i in range(1, 5)\n  yield\nend for",
    ]);
    assert_eq!(stdout(&o), "1\n");
    assert!(start.elapsed() >= Duration::from_millis(200));
}

/// A numeric loop in a function: with `--jit-hot-loop=1` and sync compilation it
/// runs as native loop code from its first iteration.
#[cfg(unix)]
const NATIVE_FOREVER: &str = "f = function\n  x = 0\n  while 1\n    x = x + 1\n  end while\nend function\nprint \"started\"\nf\n";

/// The same loop at global scope: its variable is a global, kept in a register
/// while the native code runs.
#[cfg(unix)]
const GLOBAL_FOREVER: &str = "x = 0\nprint \"started\"\nwhile 1\n  x = x + 1\nend while\n";

#[cfg(unix)]
#[test]
fn ctrl_c_interrupts_a_native_loop() {
    interrupt_native_loop(NATIVE_FOREVER);
}

#[cfg(unix)]
#[test]
fn ctrl_c_interrupts_a_native_loop_at_global_scope() {
    interrupt_native_loop(GLOBAL_FOREVER);
}

/// Runs `src` (which prints `started`, then loops forever at line 3) with native
/// loop code from the first iteration, interrupts it, and checks the error and
/// that the loop ran natively.
#[cfg(unix)]
fn interrupt_native_loop(src: &str) {
    let mut child = Command::new(bin())
        .args(["--jit=sync", "--jit-hot-loop=1", "--jit-stats", "-e", src])
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
    assert!(
        err.starts_with("Runtime Error: interrupted [line 3]"),
        "{err}"
    );
    // The loop really ran natively: the statistics count its iterations.
    let iters: u64 = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("loop native iterations"))
        .and_then(|v| v.trim_start_matches([' ', ':']).trim().parse().ok())
        .unwrap_or_else(|| panic!("no loop statistics in {err}"));
    assert!(iters > 100_000, "{err}");
}

#[test]
fn global_loops_show_in_the_profile_compiled() {
    let dir = std::env::temp_dir().join(format!("ms-global-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("glob.ms");
    std::fs::write(
        &script,
        "s = 0\ni = 0\nwhile i < 100000\n  i = i + 1\n  s = s + i % 3\nend while\nprint s\nfor j in range(1, 3)\n  print j\nend for\n",
    )
    .unwrap();
    let o = Command::new(bin())
        .args(["--jit=sync", "--profile", "--profile-format=json"])
        .arg(&script)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "100000\n1\n2\n3\n");
    let err = stderr(&o);
    let json_start = err.find('{').expect("a JSON report");
    let v: serde_json::Value = serde_json::from_str(&err[json_start..]).expect("valid JSON");
    let sites = v["regions"].as_array().unwrap();
    let hot = sites
        .iter()
        .find(|s| s["kind"] == "loop" && s["line"] == 3)
        .unwrap_or_else(|| panic!("the global loop is a row: {v}"));
    assert_eq!(hot["source"], "while i < 100000");
    assert_eq!(hot["state"], "compiled");
    assert!(hot["native_iterations"].as_u64().unwrap() > 90_000, "{hot}");
    assert!(hot["file"].as_str().unwrap().ends_with("glob.ms"), "{hot}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn loop_regions_show_in_the_profile_and_statistics() {
    let dir = std::env::temp_dir().join(format!("ms-loop-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("loops.ms");
    std::fs::write(
        &script,
        "f = function(n)\n  s = 0\n  i = 0\n  while i < n\n    i = i + 1\n    if i % 7 == 0 then continue\n    s = s + i\n  end while\n  return s\nend function\nprint f(100000)\ng = function(n)\n  l = []\n  while l.len < n\n    l.push 1\n  end while\n  return l.len\nend function\nprint g(5)\n",
    )
    .unwrap();
    let o = Command::new(bin())
        .args([
            "--jit=sync",
            "--profile",
            "--profile-format=json",
            "--jit-stats",
        ])
        .arg(&script)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "4285785715\n5\n");
    let err = stderr(&o);
    assert!(err.contains("loop regions"), "{err}");
    let json_start = err.find('{').expect("a JSON report");
    let v: serde_json::Value = serde_json::from_str(&err[json_start..]).expect("valid JSON");
    let sites = v["regions"].as_array().unwrap();
    let hot = sites
        .iter()
        .find(|s| s["kind"] == "loop" && s["line"] == 4)
        .expect("the numeric loop is a row");
    assert_eq!(hot["last_line"], 7);
    assert_eq!(hot["source"], "while i < n");
    assert_eq!(hot["state"], "compiled");
    assert!(hot["native_iterations"].as_u64().unwrap() > 90_000, "{hot}");
    assert_eq!(hot["exits_normal"], 1);
    assert!(hot["file"].as_str().unwrap().ends_with("loops.ms"), "{hot}");
    let cold = sites
        .iter()
        .find(|s| s["kind"] == "loop" && s["line"] == 14)
        .expect("the list loop is a row");
    assert!(
        cold["note"]
            .as_str()
            .is_some_and(|n| n.contains("calls a function")),
        "{cold}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

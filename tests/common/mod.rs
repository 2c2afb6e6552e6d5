//! Shared harness for the integration tests: locating the `miniscript` binary and
//! the shared data directory, running a program with a timeout, turning its
//! output into the line list that expected outputs are written in, and temporary
//! directories.
//!
//! Each test file includes this with `mod common;`; not every test uses every item.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test: `$MINISCRIPT_BIN` if set (to check another
/// implementation against the same expectations), else [`own_bin`].
pub fn bin() -> String {
    match std::env::var("MINISCRIPT_BIN") {
        Ok(b) if !b.is_empty() => b,
        _ => own_bin().to_string(),
    }
}

/// The `miniscript` binary Cargo built for this test target's profile (tests of
/// this implementation's own command line use it whatever `$MINISCRIPT_BIN` says).
pub fn own_bin() -> &'static str {
    env!("CARGO_BIN_EXE_miniscript")
}

/// Repository root: the workspace directory above `tools/`.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tools/ has a parent directory")
        .to_path_buf()
}

/// The shared data directory: `$MINISCRIPT_SHARED`, else `<repo root>/../shared`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("MINISCRIPT_SHARED") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("..").join("shared"),
    }
}

/// True when `MINISCRIPT_REQUIRE_SHARED=1`: missing shared data is then a failure.
pub fn require_shared() -> bool {
    std::env::var("MINISCRIPT_REQUIRE_SHARED").is_ok_and(|v| v == "1")
}

/// Handles a missing shared file: fails under `MINISCRIPT_REQUIRE_SHARED=1`, else
/// prints a visible notice. `how` says where the file comes from. Returns
/// normally only when the test should be skipped.
pub fn missing_shared(what: &str, path: &Path, how: &str) {
    if require_shared() {
        panic!(
            "{what} not found at {} and MINISCRIPT_REQUIRE_SHARED=1.\n{how}",
            path.display()
        );
    }
    notice(&format!(
        "\n*** NOTICE: {what} not found at {}; this test was SKIPPED.\n*** {how}\n",
        path.display()
    ));
}

/// Writes a line straight to the process's stderr, so that it shows even when
/// the test harness captures output (it captures only the print macros).
pub fn notice(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Per-program time limit: `$MINISCRIPT_TEST_TIMEOUT` seconds if set, else `default`.
pub fn timeout_or(default: Duration) -> Duration {
    std::env::var("MINISCRIPT_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(default, Duration::from_secs)
}

/// Extra arguments placed before the script path on every run, from
/// `$MINISCRIPT_TEST_ARGS` (whitespace-separated), e.g. to select a JIT mode.
pub fn extra_args() -> Vec<String> {
    std::env::var("MINISCRIPT_TEST_ARGS")
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// Number of worker threads: `$MINISCRIPT_TEST_THREADS`, else the available cores.
pub fn thread_count() -> usize {
    std::env::var("MINISCRIPT_TEST_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, |n| n.get()))
}

/// What one run of the binary produced.
pub struct RunOutput {
    pub stdout: String,
    pub stderr: String,
    /// Exit code; `None` if killed by a signal or by the timeout.
    pub code: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl RunOutput {
    /// Merged output as lines: stdout's lines, then stderr's lines. A final
    /// newline ends the last line rather than starting an empty one.
    pub fn merged_lines(&self) -> Vec<String> {
        let mut lines = split_lines(&self.stdout);
        lines.extend(split_lines(&self.stderr));
        lines
    }

    /// One-line summary of how the process ended, for failure messages.
    pub fn status_text(&self) -> String {
        if self.timed_out {
            format!("killed after timeout ({:.1} s)", self.elapsed.as_secs_f64())
        } else {
            match self.code {
                Some(c) => format!("exit code {c}"),
                None => "killed by a signal".to_string(),
            }
        }
    }
}

/// Splits text into lines on `\n`; a trailing `\n` does not add an empty line.
pub fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n').map(String::from).collect()
}

/// The expected error at the end of an expected output, if any: the index of the
/// last line starting with `Runtime Error:` (exit code 1) or `Compiler Error:` /
/// `Lexer Error:` (exit code 2). An error ends the program, so it runs from that
/// line to the end (a message can span lines, e.g. `got EOL(` + newline + `)`).
pub fn expected_error(lines: &[String]) -> Option<(usize, i32)> {
    lines.iter().enumerate().rev().find_map(|(i, l)| {
        if l.starts_with("Runtime Error:") {
            Some((i, 1))
        } else if l.starts_with("Compiler Error:") || l.starts_with("Lexer Error:") {
            Some((i, 2))
        } else {
            None
        }
    })
}

/// The exit code the CLI contract gives for a program with this expected merged
/// output: 1 after a runtime error, 2 after a compile/lexer error, else 0.
pub fn expected_exit_code(lines: &[String]) -> i32 {
    expected_error(lines).map_or(0, |(_, code)| code)
}

/// Runs `miniscript [extra args] SCRIPT` with a timeout, killing the child when
/// it expires. Output pipes are drained on their own threads so a chatty
/// program cannot block on a full pipe.
pub fn run_script(script: &Path, timeout: Duration) -> RunOutput {
    let start = Instant::now();
    let bin = bin();
    let mut child = Command::new(&bin)
        .args(extra_args())
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr piped")));

    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for {bin}: {e}"),
        }
    };
    let elapsed = start.elapsed();
    RunOutput {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.and_then(|s| s.code()),
        timed_out,
        elapsed,
    }
}

/// Runs MiniScript source text by writing it to a uniquely named temporary file.
pub fn run_source(source: &str, timeout: Duration) -> RunOutput {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = std::env::temp_dir().join(format!(
        "miniscript-test-{}-{}-{nanos}.ms",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, source)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let result = run_script(&path, timeout);
    let _ = std::fs::remove_file(&path);
    result
}

/// Applies `f` to every item on `threads` worker threads; results keep input order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item processed"))
        .collect()
}

/// Failure text comparing expected with actual lines as a coloured line diff.
pub fn diff_text(expected: &[String], actual: &[String]) -> String {
    format!(
        "{}",
        pretty_assertions::Comparison::new(&expected.to_vec(), &actual.to_vec())
    )
}

/// Runs [`own_bin`] with `args` and extra environment variables (without the
/// user's `MS_IMPORT_PATH`), in `dir` if given, feeding it `stdin` if given (else
/// no input); fails the test when it takes longer than `limit`.
pub fn run_bin(
    dir: Option<&Path>,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
    limit: Duration,
) -> Output {
    let mut cmd = Command::new(own_bin());
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("MS_IMPORT_PATH");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the miniscript binary runs");
    let writer = stdin.map(|text| {
        let mut input = child.stdin.take().expect("stdin piped");
        let data = text.as_bytes().to_vec();
        thread::spawn(move || {
            let _ = input.write_all(&data);
        })
    });
    let out = wait_for(child, limit, &format!("{args:?}"));
    if let Some(w) = writer {
        let _ = w.join();
    }
    out
}

/// Waits for `child`, reading its output on the side (a full pipe must not stall
/// it); kills it and fails after `limit`.
pub fn wait_for(mut child: Child, limit: Duration, what: &str) -> Output {
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let reader = |r: &mut dyn Read| {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    };
    let t_out = thread::spawn(move || reader(&mut out));
    let t_err = thread::spawn(move || reader(&mut err));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("miniscript {what} did not finish within {limit:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// A finished process's standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A finished process's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code; fails the test when the process was killed by a signal (an
/// abort, a stack overflow).
pub fn code(o: &Output) -> i32 {
    match o.status.code() {
        Some(c) => c,
        None => panic!(
            "the process did not exit normally ({:?}); stderr: {}",
            o.status,
            stderr(o)
        ),
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name starts with `miniscript-TAG`.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "miniscript-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write file `name` (its folders created as needed); returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

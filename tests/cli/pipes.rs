//! A closed standard output: the command ends quietly with status 141 (what a shell
//! reports for `yes | head -1`), whether it was printing its help or a program was
//! printing in an endless loop.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::own_bin as bin;

/// Runs `miniscript ARGS` with its standard output a pipe whose reader has already
/// gone (`sh`: `{ sleep; miniscript ARGS; } | true`); returns its stderr and status.
fn into_closed_pipe(args: &[&str]) -> (String, String) {
    let script = "{ sleep 0.3; \"$0\" \"$@\"; echo \"status $?\" >&2; } | true";
    let o = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    match err.rsplit_once("status ") {
        Some((before, status)) => (before.to_string(), status.trim().to_string()),
        None => (err, String::new()),
    }
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_quietly_with_status_141() {
    let dir = super::common::TempDir::new("pipes");
    let prog = dir.write("p.ms", "print 1\n");
    let prog = prog.to_str().expect("utf-8 path");
    let cases: &[&[&str]] = &[
        &["--version"],
        &["--help"],
        &["--print-config"],
        &["--dump-tac", prog],
        &[prog],
        &["-e", "for i in range(1, 100000)\n  print i\nend for"],
    ];
    for args in cases {
        let (err, status) = into_closed_pipe(args);
        assert_eq!(err, "", "{args:?}: stderr");
        assert_eq!(status, "141", "{args:?}: exit status");
    }
}

/// `miniscript -e CODE | head -1`: reads the first line, closes the pipe, and the
/// program (interpreted, or a native loop) must stop by itself.
#[cfg(unix)]
#[test]
fn a_program_printing_forever_stops_when_the_reader_goes() {
    let programs: &[&[&str]] = &[
        &["--jit=off", "-e", "while true\n  print 1\nend while"],
        &[
            "--jit=sync",
            "--jit-hot-loop=1",
            "-e",
            "f = function\n  i = 0\n  while true\n    i = i + 1\n    if i % 1000 == 0 then print i\n  end while\nend function\nf",
        ],
    ];
    for args in programs {
        let mut child = Command::new(bin())
            .args(*args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the miniscript binary runs");
        let mut first = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
        out.read_line(&mut first).expect("a first line");
        drop(out);
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} still running 20 s after its stdout closed");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
            .expect("stderr");
        assert!(!first.is_empty());
        assert_eq!(err, "", "{args:?}: stderr");
        assert_eq!(status.code(), Some(141), "{args:?}");
    }
}

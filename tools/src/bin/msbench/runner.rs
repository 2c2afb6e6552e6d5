//! The commands being compared ("engines") and timing one run of one of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Which twin of a program an engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    MiniScript,
    Lua,
}

/// One column of the report: ours in a mode, or a peer language implementation.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Short column name: "interp", "jit", "lua5.4", "luajit".
    pub key: String,
    pub lang: Lang,
    /// The executable to run; None when the engine is not installed (reported as
    /// missing, never as zero).
    pub path: Option<PathBuf>,
    /// The executable as the report shows it: as typed or relative, not resolved.
    pub shown: String,
    /// Arguments before the script path.
    pub args: Vec<String>,
    /// First line of `--version`/`-v`, for the report.
    pub version: Option<String>,
    /// A caveat shown with the column, e.g. that the JIT flag was not accepted.
    pub note: Option<String>,
    /// Environment variables removed for this engine's runs.
    pub env_remove: Vec<String>,
    /// Ours: the JIT mode these arguments select, as the binary reports it.
    pub jit_mode: Option<String>,
}

impl Engine {
    pub fn is_ours(&self) -> bool {
        self.lang == Lang::MiniScript
    }

    /// The command line, for the report.
    pub fn describe(&self, script: &str) -> String {
        if self.path.is_none() {
            return format!("{} (missing)", self.shown);
        }
        let mut parts = vec![self.shown.clone()];
        parts.extend(self.args.iter().cloned());
        parts.push(script.to_string());
        parts.join(" ")
    }
}

/// Exit status the `miniscript` binary uses for a usage error (an unknown option).
const EXIT_USAGE: i32 = 64;

/// Whether our binary accepts `--jit=off`. Until the JIT lands the binary rejects the
/// option as a usage error, and the interpreter column then runs without it.
pub fn accepts_jit_flag(bin: &Path, env_remove: &[String]) -> Result<bool, String> {
    let mut command = Command::new(bin);
    for var in env_remove {
        command.env_remove(var);
    }
    let status = command
        .args(["--jit=off", "-e", "x = 1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run '{}': {e}", bin.display()))?;
    Ok(status.code() != Some(EXIT_USAGE))
}

/// The JIT mode `bin args...` runs in, from its `--print-config` (None if the binary
/// has no such option): the JIT column passes no flag, so its mode is the default,
/// and the report says which that was.
pub fn jit_mode(bin: &Path, args: &[String], env_remove: &[String]) -> Option<String> {
    let mut command = Command::new(bin);
    for var in env_remove {
        command.env_remove(var);
    }
    let out = command
        .args(args)
        .arg("--print-config")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next() == Some("jit"))
            .then(|| words.next().map(str::to_string))
            .flatten()
    })
}

/// The first line a program prints for `flag`, if it runs at all.
pub fn version_line(program: &Path, flag: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(flag)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    // lua5.4 prints its version on stdout, some builds on stderr.
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    let line = String::from_utf8_lossy(&text)
        .lines()
        .next()?
        .trim()
        .to_string();
    // "Lua 5.4.6  Copyright (C) ..." is long; the copyright adds nothing here.
    let line = line.split("  Copyright").next().unwrap_or(&line);
    let line = line.split(" -- Copyright").next().unwrap_or(line);
    (!line.is_empty()).then(|| line.to_string())
}

/// Looks a command up on PATH (or takes it as a path if it contains a separator).
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let candidate = Path::new(name);
    if candidate.components().count() > 1 {
        return is_executable(candidate).then(|| candidate.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// What one run produced.
#[derive(Debug, Clone)]
pub enum RunOutcome {
    /// Exited with status 0: wall time and stdout (trailing line break removed).
    Finished {
        seconds: f64,
        stdout: String,
    },
    /// Exited with another status (or a signal).
    Failed {
        status: String,
        stderr: String,
    },
    TimedOut,
    /// Could not be started at all.
    SpawnError(String),
}

/// Runs `program args... script` once, timing it from spawn to exit (the whole
/// process: start-up, compile and run, which is what a user waits for).
pub fn run_once(engine: &Engine, program: &Path, script: &Path, timeout: Duration) -> RunOutcome {
    let mut command = Command::new(program);
    for var in &engine.env_remove {
        command.env_remove(var);
    }
    command
        .args(&engine.args)
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    // The watchdog thread is started before the clock so that its creation is not
    // timed; it kills the child if the run outlives the timeout.
    let (pid_tx, pid_rx) = mpsc::channel::<u32>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let Ok(pid) = pid_rx.recv() else { return false };
        match done_rx.recv_timeout(timeout) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill(pid);
                true
            }
            _ => false,
        }
    });

    let start = Instant::now();
    let child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            drop(pid_tx);
            let _ = watchdog.join();
            return RunOutcome::SpawnError(format!("cannot run '{}': {e}", program.display()));
        }
    };
    let _ = pid_tx.send(child.id());
    let output = child.wait_with_output();
    let seconds = start.elapsed().as_secs_f64();
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);

    let output = match output {
        Ok(o) => o,
        Err(e) => {
            return RunOutcome::SpawnError(format!("waiting for '{}': {e}", program.display()))
        }
    };
    if timed_out {
        return RunOutcome::TimedOut;
    }
    if !output.status.success() {
        return RunOutcome::Failed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        };
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    RunOutcome::Finished {
        seconds,
        stdout: stdout.trim_end_matches(['\n', '\r']).to_string(),
    }
}

/// Ends a runaway child. std can only kill a `Child` it owns, and the owner is
/// blocked in `wait_with_output`, so this goes through the system's own tool.
fn kill(pid: u32) {
    let pid = pid.to_string();
    #[cfg(unix)]
    let status = Command::new("kill")
        .args(["-KILL", &pid])
        .stderr(Stdio::null())
        .status();
    #[cfg(not(unix))]
    let status = Command::new("taskkill")
        .args(["/F", "/PID", &pid])
        .stderr(Stdio::null())
        .status();
    let _ = status;
}

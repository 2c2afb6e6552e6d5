//! Measuring one program: the engines take turns run by run, every output is checked,
//! and a wrong one is reported at once. Also the quick-size copies and the progress
//! line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::programs::{self, Program};
use crate::report::{self, Cell, ProgramResult};
use crate::runner::{self, Engine, Lang, RunOutcome};

/// What one engine has done so far on the current program.
pub struct Track {
    script: Option<PathBuf>,
    times: Vec<f64>,
    output: Option<String>,
    cell: Option<Cell>,
}

/// Runs one program under every engine: warm-up rounds, then timed rounds in which
/// the engines take turns (the starting engine rotates, so none is always first after
/// another's cache damage), then the output check.
pub fn bench_program(
    opts: &Options,
    engines: &[Engine],
    program: &Program,
    scratch: &Scratch,
    progress: &Progress,
    tag: &str,
) -> ProgramResult {
    // Quick mode runs rewritten copies, whose lines no longer match expected.txt.
    let (ms, lua, sized) = match scratch.scripts(program, opts.quick) {
        Ok(s) => s,
        Err(msg) => return unrunnable(engines, program, msg, progress),
    };
    let expected = if sized {
        None
    } else {
        program.expected.clone()
    };
    let check = if expected.is_some() {
        "expected.txt"
    } else {
        "agreement"
    };
    if expected.is_none() && !sized {
        progress.line(&format!(
            "note: {}: no line in expected.txt; checking that the outputs agree",
            program.name
        ));
    }

    let mut tracks: Vec<Track> = engines
        .iter()
        .map(|e| Track::new(e, &ms, lua.as_ref()))
        .collect();

    let rounds = opts.warmup + opts.runs;
    let mut checked = false;
    for round in 0..rounds {
        let n = engines.len();
        for k in 0..n {
            let ei = (round + k) % n;
            take_turn(
                opts,
                &engines[ei],
                &mut tracks[ei],
                round,
                progress,
                tag,
                &program.name,
            );
        }
        // Check outputs once every engine has printed one, and stop timing a wrong one.
        if !checked {
            checked = true;
            check_outputs(
                engines,
                &mut tracks,
                expected.as_deref(),
                progress,
                &program.name,
            );
        }
    }

    ProgramResult {
        program: program.clone(),
        cells: tracks.into_iter().map(Track::into_cell).collect(),
        check,
    }
}

/// The result for a program whose scripts could not be prepared: every installed
/// engine failed with `msg`.
fn unrunnable(
    engines: &[Engine],
    program: &Program,
    msg: String,
    progress: &Progress,
) -> ProgramResult {
    progress.line(&format!("msbench: FAILED: {}: {msg}", program.name));
    let cells = engines
        .iter()
        .map(|e| {
            if e.path.is_none() {
                Cell::Missing
            } else {
                Cell::Failed(msg.clone())
            }
        })
        .collect();
    ProgramResult {
        program: program.clone(),
        cells,
        check: "none",
    }
}

/// One engine's turn in round `round`: a run, unless the engine has nothing to run or
/// has already gone wrong; a run that goes wrong is reported at once.
fn take_turn(
    opts: &Options,
    engine: &Engine,
    track: &mut Track,
    round: usize,
    progress: &Progress,
    tag: &str,
    name: &str,
) {
    let timed = round >= opts.warmup;
    if track.cell.is_some() {
        return;
    }
    let Some(script) = track.script.clone() else {
        return;
    };
    progress.update(&if timed {
        format!(
            "{tag}: {} run {}/{}",
            engine.key,
            round - opts.warmup + 1,
            opts.runs
        )
    } else {
        format!(
            "{tag}: {} warm-up {}/{}",
            engine.key,
            round + 1,
            opts.warmup
        )
    });
    let Some(path) = &engine.path else { return };
    let outcome = runner::run_once(engine, path, &script, opts.timeout);
    track.record(outcome, timed, opts);
    if let Some(c) = &track.cell {
        let what = if matches!(c, Cell::Wrong { .. }) {
            "WRONG OUTPUT"
        } else {
            "FAILED"
        };
        progress.line(&format!(
            "msbench: {what}: {}",
            report::describe_bad(name, &engine.key, c)
        ));
    }
}

impl Track {
    /// What `engine` will run: our script, the Lua twin, or nothing (and why).
    fn new(engine: &Engine, ms: &Path, lua: Option<&PathBuf>) -> Track {
        let (script, cell) = match (engine.path.is_some(), engine.lang) {
            (false, _) => (None, Some(Cell::Missing)),
            (true, Lang::MiniScript) => (Some(ms.to_path_buf()), None),
            (true, Lang::Lua) => match lua {
                Some(l) => (Some(l.clone()), None),
                None => (None, Some(Cell::NoTwin)),
            },
        };
        Track {
            script,
            times: Vec::new(),
            output: None,
            cell,
        }
    }

    /// Takes in one run: its output and, in a timed round, its time; or what went
    /// wrong.
    fn record(&mut self, outcome: RunOutcome, timed: bool, opts: &Options) {
        match outcome {
            RunOutcome::Finished { seconds, stdout } => match &self.output {
                // A program prints the same line every time; one that does not is
                // as wrong as one that prints the wrong line.
                Some(first) if *first != stdout => {
                    self.cell = Some(Cell::Wrong {
                        got: stdout,
                        want: first.clone(),
                        against: "its own first run".to_string(),
                    });
                }
                _ => {
                    self.output = Some(stdout);
                    if timed {
                        self.times.push(seconds);
                    }
                }
            },
            RunOutcome::Failed { status, stderr } => {
                let detail = stderr
                    .lines()
                    .last()
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default();
                self.cell = Some(Cell::Failed(format!("exited with {status}{detail}")));
            }
            RunOutcome::TimedOut => {
                self.cell = Some(Cell::Failed(format!(
                    "timed out after {:.0} s",
                    opts.timeout.as_secs_f64()
                )));
            }
            RunOutcome::SpawnError(e) => self.cell = Some(Cell::Failed(e)),
        }
    }

    /// The engine's cell in the report: what went wrong, or its times and output.
    fn into_cell(self) -> Cell {
        match self.cell {
            Some(c) => c,
            None => Cell::Ok {
                times: self.times,
                output: self.output.unwrap_or_default(),
            },
        }
    }
}

/// Against the expected line when there is one; otherwise (quick sizes) against the
/// first Lua peer that ran, or else our interpreter: all must print the same line.
fn check_outputs(
    engines: &[Engine],
    tracks: &mut [Track],
    expected: Option<&str>,
    progress: &Progress,
    name: &str,
) {
    let (want, against) = match expected {
        Some(e) => (e.to_string(), "expected.txt".to_string()),
        None => {
            let reference = (0..engines.len())
                .filter(|&i| tracks[i].cell.is_none() && tracks[i].output.is_some())
                .min_by_key(|&i| (engines[i].is_ours(), i));
            match reference {
                Some(i) => (
                    tracks[i].output.clone().unwrap_or_default(),
                    engines[i].key.clone(),
                ),
                None => return,
            }
        }
    };
    for (engine, track) in engines.iter().zip(tracks.iter_mut()) {
        if track.cell.is_some() {
            continue;
        }
        if let Some(got) = &track.output {
            if *got != want {
                let cell = Cell::Wrong {
                    got: got.clone(),
                    want: want.clone(),
                    against: against.clone(),
                };
                progress.line(&format!(
                    "msbench: WRONG OUTPUT: {}",
                    report::describe_bad(name, &engine.key, &cell)
                ));
                track.cell = Some(cell);
            }
        }
    }
}

/// A private temporary directory for the quick-size copies, removed on drop.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Result<Scratch, String> {
        let dir = std::env::temp_dir().join(format!("msbench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
        Ok(Scratch { dir })
    }

    /// A private copy of our binary, run instead of the original: on a machine where
    /// others build, `cargo` may replace target/release/miniscript in the middle of a
    /// run, which would mix two versions in one table (or fail a spawn).
    pub fn snapshot(&self, bin: &Path) -> Result<PathBuf, String> {
        let name = bin.file_name().unwrap_or_else(|| "miniscript".as_ref());
        let copy = self.dir.join(name);
        // fs::copy keeps the permission bits, so the copy is executable.
        std::fs::copy(bin, &copy).map_err(|e| {
            format!(
                "cannot copy '{}' to '{}': {e}",
                bin.display(),
                copy.display()
            )
        })?;
        Ok(copy)
    }

    /// The scripts to run for a program: the originals, or with `quick` copies with
    /// the sizes of [`programs::quick_sizes`]; the flag says whether they were resized.
    fn scripts(
        &self,
        p: &Program,
        quick: bool,
    ) -> Result<(PathBuf, Option<PathBuf>, bool), String> {
        let stem =
            p.ms.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        let sizes = if quick {
            programs::quick_sizes(&stem)
        } else {
            Vec::new()
        };
        if sizes.is_empty() {
            return Ok((p.ms.clone(), p.lua.clone(), false));
        }
        let sub = self.dir.join(p.name.replace('/', "_"));
        std::fs::create_dir_all(&sub)
            .map_err(|e| format!("cannot create '{}': {e}", sub.display()))?;
        let resize = |src: &Path| -> Result<PathBuf, String> {
            let mut text = std::fs::read_to_string(src)
                .map_err(|e| format!("cannot read '{}': {e}", src.display()))?;
            for (var, value) in &sizes {
                text = programs::rewrite_size(&text, var, value).ok_or_else(|| {
                    format!(
                        "quick size: no line assigning a number to {var} in '{}'",
                        src.display()
                    )
                })?;
            }
            let dest = sub.join(src.file_name().unwrap_or_default());
            crate::write_file(&dest, &text)?;
            Ok(dest)
        };
        let ms = resize(&p.ms)?;
        let lua = p.lua.as_deref().map(resize).transpose()?;
        Ok((ms, lua, true))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The progress line on stderr: rewritten in place on a terminal, one line per
/// finished program otherwise (CI logs do not understand carriage returns).
pub struct Progress {
    tty: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
        }
    }

    pub fn update(&self, msg: &str) {
        if self.tty {
            eprint!("\r\x1b[2K{msg}");
            let _ = std::io::stderr().flush();
        }
    }

    pub fn clear(&self) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
    }

    /// A line that stays (notes, failures).
    pub fn line(&self, msg: &str) {
        self.clear();
        eprintln!("{msg}");
    }

    /// A program finished.
    pub fn done(&self, msg: &str) {
        self.line(&format!("msbench: {msg}"));
    }
}

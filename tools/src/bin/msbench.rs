//! `msbench`: one command that times the benchmark programs under our interpreter
//! (JIT off and on) and under lua5.4 and luajit, and reports the ratios.
//!
//! The machines this runs on are noisy, so the commands being compared run
//! alternately, run by run, and the report is about ratios from one run rather than
//! absolute times. A wrong output is never just a slow result: it is reported loudly
//! and makes the exit status 1. See `msbench --help`.

// A binary's root file resolves modules beside itself, not in a folder of its name.
#[path = "msbench/cli.rs"]
mod cli;
#[path = "msbench/machine.rs"]
mod machine;
#[path = "msbench/measure.rs"]
mod measure;
#[path = "msbench/programs.rs"]
mod programs;
#[path = "msbench/report.rs"]
mod report;
#[path = "msbench/runner.rs"]
mod runner;
#[path = "msbench/svg.rs"]
mod svg;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::{Format, Options};
use measure::{Progress, Scratch};
use programs::Program;
use report::{Meta, Report};
use runner::{Engine, Lang};

const EXIT_BAD_RESULT: u8 = 1;
const EXIT_USAGE: u8 = 64;
const EXIT_NOINPUT: u8 = 66;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let opts = match cli::parse(args.get(1..).unwrap_or_default()) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("msbench: {msg}");
            eprintln!("Try 'msbench --help' for more information.");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(&opts, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_BAD_RESULT),
        Err(msg) => {
            eprintln!("msbench: {msg}");
            ExitCode::from(EXIT_NOINPUT)
        }
    }
}

/// The repository msbench was built from: the programs in `benches/` and the shared
/// set beside the repository are found from here, whatever the current directory.
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.parent() {
        Some(root) if root.join("benches").is_dir() => root.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn default_dirs() -> Vec<PathBuf> {
    let root = repo_root();
    let shared = match std::env::var_os("MINISCRIPT_SHARED") {
        Some(s) => PathBuf::from(s),
        None => root.join("..").join("shared"),
    };
    vec![shared.join("bench"), root.join("benches")]
}

/// Our binary: `--bin`, else `miniscript` next to msbench (both are built into
/// `target/<profile>/` by the same cargo command).
fn find_bin(opts: &Options) -> Result<PathBuf, String> {
    if let Some(b) = &opts.bin {
        return if b.is_file() {
            Ok(b.clone())
        } else {
            Err(format!("--bin '{}': no such file", b.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate msbench itself: {e}"))?;
    let name = format!("miniscript{}", std::env::consts::EXE_SUFFIX);
    let bin = exe.parent().map(|d| d.join(&name)).filter(|b| b.is_file());
    bin.ok_or_else(|| {
        format!(
            "no '{name}' next to {} (build it with `cargo build --release -p miniscript-tools`, or pass --bin PATH)",
            exe.display()
        )
    })
}

/// Our binary also reads its options from `MINISCRIPT_*` variables (MINISCRIPT_JIT,
/// the JIT thresholds...); a leftover one would silently change what a column
/// measures, so they are removed for our runs. `--jit-arg` is the way to vary them.
fn tuning_vars() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("MINISCRIPT_"))
        .collect()
}

/// The columns. `bin` is our binary as found (shown in the report), `run_bin` the
/// copy that is actually run.
fn engines(opts: &Options, bin: &Path, run_bin: &Path) -> Result<Vec<Engine>, String> {
    let shown_bin = report::relative(bin);
    let bin = run_bin;
    let env_remove = tuning_vars();
    let version = runner::version_line(bin, "--version");
    let mut interp = Engine {
        key: "interp".into(),
        lang: Lang::MiniScript,
        path: Some(bin.to_path_buf()),
        shown: shown_bin.clone(),
        args: vec!["--jit=off".into()],
        version: version.clone(),
        note: None,
        env_remove: env_remove.clone(),
        jit_mode: None,
    };
    if !runner::accepts_jit_flag(bin, &env_remove)? {
        // Until the JIT lands the binary has no --jit option: run it as it is, and say
        // so, rather than fail (both columns then measure the same interpreter).
        interp.args.clear();
        interp.note = Some(
            "jit flag unsupported: the binary rejected --jit=off (usage error), so this \
             column ran without it"
                .into(),
        );
    }
    let mut jit = Engine {
        key: "jit".into(),
        lang: Lang::MiniScript,
        path: Some(bin.to_path_buf()),
        shown: shown_bin,
        args: opts.jit_args.clone(),
        version,
        note: None,
        env_remove,
        jit_mode: None,
    };
    for e in [&mut interp, &mut jit] {
        e.jit_mode = runner::jit_mode(bin, &e.args, &e.env_remove);
    }
    let mode = jit
        .jit_mode
        .as_deref()
        .and_then(profiler::JitMode::from_name);
    if mode == Some(profiler::JitMode::Off) {
        jit.note = Some("the JIT is off in this column too (check --jit-arg)".into());
    }
    let mut list = vec![interp, jit];
    for peer in &opts.peers {
        let found = runner::find_on_path(peer);
        let key = Path::new(peer)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or(peer.clone());
        list.push(Engine {
            version: found.as_deref().and_then(|p| runner::version_line(p, "-v")),
            path: found,
            // Shown as typed: "lua5.4", not the absolute path it resolved to.
            shown: peer.clone(),
            key,
            lang: Lang::Lua,
            args: Vec::new(),
            note: None,
            env_remove: Vec::new(),
            jit_mode: None,
        });
    }
    Ok(list)
}

fn load_programs(
    opts: &Options,
    progress: &Progress,
) -> Result<(Vec<Program>, Vec<PathBuf>), String> {
    let explicit = !opts.dirs.is_empty();
    let dirs = if explicit {
        opts.dirs.clone()
    } else {
        default_dirs()
    };
    let mut all = Vec::new();
    let mut used = Vec::new();
    for dir in &dirs {
        match programs::discover(dir) {
            Ok(p) if p.is_empty() => {
                progress.line(&format!("note: no .ms programs in '{}'", dir.display()))
            }
            Ok(p) => {
                all.extend(p);
                used.push(dir.clone());
            }
            // A directory named on the command line must exist; a default one may
            // be absent (a checkout without ../shared still runs its own programs).
            Err(e) if explicit => return Err(e),
            Err(e) => progress.line(&format!(
                "note: skipping {e} (set MINISCRIPT_SHARED or pass the directories to run)"
            )),
        }
    }
    programs::disambiguate(&mut all);
    if !opts.only.is_empty() {
        for name in &opts.only {
            if !all.iter().any(|p| &p.name == name) {
                return Err(format!("--only: no program named '{name}'"));
            }
        }
        all.retain(|p| opts.only.contains(&p.name));
    }
    if all.is_empty() {
        return Err("no programs to run".into());
    }
    Ok((all, used))
}

fn run(opts: &Options, args: &[String]) -> Result<bool, String> {
    let progress = Progress::new();
    let bin = find_bin(opts)?;
    let (programs, dirs) = load_programs(opts, &progress)?;
    let scratch = Scratch::new()?;
    let engines = engines(opts, &bin, &scratch.snapshot(&bin)?)?;
    // Say so when a removed variable is one of the binary's options (others, like
    // the test suite's MINISCRIPT_SHARED, mean nothing to it).
    let options: Vec<String> = profiler::options::OPTIONS
        .iter()
        .map(|o| profiler::options::env_name(o.name))
        .collect();
    let mut names: Vec<&str> = engines
        .iter()
        .flat_map(|e| &e.env_remove)
        .filter(|v| options.contains(v))
        .map(|s| s.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if !names.is_empty() {
        progress.line(&format!(
            "note: not passing {} to our binary (columns must mean the same everywhere; use --jit-arg)",
            names.join(", ")
        ));
    }
    for e in &engines {
        if let Some(n) = &e.note {
            progress.line(&format!("note: {}: {n}", e.key));
        }
        if e.path.is_none() {
            progress.line(&format!(
                "note: {} is not installed: reported as missing",
                e.key
            ));
        }
    }

    let mut results = Vec::new();
    for (i, program) in programs.iter().enumerate() {
        let tag = format!("[{}/{}] {}", i + 1, programs.len(), program.name);
        let result = measure::bench_program(opts, &engines, program, &scratch, &progress, &tag);
        let summary: Vec<String> = engines
            .iter()
            .zip(&result.cells)
            .map(|(e, c)| {
                let v = c
                    .time(opts.stat)
                    .map(|s| format!("{} ms", report::fmt_ms(s)));
                format!("{} {}", e.key, v.unwrap_or_else(|| c.word().to_string()))
            })
            .collect();
        progress.done(&format!("{tag}: {}", summary.join(", ")));
        results.push(result);
    }
    progress.clear();

    let report = Report {
        engines,
        results,
        meta: Meta {
            command: machine::command_line(args),
            date: machine::utc_now(),
            tree: machine::source_tree(),
            machine: machine::Machine::detect(),
            runs: opts.runs,
            warmup: opts.warmup,
            quick: opts.quick,
            dirs,
            stat: opts.stat,
        },
    };
    if let Some(path) = &opts.svg {
        write_file(path, &svg::render(&report))?;
    }
    let text = match opts.format {
        Format::Table => report.table(),
        Format::Json => report.json(),
        Format::Markdown => report.markdown(
            opts.svg
                .as_deref()
                .map(|s| svg_link(s, opts.output.as_deref()))
                .as_deref(),
        ),
    };
    match &opts.output {
        Some(path) => write_file(path, &text)?,
        None => {
            print!("{text}");
            let _ = std::io::stdout().flush();
        }
    }

    let bad = report.bad_cells();
    if !bad.is_empty() {
        eprintln!(
            "\nmsbench: {} BAD RESULT{}:",
            bad.len(),
            if bad.len() == 1 { "" } else { "S" }
        );
        for (program, engine, cell) in &bad {
            eprintln!("  {}", report::describe_bad(program, engine, cell));
        }
    }
    Ok(bad.is_empty())
}

/// How the markdown should refer to the chart: by file name when both files are in
/// the same directory, so that the document renders wherever it is viewed.
fn svg_link(svg: &Path, output: Option<&Path>) -> String {
    let parent = |p: &Path| {
        p.parent()
            .map(|d| d.to_path_buf())
            .filter(|d| !d.as_os_str().is_empty())
    };
    let same_dir = match output {
        Some(out) => parent(svg) == parent(out),
        None => parent(svg).is_none(),
    };
    match (same_dir, svg.file_name()) {
        (true, Some(name)) => name.to_string_lossy().into_owned(),
        _ => svg.display().to_string(),
    }
}

pub fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

//! Command-line options of `msbench`.

use std::path::PathBuf;
use std::time::Duration;

pub const HELP: &str = "\
msbench - time MiniScript programs under our interpreter (JIT off and on) and under
          lua5.4 and luajit (their .lua twins), and report the ratios

usage: msbench [options] [DIR...]

Each DIR holds NAME.ms programs, their NAME.lua twins and expected.txt (one line per
program, first word = program name), either as ms/, lua/ and expected.txt (the layout
of ../shared/bench) or side by side. Default: $MINISCRIPT_SHARED/bench (else
<repo>/../shared/bench) and <repo>/benches.

Every command runs once per warm-up round and then N times, the commands alternating
run by run; each run is timed as a whole process. Every output line is checked against
expected.txt (with --quick: all commands must print the same line), and a wrong one
is reported loudly and makes the exit status 1.

options:
  -n, --runs N        timed runs per command (default 5; 3 with --quick)
  -w, --warmup N      untimed warm-up runs per command (default 1)
      --quick         small sizes, for a smoke run in CI (seconds, not minutes)
      --bin PATH      our miniscript binary (default: the one next to msbench)
      --jit-arg ARG   an extra argument for the JIT column (repeatable),
                      e.g. --jit-arg=--jit=sync
      --peers LIST    comma-separated peer commands, names on PATH or paths
                      (default: lua5.4,luajit; 'none' for none)
      --only LIST     run only these programs (comma-separated names)
      --stat S        median (default) or min: which run of each command the table
                      shows and the ratios divide (min is the least disturbed run,
                      for comparisons on a noisy machine)
      --format F      table (default, aligned text), markdown (a whole document,
                      as in BENCHMARKS.md) or json
  -o, --output FILE   write the report to FILE instead of standard output
      --svg FILE      also write a bar chart of the ratios as SVG
      --timeout SECS  limit per run (default 300; 60 with --quick)
  -h, --help          print this help and exit

Ratios are time(ours) / time(peer): below 1 means ours is faster. A peer that is not
installed is reported as missing. Progress is shown on standard error.

exit codes: 0 all outputs correct, 1 a wrong output, a failed or timed-out run,
            64 usage error, 66 nothing to run (binary or programs not found)
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub dirs: Vec<PathBuf>,
    pub runs: usize,
    pub warmup: usize,
    pub quick: bool,
    pub bin: Option<PathBuf>,
    pub jit_args: Vec<String>,
    pub peers: Vec<String>,
    pub only: Vec<String>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    pub timeout: Duration,
    pub stat: crate::report::Stat,
}

/// `Ok(None)`: help was printed. `Err`: a usage error, in words.
pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut dirs = Vec::new();
    let mut runs = None;
    let mut warmup = None;
    let mut quick = false;
    let mut bin = None;
    let mut jit_args = Vec::new();
    let mut peers = None;
    let mut only = Vec::new();
    let mut format = Format::Table;
    let mut output = None;
    let mut svg = None;
    let mut timeout = None;
    let mut stat = crate::report::Stat::Median;

    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            dirs.push(PathBuf::from(arg));
            continue;
        }
        // Both "--opt value" and "--opt=value".
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg, None),
        };
        let takes_value = !matches!(name, "-h" | "--help" | "--quick" | "--");
        let value = if !takes_value {
            if inline.is_some() {
                return Err(format!("option '{name}' takes no value"));
            }
            String::new()
        } else if let Some(v) = inline {
            v
        } else if let Some(v) = args.get(i) {
            i += 1;
            v.clone()
        } else {
            return Err(format!("option '{name}' needs a value"));
        };
        match name {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(None);
            }
            "--" => options_done = true,
            "--quick" => quick = true,
            "-n" | "--runs" => runs = Some(count(name, &value, 1)?),
            "-w" | "--warmup" => warmup = Some(count(name, &value, 0)?),
            "--bin" => bin = Some(PathBuf::from(value)),
            "--jit-arg" => jit_args.push(value),
            "--peers" => {
                peers = Some(if value == "none" {
                    Vec::new()
                } else {
                    list(&value)
                });
            }
            "--only" => only.extend(list(&value)),
            "--format" => {
                format = match value.as_str() {
                    "table" | "text" => Format::Table,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    _ => {
                        return Err(format!(
                            "unknown format '{value}' (table, markdown or json)"
                        ))
                    }
                }
            }
            "--stat" => {
                stat = match value.as_str() {
                    "median" => crate::report::Stat::Median,
                    "min" => crate::report::Stat::Min,
                    _ => return Err(format!("unknown statistic '{value}' (median or min)")),
                }
            }
            "-o" | "--output" => output = Some(PathBuf::from(value)),
            "--svg" => svg = Some(PathBuf::from(value)),
            "--timeout" => {
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| {
                        format!("option '{name}' needs a positive number of seconds, not '{value}'")
                    })?;
                timeout = Some(Duration::from_secs_f64(secs));
            }
            _ => return Err(format!("unknown option '{name}'")),
        }
    }
    Ok(Some(Options {
        dirs,
        runs: runs.unwrap_or(if quick { 3 } else { 5 }),
        warmup: warmup.unwrap_or(1),
        quick,
        bin,
        jit_args,
        peers: peers.unwrap_or_else(|| vec!["lua5.4".into(), "luajit".into()]),
        only,
        format,
        output,
        svg,
        timeout: timeout.unwrap_or(Duration::from_secs(if quick { 60 } else { 300 })),
        stat,
    }))
}

fn count(name: &str, value: &str, min: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= min && n <= 1000 => Ok(n),
        _ => Err(format!(
            "option '{name}' needs a whole number from {min} to 1000, not '{value}'"
        )),
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(args: &[&str]) -> Options {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args).unwrap().unwrap()
    }

    #[test]
    fn defaults_and_forms() {
        let o = parse_ok(&["--runs=7", "-w", "0", "--peers", "lua5.4", "d1", "d2"]);
        assert_eq!((o.runs, o.warmup), (7, 0));
        assert_eq!(o.peers, vec!["lua5.4"]);
        assert_eq!(o.dirs.len(), 2);
        let q = parse_ok(&["--quick", "--peers=none"]);
        assert_eq!(q.runs, 3);
        assert!(q.peers.is_empty());
    }

    #[test]
    fn bad_arguments_are_errors() {
        for bad in [
            &["--runs", "0"][..],
            &["--runs"],
            &["--format", "xml"],
            &["--frobnicate"],
            &["--quick=1"],
        ] {
            let args: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            assert!(parse(&args).is_err(), "{bad:?}");
        }
    }
}

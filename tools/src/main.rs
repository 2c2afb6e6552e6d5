//! `miniscript`: run a MiniScript program from a file or the command line.
//!
//! Thin over the library: read the source, parse, compile, run with stdout as the
//! output sink, report errors on stderr in MiniScript's wording, and map outcomes to
//! exit codes. The interpreter runs on a thread with a large stack so that deeply
//! nested data (printing or comparing very deep lists) cannot overflow it.

use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use miniscript::{ErrorKind, MsError, StdoutSink, Vm};

mod tiering;

const EXIT_RUNTIME: u8 = 1;
const EXIT_COMPILE: u8 = 2;
const EXIT_USAGE: u8 = 64;
const EXIT_NOINPUT: u8 = 66;
const EXIT_INTERRUPTED: u8 = 130;

const HELP: &str = "\
miniscript - a fast MiniScript 1.x interpreter

usage: miniscript [options] FILE [ARGS...]
       miniscript [options] -e CODE [ARGS...]

options:
  -e, --eval CODE   run CODE instead of a file
  --dump-tac        print the compiled three-address code and exit
  --config PATH     read options from this TOML file (default: miniscript.toml
                    in the script's directory or a parent)
  --print-config    print every option's effective value and its source, and exit
  -h, --help        print this help and exit
  -V, --version     print the version and exit
  --                end of options; the next argument is the script

tuning options (precedence: default < config file < environment < flag):
";

const EXIT_CODES: &str = "
exit codes:
  0    success
  1    runtime error
  2    compile (lexer or parser) error
  64   usage error (bad option or missing argument)
  66   the script file cannot be read (missing, a directory, not UTF-8)
  130  interrupted (Ctrl-C)
";

struct Options {
    source: String,
    /// Name used in messages about the input.
    origin: String,
    dump_tac: bool,
    tuning: profiler::Options,
}

enum Parsed {
    Run(Options),
    Exit(u8),
}

fn usage_error(msg: &str) -> Parsed {
    eprintln!("miniscript: {msg}");
    eprintln!("Try 'miniscript --help' for more information.");
    Parsed::Exit(EXIT_USAGE)
}

fn parse_args(args: &[String]) -> Parsed {
    let mut dump_tac = false;
    let mut print_config = false;
    let mut config: Option<String> = None;
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut code: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-h" | "--help" => {
                print!("{HELP}{}", profiler::Options::help_text());
                print!("{EXIT_CODES}");
                return Parsed::Exit(0);
            }
            "--print-config" => print_config = true,
            "--config" => {
                let Some(p) = args.get(i + 1) else {
                    return usage_error("option --config needs a path");
                };
                config = Some(p.clone());
                i += 1;
            }
            _ if a.starts_with("--config=") => config = Some(a["--config=".len()..].to_string()),
            "-V" | "--version" => {
                println!(
                    "miniscript {} (MiniScript language 1.6.2)",
                    env!("CARGO_PKG_VERSION")
                );
                return Parsed::Exit(0);
            }
            "--dump-tac" => dump_tac = true,
            "-e" | "--eval" => {
                let Some(c) = args.get(i + 1) else {
                    return usage_error("option -e needs an argument");
                };
                code = Some(c.clone());
                i += 2;
                break;
            }
            "--" => {
                i += 1;
                break;
            }
            _ if a.starts_with("--") && a.len() > 2 => {
                // A tuning option of the table: --name=value, --name value, or a bare
                // boolean --name.
                let body = &a[2..];
                let (name, value) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (body, None),
                };
                if !profiler::Options::is_option(name) {
                    return usage_error(&format!("unknown option '{a}'"));
                }
                let value = match value {
                    Some(v) => v,
                    None if profiler::Options::is_bool(name) => "true".to_string(),
                    None => {
                        let Some(v) = args.get(i + 1) else {
                            return usage_error(&format!("option --{name} needs a value"));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                flags.push((name.to_string(), value));
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                return usage_error(&format!("unknown option '{a}'"));
            }
            _ => break,
        }
        i += 1;
    }
    let script = if code.is_none() {
        args.get(i).cloned()
    } else {
        None
    };
    let script_dir = script.as_ref().map(|p| {
        let dir = std::path::Path::new(p)
            .parent()
            .map(|d| d.to_path_buf())
            .unwrap_or_default();
        if dir.as_os_str().is_empty() {
            std::path::PathBuf::from(".")
        } else {
            dir
        }
    });
    let cwd = std::env::current_dir().ok();
    let tuning = match profiler::Options::load(
        config.as_deref().map(std::path::Path::new),
        script_dir.as_deref().or(cwd.as_deref()),
        |k| std::env::var(k).ok(),
        &flags,
    ) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    if print_config {
        print!("{}", tuning.print_config());
        return Parsed::Exit(0);
    }
    if let Some(code) = code {
        return Parsed::Run(Options {
            source: code,
            origin: "-e".into(),
            dump_tac,
            tuning,
        });
    }
    let Some(path) = script else {
        return usage_error("no script given");
    };
    match read_script(&path) {
        Ok(source) => Parsed::Run(Options {
            source,
            origin: path,
            dump_tac,
            tuning,
        }),
        Err(msg) => {
            eprintln!("miniscript: {msg}");
            Parsed::Exit(EXIT_NOINPUT)
        }
    }
}

fn read_script(path: &str) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot open '{path}': {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot run '{path}': it is a directory"));
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read '{path}': {}", io_reason(&e)))?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot run '{path}': not valid UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    // The reference reads the file as lines and joins them with "\n": a final line
    // break does not start another line (it matters for "[line N]" at end of input).
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn run(opts: Options, interrupt: Arc<AtomicBool>) -> u8 {
    let program = match miniscript::parser::parse(&opts.source) {
        Ok(p) => p,
        Err(e) => return report(&e, None),
    };
    let copts = tiering::compile_options(&opts.tuning);
    let proto = match miniscript::compiler::compile_with(&program, &opts.source, None, copts) {
        Ok(p) => p,
        Err(e) => return report(&e, None),
    };
    if opts.dump_tac {
        print!("{}", proto.dump());
        return 0;
    }
    let _ = &opts.origin;
    let config = miniscript::VmConfig {
        max_call_depth: opts.tuning.max_call_depth(),
    };
    let mut vm = Vm::with_config(Box::new(StdoutSink::default()), config);
    vm.interrupt = interrupt;
    tiering::attach(&mut vm, &opts.tuning);
    let result = vm.run_main(Rc::clone(&proto));
    tiering::finish(&mut vm);
    match result {
        Ok(()) => 0,
        Err(e) => report(&e, Some(&vm)),
    }
}

fn report(e: &MsError, vm: Option<&Vm>) -> u8 {
    if vm.is_some_and(|v| v.interrupted()) {
        eprintln!("miniscript: interrupted");
        return EXIT_INTERRUPTED;
    }
    eprintln!("{e}");
    match e.kind {
        ErrorKind::Runtime => EXIT_RUNTIME,
        ErrorKind::Lexer | ErrorKind::Compiler => EXIT_COMPILE,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Parsed::Run(o) => o,
        Parsed::Exit(code) => return ExitCode::from(code),
    };

    let interrupt = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupt.clone();
        // First Ctrl-C asks the script to stop; a second one exits at once.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(EXIT_INTERRUPTED as i32);
            }
        });
    }
    let worker = std::thread::Builder::new()
        .name("miniscript".into())
        .stack_size(512 << 20)
        .spawn(move || run(opts, interrupt));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            eprintln!(
                "miniscript: internal error (the interpreter panicked); please report this bug"
            );
            ExitCode::from(70)
        }
        Err(e) => {
            eprintln!("miniscript: cannot start the interpreter thread: {e}");
            ExitCode::from(70)
        }
    }
}

//! `miniscript`: run a MiniScript program from a file, the command line or standard
//! input, or explore in the REPL.
//!
//! Thin over the library's embedding API (`miniscript::host`): an `Interpreter` with
//! the shell intrinsics, stdout as output and stderr for errors in MiniScript's
//! wording, and outcomes mapped to exit codes (see `cli.rs`). The interpreter runs on
//! a thread with a large stack so that deeply nested data (printing or comparing
//! very deep lists) cannot overflow it. The profiler and the JIT are plugged in
//! from the options (`jit::attach`); their reports are printed when the program (or
//! the REPL session) ends.

mod cli;
mod dap;
mod debugger;
mod output;
mod repl;

use std::process::ExitCode;
use std::time::Duration;

use cli::{Input, Options, Parsed};
use miniscript::host::{is_interrupt, Interpreter, InterruptHandle, ShellConfig};
use miniscript::interp::attention::{DEBUG, INTERRUPT};
use miniscript::{ErrorKind, MsError};

/// How long a `yield` pauses the command line (the reference sleeps 10 ms).
const YIELD_PAUSE: Duration = Duration::from_millis(10);

/// An interpreter set up as the command line runs programs: limits and compile
/// options from the tuning options, standard output for `print`, the interrupt
/// handle, the yield pause and the shell intrinsics.
pub(crate) fn new_interpreter(
    tuning: &profiler::Options,
    shell_args: Vec<String>,
    script_path: Option<std::path::PathBuf>,
    interrupt: &InterruptHandle,
) -> Interpreter {
    let config = miniscript::VmConfig {
        max_call_depth: tuning.max_call_depth(),
        max_memory: tuning.max_memory_bytes(),
    };
    let mut interp = Interpreter::with_config(config);
    interp.set_output(output::ProgramOut::default());
    interp.set_compile_options(jit::attach::compile_options(tuning));
    interp.set_interrupt_handle(interrupt);
    interp.set_yield_pause(YIELD_PAUSE);
    interp.add_shell_intrinsics(ShellConfig {
        args: shell_args,
        script_path,
        exe_dir: None,
        env: None,
        groups: None,
    });
    interp
}

fn run(opts: Options, interrupt: InterruptHandle) -> u8 {
    if opts.dap {
        return dap::run(&opts.tuning, &interrupt);
    }
    let script_path = match &opts.input {
        Input::File(p, _) => Some(p.into()),
        _ => None,
    };
    let mut interp = new_interpreter(
        &opts.tuning,
        opts.shell_args.clone(),
        script_path,
        &interrupt,
    );
    interp.set_stack_trace(opts.stack_trace);
    if let (true, Input::File(path, source)) = (opts.debug, &opts.input) {
        return debugger::run(&mut interp, &opts.tuning, path, source);
    }
    let source = match &opts.input {
        Input::File(_, s) | Input::Eval(s) | Input::Stdin(s) => Some(s.as_str()),
        Input::Repl => None,
    };
    if let Some(source) = source {
        if opts.dump_tac {
            return match interp.compile("", source) {
                Ok(proto) => output::print_text(&proto.dump()),
                Err(e) => {
                    eprintln!("{e}");
                    cli::EXIT_COMPILE
                }
            };
        }
        if let Err(code) = profile_out_writable(&opts.tuning) {
            return code;
        }
        let tiering = jit::Attach::new(&opts.tuning).main_source(source);
        let tiering = match &opts.input {
            Input::File(p, _) => tiering.main_file(p.as_str()),
            _ => tiering,
        };
        tiering.to_vm(interp.vm_mut());
        let status = match interp.run_source("", source) {
            Ok(()) => 0,
            Err(e) => {
                if opts.stack_trace {
                    print_trace(&interp, &opts.shell_args[0]);
                }
                exit_status(&interp, &e)
            }
        };
        if interp.exit_code().is_some() || !opts.interactive {
            jit::attach::finish(interp.vm_mut());
            return profile_status(&opts.tuning, status);
        }
    } else {
        if let Err(code) = profile_out_writable(&opts.tuning) {
            return code;
        }
        jit::Attach::new(&opts.tuning).to_vm(interp.vm_mut());
    }
    let status = repl::run(&mut interp, &interrupt, opts.quiet);
    jit::attach::finish(interp.vm_mut());
    profile_status(&opts.tuning, status)
}

/// The file of `--profile-out` (with `--profile`), if any.
fn profile_file(tuning: &profiler::Options) -> Option<&str> {
    tuning.profile().then(|| tuning.profile_out()).flatten()
}

/// Before the run: the report's file can be created (or appended to; it is
/// replaced at the end), else one line and status 73 without running anything.
fn profile_out_writable(tuning: &profiler::Options) -> Result<(), u8> {
    let Some(path) = profile_file(tuning) else {
        return Ok(());
    };
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let reason = cli::io_reason(&e);
            eprintln!("miniscript: cannot write the profile to {path}: {reason}");
            Err(cli::EXIT_CANTCREAT)
        }
    }
}

/// After the reports: status 73 when the report could not be written after all
/// (its line is on stderr already, the file left empty), else `status`.
fn profile_status(tuning: &profiler::Options, status: u8) -> u8 {
    let Some(path) = profile_file(tuning) else {
        return status;
    };
    let written = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    if status == 0 && !written {
        cli::EXIT_CANTCREAT
    } else {
        status
    }
}

/// The call stack of the last runtime error on stderr, under its message
/// (`--stack-trace`); `main` names the main program's file.
fn print_trace(interp: &Interpreter, main: &str) {
    let trace = interp.error_trace();
    if trace.is_empty() {
        return;
    }
    let mut text = String::from("Call stack (innermost first):\n");
    for f in trace {
        let file = f.file.as_deref().unwrap_or(main);
        text.push_str(&format!("  {file} line {}, in {}\n", f.line, f.function));
    }
    eprint!("{text}");
}

/// The exit status after a run that ended with `e`.
pub(crate) fn exit_status(interp: &Interpreter, e: &MsError) -> u8 {
    if let Some(n) = interp.exit_code() {
        // Like a Unix process's status: the low 8 bits.
        return (n & 0xff) as u8;
    }
    if is_interrupt(e) {
        return cli::EXIT_INTERRUPTED;
    }
    match e.kind {
        ErrorKind::Runtime => cli::EXIT_RUNTIME,
        ErrorKind::Lexer | ErrorKind::Compiler => cli::EXIT_COMPILE,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match cli::parse_args(&args) {
        Parsed::Run(o) => *o,
        Parsed::Exit(code) => return ExitCode::from(code),
    };

    // A panic in the JIT's compile thread is caught there and reported in one
    // warning line (the program continues interpreted): the default hook's message
    // and backtrace would only be noise. Other panics keep the default report.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("miniscript-jit") {
            default_hook(info);
        }
    }));

    let interrupt = InterruptHandle::new();
    if opts.debug {
        // Under the terminal debugger Ctrl-C pauses the program.
        let flag = interrupt.flag();
        let _ = ctrlc::set_handler(move || {
            flag.raise(DEBUG);
        });
    } else {
        let flag = interrupt.flag();
        // Ctrl-C asks the running script to stop (the REPL then continues); a second
        // one before the script noticed exits at once (a blocking `input` or `exec`).
        let _ = ctrlc::set_handler(move || {
            if flag.raise(INTERRUPT) {
                std::process::exit(i32::from(cli::EXIT_INTERRUPTED));
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

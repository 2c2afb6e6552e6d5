//! `miniscript --dap`: a Debug Adapter Protocol server on standard input and output,
//! for editors (VS Code, Neovim's nvim-dap, Helix, Zed, JetBrains).
//!
//! A reader thread turns stdin into requests on a channel and, while the program
//! runs, raises the interpreter's debug request so that the hook (`hook.rs`) sees
//! them (a `pause`, new breakpoints). Everything else happens on the interpreter's
//! thread: `initialize`, `launch` (program, args, cwd, stopOnEntry), breakpoints
//! and `configurationDone` before the run, then the run with the hook answering at
//! each stop, then `exited` and `terminated`. The program's output and errors are
//! `output` events.
//!
//! The messages are built with `serde_json::json!` and read as `serde_json::Value`:
//! the server uses some twenty fields of a handful of messages, and the one DAP
//! types crate (`dap`) is an alpha release whose types would add more code than
//! they save.

mod hook;
mod wire;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

use miniscript::host::{Interpreter, InterruptHandle};
use miniscript::interp::attention::DEBUG;
use serde_json::{json, Value as Json};

use hook::{breakpoints_body, errors_filter, file_for, requested_breakpoints, DapHook};
use wire::{OutputEvents, Shared, Wire};

/// The session before the program runs.
struct Setup {
    wire: Shared,
    rx: Rc<Receiver<Json>>,
    interp: Option<Interpreter>,
    program: String,
    launched: bool,
    configured: bool,
    /// Breakpoints asked for before `launch`, by path.
    early: Vec<(String, Vec<miniscript::debug::BreakpointSpec>)>,
    errors: bool,
    ended: Rc<Cell<bool>>,
}

/// What ended the setup phase.
enum Next {
    Run,
    /// The client left (or the program could not be loaded): this status.
    Exit(u8),
}

/// Serve one debug session; returns the exit status.
pub fn run(tuning: &profiler::Options, interrupt: &InterruptHandle) -> u8 {
    let (tx, rx) = channel::<Json>();
    let running = Arc::new(AtomicBool::new(false));
    let flag = interrupt.flag();
    let reading = running.clone();
    let spawned = std::thread::Builder::new()
        .name("miniscript-dap".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            loop {
                let msg = wire::read_message(&mut stdin);
                let end = msg.is_none();
                let msg = msg.unwrap_or_else(|| json!({ "command": "__eof" }));
                if tx.send(msg).is_err() {
                    break;
                }
                if reading.load(Ordering::SeqCst) {
                    flag.raise(DEBUG);
                }
                if end {
                    break;
                }
            }
        });
    if spawned.is_err() {
        eprintln!("miniscript: cannot start the DAP reader thread");
        return 70;
    }
    let mut setup = Setup {
        wire: Wire::shared(),
        rx: Rc::new(rx),
        interp: None,
        program: String::new(),
        launched: false,
        configured: false,
        early: Vec::new(),
        errors: false,
        ended: Rc::new(Cell::new(false)),
    };
    let status = match setup.configure(tuning, interrupt) {
        Next::Exit(code) => code,
        Next::Run => {
            running.store(true, Ordering::SeqCst);
            // Requests that came before the flag was set are polled too.
            interrupt.flag().raise(DEBUG);
            let status = setup.run_program();
            running.store(false, Ordering::SeqCst);
            status
        }
    };
    setup.finish(status)
}

impl Setup {
    /// Answer requests until the program may run (`launch` and
    /// `configurationDone` both seen).
    fn configure(&mut self, tuning: &profiler::Options, interrupt: &InterruptHandle) -> Next {
        while !(self.launched && self.configured) {
            let Ok(req) = self.rx.recv() else {
                return Next::Exit(0);
            };
            let body = match req["command"].as_str().unwrap_or("") {
                "initialize" => {
                    self.wire.borrow_mut().respond(&req, capabilities());
                    self.wire.borrow_mut().event("initialized", json!({}));
                    continue;
                }
                "launch" => match self.launch(&req, tuning, interrupt) {
                    Ok(()) => json!({}),
                    Err(msg) => {
                        self.wire.borrow_mut().fail(&req, &msg);
                        return Next::Exit(cli_noinput());
                    }
                },
                "setBreakpoints" => self.set_breakpoints(&req),
                "setExceptionBreakpoints" => {
                    self.errors = errors_filter(&req);
                    if let Some(i) = self.interp.as_mut() {
                        i.set_break_on_errors(self.errors);
                    }
                    json!({})
                }
                "configurationDone" => {
                    self.configured = true;
                    json!({})
                }
                "threads" => json!({ "threads": [{ "id": 1, "name": "main" }] }),
                "disconnect" | "terminate" => {
                    self.wire.borrow_mut().respond(&req, json!({}));
                    return Next::Exit(0);
                }
                "__eof" => return Next::Exit(0),
                other => {
                    let msg = format!("'{other}' is not available before the program runs");
                    self.wire.borrow_mut().fail(&req, &msg);
                    continue;
                }
            };
            self.wire.borrow_mut().respond(&req, body);
        }
        Next::Run
    }

    fn set_breakpoints(&mut self, req: &Json) -> Json {
        let (path, specs) = requested_breakpoints(req);
        match self.interp.as_mut() {
            Some(interp) => {
                let file = file_for(&path, &self.program);
                breakpoints_body(&interp.set_breakpoints(file.as_deref(), &specs))
            }
            None => {
                let list: Vec<Json> = specs
                    .iter()
                    .map(|s| json!({ "verified": true, "line": s.line }))
                    .collect();
                self.early.retain(|(p, _)| *p != path);
                self.early.push((path, specs));
                json!({ "breakpoints": list })
            }
        }
    }

    /// `launch`: make the interpreter, load the program, attach the hook.
    fn launch(
        &mut self,
        req: &Json,
        tuning: &profiler::Options,
        interrupt: &InterruptHandle,
    ) -> Result<(), String> {
        let args = &req["arguments"];
        if let Some(cwd) = args["cwd"].as_str().filter(|c| !c.is_empty()) {
            std::env::set_current_dir(cwd).map_err(|e| format!("cannot use cwd '{cwd}': {e}"))?;
        }
        let program = args["program"]
            .as_str()
            .ok_or("launch needs 'program', the script to run")?
            .to_string();
        let source = crate::cli::read_script(&program)?;
        let mut shell_args = vec![program.clone()];
        if let Some(list) = args["args"].as_array() {
            shell_args.extend(list.iter().map(|a| match a.as_str() {
                Some(s) => s.to_string(),
                None => a.to_string(),
            }));
        }
        let mut interp =
            crate::new_interpreter(tuning, shell_args, Some(program.clone().into()), interrupt);
        let sink = |category| OutputEvents {
            wire: self.wire.clone(),
            category,
            quiet: self.ended.clone(),
        };
        interp.set_output(sink("stdout"));
        interp.set_error_output(sink("stderr"));
        interp
            .load("", &source)
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        jit::Attach::new(tuning)
            .main_file(&program)
            .to_vm(interp.vm_mut());
        let stop_on_entry = args["stopOnEntry"].as_bool().unwrap_or(false);
        let hook = DapHook::new(
            self.wire.clone(),
            self.rx.clone(),
            program.clone(),
            self.ended.clone(),
        );
        interp.attach_debugger(hook, stop_on_entry);
        interp.set_break_on_errors(self.errors);
        for (path, specs) in std::mem::take(&mut self.early) {
            let file = file_for(&path, &program);
            interp.set_breakpoints(file.as_deref(), &specs);
        }
        self.program = program;
        self.interp = Some(interp);
        self.launched = true;
        Ok(())
    }

    /// Run the program to its end; returns its exit status.
    fn run_program(&mut self) -> u8 {
        let Some(interp) = self.interp.as_mut() else {
            return 0;
        };
        let status = match interp.run() {
            Ok(()) => 0,
            Err(e) => crate::exit_status(interp, &e),
        };
        jit::attach::finish(interp.vm_mut());
        status
    }

    /// `exited` and `terminated`, then wait for the client to disconnect.
    fn finish(&mut self, status: u8) -> u8 {
        if self.launched {
            let mut w = self.wire.borrow_mut();
            w.event("exited", json!({ "exitCode": status }));
            w.event("terminated", json!({}));
        }
        while !self.ended.get() {
            let Ok(req) = self.rx.recv() else {
                break;
            };
            match req["command"].as_str().unwrap_or("") {
                "disconnect" | "terminate" => {
                    self.wire.borrow_mut().respond(&req, json!({}));
                    break;
                }
                "__eof" => break,
                "threads" => self
                    .wire
                    .borrow_mut()
                    .respond(&req, json!({ "threads": [] })),
                _ => self.wire.borrow_mut().fail(&req, "the program has ended"),
            }
        }
        status
    }
}

/// What the server supports (the `initialize` response).
fn capabilities() -> Json {
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsConditionalBreakpoints": true,
        "supportsHitConditionalBreakpoints": true,
        "supportsEvaluateForHovers": true,
        "supportsTerminateRequest": true,
        "exceptionBreakpointFilters": [
            { "filter": "error", "label": "Runtime errors", "default": false }
        ],
    })
}

/// The status of a session whose program could not be launched.
fn cli_noinput() -> u8 {
    crate::cli::EXIT_NOINPUT
}

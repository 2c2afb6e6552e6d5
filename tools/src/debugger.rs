//! `miniscript --debug FILE`: a terminal debugger over the VM's debug hook, with
//! the commands people know from gdb and pdb, line editing and history on a
//! terminal, plain lines from a pipe (so a session can be scripted).
//!
//! The program stops before its first line; `help` lists the commands. Debugger
//! output goes to standard output, between the program's own.

use std::io::{BufRead, IsTerminal, Write};

use miniscript::debug::{BreakpointSpec, DebugHook, Resume, Scope, Session, StopReason};
use miniscript::host::Interpreter;

const HELP: &str = "\
commands:
  b LINE | b FILE:LINE [if EXPR]   set a breakpoint (break)
  d [N]                            delete breakpoint N, or all (delete)
  info break                       list breakpoints
  c                                continue
  n                                next line, stepping over calls (next)
  s                                next line, stepping into calls (step)
  finish                           run until the current function returns
  p EXPR                           evaluate EXPR in the selected frame (print)
  bt                               the call stack (backtrace, where)
  up [N], down [N]                 select a caller / callee frame
  l [LINE]                         list source around the line (list)
  info locals | info globals       the selected frame's variables
  q                                quit (quit)
  an empty line repeats the last command";

/// Where commands come from.
enum Input {
    Editor(Box<rustyline::DefaultEditor>),
    Plain,
}

impl Input {
    fn read(&mut self, prompt: &str) -> Option<String> {
        match self {
            Input::Editor(ed) => loop {
                match ed.readline(prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = ed.add_history_entry(line.as_str());
                        }
                        return Some(line);
                    }
                    // Ctrl-C at the prompt: a fresh prompt.
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => return None,
                }
            },
            Input::Plain => {
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
                }
            }
        }
    }
}

/// The terminal front end.
struct Term {
    input: Input,
    path: String,
    source: Vec<String>,
    /// The frame `p`, `l` and `info locals` look at (0: innermost).
    selected: usize,
    last: String,
}

/// Run `source` (from `path`) under the debugger; returns the exit status.
pub fn run(interp: &mut Interpreter, tuning: &profiler::Options, path: &str, source: &str) -> u8 {
    if let Err(e) = interp.load("", source) {
        return crate::exit_status(interp, &e);
    }
    jit::Attach::new(tuning)
        .main_file(path)
        .to_vm(interp.vm_mut());
    let input = if std::io::stdin().is_terminal() {
        match rustyline::DefaultEditor::new() {
            Ok(ed) => Input::Editor(Box::new(ed)),
            Err(_) => Input::Plain,
        }
    } else {
        Input::Plain
    };
    let term = Term {
        input,
        path: path.to_string(),
        source: source.split('\n').map(str::to_string).collect(),
        selected: 0,
        last: String::new(),
    };
    interp.attach_debugger(term, true);
    interp.set_break_on_errors(true);
    say(&format!("Debugging {path}. Type 'help' for the commands."));
    let status = match interp.run() {
        Ok(()) => 0,
        Err(e) => crate::exit_status(interp, &e),
    };
    jit::attach::finish(interp.vm_mut());
    say(&format!("[program exited with status {status}]"));
    status
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Leave the debugger and the process (`q`, or the end of the commands).
fn quit() -> ! {
    let _ = std::io::stdout().flush();
    std::process::exit(0)
}

impl DebugHook for Term {
    fn stopped(&mut self, s: &mut Session<'_>, reason: &StopReason) -> Resume {
        self.selected = 0;
        match reason {
            StopReason::Breakpoint(id) => say(&format!("Breakpoint {id}, {}", self.here(s))),
            StopReason::Error(e) => say(&format!("Stopped by an error: {e}\n{}", self.here(s))),
            StopReason::Pause => say(&format!("Paused, {}", self.here(s))),
            StopReason::Entry | StopReason::Step => say(&self.here(s)),
        }
        self.show_line(s, self.selected);
        loop {
            let Some(line) = self.input.read("(msdb) ") else {
                quit();
            };
            let line = if line.trim().is_empty() {
                self.last.clone()
            } else {
                line.trim().to_string()
            };
            self.last = line.clone();
            if let Some(resume) = self.command(s, &line) {
                return resume;
            }
        }
    }
}

impl Term {
    /// `function at file:line` of the selected frame.
    fn here(&self, s: &Session<'_>) -> String {
        match s.stack().get(self.selected) {
            Some(f) => format!(
                "{} at {}:{}",
                f.function,
                f.file.as_deref().unwrap_or(&self.path),
                f.line
            ),
            None => "no frame".to_string(),
        }
    }

    fn source_line(&self, n: u32) -> Option<&str> {
        self.source
            .get((n as usize).checked_sub(1)?)
            .map(String::as_str)
    }

    fn show_line(&self, s: &Session<'_>, frame: usize) {
        if let Some(f) = s.stack().get(frame) {
            if f.file.is_none() {
                if let Some(text) = self.source_line(f.line) {
                    say(&format!("{:>4}  {text}", f.line));
                }
            }
        }
    }

    /// Run one command; `Some` resumes the program.
    fn command(&mut self, s: &mut Session<'_>, line: &str) -> Option<Resume> {
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match cmd {
            "c" | "cont" | "continue" => return Some(Resume::Continue),
            "n" | "next" => return Some(Resume::StepOver),
            "s" | "step" => return Some(Resume::StepIn),
            "finish" | "fin" | "r" | "return" => return Some(Resume::StepOut),
            "q" | "quit" | "exit" => quit(),
            "b" | "break" => self.set_break(s, arg),
            "d" | "delete" | "clear" => delete(s, arg),
            "p" | "print" => self.print(s, arg),
            "bt" | "backtrace" | "where" | "w" => self.backtrace(s),
            "up" | "u" | "down" => self.move_frame(s, cmd, arg),
            "l" | "list" => self.list(s, arg),
            "i" | "info" => self.info(s, arg),
            "h" | "help" | "?" => say(HELP),
            "" => {}
            _ => say(&format!("unknown command '{cmd}' (try 'help')")),
        }
        None
    }

    fn set_break(&self, s: &mut Session<'_>, arg: &str) {
        let (place, cond) = match arg.split_once(" if ") {
            Some((p, c)) => (p.trim(), Some(c.trim().to_string())),
            None => (arg, None),
        };
        let (file, line) = match place.rsplit_once(':') {
            Some((f, l)) => (Some(f), l),
            None => (None, place),
        };
        // The main program's own path names it.
        let file = file.filter(|f| *f != self.path && !self.path.ends_with(&format!("/{f}")));
        let Ok(line) = line.trim().parse::<u32>() else {
            say("usage: b LINE | b FILE:LINE [if EXPR]");
            return;
        };
        let spec = BreakpointSpec {
            line,
            condition: cond,
            hit: None,
        };
        let bp = s.add_breakpoint(file, &spec);
        let where_ = bp.file.as_deref().unwrap_or(&self.path).to_string();
        if bp.verified {
            say(&format!("Breakpoint {} at {where_}:{}", bp.id, bp.line));
        } else {
            say(&format!(
                "Breakpoint {} at {where_}:{} (no code there)",
                bp.id, bp.line
            ));
        }
    }

    fn print(&self, s: &mut Session<'_>, arg: &str) {
        if arg.is_empty() {
            say("usage: p EXPR");
            return;
        }
        match s.evaluate(self.selected, arg) {
            Ok(v) => say(&miniscript::format::to_repr(&v)),
            Err(e) => say(&e.to_string()),
        }
    }

    fn backtrace(&self, s: &Session<'_>) {
        for (i, f) in s.stack().iter().enumerate() {
            let mark = if i == self.selected { '>' } else { ' ' };
            let file = f.file.as_deref().unwrap_or(&self.path);
            say(&format!("{mark}#{i}  {} at {file}:{}", f.function, f.line));
        }
    }

    fn move_frame(&mut self, s: &Session<'_>, cmd: &str, arg: &str) {
        let n: usize = arg.parse().unwrap_or(1);
        let frames = s.stack().len();
        let target = if cmd == "down" {
            self.selected.checked_sub(n)
        } else {
            Some(self.selected + n).filter(|&t| t < frames)
        };
        match target {
            Some(t) => {
                self.selected = t;
                say(&format!("#{t}  {}", self.here(s)));
                self.show_line(s, t);
            }
            None if cmd == "down" => say("Bottom (innermost) frame selected; you cannot go down."),
            None => say("Initial frame selected; you cannot go up."),
        }
    }

    fn list(&self, s: &Session<'_>, arg: &str) {
        let frame = s.stack().get(self.selected).cloned();
        let center = match arg.parse::<u32>() {
            Ok(n) => n,
            Err(_) => frame.as_ref().map_or(1, |f| f.line),
        };
        if frame.as_ref().is_some_and(|f| f.file.is_some()) && arg.is_empty() {
            say("(the source of imported modules is not listed)");
            return;
        }
        let current = frame.map_or(0, |f| f.line);
        let first = center.saturating_sub(5).max(1);
        for n in first..first + 11 {
            let Some(text) = self.source_line(n) else {
                break;
            };
            let mark = if n == current { "->" } else { "  " };
            say(&format!("{n:>4} {mark} {text}"));
        }
    }

    fn info(&self, s: &mut Session<'_>, arg: &str) {
        let scope = match arg {
            "locals" | "l" | "args" => Scope::Locals,
            "globals" | "g" => Scope::Globals,
            "b" | "break" | "breakpoints" => {
                list_breaks(s, &self.path);
                return;
            }
            _ => {
                say("usage: info locals | info globals | info break");
                return;
            }
        };
        let vars = s.variables(self.selected, scope);
        if vars.is_empty() {
            say("No variables.");
        }
        for v in vars {
            say(&format!("{} = {}", v.name, v.text));
        }
    }
}

fn delete(s: &mut Session<'_>, arg: &str) {
    if arg.is_empty() {
        s.state().breakpoints.clear();
        say("Deleted all breakpoints.");
        return;
    }
    match arg.parse::<u32>() {
        Ok(id) if s.state().breakpoints.remove(id) => say(&format!("Deleted breakpoint {id}")),
        _ => say(&format!("No breakpoint number {arg}.")),
    }
}

fn list_breaks(s: &mut Session<'_>, path: &str) {
    let all = s.state().breakpoints.all().to_vec();
    if all.is_empty() {
        say("No breakpoints.");
    }
    for b in all {
        let file = b.file.as_deref().unwrap_or(path);
        let mut text = format!("{:<4} {file}:{}", b.id, b.line);
        if let Some(c) = &b.condition {
            text.push_str(&format!(" if {c}"));
        }
        if let Some(h) = b.hit {
            text.push_str(&format!(" (hit condition {h:?})"));
        }
        text.push_str(&format!(
            ", hit {} time{}",
            b.hits,
            if b.hits == 1 { "" } else { "s" }
        ));
        say(&text);
    }
}

//! The interactive prompt. On a terminal: line editing and history (rustyline),
//! `> ` and `>>> ` (an open block or a continued line) prompts, Ctrl-C to drop the
//! current input or stop running code, Ctrl-D to leave. When standard input is not
//! a terminal, lines are read plainly with no banner or prompts, so that a pipe can
//! drive a session; results and errors are printed the same way.

use std::io::{BufRead, IsTerminal};

use miniscript::host::{ends_with_line_continuation, needs_more_input, trim_comment};
use miniscript::host::{Interpreter, InterruptHandle};

enum Read {
    Line(String),
    /// Ctrl-C while editing: drop the current input.
    Cancel,
    /// Ctrl-D or end of input.
    Eof,
}

trait LineSource {
    fn read(&mut self, prompt: &str) -> Read;
    fn finish(&mut self) {}
}

/// A terminal: rustyline with a history file.
struct Terminal {
    editor: rustyline::DefaultEditor,
    history: Option<std::path::PathBuf>,
}

impl LineSource for Terminal {
    fn read(&mut self, prompt: &str) -> Read {
        use rustyline::error::ReadlineError;
        match self.editor.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                }
                Read::Line(line)
            }
            Err(ReadlineError::Interrupted) => Read::Cancel,
            Err(_) => Read::Eof,
        }
    }

    fn finish(&mut self) {
        if let Some(h) = &self.history {
            let _ = self.editor.save_history(h);
        }
    }
}

/// A pipe or file: plain lines (shared with `input`, which reads the same stdin).
struct Plain;

impl LineSource for Plain {
    fn read(&mut self, _prompt: &str) -> Read {
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => Read::Eof,
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Read::Line(line)
            }
        }
    }
}

fn history_path() -> Option<std::path::PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(std::path::Path::new(&home).join(".miniscript_history"))
}

fn terminal() -> Option<Terminal> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return None;
    }
    let mut editor = rustyline::DefaultEditor::new().ok()?;
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    Some(Terminal { editor, history })
}

/// Runs the REPL on `interp` until Ctrl-D (status 0) or `exit(n)` (status n).
pub fn run(interp: &mut Interpreter, interrupt: &InterruptHandle, quiet: bool) -> u8 {
    let mut source: Box<dyn LineSource> = match terminal() {
        Some(t) => {
            if !quiet {
                let banner = format!(
                    "MiniScript {} (language 1.6.2); Ctrl-D to exit\n",
                    env!("CARGO_PKG_VERSION")
                );
                crate::output::print_text(&banner);
            }
            Box::new(t)
        }
        None => Box::new(Plain),
    };
    let flag = interrupt.flag();
    // Complete lines of the entry being typed, and a line continued by a trailing
    // operator or comma (joined with a space, as the reference REPL does).
    let mut entry = String::new();
    let mut continued = String::new();
    let status = loop {
        let prompt = if entry.is_empty() && continued.is_empty() {
            "> "
        } else {
            ">>> "
        };
        let line = match source.read(prompt) {
            Read::Line(l) => l,
            Read::Cancel => {
                entry.clear();
                continued.clear();
                continue;
            }
            Read::Eof => {
                // An unfinished entry at end of input still runs, so that a piped
                // session reports its open block instead of dropping it silently.
                if !entry.is_empty() || !continued.is_empty() {
                    entry.push_str(&continued);
                    let _ = interp.repl_eval(&entry);
                    if let Some(n) = interp.exit_code() {
                        break (n & 0xff) as u8;
                    }
                }
                break 0;
            }
        };
        if ends_with_line_continuation(&line) {
            continued.push_str(trim_comment(&line));
            continued.push(' ');
            continue;
        }
        if !entry.is_empty() {
            entry.push('\n');
        }
        entry.push_str(&continued);
        entry.push_str(&line);
        continued.clear();
        if needs_more_input(&entry) {
            continue;
        }
        let text = std::mem::take(&mut entry);
        if text.trim().is_empty() {
            continue;
        }
        // A Ctrl-C that arrived while we were idle must not stop this entry.
        flag.clear(miniscript::interp::attention::INTERRUPT);
        let _ = interp.repl_eval(&text);
        if let Some(n) = interp.exit_code() {
            break (n & 0xff) as u8;
        }
    };
    source.finish();
    status
}

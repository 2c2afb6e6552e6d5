//! Standard output of the command line: the program's `print` sink and the text of
//! `--help`, `--version`, `--print-config` and `--dump-tac`.
//!
//! A closed standard output (the reader of a pipe has gone, as in `miniscript
//! prog.ms | head -1`) ends the process at once and quietly with status 141, what
//! a shell reports for the tools that SIGPIPE stops (`yes | head -1`): a program
//! printing in a loop stops instead of running on with its output dropped. (Rust
//! ignores SIGPIPE, and restoring it would take `unsafe`; the status is the same.)

use std::io::{BufWriter, Stdout, Write};

use miniscript::host::OutputSink;

/// The exit status after a write to a closed pipe: 128 + SIGPIPE.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Ends the process with [`EXIT_BROKEN_PIPE`] when `e` says the pipe is closed.
/// Other write errors are dropped, as they always were for program output.
fn exit_if_closed(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(i32::from(EXIT_BROKEN_PIPE));
    }
}

/// `print` output: buffered standard output, flushed before errors and at the end.
pub struct ProgramOut {
    buf: BufWriter<Stdout>,
}

impl Default for ProgramOut {
    fn default() -> Self {
        ProgramOut {
            buf: BufWriter::with_capacity(1 << 16, std::io::stdout()),
        }
    }
}

impl OutputSink for ProgramOut {
    fn write_str(&mut self, s: &str) {
        if let Err(e) = self.buf.write_all(s.as_bytes()) {
            exit_if_closed(&e);
        }
    }
    fn flush(&mut self) {
        if let Err(e) = self.buf.flush() {
            exit_if_closed(&e);
        }
    }
}

/// Writes `text` to standard output; returns the exit status: 0, 141 for a closed
/// pipe, or 1 with one line on stderr for another error (a full disk).
pub fn print_text(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_BROKEN_PIPE,
        Err(e) => {
            eprintln!("miniscript: cannot write to standard output: {e}");
            1
        }
    }
}

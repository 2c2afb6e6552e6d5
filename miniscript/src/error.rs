//! Errors of every stage. `Display` is MiniScript's exact user-facing wording:
//! `<Kind> Error: <message> [line N]` (spec §9).

use std::fmt;
use std::rc::Rc;

/// The stage an error comes from, shown as its prefix (`Runtime Error: ...`).
///
/// ```
/// # use miniscript::{ErrorKind, host::Interpreter};
/// let mut interp = Interpreter::builder().report_errors(false).build().unwrap();
/// assert_eq!(interp.run_source("", "x = (").unwrap_err().kind, ErrorKind::Compiler);
/// assert_eq!(interp.run_source("", "x = y").unwrap_err().kind, ErrorKind::Runtime);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Text that is not MiniScript's tokens (`Lexer Error`).
    Lexer,
    /// A syntax error (`Compiler Error`).
    Compiler,
    /// An error while running (`Runtime Error`), including every limit and budget.
    Runtime,
}

/// One MiniScript error: a stage, a message in the reference's words, and where it
/// happened (line, and the file name for imported modules).
///
/// ```
/// # use miniscript::host::Interpreter;
/// let mut interp = Interpreter::builder().report_errors(false).build().unwrap();
/// let e = interp.run_source("game.ms", "x = 1\ny = x.z").unwrap_err();
/// assert_eq!(e.message, "Key Not Found: 'z' not found in map");
/// assert_eq!(e.line, Some(2));
/// assert_eq!(e.to_string(), "Runtime Error: Key Not Found: 'z' not found in map [game.ms line 2]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsError {
    /// The stage.
    pub kind: ErrorKind,
    /// The message in the reference's words, without prefix or line.
    pub message: String,
    /// The source line, when known.
    pub line: Option<u32>,
    /// Set for code that came from an imported file (`[name.ms line N]`).
    pub file: Option<Rc<str>>,
}

impl MsError {
    /// A lexer error at `line`.
    pub fn lexer(message: impl Into<String>, line: u32) -> Self {
        MsError {
            kind: ErrorKind::Lexer,
            message: message.into(),
            line: Some(line),
            file: None,
        }
    }
    /// A compiler (syntax) error at `line`.
    pub fn compiler(message: impl Into<String>, line: u32) -> Self {
        MsError {
            kind: ErrorKind::Compiler,
            message: message.into(),
            line: Some(line),
            file: None,
        }
    }
    /// A runtime error without a location yet; the interpreter fills in the line.
    /// A runtime error; the interpreter adds the line where it happened. Host
    /// functions return these.
    pub fn runtime(message: impl Into<String>) -> Self {
        MsError {
            kind: ErrorKind::Runtime,
            message: message.into(),
            line: None,
            file: None,
        }
    }
    /// The error at `line`, unless it has a line already.
    pub fn at_line(mut self, line: u32) -> Self {
        if self.line.is_none() {
            self.line = Some(line);
        }
        self
    }
}

impl fmt::Display for MsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Lexer => "Lexer",
            ErrorKind::Compiler => "Compiler",
            ErrorKind::Runtime => "Runtime",
        };
        write!(f, "{kind} Error: {}", self.message)?;
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, " [{file} line {line}]"),
            (None, Some(line)) => write!(f, " [line {line}]"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for MsError {}

/// A result whose error is an [`MsError`].
pub type MsResult<T> = Result<T, MsError>;

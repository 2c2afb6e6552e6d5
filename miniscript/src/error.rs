//! Errors of every stage. `Display` is MiniScript's exact user-facing wording:
//! `<Kind> Error: <message> [line N]` (spec §9).

use std::fmt;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Lexer,
    Compiler,
    Runtime,
}

/// One MiniScript error: a stage, a message in the reference's words, and where it
/// happened (line, and the file name for imported modules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsError {
    pub kind: ErrorKind,
    pub message: String,
    pub line: Option<u32>,
    /// Set for code that came from an imported file (`[name.ms line N]`).
    pub file: Option<Rc<str>>,
}

impl MsError {
    pub fn lexer(message: impl Into<String>, line: u32) -> Self {
        MsError {
            kind: ErrorKind::Lexer,
            message: message.into(),
            line: Some(line),
            file: None,
        }
    }
    pub fn compiler(message: impl Into<String>, line: u32) -> Self {
        MsError {
            kind: ErrorKind::Compiler,
            message: message.into(),
            line: Some(line),
            file: None,
        }
    }
    /// A runtime error without a location yet; the interpreter fills in the line.
    pub fn runtime(message: impl Into<String>) -> Self {
        MsError {
            kind: ErrorKind::Runtime,
            message: message.into(),
            line: None,
            file: None,
        }
    }
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

pub type MsResult<T> = Result<T, MsError>;

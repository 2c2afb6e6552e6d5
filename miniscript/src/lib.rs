//! MiniScript 1.x: lexer, parser, lowering to three-address code, and the interpreter.
//!
//! Pipeline: [`parser::parse`] (source to [`ast`]), [`compiler::compile`] (AST to TAC,
//! [`tac::Proto`]), [`interp::Vm`] (runs TAC). Values are described in [`value`].

pub mod ast;
pub mod compiler;
pub mod error;
pub mod format;
pub mod host;
pub mod interp;
pub mod intrinsics;
pub mod lexer;
pub mod ops;
pub mod parser;
pub mod tac;
pub mod tier;
pub mod value;

pub use error::{ErrorKind, MsError, MsResult};
pub use host::{Interpreter, InterruptHandle};
pub use interp::{run_source, OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};

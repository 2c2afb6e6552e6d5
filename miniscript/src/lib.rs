//! MiniScript 1.x: lexer, parser, lowering to three-address code, and the interpreter.
//!
//! Pipeline: [`parser::parse`] (source to [`ast`]), [`compiler::compile`] (AST to TAC,
//! [`tac::Proto`]), [`interp::Vm`] (runs TAC). Values are described in [`value`].
//!
//! # Layers
//!
//! Imports point down this list; nothing imports from a layer above it.
//! 1. [`error`], [`lexer`], [`ast`], [`value`], [`tac`] and [`format`](mod@format): the data.
//! 2. [`parser`] (text to AST).
//! 3. [`compiler`] (AST to TAC), [`ops`] (operator semantics) and [`intrinsics`] (the
//!    built-in functions, with the state and closures a host adds to a `Vm`).
//! 4. [`interp`] (the `Vm`), [`region`] and [`tier`] (tiering).
//! 5. [`host`] (the embedding API).
//!
//! Exceptions that remain:
//! - Intrinsics take `&mut interp::Vm` (and read its `Rng`): they are the VM's
//!   library and need its output, globals, type maps and interrupt flag. A context
//!   type in between would add an indirection to every call for no other caller.
//! - [`format`](mod@format) and [`ops`] use each other: `ops` formats values in its
//!   error texts, and `format` obeys the memory ceiling kept in `ops` (beside its
//!   default, `DEFAULT_MAX_MEMORY`); the ceiling could move down once that settles.
//! - [`value`] and [`tac`] name each other (a function value holds its `Proto`, a
//!   `Proto` its constants), within the bottom layer.
//! - `value` names `intrinsics::Intrinsic` and `compiler::SITE_INTRINSICS`, `tac`
//!   and `compiler` name `region::RegionInfo`: the tiering layout moves these.

pub mod ast;
pub mod compiler;
pub mod error;
pub mod format;
pub mod host;
pub mod interp;
pub mod intrinsics;
pub mod lexer;
pub mod ops;
pub mod options;
pub mod parser;
pub mod tac;
pub mod tier;
pub mod value;

pub use error::{ErrorKind, MsError, MsResult};
pub use host::{Interpreter, InterruptHandle};
pub use interp::{run_source, OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};

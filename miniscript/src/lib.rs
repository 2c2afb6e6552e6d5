//! MiniScript 1.x: lexer, parser, lowering to three-address code, and the interpreter.
//!
//! Pipeline: [`parser::parse`] (source to [`ast`]), [`compiler::compile`] (AST to TAC,
//! [`tac::Proto`]), [`interp::Vm`] (runs TAC). Values are described in [`value`].
//!
//! # Layers
//!
//! Imports point down this list; nothing imports from a layer above it.
//! 1. The data: [`error`], [`lexer`], [`ast`], [`value`], [`tac`], [`limits`],
//!    [`options`], [`format`](mod@format) and [`tier`] (the tiering data: region
//!    descriptions and their eligibility passes, fingerprints, the table of pure
//!    numeric intrinsics, the native ABI). `tier` sits here because the compiler,
//!    `tac::Proto` and the map insert of `value` need its types; it imports only
//!    `tac` and `value`.
//! 2. [`parser`] (text to AST).
//! 3. [`compiler`] (AST to TAC), [`ops`] (operator semantics) and [`intrinsics`] (the
//!    built-in functions, with the state and closures a host adds to a `Vm`).
//! 4. [`interp`] (the `Vm`; `interp/regions.rs` enters regions and runs native loops)
//!    and [`debug`] (breakpoints, stepping and inspection: the debug checks of the
//!    dispatch loop and the `Vm`'s side of a debugger; `interp` calls into it).
//! 5. [`host`] (the embedding API).
//!
//! Exceptions that remain:
//! - Intrinsics take `&mut interp::Vm` (and read its `Rng`): they are the VM's
//!   library and need its output, globals, type maps and interrupt flag. A context
//!   type in between would add an indirection to every call for no other caller.
//! - [`value`] names `intrinsics::Intrinsic` (a function value may be an intrinsic).
//! - Within the bottom layer, [`value`], [`tac`] and [`tier`] name each other (a
//!   function value holds its `Proto`, a `Proto` its constants and regions, a map
//!   insert notes keys that name pure intrinsics). `scripts/module_graph.py
//!   miniscript/src` prints the graph and any edge that points up.

pub mod ast;
pub mod compiler;
pub mod debug;
pub mod error;
pub mod format;
pub mod host;
pub mod interp;
pub mod intrinsics;
pub mod lexer;
pub mod limits;
pub mod ops;
pub mod options;
pub mod parser;
pub mod tac;
pub mod tier;
pub mod value;

pub use error::{ErrorKind, MsError, MsResult};
pub use host::{Interpreter, InterruptHandle};
pub use interp::{run_source, OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};

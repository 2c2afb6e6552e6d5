//! MiniScript 1.x: lexer, parser, lowering to three-address code, and the interpreter.
//!
//! # Embedding (the stable API)
//!
//! A Rust host uses [`host`]: an [`Interpreter`] built with
//! [`Interpreter::builder`](host::Interpreter::builder), Rust values in and out
//! ([`IntoValue`](host::IntoValue), [`FromValue`](host::FromValue), `From`/`TryFrom`,
//! [`ms_map!`], serde with the `serde` feature), host functions with typed
//! arguments, budgets (fuel, memory), sandboxed shell intrinsics, and interrupts.
//! The `host` module documentation is the guide; every item in it has an example.
//!
//! ```
//! use miniscript::host::{Interpreter, StringSink};
//!
//! let out = StringSink::default();
//! let mut interp = Interpreter::builder().output(out.clone()).fuel(1_000_000).build()?;
//! interp.register_fn("double", &["x"], |x: f64| x * 2.0)?;
//! interp.run_source("main.ms", "print double(21)")?;
//! assert_eq!(out.take(), "42\n");
//! # Ok::<(), miniscript::MsError>(())
//! ```
//!
//! The profiler and the JIT live in the `miniscript-profiler` and `miniscript-jit`
//! crates (`jit::BuilderExt` adds `.jit(mode)` to the builder). The modules below
//! `host` are public for those sibling crates and the command line only: they are
//! hidden from the documentation and are not part of the stable API.
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

#![warn(missing_docs)]

// The stable API is `host` and the re-exports below. The other modules are public
// only because the sibling crates (profiler, jit, tools) and their tests reach into
// them: they are hidden from the documentation, are not part of the stable API, and
// may change in any release.
#[doc(hidden)]
pub mod ast;
#[doc(hidden)]
pub mod compiler;
pub mod debug;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod format;
pub mod host;
#[doc(hidden)]
pub mod interp;
#[doc(hidden)]
pub mod intrinsics;
#[doc(hidden)]
pub mod lexer;
#[doc(hidden)]
pub mod limits;
#[doc(hidden)]
pub mod ops;
#[doc(hidden)]
pub mod options;
#[doc(hidden)]
pub mod parser;
#[doc(hidden)]
pub mod tac;
#[doc(hidden)]
pub mod tier;
#[doc(hidden)]
pub mod value;

pub use error::{ErrorKind, MsError, MsResult};
pub use host::{Interpreter, InterruptHandle};
pub use interp::{run_source, OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};

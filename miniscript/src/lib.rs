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
//! crates (`jit::BuilderExt` adds `.jit(mode)` to the builder).
//!
//! # Stable API and internals
//!
//! The stable API is [`host`], [`debug`] and the re-exports at the crate root. The
//! other modules (the pipeline and layers below) are internal: `pub(crate)`, unless
//! the unstable `internals` cargo feature is on. Only the sibling crates of this
//! workspace (profiler, JIT, command line) enable it; it is hidden from the
//! documentation, not covered by semver, and may change in any release. A host
//! that depends on this crate alone cannot name them:
//!
#![cfg_attr(not(feature = "internals"), doc = "```compile_fail,E0603")]
#![cfg_attr(feature = "internals", doc = "```")]
//! // Compiles only with the `internals` feature.
//! let _size = miniscript::tier::abi::VALUE_SIZE;
//! let _ast = miniscript::parser::parse("x = 1");
//! ```
//!
//! nor reach into the interpreter's state or a sink's buffer (with or without the
//! feature; use the accessors, such as [`Vm::config`] and [`StringSink::contents`]):
//!
//! ```compile_fail,E0616
//! let out = miniscript::StringSink::default();
//! let _text = out.0.borrow(); // private
//! ```
//!
//! ```compile_fail,E0616
//! let interp = miniscript::Interpreter::new();
//! let _globals = &interp.vm().globals; // private
//! ```
//!
//! Pipeline: `parser::parse` (source to `ast`), `compiler::compile` (AST to TAC,
//! `tac::Proto`), `interp::Vm` (runs TAC). Values are described in `value`.
//!
//! # Layers
//!
//! Imports point down this list; nothing imports from a layer above it.
//! 1. The data: `error`, `lexer`, `ast`, `value`, `tac`, `limits`,
//!    `options`, `format` and `tier` (the tiering data: region
//!    descriptions and their eligibility passes, fingerprints, the table of pure
//!    numeric intrinsics, the native ABI). `tier` sits here because the compiler,
//!    `tac::Proto` and the map insert of `value` need its types; it imports only
//!    `tac` and `value`.
//! 2. `parser` (text to AST).
//! 3. `compiler` (AST to TAC), `ops` (operator semantics) and `intrinsics` (the
//!    built-in functions, with the state and closures a host adds to a `Vm`).
//! 4. `interp` (the `Vm`; `interp/regions.rs` enters regions and runs native loops)
//!    and [`debug`] (breakpoints, stepping and inspection: the debug checks of the
//!    dispatch loop and the `Vm`'s side of a debugger; `interp` calls into it).
//! 5. [`host`] (the embedding API).
//!
//! Exceptions that remain:
//! - Intrinsics take `&mut interp::Vm` (and read its `Rng`): they are the VM's
//!   library and need its output, globals, type maps and interrupt flag. A context
//!   type in between would add an indirection to every call for no other caller.
//! - `value` names `intrinsics::Intrinsic` (a function value may be an intrinsic).
//! - Within the bottom layer, `value`, `tac` and `tier` name each other (a
//!   function value holds its `Proto`, a `Proto` its constants and regions, a map
//!   insert notes keys that name pure intrinsics). `scripts/module_graph.py
//!   miniscript/src` prints the graph and any edge that points up.

#![warn(missing_docs)]

// The stable API is `host`, `debug` and the re-exports below. The other modules are
// internals: the sibling crates (profiler, jit, tools) and their tests reach into
// them through the `internals` cargo feature, which makes them public (hidden from
// the documentation, not part of the stable API, may change in any release).
// Without it they are `pub(crate)`, so a host that depends on this crate alone sees
// only the documented API. Items only the sibling crates use are dead code then.

/// Declares the internal modules: `pub` and hidden with the `internals` feature,
/// `pub(crate)` without it.
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    )*};
}

internal_modules!(
    ast, compiler, error, format, interp, intrinsics, lexer, limits, ops, options, parser, tac,
    tier, value,
);
pub mod debug;
pub mod host;

pub use error::{ErrorKind, MsError, MsResult};
pub use host::{Interpreter, InterruptHandle};
pub use interp::{run_source, OutputSink, RunStatus, StdoutSink, StringSink, Vm, VmConfig};

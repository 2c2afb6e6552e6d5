//! Cranelift JIT: compiles hot expression sites chosen by the profiler on a background
//! thread and publishes native entry points atomically.
//!
//! Not built yet: see the JIT issue. This crate intentionally exports nothing.

//! Expression-site profiler (counts, sampled timing, fingerprints, hotness scores and
//! the hot-expressions report). Plugs into the interpreter's tiering interface.
//!
//! Not built yet: see the profiler issue. This crate intentionally exports nothing.

//! Expression-site profiler: the options table, per-site counters and sampled timing,
//! fingerprints, hotness scores, and the hot-expressions report.

pub mod options;

pub use options::Options;

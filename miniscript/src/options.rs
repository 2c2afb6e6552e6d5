//! The declarations of every option (DESIGN §3): name, kind and range, default and
//! help, as plain data, plus the JIT mode they choose between. A leaf module: the
//! profiler crate parses flags, environment and TOML over this table, and the
//! interpreter's and the JIT's `Default` configurations read their defaults here.

// The option table is read by the profiler crate (`internals` feature); without it
// only the defaults are used here.
#![cfg_attr(not(feature = "internals"), allow(dead_code))]

/// The type and allowed range of an option.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Bool,
    Int { min: i64, max: i64 },
    Float { min: f64, max: f64 },
    Choice(&'static [&'static str]),
    Text,
}

/// One option.
#[derive(Debug)]
pub struct OptSpec {
    /// Flag name without dashes; also the TOML key.
    pub name: &'static str,
    pub kind: Kind,
    /// The default, written as a flag's value would be.
    pub default: &'static str,
    pub help: &'static str,
}

macro_rules! options {
    ($( $id:ident : $name:literal, $kind:expr, $default:literal, $help:literal; )*) => {
        /// The table, for the `const` default accessors below.
        const TABLE: &[OptSpec] = &[$(OptSpec { name: $name, kind: $kind, default: $default, help: $help },)*];

        /// Every option, in `--help` order.
        pub static OPTIONS: &[OptSpec] = TABLE;

        /// Indexes into [`OPTIONS`], for typed access (named like the options, with
        /// `_` for `-`).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #[repr(usize)]
        pub enum Id { $($id,)* }

        /// Every id, in table order.
        #[cfg(test)]
        const IDS: &[Id] = &[$(Id::$id,)*];
    };
}

options! {
    jit: "jit", Kind::Choice(JitMode::NAMES), "background",
        "JIT mode: off, background (compile on a background thread), or sync (compile on the interpreter thread; deterministic, for tests)";
    jit_hot_count: "jit-hot-count", Kind::Int { min: 1, max: 1_000_000_000 }, "1000",
        "executions after which a site is considered for compilation";
    jit_hot_time_us: "jit-hot-time-us", Kind::Float { min: 0.0, max: 1e9 }, "20",
        "estimated interpreted time (microseconds) that also makes a site hot";
    jit_min_complexity: "jit-min-complexity", Kind::Int { min: 0, max: 10_000 }, "3",
        "minimum weighted operation count of a site worth compiling";
    jit_eager: "jit-eager", Kind::Bool, "false",
        "propose every eligible site at its first execution (for tests)";
    jit_loops: "jit-loops", Kind::Bool, "true",
        "compile whole numeric while loops (loop regions), entered at a loop head even while the loop runs";
    jit_functions: "jit-functions", Kind::Bool, "true",
        "compile whole pure numeric functions (function regions), recursion included";
    jit_hot_loop: "jit-hot-loop", Kind::Int { min: 1, max: 1_000_000_000 }, "200",
        "loop-head executions (iterations) after which a loop region is considered for compilation";
    jit_queue: "jit-queue", Kind::Int { min: 1, max: 1_000_000 }, "1024",
        "capacity of the compile queue; requests beyond it are dropped and retried later";
    jit_threads: "jit-threads", Kind::Int { min: 1, max: 64 }, "1",
        "threads that generate code for a batch of sites in parallel";
    jit_opt_level: "jit-opt-level", Kind::Choice(&["none", "speed", "speed_and_size"]), "speed",
        "Cranelift optimization level";
    jit_code_budget_kb: "jit-code-budget-kb", Kind::Int { min: 0, max: 16_777_216 }, "65536",
        "native code memory budget in KiB; past it nothing new is compiled";
    jit_max_misses: "jit-max-misses", Kind::Int { min: 1, max: 1_000_000_000 }, "100",
        "guard misses after which a compiled site is demoted to interpreted for good";
    jit_stats: "jit-stats", Kind::Bool, "false",
        "print JIT counters at exit (stderr)";
    jit_verbose: "jit-verbose", Kind::Bool, "false",
        "print one line per compiled site (stderr)";
    jit_dump: "jit-dump", Kind::Bool, "false",
        "print Cranelift IR and code size of each compiled site (stderr)";
    perf_map: "perf-map", Kind::Bool, "false",
        "write /tmp/perf-PID.map so that perf names JIT code";
    profile: "profile", Kind::Bool, "false",
        "print the profile at exit (functions, lines, hot regions)";
    profile_sample: "profile-sample", Kind::Int { min: 0, max: 20 }, "7",
        "time one site execution in 2^k (0 times every execution)";
    profile_format: "profile-format", Kind::Choice(&["text", "json", "folded", "svg"]), "text",
        "format of the profile: text views, JSON, folded stacks or an SVG flame graph";
    profile_interval: "profile-interval", Kind::Int { min: 10, max: 10_000_000 }, "1000",
        "sampling interval of the whole-program profile, in microseconds";
    profile_annotate: "profile-annotate", Kind::Bool, "false",
        "with --profile: print the source with each line's share and tier";
    profile_out: "profile-out", Kind::Text, "",
        "write the report to this file instead of stderr";
    profile_top: "profile-top", Kind::Int { min: 1, max: 1_000_000 }, "20",
        "number of sites in the report";
    weight_count: "jit-weight-count", Kind::Float { min: 0.0, max: 1e6 }, "1",
        "score weight of the execution count (relative to jit-hot-count)";
    weight_time: "jit-weight-time", Kind::Float { min: 0.0, max: 1e6 }, "1",
        "score weight of the sampled time (relative to jit-hot-time-us)";
    max_call_depth: "max-call-depth", Kind::Int { min: 16, max: 100_000_000 }, "400000",
        "maximum depth of nested MiniScript calls";
    max_memory_mb: "max-memory-mb", Kind::Int { min: 1, max: 1_048_576 }, "1024",
        "memory ceiling in MiB: the most one string, list or map may grow to (past it: a 'too large' runtime error)";
}

impl Id {
    /// The declaration of this option.
    pub const fn spec(self) -> &'static OptSpec {
        &TABLE[self as usize]
    }

    /// The default of an integer option (checked when evaluated in a constant).
    pub const fn default_int(self) -> i64 {
        let digits = self.spec().default.as_bytes();
        assert!(!digits.is_empty(), "an integer default is empty");
        let mut v: i64 = 0;
        let mut i = 0;
        while i < digits.len() {
            assert!(
                digits[i].is_ascii_digit(),
                "an integer default is not decimal"
            );
            v = v * 10 + (digits[i] - b'0') as i64;
            i += 1;
        }
        v
    }

    /// The default of a boolean option.
    pub fn default_flag(self) -> bool {
        match self.spec().default {
            "true" => true,
            "false" => false,
            other => panic!("the default of a boolean option is {other:?}"),
        }
    }

    /// The default of a choice or text option.
    pub const fn default_text(self) -> &'static str {
        self.spec().default
    }
}

/// A size in MiB (`max-memory-mb`) in bytes, saturating.
pub const fn mib_to_bytes(mib: i64) -> usize {
    (mib as usize).saturating_mul(1 << 20)
}

/// A size in KiB (`jit-code-budget-kb`) in bytes.
pub const fn kib_to_bytes(kib: i64) -> u64 {
    kib as u64 * 1024
}

/// How the JIT runs (option `jit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JitMode {
    /// No JIT: regions are only counted (and reported with `--profile`).
    Off,
    /// Compile on the background thread; the interpreter never waits.
    Background,
    /// Compile on request and wait for the result (deterministic, for tests).
    Sync,
}

impl JitMode {
    /// The option's values, in the order of the variants.
    pub const NAMES: &'static [&'static str] = &["off", "background", "sync"];
    const ALL: [JitMode; 3] = [JitMode::Off, JitMode::Background, JitMode::Sync];

    /// The mode an option value names.
    pub fn from_name(name: &str) -> Option<JitMode> {
        let i = JitMode::NAMES.iter().position(|n| *n == name)?;
        Some(JitMode::ALL[i])
    }

    /// The option value naming this mode.
    pub fn name(self) -> &'static str {
        JitMode::NAMES[self as usize]
    }
}

impl Default for JitMode {
    /// The table's default.
    fn default() -> Self {
        JitMode::from_name(Id::jit.default_text()).expect("the jit default is a mode")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_their_names_correspond() {
        for (i, m) in JitMode::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
            assert_eq!(JitMode::from_name(m.name()), Some(*m));
        }
        assert_eq!(JitMode::from_name("fast"), None);
    }

    #[test]
    fn typed_defaults_read_the_table() {
        assert_eq!(IDS.len(), OPTIONS.len());
        for &id in IDS {
            let o = &OPTIONS[id as usize];
            assert_eq!(id.spec().name, o.name);
            match o.kind {
                Kind::Int { .. } => assert_eq!(id.default_int().to_string(), o.default),
                Kind::Bool => assert_eq!(id.default_flag().to_string(), o.default),
                _ => assert_eq!(id.default_text(), o.default),
            }
        }
        assert_eq!(JitMode::default().name(), Id::jit.default_text());
    }
}

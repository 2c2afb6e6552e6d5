//! The `--jit-stats` report, declared once in the `jit_stats!` table below (as
//! YJIT's `make_counters!`): each row gives its label and either a counter, which
//! becomes a field of `Counters`, or how to compute its value when printed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use miniscript::tier::{ExitKind, RegionCounters, RegionId};

/// What a computed row reads, gathered when the report is printed.
struct View<'a> {
    /// The counters the compile thread and `submit` bumped.
    counters: &'a Counters,
    /// Requests sent to the compile thread.
    queued: u64,
    /// Compile times in microseconds, sorted.
    times: Vec<f64>,
    /// The profiler's counters of every region (site).
    regions: &'a [RegionCounters],
    /// Loop regions submitted (one entry per submission).
    loop_regions: usize,
    /// The counters of the submitted loop regions.
    loops: Vec<&'a RegionCounters>,
    /// The counters of the submitted function regions.
    funcs: Vec<&'a RegionCounters>,
}

impl View<'_> {
    /// The compile time at quantile `p` (0 without compiles).
    fn quantile(&self, p: f64) -> f64 {
        if self.times.is_empty() {
            0.0
        } else {
            self.times[((self.times.len() - 1) as f64 * p).round() as usize]
        }
    }

    /// `f` summed over every region.
    fn all(&self, f: fn(&RegionCounters) -> u64) -> u64 {
        self.regions.iter().map(f).sum()
    }

    /// `f` summed over the function regions.
    fn in_funcs(&self, f: fn(&RegionCounters) -> u64) -> u64 {
        self.funcs.iter().map(|c| f(c)).sum()
    }

    /// `f` summed over the loop regions.
    fn in_loops(&self, f: fn(&RegionCounters) -> u64) -> u64 {
        self.loops.iter().map(|c| f(c)).sum()
    }
}

/// One line of the report.
struct Row {
    /// The row's name, left of the colon.
    label: &'static str,
    /// Its value, right of the colon.
    show: fn(&View) -> String,
}

/// Expands a list of `"label" => counter FIELD,` and `"label" => |view| TEXT,` rows
/// into `Counters` (one `AtomicU64` per counter row) and `ROWS` (every row, in
/// order). A `@rows` recursion sorts them, one row at a time.
macro_rules! jit_stats {
    (@rows [$($fields:tt)*] [$($rows:tt)*]
        $(#[doc = $doc:literal])* $label:literal => counter $field:ident, $($rest:tt)*) => {
        jit_stats!(@rows [$($fields)* $(#[doc = $doc])* $field,]
            [$($rows)* Row {
                label: $label,
                show: |v| v.counters.$field.load(Ordering::Relaxed).to_string(),
            },]
            $($rest)*);
    };
    (@rows [$($fields:tt)*] [$($rows:tt)*]
        $(#[doc = $doc:literal])* $label:literal => $show:expr, $($rest:tt)*) => {
        jit_stats!(@rows [$($fields)*] [$($rows)* Row { label: $label, show: $show },] $($rest)*);
    };
    (@rows [$($(#[doc = $doc:literal])* $field:ident,)*] [$($row:expr,)*]) => {
        /// The event counters of the JIT, shared with the compile thread.
        #[derive(Default)]
        pub(crate) struct Counters {
            $($(#[doc = $doc])* pub(crate) $field: AtomicU64,)*
        }

        /// The rows of `--jit-stats`, in order.
        const ROWS: &[Row] = &[$($row,)*];
    };
    ($($rows:tt)*) => {
        jit_stats!(@rows [] [] $($rows)*);
    };
}

jit_stats! {
    "sites" => |v| v.regions.len().to_string(),
    "queued" => |v| v.queued.to_string(),
    /// Regions compiled (each once: cache hits not included).
    "compiled" => counter compiled,
    /// Regions given the code of an earlier one with the same fingerprint.
    "cache hits" => counter cache_hits,
    /// Regions that could not be compiled (they stay interpreted).
    "failed" => counter failed,
    /// Requests dropped because the queue was full.
    "queue drops" => counter queue_drops,
    /// Requests refused because the code budget was spent.
    "budget refusals" => counter budget_refusals,
    "compile time total" => |v| format!("{:.0} us", v.times.iter().sum::<f64>() + 0.0),
    "compile time p50" => |v| format!("{:.1} us", v.quantile(0.5)),
    "compile time p99" => |v| format!("{:.1} us", v.quantile(0.99)),
    /// Bytes of machine code generated (checked against the code budget).
    "code bytes" => counter code_bytes,
    "native executions" => |v| v.all(|c| c.native).to_string(),
    "interpreted executions" => |v| (v.all(|c| c.count) - v.all(|c| c.native)).to_string(),
    "guard misses" => |v| v.all(|c| c.misses).to_string(),
    "loop regions" => |v| v.loop_regions.to_string(),
    "loop native entries" => |v| v.in_loops(|c| c.native).to_string(),
    "loop native iterations" => |v| v.in_loops(|c| c.iters).to_string(),
    "loop exits normal/break" => |v| format!(
        "{}/{}",
        v.in_loops(|c| c.exits_of(ExitKind::Normal)),
        v.in_loops(|c| c.exits_of(ExitKind::Break))
    ),
    "loop pauses" => |v| v.in_loops(|c| c.exits_of(ExitKind::Pause)).to_string(),
    "loop fallbacks" => |v| v.in_loops(|c| c.exits_of(ExitKind::Fallback)).to_string(),
    "function regions" => |v| v.funcs.len().to_string(),
    "function calls" => |v| v.in_funcs(|c| c.count).to_string(),
    "function native calls" => |v| v.in_funcs(|c| c.native).to_string(),
    "function fallbacks" => |v| v.in_funcs(|c| c.exits_of(ExitKind::Fallback)).to_string(),
}

/// Add `n` to counter `c`.
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// The JIT's statistics: its counters and the compile times.
#[derive(Default)]
pub(crate) struct Stats {
    /// The event counters (declared in `jit_stats!`).
    pub(crate) counters: Counters,
    /// Compile times in microseconds, for the percentile rows.
    times: Mutex<Vec<f64>>,
}

impl Stats {
    /// Record the compile time of one region.
    pub(crate) fn record_time(&self, micros: f64) {
        if let Ok(mut t) = self.times.lock() {
            t.push(micros);
        }
    }

    /// The `--jit-stats` text: `queued` requests sent, `loop_gids` the loop regions
    /// submitted, `regions` the profiler's counters of every region.
    pub(crate) fn report(
        &self,
        queued: u64,
        loop_gids: &[RegionId],
        func_gids: &[RegionId],
        regions: &[RegionCounters],
    ) -> String {
        let mut times = self.times.lock().map(|t| t.clone()).unwrap_or_default();
        times.sort_by(f64::total_cmp);
        let view = View {
            counters: &self.counters,
            queued,
            times,
            regions,
            loop_regions: loop_gids.len(),
            loops: loop_gids
                .iter()
                .filter_map(|&g| regions.get(g.index()))
                .collect(),
            funcs: func_gids
                .iter()
                .filter_map(|&g| regions.get(g.index()))
                .collect(),
        };
        let w = ROWS.iter().map(|r| r.label.len()).max().unwrap_or(0);
        let mut out = String::from("jit statistics:\n");
        for row in ROWS {
            out.push_str(&format!("  {:<w$}: {}\n", row.label, (row.show)(&view)));
        }
        out
    }
}

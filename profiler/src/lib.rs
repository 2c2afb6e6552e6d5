//! Expression-site profiler: the options table, per-region counters and sampled
//! timing, fingerprints, hotness scores, and the hot-expressions report.
//!
//! `Profiler` implements the interpreter's `TierHook`. The interpreter counts every
//! region entry in a plain counter; at check points it asks the profiler, which
//! scores the region (`hot::decide`) and hands hot ones to a `Backend` (the JIT).

pub mod export;
pub mod flame;
pub mod hot;
pub mod options;
pub mod report;
pub mod timer;
pub mod views;

use std::rc::Rc;
use std::sync::Arc;

use hdrhistogram::Histogram;
use miniscript::tac::Proto;
use miniscript::tier::{
    RegionCounters, RegionDesc, RegionId, RegionInfo, RegionState, SiteSlot, TierHook,
};

pub use options::{JitMode, Options};

/// What happened to one compile request (reported back by the backend).
#[derive(Clone, Debug)]
pub struct CompileOutcome {
    pub gid: RegionId,
    /// Compile time in microseconds (0 for a cache hit).
    pub micros: f64,
    pub code_bytes: usize,
    pub cache_hit: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The compiler behind the profiler.
pub trait Backend {
    /// Queue region `gid` for compilation; the backend publishes into `slot`.
    /// `label` names it in messages (`file:line`, and `loop` for loop regions).
    /// Returns false when the request was dropped (queue full, budget spent).
    fn submit(
        &mut self,
        gid: RegionId,
        desc: &RegionDesc,
        slot: &Arc<SiteSlot>,
        label: &str,
    ) -> bool;
    /// Outcomes since the last call.
    fn drain(&mut self) -> Vec<CompileOutcome>;
    /// Wait until every queued request is done.
    fn wait_idle(&mut self);
    /// `--jit-stats` lines (`name: value`), given the interpreter's counters.
    fn stats(&mut self, counters: &[RegionCounters]) -> String;
}

/// Everything known about one region.
#[derive(Debug)]
pub struct SiteRecord {
    /// Shared with the region registered before it when in the same file.
    pub file: Rc<str>,
    pub line: u32,
    pub col: u32,
    /// The expression's text (shared with the compiled program when it is one).
    pub source: Rc<str>,
    pub fingerprint: u64,
    pub complexity: u32,
    /// Shared with the compiled program (not a copy per region).
    pub desc: Option<Rc<RegionDesc>>,
    /// Why it is not eligible (one copy per distinct reason).
    pub why_not: Option<Rc<str>>,
    pub slot: Arc<SiteSlot>,
    /// Sampled timings and the compile: boxed, as most regions have neither
    /// (`SiteRecord::activity`).
    pub activity: Option<Box<Activity>>,
    pub last_score: f64,
    /// A loop region: the source lines it spans.
    pub is_loop: bool,
    pub last_line: u32,
    /// A function region: the function's name (shared with its description).
    pub func: Option<Rc<str>>,
    /// A loop region: its function and index there, to describe the body in full
    /// when it is compiled (the compiler keeps descriptions of loops without it).
    pub nest: Option<Nest>,
}

/// A loop region's function and its index there (`SiteRecord::nest`).
pub struct Nest {
    pub proto: Rc<Proto>,
    pub x: u32,
}

impl std::fmt::Debug for Nest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nest({}, {})", self.proto.name, self.x)
    }
}

/// What one region did that most never do: sampled timings and a compile.
#[derive(Debug, Default)]
pub struct Activity {
    pub interp: Option<Box<Histogram<u64>>>,
    pub native: Option<Box<Histogram<u64>>>,
    pub interp_ticks: u64,
    pub interp_samples: u64,
    pub native_ticks: u64,
    pub native_samples: u64,
    pub compile_us: Option<f64>,
    pub compile_error: Option<String>,
}

/// The activity of a region that had none.
static NO_ACTIVITY: Activity = Activity {
    interp: None,
    native: None,
    interp_ticks: 0,
    interp_samples: 0,
    native_ticks: 0,
    native_samples: 0,
    compile_us: None,
    compile_error: None,
};

impl SiteRecord {
    /// Its sampled timings and compile (all empty when it had none).
    pub fn activity(&self) -> &Activity {
        self.activity.as_deref().unwrap_or(&NO_ACTIVITY)
    }

    /// The same, to record into (created on first use).
    pub fn activity_mut(&mut self) -> &mut Activity {
        self.activity.get_or_insert_with(Box::default)
    }
}

/// Settings the profiler takes from the options table.
#[derive(Clone, Debug)]
pub struct Settings {
    pub thresholds: hot::Thresholds,
    /// JIT off: count and report only.
    pub jit_off: bool,
    pub max_misses: u64,
    pub sample_shift: u32,
    pub verbose: bool,
}

impl Settings {
    pub fn from_options(o: &Options) -> Settings {
        Settings {
            thresholds: hot::Thresholds {
                hot_count: o.jit_hot_count(),
                hot_loop: o.jit_hot_loop(),
                hot_time_us: o.jit_hot_time_us(),
                min_complexity: o.jit_min_complexity(),
                weight_count: o.weight_count(),
                weight_time: o.weight_time(),
                eager: o.jit_eager(),
            },
            jit_off: o.jit_mode() == JitMode::Off,
            max_misses: o.jit_max_misses(),
            sample_shift: o.profile_sample_shift(),
            verbose: o.jit_verbose(),
        }
    }
}

pub struct Profiler {
    pub settings: Settings,
    pub sites: Vec<SiteRecord>,
    pub timer: timer::Timer,
    pub backend: Option<Box<dyn Backend>>,
    /// Final counters (set by `finish`).
    pub counters: Vec<RegionCounters>,
    /// The name rows of the main program show (its code has no file name of its
    /// own, so that error messages read like the reference's).
    pub main_file: String,
    /// The whole-program samples (handed over just before `finish`).
    pub samples: Option<miniscript::tier::samples::Samples>,
    /// Source text by the file name rows show (for the lines views).
    pub sources: views::Sources,
    /// Called once at `finish` (the CLI prints reports from here).
    #[allow(clippy::type_complexity)]
    pub on_finish: Option<Box<dyn FnMut(&mut Profiler)>>,
    /// Distinct reasons regions are not eligible (see `Profiler::reason`).
    reasons: std::collections::HashMap<String, Rc<str>>,
}

impl Profiler {
    pub fn new(settings: Settings, backend: Option<Box<dyn Backend>>) -> Profiler {
        Profiler {
            settings,
            sites: Vec::new(),
            timer: timer::Timer::new(),
            backend,
            counters: Vec::new(),
            main_file: "(main)".to_string(),
            samples: None,
            sources: views::Sources::new(),
            on_finish: None,
            reasons: std::collections::HashMap::new(),
        }
    }

    /// The shared copy of reason `why` (a program has many regions and few reasons).
    fn reason(&mut self, why: &str) -> Rc<str> {
        if let Some(r) = self.reasons.get(why) {
            return r.clone();
        }
        let r: Rc<str> = Rc::from(why);
        self.reasons.insert(why.to_string(), r.clone());
        r
    }

    fn absorb(&mut self) {
        let Some(b) = self.backend.as_mut() else {
            return;
        };
        for o in b.drain() {
            if let Some(s) = self.sites.get_mut(o.gid.index()) {
                let a = s.activity_mut();
                a.compile_us = Some(o.micros);
                a.compile_error = o.error;
            }
        }
    }

    /// Estimated interpreted time of a region so far, in microseconds.
    pub fn est_interp_us(&self, gid: usize, count: u64) -> f64 {
        let s = self.sites[gid].activity();
        if s.interp_samples == 0 {
            return 0.0;
        }
        let per = s.interp_ticks as f64 / s.interp_samples as f64;
        per * count as f64 * self.timer.ns_per_tick() / 1000.0
    }

    /// Wait for queued compiles (tests and `sync` mode use it).
    pub fn wait_idle(&mut self) {
        if let Some(b) = self.backend.as_mut() {
            b.wait_idle();
        }
        self.absorb();
    }

    /// The sampled views (empty when sampling was off).
    pub fn profile(&self) -> miniscript::tier::samples::Profile {
        self.samples
            .as_ref()
            .map(|s| s.profile())
            .unwrap_or_default()
    }

    /// The whole profile as one value: sampled views and the top `top` regions.
    pub fn document(&self, top: usize) -> export::Document {
        export::document(
            &self.profile(),
            report::build(self, top),
            &self.sources,
            &self.main_file,
        )
    }

    pub fn jit_stats(&mut self) -> String {
        let counters = self.counters.clone();
        match self.backend.as_mut() {
            Some(b) => b.stats(&counters),
            None => "jit: off\n".to_string(),
        }
    }
}

fn hist() -> Option<Box<Histogram<u64>>> {
    // Two significant digits up to about a minute of ticks: a few KiB per region,
    // created only for regions that are actually sampled.
    Histogram::new_with_bounds(1, 1 << 40, 2).ok().map(Box::new)
}

impl TierHook for Profiler {
    fn register(
        &mut self,
        id: RegionId,
        info: &RegionInfo,
        proto: &Rc<Proto>,
        x: Option<usize>,
        slot: &Arc<SiteSlot>,
    ) {
        // The regions of a function are registered together: room for all of them
        // at once (global code may hold hundreds of thousands).
        if x == Some(0) && proto.regions.len() > self.sites.len() / 4 {
            self.sites.reserve_exact(proto.regions.len());
        }
        let (line, col) = info.exprs.first().map(|e| (e.0, e.1)).unwrap_or((0, 0));
        let name = proto.file.as_deref().unwrap_or(&self.main_file);
        let file = match self.sites.last() {
            Some(s) if &*s.file == name => s.file.clone(),
            _ => Rc::from(name),
        };
        let source: Rc<str> = match &*info.exprs {
            [one] => one.2.clone(),
            many => many
                .iter()
                .map(|e| e.2.to_string())
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
        };
        let (desc, why_not) = match &info.desc {
            Ok(d) => (Some(d.clone()), None),
            Err(e) => (None, Some(self.reason(e))),
        };
        if why_not.is_some() {
            slot.set_state(RegionState::Ineligible);
        } else if self.settings.jit_off {
            slot.set_state(RegionState::Off);
        }
        // The interpreter hands out dense ids in registration order.
        debug_assert_eq!(id.index(), self.sites.len());
        self.sites.push(SiteRecord {
            file,
            line,
            col,
            source,
            fingerprint: desc.as_ref().map_or(0, |d| d.fingerprint),
            complexity: info.complexity,
            desc,
            why_not,
            slot: slot.clone(),
            activity: None,
            last_score: 0.0,
            is_loop: info.lp.is_some(),
            last_line: info
                .lp
                .as_ref()
                .map(|l| l.last_line)
                .or(info.func.as_ref().map(|f| f.2))
                .unwrap_or(line),
            func: info.func.as_ref().map(|f| f.0.clone()),
            nest: match (x, &info.lp) {
                (Some(x), Some(_)) => Some(Nest {
                    proto: proto.clone(),
                    x: x as u32,
                }),
                _ => None,
            },
        });
    }

    fn check(
        &mut self,
        id: RegionId,
        c: &RegionCounters,
        resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
    ) -> u64 {
        self.absorb();
        let g = id.index();
        let est = self.est_interp_us(g, c.count);
        let mut t = self.settings.thresholds;
        let Some(site) = self.sites.get_mut(g) else {
            return u64::MAX;
        };
        if site.is_loop {
            // A loop region is judged by its iterations alone: any loop that runs
            // long enough is worth its compile, whatever its body.
            t.hot_count = t.hot_loop;
            t.min_complexity = 0;
            t.weight_count = 1.0;
            t.weight_time = 0.0;
        }
        site.last_score = hot::score(c.count, est, &t);
        if self.settings.jit_off {
            // Keep the score fresh for the report, rarely.
            return c.count.saturating_mul(2).max(c.count + 1);
        }
        match hot::decide(c.count, est, site.complexity, site.desc.is_some(), &t) {
            hot::Decision::Compile => {
                // A loop's body is described now (see `SiteRecord::nest`).
                let full = match &site.nest {
                    Some(n) => match miniscript::tier::full_desc(&n.proto, n.x as usize, resolve) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            site.slot.set_state(RegionState::Failed);
                            site.activity_mut().compile_error = Some(e);
                            return u64::MAX;
                        }
                    },
                    None => None,
                };
                let Some(desc) = full.as_ref().or(site.desc.as_ref()) else {
                    return u64::MAX;
                };
                let Some(b) = self.backend.as_mut() else {
                    return u64::MAX;
                };
                site.slot.set_state(RegionState::Queued);
                let label = if let Some(name) = &site.func {
                    format!(
                        "function {name} {}:{}-{}",
                        site.file, site.line, site.last_line
                    )
                } else if site.is_loop {
                    format!("loop {}:{}-{}", site.file, site.line, site.last_line)
                } else {
                    format!("{}:{}", site.file, site.line)
                };
                if b.submit(id, desc, &site.slot, &label) {
                    u64::MAX
                } else {
                    // Dropped (queue full): try again later.
                    site.slot.set_state(RegionState::Cold);
                    c.count.saturating_add((t.hot_count / 4).max(1))
                }
            }
            hot::Decision::Wait(n) => n,
            hot::Decision::Never => u64::MAX,
        }
    }

    fn guard_miss(&mut self, _id: RegionId, c: &RegionCounters) -> bool {
        // (For loop regions the interpreter only asks while misses outnumber native
        // entries: a first entry before every local is a number is normal.)
        c.misses >= self.settings.max_misses
    }

    fn timestamp(&self) -> u64 {
        self.timer.now()
    }

    fn sample(&mut self, id: RegionId, native: bool, ticks: u64) {
        let ticks = ticks.saturating_sub(self.timer.overhead).max(1);
        let Some(s) = self.sites.get_mut(id.index()) else {
            return;
        };
        let s = s.activity_mut();
        let h = if native {
            s.native_ticks += ticks;
            s.native_samples += 1;
            &mut s.native
        } else {
            s.interp_ticks += ticks;
            s.interp_samples += 1;
            &mut s.interp
        };
        if h.is_none() {
            *h = hist();
        }
        if let Some(h) = h.as_mut() {
            let _ = h.record(ticks.min(1 << 40));
        }
    }

    fn sample_shift(&self) -> Option<u32> {
        Some(self.settings.sample_shift)
    }

    fn samples(&mut self, samples: &miniscript::tier::samples::Samples) {
        self.samples = Some(samples.clone());
    }

    fn finish(&mut self, counters: &[RegionCounters]) {
        self.absorb();
        self.counters = counters.to_vec();
        if let Some(mut f) = self.on_finish.take() {
            f(self);
            self.on_finish = Some(f);
        }
    }
}

//! The interpreter's side of tiering (the rest is `crate::tier`): registering regions
//! with the hook, the general path of entering one (check points, sampling, native
//! code), demotion, and running native loop code across its pauses.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::slow::Flow;
use super::Vm;
use crate::error::MsResult;
use crate::tac::{Instr, Proto};
use crate::tier::abi::{self, PAUSE_BIT};
use crate::tier::samples::Tier;
use crate::tier::{ExitKind, LoopMeta, RegionCounters, RegionId, RegionInfo, SiteSlot};
use crate::value::Value;

/// How one run of native loop code ended.
enum LoopRun {
    /// Continue interpreting here (a guard failure, or a demotion).
    Interpret,
    /// Continue interpreting at this pc (an exit, or the end of the time slice).
    At(usize),
    /// Paused at this head: enter the native code there again.
    Again(u32),
}

impl Vm {
    /// Register the regions of `proto` in this Vm on first use, or find them again
    /// (a function may have run in another Vm since). Returns whether this was the
    /// first registration.
    fn register_regions(&mut self, proto: &Rc<Proto>) -> bool {
        let key = Rc::as_ptr(proto) as usize;
        if let Some((_, base)) = self.region_bases.get(&key) {
            proto.region_base.set((self.id, base.0));
            return false;
        }
        let base = RegionId(self.regions_rt.len() as u32);
        proto.region_base.set((self.id, base.0));
        // Keeping the proto alive keeps its address from being reused by another.
        self.region_bases.insert(key, (proto.clone(), base));
        let n = proto.regions.len();
        // Global code may hold hundreds of thousands of regions: no spare capacity
        // for them (amortized growth for many small functions).
        if n > self.regions_rt.len() / 4 {
            self.regions_rt.reserve_exact(n);
            self.region_slots.reserve_exact(n);
        }
        let first_check = if self.tier.is_some() { 1 } else { u64::MAX };
        for (i, info) in proto.regions.iter().enumerate() {
            let slot = Arc::new(SiteSlot::default());
            let id = RegionId::new(base.0, i as u32);
            self.regions_rt.push(RegionCounters {
                next_check: first_check,
                ..Default::default()
            });
            if let Some(t) = self.tier.as_mut() {
                t.register(id, info, proto, Some(i), &slot);
            }
            self.region_slots.push(slot);
        }
        true
    }

    /// The slow-path part of entering region `x` of `proto` (a `Site` or a loop
    /// head): registration on first sight in this interpreter (counting the entry
    /// the fast path could not), and the hook's check point. Returns the id.
    fn region_entry(&mut self, proto: &Rc<Proto>, x: u32) -> RegionId {
        if proto.region_base.get().0 != self.id {
            self.register_regions(proto);
            let id = RegionId::new(proto.region_base.get().1, x);
            self.regions_rt[id.index()].count += 1;
        }
        let id = RegionId::new(proto.region_base.get().1, x);
        let rt = &self.regions_rt[id.index()];
        if rt.count >= rt.next_check {
            let next = self.hook_check(id);
            self.regions_rt[id.index()].next_check = next;
        }
        id
    }

    /// Demote region `id` to interpreted for good (repeated guard failures).
    fn demote(&self, id: RegionId) {
        self.region_slots[id.index()].demote();
    }

    /// Ask the hook whether a guard failure of region `id` demotes it.
    fn guard_miss(&mut self, id: RegionId) -> bool {
        match self.tier.as_mut() {
            Some(t) => t.guard_miss(id, &self.regions_rt[id.index()]),
            None => false,
        }
    }

    /// The end of a timed sample of `id` that started at `t0` (native code).
    fn sample_native(&mut self, id: RegionId, t0: Option<u64>) {
        if let (Some(t0), Some(t)) = (t0, self.tier.as_mut()) {
            let now = t.timestamp();
            t.sample(id, true, now.saturating_sub(t0));
        }
    }

    /// The general path of `Site`: registration, hook check points, sampling, and
    /// native execution after a guard failure or with timing.
    pub(super) fn site_slow(&mut self, ins: Instr) -> MsResult<Flow> {
        let proto = self.top_frame().expect("a frame is running").proto.clone();
        let id = self.region_entry(&proto, ins.x);
        let timed = self.sample_countdown == 0;
        if timed {
            self.sample_countdown = self.sample_every;
        }
        let entry = self.region_slots[id.index()].entry.load(Ordering::Acquire);
        let region = &proto.regions[ins.x as usize];
        if entry != 0 {
            let base = self.top_frame().expect("a frame is running").base;
            let t0 = if timed {
                self.tier.as_ref().map(|t| t.timestamp())
            } else {
                None
            };
            if let Some(end) = abi::run(&mut self.stack, base, region, entry, proto.nregs as usize)
            {
                self.regions_rt[id.index()].native += 1;
                self.sample_native(id, t0);
                return Ok(Flow::Jump(end));
            }
            // Guard miss: an input is not a number. Interpret; maybe demote.
            self.regions_rt[id.index()].misses += 1;
            let demote = self.guard_miss(id);
            // A redefined intrinsic stays redefined: no use trying again.
            if demote || !region.names_clear() {
                self.demote(id);
            }
        }
        if timed && self.sample.is_none() {
            if let Some(t) = self.tier.as_ref() {
                self.sample = Some((id, t.timestamp(), self.depth));
            }
        }
        Ok(Flow::Next)
    }

    /// The general path of `SiteEnd`: the end of an interpreted timing sample.
    pub(super) fn site_end(&mut self) {
        if let Some((id, t0, depth)) = self.sample {
            if depth == self.depth {
                self.sample = None;
                if let Some(t) = self.tier.as_mut() {
                    let now = t.timestamp();
                    t.sample(id, false, now.saturating_sub(t0));
                }
            }
        }
    }

    /// The general path of `Loop` (a loop head): registration, hook check points,
    /// and running native loop code, re-entering it after each pause unless an
    /// interrupt or the end of the time slice stops it.
    pub(super) fn loop_slow(&mut self, ins: Instr) -> MsResult<Flow> {
        let frame = self.top_frame().expect("a frame is running");
        let (proto, base) = (frame.proto.clone(), frame.base);
        let id = self.region_entry(&proto, ins.x);
        let entry = self.region_slots[id.index()].entry.load(Ordering::Acquire);
        // Native loops spend no fuel: under an operation budget the loop runs
        // interpreted.
        if entry == 0 || self.attention.pending() & super::attention::BUDGET != 0 {
            return Ok(Flow::Next);
        }
        let region = &proto.regions[ins.x as usize];
        let Some(lp) = region.lp.as_ref() else {
            return Ok(Flow::Next);
        };
        // Temporaries that fallback exits store: numbers before the native code
        // runs (they are dead at every head, so whatever they held is garbage).
        for &r in &lp.temps {
            if let Some(slot) = self.stack.get_mut(base + r as usize) {
                if !matches!(slot, Value::Num(_)) {
                    *slot = Value::Num(0.0);
                }
            }
        }
        let mut head = ins.n as u32;
        let mut first = true;
        // Native loop runs are few and long: time every one.
        let t0 = self.tier.as_ref().map(|t| t.timestamp());
        loop {
            let run = self.loop_run(&proto, region, lp, id, entry, head, first)?;
            first = false;
            match run {
                LoopRun::Interpret => return Ok(Flow::Next),
                LoopRun::At(pc) => {
                    if self.attention.pending() != 0 {
                        self.sample_after_native(Tier::NativeLoop);
                    }
                    self.sample_native(id, t0);
                    return Ok(Flow::Jump(pc));
                }
                LoopRun::Again(h) => head = h,
            }
            let at = lp.heads[head as usize] as usize;
            if self.attention.pending() != 0 {
                if let Some(f) = self.frames.get_mut(self.depth - 1) {
                    f.pc = at;
                }
                if self.attention.interrupted() {
                    self.sample_native(id, t0);
                    return Err(super::interrupted_error());
                }
                self.sample_after_native(Tier::NativeLoop);
                self.on_attention()?;
                // A debugger paused or set a breakpoint in the loop: interpret.
                if self.debug_leaves_native() {
                    self.sample_native(id, t0);
                    return Ok(Flow::Jump(at));
                }
            }
            if self
                .slice_end
                .is_some_and(|end| std::time::Instant::now() >= end)
            {
                self.yield_requested = true;
                self.sample_native(id, t0);
                return Ok(Flow::Jump(at));
            }
        }
    }

    /// One run of the native loop code at `entry` of region `id`, entering at
    /// `head` (`first`: the first run of this entry into the region), with its
    /// counters and demotions.
    #[allow(clippy::too_many_arguments)]
    fn loop_run(
        &mut self,
        proto: &Rc<Proto>,
        region: &RegionInfo,
        lp: &LoopMeta,
        id: RegionId,
        entry: usize,
        head: u32,
        first: bool,
    ) -> MsResult<LoopRun> {
        let mut iters = 0u64;
        let base = self.top_frame().expect("a frame is running").base;
        if !region.names_clear() {
            // An intrinsic it calls was redefined, for good: interpret.
            self.regions_rt[id.index()].misses += 1;
            self.demote(id);
            return Ok(LoopRun::Interpret);
        }
        let mirrored = !lp.globals.is_empty();
        let calls = self.loop_callees.contains_key(&id.index());
        let r = if !self.loop_calls_hold(id) || mirrored && !self.load_mirrors(base, lp, proto) {
            0
        } else {
            // While the mirrors are live the globals map stays borrowed: a field
            // helper that meets it (through an alias such as `gm = globals`) cannot
            // borrow it and falls back, so no access sees or overwrites a stale value
            // (nor replaces a function the nest calls).
            let globals = self.globals.clone();
            let held = (mirrored || calls).then(|| globals.borrow_mut());
            let r = abi::run_loop(&mut self.stack, base, entry, head, &mut iters, proto);
            drop(held);
            if mirrored {
                self.store_mirrors(base, lp, proto);
            }
            r.unwrap_or(0)
        };
        let rt = &mut self.regions_rt[id.index()];
        rt.iters += iters;
        if r == 0 {
            // Guard failure: a local or global is not a number (or a global is
            // missing, or not what the running frame sees). Interpret this iteration.
            rt.misses += 1;
            if first && rt.misses > rt.native && self.guard_miss(id) {
                self.demote(id);
            }
            return Ok(LoopRun::Interpret);
        }
        if first {
            rt.native += 1;
        }
        if r & PAUSE_BIT == 0 {
            let (pc, kind) = lp.exits[(r - 1) as usize];
            rt.exits[kind as usize] += 1;
            // Fallbacks in most runs (lists of strings, say): interpret it.
            let fallbacks = rt.exits[ExitKind::Fallback as usize];
            if fallbacks >= 8 && fallbacks * 2 > rt.native {
                self.demote(id);
            }
            return Ok(LoopRun::At(pc as usize));
        }
        rt.exits[ExitKind::Pause as usize] += 1;
        Ok(LoopRun::Again(r & !PAUSE_BIT))
    }

    /// Load the globals loop region `lp` uses into their registers in the window at
    /// `base`, before a native run. False (a guard failure) when the running frame
    /// sees other variables than the globals (a local or outer scope of its own) or
    /// a global is missing or not a number.
    fn load_mirrors(&mut self, base: usize, lp: &LoopMeta, proto: &Proto) -> bool {
        let Some(f) = self.top_frame() else {
            return false;
        };
        // Global code reads `x += 1`'s variable from its locals map: it must be there.
        if !f.sees_only_globals(&self.globals) || proto.map_mode && f.locals.is_none() {
            return false;
        }
        let g = self.globals.borrow();
        for m in &lp.globals {
            let (Some(Value::Num(x)), Some(slot)) = (
                g.get(&proto.consts[m.name as usize]),
                self.stack.get_mut(base + m.reg as usize),
            ) else {
                return false;
            };
            *slot = Value::Num(*x);
        }
        true
    }

    /// Store the globals loop region `lp` writes back from their registers, in
    /// place (each was present when the run began, and native code removes no
    /// key), after a native run however it ended.
    fn store_mirrors(&mut self, base: usize, lp: &LoopMeta, proto: &Proto) {
        let mut g = self.globals.borrow_mut();
        for m in lp.globals.iter().filter(|m| m.written) {
            let value = self.stack.get(base + m.reg as usize);
            if let (Some(slot), Some(Value::Num(x))) =
                (g.get_mut(&proto.consts[m.name as usize]), value)
            {
                *slot = Value::Num(*x);
            }
        }
    }
}

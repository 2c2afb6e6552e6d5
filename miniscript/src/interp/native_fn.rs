//! The interpreter's side of function regions (`tier::describe_function`): each
//! script function called is registered once as a region; at the entry of a call
//! whose native code is published, the guards run and the native code stands in.
//!
//! Guards, all at the outermost native entry: every argument is a number, the
//! function sees only globals, every name its unit calls still holds the function
//! it was compiled against, and no pure intrinsic it computes is shadowed. The code
//! has no side effect, so nothing can change while it runs: nested native calls
//! need no guard. When the code gives up (`abi::BAIL_*`) the interpreter runs the
//! call itself from the start, which is exact for the same reason.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::slow::Flow;
use super::Vm;
use crate::tac::Proto;
use crate::tier::abi::{self, FnCtx, BAIL_DEPTH, BAIL_INTERRUPT};
use crate::tier::{
    describe_function, ExitKind, RegionCounters, RegionId, RegionInfo, SiteSlot, MAX_FN_ARGS,
};
use crate::value::{FuncCode, FuncVal, Value};

/// Native stack the nested native calls of one entry may use, in bytes (well
/// under the smallest thread stack a host runs an interpreter on).
const NATIVE_STACK: usize = 512 * 1024;
/// Native calls nest at most this deep, whatever the frame size.
const MAX_NATIVE_DEPTH: usize = 4000;
/// Back-edges a native run may take while a time slice is set.
const SLICE_BUDGET: u64 = 1 << 18;

/// One function known to this interpreter.
pub(crate) struct NativeFn {
    /// Its region.
    id: RegionId,
    /// Keeps the proto (and so its address, the key of `fn_index`) alive.
    _proto: Rc<Proto>,
    /// The names its unit calls, as keys, with the function each must hold.
    names: Vec<(Value, Rc<Proto>)>,
    /// Arguments of the native signature (`FuncUnit::nargs`).
    nargs: usize,
    /// How deep native calls of it may nest (frame-size estimate).
    depth_bound: usize,
    /// The intrinsics its unit computes (`RegionInfo::names_clear`).
    info: RegionInfo,
    /// Native runs that gave up.
    bails: u64,
}

impl Vm {
    /// `Enter`, the first instruction of a function that may be compiled whole:
    /// count the call, and if the function has native code and the guards pass,
    /// run it and return its result from the frame just pushed (its parameters,
    /// defaults filled in, are the first registers of the window). Out of line,
    /// so that the general path it is reached from keeps its shape.
    #[inline(never)]
    pub(super) fn fn_enter(&mut self) -> Flow {
        let Some(fr) = self.top_frame() else {
            return Flow::Next;
        };
        let (proto, base) = (fr.proto.clone(), fr.base);
        // A map lookup rather than a cache in the proto: a field there cost the
        // interpreter's calls 2 instructions each with the JIT off (layout).
        let k = match self.fn_index.get(&(Rc::as_ptr(&proto) as usize)) {
            Some(&k) => k,
            None => self.register_fn(&proto),
        };
        let id = self.fn_natives[k].id;
        let rt = &mut self.regions_rt[id.index()];
        rt.count += 1;
        if rt.count >= rt.next_check {
            let next = self.hook_check(id);
            self.regions_rt[id.index()].next_check = next;
        }
        let entry = self.region_slots[id.index()].entry.load(Ordering::Acquire);
        // Native code spends no fuel: under an operation budget the function runs
        // interpreted.
        if entry == 0 || self.attention.pending() & super::attention::BUDGET != 0 {
            return Flow::Next;
        }
        match self.native_enter(k, &proto, base, entry) {
            Some(v) => {
                self.do_return(v);
                Flow::Reload
            }
            None => Flow::Next,
        }
    }

    /// Register `proto` as a function region of this interpreter (or find it
    /// again); returns its index in `fn_natives`.
    #[cold]
    fn register_fn(&mut self, proto: &Rc<Proto>) -> usize {
        let key = Rc::as_ptr(proto) as usize;
        let globals = self.globals.clone();
        let resolve = |name: &str| -> Option<Rc<Proto>> {
            match globals.borrow().get(&Value::str(name)) {
                Some(Value::Func(g)) => script_of(g, &globals),
                _ => None,
            }
        };
        let described = describe_function(proto, &resolve);
        let name = self
            .holder_name(proto, None)
            .map(Rc::from)
            .unwrap_or_else(|| proto.name.clone());
        let first = proto.first_line();
        let last = proto.lines.iter().copied().max().unwrap_or(first);
        let (desc, names, nargs, nregs) = match described {
            Ok((d, names)) => {
                let unit = d.func.as_ref();
                let nargs = unit.map_or(0, |u| u.nargs as usize);
                let nregs = unit.map_or(0, |u| {
                    u.funcs.iter().map(|f| f.nregs as usize).max().unwrap_or(0)
                });
                let names = names
                    .into_iter()
                    .map(|(n, p)| (Value::str(&n), p))
                    .collect();
                (Ok(Rc::new(d)), names, nargs, nregs)
            }
            Err(e) => (Err(e), Vec::new(), 0, 0),
        };
        let info = RegionInfo {
            site: 0,
            end: 0,
            inputs: Box::default(),
            outputs: Box::default(),
            complexity: desc.as_ref().map_or(0, |d| d.complexity),
            intrinsics: desc.as_ref().map_or(0, |d| d.intrinsics),
            desc,
            exprs: Box::new([(first, 1, Rc::from(format!("function {name}")))]),
            lp: None,
            func: Some((name, first, last)),
        };
        let id = RegionId(self.regions_rt.len() as u32);
        let slot = Arc::new(SiteSlot::default());
        self.regions_rt.push(RegionCounters {
            next_check: if self.tier.is_some() { 1 } else { u64::MAX },
            ..Default::default()
        });
        if let Some(t) = self.tier.as_mut() {
            t.register(id, &info, proto, None, &slot);
        }
        self.region_slots.push(slot);
        let k = self.fn_natives.len();
        self.fn_natives.push(NativeFn {
            id,
            _proto: proto.clone(),
            names,
            nargs,
            depth_bound: (NATIVE_STACK / (96 + 16 * nregs)).min(MAX_NATIVE_DEPTH),
            info,
            bails: 0,
        });
        self.fn_index.insert(key, k);
        k
    }

    /// The guards and the native run of function `k` (see `native_call`).
    fn native_enter(
        &mut self,
        k: usize,
        proto: &Proto,
        base: usize,
        entry: usize,
    ) -> Option<Value> {
        // Just after a run gave up for depth: the calls it made go interpreted
        // for a while, or a deep recursion would retry at every level.
        let (lo, hi) = self.fn_deep;
        if self.depth < lo {
            self.fn_deep = (usize::MAX, 0);
        } else if self.depth < hi {
            return None;
        }
        let nf = &self.fn_natives[k];
        let mut args = [0.0; MAX_FN_ARGS];
        let nparams = proto.params.len();
        let only_globals = self.top_frame().is_some_and(|fr| {
            fr.locals.is_none()
                && fr
                    .outer
                    .as_ref()
                    .is_none_or(|o| Rc::ptr_eq(o, &self.globals))
        });
        let mut ok = nparams <= nf.nargs && only_globals;
        for (i, a) in args.iter_mut().enumerate().take(nparams.min(MAX_FN_ARGS)) {
            match self.stack.get(base + i) {
                Some(Value::Num(x)) => *a = *x,
                _ => ok = false,
            }
        }
        if ok {
            let g = self.globals.borrow();
            ok = nf.info.names_clear()
                && nf.names.iter().all(|(key, p)| match g.get(key) {
                    Some(Value::Func(h)) => {
                        sees_globals(h, &self.globals)
                            && matches!(&h.code, FuncCode::Script(q) if Rc::ptr_eq(q, p))
                    }
                    _ => false,
                });
        }
        let id = nf.id.index();
        if !ok {
            self.regions_rt[id].misses += 1;
            let demote = match self.tier.as_mut() {
                Some(t) => t.guard_miss(nf.id, &self.regions_rt[id]),
                None => false,
            };
            if demote {
                self.region_slots[id].demote();
            }
            return None;
        }
        // Native depth d stands for interpreter depth `self.depth + d`, which the
        // interpreter allows up to `max_call_depth`.
        let room = (self.config.max_call_depth + 1).saturating_sub(self.depth);
        let mut ctx = FnCtx {
            status: 0,
            max_depth: nf.depth_bound.min(room).min(u32::MAX as usize) as u32,
            interrupt: self.attention.as_ptr(),
            budget: if self.slice_end.is_some() {
                SLICE_BUDGET
            } else {
                u64::MAX
            },
        };
        let r = abi::run_function(entry, &mut ctx, &args[..nf.nargs]);
        if self.attention.pending() & super::attention::SAMPLE != 0 {
            self.sample_after_native(crate::tier::samples::Tier::NativeFunction);
        }
        if ctx.status == 0 {
            self.regions_rt[id].native += 1;
            return Some(Value::Num(r));
        }
        self.native_bail(k, ctx.status);
        None
    }

    /// A native run of function `k` gave up for `reason`: count it, and demote the
    /// function when that happens in most runs.
    #[cold]
    fn native_bail(&mut self, k: usize, reason: u32) {
        let nf = &mut self.fn_natives[k];
        let id = nf.id.index();
        if reason == BAIL_DEPTH {
            self.fn_deep = (self.depth, self.depth + nf.depth_bound / 2);
        }
        let rt = &mut self.regions_rt[id];
        rt.exits[ExitKind::Fallback as usize] += 1;
        // An interrupt stops the program; the other reasons would recur.
        if reason != BAIL_INTERRUPT {
            nf.bails += 1;
            if nf.bails >= 8 && nf.bails * 2 > rt.native {
                self.region_slots[id].demote();
            }
        }
    }
}

/// Whether `f` sees only globals (its outer is absent or the globals map), as
/// native code assumes.
fn sees_globals(f: &FuncVal, globals: &crate::value::MapRef) -> bool {
    f.outer.as_ref().is_none_or(|o| Rc::ptr_eq(o, globals))
}

/// The script function `f` holds, if it sees only globals.
pub(super) fn script_of(f: &FuncVal, globals: &crate::value::MapRef) -> Option<Rc<Proto>> {
    match &f.code {
        FuncCode::Script(p) if sees_globals(f, globals) => Some(p.clone()),
        _ => None,
    }
}

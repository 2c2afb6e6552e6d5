//! The interpreter's side of loop regions that call script functions (inlined by
//! `tier::full_desc`): the names looked up when the nest is compiled, and the guard.
//!
//! The hook's check point is where a nest gets described to be compiled: the
//! names it (and the functions it calls) looks up are noted there, with the
//! function each held. The native code runs only while every such name still
//! holds that function (seeing only globals), the running frame sees only
//! globals, no pure intrinsic is shadowed and the inlined calls would not have
//! gone past the depth limit: then the calls it makes are exactly the ones the
//! interpreter would have made. Nothing in the nest's native code can change a
//! name meanwhile (the globals map stays borrowed while it runs).

use std::cell::RefCell;
use std::rc::Rc;

use super::native_fn::script_of;
use super::Vm;
use crate::tac::Proto;
use crate::tier::{RegionId, MAX_INLINE_DEPTH};
use crate::value::{FuncCode, Value};

/// The names a compiled nest calls through, with the function each held.
pub(crate) type Callees = Box<[(Value, Rc<Proto>)]>;

impl Vm {
    /// The hook's check point of region `id`: the next one. The names the hook
    /// looks up meanwhile are kept for the guard of the region's native code.
    pub(super) fn hook_check(&mut self, id: RegionId) -> u64 {
        let Some(t) = self.tier.as_mut() else {
            return u64::MAX;
        };
        let globals = &self.globals;
        let seen: RefCell<Vec<(Value, Rc<Proto>)>> = RefCell::new(Vec::new());
        let resolve = |name: &str| -> Option<Rc<Proto>> {
            let key = Value::str(name);
            let p = match globals.try_borrow().ok()?.get(&key) {
                Some(Value::Func(f)) => script_of(f, globals)?,
                _ => return None,
            };
            let mut seen = seen.borrow_mut();
            if !seen.iter().any(|(k, _)| *k == key) {
                seen.push((key, p.clone()));
            }
            Some(p)
        };
        let next = t.check(id, &self.regions_rt[id.index()], &resolve);
        let seen = seen.into_inner();
        if !seen.is_empty() {
            self.loop_callees
                .insert(id.index(), seen.into_boxed_slice());
        }
        next
    }

    /// Whether the native code of loop region `id` may run now as far as its
    /// calls go (true when it makes none).
    pub(super) fn loop_calls_hold(&self, id: RegionId) -> bool {
        let Some(names) = self.loop_callees.get(&id.index()) else {
            return true;
        };
        let Some(f) = self.top_frame() else {
            return false;
        };
        if !f.sees_only_globals(&self.globals)
            || self.depth + MAX_INLINE_DEPTH > self.config.max_call_depth
            || crate::tier::intrinsics::shadowed() != 0
        {
            return false;
        }
        let Ok(g) = self.globals.try_borrow() else {
            return false;
        };
        names.iter().all(|(key, p)| match g.get(key) {
            Some(Value::Func(h)) => {
                script_of(h, &self.globals).is_some()
                    && matches!(&h.code, FuncCode::Script(q) if Rc::ptr_eq(q, p))
            }
            _ => false,
        })
    }
}

//! The fast paths of the common calls: a plain call of a script function and a method
//! call found along a map's `__isa` chain. Anything unusual is left to `call.rs`.

use std::cell::Cell;
use std::rc::Rc;

use super::frame::{Frame, RetDest};
use super::Vm;
use crate::tac::Proto;
use crate::value::{FuncCode, FuncVal, MapRef, Value};

/// How many `__isa` links a method lookup follows before leaving it to the general
/// path (which also raises the too-deep error).
const MAX_FAST_HOPS: usize = 8;

impl Vm {
    /// The common call: a script function that is not map-mode and takes no `self`,
    /// called without an object, with no more arguments than parameters, below the
    /// depth limit and with no interrupt pending. Pushes its frame and returns true;
    /// returns false having done nothing otherwise (the general path then runs,
    /// raising any error). Inlined into `CallName`: the call's prologue and
    /// epilogue cost fib 4% of its instructions.
    #[inline(always)]
    pub(crate) fn push_plain_call(
        &mut self,
        f: &FuncVal,
        start: usize,
        given: usize,
        dst: RetDest,
    ) -> bool {
        let FuncCode::Script(proto) = &f.code else {
            return false;
        };
        if proto.map_mode || proto.self_param || !self.can_enter(proto, given) {
            return false;
        }
        self.push_script_frame(f, proto, start, given, dst);
        true
    }

    /// `obj.name(args)` (operand registers as `CallMember`'s: the object at `objreg`,
    /// the arguments after it) when `obj` is a map and `name` a string found in it or
    /// along its `__isa` chain of maps, naming a script function that is not
    /// map-mode, with the checks of `push_plain_call`. `self` is the object (the
    /// first parameter when it is named `self`), `super` the `__isa` of the map the
    /// function was found in. `cache` is the instruction's inline cache: where the
    /// name sat in the map it was last found in. Returns false having done nothing
    /// otherwise.
    #[inline(never)]
    pub(crate) fn push_method_call(
        &mut self,
        objreg: usize,
        key: &Value,
        nargs: usize,
        dst: RetDest,
        cache: &Cell<u32>,
    ) -> bool {
        let Value::Str(ks) = key else {
            return false;
        };
        let Value::Map(obj) = &self.stack[objreg] else {
            return false;
        };
        let obj = obj.clone();
        let mut cur = obj.clone();
        let mut hops = 0;
        // (The walk of `find_member`, kept here: returning the found value from a
        // shared helper cost this path 15 instructions per call.)
        let (f, super_val) = loop {
            let next = {
                let m = cur.borrow();
                let absent = hops == 0 && !m.may_hold_str(ks);
                if let Some(v) = (!absent).then(|| m.get_cached(key, cache)).flatten() {
                    let Value::Func(f) = v else {
                        return false;
                    };
                    // `super` is the `__isa` of the map the method was found in;
                    // only a method that reads it needs it.
                    let sup = match &f.code {
                        FuncCode::Script(p) if p.uses_super => {
                            Some(m.isa_entry(&self.isa_key).cloned().unwrap_or(Value::Null))
                        }
                        _ => None,
                    };
                    break (f.clone(), sup);
                }
                match m.isa_entry(&self.isa_key) {
                    Some(Value::Map(p)) => p.clone(),
                    _ => return false,
                }
            };
            hops += 1;
            if hops > MAX_FAST_HOPS {
                return false;
            }
            cur = next;
        };
        // (Not `push_found_method`: through it this path cost 5 more instructions.)
        let FuncCode::Script(proto) = &f.code else {
            return false;
        };
        let (start, given) = if proto.self_param {
            (objreg, nargs + 1)
        } else {
            (objreg + 1, nargs)
        };
        if proto.map_mode || !self.can_enter(proto, given) {
            return false;
        }
        self.push_script_frame(&f, proto, start, given, dst);
        let fr = &mut self.frames[self.depth - 1];
        fr.self_val = Value::Map(obj);
        fr.super_val = super_val;
        true
    }

    /// `key` (a string) in map `obj`, along its `__isa` chain of maps and then in the
    /// `map` type map unless `in_map_type` (as `ops::lookup_member` resolves it; a
    /// list or string starts at its type map, with `in_map_type`), using
    /// `cache` (see [`push_method_call`](Vm::push_method_call)): the value and, when
    /// it is a function, the `__isa` of the map it was found in (its `super`; null
    /// otherwise). `None` when not found within `MAX_FAST_HOPS` links or when the
    /// chain meets a non-map: the general path then decides (type maps, errors).
    #[inline(always)]
    pub(crate) fn find_member(
        &self,
        obj: &MapRef,
        key: &Value,
        cache: &Cell<u32>,
        mut in_map_type: bool,
    ) -> Option<(Value, Value)> {
        if !matches!(key, Value::Str(_)) {
            return None;
        }
        let mut cur = obj.clone();
        let mut hops = 0;
        loop {
            let next = {
                let m = cur.borrow();
                if let Some(v) = m.get_cached(key, cache) {
                    let sup = match v {
                        Value::Func(_) => m.isa_entry(&self.isa_key).cloned(),
                        _ => None,
                    };
                    return Some((v.clone(), sup.unwrap_or(Value::Null)));
                }
                match m.isa_entry(&self.isa_key) {
                    Some(Value::Map(p)) => p.clone(),
                    // The end of the chain: the `map` type map, once.
                    None if !in_map_type => {
                        in_map_type = true;
                        self.types.map.clone()
                    }
                    _ => return None,
                }
            };
            hops += 1;
            if hops > MAX_FAST_HOPS {
                return None;
            }
            cur = next;
        }
    }

    /// Push the frame of method `f` found for object `obj` (in register `objreg`,
    /// its `nargs` arguments after it) with `super_val` as its `super`, under the
    /// checks of `push_plain_call`. False, having done nothing, otherwise.
    #[inline(always)]
    pub(crate) fn push_found_method(
        &mut self,
        f: &FuncVal,
        objreg: usize,
        nargs: usize,
        dst: RetDest,
        obj: &Value,
        super_val: &Value,
    ) -> bool {
        let FuncCode::Script(proto) = &f.code else {
            return false;
        };
        let (start, given) = if proto.self_param {
            (objreg, nargs + 1)
        } else {
            (objreg + 1, nargs)
        };
        if proto.map_mode || !self.can_enter(proto, given) {
            return false;
        }
        self.push_script_frame(f, proto, start, given, dst);
        let fr = &mut self.frames[self.depth - 1];
        fr.self_val = obj.clone();
        fr.super_val = Some(super_val.clone());
        true
    }

    /// Whether a call of `proto` with `given` arguments may enter without the
    /// general path: not too many arguments, below the depth limit, no interrupt.
    #[inline(always)]
    fn can_enter(&self, proto: &Proto, given: usize) -> bool {
        given <= proto.params.len()
            && self.depth < self.config.max_call_depth
            && self.attention.pending() == 0
    }

    /// Push the frame of a call of script function `f` (not map-mode) whose `given`
    /// arguments are in place from `start`: defaults for the missing parameters, the
    /// "unset" marker in the other named locals. The frame's `outer` is left empty
    /// when it would be the globals map (`None` means globals), saving its reference
    /// count per call. `self` and `super` are left empty.
    #[inline(always)]
    fn push_script_frame(
        &mut self,
        f: &FuncVal,
        proto: &Rc<Proto>,
        start: usize,
        given: usize,
        dst: RetDest,
    ) {
        let nparams = proto.params.len();
        if self.stack.len() < start + proto.nregs as usize || given < nparams {
            self.grow_and_fill_defaults(proto, start, given);
        }
        for i in nparams..proto.nlocals as usize {
            self.stack[start + i] = Value::Func(self.unset.clone());
        }
        let outer = match &f.outer {
            Some(o) if !Rc::ptr_eq(o, &self.globals) => Some(o.clone()),
            _ => None,
        };
        let d = self.depth;
        if let Some(fr) = self.frames.get_mut(d) {
            // A popped frame has no locals, outer, self or super (see `pop_frame`).
            if !Rc::ptr_eq(&fr.proto, proto) {
                fr.proto = proto.clone();
            }
            fr.pc = 0;
            fr.base = start;
            if outer.is_some() {
                fr.outer = outer;
            }
            fr.ret = dst;
        } else {
            self.push_new_frame(proto, start, outer, dst);
        }
        self.depth = d + 1;
    }

    /// The rare parts of `push_script_frame`, out of its way: grow the value stack to
    /// the callee's window and fill the parameters not given with their defaults.
    #[cold]
    #[inline(never)]
    fn grow_and_fill_defaults(&mut self, proto: &Proto, start: usize, given: usize) {
        let need = start + proto.nregs as usize;
        if self.stack.len() < need {
            self.stack.resize(need, Value::Null);
        }
        for (i, p) in proto.params.iter().enumerate().skip(given) {
            self.stack[start + i] = p.default.clone();
        }
    }

    /// A frame deeper than any before: the frame vector grows.
    #[cold]
    #[inline(never)]
    fn push_new_frame(
        &mut self,
        proto: &Rc<Proto>,
        start: usize,
        outer: Option<crate::value::MapRef>,
        dst: RetDest,
    ) {
        self.frames.push(Frame {
            proto: proto.clone(),
            pc: 0,
            base: start,
            locals: None,
            outer,
            ret: dst,
            self_val: Value::Null,
            super_val: None,
        });
    }
}

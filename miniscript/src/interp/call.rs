//! Calls and returns, variable lookup by name, and the delivery of results.
//!
//! Calling convention: the caller evaluates arguments into consecutive registers at
//! the top of its window; the callee's window starts at the first argument (or at the
//! object, for a dot call of a function whose first parameter is `self`), so
//! parameters are in place with no copying. Missing parameters get their defaults,
//! the remaining named locals the "unset" marker.

use std::cell::RefCell;
use std::rc::Rc;

use super::frame::{Frame, RetDest};
use super::slow::Flow;
use super::Vm;
use crate::error::{MsError, MsResult};
use crate::value::{FuncCode, FuncVal, Value};

/// How the callee receives `self`.
pub(crate) enum SelfArg {
    /// A plain call: a first parameter named `self` is filled by position.
    None,
    /// A dot call: the object sits in the register just below the arguments.
    Object {
        obj: Value,
        super_val: Option<Value>,
        keep_self: Option<Value>,
    },
}

impl Vm {
    /// Store a call's result where the caller wanted it.
    pub(crate) fn deliver(&mut self, dst: RetDest, v: Value) {
        match dst {
            RetDest::Reg(i) => self.stack[i] = v,
            RetDest::Resolve(k) => {
                let depth = self.depth;
                if let Some(r) = self.resolving.last_mut().filter(|r| r.depth == depth) {
                    r.vals[k as usize] = Some(v);
                }
            }
            RetDest::Discard | RetDest::Host => {}
        }
    }

    /// Pop the top frame, delivering `v` to its caller; returns where it went.
    pub(crate) fn do_return(&mut self, v: Value) -> RetDest {
        // The callee's registers are left as they are: the stack only grows, so the
        // next call needs no resize, and every register is written before it is read.
        let Some(ret) = self.pop_frame() else {
            return RetDest::Host;
        };
        self.deliver(ret, v);
        ret
    }

    /// Look a variable up by name from the top frame: locals map, outer (or globals),
    /// globals, intrinsics (spec §6.3).
    pub(crate) fn lookup_name(&self, key: &Value) -> Option<Value> {
        let f = self.top_frame()?;
        if let Some(l) = &f.locals {
            if let Some(v) = l.borrow().get(key) {
                return Some(v.clone());
            }
        }
        if let Some(o) = &f.outer {
            if let Some(v) = o.borrow().get(key) {
                return Some(v.clone());
            }
        }
        if let Some(v) = self.globals.borrow().get(key) {
            return Some(v.clone());
        }
        self.intrinsics_map.borrow().get(key).cloned()
    }

    /// `lookup_name` for a `CallName` instruction with an inline cache. When the frame
    /// can only see globals (global code, whose locals map is the globals map, or a
    /// function with no locals map whose outer is absent or the globals map itself),
    /// the index where the name sat in the globals map is remembered and checked by
    /// key identity next time, skipping the hash probe. Always inlined: the
    /// dispatch loop has two instances (with and without debug checks), and as a
    /// plain `#[inline]` it stopped being inlined into them (fib +4%).
    #[inline(always)]
    pub(crate) fn lookup_name_cached(
        &self,
        fi: usize,
        key: &Value,
        cache: &std::cell::Cell<u32>,
    ) -> Option<Value> {
        if !self.frames[fi].sees_only_globals(&self.globals) {
            return self.lookup_name(key);
        }
        let Value::Str(ks) = key else {
            return self.lookup_name(key);
        };
        let g = self.globals.borrow();
        if let Some((Value::Str(k), v)) = g.get_index(cache.get() as usize) {
            if Rc::ptr_eq(k, ks) {
                return Some(v.clone());
            }
        }
        if let Some((i, _, v)) = g.get_full(key) {
            cache.set(i as u32);
            return Some(v.clone());
        }
        self.intrinsics_map.borrow().get(key).cloned()
    }

    /// The number held by global `key` when the frame sees only globals and the
    /// instruction's cache points at it: `CallName`'s fast path for a numeric global
    /// (no value clone, no drop). `None` sends the caller to the general lookup.
    #[inline(always)]
    pub(crate) fn global_num_cached(
        &self,
        fi: usize,
        key: &Value,
        cache: &std::cell::Cell<u32>,
    ) -> Option<f64> {
        let Value::Str(ks) = key else {
            return None;
        };
        if !self.frames[fi].sees_only_globals(&self.globals) {
            return None;
        }
        self.globals.borrow().num_at_cached(ks, cache)
    }

    /// `SetVar`'s fastest path: number `x` over the number already under `key` in
    /// the running frame's locals map (the globals map in global code), found
    /// through the instruction's cache. False when any of that does not hold.
    #[inline(always)]
    pub(crate) fn set_num_var_cached(
        &self,
        fi: usize,
        key: &Value,
        x: f64,
        cache: &std::cell::Cell<u32>,
    ) -> bool {
        let Value::Str(ks) = key else {
            return false;
        };
        let map = self.frames[fi].locals.as_ref().unwrap_or(&self.globals);
        map.borrow_mut().set_num_at_cached(ks, x, cache)
    }

    /// `SetVar`'s fast path: overwrite variable `key` of the running frame's locals
    /// map (the globals map in global code) in place, through the instruction's
    /// inline cache. False when the name is new: insertion and its checks are the
    /// slow path's.
    #[inline(never)]
    pub(crate) fn set_var_cached(
        &mut self,
        fi: usize,
        key: &Value,
        v: Value,
        cache: &std::cell::Cell<u32>,
    ) -> bool {
        let map = self.frames[fi].locals.as_ref().unwrap_or(&self.globals);
        // The old value (or `v`, on a miss) drops after the map's borrow ends.
        let replaced = map.borrow_mut().replace_cached(key, v, cache);
        replaced.is_ok()
    }

    pub(crate) fn undefined(key: &Value) -> MsError {
        MsError::runtime(format!(
            "Undefined Identifier: '{}' is unknown in this context",
            key.as_str().unwrap_or("?")
        ))
    }

    /// Use `v` as a callee with `nargs` arguments at `argbase`: call it if it is a
    /// function, else it is the result (with arguments, an error).
    pub(crate) fn invoke_value(
        &mut self,
        v: Value,
        argbase: usize,
        nargs: usize,
        dst: RetDest,
        self_arg: SelfArg,
    ) -> MsResult<Flow> {
        match v {
            Value::Func(f) => self.call_function(f, argbase, nargs, dst, self_arg),
            other => {
                if nargs > 0 {
                    return Err(MsError::runtime("Too Many Arguments"));
                }
                self.deliver(dst, other);
                Ok(Flow::Next)
            }
        }
    }

    /// Call function `f`. For a dot call (`SelfArg::Object`) the object is in register
    /// `argbase - 1`. Returns `Reload` when a frame was pushed.
    pub(crate) fn call_function(
        &mut self,
        f: Rc<FuncVal>,
        argbase: usize,
        nargs: usize,
        dst: RetDest,
        self_arg: SelfArg,
    ) -> MsResult<Flow> {
        if self.is_unset(&f) {
            return Err(MsError::runtime("internal error: unset marker called"));
        }
        let params = f.params();
        let takes_self = match &f.code {
            FuncCode::Script(p) => p.self_param,
            FuncCode::Native(_) => params.first().is_some_and(|p| &*p.name == "self"),
        };
        let is_member = matches!(self_arg, SelfArg::Object { .. });
        // Where parameter 0 lives and how many arguments the callee really gets.
        let (start, given) = if is_member && takes_self {
            (argbase - 1, nargs + 1)
        } else {
            (argbase, nargs)
        };
        if given > params.len() {
            return Err(MsError::runtime("Too Many Arguments"));
        }
        match &f.code {
            FuncCode::Native(intr) => {
                let mut args = std::mem::take(&mut self.scratch);
                args.clear();
                args.extend(self.stack[start..start + given].iter().cloned());
                args.extend(params[given..].iter().map(|p| p.default.clone()));
                let r = (intr.f)(self, &mut args);
                if self.attention.pending() & super::attention::SAMPLE != 0 {
                    self.sample_intrinsic(intr);
                }
                args.clear();
                self.scratch = args;
                let v = r?;
                self.deliver(dst, v);
                Ok(Flow::Next)
            }
            FuncCode::Script(proto) => {
                if self.depth >= self.config.max_call_depth {
                    return Err(MsError::runtime(format!(
                        "Stack Overflow: call depth exceeded the limit of {} nested calls",
                        self.config.max_call_depth
                    )));
                }
                if self.attention.pending() != 0 {
                    self.on_attention()?;
                }
                let proto = proto.clone();
                let need = start + proto.nregs as usize;
                if self.stack.len() < need {
                    self.stack.resize(need, Value::Null);
                }
                for (i, p) in params.iter().enumerate().skip(given) {
                    self.stack[start + i] = p.default.clone();
                }
                let nparams = params.len();
                let (self_val, super_val) = match self_arg {
                    SelfArg::Object {
                        obj,
                        super_val,
                        keep_self,
                    } => (keep_self.unwrap_or(obj), super_val),
                    SelfArg::None => {
                        let s = if takes_self {
                            self.stack[start].clone()
                        } else {
                            Value::Null
                        };
                        (s, None)
                    }
                };
                let locals = if proto.map_mode {
                    let mut m = crate::value::new_map();
                    for (i, p) in params.iter().enumerate() {
                        m.insert(Value::str(&p.name), self.stack[start + i].clone());
                    }
                    Some(Rc::new(RefCell::new(m)))
                } else {
                    for i in nparams..proto.nlocals as usize {
                        self.stack[start + i] = Value::Func(self.unset.clone());
                    }
                    None
                };
                self.push_frame(
                    proto,
                    start,
                    locals,
                    f.outer.clone(),
                    dst,
                    self_val,
                    super_val,
                );
                Ok(Flow::Reload)
            }
        }
    }

    /// Push a frame. Frames are reused in place (the vector never shrinks): building a
    /// frame in a temporary and moving it in costs a store-forwarding stall per call.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_frame(
        &mut self,
        proto: Rc<crate::tac::Proto>,
        base: usize,
        locals: Option<crate::value::MapRef>,
        outer: Option<crate::value::MapRef>,
        ret: RetDest,
        self_val: Value,
        super_val: Option<Value>,
    ) {
        let d = self.depth;
        if d < self.frames.len() {
            let f = &mut self.frames[d];
            f.proto = proto;
            f.pc = 0;
            f.base = base;
            f.locals = locals;
            f.outer = outer;
            f.ret = ret;
            // A popped frame holds null/None already: skip the (16-byte) stores then.
            if !matches!(self_val, Value::Null) {
                f.self_val = self_val;
            }
            if super_val.is_some() {
                f.super_val = super_val;
            }
        } else {
            self.frames.push(Frame {
                proto,
                pc: 0,
                base,
                locals,
                outer,
                ret,
                self_val,
                super_val,
            });
        }
        self.depth = d + 1;
    }

    /// Pop the top frame; returns where its result goes.
    pub(crate) fn pop_frame(&mut self) -> Option<RetDest> {
        if self.depth == 0 {
            return None;
        }
        self.depth -= 1;
        let f = &mut self.frames[self.depth];
        // Release what the dead frame kept alive; its proto stays until reuse.
        if f.locals.is_some() {
            f.locals = None;
        }
        if f.outer.is_some() {
            f.outer = None;
        }
        if !matches!(f.self_val, Value::Null) {
            f.self_val = Value::Null;
        }
        if f.super_val.is_some() {
            f.super_val = None;
        }
        Some(f.ret)
    }

    /// The running frame.
    pub(crate) fn top_frame(&self) -> Option<&Frame> {
        self.frames[..self.depth].last()
    }

    pub(crate) fn top_frame_mut(&mut self) -> Option<&mut Frame> {
        let d = self.depth;
        self.frames[..d].last_mut()
    }

    /// Attach the current line (and file) to an error raised by the top frame.
    pub(crate) fn locate(&mut self, e: MsError) -> MsError {
        let Some(f) = self.top_frame() else {
            return e;
        };
        let line = f.proto.lines.get(f.pc).copied().unwrap_or(0);
        let mut e = e.at_line(line);
        if e.file.is_none() {
            e.file = f.proto.file.clone();
        }
        e
    }
}

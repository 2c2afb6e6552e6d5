//! The general path of every instruction: operand types other than numbers, calls,
//! variables by name, containers, and the resolution of named locals that hold a
//! function (auto-invocation) or were never assigned (lookup by name).
//!
//! Resolution works without native recursion: the function is called in a new frame
//! whose result is parked in the caller's `resolved[k]`, and the caller re-runs the
//! same instruction, which then uses the parked value.

use std::rc::Rc;

use super::call::SelfArg;
use super::frame::RetDest;
use super::Vm;
use crate::ast::{BinOp, CmpOp};
use crate::error::{MsError, MsResult};
use crate::ops;
use crate::tac::{Instr, Op, K_BIT, NO_REG};
use crate::value::{FuncCode, FuncVal, Value};

/// What the dispatch loop does after a slow path.
pub(crate) enum Flow {
    /// Continue with the next instruction of the same frame.
    Next,
    /// Continue at this pc of the same frame.
    Jump(usize),
    /// Frames changed (or the pc was set): reload the top frame.
    Reload,
}

/// Both value operands b and c of `$ins`, resolved; returns `Flow::Reload` when a
/// call frame was pushed to resolve one (the instruction is re-run).
macro_rules! two {
    ($vm:expr, $ins:expr, $cur:expr) => {
        match $vm.operands2($ins, $cur)? {
            Some(v) => v,
            None => return Ok(Flow::Reload),
        }
    };
}

/// Operand `$o`, resolved, the same way.
macro_rules! one {
    ($vm:expr, $o:expr, $cur:expr) => {
        match $vm.operand1($o, $cur)? {
            Some(v) => v,
            None => return Ok(Flow::Reload),
        }
    };
}

impl Vm {
    pub(super) fn reg(&self, o: u16) -> Value {
        let f = self.top_frame().expect("a frame is running");
        if o & K_BIT != 0 {
            f.proto.consts[(o & !K_BIT) as usize].clone()
        } else {
            self.stack[f.base + o as usize].clone()
        }
    }

    pub(super) fn dst(&self, a: u16) -> RetDest {
        if a == NO_REG {
            RetDest::Discard
        } else {
            RetDest::Reg(self.top_frame().map_or(0, |f| f.base) + a as usize)
        }
    }

    pub(super) fn set(&mut self, a: u16, v: Value) {
        if a != NO_REG {
            let base = self.top_frame().map_or(0, |f| f.base);
            self.stack[base + a as usize] = v;
        }
    }

    /// Top of the current window: where a call with no arguments may put its frame.
    pub(super) fn window_top(&self) -> usize {
        let f = self.top_frame().expect("a frame is running");
        f.base + f.proto.nregs as usize
    }

    pub(super) fn const_at(&self, k: u16) -> Value {
        let f = self.top_frame().expect("a frame is running");
        f.proto.consts[(k & !K_BIT) as usize].clone()
    }

    /// Read operand `o` (field `k` of the instruction at `cur`) as a value, resolving a
    /// named local that holds a function or is unassigned. `Ok(None)`: a call frame was
    /// pushed; the instruction will be re-run.
    pub(super) fn operand(&mut self, o: u16, k: usize, cur: usize) -> MsResult<Option<Value>> {
        let (is_local, base) = {
            let f = self.top_frame().expect("a frame is running");
            (o & K_BIT == 0 && o < f.proto.nlocals, f.base)
        };
        if !is_local {
            return Ok(Some(self.reg(o)));
        }
        if let Some(r) = self.resolution(cur) {
            if let Some(v) = r.vals[k].take() {
                return Ok(Some(v));
            }
        }
        let mut v = self.stack[base + o as usize].clone();
        if let Value::Func(fv) = &v {
            if self.is_unset(fv) {
                let name = self.local_name(o);
                v = self
                    .lookup_name(&name)
                    .ok_or_else(|| Vm::undefined(&name))?;
            }
        }
        match v {
            Value::Func(fv) => {
                let top = self.window_top();
                self.begin_resolution(cur);
                match self.call_function(fv, top, 0, RetDest::Resolve(k as u8), SelfArg::None)? {
                    Flow::Reload => Ok(None),
                    _ => {
                        // A native function ran inline and parked its result.
                        let v = self.resolution(cur).and_then(|r| r.vals[k].take());
                        Ok(Some(v.unwrap_or(Value::Null)))
                    }
                }
            }
            other => Ok(Some(other)),
        }
    }

    pub(super) fn local_name(&self, slot: u16) -> Value {
        let f = self.top_frame().expect("a frame is running");
        Value::str(&f.proto.local_names[slot as usize])
    }

    /// The resolution state of instruction `cur` of the top frame, if any.
    pub(super) fn resolution(&mut self, cur: usize) -> Option<&mut super::frame::Resolving> {
        let depth = self.depth;
        // Entries of frames that are gone (an error unwound them) are stale.
        while self.resolving.last().is_some_and(|r| r.depth > depth) {
            self.resolving.pop();
        }
        self.resolving
            .last_mut()
            .filter(|r| r.depth == depth && r.pc == cur)
    }

    pub(super) fn begin_resolution(&mut self, cur: usize) {
        if self.resolution(cur).is_none() {
            let depth = self.depth;
            if self.resolving.last().is_some_and(|r| r.depth == depth) {
                self.resolving.pop();
            }
            self.resolving.push(super::frame::Resolving {
                depth,
                pc: cur,
                vals: [None, None],
            });
        }
    }

    pub(super) fn done_resolving(&mut self) {
        let depth = self.depth;
        while self.resolving.last().is_some_and(|r| r.depth >= depth) {
            self.resolving.pop();
        }
    }

    /// Both value operands b and c, resolved.
    fn operands2(&mut self, ins: Instr, cur: usize) -> MsResult<Option<(Value, Value)>> {
        let Some(x) = self.operand(ins.b, 0, cur)? else {
            return Ok(None);
        };
        // Park x in case resolving c calls a function and re-runs the instruction.
        let Some(y) = self.operand(ins.c, 1, cur)? else {
            self.begin_resolution(cur);
            if let Some(r) = self.resolution(cur) {
                r.vals[0] = Some(x);
            }
            return Ok(None);
        };
        self.done_resolving();
        Ok(Some((x, y)))
    }

    fn operand1(&mut self, o: u16, cur: usize) -> MsResult<Option<Value>> {
        let r = self.operand(o, 0, cur)?;
        if r.is_some() {
            self.done_resolving();
        }
        Ok(r)
    }

    /// The general path of instruction `ins` at index `cur` of the top frame. One
    /// flat match (one jump table); the long arms are methods below, inlined.
    #[cold]
    #[inline(never)]
    pub(crate) fn slow_path(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let jump = |t: u32| Ok(Flow::Jump(t as usize));
        match ins.op {
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Mod | Op::Pow => {
                // (The register test here: any more in front of every string `+`
                // cost the strings benchmark 0.3%.)
                if ins.a == ins.b {
                    if let Some(r) = self.append_regs(ins) {
                        r?;
                        return Ok(Flow::Next);
                    }
                }
                if let Some(v) = self.concat_regs(ins) {
                    self.set(ins.a, v);
                    return Ok(Flow::Next);
                }
                let (x, y) = two!(self, ins, cur);
                let op = match ins.op {
                    Op::Add => BinOp::Add,
                    Op::Sub => BinOp::Sub,
                    Op::Mul => BinOp::Mul,
                    Op::Div => BinOp::Div,
                    Op::Mod => BinOp::Mod,
                    _ => BinOp::Pow,
                };
                let r = ops::arith(op, &x, &y)?;
                self.set(ins.a, r);
                Ok(Flow::Next)
            }
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let (x, y) = two!(self, ins, cur);
                let r = ops::compare(cmp_of(ins.op), &x, &y);
                self.set(ins.a, r);
                Ok(Flow::Next)
            }
            Op::JumpUnlessLt
            | Op::JumpUnlessLe
            | Op::JumpUnlessGt
            | Op::JumpUnlessGe
            | Op::JumpUnlessEq
            | Op::JumpUnlessNe => {
                let (x, y) = two!(self, ins, cur);
                let r = ops::compare(cmp_of(ins.op), &x, &y);
                // n = 1 inverts: jump when the comparison holds.
                if r.truthy() == (ins.n != 0) {
                    jump(ins.x)
                } else {
                    Ok(Flow::Next)
                }
            }
            // `or`/`and` short cuts and combines on numbers: first, without the
            // operand machinery (kept out of the dispatch loop, where any new arm
            // cost call-heavy programs ~0.7%).
            Op::JumpIfTruly if matches!(self.peek(ins.b), Some(Value::Num(_))) => {
                if matches!(self.peek(ins.b), Some(Value::Num(x)) if x.trunc() != 0.0) {
                    jump(ins.x)
                } else {
                    Ok(Flow::Next)
                }
            }
            Op::And | Op::Or if self.peek_nums(ins).is_some() => {
                let (x, y) = self.peek_nums(ins).unwrap_or_default();
                let r = if ins.op == Op::And {
                    ops::abs_clamp01(x * y)
                } else {
                    ops::abs_clamp01(x + y - x * y)
                };
                self.set(ins.a, Value::Num(r));
                Ok(Flow::Next)
            }
            Op::JumpIf | Op::JumpIfNot | Op::JumpIfTruly => {
                let v = one!(self, ins.b, cur);
                let taken = match ins.op {
                    Op::JumpIf => v.truthy(),
                    Op::JumpIfNot => !v.truthy(),
                    _ => matches!(v, Value::Num(n) if n.trunc() != 0.0),
                };
                if taken {
                    jump(ins.x)
                } else {
                    Ok(Flow::Next)
                }
            }
            Op::And | Op::Or => {
                let (x, y) = two!(self, ins, cur);
                let r = if ins.op == Op::And {
                    ops::fuzzy_and(&x, &y)
                } else {
                    ops::fuzzy_or(&x, &y)
                };
                self.set(ins.a, r);
                Ok(Flow::Next)
            }
            Op::Not => {
                let v = one!(self, ins.b, cur);
                self.set(ins.a, ops::not(&v));
                Ok(Flow::Next)
            }
            Op::Move | Op::MoveRaw => {
                let v = if ins.op == Op::Move {
                    one!(self, ins.b, cur)
                } else {
                    self.reg(ins.b)
                };
                self.set(ins.a, v);
                Ok(Flow::Next)
            }
            Op::Isa => self.slow_isa(ins),
            Op::New => self.slow_new(ins),
            Op::Jump => jump(ins.x),
            Op::Return => self.slow_return(ins, cur),
            Op::Site => self.site_slow(ins),
            Op::Loop => self.loop_slow(ins),
            Op::SiteEnd => {
                self.site_end();
                Ok(Flow::Next)
            }
            Op::Fail => self.slow_fail(ins),
            Op::Enter => Ok(self.fn_enter()),
            Op::CallName => self.slow_call_name(ins),
            Op::CallLocal => self.slow_call_local(ins),
            Op::CallValue => self.slow_call_value(ins),
            Op::CallMember => self.slow_call_member(ins, cur),
            Op::GetField => self.slow_get_field(ins, cur),
            Op::GetMember => self.slow_get_member(ins),
            Op::Index => self.slow_index(ins, cur),
            Op::SetIndex => self.slow_set_index(ins, cur),
            Op::Slice => self.slow_slice(ins),
            Op::NewList => {
                self.set(ins.a, Value::list(Vec::new()));
                Ok(Flow::Next)
            }
            Op::ListPush => self.slow_list_push(ins),
            Op::NewMap => {
                self.set(ins.a, Value::map(crate::value::new_map()));
                Ok(Flow::Next)
            }
            Op::ForNext => self.slow_for_next(ins),
            Op::SetVar => self.slow_set_var(ins),
            Op::GetLocalStrict | Op::GetVarWarn => self.get_local_checked(ins, cur),
            Op::GetLocalRaw => self.slow_get_local_raw(ins, cur),
            Op::GetNameRaw => self.slow_get_name_raw(ins, cur),
            Op::GetSelf => self.slow_get_self(ins),
            Op::SetSelf => self.slow_set_self(ins),
            Op::GetSuper => self.slow_get_super(ins),
            Op::GetLocals => self.slow_get_locals(ins),
            Op::GetGlobals => self.slow_get_globals(ins),
            Op::GetOuter => self.slow_get_outer(ins),
            Op::BindFunc | Op::FuncLit => self.slow_bind_func(ins),
        }
    }

    /// The general path of `Isa`.
    #[inline(always)]
    fn slow_isa(&mut self, ins: Instr) -> MsResult<Flow> {
        let r = match (self.peek(ins.b), self.peek(ins.c)) {
            (Some(x), Some(y)) => ops::isa(x, y, &self.types)?,
            _ => ops::isa(&self.reg(ins.b), &self.reg(ins.c), &self.types)?,
        };
        self.set(ins.a, r);
        Ok(Flow::Next)
    }

    /// The general path of `New`.
    #[inline(always)]
    fn slow_new(&mut self, ins: Instr) -> MsResult<Flow> {
        let r = ops::new_object(&self.reg(ins.b), &self.types)?;
        self.set(ins.a, r);
        Ok(Flow::Next)
    }

    /// The general path of `Return`.
    #[inline(always)]
    fn slow_return(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let v = one!(self, ins.b, cur);
        self.do_return(v);
        Ok(Flow::Reload)
    }

    /// The general path of `Fail`.
    #[inline(always)]
    fn slow_fail(&mut self, ins: Instr) -> MsResult<Flow> {
        let msg = self.const_at(ins.b | K_BIT);
        Err(MsError::runtime(
            msg.as_str().unwrap_or("error").to_string(),
        ))
    }

    /// The general path of `CallName`.
    #[inline(always)]
    fn slow_call_name(&mut self, ins: Instr) -> MsResult<Flow> {
        let key = self.const_at(ins.b | K_BIT);
        let v = self.lookup_name(&key).ok_or_else(|| Vm::undefined(&key))?;
        let argbase = self.top_frame().map_or(0, |f| f.base) + ins.c as usize;
        {
            let dst = self.dst(ins.a);
            let flow = self.invoke_value(v, argbase, ins.n as usize, dst, SelfArg::None)?;
            self.after_call(flow)
        }
    }

    /// The general path of `CallLocal`.
    #[inline(always)]
    fn slow_call_local(&mut self, ins: Instr) -> MsResult<Flow> {
        let v = self.reg(ins.b);
        let v = match &v {
            Value::Func(f) if self.is_unset(f) => {
                let name = self.local_name(ins.b);
                self.lookup_name(&name)
                    .ok_or_else(|| Vm::undefined(&name))?
            }
            _ => v,
        };
        let argbase = self.top_frame().map_or(0, |f| f.base) + ins.c as usize;
        {
            let dst = self.dst(ins.a);
            let flow = self.invoke_value(v, argbase, ins.n as usize, dst, SelfArg::None)?;
            self.after_call(flow)
        }
    }

    /// The general path of `CallValue`.
    #[inline(always)]
    fn slow_call_value(&mut self, ins: Instr) -> MsResult<Flow> {
        let v = self.reg(ins.b);
        let argbase = self.top_frame().map_or(0, |f| f.base) + ins.c as usize;
        {
            let dst = self.dst(ins.a);
            let flow = self.invoke_value(v, argbase, ins.n as usize, dst, SelfArg::None)?;
            self.after_call(flow)
        }
    }

    /// The general path of `CallMember`.
    #[inline(always)]
    fn slow_call_member(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        if ins.x == 0 {
            if let Some((Value::Func(func), super_val, obj)) = self.member_chained(ins, cur) {
                let objreg = self.top_frame().map_or(0, |f| f.base) + ins.c as usize;
                return self.call_found_method(func, objreg, ins.n as usize, ins.a, obj, super_val);
            }
        }
        let obj = self.reg(ins.c);
        let key = self.reg(ins.b);
        let (v, found_in) = match &obj {
            Value::Null => {
                return Err(MsError::runtime(format!(
                    "Type Error (while attempting to look up {})",
                    crate::format::to_str(&key)
                )))
            }
            Value::Map(_) if key.as_str().is_some() => ops::lookup_member(&obj, &key, &self.types)?,
            _ if key.as_str().is_some() => ops::lookup_member(&obj, &key, &self.types)?,
            _ => (ops::index(&obj, &key, &self.types)?, None),
        };
        let argbase = self.top_frame().map_or(0, |f| f.base) + ins.c as usize + 1;
        let keep_self = if ins.x == 1 {
            self.top_frame().map(|f| f.self_val.clone())
        } else {
            None
        };
        let super_val = found_in.map(|m| {
            m.borrow().isa().cloned().unwrap_or(Value::Null)
        });
        let self_arg = SelfArg::Object {
            obj,
            super_val,
            keep_self,
        };
        {
            let dst = self.dst(ins.a);
            let flow = self.invoke_value(v, argbase, ins.n as usize, dst, self_arg)?;
            self.after_call(flow)
        }
    }

    /// The general path of `GetField`.
    #[inline(always)]
    fn slow_get_field(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        if let Some(flow) = self.get_field_chained(ins, cur) {
            return flow;
        }
        let obj = one!(self, ins.c, cur);
        let key = self.reg(ins.b);
        let (v, found_in) = match &obj {
            Value::Null => {
                return Err(MsError::runtime(format!(
                    "Type Error (while attempting to look up {})",
                    crate::format::to_str(&key)
                )))
            }
            _ => ops::lookup_member(&obj, &key, &self.types)?,
        };
        if !matches!(v, Value::Func(_)) {
            self.set(ins.a, v);
            return Ok(Flow::Next);
        }
        // A method: call it with the object copied to the top of the window,
        // where a dot call expects it.
        let top = self.window_top();
        if self.stack.len() <= top {
            self.stack.resize(top + 1, Value::Null);
        }
        self.stack[top] = obj.clone();
        let super_val = found_in.map(|m| {
            m.borrow().isa().cloned().unwrap_or(Value::Null)
        });
        let dst = self.dst(ins.a);
        let flow = self.invoke_value(
            v,
            top + 1,
            0,
            dst,
            SelfArg::Object {
                obj,
                super_val,
                keep_self: None,
            },
        )?;
        self.after_call(flow)
    }

    /// The general path of `GetMember`.
    #[inline(always)]
    fn slow_get_member(&mut self, ins: Instr) -> MsResult<Flow> {
        let obj = self.reg(ins.c);
        let key = self.reg(ins.b);
        let (v, _) = ops::lookup_member(&obj, &key, &self.types)?;
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// The general path of `Index`.
    #[inline(always)]
    fn slow_index(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let (x, y) = two!(self, ins, cur);
        let r = ops::index(&x, &y, &self.types)?;
        self.set(ins.a, r);
        Ok(Flow::Next)
    }

    /// The general path of `SetIndex`.
    #[inline(always)]
    fn slow_set_index(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let obj = one!(self, ins.a, cur);
        if matches!(&obj, Value::Map(m) if Rc::ptr_eq(m, &self.intrinsics_map)) {
            return Err(MsError::runtime("Assignment to protected map"));
        }
        let (key, v) = (self.reg(ins.b), self.reg(ins.c));
        // (A new key grows the map: `ops::map_set` checks the memory ceiling.)
        ops::set_index(&obj, &key, v)?;
        Ok(Flow::Next)
    }

    /// The general path of `Slice`.
    #[inline(always)]
    fn slow_slice(&mut self, ins: Instr) -> MsResult<Flow> {
        let (s, from, to) = (self.reg(ins.b), self.reg(ins.c), self.reg(ins.x as u16));
        self.set(ins.a, crate::intrinsics::slice(&s, &from, &to));
        Ok(Flow::Next)
    }

    /// The general path of `ListPush`.
    #[inline(always)]
    fn slow_list_push(&mut self, ins: Instr) -> MsResult<Flow> {
        let (l, v) = (self.reg(ins.a), self.reg(ins.b));
        if let Value::List(l) = l {
            l.borrow_mut().push(v);
        }
        Ok(Flow::Next)
    }

    /// The general path of `ForNext`.
    #[inline(always)]
    fn slow_for_next(&mut self, ins: Instr) -> MsResult<Flow> {
        let seq = self.reg(ins.b);
        let i = self.reg(ins.c).as_num().unwrap_or(-1.0) + 1.0;
        self.set(ins.c, Value::Num(i));
        let len = ops::seq_len(&seq).unwrap_or(0);
        if i < 0.0 || i as usize >= len {
            return Ok(Flow::Jump(ins.x as usize));
        }
        let v = ops::iter_element(&seq, i as usize).unwrap_or(Value::Null);
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// The general path of `SetVar`.
    #[inline(always)]
    fn slow_set_var(&mut self, ins: Instr) -> MsResult<Flow> {
        let key = self.const_at(ins.b | K_BIT);
        let v = self.reg(ins.c);
        let f = self.top_frame().expect("a frame is running");
        let map = f.locals.clone().unwrap_or_else(|| self.globals.clone());
        map.borrow_mut().insert(key, v);
        Ok(Flow::Next)
    }

    /// The general path of `GetSelf`.
    #[inline(always)]
    fn slow_get_self(&mut self, ins: Instr) -> MsResult<Flow> {
        let v = self
            .top_frame()
            .map(|f| f.self_val.clone())
            .unwrap_or_default();
        if ins.n == 1 && v.is_null() {
            return Err(Vm::undefined(&Value::str("self")));
        }
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// The general path of `SetSelf` (with `n == 1`, only when `self` is null: the
    /// entry of a function whose later parameter is named `self`).
    #[inline(always)]
    fn slow_set_self(&mut self, ins: Instr) -> MsResult<Flow> {
        let v = self.reg(ins.b);
        if let Some(f) = self.top_frame_mut() {
            if ins.n != 1 || f.self_val.is_null() {
                f.self_val = v;
            }
        }
        Ok(Flow::Next)
    }

    /// The general path of `GetSuper`.
    #[inline(always)]
    fn slow_get_super(&mut self, ins: Instr) -> MsResult<Flow> {
        let v = self.top_frame().and_then(|f| f.super_val.clone());
        match v {
            Some(v) => {
                self.set(ins.a, v);
                Ok(Flow::Next)
            }
            None => Err(Vm::undefined(&Value::str("super"))),
        }
    }

    /// The general path of `GetLocals`.
    #[inline(always)]
    fn slow_get_locals(&mut self, ins: Instr) -> MsResult<Flow> {
        let m = self
            .top_frame()
            .and_then(|f| f.locals.clone())
            .unwrap_or_else(|| self.globals.clone());
        self.set(ins.a, Value::Map(m));
        Ok(Flow::Next)
    }

    /// The general path of `GetGlobals`.
    #[inline(always)]
    fn slow_get_globals(&mut self, ins: Instr) -> MsResult<Flow> {
        let g = self.globals.clone();
        self.set(ins.a, Value::Map(g));
        Ok(Flow::Next)
    }

    /// The general path of `GetOuter`.
    #[inline(always)]
    fn slow_get_outer(&mut self, ins: Instr) -> MsResult<Flow> {
        let m = self
            .top_frame()
            .and_then(|f| f.outer.clone())
            .unwrap_or_else(|| self.globals.clone());
        self.set(ins.a, Value::Map(m));
        Ok(Flow::Next)
    }

    /// The general path of `BindFunc` `FuncLit`.
    #[inline(always)]
    fn slow_bind_func(&mut self, ins: Instr) -> MsResult<Flow> {
        let f = self.top_frame().expect("a frame is running");
        let proto = f.proto.protos[ins.b as usize].clone();
        let outer = if ins.op == Op::BindFunc {
            f.locals.clone()
        } else {
            None
        };
        let v = Value::Func(Rc::new(FuncVal {
            code: FuncCode::Script(proto),
            outer,
        }));
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// After a call instruction: a native call finished in place (next instruction);
    /// a pushed frame needs the caller's pc advanced before reloading.
    pub(super) fn after_call(&mut self, flow: Flow) -> MsResult<Flow> {
        if let Flow::Reload = flow {
            // The caller is now below the top; advance its pc past the call.
            let n = self.depth;
            if n >= 2 {
                self.frames[n - 2].pc += 1;
            }
        }
        Ok(flow)
    }

}

fn cmp_of(op: Op) -> CmpOp {
    match op {
        Op::Eq | Op::JumpUnlessEq => CmpOp::Eq,
        Op::Ne | Op::JumpUnlessNe => CmpOp::Ne,
        Op::Lt | Op::JumpUnlessLt => CmpOp::Lt,
        Op::Le | Op::JumpUnlessLe => CmpOp::Le,
        Op::Gt | Op::JumpUnlessGt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

//! The general path of reads of named locals that may not be assigned yet: raw reads
//! (`GetLocalRaw`, `GetNameRaw`), the strict and warned reads of `x += 1` and `x = x + 1`,
//! and the deprecation warning of spec §6.3.

use super::call::SelfArg;
use super::slow::Flow;
use super::Vm;
use crate::error::{MsError, MsResult};
use crate::tac::{Instr, Op, K_BIT};
use crate::value::Value;

impl Vm {
    /// The general path of `GetLocalRaw`.
    #[inline(always)]
    pub(super) fn slow_get_local_raw(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let v = self.reg(ins.b);
        let v = match &v {
            Value::Func(f) if self.is_unset(f) => {
                let name = self.local_name(ins.b);
                if ins.n == 1 {
                    self.warn_nonlocal(&name, cur);
                }
                self.lookup_name(&name)
                    .ok_or_else(|| Vm::undefined(&name))?
            }
            _ => v,
        };
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// The general path of `GetNameRaw`.
    #[inline(always)]
    pub(super) fn slow_get_name_raw(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let key = self.const_at(ins.b | K_BIT);
        if ins.n == 1
            && !self
                .top_frame()
                .and_then(|f| f.locals.as_ref())
                .is_some_and(|m| m.borrow().contains_key(&key))
        {
            self.warn_nonlocal(&key, cur);
        }
        let v = self.lookup_name(&key).ok_or_else(|| Vm::undefined(&key))?;
        self.set(ins.a, v);
        Ok(Flow::Next)
    }

    /// The deprecation warning of spec §6.3, on standard output.
    pub(super) fn warn_nonlocal(&mut self, name: &Value, cur: usize) {
        let f = self.top_frame().expect("a frame is running");
        let lines = &f.proto.lines;
        let line = lines.get(cur).copied().unwrap_or(0);
        // `x = x`: the line of the next statement (the compiler's distance in `c`).
        let after = match f.proto.code.get(cur) {
            Some(ins) if ins.op == Op::GetVarWarn && ins.c != 0 => cur + ins.c as usize,
            _ => cur,
        };
        let line = lines.get(after).copied().unwrap_or(line);
        let msg = format!(
            "Warning: assignment of unqualified local '{}' based on nonlocal is deprecated [line {line}]\n",
            name.as_str().unwrap_or("?")
        );
        self.out.write_str(&msg);
    }

    /// `GetLocalStrict` (`x += 1`: the variable must be a local) and `GetVarWarn`
    /// (`x = x + 1` when x is not local yet: warn, then use the outer value).
    pub(super) fn get_local_checked(&mut self, ins: Instr, cur: usize) -> MsResult<Flow> {
        let strict = ins.op == Op::GetLocalStrict;
        let by_name = ins.n == 1;
        let (is_local, name) = if by_name {
            let key = self.const_at(ins.b);
            let f = self.top_frame().expect("a frame is running");
            let local = f
                .locals
                .as_ref()
                .is_some_and(|m| m.borrow().contains_key(&key));
            (local, key)
        } else {
            let v = self.reg(ins.b);
            let unset = matches!(&v, Value::Func(f) if self.is_unset(f));
            (!unset, self.local_name(ins.b))
        };
        if !is_local {
            if strict {
                return Err(MsError::runtime(format!(
                    "Undefined Local Identifier: '{}' is unknown in this context",
                    name.as_str().unwrap_or("?")
                )));
            }
            let resolving = self.resolution(cur).is_some();
            if !resolving {
                self.warn_nonlocal(&name, cur);
            }
        }
        if by_name {
            let v = self
                .lookup_name(&name)
                .ok_or_else(|| Vm::undefined(&name))?;
            let dst = self.dst(ins.a);
            let top = self.window_top();
            let flow = self.invoke_value(v, top, 0, dst, SelfArg::None)?;
            return self.after_call(flow);
        }
        // A slot: resolve like any operand (auto-invoke, or lookup when unset).
        if !is_local {
            self.begin_resolution(cur);
        }
        let v = match self.operand(ins.b, 0, cur)? {
            Some(v) => v,
            None => return Ok(Flow::Reload),
        };
        self.done_resolving();
        self.set(ins.a, v);
        Ok(Flow::Next)
    }
}

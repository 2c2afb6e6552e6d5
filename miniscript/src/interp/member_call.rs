//! Member reads and calls by constant name found by `find_member` (the `__isa`
//! chain, then the type map) and called directly: the general paths' shortcut.

use std::rc::Rc;

use super::call::SelfArg;
use super::slow::Flow;
use super::Vm;
use crate::error::MsResult;
use crate::tac::{Instr, K_BIT};
use crate::value::{FuncVal, Value};

impl Vm {
    /// `obj.field` on a map, list or string, the field found by `member_chained`:
    /// an inherited field, or a method called with no arguments (the object copied
    /// to the top of the window, where a dot call expects it), when no operand is
    /// being resolved. `None`, having done nothing, otherwise.
    #[inline(always)]
    pub(super) fn get_field_chained(&mut self, ins: Instr, cur: usize) -> Option<MsResult<Flow>> {
        if !self.resolving.is_empty() {
            return None;
        }
        let (v, super_val, obj) = self.member_chained(ins, cur)?;
        let Value::Func(func) = v else {
            self.set(ins.a, v);
            return Some(Ok(Flow::Next));
        };
        let top = self.window_top();
        if self.stack.len() <= top {
            self.stack.resize(top + 1, Value::Null);
        }
        self.stack[top] = obj.clone();
        Some(self.call_found_method(func, top, 0, ins.a, obj, super_val))
    }

    /// Member `b` (a constant string) of the map, list or string in register `c`,
    /// found by `find_member` with the inline cache of instruction `cur`: the value,
    /// its `super` (when a function) and the object. `None` for anything else.
    #[inline(always)]
    pub(super) fn member_chained(&self, ins: Instr, cur: usize) -> Option<(Value, Value, Value)> {
        if ins.b & K_BIT == 0 || ins.c & K_BIT != 0 {
            return None;
        }
        let f = self.frames.get(self.depth.wrapping_sub(1))?;
        let obj = self.stack.get(f.base + ins.c as usize)?;
        let (start, in_map_type) = match obj {
            Value::Map(m) => (m, false),
            Value::List(_) => (&self.types.list, true),
            Value::Str(_) => (&self.types.string, true),
            _ => return None,
        };
        let key = f.proto.consts.get((ins.b & !K_BIT) as usize)?;
        let cache = f.proto.name_cache.get(cur)?;
        let (v, super_val) = self.find_member(start, key, cache, in_map_type)?;
        Some((v, super_val, obj.clone()))
    }

    /// Call method `func` found for `obj` (in register `objreg`, `nargs` arguments
    /// after it), its result to register `a`: a script frame pushed directly when
    /// it can be, else the general call.
    #[inline(always)]
    pub(super) fn call_found_method(
        &mut self,
        func: Rc<FuncVal>,
        objreg: usize,
        nargs: usize,
        a: u16,
        obj: Value,
        super_val: Value,
    ) -> MsResult<Flow> {
        let dst = self.dst(a);
        if self.push_found_method(&func, objreg, nargs, dst, &obj, &super_val) {
            let n = self.depth;
            self.frames[n - 2].pc += 1;
            return Ok(Flow::Reload);
        }
        let self_arg = SelfArg::Object {
            obj,
            super_val: Some(super_val),
            keep_self: None,
        };
        let flow = self.call_function(func, objreg + 1, nargs, dst, self_arg)?;
        self.after_call(flow)
    }
}

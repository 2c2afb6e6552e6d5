//! Operands read in place, unresolved, for the general path's shortcuts: string
//! building (`+` on strings and numbers) and `and`/`or` on numbers.

use super::Vm;
use crate::error::MsResult;
use crate::ops;
use crate::tac::{Instr, Op, K_BIT};
use crate::value::Value;

impl Vm {
    /// `b + c` for a string and a string or number, read straight from the
    /// registers (neither kind needs resolving): string building skips the operand
    /// machinery. `None` for anything else, or an error to raise the general way.
    pub(super) fn concat_regs(&self, ins: Instr) -> Option<Value> {
        if ins.op != Op::Add {
            return None;
        }
        match (self.peek(ins.b)?, self.peek(ins.c)?) {
            (a @ Value::Str(_), b @ (Value::Str(_) | Value::Num(_)))
            | (a @ Value::Num(_), b @ Value::Str(_)) => ops::concat_fast(a, b),
            _ => None,
        }
    }

    /// `a = a + c` when register a holds a string no other value holds and c is a
    /// string or number (not register a): appended in place, without making a new
    /// string and dropping the old. `None` for anything else.
    #[inline(never)]
    pub(super) fn append_regs(&mut self, ins: Instr) -> Option<MsResult<()>> {
        if ins.op != Op::Add || ins.a != ins.b || ins.a & K_BIT != 0 || ins.c == ins.a {
            return None;
        }
        let f = self.frames[..self.depth].last()?;
        let ia = f.base + ins.a as usize;
        let (a, c) = if ins.c & K_BIT != 0 {
            let c = f.proto.consts.get((ins.c & !K_BIT) as usize)?;
            (self.stack.get_mut(ia)?, c)
        } else {
            let ic = f.base + ins.c as usize;
            if ic.max(ia) >= self.stack.len() {
                return None;
            }
            if ia < ic {
                let (lo, hi) = self.stack.split_at_mut(ic);
                (&mut lo[ia], &hi[0])
            } else {
                let (lo, hi) = self.stack.split_at_mut(ia);
                (&mut hi[0], &lo[ic])
            }
        };
        let Value::Str(s) = a else {
            return None;
        };
        ops::append_in_place(std::rc::Rc::get_mut(s)?, c)
    }

    /// Operand `o` as it sits in its register or constant, unresolved.
    pub(super) fn peek(&self, o: u16) -> Option<&Value> {
        let f = self.top_frame()?;
        if o & K_BIT != 0 {
            f.proto.consts.get((o & !K_BIT) as usize)
        } else {
            self.stack.get(f.base + o as usize)
        }
    }

    /// The number operands b and c of `ins`, when both are numbers.
    pub(super) fn peek_nums(&self, ins: Instr) -> Option<(f64, f64)> {
        match (self.peek(ins.b)?, self.peek(ins.c)?) {
            (Value::Num(x), Value::Num(y)) => Some((*x, *y)),
            _ => None,
        }
    }
}

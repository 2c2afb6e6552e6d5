//! Lowering of conditions (`if`, `while`, `if C then break`) to branches: single
//! comparisons fuse into compare-and-branch jumps, and `and`/`or`/`not` over
//! boolean-valued operands become chains of jumps instead of fuzzy-logic values.
//!
//! Why the chains are exact: a boolean-valued expression yields 0, 1 or null. When
//! one operand of `and` is such a value, `A and B` is truthy exactly when both are
//! (the clamped product is 0 only if a factor is); when the left operand of `or` is,
//! `or` short-circuits exactly when it is truthy and otherwise yields B, clamped,
//! which is truthy exactly when B is; `not` of it is its exact negation. Operands
//! are evaluated in the same order and skipped in the same cases as before.

use super::FnBuilder;
use crate::ast::{CmpOp, Expr, ExprKind};
use crate::error::MsResult;
use crate::tac::Op;

/// Whether `e` always yields 0, 1 or null.
fn boolean_valued(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(n) => *n == 0.0 || *n == 1.0,
        ExprKind::Compare(..) | ExprKind::Isa(..) => true,
        ExprKind::Not(a) => boolean_valued(a),
        ExprKind::And(a, b) | ExprKind::Or(a, b) => boolean_valued(a) && boolean_valued(b),
        _ => false,
    }
}

impl FnBuilder<'_> {
    /// Evaluate a condition and emit jumps taken when it is not truthy; returns the
    /// jumps to patch.
    pub(super) fn cond_jump_unless(&mut self, cond: &Expr) -> MsResult<Vec<usize>> {
        let mut jumps = Vec::new();
        self.cond_jumps(cond, false, &mut jumps)?;
        Ok(jumps)
    }

    /// Emit jumps taken when `cond` is truthy (`when_true`) or not truthy, pushing
    /// them to `jumps`; control falls through in the other case.
    pub(super) fn cond_jumps(
        &mut self,
        cond: &Expr,
        when_true: bool,
        jumps: &mut Vec<usize>,
    ) -> MsResult<()> {
        match &cond.kind {
            ExprKind::Compare(operands, ops) if ops.len() == 1 => {
                let j = self.fused_compare(&operands[0], &operands[1], ops[0], when_true)?;
                jumps.push(j);
            }
            ExprKind::Not(a) if boolean_valued(a) => self.cond_jumps(a, !when_true, jumps)?,
            ExprKind::And(a, b) if boolean_valued(a) || boolean_valued(b) => {
                self.chain(a, b, false, when_true, jumps)?
            }
            ExprKind::Or(a, b) if boolean_valued(a) => self.chain(a, b, true, when_true, jumps)?,
            _ => {
                let mark = self.next_temp;
                let c = self.expr_any(cond)?;
                self.free_to(mark);
                let op = if when_true { Op::JumpIf } else { Op::JumpIfNot };
                jumps.push(self.emit_jump(op, c, 0));
            }
        }
        Ok(())
    }

    /// `a and b` (`is_or` false) or `a or b` as branches. The operator decides on
    /// `a` alone when `a` is falsy (`and`) or truthy (`or`): those jumps go where
    /// the whole condition's answer goes when it is that; otherwise `b` decides.
    fn chain(
        &mut self,
        a: &Expr,
        b: &Expr,
        is_or: bool,
        when_true: bool,
        jumps: &mut Vec<usize>,
    ) -> MsResult<()> {
        if is_or == when_true {
            // The deciding value of `a` is the one we jump on.
            self.cond_jumps(a, when_true, jumps)?;
            return self.cond_jumps(b, when_true, jumps);
        }
        // `a` deciding means falling through past `b`'s test.
        let mut past = Vec::new();
        self.cond_jumps(a, is_or, &mut past)?;
        self.cond_jumps(b, when_true, jumps)?;
        let h = self.here();
        for j in past {
            self.patch(j, h);
        }
        Ok(())
    }

    /// `a OP b` fused into one compare-and-branch jump.
    fn fused_compare(&mut self, a: &Expr, b: &Expr, op: CmpOp, when_true: bool) -> MsResult<usize> {
        let mark = self.next_temp;
        let a = self.expr_any(a)?;
        let b = self.expr_any(b)?;
        let op = match op {
            CmpOp::Lt => Op::JumpUnlessLt,
            CmpOp::Le => Op::JumpUnlessLe,
            CmpOp::Gt => Op::JumpUnlessGt,
            CmpOp::Ge => Op::JumpUnlessGe,
            CmpOp::Eq => Op::JumpUnlessEq,
            CmpOp::Ne => Op::JumpUnlessNe,
        };
        self.free_to(mark);
        let j = self.emit_jump(op, a, b);
        // n = 1 inverts the fused branch: jump when the comparison holds.
        self.code[j].n = when_true as u8;
        Ok(j)
    }
}

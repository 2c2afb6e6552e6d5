//! Lowering of statements: blocks, assignment (plain and `op=`), `if`, `while` and
//! `for` loops with `break`/`continue`, conditions fused into compare-and-branch
//! jumps, and the loop heads and records that loop regions start from.

use std::rc::Rc;

use super::{analysis, bin_op, is_magic, FnBuilder, LoopCtx, RawLoop};
use crate::ast::{BinOp, CmpOp, Expr, ExprKind, Stmt, StmtKind};
use crate::error::{MsError, MsResult};
use crate::tac::{Instr, Op, K_BIT, NO_REG};

impl FnBuilder<'_> {
    pub(super) fn block(&mut self, stmts: &[Stmt]) -> MsResult<()> {
        // Assignments inside a block may not have run after it.
        let mark = self.assigned.mark();
        for s in stmts {
            self.stmt(s)?;
        }
        self.assigned.truncate(mark);
        Ok(())
    }

    pub(super) fn is_assigned(&self, name: &str) -> bool {
        self.assigned.contains(name)
    }

    pub(super) fn stmt(&mut self, s: &Stmt) -> MsResult<()> {
        self.line = s.line;
        let mark = self.next_temp;
        match &s.kind {
            StmtKind::Expr(e) => self.expr_stmt(e)?,
            StmtKind::Assign(target, value) if self.region_candidate(target, value) => {
                self.region_stmt(target, value)?
            }
            StmtKind::Assign(target, value) => self.assign(target, value)?,
            StmtKind::OpAssign(target, op, value) => self.op_assign(target, *op, value)?,
            // `if C then break`: one branch straight to the loop's exit.
            StmtKind::If(branches, None)
                if branches.len() == 1
                    && branches[0].1.len() == 1
                    && matches!(branches[0].1[0].kind, StmtKind::Break)
                    && !self.loops.is_empty() =>
            {
                self.line = branches[0].0.span.line.max(s.line);
                let mut js = Vec::new();
                self.cond_branch(&branches[0].0, true, &mut js)?;
                if let Some(l) = self.loops.last_mut() {
                    l.breaks.extend(js);
                }
            }
            StmtKind::If(branches, else_body) => {
                let mut ends = Vec::new();
                let n = branches.len();
                for (i, (cond, body)) in branches.iter().enumerate() {
                    self.line = cond.span.line.max(s.line);
                    let mut skips = Vec::new();
                    self.cond_branch(cond, false, &mut skips)?;
                    self.block(body)?;
                    if i + 1 < n || else_body.is_some() {
                        ends.push(self.emit_jump(Op::Jump, 0, 0));
                    }
                    let h = self.here();
                    for skip in skips {
                        self.patch(skip, h);
                    }
                }
                if let Some(body) = else_body {
                    self.block(body)?;
                }
                let h = self.here();
                for j in ends {
                    self.patch(j, h);
                }
            }
            StmtKind::While(cond, body) => {
                let top = self.here();
                let marked = self.mark_loop_head();
                let exit = self.cond_jump_unless(cond)?;
                let cond_end = self.here();
                self.loops.push(LoopCtx {
                    top,
                    breaks: vec![exit],
                });
                self.block(body)?;
                self.line = s.line;
                let j = self.emit_jump(Op::Jump, 0, 0);
                self.patch(j, top);
                self.close_loop();
                if marked {
                    let text = format!("while {}", self.span_text(cond));
                    self.note_loop(top, cond_end, s.line, cond.span.col, text);
                }
            }
            StmtKind::For(var, seq, body) => self.for_loop(var, seq, body, s.line)?,
            StmtKind::Break => {
                let j = self.emit_jump(Op::Jump, 0, 0);
                match self.loops.last_mut() {
                    Some(l) => l.breaks.push(j),
                    None => {
                        return Err(MsError::compiler("'break' without open loop block", s.line))
                    }
                }
            }
            StmtKind::Continue => {
                let top = match self.loops.last() {
                    Some(l) => l.top,
                    None => {
                        return Err(MsError::compiler(
                            "'continue' without open loop block",
                            s.line,
                        ))
                    }
                };
                let j = self.emit_jump(Op::Jump, 0, 0);
                self.patch(j, top);
            }
            StmtKind::Return(e) if self.global => {
                if let Some(e) = e {
                    self.expr_any(e)?;
                }
            }
            StmtKind::Return(e) => {
                // Return accepts a named local (it resolves a function held there).
                let v = match e {
                    Some(e) => self.expr_any(e)?,
                    None => self.k_null(),
                };
                self.emit(Op::Return, 0, v, 0);
            }
        }
        self.free_to(mark);
        Ok(())
    }

    fn close_loop(&mut self) {
        if let Some(l) = self.loops.pop() {
            let h = self.here();
            for j in l.breaks {
                self.patch(j, h);
            }
        }
    }

    fn for_loop(&mut self, var: &Rc<str>, seq: &Expr, body: &[Stmt], line: u32) -> MsResult<()> {
        let seq_reg = match self.slot_of(&analysis::for_seq_name(seq)) {
            Some(r) => r,
            None => self.alloc(),
        };
        self.expr_into(seq, seq_reg)?;
        let idx_name: Rc<str> = format!("__{var}_idx").into();
        let idx = match self.slot_of(&idx_name) {
            Some(r) => r,
            None => self.alloc(),
        };
        let minus1 = self.k_num(-1.0);
        self.emit(Op::MoveRaw, idx, minus1, 0);
        let top = self.here();
        // Like a `while`, a `for` loop's head may become a loop region's entry.
        let marked = self.mark_loop_head();
        let (dst, via_map) = match self.slot_of(var) {
            Some(r) => (r, false),
            None => (self.alloc(), true),
        };
        self.line = line;
        let next = self.emit(Op::ForNext, dst, seq_reg, idx);
        if via_map {
            let k = self.k_str(var);
            self.emit(Op::SetVar, 0, Self::kidx(k), dst);
            // The hidden index variable is visible to the program (spec §2.1).
            if self.map_mode {
                let ki = self.k_str(&idx_name);
                self.emit(Op::SetVar, 0, Self::kidx(ki), idx);
            }
        }
        self.loops.push(LoopCtx {
            top,
            breaks: vec![next],
        });
        let m = self.assigned.mark();
        self.assigned.push(var.clone());
        self.block(body)?;
        self.assigned.truncate(m);
        self.line = line;
        let j = self.emit_jump(Op::Jump, 0, 0);
        self.patch(j, top);
        self.close_loop();
        if marked {
            let text = format!("for {var} in {}", self.span_text(seq));
            self.note_loop(top, next + 1, line, seq.span.col, text);
        }
        if via_map && self.map_mode {
            // Where the loop ends (by `fornext` or `break`) the index is final: the
            // length of the sequence after a full loop, 0 after an empty one.
            let ki = self.k_str(&idx_name);
            self.emit(Op::SetVar, 0, Self::kidx(ki), idx);
        }
        Ok(())
    }

    /// Emit a `loop` instruction at a loop head when loops may be compiled here
    /// (sites on, loop regions on, locals in registers, or global code, whose
    /// variables are globals); says whether it did.
    fn mark_loop_head(&mut self) -> bool {
        let marked = self.sites_on && self.loops_on && (!self.map_mode || self.global);
        if marked {
            self.emit(Op::Loop, 0, 0, 0);
        }
        marked
    }

    /// Record the loop whose head is at `top` and that ends here, as a candidate
    /// loop region: `cond_end` is the first pc after its condition (or `fornext`),
    /// `text` its label in reports.
    fn note_loop(&mut self, top: usize, cond_end: usize, line: u32, col: u32, text: String) {
        let end = self.here();
        let last_line = self.lines[top..end].iter().copied().max().unwrap_or(line);
        self.raw_loops.push(RawLoop {
            head: top,
            cond_end,
            end,
            line,
            col,
            last_line,
            text: self.text(&text),
        });
    }

    /// Evaluate a condition and emit a jump taken when it is not truthy; returns the
    /// jump to patch. Single comparisons fuse into compare-and-branch instructions.
    fn cond_jump_unless(&mut self, cond: &Expr) -> MsResult<usize> {
        self.cond_jump(cond, false)
    }

    /// Emit jumps (pushed on `out`, all for one target) taken when `cond` is truthy
    /// (`when_true`) or not truthy; otherwise control falls through. An `and`/`or`
    /// whose left operand is a comparison chain (`is_bool`) becomes branches on its
    /// operands, with no combined value: for such a left operand (0, 1 or null) the
    /// fuzzy result is truthy exactly when the short-circuit rule says (left true for
    /// `or`, else the right operand's truthiness; left false for `and`, else the
    /// right's), and operands are evaluated in the same order and cases.
    fn cond_branch(&mut self, cond: &Expr, when_true: bool, out: &mut Vec<usize>) -> MsResult<()> {
        match &cond.kind {
            ExprKind::And(l, r) | ExprKind::Or(l, r) if is_bool(l) => {
                let is_or = matches!(cond.kind, ExprKind::Or(..));
                if is_or == when_true {
                    // `a or b` true / `a and b` false: either operand decides.
                    self.cond_branch(l, when_true, out)?;
                    self.cond_branch(r, when_true, out)
                } else {
                    // The left operand settles it the other way: skip the right.
                    let mut settled = Vec::new();
                    self.cond_branch(l, is_or, &mut settled)?;
                    self.cond_branch(r, when_true, out)?;
                    let h = self.here();
                    for j in settled {
                        self.patch(j, h);
                    }
                    Ok(())
                }
            }
            _ => {
                out.push(self.cond_jump(cond, when_true)?);
                Ok(())
            }
        }
    }

    /// Emit a jump taken when `cond` is truthy (`when_true`) or not truthy.
    fn cond_jump(&mut self, cond: &Expr, when_true: bool) -> MsResult<usize> {
        let mark = self.next_temp;
        if let ExprKind::Compare(operands, ops) = &cond.kind {
            if ops.len() == 1 {
                let a = self.expr_any(&operands[0])?;
                let b = self.expr_any(&operands[1])?;
                let op = match ops[0] {
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
                return Ok(j);
            }
        }
        let c = self.expr_any(cond)?;
        self.free_to(mark);
        Ok(self.emit_jump(if when_true { Op::JumpIf } else { Op::JumpIfNot }, c, 0))
    }

    fn expr_stmt(&mut self, e: &Expr) -> MsResult<()> {
        match &e.kind {
            // A bare reference invokes a function value; its result is discarded.
            ExprKind::Ident(name) if !is_magic(name) => {
                match self.slot_of(name) {
                    Some(slot) => {
                        let base = self.alloc();
                        self.emit_call(Op::CallLocal, NO_REG, slot, base, 0);
                    }
                    None => {
                        let k = self.k_str(name);
                        let base = self.alloc();
                        self.emit_call(Op::CallName, NO_REG, Self::kidx(k), base, 0);
                    }
                }
                Ok(())
            }
            ExprKind::Call(..) | ExprKind::Member(..) => {
                self.expr_into(e, NO_REG)?;
                Ok(())
            }
            _ => {
                let mark = self.next_temp;
                self.expr_any(e)?;
                self.free_to(mark);
                Ok(())
            }
        }
    }

    pub(super) fn assign(&mut self, target: &Expr, value: &Expr) -> MsResult<()> {
        match &target.kind {
            ExprKind::Ident(name) => {
                match &**name {
                    "self" => {
                        let v = self.expr_val(value)?;
                        self.emit(Op::SetSelf, 0, v, 0);
                        return Ok(());
                    }
                    "globals" | "locals" => {
                        let k = self.k_str(&format!("can't assign to {name}"));
                        self.emit(Op::Fail, 0, Self::kidx(k), 0);
                        return Ok(());
                    }
                    _ => {}
                }
                let saved = if self.is_assigned(name) {
                    self.warn_name.take()
                } else {
                    self.warn_name.replace(name.clone())
                };
                let r = match self.slot_of(name) {
                    Some(slot) => self.value_into(value, slot, true),
                    None => {
                        let mark = self.next_temp;
                        let t = self.alloc();
                        let res = self.value_into(value, t, true);
                        if res.is_ok() {
                            let k = self.k_str(name);
                            self.emit(Op::SetVar, 0, Self::kidx(k), t);
                        }
                        self.free_to(mark);
                        res
                    }
                };
                self.warn_name = saved;
                if r.is_ok() {
                    self.assigned.push(name.clone());
                }
                r
            }
            ExprKind::Member(base, name) => {
                let obj = self.obj_reg(base)?;
                let k = self.k_str(name);
                let v = self.assigned_value(value)?;
                self.emit(Op::SetIndex, obj, k, v);
                Ok(())
            }
            ExprKind::Index(base, idx) => {
                let obj = self.obj_reg(base)?;
                let i = self.expr_val(idx)?;
                let v = self.assigned_value(value)?;
                self.emit(Op::SetIndex, obj, i, v);
                Ok(())
            }
            // `"abc" = 5` fails at run time; `null = 5` evaluates 5 and does nothing.
            ExprKind::Str(_) | ExprKind::Num(_) => {
                let k = self.k_str("not an lvalue");
                self.emit(Op::Fail, 0, Self::kidx(k), 0);
                Ok(())
            }
            ExprKind::Null => {
                self.expr_any(value)?;
                Ok(())
            }
            _ => Err(MsError::compiler(
                "invalid assignment (not an lvalue)",
                self.line,
            )),
        }
    }

    /// The value of an assignment's right side as an operand; function literals
    /// assigned to members are bound to this frame's locals (spec §6.4).
    fn assigned_value(&mut self, value: &Expr) -> MsResult<u16> {
        if let ExprKind::Function(def) = &value.kind {
            let t = self.alloc();
            self.function(def, t, true)?;
            return Ok(t);
        }
        self.expr_val(value)
    }

    /// Lower `value` so that its result lands in register `dst`.
    fn value_into(&mut self, value: &Expr, dst: u16, bind: bool) -> MsResult<()> {
        if let ExprKind::Function(def) = &value.kind {
            return self.function(def, dst, bind);
        }
        self.expr_into(value, dst)
    }

    fn op_assign(&mut self, target: &Expr, op: BinOp, value: &Expr) -> MsResult<()> {
        let arith = bin_op(op);
        match &target.kind {
            ExprKind::Ident(name) if !is_magic(name) => {
                let r = self.expr_any(value)?;
                let cur = self.alloc();
                match self.slot_of(name) {
                    Some(slot) if self.is_assigned(name) => {
                        self.emit(arith, slot, slot, r);
                    }
                    Some(slot) => {
                        self.emit(Op::GetLocalStrict, cur, slot, 0);
                        self.emit(arith, slot, cur, r);
                        self.assigned.push(name.clone());
                    }
                    None => {
                        let k = self.k_str(name);
                        let mut ins = Instr::new(Op::GetLocalStrict, cur, k, 0);
                        ins.n = 1;
                        self.emit_full(ins);
                        self.emit(arith, cur, cur, r);
                        self.emit(Op::SetVar, 0, Self::kidx(k), cur);
                    }
                }
                Ok(())
            }
            ExprKind::Member(..) | ExprKind::Index(..) => {
                let (base, key) = match &target.kind {
                    ExprKind::Member(base, name) => {
                        let obj = self.obj_reg(base)?;
                        (obj, self.k_str(name))
                    }
                    ExprKind::Index(base, idx) => {
                        let obj = self.obj_reg(base)?;
                        (obj, self.expr_val(idx)?)
                    }
                    _ => unreachable!("matched above"),
                };
                let r = self.expr_val(value)?;
                // Read the current element (auto-invoking, as the reference does).
                let obj_copy = self.alloc();
                self.emit(Op::MoveRaw, obj_copy, base, 0);
                let cur = obj_copy;
                self.emit_call_full(Op::CallMember, cur, key, obj_copy, 0, 0);
                self.emit(arith, cur, cur, r);
                self.emit(Op::SetIndex, base, key, cur);
                Ok(())
            }
            _ => Err(MsError::compiler(
                "invalid assignment (not an lvalue)",
                self.line,
            )),
        }
    }

    /// Evaluate an object expression into a register (never a constant).
    fn obj_reg(&mut self, base: &Expr) -> MsResult<u16> {
        // SetIndex accepts a named local as its object (it resolves functions).
        let o = self.expr_any(base)?;
        if o & K_BIT != 0 {
            let t = self.alloc();
            self.emit(Op::MoveRaw, t, o, 0);
            return Ok(t);
        }
        Ok(o)
    }
}

/// Whether `e` always yields 0, 1 or null: a single comparison, or `and`/`or` of
/// such (whose fuzzy combination of 0/1/null operands is again 0 or 1).
fn is_bool(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Compare(_, ops) => ops.len() == 1,
        ExprKind::And(l, r) | ExprKind::Or(l, r) => is_bool(l) && is_bool(r),
        _ => false,
    }
}

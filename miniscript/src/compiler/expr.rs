//! Lowering of expressions and function literals: operands (constants, named-local
//! registers, temporaries), member and index reads, calls, short-circuit logic,
//! comparisons chains, list and map literals, and closures over the locals map.

use std::rc::Rc;

use super::analysis::{is_site_root, site_complexity};
use super::{bin_op, cmp_op, is_magic, FnBuilder};
use crate::ast::{CmpOp, Expr, ExprKind, FuncDef};
use crate::error::MsResult;
use crate::tac::{Instr, Op, Proto, SiteInfo, NO_REG};

impl FnBuilder<'_> {
    pub(super) fn function(&mut self, def: &Rc<FuncDef>, dst: u16, bind: bool) -> MsResult<()> {
        let mut proto = self.function_proto(def, false)?;
        // A function that may run as whole-function native code is compiled again
        // with an `Enter` instruction first (`tier::fn_candidate`); the others
        // carry nothing for it.
        if self.sites_on
            && self.functions_on
            && !proto.map_mode
            && crate::tier::fn_candidate(&proto.code, &proto.consts)
        {
            proto = self.function_proto(def, true)?;
        }
        let idx = self.protos.len() as u16;
        self.protos.push(proto);
        self.emit(
            if bind && self.map_mode {
                Op::BindFunc
            } else {
                Op::FuncLit
            },
            dst,
            idx,
            0,
        );
        Ok(())
    }

    /// The proto of function `def` (`enter`: with an `Enter` instruction first).
    fn function_proto(&mut self, def: &Rc<FuncDef>, enter: bool) -> MsResult<Rc<Proto>> {
        let name: Rc<str> = format!("function@{}", def.line).into();
        let mut fb = FnBuilder::new(
            self.source,
            self.file.clone(),
            name,
            &def.params,
            &def.body,
            false,
        );
        fb.interner = self.interner.clone();
        fb.texts = self.texts.clone();
        fb.sites_on = self.sites_on;
        fb.loops_on = self.loops_on;
        fb.functions_on = self.functions_on;
        fb.min_complexity = self.min_complexity;
        fb.line = def.line;
        if enter {
            fb.emit(Op::Enter, 0, 0, 0);
        }
        fb.block(&def.body)?;
        fb.finish()
    }

    // ----- expressions ------------------------------------------------------------

    /// Evaluate `e` to an operand that may be a named local register (allowed only for
    /// instructions whose fast path checks operand types), a constant, or a temporary.
    pub(super) fn expr_any(&mut self, e: &Expr) -> MsResult<u16> {
        match &e.kind {
            ExprKind::Num(n) => Ok(self.k_num(*n)),
            ExprKind::Str(s) => Ok(self.k_str(s)),
            ExprKind::Null => Ok(self.k_null()),
            ExprKind::Ident(name)
                if !is_magic(name) && self.warn_name.as_deref() != Some(&**name) =>
            {
                if let Some(slot) = self.slot_of(name) {
                    return Ok(slot);
                }
                let t = self.alloc();
                self.expr_into(e, t)?;
                Ok(t)
            }
            _ => {
                let t = self.alloc();
                let mark = self.next_temp;
                self.expr_into(e, t)?;
                self.free_to(mark);
                Ok(t)
            }
        }
    }

    /// Like `expr_any` but never a named local: locals are copied (and resolved) into a
    /// temporary first.
    pub(super) fn expr_val(&mut self, e: &Expr) -> MsResult<u16> {
        let o = self.expr_any(e)?;
        if self.is_local_reg(o) {
            let t = self.alloc();
            self.emit(Op::Move, t, o, 0);
            return Ok(t);
        }
        Ok(o)
    }

    pub(super) fn emit_call(&mut self, op: Op, dst: u16, callee: u16, base: u16, nargs: usize) {
        self.emit_call_full(op, dst, callee, base, nargs, 0);
    }

    pub(super) fn emit_call_full(
        &mut self,
        op: Op,
        dst: u16,
        callee: u16,
        base: u16,
        nargs: usize,
        x: u32,
    ) {
        if nargs > 255 {
            let k = self.k_str("Argument limit exceeded");
            self.emit(Op::Fail, 0, Self::kidx(k), 0);
            return;
        }
        let mut ins = Instr::new(op, dst, callee, base);
        ins.n = nargs as u8;
        ins.x = x;
        self.emit_full(ins);
    }

    /// Evaluate arguments into consecutive fresh registers starting at the top.
    fn args(&mut self, args: &[Expr]) -> MsResult<u16> {
        let base = self.next_temp;
        for a in args {
            let r = self.alloc();
            let mark = self.next_temp;
            self.expr_into(a, r)?;
            self.free_to(mark);
        }
        Ok(base)
    }

    /// Lower `e` so that its value ends up in register `dst` (`NO_REG`: discard).
    /// `dst` is written only by the last instruction, so `x = [x]` is safe.
    pub(super) fn expr_into(&mut self, e: &Expr, dst: u16) -> MsResult<()> {
        let mark = self.next_temp;
        let site_start = self.here();
        let site = dst != NO_REG && !self.in_site && is_site_root(e);
        if site {
            self.in_site = true;
        }
        let r = self.expr_into_inner(e, dst);
        if site {
            self.in_site = false;
        }
        r?;
        if site {
            let complexity = site_complexity(e);
            if complexity >= 1 {
                let text = self.span_text(e);
                self.sites.push(SiteInfo {
                    start: site_start as u32,
                    end: self.here() as u32,
                    line: e.span.line,
                    col: e.span.col,
                    text,
                });
            }
        }
        self.free_to(mark);
        Ok(())
    }

    pub(super) fn span_text(&self, e: &Expr) -> Rc<str> {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        self.text(self.source.get(s..t).unwrap_or(""))
    }

    /// The shared copy of source text `s` (see `FnBuilder::texts`).
    pub(super) fn text(&self, s: &str) -> Rc<str> {
        let mut texts = self.texts.borrow_mut();
        if let Some(t) = texts.get(s) {
            return t.clone();
        }
        let t: Rc<str> = Rc::from(s);
        texts.insert(t.clone());
        t
    }

    fn expr_into_inner(&mut self, e: &Expr, dst: u16) -> MsResult<()> {
        let real_dst = dst;
        let dst = if dst == NO_REG { self.alloc() } else { dst };
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Str(_) | ExprKind::Null => {
                let k = self.expr_any(e)?;
                self.emit(Op::MoveRaw, dst, k, 0);
            }
            ExprKind::Ident(name) => self.ident(name, dst)?,
            // `null.name`: the reference resolves members of the literal null to null
            // (only a variable holding null is a Type Error).
            ExprKind::Member(base, _) if matches!(base.kind, ExprKind::Null) => {
                let k = self.expr_any(base)?;
                self.emit(Op::MoveRaw, dst, k, 0);
            }
            ExprKind::Member(base, name)
                if real_dst != NO_REG
                    && !matches!(&base.kind, ExprKind::Ident(n) if &**n == "super") =>
            {
                // A member read: the object may stay in any register.
                let o = self.base_any(base)?;
                let k = self.k_str(name);
                self.emit(Op::GetField, dst, k, o);
            }
            ExprKind::Member(base, name) => {
                let obj = self.alloc();
                let keep_self = self.member_base(base, obj)?;
                let k = self.k_str(name);
                self.emit_call_full(Op::CallMember, real_dst, k, obj, 0, keep_self as u32);
                if real_dst == NO_REG {
                    return Ok(());
                }
            }
            ExprKind::Index(base, idx) => {
                let b = self.base_any(base)?;
                let i = self.expr_any(idx)?;
                self.emit(Op::Index, dst, b, i);
            }
            ExprKind::Slice(base, from, to) => {
                self.slice(base, from.as_deref(), to.as_deref(), dst)?
            }
            ExprKind::Call(callee, args) => {
                self.call(callee, args, real_dst)?;
                return Ok(());
            }
            ExprKind::AddrOf(inner) => self.addr_of(inner, dst)?,
            ExprKind::Binary(op, l, r) => {
                let a = self.expr_any(l)?;
                let b = self.expr_any(r)?;
                self.emit(bin_op(*op), dst, a, b);
            }
            ExprKind::Compare(operands, ops) => self.compare_chain(operands, ops, dst)?,
            ExprKind::Neg(inner) => {
                let z = self.k_num(0.0);
                let v = self.expr_any(inner)?;
                self.emit(Op::Sub, dst, z, v);
            }
            ExprKind::Not(inner) => {
                let v = self.expr_any(inner)?;
                self.emit(Op::Not, dst, v, 0);
            }
            // A; if not truthy(A): result 0; else B; result A and B.
            ExprKind::And(l, r) => self.short_circuit(l, r, dst, Op::JumpIfNot, Op::And, 0.0)?,
            // A; if truly(A): result 1; else B; result A or B.
            ExprKind::Or(l, r) => self.short_circuit(l, r, dst, Op::JumpIfTruly, Op::Or, 1.0)?,
            ExprKind::Isa(l, r) => {
                let a = self.expr_val(l)?;
                let b = self.expr_val(r)?;
                self.emit(Op::Isa, dst, a, b);
            }
            ExprKind::New(inner) => {
                let a = self.expr_val(inner)?;
                self.emit(Op::New, dst, a, 0);
            }
            ExprKind::List(items) => self.list_literal(items, dst)?,
            ExprKind::Map(entries) => self.map_literal(entries, dst)?,
            ExprKind::Function(def) => self.function(def, dst, false)?,
        }
        Ok(())
    }

    /// `base[from:to]` into `dst`; a missing bound is 0 or null.
    fn slice(
        &mut self,
        base: &Expr,
        from: Option<&Expr>,
        to: Option<&Expr>,
        dst: u16,
    ) -> MsResult<()> {
        let saved = self.unwarned_base(base);
        let b = self.expr_val(base);
        self.warn_name = saved;
        let b = b?;
        let f = match from {
            Some(f) => self.expr_val(f)?,
            None => self.k_num(0.0),
        };
        let t = match to {
            Some(t) => self.expr_val(t)?,
            None => self.k_null(),
        };
        let mut ins = Instr::new(Op::Slice, dst, b, f);
        ins.x = t as u32;
        self.emit_full(ins);
        Ok(())
    }

    /// `@inner` into `dst`: a variable or member read without invoking a function.
    fn addr_of(&mut self, inner: &Expr, dst: u16) -> MsResult<()> {
        match &inner.kind {
            ExprKind::Ident(name) if !is_magic(name) => {
                // n = 1: `x = @x` before x is local warns like a plain read.
                let warn = (self.warn_name.as_deref() == Some(&**name)) as u8;
                let mut ins = match self.slot_of(name) {
                    Some(slot) => Instr::new(Op::GetLocalRaw, dst, slot, 0),
                    None => {
                        let k = self.k_str(name);
                        Instr::new(Op::GetNameRaw, dst, Self::kidx(k), 0)
                    }
                };
                ins.n = warn;
                self.emit_full(ins);
            }
            ExprKind::Member(base, name) => {
                let obj = self.alloc();
                self.member_base(base, obj)?;
                let k = self.k_str(name);
                self.emit(Op::GetMember, dst, k, obj);
            }
            _ => self.expr_into_inner(inner, dst)?,
        }
        Ok(())
    }

    /// A comparison chain `a < b <= c` into `dst`: the product of the pairwise tests.
    fn compare_chain(&mut self, operands: &[Expr], ops: &[CmpOp], dst: u16) -> MsResult<()> {
        let mut prev = self.expr_any(&operands[0])?;
        let mut product: Option<u16> = None;
        for (i, op) in ops.iter().enumerate() {
            let next = self.expr_any(&operands[i + 1])?;
            let last = i + 1 == ops.len();
            let t = if last && product.is_none() {
                dst
            } else {
                self.alloc()
            };
            self.emit(cmp_op(*op), t, prev, next);
            product = Some(match product {
                None => t,
                Some(p) => {
                    let out = if last { dst } else { self.alloc() };
                    self.emit(Op::Mul, out, p, t);
                    out
                }
            });
            prev = next;
        }
        Ok(())
    }

    /// `l and r` / `l or r` into `dst`: when `skip` (taken on `l`) jumps, the result
    /// is the constant `short`; otherwise `combine` of both operands.
    fn short_circuit(
        &mut self,
        l: &Expr,
        r: &Expr,
        dst: u16,
        skip: Op,
        combine: Op,
        short: f64,
    ) -> MsResult<()> {
        let a = self.expr_any(l)?;
        let a = self.stable(a);
        let skip = self.emit_jump(skip, a, 0);
        let b = self.expr_any(r)?;
        self.emit(combine, dst, a, b);
        let end = self.emit_jump(Op::Jump, 0, 0);
        let h = self.here();
        self.patch(skip, h);
        let k = self.k_num(short);
        self.emit(Op::MoveRaw, dst, k, 0);
        let h = self.here();
        self.patch(end, h);
        Ok(())
    }

    /// A list literal into `dst`, built in a temporary so `x = [x]` reads the old `x`.
    fn list_literal(&mut self, items: &[Expr], dst: u16) -> MsResult<()> {
        let t = self.alloc();
        self.emit(Op::NewList, t, 0, 0);
        for it in items {
            let mark = self.next_temp;
            let v = self.expr_val(it)?;
            self.emit(Op::ListPush, t, v, 0);
            self.free_to(mark);
        }
        self.emit(Op::MoveRaw, dst, t, 0);
        Ok(())
    }

    /// A map literal into `dst`, built in a temporary like a list literal.
    fn map_literal(&mut self, entries: &[(Expr, Expr)], dst: u16) -> MsResult<()> {
        let t = self.alloc();
        self.emit(Op::NewMap, t, 0, 0);
        for (k, v) in entries {
            let mark = self.next_temp;
            let kk = self.expr_val(k)?;
            let vv = self.expr_val(v)?;
            self.emit(Op::SetIndex, t, kk, vv);
            self.free_to(mark);
        }
        self.emit(Op::MoveRaw, dst, t, 0);
        Ok(())
    }

    /// A short-circuit operand is read twice (test, then combine): if it is a named
    /// local, resolve it once into a temporary so a function is not called twice.
    fn stable(&mut self, o: u16) -> u16 {
        if self.is_local_reg(o) {
            let t = self.alloc();
            self.emit(Op::Move, t, o, 0);
            return t;
        }
        o
    }

    /// Evaluate the base of `base.name` into register `obj`; returns whether the call
    /// keeps the current `self` (a `super.m` call, spec §7.2).
    fn member_base(&mut self, base: &Expr, obj: u16) -> MsResult<bool> {
        match &base.kind {
            ExprKind::Ident(n) if &**n == "super" => {
                self.emit(Op::GetSuper, obj, 0, 0);
                Ok(true)
            }
            ExprKind::Ident(n) if &**n == "self" => {
                let mut ins = Instr::new(Op::GetSelf, obj, 0, 0);
                ins.n = 1;
                self.emit_full(ins);
                Ok(false)
            }
            _ => {
                let mark = self.next_temp;
                let saved = self.unwarned_base(base);
                let v = self.expr_any(base);
                self.warn_name = saved;
                let v = v?;
                // A named local moves straight in (`move` calls a function held there).
                let op = if self.is_local_reg(v) { Op::Move } else { Op::MoveRaw };
                self.emit(op, obj, v, 0);
                self.free_to(mark);
                Ok(false)
            }
        }
    }

    /// The object of `x.f` or `x[i]`: such a read of `x` does not count for the
    /// deprecation warning, and an unbound `self` there is an error.
    fn base_any(&mut self, base: &Expr) -> MsResult<u16> {
        if matches!(&base.kind, ExprKind::Ident(n) if &**n == "self") {
            let t = self.alloc();
            let mut ins = Instr::new(Op::GetSelf, t, 0, 0);
            ins.n = 1;
            self.emit_full(ins);
            return Ok(t);
        }
        let saved = self.unwarned_base(base);
        let r = self.expr_any(base);
        self.warn_name = saved;
        r
    }

    /// Before compiling the object of `x.f`, `x[i]` or `x[a:b]`: returns the
    /// deprecation-warning name to restore afterwards, and clears it if the object is
    /// the bare identifier `x` itself. Only that read is exempt; as in the reference, a
    /// parenthesized `(x)[i]` or any other object containing `x` (`[x][0]`,
    /// `(x + y).f`) reads `x` as a plain value and warns.
    fn unwarned_base(&mut self, base: &Expr) -> Option<Rc<str>> {
        let bare = match &base.kind {
            ExprKind::Ident(name) => {
                let span = base.span.start as usize..base.span.end as usize;
                self.source.get(span) == Some(&**name)
            }
            _ => false,
        };
        if bare {
            self.warn_name.take()
        } else {
            self.warn_name.clone()
        }
    }

    fn ident(&mut self, name: &Rc<str>, dst: u16) -> MsResult<()> {
        match &**name {
            "self" => {
                self.emit(Op::GetSelf, dst, 0, 0);
                return Ok(());
            }
            "super" => {
                self.emit(Op::GetSuper, dst, 0, 0);
                return Ok(());
            }
            "locals" => {
                self.emit(Op::GetLocals, dst, 0, 0);
                return Ok(());
            }
            "globals" => {
                self.emit(Op::GetGlobals, dst, 0, 0);
                return Ok(());
            }
            "outer" => {
                self.emit(Op::GetOuter, dst, 0, 0);
                return Ok(());
            }
            _ => {}
        }
        let warn = self.warn_name.as_deref() == Some(&**name);
        match self.slot_of(name) {
            Some(slot) if warn => {
                self.emit(Op::GetVarWarn, dst, slot, 0);
            }
            Some(slot) => {
                self.emit(Op::Move, dst, slot, 0);
            }
            None if warn => {
                let k = self.k_str(name);
                let mut ins = Instr::new(Op::GetVarWarn, dst, k, 0);
                ins.n = 1;
                self.emit_full(ins);
            }
            None => {
                let k = self.k_str(name);
                let base = self.next_temp;
                self.emit_call(Op::CallName, dst, Self::kidx(k), base, 0);
            }
        }
        Ok(())
    }

    fn call(&mut self, callee: &Expr, args: &[Expr], dst: u16) -> MsResult<()> {
        match &callee.kind {
            ExprKind::Ident(name) if !is_magic(name) => {
                let base = self.args(args)?;
                match self.slot_of(name) {
                    Some(slot) => self.emit_call(Op::CallLocal, dst, slot, base, args.len()),
                    None => {
                        let k = self.k_str(name);
                        self.emit_call(Op::CallName, dst, Self::kidx(k), base, args.len());
                    }
                }
            }
            ExprKind::Member(base, name) => {
                let obj = self.alloc();
                let keep_self = self.member_base(base, obj)?;
                self.args(args)?;
                let k = self.k_str(name);
                self.emit_call_full(Op::CallMember, dst, k, obj, args.len(), keep_self as u32);
            }
            ExprKind::Index(base, idx) => {
                // Statement-level `m[k]` / `m[k](args)`: invoke with self = m. The key
                // stays below the object so the callee's window cannot clobber it.
                let b = self.expr_val(base)?;
                let held = self.alloc();
                self.emit(Op::MoveRaw, held, b, 0);
                let key = self.expr_val(idx)?;
                let obj = self.alloc();
                self.emit(Op::MoveRaw, obj, held, 0);
                self.args(args)?;
                self.emit_call(Op::CallMember, dst, key, obj, args.len());
            }
            _ => {
                let f = self.alloc();
                let mark = self.next_temp;
                let v = self.expr_val(callee)?;
                self.emit(Op::MoveRaw, f, v, 0);
                self.free_to(mark);
                let base = self.args(args)?;
                self.emit_call(Op::CallValue, dst, f, base, args.len());
            }
        }
        Ok(())
    }
}

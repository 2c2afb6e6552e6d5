//! Lowering: AST to three-address code, one `Proto` per function.
//!
//! Locals are resolved to registers ("slot mode") whenever the function cannot
//! observe its locals as a map: it creates no closures (a nested `function` literal
//! captures the locals map as `outer`) and never names `locals` or `import`. Global
//! code and the other functions run in "map mode", where every variable lives in the
//! frame's locals map. Temporaries are allocated like a stack, so a call's arguments
//! always sit at the top of the caller's window and become the callee's parameters in
//! place (no copying per call).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, Expr, ExprKind, FuncDef, Literal, Program, Stmt, StmtKind};
use crate::error::{MsError, MsResult};
use crate::tac::{Instr, Op, Proto, SiteInfo, K_BIT, NO_REG};
use crate::value::{ParamSpec, Value};

mod analysis;
mod regions;

pub use analysis::site_complexity;
use analysis::{collect_assigned, is_site_root, needs_map_mode};

/// Compile a parsed program. `source` is the text it was parsed from (for the source
/// text of expression sites); `file` names imported modules in error messages.
pub fn compile(program: &Program, source: &str, file: Option<Rc<str>>) -> MsResult<Rc<Proto>> {
    compile_with(program, source, file, CompileOptions::default())
}

/// What the lowering emits beyond plain code.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions {
    /// Bracket compilable regions with `Site`/`SiteEnd` (for the profiler and the
    /// JIT). Off, the code has no profiling hooks at all.
    pub sites: bool,
    /// Regions below this weighted operation count get no markers (they would only
    /// cost dispatches: the JIT never compiles them). 0 keeps every region, which
    /// `--profile` wants for its report.
    pub min_complexity: u32,
    /// Mark `while` loops with `Loop` heads so that whole numeric loop nests can be
    /// compiled (loop regions); needs `sites`.
    pub loops: bool,
}

/// `compile` with options.
pub fn compile_with(
    program: &Program,
    source: &str,
    file: Option<Rc<str>>,
    opts: CompileOptions,
) -> MsResult<Rc<Proto>> {
    let mut b = FnBuilder::new(source, file, "(global)".into(), &[], &program.body, true);
    b.sites_on = opts.sites;
    b.loops_on = opts.loops;
    b.min_complexity = opts.min_complexity;
    b.block(&program.body)?;
    b.finish()
}

/// A region while lowering: its `Site` instruction, end, and expressions.
struct RawRegion {
    site: usize,
    end: usize,
    exprs: Vec<(u32, u32, Rc<str>)>,
}

/// A `while` loop with a `Loop` head, while lowering: pcs of the head, of the
/// first instruction after its condition, and after the loop; and its source.
struct RawLoop {
    head: usize,
    cond_end: usize,
    end: usize,
    line: u32,
    col: u32,
    last_line: u32,
    text: Rc<str>,
}

/// Names the lowering treats specially instead of as variables.
fn is_magic(name: &str) -> bool {
    matches!(name, "self" | "super" | "locals" | "globals" | "outer")
}

struct LoopCtx {
    /// Jump target of `continue`.
    top: usize,
    /// Jumps to patch with the loop's end.
    breaks: Vec<usize>,
}

struct FnBuilder<'s> {
    source: &'s str,
    file: Option<Rc<str>>,
    name: Rc<str>,
    params: Vec<ParamSpec>,
    code: Vec<Instr>,
    lines: Vec<u32>,
    consts: Vec<Value>,
    num_consts: HashMap<u64, u16>,
    str_consts: HashMap<Rc<str>, u16>,
    protos: Vec<Rc<Proto>>,
    map_mode: bool,
    locals: HashMap<Rc<str>, u16>,
    local_names: Vec<Rc<str>>,
    /// First temporary register.
    temp_base: u16,
    next_temp: u16,
    max_reg: u16,
    loops: Vec<LoopCtx>,
    line: u32,
    sites: Vec<SiteInfo>,
    /// Set while lowering `x = E`: reads of bare `x` inside E warn (spec §6.3).
    warn_name: Option<Rc<str>>,
    error: Option<MsError>,
    /// Global code: `return` there does not stop the program (spec §2.1).
    global: bool,
    /// Variables definitely assigned at this point of the lowering (parameters, and
    /// assignments earlier in this block or an enclosing one). Reading them can never
    /// need the "not a local yet" checks.
    assigned: Vec<Rc<str>>,
    /// Inside an expression site being recorded (only maximal sites are recorded).
    in_site: bool,
    /// String constants shared by every function of the program.
    interner: Rc<RefCell<HashMap<Rc<str>, Value>>>,
    /// Emit `Site`/`SiteEnd` around compilable regions.
    sites_on: bool,
    min_complexity: u32,
    regions: Vec<RawRegion>,
    loops_on: bool,
    raw_loops: Vec<RawLoop>,
    /// The last jump-target position patched (a region must not grow across it).
    last_label: usize,
}

impl<'s> FnBuilder<'s> {
    fn new(
        source: &'s str,
        file: Option<Rc<str>>,
        name: Rc<str>,
        params: &[crate::ast::Param],
        body: &[Stmt],
        global: bool,
    ) -> Self {
        let params: Vec<ParamSpec> = params
            .iter()
            .map(|p| ParamSpec {
                name: p.name.clone(),
                default: match &p.default {
                    Literal::Null => Value::Null,
                    Literal::Num(n) => Value::Num(*n),
                    Literal::Str(s) => Value::str(s),
                },
            })
            .collect();
        let map_mode = global || needs_map_mode(body);
        let mut b = FnBuilder {
            source,
            file,
            name,
            params,
            code: Vec::new(),
            lines: Vec::new(),
            consts: Vec::new(),
            num_consts: HashMap::new(),
            str_consts: HashMap::new(),
            protos: Vec::new(),
            map_mode,
            locals: HashMap::new(),
            local_names: Vec::new(),
            temp_base: 0,
            next_temp: 0,
            max_reg: 0,
            loops: Vec::new(),
            line: 1,
            sites: Vec::new(),
            warn_name: None,
            error: None,
            global,
            assigned: Vec::new(),
            in_site: false,
            interner: Rc::default(),
            sites_on: false,
            min_complexity: 0,
            regions: Vec::new(),
            loops_on: false,
            raw_loops: Vec::new(),
            last_label: usize::MAX,
        };
        let nparams = b.params.len() as u16;
        b.assigned = b.params.iter().map(|p| p.name.clone()).collect();
        if map_mode {
            // Arguments arrive in registers 0..nparams and are moved into the map.
            b.temp_base = nparams;
        } else {
            // Parameters occupy registers 0..nparams in order, whatever their names.
            let names: Vec<Rc<str>> = b.params.iter().map(|p| p.name.clone()).collect();
            for n in names {
                let slot = b.local_names.len() as u16;
                b.locals.insert(n.clone(), slot);
                b.local_names.push(n);
            }
            let mut assigned = Vec::new();
            collect_assigned(body, &mut assigned);
            for n in assigned {
                b.declare_local(&n);
            }
            b.temp_base = b.local_names.len() as u16;
        }
        b.next_temp = b.temp_base;
        b.max_reg = b.temp_base;
        b
    }

    fn declare_local(&mut self, name: &Rc<str>) {
        if is_magic(name) || self.locals.contains_key(name) {
            return;
        }
        let slot = self.local_names.len() as u16;
        self.locals.insert(name.clone(), slot);
        self.local_names.push(name.clone());
    }

    fn finish(mut self) -> MsResult<Rc<Proto>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        // Falling off the end returns null.
        let k = self.k_null();
        self.emit(Op::Return, 0, k, 0);
        if self.max_reg >= NO_REG || self.consts.len() >= K_BIT as usize {
            return Err(MsError::compiler("function too large", self.line));
        }
        let self_param = self.params.first().is_some_and(|p| &*p.name == "self");
        let ncode = self.code.len();
        let regions = self.finish_regions();
        Ok(Rc::new(Proto {
            name: self.name,
            params: self.params,
            code: self.code,
            lines: self.lines,
            consts: self.consts,
            protos: self.protos,
            nlocals: if self.map_mode {
                0
            } else {
                self.local_names.len() as u16
            },
            local_names: self.local_names,
            nregs: self.max_reg,
            map_mode: self.map_mode,
            self_param,
            sites: self.sites,
            name_cache: (0..ncode).map(|_| std::cell::Cell::new(u32::MAX)).collect(),
            regions,
            region_base: std::cell::Cell::new((0, 0)),
            file: self.file,
        }))
    }

    // ----- emission helpers -------------------------------------------------------

    fn emit(&mut self, op: Op, a: u16, b: u16, c: u16) -> usize {
        self.code.push(Instr::new(op, a, b, c));
        self.lines.push(self.line);
        self.code.len() - 1
    }

    fn emit_full(&mut self, ins: Instr) -> usize {
        self.code.push(ins);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    fn emit_jump(&mut self, op: Op, b: u16, c: u16) -> usize {
        self.emit(op, 0, b, c)
    }

    fn patch(&mut self, at: usize, target: usize) {
        self.code[at].x = target as u32;
        self.last_label = target;
    }

    fn here(&self) -> usize {
        self.code.len()
    }

    fn alloc(&mut self) -> u16 {
        let r = self.next_temp;
        self.next_temp = self.next_temp.saturating_add(1);
        if self.next_temp > self.max_reg {
            self.max_reg = self.next_temp;
        }
        r
    }

    fn free_to(&mut self, mark: u16) {
        self.next_temp = mark;
    }

    fn konst(&mut self, v: Value) -> u16 {
        let idx = match &v {
            Value::Num(n) => {
                let bits = n.to_bits();
                if let Some(&i) = self.num_consts.get(&bits) {
                    return i | K_BIT;
                }
                let i = self.consts.len() as u16;
                self.num_consts.insert(bits, i);
                i
            }
            Value::Str(s) => {
                let key: Rc<str> = s.as_str().into();
                if let Some(&i) = self.str_consts.get(&key) {
                    return i | K_BIT;
                }
                let i = self.consts.len() as u16;
                self.str_consts.insert(key.clone(), i);
                // One string object per distinct text in the whole program, so that
                // variable names and map keys usually compare by pointer.
                let shared = self
                    .interner
                    .borrow_mut()
                    .entry(key)
                    .or_insert_with(|| v.clone())
                    .clone();
                self.consts.push(shared);
                return i | K_BIT;
            }
            _ => self.consts.len() as u16,
        };
        self.consts.push(v);
        (idx & !K_BIT) | K_BIT
    }

    fn k_num(&mut self, n: f64) -> u16 {
        self.konst(Value::Num(n))
    }
    fn k_str(&mut self, s: &str) -> u16 {
        self.konst(Value::str(s))
    }
    fn k_null(&mut self) -> u16 {
        // One shared null constant per function.
        if let Some(i) = self.consts.iter().position(|v| v.is_null()) {
            return i as u16 | K_BIT;
        }
        self.konst(Value::Null)
    }

    /// Index of a constant operand in the constant table (for `K`-shaped fields).
    fn kidx(k: u16) -> u16 {
        k & !K_BIT
    }

    fn is_local_reg(&self, o: u16) -> bool {
        o & K_BIT == 0 && o < self.temp_base && !self.map_mode
    }

    fn slot_of(&self, name: &str) -> Option<u16> {
        if self.map_mode {
            None
        } else {
            self.locals.get(name).copied()
        }
    }

    // ----- statements -------------------------------------------------------------

    fn block(&mut self, stmts: &[Stmt]) -> MsResult<()> {
        // Assignments inside a block may not have run after it.
        let mark = self.assigned.len();
        for s in stmts {
            self.stmt(s)?;
        }
        self.assigned.truncate(mark);
        Ok(())
    }

    fn is_assigned(&self, name: &str) -> bool {
        self.assigned.iter().any(|n| &**n == name)
    }

    fn stmt(&mut self, s: &Stmt) -> MsResult<()> {
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
                let j = self.cond_jump(&branches[0].0, true)?;
                if let Some(l) = self.loops.last_mut() {
                    l.breaks.push(j);
                }
            }
            StmtKind::If(branches, else_body) => {
                let mut ends = Vec::new();
                let n = branches.len();
                for (i, (cond, body)) in branches.iter().enumerate() {
                    self.line = cond.span.line.max(s.line);
                    let skip = self.cond_jump_unless(cond)?;
                    self.block(body)?;
                    if i + 1 < n || else_body.is_some() {
                        ends.push(self.emit_jump(Op::Jump, 0, 0));
                    }
                    let h = self.here();
                    self.patch(skip, h);
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
        let m = self.assigned.len();
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
        Ok(())
    }

    /// Emit a `loop` instruction at a loop head when loops may be compiled here
    /// (sites on, loop regions on, locals in registers); says whether it did.
    fn mark_loop_head(&mut self) -> bool {
        let marked = self.sites_on && self.loops_on && !self.map_mode;
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
            text: text.into(),
        });
    }

    /// Evaluate a condition and emit a jump taken when it is not truthy; returns the
    /// jump to patch. Single comparisons fuse into compare-and-branch instructions.
    fn cond_jump_unless(&mut self, cond: &Expr) -> MsResult<usize> {
        self.cond_jump(cond, false)
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

    fn assign(&mut self, target: &Expr, value: &Expr) -> MsResult<()> {
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

    // ----- functions --------------------------------------------------------------

    fn function(&mut self, def: &Rc<FuncDef>, dst: u16, bind: bool) -> MsResult<()> {
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
        fb.sites_on = self.sites_on;
        fb.loops_on = self.loops_on;
        fb.min_complexity = self.min_complexity;
        fb.line = def.line;
        fb.block(&def.body)?;
        let proto = fb.finish()?;
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

    // ----- expressions ------------------------------------------------------------

    /// Evaluate `e` to an operand that may be a named local register (allowed only for
    /// instructions whose fast path checks operand types), a constant, or a temporary.
    fn expr_any(&mut self, e: &Expr) -> MsResult<u16> {
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
    fn expr_val(&mut self, e: &Expr) -> MsResult<u16> {
        let o = self.expr_any(e)?;
        if self.is_local_reg(o) {
            let t = self.alloc();
            self.emit(Op::Move, t, o, 0);
            return Ok(t);
        }
        Ok(o)
    }

    fn emit_call(&mut self, op: Op, dst: u16, callee: u16, base: u16, nargs: usize) {
        self.emit_call_full(op, dst, callee, base, nargs, 0);
    }

    fn emit_call_full(&mut self, op: Op, dst: u16, callee: u16, base: u16, nargs: usize, x: u32) {
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
    fn expr_into(&mut self, e: &Expr, dst: u16) -> MsResult<()> {
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

    fn span_text(&self, e: &Expr) -> Rc<str> {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        self.source.get(s..t).unwrap_or("").into()
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
            }
            ExprKind::Call(callee, args) => {
                self.call(callee, args, real_dst)?;
                return Ok(());
            }
            ExprKind::AddrOf(inner) => match &inner.kind {
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
            },
            ExprKind::Binary(op, l, r) => {
                let a = self.expr_any(l)?;
                let b = self.expr_any(r)?;
                self.emit(bin_op(*op), dst, a, b);
            }
            ExprKind::Compare(operands, ops) => {
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
            }
            ExprKind::Neg(inner) => {
                let z = self.k_num(0.0);
                let v = self.expr_any(inner)?;
                self.emit(Op::Sub, dst, z, v);
            }
            ExprKind::Not(inner) => {
                let v = self.expr_any(inner)?;
                self.emit(Op::Not, dst, v, 0);
            }
            ExprKind::And(l, r) => {
                // A; if not truthy(A): result 0; else B; result A and B.
                let a = self.expr_any(l)?;
                let a = self.stable(a);
                let skip = self.emit_jump(Op::JumpIfNot, a, 0);
                let b = self.expr_any(r)?;
                self.emit(Op::And, dst, a, b);
                let end = self.emit_jump(Op::Jump, 0, 0);
                let h = self.here();
                self.patch(skip, h);
                let zero = self.k_num(0.0);
                self.emit(Op::MoveRaw, dst, zero, 0);
                let h = self.here();
                self.patch(end, h);
            }
            ExprKind::Or(l, r) => {
                let a = self.expr_any(l)?;
                let a = self.stable(a);
                let skip = self.emit_jump(Op::JumpIfTruly, a, 0);
                let b = self.expr_any(r)?;
                self.emit(Op::Or, dst, a, b);
                let end = self.emit_jump(Op::Jump, 0, 0);
                let h = self.here();
                self.patch(skip, h);
                let one = self.k_num(1.0);
                self.emit(Op::MoveRaw, dst, one, 0);
                let h = self.here();
                self.patch(end, h);
            }
            ExprKind::Isa(l, r) => {
                let a = self.expr_val(l)?;
                let b = self.expr_val(r)?;
                self.emit(Op::Isa, dst, a, b);
            }
            ExprKind::New(inner) => {
                let a = self.expr_val(inner)?;
                self.emit(Op::New, dst, a, 0);
            }
            ExprKind::List(items) => {
                let t = self.alloc();
                self.emit(Op::NewList, t, 0, 0);
                for it in items {
                    let mark = self.next_temp;
                    let v = self.expr_val(it)?;
                    self.emit(Op::ListPush, t, v, 0);
                    self.free_to(mark);
                }
                self.emit(Op::MoveRaw, dst, t, 0);
            }
            ExprKind::Map(entries) => {
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
            }
            ExprKind::Function(def) => self.function(def, dst, false)?,
        }
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
                let v = self.expr_val(base);
                self.warn_name = saved;
                let v = v?;
                self.emit(Op::MoveRaw, obj, v, 0);
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

fn bin_op(op: BinOp) -> Op {
    match op {
        BinOp::Add => Op::Add,
        BinOp::Sub => Op::Sub,
        BinOp::Mul => Op::Mul,
        BinOp::Div => Op::Div,
        BinOp::Mod => Op::Mod,
        BinOp::Pow => Op::Pow,
    }
}

fn cmp_op(op: CmpOp) -> Op {
    match op {
        CmpOp::Eq => Op::Eq,
        CmpOp::Ne => Op::Ne,
        CmpOp::Lt => Op::Lt,
        CmpOp::Le => Op::Le,
        CmpOp::Gt => Op::Gt,
        CmpOp::Ge => Op::Ge,
    }
}

//! Function regions to Cranelift IR: every function of a `FuncUnit` in one native
//! function that calls itself (recursion and calls between the unit's functions
//! are direct native calls with unboxed numbers).
//!
//! The function is `extern "C" fn(ctx: *mut FnCtx, which: u32, depth: u32, a0..:
//! f64) -> f64` (`abi::FN_FN`): it gives up (sets `ctx.status` to a `BAIL_*`
//! reason and returns 0) when `depth` reaches `ctx.max_depth` or the interrupt flag
//! is set (checked at every entry and back-edge), when the back-edge budget runs
//! out, or at what only the interpreter does; a caller that sees a status returns
//! at once. Otherwise it jumps to function `which`, whose registers are Cranelift
//! variables. Only non-trapping instructions are emitted.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, Block, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, Signature,
    UserExternalName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use miniscript::interp::attention::INTERRUPT_BYTE;
use miniscript::tier::abi::{
    BAIL_BUDGET, BAIL_DEPTH, BAIL_INTERRUPT, BAIL_OTHER, FN_BUDGET, FN_FN, FN_INTERRUPT,
    FN_MAX_DEPTH, FN_STATUS,
};
use miniscript::tier::{FInstr, FuncBody, FuncUnit, LOperand, Test};

use crate::emit::{emit_bin, float_cc, Helpers};
use crate::loops::abs_clamp01;

/// `(ctx, which, depth, a0 .. a{nargs-1}) -> f64`.
pub(crate) fn func_sig(isa: &dyn TargetIsa, unit: &FuncUnit) -> Signature {
    let letters = format!("{FN_FN}{}>f", "f".repeat(unit.nargs as usize));
    crate::emit::sig_of(isa, &letters)
}

/// Build the IR of function unit `unit` into `b` (whose signature is `func_sig`);
/// `self_id` is the function's own id in the module (for its calls).
pub(crate) fn build(b: &mut FunctionBuilder, unit: &FuncUnit, helpers: &mut Helpers, self_id: u32) {
    let sig = b.func.signature.clone();
    let sigref = b.import_signature(sig);
    let name = b.func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index: self_id,
    });
    let me = b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sigref,
        colocated: true,
        patchable: false,
    });
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, which, depth) = (params[0], params[1], params[2]);
    let args = params[3..].to_vec();
    let bails: Vec<Block> = (0..4).map(|_| b.create_block()).collect();
    let ret_zero = b.create_block();
    let starts: Vec<Block> = unit.funcs.iter().map(|_| b.create_block()).collect();
    let mut t = FnTranslator {
        b,
        helpers,
        unit,
        ctx,
        depth,
        me,
        bails,
        ret_zero,
        vars: Vec::new(),
        flags: Vec::new(),
        nparams: 0,
        nlocals: 0,
        blocks: Vec::new(),
        open: false,
        backs: Vec::new(),
    };
    t.entry(which, &starts);
    for (k, f) in unit.funcs.iter().enumerate() {
        t.function(f, starts[k], &args);
    }
    t.finish();
}

/// The state of one unit being built.
struct FnTranslator<'t, 'f, 'h> {
    b: &'t mut FunctionBuilder<'f>,
    helpers: &'t mut Helpers<'h>,
    unit: &'t FuncUnit,
    /// Parameters: the context and the native depth of this call.
    ctx: Value,
    depth: Value,
    /// The function itself, for calls.
    me: FuncRef,
    /// One block per bail reason (`BAIL_* - 1`): set the status, return 0.
    bails: Vec<Block>,
    /// Return 0 with the status already set (a callee gave up).
    ret_zero: Block,
    /// The function being translated: its registers' variables, the "assigned"
    /// flags of its locals that are not parameters, its blocks by instruction.
    vars: Vec<Variable>,
    flags: Vec<Variable>,
    nparams: u16,
    nlocals: u16,
    blocks: Vec<Option<Block>>,
    /// Whether the current block is open.
    open: bool,
    /// Back-edge blocks and their heads, filled in by `finish`.
    backs: Vec<(Block, Block)>,
}

/// Which instructions of `code` start a block.
fn leaders(code: &[FInstr]) -> Vec<bool> {
    let n = code.len();
    let mut leader = vec![false; n + 1];
    leader[0] = true;
    for (i, ins) in code.iter().enumerate() {
        match ins {
            FInstr::Jump { target }
            | FInstr::BranchCmp { target, .. }
            | FInstr::BranchTest { target, .. } => {
                if (*target as usize) < n {
                    leader[*target as usize] = true;
                }
                leader[i + 1] = true;
            }
            FInstr::Return { .. } | FInstr::Bail => leader[i + 1] = true,
            _ => {}
        }
    }
    leader
}

impl FnTranslator<'_, '_, '_> {
    /// The entry: depth and interrupt checks, then dispatch on `which`.
    fn entry(&mut self, which: Value, starts: &[Block]) {
        let flags = MemFlagsData::trusted();
        let max = self.b.ins().load(types::I32, flags, self.ctx, FN_MAX_DEPTH);
        let deep = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, self.depth, max);
        let go = self.b.create_block();
        self.b
            .ins()
            .brif(deep, self.bails[BAIL_DEPTH as usize - 1], &[], go, &[]);
        self.b.switch_to_block(go);
        self.interrupt_check();
        if starts.len() == 1 {
            self.b.ins().jump(starts[0], &[]);
        } else {
            let mut switch = Switch::new();
            for (k, &s) in starts.iter().enumerate() {
                switch.set_entry(k as u128, s);
            }
            switch.emit(self.b, which, self.bails[BAIL_OTHER as usize - 1]);
        }
    }

    /// Give up if the interrupt flag is set; continues in a new block.
    fn interrupt_check(&mut self) {
        let flags = MemFlagsData::trusted();
        let ptr = self.b.func.dfg.value_type(self.ctx);
        let p = self.b.ins().load(ptr, flags, self.ctx, FN_INTERRUPT);
        let set = self.b.ins().load(types::I8, flags, p, INTERRUPT_BYTE);
        let go = self.b.create_block();
        self.b
            .ins()
            .brif(set, self.bails[BAIL_INTERRUPT as usize - 1], &[], go, &[]);
        self.b.switch_to_block(go);
    }

    /// Translate function `f` of the unit, starting at block `start`.
    fn function(&mut self, f: &FuncBody, start: Block, args: &[Value]) {
        self.vars = (0..f.nregs)
            .map(|_| self.b.declare_var(types::F64))
            .collect();
        self.nparams = f.nparams;
        self.nlocals = f.nlocals.max(f.nparams);
        self.flags = (f.nparams..self.nlocals)
            .map(|_| self.b.declare_var(types::I8))
            .collect();
        let lead = leaders(&f.code);
        self.blocks = lead
            .iter()
            .take(f.code.len())
            .map(|&l| if l { Some(self.b.create_block()) } else { None })
            .collect();
        self.b.switch_to_block(start);
        let zero = self.b.ins().f64const(0.0);
        let no = self.b.ins().iconst(types::I8, 0);
        for r in 0..f.nregs {
            let v = if r < f.nparams {
                args[r as usize]
            } else {
                zero
            };
            self.b.def_var(self.vars[r as usize], v);
        }
        for &fl in &self.flags {
            self.b.def_var(fl, no);
        }
        self.open = true;
        for (i, ins) in f.code.iter().enumerate() {
            if let Some(block) = self.blocks[i] {
                if self.open {
                    self.b.ins().jump(block, &[]);
                }
                self.b.switch_to_block(block);
                self.open = true;
            }
            if self.open {
                self.instruction(i, ins);
            }
        }
        if self.open {
            // Falling off the end: only the interpreter knows (never expected).
            self.b.ins().jump(self.bails[BAIL_OTHER as usize - 1], &[]);
        }
        self.open = false;
    }

    /// The value of an operand; reading a local that is not a parameter gives up
    /// unless this call assigned it.
    fn get(&mut self, o: LOperand) -> Value {
        match o {
            LOperand::Reg(r) => {
                if r >= self.nparams && r < self.nlocals {
                    let set = self.b.use_var(self.flags[(r - self.nparams) as usize]);
                    let go = self.b.create_block();
                    self.b
                        .ins()
                        .brif(set, go, &[], self.bails[BAIL_OTHER as usize - 1], &[]);
                    self.b.switch_to_block(go);
                }
                self.b.use_var(self.vars[r as usize])
            }
            LOperand::Const(c) => self.b.ins().f64const(c),
        }
    }

    fn set(&mut self, dst: u16, v: Value) {
        self.b.def_var(self.vars[dst as usize], v);
        if dst >= self.nparams && dst < self.nlocals {
            let yes = self.b.ins().iconst(types::I8, 1);
            self.b
                .def_var(self.flags[(dst - self.nparams) as usize], yes);
        }
    }

    /// Where a jump from `from` to `target` goes; a backward one passes the
    /// back-edge checks (budget, interrupt) first.
    fn edge(&mut self, from: usize, target: u32) -> Block {
        let Some(dest) = self.blocks.get(target as usize).copied().flatten() else {
            return self.bails[BAIL_OTHER as usize - 1];
        };
        if target as usize > from {
            return dest;
        }
        let back = self.b.create_block();
        self.backs.push((back, dest));
        back
    }

    /// The block after instruction `i`.
    fn after(&self, i: usize) -> Block {
        self.blocks
            .get(i + 1)
            .copied()
            .flatten()
            .unwrap_or(self.bails[BAIL_OTHER as usize - 1])
    }

    fn instruction(&mut self, i: usize, ins: &FInstr) {
        match ins {
            FInstr::Bin { op, dst, a, b: y } => {
                let x = self.get(*a);
                let y = self.get(*y);
                let v = emit_bin(self.b, *op, x, y, self.helpers);
                self.set(*dst, v);
            }
            FInstr::And { dst, a, b: y } => {
                let x = self.get(*a);
                let y = self.get(*y);
                let p = self.b.ins().fmul(x, y);
                let v = abs_clamp01(self.b, p);
                self.set(*dst, v);
            }
            FInstr::Or { dst, a, b: y } => {
                let x = self.get(*a);
                let y = self.get(*y);
                let s = self.b.ins().fadd(x, y);
                let p = self.b.ins().fmul(x, y);
                let d = self.b.ins().fsub(s, p);
                let v = abs_clamp01(self.b, d);
                self.set(*dst, v);
            }
            FInstr::Not { dst, a } => {
                let x = self.get(*a);
                let c = abs_clamp01(self.b, x);
                let one = self.b.ins().f64const(1.0);
                let v = self.b.ins().fsub(one, c);
                self.set(*dst, v);
            }
            FInstr::Move { dst, a } => {
                let v = self.get(*a);
                self.set(*dst, v);
            }
            FInstr::Call { dst, func, args } => self.call(*dst, *func, args),
            FInstr::Return { a } => {
                let v = self.get(*a);
                self.b.ins().return_(&[v]);
                self.open = false;
            }
            FInstr::Bail => {
                self.b.ins().jump(self.bails[BAIL_OTHER as usize - 1], &[]);
                self.open = false;
            }
            FInstr::Nop => {}
            FInstr::Jump { .. } | FInstr::BranchCmp { .. } | FInstr::BranchTest { .. } => {
                self.control(i, ins)
            }
        }
    }

    fn control(&mut self, i: usize, ins: &FInstr) {
        match *ins {
            FInstr::Jump { target } => {
                let to = self.edge(i, target);
                self.b.ins().jump(to, &[]);
            }
            FInstr::BranchCmp {
                op,
                a,
                b: y,
                when,
                target,
            } => {
                let x = self.get(a);
                let y = self.get(y);
                let c = self.b.ins().fcmp(float_cc(op), x, y);
                let to = self.edge(i, target);
                let next = self.after(i);
                if when {
                    self.b.ins().brif(c, to, &[], next, &[]);
                } else {
                    self.b.ins().brif(c, next, &[], to, &[]);
                }
            }
            FInstr::BranchTest { test, a, target } => {
                let x = self.get(a);
                let zero = self.b.ins().f64const(0.0);
                let c = match test {
                    Test::NonZero => self.b.ins().fcmp(FloatCC::NotEqual, x, zero),
                    Test::Zero => self.b.ins().fcmp(FloatCC::Equal, x, zero),
                    Test::TruncNonZero => {
                        let t = self.b.ins().trunc(x);
                        self.b.ins().fcmp(FloatCC::NotEqual, t, zero)
                    }
                };
                let to = self.edge(i, target);
                let next = self.after(i);
                self.b.ins().brif(c, to, &[], next, &[]);
            }
            _ => {}
        }
        self.open = false;
    }

    /// A call of function `func` of the unit: one deeper, arguments padded with
    /// zeros to the signature; a callee that gave up makes this call give up too.
    fn call(&mut self, dst: Option<u16>, func: u16, args: &[LOperand]) {
        let mut vals = vec![self.ctx];
        let which = self.b.ins().iconst(types::I32, func as i64);
        let depth = self.b.ins().iadd_imm_s(self.depth, 1);
        vals.push(which);
        vals.push(depth);
        for a in args {
            let v = self.get(*a);
            vals.push(v);
        }
        while vals.len() < 3 + self.unit.nargs as usize {
            let z = self.b.ins().f64const(0.0);
            vals.push(z);
        }
        let call = self.b.ins().call(self.me, &vals);
        let r = self.b.inst_results(call)[0];
        let flags = MemFlagsData::trusted();
        let status = self.b.ins().load(types::I32, flags, self.ctx, FN_STATUS);
        let go = self.b.create_block();
        self.b.ins().brif(status, self.ret_zero, &[], go, &[]);
        self.b.switch_to_block(go);
        if let Some(d) = dst {
            self.set(d, r);
        }
    }

    /// The back-edge checks, the bail blocks, and sealing.
    fn finish(mut self) {
        let flags = MemFlagsData::trusted();
        for (back, dest) in std::mem::take(&mut self.backs) {
            self.b.switch_to_block(back);
            let left = self.b.ins().load(types::I64, flags, self.ctx, FN_BUDGET);
            let left = self.b.ins().iadd_imm_s(left, -1);
            self.b.ins().store(flags, left, self.ctx, FN_BUDGET);
            let go = self.b.create_block();
            self.b
                .ins()
                .brif(left, go, &[], self.bails[BAIL_BUDGET as usize - 1], &[]);
            self.b.switch_to_block(go);
            self.interrupt_check();
            self.b.ins().jump(dest, &[]);
        }
        for (k, &blk) in self.bails.iter().enumerate() {
            self.b.switch_to_block(blk);
            let code = self.b.ins().iconst(types::I32, k as i64 + 1);
            self.b.ins().store(flags, code, self.ctx, FN_STATUS);
            self.b.ins().jump(self.ret_zero, &[]);
        }
        self.b.switch_to_block(self.ret_zero);
        let zero = self.b.ins().f64const(0.0);
        self.b.ins().return_(&[zero]);
        self.b.seal_all_blocks();
    }
}

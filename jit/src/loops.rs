//! Loop regions to Cranelift IR: a whole nest of numeric loops as one function,
//! entered at the head the interpreter is at (on-stack replacement). A
//! `LoopTranslator` holds the builder state and has one method per instruction group.
//!
//! The function is `extern "C" fn(window: *mut Value, head: u32, iters: *mut u64,
//! consts: *const Value, caches: *const Cell<u32>) -> u32`:
//! - the entry block checks the tag byte of every local the nest touches and
//!   returns 0 if one is not `NUM_TAG` (nothing written);
//! - then it loads their f64 payloads into Cranelift variables (every register is
//!   a variable; temporaries start at 0.0, they are dead at every head), starts the
//!   back-edge countdown, and switches on `head` to that head's block;
//! - each TAC instruction becomes IR in a block per leader; a jump backward goes
//!   through a block that decrements the countdown and, when it reaches zero,
//!   pauses: stores the written locals back and returns `PAUSE_BIT | head`;
//! - each exit stores the written locals back and returns its number + 1.
//!
//! The number of back-edges run is stored through `iters` before every return.
//! As in straight regions only non-trapping instructions are emitted.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, Block, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData, StackSlotKind,
    Type, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use miniscript::tier::abi::{NUM_OFFSET, PAUSE_BIT, PAUSE_PERIOD};
use miniscript::tier::{LInstr, LOperand, LoopBody, RegionDesc, Test};

use crate::emit::{
    emit_bin, emit_guard, float_cc, slot, Helpers, COPY_VALUE, FIELD_GET, FIELD_SET, FOR_NEXT,
    LIST_GET, LIST_GET_REF, LIST_SET,
};

/// Bytes of the stack buffer container helpers write their results to: two f64
/// (`for_next` writes the next index, then the element).
const OUT_BYTES: u32 = 2 * std::mem::size_of::<f64>() as u32;
/// Offset of the element in that buffer.
const OUT_ELEMENT: i32 = std::mem::size_of::<f64>() as i32;

/// `(window, head, iters, consts, caches) -> u32`: `abi::LoopFn`.
pub(crate) fn loop_sig(isa: &dyn TargetIsa) -> Signature {
    crate::emit::sig_of(isa, miniscript::tier::abi::LOOP_FN)
}

/// Byte offset of the inline cache of instruction `pc` (an array of `Cell<u32>`).
fn cache_offset(pc: u32) -> i64 {
    pc as i64 * std::mem::size_of::<std::cell::Cell<u32>>() as i64
}

/// `clamp01(|x|)` exactly as the interpreter's fuzzy logic computes it: `-x` only
/// when `x < 0` (so -0 stays -0), then 1 when above 1 (NaN stays NaN).
pub(crate) fn abs_clamp01(b: &mut FunctionBuilder, x: Value) -> Value {
    let zero = b.ins().f64const(0.0);
    let one = b.ins().f64const(1.0);
    let neg = b.ins().fcmp(FloatCC::LessThan, x, zero);
    let minus = b.ins().fneg(x);
    let a = b.ins().select(neg, minus, x);
    let big = b.ins().fcmp(FloatCC::GreaterThan, a, one);
    b.ins().select(big, one, a)
}

/// The highest register the nest uses as a number (every one gets a variable).
fn max_register(desc: &RegionDesc, lp: &LoopBody) -> u16 {
    let mut max_reg = 0u16;
    let mut note = |o: &LOperand| {
        if let LOperand::Reg(r) = o {
            max_reg = max_reg.max(*r);
        }
    };
    for i in &lp.code {
        match i {
            LInstr::Bin { dst, a, b, .. }
            | LInstr::And { dst, a, b }
            | LInstr::Or { dst, a, b } => {
                note(&LOperand::Reg(*dst));
                note(a);
                note(b);
            }
            LInstr::Not { dst, a } | LInstr::Move { dst, a } => {
                note(&LOperand::Reg(*dst));
                note(a);
            }
            LInstr::BranchCmp { a, b, .. } => {
                note(a);
                note(b);
            }
            LInstr::BranchTest { a, .. } => note(a),
            LInstr::ListGet { dst, index, .. } => {
                note(&LOperand::Reg(*dst));
                note(index);
            }
            LInstr::ListSet { index, value, .. } => {
                note(index);
                note(value);
            }
            // The container register itself is no variable.
            LInstr::ListGetRef { index, .. } => note(index),
            LInstr::FieldGet { dst, .. } => note(&LOperand::Reg(*dst)),
            LInstr::FieldSet { value, .. } => note(value),
            LInstr::ForNext {
                dst, idx, by_ref, ..
            } => {
                note(&LOperand::Reg(*idx));
                if !by_ref {
                    note(&LOperand::Reg(*dst));
                }
            }
            LInstr::Jump { .. }
            | LInstr::Head { .. }
            | LInstr::Nop
            | LInstr::CopyRef { .. }
            | LInstr::Call { .. } => {}
        }
    }
    for r in desc
        .input_regs
        .iter()
        .chain(&desc.output_regs)
        .chain(&lp.temps)
    {
        max_reg = max_reg.max(*r);
    }
    max_reg
}

/// Which instructions start a block (heads, jump targets, after branches); one
/// more entry than instructions, for the end.
fn leaders(lp: &LoopBody) -> Vec<bool> {
    let n = lp.code.len();
    let mut leader = vec![false; n + 1];
    leader[0] = true;
    for (i, ins) in lp.code.iter().enumerate() {
        match ins {
            LInstr::Head { .. } => leader[i] = true,
            LInstr::Jump { target }
            | LInstr::BranchCmp { target, .. }
            | LInstr::BranchTest { target, .. }
            | LInstr::ForNext { done: target, .. } => {
                if (*target as usize) < n {
                    leader[*target as usize] = true;
                }
                leader[i + 1] = true;
            }
            LInstr::Call { .. } => leader[i + 1] = true,
            _ => {}
        }
    }
    leader
}

/// Build the IR of loop region `desc` into `b` (whose signature is `loop_sig`).
pub(crate) fn build(
    b: &mut FunctionBuilder,
    desc: &RegionDesc,
    lp: &LoopBody,
    helpers: &mut Helpers,
) {
    let mut t = LoopTranslator::new(b, desc, lp, helpers);
    for (i, ins) in lp.code.iter().enumerate() {
        t.instruction(i, ins);
    }
    t.finish();
}

/// The state of one loop function being built.
struct LoopTranslator<'t, 'f, 'h> {
    /// The function being built.
    b: &'t mut FunctionBuilder<'f>,
    /// The helpers, imported into the function on first call.
    helpers: &'t mut Helpers<'h>,
    /// The nest's code.
    lp: &'t LoopBody,
    /// The variable of each register (the payload of a number register).
    vars: Vec<Variable>,
    /// Parameter: the interpreter's register window (locals are read and stored
    /// there; container helpers get register addresses in it).
    window: Value,
    /// Parameter: where the number of back-edges run is stored before returning.
    iters: Value,
    /// Parameter: the function's constants (the keys of field accesses).
    consts: Value,
    /// Parameter: the inline caches of field accesses, by instruction.
    caches: Value,
    /// Back-edges left before the next pause.
    countdown: Variable,
    /// Written locals, stored back at every return.
    outputs: Vec<u16>,
    /// The block of each leader instruction (`None` inside a block).
    blocks: Vec<Option<Block>>,
    /// One block per exit (exit `k` returns `k + 1`).
    exit_blocks: Vec<Block>,
    /// One block per head, for pausing there.
    pause_blocks: Vec<Block>,
    /// The guard failure (returns 0, nothing written).
    fail: Block,
    /// The pointer type, for addresses.
    ptr: Type,
    /// The stack buffer container helpers write to (`OUT_BYTES`).
    out_slot: StackSlot,
    /// Countdown blocks of backward jumps: (block, head block, head number), filled
    /// in by `finish`.
    backs: Vec<(Block, Block, usize)>,
    /// Whether the current block is open (reachable code continues it).
    open: bool,
}

impl<'t, 'f, 'h> LoopTranslator<'t, 'f, 'h> {
    /// Create the blocks and variables, emit the entry (guard, loads, countdown,
    /// dispatch on head).
    fn new(
        b: &'t mut FunctionBuilder<'f>,
        desc: &RegionDesc,
        lp: &'t LoopBody,
        helpers: &'t mut Helpers<'h>,
    ) -> Self {
        let n = lp.code.len();
        let max_reg = max_register(desc, lp);
        let vars: Vec<Variable> = (0..=max_reg).map(|_| b.declare_var(types::F64)).collect();
        let countdown = b.declare_var(types::I64);
        let blocks: Vec<Option<Block>> = leaders(lp)
            .iter()
            .take(n)
            .map(|&l| if l { Some(b.create_block()) } else { None })
            .collect();
        let exit_blocks: Vec<Block> = (0..lp.nexits).map(|_| b.create_block()).collect();
        let pause_blocks: Vec<Block> = lp.heads.iter().map(|_| b.create_block()).collect();

        // Entry: the guard.
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let (window, head, iters, consts, caches) =
            (params[0], params[1], params[2], params[3], params[4]);
        let ptr = b.func.dfg.value_type(window);
        let out_slot = b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            OUT_BYTES,
            3,
        ));
        let fail = b.create_block();
        let load = b.create_block();
        emit_guard(b, window, &desc.input_regs, fail, load);
        b.switch_to_block(fail);
        let zero = b.ins().iconst(types::I32, 0);
        b.ins().return_(&[zero]);
        let mut t = LoopTranslator {
            b,
            helpers,
            lp,
            vars,
            window,
            iters,
            consts,
            caches,
            countdown,
            // With fallback exits the temporaries are stored too (see `LoopBody`).
            outputs: desc.output_regs.iter().chain(&lp.temps).copied().collect(),
            blocks,
            exit_blocks,
            pause_blocks,
            fail,
            ptr,
            out_slot,
            backs: Vec::new(),
            open: false,
        };
        t.enter(desc, load, head);
        t
    }

    /// In block `load`: load the locals, zero the temporaries, start the
    /// countdown, dispatch on `head`.
    fn enter(&mut self, desc: &RegionDesc, load: Block, head: Value) {
        let flags = MemFlagsData::trusted();
        self.b.switch_to_block(load);
        for r in (0..self.vars.len()).map(|r| r as u16) {
            // Inputs: named locals, mirrored globals, `for` indexes of global code.
            let v = if desc.input_regs.contains(&r) {
                self.b
                    .ins()
                    .load(types::F64, flags, self.window, slot(r) + NUM_OFFSET)
            } else {
                self.b.ins().f64const(0.0)
            };
            self.b.def_var(self.var(r), v);
        }
        let period = self.b.ins().iconst(types::I64, PAUSE_PERIOD as i64);
        self.b.def_var(self.countdown, period);
        let mut switch = Switch::new();
        for (k, &h) in self.lp.heads.iter().enumerate() {
            if let Some(block) = self.blocks[h as usize] {
                switch.set_entry(k as u128, block);
            }
        }
        // An unknown head number cannot come from the interpreter; treat it as a
        // guard failure (nothing written, the interpreter goes on).
        switch.emit(self.b, head, self.fail);
    }

    fn var(&self, r: u16) -> Variable {
        self.vars[r as usize]
    }

    /// The value of an operand.
    fn get(&mut self, o: LOperand) -> Value {
        match o {
            LOperand::Reg(r) => self.b.use_var(self.var(r)),
            LOperand::Const(c) => self.b.ins().f64const(c),
        }
    }

    /// Set register `dst` to `v`.
    fn set(&mut self, dst: u16, v: Value) {
        self.b.def_var(self.var(dst), v);
    }

    /// The address of register `r` in the window.
    fn reg_addr(&mut self, r: u16) -> Value {
        self.b.ins().iadd_imm_s(self.window, slot(r) as i64)
    }

    /// The block of the fallback exit whose target is `fallback`.
    fn fallback(&self, fallback: u32) -> Block {
        self.exit_blocks[fallback as usize - self.lp.code.len()]
    }

    /// Where a jump from instruction `from` to `target` goes: a block, an exit, or
    /// (backward) a countdown block in front of the head, filled in by `finish`.
    fn edge(&mut self, from: usize, target: u32) -> Block {
        let n = self.lp.code.len();
        let t = target as usize;
        if t >= n {
            return self.exit_blocks[t - n];
        }
        let dest = self.blocks[t].expect("jump targets are leaders");
        if t > from {
            return dest;
        }
        let index = match self.lp.code[t] {
            LInstr::Head { index } => index as usize,
            _ => 0,
        };
        let back = self.b.create_block();
        self.backs.push((back, dest, index));
        back
    }

    /// The block after instruction `i` (where a branch not taken goes).
    fn after(&self, i: usize) -> Block {
        self.blocks
            .get(i + 1)
            .copied()
            .flatten()
            .unwrap_or(self.fail)
    }

    /// Translate instruction `i`: start its block if it is a leader, then emit it
    /// unless it is unreachable.
    fn instruction(&mut self, i: usize, ins: &LInstr) {
        if let Some(block) = self.blocks[i] {
            if self.open {
                self.b.ins().jump(block, &[]);
            }
            self.b.switch_to_block(block);
            self.open = true;
        }
        if !self.open {
            // Unreachable code (after an unconditional jump, before the next leader).
            return;
        }
        match *ins {
            LInstr::Bin { .. }
            | LInstr::And { .. }
            | LInstr::Or { .. }
            | LInstr::Not { .. }
            | LInstr::Move { .. } => self.arithmetic(ins),
            LInstr::Jump { .. } | LInstr::BranchCmp { .. } | LInstr::BranchTest { .. } => {
                self.control(i, ins)
            }
            LInstr::ListGet { .. }
            | LInstr::ListSet { .. }
            | LInstr::ListGetRef { .. }
            | LInstr::FieldGet { .. }
            | LInstr::FieldSet { .. }
            | LInstr::CopyRef { .. } => self.container(ins),
            LInstr::ForNext { .. } => self.for_next(i, ins),
            // A call `tier::full_desc` did not inline (it inlines them all): the
            // interpreter makes it.
            LInstr::Call { fallback, .. } => {
                let to = self.fallback(fallback);
                self.b.ins().jump(to, &[]);
                self.open = false;
            }
            LInstr::Head { .. } | LInstr::Nop => {}
        }
    }

    /// Numbers: the operators, fuzzy logic and moves.
    fn arithmetic(&mut self, ins: &LInstr) {
        match *ins {
            LInstr::Bin { op, dst, a, b: y } => {
                let x = self.get(a);
                let y = self.get(y);
                let v = emit_bin(self.b, op, x, y, self.helpers);
                self.set(dst, v);
            }
            LInstr::And { dst, a, b: y } => {
                let x = self.get(a);
                let y = self.get(y);
                let p = self.b.ins().fmul(x, y);
                let v = abs_clamp01(self.b, p);
                self.set(dst, v);
            }
            LInstr::Or { dst, a, b: y } => {
                let x = self.get(a);
                let y = self.get(y);
                let s = self.b.ins().fadd(x, y);
                let p = self.b.ins().fmul(x, y);
                let d = self.b.ins().fsub(s, p);
                let v = abs_clamp01(self.b, d);
                self.set(dst, v);
            }
            LInstr::Not { dst, a } => {
                let x = self.get(a);
                let c = abs_clamp01(self.b, x);
                let one = self.b.ins().f64const(1.0);
                let v = self.b.ins().fsub(one, c);
                self.set(dst, v);
            }
            LInstr::Move { dst, a } => {
                let v = self.get(a);
                self.set(dst, v);
            }
            _ => unreachable!("not an arithmetic instruction"),
        }
    }

    /// Control flow: jumps and branches (each ends the block).
    fn control(&mut self, i: usize, ins: &LInstr) {
        match *ins {
            LInstr::Jump { target } => {
                let to = self.edge(i, target);
                self.b.ins().jump(to, &[]);
            }
            LInstr::BranchCmp {
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
            LInstr::BranchTest { test, a, target } => {
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
            _ => unreachable!("not a control instruction"),
        }
        self.open = false;
    }

    /// Call container helper `which` with `args`; where it returns non-zero (it
    /// could not do the access), leave by the fallback exit `fail_to`. Continues
    /// in a new block where it succeeded.
    fn fallible_call(&mut self, which: usize, args: &[Value], fail_to: Block) {
        let f = self.helpers.get(self.b, which);
        let call = self.b.ins().call(f, args);
        let failed = self.b.inst_results(call)[0];
        let ok = self.b.create_block();
        self.b.ins().brif(failed, fail_to, &[], ok, &[]);
        self.b.switch_to_block(ok);
    }

    /// The address of the helpers' output buffer.
    fn out_addr(&mut self) -> Value {
        self.b.ins().stack_addr(self.ptr, self.out_slot, 0)
    }

    /// Read the number a helper left at `offset` of the output buffer `out`.
    fn load_out(&mut self, out: Value, offset: i32) -> Value {
        let flags = MemFlagsData::trusted();
        self.b.ins().load(types::F64, flags, out, offset)
    }

    /// Containers: list and field accesses and copies, through the helpers.
    fn container(&mut self, ins: &LInstr) {
        match *ins {
            LInstr::ListGet {
                dst,
                list,
                index,
                fallback,
            } => {
                let x = self.get(index);
                let at = self.reg_addr(list);
                let out = self.out_addr();
                let fail_to = self.fallback(fallback);
                self.fallible_call(LIST_GET, &[at, x, out], fail_to);
                let v = self.load_out(out, 0);
                self.set(dst, v);
            }
            LInstr::ListSet {
                list,
                index,
                value,
                fallback,
            } => {
                let x = self.get(index);
                let v = self.get(value);
                let at = self.reg_addr(list);
                let fail_to = self.fallback(fallback);
                self.fallible_call(LIST_SET, &[at, x, v], fail_to);
            }
            LInstr::ListGetRef {
                dst,
                list,
                index,
                fallback,
            } => {
                let x = self.get(index);
                let at = self.reg_addr(list);
                let to = self.reg_addr(dst);
                let fail_to = self.fallback(fallback);
                self.fallible_call(LIST_GET_REF, &[at, x, to], fail_to);
            }
            LInstr::FieldGet {
                dst,
                map,
                key,
                fallback,
                cache,
            } => {
                let at = self.reg_addr(map);
                let k = self.b.ins().iadd_imm_s(self.consts, slot(key) as i64);
                let out = self.out_addr();
                let ic = self.b.ins().iadd_imm_s(self.caches, cache_offset(cache));
                let fail_to = self.fallback(fallback);
                self.fallible_call(FIELD_GET, &[at, k, out, ic], fail_to);
                let v = self.load_out(out, 0);
                self.set(dst, v);
            }
            LInstr::FieldSet {
                map,
                key,
                value,
                fallback,
                cache,
            } => {
                let v = self.get(value);
                let at = self.reg_addr(map);
                let k = self.b.ins().iadd_imm_s(self.consts, slot(key) as i64);
                let ic = self.b.ins().iadd_imm_s(self.caches, cache_offset(cache));
                let fail_to = self.fallback(fallback);
                self.fallible_call(FIELD_SET, &[at, k, v, ic], fail_to);
            }
            LInstr::CopyRef { dst, src } => {
                let from = self.reg_addr(src);
                let to = self.reg_addr(dst);
                let f = self.helpers.get(self.b, COPY_VALUE);
                self.b.ins().call(f, &[from, to]);
            }
            _ => unreachable!("not a container instruction"),
        }
    }

    /// A `for` step through the `for_next` helper: 0 an element (the index and,
    /// for a number, the variable move on), 1 past the end (the index moves, the
    /// loop is done), anything else the fallback exit.
    fn for_next(&mut self, i: usize, ins: &LInstr) {
        let LInstr::ForNext {
            dst,
            seq,
            idx,
            by_ref,
            done,
            fallback,
        } = *ins
        else {
            unreachable!("not a for step")
        };
        let i_now = self.b.use_var(self.var(idx));
        let at = self.reg_addr(seq);
        let out = self.out_addr();
        let to = if by_ref {
            self.reg_addr(dst)
        } else {
            self.b.ins().iconst(self.ptr, 0)
        };
        let f = self.helpers.get(self.b, FOR_NEXT);
        let call = self.b.ins().call(f, &[at, i_now, out, to]);
        let r = self.b.inst_results(call)[0];
        let ok = self.b.create_block();
        let not_ok = self.b.create_block();
        let past_end = self.b.create_block();
        self.b.ins().brif(r, not_ok, &[], ok, &[]);
        // Past the end: the index moved; the loop is done.
        self.b.switch_to_block(not_ok);
        let is_end = self.b.ins().icmp_imm_u(IntCC::Equal, r, 1);
        let fail_to = self.fallback(fallback);
        self.b.ins().brif(is_end, past_end, &[], fail_to, &[]);
        self.b.switch_to_block(past_end);
        let j = self.load_out(out, 0);
        self.set(idx, j);
        let done_to = self.edge(i, done);
        self.b.ins().jump(done_to, &[]);
        // An element: the index and (for a number) the variable move on.
        self.b.switch_to_block(ok);
        let j = self.load_out(out, 0);
        self.set(idx, j);
        if !by_ref {
            let x = self.load_out(out, OUT_ELEMENT);
            self.set(dst, x);
        }
    }

    /// Store the written locals and the back-edge count, and return `code`.
    fn leave(&mut self, code: u32) {
        let flags = MemFlagsData::trusted();
        for k in 0..self.outputs.len() {
            let r = self.outputs[k];
            let v = self.b.use_var(self.var(r));
            self.b
                .ins()
                .store(flags, v, self.window, slot(r) + NUM_OFFSET);
        }
        let left = self.b.use_var(self.countdown);
        let period = self.b.ins().iconst(types::I64, PAUSE_PERIOD as i64);
        let ran = self.b.ins().isub(period, left);
        self.b.ins().store(flags, ran, self.iters, 0);
        let rc = self.b.ins().iconst(types::I32, code as i64);
        self.b.ins().return_(&[rc]);
    }

    /// Exits and pauses: fill in the countdown blocks of the backward jumps, the
    /// exit blocks and the pause blocks, and seal everything.
    fn finish(mut self) {
        if self.open {
            // `describe_loop` only accepts code that ends with the outer back-edge,
            // so this is unreachable; end the block like a pause at the outer head.
            self.leave(PAUSE_BIT);
        }
        for (back, dest, index) in std::mem::take(&mut self.backs) {
            self.b.switch_to_block(back);
            let left = self.b.use_var(self.countdown);
            let left = self.b.ins().iadd_imm_s(left, -1);
            self.b.def_var(self.countdown, left);
            let pause = self.pause_blocks[index];
            self.b.ins().brif(left, dest, &[], pause, &[]);
        }
        for k in 0..self.exit_blocks.len() {
            self.b.switch_to_block(self.exit_blocks[k]);
            self.leave(k as u32 + 1);
        }
        for k in 0..self.pause_blocks.len() {
            self.b.switch_to_block(self.pause_blocks[k]);
            self.leave(PAUSE_BIT | k as u32);
        }
        self.b.seal_all_blocks();
    }
}

//! Loop region description to Cranelift IR: a whole nest of numeric `while` loops
//! as one function, `extern "C" fn(window: *mut Value, head: u32, iters: *mut u64,
//! consts: *const Value, caches: *const Cell<u32>) -> u32`, entered at the head the interpreter is at (on-stack replacement).
//!
//! Shape of the function:
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
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::{
    types, AbiParam, Block, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
};
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use miniscript::region::{LInstr, LOperand, LoopBody, RegionDesc, Test, PAUSE_BIT, PAUSE_PERIOD};
use miniscript::value::NUM_OFFSET;

use crate::translate::{
    emit_bin, emit_guard, float_cc, Helpers, COPY_VALUE, FIELD_GET, FIELD_SET, FOR_NEXT, LIST_GET,
    LIST_GET_REF, LIST_SET,
};

/// `(window, head, iters, consts, caches) -> u32`.
pub(crate) fn loop_sig(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut s = Signature::new(isa.default_call_conv());
    s.params.push(AbiParam::new(ptr));
    s.params.push(AbiParam::new(types::I32));
    s.params.push(AbiParam::new(ptr));
    s.params.push(AbiParam::new(ptr));
    s.params.push(AbiParam::new(ptr));
    s.returns.push(AbiParam::new(types::I32));
    s
}

fn slot(r: u16) -> i32 {
    (r as i32) * 16
}

/// Byte offset of the inline cache of instruction `pc` (an array of `Cell<u32>`).
fn cache_offset(pc: u32) -> i64 {
    pc as i64 * std::mem::size_of::<std::cell::Cell<u32>>() as i64
}

/// `clamp01(|x|)` exactly as the interpreter's fuzzy logic computes it: `-x` only
/// when `x < 0` (so -0 stays -0), then 1 when above 1 (NaN stays NaN).
fn abs_clamp01(b: &mut FunctionBuilder, x: Value) -> Value {
    let zero = b.ins().f64const(0.0);
    let one = b.ins().f64const(1.0);
    let neg = b.ins().fcmp(FloatCC::LessThan, x, zero);
    let minus = b.ins().fneg(x);
    let a = b.ins().select(neg, minus, x);
    let big = b.ins().fcmp(FloatCC::GreaterThan, a, one);
    b.ins().select(big, one, a)
}

struct Ctx {
    vars: Vec<Option<Variable>>,
    window: Value,
    iters: Value,
    countdown: Variable,
    /// Written locals, stored back at every return.
    outputs: Vec<u16>,
}

impl Ctx {
    fn var(&self, r: u16) -> Variable {
        self.vars[r as usize].expect("every register of the loop has a variable")
    }

    fn get(&self, b: &mut FunctionBuilder, o: LOperand) -> Value {
        match o {
            LOperand::Reg(r) => b.use_var(self.var(r)),
            LOperand::Const(c) => b.ins().f64const(c),
        }
    }

    /// Store the written locals and the back-edge count, and return `code`.
    fn leave(&self, b: &mut FunctionBuilder, code: u32) {
        let flags = MemFlagsData::trusted();
        for &r in &self.outputs {
            let v = b.use_var(self.var(r));
            b.ins().store(flags, v, self.window, slot(r) + NUM_OFFSET);
        }
        let left = b.use_var(self.countdown);
        let period = b.ins().iconst(types::I64, PAUSE_PERIOD as i64);
        let ran = b.ins().isub(period, left);
        b.ins().store(flags, ran, self.iters, 0);
        let rc = b.ins().iconst(types::I32, code as i64);
        b.ins().return_(&[rc]);
    }
}

/// Call container helper `which` with `args`; where it returns non-zero (it could
/// not do the access), leave by `fail_to`, the fallback exit. Continues in a new
/// block where it succeeded.
fn fallible_call(
    b: &mut FunctionBuilder,
    helpers: &mut Helpers,
    which: usize,
    args: &[Value],
    fail_to: Block,
) {
    let f = helpers.get(b, which);
    let call = b.ins().call(f, args);
    let failed = b.inst_results(call)[0];
    let ok = b.create_block();
    b.ins().brif(failed, fail_to, &[], ok, &[]);
    b.switch_to_block(ok);
}

/// Build the IR of loop region `desc` into `b` (whose signature is `loop_sig`).
pub(crate) fn build(
    b: &mut FunctionBuilder,
    desc: &RegionDesc,
    lp: &LoopBody,
    helpers: &mut Helpers,
) {
    let n = lp.code.len();
    let flags = MemFlagsData::trusted();

    // Registers used anywhere, each a variable.
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
            LInstr::Jump { .. } | LInstr::Head { .. } | LInstr::Nop | LInstr::CopyRef { .. } => {}
        }
    }
    for r in desc.input_regs.iter().chain(&desc.output_regs) {
        max_reg = max_reg.max(*r);
    }
    let mut vars: Vec<Option<Variable>> = vec![None; max_reg as usize + 1];
    for v in vars.iter_mut() {
        *v = Some(b.declare_var(types::F64));
    }
    let countdown = b.declare_var(types::I64);

    // Blocks: one per leader (heads, jump targets, after branches), exits, pauses.
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
            _ => {}
        }
    }
    let blocks: Vec<Option<Block>> = leader
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
    let ctx = Ctx {
        vars,
        window,
        iters,
        countdown,
        // With fallback exits the temporaries are stored too (see `LoopBody`).
        outputs: desc.output_regs.iter().chain(&lp.temps).copied().collect(),
    };
    let ptr = b.func.dfg.value_type(window);
    let out_slot =
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
    let fail = b.create_block();
    let load = b.create_block();
    emit_guard(b, window, &desc.input_regs, fail, load);
    b.switch_to_block(fail);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[zero]);

    // Load the locals, zero the temporaries, start the countdown, dispatch on head.
    b.switch_to_block(load);
    for r in 0..=max_reg {
        let v = if r < lp.temp_base && desc.input_regs.contains(&r) {
            b.ins()
                .load(types::F64, flags, window, slot(r) + NUM_OFFSET)
        } else {
            b.ins().f64const(0.0)
        };
        b.def_var(ctx.var(r), v);
    }
    let period = b.ins().iconst(types::I64, PAUSE_PERIOD as i64);
    b.def_var(countdown, period);
    let mut switch = Switch::new();
    for (k, &h) in lp.heads.iter().enumerate() {
        if let Some(block) = blocks[h as usize] {
            switch.set_entry(k as u128, block);
        }
    }
    // An unknown head number cannot come from the interpreter; treat it as a guard
    // failure (nothing written, the interpreter goes on).
    switch.emit(b, head, fail);

    // Where a jump from instruction `from` to `target` goes: a block, an exit, or
    // (backward) a countdown block in front of the head, filled in at the end.
    let mut backs: Vec<(Block, Block, usize)> = Vec::new();
    let mut edge = |b: &mut FunctionBuilder, from: usize, target: u32| -> Block {
        let t = target as usize;
        if t >= n {
            return exit_blocks[t - n];
        }
        let dest = blocks[t].expect("jump targets are leaders");
        if t > from {
            return dest;
        }
        let index = match lp.code[t] {
            LInstr::Head { index } => index as usize,
            _ => 0,
        };
        let back = b.create_block();
        backs.push((back, dest, index));
        back
    };
    let after = |i: usize| blocks.get(i + 1).copied().flatten().unwrap_or(fail);

    let mut open = false;
    for (i, ins) in lp.code.iter().enumerate() {
        if let Some(block) = blocks[i] {
            if open {
                b.ins().jump(block, &[]);
            }
            b.switch_to_block(block);
            open = true;
        }
        if !open {
            // Unreachable code (after an unconditional jump, before the next leader).
            continue;
        }
        match *ins {
            LInstr::Bin { op, dst, a, b: y } => {
                let x = ctx.get(b, a);
                let y = ctx.get(b, y);
                let v = emit_bin(b, op, x, y, helpers);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::And { dst, a, b: y } => {
                let x = ctx.get(b, a);
                let y = ctx.get(b, y);
                let p = b.ins().fmul(x, y);
                let v = abs_clamp01(b, p);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::Or { dst, a, b: y } => {
                let x = ctx.get(b, a);
                let y = ctx.get(b, y);
                let s = b.ins().fadd(x, y);
                let p = b.ins().fmul(x, y);
                let d = b.ins().fsub(s, p);
                let v = abs_clamp01(b, d);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::Not { dst, a } => {
                let x = ctx.get(b, a);
                let c = abs_clamp01(b, x);
                let one = b.ins().f64const(1.0);
                let v = b.ins().fsub(one, c);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::Move { dst, a } => {
                let v = ctx.get(b, a);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::Jump { target } => {
                let to = edge(b, i, target);
                b.ins().jump(to, &[]);
                open = false;
            }
            LInstr::BranchCmp {
                op,
                a,
                b: y,
                when,
                target,
            } => {
                let x = ctx.get(b, a);
                let y = ctx.get(b, y);
                let c = b.ins().fcmp(float_cc(op), x, y);
                let to = edge(b, i, target);
                let next = after(i);
                if when {
                    b.ins().brif(c, to, &[], next, &[]);
                } else {
                    b.ins().brif(c, next, &[], to, &[]);
                }
                open = false;
            }
            LInstr::BranchTest { test, a, target } => {
                let x = ctx.get(b, a);
                let zero = b.ins().f64const(0.0);
                let c = match test {
                    Test::NonZero => b.ins().fcmp(FloatCC::NotEqual, x, zero),
                    Test::Zero => b.ins().fcmp(FloatCC::Equal, x, zero),
                    Test::TruncNonZero => {
                        let t = b.ins().trunc(x);
                        b.ins().fcmp(FloatCC::NotEqual, t, zero)
                    }
                };
                let to = edge(b, i, target);
                let next = after(i);
                b.ins().brif(c, to, &[], next, &[]);
                open = false;
            }
            LInstr::ListGet {
                dst,
                list,
                index,
                fallback,
            } => {
                let x = ctx.get(b, index);
                let at = b.ins().iadd_imm_s(window, slot(list) as i64);
                let out = b.ins().stack_addr(ptr, out_slot, 0);
                let fail_to = exit_blocks[fallback as usize - n];
                fallible_call(b, helpers, LIST_GET, &[at, x, out], fail_to);
                let v = b.ins().load(types::F64, flags, out, 0);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::ListSet {
                list,
                index,
                value,
                fallback,
            } => {
                let x = ctx.get(b, index);
                let v = ctx.get(b, value);
                let at = b.ins().iadd_imm_s(window, slot(list) as i64);
                let fail_to = exit_blocks[fallback as usize - n];
                fallible_call(b, helpers, LIST_SET, &[at, x, v], fail_to);
            }
            LInstr::ListGetRef {
                dst,
                list,
                index,
                fallback,
            } => {
                let x = ctx.get(b, index);
                let at = b.ins().iadd_imm_s(window, slot(list) as i64);
                let to = b.ins().iadd_imm_s(window, slot(dst) as i64);
                let fail_to = exit_blocks[fallback as usize - n];
                fallible_call(b, helpers, LIST_GET_REF, &[at, x, to], fail_to);
            }
            LInstr::FieldGet {
                dst,
                map,
                key,
                fallback,
                cache,
            } => {
                let at = b.ins().iadd_imm_s(window, slot(map) as i64);
                let k = b.ins().iadd_imm_s(consts, slot(key) as i64);
                let out = b.ins().stack_addr(ptr, out_slot, 0);
                let ic = b.ins().iadd_imm_s(caches, cache_offset(cache));
                let fail_to = exit_blocks[fallback as usize - n];
                fallible_call(b, helpers, FIELD_GET, &[at, k, out, ic], fail_to);
                let v = b.ins().load(types::F64, flags, out, 0);
                b.def_var(ctx.var(dst), v);
            }
            LInstr::FieldSet {
                map,
                key,
                value,
                fallback,
                cache,
            } => {
                let v = ctx.get(b, value);
                let at = b.ins().iadd_imm_s(window, slot(map) as i64);
                let k = b.ins().iadd_imm_s(consts, slot(key) as i64);
                let ic = b.ins().iadd_imm_s(caches, cache_offset(cache));
                let fail_to = exit_blocks[fallback as usize - n];
                fallible_call(b, helpers, FIELD_SET, &[at, k, v, ic], fail_to);
            }
            LInstr::CopyRef { dst, src } => {
                let from = b.ins().iadd_imm_s(window, slot(src) as i64);
                let to = b.ins().iadd_imm_s(window, slot(dst) as i64);
                let f = helpers.get(b, COPY_VALUE);
                b.ins().call(f, &[from, to]);
            }
            LInstr::ForNext {
                dst,
                seq,
                idx,
                by_ref,
                done,
                fallback,
            } => {
                let i_now = b.use_var(ctx.var(idx));
                let at = b.ins().iadd_imm_s(window, slot(seq) as i64);
                let out = b.ins().stack_addr(ptr, out_slot, 0);
                let to = if by_ref {
                    b.ins().iadd_imm_s(window, slot(dst) as i64)
                } else {
                    b.ins().iconst(ptr, 0)
                };
                let f = helpers.get(b, FOR_NEXT);
                let call = b.ins().call(f, &[at, i_now, out, to]);
                let r = b.inst_results(call)[0];
                let (ok, not_ok, past_end) = (b.create_block(), b.create_block(), b.create_block());
                b.ins().brif(r, not_ok, &[], ok, &[]);
                // Past the end: the index moved; the loop is done.
                b.switch_to_block(not_ok);
                let is_end = b.ins().icmp_imm_u(IntCC::Equal, r, 1);
                let fail_to = exit_blocks[fallback as usize - n];
                b.ins().brif(is_end, past_end, &[], fail_to, &[]);
                b.switch_to_block(past_end);
                let j = b.ins().load(types::F64, flags, out, 0);
                b.def_var(ctx.var(idx), j);
                let done_to = edge(b, i, done);
                b.ins().jump(done_to, &[]);
                // An element: the index and (for a number) the variable move on.
                b.switch_to_block(ok);
                let j = b.ins().load(types::F64, flags, out, 0);
                b.def_var(ctx.var(idx), j);
                if !by_ref {
                    let x = b.ins().load(types::F64, flags, out, 8);
                    b.def_var(ctx.var(dst), x);
                }
            }
            LInstr::Head { .. } | LInstr::Nop => {}
        }
    }
    if open {
        // `describe_loop` only accepts code that ends with the outer back-edge, so
        // this is unreachable; end the block like a pause at the outer head.
        ctx.leave(b, PAUSE_BIT);
    }
    for (back, dest, index) in backs {
        b.switch_to_block(back);
        let left = b.use_var(countdown);
        let left = b.ins().iadd_imm_s(left, -1);
        b.def_var(countdown, left);
        b.ins().brif(left, dest, &[], pause_blocks[index], &[]);
    }
    for (k, &block) in exit_blocks.iter().enumerate() {
        b.switch_to_block(block);
        ctx.leave(b, k as u32 + 1);
    }
    for (k, &block) in pause_blocks.iter().enumerate() {
        b.switch_to_block(block);
        ctx.leave(b, PAUSE_BIT | k as u32);
    }
    b.seal_all_blocks();
}

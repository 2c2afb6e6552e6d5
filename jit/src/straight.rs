//! Straight (expression) regions to Cranelift IR: `extern "C" fn(window: *mut
//! Value) -> u32`, working on the interpreter's register window in place.
//!
//! First the guard: the tag byte of every input register must be `NUM_TAG`, else
//! it returns 1 having written nothing. Then it loads the inputs' f64 payloads,
//! computes in registers, stores the outputs' payloads and returns 0. Only
//! `load store icmp bor brif fadd fsub fmul fdiv fcmp select` and calls to the
//! `HELPERS` are emitted: none of them can trap (IEEE arithmetic yields NaN or
//! ±Inf instead).

use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Signature};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilder;
use miniscript::tier::abi::NUM_OFFSET;
use miniscript::tier::{RInstr, ROperand, RegionDesc};

use crate::emit::{emit_bin, emit_guard, slot, Helpers};

/// `(window) -> u32`: `abi::RegionFn`.
pub(crate) fn region_sig(isa: &dyn TargetIsa) -> Signature {
    crate::emit::sig_of(isa, miniscript::tier::abi::REGION_FN)
}

/// Build the IR of straight region `desc` into `b` (whose signature is
/// `region_sig`).
pub(crate) fn build(b: &mut FunctionBuilder, desc: &RegionDesc, helpers: &mut Helpers) {
    let block = b.create_block();
    let body = b.create_block();
    let fail = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let regs = b.block_params(block)[0];
    let flags = MemFlagsData::trusted();
    // The guard: every register read holds a number. (Outputs that are not
    // inputs are made numbers by the interpreter before the call.)
    emit_guard(b, regs, &desc.input_regs, fail, body);
    b.switch_to_block(fail);
    b.seal_block(fail);
    let one = b.ins().iconst(types::I32, 1);
    b.ins().return_(&[one]);
    b.switch_to_block(body);
    b.seal_block(body);
    let inputs: Vec<_> = desc
        .input_regs
        .iter()
        .map(|&r| b.ins().load(types::F64, flags, regs, slot(r) + NUM_OFFSET))
        .collect();
    let mut vals = Vec::with_capacity(desc.code.len());
    for RInstr { op, a, b: rb } in &desc.code {
        let get = |o: &ROperand, b: &mut FunctionBuilder, vals: &Vec<_>| match o {
            ROperand::Input(i) => inputs[*i as usize],
            ROperand::Val(v) => vals[*v as usize],
            ROperand::Const(c) => b.ins().f64const(*c),
        };
        let x = get(a, b, &vals);
        let y = get(rb, b, &vals);
        let v = emit_bin(b, *op, x, y, helpers);
        vals.push(v);
    }
    for (o, &r) in desc.outputs.iter().zip(&desc.output_regs) {
        let v = match o {
            ROperand::Input(k) => inputs[*k as usize],
            ROperand::Val(k) => vals[*k as usize],
            ROperand::Const(c) => b.ins().f64const(*c),
        };
        b.ins().store(flags, v, regs, slot(r) + NUM_OFFSET);
    }
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[zero]);
}

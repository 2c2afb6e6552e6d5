//! Region description to Cranelift IR to native code, in numbered steps: make the
//! ISA, translate to IR, declare, define, clear the context, finalize, take the
//! pointer.
//!
//! The generated function is `extern "C" fn(window: *mut Value) -> u32`, working on
//! the interpreter's register window in place. First the guard: the tag byte of
//! every input and output register must be `NUM_TAG`, else it returns 1 having
//! written nothing. Then it loads the inputs' f64 payloads, computes in registers,
//! stores the outputs' payloads and returns 0. Only `load store icmp bor brif fadd
//! fsub fmul fdiv fcmp select` and calls to the two helpers below are emitted: none
//! of them can trap (IEEE arithmetic yields NaN or ±Inf instead).

use std::io::Write as _;
use std::sync::Arc;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, UserFuncName, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use miniscript::region::{RInstr, ROp, ROperand, RegionDesc};
use miniscript::value::{NUM_OFFSET, NUM_TAG};

use crate::JitConfig;

/// `%` exactly as the interpreter computes it (Rust's `%` on f64 is C `fmod`).
pub extern "C" fn helper_fmod(a: f64, b: f64) -> f64 {
    a % b
}

/// `^` exactly as the interpreter computes it.
pub extern "C" fn helper_pow(a: f64, b: f64) -> f64 {
    a.powf(b)
}

/// Step 1: the host ISA with the requested optimization level.
pub(crate) fn make_isa(opt_level: &str) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    flags
        .set("opt_level", opt_level)
        .map_err(|e| format!("bad opt level: {e}"))?;
    flags.set("is_pic", "false").map_err(|e| e.to_string())?;
    let isa_builder = cranelift_native::builder().map_err(|e| format!("unsupported host: {e}"))?;
    isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| format!("cannot build the ISA: {e}"))
}

pub(crate) struct Compiler {
    /// Owns the code memory; lives on the compile thread only (Send, not Sync).
    module: JITModule,
    /// Reused for every function; cleared after each definition.
    ctx: Context,
    fctx: FunctionBuilderContext,
    isa: Arc<dyn cranelift_codegen::isa::TargetIsa>,
    fmod: FuncId,
    pow: FuncId,
    /// Where `--perf-map` lines go.
    perf_map: Option<std::fs::File>,
    dump: bool,
    counter: u64,
}

fn binary_sig(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Signature {
    let mut s = Signature::new(isa.default_call_conv());
    s.params.push(AbiParam::new(types::F64));
    s.params.push(AbiParam::new(types::F64));
    s.returns.push(AbiParam::new(types::F64));
    s
}

impl Compiler {
    pub(crate) fn new(cfg: &JitConfig) -> Result<Compiler, String> {
        let isa = make_isa(&cfg.opt_level)?;
        let mut jb = JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
        jb.symbol("ms_fmod", helper_fmod as *const u8);
        jb.symbol("ms_pow", helper_pow as *const u8);
        let mut module = JITModule::new(jb);
        let sig = binary_sig(&*isa);
        let fmod = module
            .declare_function("ms_fmod", Linkage::Import, &sig)
            .map_err(|e| e.to_string())?;
        let pow = module
            .declare_function("ms_pow", Linkage::Import, &sig)
            .map_err(|e| e.to_string())?;
        let perf_map = if cfg.perf_map {
            let path = format!("/tmp/perf-{}.map", std::process::id());
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        } else {
            None
        };
        Ok(Compiler {
            ctx: module.make_context(),
            module,
            fctx: FunctionBuilderContext::new(),
            isa,
            fmod,
            pow,
            perf_map,
            dump: cfg.dump,
            counter: 0,
        })
    }

    /// Compile one region; returns the entry address and the code size.
    pub(crate) fn compile(
        &mut self,
        desc: &RegionDesc,
        gid: u32,
        label: &str,
    ) -> Result<(usize, usize), String> {
        self.counter += 1;
        let name = format!(
            "ms_region_{}_{:016x}_{}",
            gid, desc.fingerprint, self.counter
        );
        // Step 2: translate to IR.
        self.ctx.func.signature = if desc.lp.is_some() {
            crate::loops::loop_sig(&*self.isa)
        } else {
            region_sig(&*self.isa)
        };
        self.ctx.func.name = UserFuncName::user(0, self.counter as u32);
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let fmod = self.module.declare_func_in_func(self.fmod, b.func);
            let pow = self.module.declare_func_in_func(self.pow, b.func);
            match desc.lp.as_deref() {
                Some(lp) => crate::loops::build(&mut b, desc, lp, fmod, pow),
                None => build_straight(&mut b, desc, fmod, pow),
            }
            b.finalize(self.isa.frontend_config());
        }
        if self.dump {
            eprintln!(
                "jit: IR of region {gid} ({label}, {name}):\n{}",
                self.ctx.func.display()
            );
        }
        // Steps 3–4: declare and define.
        let sig = self.ctx.func.signature.clone();
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| e.to_string());
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                self.module.clear_context(&mut self.ctx);
                return Err(e);
            }
        };
        let defined = self.module.define_function(id, &mut self.ctx);
        let size = self
            .ctx
            .compiled_code()
            .map(|c| c.code_buffer().len())
            .unwrap_or(0);
        if self.dump {
            if let Some(c) = self.ctx.compiled_code() {
                eprintln!(
                    "jit: region {gid} ({label}): {} bytes of machine code",
                    c.code_buffer().len()
                );
            }
        }
        // Step 5: clear the context for the next function.
        self.module.clear_context(&mut self.ctx);
        defined.map_err(|e| format!("{e:?}"))?;
        // Step 6: finalize (make the code executable).
        self.module
            .finalize_definitions()
            .map_err(|e| e.to_string())?;
        // Step 7: take the pointer.
        let ptr = self.module.get_finalized_function(id) as usize;
        if let Some(f) = self.perf_map.as_mut() {
            let _ = writeln!(f, "{ptr:x} {size:x} miniscript::{name}");
        }
        Ok((ptr, size))
    }
}

fn region_sig(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut s = Signature::new(isa.default_call_conv());
    s.params.push(AbiParam::new(ptr));
    s.returns.push(AbiParam::new(types::I32));
    s
}

/// The IR of a straight-line region (see the module docs).
fn build_straight(b: &mut FunctionBuilder, desc: &RegionDesc, fmod: FuncRef, pow: FuncRef) {
    let block = b.create_block();
    let body = b.create_block();
    let fail = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let regs = b.block_params(block)[0];
    let flags = MemFlagsData::trusted();
    let slot = |r: u16| (r as i32) * 16;
    // The guard: every register read holds a number. (Outputs that are not
    // inputs are made numbers by the interpreter before the call.)
    let mut bad = None;
    let mut checked: Vec<u16> = Vec::new();
    for &r in &desc.input_regs {
        if checked.contains(&r) {
            continue;
        }
        checked.push(r);
        let tag = b.ins().load(types::I8, flags, regs, slot(r));
        let ne = b.ins().icmp_imm_u(IntCC::NotEqual, tag, NUM_TAG as i64);
        bad = Some(match bad {
            None => ne,
            Some(acc) => b.ins().bor(acc, ne),
        });
    }
    match bad {
        Some(cond) => {
            b.ins().brif(cond, fail, &[], body, &[]);
        }
        None => {
            b.ins().jump(body, &[]);
        }
    }
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
        let v = emit_bin(b, *op, x, y, fmod, pow);
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

/// `x OP y` exactly as the interpreter computes it on two numbers: IEEE arithmetic,
/// `%` and `^` through the Rust helpers, comparisons as 1.0 or 0.0 (ordered, except
/// `!=`, which is true for NaN like Rust's `!=`).
pub(crate) fn emit_bin(
    b: &mut FunctionBuilder,
    op: ROp,
    x: Value,
    y: Value,
    fmod: FuncRef,
    pow: FuncRef,
) -> Value {
    match op {
        ROp::Add => b.ins().fadd(x, y),
        ROp::Sub => b.ins().fsub(x, y),
        ROp::Mul => b.ins().fmul(x, y),
        ROp::Div => b.ins().fdiv(x, y),
        ROp::Mod => {
            let call = b.ins().call(fmod, &[x, y]);
            b.inst_results(call)[0]
        }
        ROp::Pow => {
            let call = b.ins().call(pow, &[x, y]);
            b.inst_results(call)[0]
        }
        _ => {
            let c = b.ins().fcmp(float_cc(op), x, y);
            let one = b.ins().f64const(1.0);
            let zero = b.ins().f64const(0.0);
            b.ins().select(c, one, zero)
        }
    }
}

/// The Cranelift condition of a comparison (Rust's f64 semantics).
pub(crate) fn float_cc(op: ROp) -> FloatCC {
    match op {
        ROp::Eq => FloatCC::Equal,
        ROp::Ne => FloatCC::NotEqual,
        ROp::Lt => FloatCC::LessThan,
        ROp::Le => FloatCC::LessThanOrEqual,
        ROp::Gt => FloatCC::GreaterThan,
        _ => FloatCC::GreaterThanOrEqual,
    }
}

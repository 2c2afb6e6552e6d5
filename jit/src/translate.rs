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
use std::time::Instant;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{
    types, AbiParam, Block, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder,
    MemFlagsData, Signature, UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc};
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

extern "C" fn helper_round(x: f64, places: f64) -> f64 {
    miniscript::intrinsics::round_of(x, places)
}
extern "C" fn helper_sin(x: f64, _: f64) -> f64 {
    x.sin()
}
extern "C" fn helper_cos(x: f64, _: f64) -> f64 {
    x.cos()
}
extern "C" fn helper_tan(x: f64, _: f64) -> f64 {
    x.tan()
}
extern "C" fn helper_asin(x: f64, _: f64) -> f64 {
    x.asin()
}
extern "C" fn helper_acos(x: f64, _: f64) -> f64 {
    x.acos()
}
extern "C" fn helper_atan(y: f64, x: f64) -> f64 {
    miniscript::intrinsics::atan_of(y, x)
}
extern "C" fn helper_log(x: f64, base: f64) -> f64 {
    miniscript::intrinsics::log_of(x, base)
}

type Helper = extern "C" fn(f64, f64) -> f64;

/// The Rust functions native code calls, for the operations Cranelift has no
/// instruction for: each computes exactly what the interpreter does (the same
/// Rust code). All take two f64 (the one-argument ones ignore the second).
pub(crate) const HELPERS: [(ROp, &str, Helper); 10] = [
    (ROp::Mod, "ms_fmod", helper_fmod),
    (ROp::Pow, "ms_pow", helper_pow),
    (ROp::Round, "ms_round", helper_round),
    (ROp::Sin, "ms_sin", helper_sin),
    (ROp::Cos, "ms_cos", helper_cos),
    (ROp::Tan, "ms_tan", helper_tan),
    (ROp::Asin, "ms_asin", helper_asin),
    (ROp::Acos, "ms_acos", helper_acos),
    (ROp::Atan, "ms_atan", helper_atan),
    (ROp::Log, "ms_log", helper_log),
];

/// The container accesses of loop code (`miniscript::interp::list_get` and the
/// others), after the `HELPERS` in the module's numbering, with their symbols and
/// the types of their parameters ('p' a pointer, 'f' an f64); all return a
/// u32, 0 when done.
pub(crate) const LIST_GET: usize = HELPERS.len();
pub(crate) const LIST_SET: usize = HELPERS.len() + 1;
pub(crate) const LIST_GET_REF: usize = HELPERS.len() + 2;
pub(crate) const FIELD_GET: usize = HELPERS.len() + 3;
pub(crate) const FIELD_SET: usize = HELPERS.len() + 4;
pub(crate) const FOR_NEXT: usize = HELPERS.len() + 5;
pub(crate) const COPY_VALUE: usize = HELPERS.len() + 6;
const CONTAINER_HELPERS: [(&str, &str, *const u8); 7] = [
    (
        "ms_list_get",
        "pfp",
        miniscript::interp::list_get as *const u8,
    ),
    (
        "ms_list_set",
        "pff",
        miniscript::interp::list_set as *const u8,
    ),
    (
        "ms_list_get_ref",
        "pfp",
        miniscript::interp::list_get_ref as *const u8,
    ),
    (
        "ms_field_get",
        "pppp",
        miniscript::interp::field_get as *const u8,
    ),
    (
        "ms_field_set",
        "ppfp",
        miniscript::interp::field_set as *const u8,
    ),
    (
        "ms_for_next",
        "pfpp",
        miniscript::interp::for_next as *const u8,
    ),
    (
        "ms_copy_value",
        "pp",
        miniscript::interp::copy_value as *const u8,
    ),
];
const NHELPERS: usize = HELPERS.len() + CONTAINER_HELPERS.len();

fn container_sig(isa: &dyn cranelift_codegen::isa::TargetIsa, params: &str) -> Signature {
    let mut s = Signature::new(isa.default_call_conv());
    for p in params.chars() {
        s.params.push(AbiParam::new(if p == 'p' {
            isa.pointer_type()
        } else {
            types::F64
        }));
    }
    s.returns.push(AbiParam::new(types::I32));
    s
}

/// The helpers of one function being built, imported on first use.
pub(crate) struct Helpers<'a> {
    ids: &'a [FuncId],
    refs: [Option<FuncRef>; NHELPERS],
    isa: &'a dyn cranelift_codegen::isa::TargetIsa,
}

impl<'a> Helpers<'a> {
    fn new(ids: &'a [FuncId], isa: &'a dyn cranelift_codegen::isa::TargetIsa) -> Self {
        Helpers {
            ids,
            refs: [None; NHELPERS],
            isa,
        }
    }

    /// The function reference of helper `i` in the function `b` builds. Imported
    /// the way `Module::declare_func_in_func` does it, without the module (which
    /// stays on the compile thread).
    pub(crate) fn get(&mut self, b: &mut FunctionBuilder, i: usize) -> FuncRef {
        if let Some(f) = self.refs[i] {
            return f;
        }
        let sig = match i.checked_sub(HELPERS.len()) {
            Some(k) => container_sig(self.isa, CONTAINER_HELPERS[k].1),
            None => binary_sig(self.isa),
        };
        let signature = b.import_signature(sig);
        let name = b.func.declare_imported_user_function(UserExternalName {
            namespace: 0,
            index: self.ids[i].as_u32(),
        });
        let f = b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: false,
            patchable: false,
        });
        self.refs[i] = Some(f);
        f
    }
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
    isa: Arc<dyn cranelift_codegen::isa::TargetIsa>,
    /// The `HELPERS`, declared in the module.
    helpers: Vec<FuncId>,
    /// Code generation of a batch in parallel (`--jit-threads` > 1).
    pool: Option<rayon::ThreadPool>,
    /// Where `--perf-map` lines go.
    perf_map: Option<std::fs::File>,
    dump: bool,
    counter: u64,
}

/// One region of a batch to compile.
pub(crate) struct Job<'a> {
    pub desc: &'a RegionDesc,
    pub gid: u32,
    pub label: &'a str,
}

/// Machine code of one region, made on any thread, defined in the module later.
struct Generated {
    bytes: Vec<u8>,
    align: u64,
    relocs: Vec<ModuleReloc>,
    ir: Option<String>,
    micros: f64,
}

fn binary_sig(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Signature {
    let mut s = Signature::new(isa.default_call_conv());
    s.params.push(AbiParam::new(types::F64));
    s.params.push(AbiParam::new(types::F64));
    s.returns.push(AbiParam::new(types::F64));
    s
}

/// What a worker needs to turn a description into machine code (all `Sync`).
#[derive(Clone, Copy)]
struct Codegen<'a> {
    isa: &'a dyn cranelift_codegen::isa::TargetIsa,
    helpers: &'a [FuncId],
    dump: bool,
}

impl Codegen<'_> {
    /// Steps 2–3: translate to IR and generate machine code for function `id`.
    fn run(&self, desc: &RegionDesc, id: FuncId, index: u32) -> Result<Generated, String> {
        let t0 = Instant::now();
        let sig = if desc.lp.is_some() {
            crate::loops::loop_sig(self.isa)
        } else {
            region_sig(self.isa)
        };
        let mut func = Function::with_name_signature(UserFuncName::user(0, index), sig);
        let mut helpers = Helpers::new(self.helpers, self.isa);
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = FunctionBuilder::new(&mut func, &mut fctx);
            match desc.lp.as_deref() {
                Some(lp) => crate::loops::build(&mut b, desc, lp, &mut helpers),
                None => build_straight(&mut b, desc, &mut helpers),
            }
            b.finalize(self.isa.frontend_config());
        }
        let ir = self.dump.then(|| func.display().to_string());
        let mut ctx = Context::for_function(func);
        let alignment = ctx
            .compile(self.isa, &mut ControlPlane::default())
            .map_err(|e| format!("{:?}", e.inner))?
            .buffer
            .alignment;
        let align = (alignment as u64)
            .max(self.isa.function_alignment().minimum as u64)
            .max(self.isa.symbol_alignment());
        let code = ctx.compiled_code().ok_or("no code was generated")?;
        let bytes = code.code_buffer().to_vec();
        let relocs = code
            .buffer
            .relocs()
            .iter()
            .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
            .collect();
        Ok(Generated {
            bytes,
            align,
            relocs,
            ir,
            micros: t0.elapsed().as_secs_f64() * 1e6,
        })
    }
}

impl Compiler {
    pub(crate) fn new(cfg: &JitConfig) -> Result<Compiler, String> {
        let isa = make_isa(&cfg.opt_level)?;
        let mut jb = JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
        for (_, name, f) in HELPERS {
            jb.symbol(name, f as *const u8);
        }
        for (name, _, f) in CONTAINER_HELPERS {
            jb.symbol(name, f);
        }
        let mut module = JITModule::new(jb);
        let sig = binary_sig(&*isa);
        let mut helpers = HELPERS
            .iter()
            .map(|(_, name, _)| {
                module
                    .declare_function(name, Linkage::Import, &sig)
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (name, params, _) in CONTAINER_HELPERS {
            let id = module
                .declare_function(name, Linkage::Import, &container_sig(&*isa, params))
                .map_err(|e| e.to_string())?;
            helpers.push(id);
        }
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
        // Without a pool (one thread, or a pool that cannot start) code generation
        // runs on the compile thread itself.
        let pool = (cfg.threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(cfg.threads)
                    .thread_name(|i| format!("miniscript-jit-{i}"))
                    .build()
                    .ok()
            })
            .flatten();
        Ok(Compiler {
            module,
            isa,
            helpers,
            pool,
            perf_map,
            dump: cfg.dump,
            counter: 0,
        })
    }

    /// Compile a batch of regions: declare them, generate their code (in parallel
    /// with `--jit-threads` > 1), define them and make them executable with one
    /// finalization. Returns, per job, the entry address, the code size and the
    /// compile time in microseconds (its code generation plus its share of the
    /// rest), or why it failed.
    pub(crate) fn compile_batch(
        &mut self,
        jobs: &[Job],
    ) -> Vec<Result<(usize, usize, f64), String>> {
        // Step 1: declare (names are unique per module).
        let mut ids: Vec<Result<(FuncId, u32, String), String>> = Vec::with_capacity(jobs.len());
        for job in jobs {
            self.counter += 1;
            let name = format!(
                "ms_region_{}_{:016x}_{}",
                job.gid, job.desc.fingerprint, self.counter
            );
            let sig = if job.desc.lp.is_some() {
                crate::loops::loop_sig(&*self.isa)
            } else {
                region_sig(&*self.isa)
            };
            ids.push(
                self.module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map(|id| (id, self.counter as u32, name))
                    .map_err(|e| e.to_string()),
            );
        }
        // Steps 2–3: IR and machine code, on the pool's threads when there is one.
        let cg = Codegen {
            isa: &*self.isa,
            helpers: &self.helpers,
            dump: self.dump,
        };
        let work = |(job, id): (&Job, &Result<(FuncId, u32, String), String>)| match id {
            Ok((id, index, _)) => cg.run(job.desc, *id, *index),
            Err(e) => Err(e.clone()),
        };
        let generated: Vec<Result<Generated, String>> = match &self.pool {
            Some(pool) if jobs.len() > 1 => {
                use rayon::prelude::*;
                pool.install(|| jobs.par_iter().zip(ids.par_iter()).map(work).collect())
            }
            _ => jobs.iter().zip(ids.iter()).map(work).collect(),
        };
        // Step 4: define each function's bytes.
        let t_define = Instant::now();
        let mut results: Vec<Result<(FuncId, usize, f64), String>> = Vec::with_capacity(jobs.len());
        for ((job, id), g) in jobs.iter().zip(&ids).zip(generated) {
            let r = match (id, g) {
                (Ok((id, _, name)), Ok(g)) => {
                    if let Some(ir) = &g.ir {
                        eprintln!(
                            "jit: IR of region {} ({}, {name}):\n{ir}",
                            job.gid, job.label
                        );
                        eprintln!(
                            "jit: region {} ({}): {} bytes of machine code",
                            job.gid,
                            job.label,
                            g.bytes.len()
                        );
                    }
                    self.module
                        .define_function_bytes(*id, g.align, &g.bytes, &g.relocs)
                        .map(|()| (*id, g.bytes.len(), g.micros))
                        .map_err(|e| format!("{e:?}"))
                }
                (_, Err(e)) => Err(e),
                (Err(e), _) => Err(e.clone()),
            };
            results.push(r);
        }
        // Step 5: one finalization for the batch (makes the code executable).
        if let Err(e) = self.module.finalize_definitions() {
            let e = e.to_string();
            return jobs.iter().map(|_| Err(e.clone())).collect();
        }
        let shared = t_define.elapsed().as_secs_f64() * 1e6 / jobs.len().max(1) as f64;
        // Step 6: take the pointers.
        results
            .into_iter()
            .zip(&ids)
            .map(|(r, id)| {
                let (fid, size, micros) = r?;
                let ptr = self.module.get_finalized_function(fid) as usize;
                if let (Some(f), Ok((_, _, name))) = (self.perf_map.as_mut(), id) {
                    let _ = writeln!(f, "{ptr:x} {size:x} miniscript::{name}");
                }
                Ok((ptr, size, micros + shared))
            })
            .collect()
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
fn build_straight(b: &mut FunctionBuilder, desc: &RegionDesc, helpers: &mut Helpers) {
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

/// `x OP y` exactly as the interpreter computes it on two numbers: IEEE arithmetic,
/// comparisons as 1.0 or 0.0 (ordered, except `!=`, which is true for NaN like
/// Rust's `!=`), `abs sqrt floor ceil sign` inline (IEEE-exact instructions, as
/// Rust's), and the rest through the Rust `HELPERS`.
pub(crate) fn emit_bin(
    b: &mut FunctionBuilder,
    op: ROp,
    x: Value,
    y: Value,
    helpers: &mut Helpers,
) -> Value {
    if let Some(i) = HELPERS.iter().position(|(h, _, _)| *h == op) {
        let f = helpers.get(b, i);
        let call = b.ins().call(f, &[x, y]);
        return b.inst_results(call)[0];
    }
    match op {
        ROp::Add => b.ins().fadd(x, y),
        ROp::Sub => b.ins().fsub(x, y),
        ROp::Mul => b.ins().fmul(x, y),
        ROp::Div => b.ins().fdiv(x, y),
        ROp::Abs => b.ins().fabs(x),
        ROp::Sqrt => b.ins().sqrt(x),
        ROp::Floor => b.ins().floor(x),
        ROp::Ceil => b.ins().ceil(x),
        ROp::Sign => {
            // 1 above zero, -1 below, 0 for ±0, NaN for NaN (`sign_of`).
            let zero = b.ins().f64const(0.0);
            let one = b.ins().f64const(1.0);
            let minus_one = b.ins().f64const(-1.0);
            let nan = b.ins().f64const(f64::NAN);
            let below = b.ins().fcmp(FloatCC::LessThan, x, zero);
            let t = b.ins().select(below, minus_one, zero);
            let above = b.ins().fcmp(FloatCC::GreaterThan, x, zero);
            let t = b.ins().select(above, one, t);
            let unordered = b.ins().fcmp(FloatCC::Unordered, x, x);
            b.ins().select(unordered, nan, t)
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

/// The entry guard: branch to `fail` unless the tag byte of every register in
/// `regs` of the window is `NUM_TAG`, else to `ok`. Ends the current block.
pub(crate) fn emit_guard(
    b: &mut FunctionBuilder,
    window: Value,
    regs: &[u16],
    fail: Block,
    ok: Block,
) {
    let flags = MemFlagsData::trusted();
    let mut bad = None;
    for (i, &r) in regs.iter().enumerate() {
        if regs[..i].contains(&r) {
            continue;
        }
        let tag = b.ins().load(types::I8, flags, window, (r as i32) * 16);
        let ne = b.ins().icmp_imm_u(IntCC::NotEqual, tag, NUM_TAG as i64);
        bad = Some(match bad {
            None => ne,
            Some(acc) => b.ins().bor(acc, ne),
        });
    }
    match bad {
        Some(cond) => {
            b.ins().brif(cond, fail, &[], ok, &[]);
        }
        None => {
            b.ins().jump(ok, &[]);
        }
    }
}

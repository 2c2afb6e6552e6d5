//! Region descriptions to executable code, in numbered steps: make the ISA,
//! declare, translate to IR and generate machine code (in parallel on a rayon pool
//! with `--jit-threads` > 1), define, finalize once per batch, take the pointers.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc};
use miniscript::tier::{RegionDesc, RegionId};

use crate::emit::{declare_helpers, define_symbols, Helpers};
use crate::JitConfig;

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

/// The signature of a region's function: a loop region's or a straight one's.
fn region_signature(isa: &dyn TargetIsa, desc: &RegionDesc) -> cranelift_codegen::ir::Signature {
    if let Some(unit) = desc.func.as_deref() {
        crate::func::func_sig(isa, unit)
    } else if desc.lp.is_some() {
        crate::loops::loop_sig(isa)
    } else {
        crate::straight::region_sig(isa)
    }
}

/// The code generator of the compile thread.
pub(crate) struct Compiler {
    /// Owns the code memory; lives on the compile thread only (Send, not Sync).
    module: JITModule,
    /// The host ISA, shared with the module and lent to the code generation workers.
    isa: Arc<dyn TargetIsa>,
    /// The `HELPERS` and container helpers, declared in the module.
    helpers: Vec<FuncId>,
    /// Code generation of a batch in parallel (`--jit-threads` > 1).
    pool: Option<rayon::ThreadPool>,
    /// Where `--perf-map` lines go.
    perf_map: Option<std::fs::File>,
    /// `--jit-dump`: print each function's IR and code size.
    dump: bool,
    /// Functions declared so far: makes every function name unique in the module.
    counter: u64,
}

/// One region of a batch to compile.
pub(crate) struct Job<'a> {
    /// What to compile.
    pub desc: &'a RegionDesc,
    /// The region's number, for the function name and `--jit-dump`.
    pub gid: RegionId,
    /// `file:line` of the region, for `--jit-dump`.
    pub label: &'a str,
}

/// Per job: the entry address, the code size and the compile time in microseconds,
/// or why it failed.
pub(crate) type JobResult = Result<(usize, usize, f64), String>;

/// Machine code of one region, made on any thread, defined in the module later.
struct Generated {
    /// The machine code.
    bytes: Vec<u8>,
    /// Its alignment in code memory.
    align: u64,
    /// Its calls to the helpers, resolved when the module defines it.
    relocs: Vec<ModuleReloc>,
    /// The IR as text, with `--jit-dump`.
    ir: Option<String>,
    /// Time spent translating and generating code.
    micros: f64,
}

/// A declared function: its id, its index in the function names, its name.
type Declared = Result<(FuncId, u32, String), String>;

/// What a worker needs to turn a description into machine code (all `Sync`).
#[derive(Clone, Copy)]
struct Codegen<'a> {
    /// The target to generate code for.
    isa: &'a dyn TargetIsa,
    /// The helpers' ids in the module, for `Helpers`.
    helpers: &'a [FuncId],
    /// `--jit-dump`: keep the IR as text.
    dump: bool,
}

impl Codegen<'_> {
    /// Steps 2–3: translate to IR and generate machine code for function `id`.
    fn run(&self, desc: &RegionDesc, id: FuncId, index: u32) -> Result<Generated, String> {
        let t0 = Instant::now();
        let sig = region_signature(self.isa, desc);
        let mut func = Function::with_name_signature(UserFuncName::user(0, index), sig);
        let mut helpers = Helpers::new(self.helpers, self.isa);
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = FunctionBuilder::new(&mut func, &mut fctx);
            match (desc.func.as_deref(), desc.lp.as_deref()) {
                (Some(unit), _) => crate::func::build(&mut b, unit, &mut helpers, id.as_u32()),
                (None, Some(lp)) => crate::loops::build(&mut b, desc, lp, &mut helpers),
                (None, None) => crate::straight::build(&mut b, desc, &mut helpers),
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
        define_symbols(&mut jb);
        let mut module = JITModule::new(jb);
        let helpers = declare_helpers(&mut module, &*isa)?;
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
    /// finalization. A job's compile time is its code generation plus its share
    /// of the rest.
    pub(crate) fn compile_batch(&mut self, jobs: &[Job]) -> Vec<JobResult> {
        let ids = self.declare(jobs);
        let generated = self.generate(jobs, &ids);
        // Step 4: define each function's bytes.
        let t_define = Instant::now();
        let results: Vec<Result<(FuncId, usize, f64), String>> = jobs
            .iter()
            .zip(&ids)
            .zip(generated)
            .map(|((job, id), g)| self.define(job, id, g))
            .collect();
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

    /// Step 1 of a batch: declare every job's function (names are unique per
    /// module).
    fn declare(&mut self, jobs: &[Job]) -> Vec<Declared> {
        let mut ids = Vec::with_capacity(jobs.len());
        for job in jobs {
            self.counter += 1;
            let name = format!(
                "ms_region_{}_{:016x}_{}",
                job.gid, job.desc.fingerprint, self.counter
            );
            let sig = region_signature(&*self.isa, job.desc);
            ids.push(
                self.module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map(|id| (id, self.counter as u32, name))
                    .map_err(|e| e.to_string()),
            );
        }
        ids
    }

    /// Steps 2–3: IR and machine code, on the pool's threads when there is one.
    fn generate(&self, jobs: &[Job], ids: &[Declared]) -> Vec<Result<Generated, String>> {
        let cg = Codegen {
            isa: &*self.isa,
            helpers: &self.helpers,
            dump: self.dump,
        };
        let work = |(job, id): (&Job, &Declared)| match id {
            Ok((id, index, _)) => cg.run(job.desc, *id, *index),
            Err(e) => Err(e.clone()),
        };
        match &self.pool {
            Some(pool) if jobs.len() > 1 => {
                use rayon::prelude::*;
                pool.install(|| jobs.par_iter().zip(ids.par_iter()).map(work).collect())
            }
            _ => jobs.iter().zip(ids.iter()).map(work).collect(),
        }
    }

    /// Step 4 for one job: define its bytes in the module (printing them first
    /// with `--jit-dump`).
    fn define(
        &mut self,
        job: &Job,
        id: &Declared,
        g: Result<Generated, String>,
    ) -> Result<(FuncId, usize, f64), String> {
        match (id, g) {
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
        }
    }
}

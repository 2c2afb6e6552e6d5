//! What every translator shares: the Rust helpers native code calls (their table,
//! symbols, signatures and per-function imports), the register-window layout, and
//! the emitters of arithmetic (`emit_bin`) and of the entry guard (`emit_guard`).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData,
    Signature, UserExternalName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilder;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use miniscript::tier::abi::{self, CONTAINER_HELPERS, NUM_TAG, OPERATOR_HELPERS, TAG_OFFSET};
use miniscript::tier::intrinsics::{PureFn, PURE};
use miniscript::tier::ROp;

/// Bytes of one interpreter `Value`, the stride of the register window and of the
/// constants array. Every window offset in the JIT is computed from this one
/// constant of the native ABI (see `slot`).
pub(crate) use miniscript::tier::abi::VALUE_SIZE;

/// Byte offset of register `r` in the window (or of constant `r` in the constants).
pub(crate) fn slot(r: u16) -> i32 {
    (r as i32) * VALUE_SIZE
}

/// How many `(f64, f64) -> f64` helpers there are: the operators of the ABI and the
/// pure intrinsics the JIT does not inline.
const NBINARY: usize = {
    let mut n = OPERATOR_HELPERS.len();
    let mut i = 0;
    while i < PURE.len() {
        if !PURE[i].jit_inline {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The Rust functions native code calls, for the operations Cranelift has no
/// instruction for: each computes exactly what the interpreter does (the same
/// Rust function). All take two f64 (the one-argument ones ignore the second).
/// Read from the ABI's operators and the table of pure intrinsics, in that order.
pub(crate) const HELPERS: [(ROp, &str, PureFn); NBINARY] = {
    let mut out = [OPERATOR_HELPERS[0]; NBINARY];
    let mut n = 0;
    while n < OPERATOR_HELPERS.len() {
        out[n] = OPERATOR_HELPERS[n];
        n += 1;
    }
    let mut i = 0;
    while i < PURE.len() {
        if let (false, Some(op)) = (PURE[i].jit_inline, PURE[i].op) {
            out[n] = (op, PURE[i].symbol, PURE[i].eval);
            n += 1;
        }
        i += 1;
    }
    out
};

/// The container accesses of loop code (`miniscript::tier::abi::list_get` and the
/// others, `abi::CONTAINER_HELPERS`), after the `HELPERS` in the module's
/// numbering; all return a u32, 0 when done.
pub(crate) const LIST_GET: usize = HELPERS.len() + abi::LIST_GET_HELPER;
pub(crate) const LIST_SET: usize = HELPERS.len() + abi::LIST_SET_HELPER;
pub(crate) const LIST_GET_REF: usize = HELPERS.len() + abi::LIST_GET_REF_HELPER;
pub(crate) const FIELD_GET: usize = HELPERS.len() + abi::FIELD_GET_HELPER;
pub(crate) const FIELD_SET: usize = HELPERS.len() + abi::FIELD_SET_HELPER;
pub(crate) const FOR_NEXT: usize = HELPERS.len() + abi::FOR_NEXT_HELPER;
pub(crate) const COPY_VALUE: usize = HELPERS.len() + abi::COPY_VALUE_HELPER;
const NHELPERS: usize = HELPERS.len() + CONTAINER_HELPERS.len();

/// A signature from the letters of the native ABI (`abi::PURE_FN`, `abi::REGION_FN`,
/// ...): parameters then, after `>`, the result; 'p' a pointer, 'f' an f64, 'i' a
/// u32.
pub(crate) fn sig_of(isa: &dyn TargetIsa, letters: &str) -> Signature {
    let ty = |c: char| match c {
        'p' => isa.pointer_type(),
        'f' => types::F64,
        _ => types::I32,
    };
    let (params, ret) = letters.split_once('>').unwrap_or((letters, "i"));
    let mut s = Signature::new(isa.default_call_conv());
    for p in params.chars() {
        s.params.push(AbiParam::new(ty(p)));
    }
    for r in ret.chars() {
        s.returns.push(AbiParam::new(ty(r)));
    }
    s
}

/// `(f64, f64) -> f64`, the signature of every `HELPERS` entry.
fn binary_sig(isa: &dyn TargetIsa) -> Signature {
    sig_of(isa, abi::PURE_FN)
}

/// The signature of a container helper from its letters.
fn container_sig(isa: &dyn TargetIsa, letters: &str) -> Signature {
    sig_of(isa, letters)
}

/// Tell the JIT builder where every helper symbol is.
pub(crate) fn define_symbols(jb: &mut JITBuilder) {
    for (_, name, f) in HELPERS {
        jb.symbol(name, f as *const u8);
    }
    for (name, _, f) in CONTAINER_HELPERS {
        jb.symbol(name, f);
    }
}

/// Declare every helper in the module, numbered as `Helpers::get` expects.
pub(crate) fn declare_helpers(
    module: &mut JITModule,
    isa: &dyn TargetIsa,
) -> Result<Vec<FuncId>, String> {
    let sig = binary_sig(isa);
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
            .declare_function(name, Linkage::Import, &container_sig(isa, params))
            .map_err(|e| e.to_string())?;
        helpers.push(id);
    }
    Ok(helpers)
}

/// The helpers of one function being built, imported on first use.
pub(crate) struct Helpers<'a> {
    /// The helpers' ids in the module (from `declare_helpers`), by helper number.
    ids: &'a [FuncId],
    /// The reference of each helper already imported into this function.
    refs: [Option<FuncRef>; NHELPERS],
    /// For the call convention and pointer type of the signatures.
    isa: &'a dyn TargetIsa,
}

impl<'a> Helpers<'a> {
    pub(crate) fn new(ids: &'a [FuncId], isa: &'a dyn TargetIsa) -> Self {
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
            // 1 above zero, -1 below, 0 for ±0 and NaN (`sign_of`).
            let zero = b.ins().f64const(0.0);
            let one = b.ins().f64const(1.0);
            let minus_one = b.ins().f64const(-1.0);
            let below = b.ins().fcmp(FloatCC::LessThan, x, zero);
            let t = b.ins().select(below, minus_one, zero);
            let above = b.ins().fcmp(FloatCC::GreaterThan, x, zero);
            b.ins().select(above, one, t)
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
        let tag = b.ins().load(types::I8, flags, window, slot(r) + TAG_OFFSET);
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

//! Lowering: AST to three-address code, one `Proto` per function.
//!
//! Locals are resolved to registers ("slot mode") whenever the function cannot
//! observe its locals as a map: it creates no closures (a nested `function` literal
//! captures the locals map as `outer`) and never names `locals` or `import`. Global
//! code and the other functions run in "map mode", where every variable lives in the
//! frame's locals map. Temporaries are allocated like a stack, so a call's arguments
//! always sit at the top of the caller's window and become the callee's parameters in
//! place (no copying per call).
//!
//! Layout: this file holds the entry points, the builder's state, registers and
//! constants; `stmt.rs` lowers statements, `expr.rs` expressions and function
//! literals, `regions.rs` region markers, `analysis.rs` the AST queries they share.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, Literal, Program, Stmt};
use crate::error::{MsError, MsResult};
use crate::tac::{Instr, Op, Proto, SiteInfo, K_BIT, NO_REG};
use crate::value::{ParamSpec, Value};

mod analysis;
mod assigned;
mod cond;
mod expr;
mod regions;
mod stmt;
#[cfg(test)]
mod tests;

use analysis::{collect_assigned, needs_map_mode};
use assigned::Assigned;

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
    /// Start functions that may run as whole-function native code with an `Enter`
    /// instruction (function regions); needs `sites`.
    pub functions: bool,
}

/// `compile` with options.
pub fn compile_with(
    program: &Program,
    source: &str,
    file: Option<Rc<str>>,
    opts: CompileOptions,
) -> MsResult<Rc<Proto>> {
    let mut b = FnBuilder::global(source, file, opts);
    b.block(&program.body)?;
    b.finish()
}

/// Compile `program` as the body of a function whose variables live in a map (the
/// locals map its frame is given), so that `return EXPR` gives a value: the
/// debugger's evaluation of an expression in a frame (`crate::debug`).
pub fn compile_eval(program: &Program, source: &str) -> MsResult<Rc<Proto>> {
    let mut b = FnBuilder::new(source, None, "(eval)".into(), &[], &program.body, false);
    b.map_mode = true;
    b.block(&program.body)?;
    b.finish()
}

/// Parse and compile `source`. A non-empty `name` is shown in error messages as
/// `[name line N]`; with an empty name they read `[line N]` (the main program).
///
/// ```
/// # use miniscript::host::{compile_source, Interpreter};
/// let p = compile_source("lib.ms", "x = 1", Default::default()).unwrap();
/// let mut interp = Interpreter::new();
/// interp.load_proto(p);
/// interp.run().unwrap();
/// let e = compile_source("lib.ms", "x = (", Default::default()).err().unwrap();
/// assert!(e.to_string().ends_with("[lib.ms line 1]"));
/// ```
pub fn compile_source(name: &str, source: &str, options: CompileOptions) -> MsResult<Rc<Proto>> {
    let file: Option<Rc<str>> = (!name.is_empty()).then(|| Rc::from(name));
    // The parser does not know the file name; its errors get it here.
    let with_file = |mut e: MsError| {
        if e.file.is_none() {
            e.file = file.clone();
        }
        e
    };
    // Each top-level statement is lowered as soon as it is parsed and then dropped.
    // A parse error anywhere wins over a lowering error (as when the whole tree was
    // built first): after a lowering error the rest is only parsed.
    let mut b = FnBuilder::global(source, file.clone(), options);
    let mut lowering: MsResult<()> = Ok(());
    crate::parser::parse_each(source, &mut |s| {
        if lowering.is_ok() {
            lowering = b.stmt(&s);
        }
    })
    .map_err(with_file)?;
    lowering.map_err(with_file)?;
    b.finish().map_err(with_file)
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
    assigned: Assigned,
    /// Inside an expression site being recorded (only maximal sites are recorded).
    in_site: bool,
    /// String constants shared by every function of the program.
    interner: Rc<RefCell<HashMap<Rc<str>, Value>>>,
    /// Source texts of sites, regions and loops, shared by every function of the
    /// program (`FnBuilder::text`): large programs repeat them.
    texts: Rc<RefCell<HashSet<Rc<str>>>>,
    /// Emit `Site`/`SiteEnd` around compilable regions.
    sites_on: bool,
    min_complexity: u32,
    regions: Vec<RawRegion>,
    loops_on: bool,
    functions_on: bool,
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
            assigned: Assigned::default(),
            in_site: false,
            interner: Rc::default(),
            texts: Rc::default(),
            sites_on: false,
            min_complexity: 0,
            regions: Vec::new(),
            loops_on: false,
            functions_on: false,
            raw_loops: Vec::new(),
            last_label: usize::MAX,
        };
        let nparams = b.params.len() as u16;
        b.assigned = Assigned::from_names(b.params.iter().map(|p| p.name.clone()));
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
        // A later parameter named `self` is the frame's `self` in a plain call (a dot
        // call's object takes precedence): set it, unless already set, on entry.
        let later_self = b.params.iter().skip(1).position(|p| &*p.name == "self");
        if let Some(i) = later_self.filter(|_| !global) {
            let mut ins = Instr::new(Op::SetSelf, 0, i as u16 + 1, 0);
            ins.n = 1;
            b.emit_full(ins);
        }
        b
    }

    /// The builder of a program's global code.
    fn global(source: &'s str, file: Option<Rc<str>>, opts: CompileOptions) -> Self {
        let mut b = FnBuilder::new(source, file, "(global)".into(), &[], &[], true);
        b.sites_on = opts.sites;
        b.loops_on = opts.loops;
        b.functions_on = opts.functions;
        b.min_complexity = opts.min_complexity;
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
        let uses_super = self.code.iter().any(|i| i.op == Op::GetSuper);
        let ncode = self.code.len();
        let regions = self.finish_regions();
        // A program may hold a million small functions: no spare capacity in them.
        self.code.shrink_to_fit();
        self.lines.shrink_to_fit();
        self.consts.shrink_to_fit();
        self.protos.shrink_to_fit();
        self.local_names.shrink_to_fit();
        self.sites.shrink_to_fit();
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
            uses_super,
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

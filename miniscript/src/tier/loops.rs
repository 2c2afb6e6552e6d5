//! The eligibility analysis of loop regions: `describe_loop` turns a nest of loops
//! into `LoopBody` code, in named passes (check the nest, find its containers,
//! translate each instruction, finish), or says why the nest cannot be compiled.

use std::rc::Rc;

use super::desc::{
    weight, ExitKind, GlobalMirror, LInstr, LOperand, LoopBody, ROp, RegionDesc, Test,
};
use super::fingerprint::fingerprint;
use super::straight::{call_of, pi};
use crate::tac::{Instr, Op, Proto, K_BIT, NO_REG};
use crate::value::Value;

/// Why a loop holding `op` cannot be compiled, in the words of the report.
fn loop_refusal(op: Op) -> String {
    match op {
        Op::CallLocal | Op::CallValue | Op::CallMember => "calls a function".to_string(),
        Op::GetNameRaw => "takes a function reference (@name)".to_string(),
        Op::Index
        | Op::SetIndex
        | Op::Slice
        | Op::GetMember
        | Op::NewList
        | Op::ListPush
        | Op::NewMap
        | Op::Isa
        | Op::New => "uses a list, map or string".to_string(),
        Op::GetLocals | Op::GetGlobals | Op::GetOuter => {
            "uses locals, outer or globals".to_string()
        }
        Op::GetSelf | Op::SetSelf | Op::GetSuper => "uses self or super".to_string(),
        Op::Return => "returns from inside the loop".to_string(),
        Op::BindFunc | Op::FuncLit => "defines a function".to_string(),
        other => format!("uses '{}'", other.name()),
    }
}

/// A described loop nest.
pub struct DescribedLoop {
    pub desc: RegionDesc,
    /// The pc of every head.
    pub heads: Vec<u32>,
    pub exits: Vec<(u32, ExitKind)>,
    /// The globals the nest reads or writes, each kept in a register of its own
    /// from `NestShape::mirror_base` up while the native code runs.
    pub globals: Vec<GlobalMirror>,
}

/// Where a loop nest sits in its function's code and registers.
#[derive(Clone, Copy, Debug)]
pub struct NestShape {
    /// The pc of its outermost `Loop` instruction.
    pub head: usize,
    /// The first pc after that loop's condition: jumps out from before it are
    /// normal exits, later ones breaks.
    pub cond_end: usize,
    /// The pc after the loop.
    pub end: usize,
    /// Named locals are the registers below this.
    pub nlocals: u16,
    /// The first register past the function's own: globals the nest uses are
    /// mirrored from here up.
    pub mirror_base: u16,
}

/// Describe the loop nest at `shape` of `code` as a loop region. Only numeric
/// operations on registers, numeric constants and globals, branches, nested
/// `Loop` heads, and calls by name of functions that are not built in (`builtin`
/// says which names are) qualify; the error says why not. The calls stay
/// `LInstr::Call`s: `full_desc` inlines them when the nest is to be compiled.
pub fn describe_loop(
    code: &[Instr],
    consts: &[Value],
    shape: NestShape,
    builtin: &dyn Fn(&str) -> bool,
) -> Result<DescribedLoop, String> {
    let NestShape {
        head,
        cond_end,
        end,
        nlocals,
        mirror_base,
    } = shape;
    let heads = check_nest(code, head, end)?;
    let lists = find_containers(&code[head..end], nlocals)?;
    // In global code a `for` loop keeps its index in a temporary, live across the
    // whole loop: such registers are loaded and stored like named locals.
    let pinned: Vec<u16> = code[head..end]
        .iter()
        .filter(|i| i.op == Op::ForNext && i.c >= nlocals && i.c & K_BIT == 0)
        .map(|i| i.c)
        .collect();
    let mut t = Translator {
        code,
        consts,
        nlocals,
        mirror_base,
        pinned,
        mirrors: Vec::new(),
        head,
        cond_end,
        end,
        n: end - head,
        heads: &heads,
        lists,
        touched: Vec::new(),
        written: Vec::new(),
        exits: Vec::new(),
        temps: Vec::new(),
        intrinsics: 0,
        mixed: false,
        builtin,
    };
    let mut out: Vec<LInstr> = Vec::with_capacity(t.n);
    for (pc, ins) in code.iter().enumerate().take(end).skip(head) {
        out.push(t.instr(pc, ins)?);
    }
    t.finish(out)
}

/// The description of region `x` of `proto` to compile it from: the one the
/// compiler kept, or for a loop region (kept without its body) the nest described
/// again from the function's code. The code is that of the first description (the
/// compiler sets only the operands of heads and markers after it, which the
/// description does not read), so the result is the same, fingerprint included.
/// Then the functions the nest calls, looked up with `resolve` (a name to the
/// script function it holds now), are inlined (`inline::inline_calls`); that
/// changes the fingerprint.
pub fn full_desc(
    proto: &Proto,
    x: usize,
    resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
) -> Result<Rc<RegionDesc>, String> {
    let info = proto.regions.get(x).ok_or("no such region")?;
    let desc = info.desc.as_ref().map_err(|e| e.clone())?;
    let Some(lp) = info.lp.as_ref() else {
        return Ok(desc.clone());
    };
    let shape = NestShape {
        head: info.site as usize,
        cond_end: lp.cond_end as usize,
        end: info.end as usize,
        nlocals: lp.nlocals,
        mirror_base: lp.mirror_base,
    };
    // The compiler refused calls of built-in names already.
    let mut full = describe_loop(&proto.code, &proto.consts, shape, &|_| false)?.desc;
    if full.fingerprint != desc.fingerprint {
        return Err("changed since it was compiled".to_string());
    }
    if super::inline::inline_calls(&mut full, &proto.consts, resolve)? {
        full.fingerprint = fingerprint(&full);
    }
    Ok(Rc::new(full))
}

/// Pass 1: the nest is a loop of bounded size; returns the pc of every head.
fn check_nest(code: &[Instr], head: usize, end: usize) -> Result<Vec<usize>, String> {
    if head >= end || end > code.len() || code[head].op != Op::Loop {
        return Err("not a loop".to_string());
    }
    if end - head > 8192 {
        return Err("too large".to_string());
    }
    let heads: Vec<usize> = (head..end).filter(|&pc| code[pc].op == Op::Loop).collect();
    if heads.len() > 255 {
        return Err("too many nested loops".to_string());
    }
    Ok(heads)
}

/// Pass 2: the containers, locals the nest indexes (lists, maps). They are never
/// numbers here, live only in the window, and only helpers touch them.
fn find_containers(body: &[Instr], nlocals: u16) -> Result<Vec<u16>, String> {
    let mut lists: Vec<u16> = Vec::new();
    for ins in body {
        let base = match ins.op {
            Op::Index => ins.b,
            Op::SetIndex => ins.a,
            Op::GetField => ins.c,
            // The sequence of a `for` loop is a temporary holding a copy.
            Op::ForNext if ins.b & K_BIT == 0 => {
                if !lists.contains(&ins.b) {
                    lists.push(ins.b);
                }
                continue;
            }
            _ => continue,
        };
        if base & K_BIT != 0 || base >= nlocals {
            return Err("indexes something other than a local".to_string());
        }
        if !lists.contains(&base) {
            lists.push(base);
        }
    }
    // Registers copied into containers are containers too (`for b in bodies` copies
    // `bodies` into the sequence register through a temporary).
    loop {
        let before = lists.len();
        for ins in body {
            if matches!(ins.op, Op::Move | Op::MoveRaw)
                && lists.contains(&ins.a)
                && ins.b & K_BIT == 0
                && !lists.contains(&ins.b)
            {
                lists.push(ins.b);
            }
        }
        if lists.len() == before {
            return Ok(lists);
        }
    }
}

/// Pass 3: the translation of each instruction, and what it learns on the way.
struct Translator<'a> {
    code: &'a [Instr],
    consts: &'a [Value],
    nlocals: u16,
    /// Register of the first mirrored global (`NestShape::mirror_base`).
    mirror_base: u16,
    /// Temporaries that hold a `for` index of global code (see `describe_loop`).
    pinned: Vec<u16>,
    /// The constant index of each mirrored global's name, by mirror number.
    mirrors: Vec<u16>,
    head: usize,
    cond_end: usize,
    end: usize,
    /// Instructions of the nest (exit `k` is target `n + k`).
    n: usize,
    heads: &'a [usize],
    lists: Vec<u16>,
    /// Named locals used as numbers, in order of first use (the inputs).
    touched: Vec<u16>,
    /// Named locals written (the outputs).
    written: Vec<u16>,
    exits: Vec<(u32, ExitKind)>,
    /// Temporaries written.
    temps: Vec<u16>,
    intrinsics: u16,
    /// A container was used as a number (refused at the end: other reasons are
    /// more telling).
    mixed: bool,
    /// Whether a name is that of a built-in function (not a script's).
    builtin: &'a dyn Fn(&str) -> bool,
}

/// The ROp of a numeric TAC operation or compare-and-branch.
pub(super) fn bin_op(op: Op) -> Option<ROp> {
    Some(match op {
        Op::Add => ROp::Add,
        Op::Sub => ROp::Sub,
        Op::Mul => ROp::Mul,
        Op::Div => ROp::Div,
        Op::Mod => ROp::Mod,
        Op::Pow => ROp::Pow,
        Op::Eq | Op::JumpUnlessEq => ROp::Eq,
        Op::Ne | Op::JumpUnlessNe => ROp::Ne,
        Op::Lt | Op::JumpUnlessLt => ROp::Lt,
        Op::Le | Op::JumpUnlessLe => ROp::Le,
        Op::Gt | Op::JumpUnlessGt => ROp::Gt,
        Op::Ge | Op::JumpUnlessGe => ROp::Ge,
        _ => return None,
    })
}

impl Translator<'_> {
    /// A register used as a number (`write`: and written).
    fn reg(&mut self, r: u16, write: bool) -> Result<u16, String> {
        if r >= NO_REG {
            return Err("discards a result".to_string());
        }
        if self.lists.contains(&r) {
            self.mixed = true;
        }
        if r < self.nlocals || r >= self.mirror_base || self.pinned.contains(&r) {
            if !self.touched.contains(&r) {
                self.touched.push(r);
            }
            if write && !self.written.contains(&r) {
                self.written.push(r);
            }
        } else if write && !self.temps.contains(&r) {
            self.temps.push(r);
        }
        Ok(r)
    }

    /// A register or numeric constant operand.
    fn rk(&mut self, o: u16) -> Result<LOperand, String> {
        if o & K_BIT != 0 {
            return match self.consts.get((o & !K_BIT) as usize) {
                Some(Value::Num(x)) => Ok(LOperand::Const(*x)),
                Some(Value::Str(_)) => Err("uses a string".to_string()),
                _ => Err("uses a value that is not a number".to_string()),
            };
        }
        self.reg(o, false).map(LOperand::Reg)
    }

    /// The loop-code target of a jump at `pc` to `t`: inside the nest, or an exit.
    fn target(&mut self, pc: usize, t: usize) -> Result<u32, String> {
        if t >= self.head && t < self.end {
            if t <= pc && self.code[t].op != Op::Loop {
                return Err("jumps backward into its body".to_string());
            }
            return Ok((t - self.head) as u32);
        }
        let kind = if pc < self.cond_end {
            ExitKind::Normal
        } else {
            ExitKind::Break
        };
        Ok(self.exit((t as u32, kind)))
    }

    /// The jump target of exit `exit`, added to the exits unless it is there already.
    fn exit(&mut self, exit: (u32, ExitKind)) -> u32 {
        let i = self
            .exits
            .iter()
            .position(|e| *e == exit)
            .unwrap_or_else(|| {
                self.exits.push(exit);
                self.exits.len() - 1
            });
        (self.n + i) as u32
    }

    /// The fallback exit of the instruction at `pc` (the interpreter does it).
    fn fallback(&mut self, pc: usize) -> u32 {
        self.exit((pc as u32, ExitKind::Fallback))
    }

    /// The loop code of the instruction `ins` at `pc`.
    fn instr(&mut self, pc: usize, ins: &Instr) -> Result<LInstr, String> {
        Ok(match ins.op {
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::Mod
            | Op::Pow
            | Op::Eq
            | Op::Ne
            | Op::Lt
            | Op::Le
            | Op::Gt
            | Op::Ge => {
                let (a, b) = (self.rk(ins.b)?, self.rk(ins.c)?);
                LInstr::Bin {
                    op: bin_op(ins.op).unwrap_or(ROp::Add),
                    dst: self.reg(ins.a, true)?,
                    a,
                    b,
                }
            }
            Op::And | Op::Or => {
                let (a, b) = (self.rk(ins.b)?, self.rk(ins.c)?);
                let dst = self.reg(ins.a, true)?;
                if ins.op == Op::And {
                    LInstr::And { dst, a, b }
                } else {
                    LInstr::Or { dst, a, b }
                }
            }
            Op::Not => {
                let a = self.rk(ins.b)?;
                LInstr::Not {
                    dst: self.reg(ins.a, true)?,
                    a,
                }
            }
            Op::Move | Op::MoveRaw if self.lists.contains(&ins.a) => {
                if ins.b & K_BIT != 0 {
                    return Err("uses a value that is not a number".to_string());
                }
                LInstr::CopyRef {
                    dst: ins.a,
                    src: ins.b,
                }
            }
            Op::ForNext => self.for_next(pc, ins)?,
            // Slot reads that only differ from a move when the local is unset or
            // not yet a local, which the entry guard rules out.
            Op::Move | Op::MoveRaw => self.move_of(ins)?,
            Op::GetLocalStrict | Op::GetVarWarn if ins.n == 0 => self.move_of(ins)?,
            // The same by name in global code, whose locals are the globals: the
            // global is there (the entry checks it), so no error or warning.
            Op::GetLocalStrict | Op::GetVarWarn => {
                let a = self.global(ins.b & !K_BIT)?;
                let a = self.reg(a, false).map(LOperand::Reg)?;
                LInstr::Move {
                    dst: self.reg(ins.a, true)?,
                    a,
                }
            }
            Op::Jump => LInstr::Jump {
                target: self.target(pc, ins.x as usize)?,
            },
            Op::JumpIf | Op::JumpIfNot | Op::JumpIfTruly => LInstr::BranchTest {
                test: match ins.op {
                    Op::JumpIf => Test::NonZero,
                    Op::JumpIfNot => Test::Zero,
                    _ => Test::TruncNonZero,
                },
                a: self.rk(ins.b)?,
                target: self.target(pc, ins.x as usize)?,
            },
            Op::JumpUnlessLt
            | Op::JumpUnlessLe
            | Op::JumpUnlessGt
            | Op::JumpUnlessGe
            | Op::JumpUnlessEq
            | Op::JumpUnlessNe => LInstr::BranchCmp {
                op: bin_op(ins.op).unwrap_or(ROp::Eq),
                a: self.rk(ins.b)?,
                b: self.rk(ins.c)?,
                when: ins.n != 0,
                target: self.target(pc, ins.x as usize)?,
            },
            Op::CallName => self.call(pc, ins)?,
            Op::SetVar => self.set_global(ins)?,
            Op::Index | Op::SetIndex | Op::GetField => self.access(pc, ins)?,
            Op::Loop => LInstr::Head {
                index: self.heads.iter().position(|&h| h == pc).unwrap_or(0) as u8,
            },
            Op::Site | Op::SiteEnd => LInstr::Nop,
            other => return Err(loop_refusal(other)),
        })
    }

    /// A move between numeric registers (or from a constant).
    fn move_of(&mut self, ins: &Instr) -> Result<LInstr, String> {
        let a = self.rk(ins.b)?;
        Ok(LInstr::Move {
            dst: self.reg(ins.a, true)?,
            a,
        })
    }

    /// One step of a `for` loop over a container register.
    fn for_next(&mut self, pc: usize, ins: &Instr) -> Result<LInstr, String> {
        if ins.b & K_BIT != 0 {
            return Err("loops over a constant".to_string());
        }
        if ins.c >= self.nlocals && !self.pinned.contains(&ins.c) {
            return Err("keeps a for loop's index in a temporary".to_string());
        }
        let by_ref = self.lists.contains(&ins.a);
        let dst = if by_ref {
            ins.a
        } else {
            self.reg(ins.a, true)?
        };
        if by_ref && ins.a >= self.nlocals {
            return Err("keeps a for loop's variable in a temporary".to_string());
        }
        let idx = self.reg(ins.c, true)?;
        let done = self.target(pc, ins.x as usize)?;
        let fallback = self.fallback(pc);
        Ok(LInstr::ForNext {
            dst,
            seq: ins.b,
            idx,
            by_ref,
            done,
            fallback,
        })
    }

    /// The register mirroring the global named by constant `name` (a string).
    fn global(&mut self, name: u16) -> Result<u16, String> {
        if !matches!(self.consts.get(name as usize), Some(Value::Str(_))) {
            return Err("uses a variable by a computed name".to_string());
        }
        let k = match self.mirrors.iter().position(|&m| m == name) {
            Some(k) => k,
            None => {
                self.mirrors.push(name);
                self.mirrors.len() - 1
            }
        };
        u16::try_from(k)
            .ok()
            .and_then(|k| self.mirror_base.checked_add(k))
            .filter(|&r| r < NO_REG)
            .ok_or_else(|| "uses too many globals".to_string())
    }

    /// `setvar "name", x` (global code): a move into the global's mirror.
    fn set_global(&mut self, ins: &Instr) -> Result<LInstr, String> {
        let a = self.rk(ins.c)?;
        let mirror = self.global(ins.b & !K_BIT)?;
        Ok(LInstr::Move {
            dst: self.reg(mirror, true)?,
            a,
        })
    }

    /// A call of a pure intrinsic (`pi` is a constant), or the read of a variable
    /// that is not a local (a global, when the nest runs natively).
    fn call(&mut self, pc: usize, ins: &Instr) -> Result<LInstr, String> {
        let (op, default_b, bit) = match call_of(ins, self.consts) {
            Ok(called) => called,
            Err(_) if ins.n == 0 && ins.a < NO_REG => {
                let mirror = self.global(ins.b & !K_BIT)?;
                let a = self.reg(mirror, false).map(LOperand::Reg)?;
                return Ok(LInstr::Move {
                    dst: self.reg(ins.a, true)?,
                    a,
                });
            }
            Err(why) => return self.script_call(pc, ins).ok_or(why)?,
        };
        self.intrinsics |= bit;
        let dst = self.reg(ins.a, true)?;
        let Some(op) = op.filter(|_| ins.n > 0) else {
            return Ok(LInstr::Move {
                dst,
                a: LOperand::Const(pi()),
            });
        };
        let a = self.reg(ins.c, false).map(LOperand::Reg)?;
        let b = if ins.n > 1 {
            self.reg(ins.c + 1, false).map(LOperand::Reg)?
        } else {
            LOperand::Const(default_b)
        };
        Ok(LInstr::Bin { op, dst, a, b })
    }

    /// A call with arguments of a name that is not built in, for its result: a
    /// script function's (`None` otherwise). Its arguments are numbers, like every
    /// register the nest computes with. (A call for its effect, `move s, dt`, is
    /// of no pure function: refused now, the loop carries no head for nothing.)
    fn script_call(&mut self, pc: usize, ins: &Instr) -> Option<Result<LInstr, String>> {
        match self.consts.get((ins.b & !K_BIT) as usize) {
            Some(Value::Str(s)) if ins.n > 0 && ins.a < NO_REG && !(self.builtin)(s.as_str()) => {
                Some(self.call_of_script(pc, ins))
            }
            _ => None,
        }
    }

    /// The `LInstr::Call` of `script_call`.
    fn call_of_script(&mut self, pc: usize, ins: &Instr) -> Result<LInstr, String> {
        for i in 0..ins.n as u16 {
            let r = ins.c.checked_add(i).ok_or("discards a result")?;
            self.reg(r, false)?;
        }
        Ok(LInstr::Call {
            dst: self.reg(ins.a, true)?,
            name: ins.b & !K_BIT,
            args: ins.c,
            n: ins.n as u16,
            fallback: self.fallback(pc),
        })
    }

    /// `Index`, `SetIndex` and `GetField`: a list element or a field of a
    /// container local, through a helper that falls back to the interpreter.
    fn access(&mut self, pc: usize, ins: &Instr) -> Result<LInstr, String> {
        let (base, key) = match ins.op {
            Op::Index => (ins.b, ins.c),
            Op::SetIndex => (ins.a, ins.b),
            _ => (ins.c, ins.b),
        };
        let string_key = key & K_BIT != 0
            && matches!(
                self.consts.get((key & !K_BIT) as usize),
                Some(Value::Str(_))
            );
        let fallback = self.fallback(pc);
        Ok(match ins.op {
            Op::SetIndex if string_key => LInstr::FieldSet {
                map: base,
                key: key & !K_BIT,
                value: self.rk(ins.c)?,
                fallback,
                cache: pc as u32,
            },
            Op::SetIndex => {
                let (index, value) = (self.rk(ins.b)?, self.rk(ins.c)?);
                LInstr::ListSet {
                    list: base,
                    index,
                    value,
                    fallback,
                }
            }
            _ if string_key => {
                if self.lists.contains(&ins.a) {
                    return Err("keeps a field that is a container".to_string());
                }
                LInstr::FieldGet {
                    dst: self.reg(ins.a, true)?,
                    map: base,
                    key: key & !K_BIT,
                    fallback,
                    cache: pc as u32,
                }
            }
            Op::GetField => return Err("reads a field by a computed name".to_string()),
            _ if self.lists.contains(&ins.a) => LInstr::ListGetRef {
                dst: ins.a,
                list: base,
                index: self.rk(ins.c)?,
                fallback,
            },
            _ => {
                let index = self.rk(ins.c)?;
                LInstr::ListGet {
                    dst: self.reg(ins.a, true)?,
                    list: base,
                    index,
                    fallback,
                }
            }
        })
    }

    /// Pass 4: the checks that need the whole nest, and the description.
    fn finish(mut self, out: Vec<LInstr>) -> Result<DescribedLoop, String> {
        // Calls are inlined only once the nest is hot, and may not be then: the
        // inner loops of such a nest stay regions of their own (compiled whatever
        // becomes of the calls).
        if self.heads.len() > 1 && out.iter().any(|i| matches!(i, LInstr::Call { .. })) {
            return Err("calls a function around an inner loop".to_string());
        }
        // A while loop ends with its back-edge; the native code relies on it (no
        // path falls off the end). A nest with no exit at all is fine: it pauses.
        if !matches!(out.last(), Some(LInstr::Jump { target }) if *target == 0) {
            return Err("does not end with its back-edge".to_string());
        }
        // A list local is only ever a list here: it is neither written nor used as a
        // number (the entry guard checks numbers; the list helpers check lists).
        if self.mixed || self.lists.iter().any(|r| self.touched.contains(r)) {
            return Err("uses a local both as a container and as a number".to_string());
        }
        if !self.exits.iter().any(|e| e.1 == ExitKind::Fallback) {
            self.temps.clear();
        }
        // `for` indexes of global code are made numbers before each run too: where
        // they are live they are numbers already (see `LoopMeta::temps`).
        for &r in &self.pinned {
            if !self.temps.contains(&r) {
                self.temps.push(r);
            }
        }
        let globals = self
            .mirrors
            .iter()
            .enumerate()
            .map(|(k, &name)| {
                let reg = self.mirror_base + k as u16;
                GlobalMirror {
                    name,
                    reg,
                    written: self.written.contains(&reg),
                }
            })
            .collect();
        let complexity = 10 + out.iter().map(instr_weight).sum::<u32>();
        let body = LoopBody {
            heads: self.heads.iter().map(|&h| (h - self.head) as u32).collect(),
            nexits: self.exits.len() as u32,
            code: out,
            temp_base: self.nlocals,
            temps: self.temps,
        };
        let mut desc = RegionDesc {
            ninputs: self.touched.len() as u16,
            code: Vec::new(),
            outputs: Vec::new(),
            fingerprint: 0,
            input_regs: self.touched,
            output_regs: self.written,
            complexity,
            intrinsics: self.intrinsics,
            lp: Some(Box::new(body)),
            func: None,
        };
        desc.fingerprint = fingerprint(&desc);
        Ok(DescribedLoop {
            desc,
            heads: self.heads.iter().map(|&h| h as u32).collect(),
            exits: self.exits,
            globals,
        })
    }
}

/// What an instruction of loop code weighs in the region's complexity.
fn instr_weight(i: &LInstr) -> u32 {
    match i {
        LInstr::Bin { op, .. } => weight(*op),
        LInstr::ListGet { .. }
        | LInstr::ListSet { .. }
        | LInstr::ListGetRef { .. }
        | LInstr::FieldGet { .. }
        | LInstr::FieldSet { .. }
        | LInstr::ForNext { .. } => 2,
        LInstr::Call { .. } => 5,
        _ => 0,
    }
}

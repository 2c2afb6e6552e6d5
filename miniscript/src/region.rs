//! Compilable regions: the unit the profiler counts and the JIT compiles.
//!
//! A region is a run of consecutive numeric assignment statements of one basic block
//! (one or more expression sites, DESIGN §2: "fusing consecutive numeric statements
//! of one basic block into one region"). Lowering brackets it with `Site` and
//! `SiteEnd` instructions; `describe` turns its instructions into a `RegionDesc`, a
//! self-contained and `Send` description of pure f64 code (virtual registers,
//! constants by value) that crosses to the compile thread. No interpreter value
//! ever leaves the interpreter thread.

use std::rc::Rc;

use crate::tac::{Instr, Op, K_BIT, NO_REG};
use crate::value::Value;

/// A binary f64 operation of a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ROp {
    Add,
    Sub,
    Mul,
    Div,
    /// C `fmod` (sign of the dividend).
    Mod,
    Pow,
    /// Comparisons yield 1.0 or 0.0.
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    // The pure numeric intrinsics. Those of one argument ignore `b`; `atan`, `log`
    // and `round` get their second argument or its default.
    Abs,
    Sqrt,
    Floor,
    Ceil,
    Round,
    Sign,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Log,
}

impl ROp {
    /// Whether the op is a call of a site intrinsic (so the region needs its name
    /// unshadowed at entry).
    pub fn is_intrinsic(self) -> bool {
        self as u8 >= ROp::Abs as u8
    }
}

/// What a call of intrinsic `name` with `nargs` arguments computes in a region: its
/// op, the default of its second operand, and its bit in the shadowing mask
/// (`value::shadowed_intrinsics`); `pi` is a constant (`ROp::Add` of π and 0 is
/// never emitted: the caller uses the constant). `None` if the call is not a pure
/// numeric one (unknown name, or too many arguments, which is an error the
/// interpreter must report).
pub fn intrinsic_call(name: &str, nargs: usize) -> Option<(ROp, f64, u16)> {
    let bit = crate::compiler::SITE_INTRINSICS
        .iter()
        .position(|n| *n == name)?;
    let (op, max, default_b) = match name {
        "abs" => (ROp::Abs, 1, 0.0),
        "sqrt" => (ROp::Sqrt, 1, 0.0),
        "floor" => (ROp::Floor, 1, 0.0),
        "ceil" => (ROp::Ceil, 1, 0.0),
        "round" => (ROp::Round, 2, 0.0),
        "sign" => (ROp::Sign, 1, 0.0),
        "sin" => (ROp::Sin, 1, 0.0),
        "cos" => (ROp::Cos, 1, 0.0),
        "tan" => (ROp::Tan, 1, 0.0),
        "asin" => (ROp::Asin, 1, 0.0),
        "acos" => (ROp::Acos, 1, 0.0),
        "atan" => (ROp::Atan, 2, 1.0),
        "log" => (ROp::Log, 2, 10.0),
        // `pi` takes no argument; its "op" is never used.
        "pi" => (ROp::Add, 0, 0.0),
        _ => return None,
    };
    // A missing first argument defaults to 0; only calls that pass it are compiled
    // (an empty call of a math function is not worth a region).
    if nargs > max || (max > 0 && nargs == 0) {
        return None;
    }
    Some((op, default_b, 1 << bit))
}

/// An operand: an input (read from an interpreter register, guarded to be a number),
/// a constant, or the result of an earlier instruction of the region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ROperand {
    Input(u16),
    Const(f64),
    Val(u16),
}

/// One instruction: value number `i` (its index) is `a OP b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RInstr {
    pub op: ROp,
    pub a: ROperand,
    pub b: ROperand,
}

/// What the compile thread receives: pure numeric code, inputs numbered by first use.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionDesc {
    pub ninputs: u16,
    pub code: Vec<RInstr>,
    /// Operands written to the outputs array, in order.
    pub outputs: Vec<ROperand>,
    /// Stable 64-bit hash of the normalized form (DESIGN §2).
    pub fingerprint: u64,
    /// Interpreter registers of the inputs and outputs, in order. The native code
    /// reads and writes the register window directly, so it is specific to them;
    /// they are not part of the fingerprint.
    pub input_regs: Vec<u16>,
    pub output_regs: Vec<u16>,
    /// Weighted operation count.
    pub complexity: u32,
    /// The site intrinsics it calls, as bits of `value::shadowed_intrinsics`: the
    /// interpreter runs the native code only while none of them is shadowed.
    pub intrinsics: u16,
    /// A loop region: its code (then `code` and `outputs` are empty, `input_regs`
    /// are the named locals the loop touches, all guarded at entry, and
    /// `output_regs` the ones it writes, stored back at every exit).
    pub lp: Option<Box<LoopBody>>,
}

/// An operand of loop code: a register of the window or a constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LOperand {
    Reg(u16),
    Const(f64),
}

/// How a `BranchTest` tests its operand (the interpreter's truthiness of a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    /// `x != 0` (`jumpif`).
    NonZero,
    /// `x == 0` (`jumpifnot`).
    Zero,
    /// `trunc(x) != 0` (`jumpiftruly`, the short cut of `or`).
    TruncNonZero,
}

/// One instruction of loop code. Registers are the frame's; jump targets are
/// instruction indices, and a target at or past `code.len()` is exit number
/// `target - code.len()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LInstr {
    /// `dst := a OP b`.
    Bin {
        op: ROp,
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
    /// Fuzzy `and`: `clamp01(|a*b|)`.
    And {
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
    /// Fuzzy `or`: `clamp01(|a+b-a*b|)`.
    Or {
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
    /// Fuzzy `not`: `1 - clamp01(|a|)`.
    Not {
        dst: u16,
        a: LOperand,
    },
    Move {
        dst: u16,
        a: LOperand,
    },
    Jump {
        target: u32,
    },
    /// Jump when `(a OP b) == when`.
    BranchCmp {
        op: ROp,
        a: LOperand,
        b: LOperand,
        when: bool,
        target: u32,
    },
    /// Jump when `a` passes the test.
    BranchTest {
        test: Test,
        a: LOperand,
        target: u32,
    },
    /// `dst := list[index]` where `list` is a named local holding a list (never
    /// written by the loop) and the element is a number; otherwise (not a list,
    /// index out of range, not a number) it leaves by `fallback`, an exit to this
    /// very instruction, so that the interpreter does it.
    ListGet {
        dst: u16,
        list: u16,
        index: LOperand,
        fallback: u32,
    },
    /// `list[index] := value`, the same way.
    ListSet {
        list: u16,
        index: LOperand,
        value: LOperand,
        fallback: u32,
    },
    /// `dst := list[index]` where `dst` is a named local the loop only uses as a
    /// container (a map of fields, say): the element, of any type, is stored in the
    /// register itself (it never becomes a variable of the native code).
    ListGetRef {
        dst: u16,
        list: u16,
        index: LOperand,
        fallback: u32,
    },
    /// `dst := map.key` (or `map["key"]`) where `map` is a container local, `key`
    /// the index of a string in the function's constants and the field a number of
    /// the map itself; otherwise (inherited, missing, not a number, not a map) it
    /// leaves by `fallback`.
    /// `cache` is the pc of the TAC instruction, whose inline cache (see
    /// `Proto::name_cache`) the helper uses.
    FieldGet {
        dst: u16,
        map: u16,
        key: u16,
        fallback: u32,
        cache: u32,
    },
    /// `map.key := value` when the map has the field already; else `fallback`.
    FieldSet {
        map: u16,
        key: u16,
        value: LOperand,
        fallback: u32,
        cache: u32,
    },
    /// `dst := src` between container registers (the sequence of a `for` loop and
    /// the copies it is made from): the value, of any type, is cloned in the window.
    CopyRef {
        dst: u16,
        src: u16,
    },
    /// One step of a `for` loop over the list in container register `seq`: `idx`
    /// (a numeric local) becomes `trunc(idx + 1)`, and `dst` that element (a number,
    /// or any value when `by_ref`: `dst` is then a container register), or, past
    /// the end, the loop is done: jump to `done`. A sequence that is not a list, or
    /// an element that is not a number (not `by_ref`), leaves by `fallback`.
    ForNext {
        dst: u16,
        seq: u16,
        idx: u16,
        by_ref: bool,
        done: u32,
        fallback: u32,
    },
    /// The head of a loop of the nest: an entry point, and the target of its
    /// back-edges (each counts toward the pause that lets the interpreter check for
    /// interrupts and time slices).
    Head {
        index: u8,
    },
    Nop,
}

/// The code of a loop region (a nest of `while` loops), entered at any of its heads.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopBody {
    pub code: Vec<LInstr>,
    /// Instruction index of each head, by entry number (0 is the outermost loop).
    pub heads: Vec<u32>,
    pub nexits: u32,
    /// Registers from here up are temporaries (dead at every head and exit).
    pub temp_base: u16,
    /// The temporaries the code writes, when it has fallback exits: those leave in
    /// the middle of a statement, so they store the temporaries too (the
    /// interpreter makes them numbers at entry; they are dead at every head).
    pub temps: Vec<u16>,
}

/// Native loop code returns this bit with a head number when it pauses at that head
/// (every `PAUSE_PERIOD` back-edges), so that the interpreter can look at the
/// interrupt flag and the time slice and then enter it again.
pub const PAUSE_BIT: u32 = 0x8000_0000;
/// Back-edges between pauses of native loop code.
pub const PAUSE_PERIOD: u64 = 1 << 14;

/// How a loop region was left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// The loop condition turned false.
    Normal = 0,
    /// A `break` (or a jump out of the nest from its body).
    Break = 1,
    /// A list access the native code could not do: the interpreter does it (the
    /// counters keep pauses at 2).
    Fallback = 3,
}

/// What the interpreter needs of a loop region.
#[derive(Clone, Debug)]
pub struct LoopMeta {
    /// Pc of each head's `Loop` instruction, by entry number.
    pub heads: Vec<u32>,
    /// Pc to continue at after each exit, and its kind.
    pub exits: Vec<(u32, ExitKind)>,
    /// Source lines the nest spans.
    pub first_line: u32,
    pub last_line: u32,
    /// Temporaries made numbers before each native run (`LoopBody::temps`).
    pub temps: Vec<u16>,
}

/// A region of one function, as the interpreter sees it.
#[derive(Clone, Debug)]
pub struct RegionInfo {
    /// Index of the `Site` instruction; the region's code is `[site + 1, end)`.
    pub site: u32,
    /// First instruction after the region (where native code continues).
    pub end: u32,
    /// Registers read as inputs, in input order.
    pub inputs: Vec<u16>,
    /// Registers written, in output order.
    pub outputs: Vec<u16>,
    /// The description, or why the region cannot be compiled.
    pub desc: Result<Rc<RegionDesc>, String>,
    /// Source of the expressions it covers: (line, col, text).
    pub exprs: Vec<(u32, u32, Rc<str>)>,
    /// Weighted operation count.
    pub complexity: u32,
    /// Set for a loop region (`site` is then its outermost `Loop` instruction).
    pub lp: Option<LoopMeta>,
    /// The site intrinsics the native code computes without looking their names up
    /// (`RegionDesc::intrinsics`).
    pub intrinsics: u16,
}

impl RegionInfo {
    /// Whether native code may stand in for the region now: none of the
    /// intrinsics it calls has a name that a map of this thread may shadow.
    #[inline]
    pub fn names_clear(&self) -> bool {
        self.intrinsics == 0 || crate::value::shadowed_intrinsics() & self.intrinsics == 0
    }
}

/// What an operation weighs in a region's complexity, the gain the JIT expects
/// from it: one interpreter dispatch saved per operation (two for `/` and `sqrt`,
/// which the interpreter checks more around). Operations that call a Rust helper
/// (`%`, `^`, the trigonometric and other intrinsics) cost the native code the same
/// call the interpreter makes, so they weigh no more than an addition.
fn weight(op: ROp) -> u32 {
    match op {
        ROp::Div | ROp::Sqrt => 2,
        _ => 1,
    }
}

/// The name and argument count of a `CallName` of the region's code, if it calls
/// an intrinsic a region can compute.
fn call_of(ins: &Instr, consts: &[Value]) -> Result<(ROp, f64, u16), String> {
    let name = match consts.get((ins.b & !K_BIT) as usize) {
        Some(Value::Str(s)) => s.as_str(),
        _ => return Err("calls a function or reads a global".to_string()),
    };
    intrinsic_call(name, ins.n as usize)
        .ok_or_else(|| format!("calls '{name}', which is not a pure numeric intrinsic"))
}

/// Translate the instructions `code` (the region body) into a description. `consts`
/// is the function's constant table.
/// Only registers below `nlocals` (named locals) are outputs: temporaries die at
/// the statement boundary where every region ends.
pub fn describe(
    code: &[Instr],
    consts: &[Value],
    nlocals: u16,
) -> Result<(RegionDesc, Vec<u16>, Vec<u16>), String> {
    // Which value each register currently holds inside the region.
    let mut current: Vec<(u16, ROperand)> = Vec::new();
    let mut inputs: Vec<u16> = Vec::new();
    let mut out_code: Vec<RInstr> = Vec::new();
    let mut written: Vec<u16> = Vec::new();
    let mut intrinsics = 0u16;
    let operand = |o: u16,
                   current: &Vec<(u16, ROperand)>,
                   inputs: &mut Vec<u16>|
     -> Result<ROperand, String> {
        if o & K_BIT != 0 {
            return match consts.get((o & !K_BIT) as usize) {
                Some(Value::Num(n)) => Ok(ROperand::Const(*n)),
                _ => Err("non-numeric constant".to_string()),
            };
        }
        if let Some((_, v)) = current.iter().rev().find(|(r, _)| *r == o) {
            return Ok(*v);
        }
        match inputs.iter().position(|r| *r == o) {
            Some(i) => Ok(ROperand::Input(i as u16)),
            None => {
                inputs.push(o);
                Ok(ROperand::Input(inputs.len() as u16 - 1))
            }
        }
    };
    for ins in code {
        let op = match ins.op {
            Op::Add => Some(ROp::Add),
            Op::Sub => Some(ROp::Sub),
            Op::Mul => Some(ROp::Mul),
            Op::Div => Some(ROp::Div),
            Op::Mod => Some(ROp::Mod),
            Op::Pow => Some(ROp::Pow),
            Op::Eq => Some(ROp::Eq),
            Op::Ne => Some(ROp::Ne),
            Op::Lt => Some(ROp::Lt),
            Op::Le => Some(ROp::Le),
            Op::Gt => Some(ROp::Gt),
            Op::Ge => Some(ROp::Ge),
            Op::Move | Op::MoveRaw | Op::CallName => None,
            other => return Err(format!("unsupported operation '{}'", other.name())),
        };
        let value = match op {
            Some(op) => {
                let a = operand(ins.b, &current, &mut inputs)?;
                let b = operand(ins.c, &current, &mut inputs)?;
                out_code.push(RInstr { op, a, b });
                ROperand::Val(out_code.len() as u16 - 1)
            }
            None if ins.op == Op::CallName => {
                let (op, default_b, bit) = call_of(ins, consts)?;
                if ins.a >= NO_REG {
                    return Err("discards a result".to_string());
                }
                intrinsics |= bit;
                if ins.n == 0 {
                    ROperand::Const(std::f64::consts::PI)
                } else {
                    let a = operand(ins.c, &current, &mut inputs)?;
                    let b = if ins.n > 1 {
                        operand(ins.c + 1, &current, &mut inputs)?
                    } else {
                        ROperand::Const(default_b)
                    };
                    out_code.push(RInstr { op, a, b });
                    ROperand::Val(out_code.len() as u16 - 1)
                }
            }
            None => operand(ins.b, &current, &mut inputs)?,
        };
        current.retain(|(r, _)| *r != ins.a);
        current.push((ins.a, value));
        if ins.a < nlocals && !written.contains(&ins.a) {
            written.push(ins.a);
        }
    }
    if out_code.is_empty() {
        return Err("no arithmetic".to_string());
    }
    if inputs.len() > crate::interp::MAX_IO || written.len() > crate::interp::MAX_IO {
        return Err("too many inputs or outputs".to_string());
    }
    let outputs: Vec<ROperand> = written
        .iter()
        .map(|r| {
            current
                .iter()
                .rev()
                .find(|(x, _)| x == r)
                .map(|(_, v)| *v)
                .unwrap_or(ROperand::Const(0.0))
        })
        .collect();
    let complexity = out_code.iter().map(|i| weight(i.op)).sum();
    let mut desc = RegionDesc {
        ninputs: inputs.len() as u16,
        code: out_code,
        outputs,
        fingerprint: 0,
        complexity,
        input_regs: inputs.clone(),
        output_regs: written.clone(),
        intrinsics,
        lp: None,
    };
    desc.fingerprint = fingerprint(&desc);
    Ok((desc, inputs, written))
}

/// Why a loop holding `op` cannot be compiled, in the words of the report.
fn loop_refusal(op: Op) -> String {
    match op {
        Op::CallLocal | Op::CallValue | Op::CallMember | Op::GetNameRaw => {
            "calls a function or reads a global".to_string()
        }
        Op::Index
        | Op::SetIndex
        | Op::Slice
        | Op::GetMember
        | Op::NewList
        | Op::ListPush
        | Op::NewMap
        | Op::Isa
        | Op::New => "uses a list, map or string".to_string(),
        Op::GetLocals | Op::GetGlobals | Op::GetOuter | Op::SetVar => {
            "uses locals, outer or globals".to_string()
        }
        Op::GetSelf | Op::SetSelf | Op::GetSuper => "uses self or super".to_string(),
        Op::Return => "returns from inside the loop".to_string(),
        Op::BindFunc | Op::FuncLit => "defines a function".to_string(),
        other => format!("uses '{}'", other.name()),
    }
}

/// The jump target in loop code (of `n` instructions) of exit `exit`, added to
/// `exits` unless it is there already.
fn exit_target(exits: &mut Vec<(u32, ExitKind)>, exit: (u32, ExitKind), n: usize) -> u32 {
    let i = exits.iter().position(|e| *e == exit).unwrap_or_else(|| {
        exits.push(exit);
        exits.len() - 1
    });
    (n + i) as u32
}

/// A described loop nest: the description, the pc of each head, the exits.
pub type DescribedLoop = (RegionDesc, Vec<u32>, Vec<(u32, ExitKind)>);

/// Describe the loop nest `code[head..end)` as a loop region: `head` is the pc of
/// its outermost `Loop` instruction, `cond_end` the first pc after that loop's
/// condition (jumps out from before it are normal exits, later ones breaks) and
/// `end` the pc after the loop. Only numeric operations on registers and numeric
/// constants, branches, and nested `Loop` heads qualify; the error says why not.
/// Returns the description, the pc of every head and the exits.
pub fn describe_loop(
    code: &[Instr],
    consts: &[Value],
    nlocals: u16,
    head: usize,
    cond_end: usize,
    end: usize,
) -> Result<DescribedLoop, String> {
    if head >= end || end > code.len() || code[head].op != Op::Loop {
        return Err("not a loop".to_string());
    }
    let n = end - head;
    if n > 8192 {
        return Err("too large".to_string());
    }
    let heads: Vec<usize> = (head..end).filter(|&pc| code[pc].op == Op::Loop).collect();
    if heads.len() > 255 {
        return Err("too many nested loops".to_string());
    }
    let mut touched: Vec<u16> = Vec::new();
    let mut written: Vec<u16> = Vec::new();
    let mut exits: Vec<(u32, ExitKind)> = Vec::new();
    let mut out: Vec<LInstr> = Vec::with_capacity(n);
    let mut intrinsics = 0u16;
    // Containers: locals the nest indexes (lists, maps). They are never numbers
    // here, live only in the window, and only helpers touch them.
    let mut lists: Vec<u16> = Vec::new();
    for ins in &code[head..end] {
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
        for ins in &code[head..end] {
            if matches!(ins.op, Op::Move | Op::MoveRaw)
                && lists.contains(&ins.a)
                && ins.b & K_BIT == 0
                && !lists.contains(&ins.b)
            {
                lists.push(ins.b);
            }
        }
        if lists.len() == before {
            break;
        }
    }
    let mut temps: Vec<u16> = Vec::new();
    let mut mixed = false;
    let mut reg = |r: u16, write: bool| -> Result<u16, String> {
        if r >= NO_REG {
            return Err("discards a result".to_string());
        }
        // A container used as a number: refused after the scan (other reasons
        // are more telling).
        if lists.contains(&r) {
            mixed = true;
        }
        if r < nlocals {
            if !touched.contains(&r) {
                touched.push(r);
            }
            if write && !written.contains(&r) {
                written.push(r);
            }
        } else if write && !temps.contains(&r) {
            temps.push(r);
        }
        Ok(r)
    };
    for (pc, ins) in code.iter().enumerate().take(end).skip(head) {
        let mut rk = |o: u16| -> Result<LOperand, String> {
            if o & K_BIT != 0 {
                return match consts.get((o & !K_BIT) as usize) {
                    Some(Value::Num(x)) => Ok(LOperand::Const(*x)),
                    Some(Value::Str(_)) => Err("uses a string".to_string()),
                    _ => Err("uses a value that is not a number".to_string()),
                };
            }
            reg(o, false).map(LOperand::Reg)
        };
        let mut target = |t: usize| -> Result<u32, String> {
            if t >= head && t < end {
                if t <= pc && code[t].op != Op::Loop {
                    return Err("jumps backward into its body".to_string());
                }
                return Ok((t - head) as u32);
            }
            let kind = if pc < cond_end {
                ExitKind::Normal
            } else {
                ExitKind::Break
            };
            Ok(exit_target(&mut exits, (t as u32, kind), n))
        };
        let bin = match ins.op {
            Op::Add => Some(ROp::Add),
            Op::Sub => Some(ROp::Sub),
            Op::Mul => Some(ROp::Mul),
            Op::Div => Some(ROp::Div),
            Op::Mod => Some(ROp::Mod),
            Op::Pow => Some(ROp::Pow),
            Op::Eq | Op::JumpUnlessEq => Some(ROp::Eq),
            Op::Ne | Op::JumpUnlessNe => Some(ROp::Ne),
            Op::Lt | Op::JumpUnlessLt => Some(ROp::Lt),
            Op::Le | Op::JumpUnlessLe => Some(ROp::Le),
            Op::Gt | Op::JumpUnlessGt => Some(ROp::Gt),
            Op::Ge | Op::JumpUnlessGe => Some(ROp::Ge),
            _ => None,
        };
        let li = match ins.op {
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
                let (a, b) = (rk(ins.b)?, rk(ins.c)?);
                LInstr::Bin {
                    op: bin.unwrap_or(ROp::Add),
                    dst: reg(ins.a, true)?,
                    a,
                    b,
                }
            }
            Op::And | Op::Or => {
                let (a, b) = (rk(ins.b)?, rk(ins.c)?);
                let dst = reg(ins.a, true)?;
                if ins.op == Op::And {
                    LInstr::And { dst, a, b }
                } else {
                    LInstr::Or { dst, a, b }
                }
            }
            Op::Not => {
                let a = rk(ins.b)?;
                LInstr::Not {
                    dst: reg(ins.a, true)?,
                    a,
                }
            }
            Op::Move | Op::MoveRaw if lists.contains(&ins.a) => {
                if ins.b & K_BIT != 0 {
                    return Err("uses a value that is not a number".to_string());
                }
                LInstr::CopyRef {
                    dst: ins.a,
                    src: ins.b,
                }
            }
            Op::ForNext => {
                if ins.b & K_BIT != 0 {
                    return Err("loops over a constant".to_string());
                }
                if ins.c >= nlocals {
                    return Err("keeps a for loop's index in a temporary".to_string());
                }
                let by_ref = lists.contains(&ins.a);
                let dst = if by_ref { ins.a } else { reg(ins.a, true)? };
                if by_ref && ins.a >= nlocals {
                    return Err("keeps a for loop's variable in a temporary".to_string());
                }
                let idx = reg(ins.c, true)?;
                let done = target(ins.x as usize)?;
                let fallback = exit_target(&mut exits, (pc as u32, ExitKind::Fallback), n);
                LInstr::ForNext {
                    dst,
                    seq: ins.b,
                    idx,
                    by_ref,
                    done,
                    fallback,
                }
            }
            Op::Move | Op::MoveRaw => {
                let a = rk(ins.b)?;
                LInstr::Move {
                    dst: reg(ins.a, true)?,
                    a,
                }
            }
            // Slot reads that only differ from a move when the local is unset or
            // not yet a local, which the entry guard rules out.
            Op::GetLocalStrict | Op::GetVarWarn if ins.n == 0 => {
                let a = rk(ins.b)?;
                LInstr::Move {
                    dst: reg(ins.a, true)?,
                    a,
                }
            }
            Op::Jump => LInstr::Jump {
                target: target(ins.x as usize)?,
            },
            Op::JumpIf | Op::JumpIfNot | Op::JumpIfTruly => LInstr::BranchTest {
                test: match ins.op {
                    Op::JumpIf => Test::NonZero,
                    Op::JumpIfNot => Test::Zero,
                    _ => Test::TruncNonZero,
                },
                a: rk(ins.b)?,
                target: target(ins.x as usize)?,
            },
            Op::JumpUnlessLt
            | Op::JumpUnlessLe
            | Op::JumpUnlessGt
            | Op::JumpUnlessGe
            | Op::JumpUnlessEq
            | Op::JumpUnlessNe => LInstr::BranchCmp {
                op: bin.unwrap_or(ROp::Eq),
                a: rk(ins.b)?,
                b: rk(ins.c)?,
                when: ins.n != 0,
                target: target(ins.x as usize)?,
            },
            Op::CallName => {
                let (op, default_b, bit) = call_of(ins, consts)?;
                intrinsics |= bit;
                let dst = reg(ins.a, true)?;
                if ins.n == 0 {
                    LInstr::Move {
                        dst,
                        a: LOperand::Const(std::f64::consts::PI),
                    }
                } else {
                    let a = reg(ins.c, false).map(LOperand::Reg)?;
                    let b = if ins.n > 1 {
                        reg(ins.c + 1, false).map(LOperand::Reg)?
                    } else {
                        LOperand::Const(default_b)
                    };
                    LInstr::Bin { op, dst, a, b }
                }
            }
            Op::Index | Op::SetIndex | Op::GetField => {
                let (base, key) = match ins.op {
                    Op::Index => (ins.b, ins.c),
                    Op::SetIndex => (ins.a, ins.b),
                    _ => (ins.c, ins.b),
                };
                let string_key = key & K_BIT != 0
                    && matches!(consts.get((key & !K_BIT) as usize), Some(Value::Str(_)));
                let fallback = exit_target(&mut exits, (pc as u32, ExitKind::Fallback), n);
                match ins.op {
                    Op::SetIndex if string_key => LInstr::FieldSet {
                        map: base,
                        key: key & !K_BIT,
                        value: rk(ins.c)?,
                        fallback,
                        cache: pc as u32,
                    },
                    Op::SetIndex => {
                        let (index, value) = (rk(ins.b)?, rk(ins.c)?);
                        LInstr::ListSet {
                            list: base,
                            index,
                            value,
                            fallback,
                        }
                    }
                    _ if string_key => {
                        if lists.contains(&ins.a) {
                            return Err("keeps a field that is a container".to_string());
                        }
                        LInstr::FieldGet {
                            dst: reg(ins.a, true)?,
                            map: base,
                            key: key & !K_BIT,
                            fallback,
                            cache: pc as u32,
                        }
                    }
                    Op::GetField => return Err("reads a field by a computed name".to_string()),
                    _ if lists.contains(&ins.a) => LInstr::ListGetRef {
                        dst: ins.a,
                        list: base,
                        index: rk(ins.c)?,
                        fallback,
                    },
                    _ => {
                        let index = rk(ins.c)?;
                        LInstr::ListGet {
                            dst: reg(ins.a, true)?,
                            list: base,
                            index,
                            fallback,
                        }
                    }
                }
            }
            Op::Loop => LInstr::Head {
                index: heads.iter().position(|&h| h == pc).unwrap_or(0) as u8,
            },
            Op::Site | Op::SiteEnd => LInstr::Nop,
            other => return Err(loop_refusal(other)),
        };
        out.push(li);
    }
    // A while loop ends with its back-edge; the native code relies on it (no path
    // falls off the end). A nest with no exit at all is fine: it pauses.
    if !matches!(out.last(), Some(LInstr::Jump { target }) if *target == 0) {
        return Err("does not end with its back-edge".to_string());
    }
    // A list local is only ever a list here: it is neither written nor used as a
    // number (the entry guard checks numbers; the list helpers check lists).
    if mixed || lists.iter().any(|r| touched.contains(r)) {
        return Err("uses a local both as a container and as a number".to_string());
    }
    if !exits.iter().any(|e| e.1 == ExitKind::Fallback) {
        temps.clear();
    }
    let complexity = 10
        + out
            .iter()
            .map(|i| match i {
                LInstr::Bin { op, .. } => weight(*op),
                LInstr::ListGet { .. }
                | LInstr::ListSet { .. }
                | LInstr::ListGetRef { .. }
                | LInstr::FieldGet { .. }
                | LInstr::FieldSet { .. }
                | LInstr::ForNext { .. } => 2,
                _ => 0,
            })
            .sum::<u32>();
    let body = LoopBody {
        heads: heads.iter().map(|&h| (h - head) as u32).collect(),
        nexits: exits.len() as u32,
        code: out,
        temp_base: nlocals,
        temps,
    };
    let mut desc = RegionDesc {
        ninputs: touched.len() as u16,
        code: Vec::new(),
        outputs: Vec::new(),
        fingerprint: 0,
        input_regs: touched,
        output_regs: written,
        complexity,
        intrinsics,
        lp: Some(Box::new(body)),
    };
    desc.fingerprint = fingerprint(&desc);
    Ok((desc, heads.iter().map(|&h| h as u32).collect(), exits))
}

/// FNV-1a over a canonical byte encoding: the same in every run and on every machine.
pub fn fingerprint(d: &RegionDesc) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut put = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    let operand = |o: &ROperand, put: &mut dyn FnMut(&[u8])| match o {
        ROperand::Input(i) => {
            put(&[1]);
            put(&i.to_le_bytes());
        }
        ROperand::Const(c) => {
            put(&[2]);
            put(&c.to_bits().to_le_bytes());
        }
        ROperand::Val(v) => {
            put(&[3]);
            put(&v.to_le_bytes());
        }
    };
    put(&d.ninputs.to_le_bytes());
    for i in &d.code {
        put(&[i.op as u8 + 16]);
        operand(&i.a, &mut put);
        operand(&i.b, &mut put);
    }
    put(&[0xff]);
    for o in &d.outputs {
        operand(o, &mut put);
    }
    if let Some(lp) = &d.lp {
        // Loop code names registers, so they are part of its identity.
        put(&[0xfe]);
        put(&lp.temp_base.to_le_bytes());
        put(&lp.nexits.to_le_bytes());
        for r in &lp.temps {
            put(&r.to_le_bytes());
        }
        for r in d.input_regs.iter().chain(&d.output_regs) {
            put(&r.to_le_bytes());
        }
        let lop = |o: &LOperand, put: &mut dyn FnMut(&[u8])| match o {
            LOperand::Reg(r) => {
                put(&[1]);
                put(&r.to_le_bytes());
            }
            LOperand::Const(c) => {
                put(&[2]);
                put(&c.to_bits().to_le_bytes());
            }
        };
        for i in &lp.code {
            match i {
                LInstr::Bin { op, dst, a, b } => {
                    put(&[1, *op as u8]);
                    put(&dst.to_le_bytes());
                    lop(a, &mut put);
                    lop(b, &mut put);
                }
                LInstr::And { dst, a, b } | LInstr::Or { dst, a, b } => {
                    put(&[if matches!(i, LInstr::And { .. }) {
                        2
                    } else {
                        3
                    }]);
                    put(&dst.to_le_bytes());
                    lop(a, &mut put);
                    lop(b, &mut put);
                }
                LInstr::Not { dst, a } | LInstr::Move { dst, a } => {
                    put(&[if matches!(i, LInstr::Not { .. }) {
                        4
                    } else {
                        5
                    }]);
                    put(&dst.to_le_bytes());
                    lop(a, &mut put);
                }
                LInstr::Jump { target } => {
                    put(&[6]);
                    put(&target.to_le_bytes());
                }
                LInstr::BranchCmp {
                    op,
                    a,
                    b,
                    when,
                    target,
                } => {
                    put(&[7, *op as u8, *when as u8]);
                    lop(a, &mut put);
                    lop(b, &mut put);
                    put(&target.to_le_bytes());
                }
                LInstr::BranchTest { test, a, target } => {
                    put(&[8, *test as u8]);
                    lop(a, &mut put);
                    put(&target.to_le_bytes());
                }
                LInstr::ListGet {
                    dst,
                    list,
                    index,
                    fallback,
                } => {
                    put(&[11]);
                    put(&dst.to_le_bytes());
                    put(&list.to_le_bytes());
                    lop(index, &mut put);
                    put(&fallback.to_le_bytes());
                }
                LInstr::ListSet {
                    list,
                    index,
                    value,
                    fallback,
                } => {
                    put(&[12]);
                    put(&list.to_le_bytes());
                    lop(index, &mut put);
                    lop(value, &mut put);
                    put(&fallback.to_le_bytes());
                }
                LInstr::ListGetRef {
                    dst,
                    list,
                    index,
                    fallback,
                } => {
                    put(&[13]);
                    put(&dst.to_le_bytes());
                    put(&list.to_le_bytes());
                    lop(index, &mut put);
                    put(&fallback.to_le_bytes());
                }
                LInstr::FieldGet {
                    dst,
                    map,
                    key,
                    fallback,
                    cache,
                } => {
                    put(&[14]);
                    put(&dst.to_le_bytes());
                    put(&map.to_le_bytes());
                    put(&key.to_le_bytes());
                    put(&fallback.to_le_bytes());
                    put(&cache.to_le_bytes());
                }
                LInstr::FieldSet {
                    map,
                    key,
                    value,
                    fallback,
                    cache,
                } => {
                    put(&[15]);
                    put(&map.to_le_bytes());
                    put(&key.to_le_bytes());
                    lop(value, &mut put);
                    put(&fallback.to_le_bytes());
                    put(&cache.to_le_bytes());
                }
                LInstr::CopyRef { dst, src } => {
                    put(&[16]);
                    put(&dst.to_le_bytes());
                    put(&src.to_le_bytes());
                }
                LInstr::ForNext {
                    dst,
                    seq,
                    idx,
                    by_ref,
                    done,
                    fallback,
                } => {
                    put(&[17, *by_ref as u8]);
                    put(&dst.to_le_bytes());
                    put(&seq.to_le_bytes());
                    put(&idx.to_le_bytes());
                    put(&done.to_le_bytes());
                    put(&fallback.to_le_bytes());
                }
                LInstr::Head { index } => put(&[9, *index]),
                LInstr::Nop => put(&[10]),
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc_of(src: &str) -> RegionDesc {
        let program = crate::parser::parse(src).unwrap();
        let proto = crate::compiler::compile_with(
            &program,
            src,
            None,
            crate::compiler::CompileOptions {
                sites: true,
                min_complexity: 0,
                loops: false,
            },
        )
        .unwrap();
        let f = &proto.protos[0];
        f.regions[0].desc.as_ref().map(|d| (**d).clone()).unwrap()
    }

    #[test]
    fn renamed_variables_share_a_fingerprint_constants_and_order_do_not() {
        let a = desc_of("f = function(a, b, c)\n  r = a*b+c\n  return r\nend function");
        let b = desc_of("f = function(x, y, z)\n  w = x*y+z\n  return w\nend function");
        assert_eq!(a.fingerprint, b.fingerprint);
        let c = desc_of("f = function(a, b, c)\n  r = a*b+2\n  return r\nend function");
        let d = desc_of("f = function(a, b, c)\n  r = a*b+3\n  return r\nend function");
        assert_ne!(c.fingerprint, d.fingerprint);
        let e = desc_of("f = function(a, b, c)\n  r = a+b*c\n  return r\nend function");
        assert_ne!(a.fingerprint, e.fingerprint);
        // Golden value: the same in every run and on every machine.
        assert_eq!(format!("{:016x}", a.fingerprint), "6e74c3f404aa7880");
    }
}

//! What a region is, as plain data: the code the JIT compiles (`RegionDesc`, with a
//! `LoopBody` for loops) and what the interpreter keeps of each region
//! (`RegionInfo`, `LoopMeta`). Imports nothing outside `tier`.
//!
//! A region is a run of consecutive numeric assignment statements of one basic block
//! (DESIGN §2), or a nest of loops. A `RegionDesc` is self-contained and `Send`: pure
//! f64 code (registers, constants by value) that crosses to the compile thread. No
//! interpreter value ever leaves the interpreter thread.

use std::rc::Rc;

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
    /// Whether the op is a call of a pure intrinsic (so the region needs its name
    /// unshadowed at entry).
    pub fn is_intrinsic(self) -> bool {
        self as u8 >= ROp::Abs as u8
    }
}

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
    /// The pure intrinsics it calls, as bits of `tier::intrinsics::shadowed`: the
    /// interpreter runs the native code only while none of them is shadowed.
    pub intrinsics: u16,
    /// A loop region: its code (then `code` and `outputs` are empty, `input_regs`
    /// are the named locals the loop touches, all guarded at entry, and
    /// `output_regs` the ones it writes, stored back at every exit).
    pub lp: Option<Box<LoopBody>>,
    /// A function region: the code of its unit (then `code`, `outputs` and the
    /// register lists are empty; the native code takes and returns numbers).
    pub func: Option<Box<super::func::FuncUnit>>,
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
    /// `dst := name(args, args + 1, ..)` (`n` arguments, `dst` is `NO_REG` when the
    /// result is dropped): a call of the script function the global `name` (a
    /// constant index) holds. Only the loop's description has it; when the nest is
    /// compiled (`tier::full_desc`) the callee's pure numeric code is inlined in
    /// its place, and where that code gives up it leaves by `fallback` (an exit to
    /// this very call) so that the interpreter makes the call.
    Call {
        dst: u16,
        name: u16,
        args: u16,
        n: u16,
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
    /// Registers from here up are temporaries (dead at every head and exit), except
    /// inputs: mirrored globals and the `for` indexes of global code.
    pub temp_base: u16,
    /// The temporaries the code writes, when it has fallback exits: those leave in
    /// the middle of a statement, so they store the temporaries too (the
    /// interpreter makes them numbers at entry; they are dead at every head).
    pub temps: Vec<u16>,
}

/// How a loop region was left; also the index of its counter in
/// `RegionCounters::exits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// The loop condition turned false.
    Normal = 0,
    /// A `break` (or a jump out of the nest from its body).
    Break = 1,
    /// Not an exit: native code paused at a head (every `PAUSE_PERIOD` back-edges)
    /// to let the interpreter look at interrupts and the time slice. Only counted.
    Pause = 2,
    /// A list access the native code could not do: the interpreter does it.
    Fallback = 3,
}

/// What the interpreter needs of a loop region.
#[derive(Clone, Debug)]
pub struct LoopMeta {
    /// Pc of each head's `Loop` instruction, by entry number.
    pub heads: Box<[u32]>,
    /// Pc to continue at after each exit, and its kind.
    pub exits: Box<[(u32, ExitKind)]>,
    /// Source lines the nest spans.
    pub first_line: u32,
    pub last_line: u32,
    /// Temporaries made numbers before each native run (`LoopBody::temps`).
    pub temps: Box<[u16]>,
    /// The globals the nest uses, loaded into registers before each native run
    /// and stored back after it.
    pub globals: Box<[GlobalMirror]>,
    /// The rest of where the nest sits (`NestShape`; its head and end are the
    /// region's `site` and `end`): the body is described again from these when the
    /// region gets hot (`tier::full_desc`).
    pub cond_end: u32,
    pub nlocals: u16,
    pub mirror_base: u16,
}

/// A global variable a loop region keeps in a register while its native code runs:
/// present and a number at entry (or the nest is interpreted), written back in place
/// at every exit and pause when the nest writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalMirror {
    /// The constant holding its name.
    pub name: u16,
    /// The register it is kept in (past the function's own registers).
    pub reg: u16,
    pub written: bool,
}

/// A region of one function, as the interpreter sees it.
#[derive(Clone, Debug)]
pub struct RegionInfo {
    /// Index of the `Site` instruction; the region's code is `[site + 1, end)`.
    pub site: u32,
    /// First instruction after the region (where native code continues).
    pub end: u32,
    /// Registers read as inputs, in input order. (Boxed slices rather than vectors
    /// here and in `LoopMeta`: a program may hold hundreds of thousands of regions.)
    pub inputs: Box<[u16]>,
    /// Registers written, in output order.
    pub outputs: Box<[u16]>,
    /// The description, or why the region cannot be compiled. For a loop region it
    /// has no body (`lp` is `None`): a program may hold hundreds of thousands of
    /// loops that never get hot, and the body is most of a description.
    /// `tier::full_desc` describes the nest again when it is to be compiled.
    pub desc: Result<Rc<RegionDesc>, String>,
    /// Source of the expressions it covers: (line, col, text).
    pub exprs: Box<[(u32, u32, Rc<str>)]>,
    /// Weighted operation count.
    pub complexity: u32,
    /// Set for a loop region (`site` is then its outermost `Loop` instruction).
    pub lp: Option<LoopMeta>,
    /// Set for a function region: the function's name and the source lines it spans.
    pub func: Option<(Rc<str>, u32, u32)>,
    /// The pure intrinsics the native code computes without looking their names up
    /// (`RegionDesc::intrinsics`).
    pub intrinsics: u16,
}

impl RegionInfo {
    /// Whether native code may stand in for the region now: none of the
    /// intrinsics it calls has a name that a map of this thread may shadow.
    #[inline]
    pub fn names_clear(&self) -> bool {
        self.intrinsics == 0 || super::intrinsics::shadowed() & self.intrinsics == 0
    }
}

/// What an operation weighs in a region's complexity, the gain the JIT expects
/// from it: one interpreter dispatch saved per operation (two for `/` and `sqrt`,
/// which the interpreter checks more around). Operations that call a Rust helper
/// (`%`, `^`, the trigonometric and other intrinsics) cost the native code the same
/// call the interpreter makes, so they weigh no more than an addition.
pub(crate) fn weight(op: ROp) -> u32 {
    match op {
        ROp::Div | ROp::Sqrt => 2,
        _ => 1,
    }
}

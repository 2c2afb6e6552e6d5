//! Three-address code: the instruction format, the one opcode table, compiled
//! functions (`Proto`) and the TAC dump.
//!
//! An instruction is `op n a b c x` (12 bytes). `a` is usually the destination
//! register; `b` and `c` are operands; `x` holds a jump target or a wide operand.
//! Operands marked `RK` in the table are either a register of the frame's window or,
//! with the high bit set, an index into the function's constant table. Registers below
//! `Proto::nlocals` are named locals (they auto-invoke functions when read and may be
//! unassigned); the rest are temporaries.
//!
//! A `Proto` carries the descriptions of its regions (`tier::RegionInfo`): `tier`
//! is of this same bottom layer (it imports only `tac` and `value`).

use std::fmt::Write;
use std::rc::Rc;

use crate::value::{ParamSpec, Value};

/// Operand bit marking a constant-table index.
pub const K_BIT: u16 = 0x8000;
/// Destination meaning "discard the result".
pub const NO_REG: u16 = 0x7fff;

/// How an operand field is shown in the dump (and read by tools).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// Unused.
    None,
    /// A register.
    R,
    /// A register or a constant.
    RK,
    /// A constant-table index.
    K,
    /// A small count.
    N,
    /// A jump target.
    J,
}

macro_rules! opcodes {
    ($( $name:ident : $text:literal, [$a:ident, $b:ident, $c:ident, $n:ident, $x:ident]; )*) => {
        /// Every TAC operation. The list below is the single source of truth: the dump
        /// and the operand shapes are generated from it.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum Op { $($name,)* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$name,)*];
            /// The name printed by `--dump-tac`.
            pub fn name(self) -> &'static str {
                match self { $(Op::$name => $text,)* }
            }
            /// Operand shapes of fields `a b c n x`.
            pub fn shapes(self) -> [Shape; 5] {
                match self { $(Op::$name => [Shape::$a, Shape::$b, Shape::$c, Shape::$n, Shape::$x],)* }
            }
        }
    };
}

opcodes! {
    // a := b (auto-invokes a function held by a named local b)
    Move: "move", [R, RK, None, None, None];
    // a := b, never invokes (`@x`, temporaries)
    MoveRaw: "moveraw", [R, RK, None, None, None];
    Add: "add", [R, RK, RK, None, None];
    Sub: "sub", [R, RK, RK, None, None];
    Mul: "mul", [R, RK, RK, None, None];
    Div: "div", [R, RK, RK, None, None];
    Mod: "mod", [R, RK, RK, None, None];
    Pow: "pow", [R, RK, RK, None, None];
    Eq: "eq", [R, RK, RK, None, None];
    Ne: "ne", [R, RK, RK, None, None];
    Lt: "lt", [R, RK, RK, None, None];
    Le: "le", [R, RK, RK, None, None];
    Gt: "gt", [R, RK, RK, None, None];
    Ge: "ge", [R, RK, RK, None, None];
    // fuzzy combine of b and c (after short-circuit tests)
    And: "and", [R, RK, RK, None, None];
    Or: "or", [R, RK, RK, None, None];
    Not: "not", [R, RK, None, None, None];
    Isa: "isa", [R, RK, RK, None, None];
    New: "new", [R, RK, None, None, None];
    Jump: "jump", [None, None, None, None, J];
    // jump to x if b is truthy / not truthy / trunc(b) != 0
    JumpIf: "jumpif", [None, RK, None, None, J];
    JumpIfNot: "jumpifnot", [None, RK, None, None, J];
    JumpIfTruly: "jumpiftruly", [None, RK, None, None, J];
    // fused compare-and-branch: jump to x unless (b OP c) is truthy
    JumpUnlessLt: "jumpunless_lt", [None, RK, RK, None, J];
    JumpUnlessLe: "jumpunless_le", [None, RK, RK, None, J];
    JumpUnlessGt: "jumpunless_gt", [None, RK, RK, None, J];
    JumpUnlessGe: "jumpunless_ge", [None, RK, RK, None, J];
    JumpUnlessEq: "jumpunless_eq", [None, RK, RK, None, J];
    JumpUnlessNe: "jumpunless_ne", [None, RK, RK, None, J];
    // a := call of the variable named by constant b (locals map, outer, globals,
    // intrinsics) with n args in registers c..c+n; a plain read when n = 0
    CallName: "callname", [R, K, R, N, None];
    // a := call of named local b with n args at c..
    CallLocal: "calllocal", [R, R, R, N, None];
    // a := call of the value in register b with n args at c..
    CallValue: "callvalue", [R, R, R, N, None];
    // a := call of member b of the object in register c, args at c+1..; x = 1 keeps
    // the caller's self (super.m())
    CallMember: "callmember", [R, RK, R, N, None];
    // a := member b of object c (any register), auto-invoking a function found there
    GetField: "getfield", [R, RK, RK, None, None];
    // a := member b of object c without invoking (`@obj.m`)
    GetMember: "getmember", [R, RK, R, None, None];
    // a := b[c] (no invocation; a string index is member resolution)
    Index: "index", [R, RK, RK, None, None];
    // a[b] := c
    SetIndex: "setindex", [R, RK, RK, None, None];
    // a := b[c : x] where x is an RK operand (stored in the wide field)
    Slice: "slice", [R, RK, RK, None, None];
    // locals-map variable b := c
    SetVar: "setvar", [None, K, RK, None, None];
    // a := named local b, reading it even if unassigned here is an error
    // (`x += 1`: Undefined Local Identifier); n = 1: name lookup in the locals map
    GetLocalStrict: "getlocalstrict", [R, RK, None, N, None];
    // a := variable b (slot or name per n like GetLocalStrict) with the deprecation
    // warning when it is not yet a local (`x = x + 1` at first assignment)
    GetVarWarn: "getvarwarn", [R, RK, None, N, None];
    // a := local b without invoking (`@x`); falls back to a name lookup when unset
    GetLocalRaw: "getlocalraw", [R, R, None, N, None];
    // a := variable named by constant b without invoking (`@name`)
    GetNameRaw: "getnameraw", [R, K, None, N, None];
    // a := self; n = 1 (as the object of `self.x`): unbound self is an error
    GetSelf: "getself", [R, None, None, N, None];
    SetSelf: "setself", [None, RK, None, None, None];
    GetSuper: "getsuper", [R, None, None, None, None];
    GetLocals: "getlocals", [R, None, None, None, None];
    GetGlobals: "getglobals", [R, None, None, None, None];
    GetOuter: "getouter", [R, None, None, None, None];
    NewList: "newlist", [R, None, None, None, None];
    ListPush: "listpush", [R, RK, None, None, None];
    NewMap: "newmap", [R, None, None, None, None];
    // a := function b (constant), bound to this frame's locals (closure)
    BindFunc: "bindfunc", [R, N, None, None, None];
    // a := function b, unbound
    FuncLit: "funclit", [R, N, None, None, None];
    // for-loop step: c += 1; if c >= len(b) jump x; else a := element c of b
    ForNext: "fornext", [R, R, R, None, J];
    Return: "return", [None, RK, None, None, None];
    // enter compilable region x (profiler count, native code when compiled)
    Site: "site", [None, None, None, None, N];
    // head of a while loop of loop region x, entry number n (profiler count, native
    // loop code when compiled); the loop's back-edges and `continue` jump here
    Loop: "loop", [None, None, None, N, N];
    // leave the region (ends an interpreted timing sample)
    SiteEnd: "siteend", [None, None, None, None, None];
    // raise the runtime error whose message is constant b
    Fail: "fail", [None, K, None, None, None];
    // first instruction of a function that may become whole-function native code
    // (only with region markers): count the call, run the native code if published
    Enter: "enter", [None, None, None, None, None];
}

#[derive(Clone, Copy, Debug)]
pub struct Instr {
    pub op: Op,
    pub n: u8,
    pub a: u16,
    pub b: u16,
    pub c: u16,
    pub x: u32,
}

impl Instr {
    pub fn new(op: Op, a: u16, b: u16, c: u16) -> Instr {
        Instr {
            op,
            n: 0,
            a,
            b,
            c,
            x: 0,
        }
    }
}

/// An expression site (DESIGN §2): a run of instructions `[start, end)` of one function
/// computing numeric arithmetic with one result, and where it came from.
#[derive(Clone, Debug)]
pub struct SiteInfo {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub col: u32,
    pub text: Rc<str>,
}

/// A compiled function (or the global code).
pub struct Proto {
    pub name: Rc<str>,
    pub params: Vec<ParamSpec>,
    pub code: Vec<Instr>,
    /// Source line of each instruction.
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    /// Nested function prototypes referenced by `BindFunc`/`FuncLit`.
    pub protos: Vec<Rc<Proto>>,
    /// Names of the named-local registers `0..nlocals` (params first).
    pub local_names: Vec<Rc<str>>,
    pub nlocals: u16,
    /// Registers in the window (locals + temporaries).
    pub nregs: u16,
    /// Locals live in a map rather than registers (global code, functions that create
    /// closures or use `locals`): every variable access goes through the map.
    pub map_mode: bool,
    /// The first parameter is `self` (dot calls pass the object in it).
    pub self_param: bool,
    /// The code reads `super` (`GetSuper`): only then does a method call of it
    /// need to find where the method was found and that map's `__isa`.
    pub uses_super: bool,
    pub sites: Vec<SiteInfo>,
    /// Inline cache per instruction: for `CallName`, the index in the globals map
    /// where the name was last found (`u32::MAX`: none); for a field read or write
    /// by a constant name (`GetField`, `CallMember` without arguments, `SetIndex`,
    /// and their native versions in loop regions), the index of the field in the
    /// map last used. Always validated by key before use, so a stale entry only
    /// costs a normal lookup.
    pub name_cache: Box<[std::cell::Cell<u32>]>,
    /// Compilable regions, indexed by the `x` of their `Site` instruction.
    pub regions: Vec<crate::tier::RegionInfo>,
    /// Global id of region 0 in the `Vm` that last ran this function, with that
    /// Vm's id (0: none yet). A cache: each Vm keeps its own registration table.
    pub region_base: std::cell::Cell<(u64, u32)>,
    /// File name for error messages of imported code.
    pub file: Option<Rc<str>>,
}

impl Proto {
    pub fn nlocals(&self) -> usize {
        self.nlocals as usize
    }

    /// The first source line with code (0 when none): where reports place it.
    pub fn first_line(&self) -> u32 {
        self.lines
            .iter()
            .copied()
            .filter(|&l| l > 0)
            .min()
            .unwrap_or(0)
    }

    /// The TAC listing printed by `--dump-tac`, generated from the opcode table.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.dump_into(&mut out);
        out
    }

    fn dump_into(&self, out: &mut String) {
        let params: Vec<String> = self.params.iter().map(|p| p.name.to_string()).collect();
        let _ = writeln!(
            out,
            "function {}({}) regs={} locals={}{}",
            self.name,
            params.join(", "),
            self.nregs,
            self.nlocals,
            if self.map_mode { " map-mode" } else { "" }
        );
        for (i, ins) in self.code.iter().enumerate() {
            let name = ins.op.name();
            // Fused compare-and-branch with n = 1 jumps when the comparison holds.
            let name = match name.strip_prefix("jumpunless_") {
                Some(cmp) if ins.n == 1 => format!("jumpif_{cmp}"),
                _ => name.to_string(),
            };
            let _ = write!(out, "  {i:4}  [line {:3}]  {name:<15}", self.lines[i]);
            let shapes = ins.op.shapes();
            let fields = [
                ins.a as u32,
                ins.b as u32,
                ins.c as u32,
                ins.n as u32,
                ins.x,
            ];
            let mut first = true;
            for (shape, v) in shapes.iter().zip(fields) {
                let text = match shape {
                    Shape::None => continue,
                    Shape::R => self.reg_name(v as u16),
                    Shape::RK => self.operand_name(v as u16),
                    Shape::K => self.const_text(v as usize),
                    Shape::N => format!("#{v}"),
                    Shape::J => format!("->{v}"),
                };
                let _ = write!(out, "{}{}", if first { " " } else { ", " }, text);
                first = false;
            }
            if ins.op == Op::Slice {
                let _ = write!(out, ", {}", self.operand_name(ins.x as u16));
            }
            out.push('\n');
        }
        for s in &self.sites {
            let _ = writeln!(
                out,
                "  site [{}, {}) line {}:{} `{}`",
                s.start, s.end, s.line, s.col, s.text
            );
        }
        for p in &self.protos {
            out.push('\n');
            p.dump_into(out);
        }
    }

    fn reg_name(&self, r: u16) -> String {
        if r == NO_REG {
            "_".to_string()
        } else if (r as usize) < self.local_names.len() {
            self.local_names[r as usize].to_string()
        } else {
            format!("r{r}")
        }
    }

    fn operand_name(&self, o: u16) -> String {
        if o & K_BIT != 0 {
            self.const_text((o & !K_BIT) as usize)
        } else {
            self.reg_name(o)
        }
    }

    fn const_text(&self, k: usize) -> String {
        match self.consts.get(k) {
            Some(Value::Str(s)) => format!("{:?}", s.as_str()),
            Some(Value::Num(n)) => format!("{n}"),
            Some(Value::Null) => "null".to_string(),
            Some(_) => format!("k{k}"),
            None => format!("proto{k}"),
        }
    }
}

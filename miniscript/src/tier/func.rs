//! Whole-function regions: `FuncUnit`, the code of a pure numeric function and of
//! every function it calls (compiled together), and `describe_function`, which
//! builds it from the functions' TAC, or says why it cannot be compiled.
//!
//! A function qualifies when its body only computes on numbers: number parameters
//! and locals, arithmetic, comparisons, fuzzy logic, pure intrinsics, branches and
//! loops, calls by name of functions that qualify too, and `return` of a number. It
//! then has no side effect at all, so native code that cannot finish (too deep, an
//! interrupt, a `return null`) just gives up ("bails") and the interpreter runs
//! the call itself from the start: the fallback is exact by construction.

use std::rc::Rc;

use super::desc::{weight, LOperand, ROp, RegionDesc, Test};
use super::intrinsics;
use super::loops::bin_op;
use super::straight::pi;
use crate::tac::{Instr, Op, Proto, K_BIT, NO_REG};
use crate::value::Value;

/// The most parameters a function of a unit may have (passed in registers).
pub const MAX_FN_ARGS: usize = 6;
/// The most functions in one unit, and registers in one function.
const MAX_FUNCS: usize = 16;
const MAX_REGS: u16 = 512;

/// One instruction of function code. Registers are the function's own (parameters
/// first); jump targets are instruction indices of the same function.
#[derive(Clone, Debug, PartialEq)]
pub enum FInstr {
    Bin {
        op: ROp,
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
    And {
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
    Or {
        dst: u16,
        a: LOperand,
        b: LOperand,
    },
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
    BranchTest {
        test: Test,
        a: LOperand,
        target: u32,
    },
    /// Call function `func` of the unit with `args` (one per parameter, defaults
    /// filled in); the result goes to `dst` unless it is `None`.
    Call {
        dst: Option<u16>,
        func: u16,
        args: Vec<LOperand>,
    },
    Return {
        a: LOperand,
    },
    /// Something native code does not do (return a non-number, raise an error):
    /// give up, the interpreter runs the call.
    Bail,
    Nop,
}

/// One function of a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncBody {
    pub nparams: u16,
    /// Named locals are `0..nlocals` (parameters first); native code gives up when
    /// it reads a local that is not a parameter before writing it (the interpreter
    /// would look the name up).
    pub nlocals: u16,
    pub nregs: u16,
    pub code: Vec<FInstr>,
}

/// The functions compiled together: 0 is the one the code is entered at.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncUnit {
    pub funcs: Vec<FuncBody>,
    /// Parameters of the native signature (the most of any function).
    pub nargs: u16,
}

/// A described function: the region description, the names its unit calls with
/// the function each must still be for the native code to run, and the parameter
/// count of the entry function.
pub type DescribedFunc = (RegionDesc, Vec<(Rc<str>, Rc<Proto>)>);

/// Describe function `root` (and the functions it calls, looked up with
/// `resolve`: a name to the script function it holds now) as a function region.
pub fn describe_function(
    root: &Rc<Proto>,
    resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
) -> Result<DescribedFunc, String> {
    let mut protos: Vec<Rc<Proto>> = vec![root.clone()];
    let mut names: Vec<(Rc<str>, Rc<Proto>)> = Vec::new();
    let mut funcs = Vec::new();
    let mut intrinsics = 0u16;
    let mut complexity = 10u32;
    let mut k = 0;
    while k < protos.len() {
        let p = protos[k].clone();
        let mut t = Describer {
            proto: &p,
            resolve,
            protos: &mut protos,
            names: &mut names,
            intrinsics: 0,
        };
        let body = t.body()?;
        intrinsics |= t.intrinsics;
        complexity += body.code.iter().map(instr_weight).sum::<u32>();
        funcs.push(body);
        k += 1;
    }
    let nargs = funcs.iter().map(|f| f.nparams).max().unwrap_or(0);
    let unit = FuncUnit { funcs, nargs };
    let mut desc = RegionDesc {
        ninputs: 0,
        code: Vec::new(),
        outputs: Vec::new(),
        fingerprint: 0,
        input_regs: Vec::new(),
        output_regs: Vec::new(),
        complexity,
        intrinsics,
        lp: None,
        func: Some(Box::new(unit)),
    };
    desc.fingerprint = super::fingerprint(&desc);
    Ok((desc, names))
}

/// Whether a function with this code may qualify (its operations and constants;
/// the names it calls are looked up when it runs) and gain from it: it loops or
/// calls a function that is not a pure intrinsic (entering native code costs about
/// what interpreting a few straight instructions does, so a small helper without
/// either, `wrap(v, size)`, stays interpreted). The compiler gives a function an
/// `Enter` instruction only then.
pub fn fn_candidate(code: &[Instr], consts: &[Value]) -> bool {
    let gains = code.iter().enumerate().any(|(pc, ins)| match ins.op {
        Op::Jump => (ins.x as usize) <= pc,
        Op::CallName => match consts.get((ins.b & !K_BIT) as usize) {
            Some(Value::Str(s)) => {
                ins.n > 0 && intrinsics::call(s.as_str(), ins.n as usize).is_none()
            }
            _ => false,
        },
        _ => false,
    });
    gains && qualifies(code, consts)
}

/// Whether every operation and constant of `code` may be compiled.
fn qualifies(code: &[Instr], consts: &[Value]) -> bool {
    let num =
        |o: u16| o & K_BIT == 0 || matches!(consts.get((o & !K_BIT) as usize), Some(Value::Num(_)));
    code.iter().all(|ins| match ins.op {
        Op::CallName | Op::Return | Op::Fail | Op::Enter => true,
        Op::Jump | Op::Site | Op::SiteEnd | Op::Loop => true,
        Op::GetLocalStrict | Op::GetVarWarn => ins.n == 0,
        Op::Not | Op::Move | Op::MoveRaw | Op::JumpIf | Op::JumpIfNot | Op::JumpIfTruly => {
            num(ins.b)
        }
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
        | Op::Ge
        | Op::And
        | Op::Or
        | Op::JumpUnlessLt
        | Op::JumpUnlessLe
        | Op::JumpUnlessGt
        | Op::JumpUnlessGe
        | Op::JumpUnlessEq
        | Op::JumpUnlessNe => num(ins.b) && num(ins.c),
        _ => false,
    })
}

/// What an instruction weighs in the unit's complexity (a call saves the most).
fn instr_weight(i: &FInstr) -> u32 {
    match i {
        FInstr::Bin { op, .. } => weight(*op),
        FInstr::Call { .. } => 5,
        _ => 1,
    }
}

/// The translation of one function.
struct Describer<'a> {
    proto: &'a Proto,
    resolve: &'a dyn Fn(&str) -> Option<Rc<Proto>>,
    /// The unit's functions so far (a call of a new one adds it).
    protos: &'a mut Vec<Rc<Proto>>,
    names: &'a mut Vec<(Rc<str>, Rc<Proto>)>,
    intrinsics: u16,
}

impl Describer<'_> {
    fn body(&mut self) -> Result<FuncBody, String> {
        let p = self.proto;
        if p.map_mode {
            return Err("keeps its locals in a map".to_string());
        }
        if p.self_param {
            return Err("takes self".to_string());
        }
        if p.params.len() > MAX_FN_ARGS {
            return Err("has too many parameters".to_string());
        }
        if p.nregs > MAX_REGS {
            return Err("too large".to_string());
        }
        let mut code = Vec::with_capacity(p.code.len());
        for ins in &p.code {
            code.push(self.instr(ins)?);
        }
        Ok(FuncBody {
            nparams: p.params.len() as u16,
            nlocals: p.nlocals,
            nregs: p.nregs,
            code,
        })
    }

    /// A register or numeric constant operand.
    fn rk(&self, o: u16) -> Result<LOperand, String> {
        if o & K_BIT != 0 {
            return match self.proto.consts.get((o & !K_BIT) as usize) {
                Some(Value::Num(x)) => Ok(LOperand::Const(*x)),
                _ => Err("uses a value that is not a number".to_string()),
            };
        }
        self.reg(o).map(LOperand::Reg)
    }

    fn reg(&self, r: u16) -> Result<u16, String> {
        if r >= self.proto.nregs {
            return Err("discards a result".to_string());
        }
        Ok(r)
    }

    fn instr(&mut self, ins: &Instr) -> Result<FInstr, String> {
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
            | Op::Ge => FInstr::Bin {
                op: bin_op(ins.op).unwrap_or(ROp::Eq),
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
                b: self.rk(ins.c)?,
            },
            Op::And => FInstr::And {
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
                b: self.rk(ins.c)?,
            },
            Op::Or => FInstr::Or {
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
                b: self.rk(ins.c)?,
            },
            Op::Not => FInstr::Not {
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
            },
            Op::Move | Op::MoveRaw => FInstr::Move {
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
            },
            Op::GetLocalStrict | Op::GetVarWarn if ins.n == 0 => FInstr::Move {
                dst: self.reg(ins.a)?,
                a: self.rk(ins.b)?,
            },
            Op::Jump => FInstr::Jump { target: ins.x },
            Op::JumpIf | Op::JumpIfNot | Op::JumpIfTruly => FInstr::BranchTest {
                test: match ins.op {
                    Op::JumpIf => Test::NonZero,
                    Op::JumpIfNot => Test::Zero,
                    _ => Test::TruncNonZero,
                },
                a: self.rk(ins.b)?,
                target: ins.x,
            },
            Op::JumpUnlessLt
            | Op::JumpUnlessLe
            | Op::JumpUnlessGt
            | Op::JumpUnlessGe
            | Op::JumpUnlessEq
            | Op::JumpUnlessNe => FInstr::BranchCmp {
                op: bin_op(ins.op).unwrap_or(ROp::Eq),
                a: self.rk(ins.b)?,
                b: self.rk(ins.c)?,
                when: ins.n != 0,
                target: ins.x,
            },
            Op::CallName => self.call(ins)?,
            Op::Return => match self.rk(ins.b) {
                Ok(a) => FInstr::Return { a },
                Err(_) => FInstr::Bail,
            },
            Op::Fail => FInstr::Bail,
            Op::Site | Op::SiteEnd | Op::Loop | Op::Enter => FInstr::Nop,
            other => return Err(refusal(other)),
        })
    }

    /// A call by name: a pure intrinsic, or a function that qualifies too.
    fn call(&mut self, ins: &Instr) -> Result<FInstr, String> {
        let name: Rc<str> = match self.proto.consts.get((ins.b & !K_BIT) as usize) {
            Some(Value::Str(s)) => Rc::from(s.as_str()),
            _ => return Err("calls a function by a computed name".to_string()),
        };
        let n = ins.n as usize;
        let dst = if ins.a >= NO_REG {
            None
        } else {
            Some(self.reg(ins.a)?)
        };
        if let Some(callee) = (self.resolve)(&name) {
            if n > callee.params.len() {
                return Err(format!("calls '{name}' with too many arguments"));
            }
            let mut args = Vec::with_capacity(callee.params.len());
            for i in 0..n {
                args.push(LOperand::Reg(self.reg(ins.c + i as u16)?));
            }
            for p in &callee.params[n..] {
                match p.default {
                    Value::Num(x) => args.push(LOperand::Const(x)),
                    _ => return Err(format!("calls '{name}' with a non-numeric default")),
                }
            }
            let func = match self.protos.iter().position(|p| Rc::ptr_eq(p, &callee)) {
                Some(i) => i,
                None if self.protos.len() < MAX_FUNCS => {
                    self.protos.push(callee.clone());
                    self.protos.len() - 1
                }
                None => return Err("calls too many functions".to_string()),
            };
            if !self.names.iter().any(|(m, _)| *m == name) {
                self.names.push((name, callee));
            }
            return Ok(FInstr::Call {
                dst,
                func: func as u16,
                args,
            });
        }
        let Some((p, bit)) = intrinsics::call(&name, n) else {
            return Err(format!(
                "calls '{name}', which is neither a pure numeric intrinsic nor such a function"
            ));
        };
        self.intrinsics |= bit;
        let Some(dst) = dst else {
            return Ok(FInstr::Nop);
        };
        Ok(match (p.op, n > 0) {
            (Some(op), true) => FInstr::Bin {
                op,
                dst,
                a: LOperand::Reg(self.reg(ins.c)?),
                b: if n > 1 {
                    LOperand::Reg(self.reg(ins.c + 1)?)
                } else {
                    LOperand::Const(p.default_b)
                },
            },
            _ => FInstr::Move {
                dst,
                a: LOperand::Const(pi()),
            },
        })
    }
}

/// Why a function holding `op` cannot be compiled, in the words of the report.
fn refusal(op: Op) -> String {
    match op {
        Op::CallLocal | Op::CallValue | Op::CallMember | Op::GetNameRaw => {
            "calls a function by value or reads a global".to_string()
        }
        Op::GetLocals | Op::GetGlobals | Op::GetOuter | Op::SetVar => {
            "uses locals, outer or globals".to_string()
        }
        Op::GetSelf | Op::SetSelf | Op::GetSuper => "uses self or super".to_string(),
        Op::BindFunc | Op::FuncLit => "defines a function".to_string(),
        Op::Index
        | Op::SetIndex
        | Op::Slice
        | Op::GetField
        | Op::GetMember
        | Op::NewList
        | Op::ListPush
        | Op::NewMap
        | Op::Isa
        | Op::New
        | Op::ForNext => "uses a list, map or string".to_string(),
        other => format!("uses '{}'", other.name()),
    }
}

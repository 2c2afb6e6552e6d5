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

use crate::tac::{Instr, Op, K_BIT};
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
}

fn weight(op: ROp) -> u32 {
    match op {
        ROp::Add | ROp::Sub | ROp::Mul => 1,
        ROp::Div => 2,
        ROp::Mod | ROp::Pow => 4,
        _ => 1,
    }
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
            Op::Move | Op::MoveRaw => None,
            other => return Err(format!("unsupported operation '{}'", other.name())),
        };
        let value = match op {
            Some(op) => {
                let a = operand(ins.b, &current, &mut inputs)?;
                let b = operand(ins.c, &current, &mut inputs)?;
                out_code.push(RInstr { op, a, b });
                ROperand::Val(out_code.len() as u16 - 1)
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
    };
    desc.fingerprint = fingerprint(&desc);
    Ok((desc, inputs, written))
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

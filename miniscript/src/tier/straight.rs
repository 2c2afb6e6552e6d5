//! The eligibility analysis of straight regions: `describe` turns the instructions
//! of a `Site` .. `SiteEnd` run (numeric assignments of one basic block) into a
//! `RegionDesc` of pure f64 code, or says why it cannot be compiled.

use super::abi::MAX_IO;
use super::desc::{weight, RInstr, ROp, ROperand, RegionDesc};
use super::fingerprint::fingerprint;
use super::intrinsics;
use crate::tac::{Instr, Op, K_BIT, NO_REG};
use crate::value::Value;

/// The name and argument count of a `CallName` of the region's code, if it calls
/// an intrinsic a region can compute.
/// Returns its operation (`None` for `pi`, a constant), the default of its second
/// operand, and its shadowing bit.
pub(crate) fn call_of(ins: &Instr, consts: &[Value]) -> Result<(Option<ROp>, f64, u16), String> {
    let name = match consts.get((ins.b & !K_BIT) as usize) {
        Some(Value::Str(s)) => s.as_str(),
        _ => return Err("calls a function or reads a global".to_string()),
    };
    match intrinsics::call(name, ins.n as usize) {
        Some((p, bit)) => Ok((p.op, p.default_b, bit)),
        None => Err(format!(
            "calls '{name}', which is not a pure numeric intrinsic"
        )),
    }
}

/// The value of `pi` in a region (the table's function of no argument).
pub(crate) fn pi() -> f64 {
    let p = &intrinsics::PURE[const { intrinsics::index_of("pi").unwrap() }];
    (p.eval)(0.0, 0.0)
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
                if let (Some(op), true) = (op, ins.n > 0) {
                    let a = operand(ins.c, &current, &mut inputs)?;
                    let b = if ins.n > 1 {
                        operand(ins.c + 1, &current, &mut inputs)?
                    } else {
                        ROperand::Const(default_b)
                    };
                    out_code.push(RInstr { op, a, b });
                    ROperand::Val(out_code.len() as u16 - 1)
                } else {
                    ROperand::Const(pi())
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
    if inputs.len() > MAX_IO || written.len() > MAX_IO {
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
        func: None,
    };
    desc.fingerprint = fingerprint(&desc);
    Ok((desc, inputs, written))
}

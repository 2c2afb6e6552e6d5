//! Inlining for loop regions: each `LInstr::Call` of a nest becomes the pure
//! numeric code of the function called (`describe_function`), on registers of its own.
//!
//! Only small, loop-free, non-recursive functions are inlined (with the functions
//! they call): their code runs in bounded time, so the nest still pauses at its
//! heads as often as before. The callee's registers are numbered past every
//! register of the frame: they are never loaded or stored, only computed. Where
//! the callee gives up (`FInstr::Bail`, a `return` of something else than a
//! number) the code leaves by the call's fallback exit: the interpreter then makes
//! the call itself, which is exact because the code has no side effect.

use std::rc::Rc;

use super::desc::{LInstr, LOperand, LoopBody, RegionDesc};
use super::func::{describe_function, FInstr, FuncBody, FuncUnit};
use crate::tac::{Proto, NO_REG};
use crate::value::Value;

/// The most instructions inlined into one nest.
const MAX_INLINED: usize = 4096;
/// The deepest nesting of inlined calls (the interpreter runs a nest natively
/// only when this many more frames would fit under its depth limit).
pub const MAX_INLINE_DEPTH: usize = 4;
/// Exit targets of inlined code before the final numbering: `EXIT + k` is exit `k`.
const EXIT: u32 = 1 << 31;

/// Inline every call of loop region `desc` (whose function has constants
/// `consts`), looking each name up with `resolve`. Returns whether it had calls.
pub(super) fn inline_calls(
    desc: &mut RegionDesc,
    consts: &[Value],
    resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
) -> Result<bool, String> {
    let Some(lp) = desc.lp.as_deref_mut() else {
        return Ok(false);
    };
    if !lp.code.iter().any(|i| matches!(i, LInstr::Call { .. })) {
        return Ok(false);
    }
    let n = lp.code.len();
    let first_free = first_free_register(&desc.input_regs, &desc.output_regs, lp);
    let mut s = Inliner {
        out: Vec::with_capacity(2 * n),
        own: Vec::with_capacity(2 * n),
        next_reg: first_free,
        exit: EXIT,
        name: String::new(),
        stack: Vec::new(),
        intrinsics: 0,
    };
    // Where each instruction of the nest lands.
    let mut pos: Vec<u32> = Vec::with_capacity(n + 1);
    for ins in &lp.code {
        pos.push(s.out.len() as u32);
        match *ins {
            LInstr::Call {
                dst,
                name,
                args,
                n: nargs,
                fallback,
            } => {
                let Some(Value::Str(text)) = consts.get(name as usize) else {
                    return Err("calls a function by a computed name".to_string());
                };
                s.name = text.as_str().to_string();
                s.exit = EXIT + (fallback - n as u32);
                s.call_site(resolve, dst, args, nargs)?;
            }
            other => {
                s.out.push(other);
                s.own.push(true);
            }
        }
    }
    let total = s.out.len() as u32;
    for (ins, own) in s.out.iter_mut().zip(&s.own) {
        retarget(ins, |t| match (*own, t) {
            (true, t) if (t as usize) < n => pos[t as usize],
            (true, t) => total + (t - n as u32),
            (false, t) if t >= EXIT => total + (t - EXIT),
            (false, t) => t,
        });
    }
    lp.heads = lp.heads.iter().map(|&h| pos[h as usize]).collect();
    lp.code = s.out;
    desc.intrinsics |= s.intrinsics;
    Ok(true)
}

/// The state of the inlining of one nest.
struct Inliner {
    /// The new code; `own[i]`: instruction `i` comes from the nest (its targets
    /// are still instruction indices of the nest), else from a callee (absolute
    /// targets, or `EXIT + k`).
    out: Vec<LInstr>,
    own: Vec<bool>,
    /// The first register no code uses yet.
    next_reg: u16,
    /// The fallback exit of the call being inlined (`EXIT + k`).
    exit: u32,
    /// The name the nest calls there, for the reasons.
    name: String,
    /// The functions of the unit being inlined, outermost first.
    stack: Vec<usize>,
    intrinsics: u16,
}

impl Inliner {
    /// Inline the call of `self.name` with `nargs` arguments from register `args` up.
    fn call_site(
        &mut self,
        resolve: &dyn Fn(&str) -> Option<Rc<Proto>>,
        dst: u16,
        args: u16,
        nargs: u16,
    ) -> Result<(), String> {
        let not_pure = || format!("calls a function that is not pure numeric: {}", self.name);
        let proto = resolve(&self.name).ok_or_else(not_pure)?;
        let (fdesc, _) = describe_function(&proto, resolve).map_err(|_| not_pure())?;
        let unit = fdesc.func.ok_or_else(not_pure)?;
        self.intrinsics |= fdesc.intrinsics;
        let nargs = nargs as usize;
        if nargs > proto.params.len() {
            return Err(format!("calls '{}' with too many arguments", self.name));
        }
        let mut argv: Vec<LOperand> = (0..nargs as u16).map(|i| LOperand::Reg(args + i)).collect();
        for p in &proto.params[nargs..] {
            match p.default {
                Value::Num(x) => argv.push(LOperand::Const(x)),
                _ => return Err(format!("calls '{}' with a non-numeric default", self.name)),
            }
        }
        self.stack.clear();
        self.inline(&unit, 0, &argv, dst)
    }

    fn emit(&mut self, i: LInstr) {
        self.out.push(i);
        self.own.push(false);
    }

    /// Inline function `k` of `unit` called with `args` (one per parameter); its
    /// result goes to `dst` (`NO_REG`: dropped).
    fn inline(
        &mut self,
        unit: &FuncUnit,
        k: usize,
        args: &[LOperand],
        dst: u16,
    ) -> Result<(), String> {
        let name = &self.name;
        if self.stack.contains(&k) {
            return Err(format!("calls a recursive function: {name}"));
        }
        if self.stack.len() >= MAX_INLINE_DEPTH {
            return Err(format!("calls functions nested too deep to inline: {name}"));
        }
        let body = &unit.funcs[k];
        check_inlinable(body).map_err(|why| format!("calls a function that {why}: {name}"))?;
        if self.out.len() + body.code.len() > MAX_INLINED {
            return Err(format!("calls functions too large to inline: {name}"));
        }
        let base = self.next_reg;
        self.next_reg = base
            .checked_add(body.nregs)
            .filter(|&r| r < NO_REG)
            .ok_or_else(|| format!("calls functions too large to inline: {name}"))?;
        let reg = |r: u16| base + r;
        let op = |o: LOperand| match o {
            LOperand::Reg(r) => LOperand::Reg(base + r),
            c => c,
        };
        for (i, &a) in args.iter().enumerate() {
            self.emit(LInstr::Move {
                dst: reg(i as u16),
                a,
            });
        }
        self.stack.push(k);
        // Positions of the callee's instructions, and the jumps to patch: to a
        // callee instruction, or to the join after the call.
        let mut pos: Vec<u32> = Vec::with_capacity(body.code.len());
        let mut to_instr: Vec<(usize, u32)> = Vec::new();
        let mut to_join: Vec<usize> = Vec::new();
        for ins in &body.code {
            pos.push(self.out.len() as u32);
            let at = self.out.len();
            match ins {
                FInstr::Bin { op: o, dst, a, b } => self.emit(LInstr::Bin {
                    op: *o,
                    dst: reg(*dst),
                    a: op(*a),
                    b: op(*b),
                }),
                FInstr::And { dst, a, b } => self.emit(LInstr::And {
                    dst: reg(*dst),
                    a: op(*a),
                    b: op(*b),
                }),
                FInstr::Or { dst, a, b } => self.emit(LInstr::Or {
                    dst: reg(*dst),
                    a: op(*a),
                    b: op(*b),
                }),
                FInstr::Not { dst, a } => self.emit(LInstr::Not {
                    dst: reg(*dst),
                    a: op(*a),
                }),
                FInstr::Move { dst, a } => self.emit(LInstr::Move {
                    dst: reg(*dst),
                    a: op(*a),
                }),
                FInstr::Jump { target } => {
                    to_instr.push((at, *target));
                    self.emit(LInstr::Jump { target: 0 });
                }
                FInstr::BranchCmp {
                    op: o,
                    a,
                    b,
                    when,
                    target,
                } => {
                    to_instr.push((at, *target));
                    self.emit(LInstr::BranchCmp {
                        op: *o,
                        a: op(*a),
                        b: op(*b),
                        when: *when,
                        target: 0,
                    });
                }
                FInstr::BranchTest { test, a, target } => {
                    to_instr.push((at, *target));
                    self.emit(LInstr::BranchTest {
                        test: *test,
                        a: op(*a),
                        target: 0,
                    });
                }
                FInstr::Call { dst: d, func, args } => {
                    let args: Vec<LOperand> = args.iter().map(|&a| op(a)).collect();
                    let d = d.map_or(NO_REG, reg);
                    self.inline(unit, *func as usize, &args, d)?;
                }
                FInstr::Return { a } => {
                    if dst < NO_REG {
                        self.emit(LInstr::Move { dst, a: op(*a) });
                    }
                    to_join.push(self.out.len());
                    self.emit(LInstr::Jump { target: 0 });
                }
                FInstr::Bail => self.emit(LInstr::Jump { target: self.exit }),
                FInstr::Nop => {}
            }
        }
        // Falling off the end returns null: only the interpreter does that.
        self.emit(LInstr::Jump { target: self.exit });
        self.stack.pop();
        let join = self.out.len() as u32;
        for at in to_join {
            retarget(&mut self.out[at], |_| join);
        }
        for (at, t) in to_instr {
            let to = pos.get(t as usize).copied().unwrap_or(self.exit);
            retarget(&mut self.out[at], |_| to);
        }
        Ok(())
    }
}

/// Why function `body` cannot be inlined, if so: it loops (a backward jump), or
/// it may read a local that is not a parameter before assigning it (native
/// function code checks that as it runs; inlined code cannot).
fn check_inlinable(body: &FuncBody) -> Result<(), &'static str> {
    let len = body.code.len();
    let (np, nl) = (body.nparams as usize, body.nlocals.max(body.nparams) as usize);
    // The locals assigned on every path to each instruction (`None`: unreached).
    let mut sets: Vec<Option<Vec<bool>>> = vec![None; len + 1];
    sets[0] = Some((0..nl).map(|r| r < np).collect());
    let merge = |sets: &mut Vec<Option<Vec<bool>>>, t: usize, s: &Vec<bool>| {
        let t = t.min(len);
        sets[t] = Some(match sets[t].take() {
            None => s.clone(),
            Some(old) => old.iter().zip(s).map(|(a, b)| *a && *b).collect(),
        });
    };
    for (j, ins) in body.code.iter().enumerate() {
        let Some(mut set) = sets[j].take() else {
            continue;
        };
        let (reads, write) = operands(ins);
        if reads
            .iter()
            .any(|o| matches!(o, LOperand::Reg(r) if (*r as usize) < nl && !set[*r as usize]))
        {
            return Err("may read a local before assigning it");
        }
        if let Some(d) = write.filter(|&d| (d as usize) < nl) {
            set[d as usize] = true;
        }
        match ins {
            FInstr::Jump { target }
            | FInstr::BranchCmp { target, .. }
            | FInstr::BranchTest { target, .. } => {
                if (*target as usize) <= j {
                    return Err("loops");
                }
                merge(&mut sets, *target as usize, &set);
                if !matches!(ins, FInstr::Jump { .. }) {
                    merge(&mut sets, j + 1, &set);
                }
            }
            FInstr::Return { .. } | FInstr::Bail => {}
            _ => merge(&mut sets, j + 1, &set),
        }
    }
    Ok(())
}

/// The operands an instruction of function code reads, and the register it writes.
fn operands(ins: &FInstr) -> (Vec<LOperand>, Option<u16>) {
    match ins {
        FInstr::Bin { dst, a, b, .. } | FInstr::And { dst, a, b } | FInstr::Or { dst, a, b } => {
            (vec![*a, *b], Some(*dst))
        }
        FInstr::Not { dst, a } | FInstr::Move { dst, a } => (vec![*a], Some(*dst)),
        FInstr::BranchCmp { a, b, .. } => (vec![*a, *b], None),
        FInstr::BranchTest { a, .. } | FInstr::Return { a } => (vec![*a], None),
        FInstr::Call { dst, args, .. } => (args.clone(), *dst),
        FInstr::Jump { .. } | FInstr::Bail | FInstr::Nop => (Vec::new(), None),
    }
}

/// One past the highest register loop code `lp` (with these inputs and outputs)
/// names.
fn first_free_register(inputs: &[u16], outputs: &[u16], lp: &LoopBody) -> u16 {
    let mut max = lp.temp_base;
    let mut note = |r: u16| {
        if r < NO_REG {
            max = max.max(r + 1);
        }
    };
    for &r in inputs.iter().chain(outputs).chain(&lp.temps) {
        note(r);
    }
    let op = |o: LOperand, note: &mut dyn FnMut(u16)| {
        if let LOperand::Reg(r) = o {
            note(r);
        }
    };
    for ins in &lp.code {
        match *ins {
            LInstr::Bin { dst, a, b, .. } | LInstr::And { dst, a, b } | LInstr::Or { dst, a, b } => {
                note(dst);
                op(a, &mut note);
                op(b, &mut note);
            }
            LInstr::Not { dst, a } | LInstr::Move { dst, a } => {
                note(dst);
                op(a, &mut note);
            }
            LInstr::BranchCmp { a, b, .. } => {
                op(a, &mut note);
                op(b, &mut note);
            }
            LInstr::BranchTest { a, .. } => op(a, &mut note),
            LInstr::ListGet {
                dst, list, index, ..
            }
            | LInstr::ListGetRef {
                dst, list, index, ..
            } => {
                note(dst);
                note(list);
                op(index, &mut note);
            }
            LInstr::ListSet {
                list, index, value, ..
            } => {
                note(list);
                op(index, &mut note);
                op(value, &mut note);
            }
            LInstr::FieldGet { dst, map, .. } => {
                note(dst);
                note(map);
            }
            LInstr::FieldSet { map, value, .. } => {
                note(map);
                op(value, &mut note);
            }
            LInstr::CopyRef { dst, src } => {
                note(dst);
                note(src);
            }
            LInstr::ForNext { dst, seq, idx, .. } => {
                note(dst);
                note(seq);
                note(idx);
            }
            LInstr::Call { dst, args, n, .. } => {
                note(dst);
                for i in 0..n {
                    note(args.saturating_add(i));
                }
            }
            LInstr::Jump { .. } | LInstr::Head { .. } | LInstr::Nop => {}
        }
    }
    max
}

/// Apply `f` to every jump target (and exit) of `ins`.
fn retarget(ins: &mut LInstr, f: impl Fn(u32) -> u32) {
    match ins {
        LInstr::Jump { target }
        | LInstr::BranchCmp { target, .. }
        | LInstr::BranchTest { target, .. } => *target = f(*target),
        LInstr::ListGet { fallback, .. }
        | LInstr::ListSet { fallback, .. }
        | LInstr::ListGetRef { fallback, .. }
        | LInstr::FieldGet { fallback, .. }
        | LInstr::FieldSet { fallback, .. }
        | LInstr::Call { fallback, .. } => *fallback = f(*fallback),
        LInstr::ForNext { done, fallback, .. } => {
            *done = f(*done);
            *fallback = f(*fallback);
        }
        LInstr::Bin { .. }
        | LInstr::And { .. }
        | LInstr::Or { .. }
        | LInstr::Not { .. }
        | LInstr::Move { .. }
        | LInstr::CopyRef { .. }
        | LInstr::Head { .. }
        | LInstr::Nop => {}
    }
}

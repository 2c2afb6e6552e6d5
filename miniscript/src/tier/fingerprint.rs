//! Fingerprints: a stable 64-bit hash of a region's normalized description (FNV-1a
//! over a canonical byte encoding), the key of the JIT's code cache and of reports.

use super::desc::{LInstr, LOperand, ROperand, RegionDesc};

/// FNV-1a over a canonical byte encoding: the same in every run and on every machine.
pub fn fingerprint(d: &RegionDesc) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let mut put = |bytes: &[u8]| h.put(bytes);
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
        for i in &lp.code {
            loop_instr(i, &mut put);
        }
    }
    if let Some(f) = &d.func {
        // Function code: its canonical form is its debug text (registers,
        // constants by value, callees by index in the unit).
        put(&[0xfd]);
        put(format!("{f:?}").as_bytes());
    }
    h.0
}

/// FNV-1a state.
struct Fnv(u64);

impl Fnv {
    fn put(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// An operand of loop code.
fn lop(o: &LOperand, put: &mut dyn FnMut(&[u8])) {
    match o {
        LOperand::Reg(r) => {
            put(&[1]);
            put(&r.to_le_bytes());
        }
        LOperand::Const(c) => {
            put(&[2]);
            put(&c.to_bits().to_le_bytes());
        }
    }
}

/// One instruction of loop code.
fn loop_instr(i: &LInstr, mut put: &mut dyn FnMut(&[u8])) {
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
        LInstr::Call {
            dst,
            name,
            args,
            n,
            fallback,
        } => {
            put(&[18]);
            for x in [dst, name, args, n] {
                put(&x.to_le_bytes());
            }
            put(&fallback.to_le_bytes());
        }
        LInstr::Head { index } => put(&[9, *index]),
        LInstr::Nop => put(&[10]),
    }
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
                functions: false,
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

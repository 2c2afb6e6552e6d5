//! The dispatch loop. One function; every instruction's number (or other common) case
//! is handled inline and everything else goes to the cold paths in `slow.rs`.
//!
//! Invariants: `base` and `code` describe the top frame; whenever a path pushes or pops
//! a frame (or might have), it saves `pc` first and the outer loop reloads them.
//! A named local register (index < `nlocals`) may hold a function or the "unset"
//! marker; fast paths only accept the types they handle (numbers, lists, maps), so
//! such values always reach the slow path, which resolves them.

use std::rc::Rc;
use std::sync::atomic::Ordering;

use super::call::SelfArg;
use super::frame::RetDest;
use super::slow::Flow;
use super::{RunStatus, Vm};
use crate::error::MsResult;
use crate::tac::{Op, K_BIT, NO_REG};
use crate::value::{FuncCode, Value};

impl Vm {
    /// Run until the frame stack shrinks to `stop_depth` frames (`Done`), or until
    /// the time slice ends or `yield` is called (`Yielded`: call again to resume).
    /// With a debugger attached or error traces on (`crate::debug`) the run goes
    /// through `execute_debug`; otherwise straight to the dispatch loop.
    #[inline]
    pub(crate) fn execute(&mut self, stop_depth: usize) -> MsResult<RunStatus> {
        if self.dbg.is_idle() {
            return self.dispatch::<false>(stop_depth);
        }
        self.execute_debug(stop_depth)
    }

    /// The dispatch loop. With `DEBUG` (a debugger is attached) each instruction
    /// first asks the debugger whether to stop there and whether native code may
    /// run; without it those checks are compiled out.
    ///
    /// Longer than any other function on purpose: every fast path is a match arm
    /// here so that `pc`, `base`, `code` and `consts` stay in registers and each
    /// instruction costs one indirect jump. Moving arms into functions (even inlined
    /// ones, which take `self` whole) costs instructions per dispatch.
    pub(crate) fn dispatch<const DEBUG: bool>(&mut self, stop_depth: usize) -> MsResult<RunStatus> {
        'frames: loop {
            if self.depth <= stop_depth {
                return Ok(RunStatus::Done);
            }
            let fi = self.depth - 1;
            let fr = &self.frames[fi];
            let proto = fr.proto.clone();
            let base = fr.base;
            let mut pc = fr.pc;
            let code = &proto.code[..];
            let consts = &proto.consts[..];

            macro_rules! rk {
                ($o:expr) => {{
                    let o = $o;
                    if o & K_BIT != 0 {
                        &consts[(o & !K_BIT) as usize]
                    } else {
                        &self.stack[base + o as usize]
                    }
                }};
            }
            // Leave the fast loop: save the pc of the current instruction and run the
            // general path, then continue as it says.
            macro_rules! slow {
                ($ins:expr) => {{
                    let cur = pc - 1;
                    self.frames[fi].pc = cur;
                    match self.slow_path(*$ins, cur) {
                        Ok(Flow::Next) => {
                            pc = cur + 1;
                            if self.yield_requested {
                                self.yield_requested = false;
                                self.frames[fi].pc = pc;
                                return Ok(RunStatus::Yielded);
                            }
                            continue;
                        }
                        Ok(Flow::Jump(t)) => {
                            pc = t;
                            if self.yield_requested {
                                self.yield_requested = false;
                                self.frames[fi].pc = pc;
                                return Ok(RunStatus::Yielded);
                            }
                            continue;
                        }
                        Ok(Flow::Reload) => continue 'frames,
                        Err(e) => return Err(self.locate(e)),
                    }
                }};
            }
            macro_rules! arith {
                ($ins:expr, $f:expr) => {{
                    let ins = $ins;
                    if let (Value::Num(x), Value::Num(y)) = (rk!(ins.b), rk!(ins.c)) {
                        let r: f64 = $f(*x, *y);
                        set_num!(ins.a, r);
                    } else {
                        slow!(ins)
                    }
                }};
            }
            macro_rules! compare {
                ($ins:expr, $f:expr) => {{
                    let ins = $ins;
                    if let (Value::Num(x), Value::Num(y)) = (rk!(ins.b), rk!(ins.c)) {
                        let r = $f(*x, *y);
                        set_num!(ins.a, if r { 1.0 } else { 0.0 });
                    } else {
                        slow!(ins)
                    }
                }};
            }
            macro_rules! branch_unless {
                ($ins:expr, $f:expr) => {{
                    let ins = $ins;
                    if let (Value::Num(x), Value::Num(y)) = (rk!(ins.b), rk!(ins.c)) {
                        // n = 1: jump when the comparison holds.
                        if $f(*x, *y) == (ins.n != 0) {
                            pc = back_edge!(ins.x as usize);
                        }
                    } else {
                        slow!(ins)
                    }
                }};
            }
            // Store a number into a register. When the register already holds a number
            // only the payload is written: no drop check, and no 16-byte store of a
            // value assembled from two 8-byte halves (a store-forwarding stall that
            // once took half of mandelbrot's time).
            macro_rules! set_num {
                ($i:expr, $r:expr) => {{
                    let r: f64 = $r;
                    let slot = &mut self.stack[base + $i as usize];
                    if let Value::Num(n) = slot {
                        *n = r;
                    } else {
                        *slot = Value::Num(r);
                    }
                }};
            }
            // Store any value, taking the number path when it is one.
            macro_rules! set_val {
                ($i:expr, $v:expr) => {{
                    let v: Value = $v;
                    if let Value::Num(x) = v {
                        set_num!($i, x);
                    } else {
                        self.stack[base + $i as usize] = v;
                    }
                }};
            }
            // A jump: backward jumps check for interrupts.
            macro_rules! back_edge {
                ($t:expr) => {{
                    let t: usize = $t;
                    if t < pc {
                        if self.attention.pending() != 0 {
                            self.frames[fi].pc = pc - 1;
                            if let Err(e) = self.on_attention() {
                                return Err(self.locate(e));
                            }
                        }
                        // Look at the clock only every TICKS back-edges.
                        self.ticks = self.ticks.wrapping_sub(1);
                        if self.ticks == 0 {
                            self.ticks = super::TICKS;
                            if self
                                .slice_end
                                .is_some_and(|end| std::time::Instant::now() >= end)
                            {
                                self.frames[fi].pc = t;
                                return Ok(RunStatus::Yielded);
                            }
                        }
                    }
                    t
                }};
            }

            loop {
                if DEBUG {
                    match self.debug_instr(fi, pc) {
                        Ok(true) => {}
                        // Native code is not entered here now: run the region's
                        // interpreted instructions, which follow its marker.
                        Ok(false) => {
                            pc += 1;
                            continue;
                        }
                        Err(e) => return Err(self.locate(e)),
                    }
                }
                let ins = &code[pc];
                pc += 1;
                match ins.op {
                    Op::Add => arith!(ins, |x: f64, y: f64| x + y),
                    Op::Sub => arith!(ins, |x: f64, y: f64| x - y),
                    Op::Mul => arith!(ins, |x: f64, y: f64| x * y),
                    Op::Div => arith!(ins, |x: f64, y: f64| x / y),
                    Op::Mod => arith!(ins, crate::value::num_mod),
                    Op::Pow => arith!(ins, |x: f64, y: f64| x.powf(y)),
                    Op::Lt => compare!(ins, |x: f64, y: f64| x < y),
                    Op::Le => compare!(ins, |x: f64, y: f64| x <= y),
                    Op::Gt => compare!(ins, |x: f64, y: f64| x > y),
                    Op::Ge => compare!(ins, |x: f64, y: f64| x >= y),
                    Op::Eq => compare!(ins, |x: f64, y: f64| x == y),
                    Op::Ne => compare!(ins, |x: f64, y: f64| x != y),
                    Op::JumpUnlessLt => branch_unless!(ins, |x: f64, y: f64| x < y),
                    Op::JumpUnlessLe => branch_unless!(ins, |x: f64, y: f64| x <= y),
                    Op::JumpUnlessGt => branch_unless!(ins, |x: f64, y: f64| x > y),
                    Op::JumpUnlessGe => branch_unless!(ins, |x: f64, y: f64| x >= y),
                    Op::JumpUnlessEq => branch_unless!(ins, |x: f64, y: f64| x == y),
                    Op::JumpUnlessNe => branch_unless!(ins, |x: f64, y: f64| x != y),
                    Op::Jump => {
                        pc = back_edge!(ins.x as usize);
                    }
                    Op::JumpIfNot => match rk!(ins.b) {
                        Value::Num(x) => {
                            if *x == 0.0 {
                                pc = back_edge!(ins.x as usize);
                            }
                        }
                        _ => slow!(ins),
                    },
                    Op::JumpIf => match rk!(ins.b) {
                        Value::Num(x) => {
                            if *x != 0.0 {
                                pc = back_edge!(ins.x as usize);
                            }
                        }
                        _ => slow!(ins),
                    },
                    Op::Move => {
                        let v = rk!(ins.b);
                        if let Value::Num(x) = v {
                            let x = *x;
                            set_num!(ins.a, x);
                            continue;
                        }
                        if let Value::Func(_) = v {
                            if ins.b & K_BIT == 0 && ins.b < proto.nlocals {
                                slow!(ins)
                            }
                        }
                        let v = v.clone();
                        self.stack[base + ins.a as usize] = v;
                    }
                    Op::GetVarWarn if ins.n == 0 => match rk!(ins.b) {
                        Value::Num(x) => {
                            let x = *x;
                            set_num!(ins.a, x);
                        }
                        _ => slow!(ins),
                    },
                    Op::MoveRaw => {
                        if let Value::Num(x) = rk!(ins.b) {
                            let x = *x;
                            set_num!(ins.a, x);
                        } else {
                            let v = rk!(ins.b).clone();
                            self.stack[base + ins.a as usize] = v;
                        }
                    }
                    Op::Index => {
                        let hit = match (rk!(ins.b), rk!(ins.c)) {
                            (Value::Map(m), k @ Value::Str(_)) => m
                                .borrow()
                                .get(k)
                                .cloned()
                                .filter(|v| !matches!(v, Value::Func(_))),
                            (Value::List(l), Value::Num(i)) => {
                                let l = l.borrow();
                                crate::value::list_slot(*i, l.len()).map(|j| l[j].clone())
                            }
                            _ => None,
                        };
                        match hit {
                            Some(v) => set_val!(ins.a, v),
                            None => slow!(ins),
                        }
                    }
                    Op::SetIndex => {
                        let done = match (rk!(ins.a), rk!(ins.b), rk!(ins.c)) {
                            (Value::Map(m), k @ Value::Str(_), v)
                                if !Rc::ptr_eq(m, &self.intrinsics_map) =>
                            {
                                let v = v.clone();
                                let mut m = m.borrow_mut();
                                // Overwrite in place when present: no key clone, no drop.
                                if let Some(i) = m.index_cached(k, &proto.name_cache[pc - 1]) {
                                    m[i] = v;
                                    true
                                } else if crate::ops::check_map_len(m.len() + 1).is_ok()
                                    && crate::limits::charge(crate::limits::MAP_ENTRY_BYTES).is_ok()
                                {
                                    m.insert(k.clone(), v);
                                    true
                                } else {
                                    // Past the memory ceiling: the slow path raises it.
                                    false
                                }
                            }
                            (Value::List(l), Value::Num(i), v) if !matches!(v, Value::Func(_)) => {
                                let mut l = l.borrow_mut();
                                if let Some(j) = crate::value::list_slot(*i, l.len()) {
                                    l[j] = v.clone();
                                    true
                                } else {
                                    false
                                }
                            }
                            _ => false,
                        };
                        if !done {
                            slow!(ins)
                        }
                    }
                    Op::ForNext => {
                        let next = match (rk!(ins.b), rk!(ins.c)) {
                            (Value::List(l), Value::Num(i)) => {
                                let l = l.borrow();
                                let j = (*i + 1.0) as usize;
                                Some((j as f64, l.get(j).cloned()))
                            }
                            _ => None,
                        };
                        match next {
                            Some((j, Some(v))) => {
                                set_num!(ins.c, j);
                                set_val!(ins.a, v);
                            }
                            Some((j, None)) => {
                                set_num!(ins.c, j);
                                pc = ins.x as usize;
                            }
                            None => slow!(ins),
                        }
                    }
                    Op::CallName => {
                        // Calls are frequent: look the name up and call from here,
                        // without the general path's extra dispatch.
                        let key = &consts[(ins.b & !K_BIT) as usize];
                        let cache = &proto.name_cache[pc - 1];
                        if ins.n == 0 && ins.a != NO_REG {
                            // A numeric global read from code that sees only globals.
                            if let Some(x) = self.global_num_cached(fi, key, cache) {
                                set_num!(ins.a, x);
                                continue;
                            }
                        }
                        let found = self.lookup_name_cached(fi, key, cache);
                        let f = match found {
                            Some(Value::Func(f)) => f,
                            // A plain read of a variable that is not a function.
                            Some(v) if ins.n == 0 && ins.a != NO_REG => {
                                set_val!(ins.a, v);
                                continue;
                            }
                            _ => slow!(ins),
                        };
                        self.frames[fi].pc = pc;
                        let dst = if ins.a == NO_REG {
                            RetDest::Discard
                        } else {
                            RetDest::Reg(base + ins.a as usize)
                        };
                        // (Intrinsics go straight to the general path.)
                        if matches!(f.code, FuncCode::Script(_))
                            && self.push_plain_call(&f, base + ins.c as usize, ins.n as usize, dst)
                        {
                            continue 'frames;
                        }
                        match self.call_function(
                            f,
                            base + ins.c as usize,
                            ins.n as usize,
                            dst,
                            SelfArg::None,
                        ) {
                            Ok(Flow::Reload) => continue 'frames,
                            Ok(_) => {
                                if self.yield_requested {
                                    self.yield_requested = false;
                                    return Ok(RunStatus::Yielded);
                                }
                            }
                            Err(e) => {
                                self.frames[fi].pc = pc - 1;
                                return Err(self.locate(e));
                            }
                        }
                    }
                    Op::SetVar => {
                        // Assignment to a variable that exists already (out of line:
                        // inlined, it slowed every other arm of this loop by ~1%).
                        let key = &consts[(ins.b & !K_BIT) as usize];
                        let cache = &proto.name_cache[pc - 1];
                        let v = rk!(ins.c);
                        if let Value::Num(x) = v {
                            if self.set_num_var_cached(fi, key, *x, cache) {
                                continue;
                            }
                        }
                        let v = v.cheap_clone();
                        if !self.set_var_cached(fi, key, v, cache) {
                            slow!(ins)
                        }
                    }
                    Op::GetField => {
                        // `obj.field` on a map that holds the field itself.
                        let hit = match rk!(ins.c) {
                            Value::Map(m) => m
                                .borrow()
                                .get_cached(rk!(ins.b), &proto.name_cache[pc - 1])
                                .cloned(),
                            _ => None,
                        };
                        match hit {
                            Some(v) if !matches!(v, Value::Func(_)) => set_val!(ins.a, v),
                            _ => slow!(ins),
                        }
                    }
                    Op::CallMember if ins.n == 0 && ins.a != NO_REG => {
                        // `obj.field` on a map that holds the field itself.
                        let hit = match &self.stack[base + ins.c as usize] {
                            Value::Map(m) => m
                                .borrow()
                                .get_cached(rk!(ins.b), &proto.name_cache[pc - 1])
                                .cloned(),
                            _ => None,
                        };
                        match hit {
                            Some(v) if !matches!(v, Value::Func(_)) => set_val!(ins.a, v),
                            _ => slow!(ins),
                        }
                    }
                    Op::CallMember => {
                        // `obj.name(args)`: push the method's frame when the fast path
                        // can, else the general path.
                        if ins.b & K_BIT != 0 && ins.x == 0 {
                            let key = &consts[(ins.b & !K_BIT) as usize];
                            let dst = if ins.a == NO_REG {
                                RetDest::Discard
                            } else {
                                RetDest::Reg(base + ins.a as usize)
                            };
                            self.frames[fi].pc = pc;
                            let objreg = base + ins.c as usize;
                            let cache = &proto.name_cache[pc - 1];
                            if self.push_method_call(objreg, key, ins.n as usize, dst, cache) {
                                continue 'frames;
                            }
                        }
                        slow!(ins)
                    }
                    Op::GetSelf => match &self.frames[fi].self_val {
                        Value::Map(m) => {
                            let v = Value::Map(m.clone());
                            self.stack[base + ins.a as usize] = v;
                        }
                        _ => slow!(ins),
                    },
                    Op::Site => {
                        // A compilable region: count it; run native code if published.
                        let (vid, rb) = proto.region_base.get();
                        if vid != self.id {
                            slow!(ins)
                        }
                        let gid = crate::tier::RegionId::new(rb, ins.x).index();
                        let rt = &mut self.regions_rt[gid];
                        rt.count += 1;
                        self.sample_countdown = self.sample_countdown.wrapping_sub(1);
                        if rt.count >= rt.next_check || self.sample_countdown == 0 {
                            slow!(ins)
                        }
                        let entry = self.region_slots[gid].entry.load(Ordering::Acquire);
                        if entry != 0 {
                            let region = &proto.regions[ins.x as usize];
                            if let Some(end) = crate::tier::abi::run(
                                &mut self.stack,
                                base,
                                region,
                                entry,
                                proto.nregs as usize,
                            ) {
                                self.regions_rt[gid].native += 1;
                                pc = end;
                                continue;
                            }
                            slow!(ins)
                        }
                    }
                    Op::Loop => {
                        // A loop head: count it; native loop code runs from the slow
                        // path (once per entry, not per iteration).
                        let (vid, rb) = proto.region_base.get();
                        if vid != self.id {
                            slow!(ins)
                        }
                        let gid = crate::tier::RegionId::new(rb, ins.x).index();
                        let rt = &mut self.regions_rt[gid];
                        rt.count += 1;
                        if rt.count >= rt.next_check
                            || self.region_slots[gid].entry.load(Ordering::Acquire) != 0
                        {
                            slow!(ins)
                        }
                    }
                    Op::SiteEnd => {
                        if self.sample.is_some() {
                            slow!(ins)
                        }
                    }
                    Op::Return => {
                        let v = rk!(ins.b);
                        if matches!(v, Value::Func(_))
                            && ins.b & K_BIT == 0
                            && ins.b < proto.nlocals
                        {
                            slow!(ins)
                        }
                        let fr = &self.frames[fi];
                        if let RetDest::Reg(i) = fr.ret {
                            if fr.locals.is_none()
                                && fr.outer.is_none()
                                && matches!(fr.self_val, Value::Null)
                                && fr.super_val.is_none()
                            {
                                // A plain frame's pop: nothing to release.
                                self.depth = fi;
                                if let Value::Num(x) = v {
                                    let x = *x;
                                    if let Value::Num(n) = &mut self.stack[i] {
                                        *n = x;
                                    } else {
                                        self.stack[i] = Value::Num(x);
                                    }
                                } else {
                                    let v = v.clone();
                                    self.stack[i] = v;
                                }
                                continue 'frames;
                            }
                        }
                        let v = v.clone();
                        self.frames[fi].pc = pc - 1;
                        self.do_return(v);
                        continue 'frames;
                    }
                    _ => slow!(ins),
                }
            }
        }
    }
}

//! Compilable regions in the lowering: which assignments join a region, the
//! `Site`/`SiteEnd` brackets, and at the end of a function the region descriptions
//! (dropping markers of regions too simple to compile and renumbering jumps).

use std::rc::Rc;

use super::{FnBuilder, RawRegion};
use crate::ast::{Expr, ExprKind};
use crate::error::MsResult;
use crate::tac::Op;

impl FnBuilder<'_> {
    /// Whether `x = value` can join a compilable region: a named local assigned a
    /// numeric expression of definitely assigned locals and constants.
    pub(super) fn region_candidate(&self, target: &Expr, value: &Expr) -> bool {
        if !self.sites_on || self.map_mode {
            return false;
        }
        let ExprKind::Ident(name) = &target.kind else {
            return false;
        };
        // The target may be assigned here for the first time; reads below must not.
        if self.slot_of(name).is_none() {
            return false;
        }
        fn ok(b: &FnBuilder, e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Num(_) => true,
                ExprKind::Ident(n) if b.slot_of(n).is_none() => {
                    // `pi`: a call of a pure intrinsic without arguments.
                    crate::tier::intrinsics::call(n, 0).is_some()
                }
                ExprKind::Ident(n) => b.is_assigned(n),
                // A pure numeric intrinsic, called by its global name (a local of
                // that name makes it a call of the local).
                ExprKind::Call(f, args) => {
                    matches!(&f.kind, ExprKind::Ident(n)
                        if b.slot_of(n).is_none()
                            && crate::tier::intrinsics::call(n, args.len()).is_some())
                        && args.iter().all(|x| ok(b, x))
                }
                ExprKind::Binary(_, x, y) => ok(b, x) && ok(b, y),
                ExprKind::Neg(x) => ok(b, x),
                ExprKind::Compare(xs, _) => xs.iter().all(|x| ok(b, x)),
                _ => false,
            }
        }
        matches!(
            value.kind,
            ExprKind::Binary(..) | ExprKind::Neg(..) | ExprKind::Compare(..)
        ) && ok(self, value)
    }

    /// Lower a region statement, opening a region or growing the one that ended
    /// right here.
    pub(super) fn region_stmt(&mut self, target: &Expr, value: &Expr) -> MsResult<()> {
        let here = self.here();
        let grow = self.regions.last().is_some_and(|r| r.end + 1 == here)
            && self.code.last().is_some_and(|i| i.op == Op::SiteEnd)
            && self.last_label != here;
        if grow {
            // Drop the previous statement's SiteEnd: the region continues.
            self.code.pop();
            self.lines.pop();
        } else {
            let site = self.emit(Op::Site, 0, 0, 0);
            self.regions.push(RawRegion {
                site,
                end: site + 1,
                exprs: Vec::new(),
            });
        }
        self.assign(target, value)?;
        let end = self.here();
        let text = self.span_text(value);
        if let Some(r) = self.regions.last_mut() {
            r.end = end;
            r.exprs.push((value.span.line, value.span.col, text));
        }
        self.emit(Op::SiteEnd, 0, 0, 0);
        Ok(())
    }

    /// Describe each region; a jump into a region's middle cuts it short there.
    pub(super) fn finish_regions(&mut self) -> Vec<crate::tier::RegionInfo> {
        let mut dead: Vec<usize> = Vec::new();
        let nlocals = if self.map_mode { 0 } else { self.temp_base };
        let mut out = self.straight_regions(nlocals, &mut dead);
        self.loop_regions(nlocals, dead, &mut out);
        out.shrink_to_fit();
        out
    }

    /// Describe the straight regions; the markers of those not worth compiling go
    /// to `dead`.
    fn straight_regions(
        &mut self,
        nlocals: u16,
        dead: &mut Vec<usize>,
    ) -> Vec<crate::tier::RegionInfo> {
        let raws = std::mem::take(&mut self.regions);
        let mut targets: Vec<usize> = Vec::new();
        for ins in &self.code {
            if ins.op.shapes()[4] == crate::tac::Shape::J {
                targets.push(ins.x as usize);
            }
        }
        // Sorted, so that the first target inside each region is a binary search
        // away (global code may hold hundreds of thousands of regions and jumps).
        targets.sort_unstable();
        let mut out = Vec::new();
        for raw in raws {
            let start = raw.site + 1;
            let mut end = raw.end;
            let first_after = targets.partition_point(|&t| t <= start);
            if let Some(&t) = targets.get(first_after).filter(|&&t| t < end) {
                end = t;
            }
            let described = crate::tier::describe(&self.code[start..end], &self.consts, nlocals);
            let (desc, inputs, outputs, complexity) = match described {
                Ok((d, inputs, outputs)) => {
                    let c = d.complexity;
                    (Ok(Rc::new(d)), inputs, outputs, c)
                }
                Err(e) => (Err(e), Vec::new(), Vec::new(), 0),
            };
            if self.min_complexity > 0 && (desc.is_err() || complexity < self.min_complexity) {
                // Not worth a marker: the JIT would never compile it.
                dead.push(raw.site);
                if self.code.get(raw.end).is_some_and(|i| i.op == Op::SiteEnd) {
                    dead.push(raw.end);
                }
                continue;
            }
            out.push(crate::tier::RegionInfo {
                site: raw.site as u32,
                end: end as u32,
                inputs: inputs.into(),
                outputs: outputs.into(),
                exprs: raw.exprs.into(),
                complexity,
                lp: None,
                func: None,
                intrinsics: desc.as_ref().map_or(0, |d| d.intrinsics),
                desc,
            });
        }
        out
    }

    /// Describe the loop regions, appended to `out`, after deleting the `dead`
    /// markers (of straight regions and of loops not worth compiling). Each eligible
    /// loop not inside another eligible one is the root of a nest; the heads of its
    /// inner loops are entries into it.
    fn loop_regions(
        &mut self,
        nlocals: u16,
        mut dead: Vec<usize>,
        out: &mut Vec<crate::tier::RegionInfo>,
    ) {
        let eligible: Vec<Result<(), String>> = (0..self.raw_loops.len())
            .map(|i| self.describe_nest(i, nlocals).map(|_| ()))
            .collect();
        let inside = self.inside_eligible(&eligible);
        // (index, Some(reason) when not eligible)
        let mut kept: Vec<(usize, Option<String>)> = Vec::new();
        for (i, e) in eligible.iter().enumerate() {
            if inside[i] {
                continue;
            }
            match e {
                Ok(()) => kept.push((i, None)),
                // Ineligible loops keep their head only for the report.
                Err(why) if self.min_complexity == 0 => kept.push((i, Some(why.clone()))),
                Err(_) => dead.push(self.raw_loops[i].head),
            }
        }
        if !dead.is_empty() {
            dead.sort_unstable();
            dead.dedup();
            self.remove_instructions(&dead, out);
        }
        for (i, r) in out.iter().enumerate() {
            self.code[r.site as usize].x = i as u32;
        }
        let mut regs_needed = self.max_reg;
        let mirror_base = self.max_reg;
        for (i, why) in kept {
            let described = match why {
                Some(why) => Err(why),
                None => self.describe_nest(i, nlocals),
            };
            let l = &self.raw_loops[i];
            let index = out.len() as u32;
            // The body is left out (`RegionInfo::desc`); its temporaries stay.
            let (desc, heads, exits, globals, temps) = match described {
                Ok(mut d) => {
                    let temps = d.desc.lp.take().map(|b| b.temps).unwrap_or_default();
                    (Ok(Rc::new(d.desc)), d.heads, d.exits, d.globals, temps)
                }
                Err(e) => (Err(e), vec![l.head as u32], vec![], vec![], vec![]),
            };
            // Mirrored globals live in registers past the function's own.
            if let Some(top) = globals.iter().map(|g| g.reg + 1).max() {
                regs_needed = regs_needed.max(top);
            }
            let (complexity, inputs, outputs) =
                desc.as_ref()
                    .map_or((0, Box::default(), Box::default()), |d| {
                        (
                            d.complexity,
                            d.input_regs.as_slice().into(),
                            d.output_regs.as_slice().into(),
                        )
                    });
            for (k, &h) in heads.iter().enumerate() {
                let ins = &mut self.code[h as usize];
                ins.x = index;
                ins.n = k as u8;
            }
            out.push(crate::tier::RegionInfo {
                site: l.head as u32,
                end: l.end as u32,
                inputs,
                outputs,
                exprs: Box::new([(l.line, l.col, l.text.clone())]),
                complexity,
                lp: Some(crate::tier::LoopMeta {
                    heads: heads.into(),
                    exits: exits.into(),
                    first_line: l.line,
                    last_line: l.last_line,
                    temps: temps.into(),
                    globals: globals.into(),
                    cond_end: l.cond_end as u32,
                    nlocals,
                    mirror_base,
                }),
                func: None,
                intrinsics: desc.as_ref().map_or(0, |d| d.intrinsics),
                desc,
            });
        }
        self.max_reg = regs_needed;
    }

    /// For each raw loop, whether it lies inside another loop that is eligible.
    /// Loops nest like the blocks they come from (two loops are disjoint or one holds
    /// the other), so one sweep in order of heads with a stack of the eligible loops
    /// still open answers all of them.
    fn inside_eligible(&self, eligible: &[Result<(), String>]) -> Vec<bool> {
        let loops = &self.raw_loops;
        let mut order: Vec<usize> = (0..loops.len()).collect();
        order.sort_unstable_by_key(|&i| (loops[i].head, std::cmp::Reverse(loops[i].end)));
        let mut open: Vec<usize> = Vec::new();
        let mut inside = vec![false; loops.len()];
        for i in order {
            let l = &loops[i];
            while open
                .last()
                .is_some_and(|&o| !(loops[o].head <= l.head && l.end <= loops[o].end))
            {
                open.pop();
            }
            inside[i] = !open.is_empty();
            if eligible[i].is_ok() {
                open.push(i);
            }
        }
        inside
    }

    /// Describe raw loop `i` as the root of a nest. Globals are mirrored from the
    /// function's first unused register up (nests never run at the same time, so
    /// they share those registers; `max_reg` grows only after the last one).
    fn describe_nest(&self, i: usize, nlocals: u16) -> Result<crate::tier::DescribedLoop, String> {
        let l = &self.raw_loops[i];
        let shape = crate::tier::NestShape {
            head: l.head,
            cond_end: l.cond_end,
            end: l.end,
            nlocals,
            mirror_base: self.max_reg,
        };
        crate::tier::describe_loop(&self.code, &self.consts, shape, &|name| {
            crate::intrinsics::is_builtin(name)
        })
    }

    /// Delete the no-op instructions at `dead` (sorted), renumbering every jump
    /// target, region and expression site. A jump to a deleted instruction lands on
    /// the next one.
    fn remove_instructions(&mut self, dead: &[usize], regions: &mut [crate::tier::RegionInfo]) {
        let n = self.code.len();
        // new_index[i] = instructions kept before i.
        let mut new_index = Vec::with_capacity(n + 1);
        let mut kept = 0u32;
        let mut d = dead.iter().peekable();
        let mut is_dead = vec![false; n];
        for &i in dead {
            if i < n {
                is_dead[i] = true;
            }
        }
        for flag in &is_dead {
            new_index.push(kept);
            if !flag {
                kept += 1;
            }
        }
        new_index.push(kept);
        let _ = d.next();
        let map = |x: u32| new_index[(x as usize).min(n)];
        let mut code = Vec::with_capacity(kept as usize);
        let mut lines = Vec::with_capacity(kept as usize);
        for (i, mut ins) in self.code.drain(..).enumerate() {
            if is_dead[i] {
                continue;
            }
            if ins.op.shapes()[4] == crate::tac::Shape::J {
                ins.x = map(ins.x);
            }
            code.push(ins);
            lines.push(self.lines[i]);
        }
        self.code = code;
        self.lines = lines;
        for r in regions.iter_mut() {
            r.site = map(r.site);
            r.end = map(r.end);
        }
        for s in self.sites.iter_mut() {
            s.start = map(s.start);
            s.end = map(s.end);
        }
        for l in self.raw_loops.iter_mut() {
            l.head = map(l.head as u32) as usize;
            l.cond_end = map(l.cond_end as u32) as usize;
            l.end = map(l.end as u32) as usize;
        }
    }
}

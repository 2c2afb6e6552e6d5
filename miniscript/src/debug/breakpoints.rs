//! Line breakpoints: where they are, their conditions and hit counts, and the
//! quick test the dispatch loop makes at each line start.

use std::collections::HashSet;

use crate::tac::Proto;

/// When a breakpoint whose condition holds stops, by the number of such hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitCondition {
    /// From the Nth hit on (`N`, `>=N`).
    AtLeast(u64),
    /// After the Nth (`>N`).
    After(u64),
    /// Only the Nth (`==N`, `=N`).
    Exactly(u64),
    /// Every Nth (`%N`).
    Every(u64),
}

impl HitCondition {
    /// Parse `N`, `>=N`, `>N`, `==N`, `=N` or `%N`.
    pub fn parse(text: &str) -> Option<HitCondition> {
        let t = text.trim();
        let num = |s: &str| s.trim().parse::<u64>().ok();
        if let Some(r) = t.strip_prefix(">=") {
            num(r).map(HitCondition::AtLeast)
        } else if let Some(r) = t.strip_prefix('>') {
            num(r).map(HitCondition::After)
        } else if let Some(r) = t.strip_prefix("==").or_else(|| t.strip_prefix('=')) {
            num(r).map(HitCondition::Exactly)
        } else if let Some(r) = t.strip_prefix('%') {
            num(r).filter(|&n| n > 0).map(HitCondition::Every)
        } else {
            num(t).map(HitCondition::AtLeast)
        }
    }

    /// Whether hit number `hits` (from 1) stops.
    pub fn stops(self, hits: u64) -> bool {
        match self {
            HitCondition::AtLeast(n) => hits >= n,
            HitCondition::After(n) => hits > n,
            HitCondition::Exactly(n) => hits == n,
            HitCondition::Every(n) => hits.checked_rem(n) == Some(0),
        }
    }
}

/// What a front end asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BreakpointSpec {
    /// The line to stop at (moved to the next line with code).
    pub line: u32,
    /// A MiniScript expression, evaluated in the frame; stops when true.
    pub condition: Option<String>,
    /// Stop only when the hit count satisfies this.
    pub hit: Option<HitCondition>,
}

/// A breakpoint as set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakpoint {
    /// Its number, unique in the session.
    pub id: u32,
    /// The file (`None`: the main program).
    pub file: Option<String>,
    /// The line asked for.
    pub requested: u32,
    /// The line it stops at: the first line at or after `requested` with code.
    pub line: u32,
    /// Whether a line with code was found (else it never stops).
    pub verified: bool,
    /// A MiniScript expression, evaluated in the frame; stops when true.
    pub condition: Option<String>,
    /// Stop only when the hit count satisfies this.
    pub hit: Option<HitCondition>,
    /// Times reached with its condition true.
    pub hits: u64,
}

/// Every breakpoint, by file.
#[derive(Default)]
pub struct Breakpoints {
    list: Vec<Breakpoint>,
    /// Lines that hold a breakpoint in some file: the quick test.
    lines: HashSet<u32>,
    next_id: u32,
}

/// Whether code of a proto of `file` (`None`: the main program) belongs to the
/// breakpoint file `bp` (a path whose last component, with or without `.ms`, names
/// an imported module; `None`: the main program).
pub(crate) fn same_file(bp: Option<&str>, file: Option<&str>) -> bool {
    match (bp, file) {
        (None, None) => true,
        (Some(b), Some(f)) => {
            let stem = |s: &str| {
                let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
                base.strip_suffix(".ms").unwrap_or(base).to_string()
            };
            b == f || stem(b) == stem(f)
        }
        _ => false,
    }
}

/// The first line at or after `line` that has code in `proto` or a function
/// nested in it.
fn code_line(proto: &Proto, line: u32) -> Option<u32> {
    let here = proto.lines.iter().copied().filter(|&l| l >= line).min();
    proto
        .protos
        .iter()
        .filter_map(|p| code_line(p, line))
        .chain(here)
        .min()
}

impl Breakpoints {
    /// Replace the breakpoints of `file` with `specs`; `program` (the main
    /// program's code, when loaded) moves each to a line with code. Returns the
    /// new breakpoints, in order.
    pub fn set(
        &mut self,
        file: Option<&str>,
        specs: &[BreakpointSpec],
        program: Option<&Proto>,
    ) -> Vec<Breakpoint> {
        self.list.retain(|b| b.file.as_deref() != file);
        let mut added = Vec::new();
        for s in specs {
            self.next_id += 1;
            let (line, verified) = match program.filter(|_| file.is_none()) {
                Some(p) => code_line(p, s.line).map_or((s.line, false), |l| (l, true)),
                None => (s.line, true),
            };
            let bp = Breakpoint {
                id: self.next_id,
                file: file.map(str::to_string),
                requested: s.line,
                line,
                verified,
                condition: s.condition.clone().filter(|c| !c.trim().is_empty()),
                hit: s.hit,
                hits: 0,
            };
            added.push(bp.clone());
            self.list.push(bp);
        }
        self.reindex();
        added
    }

    /// Add one breakpoint to those of `file` (see [`Breakpoints::set`]).
    pub fn add(
        &mut self,
        file: Option<&str>,
        spec: &BreakpointSpec,
        program: Option<&Proto>,
    ) -> Breakpoint {
        let mut kept: Vec<Breakpoint> = Vec::new();
        self.list.retain(|b| {
            let other = b.file.as_deref() != file;
            if !other {
                kept.push(b.clone());
            }
            other
        });
        let mut added = self.set(file, std::slice::from_ref(spec), program);
        // The others of the file keep their ids and hit counts.
        self.list.extend(kept);
        self.reindex();
        added.pop().unwrap_or(Breakpoint {
            id: 0,
            file: None,
            requested: spec.line,
            line: spec.line,
            verified: false,
            condition: None,
            hit: None,
            hits: 0,
        })
    }

    /// Remove breakpoint `id`; whether there was one.
    pub fn remove(&mut self, id: u32) -> bool {
        let before = self.list.len();
        self.list.retain(|b| b.id != id);
        self.reindex();
        self.list.len() != before
    }

    /// Remove every breakpoint.
    pub fn clear(&mut self) {
        self.list.clear();
        self.lines.clear();
    }

    /// Every breakpoint.
    pub fn all(&self) -> &[Breakpoint] {
        &self.list
    }

    /// Whether no breakpoint is set.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn reindex(&mut self) {
        self.lines = self.list.iter().map(|b| b.line).collect();
    }

    /// Whether some breakpoint is at `line` of any file (the quick test).
    #[inline]
    pub(crate) fn maybe_at(&self, line: u32) -> bool {
        !self.lines.is_empty() && self.lines.contains(&line)
    }

    /// Whether some breakpoint of `file` lies in lines `lo..=hi`.
    pub(crate) fn any_in(&self, file: Option<&str>, lo: u32, hi: u32) -> bool {
        self.list
            .iter()
            .any(|b| b.line >= lo && b.line <= hi && same_file(b.file.as_deref(), file))
    }

    /// The breakpoints at `line` of `file` (ids).
    pub(crate) fn at(&self, file: Option<&str>, line: u32) -> Vec<u32> {
        self.list
            .iter()
            .filter(|b| b.line == line && b.verified && same_file(b.file.as_deref(), file))
            .map(|b| b.id)
            .collect()
    }

    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut Breakpoint> {
        self.list.iter_mut().find(|b| b.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_conditions_parse_and_count() {
        assert_eq!(HitCondition::parse("3"), Some(HitCondition::AtLeast(3)));
        assert_eq!(HitCondition::parse(" >2"), Some(HitCondition::After(2)));
        assert_eq!(HitCondition::parse("==4"), Some(HitCondition::Exactly(4)));
        assert_eq!(HitCondition::parse("%0"), None);
        assert_eq!(HitCondition::parse("x"), None);
        let every = HitCondition::Every(2);
        assert_eq!(
            (1..=4).map(|h| every.stops(h)).collect::<Vec<_>>(),
            [false, true, false, true]
        );
        assert!(!HitCondition::Exactly(2).stops(3));
    }

    #[test]
    fn files_match_by_module_name() {
        assert!(same_file(None, None));
        assert!(same_file(Some("/a/b/lib.ms"), Some("lib")));
        assert!(!same_file(Some("lib.ms"), None));
        assert!(!same_file(Some("x.ms"), Some("y.ms")));
    }
}

//! Whole-program samples (where the program was at each tick of the sampling
//! clock: call stack, lines, tier) and the views built from them.
//!
//! The interpreter collects them (`interp/sampling.rs`); the profiler crate prints
//! them; a host reads them as a value (`host::Interpreter::profile`). Plain data, so
//! that every consumer sees the same numbers.

use std::collections::HashMap;
use std::rc::Rc;

/// Where the innermost frame of a sample was running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Interpreted TAC.
    Interpreted,
    /// A native loop region (at one of its pauses).
    NativeLoop,
    /// Whole-function native code (the time of its call).
    NativeFunction,
    /// An intrinsic or a host function (the time of its call).
    Intrinsic,
}

impl Tier {
    /// The tier's name in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Interpreted => "interpreted",
            Tier::NativeLoop => "native loop",
            Tier::NativeFunction => "native function",
            Tier::Intrinsic => "intrinsic",
        }
    }
    /// Whether the time was spent in code the JIT made.
    pub fn is_native(self) -> bool {
        matches!(self, Tier::NativeLoop | Tier::NativeFunction)
    }
}

/// A function that appears in samples.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncInfo {
    /// The name it was found under (`f`, `Sprite.update`), `(main)` for the
    /// program, the intrinsic's name, or `function@LINE` when none is known.
    pub name: Rc<str>,
    /// Its file (`None`: the main program or an intrinsic).
    pub file: Option<Rc<str>>,
    /// First line of its body (0 for an intrinsic).
    pub line: u32,
    /// An intrinsic or host function (no source lines).
    pub intrinsic: bool,
}

/// One frame of a sampled stack: a function (index into `Samples::funcs`) and the
/// line it was at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameKey {
    pub func: u32,
    pub line: u32,
}

/// The raw samples: every distinct stack (outermost frame first) with the tier of
/// its innermost frame and how many ticks found the program there.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// The sampling interval, in nanoseconds.
    pub interval_ns: u64,
    pub funcs: Vec<FuncInfo>,
    pub stacks: HashMap<(Vec<FrameKey>, Tier), u64>,
    /// Ticks recorded (the sum over `stacks`).
    pub total: u64,
}

/// A row of the functions view.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionRow {
    pub name: String,
    /// File, `None` for the main program's file or an intrinsic.
    pub file: Option<String>,
    pub line: u32,
    /// Ticks with this function innermost, and with it anywhere on the stack.
    pub self_samples: u64,
    pub total_samples: u64,
    /// The same as fractions of all ticks (0 to 1).
    pub self_share: f64,
    pub total_share: f64,
    /// Of the self ticks, the ones in native code.
    pub native_samples: u64,
    pub intrinsic: bool,
}

/// A row of the lines view: self ticks at one source line.
#[derive(Clone, Debug, PartialEq)]
pub struct LineRow {
    pub file: Option<String>,
    pub line: u32,
    /// The function the line belongs to.
    pub function: String,
    pub samples: u64,
    pub share: f64,
    /// Of them: in native code, and inside intrinsics called from the line.
    pub native_samples: u64,
    pub intrinsic_samples: u64,
}

/// A row of the stacks view (the folded form's lines).
#[derive(Clone, Debug, PartialEq)]
pub struct StackRow {
    /// Frame names, outermost first (`name:line` each).
    pub frames: Vec<String>,
    pub tier: Tier,
    pub samples: u64,
}

/// The sampled views of one profile, sorted hottest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub interval_ns: u64,
    pub total_samples: u64,
    pub functions: Vec<FunctionRow>,
    pub lines: Vec<LineRow>,
    pub stacks: Vec<StackRow>,
}

fn share(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 / total as f64
    }
}

impl Samples {
    /// Build the views.
    pub fn profile(&self) -> Profile {
        let total = self.total;
        let n = self.funcs.len();
        let (mut own, mut all, mut native) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        let mut lines: HashMap<(u32, u32), (u64, u64, u64)> = HashMap::new();
        let mut stacks = Vec::new();
        for ((frames, tier), &count) in &self.stacks {
            let Some(leaf) = frames.last() else { continue };
            own[leaf.func as usize] += count;
            if tier.is_native() {
                native[leaf.func as usize] += count;
            }
            let mut seen: Vec<u32> = Vec::with_capacity(frames.len());
            for f in frames {
                if !seen.contains(&f.func) {
                    seen.push(f.func);
                    all[f.func as usize] += count;
                }
            }
            // The line view: the innermost frame with a source line (an
            // intrinsic's time goes to the line that called it).
            let at = frames
                .iter()
                .rev()
                .find(|f| !self.funcs[f.func as usize].intrinsic);
            if let Some(at) = at {
                let e = lines.entry((at.func, at.line)).or_default();
                e.0 += count;
                if tier.is_native() {
                    e.1 += count;
                }
                if *tier == Tier::Intrinsic {
                    e.2 += count;
                }
            }
            stacks.push(StackRow {
                frames: frames.iter().map(|f| self.frame_name(f)).collect(),
                tier: *tier,
                samples: count,
            });
        }
        let file = |f: &FuncInfo| f.file.as_deref().map(str::to_string);
        let mut functions: Vec<FunctionRow> = (0..n)
            .filter(|&i| all[i] > 0)
            .map(|i| {
                let f = &self.funcs[i];
                FunctionRow {
                    name: f.name.to_string(),
                    file: file(f),
                    line: f.line,
                    self_samples: own[i],
                    total_samples: all[i],
                    self_share: share(own[i], total),
                    total_share: share(all[i], total),
                    native_samples: native[i],
                    intrinsic: f.intrinsic,
                }
            })
            .collect();
        functions.sort_by(|a, b| {
            (b.self_samples, b.total_samples, &a.name).cmp(&(
                a.self_samples,
                a.total_samples,
                &b.name,
            ))
        });
        let mut lines: Vec<LineRow> = lines
            .into_iter()
            .map(|((func, line), (s, nat, intr))| {
                let f = &self.funcs[func as usize];
                LineRow {
                    file: file(f),
                    line,
                    function: f.name.to_string(),
                    samples: s,
                    share: share(s, total),
                    native_samples: nat,
                    intrinsic_samples: intr,
                }
            })
            .collect();
        lines.sort_by(|a, b| (b.samples, &a.file, a.line).cmp(&(a.samples, &b.file, b.line)));
        stacks.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.frames.cmp(&b.frames)));
        Profile {
            interval_ns: self.interval_ns,
            total_samples: total,
            functions,
            lines,
            stacks,
        }
    }

    /// `name:line` (an intrinsic: its name).
    fn frame_name(&self, f: &FrameKey) -> String {
        let info = &self.funcs[f.func as usize];
        if info.intrinsic {
            info.name.to_string()
        } else {
            format!("{}:{}", info.name, f.line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(name: &str, intrinsic: bool) -> FuncInfo {
        FuncInfo {
            name: Rc::from(name),
            file: None,
            line: 1,
            intrinsic,
        }
    }

    #[test]
    fn views_split_self_and_total_and_give_intrinsic_time_to_the_calling_line() {
        let mut s = Samples {
            interval_ns: 1_000_000,
            funcs: vec![func("(main)", false), func("f", false), func("wait", true)],
            ..Default::default()
        };
        let fr = |func, line| FrameKey { func, line };
        s.stacks
            .insert((vec![fr(0, 9), fr(1, 3)], Tier::NativeFunction), 6);
        s.stacks
            .insert((vec![fr(0, 10), fr(2, 0)], Tier::Intrinsic), 3);
        s.stacks.insert((vec![fr(0, 11)], Tier::Interpreted), 1);
        s.total = 10;
        let p = s.profile();
        assert_eq!(p.functions[0].name, "f");
        assert_eq!(
            (p.functions[0].self_samples, p.functions[0].native_samples),
            (6, 6)
        );
        let main = p.functions.iter().find(|r| r.name == "(main)").unwrap();
        assert_eq!((main.self_samples, main.total_samples), (1, 10));
        assert_eq!(main.total_share, 1.0);
        assert_eq!((p.lines[0].line, p.lines[0].samples), (3, 6));
        assert_eq!((p.lines[1].line, p.lines[1].intrinsic_samples), (10, 3));
        assert_eq!(p.stacks[1].frames, vec!["(main):10", "wait"]);
    }
}

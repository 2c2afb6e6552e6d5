//! The whole profile as one serialisable value: the sampled views (functions,
//! lines, stacks) and the regions table, the JSON schema of the README.

use serde::{Deserialize, Serialize};

use crate::report::{self, Row};
use crate::views::Sources;
use miniscript::tier::samples::Profile;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Function {
    pub name: String,
    pub file: String,
    pub line: u32,
    pub self_samples: u64,
    pub total_samples: u64,
    pub self_share: f64,
    pub total_share: f64,
    pub native_samples: u64,
    pub intrinsic: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Line {
    pub file: String,
    pub line: u32,
    pub function: String,
    /// The line's full source text (empty when the file could not be read).
    pub source: String,
    pub samples: u64,
    pub share: f64,
    pub native_samples: u64,
    pub intrinsic_samples: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stack {
    /// `name:line` per frame, outermost first (an intrinsic: its name).
    pub frames: Vec<String>,
    /// `interpreted`, `native loop`, `native function` or `intrinsic`.
    pub tier: String,
    pub samples: u64,
}

/// The document `--profile-format json` prints and a host can build.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Document {
    pub interval_ns: u64,
    pub total_samples: u64,
    pub functions: Vec<Function>,
    pub lines: Vec<Line>,
    pub stacks: Vec<Stack>,
    pub regions: Vec<Row>,
    pub total_est_time_ns: f64,
}

/// The document from the sampled views, the regions report and the sources.
pub fn document(p: &Profile, regions: report::Report, sources: &Sources, main: &str) -> Document {
    let file = |f: &Option<String>| f.clone().unwrap_or_else(|| main.to_string());
    Document {
        interval_ns: p.interval_ns,
        total_samples: p.total_samples,
        functions: p
            .functions
            .iter()
            .map(|f| Function {
                name: f.name.clone(),
                file: if f.intrinsic {
                    String::new()
                } else {
                    file(&f.file)
                },
                line: f.line,
                self_samples: f.self_samples,
                total_samples: f.total_samples,
                self_share: f.self_share,
                total_share: f.total_share,
                native_samples: f.native_samples,
                intrinsic: f.intrinsic,
            })
            .collect(),
        lines: p
            .lines
            .iter()
            .map(|l| {
                let f = file(&l.file);
                let source = sources
                    .get(&f)
                    .and_then(|t| t.lines().nth((l.line as usize).saturating_sub(1)))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                Line {
                    file: f,
                    line: l.line,
                    function: l.function.clone(),
                    source,
                    samples: l.samples,
                    share: l.share,
                    native_samples: l.native_samples,
                    intrinsic_samples: l.intrinsic_samples,
                }
            })
            .collect(),
        stacks: p
            .stacks
            .iter()
            .map(|s| Stack {
                frames: s.frames.clone(),
                tier: s.tier.name().to_string(),
                samples: s.samples,
            })
            .collect(),
        regions: regions.sites,
        total_est_time_ns: regions.total_est_time_ns,
    }
}

/// The document as JSON (no `-0`).
pub fn json(d: &Document) -> String {
    report::to_json(d)
}

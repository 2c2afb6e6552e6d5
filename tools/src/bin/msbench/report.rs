//! Results and their presentation: an aligned text table, a markdown document (the
//! source of BENCHMARKS.md) and JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::machine::Machine;
use crate::programs::Program;
use crate::runner::Engine;

/// The result of one program under one engine.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Every run printed the right line: the timed runs, in seconds.
    Ok { times: Vec<f64>, output: String },
    /// A run printed something else than `want` (from expected.txt or, in quick
    /// mode, from the reference engine named in `against`).
    Wrong {
        got: String,
        want: String,
        against: String,
    },
    /// A run failed, timed out or could not start.
    Failed(String),
    /// The engine is not installed.
    Missing,
    /// A peer has no `.lua` twin of this program.
    NoTwin,
}

/// Which statistic of a cell's timed runs the report shows and divides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// The median: what a typical run costs.
    Median,
    /// The fastest run: the least disturbed by other work on a noisy machine.
    Min,
}

impl Stat {
    pub fn word(self) -> &'static str {
        match self {
            Stat::Median => "median",
            Stat::Min => "fastest",
        }
    }
}

impl Cell {
    /// The statistic `stat` of the timed runs.
    pub fn time(&self, stat: Stat) -> Option<f64> {
        match stat {
            Stat::Median => self.median(),
            Stat::Min => match self {
                Cell::Ok { times, .. } => times.iter().copied().reduce(f64::min),
                _ => None,
            },
        }
    }

    pub fn median(&self) -> Option<f64> {
        match self {
            Cell::Ok { times, .. } if !times.is_empty() => {
                let mut t = times.clone();
                t.sort_by(f64::total_cmp);
                let n = t.len();
                Some(if n % 2 == 1 {
                    t[n / 2]
                } else {
                    (t[n / 2 - 1] + t[n / 2]) / 2.0
                })
            }
            _ => None,
        }
    }

    /// The word shown instead of a time.
    pub fn word(&self) -> &'static str {
        match self {
            Cell::Ok { .. } => "ok",
            Cell::Wrong { .. } => "WRONG",
            Cell::Failed(_) => "FAILED",
            Cell::Missing => "missing",
            Cell::NoTwin => "no twin",
        }
    }

    fn status(&self) -> &'static str {
        match self {
            Cell::Ok { .. } => "ok",
            Cell::Wrong { .. } => "wrong",
            Cell::Failed(_) => "failed",
            Cell::Missing => "missing",
            Cell::NoTwin => "no_twin",
        }
    }

    /// A wrong output or a failed run: what makes the exit status 1.
    pub fn is_bad(&self) -> bool {
        matches!(self, Cell::Wrong { .. } | Cell::Failed(_))
    }
}

#[derive(Debug, Clone)]
pub struct ProgramResult {
    pub program: Program,
    /// One per engine, in engine order.
    pub cells: Vec<Cell>,
    /// How outputs were checked: "expected.txt" or "agreement" (quick sizes).
    pub check: &'static str,
}

#[derive(Debug, Clone)]
pub struct Meta {
    pub command: String,
    pub date: String,
    pub tree: Option<String>,
    pub machine: Machine,
    pub runs: usize,
    pub warmup: usize,
    pub quick: bool,
    pub dirs: Vec<PathBuf>,
    pub stat: Stat,
}

pub struct Report {
    pub engines: Vec<Engine>,
    pub results: Vec<ProgramResult>,
    pub meta: Meta,
}

/// A ratio column: time(engine `num`) / time(engine `den`).
#[derive(Debug, Clone)]
pub struct RatioCol {
    pub num: usize,
    pub den: usize,
    pub label: String,
}

impl Report {
    /// jit/interp (ours against itself), then both of our modes against each peer.
    pub fn ratio_cols(&self) -> Vec<RatioCol> {
        let ours: Vec<usize> = (0..self.engines.len())
            .filter(|&i| self.engines[i].is_ours())
            .collect();
        let peers: Vec<usize> = (0..self.engines.len())
            .filter(|&i| !self.engines[i].is_ours())
            .collect();
        let mut cols = Vec::new();
        let col = |num: usize, den: usize| RatioCol {
            num,
            den,
            label: format!("{}/{}", self.engines[num].key, self.engines[den].key),
        };
        if ours.len() == 2 {
            cols.push(col(ours[1], ours[0]));
        }
        for &p in &peers {
            for &o in &ours {
                cols.push(col(o, p));
            }
        }
        cols
    }

    pub fn ratio(&self, r: &ProgramResult, c: &RatioCol) -> Option<f64> {
        let stat = self.meta.stat;
        Some(r.cells[c.num].time(stat)? / r.cells[c.den].time(stat)?)
    }

    /// Geometric mean of a ratio over the programs where both sides ran correctly.
    pub fn geomean(&self, c: &RatioCol) -> Option<f64> {
        let logs: Vec<f64> = self
            .results
            .iter()
            .filter_map(|r| self.ratio(r, c))
            .map(f64::ln)
            .collect();
        (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp())
    }

    pub fn bad_cells(&self) -> Vec<(String, String, &Cell)> {
        let mut bad = Vec::new();
        for r in &self.results {
            for (e, cell) in self.engines.iter().zip(&r.cells) {
                if cell.is_bad() {
                    bad.push((r.program.name.clone(), e.key.clone(), cell));
                }
            }
        }
        bad
    }

    fn header(&self) -> Vec<String> {
        let mut h = vec!["program".to_string()];
        for e in &self.engines {
            let mark = if e.note.is_some() { "*" } else { "" };
            h.push(format!("{}{mark} ms", e.key));
        }
        h.extend(self.ratio_cols().into_iter().map(|c| c.label));
        h
    }

    /// The body rows, then the geometric-mean row; cells already formatted.
    fn rows(&self) -> Vec<Vec<String>> {
        let cols = self.ratio_cols();
        let mut rows = Vec::new();
        for r in &self.results {
            let mut row = vec![r.program.name.clone()];
            for cell in &r.cells {
                row.push(match cell.time(self.meta.stat) {
                    Some(s) => fmt_ms(s),
                    None => cell.word().to_string(),
                });
            }
            for c in &cols {
                row.push(
                    self.ratio(r, c)
                        .map(fmt_ratio)
                        .unwrap_or_else(|| "-".into()),
                );
            }
            rows.push(row);
        }
        let mut geo = vec!["geomean".to_string()];
        geo.extend(self.engines.iter().map(|_| String::new()));
        geo.extend(
            cols.iter()
                .map(|c| self.geomean(c).map(fmt_ratio).unwrap_or_else(|| "-".into())),
        );
        rows.push(geo);
        rows
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for e in &self.engines {
            if let Some(n) = &e.note {
                notes.push(format!("* {}: {n}", e.key));
            }
        }
        for (program, engine, cell) in self.bad_cells() {
            notes.push(format!(
                "{}: {}",
                cell.word(),
                describe_bad(&program, &engine, cell)
            ));
        }
        notes
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let m = &self.meta;
        let _ = writeln!(out, "msbench {} | {}", m.date, m.machine.summary());
        let _ = writeln!(out, "{}", self.method());
        for e in &self.engines {
            let _ = writeln!(out, "  {:<8} {}{}", e.key, e.describe("FILE"), about(e));
        }
        out.push('\n');
        let header = self.header();
        let rows = self.rows();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].len())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i == 0 {
                    let _ = write!(s, "{c:<w$}", w = widths[0]);
                } else {
                    let _ = write!(s, "  {c:>w$}", w = widths[i]);
                }
            }
            s.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&header));
        for (i, r) in rows.iter().enumerate() {
            if i + 1 == rows.len() {
                let _ = writeln!(
                    out,
                    "{}",
                    "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
                );
            }
            let _ = writeln!(out, "{}", line(r));
        }
        let _ = writeln!(
            out,
            "\nratios are time(ours) / time(peer): below 1 means ours is faster"
        );
        for n in self.notes() {
            let _ = writeln!(out, "{n}");
        }
        out
    }

    fn method(&self) -> String {
        let m = &self.meta;
        format!(
            "{} warm-up + {} timed run{} per command, alternating; {} wall time of the whole process{}",
            m.warmup,
            m.runs,
            if m.runs == 1 { "" } else { "s" },
            m.stat.word(),
            if m.quick { "; QUICK sizes (outputs checked for agreement, not against expected.txt)" } else { "" }
        )
    }

    /// A whole markdown document; BENCHMARKS.md is this, unedited.
    pub fn markdown(&self, svg: Option<&str>) -> String {
        let m = &self.meta;
        let mut out = String::new();
        out.push_str("# Benchmarks\n\n");
        out.push_str(
            "<!-- Generated by msbench (tools/src/bin/msbench.rs). Do not edit by hand: \
             rerun the command below. -->\n\n",
        );
        out.push_str(
            "Our MiniScript with the JIT off (`interp`) and on (`jit`), against Lua 5.4 and \
             LuaJIT running the same algorithms (the `.lua` twins), on every program. Times are \
             whole-process wall times (start-up, compile and run) in milliseconds, the \
             statistic the method line names. Ratios are time(ours) / time(peer): **below 1 means ours is faster**. The machines \
             are noisy, so compare ratios from one run rather than times across runs.\n\n",
        );
        let _ = writeln!(out, "- **Command:** `{}`", m.command);
        let _ = writeln!(out, "- **Date:** {}", m.date);
        if let Some(t) = &m.tree {
            let _ = writeln!(out, "- **Source tree:** {t}");
        }
        let _ = writeln!(out, "- **Machine:** {}", m.machine.summary());
        let _ = writeln!(out, "- **Method:** {}", self.method());
        let dirs: Vec<String> = m
            .dirs
            .iter()
            .map(|d| format!("`{}`", relative(d)))
            .collect();
        let _ = writeln!(out, "- **Programs:** {}", dirs.join(", "));
        out.push_str("- **Commands:**\n");
        for e in &self.engines {
            let _ = writeln!(out, "  - {}: `{}`{}", e.key, e.describe("FILE"), about(e));
        }
        out.push('\n');
        if let Some(svg) = svg {
            let _ = writeln!(out, "![Ratios of our times to the peers' times]({svg})\n");
        }
        let header = self.header();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: Vec<&str> = (0..header.len())
            .map(|i| if i == 0 { "---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        let rows = self.rows();
        for (i, r) in rows.iter().enumerate() {
            let cells: Vec<String> = if i + 1 == rows.len() {
                r.iter()
                    .map(|c| {
                        if c.is_empty() {
                            String::new()
                        } else {
                            format!("**{c}**")
                        }
                    })
                    .collect()
            } else {
                r.clone()
            };
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push('\n');
            for n in notes {
                let _ = writeln!(out, "- {}", n.trim_start_matches("* ").replace('|', "\\|"));
            }
        }
        out
    }

    pub fn json(&self) -> String {
        let m = &self.meta;
        let mut o = String::from("{\n");
        let _ = writeln!(o, "  \"tool\": \"msbench\",");
        let _ = writeln!(o, "  \"command\": {},", js(&m.command));
        let _ = writeln!(o, "  \"date\": {},", js(&m.date));
        let _ = writeln!(
            o,
            "  \"source_tree\": {},",
            m.tree.as_deref().map(js).unwrap_or("null".into())
        );
        let _ = writeln!(
            o,
            "  \"machine\": {{\"cpu\": {}, \"cpus\": {}, \"memory_bytes\": {}, \"os\": {}}},",
            js(&m.machine.cpu),
            m.machine.cpus,
            m.machine
                .memory_bytes
                .map(|b| b.to_string())
                .unwrap_or("null".into()),
            js(&m.machine.os)
        );
        let _ = writeln!(
            o,
            "  \"settings\": {{\"runs\": {}, \"warmup\": {}, \"quick\": {}}},",
            m.runs, m.warmup, m.quick
        );
        o.push_str("  \"engines\": [\n");
        for (i, e) in self.engines.iter().enumerate() {
            let _ = write!(
                o,
                "    {{\"key\": {}, \"command\": {}, \"installed\": {}, \"version\": {}, \"jit_mode\": {}, \"note\": {}}}",
                js(&e.key),
                js(&e.describe("FILE")),
                e.path.is_some(),
                e.version.as_deref().map(js).unwrap_or("null".into()),
                e.jit_mode.as_deref().map(js).unwrap_or("null".into()),
                e.note.as_deref().map(js).unwrap_or("null".into()),
            );
            o.push_str(if i + 1 < self.engines.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        o.push_str("  ],\n  \"programs\": [\n");
        let cols = self.ratio_cols();
        for (pi, r) in self.results.iter().enumerate() {
            let _ = writeln!(o, "    {{");
            let _ = writeln!(o, "      \"name\": {},", js(&r.program.name));
            let _ = writeln!(o, "      \"dir\": {},", js(&relative(&r.program.dir)));
            let _ = writeln!(o, "      \"check\": {},", js(r.check));
            let _ = writeln!(
                o,
                "      \"expected\": {},",
                r.program
                    .expected
                    .as_deref()
                    .map(js)
                    .unwrap_or("null".into())
            );
            o.push_str("      \"results\": {\n");
            for (i, (e, cell)) in self.engines.iter().zip(&r.cells).enumerate() {
                let _ = write!(
                    o,
                    "        {}: {{\"status\": {}",
                    js(&e.key),
                    js(cell.status())
                );
                match cell {
                    Cell::Ok { times, output } => {
                        let _ = write!(
                            o,
                            ", \"median_s\": {}, \"times_s\": [{}], \"output\": {}",
                            cell.median().map(num).unwrap_or_else(|| "null".into()),
                            times.iter().map(|&t| num(t)).collect::<Vec<_>>().join(", "),
                            js(output)
                        );
                    }
                    Cell::Wrong { got, want, against } => {
                        let _ = write!(
                            o,
                            ", \"output\": {}, \"want\": {}, \"against\": {}",
                            js(got),
                            js(want),
                            js(against)
                        );
                    }
                    Cell::Failed(msg) => {
                        let _ = write!(o, ", \"error\": {}", js(msg));
                    }
                    Cell::Missing | Cell::NoTwin => {}
                }
                o.push('}');
                o.push_str(if i + 1 < r.cells.len() { ",\n" } else { "\n" });
            }
            o.push_str("      },\n      \"ratios\": {");
            let ratios: Vec<String> = cols
                .iter()
                .map(|c| {
                    format!(
                        "{}: {}",
                        js(&c.label),
                        self.ratio(r, c).map(num).unwrap_or("null".into())
                    )
                })
                .collect();
            o.push_str(&ratios.join(", "));
            o.push_str("}\n    }");
            o.push_str(if pi + 1 < self.results.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        o.push_str("  ],\n  \"geomean\": {");
        let geo: Vec<String> = cols
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    js(&c.label),
                    self.geomean(c).map(num).unwrap_or("null".into())
                )
            })
            .collect();
        o.push_str(&geo.join(", "));
        let _ = write!(o, "}},\n  \"ok\": {}\n}}\n", self.bad_cells().is_empty());
        o
    }
}

/// What an engine is, beyond its command: " (JIT background; miniscript 0.1.0)".
fn about(e: &Engine) -> String {
    let parts: Vec<String> = e
        .jit_mode
        .iter()
        .map(|m| format!("JIT {m}"))
        .chain(e.version.clone())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// A one-line account of a wrong or failed cell, for stderr and the notes.
pub fn describe_bad(program: &str, engine: &str, cell: &Cell) -> String {
    match cell {
        Cell::Wrong { got, want, against } => {
            format!("{program} under {engine} printed '{got}', but {against} says '{want}'")
        }
        Cell::Failed(msg) => format!("{program} under {engine}: {msg}"),
        _ => format!("{program} under {engine}: {}", cell.word()),
    }
}

/// Milliseconds with about three significant digits.
pub fn fmt_ms(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else if r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

/// A JSON string literal.
pub fn js(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A JSON number (JSON has no NaN or infinity).
fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// `path` relative to the current directory when that is shorter (reports are meant
/// to be read on other machines, where absolute paths mean nothing).
pub fn relative(path: &Path) -> String {
    let (Ok(abs), Ok(cwd)) = (std::fs::canonicalize(path), std::env::current_dir()) else {
        return path.display().to_string();
    };
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let a: Vec<_> = abs.components().collect();
    let b: Vec<_> = cwd.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return abs.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &a[common..] {
        rel.push(c);
    }
    if rel.as_os_str().is_empty() {
        ".".into()
    } else {
        rel.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_formats() {
        let c = Cell::Ok {
            times: vec![3.0, 1.0, 2.0, 10.0],
            output: String::new(),
        };
        assert_eq!(c.median(), Some(2.5));
        assert_eq!(Cell::Missing.median(), None);
        assert_eq!(fmt_ms(0.2014), "201");
        assert_eq!(fmt_ms(0.00712), "7.12");
        assert_eq!(fmt_ratio(28.66), "28.7x");
        assert_eq!(js("a\"b\n"), "\"a\\\"b\\n\"");
    }
}

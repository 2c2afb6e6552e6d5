//! The sampled text views: top functions (self and total %), top lines (self %), and
//! the annotated source; every line fits the given width, long source on its own line.

use std::collections::HashMap;

use miniscript::tier::samples::{LineRow, Profile};

/// Where to find the text of source files by the name rows show.
pub type Sources = HashMap<String, String>;

fn pct(x: f64) -> String {
    format!("{:5.1}%", x * 100.0)
}

/// `file:line`, with `main` naming rows of the main program.
pub fn location(file: Option<&str>, line: u32, main: &str) -> String {
    format!("{}:{line}", file.unwrap_or(main))
}

/// The text of `line` (1-based) of `file`, trimmed, if known.
fn source_line<'a>(sources: &'a Sources, file: &str, line: u32) -> Option<&'a str> {
    let text = sources.get(file)?;
    Some(text.lines().nth((line as usize).checked_sub(1)?)?.trim())
}

/// Push `head` and `tail` as one line when they fit `width`, else `tail` on a line
/// of its own under `head`, indented by `indent` (never cut).
fn fit(out: &mut String, head: &str, tail: &str, indent: usize, width: usize) {
    if head.chars().count() + 2 + tail.chars().count() <= width || tail.is_empty() {
        out.push_str(head.trim_end());
        if !tail.is_empty() {
            out.push_str("  ");
            out.push_str(tail);
        }
    } else {
        out.push_str(head.trim_end());
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push_str(tail);
    }
    out.push('\n');
}

fn tier_of(l: &LineRow) -> &'static str {
    if l.native_samples * 2 > l.samples {
        "native"
    } else if l.intrinsic_samples * 2 > l.samples {
        "intrinsic"
    } else if l.native_samples + l.intrinsic_samples > 0 {
        "mixed"
    } else {
        "interp"
    }
}

/// The functions and lines views, the `top` rows of each.
pub fn text(p: &Profile, sources: &Sources, main: &str, top: usize, width: usize) -> String {
    let mut out = String::new();
    let secs = p.total_samples as f64 * p.interval_ns as f64 / 1e9;
    out.push_str(&format!(
        "profile: {} samples, one every {}µs ({secs:.2}s sampled)\n",
        p.total_samples,
        p.interval_ns / 1000
    ));
    if p.total_samples == 0 {
        out.push_str("    (the program ended before the first sample)\n");
        return out;
    }
    out.push_str("\nfunctions   self  total native  function (where)\n");
    for f in p.functions.iter().take(top) {
        let native = if f.self_samples == 0 {
            0.0
        } else {
            f.native_samples as f64 / f.self_samples as f64
        };
        let head = format!(
            "         {} {} {}  {}",
            pct(f.self_share),
            pct(f.total_share),
            pct(native),
            f.name
        );
        let at = if f.intrinsic {
            "(intrinsic)".to_string()
        } else {
            format!("({})", location(f.file.as_deref(), f.line, main))
        };
        fit(&mut out, &head, &at, 36, width);
    }
    out.push_str("\nlines       self tier      line (function)  source\n");
    for l in p.lines.iter().take(top) {
        let file = l.file.as_deref().unwrap_or(main);
        let head = format!(
            "         {} {:<9} {} ({})",
            pct(l.share),
            tier_of(l),
            location(l.file.as_deref(), l.line, main),
            l.function
        );
        let src = source_line(sources, file, l.line).unwrap_or("");
        fit(&mut out, &head, src, 10, width);
    }
    out
}

/// The annotated source (like `luajit -jp=a`): the files with samples, hottest
/// first, each line with its share and tier in a margin; only lines within
/// `context` lines of a sampled one.
pub fn annotate(p: &Profile, sources: &Sources, main: &str, context: usize) -> String {
    let mut per_file: Vec<(String, u64)> = Vec::new();
    for l in &p.lines {
        let f = l.file.clone().unwrap_or_else(|| main.to_string());
        match per_file.iter_mut().find(|(n, _)| *n == f) {
            Some(e) => e.1 += l.samples,
            None => per_file.push((f, l.samples)),
        }
    }
    per_file.sort_by_key(|f| std::cmp::Reverse(f.1));
    let mut out = String::new();
    for (file, _) in per_file {
        let Some(text) = sources.get(&file) else {
            out.push_str(&format!("{file}: source not available\n"));
            continue;
        };
        let rows: HashMap<u32, &LineRow> = p
            .lines
            .iter()
            .filter(|l| l.file.as_deref().unwrap_or(main) == file)
            .map(|l| (l.line, l))
            .collect();
        out.push_str(&format!("==== {file}\n"));
        let lines: Vec<&str> = text.lines().collect();
        let near = |i: usize| {
            (i.saturating_sub(context)..=i + context).any(|j| rows.contains_key(&(j as u32 + 1)))
        };
        let mut skipped = false;
        for (i, src) in lines.iter().enumerate() {
            if !near(i) {
                skipped = true;
                continue;
            }
            if skipped {
                out.push_str("          ...\n");
                skipped = false;
            }
            let margin = match rows.get(&(i as u32 + 1)) {
                Some(l) => format!("{} {:<9}", pct(l.share), tier_of(l)),
                None => " ".repeat(16),
            };
            out.push_str(&format!("{margin} {:>4} | {src}\n", i + 1).replace(" \n", "\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniscript::tier::samples::FunctionRow;

    #[test]
    fn long_source_goes_on_its_own_line_and_nothing_passes_the_width() {
        let long = format!("x = {}", "a + ".repeat(30));
        let mut sources = Sources::new();
        sources.insert("t.ms".into(), format!("f = 1\n{long}\n"));
        let p = Profile {
            interval_ns: 1_000_000,
            total_samples: 4,
            functions: vec![FunctionRow {
                name: "f".into(),
                file: None,
                line: 1,
                self_samples: 4,
                total_samples: 4,
                self_share: 1.0,
                total_share: 1.0,
                native_samples: 0,
                intrinsic: false,
            }],
            lines: vec![LineRow {
                file: None,
                line: 2,
                function: "f".into(),
                samples: 4,
                share: 1.0,
                native_samples: 4,
                intrinsic_samples: 0,
            }],
            stacks: Vec::new(),
        };
        let t = text(&p, &sources, "t.ms", 10, 80);
        assert!(
            t.lines()
                .all(|l| l.chars().count() <= 80 || l.trim() == long.trim()),
            "{t}"
        );
        assert!(t.lines().any(|l| l.trim() == long.trim()), "{t}");
        assert!(t.contains("native") && t.contains("t.ms:2"), "{t}");
        let a = annotate(&p, &sources, "t.ms", 2);
        assert!(
            a.contains("100.0% native") && a.contains("   1 | f = 1"),
            "{a}"
        );
    }
}

//! The hot-regions report (exact counts and sampled timings per region), as text
//! fitting a terminal's width or JSON.

use serde::{Deserialize, Serialize};

use crate::Profiler;
use miniscript::tier::{ExitKind, RegionState};

/// One row of the report (also the JSON schema, documented in the README).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub rank: usize,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub source: String,
    /// 16 hex digits.
    pub fingerprint: String,
    pub executions: u64,
    pub native_executions: u64,
    pub est_time_ns: f64,
    pub share: f64,
    pub interp_p50_ns: Option<f64>,
    pub interp_p99_ns: Option<f64>,
    pub native_p50_ns: Option<f64>,
    pub native_p99_ns: Option<f64>,
    pub complexity: u32,
    pub score: f64,
    pub state: String,
    pub compile_us: Option<f64>,
    pub guard_misses: u64,
    /// Why the region cannot be compiled, when it cannot.
    pub note: Option<String>,
    /// `expression` (a run of numeric statements) or `loop` (a loop region, whose
    /// `executions` are loop-head executions by the interpreter plus native entries).
    #[serde(default)]
    pub kind: String,
    /// Loop regions: last source line of the nest.
    #[serde(default)]
    pub last_line: u32,
    /// Loop regions: back-edges run natively, and how native runs ended.
    #[serde(default)]
    pub native_iterations: u64,
    #[serde(default)]
    pub exits_normal: u64,
    #[serde(default)]
    pub exits_break: u64,
    #[serde(default)]
    pub pauses: u64,
    /// Native runs that left at a list access the interpreter then did.
    #[serde(default)]
    pub fallbacks: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub sites: Vec<Row>,
    pub total_est_time_ns: f64,
}

/// Build the report rows, sorted by estimated time, the top `top`.
pub fn build(p: &Profiler, top: usize) -> Report {
    let nspt = p.timer.ns_per_tick();
    let mut rows: Vec<Row> = Vec::new();
    for (gid, s) in p.sites.iter().enumerate() {
        let c = p.counters.get(gid).cloned().unwrap_or_default();
        if c.count == 0 {
            continue;
        }
        let a = s.activity();
        let interp_avg =
            (a.interp_samples > 0).then(|| a.interp_ticks as f64 / a.interp_samples as f64 * nspt);
        let native_avg =
            (a.native_samples > 0).then(|| a.native_ticks as f64 / a.native_samples as f64 * nspt);
        let interp_execs = c.count - c.native;
        let est = interp_avg.unwrap_or(0.0) * interp_execs as f64
            + native_avg.or(interp_avg).unwrap_or(0.0) * c.native as f64;
        let q = |h: &Option<Box<hdrhistogram::Histogram<u64>>>, q: f64| {
            h.as_ref().map(|h| h.value_at_quantile(q) as f64 * nspt)
        };
        let st = s.slot.state();
        let state = if st == RegionState::Ready && c.native == 0 && c.count > 0 {
            RegionState::Ready
        } else {
            st
        };
        rows.push(Row {
            rank: 0,
            file: s.file.to_string(),
            line: s.line,
            col: s.col,
            source: s.source.to_string(),
            fingerprint: format!("{:016x}", s.fingerprint),
            executions: c.count,
            native_executions: c.native,
            est_time_ns: est,
            share: 0.0,
            interp_p50_ns: q(&a.interp, 0.5),
            interp_p99_ns: q(&a.interp, 0.99),
            native_p50_ns: q(&a.native, 0.5),
            native_p99_ns: q(&a.native, 0.99),
            complexity: s.complexity,
            score: s.last_score,
            state: state.name().to_string(),
            compile_us: a.compile_us,
            guard_misses: c.misses,
            note: s
                .why_not
                .as_deref()
                .map(String::from)
                .or_else(|| a.compile_error.clone()),
            kind: if s.is_loop {
                "loop"
            } else if s.func.is_some() {
                "function"
            } else {
                "expression"
            }
            .to_string(),
            last_line: s.last_line,
            native_iterations: c.iters,
            exits_normal: c.exits_of(ExitKind::Normal),
            exits_break: c.exits_of(ExitKind::Break),
            pauses: c.exits_of(ExitKind::Pause),
            fallbacks: c.exits_of(ExitKind::Fallback),
        });
    }
    let total = rows.iter().fold(0.0, |t, r| t + r.est_time_ns);
    rows.sort_by(|a, b| {
        b.est_time_ns
            .total_cmp(&a.est_time_ns)
            .then(b.executions.cmp(&a.executions))
    });
    rows.truncate(top);
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
        r.share = if total > 0.0 {
            r.est_time_ns / total
        } else {
            0.0
        };
    }
    Report {
        sites: rows,
        total_est_time_ns: total,
    }
}

/// Shorten `s` to `n` characters, keeping its end (a location's file name and line)
/// and starting with `…` when cut.
pub fn shorten_front(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(count - n.saturating_sub(1)));
    out
}

/// Shorten `s` to `n` characters, ending with `…` when cut.
pub fn shorten(s: &str, n: usize) -> String {
    let s = s.replace(['\n', '\t'], " ");
    if s.chars().count() <= n {
        return s;
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn pair(a: Option<f64>, b: Option<f64>) -> String {
    // Nanoseconds up to 4 digits, then a unit (loop runs take milliseconds); at
    // most 6 characters each, and one value when both are the same.
    let one = |ns: f64| {
        if ns < 1e4 {
            format!("{ns:.0}")
        } else if ns < 1e7 {
            format!("{:.0}µs", ns / 1e3)
        } else if ns < 1e10 {
            format!("{:.0}ms", ns / 1e6)
        } else {
            format!("{:.0}s", ns / 1e9)
        }
    };
    match (a, b) {
        (Some(a), Some(b)) if one(a) == one(b) => one(a),
        (Some(a), Some(b)) => format!("{}/{}", one(a), one(b)),
        _ => "-".to_string(),
    }
}

fn time_text(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2}s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1}ms", ns / 1e6)
    } else {
        format!("{:.1}µs", ns / 1e3)
    }
}

/// The text form, fitting `width` columns: per region a line with rank, share,
/// time, state, location and source (the source on a line of its own when long),
/// then its counts and timings, wrapped, never cut.
pub fn text(r: &Report) -> String {
    text_width(r, 80)
}

/// [`text`] for a terminal `width` columns wide.
pub fn text_width(r: &Report, width: usize) -> String {
    let mut out = String::new();
    out.push_str("hot regions (estimated from sampled timings; ns per execution as p50/p99)\n");
    out.push_str("  #  share     time state         location  source\n");
    for row in &r.sites {
        let loc = if row.kind == "loop" || row.kind == "function" {
            format!("{}:{}-{}", row.file, row.line, row.last_line)
        } else {
            format!("{}:{}:{}", row.file, row.line, row.col)
        };
        let head = format!(
            "{:>3} {:>5.1}% {:>8} {:<12}  {}",
            row.rank,
            row.share * 100.0,
            time_text(row.est_time_ns),
            row.state,
            loc
        );
        let source = row.source.replace(['\n', '\t'], " ");
        if head.chars().count() + 2 + source.chars().count() <= width {
            out.push_str(&format!("{head}  {source}\n"));
        } else {
            out.push_str(&format!("{head}\n      {source}\n"));
        }
        let compile = row
            .compile_us
            .map_or("-".to_string(), |u| format!("{u:.0}µs"));
        let mut detail = format!(
            "execs {}, interp ns {}, native ns {}, fingerprint {}",
            row.executions,
            pair(row.interp_p50_ns, row.interp_p99_ns),
            pair(row.native_p50_ns, row.native_p99_ns),
            row.fingerprint
        );
        detail.push_str(&if row.kind == "function" {
            format!(
                ", calls {}, native calls {}, fallbacks {}, misses {}, compile {}",
                row.executions, row.native_executions, row.fallbacks, row.guard_misses, compile
            )
        } else if row.kind == "loop" {
            format!(
                ", native entries {}, iterations {}, exits normal/break/pause/fallback \
                 {}/{}/{}/{}, misses {}, compile {}",
                row.native_executions,
                row.native_iterations,
                row.exits_normal,
                row.exits_break,
                row.pauses,
                row.fallbacks,
                row.guard_misses,
                compile
            )
        } else {
            format!(
                ", complexity {}, score {:.2}, compile {}, guard misses {}, native execs {}",
                row.complexity, row.score, compile, row.guard_misses, row.native_executions
            )
        });
        crate::options::wrap(&mut out, &detail, "      ", width);
        if let Some(n) = &row.note {
            let why = if row.state == RegionState::Ineligible.name() {
                format!("not eligible: {n}")
            } else {
                format!("failed: {n}")
            };
            crate::options::wrap(&mut out, &why, "      ", width);
        }
    }
    if r.sites.is_empty() {
        out.push_str("    (no numeric regions ran: see the functions and lines views)\n");
    }
    out
}

/// The JSON form. No number prints as `-0.0` (an empty sum of floats is -0.0).
pub fn json(r: &Report) -> String {
    to_json(r)
}

/// Any value as pretty JSON with no `-0.0`.
pub fn to_json<T: Serialize>(r: &T) -> String {
    let text = serde_json::to_value(r).map(|mut v| {
        no_negative_zero(&mut v);
        serde_json::to_string_pretty(&v)
    });
    match text {
        Ok(Ok(t)) => t,
        Ok(Err(e)) | Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// Replaces every -0.0 in `v` by 0.0.
fn no_negative_zero(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n)
            if n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()) =>
        {
            if let Some(zero) = serde_json::Number::from_f64(0.0) {
                *n = zero;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(no_negative_zero),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(no_negative_zero),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_short_text_and_marks_cuts() {
        assert_eq!(shorten("a*b", 20), "a*b");
        assert_eq!(shorten_front("dir/file.ms:3-9", 20), "dir/file.ms:3-9");
        let f = shorten_front("/a/long/dir/file.ms:3-9", 12);
        assert_eq!(f.chars().count(), 12);
        assert_eq!(f, "…file.ms:3-9");
        let s = shorten("a very long source expression here", 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn json_round_trips() {
        let r = Report {
            sites: vec![Row {
                rank: 1,
                file: "x.ms".into(),
                line: 3,
                col: 5,
                source: "a*b+c".into(),
                fingerprint: "00000000deadbeef".into(),
                executions: 10,
                native_executions: 4,
                est_time_ns: 123.0,
                share: 1.0,
                interp_p50_ns: Some(10.0),
                interp_p99_ns: Some(20.0),
                native_p50_ns: None,
                native_p99_ns: None,
                complexity: 2,
                score: 1.5,
                state: "compiled".into(),
                compile_us: Some(40.0),
                guard_misses: 0,
                note: None,
                kind: "expression".into(),
                last_line: 3,
                native_iterations: 0,
                exits_normal: 0,
                exits_break: 0,
                pauses: 0,
                fallbacks: 0,
            }],
            total_est_time_ns: 123.0,
        };
        let text = json(&r);
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in [
            "file",
            "line",
            "col",
            "source",
            "fingerprint",
            "executions",
            "est_time_ns",
            "share",
            "complexity",
            "score",
            "state",
        ] {
            assert!(v["sites"][0].get(key).is_some(), "{key}");
        }
        let t = super::text(&r);
        assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
        // No -0.0, from an empty report or a row's own field.
        let mut zero = r.clone();
        zero.sites[0].score = -0.0;
        zero.sites[0].interp_p50_ns = Some(-0.0);
        zero.total_est_time_ns = -0.0;
        assert!(!json(&zero).contains("-0"), "{}", json(&zero));
        let empty = Report {
            sites: Vec::new(),
            total_est_time_ns: 0.0,
        };
        assert!(json(&empty).contains("\"total_est_time_ns\": 0.0"));
        assert!(t.contains("x.ms:3:5") && t.contains("a*b+c"));
    }
}

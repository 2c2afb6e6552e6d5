//! The ratio chart: one group of horizontal bars per program, one bar per (our mode,
//! peer) pair, on a log scale around parity. A bar grows from the "1 = same speed"
//! line to the right when ours is slower and to the left when ours is faster, so the
//! picture reads at a glance without knowing which way a ratio points.

use std::fmt::Write as _;

use crate::report::{fmt_ratio, Cell, ProgramResult, RatioCol, Report};

const WIDTH: f64 = 940.0;
const LABEL_RIGHT: f64 = 150.0;
const PLOT_LEFT: f64 = 165.0;
const PLOT_RIGHT: f64 = 900.0;
const TOP: f64 = 112.0;
const BAR: f64 = 12.0;
const BAR_STEP: f64 = 15.0;
const GROUP_GAP: f64 = 16.0;

/// Fill colours: one hue per peer, light for the interpreter and dark for the JIT.
const PALETTE: &[(&str, &str)] = &[
    ("#9ecae1", "#2171b5"), // blue
    ("#fdae6b", "#d94801"), // orange
    ("#a1d99b", "#238b45"), // green
    ("#bcbddc", "#6a51a3"), // purple
];

const RED: &str = "#c00000";
const GREY: &str = "#777777";

/// One group of bars.
struct Row {
    label: String,
    bars: Vec<Bar>,
    bold: bool,
}

/// A ratio, or the reason there is none.
enum Bar {
    Value(f64),
    Text(String, &'static str),
}

pub fn render(report: &Report) -> String {
    let cols = peer_cols(report);
    let rows = rows(report, &cols);
    let chart = Chart::new(report, cols, &rows);
    let mut s = String::new();
    chart.heading(&mut s);
    chart.legend(&mut s);
    chart.axes(&mut s);
    for (ri, row) in rows.iter().enumerate() {
        chart.group(&mut s, ri, row);
    }
    chart.parity_line(&mut s);
    s.push_str("</svg>\n");
    s
}

/// Ours against the peers only: jit/interp is in the table, and on the same axis it
/// would read as a third peer.
fn peer_cols(report: &Report) -> Vec<RatioCol> {
    report
        .ratio_cols()
        .into_iter()
        .filter(|c| !report.engines[c.den].is_ours())
        .collect()
}

/// Rows: every program, then the geometric means.
fn rows(report: &Report, cols: &[RatioCol]) -> Vec<Row> {
    let mut rows: Vec<Row> = report
        .results
        .iter()
        .map(|r| Row {
            label: r.program.name.clone(),
            bold: false,
            bars: cols
                .iter()
                .map(|c| match report.ratio(r, c) {
                    Some(v) => Bar::Value(v),
                    None => missing_bar(report, r, c),
                })
                .collect(),
        })
        .collect();
    rows.push(Row {
        label: "geomean".into(),
        bold: true,
        bars: cols
            .iter()
            .map(|c| match report.geomean(c) {
                Some(v) => Bar::Value(v),
                None => Bar::Text(format!("{} missing", report.engines[c.den].key), GREY),
            })
            .collect(),
    });
    rows
}

/// Why a program has no ratio in a column: the side without a time, and what became
/// of it.
fn missing_bar(report: &Report, r: &ProgramResult, c: &RatioCol) -> Bar {
    let (num, den) = (&r.cells[c.num], &r.cells[c.den]);
    let (who, cell) = if num.time(report.meta.stat).is_none() {
        (c.num, num)
    } else {
        (c.den, den)
    };
    let key = &report.engines[who].key;
    match cell {
        Cell::Wrong { .. } => Bar::Text(format!("{key}: WRONG OUTPUT"), RED),
        Cell::Failed(_) => Bar::Text(format!("{key}: failed"), RED),
        Cell::NoTwin => Bar::Text(format!("no {key} twin"), GREY),
        _ => Bar::Text(format!("{key} missing"), GREY),
    }
}

/// The drawing's shared state: the columns, the colours and the scales, fixed once
/// the rows are known.
struct Chart<'a> {
    report: &'a Report,
    cols: Vec<RatioCol>,
    /// The peers in column order, one palette hue each.
    peers: Vec<usize>,
    /// The domain of the log scale, and its logarithms.
    lo: f64,
    hi: f64,
    llo: f64,
    lhi: f64,
    group_h: f64,
    plot_bottom: f64,
    height: f64,
}

impl<'a> Chart<'a> {
    fn new(report: &'a Report, cols: Vec<RatioCol>, rows: &[Row]) -> Chart<'a> {
        let peers: Vec<usize> = {
            let mut p: Vec<usize> = cols.iter().map(|c| c.den).collect();
            p.dedup();
            p
        };
        // Log-scale domain: all ratios and parity, with room for the value labels.
        let values: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.bars.iter())
            .filter_map(|b| match b {
                Bar::Value(v) if *v > 0.0 && v.is_finite() => Some(*v),
                _ => None,
            })
            .collect();
        let lo = values.iter().copied().fold(0.5f64, f64::min) / 1.7;
        let hi = values.iter().copied().fold(2.0f64, f64::max) * 1.9;
        let group_h = cols.len().max(1) as f64 * BAR_STEP + GROUP_GAP;
        let plot_bottom = TOP + rows.len() as f64 * group_h;
        Chart {
            report,
            cols,
            peers,
            lo,
            hi,
            llo: lo.log10(),
            lhi: hi.log10(),
            group_h,
            plot_bottom,
            height: plot_bottom + 62.0,
        }
    }

    /// The x coordinate of a ratio.
    fn x(&self, v: f64) -> f64 {
        PLOT_LEFT + (v.log10() - self.llo) / (self.lhi - self.llo) * (PLOT_RIGHT - PLOT_LEFT)
    }

    /// The fill of a column's bars.
    fn colour(&self, num: usize, den: usize) -> &'static str {
        let pi = self.peers.iter().position(|&p| p == den).unwrap_or(0) % PALETTE.len();
        // The first of our engines is the interpreter, the second the JIT.
        if self.report.engines[num].key == "interp" {
            PALETTE[pi].0
        } else {
            PALETTE[pi].1
        }
    }

    /// The opening tag, the background, the title and the line about the runs.
    fn heading(&self, s: &mut String) {
        let height = self.height;
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="26" font-size="17" font-weight="bold">MiniScript time ÷ peer time (lower is better; 1 = same speed)</text>"#,
            PLOT_LEFT - 150.0
        );
        let m = &self.report.meta;
        let sub = format!(
            "{} of {} run{} per command{} · {}, {} CPUs · {}",
            m.stat.word(),
            m.runs,
            if m.runs == 1 { "" } else { "s" },
            if m.quick { " · QUICK sizes" } else { "" },
            m.machine.cpu,
            m.machine.cpus,
            m.date
        );
        let _ = writeln!(
            s,
            r##"<text x="{}" y="46" fill="#555555">{}</text>"##,
            PLOT_LEFT - 150.0,
            esc(&sub)
        );
    }

    /// One swatch and label per column, left to right.
    fn legend(&self, s: &mut String) {
        let engines = &self.report.engines;
        let mut lx = PLOT_LEFT - 150.0;
        for c in &self.cols {
            let label = format!("{} vs {}", engines[c.num].key, engines[c.den].key);
            let _ = writeln!(
                s,
                r#"<rect x="{lx}" y="60" width="14" height="12" fill="{}"/><text x="{}" y="70">{}</text>"#,
                self.colour(c.num, c.den),
                lx + 19.0,
                esc(&label)
            );
            lx += 19.0 + label.len() as f64 * 7.0 + 22.0;
        }
    }

    /// Grid, ticks, the two direction hints and the axis label (the parity line is
    /// drawn last, over the bars).
    fn axes(&self, s: &mut String) {
        let plot_bottom = self.plot_bottom;
        for t in ticks(self.lo, self.hi) {
            let tx = self.x(t);
            let _ = writeln!(
                s,
                r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{plot_bottom}" stroke="#e4e4e4"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#444444">{}</text>"##,
                plot_bottom + 16.0,
                fmt_tick(t)
            );
        }
        let px = self.x(1.0);
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555555">← ours faster</text><text x="{:.1}" y="{:.1}" fill="#555555">ours slower →</text>"##,
            px - 6.0,
            TOP - 8.0,
            px + 6.0,
            TOP - 8.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444444">ratio, log scale</text>"##,
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            plot_bottom + 36.0
        );
    }

    /// Row `ri`: a separator above the geomean, the label, and its bars.
    fn group(&self, s: &mut String, ri: usize, row: &Row) {
        let gy = TOP + ri as f64 * self.group_h + GROUP_GAP / 2.0;
        if row.bold {
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{:.1}" x2="{PLOT_RIGHT}" y2="{:.1}" stroke="#999999"/>"##,
                PLOT_LEFT - 150.0,
                gy - GROUP_GAP / 2.0,
                gy - GROUP_GAP / 2.0
            );
        }
        let mid = gy + self.cols.len() as f64 * BAR_STEP / 2.0 + 4.0;
        let weight = if row.bold {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<text x="{LABEL_RIGHT}" y="{mid:.1}" text-anchor="end"{weight}>{}</text>"#,
            esc(&row.label)
        );
        for (bi, (bar, c)) in row.bars.iter().zip(&self.cols).enumerate() {
            let y = gy + bi as f64 * BAR_STEP;
            match bar {
                Bar::Value(v) => self.value_bar(s, *v, c, y, weight),
                Bar::Text(t, fill) => {
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="11" font-style="italic" fill="{fill}">{}</text>"#,
                        self.x(1.0) + 4.0,
                        y + BAR - 2.0,
                        esc(t)
                    );
                }
            }
        }
    }

    /// A bar from parity to the ratio `v` at height `y`, with the value at its end.
    fn value_bar(&self, s: &mut String, v: f64, c: &RatioCol, y: f64, weight: &str) {
        let (px, vx) = (self.x(1.0), self.x(v));
        let engines = &self.report.engines;
        let (left, w) = if vx >= px {
            (px, vx - px)
        } else {
            (vx, px - vx)
        };
        let _ = writeln!(
            s,
            r#"<rect x="{left:.1}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{}"><title>{} / {}: {}</title></rect>"#,
            w.max(2.0),
            self.colour(c.num, c.den),
            esc(&engines[c.num].key),
            esc(&engines[c.den].key),
            fmt_ratio(v)
        );
        let (tx, anchor) = if vx >= px {
            (vx + 4.0, "start")
        } else {
            (vx - 4.0, "end")
        };
        let ty = y + BAR - 2.0;
        let _ = writeln!(
            s,
            r##"<text x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}" font-size="11" fill="#222222"{weight}>{}</text>"##,
            fmt_ratio(v)
        );
    }

    /// The "1 = same speed" line, over the bars that grow from it.
    fn parity_line(&self, s: &mut String) {
        let px = self.x(1.0);
        let plot_bottom = self.plot_bottom;
        let _ = writeln!(
            s,
            r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{plot_bottom}" stroke="#222222" stroke-width="1.5"/>"##,
            TOP - 4.0
        );
    }
}

/// Tick values in a 1-2-5 sequence within [lo, hi].
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut t = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let v = decade * m;
            if v >= lo && v <= hi {
                t.push(v);
            }
        }
        decade *= 10.0;
    }
    t
}

fn fmt_tick(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        // 0.5, 0.2, 0.05: as many decimals as the value needs.
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_values() {
        assert_eq!(ticks(0.3, 60.0), vec![0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(fmt_tick(0.05), "0.05");
        assert_eq!(fmt_tick(20.0), "20");
    }
}

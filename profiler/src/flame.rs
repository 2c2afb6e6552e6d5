//! The stacks as folded lines (`frame;frame;frame COUNT`, what flamegraph.pl,
//! inferno and speedscope read) and as an SVG flame graph drawn by inferno.

use miniscript::tier::samples::{Profile, Tier};

/// The mark of a leaf frame that did not run interpreted; the SVG colours such
/// frames apart (native green, intrinsics blue; interpreted ones keep inferno's
/// warm palette).
fn suffix(t: Tier) -> &'static str {
    match t {
        Tier::NativeLoop => " [native loop]",
        Tier::NativeFunction => " [native]",
        Tier::Intrinsic => " [intrinsic]",
        Tier::Interpreted => "",
    }
}

const NATIVE_FILL: &str = "rgb(80,190,90)";
const INTRINSIC_FILL: &str = "rgb(110,150,230)";

/// A frame name safe for the folded format (no `;`, no line breaks).
fn clean(s: &str) -> String {
    s.replace([';', '\n', '\r'], ",")
}

/// One line per distinct stack: frames outermost first, the leaf marked with its
/// tier's suffix when native or an intrinsic, then the sample count.
pub fn folded(p: &Profile) -> String {
    let mut out = String::new();
    for s in &p.stacks {
        let frames: Vec<String> = s.frames.iter().map(|f| clean(f)).collect();
        out.push_str(&frames.join(";"));
        out.push_str(suffix(s.tier));
        out.push_str(&format!(" {}\n", s.samples));
    }
    out
}

/// The flame graph as an SVG document (an error message when inferno fails).
pub fn svg(p: &Profile, title: &str) -> Result<String, String> {
    let text = folded(p);
    let mut opt = inferno::flamegraph::Options::default();
    // Per-frame fills: every marked leaf name gets its tier's colour.
    let mut attrs = String::new();
    for st in &p.stacks {
        let class = match st.tier {
            Tier::Interpreted => continue,
            Tier::Intrinsic => "intrinsic",
            _ => "native",
        };
        if let Some(leaf) = st.frames.last() {
            attrs.push_str(&format!(
                "{}{}\tclass={class}\n",
                clean(leaf),
                suffix(st.tier)
            ));
        }
    }
    opt.func_frameattrs = inferno::flamegraph::FuncFrameAttrsMap::from_reader(attrs.as_bytes())
        .map_err(|e| e.to_string())?;
    opt.title = title.to_string();
    opt.count_name = "samples".to_string();
    opt.hash = true;
    let mut buf = Vec::new();
    if text.is_empty() {
        // inferno refuses an empty profile; an empty graph is still a document.
        opt.subtitle = Some("no samples".to_string());
        inferno::flamegraph::from_lines(&mut opt, ["(no samples) 1"], &mut buf)
    } else {
        inferno::flamegraph::from_lines(&mut opt, text.lines(), &mut buf)
    }
    .map_err(|e| e.to_string())?;
    let svg = String::from_utf8(buf).map_err(|e| e.to_string())?;
    // The classes' colours: a style rule beats the fill attribute inferno writes.
    let rules = format!(
        "#frames > g.native > rect {{ fill:{NATIVE_FILL} }}\n\
         #frames > g.intrinsic > rect {{ fill:{INTRINSIC_FILL} }}\n</style>"
    );
    Ok(svg.replacen("</style>", &rules, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniscript::tier::samples::StackRow;

    #[test]
    fn folded_lines_mark_native_leaves_and_the_svg_names_them() {
        let p = Profile {
            interval_ns: 1000,
            total_samples: 5,
            stacks: vec![
                StackRow {
                    frames: vec!["(main):3".into(), "fast:2".into()],
                    tier: Tier::NativeFunction,
                    samples: 4,
                },
                StackRow {
                    frames: vec!["(main):4".into(), "slow;x:9".into()],
                    tier: Tier::Interpreted,
                    samples: 1,
                },
            ],
            ..Default::default()
        };
        let f = folded(&p);
        assert_eq!(f, "(main):3;fast:2 [native] 4\n(main):4;slow,x:9 1\n");
        let s = svg(&p, "t").unwrap();
        assert!(s.starts_with("<?xml") && s.contains("fast:2"), "{s}");
        assert!(s.contains(NATIVE_FILL), "native frames are coloured apart");
    }
}

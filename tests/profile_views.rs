//! The whole-program profile as a user sees it: functions and lines views that
//! account for native time in every JIT mode, folded stacks, a well-formed SVG
//! flame graph, the JSON document, and a report for code with no numeric regions.

mod common;

use std::process::Command;

use common::own_bin as bin;

/// Two functions at global scope doing 3 and 1 units of the same work (`REPS`
/// times: native runs need more of them, or the `--jit=sync` compiles, charged to
/// the function being compiled, weigh in).
const TWO: &str = "three = function(n)
  s = 0
  i = 0
  while i < n * 3
    s = s + i * 0.5 - 1
    i = i + 1
  end while
  return s
end function
one = function(n)
  s = 0
  i = 0
  while i < n
    s = s + i * 0.5 - 1
    i = i + 1
  end while
  return s
end function
t = 0
for k in range(1, REPS)
  t = t + three(100000)
  t = t + one(100000)
end for
print t
";

/// Strings and maps only: no numeric region at all.
const STRINGS: &str = "words = \"the quick brown fox jumps over the lazy dog\".split
count = function(list)
  freq = {}
  for w in list
    if freq.hasIndex(w) then freq[w] = freq[w] + 1 else freq[w] = 1
  end for
  return freq
end function
build = function(n)
  out = []
  for i in range(1, n)
    out.push words[i % words.len] + str(i % 7)
  end for
  return out
end function
total = 0
for r in range(1, 40)
  total = total + count(build(3000)).len
end for
print total
";

/// A script file of its own per test (tests of one process run in parallel).
fn script(tag: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("ms-pviews-{}-{tag}.ms", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

/// Run with `--profile` and `args`; returns stderr (the profile).
fn run(p: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(["--profile", "--profile-interval=200"])
        .args(args)
        .arg(p)
        .env_remove("MINISCRIPT_JIT")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(p: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--profile-format=json"];
    a.extend_from_slice(args);
    let err = run(p, &a);
    serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}"))
}

fn total_share(v: &serde_json::Value, name: &str) -> f64 {
    v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no function {name}: {v}"))["total_share"]
        .as_f64()
        .unwrap()
}

#[test]
fn two_functions_split_three_to_one_in_every_jit_mode() {
    let off = script("two-off", &TWO.replace("REPS", "40"));
    let p = script("two", &TWO.replace("REPS", "1000"));
    let modes: [&[&str]; 4] = [
        &["--jit=off"],
        &["--jit=sync"],
        &["--jit=sync", "--jit-functions=false"],
        &[
            "--jit=sync",
            "--jit-eager",
            "--jit-min-complexity=0",
            "--jit-hot-loop=1",
        ],
    ];
    for mode in modes {
        let p = if mode[0] == "--jit=off" { &off } else { &p };
        let v = json(p, mode);
        let (a, b) = (total_share(&v, "three"), total_share(&v, "one"));
        let r = a / (a + b);
        assert!((0.65..0.85).contains(&r), "{mode:?}: three {a}, one {b}");
        // The hottest line is in `three`: its loop, or its first line when the
        // whole function ran as native code.
        let top = &v["lines"][0];
        assert_eq!(top["function"], "three", "{mode:?}: {top}");
        assert!(
            (1..=6).contains(&top["line"].as_u64().unwrap()),
            "{mode:?}: {top}"
        );
        let text = run(p, mode);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        let fns = &text[text.find("functions").unwrap()..text.find("\nlines").unwrap()];
        assert!(
            fns.contains("three") && fns.contains("one"),
            "{mode:?}: {text}"
        );
    }
    let _ = std::fs::remove_file(p);
}

#[test]
fn native_time_is_marked_native() {
    let p = script("native", &TWO.replace("REPS", "200"));
    let v = json(&p, &["--jit=sync", "--jit-eager", "--jit-hot-loop=1"]);
    let native: u64 = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["native_samples"].as_u64().unwrap())
        .sum();
    let total = v["total_samples"].as_u64().unwrap();
    assert!(native * 2 > total, "{v}");
    assert!(v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["tier"].as_str().unwrap().starts_with("native")));
    let _ = std::fs::remove_file(p);
}

#[test]
fn folded_output_is_one_stack_and_count_per_line() {
    let p = script("folded", &TWO.replace("REPS", "10"));
    let err = run(&p, &["--profile-format=folded", "--jit=off"]);
    assert!(!err.is_empty());
    let mut sum = 0;
    for line in err.lines() {
        let (stack, n) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        sum += n.parse::<u64>().unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(stack.starts_with("(main):"), "{line}");
        assert!(stack.split(';').all(|f| !f.is_empty()), "{line}");
    }
    assert!(sum > 0);
    assert!(err.contains(";three:"), "{err}");
    let _ = std::fs::remove_file(p);
}

#[test]
fn svg_is_well_formed_and_names_the_hot_functions() {
    let p = script("svg", &TWO.replace("REPS", "200"));
    let svg = run(&p, &["--profile-format=svg", "--jit=sync"]);
    assert!(svg.starts_with("<?xml"), "{svg}");
    assert!(svg.contains("three:") && svg.contains("one:"), "{svg}");
    // Well-formed: every element opened is closed, in order.
    let mut open: Vec<String> = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if let Some(body) = rest.strip_prefix("![CDATA[") {
            rest = &body[body.find("]]>").expect("an unclosed CDATA section") + 3..];
            continue;
        }
        let end = rest.find('>').expect("an unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap();
        if tag.starts_with('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            open.push(name.to_string());
        }
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    assert!(svg.contains("class=\"native\""), "native frames are marked");
    let _ = std::fs::remove_file(p);
}

#[test]
fn json_has_every_view_and_no_negative_zero() {
    let p = script("json", STRINGS);
    let v = json(&p, &["--jit=off"]);
    for key in ["functions", "lines", "stacks", "regions"] {
        assert!(v[key].is_array(), "{key}: {v}");
    }
    let text = serde_json::to_string(&v).unwrap();
    assert!(!text.contains("-0.0") && !text.contains(":-0,"), "{text}");
    let line = &v["lines"][0];
    assert!(!line["source"].as_str().unwrap().is_empty(), "{line}");
    let _ = std::fs::remove_file(p);
}

#[test]
fn string_and_map_code_gets_a_useful_report() {
    let p = script("strings", STRINGS);
    let text = run(&p, &["--jit=off", "--profile-annotate"]);
    let fns = &text[text.find("functions").unwrap()..text.find("lines").unwrap()];
    assert!(fns.contains("count") && fns.contains("build"), "{text}");
    let lines = &text[text.find("\nlines").unwrap()..text.find("hot regions").unwrap()];
    assert!(lines.lines().count() >= 3, "{text}");
    assert!(text.contains("| "), "annotated source: {text}");
    assert!(!text.contains("(no compilable expressions ran)"), "{text}");
    let _ = std::fs::remove_file(p);
}

/// A host starts and stops profiling and reads the profile as a value; time in an
/// intrinsic (`wait`) is the intrinsic's, under the line that called it. Both the
/// spin and the wait last 50 ms of wall time, however fast the machine.
#[test]
fn a_host_reads_the_profile_as_a_value() {
    let mut interp = miniscript::Interpreter::new();
    interp.set_output(miniscript::host::NullSink);
    assert_eq!(interp.profile().total_samples, 0);
    interp.start_profiling(std::time::Duration::from_micros(200));
    let src = "spin = function(n)\n  s = 0\n  for i in range(1, n)\n    s = s + i\n  end for\n  return s\nend function\nt0 = time\nwhile time - t0 < 0.05\n  spin 2000\nend while\nwait 0.05\n";
    interp.run_source("", src).unwrap();
    interp.stop_profiling();
    let p = interp.profile();
    assert!(p.total_samples > 0);
    let names: Vec<&str> = p.functions.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"spin") && names.contains(&"wait"),
        "{names:?}"
    );
    let wait = p.functions.iter().find(|f| f.name == "wait").unwrap();
    assert!(wait.intrinsic && wait.self_share > 0.2, "{p:?}");
    let line9 = p
        .lines
        .iter()
        .find(|l| l.line == 12)
        .expect("line 12 is sampled");
    assert!(line9.intrinsic_samples > 0, "{p:?}");
}

//! The profiler and the JIT as a user sees them: `--profile` names the hot line and
//! its source text, the JSON report parses, `--jit-stats` and `--print-config` work.
//! The whole-program views are tested in `profile_views.rs`.

mod common;

use std::process::Command;

use common::own_bin as bin;

const HOT: &str = "f = function(n)
  s = 0
  i = 0
  while i < n
    s = s + i * 3.5 - 1
    i = i + 1
  end while
  return s
end function
print f(200000)
";

/// A script file of its own per test (tests of one process run in parallel).
fn script(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("ms-profile-{}-{tag}.ms", std::process::id()));
    std::fs::write(&p, HOT).unwrap();
    p
}

/// The regions table's first ranked row with the line under it (where a long
/// source goes), from stderr.
fn first_row(err: &str) -> String {
    let table = &err[err.find("hot regions").expect("a regions table")..];
    let mut lines = table
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("1 "));
    let row = lines
        .next()
        .unwrap_or_else(|| panic!("no ranked row in the report:\n{err}"));
    format!("{row}\n{}", lines.next().unwrap_or(""))
}

fn profile(p: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(bin())
        .arg("--profile")
        .args(args)
        .arg(p)
        .env_remove("MINISCRIPT_JIT")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "69999450000\n");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.lines().all(|l| l.chars().count() <= 80), "{err}");
    err
}

/// Expression sites only (no loop regions): whether or not the background thread has
/// compiled line 5 yet, it is the hottest row, named with its source text.
#[test]
fn text_report_names_the_hot_line_and_its_source() {
    let p = script("text");
    let err = profile(&p, &["--jit-loops=false"]);
    let first = first_row(&err);
    assert!(first.contains(":5:"), "the hot line is line 5: {first}");
    assert!(first.contains("s + i * 3.5 - 1"), "{first}");
    let _ = std::fs::remove_file(p);
}

/// With the loop compiled at its first iteration, the loop region takes the time: it
/// ranks first, named by its line span and its head's source, in state `compiled`.
/// (In the default background mode either shape can come first, depending on when the
/// compile thread publishes the loop.)
#[test]
fn text_report_ranks_a_compiled_loop_by_its_span() {
    let p = script("loop");
    let err = profile(&p, &["--jit=sync", "--jit-eager", "--jit-hot-loop=1"]);
    // `f` itself qualifies as a function region, compiled at its first call too:
    // then its native code runs the loop and the function's row comes first.
    let first = first_row(&err);
    if first.contains("function f") {
        assert!(first.contains(":1-8"), "{first}");
    } else {
        assert!(first.contains(":4-6"), "the loop spans lines 4-6: {first}");
        assert!(first.contains("while i < n"), "{first}");
    }
    assert!(first.contains("compiled"), "{first}");
    let _ = std::fs::remove_file(p);
}

#[test]
fn json_report_parses_and_has_the_documented_fields() {
    let p = script("json");
    let out = Command::new(bin())
        .args(["--profile", "--profile-format=json", "--jit=off"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value = serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}"));
    let top = &v["regions"][0];
    assert_eq!(top["line"], 5);
    assert_eq!(top["state"], "off");
    assert!(top["executions"].as_u64().unwrap() >= 200_000);
    assert_eq!(top["fingerprint"].as_str().unwrap().len(), 16);
    let _ = std::fs::remove_file(p);
}

#[test]
fn jit_stats_and_print_config() {
    let p = script("stats");
    let out = Command::new(bin())
        .args(["--jit=sync", "--jit-stats"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("compiled") && err.contains("native executions"),
        "{err}"
    );
    let out = Command::new(bin())
        .args(["--jit-hot-count=7", "--print-config"])
        .env("MINISCRIPT_PROFILE_TOP", "3")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("jit-hot-count") && l.contains("7") && l.contains("(flag)")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("profile-top") && l.contains("(env MINISCRIPT_PROFILE_TOP)")),
        "{text}"
    );
    let out = Command::new(bin())
        .args(["--jit-hot-count=0", "-e", "print 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jit-hot-count"));
    let _ = std::fs::remove_file(p);
}

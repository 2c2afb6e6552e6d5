//! Our own MiniScript cases: every `tests/cases/NAME.ms` runs through the binary
//! and its merged output (stdout lines, then stderr lines) must equal
//! `tests/cases/NAME.out` line for line. When the expected output ends with an
//! error (from the last line starting `Runtime Error:` / `Compiler Error:` /
//! `Lexer Error:`), that error must be exactly what is on stderr and the exit
//! code must be 1 (runtime) or 2 (compile); otherwise stderr must be empty and
//! the exit code 0.
//!
//! Cases live in `tests/cases/` and its subfolders (`errors/` holds one small
//! program per error message, since an error ends a program).
//! `MINISCRIPT_CASE=substring` runs only the cases whose path contains it.

mod common;

use common::{diff_text, expected_error, par_map, repo_root, run_script, split_lines};
use std::path::{Path, PathBuf};
use std::time::Duration;

const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// The case directory, `<repo root>/tests/cases`.
fn cases_dir() -> PathBuf {
    repo_root().join("tests").join("cases")
}

/// All files under `dir` (recursively) whose name ends in `.ext`, sorted.
fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            found.extend(files_with_ext(&path, ext));
        } else if path.extension().is_some_and(|x| x == ext) {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The case's path relative to the case directory, for messages and filtering.
fn case_name(ms: &Path) -> String {
    let rel = ms.strip_prefix(cases_dir()).unwrap_or(ms);
    rel.to_string_lossy().replace('\\', "/")
}

/// Checks one case; returns a failure report or `None` when it passes.
fn check(ms: &Path) -> Option<String> {
    let name = case_name(ms);
    let out_path = ms.with_extension("out");
    let expected_text = match std::fs::read_to_string(&out_path) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "FAILED: {name}: cannot read {}: {e}",
                out_path.display()
            ))
        }
    };
    let expected = split_lines(&expected_text);
    let error = expected_error(&expected);
    let want_code = error.map_or(0, |(_, code)| code);
    let out = run_script(ms, common::timeout_or(CASE_TIMEOUT));
    let actual = out.merged_lines();

    let mut problems = Vec::new();
    if out.timed_out || out.code != Some(want_code) {
        problems.push(format!(
            "{}, expected exit code {want_code}",
            out.status_text()
        ));
    }
    // Errors (and only errors) go to stderr; warnings and everything else to stdout.
    let stderr = split_lines(&out.stderr);
    let want_stderr = error.map_or(&[][..], |(start, _)| &expected[start..]);
    if stderr != want_stderr {
        let shown = &stderr[..stderr.len().min(12)];
        let more = if stderr.len() > shown.len() {
            " (truncated)"
        } else {
            ""
        };
        problems.push(format!(
            "stderr was {shown:?}{more}, expected {want_stderr:?}"
        ));
    }
    if actual != expected {
        problems.push(format!(
            "output differs (left: expected {}, right: actual)\n{}",
            out_path.file_name().unwrap().to_string_lossy(),
            diff_text(&expected, &actual)
        ));
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "FAILED: tests/cases/{name}: {}\n",
            problems.join("; ")
        ))
    }
}

#[test]
fn cases_match_expected_output() {
    let dir = cases_dir();
    let filter = std::env::var("MINISCRIPT_CASE").unwrap_or_default();
    let cases: Vec<PathBuf> = files_with_ext(&dir, "ms")
        .into_iter()
        .filter(|p| case_name(p).contains(&filter))
        .collect();
    assert!(
        !cases.is_empty(),
        "no .ms cases in {} matching {filter:?}",
        dir.display()
    );

    let results = par_map(&cases, common::thread_count(), |p| check(p));
    let failed: Vec<&String> = results.iter().flatten().collect();
    for msg in &failed {
        eprintln!("{msg}");
    }
    let passed = cases.len() - failed.len();
    common::notice(&format!("cases: {passed}/{} passed", cases.len()));
    assert!(failed.is_empty(), "{passed}/{} cases passed", cases.len());
}

#[test]
fn every_out_file_has_a_case() {
    for out in files_with_ext(&cases_dir(), "out") {
        assert!(
            out.with_extension("ms").exists(),
            "{} has no .ms beside it",
            out.display()
        );
    }
}

//! The official MiniScript 1.x conformance suite (`TestSuite.txt` from
//! JoeStrout/miniscript), run unchanged through the `miniscript` binary.
//!
//! The file is parsed as the reference harnesses do (spec §13): a line starting
//! with `====` closes the current case (if it has source) and starts a new one,
//! a line starting with `----` switches to expected output, every other line is
//! kept verbatim (never trimmed, blank lines included). Each case's source is its
//! lines joined by `\n` with no trailing newline; its merged output (stdout, then
//! stderr) must equal the expected lines, and the exit code must match the CLI
//! contract (1 after a runtime error, 2 after a compile error, else 0).

mod common;

use common::{diff_text, expected_exit_code, missing_shared, par_map, run_source, shared_dir};
use std::time::Duration;

/// The suite's own limit for one case (spec §13).
const CASE_TIMEOUT: Duration = Duration::from_secs(60);
const EXPECTED_CASES: usize = 116;

/// One test case of the suite.
struct Case {
    /// 1-based line in TestSuite.txt where the case's first source line is.
    line: usize,
    /// The first `====` description line above the case (may be empty).
    title: String,
    source: Vec<String>,
    expected: Vec<String>,
}

/// Parses TestSuite.txt text into cases, exactly per spec §13.
fn parse_suite(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut title = String::new();
    let mut prev_was_desc = false; // only a header's first description line names it
    let mut cur: Option<Case> = None;
    let mut in_expected = false;
    for (i, line) in text.split('\n').enumerate() {
        if line.starts_with("====") {
            if let Some(c) = cur.take() {
                if !c.source.is_empty() {
                    cases.push(c);
                }
            }
            in_expected = false;
            let desc = line.trim_start_matches('=').trim();
            if !desc.is_empty() {
                if !prev_was_desc {
                    title = desc.to_string();
                }
                prev_was_desc = true;
            }
            continue;
        }
        if line.starts_with("----") {
            in_expected = true;
            prev_was_desc = false;
            continue;
        }
        let case = cur.get_or_insert_with(|| Case {
            line: i + 1,
            title: title.clone(),
            source: Vec::new(),
            expected: Vec::new(),
        });
        prev_was_desc = false;
        if in_expected {
            case.expected.push(line.to_string());
        } else {
            case.source.push(line.to_string());
        }
    }
    if let Some(c) = cur {
        if !c.source.is_empty() {
            cases.push(c);
        }
    }
    cases
}

#[test]
fn conformance_suite() {
    let path = shared_dir().join("conformance").join("TestSuite.txt");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            return missing_shared(
                "the official conformance suite",
                &path,
                "Get TestSuite.txt (MIT licence) from https://github.com/JoeStrout/miniscript \
                 and put it at ../shared/conformance/TestSuite.txt beside the repository, \
                 or set MINISCRIPT_SHARED to a directory holding conformance/TestSuite.txt.",
            )
        }
    };
    // A final newline ends the last line; it does not add an empty one.
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let cases = parse_suite(text);
    assert_eq!(
        cases.len(),
        EXPECTED_CASES,
        "{} does not parse into {EXPECTED_CASES} cases; is it the 1.x TestSuite.txt?",
        path.display()
    );

    let failures: Vec<Option<String>> = par_map(&cases, common::thread_count(), |case| {
        let out = run_source(&case.source.join("\n"), common::timeout_or(CASE_TIMEOUT));
        let actual = out.merged_lines();
        let want_code = expected_exit_code(&case.expected);
        if !out.timed_out && actual == case.expected && out.code == Some(want_code) {
            return None;
        }
        let mut msg = format!(
            "FAILED: TestSuite.txt line {}: \"{}\" ({}, expected exit code {want_code})\n",
            case.line,
            case.title,
            out.status_text()
        );
        msg.push_str("  source:\n");
        for line in &case.source {
            msg.push_str(&format!("  | {line}\n"));
        }
        if actual != case.expected {
            msg.push_str("  (left: expected, right: actual)\n");
            msg.push_str(&diff_text(&case.expected, &actual));
            msg.push('\n');
        }
        Some(msg)
    });

    let failed: Vec<&String> = failures.iter().flatten().collect();
    for msg in &failed {
        eprintln!("{msg}");
    }
    let passed = cases.len() - failed.len();
    common::notice(&format!("conformance: {passed}/{} passed", cases.len()));
    assert!(failed.is_empty(), "{passed}/{} passed", cases.len());
}

#[test]
fn parser_keeps_blank_lines_and_splits_on_separators() {
    let text = "=====\n==== first\n==== more words\nprint 1\n\n----\n1\n\n=====\n\
                ==== second\nprint 2\n----\n2\n=====\n==== \nx\n";
    let cases = parse_suite(text.strip_suffix('\n').unwrap());
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0].title, "first");
    assert_eq!(cases[0].line, 4);
    assert_eq!(cases[0].source, vec!["print 1", ""]);
    assert_eq!(cases[0].expected, vec!["1", ""]);
    assert_eq!(cases[1].title, "second");
    assert_eq!(cases[1].expected, vec!["2"]);
    assert_eq!(cases[2].source, vec!["x"]);
    assert!(cases[2].expected.is_empty());
}

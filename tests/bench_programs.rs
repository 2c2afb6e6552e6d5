//! The shared benchmark programs (`$MINISCRIPT_SHARED/bench/ms/*.ms`) as
//! correctness tests: each prints one line, which must equal the line of
//! `bench/expected.txt` that starts with the program's name.
//!
//! They are slow in unoptimized builds, so a debug build skips them (with a
//! notice) unless `MINISCRIPT_BENCH_IN_DEBUG=1`; the project's test command,
//! `cargo test --release --workspace`, runs them.

mod common;

use common::{diff_text, missing_shared, par_map, run_script, shared_dir};
use std::path::PathBuf;
use std::time::Duration;

/// Per-program limit, generous for slow machines; `$MINISCRIPT_TEST_TIMEOUT` overrides it.
const PROGRAM_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn bench_programs_print_expected_lines() {
    if cfg!(debug_assertions) && std::env::var("MINISCRIPT_BENCH_IN_DEBUG").as_deref() != Ok("1") {
        common::notice(
            "\n*** NOTICE: benchmark programs SKIPPED in a debug build; run \
             `cargo test --release --workspace` (or set MINISCRIPT_BENCH_IN_DEBUG=1).\n",
        );
        return;
    }
    let bench = shared_dir().join("bench");
    let expected_path = bench.join("expected.txt");
    let expected_text = match std::fs::read_to_string(&expected_path) {
        Ok(t) => t,
        Err(_) => {
            return missing_shared(
                "the benchmark programs",
                &expected_path,
                "They are the project's shared set (bench/ms/*.ms and bench/expected.txt); \
                 put it at ../shared/bench beside the repository, or set MINISCRIPT_SHARED \
                 to a directory holding bench/.",
            )
        }
    };
    let mut programs: Vec<PathBuf> = std::fs::read_dir(bench.join("ms"))
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", bench.join("ms").display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ms"))
        .collect();
    programs.sort();
    assert!(
        !programs.is_empty(),
        "no .ms programs in {}",
        bench.join("ms").display()
    );

    let results = par_map(&programs, common::thread_count(), |path| {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(want) = expected_text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
        else {
            return Some(format!(
                "FAILED: {name}: no line for it in {}",
                expected_path.display()
            ));
        };
        let want = vec![want.to_string()];
        let out = run_script(path, common::timeout_or(PROGRAM_TIMEOUT));
        let actual = out.merged_lines();
        common::notice(&format!(
            "bench {name}: {:.2} s ({})",
            out.elapsed.as_secs_f64(),
            out.status_text()
        ));
        if !out.timed_out && out.code == Some(0) && actual == want {
            return None;
        }
        Some(format!(
            "FAILED: {} ({})\n  (left: expected, right: actual)\n{}\n",
            path.display(),
            out.status_text(),
            diff_text(&want, &actual)
        ))
    });

    let failed: Vec<&String> = results.iter().flatten().collect();
    for msg in &failed {
        eprintln!("{msg}");
    }
    let passed = programs.len() - failed.len();
    common::notice(&format!(
        "bench programs: {passed}/{} passed",
        programs.len()
    ));
    assert!(
        failed.is_empty(),
        "{passed}/{} bench programs passed",
        programs.len()
    );
}

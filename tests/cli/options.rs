//! Options and their sources on the command line: an unwritable `--profile-out`,
//! misspelled `MINISCRIPT_*` variables, empty boolean values, combined short
//! flags, and a `--help` that fits 80 columns.

use super::common::{code, stderr, stdout, TempDir};
use super::{run, run_in};

#[test]
fn an_unwritable_profile_out_is_one_line_and_status_73() {
    let o = run(&[
        "--profile",
        "--profile-out=/nonexistent-dir/p.json",
        "-e",
        "print \"ran\"",
    ]);
    assert_eq!(code(&o), 73);
    assert_eq!(stdout(&o), "", "the program does not run");
    assert_eq!(
        stderr(&o),
        "miniscript: cannot write the profile to /nonexistent-dir/p.json: no such file\n"
    );
    // A writable one is written, and the status is the program's.
    let dir = TempDir::new("profile-out");
    let path = dir.path().join("p.json");
    let out = format!("--profile-out={}", path.display());
    let o = run(&["--profile", "--profile-format=json", &out, "-e", "exit 3"]);
    assert_eq!((code(&o), stderr(&o)), (3, String::new()));
    let text = std::fs::read_to_string(&path).expect("the report");
    assert!(text.contains("\"regions\""), "{text}");
    // An empty report's total is 0.0, not the -0.0 of an empty float sum.
    assert!(text.contains("\"total_est_time_ns\": 0.0"), "{text}");
}

#[test]
fn a_misspelled_environment_variable_is_one_warning() {
    let o = run_in(
        None,
        &[("MINISCRIPT_JTI", "off"), ("MINISCRIPT_PROFIL", "1")],
        &["-e", "print 1"],
        "",
    );
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "1\n");
    assert_eq!(
        stderr(&o),
        "miniscript: warning: ignoring MINISCRIPT_JTI, MINISCRIPT_PROFIL: no such option (see 'miniscript --help')\n"
    );
    // Options and the test suite's own knobs are not misspellings.
    let o = run_in(
        None,
        &[("MINISCRIPT_JIT", "off"), ("MINISCRIPT_CASE", "x")],
        &["-e", "print 1"],
        "",
    );
    assert_eq!((code(&o), stderr(&o)), (0, String::new()));
}

#[test]
fn an_empty_boolean_is_an_error() {
    let o = run_in(
        None,
        &[("MINISCRIPT_JIT_EAGER", "")],
        &["-e", "print 1"],
        "",
    );
    assert_eq!(code(&o), 64);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "miniscript: invalid value '' for option 'jit-eager': expected true or false (from MINISCRIPT_JIT_EAGER) (see 'miniscript --help')\n"
    );
    let o = run(&["--jit-stats=", "-e", "print 1"]);
    assert_eq!(code(&o), 64);
    assert_eq!(stderr(&o).lines().count(), 1);
    // A bare flag is still true.
    let o = run(&["--print-config", "--jit-eager"]);
    assert!(
        stdout(&o).contains("jit-eager           true"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn short_flags_combine() {
    // -qi: run the script, then the REPL (stdin), without a banner.
    let o = run_in(None, &[], &["-qi", "-e", "x = 6"], "print x * 7\n");
    assert_eq!(
        (code(&o), stdout(&o), stderr(&o)),
        (0, "42\n".into(), "".into())
    );
    let o = run(&["-qe", "print 5", "arg"]);
    assert_eq!((code(&o), stdout(&o)), (0, "5\n".into()));
    for (args, msg) in [
        (&["-qx"][..], "miniscript: unknown option '-x' in '-qx'"),
        (
            &["-eq", "print 1"][..],
            "miniscript: option -e takes an argument and must come last in '-eq'",
        ),
    ] {
        let o = run(args);
        assert_eq!(code(&o), 64, "{args:?}");
        assert_eq!(stdout(&o), "");
        assert_eq!(stderr(&o), format!("{msg} (see 'miniscript --help')\n"));
    }
}

#[test]
fn help_fits_80_columns_and_keeps_every_word() {
    let o = run(&["--help"]);
    let help = stdout(&o);
    for line in help.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    // Wrapped, not cut: every option and its variable appear whole.
    let config = stdout(&run(&["--print-config"]));
    for line in config.lines() {
        let name = line.split_whitespace().next().expect("an option name");
        let var = format!("MINISCRIPT_{}", name.to_uppercase().replace('-', "_"));
        assert!(help.contains(&format!("--{name}")), "help lacks --{name}");
        assert!(help.contains(&var), "help lacks {var}");
    }
    assert!(help.contains("$MS_SCRIPT_DIR:$MS_SCRIPT_DIR/lib:$MS_EXE_DIR/lib"));
}

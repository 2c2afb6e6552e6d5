//! Tests of the lowering's entry points: statement-by-statement compilation of a
//! program gives the errors and lines that compiling the whole tree gave.

use super::{compile, compile_source, CompileOptions};

/// A global code with more distinct constants than an operand can name.
fn too_many_constants() -> String {
    (0..33_000).map(|i| format!("x = {i}\n")).collect()
}

#[test]
fn streaming_matches_whole_tree() {
    let src = "a = 1\nf = function(x)\n  return x * 2\nend function\nprint f(a)\n";
    let whole = compile(&crate::parser::parse(src).unwrap(), src, None).unwrap();
    let streamed = compile_source("", src, CompileOptions::default()).unwrap();
    assert_eq!(whole.dump(), streamed.dump());
}

#[test]
fn lowering_error_keeps_its_line() {
    let src = too_many_constants();
    let Err(e) = compile_source("", &src, CompileOptions::default()) else {
        panic!("compiled");
    };
    assert_eq!(
        e.to_string(),
        "Compiler Error: function too large [line 33000]"
    );
}

#[test]
fn parse_error_after_a_lowering_error_wins() {
    let src = too_many_constants() + "y = (1\n";
    let Err(e) = compile_source("m", &src, CompileOptions::default()) else {
        panic!("compiled");
    };
    assert!(e.message.contains("got EOL"), "{e}");
    assert_eq!(e.file.as_deref(), Some("m"));
}

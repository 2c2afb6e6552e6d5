//! Tests of statement parsing: statement-start rules, blocks, statement lines and
//! the order of errors.

use super::{err, prog};
use crate::parser::parse;

#[test]
fn statement_start_rules() {
    let cases = [
        // `-` (spec §2.5)
        ("f -3", "(call f -3)"),
        ("f - 3", "(- f 3)"),
        ("f-3", "(- f 3)"),
        ("f- 3", "(- f 3)"),
        (
            "f -",
            "got EOL where number, string, or identifier is required [line 1]",
        ),
        ("f -x", "(call f (neg x))"),
        ("y = f -3", "(= y (- f 3))"),
        ("print - 1", "(- print 1)"),
        ("a - b -3", "(call (- a b) -3)"),
        ("x == y -3", "(cmp x == (- y 3))"),
        ("f -3, 4", "(call f -3 4)"),
        // Spaced brackets (spec §2.3)
        ("x [1]", "(call x [1])"),
        ("x[1]", "(call ([] x 1))"),
        ("f (1)", "(call f 1)"),
        ("f (1, 2)", "got Comma where RParen is required [line 1]"),
        ("print f (1, 2)", "(call print (call f 1 2))"),
        ("print(1+2)*3", "(* (call print (+ 1 2)) 3)"),
        ("f(1)(2)", "(call (call f 1) 2)"),
        // Auto-invocation of elements at statement start (spec §2.4)
        ("m[k]", "(call ([] m k))"),
        ("m[k](1, 2)", "(call ([] m k) 1 2)"),
        ("m[k] 1, 2", "(call ([] m k) 1 2)"),
        ("m[k] (1)", "(call ([] m k) 1)"),
        ("@m[k]", "(@ ([] m k))"),
        ("(m[k])", "([] m k)"),
        ("(m[k]) + 1", "(+ ([] m k) 1)"),
        ("m[k] + 1", "(+ (call ([] m k)) 1)"),
        ("m[k] == 1", "(cmp (call ([] m k)) == 1)"),
        ("m[k].x = 5", "(= (. (call ([] m k)) x) 5)"),
        ("m[k][j] = 5", "(= ([] (call ([] m k)) j) 5)"),
        ("m[k][j]", "(call ([] (call ([] m k)) j))"),
        ("m.a[k] = 1", "(= ([] (. m a) k) 1)"),
        ("m[1:2]", "([:] m 1 2)"),
        ("(a)[1] + 2", "(+ (call ([] a 1)) 2)"),
        ("f(1)[2] = 3", "(= ([] (call f 1) 2) 3)"),
        ("f(1).x = 5", "(= (. (call f 1) x) 5)"),
        // Call statements
        ("print \"a\", 1", "(call print \"a\" 1)"),
        ("print", "print"),
        (
            "p(\"CALLABLE\", @f) a, b",
            "(call (call p \"CALLABLE\" (@ f)) a b)",
        ),
        ("obj.method 1, 2", "(call (. obj method) 1 2)"),
        ("obj.method(1)", "(call (. obj method) 1)"),
        ("obj.method", "(. obj method)"),
        ("range 1,\n10, 2", "(call range 1 10 2)"),
        ("print not x", "(call print (not x))"),
        ("not x", "(not x)"),
        ("true", "1"),
        ("@f 1", "(call (@ f) 1)"),
        ("f function(x)\nend function", "(call f (fn (x)))"),
        // Assignments
        ("x = 1", "(= x 1)"),
        ("x = 0 or\n1", "(= x (or 0 1))"),
        ("x = [1, 2, \n 3]", "(= x [1 2 3])"),
        ("a.b = 1", "(= (. a b) 1)"),
        ("a[1] = 2", "(= ([] a 1) 2)"),
        ("@x = 5", "(= x 5)"),
        ("self = 1", "(= self 1)"),
        ("x += 1", "(+= x 1)"),
        ("x -= 1", "(-= x 1)"),
        ("x *= 2", "(*= x 2)"),
        ("x /= 2", "(/= x 2)"),
        ("x %= 2", "(%= x 2)"),
        ("x ^= 2", "(^= x 2)"),
        ("m[k] += 1", "(+= ([] m k) 1)"),
        ("x = y = 1", "got OpAssign where EOL is required [line 1]"),
    ];
    let mut wrong = Vec::new();
    for (src, want) in cases {
        let got = prog(src);
        let got = got
            .strip_prefix("Compiler Error: ")
            .unwrap_or(&got)
            .to_string();
        if got != want {
            wrong.push(format!("{src:?}\n   got  {got}\n   want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn blocks() {
    let cases = [
        ("if x then\n  a\nelse if y then\n  b\nelse\n  c\nend if", "(if (x a) (y b) (else c))"),
        ("if x then\nend if", "(if (x))"),
        ("if x then\n  a\nelse\nend if", "(if (x a) (else))"),
        ("if x then a", "(if (x a))"),
        ("if x then print 1 else print 2", "(if (x (call print 1)) (else (call print 2)))"),
        ("if 0 then print 1; print 2", "(if (0 (call print 1))) | (call print 2)"),
        ("if a then b else if c then d else e", "(if (a b) (c d) (else e))"),
        ("if a then b else if c then d", "(if (a b) (c d))"),
        ("if a then if b then c else d", "(if (a (if (b c) (else d))))"),
        ("if x then return else print x", "(if (x (return)) (else (call print x)))"),
        ("if x then return 1", "(if (x (return 1)))"),
        ("if x then y = 1 else y = 2", "(if (x (= y 1)) (else (= y 2)))"),
        ("if x then f 1, 2 else g", "(if (x (call f 1 2)) (else g))"),
        ("while 1\nif x then break else continue\nend while", "(while 1 (if (x break) (else continue)))"),
        // Reference quirks: a keyword after a single-line `then` statement is
        // swallowed; after an `else` statement the line may go on.
        ("if x then y = 1 end if", "(if (x (= y 1)))"),
        ("if x then a else b = 1 c", "(if (x a) (else (= b 1))) | c"),
        ("while x > 0\n  x -= 1\n  if x == 5 then break\nend while", "(while (cmp x > 0) (-= x 1) (if ((cmp x == 5) break)))"),
        ("for i in range(3)\n  continue\nend for", "(for i (call range 3) continue)"),
        ("for i in [1,2]; print i; end for", "(for i [1 2] (call print i))"),
        ("while true; if true then; break; else; print 1; end if; end while", "(while 1 (if (1 break) (else (call print 1))))"),
        ("if x then // comment\n  a\nend if // c", "(if (x a))"),
        ("return", "(return)"),
        ("return 1 + 2", "(return (+ 1 2))"),
        ("while 1\n  f = function()\n    while 2\n      break\n    end while\n  end function\n  break\nend while", "(while 1 (= f (fn () (while 2 break))) break)"),
        ("\n\n  \n; ;\n", ""),
        ("", ""),
        ("// just a comment", ""),
        ("#!/usr/bin/env miniscript\nprint 1", "(call print 1)"),
        ("x = 1\r\ny = 2\rz = 3", "(= x 1) | (= y 2) | (= z 3)"),
    ];
    let mut wrong = Vec::new();
    for (src, want) in cases {
        let got = prog(src);
        if got != want {
            wrong.push(format!("{src:?}\n   got  {got}\n   want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn statement_lines() {
    let p =
        parse("x = 1\n\nif a then\n  b = [1,\n    2]\n  c\nend if\nwhile 1\nend while").unwrap();
    let lines: Vec<u32> = p.body.iter().map(|s| s.line).collect();
    assert_eq!(lines, [1, 3, 8]);
    let crate::ast::StmtKind::If(branches, _) = &p.body[1].kind else {
        panic!()
    };
    let inner: Vec<u32> = branches[0].1.iter().map(|s| s.line).collect();
    assert_eq!(inner, [4, 6]);
    assert_eq!(branches[0].0.span.line, 3);
}

#[test]
fn errors_after_valid_lines_win_in_order() {
    // The first error in source order wins, lexer or compiler.
    assert_eq!(
        err("x = 1 +\n\"abc\ny = )"),
        "Lexer Error: missing closing quote (\") [line 1]"
    );
    assert_eq!(
        err("y = )\nx = \"abc"),
        "Compiler Error: got RParen where number, string, or identifier is required [line 1]"
    );
    assert_eq!(
        err("f = function()\n  x = )\nend function"),
        "Compiler Error: got RParen where number, string, or identifier is required [line 2]"
    );
}

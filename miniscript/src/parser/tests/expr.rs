//! Tests of expression parsing: precedence, literals and folding, postfix chains,
//! function literals, spans and the height cap.

use super::{err, ex, prog};
use crate::ast::{ExprKind, Span, StmtKind};
use crate::parser::parse;

#[test]
fn precedence_and_associativity() {
    let cases = [
        ("-2^2", "(neg (^ 2 2))"),
        ("-x^2", "(neg (^ x 2))"),
        ("2 * -3", "(* 2 -3)"),
        ("not 0 == 1", "(not (cmp 0 == 1))"),
        ("\"x\" isa string == 1", "(isa \"x\" (cmp string == 1))"),
        ("1 + 2 isa number", "(isa (+ 1 2) number)"),
        ("2 + 3 * 4 ^ 2 / 8 % 5", "(+ 2 (% (/ (* 3 (^ 4 2)) 8) 5))"),
        ("2^3^2", "(^ (^ 2 3) 2)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b * c", "(* (/ a b) c)"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a or not b", "(or (not a) (not b))"),
        ("a and not b", "(and a (not b))"),
        ("a < b <= c", "(cmp a < b <= c)"),
        ("a == b != c > d >= e", "(cmp a == b != c > d >= e)"),
        ("(a < b) < c", "(cmp (cmp a < b) < c)"),
        ("a == b isa c", "(isa (cmp a == b) c)"),
        ("a isa b and c isa d", "(and (isa a b) (isa c d))"),
        ("a + b < c * d", "(cmp (+ a b) < (* c d))"),
        ("-a * b", "(* (neg a) b)"),
        ("a * -b ^ c", "(* a (neg (^ b c)))"),
        ("new a.b", "(new (. a b))"),
        ("new x ^ 2", "(new (^ x 2))"),
        ("-new x", "(neg (new x))"),
        ("2 * new x", "(* 2 (new x))"),
        ("@f", "(@ f)"),
        ("@a.b", "(@ (. a b))"),
        ("@f(1)", "(@ (call f 1))"),
        ("@f ^ 2", "(^ (@ f) 2)"),
        ("2 ^ @f", "(^ 2 (@ f))"),
        ("-@f", "(neg (@ f))"),
        ("not @f", "(not (@ f))"),
    ];
    for (src, want) in cases {
        assert_eq!(ex(src), want, "{src}");
    }
}

#[test]
fn literals_and_folding() {
    let cases = [
        ("-3", "-3"),
        ("- 3", "-3"),
        ("-(3)", "-3"),
        ("-(-3)", "3"),
        ("-true", "-1"),
        ("true", "1"),
        ("false", "0"),
        ("null", "null"),
        ("-null", "(neg null)"),
        ("-\"abc\"", "(neg \"abc\")"),
        ("- x", "(neg x)"),
        ("-(-x)", "(neg (neg x))"),
        ("-2^3", "(neg (^ 2 3))"),
        ("1.5e3", "1500"),
        (".5", "0.5"),
        ("1.", "1"),
        ("007", "7"),
        ("1E-2", "0.01"),
        ("\"a\"\"b\"", "\"a\\\"b\""),
        ("\"\"", "\"\""),
        ("[]", "[]"),
        ("[1, 2,]", "[1 2]"),
        ("[\n1,\n2,\n]", "[1 2]"),
        ("[1,\n2]", "[1 2]"),
        ("{}", "{}"),
        ("{\n}", "{}"),
        ("{1:2, \"a\":[3,]}", "{1:2 \"a\":[3]}"),
        ("{\n\"a\":\n1,\n}", "{\"a\":1}"),
        ("{null: null}", "{null:null}"),
        ("[[1],[2,[3]]]", "[[1] [2 [3]]]"),
    ];
    for (src, want) in cases {
        assert_eq!(ex(src), want, "{src}");
    }
}

#[test]
fn postfix_chains() {
    let cases = [
        ("a.b.c", "(. (. a b) c)"),
        ("a[1][2]", "([] ([] a 1) 2)"),
        ("a[1:2]", "([:] a 1 2)"),
        ("a[:2]", "([:] a _ 2)"),
        ("a[1:]", "([:] a 1 _)"),
        ("a[:]", "([:] a _ _)"),
        ("a[\n1:\n2]", "([:] a 1 2)"),
        ("a[\n:\n]", "([:] a _ _)"),
        ("a.\nb", "(. a b)"),
        ("f(1, 2)", "(call f 1 2)"),
        ("f()", "(call f)"),
        ("f( )", "(call f)"),
        ("f(\n1,\n2)", "(call f 1 2)"),
        ("f (1, 2)", "(call f 1 2)"),
        ("a.b(1).c", "(. (call (. a b) 1) c)"),
        ("a.b (1)", "(call (. a b) 1)"),
        ("a[1].b", "(. ([] a 1) b)"),
        ("f(1)[2]", "([] (call f 1) 2)"),
        ("\"abc\".len", "(. \"abc\" len)"),
        ("\"abc\"[1]", "([] \"abc\" 1)"),
        ("[1,2][0]", "([] [1 2] 0)"),
        ("{\"a\":1}.a", "(. {\"a\":1} a)"),
        ("(a).b", "(. a b)"),
        ("self.x", "(. self x)"),
        ("super.f(1)", "(call (. super f) 1)"),
        ("d[\"f\"]", "([] d \"f\")"),
        ("@m[k]", "(@ ([] m k))"),
        ("f(g(1), h[2])", "(call f (call g 1) ([] h 2))"),
    ];
    for (src, want) in cases {
        assert_eq!(ex(src), want, "{src}");
    }
    // After a call or an element access, `(` ends the expression.
    assert_eq!(
        err("x = f(1)(2)"),
        "Compiler Error: got LParen where EOL is required [line 1]"
    );
    assert_eq!(
        err("x = a[\n1\n:2]"),
        "Compiler Error: got EOL(\n) where RSquare is required [line 3]"
    );
    assert_eq!(
        err("x = m[k](1)"),
        "Compiler Error: got LParen where EOL is required [line 1]"
    );
    assert_eq!(
        err("print m[k](1)"),
        "Compiler Error: got LParen where Comma or EOL is required [line 1]"
    );
    assert_eq!(
        err("x = (m[k](1))"),
        "Compiler Error: got LParen where RParen is required [line 1]"
    );
    assert_eq!(
        err("print x [1]"),
        "Compiler Error: got LSquare where Comma or EOL is required [line 1]"
    );
}

#[test]
fn function_literals() {
    assert_eq!(
        prog("f = function(a, b=2, c=\"x\", d=null, e=true, f=-3, g=false, h=(4))\n  return a\nend function"),
        "(= f (fn (a b=2 c=\"x\" d e=1 f=-3 g=0 h=4) (return a)))"
    );
    assert_eq!(prog("f = function\nend function"), "(= f (fn ()))");
    assert_eq!(prog("f = function()\nend function"), "(= f (fn ()))");
    assert_eq!(prog("f = function(a,)\nend function"), "(= f (fn (a)))");
    assert_eq!(prog("f = function (a)\nend function"), "(= f (fn (a)))");
    assert_eq!(
        prog("f = function(x); print(\"foo\"); end function; print(false and f)"),
        "(= f (fn (x) (call print \"foo\"))) | (call print (and 0 f))"
    );
    assert_eq!(
        prog("f = function(x)\n  g = function(y)\n    return x+y\n  end function\n  return @g\nend function\nf(1)"),
        "(= f (fn (x) (= g (fn (y) (return (+ x y)))) (return (@ g)))) | (call f 1)"
    );
    assert_eq!(
        prog("return function(a)\nend function"),
        "(return (fn (a)))"
    );
    assert_eq!(
        prog("foo function(a)\nreturn a\nend function"),
        "(call foo (fn (a) (return a)))"
    );
    assert_eq!(
        prog("foo(function(a))\nend function"),
        "(call foo (fn (a)))"
    );
    assert_eq!(prog("m.f = function\nend function"), "(= (. m f) (fn ()))");
    assert_eq!(prog("x = [function()]\nend function"), "(= x [(fn ())])");
    assert_eq!(
        err("x = [function]"),
        "Compiler Error: got RSquare where LParen is required [line 1]"
    );
    // The body is the lines after the statement, even in a loop header.
    assert_eq!(
        prog("while function()\n  y\nend function\n  z\nend while"),
        "(while (fn () y) z)"
    );
    assert_eq!(
        prog("f = function\nend function x = 1"),
        "(= f (fn ())) | (= x 1)"
    );
    let p = parse("\n\nf = function(a)\nend function").unwrap();
    let StmtKind::Assign(_, v) = &p.body[0].kind else {
        panic!()
    };
    let ExprKind::Function(def) = &v.kind else {
        panic!()
    };
    assert_eq!(def.line, 3);
    assert_eq!(
        v.span,
        Span {
            line: 3,
            col: 5,
            start: 6,
            end: 17
        }
    );
}

#[test]
fn spans() {
    let rhs = |src: &str| {
        let p = parse(src).unwrap();
        match &p.body.last().unwrap().kind {
            StmtKind::Assign(_, v) | StmtKind::OpAssign(_, _, v) => (
                src[v.span.start as usize..v.span.end as usize].to_string(),
                v.span,
            ),
            StmtKind::Expr(e) => (
                src[e.span.start as usize..e.span.end as usize].to_string(),
                e.span,
            ),
            _ => panic!(),
        }
    };
    assert_eq!(
        rhs("x = a*b + c"),
        (
            "a*b + c".into(),
            Span {
                line: 1,
                col: 5,
                start: 4,
                end: 11
            }
        )
    );
    assert_eq!(rhs("x = (a+b)*c").0, "(a+b)*c");
    assert_eq!(rhs("x = c*(a+b)").0, "c*(a+b)");
    assert_eq!(rhs("x = ((a))").0, "((a))");
    assert_eq!(rhs("x = -3").0, "-3");
    assert_eq!(rhs("x = - (3)").0, "- (3)");
    assert_eq!(rhs("x = not a").0, "not a");
    assert_eq!(rhs("x = a < b < c").0, "a < b < c");
    assert_eq!(rhs("x = a.b[1:2]").0, "a.b[1:2]");
    assert_eq!(rhs("x = foo.bar(2)[1]").0, "foo.bar(2)[1]");
    assert_eq!(rhs("x = [1, {2:3}]").0, "[1, {2:3}]");
    assert_eq!(rhs("x += a ^ b").0, "a ^ b");
    assert_eq!(rhs("print a, b*c").0, "print a, b*c");
    assert_eq!(
        rhs("a\nx = [1,\n  2]"),
        (
            "[1,\n  2]".into(),
            Span {
                line: 2,
                col: 5,
                start: 6,
                end: 14
            }
        )
    );
    assert_eq!(
        rhs("é = ü + 1"),
        (
            "ü + 1".into(),
            Span {
                line: 1,
                col: 5,
                start: 5,
                end: 11
            }
        )
    );
    assert_eq!(rhs("x = a and\n b").0, "a and\n b");
    assert_eq!(
        rhs("#!/bin/ms\nx = a+1"),
        (
            "a+1".into(),
            Span {
                line: 2,
                col: 5,
                start: 14,
                end: 17
            }
        )
    );
    assert_eq!(
        rhs("x = 1\r\ny = b-1"),
        (
            "b-1".into(),
            Span {
                line: 2,
                col: 5,
                start: 11,
                end: 14
            }
        )
    );
}

#[test]
fn expression_height_is_capped() {
    // A left-deep chain counts as nesting: the tree must stay walkable.
    assert!(parse(&format!("x = 1{}", "+1".repeat(200))).is_ok());
    assert_eq!(
        err(&format!("x = 1{}", "+1".repeat(300))),
        "Compiler Error: expression too deeply nested [line 1]"
    );
    // Comparison chains and lists are wide, not deep.
    assert!(parse(&format!("x = 1{}", "<1".repeat(2000))).is_ok());
    assert!(parse(&format!("x = [{}]", "1,".repeat(20000))).is_ok());
    assert!(parse(&format!("print 1{}", ",1".repeat(20000))).is_ok());
}

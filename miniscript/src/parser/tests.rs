//! Test helpers (an S-expression view of the AST) and whole-program tests: the
//! error messages of spec §9, the conformance suite, robustness.

mod expr;
mod messages;
mod stmt;

use super::*;
use crate::ast::{BinOp, CmpOp, Literal, StmtKind};

pub fn sx(e: &Expr) -> String {
    use ExprKind::*;
    let list = |xs: &[Expr]| xs.iter().map(sx).collect::<Vec<_>>().join(" ");
    match &e.kind {
        Num(v) => format!("{v}"),
        Str(s) => format!("{s:?}"),
        Null => "null".into(),
        Ident(n) => n.to_string(),
        Member(b, n) => format!("(. {} {n})", sx(b)),
        Index(b, i) => format!("([] {} {})", sx(b), sx(i)),
        Slice(b, f, t) => {
            let opt = |x: &Option<Box<Expr>>| x.as_ref().map_or("_".to_string(), |x| sx(x));
            format!("([:] {} {} {})", sx(b), opt(f), opt(t))
        }
        Call(f, args) if args.is_empty() => format!("(call {})", sx(f)),
        Call(f, args) => format!("(call {} {})", sx(f), list(args)),
        AddrOf(x) => format!("(@ {})", sx(x)),
        Binary(op, a, b) => {
            let o = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::Mod => "%",
                BinOp::Pow => "^",
            };
            format!("({o} {} {})", sx(a), sx(b))
        }
        Compare(xs, ops) => {
            let mut s = format!("(cmp {}", sx(&xs[0]));
            for (x, op) in xs[1..].iter().zip(ops) {
                let o = match op {
                    CmpOp::Eq => "==",
                    CmpOp::Ne => "!=",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => ">=",
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                };
                s += &format!(" {o} {}", sx(x));
            }
            s + ")"
        }
        Neg(x) => format!("(neg {})", sx(x)),
        Not(x) => format!("(not {})", sx(x)),
        And(a, b) => format!("(and {} {})", sx(a), sx(b)),
        Or(a, b) => format!("(or {} {})", sx(a), sx(b)),
        Isa(a, b) => format!("(isa {} {})", sx(a), sx(b)),
        New(x) => format!("(new {})", sx(x)),
        List(xs) => format!("[{}]", list(xs)),
        Map(kvs) => {
            let entries: Vec<String> = kvs
                .iter()
                .map(|(k, v)| format!("{}:{}", sx(k), sx(v)))
                .collect();
            format!("{{{}}}", entries.join(" "))
        }
        Function(def) => {
            let params: Vec<String> = def
                .params
                .iter()
                .map(|p| match &p.default {
                    Literal::Null => p.name.to_string(),
                    Literal::Num(v) => format!("{}={v}", p.name),
                    Literal::Str(s) => format!("{}={s:?}", p.name),
                })
                .collect();
            let mut s = format!("(fn ({})", params.join(" "));
            for st in &def.body {
                s += " ";
                s += &sx_stmt(st);
            }
            s + ")"
        }
    }
}

fn block(stmts: &[Stmt]) -> String {
    stmts.iter().map(|s| format!(" {}", sx_stmt(s))).collect()
}

pub fn sx_stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Expr(e) => sx(e),
        StmtKind::Assign(t, v) => format!("(= {} {})", sx(t), sx(v)),
        StmtKind::OpAssign(t, op, v) => {
            let o = match op {
                BinOp::Add => "+=",
                BinOp::Sub => "-=",
                BinOp::Mul => "*=",
                BinOp::Div => "/=",
                BinOp::Mod => "%=",
                BinOp::Pow => "^=",
            };
            format!("({o} {} {})", sx(t), sx(v))
        }
        StmtKind::If(branches, else_body) => {
            let mut out = "(if".to_string();
            for (c, b) in branches {
                out += &format!(" ({}{})", sx(c), block(b));
            }
            if let Some(b) = else_body {
                out += &format!(" (else{})", block(b));
            }
            out + ")"
        }
        StmtKind::While(c, b) => format!("(while {}{})", sx(c), block(b)),
        StmtKind::For(v, seq, b) => format!("(for {v} {}{})", sx(seq), block(b)),
        StmtKind::Break => "break".into(),
        StmtKind::Continue => "continue".into(),
        StmtKind::Return(None) => "(return)".into(),
        StmtKind::Return(Some(e)) => format!("(return {})", sx(e)),
    }
}

/// The program as S-expressions, statements separated by ` | `; or the error text.
pub fn prog(src: &str) -> String {
    match parse(src) {
        Ok(p) => p.body.iter().map(sx_stmt).collect::<Vec<_>>().join(" | "),
        Err(e) => e.to_string(),
    }
}

/// The right-hand side of `_ = SRC`.
pub fn ex(src: &str) -> String {
    let p = match parse(&format!("_ = {src}")) {
        Ok(p) => p,
        Err(e) => return e.to_string(),
    };
    match &p.body[..] {
        [Stmt {
            kind: StmtKind::Assign(_, v),
            ..
        }] => sx(v),
        other => panic!("unexpected {:?}", other),
    }
}

/// The error of `src`, which must not parse.
pub fn err(src: &str) -> String {
    match parse(src) {
        Ok(p) => panic!(
            "{src:?} parsed: {:?}",
            p.body.iter().map(sx_stmt).collect::<Vec<_>>()
        ),
        Err(e) => e.to_string(),
    }
}

/// Runs `f` on a thread with a 2 MiB stack (what `cargo test` threads get), so
/// deep-nesting tests prove the limits fit even if RUST_MIN_STACK is raised.
pub fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn conformance_suite() {
    // The suite's compile-error cases must give exactly its messages; every other
    // case must parse. Parsed as spec §13 describes.
    let Ok(text) = std::fs::read_to_string("/work/shared/conformance/TestSuite.txt") else {
        eprintln!("TestSuite.txt not found; skipped");
        return;
    };
    let mut tests: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    let mut cur: Option<(Vec<&str>, Vec<&str>)> = None;
    let mut in_expected = false;
    for line in text.split('\n') {
        if line.starts_with("====") {
            if let Some(t) = cur.take() {
                if !t.0.is_empty() {
                    tests.push(t);
                }
            }
            cur = Some((Vec::new(), Vec::new()));
            in_expected = false;
        } else if line.starts_with("----") {
            in_expected = true;
        } else if let Some((src, out)) = cur.as_mut() {
            if in_expected {
                out.push(line);
            } else {
                src.push(line);
            }
        }
    }
    if let Some(t) = cur.take() {
        if !t.0.is_empty() {
            tests.push(t);
        }
    }
    assert_eq!(tests.len(), 116);
    let mut compile_errors = 0;
    for (src, out) in &tests {
        let src = src.join("\n");
        let want = out
            .iter()
            .rev()
            .find(|l| !l.is_empty())
            .copied()
            .unwrap_or("");
        match parse(&src) {
            Ok(_) => assert!(
                !want.starts_with("Compiler Error") && !want.starts_with("Lexer Error"),
                "should fail with {want}:\n{src}"
            ),
            Err(e) => {
                compile_errors += 1;
                assert_eq!(e.to_string(), want, "source:\n{src}");
            }
        }
    }
    assert_eq!(compile_errors, 8);
}

#[test]
fn suite_errors_inline() {
    // The same cases, kept here in case the suite file is absent.
    assert_eq!(
        err("x = 1\nx = 5$&@*!\nx = 3"),
        "Compiler Error: got Unknown($) where EOL is required [line 2]"
    );
    assert_eq!(
        err("s = \"Hello\nworld!\""),
        "Lexer Error: missing closing quote (\") [line 1]"
    );
    assert_eq!(
        err("for i in range(0,10)\n\tprint i"),
        "Compiler Error: 'for' without matching 'end for' [line 3]"
    );
    assert_eq!(
        err("for i in range(0,10)\n\tprint i\nend if"),
        "Compiler Error: 'end if' without matching 'if' [line 3]"
    );
    assert_eq!(
        err("for i in range(0,10)\n\twhile true\n\t\tprint \"...\"\n\t\tbreak\n\tend for\n\tprint i\nend while"),
        "Compiler Error: 'end for' without matching 'for' [line 5]"
    );
    assert_eq!(
        err("break"),
        "Compiler Error: 'break' without open loop block [line 1]"
    );
    assert_eq!(
        err("if true then for i in \"abc\""),
        "Compiler Error: loop is invalid within single-line 'if' [line 1]"
    );
    assert_eq!(
        err("if true then while true"),
        "Compiler Error: loop is invalid within single-line 'if' [line 1]"
    );
}

#[test]
fn compiler_messages() {
    let cases = messages::COMPILER_MESSAGES;
    let mut wrong = Vec::new();
    for (src, want) in cases {
        let got = match parse(src) {
            Ok(_) => "parsed".to_string(),
            Err(e) => e.to_string(),
        };
        let got = got.split_once(": ").map_or(got.as_str(), |(_, m)| m);
        if got != *want {
            wrong.push(format!("{src:?}\n   got  {got:?}\n   want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(err("end").starts_with("Lexer Error: "));
    assert!(err("x = (").starts_with("Compiler Error: "));
}

#[test]
fn deep_nesting_is_an_error() {
    let n = 10_000;
    let cases: Vec<String> = vec![
        format!("x = {}1", "(".repeat(n)),
        format!("x = {}1", "[".repeat(n)),
        format!("x = {}1", "{".repeat(n)),
        format!("x = {}1", "f(".repeat(n)),
        format!("x = {}1", "a[".repeat(n)),
        format!("x = {}1", "-(".repeat(n)),
        format!("x = {}1", "not (".repeat(n)),
        format!("x = {}1", "@(".repeat(n)),
        format!("x = {}1", "new (".repeat(n)),
        format!("x = {}1", "{1:".repeat(n)),
        format!("x = {}1", "a[1:".repeat(n)),
        format!("{}1", "(".repeat(n)),
        format!("print {}1", "(".repeat(n)),
        format!("x = 1{}", "+1".repeat(n)),
        format!("x = a{}", ".b".repeat(n)),
        format!("x = a{}", "[1]".repeat(n)),
        format!("x = 1{}", " and 1".repeat(n)),
        format!("x = 1{}", " or 1".repeat(n)),
        format!("x = 2{}", "^2".repeat(n)),
        format!("f = function(a={}1", "(".repeat(n)),
    ];
    on_small_stack(move || {
        for src in &cases {
            assert_eq!(
                err(src),
                "Compiler Error: expression too deeply nested [line 1]",
                "{}",
                &src[..20]
            );
        }
    });
    for prefix in ["-", "not ", "@", "new "] {
        let e = err(&format!("x = {}1", prefix.repeat(n)));
        assert!(
            e.contains("where number, string, or identifier is required"),
            "{e}"
        );
    }
}

#[test]
fn deep_blocks_are_an_error() {
    let n = 10_000;
    let cases: Vec<String> = vec![
        "if 1 then\n".repeat(n),
        "while 1\n".repeat(n),
        "for i in x\n".repeat(n),
        "f = function()\n".repeat(n),
        "if 1 then\nf = function()\n".repeat(n),
        format!("{}x", "if 1 then ".repeat(n)),
        format!("{}x", "if 1 then y else if 1 then if 2 then ".repeat(n)),
    ];
    on_small_stack(move || {
        for src in &cases {
            let e = err(src);
            assert!(
                e.starts_with("Compiler Error: blocks too deeply nested [line "),
                "{e}"
            );
        }
    });
    assert_eq!(
        err(&"if 1 then\n".repeat(300)),
        "Compiler Error: blocks too deeply nested [line 257]"
    );
}

#[test]
fn nesting_up_to_the_limits_fits_a_small_stack() {
    on_small_stack(|| {
        let d = MAX_EXPR_DEPTH as usize - 2;
        for src in [
            format!("x = {}1{}", "(".repeat(d), ")".repeat(d)),
            format!("x = {}1{}", "[".repeat(d), "]".repeat(d)),
            format!("x = {}1{}", "f(".repeat(d), ")".repeat(d)),
            format!("x = {}1{}", "a[".repeat(d), "]".repeat(d)),
            format!("x = {}1{}", "{1:".repeat(d), "}".repeat(d)),
            format!("x = {}1{}", "-(".repeat(d / 2), ")".repeat(d / 2)),
            format!("x = {}1{}", "not (".repeat(d / 2), ")".repeat(d / 2)),
            format!("x = 1{}", "+1".repeat(d)),
            format!("x = a{}", ".b".repeat(d)),
            format!("x = a{}", "[1].b".repeat(d / 2)),
            format!(
                "f = function(a={}1{})\nend function",
                "(".repeat(d),
                ")".repeat(d)
            ),
        ] {
            assert!(parse(&src).is_ok(), "{}", &src[..20]);
        }
        // Every kind of bracket and prefix operator, ten nesting levels per group.
        let (open, close) = ("-(not [{1:f(a[(@(", "))])}])");
        assert!(parse(&format!("x = {}1{}", open.repeat(25), close.repeat(25))).is_ok());
        let e = err(&format!("x = {}1{}", open.repeat(26), close.repeat(26)));
        assert_eq!(e, "Compiler Error: expression too deeply nested [line 1]");
        // Blocks, function bodies and single-line ifs at the block limit, the
        // innermost holding a maximally nested expression.
        let d = MAX_BLOCK_DEPTH as usize;
        let deep = format!("x = {}1{}", "f(".repeat(250), ")".repeat(250));
        let src = format!(
            "{}{deep}\n{}",
            "f = function()\n".repeat(d),
            "end function\n".repeat(d)
        );
        assert!(parse(&src).is_ok());
        let src = format!(
            "{}{deep}\n{}",
            "if 1 then\n".repeat(d),
            "end if\n".repeat(d)
        );
        assert!(parse(&src).is_ok());
        let src = format!("{}{deep}", "if 1 then ".repeat(d));
        assert!(parse(&src).is_ok());
        let src = format!(
            "{}{deep}\n{}",
            "while 1\nf = function()\n".repeat(d / 2),
            "end function\nend while\n".repeat(d / 2)
        );
        assert!(parse(&src).is_ok());
    });
}

/// A tiny xorshift generator, so the random tests need no crates and repeat exactly.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    on_small_stack(|| {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let alphabet = b" \t\n\r;()[]{}.,:=+-*/%^<>!@\"$#&|~`'\\_azAZ09eE.";
        for i in 0..3000 {
            let len = rng.below(120);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if i % 2 == 0 {
                        rng.next() as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            let src = String::from_utf8_lossy(&bytes);
            let _ = parse(&src);
        }
    });
}

#[test]
fn token_soup_never_panics() {
    on_small_stack(|| {
        let vocab = [
            "x",
            "f",
            "m",
            "self",
            "1",
            "2.5",
            "-",
            "+",
            "*",
            "/",
            "%",
            "^",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            ".",
            "@",
            "=",
            "==",
            "!=",
            "<",
            ">=",
            "+=",
            "\"s\"",
            "\n",
            ";",
            " ",
            " ",
            "  ",
            "if",
            "then",
            "else",
            "else if",
            "end if",
            "while",
            "end while",
            "for",
            "in",
            "end for",
            "function",
            "function(a, b=1)",
            "end function",
            "return",
            "break",
            "continue",
            "and",
            "or",
            "not",
            "isa",
            "new",
            "null",
            "true",
            "false",
            "end",
            "repeat",
            "$",
            "é",
            "//c\n",
            "\"",
            "1e",
            "1.2.3",
            "#!",
        ];
        let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
        let mut ok = 0;
        for _ in 0..4000 {
            let n = 1 + rng.below(40);
            let mut src = String::new();
            for _ in 0..n {
                src += vocab[rng.below(vocab.len())];
                if rng.below(3) == 0 {
                    src.push(' ');
                }
            }
            if let Ok(p) = parse(&src) {
                ok += 1;
                // Spans must always slice the source.
                for s in &p.body {
                    check_spans(&src, s);
                }
            }
        }
        assert!(ok > 10, "only {ok} programs parsed");
    });
}

fn check_spans(src: &str, s: &Stmt) {
    fn expr(src: &str, e: &Expr) {
        assert!(
            src.get(e.span.start as usize..e.span.end as usize)
                .is_some(),
            "bad span {:?} in {src:?}",
            e.span
        );
        assert!(e.span.line >= 1 && e.span.col >= 1);
    }
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => expr(src, e),
        StmtKind::Assign(a, b) | StmtKind::OpAssign(a, _, b) => {
            expr(src, a);
            expr(src, b);
        }
        StmtKind::If(bs, e) => {
            for (c, b) in bs {
                expr(src, c);
                b.iter().for_each(|s| check_spans(src, s));
            }
            e.iter().flatten().for_each(|s| check_spans(src, s));
        }
        StmtKind::While(c, b) | StmtKind::For(_, c, b) => {
            expr(src, c);
            b.iter().for_each(|s| check_spans(src, s));
        }
        _ => {}
    }
}

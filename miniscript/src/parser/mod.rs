//! Recursive-descent parser: source text to the AST of `crate::ast` (spec §2).
//!
//! The grammar, the error messages and their line numbers follow the reference parser
//! (JoeStrout/miniscript, `MiniscriptParser.cs`), which compiles straight to TAC and
//! tracks blocks on a flat stack of pending jump patches. We build a tree instead, but
//! replay that patch stack (`stmt::Ctx`) so that mismatched `end`/`else` lines produce
//! the reference's exact messages.
//!
//! - `expr.rs`: expressions (precedence climbing over the levels of spec §2.2, postfix
//!   chains, literals, function literals).
//! - `stmt.rs`: statements, blocks, single-line `if`, function bodies.
//!
//! Error lines: errors about a specific token use the lexer's current line (`err_here`);
//! all others are created without a line (`err_stmt`) and get the first line of the
//! statement when they leave it, as in the reference.
//!
//! Limits: syntactic nesting (brackets, parentheses, prefix operators) and the height of
//! every expression tree are capped at [`MAX_EXPR_DEPTH`], so later passes may walk an
//! expression recursively; blocks, function bodies and nested single-line `if`s at
//! [`MAX_BLOCK_DEPTH`]. Blocks and function bodies live on explicit stacks; only
//! expressions and nested single-line `if`s recurse, with frames kept small enough that
//! the worst case at both caps fits in about 1.3 MiB of stack in a debug build.

use crate::ast::{Expr, ExprKind, FuncDef, Program, Span, Stmt};
use crate::error::{ErrorKind, MsError, MsResult};
use crate::lexer::{Lexer, Token, TokenKind};
use std::rc::Rc;

mod expr;
mod stmt;

/// Maximum expression nesting, and maximum height of an expression tree.
pub const MAX_EXPR_DEPTH: u32 = 256;
/// Maximum nesting of blocks (`if`, `while`, `for`, function bodies, nested single-line
/// `if`s).
pub const MAX_BLOCK_DEPTH: u32 = 256;

/// Parses a whole program (lines joined by `\n`; `\r\n` and `\r` also end lines). A
/// first line starting with `#!` is a comment. Everything is compiled before returning;
/// the first error is returned.
pub fn parse(source: &str) -> MsResult<Program> {
    let mut p = Parser::new(source);
    let body = p.parse_program().map_err(|e| *e)?;
    Ok(Program { body })
}

/// Errors inside the parser are boxed: the recursive functions hold many `Result`
/// temporaries, and in unoptimized builds each one costs its full size in stack.
type PResult<T> = Result<T, Box<MsError>>;

struct Parser<'a> {
    src: &'a str,
    lex: Lexer<'a>,
    /// Current syntactic nesting of the expression being parsed.
    depth: u32,
    /// Block nesting outside the code unit (program or function body) being parsed.
    block_base: u32,
    /// Nesting of single-line `if`s inside single-line `if`s (they recurse).
    single_depth: u32,
    /// A function literal of the current statement whose body (the lines after the
    /// statement) is still to be parsed; identified by address, so that it can be found
    /// in the finished statement without holding a second reference to it.
    pending_fn: Option<*const FuncDef>,
}

/// A compiler error located later at the statement's first line.
#[cold]
fn err_stmt(msg: impl Into<String>) -> Box<MsError> {
    Box::new(MsError {
        kind: ErrorKind::Compiler,
        message: msg.into(),
        line: None,
        file: None,
    })
}

fn span_of(t: &Token) -> Span {
    Span {
        line: t.line,
        col: t.col,
        start: t.start,
        end: t.end,
    }
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lex: Lexer::new(src),
            depth: 0,
            block_base: 0,
            single_depth: 0,
            pending_fn: None,
        }
    }

    /// A compiler error at the lexer's current line (the reference's `tokens.lineNum`).
    #[cold]
    fn err_here(&self, msg: impl Into<String>) -> Box<MsError> {
        Box::new(MsError::compiler(msg, self.lex.line()))
    }

    /// `got X where Y is required`, at the line after the offending token.
    #[cold]
    fn got_where(&self, got: &Token, expected: &str) -> Box<MsError> {
        self.err_here(format!("got {got} where {expected} is required"))
    }

    fn peek(&mut self) -> PResult<&Token> {
        Ok(self.lex.peek()?)
    }

    fn peek_is(&mut self, kind: TokenKind) -> PResult<bool> {
        Ok(self.lex.peek()?.kind == kind)
    }

    /// Is the next token `kind` with no whitespace before it?
    fn peek_unspaced(&mut self, kind: TokenKind) -> PResult<bool> {
        let t = self.lex.peek()?;
        Ok(t.kind == kind && !t.after_space)
    }

    /// Is the next token the keyword `kw`?
    fn at_kw(&mut self, kw: &str) -> PResult<bool> {
        Ok(self.lex.peek()?.is_kw(kw))
    }

    /// Next token; at the end of input, the end-of-input EOL (again and again).
    fn next(&mut self) -> PResult<Token> {
        Ok(self.lex.next_token()?)
    }

    /// Consumes one token.
    fn skip(&mut self) -> PResult<()> {
        self.lex.next_token()?;
        Ok(())
    }

    /// Consumes the next token if it is `kind`, returning its end offset.
    fn eat(&mut self, kind: TokenKind) -> PResult<Option<u32>> {
        if self.lex.peek()?.kind != kind {
            return Ok(None);
        }
        Ok(Some(self.lex.next_token()?.end))
    }

    /// Consumes the next token, which must be of `kind` (and have `text`, if given).
    fn require(&mut self, kind: TokenKind, text: Option<&str>) -> PResult<Token> {
        let got = self.next()?;
        if got.kind == kind && (text.is_none() || got.text.as_deref() == text) {
            return Ok(got);
        }
        let expected = match text {
            Some(t) => format!("{}({t})", kind.name()),
            None => kind.name().to_string(),
        };
        Err(self.got_where(&got, &expected))
    }

    /// `require` for a closing token, returning its end offset.
    fn require_end(&mut self, kind: TokenKind) -> PResult<u32> {
        Ok(self.require(kind, None)?.end)
    }

    /// After a list element or argument: a comma (`None`) or `closer` (its end offset).
    fn require_sep(&mut self, closer: TokenKind) -> PResult<Option<u32>> {
        let got = self.next()?;
        match got.kind {
            TokenKind::Comma => Ok(None),
            k if k == closer => Ok(Some(got.end)),
            _ => Err(self.got_where(&got, &format!("Comma or {}", closer.name()))),
        }
    }

    /// Skips line breaks (and `;`) where an expression obviously continues: after an
    /// operator, an opening bracket, a comma, a colon or a dot (spec §1).
    fn allow_line_break(&mut self) -> PResult<()> {
        loop {
            let t = self.lex.peek()?;
            if !t.is_eol() || t.is_end() {
                return Ok(());
            }
            self.lex.next_token()?;
        }
    }

    /// Was `e` (an identifier, member or index expression) written in parentheses? Its
    /// span then ends with `)`, which none of those end with otherwise. The reference
    /// evaluates a parenthesized reference at once, so it is neither an lvalue nor a
    /// statement-start `m[k]` that invokes.
    fn parenthesized(&self, e: &Expr) -> bool {
        (e.span.end as usize)
            .checked_sub(1)
            .and_then(|i| self.src.as_bytes().get(i))
            == Some(&b')')
    }
}

/// Finds the function literal `target` in `e` and gives it `body`.
fn fill_function(e: &mut Expr, target: *const FuncDef, body: &mut Option<Vec<Stmt>>) -> bool {
    use ExprKind::*;
    match &mut e.kind {
        Function(def) => {
            if std::ptr::eq(Rc::as_ptr(def), target) {
                if let Some(b) = body.take() {
                    *def = Rc::new(FuncDef {
                        params: def.params.clone(),
                        body: b,
                        line: def.line,
                    });
                }
                return true;
            }
            false
        }
        Num(_) | Str(_) | Null | Ident(_) => false,
        Member(b, _) | AddrOf(b) | Neg(b) | Not(b) | New(b) => fill_function(b, target, body),
        Index(a, b) | Binary(_, a, b) | And(a, b) | Or(a, b) | Isa(a, b) => {
            fill_function(a, target, body) || fill_function(b, target, body)
        }
        Slice(a, b, c) => {
            fill_function(a, target, body)
                || b.as_mut().is_some_and(|b| fill_function(b, target, body))
                || c.as_mut().is_some_and(|c| fill_function(c, target, body))
        }
        Call(f, args) => {
            fill_function(f, target, body)
                || args.iter_mut().any(|a| fill_function(a, target, body))
        }
        Compare(xs, _) | List(xs) => xs.iter_mut().any(|a| fill_function(a, target, body)),
        Map(kvs) => kvs
            .iter_mut()
            .any(|(k, v)| fill_function(k, target, body) || fill_function(v, target, body)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Test helpers (an S-expression view of the AST) and whole-program tests: the
    //! error messages of spec §9, the conformance suite, robustness.
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
        let cases: &[(&str, &str)] = &[
            // got X where Y is required: line after the offending token.
            ("x = (1", "got EOL where RParen is required [line 1]"),
            (
                "x = (1\ny = 2",
                "got EOL(\n) where RParen is required [line 2]",
            ),
            (
                "print 1 2",
                "got Number(2) where Comma or EOL is required [line 1]",
            ),
            (
                "x = [1,\n2\n]",
                "got EOL(\n) where Comma or RSquare is required [line 3]",
            ),
            (
                "x = {1:2 3}",
                "got Number(3) where Comma or RCurly is required [line 1]",
            ),
            (
                "x = {1 2}",
                "got Number(2) where Colon is required [line 1]",
            ),
            (
                "f(1 2)",
                "got Number(2) where Comma or RParen is required [line 1]",
            ),
            (
                "if x\ny",
                "got EOL(\n) where Keyword(then) is required [line 2]",
            ),
            (
                "if x; y",
                "got EOL(;) where Keyword(then) is required [line 1]",
            ),
            (
                "for 1 in x",
                "got Number(1) where Identifier is required [line 1]",
            ),
            (
                "for i of x",
                "got Identifier(of) where Keyword(in) is required [line 1]",
            ),
            ("x = a.1", "got Number(.1) where EOL is required [line 1]"),
            (
                "x = a.(1)",
                "got LParen where Identifier is required [line 1]",
            ),
            (
                "f = function x",
                "got Identifier(x) where LParen is required [line 1]",
            ),
            (
                "f = function(a b)",
                "got Identifier(b) where Comma is required [line 1]",
            ),
            (
                "f = function(1)",
                "got Number(1) where an identifier is required [line 1]",
            ),
            (
                "f = function(",
                "got EOL where an identifier is required [line 1]",
            ),
            (
                "if x then y 1 2",
                "got Number(2) where Comma or EOL is required [line 1]",
            ),
            (
                "if x then y = 1 2",
                "got Number(2) where Keyword(else) or EOL is required [line 1]",
            ),
            ("x = 5 $", "got Unknown($) where EOL is required [line 1]"),
            ("x = 1 !", "got Unknown(!) where EOL is required [line 1]"),
            (
                "x = \"a\" \"\"",
                "got String() where EOL is required [line 1]",
            ),
            ("return 1 2", "got Number(2) where EOL is required [line 1]"),
            (
                "while x y",
                "got Identifier(y) where EOL is required [line 1]",
            ),
            (
                "if x then\nelse y\nend if",
                "got Identifier(y) where EOL is required [line 2]",
            ),
            (
                "if x then\nend if 3",
                "got Number(3) where EOL is required [line 2]",
            ),
            ("while x = 1", "got OpAssign where EOL is required [line 1]"),
            // Primary errors and numeric literals use the statement's line.
            (
                "x = ",
                "got EOL where number, string, or identifier is required [line 1]",
            ),
            (
                "x = 1 +\n\n  )",
                "got RParen where number, string, or identifier is required [line 1]",
            ),
            (
                "x = 2^-1",
                "got OpMinus where number, string, or identifier is required [line 1]",
            ),
            (
                "x = not not y",
                "got Keyword(not) where number, string, or identifier is required [line 1]",
            ),
            (
                "x = --y",
                "got OpMinus where number, string, or identifier is required [line 1]",
            ),
            (
                "x = 1 + not 0",
                "got Keyword(not) where number, string, or identifier is required [line 1]",
            ),
            (
                "x = new new y",
                "got Keyword(new) where number, string, or identifier is required [line 1]",
            ),
            (
                "x = @@y",
                "got AddressOf where number, string, or identifier is required [line 1]",
            ),
            (
                "x = a isa b isa c",
                "got Keyword(isa) where EOL is required [line 1]",
            ),
            (
                "x = [,]",
                "got Comma where number, string, or identifier is required [line 1]",
            ),
            (
                "f(\n)",
                "got RParen where number, string, or identifier is required [line 1]",
            ),
            (
                "f(1,)",
                "got RParen where number, string, or identifier is required [line 1]",
            ),
            ("x = 1.2.3", "invalid numeric literal: 1.2.3 [line 1]"),
            ("x = 1\ny = 1e", "invalid numeric literal: 1e [line 2]"),
            ("x = 1e+", "invalid numeric literal: 1e+ [line 1]"),
            (
                "x = 3.foo",
                "got Identifier(foo) where EOL is required [line 1]",
            ),
            // Statement-level messages.
            (
                "if x = 1 then y",
                "found = instead of == in if condition [line 1]",
            ),
            (
                "if x then\nelse if y = 2 then\nend if",
                "found = instead of == in if condition [line 2]",
            ),
            (
                "null",
                "unexpected keyword 'null' at start of line [line 1]",
            ),
            (
                "x\nfunction()",
                "unexpected keyword 'function' at start of line [line 2]",
            ),
            (
                "new x",
                "unexpected keyword 'new' at start of line [line 1]",
            ),
            (
                "then",
                "unexpected keyword 'then' at start of line [line 1]",
            ),
            (
                "end then",
                "unexpected keyword 'end then' at start of line [line 1]",
            ),
            (
                "repeat",
                "unexpected keyword 'repeat' at start of line [line 1]",
            ),
            (
                "if x then in",
                "unexpected keyword 'in' at start of line [line 1]",
            ),
            ("end while", "'end while' without matching 'while' [line 1]"),
            ("end for", "'end for' without matching 'for' [line 1]"),
            ("end if", "'end if' without matching 'if' [line 1]"),
            (
                "while x\nif y then\nend while",
                "'end while' skips expected 'else' [line 3]",
            ),
            (
                "for i in x\nif y then\nelse\nend for",
                "'end for' skips expected 'end if' [line 4]",
            ),
            (
                "if x then\nelse\nelse\nend if",
                "'else' skips expected 'end if' [line 3]",
            ),
            (
                "while x\nelse\nend while",
                "'else' skips expected 'end while' [line 2]",
            ),
            ("while x\nend if", "'end if' without matching 'if' [line 2]"),
            ("else", "'else' without matching block starter [line 1]"),
            (
                "x = 1\nelse if y then",
                "'else' without matching block starter [line 2]",
            ),
            (
                "end function",
                "'end function' without matching block starter [line 1]",
            ),
            ("if x then\n  y", "'if' without matching 'end if' [line 3]"),
            (
                "if x then\nelse\n",
                "'if' without matching 'end if' [line 4]",
            ),
            (
                "while x\n  y",
                "'while' without matching 'end while' [line 3]",
            ),
            ("while x\n  break", "unmatched block opener [line 3]"),
            (
                "f = function()\n  x = 1",
                "'function' without matching 'end function' [line 3]",
            ),
            (
                "f = function()\n  if x then\nend function",
                "'if' without matching 'end if' [line 3]",
            ),
            (
                "f = function()\n  for i in x\n\nend function\n",
                "'for' without matching 'end for' [line 4]",
            ),
            ("continue", "'continue' without open loop block [line 1]"),
            (
                "while 1\nf = function()\nbreak\nend function\nend while",
                "'break' without open loop block [line 3]",
            ),
            (
                "if x then break",
                "'break' without open loop block [line 1]",
            ),
            (
                "if true then\n  for i in \"abc\" do",
                "got Identifier(do) where EOL is required [line 2]",
            ),
            (
                "if x then while y else z",
                "'else' skips expected 'end while' [line 1]",
            ),
            (
                "if x then for i in y z",
                "got Identifier(z) where Keyword(else) or EOL is required [line 1]",
            ),
            (
                "if x then y else while z",
                "loop is invalid within single-line 'if' [line 1]",
            ),
            (
                "if x then if y then\nz",
                "invalid control structure within single-line 'if' [line 1]",
            ),
            (
                "if x then else",
                "invalid control structure within single-line 'if' [line 1]",
            ),
            (
                "while 1\nif x then end while\nend while",
                "'end while' skips expected 'else' [line 2]",
            ),
            (
                "if x then end for",
                "'end for' without matching 'for' [line 1]",
            ),
            (
                "for i in null",
                "sequence expression expected for 'for' loop [line 1]",
            ),
            (
                "for i in (null)\nx",
                "sequence expression expected for 'for' loop [line 2]",
            ),
            (
                "f = function(a=1+1)",
                "parameter default value must be a literal value [line 1]",
            ),
            (
                "f = function(a=[1])",
                "parameter default value must be a literal value [line 1]",
            ),
            (
                "f = function(a=b)",
                "parameter default value must be a literal value [line 1]",
            ),
            (
                "f = function(a=-b)",
                "parameter default value must be a literal value [line 1]",
            ),
            (
                "x = [function(), function()]",
                "can't start two functions in one statement [line 1]",
            ),
            (
                "f = function(a=function())",
                "can't start two functions in one statement [line 1]",
            ),
            (
                "if x then f = function()\nend function",
                "'end if' without matching 'if' [line 1]",
            ),
            (
                "if x then f = function() else y",
                "'else' without matching block starter [line 1]",
            ),
            (
                "if x then y else f = function()",
                "'end if' without matching 'if' [line 1]",
            ),
            ("x[1:2] = 5", "invalid assignment (not an lvalue) [line 1]"),
            (
                "x[1:2] = 5\ny = 1",
                "invalid assignment (not an lvalue) [line 2]",
            ),
            ("f(1) = 2", "invalid assignment (not an lvalue) [line 1]"),
            ("(x) = 5", "invalid assignment (not an lvalue) [line 1]"),
            ("(m[1]) = 5", "invalid assignment (not an lvalue) [line 1]"),
            ("a + b = 1", "invalid assignment (not an lvalue) [line 1]"),
            ("[1] = 1", "invalid assignment (not an lvalue) [line 1]"),
            ("x.y(1) += 1", "invalid assignment (not an lvalue) [line 1]"),
            // Lexer errors carry the statement's line.
            ("x = 1 +\n\"abc", "missing closing quote (\") [line 1]"),
            // A bad first token of a statement: the reference gives no line.
            ("x = 1\n\"abc", "missing closing quote (\")"),
            (
                "end",
                "'end' without following keyword ('if', 'function', etc.)",
            ),
            (
                "while x\n  y\nend",
                "'end' without following keyword ('if', 'function', etc.)",
            ),
            (
                "if x then\nend iff",
                "'end' without following keyword ('if', 'function', etc.)",
            ),
        ];
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
}

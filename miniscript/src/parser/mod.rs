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
//! - `blocks.rs`: the open blocks and the reference's patch stack (`Ctx`).
//! - `tests.rs` and `tests/`: the AST printer the tests share, and the tests.
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

mod blocks;
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
    let mut body = Vec::new();
    parse_each(source, &mut |s| body.push(s))?;
    Ok(Program { body })
}

/// Parses a whole program like [`parse`], handing each statement of global scope to
/// `sink` as soon as it is complete instead of collecting them (so that only one
/// top-level statement's tree exists at a time). On an error, the statements before
/// it have been handed over already.
pub fn parse_each(source: &str, sink: &mut dyn FnMut(Stmt)) -> MsResult<()> {
    let mut p = Parser::new(source);
    p.parse_program(sink).map_err(|e| *e)
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
pub(crate) mod tests;

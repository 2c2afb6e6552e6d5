//! Statements, blocks and function bodies (spec §2.1, §9).
//!
//! Blocks are kept on explicit stacks, not by recursion, so deep block nesting costs no
//! native stack: `Ctx::blocks` holds the open blocks of one code unit, and
//! `parse_program` keeps a stack of units (the program and the function bodies being
//! parsed), like the reference. A function body is the lines after the statement that
//! contains the literal, up to `end function`; it gets a fresh `Ctx`, which is why
//! `break` cannot reach a loop outside it. Beside the blocks, `Ctx` replays the
//! reference's backpatch and jump-point stacks, which decide every block-mismatch
//! message (`'end for' without matching 'for'`, `'else' skips expected 'end while'`,
//! ...).

use super::blocks::{Block, BlockKind, Ctx, Loop, Patch};
use super::expr::{Node, PLAIN, STATEMENT};
use super::{err_stmt, fill_function, PResult, Parser, MAX_BLOCK_DEPTH};
use crate::ast::{BinOp, Expr, ExprKind, FuncDef, Stmt, StmtKind};
use crate::error::MsError;
use crate::lexer::TokenKind;
use std::rc::Rc;

/// What one statement line does to the block structure.
enum Item {
    Stmt(Stmt),
    OpenIf(Expr),
    ElseIf(Expr),
    Else,
    EndIf,
    OpenWhile(Expr),
    EndWhile,
    OpenFor(Rc<str>, Expr),
    EndFor,
}

/// The statement of a single-line `if` branch; a loop there is always an error, which
/// depends on what follows it.
enum Single {
    Stmt(Box<Stmt>),
    Loop(&'static str),
}

/// What follows the `then` statement of a single-line `if`.
enum After {
    Else,
    ElseIf,
    Done,
}

/// A function body waiting for its `end function`: the statement with the literal,
/// which joins its block once the body is in.
struct Owner {
    item: Item,
    target: *const FuncDef,
    line: u32,
}

/// A code unit being parsed: the program, or a function body.
struct Unit {
    ctx: Ctx,
    owner: Option<Owner>,
    /// Block nesting outside this unit.
    base: u32,
}

/// Gives an error without a line the statement's line.
fn at_line(mut e: Box<MsError>, line: u32) -> Box<MsError> {
    if e.line.is_none() {
        e.line = Some(line);
    }
    e
}

// The boxes are unpacked here rather than in the recursive `single_if`, whose frame
// would otherwise hold the large unboxed values.
#[allow(clippy::boxed_local)]
fn push_branch(branches: &mut Vec<(Expr, Vec<Stmt>)>, cond: Box<Expr>, then: Box<Stmt>) {
    branches.push((*cond, vec![*then]));
}

fn finish_if(
    branches: Vec<(Expr, Vec<Stmt>)>,
    else_stmt: Option<Box<Stmt>>,
    line: u32,
) -> Box<Stmt> {
    let else_body = else_stmt.map(|s| vec![*s]);
    Box::new(Stmt {
        kind: StmtKind::If(branches, else_body),
        line,
    })
}

fn is_null_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Null => true,
        ExprKind::AddrOf(inner) => is_null_literal(inner),
        _ => false,
    }
}

fn fill_stmt(s: &mut Stmt, target: *const FuncDef, body: &mut Option<Vec<Stmt>>) -> bool {
    match &mut s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => fill_function(e, target, body),
        StmtKind::Assign(t, v) | StmtKind::OpAssign(t, _, v) => {
            fill_function(t, target, body) || fill_function(v, target, body)
        }
        _ => false,
    }
}

/// Ends the argument list of a call statement or the expression of a statement.
fn ends_statement(t: &crate::lexer::Token) -> bool {
    t.is_eol() || t.is_kw("else") || t.is_kw("else if")
}

impl Parser<'_> {
    /// The whole program. Function bodies are units on the `units` stack: a statement
    /// with a function literal opens one, `end function` closes it, puts its body into
    /// the literal and only then adds the statement to the enclosing unit.
    ///
    /// Each statement of global scope goes to `sink` as soon as it is complete (after
    /// its `end` line, for a block), so that a caller may lower it and drop its tree
    /// before the next one is parsed: the whole program's tree never exists at once.
    pub(super) fn parse_program(&mut self, sink: &mut dyn FnMut(Stmt)) -> PResult<()> {
        let mut units = vec![Unit {
            ctx: Ctx::new(),
            owner: None,
            base: 0,
        }];
        loop {
            if let [program] = units.as_mut_slice() {
                if let [block] = program.ctx.blocks.as_mut_slice() {
                    block.stmts.drain(..).for_each(&mut *sink);
                }
            }
            let tok = match self.lex.peek() {
                Ok(t) => t,
                // No statement started yet: the reference reports no line here.
                Err(e) => return Err(Box::new(e)),
            };
            if tok.is_end() {
                break;
            }
            if tok.is_eol() {
                self.skip()?;
                continue;
            }
            let end_function = tok.is_kw("end function");
            let line = self.lex.line();
            if end_function {
                self.skip()?;
                // Whatever follows `end function` on its line is the next statement,
                // as in the reference.
                self.end_function(&mut units, line)?;
                continue;
            }
            let Some(unit) = units.last_mut() else { break };
            let item = self
                .statement(&mut unit.ctx, line)
                .map_err(|e| at_line(e, line))?;
            match self.pending_fn.take() {
                None => self
                    .apply(&mut unit.ctx, item, line)
                    .map_err(|e| at_line(e, line))?,
                Some(target) => {
                    let base = self.block_depth(&unit.ctx) + 1;
                    if base > MAX_BLOCK_DEPTH {
                        return Err(Box::new(MsError::compiler(
                            "blocks too deeply nested",
                            line,
                        )));
                    }
                    self.block_base = base;
                    units.push(Unit {
                        ctx: Ctx::new(),
                        owner: Some(Owner { item, target, line }),
                        base,
                    });
                }
            }
        }
        // Unclosed blocks are reported one line past the end (spec §9).
        let eof_line = self.lex.line() + 1;
        let Some(unit) = units.pop() else {
            return Ok(());
        };
        if !units.is_empty() {
            return Err(Box::new(MsError::compiler(
                "'function' without matching 'end function'",
                eof_line,
            )));
        }
        if let Some(msg) = unit.ctx.open_block_error() {
            return Err(Box::new(MsError::compiler(msg, eof_line)));
        }
        unit.ctx.finish().into_iter().for_each(sink);
        Ok(())
    }

    /// `end function` (already consumed) on line `line`.
    fn end_function(&mut self, units: &mut Vec<Unit>, line: u32) -> PResult<()> {
        let owner = match units.pop() {
            Some(Unit {
                ctx,
                owner: Some(owner),
                ..
            }) => {
                if let Some(msg) = ctx.open_block_error() {
                    return Err(self.err_here(msg));
                }
                Some((owner, ctx.finish()))
            }
            other => {
                units.extend(other);
                None
            }
        };
        let (Some((mut owner, body)), Some(parent)) = (owner, units.last_mut()) else {
            return Err(Box::new(MsError::compiler(
                "'end function' without matching block starter",
                line,
            )));
        };
        self.block_base = parent.base;
        let mut body = Some(body);
        match &mut owner.item {
            Item::Stmt(s) => fill_stmt(s, owner.target, &mut body),
            Item::OpenIf(e) | Item::ElseIf(e) | Item::OpenWhile(e) | Item::OpenFor(_, e) => {
                fill_function(e, owner.target, &mut body)
            }
            _ => false,
        };
        self.apply(&mut parent.ctx, owner.item, owner.line)
            .map_err(|e| at_line(e, owner.line))
    }

    fn plain_expr(&mut self) -> PResult<Expr> {
        Ok(*self.parse_expr(PLAIN)?.e)
    }

    /// Nesting depth of the block being filled.
    fn block_depth(&self, ctx: &Ctx) -> u32 {
        self.block_base + ctx.blocks.len() as u32 - 1 + self.single_depth
    }

    /// Adds a statement line to the block structure. The patch replay has already
    /// checked that closers match, so the mismatch branches here are only defensive.
    fn apply(&mut self, ctx: &mut Ctx, item: Item, line: u32) -> PResult<()> {
        let kind = match item {
            Item::Stmt(s) => {
                if let Some(b) = ctx.blocks.last_mut() {
                    b.stmts.push(s);
                }
                return Ok(());
            }
            Item::OpenIf(c) => {
                return self.open_block(
                    ctx,
                    BlockKind::If {
                        done: Vec::new(),
                        cond: Some(c),
                    },
                    line,
                )
            }
            Item::OpenWhile(c) => return self.open_block(ctx, BlockKind::While(c), line),
            Item::OpenFor(v, s) => return self.open_block(ctx, BlockKind::For(v, s), line),
            Item::ElseIf(_) | Item::Else => {
                let next = match item {
                    Item::ElseIf(c) => Some(c),
                    _ => None,
                };
                if let Some(b) = ctx.blocks.last_mut() {
                    if let BlockKind::If { done, cond } = &mut b.kind {
                        if let Some(c) = cond.take() {
                            done.push((c, std::mem::take(&mut b.stmts)));
                            *cond = next;
                            return Ok(());
                        }
                    }
                }
                return Err(err_stmt("'else' without matching block starter"));
            }
            Item::EndIf => {
                let Some(Block {
                    kind: BlockKind::If { mut done, cond },
                    stmts,
                    line,
                }) = self.pop_block(ctx, 0)
                else {
                    return Err(err_stmt("'end if' without matching 'if'"));
                };
                let else_body = match cond {
                    Some(c) => {
                        done.push((c, stmts));
                        None
                    }
                    None => Some(stmts),
                };
                Stmt {
                    kind: StmtKind::If(done, else_body),
                    line,
                }
            }
            Item::EndWhile => match self.pop_block(ctx, 1) {
                Some(Block {
                    kind: BlockKind::While(c),
                    stmts,
                    line,
                }) => Stmt {
                    kind: StmtKind::While(c, stmts),
                    line,
                },
                _ => return Err(err_stmt("'end while' without matching 'while'")),
            },
            Item::EndFor => match self.pop_block(ctx, 2) {
                Some(Block {
                    kind: BlockKind::For(v, s),
                    stmts,
                    line,
                }) => Stmt {
                    kind: StmtKind::For(v, s, stmts),
                    line,
                },
                _ => return Err(err_stmt("'end for' without matching 'for'")),
            },
        };
        if let Some(b) = ctx.blocks.last_mut() {
            b.stmts.push(kind);
        }
        Ok(())
    }

    fn open_block(&mut self, ctx: &mut Ctx, kind: BlockKind, line: u32) -> PResult<()> {
        if self.block_depth(ctx) + 1 > MAX_BLOCK_DEPTH {
            return Err(err_stmt("blocks too deeply nested"));
        }
        ctx.blocks.push(Block {
            kind,
            stmts: Vec::new(),
            line,
        });
        Ok(())
    }

    /// Pops the innermost block if it is of the wanted sort (0 if, 1 while, 2 for).
    fn pop_block(&mut self, ctx: &mut Ctx, sort: u8) -> Option<Block> {
        let top = ctx.blocks.last()?;
        let ok = matches!(
            (&top.kind, sort),
            (BlockKind::If { .. }, 0) | (BlockKind::While(_), 1) | (BlockKind::For(..), 2)
        );
        if ok && ctx.blocks.len() > 1 {
            ctx.blocks.pop()
        } else {
            None
        }
    }

    /// One statement line (the reference's `ParseStatement` without `allowExtra`).
    fn statement(&mut self, ctx: &mut Ctx, line: u32) -> PResult<Item> {
        if !self.at_statement_keyword()? {
            let s = self.simple_stmt(line)?;
            self.require(TokenKind::Eol, None)?;
            return Ok(Item::Stmt(s));
        }
        let kw = self.next()?.text.unwrap_or_default();
        let item = match kw.as_str() {
            "return" => Item::Stmt(self.return_stmt(line)?),
            "if" => {
                let cond = self.plain_expr()?;
                self.require_then()?;
                if self.peek()?.is_eol() {
                    self.next()?;
                    ctx.patches.extend([Patch::IfMark, Patch::Else]);
                    return Ok(Item::OpenIf(cond));
                }
                // The single-line form needs no EOL after it: after an `else`
                // statement, whatever follows starts the next statement (reference).
                return Ok(Item::Stmt(*self.single_if(ctx, Box::new(cond), line)?));
            }
            "else" => {
                ctx.patch("else", Patch::Else, false)?;
                ctx.patches.push(Patch::EndIf);
                Item::Else
            }
            "else if" => {
                ctx.patch("else", Patch::Else, false)?;
                ctx.patches.push(Patch::EndIf);
                let cond = self.plain_expr()?;
                self.require_then()?;
                ctx.patches.push(Patch::Else);
                Item::ElseIf(cond)
            }
            "end if" => {
                ctx.patch_if_block()?;
                Item::EndIf
            }
            "while" => {
                let cond = self.plain_expr()?;
                ctx.loops.push(Loop::While);
                ctx.patches.push(Patch::EndWhile);
                Item::OpenWhile(cond)
            }
            "end while" => {
                ctx.close_loop(Loop::While)?;
                ctx.patch("end while", Patch::EndWhile, true)?;
                Item::EndWhile
            }
            "for" => {
                let (var, seq) = self.for_header()?;
                ctx.loops.push(Loop::For);
                ctx.patches.push(Patch::EndFor);
                Item::OpenFor(var, seq)
            }
            "end for" => {
                ctx.close_loop(Loop::For)?;
                ctx.patch("end for", Patch::EndFor, true)?;
                Item::EndFor
            }
            "break" | "continue" => Item::Stmt(self.jump(ctx, &kw, line)?),
            _ => return Err(self.err_here(format!("unexpected keyword '{kw}' at start of line"))),
        };
        self.require(TokenKind::Eol, None)?;
        Ok(item)
    }

    /// Statements starting with a keyword other than `not`, `true`, `false` are
    /// dispatched on it.
    fn at_statement_keyword(&mut self) -> PResult<bool> {
        let t = self.peek()?;
        Ok(t.kind == TokenKind::Keyword
            && !matches!(t.text.as_deref(), Some("not" | "true" | "false")))
    }

    fn return_stmt(&mut self, line: u32) -> PResult<Stmt> {
        let t = self.peek()?;
        // The reference checks only the text here, so `return "else"` returns nothing
        // and then fails on the string.
        let value = if t.is_eol() || matches!(t.text.as_deref(), Some("else" | "else if")) {
            None
        } else {
            Some(self.plain_expr()?)
        };
        Ok(Stmt {
            kind: StmtKind::Return(value),
            line,
        })
    }

    /// `break` or `continue` (after the keyword).
    fn jump(&mut self, ctx: &mut Ctx, kw: &str, line: u32) -> PResult<Stmt> {
        if ctx.loops.is_empty() {
            return Err(self.err_here(format!("'{kw}' without open loop block")));
        }
        if kw == "break" {
            ctx.patches.push(Patch::Break);
            return Ok(Stmt {
                kind: StmtKind::Break,
                line,
            });
        }
        Ok(Stmt {
            kind: StmtKind::Continue,
            line,
        })
    }

    fn require_then(&mut self) -> PResult<()> {
        let got = self.next()?;
        if got.is_kw("then") {
            return Ok(());
        }
        if got.kind == TokenKind::OpAssign {
            return Err(self.err_here("found = instead of == in if condition"));
        }
        Err(self.got_where(&got, "Keyword(then)"))
    }

    /// `IDENT in EXPR` after `for`.
    fn for_header(&mut self) -> PResult<(Rc<str>, Expr)> {
        let var = self.require(TokenKind::Identifier, None)?;
        self.require(TokenKind::Keyword, Some("in"))?;
        let seq = self.plain_expr()?;
        if is_null_literal(&seq) {
            return Err(self.err_here("sequence expression expected for 'for' loop"));
        }
        Ok((var.text.as_deref().unwrap_or_default().into(), seq))
    }

    /// Expression, assignment, op-assignment or call statement (the reference's
    /// `ParseAssignment`); does not consume the end of the line.
    fn simple_stmt(&mut self, line: u32) -> PResult<Stmt> {
        let lhs = self.parse_expr(STATEMENT)?;
        let t = self.peek()?;
        if ends_statement(t) {
            let e = *self.invoke_if_element(lhs, true)?.e;
            return Ok(Stmt {
                kind: StmtKind::Expr(e),
                line,
            });
        }
        let op = match t.kind {
            TokenKind::OpAssign => None,
            TokenKind::OpAssignPlus => Some(BinOp::Add),
            TokenKind::OpAssignMinus => Some(BinOp::Sub),
            TokenKind::OpAssignTimes => Some(BinOp::Mul),
            TokenKind::OpAssignDivide => Some(BinOp::Div),
            TokenKind::OpAssignMod => Some(BinOp::Mod),
            TokenKind::OpAssignPower => Some(BinOp::Pow),
            _ => return self.call_statement(lhs, line),
        };
        self.next()?;
        let value = self.plain_expr()?;
        let target = self.lvalue(*lhs.e)?;
        let kind = match op {
            None => StmtKind::Assign(target, value),
            Some(op) => StmtKind::OpAssign(target, op, value),
        };
        Ok(Stmt { kind, line })
    }

    /// An assignment target: an identifier, `.member` or `[index]` reference as left
    /// by the statement-start parse (`@` on it is ignored). Anything computed is
    /// rejected. A string, number or null literal is accepted: the reference lets
    /// those fail (or do nothing) at run time, and so does the lowering.
    fn lvalue(&self, e: Expr) -> PResult<Expr> {
        if !self.parenthesized(&e) {
            let e = match e.kind {
                ExprKind::AddrOf(inner) => *inner,
                _ => e,
            };
            if matches!(
                e.kind,
                ExprKind::Ident(_)
                    | ExprKind::Member(..)
                    | ExprKind::Index(..)
                    | ExprKind::Str(_)
                    | ExprKind::Num(_)
                    | ExprKind::Null
            ) {
                return Ok(e);
            }
        }
        Err(self.err_here("invalid assignment (not an lvalue)"))
    }

    /// `callee arg, arg, ...` up to the end of the line (or an `else`).
    fn call_statement(&mut self, callee: Node, line: u32) -> PResult<Stmt> {
        let mut args: Vec<Expr> = Vec::new();
        let mut h = callee.h;
        loop {
            let a = self.parse_expr(PLAIN)?;
            h = h.max(a.h);
            args.push(*a.e);
            let t = self.peek()?;
            if ends_statement(t) {
                break;
            }
            if t.kind == TokenKind::Comma {
                self.next()?;
                self.allow_line_break()?;
                continue;
            }
            let got = self.next()?;
            return Err(self.got_where(&got, "Comma or EOL"));
        }
        let span = match args.last() {
            Some(a) => callee.e.span.to(a.span),
            None => callee.e.span,
        };
        let call = self.node(ExprKind::Call(callee.e, args), span, h + 1)?;
        Ok(Stmt {
            kind: StmtKind::Expr(*call.e),
            line,
        })
    }

    /// The rest of a single-line `if` after `if COND then`, with its `else if` chain
    /// flattened into one `If`. Nested single-line `if`s recurse through here and
    /// `single_stmt`, so both keep their frames small (work is done in helpers).
    fn single_if(&mut self, ctx: &mut Ctx, first: Box<Expr>, line: u32) -> PResult<Box<Stmt>> {
        let mut branches = Vec::new();
        let mut cond = first;
        loop {
            let then = self.single_stmt(ctx, "else", line)?;
            let then = self.then_stmt(then)?;
            push_branch(&mut branches, cond, then);
            match self.after_then()? {
                After::Else => {
                    let s = self.single_stmt(ctx, "end if", line)?;
                    let s = self.else_stmt(s)?;
                    return Ok(finish_if(branches, Some(s), line));
                }
                After::ElseIf => cond = self.else_if_condition()?,
                After::Done => return Ok(finish_if(branches, None, line)),
            }
        }
    }

    /// Checks the statement of a `then` part.
    fn then_stmt(&mut self, then: Single) -> PResult<Box<Stmt>> {
        if self.pending_fn.is_some() {
            // The reference starts the function body right after this statement,
            // inside the unfinished `if`, and fails on the next `if` step.
            let t = self.peek()?;
            let msg = if t.is_kw("else") || t.is_kw("else if") {
                "'else' without matching block starter"
            } else {
                "'end if' without matching 'if'"
            };
            return Err(err_stmt(msg));
        }
        match then {
            Single::Stmt(s) => Ok(s),
            Single::Loop(end_kw) => Err(self.loop_in_then(end_kw)),
        }
    }

    /// Checks the statement of an `else` part.
    fn else_stmt(&mut self, s: Single) -> PResult<Box<Stmt>> {
        if self.pending_fn.is_some() {
            return Err(err_stmt("'end if' without matching 'if'"));
        }
        match s {
            Single::Stmt(s) => Ok(s),
            Single::Loop(_) => Err(err_stmt("loop is invalid within single-line 'if'")),
        }
    }

    /// What follows a `then` statement; consumes `else`/`else if`, or the EOL.
    fn after_then(&mut self) -> PResult<After> {
        let t = self.peek()?;
        let after = if t.is_kw("else") {
            After::Else
        } else if t.is_kw("else if") {
            After::ElseIf
        } else {
            After::Done
        };
        let got = self.next()?;
        // The reference requires `else` or EOL here but, comparing texts loosely,
        // accepts (and swallows) any keyword.
        if got.kind != TokenKind::Eol && got.kind != TokenKind::Keyword {
            return Err(self.got_where(&got, "Keyword(else) or EOL"));
        }
        Ok(after)
    }

    /// `COND then` after a single-line `else if`, with a statement following.
    fn else_if_condition(&mut self) -> PResult<Box<Expr>> {
        let cond = self.parse_expr(PLAIN)?.e;
        self.require_then()?;
        if self.peek()?.is_eol() {
            // A block `else if` ending a single-line chain: the reference's result has
            // no sensible structure.
            return Err(err_stmt(
                "invalid control structure within single-line 'if'",
            ));
        }
        Ok(cond)
    }

    /// The error for a loop header as the `then` statement of a single-line `if`.
    fn loop_in_then(&mut self, end_kw: &str) -> Box<MsError> {
        let got = match self.next() {
            Ok(t) => t,
            Err(e) => return e,
        };
        if got.is_kw("else") || got.is_kw("else if") {
            return err_stmt(format!("'else' skips expected '{end_kw}'"));
        }
        if got.kind == TokenKind::Eol || got.kind == TokenKind::Keyword {
            return err_stmt("loop is invalid within single-line 'if'");
        }
        self.got_where(&got, "Keyword(else) or EOL")
    }

    /// The statement of a single-line `if` branch. `expect` is what the innermost
    /// pending patch waits for (`else` in the then part, `end if` in the else part).
    fn single_stmt(&mut self, ctx: &mut Ctx, expect: &str, line: u32) -> PResult<Single> {
        if !self.at_statement_keyword()? {
            return Ok(Single::Stmt(Box::new(self.simple_stmt(line)?)));
        }
        if !self.at_kw("if")? {
            return self.single_keyword_stmt(ctx, expect, line);
        }
        let cond = self.nested_if_header(ctx)?;
        self.single_depth += 1;
        let s = self.single_if(ctx, cond, line);
        self.single_depth -= 1;
        Ok(Single::Stmt(s?))
    }

    /// `if COND then` inside a single-line `if`; a statement must follow.
    fn nested_if_header(&mut self, ctx: &Ctx) -> PResult<Box<Expr>> {
        self.skip()?;
        let cond = self.parse_expr(PLAIN)?.e;
        self.require_then()?;
        if self.peek()?.is_eol() {
            // A block `if` inside a single-line one: the reference's result has no
            // sensible structure.
            return Err(err_stmt(
                "invalid control structure within single-line 'if'",
            ));
        }
        if self.block_depth(ctx) + 1 > MAX_BLOCK_DEPTH {
            return Err(err_stmt("blocks too deeply nested"));
        }
        Ok(cond)
    }

    /// A keyword statement other than `if` in a single-line `if`.
    fn single_keyword_stmt(&mut self, ctx: &mut Ctx, expect: &str, line: u32) -> PResult<Single> {
        let kw = self.next()?.text.unwrap_or_default();
        Ok(match kw.as_str() {
            "return" => Single::Stmt(Box::new(self.return_stmt(line)?)),
            "break" | "continue" => Single::Stmt(Box::new(self.jump(ctx, &kw, line)?)),
            "while" => {
                self.plain_expr()?;
                Single::Loop("end while")
            }
            "for" => {
                self.for_header()?;
                Single::Loop("end for")
            }
            "end while" | "end for" => {
                ctx.close_loop(if kw == "end while" {
                    Loop::While
                } else {
                    Loop::For
                })?;
                return Err(err_stmt(format!("'{kw}' skips expected '{expect}'")));
            }
            "else" | "else if" | "end if" => {
                return Err(err_stmt(
                    "invalid control structure within single-line 'if'",
                ));
            }
            _ => return Err(self.err_here(format!("unexpected keyword '{kw}' at start of line"))),
        })
    }
}

//! Expressions (spec §2.2-2.4).
//!
//! Binary operators are parsed by precedence climbing rather than one function per
//! level, so that one level of bracket nesting costs only a few stack frames. The
//! reference's per-level quirks are kept: `not` takes an `isa`-level operand, unary
//! minus a `new`-level one, `^` an `@`-level one (so `2^-1`, `not not x` and `--x` are
//! errors), `isa` does not chain, and comparisons chain into one `Compare`.
//!
//! The leftmost operand of a statement is parsed in "statement start" mode (spec §2.3,
//! §2.5): identifiers and members are not yet invoked (they may be assignment targets
//! or the callee of a call statement), a spaced `(` does not open arguments, an element
//! `m[k]` stays a reference that invokes when used, and `-` with a space before it but
//! not after it ends the expression (`f -3` is a call).

use super::{err_stmt, span_of, PResult, Parser, MAX_EXPR_DEPTH};
use crate::ast::{BinOp, CmpOp, Expr, ExprKind, FuncDef, Literal, Param, Span};
use crate::lexer::{Token, TokenKind};
use std::rc::Rc;

// Precedence levels, loosest to tightest (spec §2.2). A parse at level `min` accepts
// prefix operators and binary operators of that level or tighter.
const OR: u8 = 2;
const AND: u8 = 3;
const NOT: u8 = 4;
const ISA: u8 = 5;
const CMP: u8 = 6;
const ADD: u8 = 7;
const MUL: u8 = 8;
const NEG: u8 = 9;
const NEW: u8 = 10;
const POW: u8 = 11;
const ADDR: u8 = 12;
/// Level of an operand that is a primary or postfix expression.
const POSTFIX: u8 = 13;

/// How an expression is parsed: `lval` keeps a leftmost identifier/member/element
/// un-invoked (statement start and the operand of `@`); `stmt` enables the
/// statement-start rules for `-` and `m[k]`.
#[derive(Clone, Copy)]
pub(super) struct Start {
    pub lval: bool,
    pub stmt: bool,
}

pub(super) const PLAIN: Start = Start {
    lval: false,
    stmt: false,
};
pub(super) const STATEMENT: Start = Start {
    lval: true,
    stmt: true,
};

/// An expression with the height of its tree (a leaf is 1). The expression is boxed:
/// it becomes a child as is, and a small `Node` keeps the recursive parse functions'
/// frames small in unoptimized builds.
pub(super) struct Node {
    pub e: Box<Expr>,
    pub h: u32,
}

/// One step of a postfix chain.
enum Step {
    Member,
    Index,
    Call,
    Done,
}

enum Bin {
    Or,
    And,
    Isa,
    Cmp(CmpOp),
    Arith(BinOp),
}

fn binary_op(t: &Token) -> Option<(u8, Bin)> {
    use TokenKind::*;
    Some(match t.kind {
        Keyword => match t.text.as_deref() {
            Some("or") => (OR, Bin::Or),
            Some("and") => (AND, Bin::And),
            Some("isa") => (ISA, Bin::Isa),
            _ => return None,
        },
        OpEqual => (CMP, Bin::Cmp(CmpOp::Eq)),
        OpNotEqual => (CMP, Bin::Cmp(CmpOp::Ne)),
        OpGreater => (CMP, Bin::Cmp(CmpOp::Gt)),
        OpGreatEqual => (CMP, Bin::Cmp(CmpOp::Ge)),
        OpLesser => (CMP, Bin::Cmp(CmpOp::Lt)),
        OpLessEqual => (CMP, Bin::Cmp(CmpOp::Le)),
        OpPlus => (ADD, Bin::Arith(BinOp::Add)),
        OpMinus => (ADD, Bin::Arith(BinOp::Sub)),
        OpTimes => (MUL, Bin::Arith(BinOp::Mul)),
        OpDivide => (MUL, Bin::Arith(BinOp::Div)),
        OpMod => (MUL, Bin::Arith(BinOp::Mod)),
        OpPower => (POW, Bin::Arith(BinOp::Pow)),
        _ => return None,
    })
}

/// The number a unary minus folds into: a numeric literal, possibly under a no-op `@`
/// (the reference folds whatever reaches it as a constant number, `-(3)` included).
fn literal_number(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Num(v) => Some(*v),
        ExprKind::AddrOf(inner) => literal_number(inner),
        _ => None,
    }
}

/// A parameter default: a literal as the reference accepts it (a constant, not a
/// computed temporary).
fn literal_default(e: &Expr) -> Option<Literal> {
    match &e.kind {
        ExprKind::Num(v) => Some(Literal::Num(*v)),
        ExprKind::Str(s) => Some(Literal::Str(s.clone())),
        ExprKind::Null => Some(Literal::Null),
        ExprKind::AddrOf(inner) => literal_default(inner),
        _ => None,
    }
}

fn extend(s: Span, end: u32) -> Span {
    Span {
        end: end.max(s.end),
        ..s
    }
}

/// Where the right operand of a binary operator starts (the next tighter level).
fn rhs_level(op: &Bin) -> u8 {
    match op {
        Bin::Or => AND,
        Bin::And => NOT,
        Bin::Isa => CMP,
        Bin::Cmp(_) => ADD,
        Bin::Arith(BinOp::Add | BinOp::Sub) => MUL,
        Bin::Arith(BinOp::Mul | BinOp::Div | BinOp::Mod) => NEG,
        Bin::Arith(BinOp::Pow) => ADDR,
    }
}

// The functions that recurse (parse_expr, binary, prefix, postfix, primary, paren,
// list_literal, map_literal, call_args, index_or_slice, function_literal) are kept
// thin: token tests and node building live in helpers, whose frames are gone by the
// time the recursion goes deeper. This keeps a nesting level within a few KiB of
// stack even in debug builds.
impl Parser<'_> {
    /// A new node of height `h`; fails when the tree would get too tall for later
    /// recursive passes (long operator or postfix chains).
    pub(super) fn node(&self, kind: ExprKind, span: Span, h: u32) -> PResult<Node> {
        if h > MAX_EXPR_DEPTH {
            return Err(err_stmt("expression too deeply nested"));
        }
        Ok(Node {
            e: Box::new(Expr { kind, span }),
            h,
        })
    }

    fn combine(
        &self,
        l: Node,
        r: Node,
        f: impl FnOnce(Box<Expr>, Box<Expr>) -> ExprKind,
    ) -> PResult<Node> {
        let span = l.e.span.to(r.e.span);
        let h = l.h.max(r.h) + 1;
        self.node(f(l.e, r.e), span, h)
    }

    /// Enters one level of syntactic nesting.
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            return Err(err_stmt("expression too deeply nested"));
        }
        Ok(())
    }

    /// A whole expression: a function literal, or an `or`-level expression.
    pub(super) fn parse_expr(&mut self, start: Start) -> PResult<Node> {
        self.enter()?;
        let r = if self.at_kw("function")? {
            self.function_literal()
        } else {
            self.binary(OR, start)
        };
        self.depth -= 1;
        r
    }

    /// Operators of level `min` or tighter, left to right.
    fn binary(&mut self, min: u8, start: Start) -> PResult<Node> {
        let (mut left, mut level) = self.prefix(min, start)?;
        while let Some((op_level, op)) = self.binary_operator(min, level, start)? {
            if start.stmt {
                left = self.invoke_if_element(left, true)?;
            }
            let right = self.binary(rhs_level(&op), PLAIN)?;
            left = self.apply_binary(left, level, op, right)?;
            level = op_level;
        }
        Ok(left)
    }

    /// Consumes the next token if it is a binary operator that applies here: of level
    /// `min` or tighter, and not tighter than the one that built the left operand
    /// `level` (its operand parse refused it: a second `isa`, or anything after a prefix
    /// operator's operand; the caller reports it).
    fn binary_operator(&mut self, min: u8, level: u8, start: Start) -> PResult<Option<(u8, Bin)>> {
        let t = self.peek()?;
        let Some((op_level, op)) = binary_op(t) else {
            return Ok(None);
        };
        if op_level < min || op_level > level || (op_level == level && op_level == ISA) {
            return Ok(None);
        }
        if start.stmt
            && t.kind == TokenKind::OpMinus
            && t.after_space
            && !self.lex.is_at_whitespace()
        {
            return Ok(None); // `f -3`: a call statement with argument -3 (spec §2.5)
        }
        self.skip()?;
        self.allow_line_break()?;
        Ok(Some((op_level, op)))
    }

    fn apply_binary(&self, left: Node, level: u8, op: Bin, r: Node) -> PResult<Node> {
        match op {
            Bin::Or => self.combine(left, r, ExprKind::Or),
            Bin::And => self.combine(left, r, ExprKind::And),
            Bin::Isa => self.combine(left, r, ExprKind::Isa),
            Bin::Cmp(c) => self.compare(left, level, c, r),
            Bin::Arith(op) => self.combine(left, r, |a, b| ExprKind::Binary(op, a, b)),
        }
    }

    /// `left c r`, extending `left` if it is the chain this loop is building.
    fn compare(&self, mut left: Node, level: u8, c: CmpOp, r: Node) -> PResult<Node> {
        let span = left.e.span.to(r.e.span);
        if level == CMP {
            if let ExprKind::Compare(xs, ops) = &mut left.e.kind {
                xs.push(*r.e);
                ops.push(c);
                left.e.span = span;
                left.h = left.h.max(r.h + 1);
                if left.h > MAX_EXPR_DEPTH {
                    return Err(err_stmt("expression too deeply nested"));
                }
                return Ok(left);
            }
        }
        let h = left.h.max(r.h) + 1;
        self.node(ExprKind::Compare(vec![*left.e, *r.e], vec![c]), span, h)
    }

    /// Prefix operators allowed at level `min`, else a postfix expression. Returns the
    /// expression and the level of its outermost operator.
    fn prefix(&mut self, min: u8, start: Start) -> PResult<(Node, u8)> {
        let Some((which, op)) = self.prefix_operator(min)? else {
            return Ok((self.postfix(start)?, POSTFIX));
        };
        let operand = match which {
            NOT => self.binary(ISA, PLAIN),
            NEG => self.binary(NEW, PLAIN),
            NEW => self.binary(POW, PLAIN),
            // `@` keeps the statement-start mode: `@m[k]` alone does not invoke.
            _ => self.postfix(Start {
                lval: true,
                stmt: start.stmt,
            }),
        };
        self.depth -= 1;
        Ok((self.apply_prefix(which, op, operand?)?, which))
    }

    /// Consumes a prefix operator allowed at level `min` (and enters a nesting level).
    fn prefix_operator(&mut self, min: u8) -> PResult<Option<(u8, Span)>> {
        let t = self.peek()?;
        let which = if min <= NOT && t.is_kw("not") {
            NOT
        } else if min <= NEG && t.kind == TokenKind::OpMinus {
            NEG
        } else if min <= NEW && t.is_kw("new") {
            NEW
        } else if t.kind == TokenKind::AddressOf {
            ADDR
        } else {
            return Ok(None);
        };
        let span = span_of(t);
        self.skip()?;
        self.allow_line_break()?;
        self.enter()?;
        Ok(Some((which, span)))
    }

    fn apply_prefix(&self, which: u8, op: Span, operand: Node) -> PResult<Node> {
        let span = op.to(operand.e.span);
        let h = operand.h + 1;
        match which {
            NOT => self.node(ExprKind::Not(operand.e), span, h),
            NEG => match literal_number(&operand.e) {
                Some(v) => self.node(ExprKind::Num(-v), span, 1),
                None => self.node(ExprKind::Neg(operand.e), span, h),
            },
            NEW => self.node(ExprKind::New(operand.e), span, h),
            _ => self.node(ExprKind::AddrOf(operand.e), span, h),
        }
    }

    /// At statement start, an element reference `m[k]` that is used as a value (rather
    /// than assigned to) is invoked with self = m, like an identifier (spec §2.4); that
    /// is `Call(Index(m, k), [])`. `is_ref` says `e` is still such a reference; a
    /// parenthesized `(m[k])` was evaluated already and is left alone.
    pub(super) fn invoke_if_element(&self, e: Node, is_ref: bool) -> PResult<Node> {
        if is_ref && matches!(e.e.kind, ExprKind::Index(..)) && !self.parenthesized(&e.e) {
            let span = e.e.span;
            let h = e.h + 1;
            return self.node(ExprKind::Call(e.e, Vec::new()), span, h);
        }
        Ok(e)
    }

    /// A primary followed by `.name`, `[index]`, `[from:to]` and `(args)` steps.
    fn postfix(&mut self, start: Start) -> PResult<Node> {
        let mut val = self.primary()?;
        // `val` is still a reference that invokes when used: an identifier or member
        // not yet called, or (statement start only) an element `m[k]`.
        let mut is_ref = matches!(val.e.kind, ExprKind::Ident(_));
        loop {
            match self.postfix_step(is_ref, start.lval)? {
                Step::Member => {
                    val = self.member(val, is_ref)?;
                    is_ref = !self.peek_unspaced(TokenKind::LParen)?;
                    if !is_ref {
                        val = self.call_args(val)?;
                    }
                }
                Step::Index => {
                    let base = self.invoke_if_element(val, is_ref)?;
                    val = self.index_or_slice(base)?;
                    is_ref = start.stmt && matches!(val.e.kind, ExprKind::Index(..));
                }
                Step::Call => {
                    val = self.call_args(val)?;
                    is_ref = false;
                }
                Step::Done => return Ok(val),
            }
        }
    }

    /// Decides the next postfix step; consumes `.` or `[` (and line breaks after them).
    fn postfix_step(&mut self, is_ref: bool, lval: bool) -> PResult<Step> {
        let t = self.peek()?;
        let step = match t.kind {
            TokenKind::Dot => Step::Member,
            TokenKind::LSquare if !t.after_space => Step::Index,
            // A reference in value position is called: with the arguments in
            // parentheses if any follow (inside an expression even after a space:
            // `print f (1, 2)`), else with none.
            kind if is_ref && (!lval || (kind == TokenKind::LParen && !t.after_space)) => {
                return Ok(Step::Call)
            }
            _ => return Ok(Step::Done),
        };
        self.skip()?;
        self.allow_line_break()?;
        Ok(step)
    }

    /// After `.`: the member name.
    fn member(&mut self, val: Node, is_ref: bool) -> PResult<Node> {
        let name = self.require(TokenKind::Identifier, None)?;
        let base = self.invoke_if_element(val, is_ref)?;
        let span = extend(base.e.span, name.end);
        let h = base.h + 1;
        let member: Rc<str> = name.text.as_deref().unwrap_or_default().into();
        self.node(ExprKind::Member(base.e, member), span, h)
    }

    /// After `[`: `index]`, `from:to]`, `from:]`, `:to]` or `:]`.
    fn index_or_slice(&mut self, base: Node) -> PResult<Node> {
        let from = if self.peek_is(TokenKind::Colon)? {
            None
        } else {
            Some(self.parse_expr(PLAIN)?)
        };
        if !self.peek_is(TokenKind::Colon)? {
            let end = self.require_end(TokenKind::RSquare)?;
            return self.finish_index(base, from, end);
        }
        self.skip()?;
        self.allow_line_break()?;
        let to = if self.peek_is(TokenKind::RSquare)? {
            None
        } else {
            Some(self.parse_expr(PLAIN)?)
        };
        let end = self.require_end(TokenKind::RSquare)?;
        let span = extend(base.e.span, end);
        let h = base
            .h
            .max(from.as_ref().map_or(0, |n| n.h))
            .max(to.as_ref().map_or(0, |n| n.h))
            + 1;
        self.node(
            ExprKind::Slice(base.e, from.map(|n| n.e), to.map(|n| n.e)),
            span,
            h,
        )
    }

    fn finish_index(&self, base: Node, index: Option<Node>, end: u32) -> PResult<Node> {
        let span = extend(base.e.span, end);
        // `index` is only absent before a colon, which `index_or_slice` handled.
        let index = match index {
            Some(n) => n,
            None => self.node(ExprKind::Null, span, 1)?,
        };
        let h = base.h.max(index.h) + 1;
        self.node(ExprKind::Index(base.e, index.e), span, h)
    }

    /// `callee(args)` if a `(` follows, else `callee` itself (invoked with no
    /// arguments by the lowering). No trailing comma, no line break before `)`.
    fn call_args(&mut self, callee: Node) -> PResult<Node> {
        if self.eat(TokenKind::LParen)?.is_none() {
            return Ok(callee);
        }
        let mut args = Vec::new();
        let mut h = callee.h;
        let end = match self.eat(TokenKind::RParen)? {
            Some(end) => end,
            None => loop {
                self.allow_line_break()?;
                let a = self.parse_expr(PLAIN)?;
                h = h.max(a.h);
                args.push(*a.e);
                if let Some(end) = self.require_sep(TokenKind::RParen)? {
                    break end;
                }
            },
        };
        let span = extend(callee.e.span, end);
        self.node(ExprKind::Call(callee.e, args), span, h + 1)
    }

    /// Literals, parentheses and identifiers.
    fn primary(&mut self) -> PResult<Node> {
        let t = self.next()?;
        match t.kind {
            TokenKind::LCurly => self.map_literal(span_of(&t)),
            TokenKind::LSquare => self.list_literal(span_of(&t)),
            TokenKind::LParen => self.paren(span_of(&t)),
            _ => self.atom(t),
        }
    }

    /// After `(`: an expression and `)`. The span covers the parentheses, so that
    /// `(a+b)*c` shows as written.
    fn paren(&mut self, open: Span) -> PResult<Node> {
        self.allow_line_break()?;
        let mut inner = self.parse_expr(PLAIN)?;
        let end = self.require_end(TokenKind::RParen)?;
        inner.e.span = extend(open, end);
        Ok(inner)
    }

    fn atom(&self, t: Token) -> PResult<Node> {
        let text = t.text.as_deref().unwrap_or_default();
        let kind = match t.kind {
            TokenKind::Number => match text.parse::<f64>() {
                Ok(v) => ExprKind::Num(v),
                Err(_) => return Err(err_stmt(format!("invalid numeric literal: {text}"))),
            },
            TokenKind::String => ExprKind::Str(text.into()),
            TokenKind::Identifier => ExprKind::Ident(text.into()),
            TokenKind::Keyword if text == "null" => ExprKind::Null,
            TokenKind::Keyword if text == "true" => ExprKind::Num(1.0),
            TokenKind::Keyword if text == "false" => ExprKind::Num(0.0),
            _ => {
                return Err(err_stmt(format!(
                    "got {t} where number, string, or identifier is required"
                )))
            }
        };
        self.node(kind, span_of(&t), 1)
    }

    /// After `[`: elements separated by commas; a trailing comma and line breaks after
    /// `[` or a comma are allowed.
    fn list_literal(&mut self, open: Span) -> PResult<Node> {
        let mut items = Vec::new();
        let mut h = 0;
        let end = match self.eat(TokenKind::RSquare)? {
            Some(end) => end,
            None => loop {
                self.allow_line_break()?;
                if let Some(end) = self.eat(TokenKind::RSquare)? {
                    break end;
                }
                let item = self.parse_expr(PLAIN)?;
                h = h.max(item.h);
                items.push(*item.e);
                if let Some(end) = self.require_sep(TokenKind::RSquare)? {
                    break end;
                }
            },
        };
        self.node(ExprKind::List(items), extend(open, end), h + 1)
    }

    /// After `{`: `key: value` entries, like a list.
    fn map_literal(&mut self, open: Span) -> PResult<Node> {
        let mut entries = Vec::new();
        let mut h = 0;
        let end = match self.eat(TokenKind::RCurly)? {
            Some(end) => end,
            None => loop {
                self.allow_line_break()?;
                if let Some(end) = self.eat(TokenKind::RCurly)? {
                    break end;
                }
                let key = self.parse_expr(PLAIN)?;
                self.require_end(TokenKind::Colon)?;
                self.allow_line_break()?;
                let value = self.parse_expr(PLAIN)?;
                h = h.max(key.h).max(value.h);
                entries.push((*key.e, *value.e));
                if let Some(end) = self.require_sep(TokenKind::RCurly)? {
                    break end;
                }
            },
        };
        self.node(ExprKind::Map(entries), extend(open, end), h + 1)
    }

    /// `function` [`(` params `)`]. The body is the lines after the statement; the
    /// statement parser fills it in once the statement is complete. The span covers
    /// the header only.
    fn function_literal(&mut self) -> PResult<Node> {
        let kw = span_of(&self.next()?);
        let mut params = Vec::new();
        let mut end = kw.end;
        if !self.peek()?.is_eol() {
            self.require_end(TokenKind::LParen)?;
            while !self.peek_is(TokenKind::RParen)? {
                let name = self.param_name()?;
                let mut default = Literal::Null;
                if self.eat(TokenKind::OpAssign)?.is_some() {
                    let d = self.parse_expr(PLAIN)?;
                    default = self.param_default(&d.e)?;
                }
                params.push(Param { name, default });
                if self.peek_is(TokenKind::RParen)? {
                    break;
                }
                self.require_end(TokenKind::Comma)?;
            }
            end = self.require_end(TokenKind::RParen)?;
        }
        self.finish_function(kw, end, params)
    }

    fn param_name(&mut self) -> PResult<Rc<str>> {
        let id = self.next()?;
        if id.kind != TokenKind::Identifier {
            return Err(self.got_where(&id, "an identifier"));
        }
        Ok(id.text.as_deref().unwrap_or_default().into())
    }

    fn param_default(&self, d: &Expr) -> PResult<Literal> {
        match literal_default(d) {
            Some(lit) => Ok(lit),
            // A nested function literal is accepted as a default by the reference,
            // which then fails on the second function.
            None if self.pending_fn.is_some() => {
                Err(self.err_here("can't start two functions in one statement"))
            }
            None => Err(self.err_here("parameter default value must be a literal value")),
        }
    }

    fn finish_function(&mut self, kw: Span, end: u32, params: Vec<Param>) -> PResult<Node> {
        if self.pending_fn.is_some() {
            return Err(self.err_here("can't start two functions in one statement"));
        }
        let def = Rc::new(FuncDef {
            params,
            body: Vec::new(),
            line: kw.line,
        });
        self.pending_fn = Some(Rc::as_ptr(&def));
        self.node(ExprKind::Function(def), extend(kw, end), 1)
    }
}

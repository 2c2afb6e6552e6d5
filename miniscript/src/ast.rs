//! Abstract syntax tree produced by the parser and consumed by the lowering.
//!
//! The tree is deliberately close to MiniScript's surface syntax: every identifier or
//! member read in value position auto-invokes functions (spec §2.4), so `Ident` and
//! `Member` carry that meaning and `AddrOf` suppresses it. Spans are kept on every
//! expression so that the lowering can attach source text to expression sites.

use std::rc::Rc;

/// A source location: 1-based line and column of the first character, plus the byte
/// range `[start, end)` of the construct in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            line: self.line,
            col: self.col,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// Numeric literal (also `true` = 1 and `false` = 0). A unary minus applied directly
    /// to a numeric literal is folded by the parser into a negative `Num`.
    Num(f64),
    Str(Rc<str>),
    Null,
    /// A bare identifier in value position: auto-invokes a function value.
    /// Includes the magic names `self`, `super`, `locals`, `globals`, `outer`.
    Ident(Rc<str>),
    /// `base.name`: member resolution (spec §7.2); auto-invokes with `self` = base.
    Member(Box<Expr>, Rc<str>),
    /// `base[index]`: element access; never invokes (spec §2.4).
    Index(Box<Expr>, Box<Expr>),
    /// `base[from:to]`, either bound optional.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// A call with an explicit argument list: `f(a, b)`, `obj.m(a)`, or a call statement
    /// `print a, b`. The callee is an `Ident`, `Member`, `Index` (only at statement start:
    /// `m[k](args)` or a bare `m[k]` statement, which binds self = m), or any other
    /// expression whose value is called.
    Call(Box<Expr>, Vec<Expr>),
    /// `@expr`: the value without auto-invocation. Operand is usually `Ident` or `Member`
    /// (earlier chain steps still invoke); for other operands it is a no-op.
    AddrOf(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Comparison chain `a < b <= c`: operands and the operators between them
    /// (`ops.len() == operands.len() - 1`, at least one operator).
    Compare(Vec<Expr>, Vec<CmpOp>),
    /// Unary minus on a non-literal: lowered as `0 - x`.
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Isa(Box<Expr>, Box<Expr>),
    New(Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Function(Rc<FuncDef>),
}

/// A parameter default: only literals are allowed (spec §2.1).
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Num(f64),
    Str(Rc<str>),
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Rc<str>,
    pub default: Literal,
}

#[derive(Clone, Debug)]
pub struct FuncDef {
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    /// Line of the `function` keyword.
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    /// First line of the statement (runtime errors of its instructions report it
    /// unless a sub-expression has its own line).
    pub line: u32,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// Expression statement, including call statements (`print x`, `f`, `obj.m 1, 2`).
    /// A bare `Ident`/`Member` auto-invokes; a bare `Index` statement is represented as
    /// `Call(Index(..), [])` by the parser.
    Expr(Expr),
    /// `target = value`; target is `Ident`, `Member` or `Index`, or a `Str`/`Num`/`Null`
    /// literal (a run-time error or no-op, as in the reference). The parser rejects
    /// anything else with `invalid assignment (not an lvalue)`.
    Assign(Expr, Expr),
    /// `target op= value`.
    OpAssign(Expr, BinOp, Expr),
    /// `if` chain: each `(condition, body)` in order, then the optional else body.
    /// Used for both block and single-line forms.
    If(Vec<(Expr, Vec<Stmt>)>, Option<Vec<Stmt>>),
    While(Expr, Vec<Stmt>),
    For(Rc<str>, Expr, Vec<Stmt>),
    Break,
    Continue,
    Return(Option<Expr>),
}

/// A parsed program: the statements of global scope.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub body: Vec<Stmt>,
}

//! Static analyses of the AST used by the lowering: map-mode detection, assigned
//! names, and what counts as an expression site.

use std::rc::Rc;

use super::is_magic;
use crate::ast::{BinOp, Expr, ExprKind, Stmt, StmtKind};

/// Whether a function body (not counting nested functions) must keep its locals in a
/// map: it creates closures, or names `locals` or `import`.
pub(super) fn needs_map_mode(body: &[Stmt]) -> bool {
    body.iter().any(stmt_needs_map)
}

fn stmt_needs_map(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Expr(e) => expr_needs_map(e),
        StmtKind::Assign(t, v) | StmtKind::OpAssign(t, _, v) => {
            expr_needs_map(t) || expr_needs_map(v)
        }
        StmtKind::If(branches, els) => {
            branches
                .iter()
                .any(|(c, b)| expr_needs_map(c) || needs_map_mode(b))
                || els.as_ref().is_some_and(|b| needs_map_mode(b))
        }
        StmtKind::While(c, b) => expr_needs_map(c) || needs_map_mode(b),
        StmtKind::For(_, e, b) => expr_needs_map(e) || needs_map_mode(b),
        StmtKind::Return(Some(e)) => expr_needs_map(e),
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(None) => false,
    }
}

fn expr_needs_map(e: &Expr) -> bool {
    let mut found = false;
    walk_expr(e, &mut |x| match &x.kind {
        ExprKind::Function(_) => found = true,
        ExprKind::Ident(n) if &**n == "locals" || &**n == "import" => found = true,
        _ => {}
    });
    found
}

/// Visit `e` and its sub-expressions (not the bodies of nested functions).
fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Member(b, _)
        | ExprKind::AddrOf(b)
        | ExprKind::Neg(b)
        | ExprKind::Not(b)
        | ExprKind::New(b) => walk_expr(b, f),
        ExprKind::Index(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Isa(a, b) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        ExprKind::Slice(a, b, c) => {
            walk_expr(a, f);
            if let Some(b) = b {
                walk_expr(b, f);
            }
            if let Some(c) = c {
                walk_expr(c, f);
            }
        }
        ExprKind::Call(c, args) => {
            walk_expr(c, f);
            for a in args {
                walk_expr(a, f);
            }
        }
        ExprKind::Compare(xs, _) | ExprKind::List(xs) => {
            for x in xs {
                walk_expr(x, f);
            }
        }
        ExprKind::Map(entries) => {
            for (k, v) in entries {
                walk_expr(k, f);
                walk_expr(v, f);
            }
        }
        ExprKind::Num(_)
        | ExprKind::Str(_)
        | ExprKind::Null
        | ExprKind::Ident(_)
        | ExprKind::Function(_) => {}
    }
}

/// The hidden local that holds a `for` loop's sequence while it runs, named after
/// the sequence expression's place in the source (unique per loop, and not an
/// identifier a program can write). A local rather than a temporary, so that the
/// register is a container in every statement (see `tier::describe_loop`).
pub(super) fn for_seq_name(seq: &Expr) -> Rc<str> {
    format!("for@{}", seq.span.start).into()
}

/// Names assigned in a function body: its local variables (plus each `for` loop's
/// hidden index variable).
pub(super) fn collect_assigned(body: &[Stmt], out: &mut Vec<Rc<str>>) {
    for s in body {
        match &s.kind {
            StmtKind::Assign(t, _) | StmtKind::OpAssign(t, _, _) => {
                if let ExprKind::Ident(n) = &t.kind {
                    out.push(n.clone());
                }
            }
            StmtKind::If(branches, els) => {
                for (_, b) in branches {
                    collect_assigned(b, out);
                }
                if let Some(b) = els {
                    collect_assigned(b, out);
                }
            }
            StmtKind::While(_, b) => collect_assigned(b, out),
            StmtKind::For(v, seq, b) => {
                out.push(v.clone());
                out.push(format!("__{v}_idx").into());
                out.push(for_seq_name(seq));
                collect_assigned(b, out);
            }
            _ => {}
        }
    }
}

/// Whether `e` is the root of an expression site: numeric arithmetic whose leaves are
/// numeric constants, variables and pure numeric intrinsics (DESIGN §2).
pub(super) fn is_site_root(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Binary(..) | ExprKind::Neg(..) | ExprKind::Compare(..)
    ) && site_ok(e)
}

fn site_ok(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(_) => true,
        ExprKind::Ident(n) => !is_magic(n),
        ExprKind::Binary(_, a, b) => site_ok(a) && site_ok(b),
        ExprKind::Neg(a) | ExprKind::Not(a) => site_ok(a),
        ExprKind::Compare(xs, _) => xs.iter().all(site_ok),
        ExprKind::Call(c, args) => {
            matches!(&c.kind, ExprKind::Ident(n) if crate::tier::intrinsics::index_of(n).is_some())
                && args.iter().all(site_ok)
        }
        _ => false,
    }
}

/// Weighted operation count of a site (DESIGN §3: complexity).
pub fn site_complexity(e: &Expr) -> u32 {
    match &e.kind {
        ExprKind::Num(_) | ExprKind::Ident(_) => 0,
        ExprKind::Binary(op, a, b) => {
            let w = match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul => 1,
                BinOp::Div => 2,
                BinOp::Mod | BinOp::Pow => 4,
            };
            w + site_complexity(a) + site_complexity(b)
        }
        ExprKind::Neg(a) | ExprKind::Not(a) => 1 + site_complexity(a),
        ExprKind::Compare(xs, ops) => {
            ops.len() as u32 + xs.iter().map(site_complexity).sum::<u32>()
        }
        ExprKind::Call(_, args) => 4 + args.iter().map(site_complexity).sum::<u32>(),
        _ => 0,
    }
}

//! Block bookkeeping of one code unit (`Ctx`): the open blocks, and a replay of the
//! reference parser's backpatch and loop stacks, which decide every block-mismatch
//! message (`'end for' without matching 'for'`, `'else' skips expected 'end while'`).

use std::rc::Rc;

use super::{err_stmt, PResult};
use crate::ast::{Expr, Stmt};

/// An entry of the reference's backpatch stack, named by what it waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Patch {
    IfMark,
    Else,
    EndIf,
    EndWhile,
    EndFor,
    Break,
}

impl Patch {
    pub(super) fn name(self) -> &'static str {
        match self {
            Patch::IfMark => "if:MARK",
            Patch::Else => "else",
            Patch::EndIf => "end if",
            Patch::EndWhile => "end while",
            Patch::EndFor => "end for",
            Patch::Break => "break",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Loop {
    While,
    For,
}

pub(super) enum BlockKind {
    Body,
    /// Finished branches, and the condition of the branch being filled (`None` once in
    /// the `else` part).
    If {
        done: Vec<(Expr, Vec<Stmt>)>,
        cond: Option<Expr>,
    },
    While(Expr),
    For(Rc<str>, Expr),
}

pub(super) struct Block {
    pub(super) kind: BlockKind,
    pub(super) stmts: Vec<Stmt>,
    pub(super) line: u32,
}

/// Parse state of one code unit (the program or one function body).
pub(super) struct Ctx {
    pub(super) patches: Vec<Patch>,
    pub(super) loops: Vec<Loop>,
    /// `blocks[0]` is the unit's body; the rest are open blocks, innermost last.
    pub(super) blocks: Vec<Block>,
}

impl Ctx {
    pub(super) fn new() -> Self {
        Ctx {
            patches: Vec::new(),
            loops: Vec::new(),
            blocks: vec![Block {
                kind: BlockKind::Body,
                stmts: Vec::new(),
                line: 0,
            }],
        }
    }

    /// The reference's `Patch`: resolves the innermost entry waiting for `want`,
    /// passing over `break`s (resolved too if `also_break`); anything else in the way
    /// is a mismatch.
    pub(super) fn patch(&mut self, keyword: &str, want: Patch, also_break: bool) -> PResult<()> {
        for i in (0..self.patches.len()).rev() {
            let p = self.patches[i];
            if p == want {
                self.patches.remove(i);
                return Ok(());
            }
            if p != Patch::Break {
                return Err(err_stmt(format!(
                    "'{keyword}' skips expected '{}'",
                    p.name()
                )));
            }
            if also_break {
                self.patches.remove(i);
            }
        }
        Err(err_stmt(format!(
            "'{keyword}' without matching block starter"
        )))
    }

    /// `end if`: resolves the innermost if's `else`/`end if` entries down to its mark.
    pub(super) fn patch_if_block(&mut self) -> PResult<()> {
        for i in (0..self.patches.len()).rev() {
            match self.patches[i] {
                Patch::IfMark => {
                    self.patches.remove(i);
                    return Ok(());
                }
                Patch::Else | Patch::EndIf => {
                    self.patches.remove(i);
                }
                Patch::Break => {}
                _ => break,
            }
        }
        Err(err_stmt("'end if' without matching 'if'"))
    }

    pub(super) fn close_loop(&mut self, kind: Loop) -> PResult<()> {
        if self.loops.last() == Some(&kind) {
            self.loops.pop();
            return Ok(());
        }
        let w = if kind == Loop::While { "while" } else { "for" };
        Err(err_stmt(format!("'end {w}' without matching '{w}'")))
    }

    /// The error for blocks still open at `end function` or at the end of input,
    /// judged (as in the reference) by the innermost pending entry alone.
    pub(super) fn open_block_error(&self) -> Option<&'static str> {
        Some(match self.patches.last()? {
            Patch::EndFor => "'for' without matching 'end for'",
            Patch::EndIf | Patch::Else => "'if' without matching 'end if'",
            Patch::EndWhile => "'while' without matching 'end while'",
            _ => "unmatched block opener",
        })
    }

    pub(super) fn finish(mut self) -> Vec<Stmt> {
        self.blocks.truncate(1);
        self.blocks.pop().map(|b| b.stmts).unwrap_or_default()
    }
}

//! The REPL side of the embedding API: `Interpreter::repl_eval` (expression statements
//! store their value in `_` and the last one is printed) and the line-reading rules
//! of the reference REPL (unfinished blocks, line continuations, comments).

use std::rc::Rc;

use super::{add_intrinsic, params, Interpreter, Vm};
use crate::ast::{Expr, ExprKind, Stmt, StmtKind};
use crate::error::{ErrorKind, MsResult};
use crate::lexer::{Lexer, TokenKind};
use crate::value::Value;

/// Name of the hidden intrinsic that REPL input calls for every expression
/// statement (stores `_` and counts, see [`Interpreter::repl_eval`]).
const IMPLICIT_FN: &str = "_implicit";

impl Interpreter {
    /// Run one complete REPL entry (see [`needs_more_input`]): the value of each
    /// expression statement at global level is stored in `_`, and after the run the
    /// last one is printed (with `str`, so strings unquoted) unless it is null, as
    /// the reference REPL does. Globals persist between entries.
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// let out = StringSink::default();
    /// interp.set_output(out.clone());
    /// interp.repl_eval("x = 6").unwrap();
    /// interp.repl_eval("x * 7").unwrap();
    /// interp.repl_eval("_ + 1").unwrap();
    /// interp.repl_eval("print \"hi\"").unwrap();
    /// assert_eq!(out.contents(), "42\n43\nhi\n");
    /// ```
    ///
    /// ```
    /// # use miniscript::host::{Interpreter, StringSink};
    /// let mut interp = Interpreter::new();
    /// let out = StringSink::default();
    /// interp.set_output(out.clone());
    /// interp.repl_eval("x = 6").unwrap();
    /// interp.repl_eval("x * 7").unwrap();
    /// assert_eq!(out.take(), "42\n");
    /// ```
    pub fn repl_eval(&mut self, source: &str) -> MsResult<()> {
        let parsed = crate::parser::parse(source);
        let mut program = self.report(parsed)?;
        wrap_implicit(&mut program.body);
        let compiled =
            crate::compiler::compile_with(&program, source, None, self.vm.host.compile_options);
        let proto = self.report(compiled)?;
        if !self
            .vm
            .intrinsics_map
            .borrow()
            .contains_key(&crate::value::StrKey(IMPLICIT_FN))
        {
            add_intrinsic(
                &mut self.vm,
                IMPLICIT_FN,
                self::params(&["value"]),
                implicit_result,
            );
        }
        let before = self.vm.host.implicit_count;
        self.load_proto(proto);
        self.run()?;
        if self.vm.host.implicit_count != before {
            let v = self.global("_").unwrap_or(Value::Null);
            if !v.is_null() {
                let mut s = crate::format::to_str(&v);
                s.push('\n');
                self.vm.out.write_str(&s);
                self.vm.out.flush();
            }
        }
        Ok(())
    }
}

/// The REPL's `_implicit(value)`: `_ = value`, and count it.
fn implicit_result(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let v = args.first().cloned().unwrap_or(Value::Null);
    vm.globals.borrow_mut().insert(Value::str("_"), v);
    vm.host.implicit_count += 1;
    Ok(Value::Null)
}

/// Turn every expression statement of global code (also inside `if`, `while` and
/// `for` blocks, not inside functions) into `_implicit(expr)`.
fn wrap_implicit(body: &mut [Stmt]) {
    for s in body {
        match &mut s.kind {
            StmtKind::Expr(e) => {
                let span = e.span;
                let inner = std::mem::replace(
                    e,
                    Expr {
                        kind: ExprKind::Null,
                        span,
                    },
                );
                let callee = Expr {
                    kind: ExprKind::Ident(Rc::from(IMPLICIT_FN)),
                    span,
                };
                *e = Expr {
                    kind: ExprKind::Call(Box::new(callee), vec![inner]),
                    span,
                };
            }
            StmtKind::If(arms, els) => {
                for (_, b) in arms.iter_mut() {
                    wrap_implicit(b);
                }
                if let Some(b) = els {
                    wrap_implicit(b);
                }
            }
            StmtKind::While(_, b) | StmtKind::For(_, _, b) => wrap_implicit(b),
            _ => {}
        }
    }
}

/// Whether REPL input `source` (complete lines joined with `\n`) is an unfinished
/// block (`if`, `while`, `for` or `function` without its `end`), so the REPL should
/// read more lines with the continuation prompt.
///
/// ```
/// # use miniscript::host::needs_more_input;
/// assert!(needs_more_input("if x then"));
/// assert!(!needs_more_input("print 1"));
/// ```
pub fn needs_more_input(source: &str) -> bool {
    let Err(e) = crate::parser::parse(source) else {
        return false;
    };
    if e.kind != ErrorKind::Compiler {
        return false;
    }
    // Unclosed blocks are reported one line past the end of the input.
    let lines = source.split('\n').count() as u32;
    let open_block = e.message == "unmatched block opener"
        || (e.message.ends_with("without matching 'end if'")
            || e.message.ends_with("without matching 'end while'")
            || e.message.ends_with("without matching 'end for'")
            || e.message.ends_with("without matching 'end function'"))
            && !e.message.starts_with("'end");
    open_block && e.line.is_some_and(|l| l > lines)
}

/// Whether the last line of `source` ends (before any comment) with a token that
/// continues the statement on the next line: an operator, a comma, an opening
/// bracket, `and`, `or`, `not`, `isa` or `new` (the reference REPL's rule). The REPL
/// then joins the next line to this one with a space.
///
/// ```
/// # use miniscript::host::ends_with_line_continuation;
/// assert!(ends_with_line_continuation("x = 1 +"));
/// assert!(!ends_with_line_continuation("x = 1"));
/// ```
pub fn ends_with_line_continuation(source: &str) -> bool {
    let last_line = source.rsplit('\n').next().unwrap_or("");
    let mut lx = Lexer::new(last_line);
    let mut last = None;
    loop {
        match lx.next_token() {
            Ok(t) if t.is_end() => break,
            Ok(t) => last = Some(t),
            Err(_) => return false,
        }
    }
    let Some(t) = last else {
        return false;
    };
    match t.kind {
        TokenKind::Eol
        | TokenKind::Identifier
        | TokenKind::Number
        | TokenKind::RCurly
        | TokenKind::RParen
        | TokenKind::RSquare
        | TokenKind::String
        | TokenKind::Unknown => false,
        TokenKind::Keyword => matches!(
            t.text.as_deref(),
            Some("and" | "or" | "isa" | "not" | "new")
        ),
        _ => true,
    }
}

/// `line` without a trailing `//` comment (one outside string literals).
///
/// ```
/// # use miniscript::host::trim_comment;
/// assert_eq!(trim_comment("x = 1 // one").trim_end(), "x = 1");
/// ```
pub fn trim_comment(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

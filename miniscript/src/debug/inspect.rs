//! Looking at a stopped program: the call stack with files, lines and function
//! names, the variables of a frame (locals, `outer`, globals), the elements of lists
//! and maps, and expressions evaluated in a frame.

use std::rc::Rc;

use super::{Breakpoint, BreakpointSpec, DebugState, StackFrame};
use crate::ast::StmtKind;
use crate::error::{MsError, MsResult};
use crate::interp::frame::RetDest;
use crate::interp::Vm;
use crate::tac::Proto;
use crate::value::{MapRef, Value};

/// The variables a frame shows, in groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Its locals (and `self`); global code shows the globals here.
    Locals,
    /// The `outer` map of a function defined inside another.
    Outer,
    /// The globals.
    Globals,
}

/// One variable, list element or map entry.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Its name, index (`[2]`) or key.
    pub name: String,
    /// The value as MiniScript code writes it (strings quoted), shortened.
    pub text: String,
    /// `number`, `string`, `list`, `map`, `function` or `null`.
    pub type_name: &'static str,
    /// The value itself.
    pub value: Value,
}

impl Variable {
    fn new(name: String, value: Value) -> Variable {
        Variable {
            name,
            text: value_text(&value),
            type_name: type_name(&value),
            value,
        }
    }

    /// Whether it has elements to expand (a list or map).
    pub fn expandable(&self) -> bool {
        matches!(self.value, Value::List(_) | Value::Map(_))
    }
}

/// The most characters a value's text shows.
const TEXT_LIMIT: usize = 200;

/// The text the debugger shows for `v`: the code form, two levels deep, shortened.
pub fn value_text(v: &Value) -> String {
    let mut s = String::new();
    crate::format::code_form(&mut s, v, 2);
    if s.len() > TEXT_LIMIT {
        let mut cut = TEXT_LIMIT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Num(_) => "number",
        Value::Str(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Func(_) => "function",
        #[allow(unreachable_patterns)]
        _ => "value",
    }
}

/// The elements of a list (`[i]`) or the entries of a map (keys as text, `__isa`
/// included); nothing for other values.
pub fn children(v: &Value) -> Vec<Variable> {
    match v {
        Value::List(l) => l
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, e)| Variable::new(format!("[{i}]"), e.clone()))
            .collect(),
        Value::Map(m) => map_vars(m),
        _ => Vec::new(),
    }
}

fn map_vars(m: &MapRef) -> Vec<Variable> {
    m.borrow()
        .iter()
        .map(|(k, v)| {
            let name = match k {
                Value::Str(s) => s.as_str().to_string(),
                other => crate::format::to_repr(other),
            };
            Variable::new(name, v.clone())
        })
        .collect()
}

/// What a debugger front end gets at a stop: the stopped interpreter and the
/// debugger's state. Frames are numbered from 0, the innermost.
pub struct Session<'a> {
    vm: &'a mut Vm,
    state: &'a mut DebugState,
}

impl<'a> Session<'a> {
    pub(crate) fn new(vm: &'a mut Vm, state: &'a mut DebugState) -> Self {
        Session { vm, state }
    }

    /// The interpreter (globals, output).
    pub fn vm(&mut self) -> &mut Vm {
        self.vm
    }

    /// Breakpoints and error stops.
    pub fn state(&mut self) -> &mut DebugState {
        self.state
    }

    /// The call stack, innermost first.
    pub fn stack(&self) -> Vec<StackFrame> {
        self.vm.stack_frames()
    }

    /// The scopes frame `frame` has: locals, `outer` when it has its own, globals.
    pub fn scopes(&self, frame: usize) -> Vec<Scope> {
        self.vm.frame_scopes(frame)
    }

    /// The variables of `scope` in frame `frame`.
    pub fn variables(&self, frame: usize, scope: Scope) -> Vec<Variable> {
        self.vm.frame_variables(frame, scope)
    }

    /// The elements of a list or the entries of a map.
    pub fn children(&self, v: &Value) -> Vec<Variable> {
        children(v)
    }

    /// Evaluate `source` (an expression, or statements) in frame `frame`: names
    /// are looked up as the function itself would, and assignments change its
    /// variables. Returns the expression's value (null for statements).
    pub fn evaluate(&mut self, frame: usize, source: &str) -> MsResult<Value> {
        self.vm.debug_evaluate(frame, source)
    }

    /// Replace the breakpoints of `file` (`None`: the main program); each moves
    /// to the first line with code at or after the one asked for.
    pub fn set_breakpoints(
        &mut self,
        file: Option<&str>,
        specs: &[BreakpointSpec],
    ) -> Vec<Breakpoint> {
        let main = self.vm.main_proto();
        self.state.breakpoints.set(file, specs, main.as_deref())
    }

    /// Add one breakpoint to those of `file`.
    pub fn add_breakpoint(&mut self, file: Option<&str>, spec: &BreakpointSpec) -> Breakpoint {
        let main = self.vm.main_proto();
        self.state.breakpoints.add(file, spec, main.as_deref())
    }
}

impl Vm {
    /// The code of the program loaded (the bottom frame), if any.
    pub(crate) fn main_proto(&self) -> Option<Rc<Proto>> {
        self.frames[..self.depth].first().map(|f| f.proto.clone())
    }

    /// The call stack, innermost first: each frame's function, file and line (a
    /// caller's line is the line of its call).
    pub fn stack_frames(&self) -> Vec<StackFrame> {
        (0..self.depth)
            .rev()
            .map(|i| {
                let f = &self.frames[i];
                let pc = match self.frames[..self.depth].get(i + 1) {
                    // Waiting for a call: the pc is past the call instruction,
                    // unless the call resolves an operand (the instruction re-runs).
                    Some(callee) if !matches!(callee.ret, RetDest::Resolve(_)) => {
                        f.pc.saturating_sub(1)
                    }
                    _ => f.pc,
                };
                let line = f
                    .proto
                    .lines
                    .get(pc)
                    .or(f.proto.lines.last())
                    .copied()
                    .unwrap_or(0);
                StackFrame {
                    function: self.function_name(&f.proto, f.outer.as_ref()),
                    file: f.proto.file.clone(),
                    line,
                }
            })
            .collect()
    }

    /// The name a frame of `proto` shows: what holds it (`Vm::holder_name`), else
    /// its compiled name; `(main)` (or `(FILE)`) for the program's global code.
    fn function_name(&self, proto: &Rc<Proto>, outer: Option<&MapRef>) -> String {
        if &*proto.name == "(global)" {
            return match &proto.file {
                Some(f) => format!("({f})"),
                None => "(main)".to_string(),
            };
        }
        self.holder_name(proto, outer)
            .unwrap_or_else(|| proto.name.to_string())
    }

    /// Index into `frames` of frame number `frame` (0: the innermost).
    fn frame_index(&self, frame: usize) -> Option<usize> {
        self.depth.checked_sub(frame + 1)
    }

    pub(crate) fn frame_scopes(&self, frame: usize) -> Vec<Scope> {
        let Some(fi) = self.frame_index(frame) else {
            return Vec::new();
        };
        let f = &self.frames[fi];
        let own_outer = f
            .outer
            .as_ref()
            .is_some_and(|o| !Rc::ptr_eq(o, &self.globals));
        let mut scopes = vec![Scope::Locals];
        if own_outer {
            scopes.push(Scope::Outer);
        }
        scopes.push(Scope::Globals);
        scopes
    }

    pub(crate) fn frame_variables(&self, frame: usize, scope: Scope) -> Vec<Variable> {
        let Some(fi) = self.frame_index(frame) else {
            return Vec::new();
        };
        let f = &self.frames[fi];
        match scope {
            Scope::Globals => map_vars(&self.globals),
            Scope::Outer => f.outer.as_ref().map(map_vars).unwrap_or_default(),
            Scope::Locals => {
                let mut vars = Vec::new();
                if !f.self_val.is_null() {
                    vars.push(Variable::new("self".into(), f.self_val.clone()));
                }
                match &f.locals {
                    Some(m) => vars.extend(map_vars(m)),
                    None => vars.extend(self.register_locals(fi).into_iter().filter_map(
                        |(name, v)| (!name.starts_with("__")).then(|| Variable::new(name, v)),
                    )),
                }
                vars
            }
        }
    }

    /// The named locals held in registers by frame `fi` that have a value.
    fn register_locals(&self, fi: usize) -> Vec<(String, Value)> {
        let f = &self.frames[fi];
        let n = (f.proto.nlocals as usize).min(f.proto.local_names.len());
        (0..n)
            .filter_map(|i| {
                let v = self.stack.get(f.base + i)?;
                if let Value::Func(fv) = v {
                    if self.is_unset(fv) {
                        return None;
                    }
                }
                Some((f.proto.local_names[i].to_string(), v.clone()))
            })
            .collect()
    }

    /// Evaluate `source` in frame `frame` (see [`super::Session::evaluate`]). The
    /// code runs as a nested call whose locals are the frame's (a map of its
    /// register locals, written back after the run), with the frame's `outer`,
    /// `self` and `super`, without debug checks.
    pub fn debug_evaluate(&mut self, frame: usize, source: &str) -> MsResult<Value> {
        let fi = self
            .frame_index(frame)
            .ok_or_else(|| MsError::runtime("no such frame"))?;
        let mut program = crate::parser::parse(source)?;
        if let [stmt] = &mut program.body[..] {
            if let StmtKind::Expr(e) = &stmt.kind {
                stmt.kind = StmtKind::Return(Some(e.clone()));
            }
        }
        let proto = crate::compiler::compile_eval(&program, source)?;
        let f = &self.frames[fi];
        let (locals, written) = match &f.locals {
            Some(m) => (m.clone(), false),
            None => {
                let mut m = crate::value::new_map();
                for (name, v) in self.register_locals(fi) {
                    m.insert(Value::str(&name), v);
                }
                (Rc::new(std::cell::RefCell::new(m)), true)
            }
        };
        let super_val = f
            .super_val
            .clone()
            .or_else(|| found_in_isa(&f.self_val, &f.proto));
        let (outer, self_val) = (f.outer.clone(), f.self_val.clone());
        let base_depth = self.depth;
        let top = self.free_stack_top();
        let need = top + 1 + proto.nregs as usize;
        if self.stack.len() < need {
            self.stack.resize(need, Value::Null);
        }
        self.stack[top] = Value::Null;
        self.enter_nested()?;
        let session = self.dbg.session.take();
        let traces = std::mem::replace(&mut self.dbg.trace_errors, false);
        self.push_frame(
            proto,
            top + 1,
            Some(locals.clone()),
            outer,
            RetDest::Reg(top),
            self_val,
            super_val,
        );
        self.budget_enter();
        let r = self.run_nested(base_depth);
        self.budget_leave();
        self.dbg.trace_errors = traces;
        if self.dbg.session.is_none() {
            self.dbg.session = session;
        }
        self.host.nesting -= 1;
        r?;
        if written {
            self.write_back(fi, &locals);
        }
        Ok(std::mem::take(&mut self.stack[top]))
    }

    /// Store the variables of `locals` that name register locals of frame `fi`
    /// into those registers.
    fn write_back(&mut self, fi: usize, locals: &MapRef) {
        let f = &self.frames[fi];
        let (proto, base) = (f.proto.clone(), f.base);
        let m = locals.borrow();
        for (i, name) in proto.local_names.iter().enumerate() {
            if i >= proto.nlocals as usize {
                break;
            }
            if let Some(v) = m.get(&Value::str(name)) {
                if let Some(slot) = self.stack.get_mut(base + i) {
                    *slot = v.clone();
                }
            }
        }
    }
}

/// `super` of a method frame whose call did not record it (the fast path skips it
/// when the method's code never reads `super`): the `__isa` of the first map along
/// `self`'s chain that holds this very function, as the call would have found it.
fn found_in_isa(self_val: &Value, proto: &Rc<Proto>) -> Option<Value> {
    let Value::Map(m) = self_val else {
        return None;
    };
    let mut cur = m.clone();
    for _ in 0..256 {
        let next = {
            let map = cur.borrow();
            let holds = map.values().any(|v| {
                matches!(v, Value::Func(f)
                    if matches!(&f.code, crate::value::FuncCode::Script(p) if Rc::ptr_eq(p, proto)))
            });
            if holds {
                return Some(map.isa().cloned().unwrap_or(Value::Null));
            }
            match map.isa() {
                Some(Value::Map(p)) => p.clone(),
                _ => return None,
            }
        };
        cur = next;
    }
    None
}

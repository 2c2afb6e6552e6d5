//! The name a function shows in call stacks (the debugger's, the profiler's): found
//! by what holds it, since MiniScript functions are anonymous values.

use std::rc::Rc;

use super::Vm;
use crate::tac::Proto;
use crate::value::{FuncCode, MapRef, Value};

impl Vm {
    /// The variable holding the function compiled as `proto`: a global, else a
    /// variable of `outer` (its defining scope), else `Map.key` for a method of a
    /// map held in a global (a class). `None` when nothing visible holds it.
    pub(crate) fn holder_name(&self, proto: &Rc<Proto>, outer: Option<&MapRef>) -> Option<String> {
        let holds = |v: &Value| matches!(v, Value::Func(f) if matches!(&f.code, FuncCode::Script(p) if Rc::ptr_eq(p, proto)));
        let name_in = |m: &MapRef, prefix: &str| {
            m.borrow().iter().find_map(|(k, v)| match k {
                Value::Str(s) if holds(v) => Some(format!("{prefix}{}", s.as_str())),
                _ => None,
            })
        };
        if let Some(n) = name_in(&self.globals, "") {
            return Some(n);
        }
        if let Some(n) = outer.and_then(|o| name_in(o, "")) {
            return Some(n);
        }
        let g = self.globals.borrow();
        g.iter().find_map(|(k, v)| match (k, v) {
            (Value::Str(class), Value::Map(m)) if !Rc::ptr_eq(m, &self.globals) => {
                name_in(m, &format!("{}.", class.as_str()))
            }
            _ => None,
        })
    }
}

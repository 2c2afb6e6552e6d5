//! The DAP server's debugger hook: at a stop it sends `stopped` and answers the
//! client's requests (stack, scopes, variables, evaluate, breakpoints) until one
//! resumes the program; while the program runs it answers what it can and pauses
//! on `pause`.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc::Receiver;

use miniscript::debug::{
    value_text, Breakpoint, BreakpointSpec, DebugHook, HitCondition, Resume, Scope, Session,
    StopReason, Variable,
};
use miniscript::value::Value;
use serde_json::{json, Value as Json};

use super::wire::Shared;

/// What a `variablesReference` names (valid until the program resumes).
enum Handle {
    Scope(usize, Scope),
    Value(Value),
}

pub struct DapHook {
    pub wire: Shared,
    pub rx: Rc<Receiver<Json>>,
    /// The program's path, as the client named it.
    pub program: String,
    /// Set when the client ended the session (`disconnect`, `terminate`).
    pub ended: Rc<Cell<bool>>,
    handles: Vec<Handle>,
}

impl DapHook {
    pub fn new(
        wire: Shared,
        rx: Rc<Receiver<Json>>,
        program: String,
        ended: Rc<Cell<bool>>,
    ) -> Self {
        DapHook {
            wire,
            rx,
            program,
            ended,
            handles: Vec::new(),
        }
    }
}

/// The breakpoints a `setBreakpoints` request asks for: the source's path and one
/// spec per breakpoint.
pub fn requested_breakpoints(req: &Json) -> (String, Vec<BreakpointSpec>) {
    let args = &req["arguments"];
    let path = args["source"]["path"].as_str().unwrap_or("").to_string();
    let specs = args["breakpoints"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|b| BreakpointSpec {
                    line: b["line"].as_u64().unwrap_or(0) as u32,
                    condition: b["condition"].as_str().map(str::to_string),
                    hit: b["hitCondition"].as_str().and_then(HitCondition::parse),
                })
                .collect()
        })
        .unwrap_or_default();
    (path, specs)
}

/// The body of a `setBreakpoints` response.
pub fn breakpoints_body(bps: &[Breakpoint]) -> Json {
    let list: Vec<Json> = bps
        .iter()
        .map(|b| json!({ "id": b.id, "verified": b.verified, "line": b.line }))
        .collect();
    json!({ "breakpoints": list })
}

/// The debugger's file for a client's source path: `None` for the program.
pub fn file_for(path: &str, program: &str) -> Option<String> {
    let canon = |p: &str| std::fs::canonicalize(p).ok();
    if path == program || canon(path).is_some_and(|c| Some(c) == canon(program)) {
        None
    } else {
        Some(path.to_string())
    }
}

/// Whether an exception filter list turns stops on runtime errors on.
pub fn errors_filter(req: &Json) -> bool {
    req["arguments"]["filters"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("error")))
}

fn stop_body(reason: &StopReason) -> Json {
    let (name, text) = match reason {
        StopReason::Entry => ("entry", None),
        StopReason::Breakpoint(_) => ("breakpoint", None),
        StopReason::Step => ("step", None),
        StopReason::Pause => ("pause", None),
        StopReason::Error(e) => ("exception", Some(e.to_string())),
    };
    let mut body = json!({ "reason": name, "threadId": 1, "allThreadsStopped": true });
    if let StopReason::Breakpoint(id) = reason {
        body["hitBreakpointIds"] = json!([id]);
    }
    if let Some(t) = text {
        body["description"] = json!(t.clone());
        body["text"] = json!(t);
    }
    body
}

impl DebugHook for DapHook {
    fn stopped(&mut self, s: &mut Session<'_>, reason: &StopReason) -> Resume {
        if self.ended.get() {
            return Resume::Terminate;
        }
        self.handles.clear();
        self.wire.borrow_mut().event("stopped", stop_body(reason));
        loop {
            let Ok(req) = self.rx.recv() else {
                return Resume::Terminate;
            };
            if let Some(resume) = self.request(s, &req) {
                self.handles.clear();
                return resume;
            }
        }
    }

    fn poll(&mut self, s: &mut Session<'_>) -> bool {
        let mut pause = false;
        while let Ok(req) = self.rx.try_recv() {
            match req["command"].as_str().unwrap_or("") {
                "pause" => {
                    self.wire.borrow_mut().respond(&req, json!({}));
                    pause = true;
                }
                "disconnect" | "terminate" | "__eof" => {
                    self.end(&req);
                    pause = true;
                }
                "threads" | "setBreakpoints" | "setExceptionBreakpoints" => {
                    self.request(s, &req);
                }
                _ => self.wire.borrow_mut().fail(&req, "the program is running"),
            }
        }
        pause
    }
}

impl DapHook {
    /// The client ends the session.
    fn end(&mut self, req: &Json) {
        if req["command"] != "__eof" {
            self.wire.borrow_mut().respond(req, json!({}));
        }
        self.ended.set(true);
    }

    /// Answer one request at a stop; `Some` resumes the program.
    fn request(&mut self, s: &mut Session<'_>, req: &Json) -> Option<Resume> {
        let args = &req["arguments"];
        let body = match req["command"].as_str().unwrap_or("") {
            "continue" => return self.resume(req, Resume::Continue),
            "next" => return self.resume(req, Resume::StepOver),
            "stepIn" => return self.resume(req, Resume::StepIn),
            "stepOut" => return self.resume(req, Resume::StepOut),
            "disconnect" | "terminate" | "__eof" => {
                self.end(req);
                return Some(Resume::Terminate);
            }
            "threads" => json!({ "threads": [{ "id": 1, "name": "main" }] }),
            "pause" => json!({}),
            "stackTrace" => self.stack_trace(s, args),
            "scopes" => self.scopes(s, args),
            "variables" => {
                let vars = match self.handles.get(handle_index(&args["variablesReference"])) {
                    Some(Handle::Scope(f, sc)) => s.variables(*f, *sc),
                    Some(Handle::Value(v)) => s.children(v),
                    None => Vec::new(),
                };
                let list: Vec<Json> = vars.into_iter().map(|v| self.variable(v)).collect();
                json!({ "variables": list })
            }
            "evaluate" => {
                let frame = frame_of(&args["frameId"]);
                let expr = args["expression"].as_str().unwrap_or("");
                match s.evaluate(frame, expr) {
                    Ok(v) => {
                        let r = self.reference(&v);
                        json!({ "result": value_text(&v), "variablesReference": r })
                    }
                    Err(e) => {
                        self.wire.borrow_mut().fail(req, &e.to_string());
                        return None;
                    }
                }
            }
            "setBreakpoints" => {
                let (path, specs) = requested_breakpoints(req);
                let file = file_for(&path, &self.program);
                breakpoints_body(&s.set_breakpoints(file.as_deref(), &specs))
            }
            "setExceptionBreakpoints" => {
                s.state().break_on_errors = errors_filter(req);
                json!({})
            }
            other => {
                let msg = format!("unsupported request '{other}'");
                self.wire.borrow_mut().fail(req, &msg);
                return None;
            }
        };
        self.wire.borrow_mut().respond(req, body);
        None
    }

    fn resume(&mut self, req: &Json, how: Resume) -> Option<Resume> {
        self.wire
            .borrow_mut()
            .respond(req, json!({ "allThreadsContinued": true }));
        Some(how)
    }

    fn stack_trace(&self, s: &Session<'_>, args: &Json) -> Json {
        let frames = s.stack();
        let start = args["startFrame"].as_u64().unwrap_or(0) as usize;
        let levels = match args["levels"].as_u64() {
            Some(n) if n > 0 => n as usize,
            _ => frames.len(),
        };
        let list: Vec<Json> = frames
            .iter()
            .enumerate()
            .skip(start)
            .take(levels)
            .map(|(i, f)| {
                let source = match &f.file {
                    None => json!({
                        "name": base_name(&self.program),
                        "path": absolute(&self.program),
                    }),
                    Some(name) => json!({ "name": name.to_string() }),
                };
                json!({
                    "id": i + 1,
                    "name": f.function,
                    "line": f.line,
                    "column": 1,
                    "source": source,
                })
            })
            .collect();
        json!({ "stackFrames": list, "totalFrames": frames.len() })
    }

    fn scopes(&mut self, s: &Session<'_>, args: &Json) -> Json {
        let frame = frame_of(&args["frameId"]);
        let list: Vec<Json> = s
            .scopes(frame)
            .into_iter()
            .map(|sc| {
                self.handles.push(Handle::Scope(frame, sc));
                let (name, hint) = match sc {
                    Scope::Locals => ("Locals", "locals"),
                    Scope::Outer => ("Outer", "locals"),
                    Scope::Globals => ("Globals", "globals"),
                };
                json!({
                    "name": name,
                    "presentationHint": hint,
                    "variablesReference": self.handles.len(),
                    "expensive": false,
                })
            })
            .collect();
        json!({ "scopes": list })
    }

    /// A handle for `v`'s elements (0 for a value without any).
    fn reference(&mut self, v: &Value) -> usize {
        match v {
            Value::List(_) | Value::Map(_) => {
                self.handles.push(Handle::Value(v.clone()));
                self.handles.len()
            }
            _ => 0,
        }
    }

    fn variable(&mut self, v: Variable) -> Json {
        let r = self.reference(&v.value);
        json!({
            "name": v.name,
            "value": v.text,
            "type": v.type_name,
            "variablesReference": r,
        })
    }
}

/// Frame ids are frame numbers plus one (0 and absent mean the innermost).
fn frame_of(id: &Json) -> usize {
    id.as_u64().map_or(0, |n| (n as usize).saturating_sub(1))
}

fn handle_index(r: &Json) -> usize {
    r.as_u64()
        .map_or(usize::MAX, |n| (n as usize).wrapping_sub(1))
}

fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn absolute(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

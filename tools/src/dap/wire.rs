//! The Debug Adapter Protocol's framing and messages: `Content-Length` headers
//! around JSON, requests read from standard input, responses and events written to
//! standard output with their sequence numbers, and `output` events as a sink.

use std::cell::{Cell, RefCell};
use std::io::{BufRead, Write};
use std::rc::Rc;

use miniscript::host::OutputSink;
use serde_json::{json, Value};

/// Read one message; `None` at the end of input or on a malformed frame.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length: Option<usize> = None;
    loop {
        let mut header = String::new();
        if r.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Writes messages to standard output.
pub struct Wire {
    seq: i64,
}

/// The writer, shared by the session, the debugger hook and the output sinks (all
/// on the interpreter's thread).
pub type Shared = Rc<RefCell<Wire>>;

impl Wire {
    pub fn shared() -> Shared {
        Rc::new(RefCell::new(Wire { seq: 0 }))
    }

    fn send(&mut self, mut msg: Value) {
        self.seq += 1;
        msg["seq"] = json!(self.seq);
        let text = msg.to_string();
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "Content-Length: {}\r\n\r\n{text}", text.len());
        let _ = out.flush();
    }

    /// A successful response to `req` with `body`.
    pub fn respond(&mut self, req: &Value, body: Value) {
        self.send(json!({
            "type": "response",
            "request_seq": req["seq"],
            "command": req["command"],
            "success": true,
            "body": body,
        }));
    }

    /// A failed response to `req`.
    pub fn fail(&mut self, req: &Value, message: &str) {
        self.send(json!({
            "type": "response",
            "request_seq": req["seq"],
            "command": req["command"],
            "success": false,
            "message": message,
            "body": { "error": { "id": 1, "format": message } },
        }));
    }

    pub fn event(&mut self, event: &str, body: Value) {
        self.send(json!({ "type": "event", "event": event, "body": body }));
    }
}

/// The program's `print` output (category `stdout`) or its errors (`stderr`) as
/// `output` events. `quiet` drops errors once the client asked to end the session
/// (the `interrupted` that ends the run).
pub struct OutputEvents {
    pub wire: Shared,
    pub category: &'static str,
    pub quiet: Rc<Cell<bool>>,
}

impl OutputSink for OutputEvents {
    fn write_str(&mut self, s: &str) {
        if s.is_empty() || self.quiet.get() {
            return;
        }
        let body = json!({ "category": self.category, "output": s });
        self.wire.borrow_mut().event("output", body);
    }
}

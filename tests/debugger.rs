//! The debugger from the outside: `miniscript --dap` driven over pipes as an editor
//! drives it (also with the JIT forced on and a breakpoint in a hot loop, and a
//! pause of a running native loop), `miniscript --debug` through piped stdin, and
//! `--stack-trace`.

#[path = "debugger/api.rs"]
mod api;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use common::{code, own_bin as bin, run_bin, stderr, stdout, TempDir};
use serde_json::{json, Value};

/// How long one message may take to arrive.
const WAIT: Duration = Duration::from_secs(30);

/// An editor's side of a DAP session over the child's stdin and stdout.
struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    seq: i64,
    /// Events received and not yet looked at, in order.
    events: Vec<Value>,
}

impl Client {
    fn start(args: &[&str]) -> Client {
        let mut child = Command::new(bin())
            .arg("--dap")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start miniscript --dap");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 {
                        return;
                    }
                    let h = h.trim();
                    if h.is_empty() {
                        break;
                    }
                    if let Some(v) = h.strip_prefix("Content-Length:") {
                        len = v.trim().parse().expect("length");
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let msg: Value = serde_json::from_slice(&body).expect("JSON message");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seq: 0,
            events: Vec::new(),
        }
    }

    fn next(&mut self) -> Value {
        self.rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no message from the server; events: {:?}", self.events))
    }

    fn send(&mut self, command: &str, arguments: Value) -> i64 {
        self.seq += 1;
        let msg = json!({ "seq": self.seq, "type": "request", "command": command, "arguments": arguments });
        let text = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{text}", text.len()).expect("write");
        self.stdin.flush().expect("flush");
        self.seq
    }

    /// Send a request and return its successful response's body.
    fn request(&mut self, command: &str, arguments: Value) -> Value {
        let r = self.request_raw(command, arguments);
        assert_eq!(r["success"], true, "{command} failed: {r}");
        r["body"].clone()
    }

    fn request_raw(&mut self, command: &str, arguments: Value) -> Value {
        let seq = self.send(command, arguments);
        loop {
            let m = self.next();
            if m["type"] == "response" && m["request_seq"] == seq {
                assert_eq!(m["command"], command);
                return m;
            }
            self.events.push(m);
        }
    }

    /// The next event named `name` (earlier events of other names are kept).
    fn event(&mut self, name: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["event"] == name) {
            return self.events.remove(i)["body"].clone();
        }
        loop {
            let m = self.next();
            if m["type"] == "event" && m["event"] == name {
                return m["body"].clone();
            }
            self.events.push(m);
        }
    }

    /// Every `output` text of category stdout received so far, removed.
    fn output(&mut self) -> String {
        let mut text = String::new();
        self.events.retain(|e| {
            if e["event"] == "output" && e["body"]["category"] == "stdout" {
                text.push_str(e["body"]["output"].as_str().unwrap_or(""));
                false
            } else {
                true
            }
        });
        text
    }

    /// Wait for a stop; returns its body and checks its reason.
    fn stopped(&mut self, reason: &str) -> Value {
        let body = self.event("stopped");
        assert_eq!(body["reason"], reason, "{body}");
        body
    }

    /// (function name, line) of each frame.
    fn stack(&mut self) -> Vec<(String, u64)> {
        let body = self.request("stackTrace", json!({ "threadId": 1 }));
        body["stackFrames"]
            .as_array()
            .expect("frames")
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap_or("").to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// The variables of scope `index` of frame `frame_id`, as (name, value, ref).
    fn scope_vars(&mut self, frame_id: u64, index: usize) -> Vec<(String, String, u64)> {
        let scopes = self.request("scopes", json!({ "frameId": frame_id }));
        let r = scopes["scopes"][index]["variablesReference"]
            .as_u64()
            .expect("scope ref");
        self.vars(r)
    }

    fn vars(&mut self, reference: u64) -> Vec<(String, String, u64)> {
        let body = self.request("variables", json!({ "variablesReference": reference }));
        body["variables"]
            .as_array()
            .expect("variables")
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap_or("").to_string(),
                    v["value"].as_str().unwrap_or("").to_string(),
                    v["variablesReference"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    fn eval(&mut self, frame_id: u64, expr: &str) -> String {
        let body = self.request(
            "evaluate",
            json!({ "expression": expr, "frameId": frame_id }),
        );
        body["result"].as_str().unwrap_or("").to_string()
    }

    /// Initialize, launch `program`, set breakpoints at `lines`, configurationDone.
    fn launch(&mut self, program: &str, lines: &[u64], stop_on_entry: bool) -> Value {
        let caps = self.request(
            "initialize",
            json!({ "adapterID": "miniscript", "linesStartAt1": true }),
        );
        assert_eq!(caps["supportsConditionalBreakpoints"], true);
        self.event("initialized");
        self.request(
            "launch",
            json!({ "program": program, "stopOnEntry": stop_on_entry }),
        );
        let bps: Vec<Value> = lines.iter().map(|l| json!({ "line": l })).collect();
        let set = self.request(
            "setBreakpoints",
            json!({ "source": { "path": program }, "breakpoints": bps }),
        );
        self.request("configurationDone", json!({}));
        set
    }

    /// After the end: `exited` (its code), `terminated`, then disconnect and the
    /// process's own status.
    fn finish(mut self) -> (u64, i32, String) {
        let exited = self.event("exited");
        self.event("terminated");
        self.request("disconnect", json!({}));
        drop(self.stdin);
        let status = self.child.wait().expect("wait");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (
            exited["exitCode"].as_u64().expect("exit code"),
            status.code().unwrap_or(-1),
            err,
        )
    }
}

const TWO_FUNCTIONS: &str = r#"helper = function(n)
  info = {"n": n, "__isa": base}
  sq = n * n
  return sq
end function
run = function(k)
  t = 0
  t = t + helper(k)
  t = t + 1
  return t
end function
base = {"kind": "base"}
print "begin"
r = run(3)
print "result " + r
exit 3"#;

#[test]
fn dap_session_on_two_functions() {
    let dir = TempDir::new("dap-two");
    let prog = dir.write("two.ms", TWO_FUNCTIONS);
    let prog = prog.to_str().unwrap();
    let mut c = Client::start(&[]);
    let set = c.launch(prog, &[8], false);
    assert_eq!(set["breakpoints"][0]["verified"], true);
    assert_eq!(set["breakpoints"][0]["line"], 8);

    let stop = c.stopped("breakpoint");
    assert_eq!(stop["threadId"], 1);
    assert_eq!(c.output(), "begin\n");
    assert_eq!(
        c.stack(),
        [("run".to_string(), 8), ("(main)".to_string(), 14)]
    );
    let locals = c.scope_vars(1, 0);
    assert!(
        locals.iter().any(|(n, v, _)| n == "k" && v == "3"),
        "{locals:?}"
    );
    assert!(
        locals.iter().any(|(n, v, _)| n == "t" && v == "0"),
        "{locals:?}"
    );

    c.request("stepIn", json!({ "threadId": 1 }));
    c.stopped("step");
    assert_eq!(
        c.stack()[..2],
        [("helper".to_string(), 2), ("run".to_string(), 8)]
    );
    c.request("next", json!({ "threadId": 1 }));
    c.stopped("step");
    c.request("next", json!({ "threadId": 1 }));
    c.stopped("step");
    assert_eq!(c.stack()[0], ("helper".to_string(), 4));
    let locals = c.scope_vars(1, 0);
    let find = |name: &str| locals.iter().find(|(n, _, _)| n == name).cloned();
    assert_eq!(find("n").map(|v| v.1), Some("3".to_string()));
    assert_eq!(find("sq").map(|v| v.1), Some("9".to_string()));
    let (_, _, info_ref) = find("info").expect("info is a local");
    assert!(info_ref > 0, "a map is expandable");
    let fields = c.vars(info_ref);
    assert_eq!(fields[0], ("n".to_string(), "3".to_string(), 0));
    assert_eq!(fields[1].0, "__isa");
    assert!(fields[1].2 > 0, "__isa expands too");
    assert_eq!(c.eval(1, "sq * 2 + n"), "21");
    assert_eq!(c.eval(2, "k + t"), "3", "evaluated in the caller's frame");
    // Globals are a scope of every frame.
    let scopes = c.request("scopes", json!({ "frameId": 1 }));
    assert_eq!(scopes["scopes"][1]["name"], "Globals");

    c.request("stepOut", json!({ "threadId": 1 }));
    c.stopped("step");
    assert_eq!(c.stack()[0], ("run".to_string(), 8));
    c.request("next", json!({ "threadId": 1 }));
    c.stopped("step");
    assert_eq!(c.stack()[0], ("run".to_string(), 9));
    assert_eq!(c.eval(1, "t"), "9");
    c.request("continue", json!({ "threadId": 1 }));
    let output_before_exit = c.event("exited");
    assert_eq!(output_before_exit["exitCode"], 3);
    assert_eq!(c.output(), "result 10\n");
    c.events
        .push(json!({ "type": "event", "event": "exited", "body": output_before_exit }));
    let (exit, status, _) = c.finish();
    assert_eq!((exit, status), (3, 3));
}

const HOT_LOOP: &str = "work = function(n)
  s = 0
  i = 0
  while i < n
    s = s + i * 2
    i = i + 1
  end while
  return s
end function
print work(100000)
print work(5000)
print \"done\"";

#[test]
fn dap_breakpoint_in_a_hot_jit_compiled_loop() {
    let dir = TempDir::new("dap-jit");
    let prog = dir.write("hot.ms", HOT_LOOP);
    let prog = prog.to_str().unwrap();
    let jit = [
        "--jit=sync",
        "--jit-eager",
        "--jit-hot-loop=1",
        "--jit-stats",
    ];
    let mut c = Client::start(&jit);
    c.launch(prog, &[11], false);
    c.stopped("breakpoint");
    // The first call ran its loop natively (no breakpoint in it).
    assert_eq!(c.output(), "9999900000\n");
    // A breakpoint inside the compiled loop: native code is not entered again.
    let set = c.request(
        "setBreakpoints",
        json!({ "source": { "path": prog }, "breakpoints": [{ "line": 5, "condition": "i == 3000" }] }),
    );
    assert_eq!(set["breakpoints"][0]["line"], 5);
    c.request("continue", json!({ "threadId": 1 }));
    c.stopped("breakpoint");
    assert_eq!(c.stack()[0], ("work".to_string(), 5));
    let locals = c.scope_vars(1, 0);
    let get = |name: &str| {
        locals
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|v| v.1.clone())
    };
    assert_eq!(get("i").as_deref(), Some("3000"));
    assert_eq!(get("s").as_deref(), Some("8997000"));
    assert_eq!(get("n").as_deref(), Some("5000"));
    // A hit count: the third hit of an unconditional breakpoint from here.
    c.request(
        "setBreakpoints",
        json!({ "source": { "path": prog }, "breakpoints": [{ "line": 6, "hitCondition": "==3" }] }),
    );
    c.request("continue", json!({ "threadId": 1 }));
    c.stopped("breakpoint");
    assert_eq!(c.eval(1, "i"), "3002");
    c.request(
        "setBreakpoints",
        json!({ "source": { "path": prog }, "breakpoints": [] }),
    );
    c.request("continue", json!({ "threadId": 1 }));
    let exited = c.event("exited");
    assert_eq!(exited["exitCode"], 0);
    assert_eq!(c.output(), "24995000\ndone\n");
    c.events
        .push(json!({ "type": "event", "event": "exited", "body": exited }));
    let (_, status, err) = c.finish();
    assert_eq!(status, 0);
    assert!(err.contains("loop"), "JIT statistics on stderr: {err}");
}

#[test]
fn dap_pause_stops_a_running_native_loop() {
    let dir = TempDir::new("dap-pause");
    let prog = dir.write(
        "spin.ms",
        "spin = function()\n  i = 0\n  while i >= 0\n    i = i + 1\n  end while\nend function\nprint \"go\"\nspin",
    );
    let prog = prog.to_str().unwrap();
    let mut c = Client::start(&["--jit=sync", "--jit-eager", "--jit-hot-loop=1"]);
    c.launch(prog, &[], false);
    loop {
        if c.output() == "go\n" {
            break;
        }
        let m = c.next();
        c.events.push(m);
    }
    std::thread::sleep(Duration::from_millis(200));
    c.request("pause", json!({ "threadId": 1 }));
    c.stopped("pause");
    let (name, line) = c.stack()[0].clone();
    assert_eq!(name, "spin");
    assert!(
        (3..=4).contains(&line),
        "stopped in the loop, at line {line}"
    );
    let i: f64 = c.eval(1, "i").parse().expect("a number");
    assert!(i > 0.0);
    c.request("terminate", json!({}));
    let exited = c.event("exited");
    assert_eq!(exited["exitCode"], 130);
    drop(c.stdin);
    let _ = c.child.wait();
}

#[test]
fn terminal_debugger_through_piped_stdin() {
    let dir = TempDir::new("msdb");
    let prog = dir.write("two.ms", TWO_FUNCTIONS);
    let p = prog.to_str().unwrap();
    let commands =
        "b 3 if n == 3\nc\nbt\np n * 10\ninfo locals\nn\np sq\nup\np k\ndown\nfinish\nn\nl\nd\nc\n";
    let o = run_bin(None, &[], &["--debug", p], Some(commands), WAIT);
    let out = stdout(&o);
    let expect = [
        format!("(main) at {p}:1"),
        format!("Breakpoint 1 at {p}:3"),
        "begin".to_string(),
        format!("Breakpoint 1, helper at {p}:3"),
        "   3    sq = n * n".to_string(),
        format!(">#0  helper at {p}:3"),
        format!(" #1  run at {p}:8"),
        format!(" #2  (main) at {p}:14"),
        "30".to_string(),
        "n = 3".to_string(),
        "info = {\"n\": 3, \"__isa\": {\"kind\": \"base\"}}".to_string(),
        format!("helper at {p}:4"),
        "9".to_string(),
        format!("#1  run at {p}:8"),
        "3".to_string(),
        format!("run at {p}:8"),
        format!("run at {p}:9"),
        "   9 ->   t = t + 1".to_string(),
        "Deleted all breakpoints.".to_string(),
        "result 10".to_string(),
        "[program exited with status 3]".to_string(),
    ];
    let mut rest = out.as_str();
    for e in &expect {
        match rest.find(e.as_str()) {
            Some(i) => rest = &rest[i + e.len()..],
            None => panic!("missing {e:?} (in order) in:\n{out}"),
        }
    }
    assert_eq!(code(&o), 3);
}

#[test]
fn terminal_debugger_stops_on_a_runtime_error() {
    let dir = TempDir::new("msdb-err");
    let prog = dir.write(
        "bad.ms",
        "f = function(x)\n  y = x + 1\n  return y + nope\nend function\nf 41",
    );
    let p = prog.to_str().unwrap();
    let o = run_bin(None, &[], &["--debug", p], Some("c\np y\nbt\nc\n"), WAIT);
    let out = stdout(&o);
    assert!(out.contains("Stopped by an error: Runtime Error: Undefined Identifier: 'nope' is unknown in this context [line 3]"), "{out}");
    assert!(
        out.contains(&format!("f at {p}:3\n   3    return y + nope\n42\n")),
        "{out}"
    );
    assert!(out.contains(&format!(" #1  (main) at {p}:5")), "{out}");
    assert_eq!(code(&o), 1);
}

#[test]
fn stack_trace_on_request_only() {
    let dir = TempDir::new("trace");
    let prog = dir.write(
        "t.ms",
        "f = function(x)\n  return x + nope\nend function\ng = function()\n  return f(1)\nend function\nprint \"a\"\ng",
    );
    let p = prog.to_str().unwrap();
    let plain = run_bin(None, &[], &[p], None, WAIT);
    let error = "Runtime Error: Undefined Identifier: 'nope' is unknown in this context [line 2]\n";
    assert_eq!(stderr(&plain), error);
    let traced = run_bin(None, &[], &["--stack-trace", p], None, WAIT);
    assert_eq!(stdout(&traced), "a\n");
    assert_eq!(
        stderr(&traced),
        format!("{error}Call stack (innermost first):\n  {p} line 2, in f\n  {p} line 5, in g\n  {p} line 8, in (main)\n")
    );
    assert_eq!(code(&traced), 1);
}

//! The debugger through the embedding API: stepping from the entry, stops on
//! errors with the frames intact, a pause from another thread, and the values of a
//! region's variables under the JIT.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use miniscript::debug::{
    BreakpointSpec, DebugHook, HitCondition, Resume, Scope, Session, StopReason,
};
use miniscript::host::{Interpreter, StringSink};

/// Records each stop as `reason function:line` and answers from a script.
struct Script {
    answers: Vec<Resume>,
    seen: Rc<RefCell<Vec<String>>>,
}

impl DebugHook for Script {
    fn stopped(&mut self, s: &mut Session<'_>, reason: &StopReason) -> Resume {
        let top = s.stack()[0].clone();
        let why = match reason {
            StopReason::Entry => "entry".to_string(),
            StopReason::Breakpoint(id) => format!("bp{id}"),
            StopReason::Step => "step".to_string(),
            StopReason::Pause => "pause".to_string(),
            StopReason::Error(e) => format!("error({})", e.message),
        };
        let i = s
            .variables(0, Scope::Locals)
            .into_iter()
            .find(|v| v.name == "i");
        let i = i.map(|v| format!(" i={}", v.text)).unwrap_or_default();
        self.seen
            .borrow_mut()
            .push(format!("{why} {}:{}{i}", top.function, top.line));
        if self.answers.is_empty() {
            Resume::Continue
        } else {
            self.answers.remove(0)
        }
    }
}

fn interp_with(
    answers: Vec<Resume>,
    entry: bool,
) -> (Interpreter, Rc<RefCell<Vec<String>>>, StringSink) {
    let mut interp = Interpreter::new();
    let out = StringSink::default();
    interp.set_output(out.clone());
    interp.set_error_output(StringSink::default());
    let seen = Rc::new(RefCell::new(Vec::new()));
    interp.attach_debugger(
        Script {
            answers,
            seen: seen.clone(),
        },
        entry,
    );
    (interp, seen, out)
}

const PROG: &str =
    "f = function(a)\n  b = a + 1\n  return b\nend function\nx = f(1)\ny = f(x)\nprint y";

#[test]
fn steps_in_over_and_out_from_the_entry() {
    use Resume::*;
    let answers = vec![
        StepOver, StepIn, StepIn, StepOut, StepOver, StepOver, StepOver,
    ];
    let (mut interp, seen, out) = interp_with(answers, true);
    interp.load("", PROG).unwrap();
    interp.run().unwrap();
    assert_eq!(
        *seen.borrow(),
        [
            "entry (main):1",
            "step (main):5",
            "step f:2",
            "step f:3",
            "step (main):5",
            "step (main):6",
            "step (main):7",
        ]
    );
    assert_eq!(out.contents().as_str(), "3\n");
}

#[test]
fn conditions_hit_counts_and_error_stops() {
    let (mut interp, seen, _) = interp_with(vec![], false);
    let prog = "g = function(i)\n  y = 10 / i\n  return y\nend function\nfor i in range(1, 6)\n  g i\nend for\nh = nope";
    interp.load("", prog).unwrap();
    let specs = [BreakpointSpec {
        line: 2,
        condition: Some("i % 2 == 0".into()),
        hit: HitCondition::parse("2"),
    }];
    let set = interp.set_breakpoints(None, &specs);
    assert!(set[0].verified);
    interp.set_break_on_errors(true);
    let err = interp.run().unwrap_err();
    assert!(err.message.contains("nope"), "{err}");
    // Hits with the condition true: i = 2, 4, 6; from the second on they stop.
    assert_eq!(
        *seen.borrow(),
        [
            "bp1 g:2 i=4",
            "bp1 g:2 i=6",
            "error(Undefined Identifier: 'nope' is unknown in this context) (main):8 i=6",
        ]
    );
}

#[test]
fn evaluation_assigns_in_the_frame() {
    struct Assign;
    impl DebugHook for Assign {
        fn stopped(&mut self, s: &mut Session<'_>, _: &StopReason) -> Resume {
            s.evaluate(0, "b = 100").unwrap();
            let vars = s.variables(0, Scope::Locals);
            assert!(vars.iter().any(|v| v.name == "b" && v.text == "100"));
            Resume::Continue
        }
    }
    let mut interp = Interpreter::new();
    let out = StringSink::default();
    interp.set_output(out.clone());
    interp.attach_debugger(Assign, false);
    interp.load("", PROG).unwrap();
    interp.set_breakpoints(
        None,
        &[BreakpointSpec {
            line: 3,
            ..Default::default()
        }],
    );
    interp.run().unwrap();
    // Both calls return the assigned 100.
    assert_eq!(out.contents().as_str(), "100\n");
}

#[test]
fn pause_from_another_thread() {
    let (mut interp, seen, _) = interp_with(vec![Resume::Terminate], false);
    interp
        .load("", "i = 0\nwhile true\n  i = i + 1\nend while")
        .unwrap();
    let handle = interp.debug_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.pause();
    });
    let err = interp.run().unwrap_err();
    t.join().unwrap();
    assert_eq!(err.message, "interrupted");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with("pause (main):"), "{seen:?}");
    // Detached, the interpreter runs at full speed again.
    drop(seen);
    interp.detach_debugger();
    interp.run_source("", "print 1").unwrap();
}

#[test]
fn evaluation_sees_super_of_a_method_that_does_not_read_it() {
    // The call's fast path skips `super` when the method never reads it; the
    // debugger still finds it: the `__isa` of the map the method was found in.
    struct Super(Rc<RefCell<Vec<String>>>);
    impl DebugHook for Super {
        fn stopped(&mut self, s: &mut Session<'_>, _: &StopReason) -> Resume {
            for src in ["super == Base", "super.tag", "self.tag"] {
                let v = s.evaluate(0, src).unwrap();
                self.0.borrow_mut().push(format!("{src}: {v}"));
            }
            Resume::Continue
        }
    }
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut interp = Interpreter::new();
    interp.set_output(StringSink::default());
    interp.attach_debugger(Super(seen.clone()), false);
    let prog = "Base = {\"tag\": \"base\"}\nMid = new Base\nMid.tag = \"mid\"\nMid.m = function(x)\n  return x + 1\nend function\nobj = new Mid\nobj.tag = \"obj\"\nprint obj.m(1)";
    interp.load("", prog).unwrap();
    interp.set_breakpoints(
        None,
        &[BreakpointSpec {
            line: 5,
            ..Default::default()
        }],
    );
    interp.run().unwrap();
    assert_eq!(
        *seen.borrow(),
        ["super == Base: 1", "super.tag: base", "self.tag: obj"]
    );
}

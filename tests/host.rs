//! The embedding API (`miniscript::host`) driven as a Rust host would: load a
//! program, call its functions many times, register closures, capture output,
//! interrupt from another thread, run interpreters side by side.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use miniscript::host::{is_interrupt, Interpreter, StringSink, MAX_HOST_FUNCTIONS};
use miniscript::value::Value;
use miniscript::{MsResult, VmConfig};

/// An interpreter whose output and errors are captured.
fn captured() -> (Interpreter, StringSink, StringSink) {
    let mut interp = Interpreter::new();
    let out = StringSink::default();
    let err = StringSink::default();
    interp.set_output(out.clone());
    interp.set_error_output(err.clone());
    (interp, out, err)
}

fn text(s: &StringSink) -> String {
    s.contents()
}

const GAME: &str = "
state = {\"x\": 0, \"frames\": 0}
update = function(dt)
  state.x = state.x + 3 * dt
  state.frames = state.frames + 1
  return state.frames
end function
";

#[test]
fn call_a_function_100k_times() {
    let (mut interp, _out, err) = captured();
    interp.run_source("game.ms", GAME).unwrap();
    let update = interp.function("update").expect("update is defined");
    const N: u32 = 100_000;
    let start = Instant::now();
    let mut last = 0.0;
    for _ in 0..N {
        last = interp.call_function(&update, (0.5,)).unwrap();
    }
    let per_call = start.elapsed() / N;
    assert_eq!(last, f64::from(N));
    let Some(Value::Map(state)) = interp.global("state") else {
        panic!("state is a map")
    };
    let x = state.borrow().get(&Value::str("x")).and_then(Value::as_num);
    assert_eq!(x, Some(1.5 * f64::from(N)));
    // An unknown name is MiniScript's error (and is reported).
    let e = interp.call::<f64>("nothing", ()).unwrap_err();
    assert_eq!(
        e.message,
        "Undefined Identifier: 'nothing' is unknown in this context"
    );
    assert!(
        text(&err).contains("'nothing' is unknown"),
        "{}",
        text(&err)
    );
    // By name (one hash lookup more per call).
    let start = Instant::now();
    for _ in 0..N {
        let _: f64 = interp.call("update", (0.5,)).unwrap();
    }
    let by_name = start.elapsed() / N;
    // A function that does nothing: the call overhead itself.
    interp
        .run_source("", "noop = function(dt)\n  return dt\nend function")
        .unwrap();
    let noop = interp.function("noop").unwrap();
    let start = Instant::now();
    for i in 0..N {
        let r: f64 = interp.call_function(&noop, (i,)).unwrap();
        assert_eq!(r, f64::from(i));
    }
    let bare = start.elapsed() / N;
    eprintln!(
        "host calls: update(dt) {per_call:?} per call by handle, {by_name:?} by name; empty function {bare:?}"
    );
}

#[test]
fn host_closure_called_from_script() {
    let (mut interp, out, _err) = captured();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    interp
        .register("spawn", &["kind", "x"], move |_vm, args| {
            l.borrow_mut().push(format!(
                "{}@{}",
                args[0].as_str().unwrap_or("?"),
                args[1].num_or_zero()
            ));
            Ok(l.borrow().len())
        })
        .unwrap();
    // A closure may call back into script code.
    interp
        .register("twice", &["f"], |vm, args| {
            let a = vm.call_value(&args[0], &[Value::Num(1.0)])?;
            let b = vm.call_value(&args[0], &[a])?;
            Ok(b)
        })
        .unwrap();
    interp
        .run_source(
            "",
            "print spawn(\"orc\", 3)\nprint spawn(\"elf\")\ntenfold = function(n)\n return n * 10\nend function\nprint twice(@tenfold)\nprint @spawn",
        )
        .unwrap();
    assert_eq!(
        *log.borrow(),
        vec!["orc@3".to_string(), "elf@0".to_string()]
    );
    assert_eq!(text(&out), "1\n2\n100\nFUNCTION(kind, x)\n");
}

#[test]
fn host_closure_errors_and_reentrancy() {
    let (mut interp, out, err) = captured();
    interp
        .register("fail", &[], |_vm, _args| -> MsResult<Value> {
            Err(miniscript::MsError::runtime("the host says no"))
        })
        .unwrap();
    let e = interp.run_source("level.ms", "x = 1\nfail").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Runtime Error: the host says no [level.ms line 2]"
    );
    assert_eq!(text(&err), format!("{e}\n"));

    // A closure may be re-entered through the script (nested callbacks).
    interp
        .register("each", &["list", "f"], |vm, args| {
            let items = match &args[0] {
                Value::List(l) => l.borrow().clone(),
                _ => Vec::new(),
            };
            for it in items {
                vm.call_value(&args[1], &[it])?;
            }
            Ok(Value::Null)
        })
        .unwrap();
    interp
        .run_source(
            "",
            "outerFn = function(a)\n  innerFn = function(b)\n    print a + b\n  end function\n  each [\"x\", \"y\"], @innerFn\nend function\neach [1, 2], @outerFn",
        )
        .unwrap();
    assert_eq!(text(&out), "1x\n1y\n2x\n2y\n");
    // An error inside a nested callback unwinds everything and leaves the
    // interpreter usable.
    let e = interp
        .run_source("", "outerFn = function(a)\n  innerFn = function(b)\n    x = b / nothing\n  end function\n  each [2], @innerFn\nend function\neach [1], @outerFn")
        .unwrap_err();
    assert_eq!(e.line, Some(3));
    interp.run_source("", "print \"after\"").unwrap();
    assert!(text(&out).ends_with("after\n"));
}

#[test]
fn registration_limit_is_an_error() {
    let mut interp = Interpreter::new();
    for i in 0..MAX_HOST_FUNCTIONS {
        interp
            .register(&format!("f{i}"), &[], move |_vm, _| Ok(i))
            .unwrap();
    }
    // Re-registering an existing name reuses its slot.
    interp.register("f3", &[], |_vm, _| Ok("new")).unwrap();
    assert!(interp.register("oneTooMany", &[], |_vm, _| Ok(0)).is_err());
    let v: f64 = interp.call("f255", ()).unwrap();
    assert_eq!(v, 255.0);
    let s: String = interp.call("f3", ()).unwrap();
    assert_eq!(s, "new");
}

#[test]
fn output_and_errors_are_captured() {
    let (mut interp, out, err) = captured();
    interp
        .run_source("", "print \"a\"\nprint [1, \"b\"], \"\"\nprint \"!\"")
        .unwrap();
    assert_eq!(text(&out), "a\n[1, \"b\"]!\n");
    assert_eq!(text(&err), "");
    let e = interp.run_source("", "print 1\nx = [1][5]").unwrap_err();
    assert_eq!(text(&out), "a\n[1, \"b\"]!\n1\n");
    assert_eq!(
        text(&err),
        "Runtime Error: Index Error (list index 5 out of range) [line 2]\n"
    );
    assert_eq!(e.line, Some(2));
    // A compile error: nothing runs.
    let e = interp.run_source("mod.ms", "print 2\nif").unwrap_err();
    assert_eq!(e.kind, miniscript::ErrorKind::Compiler);
    assert!(text(&err).ends_with("[mod.ms line 2]\n"), "{}", text(&err));
    assert_eq!(text(&out), "a\n[1, \"b\"]!\n1\n");
    // Output through a closure.
    let lines = Rc::new(RefCell::new(String::new()));
    let l = lines.clone();
    interp.set_output(miniscript::host::FnSink(move |s: &str| {
        l.borrow_mut().push_str(s)
    }));
    interp.run_source("", "print 3").unwrap();
    assert_eq!(*lines.borrow(), "3\n");
}

#[test]
fn infinite_loop_interrupted_from_another_thread() {
    let (mut interp, _out, err) = captured();
    let handle = interp.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let start = Instant::now();
    let e = interp
        .run_source("", "i = 0\nwhile true\n  i = i + 1\nend while")
        .unwrap_err();
    stopper.join().unwrap();
    assert!(is_interrupt(&e), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(text(&err).starts_with("Runtime Error: interrupted [line "));
    let i: f64 = interp.global("i").and_then(|v| v.as_num()).unwrap();
    assert!(i > 0.0);

    // A function called by the host, stuck in a loop (and in `wait`), is stopped too,
    // and the interpreter stays usable.
    interp
        .run_source("", "spin = function\n  while true\n    wait 0.01\n  end while\nend function\nok = function\n  return 1\nend function")
        .unwrap();
    let handle = interp.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let e = interp.call::<Value>("spin", ()).unwrap_err();
    stopper.join().unwrap();
    assert!(is_interrupt(&e));
    let one: f64 = interp.call("ok", ()).unwrap();
    assert_eq!(one, 1.0);
}

#[test]
fn two_interpreters_side_by_side() {
    let (mut a, out_a, _) = captured();
    let (mut b, out_b, _) = captured();
    let hits_a = Rc::new(Cell::new(0));
    let h = hits_a.clone();
    a.register("tick", &[], move |_vm, _| {
        h.set(h.get() + 1);
        Ok("a")
    })
    .unwrap();
    b.register("tick", &[], |_vm, _| Ok("b")).unwrap();
    a.run_source(
        "",
        "name = \"A\"\nstring.shout = function\n  return self.upper + \"!\"\nend function",
    )
    .unwrap();
    b.run_source("", "name = \"B\"").unwrap();
    for _ in 0..3 {
        a.run_source("", "print name + tick + \"hi\".shout")
            .unwrap();
        b.run_source("", "print name + tick + string.hasIndex(\"shout\")")
            .unwrap();
    }
    assert_eq!(text(&out_a), "AaHI!\n".repeat(3));
    assert_eq!(text(&out_b), "Bb0\n".repeat(3));
    assert_eq!(hits_a.get(), 3);

    // Interpreters on different threads.
    let threads: Vec<_> = (0..2)
        .map(|t| {
            std::thread::spawn(move || {
                let (mut i, out, _) = captured();
                i.run_source(
                    "",
                    &format!("s = 0\nfor k in range(1, 1000)\n  s = s + k * {t}\nend for\nprint s"),
                )
                .unwrap();
                text(&out)
            })
        })
        .collect();
    let results: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results, vec!["0\n".to_string(), "500500\n".to_string()]);
}

#[test]
fn time_slices_and_calls_between_them() {
    let (mut interp, out, _) = captured();
    interp
        .load(
            "main.ms",
            "count = 0\nbump = function(n)\n  globals.count = count + n\n  return count\nend function\nfor i in range(1, 5)\n  print \"frame \" + i + \" count \" + count\n  yield\nend for",
        )
        .unwrap();
    let mut frames = 0;
    while !interp.run_for(Duration::from_millis(100)).unwrap() {
        frames += 1;
        // The program is paused mid-loop; calling into it must not disturb it.
        let c: f64 = interp.call("bump", (10,)).unwrap();
        assert_eq!(c, f64::from(frames * 10));
    }
    assert_eq!(frames, 5);
    assert_eq!(
        text(&out),
        "frame 1 count 0\nframe 2 count 10\nframe 3 count 20\nframe 4 count 30\nframe 5 count 40\n"
    );
    assert!(!interp.is_running());

    // A long loop is cut into slices.
    interp
        .load("", "t = time\nwhile time - t < 0.2\nend while\ndone = 1")
        .unwrap();
    let mut slices = 1;
    while !interp.run_for(Duration::from_millis(20)).unwrap() {
        slices += 1;
    }
    assert!(slices >= 3, "only {slices} slices");
    assert_eq!(interp.global("done").and_then(|v| v.as_num()), Some(1.0));
}

#[test]
fn typed_arguments_and_results() {
    let (mut interp, _out, _err) = captured();
    interp
        .run_source(
            "",
            "echo = function(x)\n  return x\nend function\nsum3 = function(a, b=10, c=100)\n  return a + b + c\nend function\nmk = function\n  return [1, 2, 3]\nend function",
        )
        .unwrap();
    let s: String = interp.call("echo", ("hi",)).unwrap();
    assert_eq!(s, "hi");
    let n: i64 = interp.call("sum3", (1,)).unwrap();
    assert_eq!(n, 111);
    let n: f64 = interp.call("sum3", (1, 2, 3)).unwrap();
    assert_eq!(n, 6.0);
    let v: Vec<f64> = interp.call("mk", ()).unwrap();
    assert_eq!(v, vec![1.0, 2.0, 3.0]);
    let o: Option<String> = interp.call("echo", (Value::Null,)).unwrap();
    assert_eq!(o, None);
    let b: bool = interp.call("echo", ("",)).unwrap();
    assert!(!b);
    let l: Vec<String> = interp.call("echo", (vec!["a", "b"],)).unwrap();
    assert_eq!(l, vec!["a".to_string(), "b".to_string()]);
    // Wrong type: an error, not a panic.
    let e = interp.call::<f64>("echo", ("x",)).unwrap_err();
    // The error names the function whose result did not convert.
    assert_eq!(e.message, "result of echo: expected a number, got a string");
    // Too many arguments: MiniScript's error.
    let e = interp.call::<f64>("sum3", (1, 2, 3, 4)).unwrap_err();
    assert_eq!(e.message, "Too Many Arguments");
    // Intrinsics can be called too.
    let r: f64 = interp.call("round", (2.567, 1)).unwrap();
    assert_eq!(r, 2.6);
    interp.set_global("speed", 4);
    let r: f64 = interp
        .call("echo", (interp.global("speed").unwrap(),))
        .unwrap();
    assert_eq!(r, 4.0);
}

#[test]
fn nested_host_calls_are_bounded_on_a_small_stack() {
    // Host -> script -> host closure -> script ... recursion runs the dispatch loop
    // re-entrantly on the native stack. Test threads may have 2 MiB of it: deep
    // recursion must end in a MiniScript error, not a stack overflow.
    let (shallow, deep) = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let (mut interp, _out, _err) = captured();
            interp
                .register("hop", &["f", "n"], |vm, args| {
                    vm.call_value(&args[0], &[args[1].clone()])
                })
                .unwrap();
            interp
                .run_source("", "f = function(n)\n  if n <= 0 then return 0\n  return 1 + hop(@f, n - 1)\nend function")
                .unwrap();
            let shallow: f64 = interp.call("f", (150,)).unwrap();
            let deep = interp.call::<f64>("f", (100_000,)).map_err(|e| e.message);
            // Usable afterwards.
            let again: f64 = interp.call("f", (3,)).unwrap();
            assert_eq!(again, 3.0);
            (shallow, deep)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(shallow, 150.0);
    let e = deep.unwrap_err();
    assert!(e.starts_with("Stack Overflow"), "{e}");
}

#[test]
fn repl_entries_share_globals_and_print_results() {
    let (mut interp, out, err) = captured();
    for entry in [
        "x = 6",
        "x * 7",
        "_ / 2",
        "\"str\"",
        "[1, \"two\"]",
        "null",
        "print \"printed\"",
        "if x > 1 then\n  \"big\"\nelse\n  \"small\"\nend if",
        "undefinedThing",
        "x",
    ] {
        let _ = interp.repl_eval(entry);
    }
    assert_eq!(text(&out), "42\n21\nstr\n[1, \"two\"]\nprinted\nbig\n6\n");
    assert!(text(&err).contains("'undefinedThing' is unknown"));
    assert!(text(&err).contains("'null' at start of line"));
}

#[test]
fn config_limits_apply() {
    let mut interp = Interpreter::with_config(VmConfig {
        max_call_depth: 50,
        ..VmConfig::default()
    });
    interp.set_error_output(StringSink::default());
    let e = interp
        .run_source("", "f = function(n)\n  return f(n + 1)\nend function\nf(0)")
        .unwrap_err();
    assert!(e.message.starts_with("Stack Overflow"), "{e}");
}

#[test]
fn host_calls_run_jit_compiled_code() {
    // The profiler and JIT plug into an embedded interpreter as into the command
    // line; `sync` mode compiles on this thread, so the test is deterministic.
    let flags: Vec<(String, String)> = [("jit", "sync"), ("jit-hot-count", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let options = profiler::Options::load(None, None, |_| None, &flags).unwrap();
    let (mut interp, _out, _err) = captured();
    if !jit::Attach::new(&options).to_interpreter(&mut interp).jit {
        eprintln!("JIT unavailable here; skipping");
        return;
    }
    // Markers on every region, however simple.
    interp.set_compile_options(miniscript::compiler::CompileOptions {
        sites: true,
        min_complexity: 0,
        loops: true,
        functions: true,
    });
    interp
        .run_source(
            "",
            "f = function(a, b)\n  c = a * b + a / 3 - b\n  return c\nend function",
        )
        .unwrap();
    let f = interp.function("f").unwrap();
    for i in 0..10_000 {
        let a = f64::from(i) * 0.37;
        let r: f64 = interp.call_function(&f, (a, 2.5)).unwrap();
        assert_eq!(r.to_bits(), (a * 2.5 + a / 3.0 - 2.5).to_bits(), "f({a})");
    }
    let native: u64 = interp.vm().region_counters().iter().map(|c| c.native).sum();
    assert!(native > 9_000, "only {native} native executions");
    jit::attach::finish(interp.vm_mut());
}

/// An interpreter with the profiler and a sync JIT that compiles loops at their
/// first iteration.
fn with_loop_jit() -> (Interpreter, StringSink) {
    let flags: Vec<(String, String)> = [("jit", "sync"), ("jit-hot-loop", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let options = profiler::Options::load(None, None, |_| None, &flags).unwrap();
    let (mut interp, out, _err) = captured();
    let attached = jit::Attach::new(&options).to_interpreter(&mut interp);
    assert!(attached.jit, "JIT unavailable");
    // Markers on every region, however simple.
    interp.set_compile_options(miniscript::compiler::CompileOptions {
        sites: true,
        min_complexity: 0,
        loops: true,
        functions: true,
    });
    (interp, out)
}

#[test]
fn host_interrupt_stops_a_native_loop() {
    let (mut interp, _out) = with_loop_jit();
    interp
        .run_source(
            "",
            "spin = function\n  x = 0\n  while 1\n    x = x + 1\n  end while\nend function",
        )
        .unwrap();
    let handle = interp.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        handle.interrupt();
    });
    let e = interp.call::<()>("spin", ()).unwrap_err();
    t.join().unwrap();
    assert!(miniscript::host::is_interrupt(&e), "{e}");
    let iters: u64 = interp.vm().region_counters().iter().map(|c| c.iters).sum();
    assert!(iters > 10_000, "ran natively before the interrupt: {iters}");
}

#[test]
fn a_time_sliced_host_resumes_a_native_loop() {
    let (mut interp, _out) = with_loop_jit();
    let src = "s = function(n)\n  t = 0\n  i = 0\n  while i < n\n    i = i + 1\n    t = t + i % 3\n  end while\n  return t\nend function\nr = s(20000000)";
    interp.load("", src).unwrap();
    let mut slices = 0;
    while !interp.run_for(std::time::Duration::from_millis(2)).unwrap() {
        slices += 1;
        assert!(slices < 100_000, "never finished");
    }
    assert!(slices > 0, "the native loop yielded to the host");
    let expected: f64 = (1..=20_000_000u64).map(|i| (i % 3) as f64).sum();
    match interp.global("r") {
        Some(miniscript::value::Value::Num(r)) => assert_eq!(r, expected),
        other => panic!("r = {other:?}"),
    }
    let natives: u64 = interp.vm().region_counters().iter().map(|c| c.native).sum();
    assert!(natives > 1, "re-entered after each slice: {natives}");
}

//! Loop regions: generated numeric loop nests end with bit-identical locals whether
//! interpreted or run as native code entered at a loop head; guard failures, type
//! changes after the loop, interrupts and time slices of native loops.

use std::time::Duration;

use miniscript::compiler::{compile_with, CompileOptions};
use miniscript::tier::ExitKind;
use miniscript::tier::RegionCounters;
use miniscript::value::Value;
use miniscript::{RunStatus, StringSink, Vm};

mod common;
use common::{default_settings, plug, sync_cfg, tiers, Rng};

const LOOPS: CompileOptions = CompileOptions {
    sites: true,
    min_complexity: 0,
    loops: true,
    functions: false,
};

/// MiniScript source text of a special value.
const SPECIAL: &[&str] = &[
    "0",
    "(-0)",
    "1",
    "(-1)",
    "2.5",
    "(-7.25)",
    "(0/0)",
    "(1/0)",
    "(-1/0)",
    "5e-324",
    "1e308",
    "(-1e308)",
    "1e-300",
    "0.1",
    "3",
    "9007199254740993",
];

/// Locals the generated code computes with (the counters are separate).
const VARS: &[&str] = &["x", "y", "z", "w"];

fn gen_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.below(3) == 0 {
        return match r.below(5) {
            0 => r
                .pick(&["0.5", "2", "3", "10", "0.25", "1.5", "(-1)"])
                .to_string(),
            1 => r.pick(&["i", "j"]).to_string(),
            // An element of the list local (indices in range: -4.9 to 4.9).
            2 if r.below(2) == 0 => format!("la[{} % 5]", r.pick(&["i", "j", "(i - j)"])),
            _ => r.pick(VARS).to_string(),
        };
    }
    let op = r.pick(&[
        "+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or", "neg", "not",
        "call",
    ]);
    match op {
        "neg" => format!("(-{})", gen_expr(r, depth - 1)),
        "call" => {
            let f = r.pick(&[
                "abs", "sqrt", "floor", "ceil", "round", "sign", "sin", "cos", "tan", "asin",
                "acos", "atan", "log", "pi",
            ]);
            match (f, r.below(2)) {
                ("pi", _) => "pi".to_string(),
                ("round" | "atan" | "log", 0) => format!(
                    "{f}({}, {})",
                    gen_expr(r, depth - 1),
                    gen_expr(r, depth - 1)
                ),
                _ => format!("{f}({})", gen_expr(r, depth - 1)),
            }
        }
        "not" => format!("(not {})", gen_expr(r, depth - 1)),
        _ => format!(
            "({} {op} {})",
            gen_expr(r, depth - 1),
            gen_expr(r, depth - 1)
        ),
    }
}

/// Statements of a loop body at `level` (0: the outer loop, counter `i`; 1: the
/// inner loop, counter `j`). Every loop increments its counter first, so it ends.
fn gen_body(r: &mut Rng, level: u32, out: &mut String, indent: &str) {
    for _ in 0..1 + r.below(4) {
        match r.below(10) {
            0..=4 => {
                let v = r.pick(VARS);
                out.push_str(&format!("{indent}{v} = {}\n", gen_expr(r, 3)));
            }
            5 => {
                out.push_str(&format!("{indent}if {} then\n", gen_expr(r, 2)));
                let v = r.pick(VARS);
                out.push_str(&format!("{indent}  {v} = {}\n", gen_expr(r, 2)));
                if r.below(2) == 0 {
                    out.push_str(&format!("{indent}else\n"));
                    let v = r.pick(VARS);
                    out.push_str(&format!("{indent}  {v} = {}\n", gen_expr(r, 2)));
                }
                out.push_str(&format!("{indent}end if\n"));
            }
            6 => out.push_str(&format!("{indent}if {} then break\n", gen_expr(r, 2))),
            7 => out.push_str(&format!("{indent}if {} then continue\n", gen_expr(r, 2))),
            8 if level == 0 && r.below(3) == 0 => {
                // A for loop over the list (whose elements the body may change).
                out.push_str(&format!("{indent}for e in la\n"));
                let v = r.pick(VARS);
                out.push_str(&format!("{indent}  {v} = {v} + e * {}\n", gen_expr(r, 1)));
                gen_body(r, 1, out, &format!("{indent}  "));
                out.push_str(&format!("{indent}end for\n"));
            }
            8 if level == 0 => {
                out.push_str(&format!("{indent}j = 0\n"));
                out.push_str(&format!(
                    "{indent}while j < {} and {}\n",
                    1 + r.below(7),
                    gen_expr(r, 1)
                ));
                out.push_str(&format!("{indent}  j = j + 1\n"));
                gen_body(r, 1, out, &format!("{indent}  "));
                out.push_str(&format!("{indent}end while\n"));
            }
            9 if r.below(2) == 0 => {
                let at = r.pick(&["i", "j", "(i + j)", "(-i)"]);
                out.push_str(&format!("{indent}la[{at} % 5] = {}\n", gen_expr(r, 2)));
            }
            _ => {
                let v = r.pick(VARS);
                out.push_str(&format!("{indent}{v} = {v} + {}\n", gen_expr(r, 1)));
            }
        }
    }
}

/// A function with a generated loop nest, called once; `result` holds its locals.
fn gen_program(r: &mut Rng) -> String {
    let mut s = String::from("f = function()\n");
    for v in VARS {
        s.push_str(&format!("  {v} = {}\n", r.pick(SPECIAL)));
    }
    // Counters: small, or past 2^53 (stepping by 2, which stays exact there).
    let (start, step) = if r.below(4) == 0 {
        ("9007199254740990", "2")
    } else {
        ("0", "1")
    };
    let elems: Vec<&str> = (0..5).map(|_| r.pick(SPECIAL)).collect();
    s.push_str(&format!("  la = [{}]\n", elems.join(", ")));
    s.push_str(&format!("  i = {start}\n  j = 0\n"));
    s.push_str(&format!(
        "  while i < {start} + {step} * {}\n",
        5 + r.below(60)
    ));
    s.push_str(&format!("    i = i + {step}\n"));
    gen_body(r, 0, &mut s, "    ");
    s.push_str("  end while\n  return [x, y, z, w, i, j] + la\nend function\nresult = f\n");
    s
}

/// Run `src` interpreted (no tier at all), or with the profiler and a sync JIT that
/// compiles every loop at its first head; returns the `result` list as bit
/// patterns, the output, and the region counters.
fn run(src: &str, jit: bool, hot_loop: u64) -> (Vec<u64>, String, Vec<RegionCounters>) {
    let out = StringSink::default();
    let text = out.clone();
    let mut vm = Vm::new(Box::new(out));
    if jit {
        let mut settings = default_settings();
        settings.thresholds.hot_loop = hot_loop;
        // Only loop regions here: straight regions have their own tests.
        settings.thresholds.min_complexity = u32::MAX;
        plug(tiers(settings, sync_cfg()), &mut vm);
    }
    let program = miniscript::parser::parse(src).expect("parses");
    let proto = compile_with(&program, src, None, LOOPS).expect("compiles");
    let r = vm.run_main(proto);
    vm.finish_tier();
    let mut output = text.contents();
    if let Err(e) = r {
        output.push_str(&format!("{e}\n"));
    }
    let bits = match vm.globals_map().borrow().get(&Value::str("result")) {
        Some(Value::List(l)) => l
            .borrow()
            .iter()
            .map(|v| match v {
                Value::Num(x) => x.to_bits(),
                other => panic!("not a number: {other:?}\n{src}"),
            })
            .collect(),
        _ => Vec::new(),
    };
    (bits, output, vm.region_counters().to_vec())
}

#[test]
fn generated_loop_nests_end_with_bit_identical_locals() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let cases: usize = std::env::var("MINISCRIPT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let (mut native_cases, mut iters, mut breaks) = (0usize, 0u64, 0u64);
    let (mut with_calls, mut with_lists, mut with_for) = (0usize, 0usize, 0usize);
    for _ in 0..cases {
        let src = gen_program(&mut rng);
        let (want, want_out, _) = run(&src, false, 1);
        let (got, got_out, counters) = run(&src, true, 1);
        assert_eq!(want_out, got_out, "output differs for\n{src}");
        assert_eq!(want.len(), 11, "no result for\n{src}\n{want_out}");
        assert_eq!(
            got, want,
            "locals differ (native vs interpreted, as bits) for\n{src}"
        );
        let native: u64 = counters.iter().map(|c| c.native).sum();
        if native > 0 {
            native_cases += 1;
            if src.contains("la[") {
                with_lists += 1;
            }
            if src.contains("for e in la") {
                with_for += 1;
            }
            if [
                "abs(", "sqrt(", "floor(", "ceil(", "round(", "sign(", "sin(", "cos(", "tan(",
                "log(", "pi",
            ]
            .iter()
            .any(|f| src.contains(f))
            {
                with_calls += 1;
            }
        }
        iters += counters.iter().map(|c| c.iters).sum::<u64>();
        breaks += counters
            .iter()
            .map(|c| c.exits[ExitKind::Break as usize])
            .sum::<u64>();
    }
    eprintln!(
        "loop differential: {cases} generated loop nests, {native_cases} run natively \
         ({iters} native back-edges, {breaks} break exits, {with_calls} calling intrinsics, {with_lists} using a list, \
         {with_for} with a for loop), all bit-identical"
    );
    assert!(
        with_for * 20 > cases,
        "only {with_for} native nests contain a for loop"
    );
    assert!(
        with_lists * 4 > cases,
        "only {with_lists} native nests use a list"
    );
    assert!(
        with_calls * 4 > cases,
        "only {with_calls} native nests call intrinsics"
    );
    // Most nests must really have run as native code (the rest had a guard failure
    // at entry, which is also compared above).
    assert!(
        native_cases * 2 > cases,
        "only {native_cases} of {cases} ran natively"
    );
    assert!(breaks > 0, "no generated loop left by break natively");
}

const SUM: &str = "f = function(n)
  s = 0
  i = 0
  while i < n
    i = i + 1
    s = s + i * 0.5
  end while
  return s
end function
";

#[test]
fn a_loop_entered_while_running_gives_the_interpreted_result() {
    // Hot after 1000 iterations: the loop is entered natively in the middle.
    let src = format!("{SUM}result = [f(100000), 0, 0, 0, 0, 0]\n");
    let (want, _, _) = run(&src, false, 1000);
    let (got, _, counters) = run(&src, true, 1000);
    assert_eq!(got, want);
    let c = counters
        .iter()
        .find(|c| c.native > 0)
        .expect("the loop ran natively");
    assert_eq!(c.native, 1, "entered once, mid-run");
    // About 99,000 iterations after the switch, split by pauses.
    assert!(c.iters > 90_000, "{c:?}");
    assert!(c.exits[2] >= 5, "pauses every 16384 back-edges: {c:?}");
    assert_eq!(c.exits[ExitKind::Normal as usize], 1, "{c:?}");
}

#[test]
fn a_local_that_is_not_a_number_keeps_the_loop_interpreted() {
    // `s` is a string: the entry guard fails every time, the interpreter runs the
    // loop (string concatenation), and the loop is demoted after enough misses.
    let src = "f = function(n)
  s = \"a\"
  i = 0
  while i < n
    i = i + 1
    s = s + i
  end while
  return s
end function
print f(3)
print f(4)
g = function(n)
  i = 0
  t = 0
  while i < n
    i = i + 1
    t = t + i
  end while
  return t
end function
print g(10)
t = 5
print g(2)
";
    let (_, want, _) = run(src, false, 1);
    let (_, got, counters) = run(src, true, 1);
    assert_eq!(got, want);
    assert_eq!(want, "a123\na1234\n55\n3\n");
    assert!(counters.iter().any(|c| c.misses > 0), "{counters:?}");
    assert!(counters.iter().any(|c| c.native > 0), "{counters:?}");
}

#[test]
fn a_loop_that_calls_or_uses_lists_is_not_compiled_and_says_why() {
    let src = "f = function(n)
  l = []
  i = 0
  while i < n
    i = i + 1
    l.push i
  end while
  return l
end function
r = f(3)
";
    let program = miniscript::parser::parse(src).unwrap();
    let proto = compile_with(&program, src, None, LOOPS).unwrap();
    let f = &proto.protos[0];
    let lp = f
        .regions
        .iter()
        .find(|r| r.lp.is_some())
        .expect("kept for the report");
    let why = lp.desc.as_ref().expect_err("not compilable");
    assert!(why.contains("calls a function"), "{why}");
    let ok = "g = function(n)\n  i = 0\n  while i < n\n    i = i + 1\n  end while\nend function\n";
    let program = miniscript::parser::parse(ok).unwrap();
    let proto = compile_with(&program, ok, None, LOOPS).unwrap();
    let g = &proto.protos[0];
    let x = g
        .regions
        .iter()
        .position(|r| r.lp.is_some() && r.desc.is_ok())
        .expect("a compilable loop");
    // The compiler keeps the summary; the body is described when it is compiled.
    let kept = g.regions[x].desc.as_ref().unwrap();
    assert!(kept.lp.is_none());
    let full = miniscript::tier::full_desc(g, x, &|_| None).expect("described again");
    assert!(full.lp.is_some());
    assert_eq!(full.fingerprint, kept.fingerprint);
    assert_eq!(
        (&full.input_regs, &full.output_regs, full.complexity),
        (&kept.input_regs, &kept.output_regs, kept.complexity)
    );
}

#[test]
fn an_infinite_native_loop_is_stopped_by_the_interrupt_flag() {
    let src = "f = function\n  x = 0\n  while 1\n    x = x + 1\n  end while\nend function\nf\n";
    let out = StringSink::default();
    let mut vm = Vm::new(Box::new(out));
    let mut settings = default_settings();
    settings.thresholds.hot_loop = 1;
    plug(tiers(settings, sync_cfg()), &mut vm);
    let flag = vm.attention_word().clone();
    let program = miniscript::parser::parse(src).unwrap();
    let proto = compile_with(&program, src, None, LOOPS).unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.raise(miniscript::interp::attention::INTERRUPT);
    });
    let r = vm.run_main(proto);
    t.join().unwrap();
    let e = r.expect_err("interrupted");
    assert!(e.to_string().contains("interrupted"), "{e}");
    let counters = vm.region_counters();
    assert!(
        counters.iter().any(|c| c.native > 0 && c.iters > 0),
        "the loop ran natively before the interrupt: {counters:?}"
    );
}

#[test]
fn requests_other_than_an_interrupt_leave_the_native_loop_running() {
    use miniscript::interp::attention::{BUDGET, DEBUG, SAMPLE};
    let src = format!("{SUM}result = f(20000000)\n");
    let mut vm = Vm::new(Box::new(StringSink::default()));
    let mut settings = default_settings();
    settings.thresholds.hot_loop = 1;
    plug(tiers(settings, sync_cfg()), &mut vm);
    let word = vm.attention_word().clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let t = std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            word.raise(SAMPLE | DEBUG | BUDGET);
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let program = miniscript::parser::parse(&src).unwrap();
    let proto = compile_with(&program, &src, None, LOOPS).unwrap();
    let r = vm.run_main(proto);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    t.join().unwrap();
    r.expect("not interrupted");
    let n = 20000000.0_f64;
    let want = 0.5 * n * (n + 1.0) / 2.0;
    let got = vm
        .globals_map()
        .borrow()
        .get(&Value::str("result"))
        .cloned();
    assert_eq!(got, Some(Value::Num(want)));
    assert!(vm.region_counters().iter().any(|c| c.native > 0));
}

#[test]
fn a_time_sliced_native_loop_yields_and_resumes_with_the_right_result() {
    let src = format!("{SUM}result = f(30000000)\n");
    let run_sliced = |jit: bool| -> (f64, usize, Vec<RegionCounters>) {
        let out = StringSink::default();
        let mut vm = Vm::new(Box::new(out));
        if jit {
            let mut settings = default_settings();
            settings.thresholds.hot_loop = 1;
            plug(tiers(settings, sync_cfg()), &mut vm);
        }
        let program = miniscript::parser::parse(&src).unwrap();
        let proto = compile_with(&program, &src, None, LOOPS).unwrap();
        vm.start_main(proto);
        let mut slices = 0;
        loop {
            slices += 1;
            match vm.resume(Some(Duration::from_millis(2))).expect("runs") {
                RunStatus::Done => break,
                RunStatus::Yielded => {}
            }
        }
        let r = match vm.globals_map().borrow().get(&Value::str("result")) {
            Some(Value::Num(x)) => *x,
            other => panic!("result {other:?}"),
        };
        let counters = vm.region_counters().to_vec();
        (r, slices, counters)
    };
    let (want, _, _) = run_sliced(false);
    let (got, slices, counters) = run_sliced(true);
    assert_eq!(got.to_bits(), want.to_bits());
    assert!(slices > 1, "the native loop yielded to the host");
    let c = counters.iter().find(|c| c.native > 0).expect("native");
    assert!(c.native >= 2, "re-entered after yielding: {c:?}");
}

#[test]
fn counters_and_state_survive_a_type_change_after_the_loop() {
    // The loop writes back numbers; code after it changes a local's type; the next
    // call's guard sees a fresh frame again.
    let src = "f = function(n)
  x = 0.5
  i = 0
  while i < n
    i = i + 1
    x = x * 1.5 + i
  end while
  r = x
  x = \"done\"
  return [r, i, 0, 0, 0, 0]
end function
a = f(50)
result = f(70)
print a[0]
";
    let (want, want_out, _) = run(src, false, 1);
    let (got, got_out, counters) = run(src, true, 1);
    assert_eq!(got, want);
    assert_eq!(got_out, want_out);
    let native: u64 = counters.iter().map(|c| c.native).sum();
    assert_eq!(native, 2, "both calls ran the loop natively: {counters:?}");
}

#[test]
fn a_loop_calling_an_intrinsic_that_gets_redefined_runs_interpreted() {
    let src = "f = function(n)
  s = 0
  i = 0
  while i < n
    s = s + sqrt(i) + round(i / 4, 1)
    i = i + 1
  end while
  return s
end function
print f(10)
sqrt = function(x)
  return -x
end function
print f(10)
result = [f(10)]";
    // The JIT run first: the flag that a name was redefined is per thread and
    // never cleared, and the interpreted run sets it too.
    let (got, got_out, counters) = run(src, true, 1);
    let (want, want_out, _) = run(src, false, 1);
    assert_eq!(got_out, want_out);
    assert_eq!(got, want);
    assert_eq!(want_out, "30.506001\n-33.8\n");
    // Native before the redefinition; one guard failure after it demotes the loop.
    let lp = counters
        .iter()
        .find(|c| c.native > 0)
        .expect("a native loop");
    assert_eq!((lp.native, lp.misses), (1, 1), "{counters:?}");
}

#[test]
fn list_accesses_the_native_code_cannot_do_fall_back_to_the_interpreter() {
    // Elements that are not numbers, an index out of range (an error), a value
    // that is not a list at all: each leaves the native code at that access, and
    // the interpreter does it, with the same output as interpreting throughout.
    let src = "f = function(l, n)
  s = 0
  i = 0
  while i < n
    s = s + l[i]
    l[i] = i * 2
    i = i + 1
  end while
  return s
end function
print f([1, 2, 3, 4, 5], 5)
a = [1, 2, \"x\", 4, 5]
print f(a, 5)
print a
b = [0.5, -0, 1e300]
print f(b, -2)
print b
result = [f([7, 8, 9], -3)]
print f([1, 2], 5)";
    let (got, got_out, counters) = run(src, true, 1);
    let (want, want_out, _) = run(src, false, 1);
    assert_eq!(got_out, want_out);
    assert_eq!(got, want);
    assert!(
        want_out.ends_with("Runtime Error: Index Error (list index 2 out of range) [line 5]\n"),
        "{want_out}"
    );
    let lp = counters
        .iter()
        .find(|c| c.native > 0)
        .expect("a native loop");
    assert!(
        lp.exits[ExitKind::Fallback as usize] >= 2,
        "fallbacks at the string and past the end: {counters:?}"
    );
}

#[test]
fn a_loop_that_keeps_falling_back_is_demoted() {
    let src = "f = function(l, n)
  s = 0
  i = 0
  while i < n
    s = l[i % 3]
    i = i + 1
  end while
  return s
end function
k = 0
while k < 50
  r = f([\"a\", \"b\", \"c\"], 4)
  k = k + 1
end while
result = [k]";
    let (got, got_out, counters) = run(src, true, 1);
    let (want, want_out, _) = run(src, false, 1);
    assert_eq!((got, got_out), (want, want_out));
    // s is a string after the first fallback, so the guard fails at the next head
    // in every call; the fallbacks themselves demote the loop after 8.
    let lp = counters
        .iter()
        .find(|c| c.native > 0)
        .expect("entered natively");
    assert_eq!(lp.native, 8, "demoted: {counters:?}");
}

#[test]
fn fields_of_maps_in_a_list_are_read_and_written_natively_or_by_the_interpreter() {
    // Bodies as maps in a list, like nbody: the loop keeps a map in a local and
    // reads and writes its number fields. Then fields the native code leaves to the
    // interpreter: inherited (`__isa`), missing (an error), a string, a new key,
    // and an element that is not a map.
    let src = "step = function(ps, n)
  m = ps.len
  i = 0
  t = 0
  while i < n
    p = ps[i % m]
    p.x = p.x + p.v * 0.5
    t = t + p[\"x\"]
    i = i + 1
  end while
  return t
end function
ps = [{\"x\": 1, \"v\": 2}, {\"x\": -0, \"v\": 1e300}, {\"x\": 0.1, \"v\": 3}]
print step(ps, 7)
print ps
base = {\"v\": 4}
child = new base
child.x = 1
print step([child], 3)
print child.x
s = {\"x\": \"a\", \"v\": 1}
print step([s], 2)
w = {\"v\": 1, \"x\": 2}
q = [w, [1]]
result = [step(ps, 3), ps[0].x, ps[1].x]
print step(q, 4)";
    let (got, got_out, counters) = run(src, true, 1);
    let (want, want_out, _) = run(src, false, 1);
    assert_eq!(got_out, want_out);
    assert_eq!(got, want);
    assert_eq!(want.len(), 3, "{want_out}");
    let lp = counters
        .iter()
        .find(|c| c.native > 0)
        .expect("a native loop");
    assert!(lp.iters > 0, "{counters:?}");
    assert!(
        lp.exits[ExitKind::Fallback as usize] >= 3,
        "fallbacks for the inherited field, the string and the list: {counters:?}"
    );
}

#[test]
fn for_loops_over_lists_run_natively_and_fall_back_exactly() {
    // A `for` loop's head is a loop region entry like a `while`'s: over numbers
    // (the variable is a number), over maps (the variable is a container), nested
    // in a `while`, with `break` and `continue`; then sequences the native code
    // leaves to the interpreter: an element that is a string, a string, a map.
    let src = "total = function(l)
  s = 0
  for x in l
    if x < 0 then continue
    if x > 1e9 then break
    s = s + x * 0.5
  end for
  return [s, x, __x_idx]
end function
bump = function(ps, n)
  k = 0
  while k < n
    for p in ps
      p.x = p.x + p.v
    end for
    k = k + 1
  end while
  return ps[0].x + ps[1].x
end function
ps = [{\"x\": 1, \"v\": 2}, {\"x\": -0, \"v\": 0.25}]
print total(range(-5, 400))
print total([1, 2, 3e9, 4])
print total([1, 2, \"x\", 4])
print total(\"abc\")
print total({\"a\": 1})
result = [bump(ps, 50), total(range(0, 100))[0], ps[1].x]";
    let (got, got_out, counters) = run(src, true, 1);
    let (want, want_out, _) = run(src, false, 1);
    assert_eq!(got_out, want_out);
    assert_eq!(got, want);
    assert_eq!(want.len(), 3, "{want_out}");
    let native: Vec<_> = counters.iter().filter(|c| c.iters > 0).collect();
    assert!(
        native.len() >= 2,
        "the loop over numbers and the loop over maps ran natively: {counters:?}"
    );
    assert!(
        counters
            .iter()
            .any(|c| c.exits[ExitKind::Fallback as usize] > 0),
        "the string element falls back: {counters:?}"
    );
}

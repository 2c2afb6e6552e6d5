//! JIT tests: native code against the interpreter bit for bit, fallbacks (guard
//! misses, demotion, injected failures and panics), and background compilation of
//! many regions.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use miniscript::compiler::{compile_with, CompileOptions};
use miniscript::tier::abi::RegionFn;
use miniscript::tier::{RegionId, RegionState, SiteSlot};
use miniscript::value::Value;
use miniscript::{StringSink, Vm};
use profiler::Backend;

mod common;
use common::{default_settings, plug, sync_cfg, tiers, Rng};

const SITES: CompileOptions = CompileOptions {
    sites: true,
    min_complexity: 0,
    // These tests are about straight-line regions; loop and function regions have
    // their own.
    loops: false,
    functions: false,
};

const SPECIAL: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -7.25,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324,
    2.2250738585072014e-308,
    1e308,
    -1e308,
    1e-300,
    9007199254740993.0,
    18014398509481984.0,
    0.1,
    3.0,
];

fn gen_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.next().is_multiple_of(4) {
        return match r.next() % 5 {
            0 => format!("{}", r.pick(&[0.5, 2.0, 3.0, 10.0, 0.25, 1.5])),
            1 => "a".into(),
            2 => "b".into(),
            3 => "c".into(),
            _ => "a".into(),
        };
    }
    let op = r.pick(&[
        "+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=", "==", "!=", "neg", "call", "call",
    ]);
    if op == "neg" {
        return format!("(-({}))", gen_expr(r, depth - 1));
    }
    if op == "call" {
        // The pure numeric intrinsics, with their optional second arguments.
        let f = r.pick(&[
            "abs", "sqrt", "floor", "ceil", "round", "sign", "sin", "cos", "tan", "asin", "acos",
            "atan", "log", "pi",
        ]);
        let x = gen_expr(r, depth - 1);
        return match (f, r.next() % 2) {
            ("pi", _) => "pi".to_string(),
            ("round" | "atan" | "log", 0) => format!("{f}({x}, {})", gen_expr(r, depth - 1)),
            ("round", _) if r.next().is_multiple_of(2) => {
                format!(
                    "round({x}, {})",
                    r.pick(&[-2.0, -0.5, 1.0, 2.0, 3.7, 15.0, 20.0])
                )
            }
            _ => format!("{f}({x})"),
        };
    }
    format!(
        "({} {op} {})",
        gen_expr(r, depth - 1),
        gen_expr(r, depth - 1)
    )
}

/// Compile `r = EXPR` inside a function and return the region and the proto.
fn region_of(expr: &str) -> (Rc<miniscript::tac::Proto>, String) {
    let src = format!(
        "f = function(a, b, c)\n  r = {expr}\n  return r\nend function\nresult = f(a, b, c)"
    );
    let program = miniscript::parser::parse(&src).expect("generated source parses");
    (
        compile_with(&program, &src, None, SITES).expect("compiles"),
        src,
    )
}

fn jit_sync() -> jit::Jit {
    jit::Jit::start(sync_cfg()).expect("JIT starts")
}

#[test]
fn generated_expressions_are_bit_identical_native_and_interpreted() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut j = jit_sync();
    let cases: usize = std::env::var("MINISCRIPT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let mut compared = 0usize;
    let mut with_calls = 0usize;
    for case in 0..cases {
        let expr = gen_expr(&mut rng, 4);
        let (main, _src) = region_of(&expr);
        let f = &main.protos[0];
        let Some(region) = f.regions.first() else {
            continue;
        };
        let Ok(desc) = &region.desc else { continue };
        if desc.intrinsics != 0 {
            with_calls += 1;
        }
        let slot = Arc::new(SiteSlot::default());
        assert!(j.submit(RegionId(case as u32), desc, &slot, "test"));
        assert_eq!(slot.state(), RegionState::Ready, "{expr}");
        let entry = slot.entry.load(Ordering::Acquire);
        // SAFETY: `entry` was just compiled from `desc` with the RegionFn signature.
        let native: RegionFn = unsafe { std::mem::transmute::<usize, RegionFn>(entry) };
        let out_reg = f
            .local_names
            .iter()
            .position(|n| n.as_ref() == "r")
            .expect("r is a local");
        assert!(
            region.outputs.contains(&(out_reg as u16)),
            "{expr}: r is an output"
        );
        // The interpreter, on the same inputs.
        let mut vm = Vm::new(Box::new(StringSink::default()));
        for _ in 0..4 {
            let (a, b, c) = (rng.pick(SPECIAL), rng.pick(SPECIAL), rng.pick(SPECIAL));
            {
                let mut g = vm.globals_map().borrow_mut();
                g.insert(Value::str("a"), Value::Num(a));
                g.insert(Value::str("b"), Value::Num(b));
                g.insert(Value::str("c"), Value::Num(c));
            }
            vm.run_main(main.clone()).expect("runs");
            let interp = match vm.globals_map().borrow().get(&Value::str("result")) {
                Some(Value::Num(x)) => *x,
                other => panic!("{expr}: result {other:?}"),
            };
            // A register window like the interpreter's: inputs and outputs are numbers.
            let mut window: Vec<Value> = vec![Value::Num(0.0); f.nregs as usize];
            for (i, name) in f.local_names.iter().enumerate() {
                window[i] = Value::Num(match name.as_ref() {
                    "a" => a,
                    "b" => b,
                    "c" => c,
                    _ => 0.0,
                });
            }
            // SAFETY: the window has every register of the function and the code only
            // touches registers of its region (see `RegionFn`).
            assert_eq!(native(window.as_mut_ptr()), 0, "{expr}: guard failed");
            let got = match &window[out_reg] {
                Value::Num(x) => *x,
                other => panic!("{expr}: r is {other:?}"),
            };
            assert_eq!(
                got.to_bits(),
                interp.to_bits(),
                "{expr} with a={a:?} b={b:?} c={c:?}: native {got:?}, interpreter {interp:?}"
            );
            compared += 1;
        }
    }
    eprintln!(
        "differential: {compared} evaluations of {cases} generated expressions compared bit for bit; {with_calls} expressions call intrinsics"
    );
    assert!(compared > cases, "too few comparisons: {compared}");
    assert!(
        with_calls * 4 > cases,
        "too few intrinsic calls: {with_calls}"
    );
}

/// Run `src` with a profiler and a JIT (eager, sync) attached; returns its output.
fn run_with_jit(
    src: &str,
    cfg: jit::JitConfig,
    max_misses: u64,
) -> (
    String,
    Vec<RegionState>,
    Vec<miniscript::tier::RegionCounters>,
) {
    let out = StringSink::default();
    let text = out.clone();
    let mut vm = Vm::new(Box::new(out));
    let mut settings = default_settings();
    settings.thresholds.eager = true;
    settings.thresholds.min_complexity = 0;
    settings.max_misses = max_misses;
    let states: Rc<RefCell<Vec<RegionState>>> = Rc::default();
    let s2 = states.clone();
    let tiers = tiers(settings, cfg).on_finish(move |p| {
        *s2.borrow_mut() = p.sites.iter().map(|s| s.slot.state()).collect();
    });
    plug(tiers, &mut vm);
    let program = miniscript::parser::parse(src).expect("parses");
    let proto = compile_with(&program, src, None, SITES).expect("compiles");
    let r = vm.run_main(proto);
    vm.finish_tier();
    let mut output = text.contents();
    if let Err(e) = r {
        output.push_str(&format!("{e}\n"));
    }
    let counters = vm.region_counters().to_vec();
    let states = states.borrow().clone();
    (output, states, counters)
}

fn run_interpreted(src: &str) -> String {
    let out = StringSink::default();
    let text = out.clone();
    let r = miniscript::run_source(src, Box::new(out));
    let mut s = text.contents();
    if let Err(e) = r {
        s.push_str(&format!("{e}\n"));
    }
    s
}

const TYPE_CHANGE: &str = "f = function(n)
  x = 1.5
  y = 2
  i = 0
  while i < n
    y = x * y + 1
    if i == 5 then x = \"str\"
    if i == 7 then x = [1]
    if i == 9 then x = null
    if i == 11 then x = 3
    i = i + 1
  end while
  return y
end function
print f(20)";

#[test]
fn a_variable_that_stops_being_a_number_falls_back_to_the_interpreter() {
    let (out, states, counters) = run_with_jit(TYPE_CHANGE, sync_cfg(), 1000);
    assert_eq!(out, run_interpreted(TYPE_CHANGE));
    assert!(states.contains(&RegionState::Ready), "{states:?}");
    assert!(
        counters.iter().any(|c| c.native > 0),
        "native code ran: {counters:?}"
    );
    assert!(
        counters.iter().any(|c| c.misses > 0),
        "guards missed: {counters:?}"
    );
}

const SHADOWED: &str = "g = function(x)
  r = sqrt(x) + abs(x - 20)
  return r
end function
f = function(n)
  s = 0
  i = 0
  while i < n
    s = s + floor(i / 3) * pi
    i = i + 1
  end while
  return s
end function
print g(16)
print f(30)
sqrt = function(x)
  return x * 100
end function
print g(16)
print f(30)
globals.pi = 3
print f(30)";

#[test]
fn an_intrinsic_redefined_after_compilation_is_called_as_redefined() {
    let (out, _, counters) = run_with_jit(SHADOWED, sync_cfg(), 1000);
    assert_eq!(out, run_interpreted(SHADOWED));
    assert_eq!(out, "8\n424.115008\n1604\n424.115008\n405\n");
    // g's region (sqrt, abs) ran natively once, then missed once sqrt was redefined;
    // the region of f's loop body (floor, pi) ran natively in the first two calls
    // (30 times each), then missed in the third, after pi was redefined. One miss
    // demotes: a redefined name stays redefined.
    let runs: Vec<(u64, u64)> = counters.iter().map(|c| (c.native, c.misses)).collect();
    assert_eq!(runs, [(1, 1), (60, 1)], "{counters:?}");
}

#[test]
fn repeated_guard_misses_demote_a_region() {
    let src = "f = function(n)
  x = \"s\"
  y = 0
  i = 0
  while i < n
    y = x * 2 + i
    i = i + 1
  end while
  return y
end function
print f(50)";
    let (out, states, counters) = run_with_jit(src, sync_cfg(), 3);
    assert_eq!(out, run_interpreted(src));
    assert!(states.contains(&RegionState::Demoted), "{states:?}");
    let misses: u64 = counters.iter().map(|c| c.misses).sum();
    assert_eq!(
        misses, 3,
        "a demoted region stops trying native code: {counters:?}"
    );
}

#[test]
fn an_injected_compile_failure_leaves_the_program_correct() {
    let src = "f = function(n)
  s = 0
  i = 0
  while i < n
    s = s + i * 2 - 1
    i = i + 1
  end while
  return s
end function
print f(100)";
    // Find the fingerprint of the hot region, then make its compile fail.
    let program = miniscript::parser::parse(src).unwrap();
    let proto = compile_with(&program, src, None, SITES).unwrap();
    let fps: Vec<u64> = proto.protos[0]
        .regions
        .iter()
        .filter_map(|r| r.desc.as_ref().ok().map(|d| d.fingerprint))
        .collect();
    assert!(!fps.is_empty());
    let cfg = jit::JitConfig {
        fail_fingerprints: fps.clone(),
        ..sync_cfg()
    };
    let (out, states, counters) = run_with_jit(src, cfg, 1000);
    assert_eq!(out, run_interpreted(src));
    assert!(
        states.iter().all(|s| *s == RegionState::Failed),
        "{states:?}"
    );
    assert!(counters.iter().all(|c| c.native == 0));
    // A panic in the compile thread: the program still runs, interpreted.
    let cfg = jit::JitConfig {
        panic_fingerprint: Some(fps[0]),
        ..sync_cfg()
    };
    let (out, _, counters) = run_with_jit(src, cfg, 1000);
    assert_eq!(out, run_interpreted(src));
    assert!(counters.iter().all(|c| c.native == 0));
}

/// Compile 10,000 distinct regions in the background with `threads` code
/// generators; every one must be published, and native code of a sample of them
/// (which calls the `%` helper, so relocations are exercised) must compute the
/// interpreter's result.
fn compile_ten_thousand(threads: usize) {
    // 10,000 functions, each with its own constant: distinct fingerprints.
    let n = 10_000;
    let mut src = String::new();
    for i in 0..n {
        src.push_str(&format!(
            "f{i} = function(a)\n  r = (a * {i}.5 + 1) % 997\n  return r\nend function\n"
        ));
    }
    let cfg = jit::JitConfig {
        mode: jit::Mode::Background,
        queue: 20_000,
        threads,
        ..jit::JitConfig::default()
    };
    let mut j = jit::Jit::start(cfg).unwrap();
    let program = miniscript::parser::parse(&src).unwrap();
    let proto = compile_with(&program, &src, None, SITES).unwrap();
    let mut slots = Vec::new();
    for f in &proto.protos {
        for r in &f.regions {
            if let Ok(d) = &r.desc {
                let slot = Arc::new(SiteSlot::default());
                assert!(j.submit(RegionId(slots.len() as u32), d, &slot, "test"));
                slots.push((slot, f.nregs));
            }
        }
    }
    assert_eq!(slots.len(), n);
    // The submitting thread was never blocked; now wait for the compiles.
    j.wait_idle();
    let outcomes = j.drain();
    assert_eq!(outcomes.len(), n);
    assert!(
        outcomes.iter().all(|o| o.error.is_none()),
        "some compiles failed"
    );
    for (i, (slot, nregs)) in slots.iter().enumerate().step_by(97) {
        assert_eq!(slot.state(), RegionState::Ready, "region {i}");
        let entry = slot.entry.load(Ordering::Acquire);
        // SAFETY: `entry` was compiled from this region's description with the
        // RegionFn signature; the window below has every register of its function.
        let native: RegionFn = unsafe { std::mem::transmute::<usize, RegionFn>(entry) };
        let mut window = vec![Value::Num(0.0); *nregs as usize];
        window[0] = Value::Num(2.0);
        assert_eq!(native(window.as_mut_ptr()), 0);
        let want = (2.0 * (i as f64 + 0.5) + 1.0) % 997.0;
        assert!(
            matches!(window[1], Value::Num(r) if r.to_bits() == want.to_bits()),
            "region {i}: {:?}, want {want}",
            window[1]
        );
    }
    let stats = j.stats(&[]);
    eprintln!("{threads} thread(s):\n{stats}");
    let compiled = stats
        .lines()
        .find_map(|l| l.trim().strip_prefix("compiled"))
        .and_then(|v| {
            v.trim_start_matches([' ', ':'])
                .trim()
                .parse::<usize>()
                .ok()
        });
    assert_eq!(compiled, Some(n), "{stats}");
}

#[test]
fn background_mode_compiles_ten_thousand_distinct_regions_while_running() {
    compile_ten_thousand(1);
}

#[test]
fn parallel_code_generation_compiles_ten_thousand_regions() {
    compile_ten_thousand(2);
}

#[test]
fn background_compilation_switches_a_running_loop_to_native_code() {
    let src = "f = function(n)
  s = 0
  i = 0
  while i < n
    s = s + i * 0.5 - 1
    i = i + 1
  end while
  return s
end function
print f(3000000)";
    let cfg = jit::JitConfig {
        mode: jit::Mode::Background,
        ..jit::JitConfig::default()
    };
    let (out, states, counters) = run_with_jit(src, cfg, 1000);
    assert_eq!(out, run_interpreted(src));
    assert!(states.contains(&RegionState::Ready), "{states:?}");
    // Compiled while the loop ran: most iterations after that were native.
    let c = counters.iter().max_by_key(|c| c.count).unwrap();
    assert!(c.native > c.count / 2, "{c:?}");
}

#[test]
fn one_compiled_program_runs_in_several_interpreters_with_profilers() {
    // Regression: region ids are per interpreter, not per compiled function.
    let src = "f = function(n)\n  s = 0\n  i = 0\n  while i < n\n    s = s + i * 2 - 1\n    i = i + 1\n  end while\n  return s\nend function\nprint f(50)";
    let program = miniscript::parser::parse(src).unwrap();
    let proto = compile_with(&program, src, None, SITES).unwrap();
    let make = || {
        let out = StringSink::default();
        let text = out.clone();
        let mut vm = Vm::new(Box::new(out));
        let mut settings = default_settings();
        settings.thresholds.eager = true;
        settings.thresholds.min_complexity = 0;
        plug(tiers(settings, sync_cfg()), &mut vm);
        (vm, text)
    };
    let (mut one, t1) = make();
    let (mut two, t2) = make();
    let mut plain = Vm::new(Box::new(StringSink::default()));
    for _ in 0..2 {
        one.run_main(proto.clone()).unwrap();
        two.run_main(proto.clone()).unwrap();
        plain.run_main(proto.clone()).unwrap();
    }
    assert_eq!(t1.contents(), "2400\n2400\n");
    assert_eq!(t2.contents(), "2400\n2400\n");
    assert!(one.region_counters().iter().any(|c| c.native > 0));
    assert!(two.region_counters().iter().any(|c| c.native > 0));
}

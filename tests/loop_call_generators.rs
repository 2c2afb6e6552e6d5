//! Differential generator for loop regions that call script functions (inlined
//! into the loop's native code): random programs of small pure numeric helpers
//! (default arguments, fewer arguments passed, helpers calling helpers, a `return
//! null` that gives up) called from a `while` or `for` loop in a function or at
//! global scope, with a twist between runs of the loop (the helper reassigned,
//! replaced by a number or by a function returning a string, a string among the
//! values passed) run interpreted and with every loop compiled at its first entry;
//! the output and every traced value, bit for bit, must agree.
//!
//! `MINISCRIPT_GEN_CASES=N` runs N programs (default 150), `MINISCRIPT_GEN_SEED=N`
//! another fixed seed.

use std::time::Duration;

use miniscript::host::{Interpreter, StringSink};
use miniscript::value::Value;

/// A small fixed-seed generator (xorshift64*), enough to pick program shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const CONSTS: &[&str] = &[
    "0", "1", "2", "0.5", "-3", "7", "1e300", "-1e-310", "(-0)", "(1/0)", "(0/0)", "2.5",
];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or",
];
const FUNCS: &[&str] = &["sqrt", "abs", "floor", "ceil", "sin", "sign", "round"];

/// A numeric expression over `vars` (`depth` bounds the nesting).
fn expr(r: &mut Rng, vars: &[&str], depth: u32) -> String {
    if depth == 0 || r.below(3) == 0 {
        return if r.below(2) == 0 {
            r.pick(CONSTS).to_string()
        } else {
            r.pick(vars).to_string()
        };
    }
    match r.below(6) {
        0 => format!("(-{})", expr(r, vars, depth - 1)),
        1 => format!("(not {})", expr(r, vars, depth - 1)),
        2 => format!("{}({})", r.pick(FUNCS), expr(r, vars, depth - 1)),
        _ => format!(
            "({} {} {})",
            expr(r, vars, depth - 1),
            r.pick(BINOPS),
            expr(r, vars, depth - 1)
        ),
    }
}

/// Helper `k`: `x`, and `y`, `z` with defaults; it may call helper `k - 1`, keep
/// a local, branch, and give up (`return null`).
fn helper(r: &mut Rng, k: usize) -> String {
    let mut s = format!(
        "h{k} = function(x, y={}, z={})\n",
        r.pick(&CONSTS[..8]),
        r.pick(&CONSTS[..6])
    );
    let vars = ["x", "y", "z"];
    if r.below(2) == 0 {
        s.push_str(&format!("\tt = {}\n", expr(r, &vars, 2)));
    } else {
        s.push_str("\tt = x\n");
    }
    let vars = ["x", "y", "z", "t"];
    if k > 0 && r.below(3) > 0 {
        let args = match r.below(3) {
            0 => expr(r, &vars, 1),
            1 => format!("{}, {}", expr(r, &vars, 1), expr(r, &vars, 1)),
            _ => format!("t, y, {}", expr(r, &vars, 1)),
        };
        s.push_str(&format!(
            "\tt = t {} h{}({args})\n",
            r.pick(&["+", "-", "*"]),
            k - 1
        ));
    }
    if r.below(4) == 0 {
        s.push_str("\tif x > 20 then return null\n");
    }
    if r.below(2) == 0 {
        s.push_str(&format!(
            "\tif {} then return {}\n",
            expr(r, &vars, 1),
            expr(r, &vars, 2)
        ));
    }
    s.push_str(&format!("\treturn {}\nend function\n", expr(r, &vars, 2)));
    s
}

/// The loop: `n` runs of `s = s OP h(args)` over `i` (a `while` or a `for`).
fn the_loop(r: &mut Rng, nh: usize, indent: &str) -> String {
    let callee = r.below(nh);
    let arg = format!("i * {} - 3", r.pick(&["0.37", "1", "0.5"]));
    let args = match r.below(3) {
        0 => arg,
        1 => format!("{arg}, s"),
        _ => format!("{arg}, 2, i"),
    };
    let step = format!("s = s {} h{callee}({args})", r.pick(&["+", "-", "*"]));
    if r.below(2) == 0 {
        format!("{indent}i = 0\n{indent}while i < n\n{indent}\t{step}\n{indent}\ti = i + 1\n{indent}end while\n")
    } else {
        format!("{indent}for i in range(0, n - 1)\n{indent}\t{step}\n{indent}end for\n")
    }
}

fn program(r: &mut Rng) -> String {
    let nh = 1 + r.below(3);
    let mut src = String::from("trace = []\n");
    for k in 0..nh {
        src.push_str(&helper(r, k));
    }
    let global = r.below(2) == 0;
    if global {
        src.push_str("run = function(n)\n\tglobals.n = n\n\tglobals.s = 0\nend function\n");
    } else {
        src.push_str(&format!(
            "run = function(n)\n\ts = 0\n{}\treturn s\nend function\n",
            the_loop(r, nh, "\t")
        ));
    }
    let body = if global {
        format!("run(30)\n{}v = s\n", the_loop(r, nh, ""))
    } else {
        "v = run(30)\n".to_string()
    };
    let record = "trace.push v\nprint v\n";
    src.push_str(&body);
    src.push_str(record);
    let last = nh - 1;
    src.push_str(match r.below(6) {
        0 => "h0 = @h1\n",
        1 => "h0 = 5\n",
        2 => "h0 = function(x, y=0, z=0)\n\tif x > 5 then return \"s\" + x\n\treturn x\nend function\n",
        3 => "h0 = function(x, y=0, z=0)\n\treturn x * y\nend function\n",
        _ => "",
    });
    if last > 0 && r.below(4) == 0 {
        src.push_str(&format!("h{last} = @h0\n"));
    }
    src.push_str(&body);
    src.push_str(record);
    src
}

/// Output text and traced values (as bits) of `src`, interpreted or with every
/// loop compiled at its first entry; and the back-edges native loop code ran.
fn run(src: &str, jit: bool) -> ((String, Vec<String>), u64) {
    let flags: Vec<(String, String)> = if jit {
        vec![
            ("jit".into(), "sync".into()),
            ("jit-eager".into(), "true".into()),
            ("jit-min-complexity".into(), "0".into()),
            ("jit-hot-loop".into(), "1".into()),
        ]
    } else {
        vec![("jit".into(), "off".into())]
    };
    let options = profiler::Options::load(None, None, |_| None, &flags).expect("valid options");
    let mut interp = Interpreter::new();
    let out = StringSink::default();
    interp.set_output(out.clone());
    interp.set_error_output(StringSink::default());
    jit::Attach::new(&options).to_interpreter(&mut interp);
    let mut text = String::new();
    match interp.load("", src) {
        Err(e) => text.push_str(&format!("{e}\n")),
        Ok(()) => loop {
            match interp.run_for(Duration::from_secs(10)) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    text.push_str(&format!("{e}\n"));
                    break;
                }
            }
        },
    }
    jit::attach::finish(interp.vm_mut());
    let iters = interp.vm().region_counters().iter().map(|c| c.iters).sum();
    let trace = match interp.global("trace") {
        Some(Value::List(l)) => l
            .borrow()
            .iter()
            .map(|v| match v {
                Value::Num(x) if x.is_nan() => "NaN".to_string(),
                Value::Num(x) => format!("{:016x}", x.to_bits()),
                other => format!("{other:?}"),
            })
            .collect(),
        _ => Vec::new(),
    };
    let printed = out.contents();
    ((printed + &text, trace), iters)
}

#[test]
fn loops_calling_numeric_helpers_agree_bit_for_bit() {
    let cases: u32 = std::env::var("MINISCRIPT_GEN_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let seed: u64 = std::env::var("MINISCRIPT_GEN_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut r = Rng(0x2545_f491_4f6c_dd1d ^ seed.wrapping_mul(0x100_0000_01b3) | 1);
    let mut ran_native = 0;
    for case in 0..cases {
        let src = program(&mut r);
        let (interp, none) = run(&src, false);
        let (native, n) = run(&src, true);
        assert_eq!(none, 0, "native code ran with --jit=off");
        assert_eq!(
            interp, native,
            "case {case}: interpreted and native differ\n--- program:\n{src}"
        );
        ran_native += u32::from(n > 0);
    }
    eprintln!(
        "generator loop_calls: {cases} programs agree, native loops ran in {ran_native} (seed {seed})"
    );
    // Else the comparison proves nothing.
    assert!(
        ran_native * 2 > cases,
        "native loops ran in only {ran_native} programs"
    );
}

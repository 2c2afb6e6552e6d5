//! Differential generator for whole-function native code: random programs of
//! recursive and mutually recursive pure numeric functions (default arguments,
//! loops and locals in their bodies, special values, a function reassigned
//! mid-run) run interpreted and with every function compiled at its first call;
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
const FUNCS: &[&str] = &[
    "sqrt", "abs", "floor", "ceil", "sin", "sign", "round", "atan",
];

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

/// Function `k` of `nf`: `n` (a small count that every call decreases, so the
/// recursion ends), `a`, and `b` with a default.
fn function(r: &mut Rng, k: usize, nf: usize) -> String {
    let vars = ["n", "a", "b"];
    let mut s = format!("f{k} = function(n, a, b={})\n", r.pick(&CONSTS[..8]));
    s.push_str(&format!("\tif n <= 0 then return {}\n", expr(r, &vars, 2)));
    let body_vars = ["n", "a", "b", "s"];
    s.push_str("\ts = 0\n");
    if r.below(2) == 0 {
        s.push_str(&format!(
            "\ti = 0\n\twhile i < n\n\t\ts = s + {}\n\t\tif s > 1e6 then break\n\t\ti = i + 1\n\tend while\n",
            expr(r, &body_vars, 2)
        ));
    }
    for _ in 0..1 + r.below(2) {
        let callee = r.below(nf);
        let args = if r.below(2) == 0 {
            format!("n - 1, {}", expr(r, &body_vars, 1))
        } else {
            format!(
                "n - 1, {}, {}",
                expr(r, &body_vars, 1),
                expr(r, &body_vars, 1)
            )
        };
        s.push_str(&format!(
            "\ts = s {} f{callee}({args})\n",
            r.pick(&["+", "-", "*"])
        ));
    }
    if r.below(4) == 0 {
        s.push_str("\tif a > 100 then return null\n");
    }
    s.push_str(&format!(
        "\treturn {}\nend function\n",
        expr(r, &body_vars, 2)
    ));
    s
}

fn program(r: &mut Rng) -> String {
    let nf = 1 + r.below(3);
    let mut src = String::from("trace = []\n");
    for k in 0..nf {
        src.push_str(&function(r, k, nf));
    }
    let twist = if r.below(3) == 0 {
        format!("\tif i == 25 then f0 = @f{}\n", r.below(nf))
    } else {
        String::new()
    };
    src.push_str(&format!(
        "for i in range(0, 40)\n{twist}\tv = f{}(i % 6, i * 0.37 - 3)\n\ttrace.push v\n\tprint v\nend for\n",
        r.below(nf)
    ));
    src
}

/// Output text and traced values (as bits) of `src`, interpreted or with every
/// function compiled at its first call.
fn run(src: &str, jit: bool) -> ((String, Vec<String>), u64) {
    let flags: Vec<(String, String)> = if jit {
        vec![
            ("jit".into(), "sync".into()),
            ("jit-eager".into(), "true".into()),
            ("jit-min-complexity".into(), "0".into()),
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
    let native = interp.vm().region_counters().iter().map(|c| c.native).sum();
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
    ((printed + &text, trace), native)
}

#[test]
fn recursive_numeric_functions_agree_bit_for_bit() {
    let cases: u32 = std::env::var("MINISCRIPT_GEN_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let seed: u64 = std::env::var("MINISCRIPT_GEN_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x100_0000_01b3) | 1);
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
        "generator fn_native: {cases} programs agree, native code ran in {ran_native} (seed {seed})"
    );
    // Else the comparison proves nothing.
    assert!(
        ran_native * 2 > cases,
        "native code ran in only {ran_native} programs"
    );
}

//! The cost of a call from Rust into a script function, for instruction counts:
//!
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!         target/release/examples/call_overhead 100000
//!
//! Calls `f(x) = x + 1` N times (default 100,000) through a looked-up function.

use miniscript::host::Interpreter;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut interp = Interpreter::new();
    let ok = interp.run_source("", "f = function(x)\n  return x + 1\nend function");
    let Some(f) = ok.ok().and_then(|_| interp.function("f")) else {
        std::process::exit(1);
    };
    let mut acc = 0.0;
    for _ in 0..n {
        match interp.call_function::<f64>(&f, (acc,)) {
            Ok(v) => acc = v,
            Err(_) => std::process::exit(1),
        }
    }
    println!("{acc}");
}

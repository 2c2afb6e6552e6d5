//! Front-end latency: lexing+parsing and lowering to three-address code of a large
//! generated program whose expression sites are all different (no two functions
//! alike, so nothing is measured warm from a previous identical site). Reported per
//! site, the unit a JIT compiles.
//!
//! The JIT's compile latency per region is in `jit_compile.rs`.

mod support;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Functions in the generated program, and expression statements in each.
const FUNCTIONS: usize = 400;
const SITES_PER_FUNCTION: usize = 6;

/// The program: FUNCTIONS functions of SITES_PER_FUNCTION assignments plus a loop and
/// a branch each, and a main part that calls them all.
fn generate() -> String {
    let mut g = support::Gen(0x5eed);
    let mut src = String::new();
    for f in 0..FUNCTIONS {
        src.push_str(&format!("f{f} = function(a, b, c)\n"));
        let mut vars: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        for s in 0..SITES_PER_FUNCTION {
            let e = g.expr(&vars, 3, false);
            src.push_str(&format!("\tv{s} = {e}\n"));
            vars.push(format!("v{s}"));
        }
        src.push_str("\ti = 0\n\twhile i < 3\n\t\ta = a + v1 * i\n\t\ti = i + 1\n\tend while\n");
        src.push_str("\tif a > b then return a - c else return v0 + c\nend function\n");
    }
    src.push_str("total = 0\n");
    for f in 0..FUNCTIONS {
        src.push_str(&format!(
            "total = total + f{f}({}, {}, {})\n",
            f % 7 + 1,
            f % 5 + 2,
            f % 3 + 3
        ));
    }
    src.push_str("print total != 0\n");
    src
}

fn frontend(c: &mut Criterion) {
    let src = generate();
    // The generated program must be valid MiniScript, or the numbers are about error
    // paths; running it once checks that too.
    let proto = support::compile("generated", &src);
    support::run_captured("generated", &proto);

    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Elements(
        (FUNCTIONS * SITES_PER_FUNCTION) as u64,
    ));
    group.bench_function("parse", |b| {
        b.iter(|| miniscript::parser::parse(black_box(&src)).expect("parse"))
    });
    let ast = miniscript::parser::parse(&src).expect("parse");
    group.bench_function("compile_to_tac", |b| {
        b.iter(|| miniscript::compiler::compile(black_box(&ast), &src, None).expect("compile"))
    });
    group.bench_function("parse_and_compile", |b| {
        b.iter(|| support::compile("generated", black_box(&src)))
    });
    group.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);

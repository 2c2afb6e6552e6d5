//! Call overhead, from inside a script and through the embedding API.
//!
//! - `script/*`: the same counting loop with its body inline, as a call to a small
//!   script function, as a method call through `new`, and as an intrinsic call; the
//!   difference to `inline` is the cost of one call (per-iteration throughput).
//! - `embed/*`: what a host pays per script with the API that exists today: a new
//!   `Vm` running a tiny compiled program (`new_vm_run_compiled`), the run alone
//!   (`run_compiled`), and `run_source` (parse, compile, run).
//!
//! Pending: TODO(embedding): a host calling a script function value directly (many
//! times, one `Vm`), once the embedding API has a call entry point.

mod support;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use miniscript::Vm;

const ITERATIONS: u64 = 200_000;

/// The loop, with `BODY` replaced by the statement that updates `x`.
fn script(setup: &str, body: &str) -> String {
    format!(
        "{setup}\nrun = function(n)\n\tx = 0\n\ti = 0\n\twhile i < n\n\t\t{body}\n\t\ti = i + 1\n\
         \tend while\n\treturn x\nend function\nprint run({ITERATIONS})\n"
    )
}

fn calls(c: &mut Criterion) {
    let cases = [
        ("inline", script("", "x = x + i % 7")),
        ("function", script("f = function(x, i)\n\treturn x + i % 7\nend function", "x = f(x, i)")),
        (
            "method",
            script(
                "Acc = {}\nAcc.step = function(x, i)\n\treturn x + i % 7\nend function\nacc = new Acc",
                "x = acc.step(x, i)",
            ),
        ),
        ("intrinsic", script("", "x = x + abs(i % 7)")),
    ];
    let mut group = c.benchmark_group("calls/script");
    group.sample_size(20);
    group.throughput(Throughput::Elements(ITERATIONS));
    let mut want: Option<String> = None;
    for (name, src) in &cases {
        let proto = support::compile(name, src);
        // Every variant computes the same sum; a differing one measures something else.
        let printed = support::run_captured(name, &proto);
        match &want {
            Some(w) => assert_eq!(&printed, w, "{name} computes a different result"),
            None => want = Some(printed),
        }
        group.bench_function(*name, |b| b.iter(|| support::run_discarded(&proto)));
    }
    group.finish();

    let mut group = c.benchmark_group("calls/embed");
    let tiny = "x = 6 * 7";
    let proto = support::compile("tiny", tiny);
    group.bench_function("new_vm_run_compiled", |b| {
        b.iter(|| support::run_discarded(black_box(&proto)))
    });
    group.bench_function("run_compiled", |b| {
        b.iter_batched_ref(
            || Vm::new(Box::new(support::Discard)),
            |vm| vm.run_main(black_box(proto.clone())).expect("run"),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("run_source", |b| {
        b.iter(|| miniscript::run_source(black_box(tiny), Box::new(support::Discard)).expect("run"))
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);

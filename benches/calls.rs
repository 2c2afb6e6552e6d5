//! Call overhead, from inside a script and through the embedding API.
//!
//! - `script/*`: the same counting loop with its body inline, as a call to a small
//!   script function, as a method call through `new`, as an intrinsic call, and as a
//!   call to a host closure registered through the embedding API; the difference to
//!   `inline` is the cost of one call (per-iteration throughput).
//! - `embed/*`: the host side. Calling a script function from Rust, by name and
//!   through a looked-up `Function` (one call per iteration, same interpreter); and
//!   what a host pays per script: a new `Vm` running a tiny compiled program
//!   (`new_vm_run_compiled`), the run alone (`run_compiled`), and `run_source`
//!   (parse, compile, run).

mod support;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use miniscript::{Interpreter, Vm};

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

    // The same loop calling a Rust closure. Runs through an `Interpreter`, which is
    // where closures are registered; the compiled program is reused across runs.
    let src = script("", "x = hostStep(x, i)");
    let mut interp = host_interpreter();
    interp
        .register("hostStep", &["x", "i"], |_vm, args| {
            // MiniScript's % on these non-negative numbers is fmod, as Rust's.
            Ok(args[0].num_or_zero() + args[1].num_or_zero() % 7.0)
        })
        .expect("register");
    let proto = interp.compile("host_closure", &src).expect("compile");
    let out = miniscript::StringSink::default();
    interp.set_output(out.clone());
    interp.load_proto(proto.clone());
    interp.run().expect("run");
    assert_eq!(
        Some(out.contents().as_str()),
        want.as_deref(),
        "host_closure computes a different result"
    );
    interp.set_output(support::Discard);
    group.bench_function("host_closure", |b| {
        b.iter(|| {
            interp.load_proto(proto.clone());
            interp.run().expect("run")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("calls/embed");
    let mut interp = host_interpreter();
    interp
        .run_source(
            "calls",
            "f = function(x, i)\n\treturn x + i % 7\nend function",
        )
        .expect("load");
    let r: f64 = interp.call("f", (1.0, 9.0)).expect("call");
    assert_eq!(r, 3.0);
    let mut i = 0.0;
    group.bench_function("host_calls_script_by_name", |b| {
        b.iter(|| {
            i += 1.0;
            let r: f64 = interp.call("f", (black_box(i), 3.0)).expect("call");
            r
        })
    });
    let f = interp.function("f").expect("f is defined");
    group.bench_function("host_calls_script_function", |b| {
        b.iter(|| {
            i += 1.0;
            let r: f64 = interp.call_function(&f, (black_box(i), 3.0)).expect("call");
            r
        })
    });

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

/// An interpreter whose error output is discarded too (errors fail the benchmark
/// through the returned results anyway).
fn host_interpreter() -> Interpreter {
    let mut interp = Interpreter::new();
    interp.set_output(support::Discard);
    interp.set_error_output(support::Discard);
    interp
}

criterion_group!(benches, calls);
criterion_main!(benches);

//! The benchmark programs in the interpreter, in process: the shared set
//! (`$MINISCRIPT_SHARED/bench`) and ours (`benches/`). Parsing and compiling happen
//! once, outside the measurement; each iteration runs the program in a fresh `Vm`.
//!
//! Each program's output is checked against its expected line before it is timed, so
//! a regression that makes a program wrong cannot pass as a speed-up.
//!
//! Pending (need code that does not exist yet; no stand-ins until it does):
//! - TODO(jit): the same programs with the JIT on (`jit/background` and `jit/sync`
//!   groups), once the `jit` crate exposes a way to attach it to a `Vm`.
//! - TODO(profiler): profiler overhead, each program with counting and sampling off /
//!   counting on / counting and sampling on, once the interpreter takes a profiler.

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use miniscript::Vm;

fn bench_dir(c: &mut Criterion, group_name: &str, dir: &std::path::Path) {
    let Some(programs) = support::programs(dir) else {
        return;
    };
    let mut group = c.benchmark_group(group_name);
    // Whole programs take 0.05-0.5 s each: ten samples are plenty, and keep a full
    // `cargo bench` within minutes.
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for p in &programs {
        let proto = support::compile(&p.name, &p.source);
        let printed = support::run_captured(&p.name, &proto);
        if let Some(want) = &p.expected {
            assert_eq!(
                printed.trim_end(),
                want,
                "{}: wrong output, not benchmarking it",
                p.name
            );
        }
        group.bench_function(&p.name, |b| {
            b.iter_batched(
                || Vm::new(Box::new(support::Discard)),
                |mut vm| vm.run_main(proto.clone()).expect("runtime error"),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn interp(c: &mut Criterion) {
    bench_dir(c, "interp/shared", &support::shared_dir().join("bench"));
    bench_dir(c, "interp/ours", &support::repo_root().join("benches"));
}

criterion_group!(benches, interp);
criterion_main!(benches);

//! The profiler's overhead on the benchmark programs, with the JIT off so that only
//! the profiling is measured:
//! - `profiler/off`: no region markers, no profiler (the plain interpreter);
//! - `profiler/counting`: every region marked and counted, timing sampled 1 in 2^20
//!   entries (the least the options allow, effectively never);
//! - `profiler/sampling`: counted, and timed 1 in 2^7 entries (the default).
//!
//! The ratio of the last two to the first is the overhead of `--profile`.

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const MODES: &[(&str, &[(&str, &str)])] = &[
    ("off", &[("jit", "off")]),
    (
        "counting",
        &[
            ("jit", "off"),
            ("profile", "true"),
            ("profile-sample", "20"),
        ],
    ),
    (
        "sampling",
        &[("jit", "off"), ("profile", "true"), ("profile-sample", "7")],
    ),
];

fn profiler(c: &mut Criterion) {
    let mut programs = Vec::new();
    for dir in [
        support::shared_dir().join("bench"),
        support::repo_root().join("benches"),
    ] {
        programs.extend(support::programs(&dir).unwrap_or_default());
    }
    for p in &programs {
        let mut group = c.benchmark_group(format!("profiler/{}", p.name));
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(5));
        for (mode, settings) in MODES {
            let o = support::options(settings);
            let proto = support::compile_for(&p.name, &p.source, &o);
            let printed = support::run_tiered_captured(&p.name, &proto, &o);
            if let Some(want) = &p.expected {
                assert_eq!(
                    printed.trim_end(),
                    want,
                    "{}: wrong output when profiled ({mode})",
                    p.name
                );
            }
            group.bench_function(*mode, |b| {
                b.iter_batched(
                    || {
                        // A fresh compile per run: a `Proto` registers its regions
                        // with the first tiered `Vm` that runs it.
                        let proto = support::compile_for(&p.name, &p.source, &o);
                        (support::tiered_vm(Box::new(support::Discard), &o), proto)
                    },
                    |(mut vm, proto)| {
                        vm.run_main(proto).expect("runtime error");
                        vm.finish_tier();
                        vm
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
}

criterion_group!(benches, profiler);
criterion_main!(benches);

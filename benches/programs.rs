//! The benchmark programs in process: the shared set (`$MINISCRIPT_SHARED/bench`) and
//! ours (`benches/`), each in the interpreter (`interp/...`) and with the JIT in both
//! of its modes (`jit_background/...`, `jit_sync/...`). Each iteration runs the
//! program in a fresh `Vm` (with a fresh JIT, whose compiles are part of the run, as
//! in a real process); parsing and compiling happen outside the measurement.
//!
//! Each program's output is checked against its expected line in every mode before
//! it is timed, so a regression that makes a program wrong cannot pass as a speed-up.

mod support;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

/// The modes compared: a group name and the options that select it.
const MODES: &[(&str, &[(&str, &str)])] = &[
    ("interp", &[("jit", "off")]),
    ("jit_background", &[("jit", "background")]),
    ("jit_sync", &[("jit", "sync")]),
];

fn bench_dir(c: &mut Criterion, suite: &str, dir: &Path) {
    let Some(programs) = support::programs(dir) else {
        return;
    };
    for (mode, settings) in MODES {
        let o = support::options(settings);
        let mut group = c.benchmark_group(format!("{mode}/{suite}"));
        // Whole programs take 0.05-0.5 s each: ten samples are plenty, and keep a full
        // `cargo bench` within minutes.
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(5));
        for p in &programs {
            let proto = support::compile_for(&p.name, &p.source, &o);
            let printed = support::run_tiered_captured(&p.name, &proto, &o);
            if let Some(want) = &p.expected {
                assert_eq!(
                    printed.trim_end(),
                    want,
                    "{}: wrong output under {mode}, not benchmarking it",
                    p.name
                );
            }
            group.bench_function(&p.name, |b| {
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
                        // Returned, so that stopping the JIT thread is not timed.
                        vm
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
}

fn programs(c: &mut Criterion) {
    bench_dir(c, "shared", &support::shared_dir().join("bench"));
    bench_dir(c, "ours", &support::repo_root().join("benches"));
}

criterion_group!(benches, programs);
criterion_main!(benches);

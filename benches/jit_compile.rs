//! The JIT's compile latency per region: a generated program whose numeric regions
//! are all different (distinct fingerprints, so the JIT's code cache never answers),
//! each submitted to a fresh synchronous JIT, which returns once the code is
//! published. Reported per region; starting the JIT thread is not timed.

mod support;

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use miniscript::tac::Proto;
use miniscript::tier::RegionDesc;
use miniscript::tier::{RegionId, RegionState, SiteSlot};
use profiler::Backend;

const FUNCTIONS: usize = 150;

/// Functions of numeric statements; the `print` between them ends a region, so each
/// function holds a few regions of one or two statements.
fn generate() -> String {
    let mut g = support::Gen(0xc0de);
    let mut src = String::new();
    for f in 0..FUNCTIONS {
        src.push_str(&format!("f{f} = function(a, b, c)\n"));
        let mut vars: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        for s in 0..4 {
            let e = g.expr(&vars, 3, true);
            src.push_str(&format!("\tv{s} = {e}\n"));
            vars.push(format!("v{s}"));
            if s % 2 == 1 {
                src.push_str(&format!("\tprint v{s}\n"));
            }
        }
        src.push_str("\treturn v3\nend function\n");
    }
    src
}

fn regions(proto: &Rc<Proto>, seen: &mut HashSet<u64>, out: &mut Vec<RegionDesc>) {
    for r in &proto.regions {
        if let Ok(d) = &r.desc {
            if seen.insert(d.fingerprint) {
                out.push((**d).clone());
            }
        }
    }
    for p in &proto.protos {
        regions(p, seen, out);
    }
}

fn jit_compile(c: &mut Criterion) {
    let o = support::options(&[("jit", "sync"), ("jit-min-complexity", "0")]);
    let src = generate();
    let proto = support::compile_for("generated", &src, &o);
    let mut descs = Vec::new();
    regions(&proto, &mut HashSet::new(), &mut descs);
    assert!(
        descs.len() >= FUNCTIONS,
        "only {} distinct compilable regions were generated",
        descs.len()
    );
    let config = jit::JitConfig::from_options(&o);

    // Everything must compile, or the latency is that of failing.
    let mut jit = jit::Jit::start(config.clone()).expect("JIT start");
    for (i, d) in descs.iter().enumerate() {
        let slot = Arc::new(SiteSlot::default());
        assert!(
            jit.submit(RegionId(i as u32), d, &slot, "bench"),
            "region {i} was not accepted"
        );
        assert_eq!(
            slot.state(),
            RegionState::Ready,
            "region {i} did not compile: {d:?}"
        );
    }
    drop(jit);

    let mut group = c.benchmark_group("jit_compile");
    group.sample_size(20);
    group.throughput(Throughput::Elements(descs.len() as u64));
    group.bench_function("sync_per_region", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut jit = jit::Jit::start(config.clone()).expect("JIT start");
                let slots: Vec<Arc<SiteSlot>> = descs.iter().map(|_| Arc::default()).collect();
                let start = Instant::now();
                for (i, (d, slot)) in descs.iter().zip(&slots).enumerate() {
                    jit.submit(RegionId(i as u32), d, slot, "bench");
                }
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, jit_compile);
criterion_main!(benches);

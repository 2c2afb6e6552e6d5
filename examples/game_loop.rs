//! An example host: load a MiniScript "game" and call its `update(dt)` a million
//! times, as a game loop calls into its scripts every frame, printing progress.
//!
//!     cargo run --release -p miniscript-tools --example game_loop [SCRIPT.ms] [FRAMES]
//!
//! Without a script it runs a small built-in one. The script must define
//! `update(dt)`; it may define `report` (returning a string shown with the
//! progress lines). Host functions the script can call: `hostLog(msg)` and
//! `hostFrame` (the frame number).
//!
//! The profiler and JIT are configured like the command line's, from `MINISCRIPT_*`
//! variables (`MINISCRIPT_JIT=off` runs interpreted); each progress line shows live
//! JIT statistics from the interpreter's region counters.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use miniscript::host::Interpreter;

/// Live JIT statistics: compilable regions seen, how many have run native code,
/// and the share of region entries that ran natively.
fn jit_line(interp: &Interpreter) -> String {
    let counters = interp.vm().region_counters();
    if counters.is_empty() {
        return "jit: no regions".to_string();
    }
    let entries: u64 = counters.iter().map(|c| c.count).sum();
    let native: u64 = counters.iter().map(|c| c.native).sum();
    let misses: u64 = counters.iter().map(|c| c.misses).sum();
    let compiled = counters.iter().filter(|c| c.native > 0).count();
    format!(
        "jit: {compiled}/{} regions native, {:.1}% of {entries} entries, {misses} guard misses",
        counters.len(),
        100.0 * native as f64 / entries.max(1) as f64
    )
}

const DEFAULT_SCRIPT: &str = r#"
// A tiny particle world: positions and velocities in lists, gravity, bounces.
n = 4
px = []
py = []
vx = []
vy = []
for i in range(0, n - 1)
  px.push i * 3 % 100
  py.push i * 7 % 50 + 10
  vx.push (i % 5) - 2
  vy.push 0
end for
bounces = 0

update = function(dt)
  energy = 0
  for i in range(0, n - 1)
    x = px[i]
    y = py[i]
    u = vx[i]
    v = vy[i]
    // Numeric statements in a row: a region the JIT compiles to native code.
    v = v - 9.8 * dt
    x = x + u * dt
    y = y + v * dt
    energy = energy + 0.5 * (u * u + v * v) + 9.8 * y
    if y < 0 then
      y = -y
      v = 30
      globals.bounces = bounces + 1
    end if
    px[i] = x % 100
    py[i] = y
    vy[i] = v
  end for
  globals.energy = energy
end function

report = function
  return "bounces: " + bounces + ", energy " + round(energy, 1)
end function

hostLog "world of " + n + " particles ready"
"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, source) = match args.first() {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(s) => (path.clone(), s),
            Err(e) => {
                eprintln!("game_loop: cannot read {path}: {e}");
                std::process::exit(66);
            }
        },
        None => ("game.ms".to_string(), DEFAULT_SCRIPT.to_string()),
    };
    let frames: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);

    let options = match profiler::Options::load(None, None, |k| std::env::var(k).ok(), &[]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("game_loop: {e}");
            std::process::exit(64);
        }
    };
    let mut interp = Interpreter::new();
    // The profiler and JIT, wired as the command line wires them.
    jit::Attach::new(&options).to_interpreter(&mut interp);
    let frame = Rc::new(Cell::new(0u64));
    let f = frame.clone();
    let log = interp.register("hostLog", &["msg"], |_vm, args| {
        println!("[script] {}", args[0]);
        Ok(())
    });
    let frame_fn = interp.register("hostFrame", &[], move |_vm, _| Ok(f.get()));
    if log.is_err() || frame_fn.is_err() {
        std::process::exit(70);
    }
    // Errors are reported on stderr by the interpreter itself.
    if interp.run_source(&name, &source).is_err() {
        std::process::exit(1);
    }
    let Some(update) = interp.function("update") else {
        eprintln!("game_loop: {name} does not define update(dt)");
        std::process::exit(1);
    };
    let has_report = interp.function("report").is_some();

    let dt = 1.0 / 60.0;
    let step = (frames / 10).max(1);
    let start = Instant::now();
    let mut last = start;
    for i in 1..=frames {
        frame.set(i);
        if interp.call_function::<()>(&update, (dt,)).is_err() {
            std::process::exit(1);
        }
        if i % step == 0 || i == frames {
            let now = Instant::now();
            let rate = step as f64 / (now - last).as_secs_f64().max(1e-9);
            last = now;
            let extra = if has_report {
                interp.call::<String>("report", ()).unwrap_or_default()
            } else {
                String::new()
            };
            println!(
                "frame {i:>9}  {:>8.0} updates/s  {:>7.2} µs/update  {extra}",
                rate,
                1e6 / rate
            );
            println!("                 {}", jit_line(&interp));
        }
    }
    let total = start.elapsed();
    // Reports requested by the options (`MINISCRIPT_JIT_STATS=1`, profile).
    jit::attach::finish(interp.vm_mut());
    println!(
        "{frames} updates in {:.2} s ({:.2} µs each)",
        total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / frames.max(1) as f64
    );
}

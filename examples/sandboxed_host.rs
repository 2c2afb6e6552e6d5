//! An example host with everything a long-running Rust host wants: the interpreter
//! built in one expression with the JIT turned on through the library, scripts run
//! in a sandbox (reading files only, no `exec`, no environment), an operation budget
//! that pauses a runaway script, a memory budget, and game state passed both ways
//! with serde.
//!
//!     cargo run --release -p miniscript-tools --example sandboxed_host

use jit::{BuilderExt, Mode};
use miniscript::host::serde::{from_value, to_value};
use miniscript::host::{Interpreter, IntrinsicGroups, Progress, StringSink};
use serde::{Deserialize, Serialize};

/// The state the host owns and hands to the script each frame.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct World {
    frame: u32,
    units: Vec<Unit>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Unit {
    name: String,
    x: f64,
    y: f64,
    hp: i32,
}

const SCRIPT: &str = r#"
// Move every unit, hurt the ones off the map, and report a summary.
step = function(world, dt)
  for u in world.units
    u.x = u.x + 10 * dt
    u.y = u.y + 5 * dt
    if u.x > 100 then u.hp = u.hp - 1
  end for
  world.frame = world.frame + 1
  return world
end function

busy = function
  // A runaway loop: the operation budget pauses it.
  n = 0
  while true
    n = n + 1
  end while
end function
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = StringSink::default();
    let mut interp = Interpreter::builder()
        .output(out.clone())
        // Errors come back as values; this host prints them itself, once.
        .report_errors(false)
        .jit(Mode::Background)
        .fuel(5_000_000)
        .memory_budget(16 << 20)
        .intrinsics(IntrinsicGroups {
            file_read: true,
            ..IntrinsicGroups::none()
        })
        .build()?;
    interp.run_source("game.ms", SCRIPT)?;

    // Serde both ways: the world goes in as a map, comes back as a struct.
    let mut world = World {
        frame: 0,
        units: vec![
            Unit {
                name: "scout".into(),
                x: 95.0,
                y: 0.0,
                hp: 3,
            },
            Unit {
                name: "tank".into(),
                x: 0.0,
                y: 0.0,
                hp: 10,
            },
        ],
    };
    let step = interp.function("step").ok_or("step is not defined")?;
    for _ in 0..120 {
        let v = to_value(&world)?;
        world = from_value(interp.call_function(&step, (v, 1.0 / 60.0))?)?;
    }
    println!("after {} frames: {:?}", world.frame, world.units);

    // The sandbox: no exec, no writing.
    for src in ["exec \"ls\"", "file.writeLines \"x.txt\", [\"no\"]"] {
        if let Err(e) = interp.run_source("sandbox.ms", src) {
            println!("refused: {e}");
        }
    }

    // The fuel budget: a runaway script is paused, slice after slice.
    interp.load("busy.ms", "busy")?;
    for slice in 1..=3 {
        match interp.run_slice(None)? {
            Progress::OutOfFuel => println!("slice {slice}: out of fuel, paused"),
            other => println!("slice {slice}: {other:?}"),
        }
    }

    // The memory budget: keeping everything runs out, and the interpreter lives on.
    let hog = "keep = []\nwhile true\n  keep.push \"data \" * 20\nend while";
    if let Err(e) = interp.run_source("hog.ms", hog) {
        println!("stopped: {e}");
    }
    interp.run_source("", "keep = null\nprint \"still running\"")?;
    print!("{}", out.take());
    interp.finish_tier();
    Ok(())
}

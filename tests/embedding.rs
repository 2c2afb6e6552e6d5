//! The embedding API's limits and conveniences, as a host uses them: fuel, the
//! memory budget, sandboxed intrinsic groups, serde round trips, conversions,
//! typed arguments, error reporting and the builder with the JIT.

use std::collections::{BTreeMap, HashMap};

use jit::{BuilderExt, Mode};
use miniscript::host::serde::{from_value, to_value};
use miniscript::host::{
    Interpreter, IntrinsicGroups, MapBuilder, Progress, ShellConfig, StringSink, Value, VmConfig,
};
use serde::{Deserialize, Serialize};

fn quiet() -> (Interpreter, StringSink, StringSink) {
    let out = StringSink::default();
    let err = StringSink::default();
    let interp = Interpreter::builder()
        .output(out.clone())
        .error_output(err.clone())
        .build()
        .unwrap();
    (interp, out, err)
}

#[test]
fn fuel_stops_an_endless_loop_and_the_run_resumes() {
    let (mut interp, _out, err) = quiet();
    interp.set_fuel(Some(10_000));
    interp
        .load("loop.ms", "n = 0\nwhile true\n  n += 1\nend while")
        .unwrap();
    for round in 1..=3 {
        assert_eq!(interp.run_slice(None).unwrap(), Progress::OutOfFuel);
        let n: f64 = interp.global_as("n").unwrap();
        // One unit per iteration (and the resumed slice starts at the loop head).
        assert!(
            (n - 10_000.0 * round as f64).abs() <= 2.0 * round as f64,
            "{n}"
        );
    }
    assert!(interp.is_running());
    // `run` reports it, once, and the program stays loaded.
    let e = interp.run().unwrap_err();
    assert_eq!(
        e.to_string(),
        "Runtime Error: operation budget exhausted (10000 operations) [loop.ms line 2]"
    );
    assert_eq!(
        err.take(),
        "Runtime Error: operation budget exhausted (10000 operations) [loop.ms line 2]\n"
    );
    assert!(interp.is_running());
    // Without a budget it runs on until interrupted; with a bigger one it finishes.
    interp.set_fuel(Some(1_000_000));
    interp
        .load("", "s = 0\nfor i in range(1, 1000)\n  s += i\nend for")
        .unwrap();
    assert_eq!(interp.run_slice(None).unwrap(), Progress::Done);
    assert_eq!(interp.global_as::<f64>("s").unwrap(), 500500.0);
}

#[test]
fn fuel_stops_recursion_and_calls_from_the_host() {
    let (mut interp, _out, _err) = quiet();
    interp
        .run_source("", "f = function(n)\n  return f(n + 1)\nend function\ng = function\n  while true\n  end while\nend function")
        .unwrap();
    interp.set_fuel(Some(5_000));
    let e = interp.call::<Value>("g", ()).unwrap_err();
    assert_eq!(e.message, "operation budget exhausted (5000 operations)");
    let e = interp.run_source("", "f 0").unwrap_err();
    assert_eq!(e.message, "operation budget exhausted (5000 operations)");
    // The interpreter is usable afterwards, and each call gets the full budget.
    for _ in 0..3 {
        interp
            .run_source("", "for i in range(1, 4000)\nend for")
            .unwrap();
    }
}

#[test]
fn fuel_also_stops_jit_compiled_loops() {
    let mut interp = Interpreter::builder()
        .jit(Mode::Sync)
        .jit_option("jit-hot-loop", "1")
        .jit_option("jit-min-complexity", "0")
        .report_errors(false)
        .build()
        .unwrap();
    let src = "x = 0\nwhile true\n  x = x + 1.5\nend while";
    interp.set_fuel(Some(20_000));
    let e = interp.run_source("", src).unwrap_err();
    assert_eq!(e.message, "operation budget exhausted (20000 operations)");
}

#[test]
fn memory_budget_stops_many_small_allocations() {
    let (mut interp, _out, _err) = quiet();
    // The per-value ceiling (1 MB here) never sees a big value: each string and
    // list stays small, but together they pass the 4 MB budget.
    *interp.vm_mut().config_mut() = VmConfig {
        max_memory: 1 << 20,
        ..VmConfig::default()
    };
    interp.set_memory_budget(Some(4 << 20));
    let src = "keep = []\nwhile true\n  row = []\n  for i in range(1, 50)\n    row.push \"item\" + i\n  end for\n  keep.push row\nend while";
    let e = interp.run_source("grow.ms", src).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Runtime Error: out of memory (over the memory budget of 4 MB) [grow.ms line 5]"
    );
    let live = interp.memory_in_use();
    assert!(live <= 4 << 20 && live > 3 << 20, "{live}");
    // Freeing it makes room again.
    interp.run_source("", "keep = null\nrow = null").unwrap();
    assert!(interp.memory_in_use() < 1 << 20);
    interp
        .run_source(
            "",
            "keep = []\nfor i in range(1, 1000)\n  keep.push \"x\" * 100\nend for",
        )
        .unwrap();
}

#[test]
fn memory_budget_allows_garbage_that_is_freed() {
    let (mut interp, _out, _err) = quiet();
    interp.set_memory_budget(Some(1 << 20));
    // 100 MB allocated in all, never more than a few KB live.
    interp
        .run_source(
            "",
            "i = 0\nwhile i < 100000\n  s = \"x\" * 1000\n  l = [s, s]\n  i += 1\nend while",
        )
        .unwrap();
    // Across many host calls too.
    interp
        .run_source("", "f = function\n  return \"y\" * 5000\nend function")
        .unwrap();
    for _ in 0..2000 {
        let _: String = interp.call("f", ()).unwrap();
    }
}

#[test]
fn budgets_hold_in_host_calls_and_go_away_when_unset() {
    // Host calls take their own path when a budget is set (the nesting check sends
    // them there); each call starts with the full fuel, and the memory budget is in
    // force inside it.
    let (mut interp, _out, _err) = quiet();
    let src = "spin = function(n)\n  for i in range(1, n)\n  end for\n  return n\nend function\ngrow = function\n  l = []\n  while true\n    l.push \"x\" * 100\n  end while\nend function";
    interp.run_source("", src).unwrap();
    interp.set_fuel(Some(1_000));
    for _ in 0..5 {
        assert_eq!(interp.call::<f64>("spin", (900,)).unwrap(), 900.0);
    }
    let e = interp.call::<f64>("spin", (2_000,)).unwrap_err();
    assert_eq!(e.message, "operation budget exhausted (1000 operations)");
    interp.set_fuel(None);
    assert_eq!(interp.call::<f64>("spin", (2_000,)).unwrap(), 2_000.0);
    interp.set_memory_budget(Some(1 << 20));
    let e = interp.call::<Value>("grow", ()).unwrap_err();
    assert_eq!(e.message, "out of memory (over the memory budget of 1 MB)");
    interp.set_memory_budget(None);
    assert_eq!(interp.call::<f64>("spin", (10,)).unwrap(), 10.0);
}

#[test]
fn sandboxed_interpreter_cannot_exec_or_write_files() {
    let dir = std::env::temp_dir().join(format!("ms-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("data.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("lib.ms"), "answer = 42\n").unwrap();
    let target = dir.join("out.txt");
    let (mut interp, _out, _err) = quiet();
    interp.add_shell_intrinsics(ShellConfig {
        env: Some(vec![("SECRET".into(), "x".into())]),
        groups: Some(IntrinsicGroups {
            file_read: true,
            import: true,
            import_root: Some(dir.clone()),
            ..IntrinsicGroups::none()
        }),
        ..ShellConfig::default()
    });
    let path = |p: &std::path::Path| p.to_string_lossy().replace('"', "");
    // Reading works; import finds modules under the root only.
    interp
        .run_source(
            "",
            &format!(
                "lines = file.readLines(\"{}\")",
                path(&dir.join("data.txt"))
            ),
        )
        .unwrap();
    assert_eq!(interp.global_as::<Vec<String>>("lines").unwrap(), ["hello"]);
    interp
        .run_source("", "import \"lib\"\na = lib.answer")
        .unwrap();
    assert_eq!(interp.global_as::<f64>("a").unwrap(), 42.0);
    assert!(interp.run_source("", "import \"../lib\"").is_err());
    // No exec, no env, no writing in any form.
    let t = path(&target);
    for (src, msg) in [
        (
            "exec \"touch /tmp/x\"".to_string(),
            "Undefined Identifier: 'exec' is unknown in this context",
        ),
        (
            "e = env".to_string(),
            "Undefined Identifier: 'env' is unknown in this context",
        ),
        (
            format!("file.writeLines \"{t}\", [\"x\"]"),
            "Key Not Found: 'writeLines' not found in map",
        ),
        (
            format!("file.saveRaw \"{t}\", null"),
            "Key Not Found: 'saveRaw' not found in map",
        ),
        (
            format!("file.delete \"{t}\""),
            "Key Not Found: 'delete' not found in map",
        ),
        (
            format!("f = file.open(\"{t}\", \"w\")"),
            "file.open: writing files is not allowed in this interpreter",
        ),
        (
            format!("f = file.open(\"{t}\")"),
            "file.open: writing files is not allowed in this interpreter",
        ),
    ] {
        let e = interp.run_source("", &src).unwrap_err();
        assert_eq!(e.message, msg, "{src}");
    }
    assert!(!target.exists());
    // Reading through a handle is fine.
    interp
        .run_source(
            "",
            &format!(
                "f = file.open(\"{}\", \"r\")\nl = f.readLine\nf.close",
                path(&dir.join("data.txt"))
            ),
        )
        .unwrap();
    assert_eq!(interp.global_as::<String>("l").unwrap(), "hello");
    let _ = std::fs::remove_dir_all(&dir);
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
enum Kind {
    Orc,
    Wizard { mana: u32 },
    Pet(String),
    Pair(i32, i32),
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct Item {
    name: String,
    weight: f64,
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct Unit {
    id: u64,
    name: String,
    alive: bool,
    pos: (f64, f64),
    kind: Kind,
    items: Vec<Item>,
    stats: BTreeMap<String, i64>,
    tags: HashMap<String, Vec<String>>,
    note: Option<String>,
    parent: Option<Box<Unit>>,
}

fn unit(id: u64) -> Unit {
    Unit {
        id,
        name: format!("unit {id}"),
        alive: id.is_multiple_of(2),
        pos: (1.25 * id as f64, -0.5),
        kind: match id % 4 {
            0 => Kind::Orc,
            1 => Kind::Wizard { mana: 7 },
            2 => Kind::Pet("cat".into()),
            _ => Kind::Pair(-3, 9),
        },
        items: vec![
            Item {
                name: "sword".into(),
                weight: 3.5,
            },
            Item {
                name: "ration".into(),
                weight: 0.25,
            },
        ],
        stats: [("hp".to_string(), 12), ("xp".to_string(), -4)]
            .into_iter()
            .collect(),
        tags: [("group".to_string(), vec!["a".to_string(), "b".to_string()])]
            .into_iter()
            .collect(),
        note: id.is_multiple_of(3).then(|| "note".to_string()),
        parent: None,
    }
}

#[test]
fn serde_round_trips_are_lossless() {
    for id in 0..8 {
        let mut u = unit(id);
        u.parent = Some(Box::new(unit(id + 100)));
        let v = to_value(&u).unwrap();
        let back: Unit = from_value(v.clone()).unwrap();
        assert_eq!(back, u);
        // Through a script too: the script reads fields and the host reads back.
        let (mut interp, _out, _err) = quiet();
        interp.set_global("u", v);
        interp
            .run_source(
                "",
                "u2 = u + {}\nw = u.items[0].weight + u.parent.items[1].weight",
            )
            .unwrap();
        assert_eq!(interp.global_as::<f64>("w").unwrap(), 3.75);
        let back: Unit = from_value(interp.global("u2").unwrap()).unwrap();
        assert_eq!(back, u);
    }
}

#[test]
fn serde_keeps_the_order_of_struct_fields_and_maps() {
    let v = to_value(&unit(1)).unwrap();
    let keys: Vec<String> = match &v {
        Value::Map(m) => m
            .borrow()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect(),
        _ => panic!("a map"),
    };
    assert_eq!(
        keys,
        ["id", "name", "alive", "pos", "kind", "items", "stats", "tags", "note", "parent"]
    );
    let text = v.get("kind").unwrap().to_string();
    assert_eq!(text, r#"{"Wizard": {"mana": 7}}"#);
    let m: indexmap::IndexMap<String, f64> =
        from_value(miniscript::ms_map! { "z" => 1, "a" => 2, "m" => 3 }).unwrap();
    assert_eq!(m.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
    // A script's map read into a struct, with a clear error on a wrong type.
    let (mut interp, _out, _err) = quiet();
    interp
        .run_source(
            "",
            "i = {\"name\": \"axe\", \"weight\": 2}\nbad = {\"name\": 1}",
        )
        .unwrap();
    let item: Item = from_value(interp.global("i").unwrap()).unwrap();
    assert_eq!(
        item,
        Item {
            name: "axe".into(),
            weight: 2.0
        }
    );
    let e = from_value::<Item>(interp.global("bad").unwrap()).unwrap_err();
    assert!(e.message.contains("expected a string"), "{e}");
}

#[test]
fn conversions_builders_and_typed_arguments() {
    let (mut interp, out, _err) = quiet();
    let hero = MapBuilder::new().set("name", "Ada").set("hp", 12).build();
    interp.set_global("hero", hero);
    let mut scores = HashMap::new();
    scores.insert("a", 1);
    interp.set_global("scores", Value::from(scores));
    interp.set_global("list", Value::from(vec![1.5, 2.5]));
    interp
        .register_fn(
            "heal",
            &["who", "amount"],
            |who: Value, amount: f64| -> f64 {
                who.get("hp").and_then(|v| v.as_num()).unwrap_or(0.0) + amount
            },
        )
        .unwrap();
    interp
        .run_source("", "print heal(hero, 3)\nprint scores.a + list[1]")
        .unwrap();
    assert_eq!(out.take(), "15\n3.5\n");
    let e = interp.run_source("", "heal hero, \"lots\"").unwrap_err();
    assert_eq!(
        e.message,
        "heal: argument amount: expected a number, got a string"
    );
    let e = interp.call::<String>("heal", (Value::Null, 1)).unwrap_err();
    assert_eq!(e.message, "result of heal: expected a string, got a number");
    let m = HashMap::<String, f64>::try_from(interp.global("scores").unwrap()).unwrap();
    assert_eq!(m["a"], 1.0);
    assert!(f64::try_from(Value::from("x")).is_err());
}

#[test]
fn errors_are_reported_once_when_the_host_prints_them() {
    let (mut interp, _out, err) = quiet();
    interp.set_report_errors(false);
    let e = interp.run_source("t.ms", "x = 1\ny = x + z").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Runtime Error: Undefined Identifier: 'z' is unknown in this context [t.ms line 2]"
    );
    assert_eq!(err.contents(), "");
    interp.set_report_errors(true);
    assert!(interp.run_source("t.ms", "y = z").is_err());
    assert_eq!(
        err.take(),
        "Runtime Error: Undefined Identifier: 'z' is unknown in this context [t.ms line 1]\n"
    );
}

#[test]
fn the_builder_turns_the_jit_on() {
    let mut interp = Interpreter::builder()
        .jit(Mode::Sync)
        .jit_option("jit-hot-loop", "1")
        .build()
        .unwrap();
    interp
        .run_source(
            "",
            "s = 0\nfor i in range(1, 20000)\n  s = s + i * 0.5\nend for",
        )
        .unwrap();
    assert_eq!(interp.global_as::<f64>("s").unwrap(), 100005000.0);
    assert!(interp.vm().region_counters().iter().any(|c| c.native > 0));
    interp.finish_tier();
    // A bad option value is an error from build.
    let e = Interpreter::builder()
        .jit_option("jit-hot-count", "lots")
        .build()
        .err()
        .unwrap();
    assert!(e.message.contains("jit-hot-count"), "{e}");
}

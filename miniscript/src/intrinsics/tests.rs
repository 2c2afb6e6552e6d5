//! Tests of the intrinsics, called directly as Rust functions with defaults filled in
//! the way the interpreter fills them.

// `&[x.clone()]` reads better than `std::slice::from_ref(&x)` in argument lists.
#![allow(clippy::cloned_ref_to_slice_refs)]

use std::rc::Rc;
use std::time::Instant;

use crate::error::MsResult;
use crate::format::{to_repr, to_str};
use crate::interp::{StringSink, Vm};
use crate::value::{new_map, StrKey, Value};

fn vm() -> (Vm, StringSink) {
    let out = StringSink::default();
    (Vm::new(Box::new(out.clone())), out)
}

/// Calls intrinsic `name` with `args`, filling the declared defaults.
fn call(vm: &mut Vm, name: &str, args: &[Value]) -> MsResult<Value> {
    let Some(intr) = vm.intrinsics.iter().find(|i| &*i.name == name).cloned() else {
        panic!("no intrinsic {name}");
    };
    assert!(args.len() <= intr.params.len(), "too many args for {name}");
    let mut argv: Vec<Value> = intr.params.iter().map(|p| p.default.clone()).collect();
    argv[..args.len()].clone_from_slice(args);
    (intr.f)(vm, &mut argv)
}

/// The result in code form, or `ERR message`.
fn r(vm: &mut Vm, name: &str, args: &[Value]) -> String {
    match call(vm, name, args) {
        Ok(v) => to_repr(&v),
        Err(e) => format!("ERR {}", e.message),
    }
}

fn n(x: f64) -> Value {
    Value::Num(x)
}
fn s(x: &str) -> Value {
    Value::str(x)
}
fn nums(v: &[f64]) -> Value {
    Value::list(v.iter().map(|x| n(*x)).collect())
}
fn map_of(pairs: Vec<(Value, Value)>) -> Value {
    let mut m = new_map();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Value::map(m)
}
const NULL: Value = Value::Null;

mod seq;

#[test]
fn signatures_as_print_shows_them() {
    let (vm, _) = vm();
    let expected = "abs FUNCTION(x=0)|acos FUNCTION(x=0)|asin FUNCTION(x=0)|\
        atan FUNCTION(y=0, x=1)|bitAnd FUNCTION(i=0, j=0)|bitOr FUNCTION(i=0, j=0)|\
        bitXor FUNCTION(i=0, j=0)|char FUNCTION(codePoint=65)|ceil FUNCTION(x=0)|\
        code FUNCTION(self)|cos FUNCTION(radians=0)|floor FUNCTION(x=0)|funcRef FUNCTION()|\
        hash FUNCTION(obj)|hasIndex FUNCTION(self, index)|indexes FUNCTION(self)|\
        indexOf FUNCTION(self, value, after)|insert FUNCTION(self, index, value)|\
        intrinsics FUNCTION()|join FUNCTION(self, delimiter=\" \")|len FUNCTION(self)|\
        list FUNCTION()|log FUNCTION(x=0, base=10)|lower FUNCTION(self)|map FUNCTION()|\
        number FUNCTION()|pi FUNCTION()|print FUNCTION(s=\"\", delimiter)|pop FUNCTION(self)|\
        pull FUNCTION(self)|push FUNCTION(self, value)|range FUNCTION(from=0, to=0, step)|\
        refEquals FUNCTION(a, b)|remove FUNCTION(self, k)|\
        replace FUNCTION(self, oldval, newval, maxCount)|\
        round FUNCTION(x=0, decimalPlaces=0)|rnd FUNCTION(seed)|sign FUNCTION(x=0)|\
        sin FUNCTION(radians=0)|slice FUNCTION(seq, from=0, to)|\
        sort FUNCTION(self, byKey, ascending=1)|\
        split FUNCTION(self, delimiter=\" \", maxCount=-1)|sqrt FUNCTION(x=0)|\
        stackTrace FUNCTION()|str FUNCTION(x=\"\")|string FUNCTION()|shuffle FUNCTION(self)|\
        sum FUNCTION(self)|tan FUNCTION(radians=0)|time FUNCTION()|upper FUNCTION(self)|\
        val FUNCTION(self=0)|values FUNCTION(self)|version FUNCTION()|\
        wait FUNCTION(seconds=1)|yield FUNCTION()";
    let got: Vec<String> = vm
        .intrinsics_map
        .borrow()
        .iter()
        .map(|(k, v)| format!("{} {}", to_str(k), to_str(v)))
        .collect();
    assert_eq!(got.join("|"), expected);
    assert_eq!(got.len(), 56);
    assert_eq!(vm.intrinsics.len(), 56);
}

#[test]
fn type_maps() {
    let (mut vm, _) = vm();
    assert_eq!(vm.types.list.borrow().len(), 15);
    assert_eq!(vm.types.string.borrow().len(), 13);
    assert_eq!(vm.types.map.borrow().len(), 12);
    assert_eq!(vm.types.number.borrow().len(), 0);
    assert_eq!(vm.types.funcref.borrow().len(), 0);
    let method = vm
        .types
        .string
        .borrow()
        .get(&StrKey("len"))
        .cloned()
        .unwrap();
    let global = vm
        .intrinsics_map
        .borrow()
        .get(&StrKey("len"))
        .cloned()
        .unwrap();
    assert!(method.equals(&global));
    assert!(vm.types.map.borrow().get(&StrKey("join")).is_none());
    for (name, m) in [
        ("list", vm.types.list.clone()),
        ("funcRef", vm.types.funcref.clone()),
    ] {
        match call(&mut vm, name, &[]).unwrap() {
            Value::Map(got) => assert!(Rc::ptr_eq(&got, &m)),
            _ => panic!("{name} is not a map"),
        }
    }
    match call(&mut vm, "intrinsics", &[]).unwrap() {
        Value::Map(got) => assert!(Rc::ptr_eq(&got, &vm.intrinsics_map)),
        _ => panic!("intrinsics is not a map"),
    }
}

#[test]
fn math() {
    let (mut vm, _) = vm();
    assert_eq!(r(&mut vm, "abs", &[n(-3.5)]), "3.5");
    assert_eq!(r(&mut vm, "abs", &[s("x")]), "0");
    assert_eq!(r(&mut vm, "acos", &[n(0.5)]), "1.047198");
    assert_eq!(r(&mut vm, "atan", &[n(0.5)]), "0.463648");
    assert_eq!(r(&mut vm, "atan", &[n(1.0), n(-1.0)]), "2.356194");
    assert_eq!(r(&mut vm, "ceil", &[n(41.2)]), "42");
    assert_eq!(r(&mut vm, "floor", &[n(-41.2)]), "-42");
    assert_eq!(r(&mut vm, "sqrt", &[n(1764.0)]), "42");
    assert_eq!(r(&mut vm, "sqrt", &[n(-1.0)]), "NaN");
    assert_eq!(r(&mut vm, "pi", &[]), "3.141593");
    assert_eq!(r(&mut vm, "log", &[n(100.0)]), "2");
    assert_eq!(r(&mut vm, "log", &[n(2048.0), n(2.0)]), "11");
    assert_eq!(r(&mut vm, "log", &[n(50.0), n(5.0)]), "2.430677");
    // A base within 1e-6 of 2.718282 means the natural log.
    let near_e = std::f64::consts::E + 5e-7;
    assert_eq!(r(&mut vm, "log", &[n(std::f64::consts::E), n(near_e)]), "1");
    assert_eq!(r(&mut vm, "log", &[]), "-Infinity");
    assert_eq!(r(&mut vm, "sign", &[n(-42.6)]), "-1");
    assert_eq!(r(&mut vm, "sign", &[n(0.0)]), "0");
    assert_eq!(r(&mut vm, "sign", &[n(0.001)]), "1");
    assert_eq!(r(&mut vm, "cos", &[]), "1");
    assert_eq!(r(&mut vm, "tan", &[n(1.0)]), "1.557408");
}

#[test]
fn rounding() {
    let (mut vm, _) = vm();
    assert_eq!(r(&mut vm, "round", &[n(2.5)]), "2");
    assert_eq!(r(&mut vm, "round", &[n(3.5)]), "4");
    assert_eq!(r(&mut vm, "round", &[n(-2.5)]), "-2");
    assert_eq!(r(&mut vm, "round", &[n(2.6)]), "3");
    assert_eq!(
        r(&mut vm, "round", &[n(std::f64::consts::PI), n(2.0)]),
        "3.14"
    );
    assert_eq!(r(&mut vm, "round", &[n(12345.0), n(-3.0)]), "12000");
    assert_eq!(r(&mut vm, "round", &[n(15000.0), n(-4.0)]), "20000");
    assert_eq!(r(&mut vm, "round", &[n(0.123456789), n(40.0)]), "0.123457");
    assert_eq!(
        r(&mut vm, "round", &[n(1e17 + 16.0), n(2.0)]),
        "100000000000000016"
    );
    assert_eq!(r(&mut vm, "round", &[n(5.0), n(-1000.0)]), "NaN");
}

#[test]
fn bitwise() {
    let (mut vm, _) = vm();
    let b = |vm: &mut Vm, f: &str, i: f64, j: f64| r(vm, f, &[n(i), n(j)]);
    assert_eq!(b(&mut vm, "bitAnd", 14.0, 7.0), "6");
    assert_eq!(b(&mut vm, "bitOr", 14.0, 7.0), "15");
    assert_eq!(b(&mut vm, "bitXor", 14.0, 7.0), "9");
    assert_eq!(
        b(&mut vm, "bitAnd", 1099511627774.0, 962072674207.0),
        "962072674206"
    );
    assert_eq!(b(&mut vm, "bitAnd", -224883.0, 222678.0), "222290");
    assert_eq!(b(&mut vm, "bitAnd", -224883.0, -222678.0), "-222290");
    assert_eq!(
        b(&mut vm, "bitOr", 17592186044414.0, 87960930222009.0),
        "87960930222079"
    );
    assert_eq!(b(&mut vm, "bitOr", -12345.0, 54321.0), "-62521");
    assert_eq!(
        b(&mut vm, "bitXor", 192763993632181.0, 168643457158587.0),
        "59579786731534"
    );
    assert_eq!(
        b(&mut vm, "bitXor", -23453455467.0, -76598387347.0),
        "88591169272"
    );
    assert_eq!(b(&mut vm, "bitAnd", f64::NAN, 1e300), "0");
}

#[test]
fn random() {
    let (mut vm, _) = vm();
    for _ in 0..1000 {
        let x = call(&mut vm, "rnd", &[]).unwrap().num_or_zero();
        assert!((0.0..1.0).contains(&x));
    }
    let a = call(&mut vm, "rnd", &[n(42.0)]).unwrap().num_or_zero();
    let a2 = call(&mut vm, "rnd", &[]).unwrap().num_or_zero();
    let b = call(&mut vm, "rnd", &[n(42.0)]).unwrap().num_or_zero();
    let b2 = call(&mut vm, "rnd", &[]).unwrap().num_or_zero();
    assert_eq!((a, a2), (b, b2));
    assert_ne!(a, a2);
    let c = call(&mut vm, "rnd", &[n(43.0)]).unwrap().num_or_zero();
    assert_ne!(a, c);
}

#[test]
fn char_code_case() {
    let (mut vm, _) = vm();
    assert_eq!(r(&mut vm, "char", &[]), "\"A\"");
    assert_eq!(r(&mut vm, "char", &[n(42.0)]), "\"*\"");
    assert_eq!(r(&mut vm, "char", &[n(233.9)]), "\"é\"");
    assert_eq!(r(&mut vm, "char", &[n(0x1F600 as f64)]), "\"😀\"");
    assert_eq!(r(&mut vm, "char", &[n(-1.0)]), "\"\"");
    assert_eq!(r(&mut vm, "char", &[n(f64::NAN)]), "\"\"");
    assert_eq!(r(&mut vm, "char", &[n(0x200000 as f64)]), "\"\"");
    assert_eq!(r(&mut vm, "char", &[n(0xD800 as f64)]), "\"\u{fffd}\"");
    assert_eq!(r(&mut vm, "code", &[s("*")]), "42");
    assert_eq!(r(&mut vm, "code", &[s("😀x")]), "128512");
    assert_eq!(r(&mut vm, "code", &[NULL]), "0");
    assert_eq!(r(&mut vm, "code", &[s("")]), "0");
    assert_eq!(r(&mut vm, "code", &[n(65.0)]), "54");
    assert_eq!(r(&mut vm, "upper", &[s("Mo Spam é")]), "\"MO SPAM É\"");
    assert_eq!(r(&mut vm, "lower", &[s("Mo Spam")]), "\"mo spam\"");
    assert_eq!(r(&mut vm, "lower", &[n(5.0)]), "5");
    assert_eq!(r(&mut vm, "upper", &[NULL]), "null");
}

#[test]
fn str_and_val() {
    let (mut vm, _) = vm();
    assert_eq!(r(&mut vm, "str", &[]), "\"\"");
    assert_eq!(r(&mut vm, "str", &[NULL]), "\"\"");
    assert_eq!(r(&mut vm, "str", &[n(42.0)]), "\"42\"");
    assert_eq!(
        r(&mut vm, "str", &[Value::list(vec![n(1.0), s("a")])]),
        "\"[1, \"\"a\"\"]\""
    );
    let v = |vm: &mut Vm, t: &str| r(vm, "val", &[s(t)]);
    assert_eq!(v(&mut vm, "40.2"), "40.2");
    assert_eq!(v(&mut vm, " 12 "), "12");
    assert_eq!(v(&mut vm, "-1.5e3"), "-1500");
    assert_eq!(v(&mut vm, "1,000"), "1000");
    assert_eq!(v(&mut vm, ".5"), "0.5");
    assert_eq!(v(&mut vm, "5."), "5");
    assert_eq!(v(&mut vm, "(5)"), "-5");
    assert_eq!(v(&mut vm, "5-"), "-5");
    assert_eq!(v(&mut vm, "+7"), "7");
    assert_eq!(v(&mut vm, "Infinity"), "Infinity");
    assert_eq!(v(&mut vm, "-infinity"), "-Infinity");
    assert_eq!(v(&mut vm, "NaN"), "NaN");
    for bad in [
        "12abc", "", "-", "1e", ".", ",5", "1.2.3", "0x10", "--5", "(-5)", "inf",
    ] {
        assert_eq!(v(&mut vm, bad), "0", "val({bad:?})");
    }
    assert_eq!(r(&mut vm, "val", &[]), "0");
    assert_eq!(r(&mut vm, "val", &[n(3.5)]), "3.5");
    assert_eq!(r(&mut vm, "val", &[nums(&[1.0])]), "null");
    assert_eq!(r(&mut vm, "val", &[NULL]), "null");
}

#[test]
fn split_and_join() {
    let (mut vm, _) = vm();
    let sp = |vm: &mut Vm, a: &[Value]| r(vm, "split", a);
    assert_eq!(
        sp(&mut vm, &[s("Eat, pray, love"), s(", ")]),
        "[\"Eat\", \"pray\", \"love\"]"
    );
    assert_eq!(
        sp(&mut vm, &[s("...foo...bar..."), s("...")]),
        "[\"\", \"foo\", \"bar\", \"\"]"
    );
    assert_eq!(
        sp(&mut vm, &[s("Eat, pray, love"), s(", "), n(2.0)]),
        "[\"Eat\", \"pray, love\"]"
    );
    assert_eq!(
        sp(&mut vm, &[s("foo=bar=baz=bamf"), s("="), n(3.0)]),
        "[\"foo\", \"bar\", \"baz=bamf\"]"
    );
    assert_eq!(
        sp(&mut vm, &[s("Hello"), s(""), n(3.0)]),
        "[\"H\", \"e\", \"llo\"]"
    );
    assert_eq!(sp(&mut vm, &[s("a b  c")]), "[\"a\", \"b\", \"\", \"c\"]");
    assert_eq!(sp(&mut vm, &[s("")]), "[]");
    assert_eq!(sp(&mut vm, &[s("héé"), s("")]), "[\"h\", \"é\", \"é\"]");
    assert_eq!(sp(&mut vm, &[s("aéb"), s("é")]), "[\"a\", \"b\"]");
    assert_eq!(sp(&mut vm, &[s("a b"), s(" "), n(1.0)]), "[\"a b\"]");
    assert_eq!(sp(&mut vm, &[s("a b"), s(" "), n(0.0)]), "[\"a\", \"b\"]");
    assert_eq!(sp(&mut vm, &[n(1.5), s(".")]), "[\"1\", \"5\"]");
    let range = call(&mut vm, "range", &[n(1.0), n(5.0)]).unwrap();
    assert_eq!(r(&mut vm, "join", &[range]), "\"1 2 3 4 5\"");
    assert_eq!(r(&mut vm, "join", &[Value::list(vec![]), s("<>")]), "\"\"");
    let mixed = Value::list(vec![n(1.0), NULL, s("a"), nums(&[2.0])]);
    assert_eq!(r(&mut vm, "join", &[mixed, s(",")]), "\"1,,a,[2]\"");
    assert_eq!(r(&mut vm, "join", &[s("abc"), s(",")]), "\"abc\"");
}

#[test]
fn printing() {
    let (mut vm, out) = vm();
    call(&mut vm, "print", &[]).unwrap();
    call(&mut vm, "print", &[s("a")]).unwrap();
    call(&mut vm, "print", &[NULL]).unwrap();
    call(&mut vm, "print", &[s("b"), s("")]).unwrap();
    call(&mut vm, "print", &[Value::list(vec![s("x"), NULL]), n(7.0)]).unwrap();
    call(&mut vm, "print", &[n(0.1 + 0.2), NULL]).unwrap();
    assert_eq!(out.contents(), "\na\nnull\nb[\"x\", null]70.3\n");
}

#[test]
fn time_wait_yield() {
    let (mut vm, _) = vm();
    let t0 = call(&mut vm, "time", &[]).unwrap().num_or_zero();
    let started = Instant::now();
    call(&mut vm, "wait", &[n(0.05)]).unwrap();
    assert!(started.elapsed().as_secs_f64() >= 0.05);
    let t1 = call(&mut vm, "time", &[]).unwrap().num_or_zero();
    assert!(t1 - t0 >= 0.05);
    for bad in [-1.0, f64::NAN, 0.0] {
        let started = Instant::now();
        call(&mut vm, "wait", &[n(bad)]).unwrap();
        assert!(started.elapsed().as_secs_f64() < 0.5);
    }
    vm.attention.raise(crate::interp::attention::INTERRUPT);
    let started = Instant::now();
    assert_eq!(r(&mut vm, "wait", &[n(1e300)]), "null");
    assert!(started.elapsed().as_secs_f64() < 0.5);
    assert!(!vm.yield_requested);
    call(&mut vm, "yield", &[]).unwrap();
    assert!(vm.yield_requested);
}

#[test]
fn identity_and_hash() {
    let (mut vm, _) = vm();
    let h = |vm: &mut Vm, v: Value| call(vm, "hash", &[v]).unwrap().num_or_zero();
    let a = nums(&[1.0, 2.0, 3.0]);
    let b = nums(&[1.0, 2.0, 3.0]);
    assert_eq!(h(&mut vm, a.clone()), h(&mut vm, b.clone()));
    assert_eq!(h(&mut vm, n(1.0)), h(&mut vm, n(1.0)));
    assert_ne!(h(&mut vm, n(1.0)), h(&mut vm, s("1")));
    let x = h(&mut vm, s("abc"));
    assert_eq!(x, x.trunc());
    assert_eq!(r(&mut vm, "refEquals", &[a.clone(), b.clone()]), "0");
    assert_eq!(r(&mut vm, "refEquals", &[a.clone(), a.clone()]), "1");
    assert_eq!(r(&mut vm, "refEquals", &[NULL, NULL]), "1");
    assert_eq!(r(&mut vm, "refEquals", &[NULL, n(0.0)]), "0");
    assert_eq!(r(&mut vm, "refEquals", &[n(2.0), n(2.0)]), "1");
    assert_eq!(r(&mut vm, "refEquals", &[n(2.0), s("2")]), "0");
    let m1 = map_of(vec![]);
    assert_eq!(r(&mut vm, "refEquals", &[m1.clone(), map_of(vec![])]), "0");
    assert_eq!(r(&mut vm, "refEquals", &[m1.clone(), m1]), "1");
    let f = vm
        .intrinsics_map
        .borrow()
        .get(&StrKey("rnd"))
        .cloned()
        .unwrap();
    assert_eq!(r(&mut vm, "refEquals", &[f.clone(), f]), "1");
}

#[test]
fn introspection() {
    let (mut vm, _) = vm();
    let v = call(&mut vm, "version", &[]).unwrap();
    let Value::Map(m) = &v else {
        panic!("version is not a map")
    };
    let keys: Vec<String> = m.borrow().keys().map(to_str).collect();
    assert_eq!(
        keys,
        ["miniscript", "buildDate", "host", "hostName", "hostInfo"]
    );
    assert_eq!(to_str(&m.borrow()[&StrKey("miniscript")]), "1.6.2");
    assert_eq!(to_str(&m.borrow()[&StrKey("hostName")]), "miniscript-rs");
    assert!(matches!(m.borrow()[&StrKey("host")], Value::Num(_)));
    let expected: Vec<String> = vm
        .stack_trace_lines()
        .iter()
        .map(|l| format!("(current program) line {l}"))
        .collect();
    let got = call(&mut vm, "stackTrace", &[]).unwrap();
    let Value::List(l) = &got else {
        panic!("stackTrace is not a list")
    };
    assert_eq!(l.borrow().iter().map(to_str).collect::<Vec<_>>(), expected);
}

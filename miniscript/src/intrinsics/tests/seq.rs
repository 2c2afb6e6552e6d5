//! Tests of the sequence intrinsics (strings, lists, maps), sorting and `range`.

use super::*;

#[test]
fn len_has_index_indexes_values() {
    let (mut vm, _) = vm();
    assert_eq!(r(&mut vm, "len", &[s("héllo")]), "5");
    assert_eq!(r(&mut vm, "len", &[nums(&[1.0, 2.0])]), "2");
    assert_eq!(r(&mut vm, "len", &[map_of(vec![(n(1.0), NULL)])]), "1");
    assert_eq!(r(&mut vm, "len", &[n(5.0)]), "null");
    assert_eq!(r(&mut vm, "len", &[NULL]), "null");
    let hi = |vm: &mut Vm, a: Value, i: Value| r(vm, "hasIndex", &[a, i]);
    assert_eq!(hi(&mut vm, s("abcde"), n(4.0)), "1");
    assert_eq!(hi(&mut vm, s("abcde"), n(5.0)), "0");
    assert_eq!(hi(&mut vm, s("abcde"), n(-5.0)), "1");
    assert_eq!(hi(&mut vm, s("abcde"), n(-6.0)), "0");
    assert_eq!(hi(&mut vm, s("héllo"), n(4.9)), "1");
    assert_eq!(hi(&mut vm, nums(&[2.0, 4.0]), s("X")), "0");
    assert_eq!(hi(&mut vm, nums(&[2.0, 4.0]), NULL), "0");
    let d = map_of(vec![(n(1.0), s("one")), (NULL, n(2.0))]);
    assert_eq!(hi(&mut vm, d.clone(), n(1.0)), "1");
    assert_eq!(hi(&mut vm, d.clone(), NULL), "1");
    assert_eq!(hi(&mut vm, d.clone(), s("x")), "0");
    assert_eq!(hi(&mut vm, n(5.0), n(0.0)), "null");
    assert_eq!(r(&mut vm, "indexes", &[s("héy")]), "[0, 1, 2]");
    assert_eq!(r(&mut vm, "indexes", &[d.clone()]), "[1, null]");
    assert_eq!(r(&mut vm, "indexes", &[n(1.0)]), "null");
    assert_eq!(r(&mut vm, "values", &[d]), "[\"one\", 2]");
    assert_eq!(r(&mut vm, "values", &[s("Hé")]), "[\"H\", \"é\"]");
    let l = nums(&[1.0]);
    let same = call(&mut vm, "values", &[l.clone()]).unwrap();
    assert_eq!(same.ref_ptr(), l.ref_ptr());
    assert_eq!(r(&mut vm, "values", &[n(3.0)]), "3");
}

#[test]
fn index_of() {
    let (mut vm, _) = vm();
    let io = |vm: &mut Vm, a: &[Value]| r(vm, "indexOf", a);
    let hw = s("hello world");
    assert_eq!(io(&mut vm, &[s("abcde"), s("cd")]), "2");
    assert_eq!(io(&mut vm, &[s("abcde"), s("xy")]), "null");
    assert_eq!(io(&mut vm, &[hw.clone(), s("h"), n(-1.0)]), "0");
    assert_eq!(io(&mut vm, &[hw.clone(), s("o")]), "4");
    assert_eq!(io(&mut vm, &[hw.clone(), s("o"), n(4.0)]), "7");
    assert_eq!(io(&mut vm, &[hw.clone(), s("o"), n(7.0)]), "null");
    assert_eq!(io(&mut vm, &[hw.clone(), s("l"), n(-3.0)]), "9");
    assert_eq!(io(&mut vm, &[hw, NULL]), "null");
    assert_eq!(io(&mut vm, &[s("héllo wörld"), s("ö")]), "7");
    assert_eq!(io(&mut vm, &[s("éaéa"), s("a"), n(1.0)]), "3");
    assert_eq!(io(&mut vm, &[s("a1"), n(1.0)]), "1");
    let l = nums(&[2.0, 4.0, 6.0, 4.0, 2.0]);
    assert_eq!(io(&mut vm, &[l.clone(), n(6.0)]), "2");
    assert_eq!(io(&mut vm, &[l.clone(), n(5.0)]), "null");
    assert_eq!(io(&mut vm, &[l.clone(), n(2.0), n(-1.0)]), "0");
    assert_eq!(io(&mut vm, &[l.clone(), n(2.0), n(0.0)]), "4");
    assert_eq!(io(&mut vm, &[l.clone(), s("X"), n(0.0)]), "null");
    assert_eq!(io(&mut vm, &[l.clone(), n(2.0), n(-2.0)]), "4");
    assert_eq!(io(&mut vm, &[l.clone(), n(2.0), n(4.0)]), "null");
    assert_eq!(io(&mut vm, &[Value::list(vec![n(1.0), NULL]), NULL]), "1");
    let d = map_of(vec![
        (n(1.0), s("one")),
        (n(2.0), s("two")),
        (s("foo"), n(42.0)),
        (s("bar"), n(42.0)),
    ]);
    assert_eq!(io(&mut vm, &[d.clone(), s("two")]), "2");
    assert_eq!(io(&mut vm, &[d.clone(), n(42.0)]), "\"foo\"");
    assert_eq!(io(&mut vm, &[d.clone(), n(42.0), s("foo")]), "\"bar\"");
    assert_eq!(io(&mut vm, &[d.clone(), n(42.0), s("bar")]), "null");
    assert_eq!(io(&mut vm, &[d, n(999.0)]), "null");
    assert_eq!(io(&mut vm, &[n(5.0), n(5.0)]), "null");
}

#[test]
fn insert() {
    let (mut vm, _) = vm();
    let ins = |vm: &mut Vm, a: &[Value]| r(vm, "insert", a);
    let hb = s("Hello Bob!");
    assert_eq!(
        ins(&mut vm, &[hb.clone(), n(5.0), s(" there,")]),
        "\"Hello there, Bob!\""
    );
    assert_eq!(
        ins(&mut vm, &[hb.clone(), n(-2.0), s("?")]),
        "\"Hello Bob?!\""
    );
    assert_eq!(ins(&mut vm, &[s("héllo"), n(2.0), n(42.0)]), "\"hé42llo\"");
    let l = nums(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    ins(&mut vm, &[l.clone(), n(1.0), s("A")]);
    let back = ins(&mut vm, &[l.clone(), n(-2.0), s("B")]);
    assert_eq!(back, "[1, \"A\", 2, 3, 4, \"B\", 5]");
    assert_eq!(to_repr(&l), back);
    let l = nums(&[1.0, 2.0]);
    ins(&mut vm, &[l.clone(), n(0.0), s("C")]);
    assert_eq!(
        ins(&mut vm, &[l.clone(), n(-1.0), s("D")]),
        "[\"C\", 1, 2, \"D\"]"
    );
    assert_eq!(
        ins(&mut vm, &[l.clone(), NULL, n(1.0)]),
        "ERR insert: index argument required"
    );
    assert_eq!(
        ins(&mut vm, &[l.clone(), s("0"), n(1.0)]),
        "ERR insert: number required for index argument"
    );
    assert_eq!(
        ins(&mut vm, &[l.clone(), n(7.0), n(1.0)]),
        "ERR Index Error: index (7) out of range (0 to 4)"
    );
    assert_eq!(
        ins(&mut vm, &[l, n(-7.0), n(1.0)]),
        "ERR Index Error: index (-2) out of range (0 to 4)"
    );
    assert_eq!(
        ins(&mut vm, &[s("ab"), n(3.0), n(1.0)]),
        "ERR Index Error: index (3) out of range (0 to 2)"
    );
    assert_eq!(
        ins(&mut vm, &[map_of(vec![]), n(0.0), n(1.0)]),
        "ERR insert called on invalid type"
    );
}

#[test]
fn remove() {
    let (mut vm, _) = vm();
    let rm = |vm: &mut Vm, a: &[Value]| r(vm, "remove", a);
    assert_eq!(rm(&mut vm, &[s("Hello Bob!"), s("ell")]), "\"Ho Bob!\"");
    assert_eq!(rm(&mut vm, &[s("Hello Bob!"), s(" Bob")]), "\"Hello!\"");
    assert_eq!(rm(&mut vm, &[s("abc"), s("x")]), "\"abc\"");
    assert_eq!(rm(&mut vm, &[s("aéb"), s("é")]), "\"ab\"");
    assert_eq!(rm(&mut vm, &[s("a1b1"), n(1.0)]), "\"ab1\"");
    let l = nums(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(rm(&mut vm, &[l.clone(), n(-2.0)]), "null");
    assert_eq!(to_repr(&l), "[1, 2, 3, 5]");
    assert_eq!(
        rm(&mut vm, &[l.clone(), n(4.0)]),
        "ERR Index Error: index (4) out of range (0 to 3)"
    );
    assert_eq!(
        rm(&mut vm, &[l.clone(), NULL]),
        "ERR argument to 'remove' must not be null"
    );
    assert_eq!(
        rm(&mut vm, &[s("x"), NULL]),
        "ERR argument to 'remove' must not be null"
    );
    let d = map_of(vec![
        (n(1.0), s("one")),
        (s("foo"), s("bar")),
        (n(3.0), n(3.0)),
    ]);
    assert_eq!(rm(&mut vm, &[d.clone(), s("no such key")]), "0");
    assert_eq!(rm(&mut vm, &[d.clone(), n(1.0)]), "1");
    assert_eq!(to_repr(&d), "{\"foo\": \"bar\", 3: 3}");
    assert_eq!(rm(&mut vm, &[d, NULL]), "0");
    assert_eq!(
        rm(&mut vm, &[n(1.0), n(1.0)]),
        "ERR Type Error: 'remove' requires map, list, or string"
    );
}

#[test]
fn replace() {
    let (mut vm, _) = vm();
    let rp = |vm: &mut Vm, a: &[Value]| r(vm, "replace", a);
    assert_eq!(
        rp(&mut vm, &[s("Hello Bob!"), s("o"), s("oo")]),
        "\"Helloo Boob!\""
    );
    assert_eq!(
        rp(&mut vm, &[s("Mello Yellow"), s("ell"), s("ipp")]),
        "\"Mippo Yippow\""
    );
    assert_eq!(
        rp(&mut vm, &[s("Mello Yellow"), s("ell"), s("ipp"), n(1.0)]),
        "\"Mippo Yellow\""
    );
    assert_eq!(rp(&mut vm, &[s(""), s("x"), s("y")]), "\"\"");
    assert_eq!(rp(&mut vm, &[s("aaa"), s("a"), s("aa")]), "\"aaaaaa\"");
    assert_eq!(rp(&mut vm, &[s("aéa"), s("é"), NULL]), "\"aa\"");
    assert_eq!(rp(&mut vm, &[s("abc"), s("b"), s("x"), n(0.0)]), "\"abc\"");
    assert_eq!(
        rp(&mut vm, &[s("abc"), s(""), s("x")]),
        "ERR replace: oldval argument is empty"
    );
    assert_eq!(
        rp(&mut vm, &[s("abc"), NULL, s("x")]),
        "ERR replace: oldval argument is empty"
    );
    assert_eq!(
        rp(&mut vm, &[NULL, s("a"), s("x")]),
        "ERR argument to 'replace' must not be null"
    );
    assert_eq!(
        rp(&mut vm, &[n(1.0), n(1.0), n(2.0)]),
        "ERR Type Error: 'replace' requires map, list, or string"
    );
    let l = Value::list(vec![n(1.0), n(2.0), n(5.0), n(2.0), s("foo"), n(2.0), NULL]);
    rp(&mut vm, &[l.clone(), n(2.0), n(22.0)]);
    assert_eq!(to_repr(&l), "[1, 22, 5, 22, \"foo\", 22, null]");
    assert_eq!(
        rp(&mut vm, &[l.clone(), n(22.0), n(3.0), n(2.0)]),
        "[1, 3, 5, 3, \"foo\", 22, null]"
    );
    assert_eq!(
        rp(&mut vm, &[l.clone(), NULL, s("n")]),
        "[1, 3, 5, 3, \"foo\", 22, \"n\"]"
    );
    let d = map_of(vec![
        (n(1.0), s("one")),
        (n(2.0), s("two")),
        (s("foo"), s("two")),
    ]);
    assert_eq!(
        rp(&mut vm, &[d.clone(), s("two"), s("ni"), n(1.0)]),
        "{1: \"one\", 2: \"ni\", \"foo\": \"two\"}"
    );
    rp(&mut vm, &[d.clone(), s("two"), s("ni")]);
    assert_eq!(to_repr(&d), "{1: \"one\", 2: \"ni\", \"foo\": \"ni\"}");
    // A list holding itself is compared without a borrow conflict.
    let me = nums(&[1.0]);
    if let Value::List(x) = &me {
        x.borrow_mut().push(me.clone());
    }
    rp(&mut vm, &[me.clone(), me.clone(), n(0.0)]);
    assert_eq!(to_repr(&me), "[1, 0]");
}

#[test]
fn slicing() {
    let (mut vm, _) = vm();
    let l = nums(&[0.0, 10.0, 20.0, 30.0]);
    let sl = |vm: &mut Vm, a: &[Value]| r(vm, "slice", a);
    assert_eq!(sl(&mut vm, &[l.clone(), n(1.0), n(-1.0)]), "[10, 20]");
    assert_eq!(sl(&mut vm, &[l.clone()]), "[0, 10, 20, 30]");
    assert_eq!(sl(&mut vm, &[l.clone(), n(-2.0)]), "[20, 30]");
    assert_eq!(sl(&mut vm, &[l.clone(), n(-10.0), n(2.0)]), "[0, 10]");
    assert_eq!(sl(&mut vm, &[l.clone(), n(3.0), n(1.0)]), "[]");
    assert_eq!(sl(&mut vm, &[l.clone(), n(9.0), n(99.0)]), "[]");
    assert_eq!(sl(&mut vm, &[l.clone(), n(1.9), n(2.9)]), "[10]");
    let copy = call(&mut vm, "slice", &[l.clone()]).unwrap();
    assert_ne!(copy.ref_ptr(), l.ref_ptr());
    assert_eq!(sl(&mut vm, &[s("Hello"), n(-2.0)]), "\"lo\"");
    assert_eq!(sl(&mut vm, &[s("héllo"), n(1.0), n(3.0)]), "\"él\"");
    assert_eq!(sl(&mut vm, &[s("abcde"), n(1.0), n(-1.0)]), "\"bcd\"");
    assert_eq!(sl(&mut vm, &[s("abc"), n(2.0), n(1.0)]), "\"\"");
    assert_eq!(sl(&mut vm, &[s("abc"), n(f64::NAN)]), "\"abc\"");
    assert_eq!(sl(&mut vm, &[n(5.0), n(1.0)]), "null");
    assert_eq!(sl(&mut vm, &[NULL]), "null");
}

#[test]
fn push_pop_pull_sum() {
    let (mut vm, _) = vm();
    let l = Value::list(vec![]);
    for i in 1..=3 {
        call(&mut vm, "push", &[l.clone(), n(i as f64)]).unwrap();
    }
    assert_eq!(to_repr(&l), "[1, 2, 3]");
    assert_eq!(r(&mut vm, "pop", &[l.clone()]), "3");
    assert_eq!(r(&mut vm, "pull", &[l.clone()]), "1");
    assert_eq!(r(&mut vm, "sum", &[l.clone()]), "2");
    assert_eq!(r(&mut vm, "pull", &[l.clone()]), "2");
    assert_eq!(r(&mut vm, "pop", &[l.clone()]), "null");
    assert_eq!(r(&mut vm, "pull", &[l]), "null");
    let d = map_of(vec![]);
    for k in ["b", "a", "b"] {
        let back = call(&mut vm, "push", &[d.clone(), s(k)]).unwrap();
        assert_eq!(back.ref_ptr(), d.ref_ptr());
    }
    assert_eq!(to_repr(&d), "{\"b\": 1, \"a\": 1}");
    assert_eq!(r(&mut vm, "sum", &[d.clone()]), "2");
    assert_eq!(r(&mut vm, "pop", &[d.clone()]), "\"b\"");
    assert_eq!(r(&mut vm, "pull", &[d.clone()]), "\"a\"");
    assert_eq!(r(&mut vm, "pop", &[d]), "null");
    assert_eq!(r(&mut vm, "push", &[n(1.0), n(1.0)]), "null");
    assert_eq!(r(&mut vm, "pop", &[s("abc")]), "null");
    assert_eq!(
        r(
            &mut vm,
            "sum",
            &[Value::list(vec![n(10.0), s("15"), NULL, n(20.0)])]
        ),
        "30"
    );
    assert_eq!(r(&mut vm, "sum", &[s("abc")]), "0");
}

#[test]
fn sorting() {
    let (mut vm, _) = vm();
    let srt = |vm: &mut Vm, a: &[Value]| r(vm, "sort", a);
    let l = nums(&[5.0, 12.0, 3.0, 45.0, 9.0]);
    assert_eq!(srt(&mut vm, &[l.clone()]), "[3, 5, 9, 12, 45]");
    assert_eq!(
        srt(&mut vm, &[l.clone(), NULL, n(0.0)]),
        "[45, 12, 9, 5, 3]"
    );
    assert_eq!(to_repr(&l), "[45, 12, 9, 5, 3]");
    let l = Value::list(vec![n(5.0), s("3"), n(42.0)]);
    assert_eq!(srt(&mut vm, &[l.clone()]), "[\"3\", 5, 42]");
    assert_eq!(srt(&mut vm, &[l, NULL, n(0.0)]), "[42, 5, \"3\"]");
    assert_eq!(
        srt(&mut vm, &[Value::list(vec![n(2.0), NULL, n(1.0)])]),
        "[1, 2, null]"
    );
    assert_eq!(
        srt(
            &mut vm,
            &[Value::list(vec![n(2.0), NULL, n(1.0)]), NULL, n(0.0)]
        ),
        "[null, 2, 1]"
    );
    assert_eq!(
        srt(&mut vm, &[Value::list(vec![s("b"), NULL, s("a")])]),
        "[\"a\", \"b\", null]"
    );
    assert_eq!(
        srt(&mut vm, &[Value::list(vec![s("b"), s("B"), s("a")])]),
        "[\"B\", \"a\", \"b\"]"
    );
    let rec = |name: &str, v: f64| map_of(vec![(s("name"), s(name)), (s("val"), n(v))]);
    let l = Value::list(vec![rec("one", 1.0), rec("two", 2.0), rec("three", 3.0)]);
    let names = |v: &Value| -> String {
        let Value::List(l) = v else {
            return String::new();
        };
        let x: Vec<String> = l
            .borrow()
            .iter()
            .map(|e| match e {
                Value::Map(m) => match crate::ops::map_lookup(m, &s("name")) {
                    Ok(Some((v, _))) => to_str(&v),
                    _ => String::new(),
                },
                other => to_str(other),
            })
            .collect();
        x.join(",")
    };
    call(&mut vm, "sort", &[l.clone(), s("name")]).unwrap();
    assert_eq!(names(&l), "one,three,two");
    call(&mut vm, "sort", &[l.clone(), s("val")]).unwrap();
    assert_eq!(names(&l), "one,two,three");
    call(&mut vm, "sort", &[l.clone(), s("name"), n(0.0)]).unwrap();
    assert_eq!(names(&l), "two,three,one");
    // Keys reached through __isa, and missing keys (null) sorting last.
    let parent = map_of(vec![(s("name"), s("m"))]);
    let child = map_of(vec![(s("__isa"), parent)]);
    let l = Value::list(vec![rec("z", 0.0), map_of(vec![]), child, rec("a", 0.0)]);
    call(&mut vm, "sort", &[l.clone(), s("name")]).unwrap();
    assert_eq!(names(&l), "a,m,z,");
    // List elements keyed by index (negative from the end); stable among equals.
    let l = Value::list(vec![
        Value::list(vec![s("x"), n(2.0)]),
        Value::list(vec![s("y"), n(1.0)]),
        Value::list(vec![s("z"), n(2.0)]),
        n(7.0),
    ]);
    call(&mut vm, "sort", &[l.clone(), n(-1.0)]).unwrap();
    assert_eq!(to_repr(&l), "[[\"y\", 1], [\"x\", 2], [\"z\", 2], 7]");
    assert_eq!(srt(&mut vm, &[s("cba")]), "\"cba\"");
    assert_eq!(srt(&mut vm, &[nums(&[1.0])]), "[1]");
}

#[test]
fn sort_survives_inconsistent_comparisons() {
    let (mut vm, _) = vm();
    let mut items = Vec::new();
    for i in 0..2000 {
        items.push(match i % 5 {
            0 => n((i * 7919 % 1000) as f64),
            1 => s(&format!("{}", i * 31 % 1000)),
            2 => nums(&[i as f64]),
            3 => n(f64::NAN),
            _ => NULL,
        });
    }
    let l = Value::list(items);
    call(&mut vm, "sort", &[l.clone()]).unwrap();
    call(&mut vm, "sort", &[l.clone(), NULL, n(0.0)]).unwrap();
    let Value::List(x) = &l else { unreachable!() };
    assert_eq!(x.borrow().len(), 2000);
    assert!(x.borrow()[..400].iter().all(Value::is_null));
}

#[test]
fn shuffling() {
    let (mut vm, _) = vm();
    let orig: Vec<f64> = (0..50).map(f64::from).collect();
    let l = nums(&orig);
    assert_eq!(r(&mut vm, "shuffle", &[l.clone()]), "null");
    assert_ne!(to_repr(&l), to_repr(&nums(&orig)));
    call(&mut vm, "sort", &[l.clone()]).unwrap();
    assert_eq!(to_repr(&l), to_repr(&nums(&orig)));
    let d = map_of((0..20).map(|i| (n(i as f64), n(i as f64))).collect());
    call(&mut vm, "shuffle", &[d.clone()]).unwrap();
    let Value::Map(m) = &d else { unreachable!() };
    let keys: Vec<String> = m.borrow().keys().map(to_str).collect();
    assert_eq!(keys, (0..20).map(|i| i.to_string()).collect::<Vec<_>>());
    let mut vals: Vec<f64> = m.borrow().values().map(Value::num_or_zero).collect();
    assert!(vals.iter().enumerate().any(|(i, v)| *v != i as f64));
    vals.sort_by(f64::total_cmp);
    assert_eq!(vals, (0..20).map(f64::from).collect::<Vec<_>>());
    assert_eq!(r(&mut vm, "shuffle", &[s("abc")]), "null");
}

#[test]
fn ranges() {
    let (mut vm, _) = vm();
    let rg = |vm: &mut Vm, a: &[f64]| r(vm, "range", &a.iter().map(|x| n(*x)).collect::<Vec<_>>());
    assert_eq!(rg(&mut vm, &[1.0, 10.0]), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
    assert_eq!(rg(&mut vm, &[10.0, 1.0]), "[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]");
    assert_eq!(rg(&mut vm, &[0.0, 10.0, 3.0]), "[0, 3, 6, 9]");
    assert_eq!(rg(&mut vm, &[10.0, 0.0, -3.0]), "[10, 7, 4, 1]");
    assert_eq!(rg(&mut vm, &[0.0]), "[0]");
    assert_eq!(rg(&mut vm, &[4.0]), "[4, 3, 2, 1, 0]");
    assert_eq!(rg(&mut vm, &[]), "[0]");
    let tenths = call(&mut vm, "range", &[n(1.0), n(2.0), n(0.1)]).unwrap();
    assert_eq!(crate::ops::seq_len(&tenths), Some(10));
    assert_eq!(rg(&mut vm, &[5.0, 3.0, 1.0]), "ERR range() error");
    assert_eq!(rg(&mut vm, &[5.0, 4.5, 1.0]), "[]");
    assert_eq!(rg(&mut vm, &[1.0, 2.0, 0.0]), "ERR range() error (step==0)");
    assert_eq!(rg(&mut vm, &[0.0, 1e8]), "ERR list too large");
    assert_eq!(rg(&mut vm, &[0.0, f64::INFINITY]), "ERR list too large");
    assert_eq!(rg(&mut vm, &[0.0, f64::NAN]), "ERR range() error");
    let stuck = call(&mut vm, "range", &[n(1e20), n(1e20 + 5000.0), n(1.0)]).unwrap();
    assert_eq!(crate::ops::seq_len(&stuck), Some(1));
    assert_eq!(r(&mut vm, "range", &[n(3.0), n(1.0), s("x")]), "[3, 2, 1]");
}

//! Tests of the operator semantics: arithmetic, comparison, `isa`, `new`, member
//! lookup, indexing and iteration, with the reference's error texts.

use super::*;
use crate::ast::CmpOp;
use crate::format::to_repr;
use crate::value::MapRef;
use std::cell::RefCell;

fn types() -> TypeMaps {
    let m = || Rc::new(RefCell::new(new_map()));
    TypeMaps {
        number: m(),
        string: m(),
        list: m(),
        map: m(),
        funcref: m(),
    }
}
fn num(x: f64) -> Value {
    Value::Num(x)
}
fn s(x: &str) -> Value {
    Value::str(x)
}
fn list(v: &[f64]) -> Value {
    Value::list(v.iter().map(|x| num(*x)).collect())
}
fn show(v: &MsResult<Value>) -> String {
    match v {
        Ok(v) => to_repr(v),
        Err(e) => format!("ERR {}", e.message),
    }
}
fn ar(op: BinOp, a: &Value, b: &Value) -> String {
    show(&arith(op, a, b))
}
fn cmp(op: CmpOp, a: &Value, b: &Value) -> String {
    to_repr(&compare(op, a, b))
}
fn map_of(pairs: Vec<(Value, Value)>) -> Value {
    let mut m = new_map();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Value::map(m)
}

#[test]
fn numbers() {
    assert_eq!(ar(BinOp::Mod, &num(-5.0), &num(3.0)), "-2");
    assert_eq!(ar(BinOp::Mod, &num(5.0), &num(-3.0)), "2");
    assert_eq!(ar(BinOp::Mod, &num(5.5), &num(2.0)), "1.5");
    assert_eq!(ar(BinOp::Mod, &num(5.0), &num(0.0)), "NaN");
    assert_eq!(ar(BinOp::Div, &num(1.0), &num(0.0)), "Infinity");
    assert_eq!(ar(BinOp::Pow, &num(-8.0), &num(1.0 / 3.0)), "NaN");
    assert_eq!(ar(BinOp::Pow, &num(2.0), &num(10.0)), "1024");
    assert_eq!(ar(BinOp::Add, &num(3.0), &Value::Null), "3");
    assert_eq!(ar(BinOp::Mul, &num(3.0), &Value::Null), "0");
    assert_eq!(ar(BinOp::Add, &Value::Null, &num(3.0)), "null");
    assert_eq!(ar(BinOp::Mul, &Value::Null, &num(3.0)), "null");
    assert_eq!(ar(BinOp::Add, &num(1.0), &list(&[1.0])), "null");
    assert_eq!(ar(BinOp::Sub, &num(0.0), &s("abc")), "null");
}

#[test]
fn string_concat() {
    assert_eq!(ar(BinOp::Add, &s("a"), &Value::Null), "\"a\"");
    assert_eq!(ar(BinOp::Add, &Value::Null, &s("a")), "\"a\"");
    assert_eq!(ar(BinOp::Add, &list(&[1.0, 2.0]), &s("a")), "\"[1, 2]a\"");
    assert_eq!(ar(BinOp::Add, &num(1.5), &s("abc")), "\"1.5abc\"");
    assert_eq!(ar(BinOp::Add, &s("x"), &num(0.1 + 0.2)), "\"x0.3\"");
    let big = Value::string("é".repeat(MAX_SIZE));
    assert_eq!(ar(BinOp::Add, &big, &s("")), to_repr(&big));
    assert_eq!(ar(BinOp::Add, &big, &s("a")), "ERR string too large");
}

#[test]
fn string_replication_and_division() {
    assert_eq!(ar(BinOp::Mul, &s("apple"), &num(0.6)), "\"app\"");
    assert_eq!(ar(BinOp::Mul, &s("abc"), &num(2.5)), "\"abcabca\"");
    assert_eq!(
        ar(BinOp::Mul, &s("apple"), &num(3.0)),
        "\"appleappleapple\""
    );
    assert_eq!(ar(BinOp::Mul, &s("ab"), &num(-1.0)), "\"\"");
    assert_eq!(ar(BinOp::Mul, &s("ab"), &num(f64::NAN)), "null");
    assert_eq!(ar(BinOp::Mul, &s("ab"), &num(f64::INFINITY)), "null");
    assert_eq!(ar(BinOp::Div, &s("abc"), &num(0.0)), "null");
    assert_eq!(ar(BinOp::Div, &s("banana"), &num(2.0)), "\"ban\"");
    assert_eq!(ar(BinOp::Mul, &s("héllo"), &num(0.4)), "\"hé\"");
    assert_eq!(ar(BinOp::Mul, &s("ab"), &num(1e9)), "ERR string too large");
    assert_eq!(ar(BinOp::Mul, &s(""), &num(1e300)), "\"\"");
    assert_eq!(
        ar(BinOp::Mul, &s("ab"), &s("x")),
        "ERR got a Miniscript.ValString where a Miniscript.ValNumber was required \
         (string replication)"
    );
    assert_eq!(
        ar(BinOp::Div, &s("ab"), &Value::Null),
        "ERR got null where a Miniscript.ValNumber was required (string division)"
    );
}

#[test]
fn string_subtraction_and_others() {
    assert_eq!(ar(BinOp::Sub, &s("banana.txt"), &s(".txt")), "\"banana\"");
    assert_eq!(ar(BinOp::Sub, &s("banana"), &s("nan")), "\"banana\"");
    assert_eq!(ar(BinOp::Sub, &s("abc"), &Value::Null), "\"abc\"");
    assert_eq!(ar(BinOp::Sub, &s("abc"), &num(1.0)), "null");
    let nana = arith(BinOp::Mul, &s("na"), &num(2.0)).unwrap();
    assert_eq!(ar(BinOp::Sub, &s("banana"), &nana), "\"ba\"");
    assert_eq!(ar(BinOp::Mod, &s("abc"), &num(2.0)), "null");
    assert_eq!(ar(BinOp::Pow, &s("abc"), &num(2.0)), "null");
}

#[test]
fn lists() {
    let l1 = list(&[0.0, 10.0, 20.0, 30.0, 40.0]);
    let l2 = list(&[100.0, -200.0, 300.0]);
    assert_eq!(
        ar(BinOp::Add, &l1, &l2),
        "[0, 10, 20, 30, 40, 100, -200, 300]"
    );
    assert_eq!(
        ar(BinOp::Mul, &l2, &num(2.5)),
        "[100, -200, 300, 100, -200, 300, 100]"
    );
    assert_eq!(ar(BinOp::Mul, &l1, &num(0.4)), "[0, 10]");
    assert_eq!(ar(BinOp::Mul, &l1, &num(-5.0)), "[]");
    assert_eq!(ar(BinOp::Div, &l1, &num(2.0)), "[0, 10]");
    assert_eq!(ar(BinOp::Mul, &list(&[42.0]), &num(f64::NAN)), "null");
    assert_eq!(ar(BinOp::Div, &list(&[42.0]), &num(0.0)), "null");
    assert_eq!(ar(BinOp::Mul, &list(&[]), &num(1e300)), "[]");
    assert_eq!(
        ar(BinOp::Mul, &list(&[1.0]), &num(1e8)),
        "ERR list too large"
    );
    assert_eq!(ar(BinOp::Sub, &l1, &l2), "null");
    assert_eq!(
        ar(BinOp::Add, &l1, &num(1.0)),
        "ERR got a Miniscript.ValNumber where a Miniscript.ValList was required \
         (list concatenation)"
    );
    assert_eq!(
        ar(BinOp::Mul, &l1, &l2),
        "ERR got a Miniscript.ValList where a Miniscript.ValNumber was required \
         (list replication)"
    );
    // `+` makes a new list; the operands are untouched.
    let c = arith(BinOp::Add, &l2, &l2).unwrap();
    assert!(!same_ref(&c, &l2));
    assert_eq!(to_repr(&l2), "[100, -200, 300]");
}

#[test]
fn maps_and_functions_in_arith() {
    let a = map_of(vec![(num(1.0), num(1.0)), (num(2.0), num(4.0))]);
    let b = map_of(vec![(num(1.0), num(-1.0)), (num(3.0), num(9.0))]);
    assert_eq!(ar(BinOp::Add, &a, &b), "{1: -1, 2: 4, 3: 9}");
    assert_eq!(ar(BinOp::Sub, &a, &b), "null");
    assert_eq!(
        ar(BinOp::Add, &a, &s("x")),
        format!("\"{}x\"", crate::format::to_str(&a).replace('"', "\"\""))
    );
    assert_eq!(
        ar(BinOp::Add, &a, &list(&[])),
        "ERR got a Miniscript.ValList where a Miniscript.ValMap was required (map combination)"
    );
}

#[test]
fn comparisons() {
    assert_eq!(cmp(CmpOp::Eq, &num(1.0), &s("1")), "0");
    assert_eq!(cmp(CmpOp::Ne, &num(42.0), &list(&[42.0])), "1");
    assert_eq!(cmp(CmpOp::Lt, &num(1.0), &s("42")), "null");
    assert_eq!(cmp(CmpOp::Gt, &s("abc"), &list(&[42.0])), "null");
    assert_eq!(cmp(CmpOp::Le, &list(&[42.0]), &map_of(vec![])), "null");
    assert_eq!(cmp(CmpOp::Ge, &map_of(vec![]), &num(0.0)), "null");
    assert_eq!(cmp(CmpOp::Eq, &list(&[]), &list(&[])), "1");
    assert_eq!(cmp(CmpOp::Ne, &list(&[1.0]), &list(&[2.0])), "1");
    assert_eq!(cmp(CmpOp::Gt, &num(5.0), &Value::Null), "1");
    assert_eq!(cmp(CmpOp::Lt, &Value::Null, &num(1.0)), "null");
    assert_eq!(cmp(CmpOp::Eq, &Value::Null, &Value::Null), "1");
    assert_eq!(cmp(CmpOp::Ne, &Value::Null, &num(0.0)), "1");
    assert_eq!(cmp(CmpOp::Eq, &num(0.0), &Value::Null), "0");
    assert_eq!(cmp(CmpOp::Ge, &s("Q"), &s("A")), "1");
    assert_eq!(cmp(CmpOp::Le, &s("q"), &s("Z")), "0");
    assert_eq!(cmp(CmpOp::Lt, &s("10"), &s("9")), "1");
    assert_eq!(cmp(CmpOp::Gt, &s(""), &Value::Null), "1");
    assert_eq!(cmp(CmpOp::Le, &s(""), &Value::Null), "0");
    assert_eq!(cmp(CmpOp::Eq, &num(f64::NAN), &num(f64::NAN)), "0");
    assert_eq!(cmp(CmpOp::Ne, &num(f64::NAN), &num(f64::NAN)), "1");
    assert_eq!(cmp(CmpOp::Ge, &num(f64::NAN), &num(1.0)), "0");
}

#[test]
fn logic() {
    let f = |a: f64, b: f64| to_repr(&fuzzy_and(&num(a), &num(b)));
    let o = |a: f64, b: f64| to_repr(&fuzzy_or(&num(a), &num(b)));
    assert_eq!(f(0.6, 0.5), "0.3");
    assert_eq!(o(0.6, 0.3), "0.72");
    assert_eq!(f(5.0, 10.0), "1");
    assert_eq!(o(-1.0, 0.0), "1");
    assert_eq!(f(-0.5, 1.0), "0.5");
    assert_eq!(to_repr(&fuzzy_and(&num(1.0), &Value::Null)), "0");
    assert_eq!(to_repr(&fuzzy_or(&num(1.0), &Value::Null)), "1");
    assert_eq!(to_repr(&fuzzy_and(&num(0.3), &s("a"))), "1");
    assert_eq!(to_repr(&fuzzy_and(&s("x"), &num(0.5))), "0.5");
    assert_eq!(to_repr(&fuzzy_or(&s(""), &num(0.5))), "0.5");
    assert_eq!(to_repr(&fuzzy_or(&list(&[]), &map_of(vec![]))), "0");
    assert_eq!(to_repr(&not(&num(0.25))), "0.75");
    assert_eq!(to_repr(&not(&num(-3.0))), "0");
    assert_eq!(to_repr(&not(&s(""))), "1");
    assert_eq!(to_repr(&not(&list(&[42.0]))), "0");
    assert_eq!(to_repr(&not(&Value::Null)), "1");
}

#[test]
fn isa_and_new() {
    let t = types();
    let tm = |m: &MapRef| Value::Map(m.clone());
    let yes = |a: &Value, b: &Value| to_repr(&isa(a, b, &t).unwrap());
    assert_eq!(yes(&num(42.0), &Value::Null), "0");
    assert_eq!(yes(&Value::Null, &Value::Null), "1");
    assert_eq!(yes(&num(42.0), &tm(&t.number)), "1");
    assert_eq!(yes(&num(42.0), &tm(&t.string)), "0");
    assert_eq!(yes(&s("x"), &tm(&t.string)), "1");
    assert_eq!(yes(&map_of(vec![]), &tm(&t.map)), "1");
    let d = map_of(vec![]);
    let e = new_object(&d, &t).unwrap();
    assert_eq!(yes(&e, &d), "1");
    assert_eq!(yes(&d, &d), "0");
    assert_eq!(yes(&e, &map_of(vec![])), "0");
    // A reference loop in __isa.
    let a = map_of(vec![]);
    let b = map_of(vec![(s("__isa"), a.clone())]);
    set_index(&a, &s("__isa"), b.clone()).unwrap();
    assert_eq!(
        show(&isa(&a, &map_of(vec![]), &t)),
        "ERR ".to_string() + ISA_DEPTH_MSG
    );
    set_index(&a, &s("__isa"), Value::Null).unwrap();

    assert_eq!(
        show(&new_object(&num(42.0), &t)),
        "ERR argument to 'new' must be a map"
    );
    assert!(show(&new_object(&tm(&t.string), &t)).contains("to create a string"));
    assert!(show(&new_object(&tm(&t.list), &t)).contains("e.g. [1,2]"));
    assert!(show(&new_object(&tm(&t.number), &t)).contains("e.g. 42"));
    assert!(show(&new_object(&tm(&t.funcref), &t)).contains("'function' keyword"));
    assert!(new_object(&tm(&t.map), &t).is_ok());
    let n1 = new_object(&d, &t).unwrap();
    assert!(!same_ref(&n1, &e));
}

#[test]
fn member_resolution() {
    let t = types();
    t.string.borrow_mut().insert(s("len"), num(99.0));
    t.map.borrow_mut().insert(s("m"), num(7.0));
    let base = map_of(vec![(s("name"), s("A")), (s("len"), num(42.0))]);
    let obj = new_object(&base, &t).unwrap();
    let (v, found) = lookup_member(&obj, &s("name"), &t).unwrap();
    assert_eq!(to_repr(&v), "\"A\"");
    assert!(matches!((&found, &base), (Some(f), Value::Map(b)) if Rc::ptr_eq(f, b)));
    // Own keys shadow type methods; the map type is tried once at the chain's end.
    assert_eq!(
        to_repr(&lookup_member(&obj, &s("len"), &t).unwrap().0),
        "42"
    );
    assert_eq!(to_repr(&lookup_member(&obj, &s("m"), &t).unwrap().0), "7");
    assert_eq!(
        to_repr(&lookup_member(&s("abc"), &s("len"), &t).unwrap().0),
        "99"
    );
    assert_eq!(
        show(&lookup_member(&obj, &s("zz"), &t).map(|r| r.0)),
        "ERR Key Not Found: 'zz' not found in map"
    );
    assert_eq!(
        show(&lookup_member(&list(&[]), &s("m"), &t).map(|r| r.0)),
        "ERR Key Not Found: 'm' not found in map"
    );
    assert_eq!(
        show(&lookup_member(&Value::Null, &s("foo"), &t).map(|r| r.0)),
        "ERR Type Error (while attempting to look up foo)"
    );
    // The suite's reference loop.
    let a = map_of(vec![]);
    let b = map_of(vec![(s("__isa"), a.clone())]);
    set_index(&a, &s("__isa"), b.clone()).unwrap();
    assert_eq!(
        show(&lookup_member(&a, &s("foo"), &t).map(|r| r.0)),
        "ERR ".to_string() + ISA_DEPTH_MSG
    );
    set_index(&a, &s("__isa"), Value::Null).unwrap();
    // A null __isa ends the search with null.
    assert_eq!(
        to_repr(&lookup_member(&a, &s("foo"), &t).unwrap().0),
        "null"
    );
}

#[test]
fn indexing() {
    let t = types();
    let l = list(&[2.0, 4.0, 6.0]);
    let ix = |b: &Value, i: &Value| show(&index(b, i, &t));
    assert_eq!(ix(&l, &num(-1.0)), "6");
    assert_eq!(ix(&l, &num(1.9)), "4");
    assert_eq!(ix(&l, &num(-0.5)), "2");
    assert_eq!(
        ix(&l, &num(3.0)),
        "ERR Index Error (list index 3 out of range)"
    );
    assert_eq!(
        ix(&l, &num(-4.0)),
        "ERR Index Error (list index -4 out of range)"
    );
    assert_eq!(
        ix(&l, &num(42.5)),
        "ERR Index Error (list index 42.5 out of range)"
    );
    assert_eq!(
        ix(&l, &num(f64::NAN)),
        "ERR Index Error (list index NaN out of range)"
    );
    assert_eq!(ix(&l, &Value::Null), "ERR List index must be numeric");
    assert_eq!(ix(&l, &l), "ERR List index must be numeric");
    let st = s("héllo");
    assert_eq!(ix(&st, &num(1.0)), "\"é\"");
    assert_eq!(ix(&st, &num(-1.0)), "\"o\"");
    assert_eq!(
        ix(&st, &num(5.0)),
        "ERR Index Error (string index 5 out of range)"
    );
    assert_eq!(ix(&st, &Value::Null), "ERR String index must be numeric");
    assert_eq!(
        ix(&Value::Null, &num(0.0)),
        "ERR Null Reference Exception: can't index into null"
    );
    assert_eq!(ix(&Value::Null, &s("x")), "null");
    assert_eq!(ix(&num(5.0), &num(0.0)), "null");
    let m = map_of(vec![(num(1.0), s("one")), (Value::Null, num(42.0))]);
    assert_eq!(ix(&m, &num(1.0)), "\"one\"");
    assert_eq!(ix(&m, &Value::Null), "42");
    assert_eq!(ix(&m, &num(2.0)), "ERR Key Not Found: '2' not found in map");
    assert_eq!(
        ix(&m, &Value::list(vec![list(&[1.0])])),
        "ERR Key Not Found: '[[...]]' not found in map"
    );
    let child = new_object(&m, &t).unwrap();
    assert_eq!(ix(&child, &num(1.0)), "\"one\"");
}

#[test]
fn setting() {
    let l = list(&[1.0, 2.0, 3.0]);
    set_index(&l, &num(-1.0), num(9.0)).unwrap();
    set_index(&l, &s("y"), num(5.0)).unwrap();
    assert_eq!(to_repr(&l), "[5, 2, 9]");
    assert_eq!(
        set_index(&l, &num(3.0), num(0.0)).unwrap_err().message,
        "Index Error (list index 3 out of range)"
    );
    assert_eq!(
        set_index(&list(&[]), &s("y"), num(0.0))
            .unwrap_err()
            .message,
        "Index Error (list index y out of range)"
    );
    assert_eq!(
        set_index(&Value::Null, &num(0.0), num(0.0))
            .unwrap_err()
            .message,
        "can't set indexed element of null"
    );
    assert_eq!(
        set_index(&s("abc"), &num(0.0), num(0.0))
            .unwrap_err()
            .message,
        "can't set an indexed element in this type"
    );
    // A map used as its own key must not panic.
    let m = map_of(vec![]);
    set_index(&m, &m, num(1.0)).unwrap();
    set_index(&m, &Value::list(vec![m.clone()]), num(2.0)).unwrap();
    set_index(&m, &s("k"), num(3.0)).unwrap();
    set_index(&m, &s("k"), num(4.0)).unwrap();
    if let Value::Map(mm) = &m {
        assert_eq!(mm.borrow().len(), 3);
        mm.borrow_mut().clear();
    }
}

#[test]
fn iteration() {
    assert_eq!(seq_len(&s("héllo")), Some(5));
    assert_eq!(to_repr(&iter_element(&s("héllo"), 1).unwrap()), "\"é\"");
    assert_eq!(to_repr(&iter_element(&s("abc"), 2).unwrap()), "\"c\"");
    assert!(iter_element(&s("abc"), 3).is_none());
    assert_eq!(seq_len(&num(3.0)), None);
    assert_eq!(seq_len(&Value::Null), None);
    let m = map_of(vec![(s("one"), num(1.0)), (s("two"), num(2.0))]);
    assert_eq!(seq_len(&m), Some(2));
    assert_eq!(
        to_repr(&iter_element(&m, 1).unwrap()),
        "{\"key\": \"two\", \"value\": 2}"
    );
    let a = iter_element(&m, 0).unwrap();
    let b = iter_element(&m, 0).unwrap();
    assert!(!same_ref(&a, &b));
    assert_eq!(to_repr(&iter_element(&list(&[7.0]), 0).unwrap()), "7");
}

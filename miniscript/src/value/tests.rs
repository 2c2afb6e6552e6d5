//! Unit tests of the value representation: equality, hashing, maps and strings.
use super::*;

#[test]
fn value_is_16_bytes_with_the_number_layout_jit_code_relies_on() {
    assert_eq!(std::mem::size_of::<Value>(), 16);
    let v = [Value::Num(-2.5), Value::Null, Value::str("x")];
    // SAFETY: reading the bytes of initialized values; repr(u8) puts the tag in
    // byte 0 and the f64 at offset 8 of the Num variant.
    let (tag, payload, null_tag, str_tag) = unsafe {
        let p = v.as_ptr() as *const u8;
        (
            *p,
            (p.add(NUM_OFFSET as usize) as *const f64).read_unaligned(),
            *p.add(16),
            *p.add(32),
        )
    };
    assert_eq!(tag, NUM_TAG);
    assert_eq!(payload, -2.5);
    assert_ne!(null_tag, NUM_TAG);
    assert_ne!(str_tag, NUM_TAG);
}

#[test]
fn field_cache_checks_its_hint_and_follows_other_layouts() {
    let mut a = new_map();
    a.insert(Value::str("x"), Value::Num(1.0));
    a.insert(Value::str("y"), Value::Num(2.0));
    let mut b = new_map();
    b.insert(Value::str("y"), Value::Num(20.0));
    b.insert(Value::str("x"), Value::Num(10.0));
    let small = new_map();
    let cache = Cell::new(u32::MAX);
    // A key that is not the interned one: equal by contents.
    let x = Value::str("x");
    assert_eq!(a.index_cached(&x, &cache), Some(0));
    assert_eq!(cache.get(), 0);
    // The hint points at "y" in b: checked, then found by hashing.
    assert_eq!(b.index_cached(&x, &cache), Some(1));
    assert_eq!(cache.get(), 1);
    assert_eq!(b[1], Value::Num(10.0));
    // A hint past the end of a map, and a missing key, leave the hint alone.
    assert_eq!(small.index_cached(&x, &cache), None);
    assert_eq!(a.index_cached(&Value::str("z"), &cache), None);
    assert_eq!(cache.get(), 1);
    // The hint now points at a's "y": the right field still comes back.
    assert_eq!(a.index_cached(&x, &cache), Some(0));
}

#[test]
fn map_keys_use_deep_equality_and_borrowed_lookup() {
    let mut m = new_map();
    m.insert(Value::Num(1.0), Value::str("one"));
    m.insert(Value::str("x"), Value::Num(5.0));
    m.insert(
        Value::list(vec![Value::Num(1.0), Value::str("a")]),
        Value::Num(7.0),
    );
    assert!(m.get(&Value::Num(1.0)).is_some());
    assert!(m.get(&Value::str("1")).is_none());
    assert_eq!(m.get(&StrKey("x")).and_then(|v| v.as_num()), Some(5.0));
    let k = Value::list(vec![Value::Num(1.0), Value::str("a")]);
    assert_eq!(m.get(&k).and_then(|v| v.as_num()), Some(7.0));
    assert_eq!(Value::Num(0.0).key_hash(), Value::Num(-0.0).key_hash());
}

#[test]
fn self_containing_lists_compare_without_overflow() {
    let a = Value::list(vec![]);
    let b = Value::list(vec![]);
    if let (Value::List(la), Value::List(lb)) = (&a, &b) {
        la.borrow_mut().push(a.clone());
        lb.borrow_mut().push(b.clone());
    }
    assert!(a.equals(&b));
    let _ = a.key_hash();
    // Break the cycles so the test does not leak.
    if let (Value::List(la), Value::List(lb)) = (&a, &b) {
        la.borrow_mut().clear();
        lb.borrow_mut().clear();
    }
}

fn nest(depth: usize, map: bool) -> Value {
    let mut v = Value::Null;
    for _ in 0..depth {
        v = if map {
            let mut m = new_map();
            m.insert(Value::str("a"), v);
            Value::map(m)
        } else {
            Value::list(vec![v])
        };
    }
    v
}

// Test threads have a small (2 MiB) stack: recursion here would overflow it.
#[test]
fn very_deep_lists_maps_and_closures_drop_and_compare_without_recursion() {
    // Far past what recursion on a 2 MiB stack could handle, even in debug.
    let depth = if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    };
    for map in [false, true] {
        let a = nest(depth, map);
        let b = nest(depth, map);
        assert!(a.equals(&b));
        assert_eq!(a.key_hash(), b.key_hash());
        let c = nest(depth - 1, map);
        assert!(!a.equals(&c));
        drop((a, b, c));
    }
    // A closure chain: each function's outer map holds the previous function.
    let mut f = Value::Null;
    for _ in 0..depth {
        let mut m = new_map();
        m.insert(Value::str("f"), f);
        f = Value::Func(Rc::new(FuncVal {
            code: FuncCode::Native(Rc::new(crate::intrinsics::Intrinsic {
                name: "x".into(),
                params: Vec::new(),
                f: |_, _| Ok(Value::Null),
            })),
            outer: Some(Rc::new(RefCell::new(m))),
        }));
    }
    drop(f);
}

#[test]
fn repetitive_structures_hash_and_compare_in_linear_time() {
    // Each level holds the level below twice: 2^200 paths, 200 distinct lists.
    let (mut a, mut b) = (Value::Num(1.0), Value::Num(1.0));
    for _ in 0..200 {
        a = Value::list(vec![a.clone(), a]);
        b = Value::list(vec![b.clone(), b]);
    }
    assert!(a.equals(&b));
    assert_eq!(a.key_hash(), b.key_hash());
    // A list holding itself a thousand times, used as a map key.
    let l = Value::list(vec![]);
    if let Value::List(r) = &l {
        for _ in 0..1000 {
            r.borrow_mut().push(l.clone());
        }
    }
    let mut m = new_map();
    m.insert(l.clone(), Value::Num(1.0));
    assert!(m.get(&l).is_some());
    drop(m);
    if let Value::List(r) = &l {
        r.borrow_mut().clear();
    }
}

#[test]
fn num_mod_is_fmod_on_every_kind_of_operand() {
    let cases = [
        (7.0, 3.0),
        (-7.0, 3.0),
        (7.0, -3.0),
        (-7.0, -3.0),
        (-4.0, 2.0),
        (-0.0, 5.0),
        (0.0, -5.0),
        (5.0, 0.0),
        (5.0, -0.0),
        (1_234_567_890_123.0 * 16807.0, 2_147_483_647.0),
        (9_007_199_254_740_993.0, 7.0),
        (4_611_686_018_427_387_904.0, 3.0),
        (-9.3e18, 3.0),
        (9.3e18, 1e18),
        (5.5, 2.0),
        (7.0, 2.5),
        (f64::NAN, 3.0),
        (3.0, f64::NAN),
        (f64::INFINITY, 3.0),
        (3.0, f64::INFINITY),
        (3.0, f64::NEG_INFINITY),
    ];
    for (x, y) in cases {
        let (got, want) = (num_mod(x, y), x % y);
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "{x} % {y}: {got} vs fmod {want}"
        );
    }
}

#[test]
fn with_ascii_keeps_the_flag_it_is_given() {
    assert!(MsStr::with_ascii("abc".to_string(), true).is_ascii());
    let s = MsStr::with_ascii("aé".to_string(), false);
    assert!(!s.is_ascii());
    assert_eq!(s.char_len(), 2);
}

#[test]
fn isa_key_finds_the_entry_a_script_string_made() {
    let mut m = new_map();
    m.insert(Value::str("__isa"), Value::Num(1.0));
    m.insert(Value::str("__isb"), Value::Num(2.0));
    assert!(matches!(m.get(&isa_key()), Some(Value::Num(n)) if *n == 1.0));
    let mut other = new_map();
    other.insert(Value::str("isa"), Value::Num(1.0));
    assert!(other.get(&isa_key()).is_none());
}

#[test]
fn map_isa_finds_the_entry_by_pointer_at_index_0_or_by_text_elsewhere() {
    let mut shared = new_map();
    shared.insert(isa_value(), Value::Num(1.0));
    assert!(matches!(shared.isa(), Some(Value::Num(n)) if *n == 1.0));
    let mut later = new_map();
    later.insert(Value::str("a"), Value::Null);
    later.insert(Value::str("__isa"), Value::Num(2.0));
    assert!(matches!(later.isa(), Some(Value::Num(n)) if *n == 2.0));
    let mut none = new_map();
    none.insert(Value::str("__isb"), Value::Num(3.0));
    assert!(none.isa().is_none());
}

//! `sort`, `shuffle` and `range`.
//!
//! `sort` uses its own merge sort: MiniScript's comparator (strings against numbers
//! by text, numbers numerically, everything else equal) is not a total order, and
//! the standard library's sorts may panic on such comparators. A merge sort is
//! stable, which the reference's `OrderBy` also is, and cannot fail.

use std::cmp::Ordering;

use super::{int, num, rng_next};
use crate::error::{MsError, MsResult};
use crate::format::to_str;
use crate::interp::Vm;
use crate::ops::{map_lookup, MAX_SIZE};
use crate::value::Value;

/// What the comparator needs of one sort key, computed once per element.
struct Key {
    kind: Kind,
    /// The `str` form; filled only when some key is a string (the only case where
    /// text is compared).
    text: String,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Null,
    Num,
    Str,
    Other,
}

/// C# `Value.Compare` with an ordinal string comparison: null after everything; if
/// either side is a string, compare `str` forms; two numbers numerically; otherwise
/// equal.
fn compare_keys(x: &Key, xn: f64, y: &Key, yn: f64) -> Ordering {
    match (x.kind, y.kind) {
        (Kind::Null, Kind::Null) => Ordering::Equal,
        (Kind::Null, _) => Ordering::Greater,
        (_, Kind::Null) => Ordering::Less,
        (Kind::Str, _) | (_, Kind::Str) => x.text.cmp(&y.text),
        (Kind::Num, Kind::Num) => xn.partial_cmp(&yn).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

/// Stable bottom-up merge sort of `idx` by `less_eq`-style comparator `cmp`.
fn merge_sort(idx: &mut Vec<usize>, cmp: &dyn Fn(usize, usize) -> Ordering) {
    let n = idx.len();
    let mut buf = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Take from the left run on ties: that is what keeps it stable.
                if cmp(idx[i], idx[j]) != Ordering::Greater {
                    buf[k] = idx[i];
                    i += 1;
                } else {
                    buf[k] = idx[j];
                    j += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + (end - j)].copy_from_slice(&idx[j..end]);
            start = end;
        }
        std::mem::swap(idx, &mut buf);
        width *= 2;
    }
}

/// `sort(self, byKey, ascending=1)`: sorts a list in place and returns it. With
/// `byKey`, map elements are keyed by `elem[byKey]` (following `__isa`), list
/// elements by `elem[byKey]` as an integer index, anything else by null.
pub fn sort(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [this, by_key, ascending, ..] = &*args else {
        return Ok(Value::Null);
    };
    let Value::List(l) = this else {
        return Ok(this.clone());
    };
    // Work on a copy: computing keys reads the elements, which may contain the list.
    let items: Vec<Value> = l.borrow().clone();
    if items.len() < 2 {
        return Ok(this.clone());
    }
    let keys: Vec<Value> = if by_key.is_null() {
        items.clone()
    } else {
        let ki = int(by_key);
        let mut keys = Vec::with_capacity(items.len());
        for item in &items {
            keys.push(match item {
                Value::Map(m) => map_lookup(m, by_key)?.map_or(Value::Null, |(v, _)| v),
                Value::List(el) => {
                    let el = el.borrow();
                    let n = el.len() as i64;
                    if ki > -n && ki < n {
                        el[(if ki < 0 { ki + n } else { ki }) as usize].clone()
                    } else {
                        Value::Null
                    }
                }
                _ => Value::Null,
            });
        }
        keys
    };
    let any_str = keys.iter().any(|k| matches!(k, Value::Str(_)));
    let info: Vec<Key> = keys
        .iter()
        .map(|k| Key {
            kind: match k {
                Value::Null => Kind::Null,
                Value::Num(_) => Kind::Num,
                Value::Str(_) => Kind::Str,
                _ => Kind::Other,
            },
            text: if any_str && !k.is_null() {
                to_str(k)
            } else {
                String::new()
            },
        })
        .collect();
    let nums: Vec<f64> = keys.iter().map(Value::num_or_zero).collect();
    let asc = ascending.truthy();
    let cmp = |a: usize, b: usize| {
        let o = compare_keys(&info[a], nums[a], &info[b], nums[b]);
        if asc {
            o
        } else {
            o.reverse()
        }
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    merge_sort(&mut order, &cmp);
    let sorted: Vec<Value> = order.iter().map(|&i| items[i].clone()).collect();
    let old = std::mem::replace(&mut l.borrow_mut().0, sorted);
    drop(old);
    Ok(this.clone())
}

/// `shuffle(self)`: Fisher-Yates in place; for maps the values are permuted among
/// the keys. Returns null.
pub fn shuffle(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let mut pick = |i: usize| ((rng_next(&mut vm.rng) * (i + 1) as f64) as usize).min(i);
    match args.first() {
        Some(Value::List(l)) => {
            let mut list = l.borrow_mut();
            for i in (1..list.len()).rev() {
                let j = pick(i);
                list.swap(i, j);
            }
        }
        Some(Value::Map(m)) => {
            let mut vals: Vec<Value> = m.borrow().values().cloned().collect();
            for i in (1..vals.len()).rev() {
                let j = pick(i);
                vals.swap(i, j);
            }
            let mut mb = m.borrow_mut();
            for (slot, v) in mb.values_mut().zip(vals) {
                *slot = v;
            }
        }
        _ => {}
    }
    Ok(Value::Null)
}

/// `range(from=0, to=0, step)`: default step is 1 upward and -1 downward.
pub fn range(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let [from, to, step, ..] = &*args else {
        return Ok(Value::Null);
    };
    let (from, to) = (num(from), num(to));
    let step = match step {
        Value::Num(s) => *s,
        _ if to >= from => 1.0,
        _ => -1.0,
    };
    if step == 0.0 {
        return Err(MsError::runtime("range() error (step==0)"));
    }
    let count = ((to - from) / step).trunc() + 1.0;
    if count > MAX_SIZE as f64 {
        return Err(MsError::runtime("list too large"));
    }
    // A negative count (wrong direction by a step or more) or NaN is what makes
    // the reference's list allocation fail.
    if count.is_nan() || count < 0.0 {
        return Err(MsError::runtime("range() error"));
    }
    crate::ops::check_list_len(count as usize)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut v = from;
    while if step > 0.0 { v <= to } else { v >= to } {
        out.push(Value::Num(v));
        let next = v + step;
        // A step too small to change v would loop forever; the size cap bounds
        // any other floating-point surprise.
        if next == v || out.len() >= MAX_SIZE {
            break;
        }
        v = next;
    }
    Ok(Value::list(out))
}

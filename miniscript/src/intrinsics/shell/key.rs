//! The shell's `key` module (the reference's `Key.cpp`): a queue of key presses that
//! `put` fills and `get` empties through the scan map; `pressed`, `keyNames`, `axis`.
//!
//! Keys come only from `key.put`/`key._putInFront`: reading the keyboard without a
//! line buffer needs the terminal's raw mode (termios), an FFI call this crate does
//! not make (no `unsafe` outside the JIT ABI). The reference reads nothing either
//! when standard input is not a terminal, so a program fed from a pipe or a file
//! behaves the same. `get` with nothing queued waits, as in the reference, until a
//! key arrives (here: never) or the interpreter is interrupted (then null).
//!
//! Differences from the reference: `_scanMap` is a plain map (assigning a non-map
//! stores it; `get` then goes back to the default map), it is not rewritten with
//! the reference's internal `[code, 0]` keys, and assigning `_echo` has no effect
//! on the terminal.

use std::collections::VecDeque;

use super::{arg, state, Def, Entry, N};
use crate::error::{MsError, MsResult};
use crate::interp::Vm;
use crate::value::{new_map, MsMap, Value};

/// Functions of the module, in the reference's order.
pub(super) const KEY_FUNCS: &[Entry] = &[
    ("available", &[], available),
    ("get", &[], get),
    ("put", &[("keyChar", N)], put),
    ("clear", &[], clear),
    ("pressed", &[("keyName", Def::Str("space"))], pressed),
    ("keyNames", &[], key_names),
    ("axis", &[("axis", Def::Str("Horizontal"))], axis),
    ("_putInFront", &[("keyChar", N)], put_in_front),
    ("_echo", &[], echo),
];

/// The queue: one code point per key press (0 reads back as `<0>`, the
/// reference's spelling of a scan code).
pub(super) type KeyQueue = VecDeque<u32>;

/// The default `_scanMap` (the reference's Unix one): terminal escape sequences
/// to the characters Mini Micro's `key.get` returns.
pub(super) fn default_scan_map() -> MsMap {
    let mut m = new_map();
    for (k, v) in [
        ("\x7F", "\x08"),
        ("\x1B[3~", "\x7F"),
        ("\x1B[A", "\x13"),
        ("\x1B[B", "\x14"),
        ("\x1B[C", "\x12"),
        ("\x1B[D", "\x11"),
        ("\x1B[H", "\x01"),
        ("\x1B[F", "\x05"),
    ] {
        m.insert(Value::str(k), Value::str(v));
    }
    m
}

fn available(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    let queued = !state(vm)?.keys.is_empty();
    Ok(Value::Num(if queued { 1.0 } else { 0.0 }))
}

/// Longest single sleep while `get` waits, so that an interrupt is noticed promptly.
const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(10);

fn get(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    if state(vm)?.keys.is_empty() {
        vm.out.flush();
        while !vm.attention.interrupted() {
            std::thread::sleep(WAIT_STEP);
        }
        return Ok(Value::Null);
    }
    let module = state(vm)?.key_module.clone();
    let scan_map = match module.borrow().get(&Value::str("_scanMap")) {
        Some(Value::Map(m)) => Some(m.clone()),
        _ => None,
    };
    let scan_map = match scan_map {
        Some(m) => m,
        None => {
            let m = Value::map(default_scan_map());
            module
                .borrow_mut()
                .insert(Value::str("_scanMap"), m.clone());
            match m {
                Value::Map(m) => m,
                _ => return Ok(Value::Null),
            }
        }
    };
    let entries: Vec<(Value, Value)> = scan_map
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let keys = &mut state(vm)?.keys;
    Ok(take_key(keys, entries))
}

/// What one key code selects in a level of the scan map: a result, or the next
/// level (the rest of every sequence that starts with it).
enum Step {
    Found(Value),
    Deeper(Vec<(Value, Value)>),
    Nothing,
}

/// Looks `c` up in one level of the scan map: a string key matches on its first
/// character (its rest leads deeper), a number key is a scan code (which only a
/// queued code 0 carries here). Later entries override earlier ones.
fn step(level: &[(Value, Value)], c: u32) -> Step {
    let mut found = Step::Nothing;
    for (k, v) in level {
        match k {
            Value::Num(n) if c == 0 && *n == 0.0 => found = Step::Found(v.clone()),
            Value::Str(s) => {
                let mut chars = s.as_str().chars();
                if chars.next().map(u32::from) != Some(c) {
                    continue;
                }
                let rest = chars.as_str();
                if rest.is_empty() {
                    found = Step::Found(v.clone());
                } else {
                    let entry = (Value::str(rest), v.clone());
                    match &mut found {
                        Step::Deeper(next) => next.push(entry),
                        _ => found = Step::Deeper(vec![entry]),
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Takes the next key (the queue is not empty): the value of the longest scan-map
/// sequence at the front of the queue if it is a string, else the first key alone.
fn take_key(keys: &mut KeyQueue, mut level: Vec<(Value, Value)>) -> Value {
    let mut scanned = 0;
    while let Some(&c) = keys.get(scanned) {
        match step(&level, c) {
            Step::Found(v @ Value::Str(_)) => {
                keys.drain(..=scanned);
                return v;
            }
            Step::Deeper(next) => {
                level = next;
                scanned += 1;
            }
            _ => break,
        }
    }
    match keys.pop_front() {
        Some(0) => Value::str("<0>"),
        Some(c) => Value::string(char::from_u32(c).map(String::from).unwrap_or_default()),
        None => Value::Null,
    }
}

/// The code points `keyChar` stands for: a number is one code (C++ `UIntValue`),
/// a string each of its characters.
fn key_codes(v: &Value) -> MsResult<Vec<u32>> {
    match v {
        Value::Num(n) => Ok(vec![*n as i64 as u32]),
        Value::Str(s) => Ok(s.as_str().chars().map(u32::from).collect()),
        _ => Err(MsError::runtime("string or number required for keyChar")),
    }
}

fn put(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let codes = key_codes(arg(args, 0))?;
    state(vm)?.keys.extend(codes);
    Ok(Value::Null)
}

fn put_in_front(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let codes = key_codes(arg(args, 0))?;
    let keys = &mut state(vm)?.keys;
    for c in codes.into_iter().rev() {
        keys.push_front(c);
    }
    Ok(Value::Null)
}

fn clear(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    state(vm)?.keys.clear();
    Ok(Value::Null)
}

fn pressed(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Err(MsError::runtime("`key.pressed` is not implemented"))
}

fn key_names(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Err(MsError::runtime("`key.keyNames` is not implemented"))
}

fn axis(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Err(MsError::runtime("`key.axis` is not implemented"))
}

/// Whether the terminal echoes typed keys: false, as the reference answers when
/// standard input is not a terminal (this build never changes the terminal).
fn echo(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Num(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(s: &str) -> KeyQueue {
        s.chars().map(u32::from).collect()
    }

    fn entries(m: MsMap) -> Vec<(Value, Value)> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn sequences_map_through_the_scan_map() {
        let mut q = queue("\x1B[Ax\x1B[Z\x1B[");
        let got = |q: &mut KeyQueue| take_key(q, entries(default_scan_map()));
        assert_eq!(got(&mut q).as_str(), Some("\x13"));
        assert_eq!(got(&mut q).as_str(), Some("x"));
        // No sequence matches: one key at a time.
        assert_eq!(got(&mut q).as_str(), Some("\x1B"));
        assert_eq!(got(&mut q).as_str(), Some("["));
        assert_eq!(got(&mut q).as_str(), Some("Z"));
        // A sequence cut short by the end of the queue.
        assert_eq!(got(&mut q).as_str(), Some("\x1B"));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn codes_of_numbers_and_strings() {
        assert_eq!(key_codes(&Value::Num(66.9)).ok(), Some(vec![66]));
        assert_eq!(key_codes(&Value::str("hé")).ok(), Some(vec![104, 233]));
        assert!(key_codes(&Value::Null).is_err());
    }
}

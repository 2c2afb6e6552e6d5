//! Map keys other than a `Value`: a borrowed string, the fixed `__isa` key (one
//! shared string per thread), and the hasher every map uses.

use std::hash::{Hash, Hasher};
use std::rc::Rc;

use indexmap::Equivalent;

use super::{str_hash, MsStr, Value};

/// Looks up a map by a borrowed string without allocating a `Value`.
pub struct StrKey<'a>(pub &'a str);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(str_hash(self.0).max(1));
    }
}

impl Equivalent<Value> for StrKey<'_> {
    fn equivalent(&self, key: &Value) -> bool {
        matches!(key, Value::Str(s) if s.as_str() == self.0)
    }
}

/// A fixed string key with its hash computed once: `__isa`, which every member
/// lookup through a class chain asks each map for. The pointer is the shared
/// string of [`isa_value`]: a key that is that string matches without comparing text.
pub struct HashedStrKey(&'static str, u64, *const MsStr);

impl Hash for HashedStrKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.1);
    }
}

impl Equivalent<Value> for HashedStrKey {
    fn equivalent(&self, key: &Value) -> bool {
        matches!(key, Value::Str(s) if std::ptr::eq(Rc::as_ptr(s), self.2) || s.as_str() == self.0)
    }
}

thread_local! {
    static ISA_STR: Rc<MsStr> = {
        let s = MsStr::new("__isa");
        s.hash();
        Rc::new(s)
    };
}

/// The `__isa` key as a value: one shared string per thread (hash computed), so
/// that `new` allocates no key and lookups holding it compare keys by pointer.
pub fn isa_value() -> Value {
    ISA_STR.with(|s| Value::Str(s.clone()))
}

/// The `__isa` key (its hash is the one `MsStr::hash` gives the same text).
pub fn isa_key() -> HashedStrKey {
    static HASH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let shared = ISA_STR.with(Rc::as_ptr);
    HashedStrKey("__isa", *HASH.get_or_init(|| str_hash("__isa").max(1)), shared)
}

impl super::MsMap {
    /// The `__isa` entry: at index 0, where `new` puts it, when the key there is the
    /// shared `__isa` string (one pointer comparison); else by hash.
    #[inline]
    pub fn isa(&self) -> Option<&Value> {
        let key = isa_key();
        if let Some((Value::Str(k), v)) = self.0.get_index(0) {
            if std::ptr::eq(Rc::as_ptr(k), key.2) {
                return Some(v);
            }
        }
        self.0.get(&key)
    }
}

/// The hasher behind maps: every key writes one pre-mixed u64, so finishing is free.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ *b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

//! The MiniScript value.
//!
//! Decision note: `Value` is a 16-byte tagged union (tag + one word). Numbers are a
//! plain `f64` with no allocation, so the interpreter's arithmetic fast path never
//! touches the heap. Every heap value sits behind a thin `Rc` (strings in an `MsStr`
//! that caches its hash, lists and maps in `RefCell`s because MiniScript lists and maps
//! are mutable and shared by reference). Interpreters are single-threaded, so `Rc`
//! rather than `Arc`; nothing here ever crosses a thread (the JIT receives plain site
//! descriptions, never values).
//!
//! Of tiering, this imports only `tier::intrinsics`, of the same bottom layer: every
//! map insert reports string keys to it (see `MsMap::insert`), since compiled
//! regions compute pure intrinsics without looking their names up.

use std::cell::{Cell, RefCell};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::rc::Rc;

use indexmap::IndexMap;

use crate::tac::Proto;

mod keys;
#[cfg(test)]
use keys::isa_key;
pub use keys::{isa_value, KeyHasher, StrKey};

pub type ListRef = Rc<RefCell<MsList>>;
pub type MapRef = Rc<RefCell<MsMap>>;

/// `repr(u8)` fixes the layout (RFC 2195): a one-byte tag at offset 0 and the
/// payload at offset 8, so JIT code can check `tag == NUM_TAG` and read or write the
/// f64 of a number register in place.
///
/// ```
/// # use miniscript::host::Value;
/// let v = Value::from(vec![Value::from(1), Value::from("two"), Value::Null]);
/// assert_eq!(v.to_string(), "[1, \"two\", null]");
/// assert!(matches!(Value::from(2.5), Value::Num(n) if n == 2.5));
/// ```
#[derive(Clone, Default)]
#[repr(u8)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// A number (MiniScript's only numeric type; true and false are 1 and 0).
    Num(f64),
    /// A string (immutable, shared).
    Str(Rc<MsStr>),
    /// A list (mutable, shared by reference).
    List(ListRef),
    /// A map (mutable, shared by reference; keeps insertion order).
    Map(MapRef),
    /// A function: script code or an intrinsic.
    Func(Rc<FuncVal>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

/// Tag byte of `Value::Num` (its declaration index under `repr(u8)`).
#[cfg_attr(not(feature = "internals"), allow(dead_code))] // the jit crate
pub const NUM_TAG: u8 = 1;
/// Offset of a number's f64 inside a `Value`.
#[cfg_attr(not(feature = "internals"), allow(dead_code))] // the jit crate
pub const NUM_OFFSET: i32 = 8;

/// C#'s `(int)x` as MiniScript uses it for indexes and counts: truncation toward
/// zero, saturating. NaN maps to the most negative value so that it is always out
/// of range rather than silently meaning 0.
#[inline]
pub fn trunc_int(x: f64) -> i64 {
    if x.is_nan() {
        i64::MIN
    } else {
        x as i64
    }
}

/// The slot of element `index` of a sequence of `len` elements: truncated toward
/// zero, negative from the end, `None` when out of range. The one index rule of
/// lists and strings (interpreter, `ops`, native helpers).
#[inline]
pub fn list_slot(index: f64, len: usize) -> Option<usize> {
    let i = trunc_int(index);
    let n = len as i64;
    // No overflow: i < 0 and 0 <= n.
    let j = if i < 0 { i + n } else { i };
    (j >= 0 && j < n).then_some(j as usize)
}

/// `x % y` as MiniScript defines it (C `fmod`: the sign of the dividend). Integral
/// operands below 2^62 take the integer remainder, which is exact and so equal to
/// `fmod`, and far cheaper than the software `fmod` Rust links (a loop over the
/// quotient's bits: a tenth of a word-counting program went there). Out of line:
/// inlined into the dispatch loop it cost call-heavy programs ~0.7%.
#[inline(never)]
pub fn num_mod(x: f64, y: f64) -> f64 {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62
    if x.abs() < LIMIT && y.abs() < LIMIT {
        let (xi, yi) = (x as i64, y as i64);
        if yi != 0 && xi as f64 == x && yi as f64 == y {
            // A zero remainder keeps the dividend's sign (-4 % 2 is -0), as fmod does.
            return ((xi % yi) as f64).copysign(x);
        }
    }
    x % y
}

impl Value {
    /// A clone whose number case is inlined (the derived `clone` is an out-of-line
    /// call): `setvar` uses it. Global reads do not: there the extra test cost
    /// calls of global functions more than it saved.
    #[inline(always)]
    pub fn cheap_clone(&self) -> Value {
        match self {
            Value::Num(n) => Value::Num(*n),
            other => other.clone(),
        }
    }

    /// A string value.
    ///
    /// ```
    /// # use miniscript::host::Value;
    /// assert_eq!(Value::str("hi").as_str(), Some("hi"));
    /// assert_eq!(Value::string(String::from("hi")).as_str(), Some("hi"));
    /// ```
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(MsStr::new(s)))
    }
    /// A string value taking `s` (no copy).
    pub fn string(s: String) -> Value {
        Value::Str(Rc::new(MsStr::from_string(s)))
    }
    /// A new list.
    ///
    /// ```
    /// # use miniscript::host::Value;
    /// let l = Value::list(vec![Value::from(1), Value::bool(true), Value::Null]);
    /// assert_eq!(l.to_string(), "[1, 1, null]");
    /// assert!(Value::Null.is_null());
    /// ```
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(MsList(v))))
    }
    /// A new map holding `m` (hosts usually build maps with
    /// [`MapBuilder`](crate::host::MapBuilder) or [`ms_map!`](crate::ms_map)).
    pub fn map(m: MsMap) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }
    /// 1 for true, 0 for false.
    pub fn bool(b: bool) -> Value {
        Value::Num(if b { 1.0 } else { 0.0 })
    }
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// The number, or `None` for any other type.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }
    /// The number, with non-numbers read as 0 (how intrinsics read numeric parameters).
    pub fn num_or_zero(&self) -> f64 {
        self.as_num().unwrap_or(0.0)
    }
    /// The string, or `None` for any other type.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// MiniScript truthiness (spec §3).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Num(n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Func(_) => true,
        }
    }

    /// The type name used in type-check error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Num(_) => "Number",
            Value::Str(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Func(_) => "Function",
        }
    }

    /// Identity of a heap value (for `refEquals` and cycle detection).
    pub fn ref_ptr(&self) -> Option<usize> {
        match self {
            Value::Str(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
            Value::List(l) => Some(Rc::as_ptr(l) as *const u8 as usize),
            Value::Map(m) => Some(Rc::as_ptr(m) as *const u8 as usize),
            Value::Func(f) => Some(Rc::as_ptr(f) as *const u8 as usize),
            _ => None,
        }
    }

    /// Deep equality as MiniScript's `==` defines it for two values of the same kind
    /// (spec §3), cycle-safe. Mixed kinds are unequal; the `==` operator's special
    /// cases for functions and null are handled by the interpreter.
    pub fn equals(&self, other: &Value) -> bool {
        eq_inner(self, other)
    }

    /// Stable, well-mixed hash consistent with `equals` (used for map keys and `hash`).
    #[inline]
    pub fn key_hash(&self) -> u64 {
        if let Value::Str(s) = self {
            return s.hash();
        }
        hash_inner(self, 0, &mut HashMemo::new())
    }
}

/// Deep equality without native recursion: an explicit stack of pairs still to
/// compare, and the set of pairs already entered. A pair seen again is taken as
/// equal: either it is being compared further down the stack (a cycle: equal unless
/// some other element differs, which is found anyway) or it was already found equal
/// (a difference ends the whole comparison at once). So every pair of containers is
/// compared once, which keeps shared and self-containing structures linear instead
/// of exponential, and nesting of any depth costs heap, not stack.
fn eq_inner(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(_), Value::List(_)) | (Value::Map(_), Value::Map(_)) => {}
        _ => return eq_shallow(a, b).unwrap_or(false),
    }
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut todo: Vec<(Value, Value)> = vec![(a.clone(), b.clone())];
    while let Some((x, y)) = todo.pop() {
        match (&x, &y) {
            (Value::List(p), Value::List(q)) => {
                if Rc::ptr_eq(p, q) {
                    continue;
                }
                if !seen.insert((Rc::as_ptr(p) as usize, Rc::as_ptr(q) as usize)) {
                    continue;
                }
                let (ps, qs) = (p.borrow(), q.borrow());
                if ps.len() != qs.len() {
                    return false;
                }
                for (e, f) in ps.iter().zip(qs.iter()) {
                    match eq_shallow(e, f) {
                        Some(true) => {}
                        Some(false) => return false,
                        None => todo.push((e.clone(), f.clone())),
                    }
                }
            }
            (Value::Map(p), Value::Map(q)) => {
                if Rc::ptr_eq(p, q) {
                    continue;
                }
                if !seen.insert((Rc::as_ptr(p) as usize, Rc::as_ptr(q) as usize)) {
                    continue;
                }
                let (ps, qs) = (p.borrow(), q.borrow());
                if ps.len() != qs.len() {
                    return false;
                }
                for (k, e) in ps.iter() {
                    // Key lookup is itself a (separate, iterative) deep comparison.
                    let Some(f) = qs.get(k) else {
                        return false;
                    };
                    match eq_shallow(e, f) {
                        Some(true) => {}
                        Some(false) => return false,
                        None => todo.push((e.clone(), f.clone())),
                    }
                }
            }
            _ => {
                if !eq_shallow(&x, &y).unwrap_or(false) {
                    return false;
                }
            }
        }
    }
    true
}

/// Equality of two values when it needs no descent: `None` for two lists or two
/// maps that are different objects.
fn eq_shallow(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || x.as_str() == y.as_str(),
        (Value::List(x), Value::List(y)) => return Rc::ptr_eq(x, y).then_some(true),
        (Value::Map(x), Value::Map(y)) => return Rc::ptr_eq(x, y).then_some(true),
        (Value::Func(x), Value::Func(y)) => x.same_definition(y),
        _ => false,
    })
}

/// splitmix64 finalizer: turns any 64-bit value into a well-mixed hash.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of string contents; stable across runs and machines (no random seed).
pub fn str_hash(s: &str) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ (s.len() as u64);
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    let mut tail = 0u64;
    for (i, b) in chunks.remainder().iter().enumerate() {
        tail |= (*b as u64) << (8 * i);
    }
    h = (h.rotate_left(5) ^ tail).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    mix64(h)
}

fn num_hash(n: f64) -> u64 {
    // -0 and 0 are equal, so they must hash alike.
    let n = if n == 0.0 { 0.0 } else { n };
    mix64(n.to_bits() ^ 0x2545_f491_4f6c_dd1d)
}

/// Containers deeper than this hash by their length only.
const HASH_DEPTH: u32 = 16;

/// Hashes of containers already hashed at a given depth during one `key_hash`.
type HashMemo = std::collections::HashMap<(usize, u32), u64>;

/// The hash descends at most `HASH_DEPTH` levels, and each container is hashed at
/// most once per level (`memo`), so a structure that holds the same list many
/// times (or itself) costs time linear in its size, never exponential.
fn hash_inner(v: &Value, depth: u32, memo: &mut HashMemo) -> u64 {
    let key = match v {
        Value::Null => return 0x6a09_e667_f3bc_c909,
        Value::Num(n) => return num_hash(*n),
        Value::Str(s) => return s.hash(),
        Value::Func(f) => return mix64(f.definition_ptr() as u64),
        Value::List(l) => (Rc::as_ptr(l) as usize, depth),
        Value::Map(m) => (Rc::as_ptr(m) as usize, depth),
    };
    if let Some(h) = memo.get(&key) {
        return *h;
    }
    let h = match v {
        Value::List(l) => {
            let l = l.borrow();
            let mut h = mix64(l.len() as u64 ^ 0x1111);
            if depth < HASH_DEPTH {
                for e in l.iter() {
                    h = mix64(h.rotate_left(7) ^ hash_inner(e, depth + 1, memo));
                }
            }
            h
        }
        Value::Map(m) => {
            let m = m.borrow();
            // Order-independent: map equality ignores order.
            let mut h = mix64(m.len() as u64 ^ 0x2222);
            if depth < HASH_DEPTH {
                let mut acc = 0u64;
                for (k, v) in m.iter() {
                    acc = acc.wrapping_add(mix64(
                        hash_inner(k, depth + 1, memo)
                            ^ hash_inner(v, depth + 1, memo).rotate_left(17),
                    ));
                }
                h ^= acc;
            }
            mix64(h)
        }
        _ => unreachable!("scalars returned above"),
    };
    // The top level is never met again within one hash (a cycle comes back one
    // level deeper), so it is not worth a memo entry (and an allocation).
    if depth > 0 {
        memo.insert(key, h);
    }
    h
}

/// The elements of a MiniScript list: a `Vec` (through `Deref`) whose `Drop` never
/// recurses natively (see `drop_children`).
#[derive(Default)]
#[repr(transparent)]
pub struct MsList(pub Vec<Value>);

impl std::ops::Deref for MsList {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for MsList {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

impl From<Vec<Value>> for MsList {
    fn from(v: Vec<Value>) -> MsList {
        MsList(v)
    }
}

impl Drop for MsList {
    fn drop(&mut self) {
        if self.0.iter().any(is_container) {
            drop_children(std::mem::take(&mut self.0));
        }
    }
}

/// A MiniScript map: insertion-ordered (spec §3), keys of any type. An `IndexMap`
/// (through `Deref`) whose `Drop` never recurses natively.
#[derive(Default)]
#[repr(transparent)]
pub struct MsMap(pub IndexMap<Value, Value, BuildHasherDefault<KeyHasher>>);

impl std::ops::Deref for MsMap {
    type Target = IndexMap<Value, Value, BuildHasherDefault<KeyHasher>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for MsMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl MsMap {
    /// `IndexMap::insert`, noting a key that names a pure intrinsic (see
    /// [`crate::tier::intrinsics::shadowed`]). Every insertion into a map goes
    /// through here (the inherent method is found before the `DerefMut` one).
    #[inline]
    pub fn insert(&mut self, k: Value, v: Value) -> Option<Value> {
        if let Value::Str(s) = &k {
            crate::tier::intrinsics::note_key(s.as_str());
        }
        self.0.insert(k, v)
    }

    /// The index of the field `key`, using `cache`, an inline cache of the
    /// instruction asking: the index where it last found its key in some map. The
    /// entry there is checked by key equality (a pointer comparison when both are
    /// the same interned constant), so a stale or foreign hint only costs the
    /// normal hash lookup, after which the cache is updated. Maps built the same
    /// way (objects of one "class") hold their fields at the same indices, so one
    /// cache serves all of them.
    #[inline]
    pub fn index_cached(&self, key: &Value, cache: &Cell<u32>) -> Option<usize> {
        let hint = cache.get() as usize;
        if let Some((k, _)) = self.0.get_index(hint) {
            if k == key {
                return Some(hint);
            }
        }
        let i = self.0.get_index_of(key)?;
        cache.set(i as u32);
        Some(i)
    }

    /// The `__isa` entry, given `isa` (see [`isa_value`]): first at index 0, where
    /// `new` puts it, when the key there is that very string; else by hash.
    #[inline]
    pub fn isa_entry(&self, isa: &Value) -> Option<&Value> {
        if let (Some((Value::Str(k), v)), Value::Str(i)) = (self.0.get_index(0), isa) {
            if Rc::ptr_eq(k, i) {
                return Some(v);
            }
        }
        self.0.get(isa)
    }

    /// False only when string key `key` is surely absent: the map has a few entries
    /// and no string key hashes alike. Method calls ask it of the object first,
    /// which rarely holds the method itself: comparing a handful of cached hashes
    /// is cheaper than the hash probe that would miss.
    #[inline]
    pub fn may_hold_str(&self, key: &MsStr) -> bool {
        if self.0.len() > 8 {
            return true;
        }
        let h = key.hash();
        self.0
            .keys()
            .any(|k| matches!(k, Value::Str(s) if s.hash() == h))
    }

    /// The value of the field `key`, through `cache` (see [`MsMap::index_cached`]).
    /// Always inlined: the interpreter's field fast paths rely on it (left to
    /// LLVM, it stopped inlining when the native helpers moved to `tier::abi`).
    #[inline(always)]
    pub fn get_cached(&self, key: &Value, cache: &Cell<u32>) -> Option<&Value> {
        self.index_cached(key, cache).map(|i| &self.0[i])
    }

    /// Overwrite the value of `key`, found through `cache` (see
    /// [`MsMap::index_cached`]), returning the old value; when `key` is absent the
    /// map is unchanged and `v` is handed back (a new key must go through
    /// [`MsMap::insert`]).
    #[inline]
    pub fn replace_cached(
        &mut self,
        key: &Value,
        v: Value,
        cache: &Cell<u32>,
    ) -> Result<Value, Value> {
        match self.index_cached(key, cache) {
            Some(i) => Ok(std::mem::replace(&mut self.0[i], v)),
            None => Err(v),
        }
    }
}

impl MsMap {
    /// The number under string key `key` when `cache` already points at it (the key
    /// found by identity): the interpreter's one-probe read of a numeric variable.
    #[inline(always)]
    pub fn num_at_cached(&self, key: &Rc<MsStr>, cache: &Cell<u32>) -> Option<f64> {
        match self.0.get_index(cache.get() as usize) {
            Some((Value::Str(k), Value::Num(x))) if Rc::ptr_eq(k, key) => Some(*x),
            _ => None,
        }
    }

    /// Overwrite the number under string key `key` with `x` when `cache` already
    /// points at it (the key found by identity): the interpreter's one-probe write of
    /// a numeric variable. False (map unchanged) otherwise.
    #[inline(always)]
    pub fn set_num_at_cached(&mut self, key: &Rc<MsStr>, x: f64, cache: &Cell<u32>) -> bool {
        match self.0.get_index_mut(cache.get() as usize) {
            Some((Value::Str(k), Value::Num(n))) if Rc::ptr_eq(k, key) => {
                *n = x;
                true
            }
            _ => false,
        }
    }
}

impl Drop for MsMap {
    fn drop(&mut self) {
        if self
            .0
            .iter()
            .any(|(k, v)| is_container(k) || is_container(v))
        {
            let mut items = Vec::with_capacity(self.0.len() * 2);
            for (k, v) in std::mem::take(&mut self.0) {
                items.push(k);
                items.push(v);
            }
            drop_children(items);
        }
    }
}

/// Drops `stack` without native recursion: a value that is the last reference to a
/// container gives up its elements to the stack before it is dropped, so the
/// nested `drop` it causes sees an empty container. A list nested ten million deep
/// is freed in a loop.
fn drop_children(mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        match &v {
            Value::List(l) if Rc::strong_count(l) == 1 => {
                if let Ok(mut items) = l.try_borrow_mut() {
                    stack.append(&mut items.0);
                }
            }
            Value::Map(m) if Rc::strong_count(m) == 1 => {
                if let Ok(mut items) = m.try_borrow_mut() {
                    for (k, v) in std::mem::take(&mut items.0) {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
            Value::Func(f) if Rc::strong_count(f) == 1 => {
                // A function holds its `outer` map: closures can chain too.
                if let Some(outer) = &f.outer {
                    if Rc::strong_count(outer) == 1 {
                        if let Ok(mut items) = outer.try_borrow_mut() {
                            for (k, v) in std::mem::take(&mut items.0) {
                                stack.push(k);
                                stack.push(v);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        // `v` is dropped here, shallow now.
    }
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Map(_) | Value::Func(_))
}

impl PartialEq for Value {
    /// Deep MiniScript equality; this is what map keys use.
    #[inline]
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            // Map keys are almost always strings; interned constants compare by pointer.
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a.as_str() == b.as_str(),
            (Value::Num(x), Value::Num(y)) => x == y,
            _ => self.equals(other),
        }
    }
}
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.key_hash());
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{:?}", s.as_str()),
            Value::List(l) => write!(f, "list(len {})", l.borrow().len()),
            Value::Map(m) => write!(f, "map(len {})", m.borrow().len()),
            Value::Func(_) => write!(f, "function"),
        }
    }
}

/// An immutable MiniScript string with its hash cached on first use.
///
/// The text is a `String`, not a `Box<str>`: `s = s + t` on a string nothing else
/// holds appends in place (`push_str`), growing the buffer by doubling; the
/// `Rc` allocation is the same malloc size class either way (56 bytes vs 48).
pub struct MsStr {
    s: String,
    hash: Cell<u64>,
    ascii: bool,
}

impl MsStr {
    pub fn new(s: &str) -> MsStr {
        MsStr {
            ascii: s.is_ascii(),
            s: s.into(),
            hash: Cell::new(0),
        }
    }
    pub fn from_string(mut s: String) -> MsStr {
        // Spare capacity is given back, as a `Box<str>` did: only appends grow it.
        s.shrink_to_fit();
        MsStr {
            ascii: s.is_ascii(),
            s,
            hash: Cell::new(0),
        }
    }
    /// A string whose ASCII-ness the caller already knows (a concatenation of
    /// known parts), so the bytes are not scanned again.
    pub fn with_ascii(mut s: String, ascii: bool) -> MsStr {
        debug_assert_eq!(ascii, s.is_ascii());
        s.shrink_to_fit();
        MsStr {
            ascii,
            s,
            hash: Cell::new(0),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.s
    }
    /// Append `tail` (`ascii`: whether it is all ASCII) in place, for a string that
    /// one value alone holds: the interpreter's `s = s + t`.
    pub fn push_str(&mut self, tail: &str, ascii: bool) {
        self.s.push_str(tail);
        self.ascii &= ascii;
        self.hash.set(0);
    }
    pub fn is_empty(&self) -> bool {
        self.s.is_empty()
    }
    /// True when every character is one byte, so character index == byte index.
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }
    /// Length in characters (code points), as `len` reports it.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.s.len()
        } else {
            self.s.chars().count()
        }
    }
    pub fn hash(&self) -> u64 {
        let h = self.hash.get();
        if h != 0 {
            return h;
        }
        let h = str_hash(&self.s).max(1);
        self.hash.set(h);
        h
    }
}

pub fn new_map() -> MsMap {
    MsMap::default()
}

/// What a function value runs: compiled script code or a native intrinsic.
pub enum FuncCode {
    Script(Rc<Proto>),
    Native(Rc<crate::intrinsics::Intrinsic>),
}

/// A parameter as `print @f` shows it and as calls fill defaults.
///
/// ```
/// # use miniscript::host::{ParamSpec, Value};
/// let p = ParamSpec { name: "count".into(), default: Value::from(1) };
/// assert_eq!(&*p.name, "count");
/// ```
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// The parameter's name.
    pub name: Rc<str>,
    /// Its default value (null when none was given).
    pub default: Value,
}

/// A function value: code plus the `outer` map it was bound to (spec §6.4); `None`
/// means unbound (outer falls back to globals).
pub struct FuncVal {
    pub code: FuncCode,
    pub outer: Option<MapRef>,
}

impl FuncVal {
    pub fn params(&self) -> &[ParamSpec] {
        match &self.code {
            FuncCode::Script(p) => &p.params,
            FuncCode::Native(i) => &i.params,
        }
    }
    fn definition_ptr(&self) -> usize {
        match &self.code {
            FuncCode::Script(p) => Rc::as_ptr(p) as usize,
            FuncCode::Native(i) => Rc::as_ptr(i) as usize,
        }
    }
    /// Function equality is by definition, not by binding (spec §3).
    pub fn same_definition(&self, other: &FuncVal) -> bool {
        self.definition_ptr() == other.definition_ptr()
    }
}

#[cfg(test)]
mod tests;

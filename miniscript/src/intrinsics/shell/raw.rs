//! The shell's `RawData` type: byte buffers held by the interpreter under a handle,
//! `file.loadRaw`/`file.saveRaw`, and the typed little/big-endian accessors.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::rc::{Rc, Weak};

use super::file::{handle_id, lookup, new_handle};
use super::{arg, state, text, Def, Entry, N};
use crate::error::{MsError, MsResult};
use crate::interp::Vm;
use crate::intrinsics::{int, num};
use crate::value::{MsMap, Value};

const O: Def = Def::Num(0.0);

/// Methods of `RawData`.
pub(super) const RAW_METHODS: &[Entry] = &[
    ("len", &[("self", N)], raw_len),
    (
        "resize",
        &[("self", N), ("bytes", Def::Num(32.0))],
        raw_resize,
    ),
    ("byte", &[("self", N), ("offset", O)], raw_byte),
    (
        "setByte",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_byte,
    ),
    ("sbyte", &[("self", N), ("offset", O)], raw_sbyte),
    (
        "setSbyte",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_sbyte,
    ),
    ("ushort", &[("self", N), ("offset", O)], raw_ushort),
    (
        "setUshort",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_ushort,
    ),
    ("short", &[("self", N), ("offset", O)], raw_short),
    (
        "setShort",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_short,
    ),
    ("uint", &[("self", N), ("offset", O)], raw_uint),
    (
        "setUint",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_uint,
    ),
    ("int", &[("self", N), ("offset", O)], raw_int),
    (
        "setInt",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_int,
    ),
    ("float", &[("self", N), ("offset", O)], raw_float),
    (
        "setFloat",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_float,
    ),
    ("double", &[("self", N), ("offset", O)], raw_double),
    (
        "setDouble",
        &[("self", N), ("offset", O), ("value", O)],
        raw_set_double,
    ),
    (
        "utf8",
        &[("self", N), ("offset", O), ("bytes", Def::Num(-1.0))],
        raw_utf8,
    ),
    (
        "setUtf8",
        &[("self", N), ("offset", O), ("value", Def::Str(""))],
        raw_set_utf8,
    ),
];

pub(super) struct RawBuf {
    data: Vec<u8>,
    pub(super) owner: Weak<RefCell<MsMap>>,
}

pub(super) fn load_raw(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let path = text(arg(args, 0));
    if std::path::Path::new(&path).is_dir() {
        return Ok(Value::Null);
    }
    let Ok(data) = std::fs::read(&path) else {
        return Ok(Value::Null);
    };
    let st = state(vm)?;
    let class = st.raw_class.clone();
    let (id, map) = new_handle(st, &class);
    st.raws.insert(
        id,
        RawBuf {
            data,
            owner: Rc::downgrade(&map),
        },
    );
    Ok(Value::Map(map))
}

pub(super) fn save_raw(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let path = text(arg(args, 0));
    let required = || Ok(Value::str("Error: RawData parameter is required"));
    let Some(id) = handle_id(arg(args, 1)) else {
        return required();
    };
    let data = match state(vm)?.raws.get(&id) {
        Some(r) if !r.data.is_empty() => r.data.clone(),
        _ => return required(),
    };
    let Ok(mut f) = File::create(&path) else {
        return Ok(Value::Null);
    };
    match f.write_all(&data) {
        Ok(()) => Ok(Value::Null),
        Err(_) => Ok(Value::string(format!(
            "Error: expected to write {} bytes, written 0",
            data.len()
        ))),
    }
}

fn index_error() -> MsError {
    MsError::runtime("Index Error (index out of range)")
}

/// The byte range `[offset, offset + n)` of `self`'s data, with the reference's
/// rules: negative offsets count from the end, `n < 0` means to the end. Out of
/// range: an error, or when `adjust`, `n` shortened to fit.
fn raw_range(
    vm: &mut Vm,
    this: &Value,
    offset: i64,
    n: i64,
    adjust: bool,
) -> MsResult<Option<(u64, usize, usize)>> {
    let Some(id) = handle_id(this) else {
        return Ok(None);
    };
    let Some(buf) = state(vm)?.raws.get(&id) else {
        return Ok(None);
    };
    let size = buf.data.len() as i64;
    let offset = if offset < 0 { offset + size } else { offset };
    if offset < 0 || offset > size {
        return Err(index_error());
    }
    let mut n = if n < 0 { size - offset } else { n };
    if offset + n > size {
        if !adjust {
            return Err(index_error());
        }
        n = size - offset;
    }
    Ok(Some((id, offset as usize, n as usize)))
}

fn little_endian(this: &Value) -> bool {
    lookup(this, "littleEndian").is_none_or(|v| v.truthy())
}

fn raw_get(vm: &mut Vm, args: &[Value], n: usize) -> MsResult<Option<u64>> {
    let this = arg(args, 0).clone();
    let Some((id, at, len)) = raw_range(vm, &this, int(arg(args, 1)), n as i64, false)? else {
        return Err(index_error());
    };
    let le = little_endian(&this);
    let data = &state(vm)?.raws[&id].data[at..at + len];
    let mut word = 0u64;
    if le {
        for &b in data.iter().rev() {
            word = (word << 8) | u64::from(b);
        }
    } else {
        for &b in data {
            word = (word << 8) | u64::from(b);
        }
    }
    Ok(Some(word))
}

fn raw_set(vm: &mut Vm, args: &[Value], n: usize, word: u64) -> MsResult<Value> {
    let this = arg(args, 0).clone();
    let Some((id, at, len)) = raw_range(vm, &this, int(arg(args, 1)), n as i64, false)? else {
        return Err(index_error());
    };
    let le = little_endian(&this);
    let data = &mut state(vm)?.raws.get_mut(&id).ok_or_else(index_error)?.data[at..at + len];
    for (i, b) in data.iter_mut().enumerate() {
        let shift = if le { i } else { len - 1 - i } * 8;
        *b = (word >> shift) as u8;
    }
    Ok(Value::Null)
}

/// C++ `UIntValue`: negative numbers wrap like a two's-complement cast.
fn uint(v: &Value) -> u64 {
    let x = num(v);
    if x < 0.0 {
        (x as i64) as u64
    } else {
        x as u64
    }
}

fn raw_len(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let n = match handle_id(arg(args, 0)) {
        Some(id) => state(vm)?.raws.get(&id).map_or(0, |r| r.data.len()),
        None => 0,
    };
    Ok(Value::Num(n as f64))
}

fn raw_resize(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let n = int(arg(args, 1));
    if n < 0 {
        return Err(MsError::runtime("bytes parameter must be >= 0"));
    }
    let this = arg(args, 0).clone();
    let Value::Map(map) = &this else {
        return Ok(Value::Null);
    };
    let id = match handle_id(&this).filter(|id| state(vm).is_ok_and(|s| s.raws.contains_key(id))) {
        Some(id) => id,
        None => {
            // `new RawData` has no storage yet: attach some to this object.
            let st = state(vm)?;
            st.raws.retain(|_, r| r.owner.strong_count() > 0);
            let id = st.next_id;
            st.next_id += 1;
            st.raws.insert(
                id,
                RawBuf {
                    data: Vec::new(),
                    owner: Rc::downgrade(map),
                },
            );
            map.borrow_mut()
                .insert(Value::str("_handle"), Value::Num(id as f64));
            id
        }
    };
    if let Some(r) = state(vm)?.raws.get_mut(&id) {
        r.data.resize(n as usize, 0);
    }
    Ok(Value::Null)
}

fn raw_byte(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 1)?.map_or(Value::Null, |w| Value::Num(w as f64)))
}
fn raw_sbyte(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 1)?.map_or(Value::Null, |w| Value::Num(f64::from(w as u8 as i8))))
}
fn raw_ushort(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 2)?.map_or(Value::Null, |w| Value::Num(w as f64)))
}
fn raw_short(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 2)?.map_or(Value::Null, |w| Value::Num(f64::from(w as u16 as i16))))
}
fn raw_uint(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 4)?.map_or(Value::Null, |w| Value::Num(w as f64)))
}
fn raw_int(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 4)?.map_or(Value::Null, |w| Value::Num(f64::from(w as u32 as i32))))
}
fn raw_float(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 4)?.map_or(Value::Null, |w| {
        Value::Num(f64::from(f32::from_bits(w as u32)))
    }))
}
fn raw_double(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    Ok(raw_get(vm, args, 8)?.map_or(Value::Null, |w| Value::Num(f64::from_bits(w))))
}

fn raw_set_byte(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = uint(arg(args, 2));
    raw_set(vm, args, 1, w)
}
fn raw_set_sbyte(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = int(arg(args, 2)) as u64;
    raw_set(vm, args, 1, w)
}
fn raw_set_ushort(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = uint(arg(args, 2));
    raw_set(vm, args, 2, w)
}
fn raw_set_short(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = int(arg(args, 2)) as u64;
    raw_set(vm, args, 2, w)
}
fn raw_set_uint(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = uint(arg(args, 2));
    raw_set(vm, args, 4, w)
}
fn raw_set_int(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = int(arg(args, 2)) as u64;
    raw_set(vm, args, 4, w)
}
fn raw_set_float(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = u64::from((num(arg(args, 2)) as f32).to_bits());
    raw_set(vm, args, 4, w)
}
fn raw_set_double(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let w = num(arg(args, 2)).to_bits();
    raw_set(vm, args, 8, w)
}

/// `utf8(offset=0, bytes=-1)`: the bytes decoded as UTF-8; null if they do not fit.
fn raw_utf8(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let this = arg(args, 0).clone();
    let (offset, n) = (int(arg(args, 1)), int(arg(args, 2)));
    let Some(id) = handle_id(&this) else {
        return Ok(Value::Null);
    };
    let size = match state(vm)?.raws.get(&id) {
        Some(r) => r.data.len() as i64,
        None => return Ok(Value::Null),
    };
    let off = if offset < 0 { offset + size } else { offset };
    if off < 0 || off > size {
        return Err(index_error());
    }
    let n = if n < 0 { size - off } else { n };
    if off + n > size {
        return Ok(Value::Null);
    }
    let data = &state(vm)?.raws[&id].data[off as usize..(off + n) as usize];
    Ok(Value::string(String::from_utf8_lossy(data).into_owned()))
}

/// `setUtf8(offset=0, value="")`: writes the string's bytes (as many as fit);
/// returns the number written.
fn raw_set_utf8(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let this = arg(args, 0).clone();
    let value = text(arg(args, 2));
    let bytes = value.as_bytes();
    let Some((id, at, len)) = raw_range(vm, &this, int(arg(args, 1)), bytes.len() as i64, true)?
    else {
        return Err(index_error());
    };
    if let Some(r) = state(vm)?.raws.get_mut(&id) {
        r.data[at..at + len].copy_from_slice(&bytes[..len]);
    }
    Ok(Value::Num(len as f64))
}

//! The shell's `file` module: path functions (`curdir`, `children`, `info`, ...),
//! whole-file `readLines`/`writeLines`, and open-file handles (maps with a `_handle`
//! id into the interpreter's table) with their methods.

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::rc::{Rc, Weak};

use super::civil::civil_from_days;
use super::raw::{load_raw, save_raw};
use super::{arg, path_arg, state, text, Def, Entry, ShellState, N};
use crate::error::{MsError, MsResult};
use crate::format::to_str;
use crate::interp::Vm;
use crate::intrinsics::int;
use crate::value::{new_map, MapRef, MsMap, StrKey, Value};

/// Functions of the `file` map.
pub(super) const FILE_FUNCS: &[Entry] = &[
    ("curdir", &[], curdir),
    ("setdir", &[("path", N)], setdir),
    ("children", &[("path", N)], children),
    ("name", &[("path", N)], name),
    ("exists", &[("path", N)], exists),
    ("info", &[("path", N)], info),
    ("makedir", &[("path", N)], makedir),
    ("parent", &[("path", N)], parent),
    ("child", &[("parentPath", N), ("childName", N)], child),
    ("move", &[("oldPath", N), ("newPath", N)], move_),
    ("copy", &[("oldPath", N), ("newPath", N)], copy),
    ("delete", &[("path", N)], delete),
    ("open", &[("path", N), ("mode", Def::Str("r+"))], open),
    ("readLines", &[("path", N)], read_lines),
    ("writeLines", &[("path", N), ("lines", N)], write_lines),
    ("loadRaw", &[("path", N)], load_raw),
    ("saveRaw", &[("path", N), ("rawData", N)], save_raw),
];

/// The `file` functions that write or change the process (group `file_write`).
pub(super) const WRITE_FUNCS: &[&str] = &[
    "setdir",
    "makedir",
    "move",
    "copy",
    "delete",
    "writeLines",
    "saveRaw",
];

/// Methods of open-file handles.
pub(super) const HANDLE_METHODS: &[Entry] = &[
    ("close", &[("self", N)], fclose),
    ("isOpen", &[("self", N)], fis_open),
    ("write", &[("self", N), ("data", N)], fwrite),
    ("writeLine", &[("self", N), ("data", N)], fwrite_line),
    ("read", &[("self", N), ("byteCount", Def::Num(-1.0))], fread),
    ("readLine", &[("self", N)], fread_line),
    ("position", &[("self", N)], fposition),
    ("atEnd", &[("self", N)], fat_end),
];

fn truth(b: bool) -> MsResult<Value> {
    Ok(Value::bool(b))
}

fn curdir(_: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(std::env::current_dir()
        .map(|p| Value::str(&p.to_string_lossy()))
        .unwrap_or(Value::Null))
}

fn setdir(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let Some(p) = path_arg(arg(args, 0)) else {
        return Ok(Value::Num(0.0));
    };
    truth(!p.is_empty() && std::env::set_current_dir(&p).is_ok())
}

fn children(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let p = path_arg(arg(args, 0))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| ".".into());
    let mut names: Vec<String> = match std::fs::read_dir(&p) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    Ok(Value::list(names.iter().map(|n| Value::str(n)).collect()))
}

/// POSIX `basename`.
pub(super) fn basename(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// POSIX `dirname`.
pub(super) fn dirname(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { ".".into() } else { "/".into() };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let d = t[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".into()
            } else {
                d.to_string()
            }
        }
    }
}

fn name(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    match path_arg(arg(args, 0)) {
        None => Ok(Value::Num(0.0)),
        Some(p) => Ok(Value::string(basename(&p))),
    }
}

fn parent(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    match path_arg(arg(args, 0)) {
        None => Ok(Value::Num(0.0)),
        Some(p) => Ok(Value::string(dirname(&p))),
    }
}

fn exists(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    match path_arg(arg(args, 0)) {
        None => Ok(Value::Null),
        Some(p) => truth(std::path::Path::new(&p).exists()),
    }
}

/// `yyyy-mm-dd HH:MM:SS` of a Unix time, in UTC.
pub(super) fn format_utc(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn info(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let p = path_arg(arg(args, 0)).unwrap_or_default();
    let p = if p.is_empty() {
        match std::env::current_dir() {
            Ok(d) => d.to_string_lossy().into_owned(),
            Err(_) => return Ok(Value::Null),
        }
    } else {
        p
    };
    let Ok(meta) = std::fs::metadata(&p) else {
        return Ok(Value::Null);
    };
    let full = std::fs::canonicalize(&p)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.clone());
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let mut m = new_map();
    m.insert(Value::str("path"), Value::string(full));
    m.insert(Value::str("isDirectory"), Value::bool(meta.is_dir()));
    m.insert(Value::str("size"), Value::Num(meta.len() as f64));
    m.insert(Value::str("date"), Value::string(format_utc(mtime)));
    Ok(Value::map(m))
}

fn makedir(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    match path_arg(arg(args, 0)) {
        None => Ok(Value::Null),
        Some(p) => truth(std::fs::create_dir(&p).is_ok()),
    }
}

fn child(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let parent = text(arg(args, 0));
    let name = text(arg(args, 1));
    if parent.ends_with('/') {
        Ok(Value::string(parent + &name))
    } else {
        Ok(Value::string(format!("{parent}/{name}")))
    }
}

fn move_(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    truth(std::fs::rename(text(arg(args, 0)), text(arg(args, 1))).is_ok())
}

fn copy(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    truth(std::fs::copy(text(arg(args, 0)), text(arg(args, 1))).is_ok())
}

/// `delete(path)`: a file, or an empty directory (C `remove`).
fn delete(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let p = text(arg(args, 0));
    let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
    let r = if is_dir {
        std::fs::remove_dir(&p)
    } else {
        std::fs::remove_file(&p)
    };
    truth(r.is_ok())
}

/// `readLines(path)`: the lines of a text file (split at `\n`, `\r\n` or `\r`; a
/// final line break does not add an empty line); null if it cannot be read.
fn read_lines(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let Ok(bytes) = std::fs::read(text(arg(args, 0))) else {
        return Ok(Value::Null);
    };
    let s = String::from_utf8_lossy(&bytes);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(Value::string(std::mem::take(&mut cur)));
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        lines.push(Value::string(cur));
    }
    Ok(Value::list(lines))
}

/// `writeLines(path, lines)`: each element's `str` plus a line break (a non-list is
/// written as one line); the number of bytes written, or null if the file cannot be
/// created.
fn write_lines(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let Ok(mut f) = File::create(text(arg(args, 0))) else {
        return Ok(Value::Null);
    };
    let mut data = String::new();
    match arg(args, 1) {
        Value::List(l) => {
            for v in l.borrow().iter() {
                data.push_str(&to_str(v));
                data.push('\n');
            }
        }
        other => {
            data.push_str(&to_str(other));
            data.push('\n');
        }
    }
    match f.write_all(data.as_bytes()) {
        Ok(()) => Ok(Value::Num(data.len() as f64)),
        Err(_) => Ok(Value::Num(0.0)),
    }
}

// ---------------------------------------------------------------------------------
// Handles: a map with `__isa` and `_handle` (an id into the interpreter's table).

/// The `_handle` id of `v` (a map, or an object deriving from one via `__isa`).
pub(super) fn handle_id(v: &Value) -> Option<u64> {
    let mut cur = v.clone();
    for _ in 0..16 {
        let Value::Map(m) = &cur else {
            return None;
        };
        let next = {
            let m = m.borrow();
            if let Some(Value::Num(id)) = m.get(&StrKey("_handle")) {
                return Some(*id as u64);
            }
            m.get(&StrKey("__isa")).cloned()
        };
        cur = next?;
    }
    None
}

/// Looks `key` up in a map and its `__isa` chain.
pub(super) fn lookup(v: &Value, key: &str) -> Option<Value> {
    let mut cur = v.clone();
    for _ in 0..16 {
        let Value::Map(m) = &cur else {
            return None;
        };
        let next = {
            let m = m.borrow();
            if let Some(x) = m.get(&StrKey(key)) {
                return Some(x.clone());
            }
            m.get(&StrKey("__isa")).cloned()
        };
        cur = next?;
    }
    None
}

/// A new handle map `{__isa: class, _handle: id}`.
pub(super) fn new_handle(st: &mut ShellState, class: &MapRef) -> (u64, MapRef) {
    // Release what scripts can no longer reach before adding more.
    st.files.retain(|_, f| f.owner.strong_count() > 0);
    st.raws.retain(|_, r| r.owner.strong_count() > 0);
    let id = st.next_id;
    st.next_id += 1;
    let mut m = new_map();
    m.insert(Value::str("__isa"), Value::Map(class.clone()));
    m.insert(Value::str("_handle"), Value::Num(id as f64));
    (id, Rc::new(RefCell::new(m)))
}

/// An open file with a read-ahead buffer, emulating C `FILE` semantics the
/// reference's methods rely on (`atEnd` is true only after a read hit the end).
pub(super) struct OpenFile {
    file: Option<File>,
    rbuf: Vec<u8>,
    rpos: usize,
    eof: bool,
    owner: Weak<RefCell<MsMap>>,
}

impl OpenFile {
    /// Refill the read buffer; false at end of file.
    fn fill(&mut self) -> bool {
        let Some(f) = self.file.as_mut() else {
            return false;
        };
        self.rbuf.resize(8192, 0);
        self.rpos = 0;
        match f.read(&mut self.rbuf) {
            Ok(n) if n > 0 => {
                self.rbuf.truncate(n);
                true
            }
            _ => {
                self.rbuf.clear();
                self.eof = true;
                false
            }
        }
    }

    fn read_line(&mut self) -> Option<Vec<u8>> {
        let mut acc = Vec::new();
        loop {
            if self.rpos < self.rbuf.len() {
                let rest = &self.rbuf[self.rpos..];
                if let Some(i) = rest.iter().position(|&b| b == b'\n') {
                    acc.extend_from_slice(&rest[..i]);
                    self.rpos += i + 1;
                    return Some(acc);
                }
                acc.extend_from_slice(rest);
                self.rpos = self.rbuf.len();
            }
            if !self.fill() {
                return if acc.is_empty() { None } else { Some(acc) };
            }
        }
    }

    /// Up to `n` bytes (all remaining when `n < 0`).
    fn read_bytes(&mut self, n: i64) -> Vec<u8> {
        let mut acc = Vec::new();
        loop {
            let want = if n < 0 {
                usize::MAX
            } else {
                n as usize - acc.len()
            };
            if want == 0 {
                return acc;
            }
            if self.rpos < self.rbuf.len() {
                let take = want.min(self.rbuf.len() - self.rpos);
                acc.extend_from_slice(&self.rbuf[self.rpos..self.rpos + take]);
                self.rpos += take;
                continue;
            }
            if !self.fill() {
                return acc;
            }
        }
    }

    /// Drop read-ahead so the OS position matches the logical one (before writes).
    fn sync_position(&mut self) {
        let unread = self.rbuf.len() - self.rpos;
        if unread > 0 {
            if let Some(f) = self.file.as_mut() {
                let _ = f.seek(SeekFrom::Current(-(unread as i64)));
            }
        }
        self.rbuf.clear();
        self.rpos = 0;
    }

    fn write(&mut self, data: &[u8]) -> usize {
        self.sync_position();
        self.eof = false;
        let ok = self
            .file
            .as_mut()
            .is_some_and(|f| f.write_all(data).is_ok());
        if ok {
            data.len()
        } else {
            0
        }
    }

    fn position(&mut self) -> Option<u64> {
        let unread = (self.rbuf.len() - self.rpos) as u64;
        let f = self.file.as_mut()?;
        f.stream_position().ok().map(|p| p - unread)
    }
}

/// `fopen` modes; the default (null, `""`, `"r+"`, `"rw+"`) opens for reading and
/// writing, creating the file if needed.
fn open_with_mode(path: &str, mode: Option<&str>) -> Option<File> {
    let mode = mode.unwrap_or("");
    let m: String = mode.chars().filter(|c| *c != 'b' && *c != 't').collect();
    let mut o = OpenOptions::new();
    match m.as_str() {
        "" | "r+" | "rw+" => {
            return OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .or_else(|_| {
                    OpenOptions::new()
                        .read(true)
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(path)
                })
                .ok();
        }
        "r" => o.read(true),
        "w" => o.write(true).create(true).truncate(true),
        "w+" => o.read(true).write(true).create(true).truncate(true),
        "a" => o.append(true).create(true),
        "a+" => o.read(true).append(true).create(true),
        _ => return None,
    };
    o.open(path).ok()
}

fn open(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let path = text(arg(args, 0));
    let mode = path_arg(arg(args, 1));
    if std::path::Path::new(&path).is_dir() {
        return Ok(Value::Null);
    }
    let read_only = matches!(mode.as_deref(), Some("r" | "rb" | "rt"));
    if !read_only && !state(vm)?.groups.file_write {
        return Err(MsError::runtime(
            "file.open: writing files is not allowed in this interpreter",
        ));
    }
    let Some(file) = open_with_mode(&path, mode.as_deref()) else {
        return Ok(Value::Null);
    };
    let st = state(vm)?;
    let class = st.file_class.clone();
    let (id, map) = new_handle(st, &class);
    st.files.insert(
        id,
        OpenFile {
            file: Some(file),
            rbuf: Vec::new(),
            rpos: 0,
            eof: false,
            owner: Rc::downgrade(&map),
        },
    );
    Ok(Value::Map(map))
}

/// Run `f` on the open file behind `self`; `None` when `self` is not a file handle.
fn with_file<T>(
    vm: &mut Vm,
    this: &Value,
    f: impl FnOnce(&mut OpenFile) -> T,
) -> MsResult<Option<T>> {
    let Some(id) = handle_id(this) else {
        return Ok(None);
    };
    Ok(state(vm)?.files.get_mut(&id).map(f))
}

fn fclose(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let r = with_file(vm, arg(args, 0), |f| f.file.take().is_some())?;
    Ok(match r {
        None => Value::Null,
        Some(was_open) => Value::bool(was_open),
    })
}

fn fis_open(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let r = with_file(vm, arg(args, 0), |f| f.file.is_some())?;
    Ok(r.map_or(Value::Null, Value::bool))
}

fn write_common(vm: &mut Vm, args: &[Value], newline: bool) -> MsResult<Value> {
    let mut data = text(arg(args, 1));
    if newline {
        data.push('\n');
    }
    let r = with_file(vm, arg(args, 0), |f| {
        if f.file.is_none() {
            0
        } else {
            f.write(data.as_bytes())
        }
    })?;
    Ok(r.map_or(Value::Null, |n| Value::Num(n as f64)))
}

fn fwrite(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    write_common(vm, args, false)
}

fn fwrite_line(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    write_common(vm, args, true)
}

/// `read(byteCount=-1)`: that many bytes, or the rest of the file.
fn fread(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let n = int(arg(args, 1));
    if n == 0 {
        return Ok(Value::str(""));
    }
    let r = with_file(vm, arg(args, 0), |f| {
        if f.file.is_none() {
            return Value::Num(0.0);
        }
        let bytes = f.read_bytes(n);
        Value::string(String::from_utf8_lossy(&bytes).into_owned())
    })?;
    Ok(r.unwrap_or(Value::Null))
}

/// `readLine`: the next line without its line break; null at end of file.
fn fread_line(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let r = with_file(vm, arg(args, 0), |f| {
        f.file.as_ref()?;
        let mut line = f.read_line()?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(Value::string(String::from_utf8_lossy(&line).into_owned()))
    })?;
    Ok(r.flatten().unwrap_or(Value::Null))
}

fn fposition(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let r = with_file(vm, arg(args, 0), |f| f.position())?;
    Ok(match r.flatten() {
        Some(p) => Value::Num(p as f64),
        None => Value::Null,
    })
}

fn fat_end(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let r = with_file(vm, arg(args, 0), |f| f.file.is_some().then_some(f.eof))?;
    Ok(r.flatten().map_or(Value::Null, Value::bool))
}

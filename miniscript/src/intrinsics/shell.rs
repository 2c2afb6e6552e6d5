//! Intrinsics of the command-line host (spec §10, the reference's
//! `ShellIntrinsics.cpp`): `import`, `file` with open-file handles, `RawData`,
//! `shellArgs`, `env`, `exit`, `input` and `exec`. Not core MiniScript: a host adds
//! them with [`register`] (the CLI does; `host::Interpreter::add_shell_intrinsics`).
//!
//! Differences from the reference, all deliberate:
//! - State (the `env` map, open files, raw data) belongs to one interpreter, not to
//!   the process. Assigning to `env` changes what `import` and `exec` see (their
//!   children get the map as their environment) but not the process's own
//!   environment, which Rust cannot change safely while other threads run.
//! - Open files and raw data are kept by the interpreter under a numeric `_handle`;
//!   they are released by `close`, when the handle map is no longer referenced (at
//!   the next `open`/`loadRaw`), or with the interpreter.
//! - `file.info` reports `date` in UTC (the reference uses local time on Unix, UTC on
//!   Windows); `file.children` lists names sorted.
//! - `exec` reads the child's output while it runs (no pipe-buffer deadlock), and an
//!   interrupt kills the child.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{int, num};
use crate::error::{MsError, MsResult};
use crate::format::to_str;
use crate::host::{add_intrinsic, EXIT_MESSAGE};
use crate::interp::Vm;
use crate::value::{new_map, MapRef, MsMap, ParamSpec, StrKey, Value};

/// What the shell intrinsics need from the host.
#[derive(Clone, Debug, Default)]
pub struct ShellConfig {
    /// `shellArgs`: the script path (or `-e`, `-`), then the script's arguments.
    pub args: Vec<String>,
    /// The running script, whose directory becomes `MS_SCRIPT_DIR` (default: the
    /// current directory).
    pub script_path: Option<PathBuf>,
    /// `MS_EXE_DIR` (default: the directory of the running executable).
    pub exe_dir: Option<PathBuf>,
    /// The environment `env` starts from (default: the process environment).
    pub env: Option<Vec<(String, String)>>,
}

/// Per-interpreter state of the shell intrinsics.
pub struct ShellState {
    args: Value,
    env: MapRef,
    file_module: MapRef,
    file_class: MapRef,
    raw_class: MapRef,
    files: HashMap<u64, OpenFile>,
    raws: HashMap<u64, RawBuf>,
    next_id: u64,
}

/// Default import path when the environment has none (the reference's).
const DEFAULT_IMPORT_PATH: &str = "$MS_SCRIPT_DIR:$MS_SCRIPT_DIR/lib:$MS_EXE_DIR/lib";

type Entry = (
    &'static str,
    &'static [(&'static str, Def)],
    super::NativeFn,
);

#[derive(Clone, Copy)]
enum Def {
    Null,
    Num(f64),
    Str(&'static str),
}

fn make_params(spec: &[(&str, Def)]) -> Vec<ParamSpec> {
    spec.iter()
        .map(|(n, d)| ParamSpec {
            name: Rc::from(*n),
            default: match d {
                Def::Null => Value::Null,
                Def::Num(x) => Value::Num(*x),
                Def::Str(s) => Value::str(s),
            },
        })
        .collect()
}

use Def::Null as N;

/// Global shell intrinsics, in the reference's order.
const GLOBALS: &[Entry] = &[
    ("exit", &[("resultCode", N)], exit),
    ("shellArgs", &[], shell_args),
    ("env", &[], env),
    ("input", &[("prompt", Def::Str(""))], input),
    ("import", &[("libname", Def::Str(""))], import),
    ("file", &[], file_module),
    ("exec", &[("cmd", N), ("timeout", Def::Num(30.0))], exec),
    ("RawData", &[], raw_data_type),
];

/// Functions of the `file` map.
const FILE_FUNCS: &[Entry] = &[
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

/// Methods of open-file handles.
const HANDLE_METHODS: &[Entry] = &[
    ("close", &[("self", N)], fclose),
    ("isOpen", &[("self", N)], fis_open),
    ("write", &[("self", N), ("data", N)], fwrite),
    ("writeLine", &[("self", N), ("data", N)], fwrite_line),
    ("read", &[("self", N), ("byteCount", Def::Num(-1.0))], fread),
    ("readLine", &[("self", N)], fread_line),
    ("position", &[("self", N)], fposition),
    ("atEnd", &[("self", N)], fat_end),
];

const O: Def = Def::Num(0.0);

/// Methods of `RawData`.
const RAW_METHODS: &[Entry] = &[
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

/// Adds the shell intrinsics to `vm` (calling it again replaces their state).
pub fn register(vm: &mut Vm, config: ShellConfig) {
    let method_map = |vm: &mut Vm, entries: &[Entry]| {
        let mut m = new_map();
        for (n, p, f) in entries {
            let fv = add_intrinsic(vm, "", make_params(p), *f);
            m.insert(Value::str(n), fv);
        }
        m
    };
    let file_module = method_map(vm, FILE_FUNCS);
    let file_class = method_map(vm, HANDLE_METHODS);
    let mut raw_class = method_map(vm, RAW_METHODS);
    raw_class.shift_insert(0, Value::str("littleEndian"), Value::Num(1.0));
    for (n, p, f) in GLOBALS {
        add_intrinsic(vm, n, make_params(p), *f);
    }
    let args = Value::list(config.args.iter().map(|a| Value::str(a)).collect());
    let state = ShellState {
        args,
        env: Rc::new(RefCell::new(env_map(&config))),
        file_module: Rc::new(RefCell::new(file_module)),
        file_class: Rc::new(RefCell::new(file_class)),
        raw_class: Rc::new(RefCell::new(raw_class)),
        files: HashMap::new(),
        raws: HashMap::new(),
        next_id: 1,
    };
    vm.host.shell = Some(Box::new(state));
}

fn env_map(config: &ShellConfig) -> MsMap {
    let mut m = new_map();
    match &config.env {
        Some(vars) => {
            for (k, v) in vars {
                m.insert(Value::str(k), Value::str(v));
            }
        }
        None => {
            for (k, v) in std::env::vars_os() {
                m.insert(
                    Value::str(&k.to_string_lossy()),
                    Value::str(&v.to_string_lossy()),
                );
            }
        }
    }
    let cwd = || std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let script_dir = match &config.script_path {
        Some(p) => {
            let full = std::fs::canonicalize(p).unwrap_or_else(|_| cwd().join(p));
            full.parent().map(|d| d.to_path_buf()).unwrap_or_else(cwd)
        }
        None => std::fs::canonicalize(".").unwrap_or_else(|_| cwd()),
    };
    let exe_dir = config.exe_dir.clone().or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.to_path_buf()))
    });
    m.insert(
        Value::str("MS_SCRIPT_DIR"),
        Value::str(&script_dir.to_string_lossy()),
    );
    if let Some(d) = exe_dir {
        m.insert(Value::str("MS_EXE_DIR"), Value::str(&d.to_string_lossy()));
    }
    if !m.contains_key(&StrKey("MS_IMPORT_PATH")) {
        m.insert(
            Value::str("MS_IMPORT_PATH"),
            Value::str(DEFAULT_IMPORT_PATH),
        );
    }
    m
}

fn state(vm: &mut Vm) -> MsResult<&mut ShellState> {
    vm.host
        .shell
        .as_deref_mut()
        .ok_or_else(|| MsError::runtime("shell intrinsics are not set up in this interpreter"))
}

/// A string argument; null reads as the empty string (C++ `ToString`).
fn text(v: &Value) -> String {
    to_str(v)
}

/// A path argument: null means "no path".
fn path_arg(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(to_str(other)),
    }
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

// ---------------------------------------------------------------------------------
// Globals.

/// `exit(resultCode)`: stop the program; the host exits with `resultCode` (0 when
/// null). Unwinds the run with an error that hosts do not report.
fn exit(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let code = match arg(args, 0) {
        Value::Null => 0,
        v => int(v).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
    };
    vm.host.exit_code = Some(code);
    Err(MsError::runtime(EXIT_MESSAGE))
}

fn shell_args(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(state(vm)?.args.clone())
}

fn env(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(state(vm)?.env.clone()))
}

/// `input(prompt="")`: the prompt on the output, then one line of standard input
/// without its line break; null at end of input.
fn input(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let prompt = text(arg(args, 0));
    vm.out.write_str(&prompt);
    vm.out.flush();
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) | Err(_) => Ok(Value::Null),
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
                if line.ends_with('\r') {
                    line.pop();
                }
            }
            Ok(Value::string(line))
        }
    }
}

/// `$VAR`, `${VAR}` and `$(VAR)` replaced by values from the `env` map (missing
/// variables by nothing).
fn expand_variables(path: &str, env: &MsMap) -> String {
    let lookup = |name: &str| env.get(&StrKey(name)).map(to_str).unwrap_or_default();
    let mut out = String::new();
    let mut rest = path;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let closer = match after.chars().next() {
            Some('{') => Some('}'),
            Some('(') => Some(')'),
            _ => None,
        };
        if let Some(c) = closer {
            if let Some(end) = after.find(c) {
                out.push_str(&lookup(&after[1..end]));
                rest = &after[end + 1..];
                continue;
            }
        }
        let len = after
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .unwrap_or(after.len());
        out.push_str(&lookup(&after[..len]));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `import(libname)`: find `libname.ms` on `MS_IMPORT_PATH`, run it as a function,
/// and assign its locals (a map) to `libname` in the caller's scope. No caching:
/// every import runs the module again.
fn import(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let libname = text(arg(args, 0));
    if libname.is_empty() {
        return Err(MsError::runtime("import: libname required"));
    }
    let env = state(vm)?.env.clone();
    let search = env
        .borrow()
        .get(&StrKey("MS_IMPORT_PATH"))
        .map(to_str)
        .unwrap_or_default();
    let mut source = None;
    for dir in search.split(':') {
        let mut path = if dir.is_empty() {
            ".".to_string()
        } else {
            dir.to_string()
        };
        if !path.ends_with('/') {
            path.push('/');
        }
        path.push_str(&libname);
        path.push_str(".ms");
        let path = expand_variables(&path, &env.borrow());
        if std::path::Path::new(&path).is_dir() {
            continue;
        }
        if let Ok(bytes) = std::fs::read(&path) {
            source = Some(String::from_utf8_lossy(&bytes).into_owned());
            break;
        }
    }
    let Some(source) = source else {
        return Err(MsError::runtime(format!(
            "import: library not found: {libname}"
        )));
    };
    let options = vm.host.compile_options;
    let proto = crate::host::compile_source(&format!("{libname}.ms"), &source, options)?;
    let locals = Rc::new(RefCell::new(new_map()));
    vm.run_with_locals(proto, locals.clone())?;
    vm.set_caller_variable(&libname, Value::Map(locals));
    Ok(Value::Null)
}

/// `exec(cmd, timeout=30)`: run `cmd` with the system shell; `{output, errors,
/// status}` with one final line break trimmed from each stream. On timeout the
/// child is killed: errors `Timed out`, status 124.
fn exec(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let cmd = text(arg(args, 0));
    let timeout = num(arg(args, 1));
    let env: Vec<(String, String)> = state(vm)?
        .env
        .borrow()
        .iter()
        .map(|(k, v)| (to_str(k), to_str(v)))
        .collect();
    vm.out.flush();
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(&cmd)
        .env_clear()
        .envs(env)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let Ok(mut child) = command.spawn() else {
        return Ok(Value::Null);
    };
    // Read both pipes while the child runs, so a chatty child cannot block on a
    // full pipe.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_t = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_t = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Duration::try_from_secs_f64(timeout.max(0.0))
        .ok()
        .and_then(|d| Instant::now().checked_add(d));
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        if vm.interrupt.load(Ordering::Relaxed) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(crate::interp::interrupted_error());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            // The readers are not joined: a grandchild may still hold the pipes
            // open; they end with it.
            let mut m = new_map();
            m.insert(Value::str("output"), Value::str(""));
            m.insert(Value::str("errors"), Value::str("Timed out"));
            m.insert(Value::str("status"), Value::Num(124.0));
            return Ok(Value::map(m));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = out_t.join().unwrap_or_default();
    let errors = err_t.join().unwrap_or_default();
    let code = status.and_then(|s| s.code()).unwrap_or(-1);
    let mut m = new_map();
    m.insert(Value::str("output"), Value::string(trim_newline(&output)));
    m.insert(Value::str("errors"), Value::string(trim_newline(&errors)));
    m.insert(Value::str("status"), Value::Num(f64::from(code)));
    Ok(Value::map(m))
}

fn trim_newline(bytes: &[u8]) -> String {
    let mut s = String::from_utf8_lossy(bytes).into_owned();
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

fn file_module(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(state(vm)?.file_module.clone()))
}

fn raw_data_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(state(vm)?.raw_class.clone()))
}

// ---------------------------------------------------------------------------------
// `file` functions.

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
fn basename(p: &str) -> String {
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
fn dirname(p: &str) -> String {
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
fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
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
fn handle_id(v: &Value) -> Option<u64> {
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
fn lookup(v: &Value, key: &str) -> Option<Value> {
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
fn new_handle(st: &mut ShellState, class: &MapRef) -> (u64, MapRef) {
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
struct OpenFile {
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

// ---------------------------------------------------------------------------------
// RawData.

struct RawBuf {
    data: Vec<u8>,
    owner: Weak<RefCell<MsMap>>,
}

fn load_raw(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
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

fn save_raw(vm: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_names() {
        assert_eq!(basename("/a/b/"), "b");
        assert_eq!(basename("a"), "a");
        assert_eq!(basename("/"), "/");
        assert_eq!(basename(""), ".");
        assert_eq!(dirname("/a/b/"), "/a");
        assert_eq!(dirname("a"), ".");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname("a//b"), "a");
        assert_eq!(dirname(""), ".");
    }

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13:20");
    }

    #[test]
    fn variables_expand() {
        let mut env = new_map();
        env.insert(Value::str("A"), Value::str("x"));
        env.insert(Value::str("B_2"), Value::str("y"));
        assert_eq!(expand_variables("$A/${B_2}/$(A)/$Q/z", &env), "x/y/x//z");
        assert_eq!(expand_variables("no vars", &env), "no vars");
        assert_eq!(expand_variables("${open", &env), "{open");
    }
}

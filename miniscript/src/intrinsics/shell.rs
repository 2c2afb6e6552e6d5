//! Intrinsics of the command-line host (spec §10, the reference's
//! `ShellIntrinsics.cpp`): `import`, `file` with open-file handles, `RawData`, `key`,
//! `shellArgs`, `env`, `exit`, `input`, `exec` and the hidden `_dateStr`/`_dateVal`.
//! Not core MiniScript: a host adds them with [`register`] (the CLI does;
//! `host::Interpreter::add_shell_intrinsics`).
//! This file holds the configuration, the state, registration and the global
//! functions; `shell/file.rs` the `file` module and open files, `shell/raw.rs` `RawData`,
//! `shell/key.rs` the `key` module, `shell/date.rs` the dates and `shell/tz.rs` the
//! local time zone.
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
use std::io::Read;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::host_fns::{add_intrinsic, EXIT_MESSAGE};
use super::{int, num};
use crate::error::{MsError, MsResult};
use crate::format::to_str;
use crate::interp::Vm;
use crate::value::{new_map, MapRef, MsMap, ParamSpec, StrKey, Value};

pub mod civil;
mod date;
mod file;
mod key;
mod raw;
mod tz;
use file::{OpenFile, FILE_FUNCS, HANDLE_METHODS};
use key::{KeyQueue, KEY_FUNCS};
use raw::{RawBuf, RAW_METHODS};

/// What the shell intrinsics need from the host.
///
/// ```
/// # use miniscript::host::{Interpreter, ShellConfig};
/// let mut interp = Interpreter::new();
/// interp.add_shell_intrinsics(ShellConfig {
///     args: vec!["tool.ms".into(), "--fast".into()],
///     env: Some(vec![("HOME".into(), "/home/ada".into())]),
///     ..ShellConfig::default()
/// });
/// interp.run_source("", "a = shellArgs[1] + env.HOME").unwrap();
/// assert_eq!(interp.global_as::<String>("a").unwrap(), "--fast/home/ada");
/// ```
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
    /// Which groups of intrinsics scripts get (default `None`: all of them, as in
    /// the reference command line).
    pub groups: Option<IntrinsicGroups>,
}

/// Groups of shell intrinsics, enabled one by one (a sandbox). `shellArgs`,
/// `RawData` and the date functions are always there.
///
/// ```
/// use miniscript::host::{Interpreter, IntrinsicGroups, ShellConfig, StringSink};
/// let mut interp = Interpreter::new();
/// interp.set_error_output(StringSink::default());
/// let groups = IntrinsicGroups { file_read: true, ..IntrinsicGroups::none() };
/// interp.add_shell_intrinsics(ShellConfig { groups: Some(groups), ..Default::default() });
/// interp.run_source("", "ok = file.exists(\".\")").unwrap();
/// assert!(interp.run_source("", "exec \"true\"").is_err());
/// let err = interp.run_source("", "file.writeLines \"x.txt\", [\"a\"]").unwrap_err();
/// assert!(err.message.starts_with("Key Not Found"), "{err}");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntrinsicGroups {
    /// `file` functions that only read: `curdir children name exists info parent
    /// child readLines loadRaw`, and `open` in mode `"r"`.
    pub file_read: bool,
    /// `file` functions that write or change the process: `setdir makedir move copy
    /// delete writeLines saveRaw`, and `open` in every mode.
    pub file_write: bool,
    /// `exec(cmd, timeout)`.
    pub exec: bool,
    /// `env`, the environment map (and `MS_IMPORT_PATH` from it for `import`).
    pub env: bool,
    /// `import`: searched along `MS_IMPORT_PATH` when `import_root` is `None`.
    pub import: bool,
    /// With `import`: the one directory modules are loaded from (names with a path
    /// separator or `..` are refused), instead of `MS_IMPORT_PATH`.
    pub import_root: Option<PathBuf>,
    /// `input(prompt)` (reads the process's standard input).
    pub input: bool,
    /// `exit(code)`.
    pub exit: bool,
}

impl IntrinsicGroups {
    /// Every group, as the reference command line has them.
    ///
    /// ```
    /// # use miniscript::host::IntrinsicGroups;
    /// assert!(IntrinsicGroups::all().exec);
    /// ```
    pub fn all() -> Self {
        IntrinsicGroups {
            file_read: true,
            file_write: true,
            exec: true,
            env: true,
            import: true,
            import_root: None,
            input: true,
            exit: true,
        }
    }
    /// No group (set the ones wanted with struct update syntax).
    ///
    /// ```
    /// # use miniscript::host::IntrinsicGroups;
    /// assert!(!IntrinsicGroups::none().file_read);
    /// ```
    pub fn none() -> Self {
        IntrinsicGroups::default()
    }
    /// Whether the global intrinsic `name` belongs to an enabled group.
    fn has_global(&self, name: &str) -> bool {
        match name {
            "exit" => self.exit,
            "env" => self.env,
            "input" => self.input,
            "import" => self.import,
            "file" => self.file_read || self.file_write,
            "exec" => self.exec,
            _ => true,
        }
    }
}

/// Per-interpreter state of the shell intrinsics.
pub struct ShellState {
    args: Value,
    env: MapRef,
    file_module: MapRef,
    file_class: MapRef,
    raw_class: MapRef,
    key_module: MapRef,
    /// Key presses queued for `key.get`.
    keys: KeyQueue,
    files: HashMap<u64, OpenFile>,
    raws: HashMap<u64, RawBuf>,
    next_id: u64,
    groups: IntrinsicGroups,
}

/// Default import path when the environment has none (the reference's).
const DEFAULT_IMPORT_PATH: &str = "$MS_SCRIPT_DIR:$MS_SCRIPT_DIR/lib:$MS_EXE_DIR/lib";

pub(super) type Entry = (
    &'static str,
    &'static [(&'static str, Def)],
    super::NativeFn,
);

#[derive(Clone, Copy)]
pub(super) enum Def {
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

pub(super) use Def::Null as N;

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
    ("key", &[], key_module),
    ("_dateVal", &[("dateStr", N)], date::date_val),
    (
        "_dateStr",
        &[("date", N), ("format", Def::Str(date::DEFAULT_FORMAT))],
        date::date_str,
    ),
];

/// Whether `name` is that of a global shell intrinsic.
pub(super) fn is_global(name: &str) -> bool {
    GLOBALS.iter().any(|e| e.0 == name)
}

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
    let groups = config.groups.clone().unwrap_or_else(IntrinsicGroups::all);
    let file_funcs: Vec<Entry> = FILE_FUNCS
        .iter()
        .filter(|(n, _, _)| {
            if file::WRITE_FUNCS.contains(n) {
                groups.file_write
            } else {
                groups.file_read || groups.file_write
            }
        })
        .copied()
        .collect();
    let file_module = method_map(vm, &file_funcs);
    let file_class = method_map(vm, HANDLE_METHODS);
    let mut raw_class = method_map(vm, RAW_METHODS);
    raw_class.shift_insert(0, Value::str("littleEndian"), Value::Num(1.0));
    let mut key_module = method_map(vm, KEY_FUNCS);
    key_module.insert(Value::str("_scanMap"), Value::map(key::default_scan_map()));
    for (n, p, f) in GLOBALS {
        if groups.has_global(n) {
            add_intrinsic(vm, n, make_params(p), *f);
        }
    }
    let args = Value::list(config.args.iter().map(|a| Value::str(a)).collect());
    let state = ShellState {
        args,
        env: Rc::new(RefCell::new(env_map(&config))),
        file_module: Rc::new(RefCell::new(file_module)),
        file_class: Rc::new(RefCell::new(file_class)),
        raw_class: Rc::new(RefCell::new(raw_class)),
        key_module: Rc::new(RefCell::new(key_module)),
        keys: KeyQueue::new(),
        files: HashMap::new(),
        raws: HashMap::new(),
        next_id: 1,
        groups,
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
    let st = state(vm)?;
    let env = st.env.clone();
    let root = st.groups.import_root.clone();
    let search = match &root {
        // A sandbox root: that directory only, and plain module names only.
        Some(dir) => {
            if libname.contains(['/', '\\']) || libname.contains("..") {
                return Err(MsError::runtime(format!(
                    "import: library not found: {libname}"
                )));
            }
            dir.to_string_lossy().into_owned()
        }
        None => env
            .borrow()
            .get(&StrKey("MS_IMPORT_PATH"))
            .map(to_str)
            .unwrap_or_default(),
    };
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
        let path = if root.is_some() {
            path
        } else {
            expand_variables(&path, &env.borrow())
        };
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
    let proto = crate::compiler::compile_source(&format!("{libname}.ms"), &source, options)?;
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
        if vm.attention.interrupted() {
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

fn key_module(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(state(vm)?.key_module.clone()))
}

fn raw_data_type(vm: &mut Vm, _: &mut [Value]) -> MsResult<Value> {
    Ok(Value::Map(state(vm)?.raw_class.clone()))
}

#[cfg(test)]
mod tests {
    use super::file::{basename, dirname, format_utc};
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

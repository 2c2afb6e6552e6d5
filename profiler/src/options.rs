//! The effective options: parsing of command-line flags (`--NAME=VALUE`),
//! environment variables (`MINISCRIPT_NAME` upper-cased with `_`) and the TOML file
//! over the one options table (`miniscript::options`, DESIGN §3), typed access, and
//! `--help` and `--print-config`. Precedence: default < file < environment < flag.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use miniscript::options::{kib_to_bytes, mib_to_bytes, Id};
pub use miniscript::options::{JitMode, Kind, OptSpec, OPTIONS};

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag => write!(f, "flag"),
        }
    }
}

/// A parsed value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// The effective options.
#[derive(Clone, Debug)]
pub struct Options {
    values: Vec<(Val, Source)>,
}

impl Default for Options {
    fn default() -> Self {
        let values = OPTIONS
            .iter()
            .map(|o| {
                (
                    parse_value(o, o.default).expect("defaults are valid"),
                    Source::Default,
                )
            })
            .collect();
        Options { values }
    }
}

/// The environment variable for option `name`.
pub fn env_name(name: &str) -> String {
    format!("MINISCRIPT_{}", name.to_ascii_uppercase().replace('-', "_"))
}

/// The width `--help` fits in.
pub const HELP_WIDTH: usize = 80;

/// Appends `text` as lines of at most `width` characters, each starting with
/// `indent`, broken between words (a word longer than a line stays whole).
pub fn wrap(out: &mut String, text: &str, indent: &str, width: usize) {
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if line.len() > indent.len() && !fits {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// `MINISCRIPT_*` variables that are not options: the knobs of the test suite and
/// the JIT's fault injection (README, "Running the tests"). They pass through to
/// the command line when the tests run it, so they are not misspellings.
const NON_OPTION_VARS: &[&str] = &[
    "MINISCRIPT_BENCH_IN_DEBUG",
    "MINISCRIPT_BIN",
    "MINISCRIPT_CASE",
    "MINISCRIPT_FUZZ_CASES",
    "MINISCRIPT_GEN_CASES",
    "MINISCRIPT_GEN_SEED",
    "MINISCRIPT_JIT_FAULT",
    "MINISCRIPT_REF_BIN",
    "MINISCRIPT_REQUIRE_SHARED",
    "MINISCRIPT_SHARED",
    "MINISCRIPT_TEST_ARGS",
    "MINISCRIPT_TEST_THREADS",
    "MINISCRIPT_TEST_TIMEOUT",
];

/// The variables among `names` that start `MINISCRIPT_` but name no option (nor
/// a test knob): misspellings to warn about. Sorted.
pub fn unknown_env_vars(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut unknown: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with("MINISCRIPT_") && !NON_OPTION_VARS.contains(&n.as_str()))
        .filter(|n| !OPTIONS.iter().any(|o| env_name(o.name) == *n))
        .collect();
    unknown.sort();
    unknown
}

fn find(name: &str) -> Option<usize> {
    OPTIONS.iter().position(|o| o.name == name)
}

fn range_text(o: &OptSpec) -> String {
    match o.kind {
        Kind::Bool => "true or false".into(),
        Kind::Int { min, max } => format!("an integer from {min} to {max}"),
        Kind::Float { min, max } => format!("a number from {min} to {max}"),
        Kind::Choice(c) => format!("one of {}", c.join(", ")),
        Kind::Text => "any text".into(),
    }
}

/// Parse `text` as a value of option `o`; the error names the option, the value and
/// the allowed range.
fn parse_value(o: &OptSpec, text: &str) -> Result<Val, String> {
    let bad = || {
        format!(
            "invalid value '{text}' for option '{}': expected {}",
            o.name,
            range_text(o)
        )
    };
    match o.kind {
        Kind::Bool => match text {
            "true" | "1" | "yes" | "on" => Ok(Val::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(Val::Bool(false)),
            _ => Err(bad()),
        },
        Kind::Int { min, max } => match text.trim().parse::<i64>() {
            Ok(v) if v >= min && v <= max => Ok(Val::Int(v)),
            _ => Err(bad()),
        },
        Kind::Float { min, max } => match text.trim().parse::<f64>() {
            Ok(v) if v >= min && v <= max => Ok(Val::Float(v)),
            _ => Err(bad()),
        },
        Kind::Choice(c) => {
            if c.contains(&text) {
                Ok(Val::Text(text.to_string()))
            } else {
                Err(bad())
            }
        }
        Kind::Text => Ok(Val::Text(text.to_string())),
    }
}

impl Options {
    /// Whether `name` is an option of the table.
    pub fn is_option(name: &str) -> bool {
        find(name).is_some()
    }

    /// Whether option `name` is a boolean (a flag that may stand without `=VALUE`).
    pub fn is_bool(name: &str) -> bool {
        find(name).is_some_and(|i| matches!(OPTIONS[i].kind, Kind::Bool))
    }

    /// Set option `name` from text, recording where it came from.
    pub fn set(&mut self, name: &str, text: &str, source: Source) -> Result<(), String> {
        let i = find(name).ok_or_else(|| format!("unknown option '{name}'"))?;
        let v = parse_value(&OPTIONS[i], text)?;
        self.values[i] = (v, source);
        Ok(())
    }

    /// Apply a TOML configuration file: flat `name = value` keys named like the flags.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        for (key, value) in table {
            let as_text = match &value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "config file {}: option '{key}' has unsupported value {other}",
                        path.display()
                    ))
                }
            };
            if find(&key).is_none() {
                return Err(format!(
                    "config file {}: unknown option '{key}'",
                    path.display()
                ));
            }
            self.set(&key, &as_text, Source::File(path.to_path_buf()))?;
        }
        Ok(())
    }

    /// Apply `MINISCRIPT_*` environment variables from `lookup` (normally `std::env::var`).
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        for o in OPTIONS {
            let var = env_name(o.name);
            if let Some(v) = lookup(&var) {
                self.set(o.name, &v, Source::Env(var.clone()))
                    .map_err(|e| format!("{e} (from {var})"))?;
            }
        }
        Ok(())
    }

    /// Find `miniscript.toml` in `dir` or one of its parents.
    pub fn find_config(dir: &Path) -> Option<PathBuf> {
        let mut d = Some(dir);
        while let Some(cur) = d {
            let candidate = cur.join("miniscript.toml");
            if candidate.is_file() {
                return Some(candidate);
            }
            d = cur.parent();
        }
        None
    }

    /// Build the effective options: defaults, then the file (`config`, or the
    /// `miniscript.toml` found upward from `script_dir`), then the environment, then
    /// the `flags` (`(name, value)` pairs from the command line).
    pub fn load(
        config: Option<&Path>,
        script_dir: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &[(String, String)],
    ) -> Result<Options, String> {
        let mut o = Options::default();
        let file = match config {
            Some(p) => Some(p.to_path_buf()),
            None => script_dir.and_then(Options::find_config),
        };
        if let Some(f) = file {
            o.apply_file(&f)?;
        }
        o.apply_env(env)?;
        for (name, value) in flags {
            o.set(name, value, Source::Flag)?;
        }
        Ok(o)
    }

    /// `--print-config`: every effective value and where it came from, aligned.
    pub fn print_config(&self) -> String {
        let w = OPTIONS.iter().map(|o| o.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (o, (v, src)) in OPTIONS.iter().zip(&self.values) {
            let text = match v {
                Val::Bool(b) => b.to_string(),
                Val::Int(i) => i.to_string(),
                Val::Float(f) => f.to_string(),
                Val::Text(t) if t.is_empty() => "\"\"".to_string(),
                Val::Text(t) => t.clone(),
            };
            let _ = writeln!(out, "{:<w$}  {:<12}  ({src})", o.name, text);
        }
        out
    }

    /// The options part of `--help`, generated from the table.
    pub fn help_text() -> String {
        let mut out = String::new();
        for o in OPTIONS {
            let arg = match o.kind {
                Kind::Bool => String::new(),
                Kind::Choice(c) => format!("={}", c.join("|")),
                Kind::Int { .. } => "=N".into(),
                Kind::Float { .. } => "=X".into(),
                Kind::Text => "=TEXT".into(),
            };
            let default = if o.default.is_empty() {
                String::new()
            } else {
                format!(", default {}", o.default)
            };
            let _ = writeln!(out, "  --{}{}", o.name, arg);
            let text = format!("{} [env {}{default}]", o.help, env_name(o.name));
            wrap(&mut out, &text, "      ", HELP_WIDTH);
        }
        out
    }

    fn get(&self, id: Id) -> &Val {
        &self.values[id as usize].0
    }
    fn int(&self, id: Id) -> i64 {
        match self.get(id) {
            Val::Int(i) => *i,
            _ => 0,
        }
    }
    fn float(&self, id: Id) -> f64 {
        match self.get(id) {
            Val::Float(f) => *f,
            _ => 0.0,
        }
    }
    fn flag(&self, id: Id) -> bool {
        matches!(self.get(id), Val::Bool(true))
    }
    fn text(&self, id: Id) -> &str {
        match self.get(id) {
            Val::Text(t) => t,
            _ => "",
        }
    }

    pub fn jit_mode(&self) -> JitMode {
        // The value was checked against the mode names when it was set.
        JitMode::from_name(self.text(Id::jit)).unwrap_or_default()
    }
    pub fn jit_hot_count(&self) -> u64 {
        self.int(Id::jit_hot_count) as u64
    }
    pub fn jit_hot_time_us(&self) -> f64 {
        self.float(Id::jit_hot_time_us)
    }
    pub fn jit_min_complexity(&self) -> u32 {
        self.int(Id::jit_min_complexity) as u32
    }
    pub fn jit_eager(&self) -> bool {
        self.flag(Id::jit_eager)
    }
    pub fn jit_loops(&self) -> bool {
        self.flag(Id::jit_loops)
    }
    pub fn jit_functions(&self) -> bool {
        self.flag(Id::jit_functions)
    }
    pub fn jit_hot_loop(&self) -> u64 {
        self.int(Id::jit_hot_loop) as u64
    }
    pub fn jit_queue(&self) -> usize {
        self.int(Id::jit_queue) as usize
    }
    pub fn jit_threads(&self) -> usize {
        self.int(Id::jit_threads) as usize
    }
    pub fn jit_opt_level(&self) -> &str {
        self.text(Id::jit_opt_level)
    }
    pub fn jit_code_budget_bytes(&self) -> u64 {
        kib_to_bytes(self.int(Id::jit_code_budget_kb))
    }
    pub fn jit_max_misses(&self) -> u64 {
        self.int(Id::jit_max_misses) as u64
    }
    pub fn jit_stats(&self) -> bool {
        self.flag(Id::jit_stats)
    }
    pub fn jit_verbose(&self) -> bool {
        self.flag(Id::jit_verbose)
    }
    pub fn jit_dump(&self) -> bool {
        self.flag(Id::jit_dump)
    }
    pub fn perf_map(&self) -> bool {
        self.flag(Id::perf_map)
    }
    pub fn profile(&self) -> bool {
        self.flag(Id::profile)
    }
    pub fn profile_sample_shift(&self) -> u32 {
        self.int(Id::profile_sample) as u32
    }
    pub fn profile_format(&self) -> &str {
        self.text(Id::profile_format)
    }
    pub fn profile_out(&self) -> Option<&str> {
        Some(self.text(Id::profile_out)).filter(|s| !s.is_empty())
    }
    pub fn profile_interval(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.int(Id::profile_interval) as u64)
    }
    pub fn profile_annotate(&self) -> bool {
        self.flag(Id::profile_annotate)
    }
    pub fn profile_top(&self) -> usize {
        self.int(Id::profile_top) as usize
    }
    pub fn weight_count(&self) -> f64 {
        self.float(Id::weight_count)
    }
    pub fn weight_time(&self) -> f64 {
        self.float(Id::weight_time)
    }
    pub fn max_call_depth(&self) -> usize {
        self.int(Id::max_call_depth) as usize
    }
    /// The memory ceiling in bytes.
    pub fn max_memory_bytes(&self) -> usize {
        mib_to_bytes(self.int(Id::max_memory_mb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_precedence_is_default_file_env_flag() {
        let dir = std::env::temp_dir().join(format!("ms-opt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("miniscript.toml");
        std::fs::write(
            &file,
            "jit-hot-count = 50\njit-min-complexity = 3\nprofile-top = 7\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "MINISCRIPT_JIT_HOT_COUNT" => Some("60".to_string()),
            "MINISCRIPT_PROFILE_TOP" => Some("8".to_string()),
            _ => None,
        };
        let flags = vec![("profile-top".to_string(), "9".to_string())];
        let o = Options::load(None, Some(&dir), env, &flags).unwrap();
        assert_eq!(o.jit_min_complexity(), 3); // file
        assert_eq!(o.jit_hot_count(), 60); // env beats file
        assert_eq!(o.profile_top(), 9); // flag beats env
        assert_eq!(o.jit_mode(), JitMode::Background); // default
        let shown = o.print_config();
        assert!(shown.contains("jit-hot-count"), "{shown}");
        assert!(shown.contains("(env MINISCRIPT_JIT_HOT_COUNT)"), "{shown}");
        assert!(shown.contains("(flag)"), "{shown}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_values_name_option_value_and_range() {
        let mut o = Options::default();
        let e = o.set("jit-hot-count", "0", Source::Flag).unwrap_err();
        assert!(
            e.contains("jit-hot-count") && e.contains("'0'") && e.contains("from 1 to"),
            "{e}"
        );
        let e = o.set("jit", "fast", Source::Flag).unwrap_err();
        assert!(e.contains("one of off, background, sync"), "{e}");
        assert!(o.set("no-such-option", "1", Source::Flag).is_err());
        let e = Options::load(
            None,
            None,
            |k| (k == "MINISCRIPT_PROFILE_SAMPLE").then(|| "99".to_string()),
            &[],
        )
        .unwrap_err();
        assert!(e.contains("MINISCRIPT_PROFILE_SAMPLE"), "{e}");
    }

    #[test]
    fn help_lists_every_option_with_its_environment_variable() {
        let h = Options::help_text();
        for o in OPTIONS {
            assert!(h.contains(&format!("--{}", o.name)), "{}", o.name);
            assert!(h.contains(&env_name(o.name)));
        }
    }
}

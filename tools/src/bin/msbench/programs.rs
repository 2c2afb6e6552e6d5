//! Finding the benchmark programs, their Lua twins and expected lines, and making the
//! small-size copies that `--quick` runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One benchmark program: a `.ms` file, maybe a `.lua` twin, maybe an expected line.
#[derive(Debug, Clone)]
pub struct Program {
    /// Shown in the report; the file stem, qualified by its directory when two
    /// directories hold programs of the same name.
    pub name: String,
    pub dir: PathBuf,
    pub ms: PathBuf,
    pub lua: Option<PathBuf>,
    /// The line of `expected.txt` whose first word is the program's name.
    pub expected: Option<String>,
}

/// Sizes for `--quick`: (program, variable, value). They keep every program to a few
/// milliseconds so that a CI smoke run stays well under a minute on 2 shared cores.
/// The first assignment of the variable to a number literal is rewritten in a
/// temporary copy of both the `.ms` program and its `.lua` twin.
const QUICK_SIZES: &[(&str, &str, &str)] = &[
    // the shared set (../shared/bench)
    ("fib", "N", "22"),
    ("mandelbrot", "W", "40"),
    ("nbody", "STEPS", "1000"),
    ("poly_physics", "N", "20000"),
    ("spectral_norm", "N", "50"),
    ("strings", "N", "300"),
    // ours (benches/)
    ("sieve", "N", "50000"),
    ("records", "STEPS", "300"),
    ("calls", "N", "20000"),
    ("wordfreq", "N", "3000"),
    ("queens", "N", "7"),
    ("objects", "STEPS", "5"),
    ("textfmt", "N", "5000"),
    ("integrate", "N", "20000"),
];

/// The quick-size rewrites for a program (by file stem), empty if it has none.
pub fn quick_sizes(stem: &str) -> Vec<(&'static str, &'static str)> {
    QUICK_SIZES
        .iter()
        .filter(|(p, _, _)| *p == stem)
        .map(|&(_, var, value)| (var, value))
        .collect()
}

/// The programs of one directory, sorted by name. Two layouts are accepted: the
/// shared one (`ms/NAME.ms`, `lua/NAME.lua`, `expected.txt`) and a flat one
/// (`NAME.ms`, `NAME.lua`, `expected.txt` side by side).
pub fn discover(dir: &Path) -> Result<Vec<Program>, String> {
    if !dir.is_dir() {
        return Err(format!("'{}' is not a directory", dir.display()));
    }
    let ms_dir = if dir.join("ms").is_dir() {
        dir.join("ms")
    } else {
        dir.to_path_buf()
    };
    let lua_dir = if dir.join("lua").is_dir() {
        dir.join("lua")
    } else {
        dir.to_path_buf()
    };
    let expected = read_expected(&dir.join("expected.txt"))?;
    let entries = std::fs::read_dir(&ms_dir)
        .map_err(|e| format!("cannot list '{}': {e}", ms_dir.display()))?;
    let mut programs = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list '{}': {e}", ms_dir.display()))?
            .path();
        if path.extension().is_none_or(|x| x != "ms") || !path.is_file() {
            continue;
        }
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let lua = lua_dir.join(format!("{stem}.lua"));
        programs.push(Program {
            expected: expected.get(&stem).cloned(),
            name: stem,
            dir: dir.to_path_buf(),
            ms: path,
            lua: lua.is_file().then_some(lua),
        });
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(programs)
}

/// `expected.txt`: one line per program, the first word being the program's name.
/// A missing file is not an error (outputs are then only checked for agreement).
fn read_expected(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("cannot read '{}': {e}", path.display())),
    };
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter_map(|l| {
            l.split_whitespace()
                .next()
                .map(|w| (w.to_string(), l.to_string()))
        })
        .collect())
}

/// Gives programs of the same name from different directories distinct names.
pub fn disambiguate(programs: &mut [Program]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for p in programs.iter() {
        *seen.entry(p.name.clone()).or_default() += 1;
    }
    for p in programs.iter_mut() {
        if seen[&p.name] > 1 {
            let dir = p.dir.file_name().map(|d| d.to_string_lossy().into_owned());
            p.name = format!("{}/{}", dir.unwrap_or_default(), p.name);
        }
    }
}

/// Rewrites the first line that assigns a number literal to `var`, in MiniScript
/// (`N = 30`) or Lua (`local N = 30`, `local W, MAXIT = 200, 200`) form. Returns None
/// when no such line exists, so that a renamed size variable is reported instead of
/// silently running the full size.
pub fn rewrite_size(source: &str, var: &str, value: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 8);
    let mut done = false;
    for line in source.split_inclusive('\n') {
        if !done {
            if let Some(new_line) = rewrite_line(line, var, value) {
                out.push_str(&new_line);
                done = true;
                continue;
            }
        }
        out.push_str(line);
    }
    done.then_some(out)
}

fn rewrite_line(line: &str, var: &str, value: &str) -> Option<String> {
    let body = line.trim_end_matches(['\n', '\r']);
    let ending = &line[body.len()..];
    // Keep a trailing comment as it is.
    let comment_at = [body.find("//"), body.find("--")]
        .into_iter()
        .flatten()
        .min();
    let (code, comment) = match comment_at {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    let indent_len = code.len() - code.trim_start().len();
    let (indent, mut rest) = code.split_at(indent_len);
    let local = rest.starts_with("local ");
    if local {
        rest = &rest["local ".len()..];
    }
    let eq = rest.find('=')?;
    if rest[eq + 1..].starts_with('=') {
        return None;
    }
    let names: Vec<&str> = rest[..eq].split(',').map(str::trim).collect();
    let values: Vec<&str> = rest[eq + 1..].split(',').map(str::trim).collect();
    if names.len() != values.len() || !values.iter().all(|v| is_number(v)) {
        return None;
    }
    let k = names.iter().position(|n| *n == var)?;
    let mut values: Vec<&str> = values;
    values[k] = value;
    let spacer = if comment.is_empty() { "" } else { " " };
    Some(format!(
        "{indent}{}{} = {}{spacer}{comment}{ending}",
        if local { "local " } else { "" },
        names.join(", "),
        values.join(", "),
    ))
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.parse::<f64>().is_ok() && !s.starts_with(['+', 'i', 'I', 'n', 'N'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_the_first_numeric_assignment_only() {
        let src = "// c\nN = 30\nM = N\nN = 5\n";
        assert_eq!(
            rewrite_size(src, "N", "7").unwrap(),
            "// c\nN = 7\nM = N\nN = 5\n"
        );
    }

    #[test]
    fn rewrites_lua_locals_and_multiple_assignment() {
        let src = "local W, MAXIT = 200, 200\n";
        assert_eq!(
            rewrite_size(src, "W", "40").unwrap(),
            "local W, MAXIT = 40, 200\n"
        );
        assert_eq!(
            rewrite_size("local N = 1 -- n\n", "N", "2").unwrap(),
            "local N = 2 -- n\n"
        );
    }

    #[test]
    fn ignores_comparisons_and_non_literals() {
        assert!(rewrite_size("if N == 3 then\n", "N", "1").is_none());
        assert!(rewrite_size("N = M\n", "N", "1").is_none());
        assert!(rewrite_size("NN = 3\n", "N", "1").is_none());
    }
}

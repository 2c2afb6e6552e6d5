//! Command-line arguments: the conventions lua, python and node share. Options come
//! first; the script (a file, `-e CODE`, or `-` for standard input) ends them, and
//! every argument after it goes to the script as `shellArgs`.

pub const EXIT_RUNTIME: u8 = 1;
pub const EXIT_COMPILE: u8 = 2;
pub const EXIT_USAGE: u8 = 64;
pub const EXIT_NOINPUT: u8 = 66;
pub const EXIT_CANTCREAT: u8 = 73;
pub const EXIT_INTERRUPTED: u8 = 130;

const HELP: &str = "\
miniscript - a fast MiniScript 1.x interpreter

usage: miniscript [options] [FILE | -e CODE | -] [ARGS...]

With no FILE, starts the interactive prompt (REPL). Everything after FILE, CODE
or '-' is passed to the script in shellArgs (shellArgs[0] is FILE, '-e' or '-').

options:
  -e, --eval CODE   run CODE instead of a file
  -                 read the program from standard input
  -i, --interactive enter the REPL after running the script
  -q, --quiet       no banner in the REPL
                    (short options combine: -qi, -qe CODE)
  --dump-tac        print the compiled three-address code and exit
  --debug FILE      run FILE under the terminal debugger (gdb/pdb commands;
                    'help' lists them)
  --dap             serve the Debug Adapter Protocol on stdin/stdout (for
                    editors: the program comes from the 'launch' request)
  --stack-trace     print the call stack under a runtime error (stderr)
  --config PATH     read options from this TOML file (default: miniscript.toml
                    in the script's directory or a parent)
  --print-config    print every option's effective value and its source, and
                    exit
  -h, --help        print this help and exit
  -V, --version     print the version and exit
  --                end of options; the next argument is the script

environment:
  MS_IMPORT_PATH    where `import` looks for NAME.ms: directories separated by
                    ':' ($VAR expanded; default
                    $MS_SCRIPT_DIR:$MS_SCRIPT_DIR/lib:$MS_EXE_DIR/lib)

tuning options (precedence: default < config file < environment < flag):
";

const EXIT_CODES: &str = "
exit codes:
  0    success (also the REPL's end at Ctrl-D)
  N    the script called exit(N) (taken modulo 256)
  1    runtime error (also a limit: --max-call-depth, --max-memory-mb)
  2    compile (lexer or parser) error
  64   usage error (bad option, option value or missing argument)
  66   the script cannot be read (missing, a directory, unreadable, not UTF-8)
  73   the --profile-out file cannot be written
  130  interrupted (Ctrl-C)
  141  standard output closed (a pipe whose reader has gone, as `| head -1`)
";

/// Where the program comes from.
pub enum Input {
    /// A script file: its path and its text.
    File(String, String),
    /// `-e CODE`.
    Eval(String),
    /// `-`: the text read from standard input.
    Stdin(String),
    /// No script: the REPL.
    Repl,
}

pub struct Options {
    pub input: Input,
    /// `shellArgs`.
    pub shell_args: Vec<String>,
    pub interactive: bool,
    pub quiet: bool,
    pub dump_tac: bool,
    /// `--debug`: the terminal debugger.
    pub debug: bool,
    /// `--dap`: the Debug Adapter Protocol server (no script on the command line).
    pub dap: bool,
    /// `--stack-trace`: the call stack under a runtime error.
    pub stack_trace: bool,
    pub tuning: profiler::Options,
}

pub enum Parsed {
    Run(Box<Options>),
    Exit(u8),
}

/// One line on stderr (so a script driving the CLI can show it as is), exit 64.
fn usage_error(msg: &str) -> Parsed {
    eprintln!("miniscript: {msg} (see 'miniscript --help')");
    Parsed::Exit(EXIT_USAGE)
}

enum Script {
    File(String),
    Eval(String),
    Stdin,
    None,
}

/// Short options that may be combined in one argument (`-qi`); `e` takes the next
/// argument, so it may only come last (`-qe CODE`).
const COMBINABLE: &str = "iqhV?e";

/// The separate options of a combined `-xyz` argument, or the usage error naming
/// the letters that cannot be combined.
fn split_short_flags(a: &str) -> Result<Vec<String>, Parsed> {
    let letters: Vec<char> = a[1..].chars().collect();
    for (k, &c) in letters.iter().enumerate() {
        if !COMBINABLE.contains(c) {
            return Err(usage_error(&format!("unknown option '-{c}' in '{a}'")));
        }
        if c == 'e' && k + 1 < letters.len() {
            return Err(usage_error(&format!(
                "option -e takes an argument and must come last in '{a}'"
            )));
        }
    }
    Ok(letters.iter().map(|c| format!("-{c}")).collect())
}

pub fn parse_args(args: &[String]) -> Parsed {
    let mut args = args.to_vec();
    let mut dump_tac = false;
    let (mut debug, mut dap, mut stack_trace) = (false, false, false);
    let mut print_config = false;
    let mut interactive = false;
    let mut quiet = false;
    let mut config: Option<String> = None;
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut script = Script::None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-h" | "-?" | "--help" => {
                let help = format!("{HELP}{}{EXIT_CODES}", profiler::Options::help_text());
                return Parsed::Exit(crate::output::print_text(&help));
            }
            "-V" | "--version" => {
                let version = format!(
                    "miniscript {} (MiniScript language 1.6.2)\n",
                    env!("CARGO_PKG_VERSION")
                );
                return Parsed::Exit(crate::output::print_text(&version));
            }
            "-i" | "--interactive" => interactive = true,
            "-q" | "--quiet" => quiet = true,
            "--print-config" => print_config = true,
            "--dump-tac" => dump_tac = true,
            "--debug" => debug = true,
            "--dap" => dap = true,
            "--stack-trace" => stack_trace = true,
            "--config" => {
                let Some(p) = args.get(i + 1) else {
                    return usage_error("option --config needs a path");
                };
                config = Some(p.clone());
                i += 1;
            }
            _ if a.starts_with("--config=") => config = Some(a["--config=".len()..].to_string()),
            "-e" | "--eval" => {
                let Some(c) = args.get(i + 1) else {
                    return usage_error("option -e needs an argument");
                };
                script = Script::Eval(c.clone());
                i += 2;
                break;
            }
            "-" => {
                script = Script::Stdin;
                i += 1;
                break;
            }
            "--" => {
                if let Some(p) = args.get(i + 1) {
                    script = Script::File(p.clone());
                    i += 2;
                } else {
                    i += 1;
                }
                break;
            }
            _ if a.starts_with("--") => {
                // A tuning option of the table: --name=value, --name value, or a bare
                // boolean --name.
                let body = &a[2..];
                let (name, value) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (body, None),
                };
                if !profiler::Options::is_option(name) {
                    return usage_error(&format!("unknown option '{a}'"));
                }
                let value = match value {
                    Some(v) => v,
                    None if profiler::Options::is_bool(name) => "true".to_string(),
                    None => {
                        let Some(v) = args.get(i + 1) else {
                            return usage_error(&format!("option --{name} needs a value"));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                flags.push((name.to_string(), value));
            }
            _ if a.starts_with('-') && a.len() > 2 => match split_short_flags(a) {
                Ok(flags) => {
                    args.splice(i..=i, flags);
                    continue;
                }
                Err(p) => return p,
            },
            _ if a.starts_with('-') => {
                return usage_error(&format!("unknown option '{a}'"));
            }
            _ => {
                script = Script::File(a.to_string());
                i += 1;
                break;
            }
        }
        i += 1;
    }
    let rest = &args[i.min(args.len())..];
    let script_dir = match &script {
        Script::File(p) => {
            let dir = std::path::Path::new(p)
                .parent()
                .map(|d| d.to_path_buf())
                .unwrap_or_default();
            Some(if dir.as_os_str().is_empty() {
                std::path::PathBuf::from(".")
            } else {
                dir
            })
        }
        _ => None,
    };
    let cwd = std::env::current_dir().ok();
    let tuning = match profiler::Options::load(
        config.as_deref().map(std::path::Path::new),
        script_dir.as_deref().or(cwd.as_deref()),
        |k| std::env::var(k).ok(),
        &flags,
    ) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    let env_names = std::env::vars_os().map(|(k, _)| k.to_string_lossy().into_owned());
    let unknown = profiler::options::unknown_env_vars(env_names);
    if !unknown.is_empty() {
        eprintln!(
            "miniscript: warning: ignoring {}: no such option (see 'miniscript --help')",
            unknown.join(", ")
        );
    }
    if print_config {
        return Parsed::Exit(crate::output::print_text(&tuning.print_config()));
    }
    let (input, first) = match script {
        Script::File(path) => match read_script(&path) {
            Ok(text) => (Input::File(path.clone(), text), Some(path)),
            Err(msg) => {
                eprintln!("miniscript: {msg}");
                return Parsed::Exit(EXIT_NOINPUT);
            }
        },
        Script::Eval(code) => (Input::Eval(code), Some("-e".to_string())),
        Script::Stdin => match read_stdin() {
            Ok(text) => (Input::Stdin(text), Some("-".to_string())),
            Err(msg) => {
                eprintln!("miniscript: {msg}");
                return Parsed::Exit(EXIT_NOINPUT);
            }
        },
        Script::None => (Input::Repl, None),
    };
    if debug && !matches!(input, Input::File(..)) {
        return usage_error("option --debug needs a script file");
    }
    if dap && !matches!(input, Input::Repl) {
        return usage_error("option --dap takes no script (the client's 'launch' names it)");
    }
    let shell_args = first.into_iter().chain(rest.iter().cloned()).collect();
    Parsed::Run(Box::new(Options {
        input,
        shell_args,
        interactive,
        quiet,
        dump_tac,
        debug,
        dap,
        stack_trace,
        tuning,
    }))
}

pub(crate) fn read_script(path: &str) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot open '{path}': {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot run '{path}': it is a directory"));
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read '{path}': {}", io_reason(&e)))?;
    source_text(bytes, path)
}

fn read_stdin() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {}", io_reason(&e)))?;
    source_text(bytes, "-")
}

fn source_text(bytes: Vec<u8>, name: &str) -> Result<String, String> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot run '{name}': not valid UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    // The reference reads the file as lines and joins them with "\n": a final line
    // break does not start another line (it matters for "[line N]" at end of input).
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

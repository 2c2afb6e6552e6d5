//! The JIT and the profiler from the embedding API's builder:
//! `Interpreter::builder().jit(Mode::Background).profile(true)` with [`BuilderExt`].
//!
//! The core crate's `Builder` keeps tier options by their command-line names and a
//! plug-in; this trait fills in both, and the plug-in reads the options as the
//! command line does (defaults, then these values; no environment, no TOML file) and
//! plugs in with [`Attach`](crate::Attach).

use std::rc::Rc;

use miniscript::host::{Builder, Interpreter, TierPlugin};
use miniscript::MsError;

use crate::Mode;

/// Adds `.jit(..)`, `.profile(..)` and `.jit_option(..)` to
/// [`miniscript::host::Builder`].
///
/// ```
/// use jit::{BuilderExt, Mode};
/// use miniscript::host::Interpreter;
///
/// let mut interp = Interpreter::builder().jit(Mode::Sync).build().unwrap();
/// interp.run_source("", "s = 0\nfor i in range(1, 5000)\n  s = s + i * 0.5\nend for").unwrap();
/// let s: f64 = interp.global_as("s").unwrap();
/// assert_eq!(s, 6251250.0);
/// // The profiler counted the loop's region (the JIT compiles it once it is hot).
/// assert!(!interp.vm().region_counters().is_empty());
/// interp.finish_tier();
/// ```
pub trait BuilderExt {
    /// Turn the JIT on in `mode` (or off with `Mode::Off`).
    fn jit(self, mode: Mode) -> Builder;
    /// Turn the profiler's report (printed on stderr by `finish_tier`) on or off.
    fn profile(self, on: bool) -> Builder;
    /// Any profiler or JIT option by its command-line name (`jit-hot-count`, ...).
    fn jit_option(self, name: &str, value: &str) -> Builder;
}

impl BuilderExt for Builder {
    fn jit(self, mode: Mode) -> Builder {
        self.jit_option("jit", mode.name())
    }
    fn profile(self, on: bool) -> Builder {
        self.jit_option("profile", if on { "true" } else { "false" })
    }
    fn jit_option(self, name: &str, value: &str) -> Builder {
        self.tier_option(name, value).tier_plugin(plugin())
    }
}

/// The plug-in: options from the builder's values, then `Attach`.
fn plugin() -> TierPlugin {
    Rc::new(|interp: &mut Interpreter, opts: &[(String, String)]| {
        let options =
            profiler::Options::load(None, None, |_| None, opts).map_err(MsError::runtime)?;
        crate::Attach::new(&options).to_interpreter(interp);
        Ok(())
    })
}

//! Build script of the `miniscript` crate: stamps the build's date (UTC, or the
//! date of `SOURCE_DATE_EPOCH` for reproducible builds) for `version.buildDate`.

use std::time::{SystemTime, UNIX_EPOCH};

// The calendar arithmetic the `_dateStr` intrinsics use (one copy of it).
#[allow(dead_code)]
#[path = "src/intrinsics/shell/civil.rs"]
mod civil;
use civil::civil_from_days;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(UNIX_EPOCH);
            now.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    println!("cargo:rustc-env=MINISCRIPT_BUILD_DATE={y:04}-{m:02}-{d:02}");
}

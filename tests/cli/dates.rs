//! `_dateStr` and `_dateVal` in other time zones than the machine's: the expected
//! lines are the reference's under the same `TZ`.

use super::common::{code, notice, stderr, stdout};
use super::run_in;

const PROGRAM: &str = "print _dateStr(0)
print _dateVal(\"2000-01-01\")
print _dateVal(\"2000-07-01 11:00:00\")
print _dateStr(15638400, \"yyyy-MM-dd HH:mm:ss\")
print _dateStr(\"2000-07-01 11:00:00\", \"%H\")
print _dateStr(-3000000000)
print _dateStr(-4700000000)
";

/// The reference's output under each `TZ`: daylight-saving time in the northern and
/// southern summer (the date epoch is 2000-01-01 00:00 standard time), local mean
/// time before 1883, and POSIX strings.
const ZONES: &[(&str, &str)] = &[
    (
        "America/New_York",
        "2000-01-01 00:00:00\n0\n15760800\n2000-06-30 01:00:00\n11\n1904-12-07 18:40:00\n1851-01-23 20:30:38\n",
    ),
    (
        "Australia/Sydney",
        "2000-01-01 01:00:00\n-3600\n15764400\n2000-06-30 00:00:00\n11\n1904-12-07 18:40:00\n1851-01-23 20:31:32\n",
    ),
    (
        "JST-9",
        "2000-01-01 00:00:00\n0\n15764400\n2000-06-30 00:00:00\n11\n1904-12-07 18:40:00\n1851-01-23 20:26:40\n",
    ),
    (
        "UTC",
        "2000-01-01 00:00:00\n0\n15764400\n2000-06-30 00:00:00\n11\n1904-12-07 18:40:00\n1851-01-23 20:26:40\n",
    ),
];

#[test]
fn dates_follow_the_local_time_zone() {
    if !std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
        notice("dates_follow_the_local_time_zone: no tz database, skipped");
        return;
    }
    for (tz, want) in ZONES {
        let o = run_in(None, &[("TZ", tz)], &["-e", PROGRAM], "");
        assert_eq!(stderr(&o), "", "TZ={tz}");
        assert_eq!(stdout(&o), *want, "TZ={tz}");
        assert_eq!(code(&o), 0);
    }
}

/// `version.buildDate` is the day the `miniscript` crate was built: a date no
/// earlier than the day its newest source file was written (the build script
/// reruns when one changes) and no later than today.
#[test]
fn build_date_is_the_day_of_the_build() {
    if std::env::var_os("SOURCE_DATE_EPOCH").is_some() {
        notice("build_date_is_the_day_of_the_build: SOURCE_DATE_EPOCH set, skipped");
        return;
    }
    let o = run_in(None, &[], &["-e", "print version.buildDate"], "");
    let date = stdout(&o).trim().to_string();
    let today = ["-e", "print _dateStr(null, \"yyyy-MM-dd\")"];
    let today = run_in(None, &[("TZ", "UTC")], &today, "");
    let ok_form = date.len() == 10
        && date.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    assert!(ok_form, "buildDate {date:?} is not yyyy-mm-dd");
    let newest = newest_mtime(&super::common::repo_root().join("miniscript").join("src"));
    let secs = newest
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let program = format!("print _dateStr(_dateVal(\"1970-01-01\") + {secs}, \"yyyy-MM-dd\")");
    // In UTC, as the build script stamps it.
    let source_day = run_in(None, &[("TZ", "UTC")], &["-e", &program], "");
    let source_day = stdout(&source_day).trim().to_string();
    assert!(
        source_day <= date,
        "buildDate {date} is before the newest source file ({source_day})"
    );
    let today = stdout(&today).trim().to_string();
    assert!(date <= today, "buildDate {date} is after today ({today})");
}

/// The latest modification time of the files under `dir`.
fn newest_mtime(dir: &std::path::Path) -> std::time::SystemTime {
    let mut newest = std::time::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir)
        .expect("list a source folder")
        .flatten()
    {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(newest)
        };
        newest = newest.max(t);
    }
    newest
}

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

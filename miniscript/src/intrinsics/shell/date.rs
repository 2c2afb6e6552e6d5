//! The reference command line's hidden date intrinsics `_dateStr` and `_dateVal`
//! (its `DateTimeUtils.cpp`): formatting and parsing local dates.
//!
//! A date value is seconds since 2000-01-01 00:00 local standard time, truncated to
//! whole seconds when formatted (as the reference's `time_t`), so the fraction
//! formats `f`..`ffffff` print zeros and `F`..`FFFFFF` nothing. Names are the C
//! locale's (English). One deliberate difference: a quoted literal in a format
//! (`'T'`, `"at"`) prints its text, where the reference loops forever.

use super::civil::{civil_from_days, days_from_civil};
use super::tz::Zone;
use super::{arg, text};
use crate::error::MsResult;
use crate::interp::Vm;
use crate::value::Value;

/// The default format of `_dateStr`.
pub(super) const DEFAULT_FORMAT: &str = "yyyy-MM-dd HH:mm:ss";

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A broken-down local time (C's `struct tm`, with the full year).
struct Tm {
    year: i64,
    /// 1-12.
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// 0 = Sunday.
    weekday: usize,
}

impl Tm {
    /// `localtime`: None when the year does not fit C's `int` (the reference then
    /// formats the empty string).
    fn local(t: i64) -> Option<Tm> {
        let local = t.checked_add(Zone::local().offset_at(t))?;
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        i32::try_from(year - 1900).ok()?;
        Some(Tm {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            weekday: (days + 4).rem_euclid(7) as usize,
        })
    }

    fn month_name(&self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    fn hour12(&self) -> i64 {
        if self.hour == 0 {
            12
        } else {
            (self.hour - 1) % 12 + 1
        }
    }

    fn am_pm(&self) -> &'static str {
        if self.hour >= 12 {
            "PM"
        } else {
            "AM"
        }
    }

    /// C's `%x` in the C locale: `mm/dd/yy`.
    fn c_date(&self) -> String {
        let yy = self.year.rem_euclid(100);
        format!("{:02}/{:02}/{yy:02}", self.month, self.day)
    }

    /// C's `%X`: `HH:MM:SS`.
    fn c_time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.min, self.sec)
    }
}

/// The local epoch of date values: 2000-01-01 00:00 as standard time.
fn epoch() -> i64 {
    Zone::local().to_utc(days_from_civil(2000, 1, 1) * 86400, true)
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `_dateStr(date, format="yyyy-MM-dd HH:mm:ss")`: the date (a date value, a date
/// string, or null for now) in the format.
pub(super) fn date_str(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let format = match arg(args, 1) {
        Value::Null => DEFAULT_FORMAT.to_string(),
        f => text(f),
    };
    let t = match arg(args, 0) {
        Value::Null => Some(now()),
        Value::Num(d) => {
            // C's (time_t) conversion; out of range (or NaN) fails in `localtime`.
            let d = d + epoch() as f64;
            (d.abs() < 9.2e18).then_some(d as i64)
        }
        v => Some(parse_date(&text(v))),
    };
    let s = t
        .and_then(Tm::local)
        .map_or_else(String::new, |tm| format_date(&tm, &format));
    Ok(Value::string(s))
}

/// `_dateVal(dateStr)`: the date value of a date string (null: now; a number is
/// returned as it is).
pub(super) fn date_val(_: &mut Vm, args: &mut [Value]) -> MsResult<Value> {
    let t = match arg(args, 0) {
        Value::Null => now(),
        n @ Value::Num(_) => return Ok(n.clone()),
        v => parse_date(&text(v)),
    };
    Ok(Value::Num(t as f64 - epoch() as f64))
}

/// Expands the one-letter standard formats; None for an invalid one.
fn standard_format(spec: &str) -> Option<&str> {
    Some(match spec {
        "D" => "dddd, dd MMMM yyyy",
        "f" => "dddd, dd MMMM yyyy HH:mm",
        "F" | "U" => "dddd, dd MMMM yyyy HH:mm:ss",
        "M" | "m" => "d MMMM",
        "O" | "o" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        "R" | "r" => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        "t" => "HH:mm",
        "T" => "HH:mm:ss",
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        "Y" | "y" => "yyyy MMMM",
        s if s.len() == 1 => return None,
        s => s,
    })
}

/// `FormatDate`: the format's fields replaced by parts of `tm`.
fn format_date(tm: &Tm, spec: &str) -> String {
    match spec {
        "" => {
            let (d, m) = (&DAYS[tm.weekday][..3], &tm.month_name()[..3]);
            return format!("{d} {m} {:2} {} {}", tm.day, tm.c_time(), tm.year);
        }
        "d" => return tm.c_date(),
        "G" => return format!("{} {}", tm.c_date(), tm.c_time()),
        "g" => {
            let (d, h, p) = (tm.c_date(), tm.hour, tm.am_pm());
            return format!("{d} {h}:{h:02} {p}");
        }
        _ => {}
    }
    let spec = match spec.strip_prefix('%') {
        Some(rest) => rest,
        None => match standard_format(spec) {
            Some(s) => s,
            None => return String::new(),
        },
    };
    let mut out = String::new();
    let mut rest = spec;
    while let Some(c) = rest.chars().next() {
        let run = rest.len() - rest.trim_start_matches(c).len();
        let used = format_field(tm, c, run, &mut out).unwrap_or_else(|| literal(rest, &mut out));
        rest = &rest[used..];
    }
    out
}

/// Appends the field of a run of `run` letters `c` (the longest the reference
/// knows, from the start of the run); returns the bytes it used, or None when `c`
/// starts no field.
fn format_field(tm: &Tm, c: char, run: usize, out: &mut String) -> Option<usize> {
    let n = match c {
        'y' | 'M' | 'd' => run.min(4),
        'f' | 'F' => run.min(6),
        'h' | 'H' | 'm' | 's' | 't' | 'g' => run.min(2),
        _ => return None,
    };
    let field = match (c, n) {
        ('y', 4) => format!("{:04}", tm.year),
        ('y', 3) => format!("{:03}", tm.year),
        ('y', _) => format!("{:02}", (tm.year - 1900) % 100),
        ('M', 4) => tm.month_name().to_string(),
        ('M', 3) => tm.month_name()[..3].to_string(),
        ('M', 2) => format!("{:02}", tm.month),
        ('M', _) => tm.month.to_string(),
        ('d', 4) => DAYS[tm.weekday].to_string(),
        ('d', 3) => DAYS[tm.weekday][..3].to_string(),
        ('d', 2) => format!("{:02}", tm.day),
        ('d', _) => tm.day.to_string(),
        ('h', 2) => format!("{:02}", tm.hour12()),
        ('h', _) => tm.hour12().to_string(),
        ('H', 2) => format!("{:02}", tm.hour),
        ('H', _) => tm.hour.to_string(),
        ('m', 2) => format!("{:02}", tm.min),
        ('m', _) => tm.min.to_string(),
        ('s', 2) => format!("{:02}", tm.sec),
        ('s', _) => tm.sec.to_string(),
        // Whole seconds: the fraction is always zero.
        ('f', n) => "0".repeat(n),
        ('F', _) => String::new(),
        ('t', 2) => tm.am_pm().to_string(),
        ('t', _) => tm.am_pm()[..1].to_string(),
        _ => if tm.year > 0 { "A.D." } else { "B.C." }.to_string(),
    };
    out.push_str(&field);
    Some(n)
}

/// Appends what the format holds at the start of `rest` when no field starts
/// there (a quoted literal, a backslash escape or one character); returns the
/// bytes it used.
fn literal(rest: &str, out: &mut String) -> usize {
    let mut chars = rest.char_indices();
    let Some((_, c)) = chars.next() else {
        return 0;
    };
    match c {
        '\'' | '"' => {
            let mut escaped = false;
            for (i, d) in chars {
                if escaped {
                    out.push(d);
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == c {
                    return i + 1;
                } else {
                    out.push(d);
                }
            }
            rest.len()
        }
        '\\' => match chars.next() {
            Some((i, d)) => {
                out.push(d);
                i + d.len_utf8()
            }
            None => 1,
        },
        _ => {
            out.push(c);
            c.len_utf8()
        }
    }
}

/// C's `sscanf("%d")`: an optional sign and digits after blanks, else 0.
fn int_value(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    let v = if neg { -v } else { v };
    // Stored into an `int`.
    i64::from(v as i32)
}

/// C's `sscanf("%lf")` truncated to an `int` (the seconds of a time).
fn seconds_value(s: &str) -> i64 {
    let s = s.trim_start();
    let b = s.as_bytes();
    let mut end = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    end = digits(end);
    if b.get(end) == Some(&b'.') {
        end = digits(end + 1);
    }
    let v: f64 = s[..end].parse().unwrap_or(0.0);
    v as i32 as i64
}

/// `ParseDate`: space-separated parts, `y[-m[-d]]` (a part with `-`), `h[:m[:s]]`
/// (a part with `:`) and `P`/`PM` (add 12 to an hour below 12); without a date,
/// today's. Fields out of range carry over, as with `mktime`.
fn parse_date(s: &str) -> i64 {
    let zone = Zone::local();
    let (mut year, mut month, mut day) = (1900, 0, 0);
    let (mut hour, mut min, mut sec) = (0, 0, 0);
    let (mut got_date, mut pm) = (false, false);
    for part in s.split(' ') {
        if part.contains('-') {
            // Fields a part leaves out keep their earlier values (C's `tm`).
            let mut f = part.split('-');
            year = f.next().map_or(0, int_value);
            month = f.next().map_or(month, |m| int_value(m) - 1);
            day = f.next().map_or(day, int_value);
            got_date = true;
        } else if part.contains(':') {
            let mut f = part.split(':');
            hour = f.next().map_or(0, int_value);
            min = f.next().map_or(min, int_value);
            sec = f.next().map_or(sec, seconds_value);
        } else if matches!(part.to_uppercase().as_str(), "P" | "PM") {
            pm = true;
        }
    }
    if pm && hour < 12 {
        hour += 12;
    }
    let days = if got_date {
        let months = year * 12 + month;
        days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1) + day - 1
    } else {
        let t = now();
        (t + zone.offset_at(t)).div_euclid(86400)
    };
    let local = days * 86400 + hour * 3600 + min * 60 + sec;
    zone.to_utc(local, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_literals_print_their_text() {
        let tm = Tm {
            year: 2024,
            month: 8,
            day: 8,
            hour: 12,
            min: 4,
            sec: 5,
            weekday: 4,
        };
        assert_eq!(format_date(&tm, "s"), "2024-08-08T12:04:05");
        assert_eq!(format_date(&tm, "u"), "2024-08-08 12:04:05Z");
        assert_eq!(format_date(&tm, "\"at\" H 'o''clock'"), "at 12 oclock");
        assert_eq!(format_date(&tm, "'it\\'s' h tt"), "it's 12 PM");
        assert_eq!(format_date(&tm, "'open"), "open");
    }
}

//! The local time zone of the date intrinsics and calendar arithmetic: UTC offsets
//! read from the TZif file that `TZ` (or `/etc/localtime`) names, as C's `localtime`.
//!
//! The zone is read once per process. `TZ` unset means `/etc/localtime`; an empty
//! `TZ` or one that names no readable file is read as a POSIX string, of which only
//! the standard offset is used (`JST-9`, `UTC0`), else UTC, as glibc does. Beyond the
//! last transition of the file the last offset stays in force (the TZif files of
//! common distributions list transitions up to 2037).

use std::sync::OnceLock;

/// One local time type of a zone: offset east of UTC in seconds, and whether it is
/// daylight-saving time.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LocalType {
    offset: i64,
    dst: bool,
}

/// A time zone: transition times (Unix seconds, ascending) and the type that
/// starts at each; `types[0]` applies before the first transition.
#[derive(Debug)]
pub(super) struct Zone {
    transitions: Vec<i64>,
    type_of: Vec<usize>,
    types: Vec<LocalType>,
}

impl Zone {
    fn fixed(offset: i64) -> Zone {
        Zone {
            transitions: Vec::new(),
            type_of: Vec::new(),
            types: vec![LocalType { offset, dst: false }],
        }
    }

    /// The process's local zone.
    pub(super) fn local() -> &'static Zone {
        static ZONE: OnceLock<Zone> = OnceLock::new();
        ZONE.get_or_init(|| Zone::from_tz(std::env::var("TZ").ok().as_deref()))
    }

    fn from_tz(tz: Option<&str>) -> Zone {
        let Some(tz) = tz else {
            return read_tzif("/etc/localtime").unwrap_or_else(|| Zone::fixed(0));
        };
        let name = tz.strip_prefix(':').unwrap_or(tz);
        if !name.is_empty() {
            let path = if name.starts_with('/') {
                name.to_string()
            } else {
                let dir = std::env::var("TZDIR").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
                format!("{dir}/{name}")
            };
            if let Some(z) = read_tzif(&path) {
                return z;
            }
        }
        Zone::fixed(posix_std_offset(name).unwrap_or(0))
    }

    fn type_index_at(&self, t: i64) -> usize {
        match self.transitions.partition_point(|&x| x <= t) {
            0 => 0,
            n => self.type_of[n - 1],
        }
    }

    /// The offset east of UTC in force at Unix time `t`.
    pub(super) fn offset_at(&self, t: i64) -> i64 {
        self.types[self.type_index_at(t)].offset
    }

    /// `mktime`: the Unix time of a local wall-clock time (seconds since 1970 as if
    /// it were UTC). With `standard`, the time is read as standard time even when
    /// daylight-saving time is in force then (`tm_isdst = 0`); otherwise the zone
    /// decides (`tm_isdst = -1`).
    pub(super) fn to_utc(&self, local: i64, standard: bool) -> i64 {
        let guess = local - self.offset_at(local);
        let t = local - self.offset_at(guess);
        let i = self.type_index_at(t);
        if !standard || !self.types[i].dst {
            return t;
        }
        // The standard offset in force: the latest non-DST type at or before t.
        let n = self.transitions.partition_point(|&x| x <= t);
        let std = (0..n)
            .rev()
            .map(|k| self.types[self.type_of[k]])
            .chain(self.types.iter().copied())
            .find(|ty| !ty.dst);
        std.map_or(t, |ty| local - ty.offset)
    }
}

/// A big-endian signed integer of `N` bytes at `*pos`, advancing it.
fn read_be(bytes: &[u8], pos: &mut usize, n: usize) -> Option<i64> {
    let slice = bytes.get(*pos..*pos + n)?;
    *pos += n;
    let mut v: i64 = if slice.first()? & 0x80 != 0 { -1 } else { 0 };
    for b in slice {
        v = (v << 8) | i64::from(*b);
    }
    Some(v)
}

/// Parses a TZif file (RFC 8536): the 64-bit block of version 2 and later, else the
/// 32-bit one.
fn read_tzif(path: &str) -> Option<Zone> {
    let bytes = std::fs::read(path).ok()?;
    let (counts, mut pos) = tzif_header(&bytes, 0)?;
    if bytes.get(4).copied().unwrap_or(0) >= b'2' {
        // Skip the version 1 block and read the second header.
        pos += block_len(&counts, 4);
        let (counts2, pos2) = tzif_header(&bytes, pos)?;
        return tzif_block(&bytes, pos2, &counts2, 8);
    }
    tzif_block(&bytes, pos, &counts, 4)
}

/// The six counts of a TZif header at `start` (isut, isstd, leap, time, type,
/// char) and the position after it.
fn tzif_header(bytes: &[u8], start: usize) -> Option<([usize; 6], usize)> {
    if bytes.get(start..start + 4)? != b"TZif" {
        return None;
    }
    let mut pos = start + 20;
    let mut counts = [0usize; 6];
    for c in &mut counts {
        *c = usize::try_from(read_be(bytes, &mut pos, 4)?).ok()?;
    }
    Some((counts, pos))
}

fn block_len(c: &[usize; 6], time_size: usize) -> usize {
    c[3] * time_size + c[3] + c[4] * 6 + c[5] + c[2] * (time_size + 4) + c[1] + c[0]
}

fn tzif_block(bytes: &[u8], mut pos: usize, c: &[usize; 6], time_size: usize) -> Option<Zone> {
    let (time_count, type_count) = (c[3], c[4]);
    if type_count == 0 {
        return None;
    }
    let mut transitions = Vec::with_capacity(time_count);
    for _ in 0..time_count {
        transitions.push(read_be(bytes, &mut pos, time_size)?);
    }
    let mut type_of = Vec::with_capacity(time_count);
    for _ in 0..time_count {
        let i = usize::from(*bytes.get(pos)?);
        pos += 1;
        if i >= type_count {
            return None;
        }
        type_of.push(i);
    }
    let mut types = Vec::with_capacity(type_count);
    for _ in 0..type_count {
        let offset = read_be(bytes, &mut pos, 4)?;
        let dst = *bytes.get(pos)? != 0;
        pos += 2;
        types.push(LocalType { offset, dst });
    }
    Some(Zone {
        transitions,
        type_of,
        types,
    })
}

/// The standard offset of a POSIX `TZ` string (`EST5EDT`, `<+09>-9`, `UTC0`):
/// the name, then `[+-]hh[:mm[:ss]]` hours west of UTC.
fn posix_std_offset(tz: &str) -> Option<i64> {
    let rest = if let Some(r) = tz.strip_prefix('<') {
        &r[r.find('>')? + 1..]
    } else {
        let name_len = tz.find(|c: char| !c.is_ascii_alphabetic())?;
        if name_len < 3 {
            return None;
        }
        &tz[name_len..]
    };
    let (sign, rest) = match rest.as_bytes().first()? {
        b'-' => (-1, &rest[1..]),
        b'+' => (1, &rest[1..]),
        _ => (1, rest),
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(rest.len());
    let mut secs = 0;
    for (k, part) in rest[..end].split(':').take(3).enumerate() {
        let v: i64 = part.parse().ok()?;
        secs += v * [3600, 60, 1][k];
    }
    Some(-sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_offsets() {
        assert_eq!(posix_std_offset("JST-9"), Some(9 * 3600));
        assert_eq!(posix_std_offset("EST5EDT,M3.2.0,M11.1.0"), Some(-5 * 3600));
        assert_eq!(posix_std_offset("<+0530>-5:30"), Some(5 * 3600 + 1800));
        assert_eq!(posix_std_offset("UTC"), None);
        assert_eq!(Zone::from_tz(Some("")).offset_at(0), 0);
    }
}

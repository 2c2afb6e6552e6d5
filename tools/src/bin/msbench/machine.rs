//! What a report records about where and how it was made: the machine, the date, the
//! exact command and the source tree, so that a number can be traced and repeated.

use std::process::Command;

#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cpus: usize,
    pub memory_bytes: Option<u64>,
    pub os: String,
}

impl Machine {
    pub fn detect() -> Machine {
        Machine {
            cpu: cpu_model().unwrap_or_else(|| "unknown CPU".into()),
            // Like `nproc`: the CPUs this process may use, which is what matters on a
            // shared or containerised machine.
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_bytes: memory_total(),
            os: os_name(),
        }
    }

    /// "AMD EPYC 7B13, 2 CPUs, 7.8 GiB RAM, Debian GNU/Linux 12 (Linux 6.1.0)"
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}, {} CPU{}",
            self.cpu,
            self.cpus,
            if self.cpus == 1 { "" } else { "s" }
        );
        if let Some(m) = self.memory_bytes {
            s.push_str(&format!(", {:.1} GiB RAM", m as f64 / (1u64 << 30) as f64));
        }
        s.push_str(&format!(", {}", self.os));
        s
    }
}

fn cpu_model() -> Option<String> {
    // x86 names the model in /proc/cpuinfo; elsewhere lscpu knows it.
    if let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") {
        if let Some(v) = field(&info, "model name") {
            return Some(v);
        }
    }
    let out = Command::new("lscpu").output().ok()?;
    field(&String::from_utf8_lossy(&out.stdout), "Model name")
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key && !v.trim().is_empty())
            .then(|| v.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

fn memory_total() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb = field(&info, "MemTotal")?;
    kb.trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()
        .map(|k| k * 1024)
}

fn os_name() -> String {
    let distro = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|k| k.trim().to_string());
    match (distro, kernel) {
        (Some(d), Some(k)) => format!("{d} (Linux {k})"),
        (None, Some(k)) => format!("Linux {k}"),
        (Some(d), None) => d,
        (None, None) => std::env::consts::OS.to_string(),
    }
}

/// Today's date and time in UTC, "2025-11-21 20:15 UTC" (no date crate needed).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = miniscript::intrinsics::shell::civil::civil_from_days(days);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The commit of the source tree msbench runs in, marked when it has uncommitted
/// changes (numbers from a dirty tree are not those of the commit).
pub fn source_tree() -> Option<String> {
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    if !head.status.success() {
        return None;
    }
    let commit = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    Some(if dirty {
        format!("{commit} + uncommitted changes")
    } else {
        commit
    })
}

/// The command line as typed, quoted where a shell would need it.
pub fn command_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        use miniscript::intrinsics::shell::civil::civil_from_days;
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn quoting() {
        let args = ["msbench".to_string(), "--only".into(), "a b".into()];
        assert_eq!(command_line(&args), "msbench --only 'a b'");
    }
}

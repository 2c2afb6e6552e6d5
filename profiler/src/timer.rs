//! The sampling clock: the CPU's time-stamp counter on x86-64 (about 12 ns to read),
//! a monotonic clock in nanoseconds elsewhere. Ticks are converted to nanoseconds at
//! report time from the ticks and wall time elapsed over the whole run, so there is
//! no calibration pause at start-up. The cost of one read pair is measured at start
//! and subtracted from every sample.

use std::time::Instant;

#[derive(Debug)]
pub struct Timer {
    start_ticks: u64,
    start: Instant,
    /// Ticks one back-to-back read pair costs (the minimum of a few tries).
    pub overhead: u64,
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn raw() -> u64 {
    // SAFETY: RDTSC has no preconditions on x86-64 (it only reads a counter), and the
    // result is used as an opaque timestamp; out-of-order effects only add noise.
    #[allow(unused_unsafe)]
    unsafe {
        core::arch::x86_64::_rdtsc()
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn raw() -> u64 {
    use std::sync::OnceLock;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

impl Timer {
    pub fn new() -> Timer {
        let overhead = (0..16)
            .map(|_| {
                let a = raw();
                let b = raw();
                b.saturating_sub(a)
            })
            .min()
            .unwrap_or(0);
        Timer {
            start_ticks: raw(),
            start: Instant::now(),
            overhead,
        }
    }

    #[inline]
    pub fn now(&self) -> u64 {
        raw()
    }

    /// Nanoseconds per tick, from the run so far (1.0 before any time has passed).
    pub fn ns_per_tick(&self) -> f64 {
        let ticks = raw().saturating_sub(self.start_ticks);
        let ns = self.start.elapsed().as_nanos() as f64;
        if ticks == 0 || ns < 1000.0 {
            1.0
        } else {
            ns / ticks as f64
        }
    }
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_advances_and_converts_to_plausible_nanoseconds() {
        let t = Timer::new();
        let a = t.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let b = t.now();
        assert!(b > a);
        let ns = (b - a) as f64 * t.ns_per_tick();
        assert!(ns > 4e6 && ns < 5e8, "{ns}");
    }
}

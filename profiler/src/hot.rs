//! The hotness decision: a pure function of a region's count, sampled time and
//! complexity, so that it can be tested at and around every threshold.

/// Thresholds and weights from the options table.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    pub hot_count: u64,
    /// Loop regions: iterations (loop-head executions) that make one hot.
    pub hot_loop: u64,
    pub hot_time_us: f64,
    pub min_complexity: u32,
    pub weight_count: f64,
    pub weight_time: f64,
    pub eager: bool,
}

/// What to do with a region at a check point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Propose it for compilation now.
    Compile,
    /// Ask again when the count reaches this value.
    Wait(u64),
    /// Never (too simple, or not compilable).
    Never,
}

/// Hotness score: 1.0 means hot. Count and estimated interpreted time each
/// contribute their share of their own threshold, weighted.
pub fn score(count: u64, est_time_us: f64, t: &Thresholds) -> f64 {
    let c = if t.hot_count == 0 {
        0.0
    } else {
        count as f64 / t.hot_count as f64
    };
    let s = if t.hot_time_us <= 0.0 {
        0.0
    } else {
        est_time_us / t.hot_time_us
    };
    t.weight_count * c + t.weight_time * s
}

/// Decide at a check point. `compilable` is false for regions the lowering could
/// not describe.
pub fn decide(
    count: u64,
    est_time_us: f64,
    complexity: u32,
    compilable: bool,
    t: &Thresholds,
) -> Decision {
    if !compilable || complexity < t.min_complexity {
        return Decision::Never;
    }
    if t.eager || score(count, est_time_us, t) >= 1.0 {
        return Decision::Compile;
    }
    // Look again after another slice of the count threshold (never stall at 0).
    let step = (t.hot_count / 16).max(1);
    Decision::Wait(count.saturating_add(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds {
        Thresholds {
            hot_count: 1000,
            hot_loop: 200,
            hot_time_us: 20.0,
            min_complexity: 2,
            weight_count: 1.0,
            weight_time: 1.0,
            eager: false,
        }
    }

    #[test]
    fn count_threshold_is_exact() {
        assert_eq!(decide(999, 0.0, 2, true, &t()), Decision::Wait(999 + 62));
        assert_eq!(decide(1000, 0.0, 2, true, &t()), Decision::Compile);
        assert_eq!(decide(1001, 0.0, 2, true, &t()), Decision::Compile);
    }

    #[test]
    fn time_alone_or_mixed_with_count_makes_hot() {
        assert_eq!(decide(1, 20.0, 2, true, &t()), Decision::Compile);
        assert!(matches!(decide(1, 19.9, 2, true, &t()), Decision::Wait(_)));
        // Half the count and half the time: exactly hot.
        assert_eq!(decide(500, 10.0, 2, true, &t()), Decision::Compile);
        assert!(matches!(
            decide(499, 10.0, 2, true, &t()),
            Decision::Wait(_)
        ));
    }

    #[test]
    fn complexity_and_compilability_gate_everything() {
        assert_eq!(decide(1_000_000, 1e9, 1, true, &t()), Decision::Never);
        assert_eq!(decide(1_000_000, 1e9, 2, false, &t()), Decision::Never);
        let eager = Thresholds { eager: true, ..t() };
        assert_eq!(decide(1, 0.0, 2, true, &eager), Decision::Compile);
        assert_eq!(decide(1, 0.0, 1, true, &eager), Decision::Never);
    }

    #[test]
    fn weights_scale_the_score() {
        let w = Thresholds {
            weight_count: 2.0,
            ..t()
        };
        assert_eq!(decide(500, 0.0, 2, true, &w), Decision::Compile);
        let z = Thresholds {
            weight_count: 0.0,
            ..t()
        };
        assert!(matches!(
            decide(1_000_000, 0.0, 2, true, &z),
            Decision::Wait(_)
        ));
    }
}

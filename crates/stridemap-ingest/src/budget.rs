//! The time one file may take to parse. A file over its budget keeps what was parsed before the
//! deadline and gets a diagnostic; the other files are not held up.

use std::time::{Duration, Instant};

/// A deadline for the work on one file; [`Budget::unlimited`] never runs out.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Option<Instant>,
    limit: Duration,
}

impl Budget {
    /// A budget of `limit` from now.
    pub fn starting_now(limit: Duration) -> Self {
        Budget {
            deadline: Instant::now().checked_add(limit),
            limit,
        }
    }

    pub fn unlimited() -> Self {
        Budget {
            deadline: None,
            limit: Duration::MAX,
        }
    }

    /// True once the deadline has passed.
    pub fn exceeded(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The limit, as the diagnostics state it.
    pub fn describe(&self) -> String {
        let ms = self.limit.as_millis();
        if ms >= 1000 && ms % 1000 == 0 {
            format!("{}s", ms / 1000)
        } else {
            format!("{ms}ms")
        }
    }
}

/// Checks a budget only every `every` calls, so that hot loops do not read the clock each time.
#[derive(Debug)]
pub(crate) struct Meter {
    budget: Budget,
    every: u32,
    count: u32,
}

impl Meter {
    pub fn new(budget: Budget, every: u32) -> Self {
        Meter {
            budget,
            every: every.max(1),
            count: 0,
        }
    }

    /// True once the budget is used up (checked on every `every`-th call).
    pub fn over(&mut self) -> bool {
        self.count += 1;
        if self.count >= self.every {
            self.count = 0;
            return self.budget.exceeded();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_budget_is_exceeded_and_unlimited_never_is() {
        assert!(Budget::starting_now(Duration::ZERO).exceeded());
        assert!(!Budget::unlimited().exceeded());
        assert!(!Budget::starting_now(Duration::from_secs(3600)).exceeded());
        assert_eq!(
            Budget::starting_now(Duration::from_secs(10)).describe(),
            "10s"
        );
        assert_eq!(
            Budget::starting_now(Duration::from_millis(250)).describe(),
            "250ms"
        );
    }

    #[test]
    fn meter_checks_every_nth_call() {
        let mut m = Meter::new(Budget::starting_now(Duration::ZERO), 3);
        assert!(!m.over());
        assert!(!m.over());
        assert!(m.over());
    }
}

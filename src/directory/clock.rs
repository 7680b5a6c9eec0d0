//! Where the directory takes the time from.

use crate::record::Timestamp;
use std::sync::Arc;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }
}

/// A clock that tells the time it is set to (for tests and simulations).
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<std::sync::atomic::AtomicU64>);

impl ManualClock {
    /// A clock at `now`.
    #[must_use]
    pub fn new(now: Timestamp) -> Self {
        ManualClock(Arc::new(std::sync::atomic::AtomicU64::new(now.0)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

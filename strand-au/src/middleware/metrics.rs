//! [`MetricsMiddleware`]: counters and average duration.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{ComputationContext, Middleware, MiddlewareError, Rejection};
use crate::record::ErrorInfo;

/// Counts computations (started, completed, failed) and their average
/// duration. Clones share the counters, so keep one and read
/// [`stats`](Self::stats) from anywhere. Counts are per process (hooks run
/// where computations run).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, MemoryStore, MetricsMiddleware, Runner};
///
/// let metrics = MetricsMiddleware::new();
/// let c = Computation::new("half", Runner::fallible(|x: u32| if x % 2 == 0 { Ok(x / 2) } else { Err("odd") }))
///     .store(Arc::new(MemoryStore::new()))
///     .middleware(Arc::new(metrics.clone()));
/// let handles: Vec<_> = (0..4u32).map(|x| c.launch::<u32>(&x)).collect();
/// for h in &handles { let _ = h.join(); }
/// let stats = metrics.stats();
/// assert_eq!((stats.total, stats.completed, stats.failed), (4, 2, 2));
/// assert!(stats.average_duration.is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MetricsMiddleware {
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    total: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
    completed_nanos: AtomicU64,
}

/// A snapshot of [`MetricsMiddleware`]'s counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsStats {
    /// Computations whose hooks started.
    pub total: u64,
    /// Computations completed.
    pub completed: u64,
    /// Computations failed, rejected or cancelled.
    pub failed: u64,
    /// Average duration of completed computations (`None` before the first).
    pub average_duration: Option<Duration>,
}

impl MetricsMiddleware {
    /// Fresh counters.
    pub fn new() -> MetricsMiddleware {
        MetricsMiddleware::default()
    }

    /// The counters now.
    pub fn stats(&self) -> MetricsStats {
        let c = &self.counters;
        let completed = c.completed.load(Ordering::Relaxed);
        let nanos = c.completed_nanos.load(Ordering::Relaxed);
        MetricsStats {
            total: c.total.load(Ordering::Relaxed),
            completed,
            failed: c.failed.load(Ordering::Relaxed),
            average_duration: (completed > 0).then(|| Duration::from_nanos(nanos / completed)),
        }
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        let c = &self.counters;
        for counter in [&c.total, &c.completed, &c.failed, &c.completed_nanos] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

impl Middleware for MetricsMiddleware {
    fn before(&self, _ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        self.counters.total.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn after(
        &self,
        _ctx: &ComputationContext<'_>,
        duration: Duration,
        _value: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.counters
            .completed_nanos
            .fetch_add(nanos, Ordering::Relaxed);
        self.counters.completed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn on_error(
        &self,
        _ctx: &ComputationContext<'_>,
        _duration: Duration,
        _error: &ErrorInfo,
    ) -> Result<(), MiddlewareError> {
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

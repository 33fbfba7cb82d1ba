//! [`RateLimitMiddleware`]: a token bucket.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{ComputationContext, Middleware, Rejection};
use crate::clock::{self, Clock};

/// Lets at most `max` computations start per `period` (a token bucket of
/// `max` tokens refilled continuously at `max / period`).
///
/// Over the limit the computation is **rejected, not delayed**: it ends
/// `Failed` with [`ErrorKind::Rejected`](crate::ErrorKind::Rejected) and the
/// reason "rate limit exceeded: at most N computations per P". Rejecting
/// keeps workers free; retry later if you need the work done. Clones share
/// the bucket. The limit is per process (hooks run where computations run).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use strand_au::{Computation, InlineBackend, MemoryStore, RateLimitMiddleware, Runner};
///
/// let limit = RateLimitMiddleware::new(2, Duration::from_secs(60));
/// let c = Computation::new("f", Runner::new(|x: u32| x))
///     .store(Arc::new(MemoryStore::new()))
///     .backend(Arc::new(InlineBackend))
///     .middleware(Arc::new(limit));
/// assert!(c.launch::<u32>(&1).join().is_ok());
/// assert!(c.launch::<u32>(&2).join().is_ok());
/// let err = c.launch::<u32>(&3).join().unwrap_err();
/// assert_eq!(err.to_string(), "computation rejected: rate limit exceeded: at most 2 computations per 60s");
/// ```
#[derive(Debug, Clone)]
pub struct RateLimitMiddleware {
    max: u32,
    period: Duration,
    clock: Arc<dyn Clock>,
    bucket: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last_ms: Option<u64>,
}

impl RateLimitMiddleware {
    /// At most `max` computations per `period`, starting with a full bucket.
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    pub fn new(max: u32, period: Duration) -> RateLimitMiddleware {
        assert!(!period.is_zero(), "a rate limit period must not be zero");
        RateLimitMiddleware {
            max,
            period,
            clock: clock::system(),
            bucket: Arc::new(Mutex::new(Bucket {
                tokens: f64::from(max),
                last_ms: None,
            })),
        }
    }

    /// Measures time on `clock` (for tests).
    pub fn clock(mut self, clock: impl Clock + 'static) -> RateLimitMiddleware {
        self.clock = Arc::new(clock);
        self
    }

    /// Tries to take a token now.
    fn take(&self) -> bool {
        let now = self.clock.now_ms();
        let mut b = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = b.last_ms {
            let elapsed = now.saturating_sub(last) as f64;
            let rate = f64::from(self.max) / self.period.as_millis() as f64;
            b.tokens = (b.tokens + elapsed * rate).min(f64::from(self.max));
        }
        b.last_ms = Some(now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Middleware for RateLimitMiddleware {
    fn before(&self, _ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        if self.take() {
            Ok(())
        } else {
            Err(Rejection::new(format!(
                "rate limit exceeded: at most {} computations per {:?}",
                self.max, self.period
            )))
        }
    }
}

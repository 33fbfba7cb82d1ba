//! [`LoggingMiddleware`]: one `tracing` event per hook.

use std::time::Duration;

use tracing::Level;

use super::{ComputationContext, Middleware, MiddlewareError, Rejection};
use crate::record::ErrorInfo;

/// Logs start, completion and failure of computations through `tracing`
/// (target `strand_au`), at a chosen level (default `INFO`; failures are
/// logged at `WARN` or the chosen level if it is more severe).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, LoggingMiddleware, MemoryStore, Runner};
///
/// let c = Computation::new("double", Runner::new(|x: u32| x * 2))
///     .store(Arc::new(MemoryStore::new()))
///     .middleware(Arc::new(LoggingMiddleware::new().level(tracing::Level::DEBUG)));
/// assert_eq!(c.launch::<u32>(&21).join().unwrap(), 42);
/// ```
#[derive(Debug, Clone)]
pub struct LoggingMiddleware {
    level: Level,
}

impl Default for LoggingMiddleware {
    fn default() -> Self {
        LoggingMiddleware::new()
    }
}

macro_rules! log_at {
    ($level:expr, $($rest:tt)*) => {
        match $level {
            Level::ERROR => tracing::error!(target: "strand_au", $($rest)*),
            Level::WARN => tracing::warn!(target: "strand_au", $($rest)*),
            Level::INFO => tracing::info!(target: "strand_au", $($rest)*),
            Level::DEBUG => tracing::debug!(target: "strand_au", $($rest)*),
            _ => tracing::trace!(target: "strand_au", $($rest)*),
        }
    };
}

impl LoggingMiddleware {
    /// Logs at `INFO`.
    pub fn new() -> LoggingMiddleware {
        LoggingMiddleware { level: Level::INFO }
    }

    /// Logs at `level`.
    pub fn level(mut self, level: Level) -> LoggingMiddleware {
        self.level = level;
        self
    }
}

impl Middleware for LoggingMiddleware {
    fn before(&self, ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        log_at!(self.level, key = %ctx.key(), function = ctx.function(), "computation started");
        Ok(())
    }

    fn after(
        &self,
        ctx: &ComputationContext<'_>,
        duration: Duration,
        _value: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        log_at!(self.level, key = %ctx.key(), function = ctx.function(), duration_ms = duration.as_secs_f64() * 1e3, "computation completed");
        Ok(())
    }

    fn on_error(
        &self,
        ctx: &ComputationContext<'_>,
        duration: Duration,
        error: &ErrorInfo,
    ) -> Result<(), MiddlewareError> {
        let level = self.level.min(Level::WARN);
        log_at!(level, key = %ctx.key(), function = ctx.function(), duration_ms = duration.as_secs_f64() * 1e3, kind = ?error.kind, error = %error.message, "computation failed");
        Ok(())
    }
}

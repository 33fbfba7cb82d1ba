//! [`Middleware`]: hooks around every computation.
//!
//! See [`Middleware`] for where and in which order hooks run.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, Instant};

use crate::key::Key;
use crate::record::ErrorInfo;

pub(crate) mod logging;
pub(crate) mod metrics;
pub(crate) mod rate_limit;

/// Any error a hook may return; logged and ignored.
pub type MiddlewareError = Box<dyn StdError + Send + Sync + 'static>;

/// What a hook knows about the computation.
#[derive(Debug)]
pub struct ComputationContext<'a> {
    pub(crate) key: &'a Key,
    pub(crate) function: &'a str,
    pub(crate) args: &'a serde_json::Value,
    pub(crate) started: Instant,
}

impl<'a> ComputationContext<'a> {
    /// Builds a context (for testing middleware by hand).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationContext, Key, Middleware, MetricsMiddleware};
    /// let key = Key::new("k").unwrap();
    /// let args = serde_json::json!([1]);
    /// let ctx = ComputationContext::new(&key, "f", &args);
    /// let metrics = MetricsMiddleware::new();
    /// metrics.before(&ctx).unwrap();
    /// assert_eq!(metrics.stats().total, 1);
    /// ```
    pub fn new(key: &'a Key, function: &'a str, args: &'a serde_json::Value) -> Self {
        ComputationContext {
            key,
            function,
            args,
            started: Instant::now(),
        }
    }

    /// The computation's key.
    pub fn key(&self) -> &Key {
        self.key
    }

    /// The registered function name.
    pub fn function(&self) -> &str {
        self.function
    }

    /// The serialized arguments.
    pub fn args(&self) -> &serde_json::Value {
        self.args
    }

    /// Time since the hooks started for this computation.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Why `before` refused a computation; the computation fails with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: String,
}

impl Rejection {
    /// A rejection saying `reason`.
    pub fn new(reason: impl Into<String>) -> Rejection {
        Rejection {
            reason: reason.into(),
        }
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl StdError for Rejection {}

/// Hooks around every computation of a [`Computation`](crate::Computation).
///
/// Object-safe; held as `Arc<dyn Middleware>`. Every hook has a default that
/// does nothing.
///
/// # Where middleware runs
///
/// Hooks run **where the computation runs**, on the worker thread, right
/// before and after the body: on the spawned thread for [`ThreadBackend`](crate::ThreadBackend),
/// on a pool worker for [`PoolBackend`](crate::PoolBackend), in the caller for
/// [`InlineBackend`](crate::InlineBackend) (and, for later process or remote
/// backends, in that process). So a middleware's state is per process:
/// [`MetricsMiddleware`](crate::MetricsMiddleware) counts what ran in this process.
///
/// # Order
///
/// 1. The worker claims the record (`Pending → Running`). A computation
///    cancelled before that never runs and no hook sees it.
/// 2. `before` of each middleware, in list order. The first rejection stops
///    there: the computation is `Failed` with [`ErrorKind::Rejected`](crate::ErrorKind::Rejected)
///    and the rejection's reason, and the body never runs.
/// 3. The body.
/// 4. `after` (completed) or `on_error` (failed, rejected, or cancelled as far
///    as this process knows), for each middleware whose `before` ran, in list
///    order.
/// 5. The outcome is recorded (first terminal status wins), which wakes
///    waiters: so once `wait()` returns, the hooks have run (metrics are
///    up to date).
///
/// An error returned by `after` or `on_error`, or a panic in any hook, is
/// logged through `tracing` and otherwise ignored: it never fails the
/// computation.
///
/// # Examples
///
/// A middleware that refuses negative inputs and counts successes:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use strand_au::{Computation, ComputationContext, MemoryStore, Middleware, MiddlewareError, Rejection, Runner};
///
/// #[derive(Debug, Default)]
/// struct NoNegatives { ok: AtomicUsize }
///
/// impl Middleware for NoNegatives {
///     fn before(&self, ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
///         match ctx.args().as_i64() {
///             Some(n) if n < 0 => Err(Rejection::new("negative input")),
///             _ => Ok(()),
///         }
///     }
///     fn after(&self, _: &ComputationContext<'_>, _: Duration, _: &serde_json::Value) -> Result<(), MiddlewareError> {
///         self.ok.fetch_add(1, Ordering::Relaxed);
///         Ok(())
///     }
/// }
///
/// let guard = Arc::new(NoNegatives::default());
/// let square = Computation::new("square", Runner::new(|x: i64| x * x))
///     .store(Arc::new(MemoryStore::new()))
///     .middleware(guard.clone());
/// assert_eq!(square.launch::<i64>(&3).join().unwrap(), 9);
/// let err = square.launch::<i64>(&-3).join().unwrap_err();
/// assert!(err.is_rejected());
/// assert_eq!(err.to_string(), "computation rejected: negative input");
/// assert_eq!(guard.ok.load(Ordering::Relaxed), 1);
/// ```
pub trait Middleware: Send + Sync + fmt::Debug {
    /// Before the body; an `Err` rejects the computation.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] to refuse the computation.
    fn before(&self, ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        let _ = ctx;
        Ok(())
    }

    /// After the computation completed with `value`, which took `duration`.
    ///
    /// # Errors
    ///
    /// Any error; it is logged and ignored.
    fn after(
        &self,
        ctx: &ComputationContext<'_>,
        duration: Duration,
        value: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        let _ = (ctx, duration, value);
        Ok(())
    }

    /// After the computation failed, was rejected or was cancelled.
    ///
    /// # Errors
    ///
    /// Any error; it is logged and ignored.
    fn on_error(
        &self,
        ctx: &ComputationContext<'_>,
        duration: Duration,
        error: &ErrorInfo,
    ) -> Result<(), MiddlewareError> {
        let _ = (ctx, duration, error);
        Ok(())
    }
}

//! Custom middleware: implement `Middleware` (any of `before`, `after`,
//! `on_error`) and list it in `middleware = [...]`. Here:
//!
//! - a sliding-window rate limiter: `before` rejects a computation when the
//!   window is full; the computation ends `Failed`, "rejected", and its body
//!   never runs;
//! - an audit log that sees every outcome, rejections included, because it
//!   comes first in the list (a middleware's `after` or `on_error` runs only
//!   if its own `before` ran);
//! - an exporter whose `after` fails: that error is logged and ignored, it
//!   never fails the computation;
//! - then the built-in token-bucket `RateLimitMiddleware`, for comparison.
//!
//! Both limiters read a `ManualClock`, so the example moves time forward
//! instead of sleeping.
//!
//! Run with `cargo run --example au_custom_middleware`.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use strand_au::{
    Clock, ComputationContext, ErrorInfo, ManualClock, MemoryStore, Middleware, MiddlewareError,
    RateLimitMiddleware, Rejection, async_compute,
};

const TIMEOUT: Duration = Duration::from_secs(30);

static CLOCK: LazyLock<ManualClock> = LazyLock::new(|| ManualClock::new(1_000_000));
static LIMIT: LazyLock<Arc<SlidingWindowLimit>> =
    LazyLock::new(|| Arc::new(SlidingWindowLimit::new(10, Duration::from_secs(60))));
static AUDIT: LazyLock<Arc<Audit>> = LazyLock::new(Arc::default);
static BUCKET: LazyLock<RateLimitMiddleware> =
    LazyLock::new(|| RateLimitMiddleware::new(2, Duration::from_secs(1)).clock(CLOCK.clone()));

/// At most `max` computations start in any `window`.
#[derive(Debug)]
struct SlidingWindowLimit {
    max: usize,
    window: Duration,
    clock: Arc<dyn Clock>,
    starts: Mutex<VecDeque<u64>>,
}

impl SlidingWindowLimit {
    fn new(max: usize, window: Duration) -> SlidingWindowLimit {
        SlidingWindowLimit {
            max,
            window,
            clock: Arc::new(CLOCK.clone()),
            starts: Mutex::new(VecDeque::new()),
        }
    }
}

impl Middleware for SlidingWindowLimit {
    fn before(&self, _ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        let now = self.clock.now_ms();
        let window = self.window.as_millis() as u64;
        let mut starts = self.starts.lock().unwrap();
        while starts.front().is_some_and(|&t| now - t >= window) {
            starts.pop_front();
        }
        if starts.len() >= self.max {
            return Err(Rejection::new(format!(
                "rate limit exceeded: {} computations in the last {:?}",
                self.max, self.window
            )));
        }
        starts.push_back(now);
        Ok(())
    }
}

/// Writes down how every computation ended.
#[derive(Debug, Default)]
struct Audit {
    lines: Mutex<Vec<String>>,
}

impl Middleware for Audit {
    fn after(
        &self,
        ctx: &ComputationContext<'_>,
        _duration: Duration,
        value: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        let line = format!("{}{} = {value}", short(ctx.function()), ctx.args());
        self.lines.lock().unwrap().push(line);
        Ok(())
    }

    fn on_error(
        &self,
        ctx: &ComputationContext<'_>,
        _duration: Duration,
        error: &ErrorInfo,
    ) -> Result<(), MiddlewareError> {
        let line = format!(
            "{}{}: {:?}, {}",
            short(ctx.function()),
            ctx.args(),
            error.kind,
            error.message
        );
        self.lines.lock().unwrap().push(line);
        Ok(())
    }
}

fn short(function: &str) -> &str {
    function.rsplit("::").next().unwrap_or(function)
}

/// Sends results somewhere that is down.
#[derive(Debug)]
struct BrokenExporter;

impl Middleware for BrokenExporter {
    fn after(
        &self,
        _ctx: &ComputationContext<'_>,
        _duration: Duration,
        _value: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        Err("metrics exporter unreachable".into())
    }
}

/// Stands in for a call to a paid API.
#[async_compute(store = MemoryStore::new(), middleware = [AUDIT.clone(), LIMIT.clone(), BrokenExporter])]
fn rate_limited_function(x: u32) -> u32 {
    x * 3
}

/// The same with the built-in token bucket: 2 per second.
#[async_compute(store = MemoryStore::new(), middleware = [BUCKET.clone()])]
fn bucket_limited(x: u32) -> u32 {
    x + 1
}

fn main() {
    // Twelve calls at the same instant: ten fit in the window.
    let handles: Vec<_> = (1..=12).map(rate_limited_function).collect();
    let mut done = 0;
    let mut rejected = 0;
    for h in &handles {
        match h.join_timeout(TIMEOUT) {
            Ok(_) => done += 1,
            Err(e) if e.is_rejected() => {
                rejected += 1;
                println!("  {e}");
            }
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    println!("12 calls at once: {done} ran, {rejected} rejected");
    assert_eq!((done, rejected), (10, 2));

    // A minute later the window is empty again.
    CLOCK.advance(Duration::from_secs(60));
    assert_eq!(
        rate_limited_function(100).join_timeout(TIMEOUT).unwrap(),
        300
    );
    println!("a minute later: rate_limited_function(100) = 300");

    let mut lines = AUDIT.lines.lock().unwrap().clone();
    lines.sort(); // computations ran on their own threads, in any order
    println!("audit log ({} entries):", lines.len());
    for line in &lines {
        println!("  {line}");
    }
    assert_eq!(lines.len(), 13);
    assert_eq!(lines.iter().filter(|l| l.contains("Rejected")).count(), 2);
    assert!(lines.contains(&"rate_limited_function[100] = 300".to_owned()));

    // The built-in token bucket: 2 per second, refilled continuously.
    let first: Vec<_> = (0..3).map(bucket_limited).collect();
    let outcomes: Vec<bool> = first
        .iter()
        .map(|h| h.join_timeout(TIMEOUT).is_ok())
        .collect();
    let passed = outcomes.iter().filter(|&&ok| ok).count();
    println!("token bucket, 3 calls at once: {passed} ran");
    assert_eq!(passed, 2);
    let err = first
        .iter()
        .find_map(|h| h.join_timeout(TIMEOUT).err())
        .unwrap();
    println!("  {err}");
    assert_eq!(
        err.to_string(),
        "computation rejected: rate limit exceeded: at most 2 computations per 1s"
    );
    CLOCK.advance(Duration::from_millis(500)); // one token back
    assert!(bucket_limited(7).join_timeout(TIMEOUT).is_ok());
    assert!(
        bucket_limited(8)
            .join_timeout(TIMEOUT)
            .unwrap_err()
            .is_rejected()
    );
    println!("half a second later: one more ran, the next was rejected");
}

//! Middleware: logging, metrics, rate limiting, rejection, errors ignored.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::HANG;
use strand_au::{
    Computation, ComputationContext, ComputationStore, ErrorInfo, ErrorKind, InlineBackend,
    LoggingMiddleware, ManualClock, MemoryStore, MetricsMiddleware, Middleware, MiddlewareError,
    PoolBackend, RateLimitMiddleware, Rejection, Runner, Status,
};

fn store() -> Arc<dyn ComputationStore> {
    Arc::new(MemoryStore::new())
}

/// A minimal `tracing` subscriber that keeps every event's fields as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);
impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn logging_middleware_logs_start_completion_and_failure() {
    let capture = Capture::default();
    let c = Computation::new(
        "m::logged",
        Runner::fallible(|x: i32| if x > 0 { Ok(x) } else { Err("not positive") }),
    )
    .store(store())
    .backend(Arc::new(InlineBackend)) // hooks run in this thread, under this subscriber
    .middleware(Arc::new(LoggingMiddleware::new()));
    tracing::subscriber::with_default(capture.clone(), || {
        c.launch::<i32>(&1).join().unwrap();
        c.launch::<i32>(&-1).join().unwrap_err();
    });
    let lines = capture.0.lock().unwrap().clone();
    let find = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(find("computation started"), 2, "{lines:#?}");
    assert_eq!(find("computation completed"), 1, "{lines:#?}");
    assert_eq!(find("computation failed"), 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("WARN") && l.contains("not positive")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.contains("function=\"m::logged\"")),
        "{lines:#?}"
    );
}

#[test]
fn metrics_middleware_counts_and_averages() {
    let metrics = MetricsMiddleware::new();
    let c = Computation::new(
        "m::metered",
        Runner::fallible(|x: u64| {
            std::thread::sleep(Duration::from_millis(2));
            if x % 3 == 0 {
                Err("multiple of three")
            } else {
                Ok(x)
            }
        }),
    )
    .store(store())
    .backend(Arc::new(PoolBackend::new(2)))
    .middleware(Arc::new(metrics.clone()));
    assert_eq!(metrics.stats().average_duration, None);
    let handles: Vec<_> = (0..9u64).map(|i| c.launch::<u64>(&i)).collect();
    for h in &handles {
        let _ = h.join_timeout(HANG);
    }
    let stats = metrics.stats();
    assert_eq!((stats.total, stats.completed, stats.failed), (9, 6, 3));
    assert!(stats.average_duration.unwrap() >= Duration::from_millis(2));
    metrics.reset();
    assert_eq!(metrics.stats().total, 0);
}

#[test]
fn rate_limit_rejects_over_the_limit_and_refills() {
    let clock = ManualClock::new(0);
    let limit = RateLimitMiddleware::new(3, Duration::from_secs(60)).clock(clock.clone());
    let metrics = MetricsMiddleware::new();
    let ran = Arc::new(Mutex::new(0));
    let r = ran.clone();
    let c = Computation::new(
        "m::limited",
        Runner::new(move |x: u32| {
            *r.lock().unwrap() += 1;
            x
        }),
    )
    .store(store())
    .backend(Arc::new(InlineBackend))
    .middleware(Arc::new(metrics.clone()))
    .middleware(Arc::new(limit));
    for i in 0..3 {
        assert_eq!(c.launch::<u32>(&i).join().unwrap(), i);
    }
    let h = c.launch::<u32>(&3);
    let err = h.join().unwrap_err();
    assert!(err.is_rejected(), "{err}");
    assert_eq!(
        err.to_string(),
        "computation rejected: rate limit exceeded: at most 3 computations per 60s"
    );
    assert_eq!(h.status().unwrap(), Status::Failed);
    assert_eq!(h.record().unwrap().error.unwrap().kind, ErrorKind::Rejected);
    assert_eq!(*ran.lock().unwrap(), 3, "a rejected body must not run");
    // The earlier middleware saw the rejection as a failure.
    assert_eq!((metrics.stats().total, metrics.stats().failed), (4, 1));
    clock.advance(Duration::from_secs(20)); // one token back
    assert!(c.launch::<u32>(&4).join().is_ok());
    assert!(c.launch::<u32>(&5).join().unwrap_err().is_rejected());
}

#[derive(Debug, Default)]
struct Faulty {
    seen: Mutex<Vec<String>>,
}

impl Middleware for Faulty {
    fn before(&self, ctx: &ComputationContext<'_>) -> Result<(), Rejection> {
        self.seen
            .lock()
            .unwrap()
            .push(format!("before {}", ctx.function()));
        if ctx.args().as_u64() == Some(13) {
            panic!("middleware panics on 13");
        }
        Ok(())
    }
    fn after(
        &self,
        _: &ComputationContext<'_>,
        _: Duration,
        v: &serde_json::Value,
    ) -> Result<(), MiddlewareError> {
        self.seen.lock().unwrap().push(format!("after {v}"));
        Err("after hook failed".into())
    }
    fn on_error(
        &self,
        _: &ComputationContext<'_>,
        _: Duration,
        e: &ErrorInfo,
    ) -> Result<(), MiddlewareError> {
        self.seen
            .lock()
            .unwrap()
            .push(format!("on_error {:?} {}", e.kind, e.message));
        panic!("on_error panics too")
    }
}

#[test]
fn middleware_errors_and_panics_are_ignored() {
    let faulty = Arc::new(Faulty::default());
    let c = Computation::new(
        "m::faulty",
        Runner::fallible(|x: u64| if x == 0 { Err("zero") } else { Ok(x) }),
    )
    .store(store())
    .middleware(faulty.clone());
    assert_eq!(c.launch::<u64>(&7).join_timeout(HANG).unwrap(), 7);
    assert_eq!(c.launch::<u64>(&13).join_timeout(HANG).unwrap(), 13);
    assert!(
        c.launch::<u64>(&0)
            .join_timeout(HANG)
            .unwrap_err()
            .is_failed()
    );
    let seen = faulty.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "before m::faulty",
            "after 7",
            "before m::faulty",
            "after 13",
            "before m::faulty",
            "on_error Returned zero"
        ]
    );
}

#[test]
fn on_error_sees_cancellation_and_hooks_run_in_order() {
    #[derive(Debug)]
    struct Tag(&'static str, Arc<Mutex<Vec<String>>>);
    impl Middleware for Tag {
        fn before(&self, _: &ComputationContext<'_>) -> Result<(), Rejection> {
            self.1.lock().unwrap().push(format!("{} before", self.0));
            Ok(())
        }
        fn on_error(
            &self,
            _: &ComputationContext<'_>,
            _: Duration,
            e: &ErrorInfo,
        ) -> Result<(), MiddlewareError> {
            self.1
                .lock()
                .unwrap()
                .push(format!("{} on_error {:?}", self.0, e.kind));
            Ok(())
        }
    }
    let log = Arc::new(Mutex::new(Vec::new()));
    let c = Computation::new(
        "m::cancelled",
        Runner::new(|_: ()| {
            let me = strand_au::current_computation();
            while !me.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }),
    )
    .store(store())
    .middleware(Arc::new(Tag("a", log.clone())))
    .middleware(Arc::new(Tag("b", log.clone())));
    let h = c.launch::<()>(&());
    let deadline = std::time::Instant::now() + HANG;
    while h.status().unwrap() != Status::Running || log.lock().unwrap().len() < 2 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    h.cancel().unwrap();
    assert!(h.join_timeout(HANG).unwrap_err().is_cancelled());
    let deadline = std::time::Instant::now() + HANG;
    while log.lock().unwrap().len() < 4 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "a before",
            "b before",
            "a on_error Cancelled",
            "b on_error Cancelled"
        ]
    );
}

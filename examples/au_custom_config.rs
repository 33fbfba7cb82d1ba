//! Custom configuration: a file-system store with a TTL and compact binary
//! records (MessagePack), a bounded worker pool, and two middleware, logging
//! (through `tracing`) and metrics, given to `#[async_compute]`.
//!
//! The store lives in a temporary directory that `main` owns and removes at
//! the end: the function reads it from a `OnceLock` on its first call (option
//! expressions are evaluated once, lazily).
//!
//! Run with `cargo run --example au_custom_config`.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strand_au::{
    ComputationStore, LoggingMiddleware, MetricsMiddleware, PoolBackend, Serialization, Status,
    TempStore, async_compute, decode_record, encode_record,
};
use tracing::field::{Field, Visit};
use tracing::span;

/// The store, set by `main` before the first call.
static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();
static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("main sets the store first").clone()
}

/// What `analyze` finds in a series of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Summary {
    count: usize,
    mean: f64,
    min: f64,
    max: f64,
}

/// Summarises samples; on a pool of two workers, logged and measured.
#[async_compute(
    store = store(),
    backend = PoolBackend::new(2),
    middleware = [LoggingMiddleware::new(), METRICS.clone()],
)]
fn complex_computation(samples: Vec<f64>) -> Result<Summary, String> {
    if samples.is_empty() {
        return Err("no samples to analyze".to_owned());
    }
    let count = samples.len();
    Ok(Summary {
        count,
        mean: samples.iter().sum::<f64>() / count as f64,
        min: samples.iter().copied().fold(f64::INFINITY, f64::min),
        max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

fn main() {
    // Prints LoggingMiddleware's events. The workspace has no
    // tracing-subscriber; a real program would install its own subscriber.
    let events = Arc::new(PrintEvents::default());
    tracing::subscriber::set_global_default(SharedSubscriber(events.clone()))
        .expect("no other subscriber is installed");

    let temp = TempStore::new().expect("temp dir").configure(|s| {
        s.ttl(Duration::from_secs(3600))
            .serialization(Serialization::Binary)
            .fsync(true)
    });
    STORE.set(temp.shared()).expect("set once");
    println!(
        "store: {} (TTL 1 h, MessagePack records)",
        temp.dir().display()
    );

    let series: Vec<Vec<f64>> = vec![
        vec![3.0, 1.0, 4.0, 1.0, 5.0],
        (1..=100).map(f64::from).collect(),
        vec![],
    ];
    let handles: Vec<_> = series.into_iter().map(complex_computation).collect();

    let first = handles[0].join_timeout(Duration::from_secs(30)).unwrap();
    println!("summary 1: {first:?}");
    assert_eq!(
        first,
        Summary {
            count: 5,
            mean: 2.8,
            min: 1.0,
            max: 5.0
        }
    );
    let second = handles[1].join_timeout(Duration::from_secs(30)).unwrap();
    println!("summary 2: {second:?}");
    assert_eq!((second.count, second.mean), (100, 50.5));
    let err = handles[2]
        .join_timeout(Duration::from_secs(30))
        .unwrap_err();
    println!("summary 3: {err}");
    assert_eq!(err.to_string(), "computation failed: no samples to analyze");
    assert_eq!(handles[2].status().unwrap(), Status::Failed);

    // The records on disk are MessagePack, not JSON.
    for (n, handle) in handles.iter().enumerate() {
        let path = temp.path_of(handle.key());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(path.extension().unwrap(), "msgpack");
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
        let record = decode_record(Serialization::Binary, handle.key(), &bytes).unwrap();
        let json = encode_record(Serialization::Json, &record).unwrap();
        println!(
            "record {}: {} bytes of MessagePack, {} as JSON, status {}",
            n + 1,
            bytes.len(),
            json.len(),
            record.status
        );
        // Smaller for small records; not for the 100 floats of record 2,
        // each 9 bytes in MessagePack against 3 to 5 characters in JSON.
        if n == 0 {
            assert!(bytes.len() < json.len());
        }
    }
    let record = handles[1].record().unwrap();
    let kept_for = record.expires_at.unwrap() - record.completed_at.unwrap();
    println!(
        "records are kept for {} s after completion",
        kept_for / 1000
    );
    assert_eq!(kept_for, 3_600_000);

    // Both middleware ran, where the computations ran (on the pool).
    let stats = METRICS.stats();
    println!(
        "metrics: {} started, {} completed, {} failed, average {:?}",
        stats.total,
        stats.completed,
        stats.failed,
        stats.average_duration.unwrap()
    );
    assert_eq!((stats.total, stats.completed, stats.failed), (3, 2, 1));
    let logged = events.count.load(Ordering::SeqCst);
    println!("log events: {logged}");
    assert_eq!(logged, 6, "a start and an end event per computation");

    let dir = temp.dir().to_path_buf();
    drop(temp);
    assert!(!dir.exists());
    println!("temporary store removed");
}

/// A minimal `tracing` subscriber: prints every event of `strand_au` on one
/// line and counts them.
#[derive(Debug, Default)]
struct PrintEvents {
    count: AtomicUsize,
}

/// Lets `main` keep a reference to the installed subscriber.
struct SharedSubscriber(Arc<PrintEvents>);

struct Line(String);

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}:");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl tracing::Subscriber for SharedSubscriber {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("strand_au")
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        println!("  log {}{}", event.metadata().level(), line.0);
        self.0.count.fetch_add(1, Ordering::SeqCst);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

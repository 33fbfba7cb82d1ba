//! Monitoring: one `MetricsMiddleware` shared by two functions counts the
//! computations that started, completed and failed (returned errors,
//! panics, rejections, cancellations) and their average duration.
//!
//! The middleware runs where the computations run, so its counts are those
//! of this process. Once `join()` returns, the hooks of that computation have
//! run: the stats are up to date without any sleep.
//!
//! Run with `cargo run --example au_metrics`.

use std::sync::LazyLock;
use std::time::Duration;

use strand_au::{MemoryStore, MetricsMiddleware, PoolBackend, async_compute};

static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);
static STORE: LazyLock<MemoryStore> = LazyLock::new(MemoryStore::new);
static POOL: LazyLock<PoolBackend> = LazyLock::new(|| PoolBackend::new(2));

const TIMEOUT: Duration = Duration::from_secs(30);

/// Sleeps `x` milliseconds and returns `x` squared; every fourth call fails.
#[async_compute(store = STORE.clone(), backend = POOL.clone(), middleware = [METRICS.clone()])]
fn monitored_function(x: u64) -> Result<u64, String> {
    std::thread::sleep(Duration::from_millis(x));
    if x % 4 == 3 {
        return Err(format!("{x} is unlucky"));
    }
    Ok(x * x)
}

/// A second function counted by the same metrics.
#[async_compute(store = STORE.clone(), backend = POOL.clone(), middleware = [METRICS.clone()])]
fn checked_sqrt(x: i64) -> u32 {
    assert!(x >= 0, "no square root of {x}");
    (x as f64).sqrt() as u32
}

fn print_stats(when: &str) {
    let stats = METRICS.stats();
    let average = stats.average_duration.map_or("-".to_owned(), |d| {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    });
    println!(
        "{when}: total {}, completed {}, failed {}, average duration {average}",
        stats.total, stats.completed, stats.failed
    );
}

fn main() {
    std::panic::set_hook(Box::new(|_| {})); // the panic below is expected
    print_stats("before");

    let handles: Vec<_> = (0..10).map(monitored_function).collect();
    let mut ok = 0;
    for h in &handles {
        match h.join_timeout(TIMEOUT) {
            Ok(_) => ok += 1,
            Err(e) => println!("  {}: {e}", h.key()),
        }
    }
    print_stats("after 10 calls of monitored_function");
    let stats = METRICS.stats();
    assert_eq!(ok, 8);
    assert_eq!((stats.total, stats.completed, stats.failed), (10, 8, 2));
    // The completed ones slept 0, 1, 2, 4, 5, 6, 8 and 9 ms: 35 ms in all.
    let average = stats.average_duration.expect("some completed");
    assert!(average >= Duration::from_millis(35) / 8, "{average:?}");

    assert_eq!(checked_sqrt(81).join_timeout(TIMEOUT).unwrap(), 9);
    let err = checked_sqrt(-1).join_timeout(TIMEOUT).unwrap_err();
    println!("  checked_sqrt(-1): {err}");
    assert!(err.is_panic());
    print_stats("after 2 calls of checked_sqrt");
    let stats = METRICS.stats();
    assert_eq!((stats.total, stats.completed, stats.failed), (12, 9, 3));

    METRICS.reset();
    print_stats("after reset");
    assert_eq!(METRICS.stats().total, 0);
    assert_eq!(METRICS.stats().average_duration, None);
}

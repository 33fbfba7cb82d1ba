// Every option at once, and the default store with binary records.
use std::sync::LazyLock;
use std::time::Duration;
use strand_au::{LoggingMiddleware, MemoryStore, MetricsMiddleware, ThreadBackend, async_compute};

static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);

#[async_compute(
    store = MemoryStore::new(),
    ttl = Duration::from_secs(120),
    backend = ThreadBackend::new().stack_size(1 << 20),
    middleware = [LoggingMiddleware::new(), METRICS.clone()],
    fallible = true,
    name = "pass::every_option",
    crate = strand_au,
)]
fn resize(path: String, (w, h): (u32, u32)) -> Result<Vec<u32>, String> {
    if path.is_empty() {
        return Err("no path".to_owned());
    }
    Ok(vec![w, h])
}

#[async_compute(serialization = binary, ttl = 5, backend = thread, fallible = false)]
fn raw(x: u8) -> Result<u8, String> {
    Ok(x)
}

fn main() {
    assert_eq!(resize("a.png".into(), (2, 3)).join().unwrap(), [2, 3]);
    assert!(
        resize(String::new(), (2, 3))
            .join()
            .unwrap_err()
            .is_failed()
    );
    assert_eq!(METRICS.stats().total, 2);
    assert_eq!(resize::name(), "pass::every_option");
    assert_eq!(
        strand_au::lookup("pass::every_option").map(|f| f.map(|_| ())),
        Ok(Some(()))
    );
    let h = raw(1);
    assert_eq!(h.join().unwrap(), Ok(1));
    assert_eq!(h.record().unwrap().ttl_ms, Some(5000));
    h.delete().unwrap();
}

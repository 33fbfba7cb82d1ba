//! `#[async_compute]` from and with async code: `async fn` computations,
//! and handles awaited without blocking the executor.

use std::time::Duration;

use strand_au::{MemoryStore, PoolBackend, Status, async_compute};

#[async_compute(store = MemoryStore::new())]
async fn fetch_twice(x: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(2)).await;
    x * 2
}

#[async_compute(store = MemoryStore::new(), backend = PoolBackend::new(2))]
async fn checked(x: i32) -> Result<i32, String> {
    tokio::task::yield_now().await;
    if x < 0 {
        Err(format!("{x} < 0"))
    } else {
        Ok(x)
    }
}

#[async_compute(store = MemoryStore::new())]
fn slow(x: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(30));
    x + 1
}

#[test]
fn async_fn_computations_run_on_the_backend() {
    let handle = fetch_twice(21);
    assert_eq!(handle.join().unwrap(), 42);
    assert_eq!(handle.status().unwrap(), Status::Completed);
    assert_eq!(checked(3).join().unwrap(), 3);
    let err = checked(-1).join().unwrap_err();
    assert!(err.is_failed());
    assert_eq!(err.message(), Some("-1 < 0"));
}

#[tokio::test(flavor = "current_thread")]
async fn awaiting_does_not_block_the_executor() {
    // Both waits and a timer share one thread: none of them blocks it.
    let (a, b, ticks) = tokio::join!(slow(1).join_async(), fetch_twice(5), async {
        let mut ticks = 0;
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(1)).await;
            ticks += 1;
        }
        ticks
    });
    assert_eq!((a.unwrap(), b.unwrap(), ticks), (2, 10, 5));
}

#[tokio::test]
async fn a_handle_from_the_key_is_awaitable() {
    let handle = slow(41);
    let again = slow::handle(handle.key().clone());
    assert_eq!(again.await.unwrap(), 42);
    let err = slow(0)
        .join_timeout_async(Duration::from_millis(1))
        .await
        .unwrap_err();
    assert!(matches!(err, strand_au::ComputationError::WaitTimeout));
}

/// Runs until its computation is cancelled.
#[async_compute(store = MemoryStore::new())]
fn until_cancelled() -> u64 {
    let me = strand_au::current_computation();
    let mut rounds = 0;
    while !me.is_cancelled() {
        std::thread::sleep(Duration::from_millis(1));
        rounds += 1;
    }
    rounds
}

#[test]
fn a_pending_wait_holds_no_thread() {
    // One blocking thread in all: a wait that held it until its computation
    // ended would leave none for the second wait, which would never finish.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let endless = until_cancelled();
        let waiting = tokio::spawn(endless.join_async());
        for _ in 0..20 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let quick = tokio::time::timeout(Duration::from_secs(60), slow(9)).await;
        let still_waiting = !waiting.is_finished();
        // Ended before asserting, so that a failure is reported rather than
        // hanging in the runtime's shutdown.
        endless.cancel().unwrap();
        assert_eq!(quick.expect("the second wait never finished").unwrap(), 10);
        assert!(still_waiting);
        let err = waiting.await.unwrap().unwrap_err();
        assert!(matches!(err, strand_au::ComputationError::Cancelled));
    });
}

/// A store that delivers no change notifications: `subscribe` keeps its
/// default, so async waits find changes by reading on a timer.
#[derive(Debug, Default)]
struct Unsubscribed(MemoryStore);

impl strand_au::ComputationStore for Unsubscribed {
    fn load(
        &self,
        key: &strand_au::Key,
    ) -> Result<Option<strand_au::Record>, strand_au::StoreError> {
        self.0.load(key)
    }
    fn put(
        &self,
        key: &strand_au::Key,
        record: strand_au::Record,
    ) -> Result<(), strand_au::StoreError> {
        self.0.put(key, record)
    }
    fn update(
        &self,
        key: &strand_au::Key,
        f: &mut dyn FnMut(&mut strand_au::Record) -> strand_au::UpdateAction,
    ) -> Result<strand_au::Updated, strand_au::StoreError> {
        self.0.update(key, f)
    }
    fn delete(&self, key: &strand_au::Key) -> Result<bool, strand_au::StoreError> {
        self.0.delete(key)
    }
    fn keys(&self) -> Result<Vec<strand_au::Key>, strand_au::StoreError> {
        self.0.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        strand_au::ComputationStore::ttl(&self.0)
    }
    fn clock(&self) -> std::sync::Arc<dyn strand_au::Clock> {
        strand_au::ComputationStore::clock(&self.0)
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_store_without_subscriptions_is_read_on_a_timer() {
    let store = std::sync::Arc::new(Unsubscribed::default());
    assert!(
        strand_au::ComputationStore::subscribe(
            &*store,
            &strand_au::ComputationStore::create_key(&*store)
        )
        .is_none()
    );
    let handle = strand_au::Computation::new(
        "late_square",
        strand_au::Runner::new(|x: u64| {
            std::thread::sleep(Duration::from_millis(20));
            x * x
        }),
    )
    .store(store)
    .launch::<u64>(&12);
    assert_eq!(handle.join_async().await.unwrap(), 144);
}

#[tokio::test(flavor = "current_thread")]
async fn an_in_process_write_wakes_the_subscription() {
    use strand_au::ComputationStore;

    let store = MemoryStore::new();
    let key = store.create_key();
    let subscription = store.subscribe(&key).unwrap();
    let seen = subscription.generation();
    let writer = {
        let store = store.clone();
        let key = key.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            write_pending(&store, &key);
        })
    };
    assert!(subscription.changed(seen).await > seen);
    writer.join().unwrap();
    drop(subscription);
    // Dropped subscriptions leave nothing behind: a later write wakes no one
    // and still succeeds.
    write_pending(&store, &key);
}

fn write_pending(store: &MemoryStore, key: &strand_au::Key) {
    use strand_au::ComputationStore;

    let now = ComputationStore::clock(store).now_ms();
    let record = strand_au::Record::pending("f", serde_json::json!(null), now);
    store.put(key, record).unwrap();
}

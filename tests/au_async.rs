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
    assert_eq!(handle.wait().unwrap(), 42);
    assert_eq!(handle.status().unwrap(), Status::Completed);
    assert_eq!(checked(3).wait().unwrap(), 3);
    let err = checked(-1).wait().unwrap_err();
    assert!(err.is_failed());
    assert_eq!(err.message(), Some("-1 < 0"));
}

#[tokio::test(flavor = "current_thread")]
async fn awaiting_does_not_block_the_executor() {
    // Both waits and a timer share one thread: none of them blocks it.
    let (a, b, ticks) = tokio::join!(slow(1).wait_async(), fetch_twice(5), async {
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
        .wait_timeout_async(Duration::from_millis(1))
        .await
        .unwrap_err();
    assert!(matches!(err, strand_au::ComputationError::WaitTimeout));
}

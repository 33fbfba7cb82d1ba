//! Waiting for a computation from async code.

use std::future::{Future, IntoFuture};
use std::panic::resume_unwind;
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::ComputationError;
use crate::handle::ComputationHandle;

impl<T> ComputationHandle<T>
where
    T: DeserializeOwned + Send + 'static,
{
    /// Waits for the outcome without blocking the async executor, like
    /// [`wait`](Self::wait): an axum or actix handler can await a
    /// computation while its worker thread serves other requests.
    ///
    /// The wait itself is the blocking one of [`wait`](Self::wait) (woken
    /// directly by an in-process completion, the store's change
    /// notification otherwise; never a poll on a timer), moved to tokio's
    /// blocking pool: each pending `wait_async` holds one thread of that
    /// pool. The future owns a clone of the handle, so it can outlive this
    /// borrow. It works under any executor (outside a tokio runtime it uses
    /// strand's own). The handle itself is also a future:
    /// `handle.await` is `handle.wait_async().await`.
    ///
    /// # Errors
    ///
    /// As for [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{MemoryStore, async_compute};
    ///
    /// #[async_compute(store = MemoryStore::new())]
    /// fn slow_square(x: u64) -> u64 {
    ///     std::thread::sleep(std::time::Duration::from_millis(20));
    ///     x * x
    /// }
    ///
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let handle = slow_square(12);
    ///     assert_eq!(handle.wait_async().await.unwrap(), 144);
    ///     assert_eq!(slow_square(3).await.unwrap(), 9);
    /// });
    /// ```
    pub fn wait_async(&self) -> impl Future<Output = Result<T, ComputationError>> + Send + 'static {
        // The future owns a clone: it does not borrow the handle.
        let handle = self.clone();
        blocking(move || handle.wait())
    }

    /// Like [`wait_async`](Self::wait_async), giving up after `timeout`
    /// with [`ComputationError::WaitTimeout`] (the computation goes on).
    ///
    /// # Errors
    ///
    /// As for [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use strand_au::{MemoryStore, async_compute};
    ///
    /// #[async_compute(store = MemoryStore::new())]
    /// fn sleepy() -> u8 {
    ///     std::thread::sleep(Duration::from_millis(300));
    ///     1
    /// }
    ///
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let err = rt.block_on(sleepy().wait_timeout_async(Duration::from_millis(10))).unwrap_err();
    /// assert!(matches!(err, strand_au::ComputationError::WaitTimeout));
    /// ```
    pub fn wait_timeout_async(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, ComputationError>> + Send + 'static {
        let handle = self.clone();
        blocking(move || handle.wait_timeout(timeout))
    }
}

/// Runs `wait` on the blocking pool of the current runtime (strand's own
/// outside one) and hands back what it returned.
async fn blocking<R: Send + 'static>(wait: impl FnOnce() -> R + Send + 'static) -> R {
    match strand::coroutine::runtime().spawn_blocking(wait).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => resume_unwind(e.into_panic()),
        Err(e) => panic!("the wait for a computation was lost: {e}"),
    }
}

impl<T> IntoFuture for ComputationHandle<T>
where
    T: DeserializeOwned + Send + 'static,
{
    type Output = Result<T, ComputationError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    /// `handle.await` waits like [`wait_async`](ComputationHandle::wait_async).
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.wait_async().await })
    }
}

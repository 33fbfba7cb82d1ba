//! Waiting for a computation from async code.

use std::future::{Future, IntoFuture, poll_fn};
use std::panic::resume_unwind;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::error::ComputationError;
use crate::handle::ComputationHandle;
use crate::record::Record;
use crate::store::{Backoff, Subscription};

impl<T, E> ComputationHandle<T, E>
where
    T: DeserializeOwned + Send + 'static,
    E: Send + 'static,
{
    /// Waits for the outcome without blocking the async executor, like
    /// [`join`](Self::join): an axum or actix handler can await a
    /// computation while its worker thread serves other requests.
    ///
    /// A pending wait holds no thread. It reads the record (on tokio's
    /// blocking pool when a store read may touch a disk: see
    /// [`ComputationStore::reads_block`](crate::ComputationStore::reads_block)), and if the
    /// computation has not finished, awaits the store's
    /// [`Subscription`](crate::Subscription) to the key, which an
    /// in-process write wakes at once, or a backoff timer (0.5 ms doubling
    /// to 50 ms) for changes made elsewhere (another process, a lapsing
    /// lease); then reads again. A thousand pending waits cost a thousand
    /// small futures, not a thousand threads. The future owns a clone of
    /// the handle, so it can outlive this borrow. It works under any
    /// executor (outside a tokio runtime, and for the timer, it uses
    /// strand's own runtime). The handle itself is also a future:
    /// `handle.await` is `handle.join_async().await`.
    ///
    /// # Errors
    ///
    /// As for [`join`](Self::join).
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
    ///     assert_eq!(handle.join_async().await.unwrap(), 144);
    ///     assert_eq!(slow_square(3).await.unwrap(), 9);
    /// });
    /// ```
    pub fn join_async(
        &self,
    ) -> impl Future<Output = Result<T, ComputationError<E>>> + Send + 'static {
        // The future owns a clone: it does not borrow the handle.
        let handle = self.clone();
        async move { handle.join_until_async(None).await }
    }

    /// The old name of [`join_async`](Self::join_async).
    ///
    /// # Errors
    ///
    /// As for [`join_async`](Self::join_async).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `join_async`, as `join` on `TaskHandle`"
    )]
    pub fn wait_async(
        &self,
    ) -> impl Future<Output = Result<T, ComputationError<E>>> + Send + 'static {
        self.join_async()
    }

    /// Like [`join_async`](Self::join_async), giving up after `timeout`
    /// with [`ComputationError::WaitTimeout`] (the computation goes on).
    ///
    /// # Errors
    ///
    /// As for [`join_timeout`](Self::join_timeout).
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
    /// let err = rt.block_on(sleepy().join_timeout_async(Duration::from_millis(10))).unwrap_err();
    /// assert!(matches!(err, strand_au::ComputationError::WaitTimeout));
    /// ```
    pub fn join_timeout_async(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, ComputationError<E>>> + Send + 'static {
        let handle = self.clone();
        let deadline = Instant::now().checked_add(timeout);
        async move { handle.join_until_async(deadline).await }
    }

    /// The old name of [`join_timeout_async`](Self::join_timeout_async).
    ///
    /// # Errors
    ///
    /// As for [`join_timeout_async`](Self::join_timeout_async).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `join_timeout_async`, as `join_timeout` on `TaskHandle`"
    )]
    pub fn wait_timeout_async(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, ComputationError<E>>> + Send + 'static {
        self.join_timeout_async(timeout)
    }

    /// The async twin of the blocking `join_until`: reads, and between
    /// reads awaits a store notification or the backoff timer.
    async fn join_until_async(&self, deadline: Option<Instant>) -> Result<T, ComputationError<E>> {
        // Subscribed only once a read found the computation unfinished (a
        // short one is often done by the first read), and read again right
        // after, so no change between the read and the wait is lost.
        let mut subscription = None;
        let mut subscribed = false;
        let mut backoff = Backoff::new();
        loop {
            let since = subscription.as_ref().map(|s: &Subscription| s.generation());
            let record = self.read().await?;
            if record.status.is_terminal() {
                return self.outcome(record);
            }
            if let Some(e) = self.unrecorded(&record) {
                return Err(e);
            }
            if !subscribed {
                subscribed = true;
                subscription = self.store_ref().subscribe(self.key());
                if subscription.is_some() {
                    continue;
                }
            }
            let Some(pause) = backoff.next(deadline) else {
                return Err(ComputationError::WaitTimeout);
            };
            let mut timer = strand::coroutine::sleep(pause);
            poll_fn(|cx| {
                if let (Some(subscription), Some(since)) = (&subscription, since) {
                    if subscription.poll_changed(since, cx).is_ready() {
                        return Poll::Ready(());
                    }
                }
                Pin::new(&mut timer).poll(cx)
            })
            .await;
        }
    }

    /// [`record`](Self::record): on the blocking pool when the store's
    /// reads may block, here otherwise.
    async fn read(&self) -> Result<Record, ComputationError<E>> {
        if !self.store_ref().reads_block() {
            return self.record();
        }
        let handle = self.clone();
        blocking(move || handle.record()).await
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

impl<T, E> IntoFuture for ComputationHandle<T, E>
where
    T: DeserializeOwned + Send + 'static,
    E: Send + 'static,
{
    type Output = Result<T, ComputationError<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    /// `handle.await` waits like [`join_async`](ComputationHandle::join_async).
    fn into_future(self) -> Self::IntoFuture {
        // The handle is owned here: wait on it without the clone `join_async` makes.
        Box::pin(async move { self.join_until_async(None).await })
    }
}

//! The runtime a coroutine task runs on (the caller's, or strand's own),
//! spawning on it, blocking on it from outside, and a timer that works
//! under any executor.

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

/// Spawns `task` on the current runtime, or on strand's own outside one.
pub(super) fn spawn<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // `Handle::spawn` is what `tokio::spawn` does inside a runtime.
    match Handle::try_current() {
        Ok(runtime) => runtime.spawn(task),
        Err(_) => RUNTIME.spawn(task),
    }
}

/// strand's own runtime, for tasks started outside any runtime.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("strand-coroutine")
        .enable_time()
        .build()
        .expect("cannot start strand's coroutine runtime")
});

/// The runtime a coroutine task started here would run on: the caller's,
/// or strand's own.
///
/// # Examples
///
/// ```
/// let handle = strand::coroutine::runtime();
/// assert_eq!(handle.block_on(async { 2 + 2 }), 4);
/// ```
pub fn runtime() -> Handle {
    Handle::try_current().unwrap_or_else(|_| RUNTIME.handle().clone())
}

/// Runs `future` to completion on strand's runtime, blocking the caller
/// (Python's `asyncio.run`). For code outside any runtime, such as a
/// backend thread running an `async fn` computation.
///
/// # Panics
///
/// When called from inside a tokio runtime (tokio forbids blocking there).
///
/// # Examples
///
/// ```
/// assert_eq!(strand::coroutine::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.handle().block_on(future)
}

/// Waits `duration` under any executor, without a thread: the timer runs
/// on strand's own runtime, which has one even when the caller's runtime
/// was built without `enable_time`. Dropping the future cancels the timer.
/// For library code that cannot know how its caller's runtime was built.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// // A current-thread runtime without a timer of its own.
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let start = Instant::now();
/// rt.block_on(strand::coroutine::sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
pub fn sleep(duration: std::time::Duration) -> Sleep {
    Sleep {
        // Made inside the task: tokio binds a timer to the runtime it is
        // created in, and the caller's may have none.
        timer: RUNTIME.spawn(async move { tokio::time::sleep(duration).await }),
    }
}

/// The future of [`sleep`].
#[derive(Debug)]
pub struct Sleep {
    timer: JoinHandle<()>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The timer task only ends by finishing, or by this future's drop.
        Pin::new(&mut self.timer).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

/// Whether a blocking wait on a coroutine task may proceed here, moving
/// this worker's other tasks away first when it is a runtime worker.
pub(crate) fn blocking_wait<R>(wait: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Err(_) => wait(),
        Ok(handle) => match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::CurrentThread => panic!(
                "cannot block on a coroutine task inside a current-thread tokio runtime: the task may need this very thread; `.await` the handle instead of calling `join`"
            ),
            _ => tokio::task::block_in_place(wait),
        },
    }
}

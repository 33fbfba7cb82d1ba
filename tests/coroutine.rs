//! `#[as_task(coroutine)]`: async tasks on tokio, awaited or joined.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use futures_util::stream::{self, Stream};
use strand::{CancelOutcome, JoinError, as_task};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const HANG: Duration = Duration::from_secs(60);

#[as_task(coroutine)]
async fn double_later(x: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    x * 2
}

#[as_task(coroutine)]
async fn thread_of_task() -> std::thread::ThreadId {
    std::thread::current().id()
}

#[as_task(coroutine)]
fn blocking_body() -> (std::thread::ThreadId, Option<String>) {
    (
        std::thread::current().id(),
        strand::current_task().name().map(String::from),
    )
}

#[as_task(coroutine)]
async fn parse_async(text: String) -> Result<i64, String> {
    tokio::task::yield_now().await;
    text.parse().map_err(|_| format!("not a number: {text}"))
}

#[as_task(coroutine)]
async fn explode() -> u8 {
    tokio::task::yield_now().await;
    panic!("async kaboom")
}

static STARTED: AtomicBool = AtomicBool::new(false);

#[as_task(coroutine)]
async fn mark_started() {
    STARTED.store(true, Ordering::SeqCst);
}

struct SetOnDrop(Arc<AtomicBool>);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[as_task(coroutine)]
async fn forever(ticks: Arc<AtomicUsize>, dropped: Arc<AtomicBool>) {
    let _guard = SetOnDrop(dropped);
    loop {
        ticks.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

static ITEMS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn collect(i: u32) {
    ITEMS.lock().unwrap().push(i);
}

#[as_task(coroutine, on_iter = collect)]
async fn numbers(n: u32) -> Vec<u32> {
    (0..n).collect()
}

static QUIET: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[as_task(coroutine, on_iter = |i| QUIET.lock().unwrap().push(i), yield_on_iter = false)]
async fn numbers_no_yield(n: u32) -> Vec<u32> {
    (100..100 + n).collect()
}

static ENDS: AtomicUsize = AtomicUsize::new(0);
static ERRORS: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[as_task(coroutine, on_end = |_| { ENDS.fetch_add(1, Ordering::SeqCst); }, on_error = |e: &JoinError<String>| ERRORS.lock().unwrap().push(e.to_string()))]
async fn watched(ok: bool) -> Result<u8, String> {
    if ok { Ok(1) } else { Err("refused".into()) }
}

#[test]
fn join_outside_a_runtime() {
    assert_eq!(double_later(21).join().unwrap(), 42);
}

#[test]
fn awaited_inside_a_runtime_and_spawned_on_it() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        assert_eq!(double_later(5).await.unwrap(), 10);
        // A current-thread runtime runs its tasks on the thread of block_on.
        assert_eq!(thread_of_task().await.unwrap(), std::thread::current().id());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_at_once() {
    let handles: Vec<_> = (0..100).map(double_later).collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.await.unwrap(), 2 * i as u64);
    }
}

#[test]
fn starts_without_being_polled() {
    let handle = mark_started();
    let deadline = Instant::now() + HANG;
    while !STARTED.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the task never started");
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(handle);
}

#[test]
fn plain_fns_run_on_the_blocking_pool() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (thread, name) = blocking_body().await.unwrap();
        assert_ne!(
            thread,
            std::thread::current().id(),
            "not on the runtime's thread"
        );
        assert_eq!(name.as_deref(), Some("coroutine::blocking_body"));
    });
}

#[test]
fn errors_and_panics() {
    assert_eq!(parse_async("12".into()).join().unwrap(), 12);
    let err = parse_async("x".into()).join().unwrap_err();
    assert_eq!(err.failure().map(String::as_str), Some("not a number: x"));
    let err = explode().join().unwrap_err();
    assert_eq!(err.panic_message(), Some("async kaboom"));
}

#[test]
fn cancel_stops_at_the_next_await() {
    let ticks = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicBool::new(false));
    let handle = forever(ticks.clone(), dropped.clone());
    let deadline = Instant::now() + HANG;
    while ticks.load(Ordering::SeqCst) < 3 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(handle.cancel(), CancelOutcome::Requested);
    assert!(handle.join().unwrap_err().is_cancelled());
    while !dropped.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the future was never dropped");
        std::thread::sleep(Duration::from_millis(1));
    }
    // The body's share of the counter went with its future: nothing is left
    // that could tick.
    while Arc::strong_count(&ticks) > 1 {
        assert!(
            Instant::now() < deadline,
            "the body still holds its counter"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn on_iter_with_and_without_yielding() {
    assert_eq!(numbers(5).join().unwrap(), 5);
    assert_eq!(*ITEMS.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    assert_eq!(numbers_no_yield(3).join().unwrap(), 3);
    assert_eq!(*QUIET.lock().unwrap(), vec![100, 101, 102]);
}

#[test]
fn callbacks() {
    assert_eq!(watched(true).join().unwrap(), 1);
    assert!(watched(false).join().unwrap_err().is_failed());
    assert_eq!(ENDS.load(Ordering::SeqCst), 1);
    assert_eq!(
        *ERRORS.lock().unwrap(),
        vec!["task failed: refused".to_string()]
    );
}

#[test]
fn join_inside_a_current_thread_runtime_is_a_clear_error() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let panic = rt
        .block_on(async {
            let handle = double_later(1);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle.join()))
        })
        .unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("`.await` the handle"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_inside_a_multi_thread_runtime_does_not_deadlock() {
    let handle = double_later(4);
    assert_eq!(handle.join().unwrap(), 8);
}

#[as_task(thread)]
fn on_a_thread(x: u32) -> u32 {
    std::thread::sleep(Duration::from_millis(5));
    x + 1
}

#[tokio::test(flavor = "current_thread")]
async fn thread_tasks_are_awaitable_too() {
    // Awaiting does not block the only thread of this runtime.
    let (a, b) = tokio::join!(on_a_thread(1), double_later(2));
    assert_eq!((a.unwrap(), b.unwrap()), (2, 4));
}

/// A stream of what the test feeds, one item per `send`: it cannot produce
/// item n + 1 before the test has seen item n.
fn fed(feed: UnboundedReceiver<u32>) -> impl Stream<Item = u32> + Send + 'static {
    stream::unfold(feed, |mut feed| async move {
        let item = feed.recv().await?;
        Some((item, feed))
    })
}

type Channel = (Sender<u32>, Receiver<u32>);

static ARRIVED: LazyLock<Channel> = LazyLock::new(crossbeam_channel::unbounded);

#[as_task(coroutine, on_iter = |i: u32| ARRIVED.0.send(i).unwrap())]
async fn relayed(feed: UnboundedReceiver<u32>) -> impl Stream<Item = u32> {
    tokio::task::yield_now().await;
    fed(feed)
}

#[test]
fn stream_items_arrive_while_the_stream_produces() {
    let (tx, rx) = unbounded_channel();
    let handle = relayed(rx);
    for i in 0..5 {
        tx.send(i).unwrap();
        assert_eq!(ARRIVED.1.recv_timeout(HANG).unwrap(), i);
        assert!(!handle.is_finished(), "the stream is still open");
    }
    drop(tx);
    assert_eq!(handle.join().unwrap(), 5);
    assert!(ARRIVED.1.is_empty());
}

static BOXED: LazyLock<Channel> = LazyLock::new(crossbeam_channel::unbounded);

#[as_task(coroutine, on_iter = |i: u32| BOXED.0.send(i).unwrap(), yield_on_iter = false)]
async fn boxed_stream(feed: UnboundedReceiver<u32>) -> Pin<Box<dyn Stream<Item = u32> + Send>> {
    Box::pin(fed(feed))
}

#[tokio::test(flavor = "current_thread")]
async fn boxed_stream_awaited_on_a_current_thread_runtime() {
    let (tx, rx) = unbounded_channel();
    let handle = boxed_stream(rx);
    for i in 10..13 {
        tx.send(i).unwrap();
        // The task runs on this very thread: let it, then look.
        while BOXED.1.is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(BOXED.1.try_recv().unwrap(), i);
    }
    drop(tx);
    assert_eq!(handle.await.unwrap(), 3);
}

static FALLIBLE: LazyLock<Channel> = LazyLock::new(crossbeam_channel::unbounded);

#[as_task(coroutine, on_iter = |i: u32| FALLIBLE.0.send(i).unwrap())]
async fn maybe_stream(
    open: bool,
    feed: UnboundedReceiver<u32>,
) -> Result<impl strand::coroutine::Stream<Item = u32>, String> {
    if open {
        Ok(fed(feed))
    } else {
        Err("closed".into())
    }
}

#[test]
fn a_fallible_stream() {
    let (tx, rx) = unbounded_channel();
    let err = maybe_stream(false, rx).join().unwrap_err();
    assert_eq!(err.failure().map(String::as_str), Some("closed"));
    drop(tx);
    let (tx, rx) = unbounded_channel();
    let handle = maybe_stream(true, rx);
    tx.send(7).unwrap();
    assert_eq!(FALLIBLE.1.recv_timeout(HANG).unwrap(), 7);
    drop(tx);
    assert_eq!(handle.join().unwrap(), 1);
}

static STOPPED: LazyLock<Channel> = LazyLock::new(crossbeam_channel::unbounded);

#[as_task(coroutine, on_iter = |i: u32| STOPPED.0.send(i).unwrap())]
async fn guarded_stream(
    feed: UnboundedReceiver<u32>,
    dropped: Arc<AtomicBool>,
) -> impl Stream<Item = u32> {
    let guard = SetOnDrop(dropped);
    stream::unfold((feed, guard), |(mut feed, guard)| async move {
        let item = feed.recv().await?;
        Some((item, (feed, guard)))
    })
}

#[test]
fn cancel_mid_stream() {
    let (tx, rx) = unbounded_channel::<u32>();
    let dropped = Arc::new(AtomicBool::new(false));
    let handle = guarded_stream(rx, dropped.clone());
    for i in 0..2 {
        tx.send(i).unwrap();
        assert_eq!(STOPPED.1.recv_timeout(HANG).unwrap(), i);
    }
    // The stream now waits for item 2: cancel stops it at that await.
    assert_eq!(handle.cancel(), CancelOutcome::Requested);
    assert!(handle.join().unwrap_err().is_cancelled());
    let deadline = Instant::now() + HANG;
    while !dropped.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the stream was never dropped");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(tx.send(2).is_err(), "the stream's receiver is gone");
    assert!(STOPPED.1.is_empty(), "nothing delivered after the cancel");
}

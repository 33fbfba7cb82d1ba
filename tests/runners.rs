//! Behaviour of the runners, the handle and the pool, without the macro.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded};
use strand::{
    CancelOutcome, JoinError, Pool, PoolTaskrunner, SyncTaskrunner, ThreadTaskrunner, TryJoinError,
    current_task,
};

/// Long enough for a blocked task to stay blocked; never used as a timing assertion.
const PATIENCE: Duration = Duration::from_secs(30);

use strand_tests::pids::KernelThread;

#[test]
fn thread_runner_returns_value_and_runs_on_another_thread() {
    let caller = thread::current().id();
    let handle =
        ThreadTaskrunner::new(move |a: u32, b: u32| (a + b, thread::current().id() != caller))
            .call((2, 3));
    assert_eq!(handle.join().unwrap(), (5, true));
}

#[test]
fn sync_runner_runs_in_caller_and_is_finished() {
    let caller = thread::current().id();
    let handle = SyncTaskrunner::new(move || thread::current().id() == caller).call(());
    assert!(handle.is_finished());
    assert_eq!(handle.cancel(), CancelOutcome::AlreadyFinished);
    assert!(handle.join().unwrap());
}

#[test]
fn on_iter_delivers_every_item_in_order_in_task_context() {
    let caller = thread::current().id();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let runner =
        ThreadTaskrunner::new(|n: u32| (0..n).map(|i| i * 10)).on_iter(move |item: u32| {
            assert_ne!(
                thread::current().id(),
                caller,
                "on_iter runs in the task's context"
            );
            sink.lock().unwrap().push(item);
        });
    assert_eq!(runner.call((5,)).join().unwrap(), 5);
    assert_eq!(*seen.lock().unwrap(), vec![0, 10, 20, 30, 40]);
}

#[test]
fn on_iter_items_arrive_as_they_are_produced() {
    // The producer waits for the consumer to acknowledge each item, which
    // only works if items are delivered while the function's iterator runs.
    let (ack_tx, ack_rx) = unbounded::<()>();
    let (item_tx, item_rx) = unbounded::<u32>();
    let runner = ThreadTaskrunner::new(move |n: u32| {
        let ack_rx = ack_rx.clone();
        (0..n).inspect(move |i| {
            if *i > 0 {
                ack_rx
                    .recv_timeout(PATIENCE)
                    .expect("previous item was delivered first");
            }
        })
    })
    .on_iter(move |i: u32| item_tx.send(i).unwrap());
    let handle = runner.call((3,));
    for expected in 0..3 {
        assert_eq!(item_rx.recv_timeout(PATIENCE).unwrap(), expected);
        ack_tx.send(()).unwrap();
    }
    assert_eq!(handle.join().unwrap(), 3);
}

#[test]
fn on_end_gets_the_value_and_join_still_returns_it() {
    let ended = Arc::new(Mutex::new(None));
    let slot = ended.clone();
    let runner =
        PoolTaskrunner::new(|x: u64| x * 2).on_end(move |v: &u64| *slot.lock().unwrap() = Some(*v));
    assert_eq!(runner.call((21,)).join().unwrap(), 42);
    assert_eq!(*ended.lock().unwrap(), Some(42));
}

#[test]
fn on_end_is_not_called_on_error() {
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    let runner = SyncTaskrunner::new(|| -> Result<u8, String> { Err("nope".into()) })
        .fallible()
        .on_end(move |_: &u8| flag.store(true, Ordering::SeqCst));
    assert!(runner.call(()).join().unwrap_err().is_failed());
    assert!(!called.load(Ordering::SeqCst));
}

#[test]
fn returned_error_goes_to_on_error_and_join() {
    let errors = Arc::new(Mutex::new(Vec::new()));
    let sink = errors.clone();
    let runner = ThreadTaskrunner::new(|s: String| s.parse::<i32>().map_err(|e| e.to_string()))
        .fallible()
        .on_error(move |e: &JoinError<String>| sink.lock().unwrap().push(e.to_string()));
    assert_eq!(runner.call(("12".into(),)).join().unwrap(), 12);
    let err = runner.call(("x".into(),)).join().unwrap_err();
    assert!(err.is_failed());
    assert_eq!(err.failure().unwrap(), "invalid digit found in string");
    assert_eq!(
        *errors.lock().unwrap(),
        vec!["task failed: invalid digit found in string".to_string()]
    );
}

#[test]
fn panic_goes_to_on_error_and_join_with_its_message() {
    let messages = Arc::new(Mutex::new(Vec::new()));
    let sink = messages.clone();
    let runner = ThreadTaskrunner::new(|n: u32| -> u32 {
        if n > 2 {
            panic!("too big: {n}");
        }
        n
    })
    .on_error(move |e: &JoinError| {
        assert!(e.is_panic());
        sink.lock()
            .unwrap()
            .push(e.panic_message().unwrap().to_string());
    });
    let err = runner.call((3,)).join().unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("too big: 3"));
    assert_eq!(err.to_string(), "task panicked: too big: 3");
    assert_eq!(*messages.lock().unwrap(), vec!["too big: 3".to_string()]);
    assert_eq!(runner.call((1,)).join().unwrap(), 1);
}

#[test]
fn panic_inside_on_iter_callback_is_reported() {
    let runner =
        PoolTaskrunner::new(|| 0..3u8).on_iter(|i: u8| assert!(i < 2, "item {i} rejected"));
    let err = runner.call(()).join().unwrap_err();
    assert_eq!(err.panic_message(), Some("item 2 rejected"));
}

#[test]
fn into_panic_returns_the_payload() {
    let err = ThreadTaskrunner::new(|| -> () { std::panic::panic_any(7u16) })
        .call(())
        .join()
        .unwrap_err();
    assert_eq!(err.panic_message(), Some("Box<dyn Any>"));
    assert_eq!(*err.into_panic().downcast::<u16>().unwrap(), 7);
}

#[test]
fn try_join_and_timeouts_hand_the_handle_back() {
    let (tx, rx) = bounded::<u32>(0);
    let handle = ThreadTaskrunner::new(move || rx.recv().unwrap()).call(());
    let handle = match handle.try_join() {
        Err(TryJoinError::NotFinished(h)) => h,
        other => panic!("expected NotFinished, got {other:?}"),
    };
    let err = handle.join_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(err.is_timeout());
    assert!(err.join_error().is_none());
    assert_eq!(err.to_string(), "timed out waiting for task");
    let handle = err.into_handle().unwrap();
    let err = handle.join_deadline(Instant::now()).unwrap_err();
    assert!(err.is_timeout());
    let handle = err.into_handle().unwrap();
    assert!(!handle.is_finished());
    tx.send(9).unwrap();
    assert_eq!(handle.join_timeout(PATIENCE).unwrap(), 9);
}

#[test]
fn join_timeout_reports_the_task_error() {
    let handle = ThreadTaskrunner::new(|| -> () { panic!("early") }).call(());
    let err = handle.join_timeout(PATIENCE).unwrap_err();
    assert!(!err.is_timeout());
    assert!(err.join_error().unwrap().is_panic());
}

#[test]
fn cancel_before_start_prevents_the_run() {
    let pool = Pool::builder().size(1).queue_capacity(4).build();
    let (release_tx, release_rx) = bounded::<()>(0);
    let (started_tx, started_rx) = bounded::<()>(1);
    let blocker = pool.spawn(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    });
    started_rx.recv_timeout(PATIENCE).unwrap();

    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let ended = Arc::new(AtomicBool::new(false));
    let ended_flag = ended.clone();
    let queued = PoolTaskrunner::new(move || flag.store(true, Ordering::SeqCst))
        .on_end(move |_: &()| ended_flag.store(true, Ordering::SeqCst))
        .pool(&pool)
        .call(());
    assert_eq!(queued.cancel(), CancelOutcome::NotStarted);
    assert_eq!(queued.cancel(), CancelOutcome::AlreadyFinished);
    assert!(queued.is_finished());

    release_tx.send(()).unwrap();
    blocker.join().unwrap();
    // The worker has passed the cancelled job once this one runs (FIFO, one worker).
    pool.spawn(|| ()).join().unwrap();
    assert!(
        !ran.load(Ordering::SeqCst),
        "a task cancelled before start never runs"
    );
    assert!(!ended.load(Ordering::SeqCst));
    assert!(queued.join().unwrap_err().is_cancelled());
}

#[test]
fn cancel_while_running_is_cooperative() {
    let (started_tx, started_rx) = bounded::<()>(1);
    let checks = Arc::new(AtomicUsize::new(0));
    let seen = checks.clone();
    let handle = ThreadTaskrunner::new(move || {
        started_tx.send(()).unwrap();
        while !current_task().is_cancelled() {
            seen.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(1));
        }
        "stopped"
    })
    .call(());
    started_rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(handle.cancel(), CancelOutcome::Requested);
    assert!(handle.is_finished());
    let err = handle.join().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(err.to_string(), "task was cancelled");
}

/// Sends on its channel when dropped.
struct SendOnDrop(crossbeam_channel::Sender<()>);

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[test]
fn cancel_stops_on_iter_delivery() {
    let (item_tx, item_rx) = unbounded::<u64>();
    let (go_tx, go_rx) = unbounded::<()>();
    let (dropped_tx, dropped_rx) = bounded::<()>(1);
    let runner = ThreadTaskrunner::new(move || {
        let go_rx = go_rx.clone();
        // Dropped with the iterator, once the delivery loop has stopped.
        let guard = SendOnDrop(dropped_tx.clone());
        (0..u64::MAX).inspect(move |_| {
            let _ = &guard;
            go_rx.recv().ok();
        })
    })
    .on_iter(move |i: u64| item_tx.send(i).unwrap());
    let handle = runner.call(());
    go_tx.send(()).unwrap();
    assert_eq!(item_rx.recv_timeout(PATIENCE).unwrap(), 0);
    assert_eq!(handle.cancel(), CancelOutcome::Requested);
    drop(go_tx); // lets the iterator run freely; delivery must stop anyway
    assert!(handle.join().unwrap_err().is_cancelled());
    // The delivery loop has given up its iterator: nothing more can follow.
    dropped_rx
        .recv_timeout(PATIENCE)
        .expect("the delivery loop never stopped");
    // At most the item in flight when cancel was called followed.
    assert!(item_rx.try_iter().count() <= 1);
}

#[test]
fn current_task_names_and_ids_the_task() {
    let handle = ThreadTaskrunner::new(|| {
        let t = current_task();
        (
            t.id(),
            t.name().map(String::from),
            thread::current().name().map(String::from),
        )
    })
    .name("worker-a")
    .call(());
    let id = handle.id();
    assert_eq!(handle.name(), Some("worker-a"));
    let (seen_id, name, thread_name) = handle.join().unwrap();
    assert_eq!(seen_id, Some(id));
    assert_eq!(name.as_deref(), Some("worker-a"));
    assert_eq!(thread_name.as_deref(), Some("worker-a"));
    assert_eq!(current_task().id(), None);
}

#[test]
fn handle_is_send_sync_and_a_future() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_future<F: std::future::Future>(_: &F) {}
    let handle = ThreadTaskrunner::new(|| 1u8).call(());
    assert_send_sync(&handle);
    assert_future(&handle);
    // Poll it to completion with a minimal executor built on thread parking.
    struct Unparker(thread::Thread);
    impl std::task::Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut handle = std::pin::pin!(handle);
    let value = loop {
        match handle.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => break v,
            std::task::Poll::Pending => thread::park_timeout(PATIENCE),
        }
    };
    assert_eq!(value.unwrap(), 1);
}

#[test]
fn dropping_the_handle_detaches_the_task() {
    let (tx, rx) = bounded::<u8>(1);
    drop(ThreadTaskrunner::new(move || tx.send(4).unwrap()).call(()));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), 4);
}

#[test]
fn pool_queue_bound_holds_and_try_call_hands_arguments_back() {
    let pool = Pool::builder().size(1).queue_capacity(2).build();
    let (release_tx, release_rx) = bounded::<()>(0);
    let (started_tx, started_rx) = bounded::<()>(1);
    let runner = PoolTaskrunner::new(move |block: bool, tag: String| {
        if block {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        }
        tag
    })
    .pool(&pool);
    let busy = runner.call((true, "busy".into()));
    started_rx.recv_timeout(PATIENCE).unwrap();
    let q1 = runner.try_call((false, "q1".into())).unwrap();
    let q2 = runner.try_call((false, "q2".into())).unwrap();
    assert_eq!(pool.queued(), 2);
    let full = runner.try_call((false, "q3".into())).unwrap_err();
    assert_eq!(full.to_string(), "pool queue is full");
    assert_eq!(full.into_inner(), (false, "q3".to_string()));
    assert_eq!(pool.queued(), 2, "a rejected submit queues nothing");
    let err = pool.try_spawn(|| 1).unwrap_err();
    assert_eq!((err.into_inner())(), 1);

    // A blocking call waits for room instead of growing the queue: once its
    // thread has gone to sleep in the call, it has not returned and the
    // queue has not grown.
    let runner2 = runner.clone();
    let (tid_tx, tid_rx) = bounded::<KernelThread>(1);
    let waiting = thread::spawn(move || {
        tid_tx.send(KernelThread::current()).unwrap();
        runner2.call((false, "late".into()))
    });
    tid_rx.recv_timeout(PATIENCE).unwrap().wait_until_asleep();
    assert_eq!(pool.queued(), 2);
    assert!(
        !waiting.is_finished(),
        "the blocking call waits while the queue is full"
    );
    release_tx.send(()).unwrap();
    assert_eq!(busy.join().unwrap(), "busy");
    assert_eq!(q1.join().unwrap(), "q1");
    assert_eq!(q2.join().unwrap(), "q2");
    assert_eq!(waiting.join().unwrap().join().unwrap(), "late");
}

#[test]
fn nested_submission_from_a_worker_does_not_deadlock() {
    // One worker and a one-slot queue: a task that submits and joins sub-tasks
    // on its own pool would deadlock if they were queued behind it.
    let pool = Pool::builder().size(1).queue_capacity(1).build();
    let inner_pool = pool.clone();
    let outer = pool.spawn(move || {
        let subs: Vec<_> = (0..5u32)
            .map(|i| {
                let p = inner_pool.clone();
                inner_pool.spawn(move || (i, p.is_worker_thread()))
            })
            .collect();
        subs.into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let results = outer
        .join_timeout(PATIENCE)
        .expect("nested pool tasks finish");
    assert_eq!(results, (0..5).map(|i| (i, true)).collect::<Vec<_>>());
}

#[test]
fn pool_keeps_running_after_panics() {
    let pool = Pool::new(2);
    let handles: Vec<_> = (0..20u32)
        .map(|i| {
            pool.spawn(move || {
                assert!(i % 2 == 0, "odd {i}");
                i
            })
        })
        .collect();
    let (ok, failed): (Vec<_>, Vec<_>) = handles
        .into_iter()
        .map(|h| h.join())
        .partition(Result::is_ok);
    assert_eq!(ok.len(), 10);
    assert_eq!(failed.len(), 10);
    assert_eq!(pool.spawn(|| "alive").join().unwrap(), "alive");
}

#[test]
fn pool_runs_tasks_in_parallel_up_to_its_size() {
    let pool = Pool::new(2);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let b = barrier.clone();
            pool.spawn(move || {
                b.wait();
            })
        })
        .collect();
    for h in handles {
        h.join_timeout(PATIENCE).expect("both workers run at once");
    }
}

#[test]
fn pool_builder_rejects_zero_sizes() {
    assert_eq!(
        Pool::builder().size(0).try_build().unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    assert_eq!(
        Pool::builder()
            .queue_capacity(0)
            .try_build()
            .unwrap_err()
            .to_string(),
        "a pool queue needs room for at least one job"
    );
}

#[test]
fn global_pool_is_sized_to_the_machine() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(Pool::global().size(), cores);
    assert_eq!(PoolTaskrunner::new(|| 3).call(()).join().unwrap(), 3);
}

#[test]
fn callbacks_compose_in_builder_order() {
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    let runner = ThreadTaskrunner::new(|n: u8| -> Result<Vec<u8>, String> {
        if n == 0 {
            Err("empty".into())
        } else {
            Ok((0..n).collect())
        }
    })
    .fallible()
    .on_iter(move |i: u8| a.lock().unwrap().push(format!("item {i}")))
    .on_end(move |count: &usize| b.lock().unwrap().push(format!("end {count}")))
    .on_error(move |e: &JoinError<String>| c.lock().unwrap().push(format!("error {e}")));
    assert_eq!(runner.call((2,)).join().unwrap(), 2);
    assert_eq!(
        runner
            .call((0,))
            .join()
            .unwrap_err()
            .into_failure()
            .unwrap(),
        "empty"
    );
    assert_eq!(
        *log.lock().unwrap(),
        vec!["item 0", "item 1", "end 2", "error task failed: empty"]
    );
}

/// Walks an error's `source()` chain as error reporters do.
fn reported(err: &dyn std::error::Error) -> Vec<String> {
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    chain
}

#[test]
fn an_error_reporter_prints_the_cause_once() {
    let err = strand::SyncTaskrunner::new(|| -> Result<(), std::io::Error> {
        Err(std::io::Error::other("disk on fire"))
    })
    .fallible()
    .call(())
    .join()
    .unwrap_err();
    let chain = reported(&err);
    assert_eq!(
        chain.concat().matches("disk on fire").count(),
        1,
        "{chain:?}"
    );
    // The cause stays reachable, typed.
    assert_eq!(err.failure().unwrap().to_string(), "disk on fire");

    // A task failing with a plain `String` is a std error too.
    let err = strand::SyncTaskrunner::new(|| -> Result<(), String> { Err("no".into()) })
        .fallible()
        .call(())
        .join()
        .unwrap_err();
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(reported(&*boxed), ["task failed: no"]);

    let timeout = strand::ThreadTaskrunner::new(|| -> Result<(), String> { Err("late".into()) })
        .fallible()
        .call(())
        .join_timeout(std::time::Duration::from_secs(30))
        .unwrap_err();
    assert_eq!(reported(&timeout), ["task failed: late"]);
}

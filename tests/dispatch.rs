//! `TaskDispatcher`, `join_all` and `as_completed` over every target, and
//! over strand-au's `ComputationHandle`.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, LazyLock, Mutex, mpsc};
use std::time::Duration;

use futures_util::StreamExt;
use strand::batch::HandleSet;
use strand::{
    DispatchStatus, PoolTaskrunner, SyncTaskrunner, TaskDispatcher, TaskHandle, ThreadTaskrunner,
    as_task,
};
use strand_au::{ComputationStore, FileSystemStore, MemoryStore, StoreTaskReader, async_compute};

const LONG: Duration = Duration::from_secs(60);

#[as_task(thread)]
fn on_thread(x: u64) -> u64 {
    x + 1
}

#[as_task(pool)]
fn on_pool(x: u64) -> u64 {
    x + 1
}

#[as_task(sync)]
fn in_caller(x: u64) -> u64 {
    x + 1
}

#[cfg(unix)]
#[as_task(process)]
fn in_child(x: u64) -> u64 {
    x + 1
}

#[as_task(coroutine)]
async fn on_tokio(x: u64) -> u64 {
    x + 1
}

static STORE: LazyLock<Arc<dyn ComputationStore>> =
    LazyLock::new(|| Arc::new(MemoryStore::new()) as Arc<dyn ComputationStore>);

/// The workers of [`STORE`], started once for the whole test binary.
static WORKERS: LazyLock<strand_au::ReaderGuard> = LazyLock::new(|| {
    StoreTaskReader::new(STORE.clone())
        .concurrency(4)
        .listen()
        .unwrap()
});

#[as_task(store = STORE.clone(), name = "dispatch_test::queued")]
fn queued(x: u64) -> Result<u64, String> {
    if x % 100 == 99 {
        Err(format!("{x} ends in 99"))
    } else {
        Ok(x + 1)
    }
}

#[test]
fn join_all_takes_the_handles_of_every_target_and_keeps_their_order() {
    LazyLock::force(&WORKERS);
    let mut handles: Vec<TaskHandle<u64>> =
        vec![on_thread(1), on_pool(2), in_caller(3), on_tokio(4)];
    #[cfg(unix)]
    handles.push(in_child(5));
    let values: Vec<u64> = strand::join_all(handles)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let expected: &[u64] = if cfg!(unix) {
        &[2, 3, 4, 5, 6]
    } else {
        &[2, 3, 4, 5]
    };
    assert_eq!(values, expected);

    // The store target, errors per item.
    let outcomes = strand::join_all((97..=100).map(queued));
    assert_eq!(outcomes[0].as_ref().unwrap(), &98);
    assert_eq!(outcomes[1].as_ref().unwrap(), &99);
    let error = outcomes[2].as_ref().unwrap_err();
    assert_eq!(error.failure().map(String::as_str), Some("99 ends in 99"));
    assert_eq!(outcomes[3].as_ref().unwrap(), &101);
}

#[test]
fn as_completed_yields_each_outcome_as_its_task_finishes() {
    // Each task waits for its own go; they are released in reverse order
    // and each release waits for the outcome before the next.
    let gates: Vec<Arc<Mutex<mpsc::Receiver<()>>>>;
    let mut releases = Vec::new();
    {
        let mut receivers = Vec::new();
        for _ in 0..4 {
            let (tx, rx) = mpsc::channel::<()>();
            releases.push(tx);
            receivers.push(Arc::new(Mutex::new(rx)));
        }
        gates = receivers;
    }
    let gated = ThreadTaskrunner::new(|gate: Arc<Mutex<mpsc::Receiver<()>>>, n: usize| {
        gate.lock().unwrap().recv().unwrap();
        n
    });
    let handles: Vec<_> = gates
        .iter()
        .enumerate()
        .map(|(n, gate)| gated.call((gate.clone(), n)))
        .collect();
    let mut outcomes = strand::as_completed(handles);
    assert_eq!(outcomes.len(), 4);
    for n in (0..4).rev() {
        releases[n].send(()).unwrap();
        let (index, value) = outcomes.next_timeout(LONG).unwrap();
        assert_eq!((index, value.unwrap()), (n, n));
    }
    assert!(outcomes.next().is_none());
}

#[test]
fn as_completed_is_a_stream_for_async_code() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let handles: Vec<TaskHandle<u64>> = (0..50)
            .map(|x| if x % 2 == 0 { on_pool(x) } else { on_tokio(x) })
            .collect();
        let mut stream = strand::as_completed(handles).into_stream();
        let mut seen = vec![false; 50];
        let mut total = 0;
        while let Some((index, outcome)) = stream.next().await {
            assert!(!std::mem::replace(&mut seen[index], true));
            total += outcome.unwrap();
        }
        assert!(seen.into_iter().all(|s| s));
        total
    });
    assert_eq!(total, (1..=50).sum::<u64>());
}

#[async_compute(store = MemoryStore::new())]
fn persisted_square(x: u64) -> u64 {
    x * x
}

#[async_compute(store = FileSystemStore::new(std::env::temp_dir().join("strand-dispatch-test")))]
fn persisted_on_disk(x: u64) -> Result<u64, String> {
    if x == 3 {
        Err("three".into())
    } else {
        Ok(x * 10)
    }
}

#[test]
fn the_batch_tools_take_computation_handles_too() {
    let values: Vec<u64> = strand::join_all((1..=5).map(persisted_square))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(values, [1, 4, 9, 16, 25]);

    let mut seen: Vec<(usize, Result<u64, String>)> =
        strand::as_completed((1..=4).map(persisted_on_disk))
            .map(|(index, outcome)| (index, outcome.map_err(|e| e.to_string())))
            .collect();
    seen.sort();
    assert_eq!(seen[0], (0, Ok(10)));
    assert_eq!(seen[1], (1, Ok(20)));
    assert!(
        seen[2].1.as_ref().unwrap_err().contains("three"),
        "{seen:?}"
    );
    assert_eq!(seen[3], (3, Ok(40)));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let values = rt.block_on(strand::join_all_async((6..=8).map(persisted_square)));
    assert_eq!(
        values.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [36, 49, 64]
    );
}

#[test]
fn a_handle_set_reuses_its_places_and_polls_only_woken_tasks() {
    let mut set = HandleSet::new();
    let gate = Arc::new(Barrier::new(2));
    let waiting = gate.clone();
    set.insert(
        "gated",
        ThreadTaskrunner::new(move || {
            waiting.wait();
            0u64
        })
        .call(()),
    );
    for round in 0..1_000u64 {
        set.insert("quick", SyncTaskrunner::new(move || round).call(()));
        let (tag, value) = set.join_next_timeout(LONG).unwrap();
        assert_eq!((tag, value.unwrap()), ("quick", round));
    }
    assert_eq!(set.len(), 1);
    assert!(set.try_join_next().is_none());
    gate.wait();
    assert_eq!(set.join_next().unwrap().0, "gated");
    assert!(set.join_next().is_none());
}

#[test]
fn a_dispatcher_of_100_000_tasks_never_has_more_than_its_bound_in_flight() {
    const BOUND: usize = 64;
    let live = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (live_in, most_in) = (live.clone(), most.clone());
    // A task is live from its launch until its outcome is collected; the
    // body cannot see the collection, so it counts launches, and the
    // dispatcher's own count of running tasks bounds the rest.
    let pool = strand::Pool::new(4);
    let work = PoolTaskrunner::new(move |x: u64| {
        let now = live_in.fetch_add(1, Ordering::SeqCst) + 1;
        most_in.fetch_max(now, Ordering::SeqCst);
        live_in.fetch_sub(1, Ordering::SeqCst);
        x % 7
    })
    .pool(&pool);
    let mut dispatcher = TaskDispatcher::new().max_in_flight(BOUND);
    let mut most_running = 0;
    for x in 0..100_000u64 {
        dispatcher.dispatch(&work, (x,));
        most_running = most_running.max(dispatcher.counts().running);
    }
    dispatcher.run(LONG).unwrap();
    assert!(most_running <= BOUND, "{most_running} in flight");
    assert!(most.load(Ordering::SeqCst) <= 4);
    let counts = dispatcher.counts();
    assert_eq!((counts.succeeded, counts.failed), (100_000, 0));
    assert_eq!(
        dispatcher.results().values().sum::<u64>(),
        (0..100_000u64).map(|x| x % 7).sum::<u64>()
    );
}

#[test]
fn enqueued_tasks_start_as_room_frees_up_and_never_exceed_the_bound() {
    const BOUND: usize = 3;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (running_in, most_in) = (running.clone(), most.clone());
    let work = ThreadTaskrunner::new(move |x: u32| {
        let now = running_in.fetch_add(1, Ordering::SeqCst) + 1;
        most_in.fetch_max(now, Ordering::SeqCst);
        std::thread::yield_now();
        running_in.fetch_sub(1, Ordering::SeqCst);
        x
    });
    let mut dispatcher = TaskDispatcher::new().max_in_flight(BOUND);
    let ids: Vec<_> = (0..200).map(|x| dispatcher.enqueue(&work, (x,))).collect();
    assert!(
        ids.iter()
            .all(|id| dispatcher.status(*id) == Some(DispatchStatus::Queued))
    );
    dispatcher.run(LONG).unwrap();
    assert!(most.load(Ordering::SeqCst) <= BOUND);
    for (x, id) in ids.iter().enumerate() {
        assert_eq!(dispatcher.results()[id], x as u32);
    }
}

#[test]
fn a_dispatcher_runs_tasks_of_the_store_target_and_keeps_errors_by_id() {
    LazyLock::force(&WORKERS);
    let mut dispatcher = TaskDispatcher::new().max_in_flight(64);
    let ids: Vec<_> = (0..1_000)
        .map(|x| dispatcher.enqueue(&queued, (x,)))
        .collect();
    dispatcher.run(LONG).unwrap();
    let counts = dispatcher.counts();
    assert_eq!((counts.succeeded, counts.failed), (990, 10));
    for (x, id) in ids.iter().enumerate() {
        match dispatcher.outcome(*id).unwrap() {
            Ok(value) => assert_eq!(*value, x as u64 + 1),
            Err(error) => {
                assert_eq!(x % 100, 99);
                assert_eq!(error.failure(), Some(&format!("{x} ends in 99")));
                assert_eq!(dispatcher.status(*id), Some(DispatchStatus::Failed));
            }
        }
    }
}

#[test]
fn functions_of_any_target_dispatch_by_name() {
    let mut dispatcher = TaskDispatcher::new();
    let a = dispatcher.dispatch(&on_thread, (1,));
    let b = dispatcher.dispatch(&on_pool, (2,));
    let c = dispatcher.enqueue(&in_caller, (3,));
    let d = dispatcher.enqueue(&on_tokio, (4,));
    #[cfg(unix)]
    let e = dispatcher.enqueue(&in_child, (5,));
    dispatcher.run(LONG).unwrap();
    assert_eq!(
        [a, b, c, d].map(|id| dispatcher.results()[&id]),
        [2, 3, 4, 5]
    );
    #[cfg(unix)]
    assert_eq!(dispatcher.results()[&e], 6);
}

#[test]
fn run_names_what_is_unfinished_when_its_timeout_passes() {
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let blocked = ThreadTaskrunner::new(move || {
        let _ = gate.lock().unwrap().recv();
        1u8
    })
    .name("test::blocked");
    let quick = SyncTaskrunner::new(|| 2u8);
    let mut dispatcher = TaskDispatcher::new().max_in_flight(1);
    let stuck = dispatcher.dispatch(&blocked, ());
    let waiting = dispatcher.enqueue(&quick, ());
    let unfinished = dispatcher.run(Duration::from_millis(50)).unwrap_err();
    assert_eq!(unfinished.running(), [stuck]);
    assert_eq!(unfinished.queued(), [waiting]);
    assert_eq!(
        unfinished.to_string(),
        "2 tasks unfinished after 50ms: 1 running (#0 `test::blocked`), 1 queued (#1)"
    );
    release.send(()).unwrap();
    dispatcher.run(LONG).unwrap();
    assert_eq!(dispatcher.results()[&stuck], 1);
    assert_eq!(dispatcher.results()[&waiting], 2);
}

#[test]
fn reset_forgets_and_cancel_all_cancels() {
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let blocked = ThreadTaskrunner::new(move || {
        let _ = gate.lock().unwrap().recv_timeout(LONG);
        strand::current_task().is_cancelled()
    });
    let mut dispatcher = TaskDispatcher::new().max_in_flight(1);
    let running = dispatcher.dispatch(&blocked, ());
    let queued = dispatcher.enqueue(&blocked, ());
    dispatcher.cancel_all();
    release.send(()).unwrap();
    dispatcher.run(LONG).unwrap();
    assert!(dispatcher.errors()[&running].is_cancelled());
    assert!(dispatcher.errors()[&queued].is_cancelled());

    dispatcher.reset();
    assert_eq!(dispatcher.counts().total(), 0);
    assert_eq!(dispatcher.status(running), None);
    let next = dispatcher.dispatch(&SyncTaskrunner::new(|| true), ());
    assert!(next > queued, "ids stay unique across a reset");
    dispatcher.run(LONG).unwrap();
    assert!(dispatcher.results()[&next]);
}

#[test]
fn the_set_polls_a_stream_without_blocking_its_executor() {
    // One current-thread runtime: a blocking wait would never let the
    // coroutine tasks run, so finishing proves the wait is async.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut set = HandleSet::new();
        for x in 0..20u64 {
            set.insert(x, on_tokio(x));
        }
        let mut sum = 0;
        while let Some((tag, value)) = Pin::new(&mut set).next().await {
            assert_eq!(value.unwrap(), tag + 1);
            sum += tag;
        }
        assert_eq!(sum, 190);
    });
}

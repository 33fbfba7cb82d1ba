//! `#[async_compute]` end to end: decorated functions on the memory store,
//! the default file-system store and a store expression of ours; results, statuses,
//! timeouts, failures, cancellation, the companion module, handles from
//! keys, shared infrastructure, middleware and the registry.

use std::collections::HashSet;
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::time::{Duration, Instant};

use strand_au::{
    CancelOutcome, ComputationHandle, ComputationStore, FileSystemStore, ManualClock, MemoryStore,
    MetricsMiddleware, PoolBackend, Status, async_compute,
};

const LONG: Duration = Duration::from_secs(30);

static MEMORY: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));

/// Releases `gated` bodies by id.
static GATE: LazyLock<(Mutex<HashSet<u32>>, Condvar)> = LazyLock::new(Default::default);

fn release(id: u32) {
    let (open, changed) = &*GATE;
    open.lock().unwrap().insert(id);
    changed.notify_all();
}

fn wait_for_status<T: serde::de::DeserializeOwned>(handle: &ComputationHandle<T>, status: Status) {
    let deadline = Instant::now() + LONG;
    while handle.status().unwrap() != status {
        assert!(Instant::now() < deadline, "never reached {status:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[async_compute(store = MEMORY.clone())]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[async_compute(store = MEMORY.clone())]
fn gated(id: u32) -> u32 {
    let (open, changed) = &*GATE;
    let mut open = open.lock().unwrap();
    while !open.contains(&id) {
        open = changed.wait(open).unwrap();
    }
    id * 10
}

#[test]
fn result_and_record() {
    let handle = add(2, 3);
    assert_eq!(handle.join_timeout(LONG).unwrap(), 5);
    assert_eq!(handle.status().unwrap(), Status::Completed);
    assert!(handle.is_ready());
    let record = handle.record().unwrap();
    assert_eq!(record.function, concat!(module_path!(), "::add"));
    assert_eq!(record.args, serde_json::json!([2, 3]));
    assert!(handle.duration().unwrap().is_some());
}

#[test]
fn status_moves_forward_and_wait_timeout() {
    let handle = gated(1);
    let first = handle.status().unwrap();
    assert!(
        matches!(first, Status::Pending | Status::Running),
        "{first:?}"
    );
    wait_for_status(&handle, Status::Running);
    assert!(!handle.is_ready());
    assert!(handle.try_join().unwrap_err().is_not_ready());
    let err = handle.join_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(err.is_wait_timeout(), "{err}");
    release(1);
    assert_eq!(handle.join_timeout(LONG).unwrap(), 10);
    assert_eq!(handle.status().unwrap(), Status::Completed);
}

#[async_compute(store = MEMORY.clone())]
fn parse(text: String) -> Result<i32, std::num::ParseIntError> {
    text.trim().parse()
}

#[async_compute(store = MEMORY.clone())]
fn read(path: std::path::PathBuf) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[async_compute(store = MEMORY.clone())]
fn boom(x: u8) -> u8 {
    panic!("boom {x}")
}

/// A serde error type: kept in the record, read back typed.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Refused {
    TooLarge { n: u64, limit: u64 },
    Odd(u64),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::TooLarge { n, limit } => write!(f, "{n} is over {limit}"),
            Refused::Odd(n) => write!(f, "{n} is odd"),
        }
    }
}

#[async_compute(store = MEMORY.clone(), backend = pool)]
fn halve(n: u64) -> Result<u64, Refused> {
    if n > 100 {
        Err(Refused::TooLarge { n, limit: 100 })
    } else if n % 2 == 1 {
        Err(Refused::Odd(n))
    } else {
        Ok(n / 2)
    }
}

#[test]
fn failures_are_typed() {
    assert_eq!(parse(" 42 ".into()).join().unwrap(), 42);
    let err = parse("forty".into()).join().unwrap_err();
    assert!(err.is_failed(), "{err}");
    assert_eq!(err.message(), Some("invalid digit found in string"));
    // `ParseIntError` is no serde type: the message only.
    assert!(err.failure().is_none());

    let err = read("/definitely/not/here".into()).join().unwrap_err();
    assert!(err.is_failed(), "{err}");
    assert!(err.message().unwrap().contains("No such file"), "{err}");
    let _: &Option<std::io::Error> = match &err {
        strand_au::ComputationError::Failed { error, .. } => error,
        other => panic!("not a failure: {other}"),
    };
    assert!(err.failure().is_none());

    // A serde error comes back typed, from the record, through every way
    // of reading it.
    let handle: ComputationHandle<u64, Refused> = halve(7);
    let err = handle.join_timeout(LONG).unwrap_err();
    assert_eq!(err.failure(), Some(&Refused::Odd(7)));
    assert_eq!(err.message(), Some("7 is odd"));
    assert_eq!(err.to_string(), "computation failed: 7 is odd");
    let stored = handle.record().unwrap().error.unwrap();
    assert_eq!(stored.value, Some(serde_json::json!({ "Odd": 7 })));
    assert_eq!(
        handle.try_join().unwrap_err().into_failure().unwrap(),
        Refused::Odd(7)
    );
    // A handle rebuilt from the key reads it typed too.
    let again = halve::handle(handle.key().clone());
    assert_eq!(again.join().unwrap_err().failure(), Some(&Refused::Odd(7)));
    let err = halve(500).join_timeout(LONG).unwrap_err();
    assert_eq!(
        err.map_failure(|e| matches!(e, Refused::TooLarge { .. }))
            .failure(),
        Some(&true)
    );
    // Read as the message (the default `String`): every failure has one.
    let as_message = ComputationHandle::<u64>::from_key(handle.key().clone(), MEMORY.clone());
    let err = as_message.join().unwrap_err();
    assert_eq!(err.message(), Some("7 is odd"));
    assert_eq!(err.failure().map(String::as_str), Some("7 is odd"));
    assert_eq!(halve(8).join_timeout(LONG).unwrap(), 4);

    let handle = boom(3);
    let err = handle.join_timeout(LONG).unwrap_err();
    assert!(err.is_panic(), "{err}");
    assert_eq!(err.message(), Some("boom 3"));
    assert_eq!(handle.status().unwrap(), Status::Failed);
}

/// One worker for `gated_alone` only: once a later task on it has run, the
/// worker is done with every earlier computation, its last write included.
static ALONE: LazyLock<PoolBackend> = LazyLock::new(|| PoolBackend::new(1));

#[async_compute(store = MEMORY.clone(), backend = ALONE.clone())]
fn gated_alone(id: u32) -> u32 {
    let (open, changed) = &*GATE;
    let mut open = open.lock().unwrap();
    while !open.contains(&id) {
        open = changed.wait(open).unwrap();
    }
    id * 10
}

#[test]
fn cancel_running_and_finished() {
    let handle = gated_alone(2);
    wait_for_status(&handle, Status::Running);
    assert_eq!(handle.cancel().unwrap(), CancelOutcome::Requested);
    assert!(handle.join().unwrap_err().is_cancelled());
    release(2);
    // The late result does not erase the cancellation: the worker has
    // finished with the computation (and its result) once it runs this.
    ALONE.pool().spawn(|| ()).join().unwrap();
    assert_eq!(handle.status().unwrap(), Status::Cancelled);

    let done = add(1, 1);
    assert_eq!(done.join().unwrap(), 2);
    assert_eq!(done.cancel().unwrap(), CancelOutcome::AlreadyFinished);
    assert_eq!(done.join().unwrap(), 2);
}

static ONE_WORKER: LazyLock<PoolBackend> = LazyLock::new(|| PoolBackend::new(1));

#[async_compute(store = MEMORY.clone(), backend = ONE_WORKER.clone())]
fn queued(id: u32) -> u32 {
    let (open, changed) = &*GATE;
    let mut open = open.lock().unwrap();
    while !open.contains(&id) {
        open = changed.wait(open).unwrap();
    }
    id
}

#[test]
fn cancel_pending_never_runs() {
    let busy = queued(3);
    wait_for_status(&busy, Status::Running);
    let waiting = queued(4); // the only worker is busy
    assert_eq!(waiting.status().unwrap(), Status::Pending);
    assert_eq!(waiting.cancel().unwrap(), CancelOutcome::NotStarted);
    release(3);
    release(4);
    assert_eq!(busy.join_timeout(LONG).unwrap(), 3);
    assert!(waiting.join().unwrap_err().is_cancelled());
    // The worker moved on without running it.
    let after = queued(4);
    assert_eq!(after.join_timeout(LONG).unwrap(), 4);
    assert_eq!(waiting.record().unwrap().started_at, None);
}

/// The default store: a file-system store in the per-user temp directory.
#[async_compute]
fn default_store_square(x: u64) -> u64 {
    x * x
}

#[async_compute(serialization = binary, ttl = Duration::from_secs(90))]
fn binary_greeting(name: String) -> String {
    format!("hello {name}")
}

#[test]
fn default_file_system_store() {
    let handle = default_store_square(12);
    assert_eq!(handle.join_timeout(LONG).unwrap(), 144);
    let store = default_store_square::store();
    assert!(
        format!("{store:?}").contains("FileSystemStore"),
        "{store:?}"
    );
    assert!(format!("{store:?}").contains("Json"), "{store:?}");
    assert!(store.get(handle.key()).unwrap().is_some());
    // A handle rebuilt elsewhere from the key's text.
    let id = handle.key().to_string();
    let again = ComputationHandle::<u64>::from_key(id.parse().unwrap(), store.clone());
    assert_eq!(again.try_join().unwrap(), 144);
    assert!(handle.delete().unwrap());
    assert!(again.status().unwrap_err().is_unknown_key());

    let greeting = binary_greeting("au".into());
    assert_eq!(greeting.join_timeout(LONG).unwrap(), "hello au");
    let store = binary_greeting::store();
    assert!(format!("{store:?}").contains("Binary"), "{store:?}");
    assert_eq!(greeting.record().unwrap().ttl_ms, Some(90_000));
    greeting.delete().unwrap();
}

// A `static` is never dropped, so a `TempStore` here would leave its
// directory behind after every run; cargo's per-target scratch directory is
// the right home for a store that outlives the test.
static SCRATCH: LazyLock<FileSystemStore> = LazyLock::new(|| {
    FileSystemStore::new(concat!(env!("CARGO_TARGET_TMPDIR"), "/async-compute-store"))
});

#[async_compute(store = SCRATCH.clone(), backend = pool)]
fn temp_words(text: String) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn temp_store_expression() {
    let handle = temp_words("one two".into());
    assert_eq!(handle.join_timeout(LONG).unwrap(), ["one", "two"]);
    assert!(SCRATCH.path_of(handle.key()).exists());
    let backend = temp_words::backend();
    assert!(
        format!("{backend:?}").contains("PoolBackend"),
        "{backend:?}"
    );
    handle.delete().unwrap();
    assert!(!SCRATCH.path_of(handle.key()).exists());
}

static CLOCK: LazyLock<ManualClock> = LazyLock::new(|| ManualClock::new(1_000_000));
static TIMED: LazyLock<MemoryStore> = LazyLock::new(|| MemoryStore::new().clock(CLOCK.clone()));

#[async_compute(store = TIMED.clone(), ttl = 60, backend = strand_au::InlineBackend)]
fn timed(x: u8) -> u8 {
    x + 1
}

#[test]
fn companion_cleanup_and_handles() {
    let handles: Vec<_> = (0..3).map(timed).collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(h.join().unwrap(), i as u8 + 1);
    }
    assert_eq!(timed::name(), concat!(module_path!(), "::timed"));
    assert_eq!(timed::computation().name(), timed::name());
    let typed = timed::handle(handles[1].key().clone());
    assert_eq!(typed.try_join().unwrap(), 2);
    assert_eq!(timed::cleanup_expired().unwrap(), 0);
    CLOCK.advance(Duration::from_secs(61));
    assert_eq!(timed::cleanup_expired().unwrap(), 3);
    assert!(typed.status().unwrap_err().is_unknown_key());
    assert_eq!(timed::store().len().unwrap(), 0);
}

static SHARED: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));
static SHARED_POOL: LazyLock<Arc<dyn strand_au::ComputationBackend>> =
    LazyLock::new(|| Arc::new(PoolBackend::new(2)));
static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);

#[async_compute(store = SHARED.clone(), backend = SHARED_POOL.clone(), middleware = [METRICS.clone()])]
fn shared_double(x: i64) -> i64 {
    x * 2
}

#[async_compute(store = &*SHARED, backend = &*SHARED_POOL, middleware = [METRICS.clone()])]
fn shared_checked(x: i64) -> Result<i64, String> {
    if x < 0 {
        Err(format!("{x} is negative"))
    } else {
        Ok(x)
    }
}

#[test]
fn shared_infrastructure_and_metrics() {
    assert!(Arc::ptr_eq(
        &shared_double::store(),
        &shared_checked::store()
    ));
    assert!(Arc::ptr_eq(&shared_double::store(), &SHARED));
    assert!(Arc::ptr_eq(
        &shared_double::backend(),
        &shared_checked::backend()
    ));
    let before = SHARED.len().unwrap();
    let a = shared_double(21);
    let b = shared_checked(5);
    let c = shared_checked(-1);
    assert_eq!(a.join_timeout(LONG).unwrap(), 42);
    assert_eq!(b.join_timeout(LONG).unwrap(), 5);
    let err = c.join_timeout(LONG).unwrap_err();
    assert_eq!(err.to_string(), "computation failed: -1 is negative");
    assert_eq!(SHARED.len().unwrap(), before + 3);
    // Either function's handle reads the other's records: one store.
    let other = shared_checked::handle(a.key().clone());
    assert_eq!(other.try_join().unwrap(), 42);
    let stats = METRICS.stats();
    assert_eq!((stats.total, stats.completed, stats.failed), (3, 2, 1));
}

#[async_compute(store = MEMORY.clone(), name = "tests::registered")]
fn registered(a: u32, (b, c): (u32, u32)) -> u32 {
    a + b * c
}

/// Never called: registered all the same, at link time.
#[allow(dead_code)]
#[async_compute(store = MEMORY.clone(), name = "tests::never_called")]
fn never_called(x: u32) -> u32 {
    x + 100
}

#[test]
fn registry_lookup_by_name() {
    let names = strand_au::registered_names();
    assert!(names.contains(&"tests::registered"), "{names:?}");
    assert!(names.contains(&"tests::never_called"), "{names:?}");
    assert!(
        names.contains(&concat!(module_path!(), "::add")),
        "{names:?}"
    );
    assert!(!names.contains(&concat!(module_path!(), "::registered")));

    let run = strand_au::lookup("tests::never_called").unwrap().unwrap();
    assert_eq!(run(serde_json::json!([1])).unwrap(), serde_json::json!(101));
    let run = strand_au::lookup("tests::registered").unwrap().unwrap();
    assert_eq!(
        run(serde_json::json!([1, [2, 3]])).unwrap(),
        serde_json::json!(7)
    );
    let err = run(serde_json::json!(["x", [2, 3]])).unwrap_err();
    assert_eq!(err.kind, strand_au::ErrorKind::Decode);
    assert!(
        err.message.starts_with("cannot decode argument 0"),
        "{}",
        err.message
    );
    let err = run(serde_json::json!([1])).unwrap_err();
    assert!(
        err.message.contains("expected an array of 2 values"),
        "{}",
        err.message
    );
    let fails = strand_au::lookup(concat!(module_path!(), "::parse"))
        .unwrap()
        .unwrap();
    let err = fails(serde_json::json!(["x"])).unwrap_err();
    assert_eq!(err.kind, strand_au::ErrorKind::Returned);

    assert_eq!(registered(1, (2, 3)).join().unwrap(), 7);
    assert_eq!(registered::name(), "tests::registered");
}

#[async_compute(store = MEMORY.clone())]
fn unit_and_progress() {
    let me = strand_au::current_computation();
    assert!(me.is_computation());
    me.set_progress(0.5, "half").unwrap();
}

#[test]
fn unit_value_and_progress() {
    let handle = unit_and_progress();
    handle.join_timeout(LONG).unwrap();
    let progress = handle.progress().unwrap().unwrap();
    assert_eq!(progress.message, "half");
    assert_eq!(handle.record().unwrap().args, serde_json::json!([]));
}

/// Decorated functions under strict lints, so that
/// `cargo clippy --all-targets -- -D warnings` checks the generated code
/// (trybuild does not run clippy).
#[deny(
    warnings,
    unused_qualifications,
    unused_results,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
#[allow(dead_code)]
mod clippy_clean {
    use std::io;
    use strand_au::{InlineBackend, MemoryStore, async_compute};

    /// Documented and public.
    #[async_compute(store = MemoryStore::new(), backend = InlineBackend)]
    pub fn double(x: u32) -> u32 {
        x * 2
    }

    #[async_compute(store = MemoryStore::new(), backend = pool, ttl = 5)]
    fn read(path: std::path::PathBuf) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    #[async_compute(store = MemoryStore::new(), fallible = false)]
    fn pair((a, b): (u8, u8), label: String) -> Result<(u8, String), String> {
        if label.is_empty() {
            Err(label)
        } else {
            Ok((a + b, label))
        }
    }

    #[async_compute(store = MemoryStore::new())]
    fn unit() {}

    #[test]
    fn run() {
        assert_eq!(double(2).join().unwrap(), 4);
        assert!(read("/not/here".into()).join().is_err());
        assert_eq!(
            pair((1, 2), "x".to_owned()).join().unwrap(),
            Ok((3, "x".to_owned()))
        );
        unit().join().unwrap();
    }
}

#[test]
fn inside_a_function_body() {
    // A type only this function body can name.
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Point {
        x: i32,
        y: i32,
    }

    #[async_compute(store = MemoryStore::new(), backend = strand_au::InlineBackend)]
    fn flip(p: Point) -> Point {
        Point { x: p.y, y: p.x }
    }

    let handle = flip(Point { x: 1, y: 2 });
    assert_eq!(handle.try_join().unwrap(), Point { x: 2, y: 1 });
    let again: ComputationHandle<Point> = flip::handle(handle.key().clone());
    assert_eq!(again.try_join().unwrap(), Point { x: 2, y: 1 });
    assert_eq!(flip::store().len().unwrap(), 1);
}

/// What a body saw of strand's own task API: its name, or whether it saw
/// the cancel.
type Seen = (Option<String>, bool);

/// Sent by the bodies to the test.
static SEEN: LazyLock<(
    crossbeam_channel::Sender<Seen>,
    crossbeam_channel::Receiver<Seen>,
)> = LazyLock::new(crossbeam_channel::unbounded);

/// Reports its strand task's name, then waits (up to a minute) until
/// `strand::current_task()` says it was cancelled, and reports that.
fn watch_strand_task() -> u32 {
    let task = strand::current_task();
    SEEN.0
        .send((task.name().map(str::to_owned), false))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !task.is_cancelled() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    SEEN.0.send((None, task.is_cancelled())).unwrap();
    0
}

#[async_compute(backend = pool, store = MEMORY.clone(), name = "tests::on_the_pool")]
fn on_the_pool() -> u32 {
    watch_strand_task()
}

#[async_compute(backend = thread, store = MEMORY.clone(), name = "tests::on_a_thread")]
fn on_a_thread() -> u32 {
    watch_strand_task()
}

#[test]
fn a_computation_is_a_strand_task_that_sees_its_cancel() {
    for (launch, name) in [
        (
            on_the_pool as fn() -> ComputationHandle<u32>,
            "tests::on_the_pool",
        ),
        (on_a_thread, "tests::on_a_thread"),
    ] {
        let handle = launch();
        let (seen_name, _) = SEEN.1.recv().unwrap();
        assert_eq!(seen_name.as_deref(), Some(name));
        assert_eq!(handle.cancel().unwrap(), CancelOutcome::Requested);
        let (_, cancelled) = SEEN.1.recv_timeout(Duration::from_secs(120)).unwrap();
        assert!(
            cancelled,
            "strand::current_task() never saw the cancel of {name}"
        );
        assert!(handle.join().unwrap_err().is_cancelled());
    }
}

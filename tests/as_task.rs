//! Behaviour of functions rewritten by `#[as_task]`, target by target.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use strand::{CancelOutcome, JoinError, Pool, TaskHandle, as_task, current_task};

const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- targets

#[as_task]
fn default_target() -> thread::ThreadId {
    thread::current().id()
}

#[as_task(thread)]
fn on_thread(a: u32, b: u32) -> (u32, Option<String>) {
    (a * b, thread::current().name().map(String::from))
}

#[as_task(pool)]
fn on_pool(x: u64) -> (u64, String) {
    (
        x + 1,
        thread::current().name().unwrap_or_default().to_string(),
    )
}

#[as_task(sync)]
fn on_sync(text: &str) -> usize {
    text.len()
}

#[test]
fn default_target_is_a_new_thread() {
    assert_ne!(default_target().join().unwrap(), thread::current().id());
}

#[test]
fn thread_target_runs_on_a_thread_named_after_the_function() {
    let handle: TaskHandle<(u32, Option<String>)> = on_thread(6, 7);
    assert_eq!(handle.name(), Some("as_task::on_thread"));
    let (product, thread_name) = handle.join().unwrap();
    assert_eq!(product, 42);
    assert_eq!(thread_name.as_deref(), Some("as_task::on_thread"));
}

#[test]
fn pool_target_runs_on_the_global_pool() {
    let (value, thread_name) = on_pool(1).join().unwrap();
    assert_eq!(value, 2);
    assert_eq!(thread_name, "strand-pool");
}

#[test]
fn sync_target_runs_in_the_caller_with_borrowed_arguments() {
    let text = String::from("borrowed");
    let handle = on_sync(&text);
    assert!(handle.is_finished());
    assert_eq!(handle.join().unwrap(), 8);
}

static SMALL_POOL_CALLS: AtomicUsize = AtomicUsize::new(0);

fn make_small_pool() -> Pool {
    SMALL_POOL_CALLS.fetch_add(1, Ordering::SeqCst);
    Pool::builder()
        .size(1)
        .queue_capacity(4)
        .name("small")
        .build()
}

#[as_task(pool = make_small_pool())]
fn on_small_pool() -> String {
    thread::current().name().unwrap_or_default().to_string()
}

#[test]
fn pool_option_is_evaluated_once_and_used() {
    let handles: Vec<_> = (0..5).map(|_| on_small_pool()).collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "small");
    }
    assert_eq!(SMALL_POOL_CALLS.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------- callbacks

static CHUNKS: LazyLock<Mutex<Vec<Vec<u32>>>> = LazyLock::new(|| Mutex::new(Vec::new()));

fn collect_chunk(chunk: Vec<u32>) {
    CHUNKS.lock().unwrap().push(chunk);
}

#[as_task(thread, on_iter = collect_chunk)]
fn chunked(total: u32, size: u32) -> impl Iterator<Item = Vec<u32>> {
    (0..total.div_ceil(size)).map(move |n| (n * size..((n + 1) * size).min(total)).collect())
}

#[test]
fn on_iter_receives_every_chunk_in_order_and_join_counts_them() {
    let delivered = chunked(7, 3).join().unwrap();
    assert_eq!(delivered, 3);
    assert_eq!(
        *CHUNKS.lock().unwrap(),
        vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]
    );
}

static ENDED: LazyLock<Mutex<Vec<u64>>> = LazyLock::new(|| Mutex::new(Vec::new()));

#[as_task(pool, on_end = |v: &u64| ENDED.lock().unwrap().push(*v))]
fn squared(x: u64) -> u64 {
    x * x
}

#[test]
fn on_end_closure_gets_the_value_and_join_still_returns_it() {
    assert_eq!(squared(9).join().unwrap(), 81);
    assert!(ENDED.lock().unwrap().contains(&81));
}

static ERRORS: LazyLock<Mutex<Vec<String>>> = LazyLock::new(|| Mutex::new(Vec::new()));

fn record_error(err: &JoinError<String>) {
    ERRORS.lock().unwrap().push(err.to_string());
}

#[as_task(thread, on_error = record_error)]
fn checked_div(a: i32, b: i32) -> Result<i32, String> {
    if b == 0 {
        return Err(format!("{a} / 0"));
    }
    Ok(a / b)
}

#[as_task(thread, on_error = record_error)]
fn explode(tag: String) -> Result<(), String> {
    panic!("explode {tag}")
}

#[test]
fn returned_errors_and_panics_go_to_on_error_and_join() {
    assert_eq!(checked_div(7, 2).join().unwrap(), 3);
    let err = checked_div(1, 0).join().unwrap_err();
    assert_eq!(err.into_failure().unwrap(), "1 / 0");
    let err = explode("now".into()).join().unwrap_err();
    assert_eq!(err.panic_message(), Some("explode now"));
    let errors = ERRORS.lock().unwrap();
    assert!(
        errors.contains(&"task failed: 1 / 0".to_string()),
        "{errors:?}"
    );
    assert!(
        errors.contains(&"task panicked: explode now".to_string()),
        "{errors:?}"
    );
}

// ---------------------------------------------------------------- fallibility

#[as_task(sync)]
fn io_result(ok: bool) -> std::io::Result<u8> {
    if ok {
        Ok(1)
    } else {
        Err(std::io::Error::other("disk on fire"))
    }
}

#[test]
fn a_result_alias_is_fallible() {
    let value: u8 = io_result(true).join().unwrap();
    assert_eq!(value, 1);
    let err: JoinError<std::io::Error> = io_result(false).join().unwrap_err();
    assert_eq!(err.failure().unwrap().to_string(), "disk on fire");
}

#[as_task(sync, fallible = false)]
fn result_as_value(ok: bool) -> Result<u8, String> {
    if ok {
        Ok(1)
    } else {
        Err("kept as a value".into())
    }
}

#[test]
fn fallible_false_keeps_the_result_as_the_value() {
    let handle: TaskHandle<Result<u8, String>> = result_as_value(false);
    assert_eq!(handle.join().unwrap(), Err("kept as a value".to_string()));
}

type Outcome = Result<u16, String>;

#[as_task(sync, fallible = true)]
fn aliased_outcome() -> Outcome {
    Err("through an alias".into())
}

#[test]
fn fallible_true_covers_aliases_the_macro_cannot_see_through() {
    let err = aliased_outcome().join().unwrap_err();
    assert_eq!(err.failure().map(String::as_str), Some("through an alias"));
}

// ---------------------------------------------------------------- cancellation

#[as_task(thread)]
fn spin_until_cancelled(started: Sender<()>) -> u64 {
    started.send(()).unwrap();
    let mut rounds = 0;
    while !current_task().is_cancelled() {
        rounds += 1;
        thread::sleep(Duration::from_millis(1));
    }
    rounds
}

#[test]
fn cancel_a_running_task() {
    let (tx, rx) = bounded(1);
    let handle = spin_until_cancelled(tx);
    rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(handle.cancel(), CancelOutcome::Requested);
    assert!(handle.join().unwrap_err().is_cancelled());
}

static RAN: AtomicBool = AtomicBool::new(false);

fn one_worker_pool() -> Pool {
    Pool::builder().size(1).build()
}

#[as_task(pool = one_worker_pool())]
fn gate_or_mark(gate: Option<Receiver<()>>, started: Option<Sender<()>>) {
    match (gate, started) {
        (Some(gate), Some(started)) => {
            started.send(()).unwrap();
            gate.recv().unwrap();
        }
        _ => RAN.store(true, Ordering::SeqCst),
    }
}

#[test]
fn cancel_before_start_means_it_never_runs() {
    let (gate_tx, gate_rx) = bounded(0);
    let (started_tx, started_rx) = bounded(1);
    let blocker = gate_or_mark(Some(gate_rx), Some(started_tx));
    started_rx.recv_timeout(PATIENCE).unwrap();
    let queued = gate_or_mark(None, None);
    assert_eq!(queued.cancel(), CancelOutcome::NotStarted);
    gate_tx.send(()).unwrap();
    blocker.join().unwrap();
    assert!(queued.join().unwrap_err().is_cancelled());
    // FIFO on one worker: once a later job has run, the cancelled one was skipped.
    let (gate_tx, gate_rx) = bounded(1);
    let (started_tx, _started_rx) = bounded(1);
    gate_tx.send(()).unwrap();
    gate_or_mark(Some(gate_rx), Some(started_tx))
        .join()
        .unwrap();
    assert!(
        !RAN.load(Ordering::SeqCst),
        "a task cancelled before start never runs"
    );
}

// ---------------------------------------------------------------- signatures

/// Joins the words.
#[as_task(thread)]
pub fn generic_join<T, I>(items: I, sep: impl AsRef<str> + Send + 'static) -> String
where
    T: ToString,
    I: IntoIterator<Item = T> + Send + 'static,
{
    items
        .into_iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(sep.as_ref())
}

#[as_task(pool)]
fn parse_as<T>(text: String) -> Result<T, T::Err>
where
    T: std::str::FromStr + Send + 'static,
    T::Err: Send + 'static,
{
    text.parse()
}

#[as_task(thread)]
fn destructured((a, b): (u8, u8), [c, d]: [u8; 2], mut acc: Vec<u8>) -> Vec<u8> {
    acc.extend([a, b, c, d]);
    acc
}

struct Counter;

impl Counter {
    #[as_task(pool)]
    fn count_words(text: String) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for word in text.split_whitespace() {
            *counts.entry(word.to_string()).or_default() += 1;
        }
        counts
    }
}

#[test]
fn generics_impl_trait_and_where_clauses_are_kept() {
    assert_eq!(generic_join(vec![1, 2, 3], "-").join().unwrap(), "1-2-3");
    assert_eq!(parse_as::<u16>("65535".into()).join().unwrap(), 65535);
    assert!(parse_as::<u8>("256".into()).join().unwrap_err().is_failed());
}

#[test]
fn destructured_and_mut_arguments_work() {
    assert_eq!(
        destructured((1, 2), [3, 4], vec![0]).join().unwrap(),
        vec![0, 1, 2, 3, 4]
    );
}

#[test]
fn associated_functions_work() {
    let counts = Counter::count_words("a b a".into()).join().unwrap();
    assert_eq!(counts.get("a"), Some(&2));
}

#[as_task(thread, name = "reports::nightly")]
fn named() -> Option<String> {
    current_task().name().map(String::from)
}

#[test]
fn name_option_names_the_task() {
    let handle = named();
    assert_eq!(handle.name(), Some("reports::nightly"));
    assert_eq!(handle.join().unwrap().as_deref(), Some("reports::nightly"));
}

#[as_task(pool)]
fn fan_out(n: u64) -> u64 {
    if n <= 1 {
        return n;
    }
    let parts: Vec<_> = (0..4).map(|_| fan_out(n / 4)).collect();
    parts.into_iter().map(|h| h.join().unwrap()).sum::<u64>() + 1
}

#[test]
fn pool_tasks_can_start_and_join_pool_tasks() {
    let total = fan_out(256).join_timeout(PATIENCE).expect("no deadlock");
    assert!(total > 256);
}

#[test]
fn switching_targets_keeps_call_sites() {
    fn use_handle(h: TaskHandle<u64>) -> u64 {
        h.join().unwrap()
    }
    #[as_task(thread)]
    fn a(x: u64) -> u64 {
        x
    }
    #[as_task(pool)]
    fn b(x: u64) -> u64 {
        x
    }
    #[as_task(sync)]
    fn c(x: u64) -> u64 {
        x
    }
    assert_eq!(use_handle(a(1)) + use_handle(b(2)) + use_handle(c(3)), 6);
}

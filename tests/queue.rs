//! The store as a queue, in one process: Python strand's StoreTaskWriter /
//! StoreTaskReader behaviours, callbacks, FIFO, handles rebuilt from keys,
//! and stores that cannot queue.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strand_au::{
    ComputationStore, FileSystemStore, Key, MemoryStore, Runner, Status, StoreTaskReader,
    StoreTaskWriter,
};

const LONG: Duration = Duration::from_secs(60);

fn fs_store() -> (tempfile::TempDir, Arc<dyn ComputationStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir.path()));
    (dir, store)
}

#[test]
fn a_writer_writes_a_task_description_under_a_generated_or_given_id() {
    let (_dir, store) = fs_store();
    let add = StoreTaskWriter::<(u32, u32), u32>::new("seed::add", store.clone()).queue("math");
    let generated = add.call((1, 2));
    let key: Key = generated.key().unwrap().parse().unwrap();
    let record = store.get(&key).unwrap().unwrap();
    assert_eq!(record.function, "seed::add");
    assert_eq!(record.args, serde_json::json!([1, 2]));
    assert_eq!(record.queue.as_deref(), Some("math"));
    assert_eq!(
        (record.status, record.attempts, record.owner),
        (Status::Pending, 0, None)
    );

    let given = add.call_as("order-42", (3, 4)).unwrap();
    assert_eq!(given.key(), Some("order-42"));
    let record = store.get(&Key::new("order-42").unwrap()).unwrap().unwrap();
    assert_eq!(record.args, serde_json::json!([3, 4]));
    // The id is taken now.
    let err = add.call_as("order-42", (5, 6)).unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    assert_eq!(store.queue_stats("math").unwrap().ready, 2);
}

#[test]
fn a_reader_started_with_read_store_runs_what_is_written() {
    let (_dir, store) = fs_store();
    strand_au::register("seed::double", "queue.rs::double", |args| {
        let (x,): (u64,) = strand_au::__private::decode_args(args)?;
        Ok(serde_json::json!(x * 2))
    })
    .unwrap();
    let double = StoreTaskWriter::<(u64,), u64>::new("seed::double", store.clone())
        .read_store(store.clone());
    let handles: Vec<_> = (0..20u64).map(|x| double.call((x,))).collect();
    for (x, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join_timeout(LONG).unwrap(), 2 * x as u64);
    }
}

#[test]
fn callbacks_run_in_the_submitting_process_and_errors_come_back_typed() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let _worker = StoreTaskReader::new(store.clone())
        .function(
            "cb::check",
            Runner::fallible_typed(|x: i64| {
                if x < 0 {
                    Err(format!("{x} < 0"))
                } else {
                    Ok(x)
                }
            }),
        )
        .listen()
        .unwrap();
    let ends = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let (e, r) = (ends.clone(), errors.clone());
    let check = StoreTaskWriter::<i64, i64>::new("cb::check", store.clone())
        .fallible::<String>()
        .on_end(move |v| e.lock().unwrap().push(*v))
        .on_error(move |err| r.lock().unwrap().push(err.failure().cloned()));
    assert_eq!(check.call(5).join_timeout(LONG).unwrap(), 5);
    let err = check
        .call(-1)
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    assert_eq!(err.failure().map(String::as_str), Some("-1 < 0"));
    // The callbacks ran before the joins returned.
    assert_eq!(*ends.lock().unwrap(), vec![5]);
    assert_eq!(*errors.lock().unwrap(), vec![Some("-1 < 0".to_owned())]);
}

#[test]
fn one_worker_runs_a_queue_first_in_first_out() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    let log = StoreTaskWriter::<u32, ()>::new("fifo::log", store.clone());
    let handles: Vec<_> = (0..50u32).map(|i| log.call(i)).collect();
    let _worker = StoreTaskReader::new(store.clone())
        .concurrency(1)
        .function(
            "fifo::log",
            Runner::new(move |i: u32| seen.lock().unwrap().push(i)),
        )
        .listen()
        .unwrap();
    for handle in handles {
        handle.join_timeout(LONG).unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
}

#[test]
fn a_dropped_handle_leaves_the_task_queued_and_a_key_makes_a_new_handle() {
    let (_dir, store) = fs_store();
    let square = StoreTaskWriter::<u64, u64>::new("key::square", store.clone());
    let key = square.call(9).key().unwrap().to_owned();
    assert_eq!(store.queue_stats("default").unwrap().ready, 1);
    let _worker = StoreTaskReader::new(store.clone())
        .function("key::square", Runner::new(|x: u64| x * x))
        .listen()
        .unwrap();
    assert_eq!(square.handle(&key).join_timeout(LONG).unwrap(), 81);
    let err = square.handle("no such key").join().unwrap_err();
    assert!(err.elsewhere().unwrap().contains("no task key"), "{err}");
    let err = square
        .handle("unknown-key")
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    assert!(err.elsewhere().unwrap().contains("gone"), "{err}");
}

/// A store that keeps no queue: the defaults of the trait.
#[derive(Debug, Default)]
struct NoQueue(MemoryStore);

impl ComputationStore for NoQueue {
    fn load(&self, key: &Key) -> Result<Option<strand_au::Record>, strand_au::StoreError> {
        self.0.load(key)
    }
    fn put(&self, key: &Key, record: strand_au::Record) -> Result<(), strand_au::StoreError> {
        self.0.put(key, record)
    }
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut strand_au::Record) -> strand_au::UpdateAction,
    ) -> Result<strand_au::Updated, strand_au::StoreError> {
        self.0.update(key, f)
    }
    fn delete(&self, key: &Key) -> Result<bool, strand_au::StoreError> {
        self.0.delete(key)
    }
    fn keys(&self) -> Result<Vec<Key>, strand_au::StoreError> {
        self.0.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        None
    }
    fn clock(&self) -> Arc<dyn strand_au::Clock> {
        ComputationStore::clock(&self.0)
    }
}

#[test]
fn a_store_that_cannot_queue_is_refused_with_a_clear_error() {
    let store: Arc<dyn ComputationStore> = Arc::new(NoQueue::default());
    let err = StoreTaskReader::new(store.clone()).listen().unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert!(err.to_string().contains("queue contract"), "{err}");
    let writer = StoreTaskWriter::<u32, u32>::new("x::y", store.clone());
    let err = writer.call(1).join().unwrap_err();
    assert!(
        err.elsewhere()
            .unwrap()
            .contains("cannot hold a queue of tasks"),
        "{err}"
    );
    assert!(writer.try_call(1).unwrap_err().is_unsupported());
    assert!(store.is_empty().unwrap(), "nothing written");
}

#[test]
fn a_waiting_task_cancelled_never_runs_and_leaves_its_queue() {
    let (_dir, store) = fs_store();
    let square = StoreTaskWriter::<u64, u64>::new("cancel::square", store.clone());
    let handle = square.call(3);
    let key: Key = handle.key().unwrap().parse().unwrap();
    assert_eq!(handle.cancel(), strand::CancelOutcome::NotStarted);
    assert!(handle.join().unwrap_err().is_cancelled());
    let record = store.get(&key).unwrap().unwrap();
    assert_eq!((record.status, record.attempts), (Status::Cancelled, 0));
    assert_eq!(store.queue_stats("default").unwrap().waiting(), 0);
}

#[test]
fn a_worker_that_stops_cleanly_leaves_no_heartbeat_behind() {
    let (_dir, store) = fs_store();
    let worker = StoreTaskReader::new(store.clone())
        .function("beat::one", Runner::new(|(): ()| 1u8))
        .listen()
        .unwrap();
    let beats = store.heartbeats().unwrap();
    assert_eq!(beats.len(), 1, "a serving worker keeps a heartbeat");
    assert_eq!(beats[0].queues, ["default"]);
    let one = StoreTaskWriter::<(), u8>::new("beat::one", store.clone());
    assert_eq!(one.call(()).join_timeout(LONG).unwrap(), 1);
    let stats = worker.stop();
    assert_eq!(stats.finished, 1);
    assert!(
        store.heartbeats().unwrap().is_empty(),
        "a stopped worker looked alive: {:?}",
        store.heartbeats().unwrap()
    );
}

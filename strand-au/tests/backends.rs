//! Backends: thread, pool with backpressure, inline; and the registry.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use common::{HANG, KernelThread};
use strand_au::{
    Computation, ComputationFailure, ComputationStore, InlineBackend, Job, MemoryStore,
    PoolBackend, Runner, Status, ThreadBackend,
};

#[derive(Default, Clone)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);
impl Gate {
    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

#[test]
fn thread_backend_runs_each_computation_on_its_own_thread() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let gate = Gate::default();
    let g = gate.clone();
    let c = Computation::new(
        "b::io",
        Runner::new(move |i: u32| {
            g.wait();
            (i, std::thread::current().name().map(String::from))
        }),
    )
    .store(store)
    .backend(Arc::new(ThreadBackend::new().stack_size(256 * 1024)));
    // All eight block at once: only possible with a thread each.
    let handles: Vec<_> = (0..8u32)
        .map(|i| c.launch::<(u32, Option<String>)>(&i))
        .collect();
    for h in &handles {
        let deadline = std::time::Instant::now() + HANG;
        while h.status().unwrap() != Status::Running {
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    gate.open();
    for (i, h) in handles.iter().enumerate() {
        let (n, name) = h.join_timeout(HANG).unwrap();
        assert_eq!(n as usize, i);
        assert_eq!(name.as_deref(), Some("strand-au"));
    }
}

#[test]
fn pool_backend_applies_backpressure() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let pool = strand::Pool::builder().size(1).queue_capacity(1).build();
    let gate = Gate::default();
    let g = gate.clone();
    let c = Arc::new(
        Computation::new(
            "b::pooled",
            Runner::new(move |x: u32| {
                g.wait();
                x
            }),
        )
        .store(store)
        .backend(Arc::new(PoolBackend::from_pool(pool))),
    );
    let first = c.launch::<u32>(&1);
    let deadline = std::time::Instant::now() + HANG;
    while first.status().unwrap() != Status::Running {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    let second = c.launch::<u32>(&2); // fills the queue
    assert_eq!(second.status().unwrap(), Status::Pending);
    let returned = Arc::new(AtomicBool::new(false));
    let (tid_tx, tid_rx) = mpsc::channel();
    let third = {
        let c = c.clone();
        let returned = returned.clone();
        std::thread::spawn(move || {
            tid_tx.send(KernelThread::current()).unwrap();
            let h = c.launch::<u32>(&3); // must block: the queue is full
            returned.store(true, Ordering::SeqCst);
            h
        })
    };
    // Once its thread has gone to sleep in `launch`, it has not returned.
    tid_rx.recv_timeout(HANG).unwrap().wait_until_asleep();
    assert!(
        !returned.load(Ordering::SeqCst),
        "launch did not wait for room in the queue"
    );
    gate.open();
    let third = third.join().unwrap();
    assert!(returned.load(Ordering::SeqCst));
    let results: Vec<u32> = [first, second, third]
        .iter()
        .map(|h| h.join_timeout(HANG).unwrap())
        .collect();
    assert_eq!(results, [1, 2, 3]);
}

#[test]
fn pool_backend_survives_panics_and_uses_the_global_pool_by_default() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let c = Computation::new(
        "b::panicky",
        Runner::new(|x: u32| if x % 2 == 0 { panic!("even {x}") } else { x }),
    )
    .store(store)
    .backend(Arc::new(PoolBackend::default()));
    let handles: Vec<_> = (0..20u32).map(|i| c.launch::<u32>(&i)).collect();
    for (i, h) in handles.iter().enumerate() {
        match h.join_timeout(HANG) {
            Ok(x) => assert_eq!(x as usize, i),
            Err(e) => assert_eq!(e.message(), Some(format!("even {i}").as_str())),
        }
    }
}

#[test]
fn inline_backend_finishes_before_launch_returns() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let c = Computation::new("b::inline", Runner::new(|x: u8| x))
        .store(store)
        .backend(Arc::new(InlineBackend));
    let h = c.launch::<u8>(&3);
    assert_eq!(h.status().unwrap(), Status::Completed);
}

fn triple(args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
    let x: u64 = strand_au::__private::decode_args(args)?;
    strand_au::__private::encode_value(&(x * 3))
}

#[test]
fn registry_finds_runners_by_name_and_rejects_duplicates() {
    strand_au::register("b::triple", "backends::triple", triple).unwrap();
    let err = strand_au::register("b::triple", "elsewhere::triple", triple).unwrap_err();
    assert_eq!(err.name(), "b::triple");
    assert!(
        err.to_string().contains("`backends::triple`")
            && err.to_string().contains("`elsewhere::triple`")
    );
    assert!(strand_au::registered_names().contains(&"b::triple"));
    assert!(strand_au::lookup("b::unknown").unwrap().is_none());

    // A worker that only gets the name and arguments (as a process backend would).
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let key = store.create_key();
    store
        .put(
            &key,
            strand_au::Record::pending("b::triple", serde_json::json!(14), 0),
        )
        .unwrap();
    let record = store.get(&key).unwrap().unwrap();
    let runner = Runner::from(strand_au::lookup(&record.function).unwrap().unwrap());
    Job::new(
        key.clone(),
        record.function,
        record.args,
        store.clone(),
        runner,
    )
    .run();
    let h = strand_au::ComputationHandle::<u64>::from_key(key, store);
    assert_eq!(h.join().unwrap(), 42);
}

//! `RedisStore` against a real `redis-server`: the store conformance suite
//! (records, TTLs, leases, heartbeats, subscriptions, corrupt records),
//! records written by one store seen by another, and a server that is not
//! there.
//!
//! The tests use the server at `STRAND_REDIS_URL` (default
//! `redis://127.0.0.1:6379/`), each store under a key prefix of its own,
//! and never flush or reconfigure it. Without a server they skip, saying
//! so: start one with `redis-server --daemonize yes --port 6379 --save ""`
//! (`.ci/run` does, and sets `STRAND_REQUIRE_REDIS`, which turns the skip
//! into a failure).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use strand_au::conformance::Suite;
use strand_au::{
    ComputationStore, Record, RedisStore, Runner, StoreTaskReader, StoreTaskWriter, async_compute,
};

const LONG: Duration = Duration::from_secs(60);

fn url() -> String {
    std::env::var("STRAND_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

/// A key prefix no other run or store uses.
fn prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "strand-test-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store on the test server, or `None` (after saying how to enable the
/// test) when there is none.
fn store(test: &str) -> Option<RedisStore> {
    match RedisStore::open_with_timeout(&url(), Duration::from_secs(2)) {
        Ok(store) => Some(store.prefix(&prefix()).ttl(Duration::from_secs(3600))),
        Err(e) if std::env::var_os("STRAND_REQUIRE_REDIS").is_some() => {
            panic!(
                "{test}: no Redis at {} ({e}), and STRAND_REQUIRE_REDIS is set",
                url()
            )
        }
        Err(e) => {
            eprintln!(
                "skipping {test}: no Redis at {} ({e}); start one with \
                 `redis-server --daemonize yes --port 6379 --save \"\"` or set STRAND_REDIS_URL",
                url()
            );
            None
        }
    }
}

/// Deletes every key of `store`'s prefix.
fn clean(store: &RedisStore) {
    let Ok(client) = redis::Client::open(url().as_str()) else {
        return;
    };
    let Ok(mut connection) = client.get_connection() else {
        return;
    };
    let pattern = format!("{}:*", store.get_prefix());
    let mut cursor: u64 = 0;
    loop {
        let Ok((next, names)): Result<(u64, Vec<String>), _> = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query(&mut connection)
        else {
            return;
        };
        for name in names {
            let _: Result<(), _> = redis::cmd("DEL").arg(name).query(&mut connection);
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}

#[test]
fn the_redis_store_passes_the_conformance_suite() {
    let Some(probe) = store("the_redis_store_passes_the_conformance_suite") else {
        return;
    };
    drop(probe);
    let report = Suite::with_guard(|_clock| {
        let store = RedisStore::open(&url()).unwrap().prefix(&prefix());
        let guard = Cleanup(store.clone());
        (store, guard)
    })
    .own_clock()
    .drops_expired()
    .corrupt_with(|store: &RedisStore, key| {
        // Garbage where the record is, through a second store's connection.
        let raw = redis::Client::open(url().as_str()).unwrap();
        let mut connection = raw.get_connection().unwrap();
        let _: () = redis::cmd("SET")
            .arg(format!("{}:r:{key}", store.get_prefix()))
            .arg(b"\xff\x00 not a record".as_slice())
            .query(&mut connection)
            .unwrap();
    })
    .run();
    // `run` panics listing every check that failed.
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.passed.len(), Suite::<RedisStore>::checks().len());
}

#[test]
fn the_redis_store_passes_the_queue_conformance_suite() {
    let Some(probe) = store("the_redis_store_passes_the_queue_conformance_suite") else {
        return;
    };
    drop(probe);
    let report = Suite::with_guard(|_clock| {
        let store = RedisStore::open(&url())
            .unwrap()
            .prefix(&prefix())
            .max_record_size(64 << 10);
        let guard = Cleanup(store.clone());
        (store, guard)
    })
    .own_clock()
    .drops_expired()
    .max_record_size(64 << 10)
    .run_queue();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(
        report.passed.len(),
        Suite::<RedisStore>::queue_checks().len()
    );
}

struct Cleanup(RedisStore);

impl Drop for Cleanup {
    fn drop(&mut self) {
        clean(&self.0);
    }
}

#[test]
fn a_record_written_by_one_store_is_seen_and_waited_on_by_another() {
    let Some(writer) = store("a_record_written_by_one_store_is_seen_and_waited_on_by_another")
    else {
        return;
    };
    let _cleanup = Cleanup(writer.clone());
    // A second store on the same prefix: its own connections and listener,
    // as another process or machine would have.
    let reader = RedisStore::open(&url())
        .unwrap()
        .prefix(writer.get_prefix());
    let key = writer.create_key();
    writer
        .put(
            &key,
            Record::pending("f", serde_json::json!([1]), writer.clock().now_ms()),
        )
        .unwrap();
    let seen = reader.get(&key).unwrap().unwrap();
    assert_eq!(seen.function, "f");

    let waiting = {
        let reader = reader.clone();
        let key = key.clone();
        let version = seen.version;
        std::thread::spawn(move || {
            reader
                .wait_for_change(
                    &key,
                    version,
                    Some(std::time::Instant::now() + Duration::from_secs(30)),
                )
                .unwrap()
        })
    };
    let now = writer.clock().now_ms();
    writer
        .update(&key, &mut |r| {
            strand_au::UpdateAction::write_if(r.complete(serde_json::json!(7), now))
        })
        .unwrap();
    let changed = waiting.join().unwrap().unwrap();
    assert_eq!(changed.value, Some(serde_json::json!(7)));
}

#[test]
fn a_server_that_is_not_there_is_an_error_at_once() {
    // A port nothing listens on: the connection is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let started = std::time::Instant::now();
    let err = RedisStore::open_with_timeout(
        &format!("redis://127.0.0.1:{port}/"),
        Duration::from_secs(2),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn workers_on_two_stores_share_one_queue_and_run_each_task_once() {
    let Some(submitter) = store("workers_on_two_stores_share_one_queue_and_run_each_task_once")
    else {
        return;
    };
    let _cleanup = Cleanup(submitter.clone());
    // Two workers, each on a store of its own (its own connections and
    // listener), as on two machines.
    let runs: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let worker = |name: &'static str| {
        let store: Arc<dyn ComputationStore> = Arc::new(
            RedisStore::open(&url())
                .unwrap()
                .prefix(submitter.get_prefix()),
        );
        let runs = runs.clone();
        StoreTaskReader::new(store)
            .concurrency(2)
            .function(
                "redis_test::square",
                Runner::new(move |(x,): (u64,)| {
                    *runs.lock().unwrap().entry(x).or_default() += 1;
                    (x * x, name)
                }),
            )
            .listen()
            .unwrap()
    };
    let first = worker("first");
    let second = worker("second");
    let store: Arc<dyn ComputationStore> = Arc::new(submitter.clone());
    let square = StoreTaskWriter::<(u64,), (u64, String)>::new("redis_test::square", store.clone());
    let handles: Vec<_> = (0..400u64).map(|x| square.call((x,))).collect();
    let mut by = HashMap::<String, usize>::new();
    for (x, handle) in handles.into_iter().enumerate() {
        let (value, worker) = handle.join_timeout(LONG).unwrap();
        assert_eq!(value, (x * x) as u64);
        *by.entry(worker).or_default() += 1;
    }
    drop((first, second));
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 400);
    assert!(runs.values().all(|n| *n == 1), "a task ran twice");
    eprintln!("tasks per worker: {by:?}");
    let stats = store.queue_stats("default").unwrap();
    assert_eq!((stats.ready, stats.delayed, stats.claimed), (0, 0, 0));
}

/// The key prefix of the attribute tests' store.
static ATTRIBUTE_PREFIX: LazyLock<String> = LazyLock::new(prefix);

/// The store of the attribute tests (records kept an hour at most).
static ATTRIBUTE_STORE: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| {
    Arc::new(
        RedisStore::open(&url())
            .unwrap()
            .prefix(&ATTRIBUTE_PREFIX)
            .ttl(Duration::from_secs(3600)),
    ) as Arc<dyn ComputationStore>
});

#[strand::as_task(store = ATTRIBUTE_STORE.clone(), name = "redis_test::shout")]
fn shout(word: String) -> Result<String, String> {
    if word.is_empty() {
        Err("nothing to shout".into())
    } else {
        Ok(word.to_uppercase())
    }
}

#[async_compute(store = ATTRIBUTE_STORE.clone(), backend = queue, name = "redis_test::halve")]
fn halve(x: u64) -> u64 {
    x / 2
}

#[test]
fn the_attributes_work_on_a_redis_store_with_no_other_change() {
    let Some(probe) = store("the_attributes_work_on_a_redis_store_with_no_other_change") else {
        return;
    };
    let _cleanup = Cleanup(probe.prefix(&ATTRIBUTE_PREFIX));
    let store = ATTRIBUTE_STORE.clone();
    let _worker = StoreTaskReader::new(store.clone()).listen().unwrap();
    assert_eq!(shout("hey".into()).join_timeout(LONG).unwrap(), "HEY");
    let error = shout(String::new()).join().unwrap_err();
    assert_eq!(
        error.failure().map(String::as_str),
        Some("nothing to shout")
    );
    assert_eq!(halve(84).join_timeout(LONG).unwrap(), 42);
    // A handle rebuilt from the key, as another process would.
    let handle = shout("again".into());
    let key = handle.key().unwrap().to_owned();
    assert_eq!(shout::handle(&key).join_timeout(LONG).unwrap(), "AGAIN");
    drop(handle);
}

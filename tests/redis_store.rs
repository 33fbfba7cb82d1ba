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

#[test]
fn a_value_under_the_prefix_that_is_not_strands_is_an_error_for_that_key_only() {
    let Some(store) =
        store("a_value_under_the_prefix_that_is_not_strands_is_an_error_for_that_key_only")
    else {
        return;
    };
    let _cleanup = Cleanup(store.clone());
    let client = redis::Client::open(url().as_str()).unwrap();
    let mut raw = client.get_connection().unwrap();
    let good = store.create_key();
    store
        .put(
            &good,
            Record::pending("f", serde_json::json!(1), store.clock().now_ms()),
        )
        .unwrap();
    let name = |key: &strand_au::Key| format!("{}:r:{key}", store.get_prefix());
    // A hash where a record should be (the wrong type), a record cut short,
    // and bytes that are no record at all.
    let wrong_type = store.create_key();
    let _: () = redis::cmd("HSET")
        .arg(name(&wrong_type))
        .arg("field")
        .arg("value")
        .query(&mut raw)
        .unwrap();
    let truncated = store.create_key();
    let bytes: Vec<u8> = redis::cmd("GET").arg(name(&good)).query(&mut raw).unwrap();
    let _: () = redis::cmd("SET")
        .arg(name(&truncated))
        .arg(&bytes[..bytes.len() / 2])
        .query(&mut raw)
        .unwrap();
    let garbage = store.create_key();
    let _: () = redis::cmd("SET")
        .arg(name(&garbage))
        .arg("hello")
        .query(&mut raw)
        .unwrap();

    let err = store.get(&wrong_type).unwrap_err();
    assert!(err.to_string().contains("WRONGTYPE"), "{err}");
    for key in [&truncated, &garbage] {
        match store.get(key) {
            Err(strand_au::StoreError::Corrupt { key: bad, .. }) => assert_eq!(&bad, key),
            other => panic!("{key}: {other:?}"),
        }
    }
    // The good record reads as ever, and the listing names all four.
    assert_eq!(store.get(&good).unwrap().unwrap().function, "f");
    assert_eq!(store.keys().unwrap().len(), 4);
    // An oversized record is refused and nothing is written.
    let small = store.clone().max_record_size(1024);
    let big = store.create_key();
    let record = Record::pending("f", serde_json::json!("x".repeat(4096)), 0);
    assert!(matches!(
        small.put(&big, record),
        Err(strand_au::StoreError::TooLarge { .. })
    ));
    assert!(store.load(&big).unwrap().is_none());
}

/// A free TCP port on loopback (free when asked).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of the test's own, on a free port, killed on drop.
struct OwnServer {
    child: std::process::Child,
    port: u16,
    args: Vec<String>,
    _dir: tempfile::TempDir,
}

impl OwnServer {
    /// Starts one, with `extra` arguments, and waits until it answers;
    /// `None` (after saying why) when `redis-server` is missing.
    fn start(test: &str, extra: &[&str]) -> Option<OwnServer> {
        let port = free_port();
        let mut args: Vec<String> = [
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let server = OwnServer::spawn(test, port, args)?;
        server.wait_ready();
        Some(server)
    }

    /// Starts `redis-server` with `args` (its port: `port`) in a directory
    /// of its own, without waiting for it; `None` (after saying why) when
    /// it is missing, unless CI requires Redis.
    fn spawn(test: &str, port: u16, args: Vec<String>) -> Option<OwnServer> {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(&args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn();
        match child {
            Ok(child) => Some(OwnServer {
                child,
                port,
                args,
                _dir: dir,
            }),
            Err(e) if std::env::var_os("STRAND_REQUIRE_REDIS").is_some() => {
                panic!("{test}: cannot start redis-server ({e})")
            }
            Err(e) => {
                eprintln!("skipping {test}: cannot start redis-server ({e}); install redis-server");
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Waits until the server answers.
    fn wait_ready(&self) {
        let client = redis::Client::open(self.url().as_str()).unwrap();
        let deadline = std::time::Instant::now() + LONG;
        loop {
            if let Ok(mut c) = client.get_connection() {
                match redis::cmd("PING").query::<String>(&mut c) {
                    Ok(_) => return,
                    // Up, and asking for a password.
                    Err(e) if e.to_string().contains("NOAUTH") => return,
                    Err(_) => {}
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again, same port, directory and arguments.
    fn restart(&mut self) {
        self.child = std::process::Command::new("redis-server")
            .args(&self.args)
            .current_dir(self._dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.wait_ready();
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn a_wait_returns_on_time_with_the_error_when_redis_goes_away() {
    let Some(mut server) = OwnServer::start(
        "a_wait_returns_on_time_with_the_error_when_redis_goes_away",
        &[],
    ) else {
        return;
    };
    let store = RedisStore::open_with_timeout(&server.url(), Duration::from_secs(1))
        .unwrap()
        .prefix(&prefix());
    let key = store.create_key();
    store
        .put(
            &key,
            Record::pending("f", serde_json::json!(1), store.clock().now_ms()),
        )
        .unwrap();
    let version = store.load(&key).unwrap().unwrap().version;
    let waiting = {
        let store = store.clone();
        let key = key.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let outcome = store.wait_for_change(
                &key,
                version,
                Some(std::time::Instant::now() + Duration::from_secs(3)),
            );
            (outcome, started.elapsed())
        })
    };
    server.kill();
    let (outcome, took) = waiting.join().unwrap();
    let err = outcome.unwrap_err();
    assert!(err.to_string().contains("redis"), "{err}");
    assert!(took < LONG, "the wait took {took:?}");
    // And a store opened now says at once that nothing is there.
    let err = RedisStore::open_with_timeout(&server.url(), Duration::from_secs(1)).unwrap_err();
    assert!(err.to_string().contains(&server.port.to_string()), "{err}");
}

/// Starts readers on two stores of `url` and `prefix`, serving
/// `redis_test::slow_double`, which counts its runs in `runs`.
fn restart_workers(
    url: &str,
    prefix: &str,
    runs: &Arc<Mutex<HashMap<u64, u32>>>,
) -> Vec<strand_au::ReaderGuard> {
    (0..2)
        .map(|_| {
            let store: Arc<dyn ComputationStore> =
                Arc::new(RedisStore::open(url).unwrap().prefix(prefix));
            let runs = runs.clone();
            StoreTaskReader::new(store)
                .concurrency(2)
                .function(
                    "redis_test::slow_double",
                    Runner::new(move |(x,): (u64,)| {
                        *runs.lock().unwrap().entry(x).or_default() += 1;
                        std::thread::sleep(Duration::from_millis(5));
                        x * 2
                    }),
                )
                .listen()
                .unwrap()
        })
        .collect()
}

/// Runs 200 tasks through two workers while the server is restarted by
/// `restart` (after a fifth of them finished): every task completes with
/// its value, none lost.
fn tasks_survive(test: &str, extra: &[&str], restart: impl FnOnce(&mut OwnServer)) {
    let Some(mut server) = OwnServer::start(test, extra) else {
        return;
    };
    let url = server.url();
    let prefix = prefix();
    let runs: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let workers = restart_workers(&url, &prefix, &runs);
    let store: Arc<dyn ComputationStore> =
        Arc::new(RedisStore::open(&url).unwrap().prefix(&prefix));
    let double = StoreTaskWriter::<(u64,), u64>::new("redis_test::slow_double", store.clone());
    let handles: Vec<_> = (0..200u64).map(|x| double.call((x,))).collect();
    // A fifth done, then the restart.
    let mut handles = handles.into_iter().enumerate();
    for (x, handle) in handles.by_ref().take(40) {
        assert_eq!(handle.join_timeout(LONG).unwrap(), 2 * x as u64);
    }
    restart(&mut server);
    for (x, handle) in handles {
        let key = handle.key().unwrap_or("?").to_owned();
        match handle.join_timeout(LONG) {
            Ok(value) => assert_eq!(value, 2 * x as u64),
            Err(e) => {
                let record = key.parse().ok().map(|k| store.load(&k));
                let stats = store.queue_stats("default");
                panic!("task {x} ({key}): {e:?}; record {record:?}; queue {stats:?}")
            }
        }
    }
    drop(workers);
    let runs = runs.lock().unwrap();
    let twice = runs.values().filter(|n| **n > 1).count();
    eprintln!(
        "{test}: 200 tasks done, {twice} ran more than once (their worker lost the server mid-task)"
    );
}

#[test]
fn a_graceful_restart_of_redis_loses_nothing_and_everyone_reconnects() {
    tasks_survive(
        "a_graceful_restart_of_redis_loses_nothing_and_everyone_reconnects",
        &["--appendonly", "yes", "--appendfsync", "always"],
        |server| {
            // SHUTDOWN writes the append-only file and exits; the same
            // port and directory bring the data back.
            let client = redis::Client::open(server.url().as_str()).unwrap();
            let mut c = client.get_connection().unwrap();
            let _: Result<(), _> = redis::cmd("SHUTDOWN").query(&mut c);
            let _ = server.child.wait();
            server.restart();
        },
    );
}

#[test]
fn a_kill_9_of_redis_with_appendfsync_always_loses_nothing_acknowledged() {
    tasks_survive(
        "a_kill_9_of_redis_with_appendfsync_always_loses_nothing_acknowledged",
        &["--appendonly", "yes", "--appendfsync", "always"],
        |server| {
            server.kill();
            server.restart();
        },
    );
}

#[test]
fn a_store_over_tls_to_a_server_with_a_self_signed_certificate() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/redis-tls");
    let cert = fixtures.join("cert.pem");
    let key_file = fixtures.join("key.pem");
    let port = free_port();
    let args: Vec<String> = [
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--save",
        "",
        "--tls-port",
        &port.to_string(),
        "--tls-cert-file",
        cert.to_str().unwrap(),
        "--tls-key-file",
        key_file.to_str().unwrap(),
        "--tls-ca-cert-file",
        cert.to_str().unwrap(),
        "--tls-auth-clients",
        "no",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let Some(_server) = OwnServer::spawn("the TLS test", port, args) else {
        return;
    };
    let root = std::fs::read(&cert).unwrap();
    let url = format!("rediss://localhost:{port}/");
    // Ready once a TLS connection goes through.
    let deadline = std::time::Instant::now() + LONG;
    let store = loop {
        match RedisStore::open_tls(&url, &root) {
            Ok(store) => break store.prefix(&prefix()),
            Err(e) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no TLS connection: {e}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let key = store.create_key();
    store
        .put(
            &key,
            Record::pending("tls", serde_json::json!([1]), store.clock().now_ms()),
        )
        .unwrap();
    assert_eq!(store.get(&key).unwrap().unwrap().function, "tls");
    // The queue works over TLS too.
    let queued: Arc<dyn ComputationStore> = Arc::new(store.clone());
    let _worker = StoreTaskReader::new(queued.clone())
        .function("redis_test::tls_echo", Runner::new(|(x,): (u64,)| x))
        .listen()
        .unwrap();
    let echo = StoreTaskWriter::<(u64,), u64>::new("redis_test::tls_echo", queued);
    assert_eq!(echo.call((9,)).join_timeout(LONG).unwrap(), 9);
    // Without the certificate, the system's roots do not vouch for it.
    let err = RedisStore::open(&url).unwrap_err();
    assert!(err.to_string().contains("redis"), "{err}");
}

#[test]
fn a_password_and_a_database_index_come_from_the_url() {
    let Some(server) = OwnServer::start(
        "a_password_and_a_database_index_come_from_the_url",
        &["--requirepass", "s3cret"],
    ) else {
        return;
    };
    let port = server.port;
    // Without the password the server refuses, and the store says so at once.
    let err = RedisStore::open(&format!("redis://127.0.0.1:{port}/")).unwrap_err();
    assert!(
        err.to_string().contains("NOAUTH") || err.to_string().contains("auth"),
        "{err}"
    );
    // The error names the server, never the password.
    let err = RedisStore::open(&format!("redis://:wrong@127.0.0.1:{port}/")).unwrap_err();
    assert!(!err.to_string().contains("wrong"), "{err}");
    let store = RedisStore::open(&format!("redis://:s3cret@127.0.0.1:{port}/3"))
        .unwrap()
        .prefix("app");
    let key = store.create_key();
    store
        .put(
            &key,
            Record::pending("f", serde_json::json!(1), store.clock().now_ms()),
        )
        .unwrap();
    // The record is in database 3, under the prefix.
    let client =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{port}/3").as_str()).unwrap();
    let mut raw = client.get_connection().unwrap();
    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("app:r:{key}"))
        .query(&mut raw)
        .unwrap();
    assert!(exists);
    let client =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{port}/0").as_str()).unwrap();
    let mut raw = client.get_connection().unwrap();
    let elsewhere: bool = redis::cmd("EXISTS")
        .arg(format!("app:r:{key}"))
        .query(&mut raw)
        .unwrap();
    assert!(!elsewhere);
}

#[test]
fn the_listing_index_follows_records_that_expire() {
    let Some(store) = store("the_listing_index_follows_records_that_expire") else {
        return;
    };
    let _cleanup = Cleanup(store.clone());
    let client = redis::Client::open(url().as_str()).unwrap();
    let mut raw = client.get_connection().unwrap();
    let index = format!("{}:idx", store.get_prefix());
    let now = store.clock().now_ms();
    // Two finished records that expire at once.
    let short: Vec<_> = (0..2)
        .map(|_| {
            let key = store.create_key();
            let mut record = Record::pending("short", serde_json::json!(null), now);
            record.ttl_ms = Some(1);
            assert!(record.complete(serde_json::json!(1), now));
            store.put(&key, record).unwrap();
            key
        })
        .collect();
    // Gone from Redis (a positive signal: EXISTS says 0), still indexed.
    let deadline = std::time::Instant::now() + LONG;
    for key in &short {
        while redis::cmd("EXISTS")
            .arg(format!("{}:r:{key}", store.get_prefix()))
            .query::<i64>(&mut raw)
            .unwrap()
            == 1
        {
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // (The second record's write may already have dropped the first.)
    let indexed: i64 = redis::cmd("ZCARD").arg(&index).query(&mut raw).unwrap();
    assert!((1..=2).contains(&indexed), "{indexed}");
    // A new record drops them from the index.
    let kept = store.create_key();
    store
        .put(
            &kept,
            Record::pending("kept", serde_json::json!(null), store.clock().now_ms()),
        )
        .unwrap();
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(&index)
        .arg(0)
        .arg(-1)
        .query(&mut raw)
        .unwrap();
    assert_eq!(members, [kept.as_str()]);
    let page = store.list_newest(None, 10).unwrap();
    assert_eq!(page.records.len(), 1);
}

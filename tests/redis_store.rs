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

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use strand_au::conformance::Suite;
use strand_au::{ComputationStore, Record, RedisStore};

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
        Ok(store) => Some(store.prefix(&prefix())),
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

/// Deletes every key of `store`'s prefix (records and heartbeats).
fn clean(store: &RedisStore) {
    for key in store.keys().unwrap_or_default() {
        let _ = store.delete(&key);
    }
    for beat in store.heartbeats().unwrap_or_default() {
        let _ = store.remove_heartbeat(&beat.owner);
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
        .put(&key, Record::pending("f", serde_json::json!([1]), 0))
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
    writer
        .update(&key, &mut |r| {
            strand_au::UpdateAction::write_if(r.complete(serde_json::json!(7), 1))
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

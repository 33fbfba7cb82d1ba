//! strand-au's store queue on `RedisStore`, end to end, with the workers
//! in other processes, against a bare loop of the same Redis commands
//! measured in the same run.
//!
//! - `throughput::queue` (arg: worker processes, 1 or 2): a
//!   `StoreTaskWriter` in this process writes N tasks (`x * 3`, a `u64`
//!   in and out) with `call`, all N in flight, then joins every handle;
//!   `StoreTaskReader`s in worker processes, on a `RedisStore` with the
//!   same URL and prefix, claim and run them. Divan's `item/s` is
//!   computations per second. Every sample gets a fresh key prefix and
//!   fresh worker processes, started and `ready` (listening) before the
//!   timer starts; afterwards the workers stop and every key under the
//!   prefix is deleted.
//! - `bare_loop::commands` (arg: threads, 1, 2 or 8, each on a
//!   connection of its own, each doing whole tasks): per task, the Redis
//!   commands that strand issues for one task (see [`bare_task`]), one
//!   round trip each, with the same Lua scripts, keys and record sizes,
//!   and pub/sub subscribers as the queue case has them (one on the
//!   changes channel, as the submitter's listener, and one per worker
//!   process on the queued channel, as each worker's: 1, or 2 for 2 and 8
//!   threads), each drained by a thread of its own. 8 threads keep enough
//!   commands in flight to make Redis the bottleneck.
//! - `bare_loop::pipelined` (arg: threads, 1 or 2): the same commands for
//!   batches of [`BATCH`] tasks, each step's commands for the whole batch
//!   in one pipeline and one claim for the batch (see [`bare_batch`]):
//!   the same work in Redis in far fewer round trips, what batching in
//!   strand could reach.
//! - `round_trip::queue`: one worker process (started once), idle between
//!   tasks, one task in flight: write, wait, read the value. One task per
//!   sample, so divan's median is the p50. `round_trip::bare_once` is one
//!   bare task, its commands one after the other.
//!
//! The stores are configured as in `queue.rs`: JSON, TTL one hour. Each
//! worker process runs the reader's default concurrency (one task per
//! core at once). The server is `STRAND_REDIS_URL` (default
//! `redis://127.0.0.1:6379/`); with no server there the benchmark says so
//! and runs nothing (unless `STRAND_REQUIRE_REDIS` is set: then it fails).
//! Keys are `strand-rbench-<pid>-<n>:...`, a fresh `<n>` per sample; they
//! are deleted after each sample and again (all of this run's) at the end.
//!
//! Worker processes are this executable run again with [`WORKER_ENV`] set
//! to the key prefix: `main` checks it before divan starts. A worker stops
//! when its stdin closes, which [`Workers`] does when dropped (and the
//! kernel does if this process dies); on a panic they are also killed.
//!
//! Run with `cargo bench -p strand-benches --bench redis`.

use std::ffi::OsStr;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, mpsc};
use std::thread;
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use strand_au::{
    ComputationStore, Heartbeat, Record, RedisStore, Runner, Serialization, StoreTaskReader,
    StoreTaskWriter, encode_record,
};
use strand_benches::on_threads;
use strand_benches::worker_processes::{Workers, ready_until_stdin_closes};

/// Set (to the key prefix) in the environment of a worker process.
const WORKER_ENV: &str = "STRAND_REDIS_BENCH_WORKER";
/// The name the tasks' function is known by.
const FUNCTION: &str = "bench::triple";
/// Tasks per throughput sample.
const N: usize = 4_000;
/// The TTL of the stores.
const TTL: Duration = Duration::from_secs(3600);
/// Worker processes (queue) or threads (pipelined bare loop) of the
/// throughput cases.
const PARALLELISM: [usize; 2] = [1, 2];
/// Threads of the bare loop: 1 and 2 as the queue's worker processes, and
/// 8, enough connections in flight to keep Redis busy.
const BARE_THREADS: [usize; 3] = [1, 2, 8];

fn triple(x: u64) -> u64 {
    x.wrapping_mul(3)
}

static URL: LazyLock<String> = LazyLock::new(|| {
    std::env::var("STRAND_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
});

static CLIENT: LazyLock<redis::Client> =
    LazyLock::new(|| redis::Client::open(URL.as_str()).expect("a Redis URL"));

fn connection() -> redis::Connection {
    CLIENT
        .get_connection_with_timeout(Duration::from_secs(5))
        .expect("cannot connect to Redis")
}

fn store(prefix: &str) -> Arc<dyn ComputationStore> {
    Arc::new(
        RedisStore::open(&URL)
            .expect("cannot open the RedisStore")
            .prefix(prefix)
            .ttl(TTL),
    )
}

fn writer(prefix: &str) -> StoreTaskWriter<u64, u64> {
    StoreTaskWriter::new(FUNCTION, store(prefix))
}

/// The prefix of every key of this run.
fn run_prefix() -> String {
    format!("strand-rbench-{}", std::process::id())
}

/// Deletes every key matching `pattern`; how many.
fn delete_keys(pattern: &str) -> redis::RedisResult<usize> {
    let mut c = CLIENT.get_connection_with_timeout(Duration::from_secs(5))?;
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query(&mut c)?;
        if !batch.is_empty() {
            deleted += redis::cmd("UNLINK").arg(&batch).query::<usize>(&mut c)?;
        }
        if next == 0 {
            return Ok(deleted);
        }
        cursor = next;
    }
}

/// A key prefix of its own; every key under it is deleted on drop.
struct Prefix(String);

impl Prefix {
    fn new() -> Prefix {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Prefix(format!(
            "{}-{}",
            run_prefix(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ))
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        if let Err(e) = delete_keys(&format!("{}:*", self.0)) {
            eprintln!("cannot delete the keys under {}: {e}", self.0);
        }
    }
}

/// Starts `n` workers on the store under `prefix` (this run's server).
fn start_workers(prefix: &str, n: usize) -> Workers {
    let env = [
        (WORKER_ENV, OsStr::new(prefix)),
        ("STRAND_REDIS_URL", OsStr::new(URL.as_str())),
    ];
    Workers::start(&env, n)
}

/// The worker process: serves the default queue of the store under
/// `prefix` until its stdin closes, then stops (waiting for the tasks it
/// holds).
fn worker_main(prefix: &str) {
    let reader = StoreTaskReader::new(store(prefix))
        .function(FUNCTION, Runner::new(triple))
        .listen()
        .expect("the worker cannot listen");
    ready_until_stdin_closes();
    reader.stop();
}

fn main() {
    if let Some(prefix) = std::env::var_os(WORKER_ENV) {
        worker_main(&prefix.to_string_lossy());
        return;
    }
    let reachable = CLIENT
        .get_connection_with_timeout(Duration::from_secs(2))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
    if let Err(e) = reachable {
        if std::env::var_os("STRAND_REQUIRE_REDIS").is_some() {
            panic!(
                "no Redis at {} ({e}), and STRAND_REQUIRE_REDIS is set",
                *URL
            );
        }
        eprintln!(
            "no Redis at {} ({e}): nothing measured. Start one with \
             `redis-server --daemonize yes --port 6379 --save \"\"` or set STRAND_REDIS_URL",
            *URL
        );
        return;
    }
    LazyLock::force(&RECORDS);
    divan::main();
    // Whatever a sample left behind (one that panicked, say).
    let _ = delete_keys(&format!("{}-*", run_prefix()));
}

/// One throughput sample of the queue: its workers, the writer and the
/// prefix, dropped in this order (the workers stop before the keys go).
struct QueueCase {
    _workers: Workers,
    writer: StoreTaskWriter<u64, u64>,
    _prefix: Prefix,
}

/// Writes `n` tasks, then joins every handle.
fn call_and_join_all(writer: &StoreTaskWriter<u64, u64>, n: usize) -> u64 {
    let handles: Vec<_> = (0..n as u64).map(|i| writer.call(black_box(i))).collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a task failed"))
        .fold(0, u64::wrapping_add)
}

mod throughput {
    use super::*;

    /// The queue on Redis with this many worker processes.
    #[divan::bench(args = PARALLELISM, sample_count = 10, sample_size = 1)]
    fn queue(bencher: Bencher<'_, '_>, workers: usize) {
        bencher
            .counter(ItemsCount::new(N))
            .with_inputs(|| {
                let prefix = Prefix::new();
                QueueCase {
                    _workers: start_workers(&prefix.0, workers),
                    writer: writer(&prefix.0),
                    _prefix: prefix,
                }
            })
            .bench_local_refs(|case| call_and_join_all(&case.writer, N));
    }
}

/// The compare-and-set script of `RedisStore` (the file the store includes,
/// so the same work in Redis).
const CAS: &str = include_str!("../strand-au/src/store/redis/cas.lua");

/// The claim script of `RedisStore` (the file the store includes): it
/// returns each entry taken with its task's record.
const CLAIM: &str = include_str!("../strand-au/src/store/redis/claim.lua");

static CAS_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(CAS));
static CLAIM_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(CLAIM));

/// An owner tag as long as a worker's.
const OWNER: &str = "pid-4242424-0123abcd";
/// The expiry the store sets on these records (its TTL, in ms).
const EXPIRY_MS: u64 = 3_600_000;
/// The creation time of the bare loop's records (the listing index's score).
const CREATED_AT: u64 = 1_764_000_000_000;

/// The three records of a queued task (`Pending` with its queue entry,
/// `Running` owned by a worker, `Completed`) and a worker's heartbeat,
/// encoded as the store encodes them, so that the bare loop moves as many
/// bytes as the queue.
static RECORDS: LazyLock<[Vec<u8>; 4]> = LazyLock::new(|| {
    let now = CREATED_AT;
    let ttl = Some(TTL);
    let (_, entry) = names(4_999, now);
    let mut record = Record::pending(FUNCTION, serde_json::json!(4_999u64), now);
    record.queue = Some("default".to_owned());
    record.queue_entry = Some(entry);
    record.stamp(0, now, ttl);
    let pending = encode_record(Serialization::Json, &record).unwrap();
    record.start(OWNER, now, 30_000);
    record.stamp(1, now, ttl);
    let running = encode_record(Serialization::Json, &record).unwrap();
    record.complete(serde_json::json!(14_997u64), now);
    record.stamp(2, now, ttl);
    let completed = encode_record(Serialization::Json, &record).unwrap();
    let mut beat = Heartbeat::new(OWNER, now, 30_000);
    beat.queues = vec!["default".to_owned()];
    let beat = serde_json::to_vec(&beat).unwrap();
    [pending, running, completed, beat]
});

/// The key of task `i` (32 hex digits, as `Key::random`) and its queue
/// entry's name (16 hex digits of rank: the time in ms shifted left by 20
/// bits, plus a sequence number; `-`; the key).
fn names(i: u64, now_ms: u64) -> (String, String) {
    let key = format!("{:016x}{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i);
    let entry = format!("{:016x}-{key}", (now_ms << 20) + (i & 0xf_ffff));
    (key, entry)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The keys and channels of a bare loop's thread, named as the store
/// names them under its prefix. Each thread has a queue of its own, so
/// that a claim takes that thread's entry and no other.
struct BareKeys {
    prefix: String,
    changes: String,
    queued: String,
    waiting: String,
    claimed: String,
    queue: String,
    heartbeat: String,
    /// The listing index, and the prefix of the records' keys.
    index: String,
    records: String,
    /// The placeholders a write that moves no entry names (as the store).
    no_waiting: String,
    no_claimed: String,
}

impl BareKeys {
    fn new(prefix: &str, thread: usize) -> BareKeys {
        let queue = format!("bare{thread}");
        BareKeys {
            prefix: prefix.to_owned(),
            changes: format!("{prefix}:changes"),
            queued: format!("{prefix}:queued"),
            waiting: format!("{prefix}:q:{queue}"),
            claimed: format!("{prefix}:c:{queue}"),
            queue,
            heartbeat: format!("{prefix}:h:{OWNER}"),
            index: format!("{prefix}:idx"),
            records: format!("{prefix}:r:"),
            no_waiting: format!("{prefix}:q"),
            no_claimed: format!("{prefix}:c"),
        }
    }
}

/// One compare-and-set, with the arguments `RedisStore::compare_and_set`
/// gives the script.
#[allow(clippy::too_many_arguments)]
fn cas_call(
    k: &BareKeys,
    record: &str,
    key: &str,
    current: &[u8],
    next: &[u8],
    op: &str,
    entry: &str,
) -> redis::ScriptInvocation<'static> {
    let moves = !op.is_empty();
    let mut call = CAS_SCRIPT.prepare_invoke();
    call.key(record)
        .key(&k.changes)
        .key(if moves { &k.waiting } else { &k.no_waiting })
        .key(if moves { &k.claimed } else { &k.no_claimed })
        .key(&k.queued)
        .key(&k.index)
        .arg(current)
        .arg(next)
        .arg(EXPIRY_MS)
        .arg(key)
        .arg(op)
        .arg(entry)
        .arg(if moves { k.queue.as_str() } else { "" })
        .arg(CREATED_AT)
        .arg(&k.records);
    call
}

/// [`cas_call`], run.
#[allow(clippy::too_many_arguments)]
fn cas(
    c: &mut redis::Connection,
    k: &BareKeys,
    record: &str,
    key: &str,
    current: &[u8],
    next: &[u8],
    op: &str,
    entry: &str,
) -> redis::RedisResult<i64> {
    cas_call(k, record, key, current, next, op, entry).invoke(c)
}

/// The claim of up to `want` entries of `k`'s queue, as `RedisStore::claim`
/// calls the script (`request`: the claim's own key).
fn claim_call(
    k: &BareKeys,
    now: u64,
    request: &str,
    want: usize,
) -> redis::ScriptInvocation<'static> {
    let mut call = CLAIM_SCRIPT.prepare_invoke();
    call.key(&k.waiting)
        .key(&k.claimed)
        .key(request)
        .arg(format!("({:016x}", (now + 1) << 20))
        .arg(want)
        .arg(OWNER)
        .arg(format!("{}:r:", k.prefix));
    call
}

fn get(c: &mut redis::Connection, name: &str) -> redis::RedisResult<Option<Vec<u8>>> {
    redis::cmd("GET").arg(name).query(c)
}

/// The Redis commands of one queued task on a `RedisStore` (counted from
/// `store/redis.rs`, `queue/writer.rs`, `queue/completions.rs`,
/// `queue/reader.rs`, `job.rs`, `context.rs` and `store/heartbeat.rs`),
/// in the order they happen, one round trip each, without encoding,
/// decoding, threads, processes or wake-ups:
///
/// 1. write (`enqueue`): `EVALSHA` of the compare-and-set script writing
///    `Pending` where no record is, op `add` (in Redis: `GET`, `SET PX`,
///    `HDEL`, `ZADD`, `PUBLISH` on the queued channel and on the changes
///    channel); the store's first try takes a fresh key to be free and
///    does not read it first;
/// 2. the submitter's first look (`completions::watch` looks at once):
///    `GET`;
/// 3. claim: `EVALSHA` of the claim script, which takes the entry and
///    returns it with its record (`GET` of the claim's own key,
///    `ZRANGEBYLEX`, `ZREM`, `HSET`, `SET PX` of the answer, `GET` of the
///    record);
/// 4. the claim's write (`claim_entry`), on the bytes the claim returned:
///    `EVALSHA` of the compare-and-set writing `Running` (`GET`, `SET PX`,
///    `PUBLISH`);
/// 5. the submitter's look on that change (`get`): `GET` the record, and,
///    the record being owned by another process, `GET` its heartbeat;
/// 6. run (`Job::run`'s first read): `GET`;
/// 7. complete (`write_outcome`, an `update`), on the `Running` bytes the
///    claim wrote: `EVALSHA` of the compare-and-set writing `Completed`,
///    op `remove` (`GET`, `SET PX`, `ZREM`, `HDEL`, `PUBLISH`);
/// 8. the submitter's look on that change: `GET`, the value.
///
/// That is 9 round trips: 5 `GET`s and 4 `EVALSHA`s (3 compare-and-sets,
/// 1 claim), with 4 `PUBLISH`es inside them. Not counted, strand's own
/// overhead: the claims that find nothing (a worker claims again after
/// each task it takes and each it finishes, and every worker is woken by
/// every task queued), the submitter's look at its own `Pending` write
/// and its looks on its backoff timer, heartbeat writes, the recovery
/// sweeps. The submitter's looks can also be fewer than counted: its
/// completion thread reads a record once for all the changes that came
/// in since its last look.
fn bare_task(c: &mut redis::Connection, k: &BareKeys, i: u64) -> redis::RedisResult<usize> {
    let [pending, running, completed, _] = &*RECORDS;
    let now = now_ms();
    let (key, entry) = names(i, now);
    let record = format!("{}:r:{key}", k.prefix);
    let mut total = 0;
    // 1. enqueue
    let written = cas(c, k, &record, &key, &[], pending, "add", &entry)?;
    assert_eq!(written, 1);
    // 2. the submitter's first look
    total += get(c, &record)?.map_or(0, |b| b.len());
    // 3. claim, with the record
    let request = format!("{}:claiming:{i:032x}", k.prefix);
    let taken: Vec<(String, Vec<u8>)> = claim_call(k, now, &request, 2).invoke(c)?;
    assert_eq!(taken.len(), 1);
    total += taken[0].1.len();
    // 4. the claim's write
    assert_eq!(cas(c, k, &record, &key, pending, running, "", "")?, 1);
    // 5. the submitter's look at `Running`, and the owner's heartbeat
    total += get(c, &record)?.map_or(0, |b| b.len());
    total += get(c, &k.heartbeat)?.map_or(0, |b| b.len());
    // 6. run
    total += get(c, &record)?.map_or(0, |b| b.len());
    // 7. complete
    assert_eq!(
        cas(c, k, &record, &key, running, completed, "remove", &entry)?,
        1
    );
    // 8. the submitter reads the value
    total += get(c, &record)?.map_or(0, |b| b.len());
    Ok(total)
}

/// Tasks per batch of the pipelined bare loop.
const BATCH: usize = 64;

/// The commands of [`bare_task`] for `count` tasks from `first` on, each
/// step's commands for all of them in one pipeline (one round trip), and
/// one claim taking all their entries: the same work in Redis, 8 round
/// trips per batch instead of 9 per task.
fn bare_batch(
    c: &mut redis::Connection,
    k: &BareKeys,
    first: u64,
    count: usize,
) -> redis::RedisResult<usize> {
    let [pending, running, completed, _] = &*RECORDS;
    let now = now_ms();
    let tasks: Vec<(String, String, String)> = (first..first + count as u64)
        .map(|i| {
            let (key, entry) = names(i, now);
            let record = format!("{}:r:{key}", k.prefix);
            (key, entry, record)
        })
        .collect();
    let cas_all = |c: &mut redis::Connection, from: &[u8], to: &[u8], op: &str| {
        let mut p = redis::pipe();
        for (key, entry, record) in &tasks {
            let entry = if op.is_empty() { "" } else { entry.as_str() };
            p.invoke_script(&cas_call(k, record, key, from, to, op, entry));
        }
        let written: Vec<i64> = p.query(c)?;
        assert!(written.iter().all(|&w| w == 1));
        Ok::<(), redis::RedisError>(())
    };
    let get_all = |c: &mut redis::Connection, heartbeat: bool| {
        let mut p = redis::pipe();
        for (_, _, record) in &tasks {
            p.cmd("GET").arg(record);
            if heartbeat {
                p.cmd("GET").arg(&k.heartbeat);
            }
        }
        let read: Vec<Option<Vec<u8>>> = p.query(c)?;
        Ok::<usize, redis::RedisError>(read.iter().flatten().map(Vec::len).sum())
    };
    let mut total = 0;
    // 1. enqueue
    cas_all(c, &[], pending, "add")?;
    // 2. the submitter's first looks
    total += get_all(c, false)?;
    // 3. one claim of them all, with their records
    let request = format!("{}:claiming:{first:032x}", k.prefix);
    let taken: Vec<(String, Vec<u8>)> = claim_call(k, now, &request, count).invoke(c)?;
    assert_eq!(taken.len(), count);
    total += taken.iter().map(|(_, r)| r.len()).sum::<usize>();
    // 4. the claims' writes
    cas_all(c, pending, running, "")?;
    // 5. the submitter's looks at `Running`, with the heartbeat
    total += get_all(c, true)?;
    // 6. the runs' first reads
    total += get_all(c, false)?;
    // 7. complete
    cas_all(c, running, completed, "remove")?;
    // 8. the submitter reads the values
    total += get_all(c, false)?;
    Ok(total)
}

/// Pub/sub connections on the store's channels, each drained by a
/// thread of its own, as each process of the queue case has its listener:
/// the submitter's on the changes channel, each worker's on the queued
/// channel.
struct Subscribers {
    stop: Arc<AtomicBool>,
    threads: Vec<thread::JoinHandle<u64>>,
}

impl Subscribers {
    /// One subscriber on the changes channel and `workers` on the queued
    /// one, each subscribed when this returns.
    fn start(prefix: &str, workers: usize) -> Subscribers {
        let stop = Arc::new(AtomicBool::new(false));
        let (subscribed, confirmations) = mpsc::channel();
        let n = workers + 1;
        let threads = (0..n)
            .map(|i| {
                let channel = if i == 0 {
                    format!("{prefix}:changes")
                } else {
                    format!("{prefix}:queued")
                };
                let stop = stop.clone();
                let subscribed = subscribed.clone();
                thread::spawn(move || {
                    let mut c = connection();
                    c.set_read_timeout(Some(Duration::from_millis(50)))
                        .expect("a read timeout");
                    let mut pubsub = c.as_pubsub();
                    pubsub.subscribe(&channel).expect("cannot subscribe");
                    subscribed.send(()).expect("the bench is waiting");
                    let mut messages = 0;
                    while !stop.load(Ordering::Relaxed) {
                        match pubsub.get_message() {
                            Ok(message) => {
                                black_box(message.get_payload_bytes());
                                messages += 1;
                            }
                            Err(e) if e.is_timeout() => {}
                            Err(e) => panic!("a subscriber lost its connection: {e}"),
                        }
                    }
                    messages
                })
            })
            .collect();
        for _ in 0..n {
            confirmations
                .recv()
                .expect("a subscriber thread ended before it subscribed");
        }
        Subscribers { stop, threads }
    }
}

impl Drop for Subscribers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// What a bare loop's sample needs: a connection per thread (the scripts
/// loaded, so `EVALSHA` finds them), the heartbeat the submitter reads,
/// the subscribers, the prefix (dropped last: its keys go).
struct BareCase {
    connections: Vec<(redis::Connection, BareKeys)>,
    _subscribers: Subscribers,
    _prefix: Prefix,
}

impl BareCase {
    fn new(threads: usize) -> BareCase {
        let prefix = Prefix::new();
        let [.., beat] = &*RECORDS;
        let connections: Vec<_> = (0..threads)
            .map(|t| {
                let mut c = connection();
                CAS_SCRIPT.load(&mut c).expect("cannot load a script");
                CLAIM_SCRIPT.load(&mut c).expect("cannot load a script");
                (c, BareKeys::new(&prefix.0, t))
            })
            .collect();
        let mut c = connection();
        redis::cmd("SET")
            .arg(format!("{}:h:{OWNER}", prefix.0))
            .arg(beat)
            .arg("PX")
            .arg(EXPIRY_MS)
            .query::<()>(&mut c)
            .expect("cannot write the heartbeat");
        BareCase {
            connections,
            // As many as the queue case with as many worker processes,
            // or with 2 for more threads.
            _subscribers: Subscribers::start(&prefix.0, threads.min(2)),
            _prefix: prefix,
        }
    }
}

mod bare_loop {
    use super::*;

    /// `N` bare tasks split over this many threads (each with its own
    /// connection), each doing whole tasks.
    #[divan::bench(args = BARE_THREADS, sample_count = 10, sample_size = 1)]
    fn commands(bencher: Bencher<'_, '_>, threads: usize) {
        bencher
            .counter(ItemsCount::new(N))
            .with_inputs(|| BareCase::new(threads))
            .bench_local_refs(|case| {
                on_threads(case.connections.iter_mut(), |t, (c, keys)| {
                    (t as u64..N as u64)
                        .step_by(threads)
                        .map(|i| bare_task(c, keys, i).unwrap())
                        .sum()
                })
            });
    }

    /// `N` bare tasks in batches of [`BATCH`], pipelined (see
    /// [`bare_batch`]), split over this many threads.
    #[divan::bench(args = PARALLELISM, sample_count = 10, sample_size = 1)]
    fn pipelined(bencher: Bencher<'_, '_>, threads: usize) {
        bencher
            .counter(ItemsCount::new(N))
            .with_inputs(|| BareCase::new(threads))
            .bench_local_refs(|case| {
                on_threads(case.connections.iter_mut(), |t, (c, keys)| {
                    (t * BATCH..N)
                        .step_by(threads * BATCH)
                        .map(|first| {
                            let count = BATCH.min(N - first);
                            bare_batch(c, keys, first as u64, count).unwrap()
                        })
                        .sum()
                })
            });
    }
}

mod round_trip {
    use super::*;

    /// One task in flight, one worker process, a store kept for the whole
    /// benchmark.
    #[divan::bench(sample_count = 1000, sample_size = 1)]
    fn queue(bencher: Bencher<'_, '_>) {
        let prefix = Prefix::new();
        let workers = start_workers(&prefix.0, 1);
        let writer = writer(&prefix.0);
        bencher.bench_local(|| writer.call(black_box(7)).join().expect("the task failed"));
        drop(workers);
        drop(writer);
        drop(prefix);
    }

    /// The bare commands of one task, one after the other.
    #[divan::bench(sample_count = 1000, sample_size = 1)]
    fn bare_once(bencher: Bencher<'_, '_>) {
        let mut case = BareCase::new(1);
        let (c, keys) = &mut case.connections[0];
        let mut i = 0;
        bencher.bench_local(|| {
            i += 1;
            bare_task(c, keys, i).unwrap()
        });
    }
}

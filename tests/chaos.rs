//! Bounded chaos, run by `.ci/run` (`cargo test -p strand-tests --test chaos
//! -- --ignored --nocapture --test-threads=1`): workers and launchers killed
//! with SIGKILL while computations run, counted, never timed. Each test
//! prints its counts (completed / failed, by reason / unfinished / lost) and
//! asserts that nothing is unfinished and nothing is lost: every
//! computation ends with a value or a failure that says why, and every join
//! returns.
//!
//! The kills follow a fixed seed (`STRAND_CHAOS_SEED` overrides it; the seed
//! is printed, so a failure replays); their moments still depend on the
//! machine, so the counts vary from run to run, the assertions never.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use strand_au::{
    ComputationError, ComputationHandle, ComputationStore, FileSystemStore, MemoryStore,
    async_compute,
};

/// How many computations each test runs.
const COUNT: u32 = 500;
/// Only guards against a hang: a join that takes this long is "unfinished".
const HANG: Duration = Duration::from_secs(60);

static STORE: LazyLock<Arc<MemoryStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));

#[async_compute(backend = process_pool(2), store = STORE.clone())]
fn pooled(x: u32) -> u32 {
    std::thread::sleep(Duration::from_millis(5));
    x * 2
}

#[async_compute(backend = process, store = STORE.clone())]
fn fresh(x: u32) -> u32 {
    x * 2
}

fn seed() -> u64 {
    std::env::var("STRAND_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_c4a0_5eed_c4a0)
}

/// splitmix64: a small, fixed, seeded sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The pids of this process's children that run this test binary (the
/// worker processes), from `/proc`.
fn worker_children() -> Vec<i32> {
    let me = std::process::id() as i32;
    let exe = std::env::current_exe().unwrap();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let ppid: i32 = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let same_exe = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == exe);
        if ppid == me && state != "Z" && same_exe {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// Kills one worker child every 50 to 150 ms (seeded) until stopped;
/// returns how many it killed.
fn killer(rng: &mut Rng, stop: &AtomicBool) -> usize {
    let mut killed = 0;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50 + rng.below(101)));
        let children = worker_children();
        if children.is_empty() {
            continue;
        }
        let pid = children[rng.below(children.len() as u64) as usize];
        // SAFETY: a plain kill(2) of a child of this process, running this
        // binary as a worker.
        if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
            killed += 1;
        }
    }
    killed
}

/// What became of the computations.
#[derive(Default, Debug)]
struct Counts {
    completed: usize,
    failed: BTreeMap<String, usize>,
    unfinished: usize,
    lost: usize,
}

impl Counts {
    fn add(&mut self, x: u32, outcome: Result<u32, ComputationError>) {
        match outcome {
            Ok(v) if v == x * 2 => self.completed += 1,
            Ok(_) => self.lost += 1, // a wrong value: someone else's result
            Err(e) if e.is_wait_timeout() || e.is_not_ready() => self.unfinished += 1,
            Err(e) if e.is_unknown_key() || e.is_decode() => self.lost += 1,
            Err(e) => *self.failed.entry(reason(&e)).or_default() += 1,
        }
    }

    fn report(&self, what: &str, seed: u64, kills: usize) {
        println!(
            "chaos {what} (seed {seed}, {kills} kills): {} completed, failed {:?}, {} unfinished, {} lost",
            self.completed, self.failed, self.unfinished, self.lost
        );
        assert_eq!(self.unfinished, 0, "{what}: unfinished computations");
        assert_eq!(self.lost, 0, "{what}: lost computations");
    }
}

fn reason(e: &ComputationError) -> String {
    if e.is_worker_lost() {
        "worker lost".into()
    } else if e.is_panic() {
        "panicked".into()
    } else if e.is_failed() {
        "returned an error".into()
    } else if e.is_store() {
        "store error".into()
    } else {
        e.to_string()
    }
}

fn with_killer(run: impl FnOnce() -> Counts) -> (Counts, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut rng = Rng(seed());
    let killing = {
        let stop = stop.clone();
        std::thread::spawn(move || killer(&mut rng, &stop))
    };
    let counts = run();
    stop.store(true, Ordering::SeqCst);
    (counts, killing.join().unwrap())
}

#[test]
#[ignore = "chaos: run by .ci/run (`--ignored`)"]
fn kill_process_pool_workers() {
    let (counts, kills) = with_killer(|| {
        let handles: Vec<_> = (0..COUNT).map(|x| (x, pooled(x))).collect();
        let mut counts = Counts::default();
        for (x, h) in handles {
            counts.add(x, h.join_timeout(HANG));
        }
        counts
    });
    counts.report("process_pool(2) workers killed", seed(), kills);
    assert!(kills > 0, "the killer never found a worker");
}

#[test]
#[ignore = "chaos: run by .ci/run (`--ignored`)"]
fn kill_process_backend_children() {
    let (counts, kills) = with_killer(|| {
        let mut counts = Counts::default();
        // In batches, so that children are alive to be killed.
        for batch in (0..COUNT).collect::<Vec<_>>().chunks(25) {
            let handles: Vec<_> = batch.iter().map(|&x| (x, fresh(x))).collect();
            for (x, h) in handles {
                counts.add(x, h.join_timeout(HANG));
            }
        }
        counts
    });
    counts.report("process children killed", seed(), kills);
}

/// Kills `au_launcher` (tests/bin/au_launcher.rs) at a seeded moment while
/// it launches computations of 1 ms onto a file-system store, then joins
/// every record it left.
#[test]
#[ignore = "chaos: run by .ci/run (`--ignored`)"]
fn kill_the_launcher() {
    let mut rng = Rng(seed());
    let mut total = Counts::default();
    let mut records = 0;
    for backend in ["thread", "pool"] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_au_launcher"))
            .arg(dir.path())
            .arg(backend)
            .arg("1000")
            .arg(COUNT.to_string())
            .arg("1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        std::thread::sleep(Duration::from_millis(20 + rng.below(200)));
        child.kill().unwrap();
        child.wait().unwrap();
        let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir.path()));
        for key in store.keys().unwrap() {
            records += 1;
            let x: u32 = store.load(&key).unwrap().unwrap().args.as_u64().unwrap() as u32;
            let h = ComputationHandle::<u32>::from_key(key, store.clone());
            total.add(x, h.join_timeout(HANG));
        }
    }
    println!("chaos launcher: {records} records left by two killed launchers");
    total.report("launcher killed", seed(), 2);
}

/// Three worker processes on one Redis queue, 2,000 tasks, one worker
/// killed (SIGKILL) every 150 to 250 ms and a new one started in its
/// place: every task ends completed, or failed "worker lost" after its
/// attempts; none unfinished, none lost. A task runs more than once only
/// when a worker died holding it: there are at most as many such tasks as
/// kills times what a worker holds (its concurrency, 2). Skips, saying so,
/// without a Redis server (`.ci/run` starts one).
#[test]
#[ignore = "chaos: run by .ci/run (`--ignored`)"]
fn kill_redis_queue_workers() {
    use strand_au::{RedisStore, StoreTaskWriter};

    const TASKS: u64 = 2_000;
    let url =
        std::env::var("STRAND_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    let store = match RedisStore::open(&url) {
        Ok(store) => store,
        Err(e) if std::env::var_os("STRAND_REQUIRE_REDIS").is_some() => {
            panic!("no Redis at {url} ({e}), and STRAND_REQUIRE_REDIS is set")
        }
        Err(e) => {
            eprintln!("skipping kill_redis_queue_workers: no Redis at {url} ({e})");
            return;
        }
    };
    let prefix = format!("strand-chaos-{}", std::process::id());
    let store: Arc<dyn ComputationStore> =
        Arc::new(store.prefix(&prefix).ttl(Duration::from_secs(3600)));
    let dir = tempfile::tempdir().unwrap();
    let spawn = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_queue_worker"))
            .args([dir.path().to_str().unwrap(), "2", "1500", "2000"])
            .env("QUEUE_WORKER_REDIS", format!("{url}|{prefix}"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready once it says so; its stdout stays open (read or not) while
        // it lives, so its last words do not meet a closed pipe.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with("ready"), "{line}");
        (child, stdout)
    };
    let mut workers: Vec<_> = (0..3).map(|_| spawn()).collect();

    let sleepy = StoreTaskWriter::<(u64, u64), u64>::new("queue_test::sleepy", store.clone());
    let handles: Vec<_> = (0..TASKS).map(|id| sleepy.call((id, 5))).collect();

    let mut rng = Rng(seed());
    let mut kills = 0;
    let mut outcomes = Vec::new();
    let mut handles = handles.into_iter().enumerate().peekable();
    while handles.peek().is_some() {
        // Join what finished, a kill's interval at most.
        let pause = Duration::from_millis(150 + rng.below(101));
        let until = std::time::Instant::now() + pause;
        while let Some((_, handle)) = handles.peek() {
            if !handle.is_finished() && std::time::Instant::now() >= until {
                break;
            }
            if handle.is_finished() {
                let (id, handle) = handles.next().unwrap();
                outcomes.push((id as u64, handle.join()));
            } else {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        if handles.peek().is_none() {
            break;
        }
        let victim = rng.below(workers.len() as u64) as usize;
        let (mut dead, _stdout) = workers.swap_remove(victim);
        let _ = dead.kill();
        let _ = dead.wait();
        kills += 1;
        workers.push(spawn());
        assert!(kills < 10_000, "the tasks never finish");
    }
    for (mut worker, mut stdout) in workers {
        // SAFETY: a plain kill(2) of a child of this process.
        unsafe { libc::kill(worker.id() as i32, libc::SIGTERM) };
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        let _ = worker.wait();
    }

    let (mut completed, mut lost_workers, mut other) = (0, 0, Vec::new());
    for (id, outcome) in &outcomes {
        match outcome {
            Ok(value) if value == id => completed += 1,
            Err(e) if e.to_string().contains("worker lost") => lost_workers += 1,
            other_outcome => other.push((*id, format!("{other_outcome:?}"))),
        }
    }
    let runs = dir.path().join("runs");
    let mut per_task = BTreeMap::<u64, usize>::new();
    for entry in std::fs::read_dir(&runs).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.split('-').next().and_then(|i| i.parse().ok()) {
            *per_task.entry(id).or_default() += 1;
        }
    }
    let again = per_task.values().filter(|n| **n > 1).count();
    println!(
        "chaos redis queue (seed {}, {kills} kills): {completed} completed, {lost_workers} failed worker lost, {} other, {again} tasks ran more than once",
        seed(),
        other.len()
    );
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(completed + lost_workers, TASKS as usize);
    assert!(
        again <= kills * 2,
        "{again} tasks ran again after {kills} kills"
    );
    // Nothing left behind in the queue.
    let stats = store.queue_stats("default").unwrap();
    assert_eq!(
        (stats.ready, stats.delayed, stats.claimed),
        (0, 0, 0),
        "{stats:?}"
    );
    drop(store);
    if let Ok(client) = redis::Client::open(url.as_str())
        && let Ok(mut c) = client.get_connection()
    {
        let names: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}:*"))
            .query(&mut c)
            .unwrap_or_default();
        for name in names {
            let _: Result<(), _> = redis::cmd("DEL").arg(name).query(&mut c);
        }
    }
}

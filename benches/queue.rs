//! strand-au's store queue on `FileSystemStore`, end to end, with the
//! workers in other processes: a `StoreTaskWriter` in this process writes
//! tasks, `StoreTaskReader`s in worker processes claim and run them, and
//! the handles here learn the values from the store. Against baselines
//! measured in the same run.
//!
//! - `throughput::{tmpfs,disk}_queue`: write N tasks with
//!   `StoreTaskWriter::call` (all N in flight), then join every handle,
//!   with 1, 2 or 4 worker processes on the store's directory. Divan's
//!   throughput column (`item/s`) is tasks per second. Every sample gets a
//!   fresh directory and fresh worker processes: they are started, and
//!   each has printed `ready` (its reader listens), before the timer
//!   starts, and they are stopped after it ends. A worker is ready 1 to 2
//!   ms after it is spawned, outside the timed region, and in exchange no
//!   sample finds the records, entries and heartbeats of the samples
//!   before it, nor workers holding state (the entries they learnt from
//!   inotify) that an earlier sample left.
//! - `throughput::{tmpfs,disk}_pool`: the same N tasks as computations on
//!   `PoolBackend` (one worker thread per core) in this process, on a
//!   `FileSystemStore` in the same file system: what `#[async_compute]`
//!   does, without a queue and without other processes.
//! - `fs_baseline::{tmpfs,disk}`: a bare loop doing per task the file
//!   operations the queue does (see [`bare_task`]), over 1, 2 or 4
//!   threads, each thread doing whole tasks.
//! - `round_trip::{tmpfs,disk}_queue`: one task in flight, one worker
//!   process (started once for the whole benchmark), idle between tasks:
//!   write, wait, read the value. One task per sample, so divan's median
//!   is the p50. `*_fs_ops_once` is the bare
//!   file operations of one task, one at a time.
//!
//! `disk` is the system temp dir (ext4 on the reference machine), `tmpfs`
//! is `/dev/shm`. The stores are configured as in `au.rs`: JSON, TTL one
//! hour (so the amortised auto-cleanup runs), no fsync. Each worker process
//! runs the reader's default concurrency (one task per core at once).
//!
//! Worker processes are this executable run again with [`WORKER_ENV`] set
//! to the store's directory: `main` checks it before divan starts. A worker
//! stops when its stdin closes, which [`Workers`] does when dropped (and
//! the kernel does if this process dies); on a panic they are also killed.
//!
//! Run with `cargo bench -p strand-benches --bench queue`.

use std::fs::{self, File, OpenOptions};
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread;
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use strand_au::{
    Computation, ComputationBackend, ComputationStore, FileSystemStore, PoolBackend, Record,
    Runner, Serialization, StoreTaskReader, StoreTaskWriter, encode_record,
};
use strand_benches::on_threads;
use strand_benches::worker_processes::{Workers, ready_until_stdin_closes};

/// Set (to the store's directory) in the environment of a worker process.
pub(crate) const WORKER_ENV: &str = "STRAND_QUEUE_BENCH_WORKER";
/// The name the tasks' function is known by.
const FUNCTION: &str = "bench::triple";
/// Tasks per throughput sample on tmpfs.
pub(crate) const N_TMPFS: usize = 2_000;
/// Tasks per throughput sample on disk.
const N_DISK: usize = 500;
/// The TTL of the stores.
const TTL: Duration = Duration::from_secs(3600);
/// Worker processes (queue) or threads (bare loop) of the throughput cases.
pub(crate) const PARALLELISM: [usize; 3] = [1, 2, 4];

fn triple(x: u64) -> u64 {
    x.wrapping_mul(3)
}

fn fs_store(dir: &Path) -> Arc<dyn ComputationStore> {
    Arc::new(FileSystemStore::new(dir).ttl(TTL))
}

pub(crate) fn writer(dir: &Path) -> StoreTaskWriter<u64, u64> {
    StoreTaskWriter::new(FUNCTION, fs_store(dir))
}

/// Where the file-system cases put their directories, one base per run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fs {
    /// The system temp dir (ext4 on the reference machine).
    Disk,
    /// `/dev/shm`.
    Tmpfs,
}

static DISK_BASE: LazyLock<PathBuf> = LazyLock::new(|| {
    std::env::temp_dir().join(format!("strand-queue-bench-{}", std::process::id()))
});
static TMPFS_BASE: LazyLock<PathBuf> = LazyLock::new(|| {
    PathBuf::from(format!(
        "/dev/shm/strand-queue-bench-{}",
        std::process::id()
    ))
});

impl Fs {
    pub(crate) fn base(self) -> &'static Path {
        match self {
            Fs::Disk => &DISK_BASE,
            Fs::Tmpfs => &TMPFS_BASE,
        }
    }
}

/// A fresh directory. On tmpfs it is removed on drop (outside the timed
/// region); on disk only at the end of the run, with the base directory,
/// for the reason given in `au.rs`: ext4 is slower to allocate inodes
/// right after many were freed, so deleting a sample's files would slow
/// down whichever disk case runs next.
pub(crate) struct FreshDir(pub(crate) PathBuf, Fs);

impl FreshDir {
    pub(crate) fn new(fs: Fs) -> FreshDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = fs
            .base()
            .join(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
        fs::create_dir_all(&dir).expect("cannot create a bench directory");
        FreshDir(dir, fs)
    }
}

impl Drop for FreshDir {
    fn drop(&mut self) {
        if let Fs::Tmpfs = self.1 {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// The worker process: serves the default queue of the store at `dir`
/// until its stdin closes, then stops (waiting for the tasks it holds).
pub(crate) fn worker_main(dir: &Path) {
    let reader = StoreTaskReader::new(fs_store(dir))
        .function(FUNCTION, Runner::new(triple))
        .listen()
        .expect("the worker cannot listen");
    ready_until_stdin_closes();
    reader.stop();
}

static POOL: LazyLock<Arc<dyn ComputationBackend>> = LazyLock::new(|| {
    let workers = thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(PoolBackend::new(workers))
});

fn main() {
    if let Some(dir) = std::env::var_os(WORKER_ENV) {
        worker_main(Path::new(&dir));
        return;
    }
    LazyLock::force(&POOL);
    LazyLock::force(&RECORDS);
    for fs in [Fs::Disk, Fs::Tmpfs] {
        fs::create_dir_all(fs.base()).expect("cannot create the bench base directory");
    }
    divan::main();
    for fs in [Fs::Disk, Fs::Tmpfs] {
        let _ = fs::remove_dir_all(fs.base());
    }
}

/// One throughput sample of the queue: its workers, the writer and the
/// directory, dropped in this order (the workers stop before their
/// directory goes).
struct QueueCase {
    _workers: Workers,
    writer: StoreTaskWriter<u64, u64>,
    _dir: FreshDir,
}

/// Writes `n` tasks, then joins every handle.
pub(crate) fn call_and_join_all(writer: &StoreTaskWriter<u64, u64>, n: usize) -> u64 {
    let handles: Vec<_> = (0..n as u64).map(|i| writer.call(black_box(i))).collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a task failed"))
        .fold(0, u64::wrapping_add)
}

mod throughput {
    use super::*;

    fn queue(bencher: Bencher<'_, '_>, fs: Fs, n: usize, workers: usize) {
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| {
                let dir = FreshDir::new(fs);
                QueueCase {
                    _workers: Workers::start(&[(WORKER_ENV, dir.0.as_os_str())], workers),
                    writer: writer(&dir.0),
                    _dir: dir,
                }
            })
            .bench_local_refs(|case| call_and_join_all(&case.writer, n));
    }

    fn pool(bencher: Bencher<'_, '_>, fs: Fs, n: usize) {
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| {
                let dir = FreshDir::new(fs);
                let c = Computation::new(FUNCTION, Runner::new(triple))
                    .store(fs_store(&dir.0))
                    .backend(POOL.clone());
                (c, dir)
            })
            .bench_local_refs(|(c, _)| {
                let handles: Vec<_> = (0..n as u64)
                    .map(|i| c.launch::<u64>(&black_box(i)))
                    .collect();
                handles
                    .iter()
                    .map(|h| h.join().expect("a computation failed"))
                    .fold(0, u64::wrapping_add)
            });
    }

    /// The queue on tmpfs with this many worker processes.
    #[divan::bench(args = PARALLELISM, sample_count = 20, sample_size = 1)]
    fn tmpfs_queue(bencher: Bencher<'_, '_>, workers: usize) {
        queue(bencher, Fs::Tmpfs, N_TMPFS, workers);
    }

    /// The queue on disk with this many worker processes.
    #[divan::bench(args = PARALLELISM, sample_count = 10, sample_size = 1)]
    fn disk_queue(bencher: Bencher<'_, '_>, workers: usize) {
        queue(bencher, Fs::Disk, N_DISK, workers);
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn tmpfs_pool(bencher: Bencher<'_, '_>) {
        pool(bencher, Fs::Tmpfs, N_TMPFS);
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn disk_pool(bencher: Bencher<'_, '_>) {
        pool(bencher, Fs::Disk, N_DISK);
    }
}

/// The three records of a queued task (`Pending` with its queue entry,
/// `Running` owned by a worker, `Completed`), encoded as the store encodes
/// them, so that the bare loop writes as many bytes as the queue.
pub(crate) static RECORDS: LazyLock<[Vec<u8>; 3]> = LazyLock::new(|| {
    let now = 1_764_000_000_000;
    let ttl = Some(TTL);
    let (_, entry) = names(4_999);
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
    [pending, running, completed]
});

/// An owner tag as long as a worker's.
const OWNER: &str = "pid-4242424-0123abcd";

/// The key of task `i` (32 hex digits, as `Key::random`) and its queue
/// entry's name (16 hex digits of rank, `-`, the key).
fn names(i: u64) -> (String, String) {
    let key = format!("{:016x}{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i);
    let entry = format!("{:016x}-{key}", (1_764_000_000_000u64 << 20) + i);
    (key, entry)
}

/// A directory laid out as a store's queue: records at the top, the
/// default queue's entries in `.queues/default`, claimed ones in its
/// `.running`, 64 lock files in `.locks` (as the store stripes its locks).
pub(crate) struct BareDir {
    dir: FreshDir,
    queue: PathBuf,
    running: PathBuf,
}

impl BareDir {
    pub(crate) fn new(fs: Fs) -> BareDir {
        let dir = FreshDir::new(fs);
        let queue = dir.0.join(".queues/default");
        let running = queue.join(".running");
        fs::create_dir_all(&running).unwrap();
        fs::create_dir_all(dir.0.join(".locks")).unwrap();
        BareDir {
            dir,
            queue,
            running,
        }
    }

    /// The lock files, opened (one set per thread: a `flock` belongs to an
    /// open file, as each process of the queue has its own).
    pub(crate) fn open_locks(&self) -> Vec<File> {
        (0..64)
            .map(|stripe| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .open(self.dir.0.join(format!(".locks/{stripe:02}")))
                    .unwrap()
            })
            .collect()
    }
}

/// `flock(2)` on `file` with `op` (`LOCK_EX` or `LOCK_UN`).
fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    // SAFETY: `flock` only reads its arguments; the descriptor stays open
    // while `file` is borrowed.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads a record as the store does: open (no symbolic link followed, no
/// wait on a FIFO), `fstat`, one read of that size. `None` if missing.
fn read_record(path: &Path) -> io::Result<Option<usize>> {
    let mut file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len() as usize;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes)?;
    Ok(Some(black_box(bytes).len()))
}

/// Writes a record as the store does: a new temporary file in the same
/// directory (`O_CREAT | O_EXCL`, mode 0600), the bytes, then a rename
/// over the record.
fn atomic_write(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)?;
    file.write_all(bytes)?;
    drop(file);
    fs::rename(tmp, path)
}

/// The file operations of one queued task on a `FileSystemStore` (counted
/// from `store/fs/queue.rs`, `store/fs.rs`, `job.rs` and
/// `queue/completions.rs`), in the order they happen, without encoding,
/// decoding, in-process locks, inotify or any thread or process hop:
///
/// 1. write (`enqueue`), under the key's lock (`flock` on one of the 64
///    lock files): read the record (missing), create the empty entry file
///    in the queue's directory (`O_CREAT | O_EXCL`), write `Pending`
///    atomically; unlock;
/// 2. the submitter's first look at the new task (`completions::watch`
///    looks at once): read the record;
/// 3. claim: rename the entry into `.running/`, owner appended; under the
///    key's lock, read the record, write `Running` atomically; unlock;
/// 4. run (`Job::run` checks that the record is still `Running` and ours):
///    read the record;
/// 5. complete (`update`), under the key's lock: read the record, write
///    `Completed` atomically, remove the waiting entry (already gone:
///    `ENOENT`) and the claimed one; unlock;
/// 6. the submitter reads the settled record.
///
/// That is 3 atomic writes (temporary file + rename), 1 empty file
/// created, 1 rename between directories, 2 removals (one of a missing
/// file), 1 failed open, 5 reads and 3 `flock` lock/unlock pairs. Not
/// counted: the submitter's other looks (on the `Running` write, reading
/// the worker's heartbeat too, and on its backoff timer), heartbeat
/// writes, the first listing of the queue by each worker, and the
/// amortised auto-cleanup (every 128 writes, 32 directory entries).
fn bare_task(d: &BareDir, locks: &[File], i: u64) -> io::Result<usize> {
    let [pending, running, completed] = &*RECORDS;
    let (key, entry) = names(i);
    let record = d.dir.0.join(format!("{key}.json"));
    let waiting = d.queue.join(&entry);
    let claimed = d.running.join(format!("{entry}@{OWNER}"));
    let tmp = |n: u64| {
        d.dir
            .0
            .join(format!(".tmp-{key}-{}-{}", std::process::id(), 3 * i + n))
    };
    let lock = &locks[(i % 64) as usize];
    let mut total = 0;
    // 1. enqueue
    flock(lock, libc::LOCK_EX)?;
    assert!(read_record(&record)?.is_none());
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&waiting)?;
    atomic_write(&tmp(0), &record, pending)?;
    flock(lock, libc::LOCK_UN)?;
    // 2. the submitter's first look
    total += read_record(&record)?.unwrap_or(0);
    // 3. claim
    fs::rename(&waiting, &claimed)?;
    flock(lock, libc::LOCK_EX)?;
    total += read_record(&record)?.unwrap_or(0);
    atomic_write(&tmp(1), &record, running)?;
    flock(lock, libc::LOCK_UN)?;
    // 4. run
    total += read_record(&record)?.unwrap_or(0);
    // 5. complete
    flock(lock, libc::LOCK_EX)?;
    total += read_record(&record)?.unwrap_or(0);
    atomic_write(&tmp(2), &record, completed)?;
    let _ = fs::remove_file(&waiting);
    fs::remove_file(&claimed)?;
    flock(lock, libc::LOCK_UN)?;
    // 6. the submitter's read of the result
    total += read_record(&record)?.unwrap_or(0);
    Ok(total)
}

/// `n` bare tasks over as many threads as `locks` has sets, each thread
/// doing whole tasks.
pub(crate) fn bare_loop(d: &BareDir, locks: &[Vec<File>], n: usize) -> usize {
    let threads = locks.len();
    on_threads(locks.iter(), |t, locks| {
        (t as u64..n as u64)
            .step_by(threads)
            .map(|i| bare_task(d, locks, i).unwrap())
            .sum()
    })
}

mod fs_baseline {
    use super::*;

    /// `n` bare tasks split over `threads` threads, each doing whole tasks.
    fn bare(bencher: Bencher<'_, '_>, fs: Fs, n: usize, threads: usize) {
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| {
                let d = BareDir::new(fs);
                let locks: Vec<_> = (0..threads).map(|_| d.open_locks()).collect();
                (d, locks)
            })
            .bench_local_refs(|(d, locks)| bare_loop(d, locks, n));
    }

    /// The bare loop on tmpfs over this many threads.
    #[divan::bench(args = PARALLELISM, sample_count = 20, sample_size = 1)]
    fn tmpfs(bencher: Bencher<'_, '_>, threads: usize) {
        bare(bencher, Fs::Tmpfs, N_TMPFS, threads);
    }

    /// The bare loop on disk over this many threads.
    #[divan::bench(args = PARALLELISM, sample_count = 10, sample_size = 1)]
    fn disk(bencher: Bencher<'_, '_>, threads: usize) {
        bare(bencher, Fs::Disk, N_DISK, threads);
    }
}

mod round_trip {
    use super::*;

    /// One task in flight, one worker process, a store kept for the whole
    /// benchmark.
    fn queue(bencher: Bencher<'_, '_>, fs: Fs) {
        let dir = FreshDir::new(fs);
        let workers = Workers::start(&[(WORKER_ENV, dir.0.as_os_str())], 1);
        let writer = writer(&dir.0);
        bencher.bench_local(|| writer.call(black_box(7)).join().expect("the task failed"));
        drop(workers);
    }

    /// The bare file operations of one task, one at a time.
    fn fs_ops_once(bencher: Bencher<'_, '_>, fs: Fs) {
        let d = BareDir::new(fs);
        let locks = d.open_locks();
        let mut i = 0;
        bencher.bench_local(|| {
            i += 1;
            bare_task(&d, &locks, i).unwrap()
        });
    }

    #[divan::bench(sample_count = 500, sample_size = 1)]
    fn tmpfs_queue(bencher: Bencher<'_, '_>) {
        queue(bencher, Fs::Tmpfs);
    }

    #[divan::bench(sample_count = 200, sample_size = 1)]
    fn disk_queue(bencher: Bencher<'_, '_>) {
        queue(bencher, Fs::Disk);
    }

    #[divan::bench(sample_count = 500, sample_size = 1)]
    fn tmpfs_fs_ops_once(bencher: Bencher<'_, '_>) {
        fs_ops_once(bencher, Fs::Tmpfs);
    }

    #[divan::bench(sample_count = 200, sample_size = 1)]
    fn disk_fs_ops_once(bencher: Bencher<'_, '_>) {
        fs_ops_once(bencher, Fs::Disk);
    }
}

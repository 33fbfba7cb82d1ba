//! End-to-end cost of strand-au computations (launch, run, wait, read the
//! value) through the `Computation` API (what `#[async_compute]` expands
//! to), against baselines measured in the same run.
//!
//! - `throughput`: launch N computations (many in flight; the pool applies
//!   backpressure), then wait for all of them. Divan's throughput column
//!   (`item/s`) is computations per second. Cases: `PoolBackend` (one worker
//!   per core) and `ThreadBackend` on `MemoryStore`, on `FileSystemStore` in
//!   the system temp dir (`disk`) and in `/dev/shm` (`tmpfs`). Every sample
//!   gets a fresh store (and directory) so samples do not slow down as records
//!   pile up.
//! - `fs_baseline`: a bare loop doing, per computation, the file operations a
//!   `FileSystemStore` computation does (see [`bare_computation`]), on the same
//!   file system, sequentially and split over as many threads as the pool has
//!   workers.
//! - `round_trip`: one computation in flight: launch, wait, read the value.
//!   Divan's median is the p50. `fs_ops_once` is the bare file operations of
//!   one computation, for comparison.
//! - `awaited`: 1,000 computations (each sleeping 1 ms in its body, so
//!   they are pending when awaited) awaited at once from one current-thread
//!   tokio runtime: `join_async` (no thread held while pending) against
//!   `spawn_blocking(move || handle.join())` (a blocking-pool thread per
//!   pending join, what `join_async`, then `wait_async`, did before) and
//!   against plain blocking `join`s one after another.
//!
//! Run with `cargo bench -p strand-benches --bench au`. The stores use the
//! default configuration of `#[async_compute]`'s default store (JSON, TTL one
//! hour, so the amortised auto-cleanup runs, no fsync).

use std::fs::{self, OpenOptions};
use std::hint::black_box;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread;
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use strand_au::{
    Computation, ComputationBackend, ComputationStore, FileSystemStore, MemoryStore, PoolBackend,
    Record, Runner, Serialization, ThreadBackend, encode_record,
};

/// Computations per throughput sample on `MemoryStore`.
const N_MEMORY: usize = 10_000;
/// Computations per throughput sample on tmpfs.
const N_TMPFS: usize = 3_000;
/// Computations per throughput sample on disk.
const N_DISK: usize = 500;
/// The TTL of the default store.
const TTL: Duration = Duration::from_secs(3600);

fn workers() -> usize {
    thread::available_parallelism().map_or(2, |n| n.get())
}

static POOL_BACKEND: LazyLock<PoolBackend> = LazyLock::new(|| PoolBackend::new(workers()));
static POOL: LazyLock<Arc<dyn ComputationBackend>> =
    LazyLock::new(|| Arc::new(POOL_BACKEND.clone()));
static THREADS: LazyLock<Arc<dyn ComputationBackend>> =
    LazyLock::new(|| Arc::new(ThreadBackend::new()));

/// Where the file-system cases put their directories, one base per run.
#[derive(Clone, Copy, Debug)]
enum Fs {
    /// The system temp dir (ext4 on the reference machine).
    Disk,
    /// `/dev/shm`.
    Tmpfs,
}

static DISK_BASE: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("strand-au-bench-{}", std::process::id())));
static TMPFS_BASE: LazyLock<PathBuf> =
    LazyLock::new(|| PathBuf::from(format!("/dev/shm/strand-au-bench-{}", std::process::id())));

impl Fs {
    fn base(self) -> &'static Path {
        match self {
            Fs::Disk => &DISK_BASE,
            Fs::Tmpfs => &TMPFS_BASE,
        }
    }
}

/// A fresh directory. On tmpfs it is removed on drop (outside the timed
/// region); on disk only at the end of the run, with the base directory:
/// ext4 skips inodes freed in the last seconds when it allocates one, reading
/// each from the inode table (`recently_deleted` led the kernel profile of
/// both `disk_pool` and the disk baseline), so deleting a sample's files
/// between samples would slow down whichever disk case runs next.
struct FreshDir(PathBuf, Fs);

impl FreshDir {
    fn new(fs: Fs) -> FreshDir {
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

fn triple(x: u64) -> u64 {
    x.wrapping_mul(3)
}

fn computation(
    store: Arc<dyn ComputationStore>,
    backend: &Arc<dyn ComputationBackend>,
) -> Computation {
    Computation::new("bench::triple", Runner::new(triple))
        .store(store)
        .backend(backend.clone())
}

fn fs_store(dir: &Path) -> Arc<dyn ComputationStore> {
    Arc::new(FileSystemStore::new(dir).ttl(TTL))
}

/// Launches `n` computations, then waits for every one.
fn launch_and_wait_all(c: &Computation, n: usize) -> u64 {
    let handles: Vec<_> = (0..n as u64)
        .map(|i| c.launch::<u64>(&black_box(i)))
        .collect();
    handles
        .iter()
        .map(|h| h.join().expect("computation failed"))
        .fold(0, u64::wrapping_add)
}

fn main() {
    // Start the pool and the record templates before measuring.
    LazyLock::force(&POOL);
    LazyLock::force(&THREADS);
    LazyLock::force(&RECORDS);
    for fs in [Fs::Disk, Fs::Tmpfs] {
        fs::create_dir_all(fs.base()).expect("cannot create the bench base directory");
    }
    divan::main();
    for fs in [Fs::Disk, Fs::Tmpfs] {
        let _ = fs::remove_dir_all(fs.base());
    }
}

mod throughput {
    use super::*;

    fn memory(bencher: Bencher<'_, '_>, backend: &Arc<dyn ComputationBackend>) {
        bencher
            .counter(ItemsCount::new(N_MEMORY))
            .with_inputs(|| computation(Arc::new(MemoryStore::new().ttl(TTL)), backend))
            .bench_local_refs(|c| launch_and_wait_all(c, N_MEMORY));
    }

    fn file_system(
        bencher: Bencher<'_, '_>,
        fs: Fs,
        n: usize,
        backend: &Arc<dyn ComputationBackend>,
    ) {
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| {
                let dir = FreshDir::new(fs);
                let c = computation(fs_store(&dir.0), backend);
                (dir, c)
            })
            .bench_local_refs(|(_, c)| launch_and_wait_all(c, n));
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn memory_pool(bencher: Bencher<'_, '_>) {
        memory(bencher, &POOL);
    }

    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn memory_thread(bencher: Bencher<'_, '_>) {
        memory(bencher, &THREADS);
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn tmpfs_pool(bencher: Bencher<'_, '_>) {
        file_system(bencher, Fs::Tmpfs, N_TMPFS, &POOL);
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn tmpfs_thread(bencher: Bencher<'_, '_>) {
        file_system(bencher, Fs::Tmpfs, N_TMPFS, &THREADS);
    }

    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn disk_pool(bencher: Bencher<'_, '_>) {
        file_system(bencher, Fs::Disk, N_DISK, &POOL);
    }

    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn disk_thread(bencher: Bencher<'_, '_>) {
        file_system(bencher, Fs::Disk, N_DISK, &THREADS);
    }
}

/// The two records a short computation writes (`Pending`, then `Completed`
/// with its start time and attempt count: the worker claims it lazily, see
/// `strand_au::CLAIM_AFTER`), encoded as the store encodes them, so the
/// baseline writes as many bytes.
static RECORDS: LazyLock<[Vec<u8>; 2]> = LazyLock::new(|| {
    let now = 1_764_000_000_000;
    let ttl = Some(TTL);
    let mut record = Record::pending("bench::triple", serde_json::json!(4_999u64), now);
    record.stamp(0, now, ttl);
    let pending = encode_record(Serialization::Json, &record).unwrap();
    record.start("pid-4242424-0123abcd", now, 30_000);
    record.complete(serde_json::json!(14_997u64), now);
    record.stamp(1, now, ttl);
    let completed = encode_record(Serialization::Json, &record).unwrap();
    [pending, completed]
});

/// Writes `bytes` to `path` as the store does: a new temporary file in the
/// same directory (`O_CREAT | O_EXCL`, mode 0600), then a rename over `path`.
fn atomic_write(dir: &Path, path: &Path, tmp_name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(tmp_name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(bytes)?;
    drop(file);
    fs::rename(&tmp, path)
}

/// The file operations of one computation on a `FileSystemStore` (see
/// `store/fs.rs` and `job.rs`), without encoding, decoding or locking:
///
/// 1. launch, `put_new` (a fresh key): write `Pending`;
/// 2. worker, check that it is still `Pending` (`load`): read;
/// 3. worker, result (`update`, which also records the start, as the body
///    ends before `CLAIM_AFTER`): read, write `Completed`;
/// 4. waiter: read the record.
///
/// That is 2 atomic writes (temporary file + rename) and 3 reads. Not
/// counted: the `flock` taken around the update (lock files opened once per
/// stripe) and the amortised auto-cleanup (every 128 writes, 32 directory
/// entries are read).
fn bare_computation(dir: &Path, i: u64) -> io::Result<usize> {
    let [pending, completed] = &*RECORDS;
    let key = format!("{:016x}{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i);
    let path = dir.join(format!("{key}.json"));
    let tmp = |n: u64| format!(".tmp-{key}-{}-{}", std::process::id(), 2 * i + n);
    atomic_write(dir, &path, &tmp(0), pending)?;
    let mut total = fs::read(&path)?.len();
    total += fs::read(&path)?.len();
    atomic_write(dir, &path, &tmp(1), completed)?;
    total += fs::read(&path)?.len();
    Ok(total)
}

mod fs_baseline {
    use super::*;

    fn sequential(bencher: Bencher<'_, '_>, fs: Fs, n: usize) {
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| FreshDir::new(fs))
            .bench_local_refs(|dir| {
                (0..n as u64)
                    .map(|i| bare_computation(&dir.0, i).unwrap())
                    .sum::<usize>()
            });
    }

    /// The computations split over as many threads as the pool has workers.
    fn parallel(bencher: Bencher<'_, '_>, fs: Fs, n: usize) {
        let threads = workers() as u64;
        bencher
            .counter(ItemsCount::new(n))
            .with_inputs(|| FreshDir::new(fs))
            .bench_local_refs(|dir| {
                thread::scope(|s| {
                    let parts: Vec<_> = (0..threads)
                        .map(|t| {
                            let dir = &dir.0;
                            s.spawn(move || {
                                (t..n as u64)
                                    .step_by(threads as usize)
                                    .map(|i| bare_computation(dir, i).unwrap())
                                    .sum::<usize>()
                            })
                        })
                        .collect();
                    parts.into_iter().map(|p| p.join().unwrap()).sum::<usize>()
                })
            });
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn tmpfs_sequential(bencher: Bencher<'_, '_>) {
        sequential(bencher, Fs::Tmpfs, N_TMPFS);
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn tmpfs_parallel(bencher: Bencher<'_, '_>) {
        parallel(bencher, Fs::Tmpfs, N_TMPFS);
    }

    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn disk_sequential(bencher: Bencher<'_, '_>) {
        sequential(bencher, Fs::Disk, N_DISK);
    }

    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn disk_parallel(bencher: Bencher<'_, '_>) {
        parallel(bencher, Fs::Disk, N_DISK);
    }
}

mod round_trip {
    use super::*;

    /// One computation in flight, in a store kept for the whole benchmark.
    fn one(
        bencher: Bencher<'_, '_>,
        store: Arc<dyn ComputationStore>,
        backend: &Arc<dyn ComputationBackend>,
    ) {
        let c = computation(store, backend);
        bencher.bench_local(|| c.launch::<u64>(&black_box(7)).join().unwrap());
    }

    #[divan::bench(sample_count = 200, sample_size = 20)]
    fn memory_pool(bencher: Bencher<'_, '_>) {
        one(bencher, Arc::new(MemoryStore::new().ttl(TTL)), &POOL);
    }

    #[divan::bench(sample_count = 100, sample_size = 10)]
    fn memory_thread(bencher: Bencher<'_, '_>) {
        one(bencher, Arc::new(MemoryStore::new().ttl(TTL)), &THREADS);
    }

    #[divan::bench(sample_count = 100, sample_size = 10)]
    fn tmpfs_pool(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Tmpfs);
        one(bencher, fs_store(&dir.0), &POOL);
    }

    #[divan::bench(sample_count = 100, sample_size = 10)]
    fn tmpfs_thread(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Tmpfs);
        one(bencher, fs_store(&dir.0), &THREADS);
    }

    #[divan::bench(sample_count = 50, sample_size = 4)]
    fn disk_pool(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Disk);
        one(bencher, fs_store(&dir.0), &POOL);
    }

    #[divan::bench(sample_count = 50, sample_size = 4)]
    fn disk_thread(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Disk);
        one(bencher, fs_store(&dir.0), &THREADS);
    }

    /// The bare file operations of one computation, one at a time.
    #[divan::bench(sample_count = 100, sample_size = 10)]
    fn tmpfs_fs_ops_once(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Tmpfs);
        let mut i = 0;
        bencher.bench_local(|| {
            i += 1;
            bare_computation(&dir.0, i).unwrap()
        });
    }

    /// The bare file operations of one computation, one at a time.
    #[divan::bench(sample_count = 50, sample_size = 4)]
    fn disk_fs_ops_once(bencher: Bencher<'_, '_>) {
        let dir = FreshDir::new(Fs::Disk);
        let mut i = 0;
        bencher.bench_local(|| {
            i += 1;
            bare_computation(&dir.0, i).unwrap()
        });
    }
}

/// Where the time of `throughput::memory_pool` goes: the same computations
/// without the hop to a worker thread (`InlineBackend`), and the hop alone
/// (the same pool running a trivial closure per computation, joined).
mod breakdown {
    use super::*;
    use strand_au::InlineBackend;

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn memory_inline(bencher: Bencher<'_, '_>) {
        let inline: Arc<dyn ComputationBackend> = Arc::new(InlineBackend);
        bencher
            .counter(ItemsCount::new(N_MEMORY))
            .with_inputs(|| computation(Arc::new(MemoryStore::new().ttl(TTL)), &inline))
            .bench_local_refs(|c| launch_and_wait_all(c, N_MEMORY));
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn pool_spawn_join(bencher: Bencher<'_, '_>) {
        let pool = POOL_BACKEND.pool();
        bencher.counter(ItemsCount::new(N_MEMORY)).bench_local(|| {
            let handles: Vec<_> = (0..N_MEMORY as u64)
                .map(|i| {
                    let x = black_box(i);
                    pool.spawn(move || triple(x))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(0, u64::wrapping_add)
        });
    }
}

mod awaited {
    use super::*;

    const N: usize = 1_000;

    /// The cases: which store, and whether bodies sleep 1 ms.
    const CASES: [&str; 3] = ["memory", "memory_1ms", "tmpfs"];

    fn sleepy(x: u64) -> u64 {
        thread::sleep(Duration::from_millis(1));
        x.wrapping_mul(3)
    }

    /// Launches the case's computations; the directory (tmpfs) must live
    /// until they are awaited.
    fn launch_all(case: &str) -> (Vec<strand_au::ComputationHandle<u64>>, Option<FreshDir>) {
        let (runner, backend) = match case {
            "memory_1ms" => (Runner::new(sleepy), THREADS.clone()),
            _ => (Runner::new(triple), POOL.clone()),
        };
        let (store, dir): (Arc<dyn ComputationStore>, _) = match case {
            "tmpfs" => {
                let dir = FreshDir::new(Fs::Tmpfs);
                (fs_store(&dir.0), Some(dir))
            }
            _ => (Arc::new(MemoryStore::new().ttl(TTL)), None),
        };
        let c = Computation::new("bench::awaited", runner)
            .store(store)
            .backend(backend);
        let handles = (0..N as u64)
            .map(|i| c.launch::<u64>(&black_box(i)))
            .collect();
        (handles, dir)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// Launches the case's computations, awaits what `wait` makes of each
    /// handle, all at once, on `rt`; the sum of the values.
    fn await_all<F, E>(
        rt: &tokio::runtime::Runtime,
        case: &str,
        wait: impl Fn(strand_au::ComputationHandle<u64>) -> F,
    ) -> u64
    where
        F: std::future::Future<Output = Result<Result<u64, strand_au::ComputationError>, E>>,
        E: std::fmt::Debug,
    {
        let (handles, _dir) = launch_all(case);
        rt.block_on(async {
            let waits: Vec<_> = handles.into_iter().map(wait).collect();
            let mut sum = 0u64;
            for w in waits {
                sum = sum.wrapping_add(w.await.unwrap().unwrap());
            }
            sum
        })
    }

    #[divan::bench(args = CASES, sample_count = 10, sample_size = 1)]
    fn join_async(bencher: Bencher<'_, '_>, case: &str) {
        let rt = runtime();
        bencher
            .counter(ItemsCount::new(N))
            .bench_local(|| await_all(&rt, case, |h| tokio::spawn(h.join_async())));
    }

    #[divan::bench(args = CASES, sample_count = 10, sample_size = 1)]
    fn spawn_blocking_wait(bencher: Bencher<'_, '_>, case: &str) {
        let rt = runtime();
        bencher.counter(ItemsCount::new(N)).bench_local(|| {
            await_all(&rt, case, |h| tokio::task::spawn_blocking(move || h.join()))
        });
    }

    #[divan::bench(args = CASES, sample_count = 10, sample_size = 1)]
    fn blocking_wait_in_turn(bencher: Bencher<'_, '_>, case: &str) {
        bencher.counter(ItemsCount::new(N)).bench_local(|| {
            let (handles, _dir) = launch_all(case);
            handles
                .iter()
                .map(|h| h.join().unwrap())
                .fold(0, u64::wrapping_add)
        });
    }
}

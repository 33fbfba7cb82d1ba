//! The queue on tmpfs against its bare loop, paired: each round runs, back
//! to back and in alternating order, one sample of the queue with k worker
//! processes (2,000 tasks written with `StoreTaskWriter::call`, all in
//! flight, then joined; fresh workers and a fresh directory, started
//! outside the timed region) and one of the bare loop on k threads doing
//! the same file operations per task (see `bare_task` in `queue.rs`), for
//! k = 1, 2 and 4. The ratio of a round is the queue's tasks/s over the
//! bare loop's.
//!
//! Why: this machine is a VM on a shared host, and load from elsewhere
//! comes in stretches of seconds. `--bench queue` measures every case in
//! turn, so a stretch that lands on one case and not on its baseline moves
//! a ratio by 20 points or more (one run of the same build gave 58% with 1
//! worker where the runs around it gave 80 to 90%). Two samples a few
//! hundred milliseconds apart see the same load; the median of the
//! per-round ratios is the figure the target is judged on.
//!
//! Run with `cargo bench -p strand-benches --bench queue_paired`
//! (`STRAND_PAIRED_ROUNDS` sets the rounds, 25 by default).

// The divan cases of `queue.rs` come along and go unused here.
#[allow(dead_code)]
#[path = "queue.rs"]
mod queue;

use std::path::Path;
use std::time::{Duration, Instant};

use queue::{
    BareDir, FreshDir, Fs, N_TMPFS, PARALLELISM, RECORDS, WORKER_ENV, bare_loop, call_and_join_all,
    worker_main, writer,
};
use strand_benches::worker_processes::Workers;

/// Rounds discarded first (page cache, thread stacks, the first workers).
const WARM_UP: usize = 2;

/// One timed sample of the queue with `workers` worker processes.
fn queue_sample(workers: usize) -> Duration {
    let dir = FreshDir::new(Fs::Tmpfs);
    let started = Workers::start(&[(WORKER_ENV, dir.0.as_os_str())], workers);
    let writer = writer(&dir.0);
    let t = Instant::now();
    std::hint::black_box(call_and_join_all(&writer, N_TMPFS));
    let took = t.elapsed();
    drop(writer);
    drop(started);
    took
}

/// One timed sample of the bare loop on `threads` threads.
fn bare_sample(threads: usize) -> Duration {
    let d = BareDir::new(Fs::Tmpfs);
    let locks: Vec<_> = (0..threads).map(|_| d.open_locks()).collect();
    let t = Instant::now();
    std::hint::black_box(bare_loop(&d, &locks, N_TMPFS));
    t.elapsed()
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn main() {
    if let Some(dir) = std::env::var_os(WORKER_ENV) {
        worker_main(Path::new(&dir));
        return;
    }
    let rounds: usize = std::env::var("STRAND_PAIRED_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(25);
    std::sync::LazyLock::force(&RECORDS);
    let base = Fs::Tmpfs.base();
    std::fs::create_dir_all(base).expect("cannot create the bench base directory");
    println!(
        "queue_paired: tmpfs, {N_TMPFS} tasks a sample, {rounds} rounds after {WARM_UP} of warm-up"
    );
    println!(
        "| workers | queue / bare loop: median (quartiles, min to max) | queue, median | bare loop, median |"
    );
    println!("|---|---|---|---|");
    for k in PARALLELISM {
        let mut ratios = Vec::with_capacity(rounds);
        let mut queue_rates = Vec::with_capacity(rounds);
        let mut bare_rates = Vec::with_capacity(rounds);
        for round in 0..WARM_UP + rounds {
            let (q, b) = if round % 2 == 0 {
                let q = queue_sample(k);
                (q, bare_sample(k))
            } else {
                let b = bare_sample(k);
                (queue_sample(k), b)
            };
            if round >= WARM_UP {
                ratios.push(b.as_secs_f64() / q.as_secs_f64());
                queue_rates.push(N_TMPFS as f64 / q.as_secs_f64());
                bare_rates.push(N_TMPFS as f64 / b.as_secs_f64());
            }
        }
        for v in [&mut ratios, &mut queue_rates, &mut bare_rates] {
            v.sort_by(f64::total_cmp);
        }
        let n = ratios.len();
        println!(
            "| {k} | **{:.0}%** ({:.0} to {:.0}%, {:.0} to {:.0}%) | {:.0} /s | {:.0} /s |",
            median(&ratios) * 100.0,
            ratios[n / 4] * 100.0,
            ratios[(3 * n) / 4] * 100.0,
            ratios[0] * 100.0,
            ratios[n - 1] * 100.0,
            median(&queue_rates),
            median(&bare_rates),
        );
    }
    let _ = std::fs::remove_dir_all(base);
}

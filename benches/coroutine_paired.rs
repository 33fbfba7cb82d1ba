//! `#[as_task(coroutine)]` against `tokio::spawn`, paired: each round runs
//! one batch of each, back to back and in alternating order, and the ratio
//! is taken per round. On a shared machine, load from elsewhere comes and
//! goes over seconds, which moves divan's separate runs of the two sides
//! (`--bench coroutine`) by ±30%; a pair of runs a millisecond apart sees
//! the same load, so the median of the per-round ratios is the steadier
//! figure.
//!
//! Run with `cargo bench -p strand-benches --bench coroutine_paired`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use strand::as_task;
use tokio::runtime::Runtime;

const BATCH: u64 = 1_000;
const ROUNDS: usize = 600;
const WARM_UP: usize = 50;

#[as_task(coroutine)]
async fn strand_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

async fn plain(x: u64) -> u64 {
    x.wrapping_mul(3)
}

/// 1,000 tasks started by `spawn`, then all awaited, as in `--bench
/// coroutine`; how long that took.
fn batch<H, E>(rt: &Runtime, spawn: impl Fn(u64) -> H) -> Duration
where
    H: std::future::IntoFuture<Output = Result<u64, E>>,
    E: std::fmt::Debug,
{
    let start = Instant::now();
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..BATCH).map(|i| spawn(black_box(i))).collect();
        let mut sum = 0u64;
        for h in handles {
            sum = sum.wrapping_add(h.await.unwrap());
        }
        sum
    });
    black_box(sum);
    start.elapsed()
}

fn strand_batch(rt: &Runtime) -> Duration {
    batch(rt, strand_task)
}

fn tokio_batch(rt: &Runtime) -> Duration {
    batch(rt, |i| tokio::spawn(plain(i)))
}

/// The value at quantile `q` of sorted `values`.
fn quantile(values: &[f64], q: f64) -> f64 {
    let i = ((values.len() - 1) as f64 * q).round() as usize;
    values[i]
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less
    // arguments; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut ratios = Vec::with_capacity(ROUNDS);
    let mut strand = Vec::with_capacity(ROUNDS);
    let mut tokio = Vec::with_capacity(ROUNDS);
    for round in 0..WARM_UP + ROUNDS {
        let (s, t) = if round % 2 == 0 {
            let s = strand_batch(&rt);
            (s, tokio_batch(&rt))
        } else {
            let t = tokio_batch(&rt);
            (strand_batch(&rt), t)
        };
        if round >= WARM_UP {
            ratios.push(s.as_secs_f64() / t.as_secs_f64());
            strand.push(s.as_secs_f64() * 1e6);
            tokio.push(t.as_secs_f64() * 1e6);
        }
    }
    for v in [&mut ratios, &mut strand, &mut tokio] {
        v.sort_by(f64::total_cmp);
    }
    println!("coroutine_paired: {ROUNDS} rounds of {BATCH} tasks spawned, then awaited");
    println!(
        "  #[as_task(coroutine)]: median {:.0} µs (p25 {:.0}, p75 {:.0})",
        quantile(&strand, 0.5),
        quantile(&strand, 0.25),
        quantile(&strand, 0.75)
    );
    println!(
        "  tokio::spawn:          median {:.0} µs (p25 {:.0}, p75 {:.0})",
        quantile(&tokio, 0.5),
        quantile(&tokio, 0.25),
        quantile(&tokio, 0.75)
    );
    println!(
        "  ratio per round:       median {:.2}x (p25 {:.2}x, p75 {:.2}x)",
        quantile(&ratios, 0.5),
        quantile(&ratios, 0.25),
        quantile(&ratios, 0.75)
    );
}

//! The batch tools against a plain `Vec` of handles, paired: each round
//! runs one batch of 10,000 `#[as_task(pool)]` tasks through every case,
//! back to back in a rotating order, and each case's time is divided by
//! the `Vec`'s of the same round. Load from elsewhere on a shared machine
//! moves separate runs (`--bench dispatch`) by ±30% or more; runs a few
//! milliseconds apart see the same load, so the median of the per-round
//! ratios is the steadier figure.
//!
//! Run with `cargo bench -p strand-benches --bench dispatch_paired`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use strand::{Pool, TaskDispatcher, TaskHandle, as_task};

const BATCH: u64 = 10_000;
const ROUNDS: usize = 200;
const WARM_UP: usize = 20;

#[as_task(pool)]
fn pool_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

fn handles() -> Vec<TaskHandle<u64>> {
    (0..BATCH).map(|x| pool_task(black_box(x))).collect()
}

fn vec_of_handles() -> u64 {
    handles()
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .fold(0, u64::wrapping_add)
}

fn dispatcher(bound: usize) -> u64 {
    let mut dispatcher = TaskDispatcher::new().max_in_flight(bound);
    for x in 0..BATCH {
        dispatcher.dispatch(&pool_task, (black_box(x),));
    }
    dispatcher.run(None).unwrap();
    dispatcher
        .results()
        .values()
        .fold(0, |a, b| a.wrapping_add(*b))
}

fn join_all() -> u64 {
    strand::join_all(handles())
        .into_iter()
        .map(Result::unwrap)
        .fold(0, u64::wrapping_add)
}

fn as_completed() -> u64 {
    strand::as_completed(handles())
        .map(|(_, outcome)| outcome.unwrap())
        .fold(0, u64::wrapping_add)
}

type Case = (&'static str, fn() -> u64);

const CASES: [Case; 6] = [
    ("Vec of handles, joined in order", vec_of_handles),
    ("TaskDispatcher, unbounded", || dispatcher(usize::MAX)),
    ("TaskDispatcher, max_in_flight(1024)", || dispatcher(1024)),
    ("TaskDispatcher, max_in_flight(64)", || dispatcher(64)),
    ("join_all", join_all),
    ("as_completed", as_completed),
];

fn timed(case: fn() -> u64) -> Duration {
    let start = Instant::now();
    black_box(case());
    start.elapsed()
}

/// The value at quantile `q` of sorted `values`.
fn quantile(values: &[f64], q: f64) -> f64 {
    let i = ((values.len() - 1) as f64 * q).round() as usize;
    values[i]
}

fn main() {
    // `cargo test --benches` runs bench targets without `--bench`; only
    // measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let _ = Pool::global().size();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); CASES.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); CASES.len()];
    for round in 0..WARM_UP + ROUNDS {
        let mut round_times = [0.0; CASES.len()];
        for n in 0..CASES.len() {
            let case = (round + n) % CASES.len();
            round_times[case] = timed(CASES[case].1).as_secs_f64();
        }
        if round >= WARM_UP {
            for (case, time) in round_times.iter().enumerate() {
                times[case].push(time * 1e3);
                ratios[case].push(time / round_times[0]);
            }
        }
    }
    for v in times.iter_mut().chain(ratios.iter_mut()) {
        v.sort_by(f64::total_cmp);
    }
    println!("dispatch_paired: {ROUNDS} rounds of {BATCH} pool tasks through each case");
    for (case, (name, _)) in CASES.iter().enumerate() {
        println!(
            "  {name:<36} median {:.2} ms ({:.0} ns/task); ratio to the Vec per round: median {:.2}x (p25 {:.2}x, p75 {:.2}x)",
            quantile(&times[case], 0.5),
            quantile(&times[case], 0.5) * 1e6 / BATCH as f64,
            quantile(&ratios[case], 0.5),
            quantile(&ratios[case], 0.25),
            quantile(&ratios[case], 0.75)
        );
    }
}

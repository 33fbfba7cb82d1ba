//! Benchmarks of strand: run `cargo bench -p strand-benches`. The library
//! holds what several benchmarks share.

pub mod worker_processes;

/// Runs `work(t, part)` for each of `parts` on a thread of its own (`t`:
/// the part's index), and returns the sum of what they return: a bare loop
/// split over threads, each doing whole tasks.
///
/// # Panics
///
/// If a thread panics.
pub fn on_threads<S: Send>(
    parts: impl IntoIterator<Item = S>,
    work: impl Fn(usize, S) -> usize + Sync,
) -> usize {
    std::thread::scope(|s| {
        let work = &work;
        let threads: Vec<_> = parts
            .into_iter()
            .enumerate()
            .map(|(t, part)| s.spawn(move || work(t, part)))
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a bare loop thread panicked"))
            .sum()
    })
}

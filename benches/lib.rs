//! Benchmarks of strand: run `cargo bench -p strand-benches`. The library
//! holds what several benchmarks share.

pub mod worker_processes;

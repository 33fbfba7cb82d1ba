//! Benchmarks of strand: run `cargo bench -p strand-benches`.

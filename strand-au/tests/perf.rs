//! Throughput and latency figures, printed, never asserted (machines are
//! noisy). Run with `cargo test -p strand-au --release --test perf -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{Computation, ComputationStore, FileSystemStore, MemoryStore, PoolBackend, Runner};

fn throughput(label: &str, store: Arc<dyn ComputationStore>, n: u32) {
    let c = Computation::new("perf::inc", Runner::new(|x: u32| x + 1))
        .store(store.clone())
        .backend(Arc::new(PoolBackend::global()));
    let start = Instant::now();
    let handles: Vec<_> = (0..n).map(|i| c.launch::<u32>(&i)).collect();
    for h in &handles {
        h.join().unwrap();
    }
    let per_sec = f64::from(n) / start.elapsed().as_secs_f64();
    let mut lat = Vec::new();
    for i in 0..2000u32.min(n) {
        let t = Instant::now();
        c.launch::<u32>(&i).join().unwrap();
        lat.push(t.elapsed());
    }
    lat.sort();
    let p50 = lat[lat.len() / 2];
    println!(
        "{label}: {per_sec:.0} computations/s end to end ({n} in flight), p50 round trip {p50:?}"
    );
}

/// The same file operations per computation as FileSystemStore does (three
/// atomic record writes, each temp file + rename), as a bare loop.
fn bare_file_loop(dir: &std::path::Path, n: u32) {
    let start = Instant::now();
    for i in 0..n {
        let path = dir.join(format!("{i}.json"));
        for _ in 0..3 {
            let tmp = dir.join(format!(".tmp-{i}"));
            std::fs::write(
                &tmp,
                br#"{"status":"pending","function":"perf::inc","args":1,"created_at":1}"#,
            )
            .unwrap();
            std::fs::rename(&tmp, &path).unwrap();
        }
    }
    let per_sec = f64::from(n) / start.elapsed().as_secs_f64();
    println!("  bare loop, 3 temp+rename writes each: {per_sec:.0}/s");
}

#[test]
#[ignore = "prints figures; run in release"]
fn figures() {
    let shm_only = std::env::var_os("STRAND_AU_PERF_SHM_ONLY").is_some();
    if !shm_only {
        throughput("MemoryStore + pool", Arc::new(MemoryStore::new()), 200_000);
    }
    if std::env::var_os("STRAND_AU_PERF_MEMORY_ONLY").is_some() {
        return;
    }
    for (label, base) in [
        ("disk (temp dir)", std::env::temp_dir()),
        ("tmpfs (/dev/shm)", "/dev/shm".into()),
    ] {
        if !base.exists() || (shm_only && !label.starts_with("tmpfs")) {
            continue;
        }
        let dir = tempfile::tempdir_in(&base).unwrap();
        throughput(
            &format!("FileSystemStore on {label} + pool"),
            Arc::new(FileSystemStore::new(dir.path().join("s")).ttl(Duration::from_secs(3600))),
            20_000,
        );
        let bare = tempfile::tempdir_in(&base).unwrap();
        bare_file_loop(bare.path(), 20_000);
    }
}

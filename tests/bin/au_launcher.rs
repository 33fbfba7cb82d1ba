//! The launching process of `tests/au_ownership.rs`: launches computations
//! that never end onto a file-system store, as fast as it can, to be
//! killed with SIGKILL part way.
//!
//! ```text
//! au_launcher <store dir> <thread | pool> <lease in ms> <count> [<body ms>]
//! ```
//!
//! The bodies never end, or, with `<body ms>`, sleep that long and return
//! their argument times two.
//!
//! It prints `ready` once the store and backend are set up (the test's clock
//! starts there), `launched` after the last launch, then waits to be killed.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use strand_au::{
    Computation, ComputationBackend, ComputationStore, FileSystemStore, PoolBackend, Runner,
    ThreadBackend,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, backend, lease_ms, count, body_ms) = match args.as_slice() {
        [dir, backend, lease, count] => (dir, backend, lease, count, None),
        [dir, backend, lease, count, body] => (dir, backend, lease, count, Some(body)),
        _ => {
            eprintln!(
                "usage: au_launcher <store dir> <thread | pool> <lease in ms> <count> [<body ms>]"
            );
            std::process::exit(2);
        }
    };
    let body: Option<u64> = body_ms.map(|b| b.parse().expect("a body time in ms"));
    let backend: Arc<dyn ComputationBackend> = match backend.as_str() {
        "thread" => Arc::new(ThreadBackend::new()),
        "pool" => Arc::new(PoolBackend::new(2)),
        other => {
            eprintln!("unknown backend `{other}`");
            std::process::exit(2);
        }
    };
    let lease = Duration::from_millis(lease_ms.parse().expect("a lease in ms"));
    let count: u32 = count.parse().expect("a count");
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir));
    let c = Computation::new(
        "ownership::forever",
        Runner::new(move |x: u32| -> u32 {
            match body {
                Some(ms) => {
                    std::thread::sleep(Duration::from_millis(ms));
                    x * 2
                }
                None => loop {
                    std::thread::park();
                },
            }
        }),
    )
    .store(store)
    .backend(backend)
    .lease(lease);
    println!("ready");
    std::io::stdout().flush().unwrap();
    for i in 0..count {
        let _ = c.launch::<u32>(&i);
    }
    println!("launched");
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::park();
    }
}

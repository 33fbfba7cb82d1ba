//! The worker process of `tests/au_lease.rs`: starts a computation that
//! never ends on a file-system store, prints its key on a line of its own
//! (`KEY=<key>`), then waits to be killed.
//!
//! ```text
//! au_lease_worker <store dir> <lease in ms>
//! ```

use std::sync::Arc;
use std::time::Duration;

use strand_au::{Computation, ComputationStore, FileSystemStore, Runner};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(lease_ms), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: au_lease_worker <store dir> <lease in ms>");
        std::process::exit(2);
    };
    let lease = Duration::from_millis(lease_ms.parse().expect("a lease in ms"));
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir));
    let c = Computation::new(
        "lease::forever",
        Runner::new(|_: ()| -> () {
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }),
    )
    .store(store)
    .lease(lease);
    let h = c.launch::<()>(&());
    println!("KEY={}", h.key());
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

//! The child process of `tests/au_cross_process.rs`: increments the `n`
//! metadata of the record `counter` in a file-system store, one atomic
//! update at a time, while the test does the same.
//!
//! ```text
//! au_counter <store dir> <rounds>
//! ```

use strand_au::{ComputationStore, FileSystemStore, Key, UpdateAction};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(rounds), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: au_counter <store dir> <rounds>");
        std::process::exit(2);
    };
    let rounds: u64 = rounds.parse().expect("a number of rounds");
    let store = FileSystemStore::new(dir);
    let key = Key::new("counter").expect("a valid key");
    // The same update as `increment` in tests/au_cross_process.rs.
    for _ in 0..rounds {
        store
            .update(&key, &mut |r| {
                let n = r.metadata.get("n").and_then(|v| v.as_u64()).unwrap_or(0);
                r.metadata.insert("n".into(), (n + 1).into());
                UpdateAction::Write
            })
            .expect("an atomic update");
    }
}

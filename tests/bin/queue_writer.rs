//! `queue_writer <dir> <count>`: writes `count` tasks of
//! `queue_test::once` (ids 0..count) into the FileSystemStore at `<dir>`,
//! prints each task's key, then `written`, then waits to be killed: the
//! writer that dies right after writing, of `queue_processes.rs`.

use std::io::Write;
use std::sync::Arc;

use strand_au::{ComputationStore, FileSystemStore, StoreTaskWriter};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: u64 = args[2].parse().expect("count");
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(&args[1]));
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", store);
    let mut out = std::io::stdout().lock();
    for id in 0..count {
        let handle = once.try_call((id,)).expect("task written");
        writeln!(out, "{}", handle.key().expect("a store task has a key")).expect("stdout");
    }
    writeln!(out, "written").expect("stdout");
    out.flush().expect("stdout");
    loop {
        std::thread::park();
    }
}

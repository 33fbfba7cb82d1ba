//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use strand_au::{ComputationStore, FileSystemStore, ManualClock, MemoryStore, Serialization};

/// A generous deadline that only guards against hangs.
pub const HANG: Duration = Duration::from_secs(60);

/// A store of each kind, on `clock`, with `ttl`; the temp dir lives as long as the Vec.
pub fn stores(
    clock: &ManualClock,
    ttl: Option<Duration>,
) -> Vec<(
    &'static str,
    Arc<dyn ComputationStore>,
    Option<tempfile::TempDir>,
)> {
    let mut out: Vec<(
        &'static str,
        Arc<dyn ComputationStore>,
        Option<tempfile::TempDir>,
    )> = Vec::new();
    let mut mem = MemoryStore::new().clock(clock.clone());
    if let Some(ttl) = ttl {
        mem = mem.ttl(ttl);
    }
    out.push(("memory", Arc::new(mem), None));
    for (name, ser) in [
        ("fs-json", Serialization::Json),
        ("fs-binary", Serialization::Binary),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut fs = FileSystemStore::new(dir.path())
            .serialization(ser)
            .clock(clock.clone());
        if let Some(ttl) = ttl {
            fs = fs.ttl(ttl);
        }
        out.push((name, Arc::new(fs), Some(dir)));
    }
    out
}

/// Both kinds of store on the system clock.
pub fn live_stores() -> Vec<(
    &'static str,
    Arc<dyn ComputationStore>,
    Option<tempfile::TempDir>,
)> {
    let dir = tempfile::tempdir().unwrap();
    vec![
        (
            "memory",
            Arc::new(MemoryStore::new()) as Arc<dyn ComputationStore>,
            None,
        ),
        ("fs", Arc::new(FileSystemStore::new(dir.path())), Some(dir)),
    ]
}

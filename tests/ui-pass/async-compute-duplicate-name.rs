// Two functions registered under one name: the first use of the registry
// (or of either function) panics with a message naming both.
use strand_au::{MemoryStore, async_compute};

#[async_compute(store = MemoryStore::new(), name = "jobs::same")]
fn first(x: u8) -> u8 {
    x
}

mod other {
    #[strand_au::async_compute(store = strand_au::MemoryStore::new(), name = "jobs::same")]
    pub fn second(x: u8) -> u8 {
        x
    }
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let panic = std::panic::catch_unwind(|| strand_au::lookup("jobs::same")).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("computation name `jobs::same` is registered twice: by `"),
        "{message}"
    );
    assert!(message.contains("::first"), "{message}");
    assert!(message.contains("::other::second"), "{message}");
    assert!(std::panic::catch_unwind(|| first(1)).is_err());
    assert!(std::panic::catch_unwind(|| other::second(1)).is_err());
}

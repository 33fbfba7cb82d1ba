// Two functions registered under one name: that name is an error naming
// both, wherever it is looked up or launched; no panic, and every other
// name works.
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

#[async_compute(store = MemoryStore::new(), name = "jobs::innocent")]
fn innocent(x: u8) -> u8 {
    x + 1
}

fn main() {
    let err = strand_au::lookup("jobs::same").unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("the name `jobs::same` is registered twice: by `"),
        "{message}"
    );
    assert!(message.contains("::first"), "{message}");
    assert!(message.contains("::other::second"), "{message}");

    for launched in [first(1), other::second(1)] {
        let err = launched.join().unwrap_err();
        assert!(err.to_string().contains("registered twice"), "{err}");
    }

    assert_eq!(innocent(1).join().unwrap(), 2);
    assert!(strand_au::lookup("jobs::innocent").unwrap().is_some());

    let duplicates = strand::process::check_registry().unwrap_err();
    let names: Vec<_> = duplicates.iter().map(|d| d.name()).collect();
    assert_eq!(names, ["jobs::same"]);
}

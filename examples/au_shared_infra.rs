//! Shared infrastructure: several `#[async_compute]` functions use one store
//! and one worker pool, a pipeline chains them (the output of one step is the
//! input of the next), and a batch launches many computations at once.
//!
//! To share, give each function the same handle: here the store comes from a
//! `OnceLock` that `main` fills with its temporary store (removed at the
//! end), and the backend is a `static` pool of two workers.
//!
//! Run with `cargo run --example au_shared_infra`.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant};

use strand_au::{ComputationBackend, ComputationStore, PoolBackend, TempStore, async_compute};

static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();
static POOL: LazyLock<Arc<dyn ComputationBackend>> =
    LazyLock::new(|| Arc::new(PoolBackend::new(2)));

/// The shared store (`main` sets it before the first call).
fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("main sets the store first").clone()
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Step 1: lowercase words, punctuation stripped.
#[async_compute(store = store(), backend = POOL.clone())]
fn preprocess(text: String) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Step 2: how often each word occurs.
#[async_compute(store = store(), backend = POOL.clone())]
fn word_counts(words: Vec<String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for word in words {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// A batch item: a checksum of the item's id, standing in for real work.
#[async_compute(store = store(), backend = POOL.clone())]
fn process_item(id: u32) -> u64 {
    (0..=u64::from(id)).fold(17, |h, x| h.wrapping_mul(31).wrapping_add(x))
}

fn main() {
    let temp = TempStore::new()
        .expect("temp dir")
        .configure(|s| s.ttl(Duration::from_secs(7200)));
    STORE.set(temp.shared()).expect("set once");
    println!("shared store: {}", temp.dir().display());

    // One store and one backend behind all three functions.
    assert!(Arc::ptr_eq(&preprocess::store(), &word_counts::store()));
    assert!(Arc::ptr_eq(&preprocess::store(), &process_item::store()));
    assert!(Arc::ptr_eq(&preprocess::backend(), &word_counts::backend()));
    assert!(Arc::ptr_eq(&preprocess::backend(), &POOL));

    // A pipeline: step 2 starts on the output of step 1.
    let text = "The quick brown fox jumps over the lazy dog. The dog sleeps.";
    let h1 = preprocess(text.to_owned());
    let words = h1.join_timeout(TIMEOUT).unwrap();
    println!("step 1 ({}): {} words", h1.key(), words.len());
    assert_eq!(words.len(), 12);
    let h2 = word_counts(words);
    let counts = h2.join_timeout(TIMEOUT).unwrap();
    println!("step 2 ({}): {counts:?}", h2.key());
    assert_eq!(counts["the"], 3);
    assert_eq!(counts["dog"], 2);

    // One store: either function's companion reads the other's records.
    let again = word_counts::handle(h2.key().clone());
    assert_eq!(again.try_join().unwrap(), counts);
    let step1_seen_by_step2 = strand_au::ComputationHandle::<Vec<String>>::from_key(
        h1.key().clone(),
        word_counts::store(),
    );
    assert_eq!(step1_seen_by_step2.try_join().unwrap()[0], "the");

    // A batch: 200 launches return at once; two workers drain them.
    let start = Instant::now();
    let handles: Vec<_> = (0..200).map(process_item).collect();
    let launched = start.elapsed();
    let results: Vec<u64> = handles
        .iter()
        .map(|h| h.join_timeout(TIMEOUT).unwrap())
        .collect();
    println!(
        "batch: launched 200 in {launched:?}, all done in {:?}",
        start.elapsed()
    );
    assert_eq!(results[0], 17 * 31);
    assert!(handles.iter().all(|h| h.is_ready()));

    let stored = temp.len().unwrap();
    println!("records in the shared store: {stored}");
    assert_eq!(stored, 2 + 200);

    let dir = temp.dir().to_path_buf();
    drop(temp);
    assert!(!dir.exists());
    println!("shared store removed");
}

//! Quick start of strand-au: `#[async_compute]` turns a function into a
//! persisted computation. A call records it in a store, runs the body on a
//! thread, and returns a `ComputationHandle` at once; the handle reads the
//! status, progress, metadata and result, now or later.
//!
//! With no options the records go to the default store, a directory of the
//! current user under the system temp dir, and are kept for one hour; this
//! example deletes its record before it exits.
//!
//! Run with `cargo run --example au_quickstart`.

use std::time::Duration;

use strand_au::{ComputationHandle, FileSystemStore, Status, async_compute, current_computation};

/// `n!` in decimal, exact (100! has 158 digits, far past any integer type).
/// Reports its progress every ten factors, and pauses a little there, as a
/// stand-in for real work.
#[async_compute]
fn expensive_computation(n: u32) -> String {
    let me = current_computation();
    // Little-endian base-10^9 limbs.
    let mut limbs: Vec<u64> = vec![1];
    for factor in 1..=u64::from(n) {
        let mut carry = 0;
        for limb in &mut limbs {
            let product = *limb * factor + carry;
            *limb = product % 1_000_000_000;
            carry = product / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
        if factor % 10 == 0 {
            let fraction = factor as f64 / f64::from(n);
            me.set_progress(fraction, &format!("multiplied up to {factor}"))
                .expect("the store takes progress reports");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let mut digits = limbs.last().unwrap().to_string();
    for limb in limbs.iter().rev().skip(1) {
        digits.push_str(&format!("{limb:09}"));
    }
    // Metadata: free-form facts the handle can read next to the result.
    me.set_metadata("digits", serde_json::json!(digits.len()))
        .expect("the store takes metadata");
    digits
}

fn main() {
    // Returns at once; the body runs on a thread of its own.
    let handle = expensive_computation(100);
    let status = handle.status().unwrap();
    println!("launched {} -> {status}", handle.key());
    assert!(matches!(status, Status::Pending | Status::Running));

    // Not done after 1 ms (the body pauses ten times 5 ms): waiting with a
    // timeout says so and leaves the handle usable.
    let err = handle
        .join_timeout(Duration::from_millis(1))
        .expect_err("cannot be done after 1 ms");
    assert!(err.is_wait_timeout());
    println!("after 1 ms: {err}; ready? {}", handle.is_ready());
    assert!(handle.try_join().unwrap_err().is_not_ready());
    if let Some(p) = handle.progress().unwrap() {
        println!(
            "progress so far: {:.0}% ({})",
            p.fraction * 100.0,
            p.message
        );
    }

    // Block, with a generous timeout.
    let digits = handle.join_timeout(Duration::from_secs(30)).unwrap();
    println!("100! = {digits}");
    assert_eq!(digits.len(), 158);
    assert!(digits.starts_with("93326215443944152681"));
    assert!(digits.ends_with(&"0".repeat(24)));

    assert_eq!(handle.status().unwrap(), Status::Completed);
    assert!(handle.is_ready());
    let progress = handle
        .progress()
        .unwrap()
        .expect("the body reported progress");
    println!(
        "final progress: {:.0}% ({})",
        progress.fraction * 100.0,
        progress.message
    );
    assert_eq!(progress.fraction, 1.0);

    // What the store recorded about it.
    let record = handle.record().unwrap();
    println!(
        "record: function {}, args {}, ran for {:?}",
        record.function,
        record.args,
        handle.duration().unwrap().expect("finished")
    );
    assert!(record.function.ends_with("::expensive_computation"));
    assert_eq!(record.args, serde_json::json!([100]));
    let metadata = handle.metadata().unwrap();
    println!("metadata: {}", serde_json::Value::Object(metadata.clone()));
    assert_eq!(metadata["digits"], 158);
    // The record is a file of the default store's directory.
    let file = FileSystemStore::default_dir()
        .join("computations")
        .join(format!("{}.json", handle.key()));
    println!(
        "record file: {} (records in that store now: {})",
        file.display(),
        expensive_computation::store().len().unwrap()
    );
    assert!(file.exists());

    // Anyone who knows the key (as text) can read the result later.
    let id = handle.key().to_string();
    let later: ComputationHandle<String> = expensive_computation::handle(id.parse().unwrap());
    assert_eq!(later.try_join().unwrap(), digits);

    // Tidy up: the default store is shared by every run on this machine.
    assert!(handle.delete().unwrap());
    assert!(later.status().unwrap_err().is_unknown_key());
    println!("record {id} deleted");
}

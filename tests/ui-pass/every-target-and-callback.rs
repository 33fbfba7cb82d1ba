// Every target with every callback that applies, fallible and not.
use std::sync::atomic::{AtomicUsize, Ordering};

use strand::JoinError;

static SEEN: AtomicUsize = AtomicUsize::new(0);

fn on_item(item: u32) {
    SEEN.fetch_add(item as usize, Ordering::SeqCst);
}
fn on_value(value: &u32) {
    assert!(*value < 100);
}
fn on_count(count: &usize) {
    assert!(*count <= 10);
}
fn on_failure(error: &JoinError<String>) {
    eprintln!("failed: {error}");
}
fn on_panic(error: &JoinError) {
    eprintln!("failed: {error}");
}

macro_rules! every_target {
    ($($target:ident),*) => {$(
        mod $target {
            use super::*;

            #[strand::as_task($target)]
            pub fn plain(x: u32) -> u32 { x + 1 }

            #[strand::as_task($target, on_end = on_value, on_error = on_panic, name = "plain")]
            pub fn named(x: u32) -> u32 { x + 1 }

            #[strand::as_task($target, on_iter = on_item, on_end = on_count, on_error = on_panic)]
            pub fn items(n: u32) -> impl Iterator<Item = u32> + Send { 0..n }

            #[strand::as_task($target, on_iter = on_item)]
            pub fn vec_items(n: u32) -> Vec<u32> { (0..n).collect() }

            #[strand::as_task($target, on_end = on_value, on_error = on_failure)]
            pub fn fallible(s: String) -> Result<u32, String> {
                s.parse().map_err(|_| format!("not a number: {s}"))
            }

            #[strand::as_task($target, fallible = true, on_iter = on_item, on_end = on_count, on_error = on_failure)]
            pub fn fallible_items(n: u32) -> Result<Vec<u32>, String> {
                if n > 10 { Err("too many".into()) } else { Ok((0..n).collect()) }
            }

            #[strand::as_task($target, fallible = false, on_end = |r: &Result<u32, String>| assert!(r.is_ok()))]
            pub fn result_as_value(x: u32) -> Result<u32, String> { Ok(x) }

            #[strand::as_task($target, on_end = |_: &()| {})]
            pub fn nothing() {}
        }
    )*};
}

every_target!(thread, pool, sync);

macro_rules! check {
    ($target:ident) => {{
        use $target::*;
        assert_eq!(plain(1).join().unwrap(), 2);
        let handle = named(1);
        assert_eq!(handle.name(), Some("plain"));
        assert_eq!(handle.join().unwrap(), 2);
        assert_eq!(items(4).join().unwrap(), 4);
        assert_eq!(vec_items(4).join().unwrap(), 4);
        assert_eq!(fallible("5".into()).join().unwrap(), 5);
        let err = fallible("x".into()).join().unwrap_err();
        assert_eq!(err.failure().map(String::as_str), Some("not a number: x"));
        assert_eq!(fallible_items(3).join().unwrap(), 3);
        assert!(fallible_items(11).join().unwrap_err().is_failed());
        assert_eq!(result_as_value(3).join().unwrap(), Ok(3));
        nothing().join().unwrap();
    }};
}

fn main() {
    check!(thread);
    check!(pool);
    check!(sync);
    assert_eq!(SEEN.load(Ordering::SeqCst), 3 * (6 + 6 + 3));
}

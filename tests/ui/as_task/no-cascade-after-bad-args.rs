use strand::as_task;

fn print_item(item: u64) {
    println!("{item}");
}

// One error: the typo. The rewrite keeps `on_iter`, so `join()` still
// returns the number of items and the call site type-checks.
#[as_task(thread, on_iter = print_item, on_edn = |n: &usize| println!("{n}"))]
fn items(n: u64) -> Vec<u64> {
    (0..n).collect()
}

fn main() {
    let delivered: usize = items(3).join().unwrap();
    assert_eq!(delivered, 3);
}

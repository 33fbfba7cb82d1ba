// The body runs in a worker process, from the store: one error per option
// that cannot apply, each at its key, and the task still rewritten.
fn print_item(item: u32) {
    println!("{item}");
}

#[strand::as_task(
    store,
    on_iter = print_item,             // error
    pool = strand::Pool::new(2),      // error
    serialization = binary,           // error
    yield_on_iter = false,            // error
)]
fn items(n: u32) -> Vec<u32> {
    (0..n).collect()
}

fn main() {
    let _: strand::TaskHandle<Vec<u32>> = items(3);
}

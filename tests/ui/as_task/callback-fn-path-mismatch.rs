use strand::as_task;

// TODO: characterisation test. `on_iter` receives each item by value (`u64`),
// and rustc points at the callback but says "expected function signature".
fn print_chunk(chunk: &str) {
    println!("{chunk}");
}

#[as_task(thread, on_iter = print_chunk)]
fn chunks(total: u64) -> Vec<u64> {
    (0..total).collect()
}

fn main() {
    let _ = chunks(4).join();
}

use strand::as_task;

fn print_item(item: u32) {
    println!("{item}");
}

#[as_task(thread, on_iter = print_item)]
fn total(n: u32) -> u32 {
    n * 2
}

fn main() {
    let _ = total(1).join();
}

use strand::as_task;

// A type parameter can hold a borrow: a `thread` task needs `T: 'static`.
#[as_task(thread)]
fn show<T: std::fmt::Display + Send>(value: T) -> String {
    value.to_string()
}

fn main() {
    let _ = show(1).join();
}

use strand_au::async_compute;

#[async_compute]
fn show<T: std::fmt::Display>(value: T) -> String {
    value.to_string()
}

fn main() {
    let _: String = show(1).join().unwrap();
}

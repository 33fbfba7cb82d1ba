#[strand::as_task(store, queue = ".mail box")] // error: at the literal
fn send(to: String) -> usize {
    to.len()
}

fn main() {
    let _ = send("a".to_owned());
}

#[strand::as_task(store)]
fn show<T: serde::Serialize>(value: T) -> String { // error: at `<T: ...>`
    let _ = value;
    String::new()
}

fn main() {
    let _ = show(1u8);
}

use strand::as_task;

// `io::Error` is no serde type: a returned error is written into the store.
#[as_task(store)]
fn read(path: String) -> std::io::Result<String> { // error: at the return type
    std::fs::read_to_string(path)
}

fn main() {
    let _ = read("/etc/hostname".to_owned());
}

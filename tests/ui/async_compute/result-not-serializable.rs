use strand_au::async_compute;

pub struct Report {
    pub lines: Vec<String>,
}

#[async_compute]
fn report(n: usize) -> Report {
    Report { lines: vec![String::new(); n] }
}

fn main() {
    // A caller of `.join()` would also be told that `Report` is not
    // `DeserializeOwned`: the handle needs it to decode the value.
    let _ = report(2);
}

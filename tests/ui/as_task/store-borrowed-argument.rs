// Arguments are written into the store: one error at `&str`, and call sites
// still type-check.
#[strand::as_task(store)]
fn count(text: &str) -> usize { // error: at `&str`
    text.len()
}

fn main() {
    let _: usize = count("a b").join().unwrap();
}

use strand::as_task;

#[as_task(process)]
fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn main() {
    // The call site still type-checks: only the signature is reported.
    let _ = count_words("a b").join();
}

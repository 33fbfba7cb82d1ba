use strand_au::async_compute;

// The call site below reports nothing: the function keeps its rewritten
// signature.
#[async_compute]
fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn main() {
    let words: usize = count_words("a b").join().unwrap();
    assert_eq!(words, 2);
}

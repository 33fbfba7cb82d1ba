// The `sync` target accepts borrowed arguments.
#[strand::as_task(sync)]
fn count_words(text: &str, min: usize) -> usize {
    text.split_whitespace().filter(|w| w.len() >= min).count()
}

#[strand::as_task(sync, on_iter = |n: usize| println!("{n}"), on_end = |n: &usize| assert_eq!(*n, 2))]
fn lengths(words: &[String]) -> Vec<usize> {
    words.iter().map(String::len).collect()
}

#[strand::as_task(sync, on_error = |e: &strand::JoinError| assert_eq!(e.panic_message(), Some("empty")))]
fn first(text: &str) -> char {
    text.chars().next().expect("empty")
}

fn main() {
    let owned = String::from("a bb ccc");
    assert_eq!(count_words(&owned, 2).join().unwrap(), 2);
    let words = vec!["x".to_owned(), "yy".to_owned()];
    assert_eq!(lengths(&words).join().unwrap(), 2);
    assert_eq!(first("abc").join().unwrap(), 'a');
    let local = String::new();
    assert_eq!(first(&local).join().unwrap_err().panic_message(), Some("empty"));
}

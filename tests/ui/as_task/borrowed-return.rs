use strand::as_task;

#[as_task(sync)]
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

fn main() {}

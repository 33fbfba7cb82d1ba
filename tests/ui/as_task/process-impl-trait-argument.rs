use strand::as_task;

#[as_task(process)]
fn shout(text: impl Into<String>) -> String {
    text.into().to_uppercase()
}

fn main() {
    let _ = shout("hi").join();
}

use strand::as_task;

pub struct ParseFailure;

#[as_task(process)]
fn parse(text: String) -> Result<u32, ParseFailure> {
    text.parse().map_err(|_| ParseFailure)
}

fn main() {
    let _ = parse("1".to_owned()).join();
}

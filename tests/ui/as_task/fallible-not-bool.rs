use strand::as_task;

#[as_task(thread, fallible = "yes")]
fn parse(s: String) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

fn main() {
    let _ = parse("1".to_owned()).join();
}

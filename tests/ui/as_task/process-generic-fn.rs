use strand::as_task;

#[as_task(process)]
fn total<T: Into<u64>>(values: Vec<T>) -> u64 {
    values.into_iter().map(Into::into).sum()
}

fn main() {
    let _ = total(vec![1u32, 2]).join();
}

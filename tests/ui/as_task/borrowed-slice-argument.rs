use strand::as_task;

#[as_task(pool)]
fn sum(values: &[u64]) -> u64 {
    values.iter().sum()
}

fn main() {
    let _ = sum(&[1, 2]).join();
}

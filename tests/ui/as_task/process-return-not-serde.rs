use strand::as_task;

pub struct Summary {
    pub total: u64,
}

#[as_task(process)]
fn summarize(values: Vec<u64>) -> Summary {
    Summary { total: values.iter().sum() }
}

fn main() {
    let _ = summarize(vec![1, 2]).join();
}

use std::time::Duration;

use strand::as_task;

#[as_task(coroutine)]
async fn fetch(id: u32) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    format!("item {id}")
}

#[as_task(coroutine, fallible = true)]
async fn parse(s: String) -> Result<u8, std::num::ParseIntError> {
    s.parse()
}

#[as_task(coroutine, on_iter = |line: String| println!("{line}"), yield_on_iter = false)]
async fn lines() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

#[as_task(coroutine)]
fn blocking_read(path: std::path::PathBuf) -> std::io::Result<usize> {
    std::fs::read(path).map(|b| b.len())
}

fn main() {
    let _: String = fetch(1).join().unwrap();
    let _: u8 = parse("7".into()).join().unwrap();
    let _: usize = lines().join().unwrap();
    let _ = blocking_read(".".into()).join();
}

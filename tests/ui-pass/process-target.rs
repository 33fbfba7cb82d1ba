// The `process` target: a derived serde struct, a fallible function, zero
// arguments, binary serialization and a renamed crate, each
// run in a child copy of this program (trybuild runs `main`, so the children
// are real).
use serde::{Deserialize, Serialize};
use strand as strand1;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    x: i64,
    y: i64,
}

#[strand::as_task(process)]
fn mirror(point: Point) -> Point {
    Point { x: -point.x, y: -point.y }
}

#[strand::as_task(process, serialization = binary)]
fn parse(text: String) -> Result<u32, String> {
    text.parse().map_err(|_| format!("not a number: {text}"))
}

#[strand::as_task(process, name = "ui_pass::pid")]
fn child_pid() -> u32 {
    std::process::id()
}

/// Adds in a child.
#[strand::as_task(process)]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[strand1::as_task(process, crate = strand1, serialization = json)]
fn unit(_: ()) {}

// The README's sample.
#[derive(Serialize, Deserialize)]
struct Job {
    seed: u64,
    rounds: u32,
}

#[strand::as_task(process)]
fn simulate(job: Job) -> Result<f64, String> {
    if job.rounds == 0 {
        return Err("no rounds".into());
    }
    Ok((0..job.rounds).fold(job.seed as f64, |x, _| (x * 1.000_1).sin().abs()))
}

fn main() {
    assert_eq!(mirror(Point { x: 1, y: -2 }).join().unwrap(), Point { x: -1, y: 2 });
    assert_eq!(parse("7".to_owned()).join().unwrap(), 7);
    let err = parse("x".to_owned()).join().unwrap_err();
    assert_eq!(err.failure().map(String::as_str), Some("not a number: x"));
    assert_ne!(child_pid().join().unwrap(), std::process::id());
    assert_eq!(add(2, 3).join().unwrap(), 5);
    unit(()).join().unwrap();

    let score = simulate(Job { seed: 7, rounds: 1_000 }).join().unwrap();
    assert!((0.0..=1.0).contains(&score));
    let slow = simulate(Job { seed: 7, rounds: u32::MAX });
    let err = slow.join_or_cancel(std::time::Duration::from_millis(100)).unwrap_err();
    assert!(err.is_cancelled());
}

// The `store` target: a call writes the task into a queue of the store and
// returns at once; a worker finds the function by its registered name
// (here, `strand_au::lookup` runs it, as a worker would); a handle is rebuilt
// from the key with the companion. A derived serde struct, a fallible
// function, zero arguments, a destructured argument, the default store, a
// task declared in a function body and a renamed strand crate.
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};
use strand as strand1;
use strand_au::{ComputationStore, MemoryStore};

static STORE: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    x: i64,
    y: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum MailError {
    NoOne,
}

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no one to send to")
    }
}

/// Mirrors a point.
#[strand::as_task(store = STORE.clone(), queue = "geometry", name = "ui_pass::mirror")]
pub fn mirror(point: Point) -> Point {
    Point { x: -point.x, y: -point.y }
}

#[strand::as_task(store = STORE.clone(), on_end = |n| assert!(*n > 0), on_error = |e: &strand::JoinError<MailError>| eprintln!("{e}"))]
fn send(to: String, (a, b): (u32, u32)) -> Result<u32, MailError> {
    if to.is_empty() { Err(MailError::NoOne) } else { Ok(a + b) }
}

#[strand::as_task(store, name = "ui_pass::tick")]
fn tick() -> u64 {
    7
}

#[strand1::as_task(store = MemoryStore::new(), crate = strand1, name = "ui_pass::renamed")]
fn renamed(x: u8) -> u8 {
    x
}

fn main() {
    let handle: strand::TaskHandle<Point> = mirror(Point { x: 1, y: 2 });
    let key = handle.key().expect("a store task has a key").to_owned();
    drop(handle); // the task stays queued
    let again: strand::TaskHandle<Point> = mirror::handle(&key);
    assert_eq!(again.key(), Some(key.as_str()));
    assert_eq!(mirror::name(), "ui_pass::mirror");

    let run = strand_au::lookup("ui_pass::mirror").unwrap().expect("registered");
    assert_eq!(
        run(serde_json::json!([{ "x": 1, "y": 2 }])).unwrap(),
        serde_json::json!({ "x": -1, "y": -2 })
    );
    let run = strand_au::lookup(send::name()).unwrap().expect("registered");
    assert_eq!(run(serde_json::json!(["a", [1, 2]])).unwrap(), serde_json::json!(3));
    let failure = run(serde_json::json!(["", [1, 2]])).unwrap_err();
    assert_eq!(failure.message, "no one to send to");
    let run = strand_au::lookup("ui_pass::tick").unwrap().expect("registered");
    assert_eq!(run(serde_json::Value::Null).unwrap(), serde_json::json!(7));

    let _: strand::TaskHandle<u32, MailError> = send("a".to_owned(), (1, 2));
    let _: strand::TaskHandle<u64> = tick();
    let _: strand::TaskHandle<u8> = renamed(1);

    #[strand::as_task(store = STORE.clone())]
    fn nested(x: u32) -> u32 {
        x + 1
    }
    let _: strand::TaskHandle<u32> = nested(1);
}

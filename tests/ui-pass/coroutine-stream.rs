// `on_iter` on a coroutine task whose return type names a `Stream`: the
// items are delivered as the stream yields them, whatever way it is written.
use std::pin::Pin;

use futures_util::stream;
use strand::as_task;

#[as_task(coroutine, on_iter = |i: u32| println!("{i}"))]
async fn counted(n: u32) -> impl strand::coroutine::Stream<Item = u32> {
    stream::iter(0..n)
}

#[as_task(coroutine, on_iter = |s: String| println!("{s}"), yield_on_iter = false)]
async fn boxed() -> Pin<Box<dyn futures_util::Stream<Item = String> + Send>> {
    Box::pin(stream::iter(vec!["a".to_string()]))
}

#[as_task(coroutine, on_iter = |b: u8| println!("{b}"), on_end = |n: &usize| println!("{n}"))]
async fn fallible(ok: bool) -> Result<impl futures_util::Stream<Item = u8>, String> {
    if ok { Ok(stream::iter([1u8, 2])) } else { Err("no".into()) }
}

#[as_task(coroutine, on_iter = |i: u32| println!("{i}"))]
fn plain_fn() -> impl futures_util::Stream<Item = u32> {
    stream::iter(0..2)
}

fn main() {
    let _: usize = counted(3).join().unwrap();
    let _: usize = boxed().join().unwrap();
    let _: Result<usize, strand::JoinError<String>> = fallible(true).join();
    let _: usize = plain_fn().join().unwrap();
}

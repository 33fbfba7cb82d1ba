//! Quick start: one attribute turns a function into a task.
//!
//! Run with `cargo run --example quickstart`.

use std::time::Duration;

use strand::as_task;

/// Counts the primes below `limit`, slowly enough to be worth a thread.
#[as_task(thread)]
fn count_primes(limit: u64) -> usize {
    (2..limit)
        .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .count()
}

/// The same kind of work, on the shared worker pool instead of a new thread.
#[as_task(pool)]
fn sum_of_squares(n: u64) -> u64 {
    (1..=n).map(|i| i * i).sum()
}

/// Parses a number; a returned `Err` fails the task and `join` hands it back.
#[as_task(thread)]
fn parse_port(text: String) -> Result<u16, std::num::ParseIntError> {
    text.trim().parse()
}

fn main() {
    // Each call returns at once with a handle; the bodies run meanwhile.
    let primes = count_primes(200_000);
    let squares = sum_of_squares(1_000);
    println!("started tasks {} and {}", primes.id(), squares.id());

    // Wait with a timeout: on expiry the handle comes back inside the error.
    let primes = match primes.join_timeout(Duration::from_millis(1)) {
        Ok(n) => n,
        Err(err) => {
            println!("not done after 1 ms ({err}); waiting for it");
            err.into_handle()
                .expect("timed out, so the handle is back")
                .join()
                .unwrap()
        }
    };
    println!("primes below 200000: {primes}");
    println!("sum of squares to 1000: {}", squares.join().unwrap());

    match parse_port(" 8080 ".to_string()).join() {
        Ok(port) => println!("port: {port}"),
        Err(err) => println!("bad port: {err}"),
    }
    match parse_port("eighty".to_string()).join() {
        Ok(port) => println!("port: {port}"),
        Err(err) => println!("bad port: {err}"),
    }
}

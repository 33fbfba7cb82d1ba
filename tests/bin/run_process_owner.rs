//! The owner process of the owner-death tests in `tests/run_process.rs`:
//! starts a `RunProcess` child, prints the child's pid on a line of its
//! own, then ends as told.
//!
//! ```text
//! run_process_owner <child> <ending> [outlive]
//!   child:  sleep     `sleep 300`
//!           function  the registered function `spin`, which loops
//!           cat       `cat`, reading this process's standard input and
//!                     writing its standard output (so the test can ping it)
//!   ending: panic     read a line from standard input, then panic in `main`
//!                     (the guard is held in a static, so no drop runs)
//!           exit      read a line, then `std::process::exit(3)` (the guard
//!                     is on the stack, and is never dropped)
//!           wait      wait for ever, to be killed by the test
//!   outlive: start the child with `RunProcess::outlive_owner(true)`
//! ```

use std::io::{BufRead as _, Write as _};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use strand::{ProcessGuard, RunProcess, as_task};

/// The `function` child: loops until it is killed.
#[allow(dead_code, reason = "run by name, through `RunProcess::function`")]
#[as_task(process)]
fn spin() {
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Guards kept here are never dropped, not even while `main` unwinds.
static KEPT: Mutex<Vec<ProcessGuard>> = Mutex::new(Vec::new());

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [child, ending, rest @ ..] = args.as_slice() else {
        usage();
    };
    let outlive = match rest {
        [] => false,
        [flag] if flag == "outlive" => true,
        _ => usage(),
    };
    let run = match child.as_str() {
        "sleep" => {
            let mut sleep = Command::new("sleep");
            sleep.arg("300");
            RunProcess::new(sleep)
        }
        "function" => RunProcess::function(concat!(module_path!(), "::spin"), &())
            .expect("the function's command"),
        "cat" => RunProcess::new(Command::new("cat")),
        _ => usage(),
    };
    let guard = run
        .outlive_owner(outlive)
        .start()
        .expect("the child starts");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", guard.pid().expect("started")).expect("print the pid");
    stdout.flush().expect("flush the pid");
    drop(stdout);
    match ending.as_str() {
        "panic" => {
            KEPT.lock().expect("not poisoned").push(guard);
            wait_for_a_line();
            panic!("the owner panics in main");
        }
        "exit" => {
            wait_for_a_line();
            std::process::exit(3);
        }
        "wait" => loop {
            std::thread::park();
        },
        _ => usage(),
    }
}

fn wait_for_a_line() {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
}

fn usage() -> ! {
    eprintln!("usage: run_process_owner sleep|function|cat panic|exit|wait [outlive]");
    std::process::exit(64);
}

//! The start-up hook: before `main` (or the test harness) runs, it turns a
//! copy of the binary into what its parent started, a worker or a
//! registered function run as a process of its own.

use super::child::{WORKER_ENV, exit, worker_main};
use super::function;

// The hook runs before `main` in every binary that links strand (binaries,
// examples, test and bench harnesses), and does nothing unless the parent
// marked this process as a worker. It only reads the registry, which the
// linker assembled, so it cannot race other start-up code.
#[ctor::ctor(unsafe)]
fn divert_worker() {
    if let Some(code) = function::divert() {
        exit(code);
    }
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    // SAFETY: no other thread exists yet: this runs before `main`.
    unsafe { std::env::remove_var(WORKER_ENV) };
    exit(worker_main());
}

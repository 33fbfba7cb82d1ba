//! Running functions in other processes (Unix only).
//!
//! Rust cannot send a closure to another process, so strand runs a copy of
//! the current executable and asks it to run a function *by name*:
//!
//! 1. `#[as_task(process)]` registers the function under a stable name
//!    (`module::path::function`, or `name = "..."`) in a table the linker
//!    builds, and checks at compile time that its arguments and value are
//!    serde types.
//! 2. A call starts `std::env::current_exe()` with a Unix socket as its
//!    standard input and a marker in its environment, and sends the name
//!    and the encoded arguments (JSON, or MessagePack with
//!    `serialization = binary`) in one frame.
//! 3. In the child, a start-up hook (it runs before `main`, and before the
//!    harness of a test or bench binary) sees the marker, swaps its
//!    standard input for `/dev/null`, and serves requests: it finds the
//!    function, runs it (a panic is caught and its message sent back),
//!    and replies with the encoded value. It never returns to `main`.
//!
//! So it works in binaries, examples and `cargo test` with no set-up line.
//! The body's standard output and error are the parent's: printing there
//! never disturbs the protocol, which has its own socket.
//!
//! # The child's world and lifetime
//!
//! - For the body, the child is a normal Rust program: SIGPIPE is ignored
//!   (a write to a closed pipe is `Err(BrokenPipe)`), the body runs on a
//!   thread named `main` with an 8 MiB stack, and standard input is
//!   `/dev/null`; if it cannot be, the child exits instead of serving.
//!   Constructors that the linker placed after strand's may not have run
//!   when the body starts: that is the one difference a start-up hook
//!   cannot remove.
//! - Each worker leads its own process group: a cancel (SIGKILL to the
//!   group) takes whatever the body started in it, and so does reaping.
//! - A worker dies with the process that started it, whatever way that
//!   process ends (returning from `main`, a panic, SIGTERM, SIGKILL): it
//!   watches its socket, and when the parent's end closes while it works,
//!   it kills its own group. `PR_SET_PDEATHSIG` is not relied on: it fires
//!   when the spawning *thread* exits. A request may opt out with
//!   [`outlive_parent`] (strand-au does so for a computation the child
//!   records itself); such a worker exits after that request, and
//!   [`kill_worker_when`] keeps it killable from wherever its outcome lives.
//! - Dropping a [`TaskHandle`](crate::TaskHandle) detaches the task while its
//!   owner lives; every child is reaped (a child that replied, by a
//!   thread of strand's in the background: the value does not wait for
//!   the child's exit).
//!
//! Failures come back as values, never as an unwinding of the parent, so
//! all of this holds in a program built with `panic = "abort"`.
//!
//! Every failure is an error on the handle, never a hang: a child that
//! cannot start, exits or is killed mid-call (with its exit status or
//! signal), sends garbage, does not know the name, or cannot decode the
//! arguments; see [`ProcessError`]. Two functions registered under one name
//! make that name an error that names both, wherever it is called or looked
//! up ([`lookup`]); other names are unaffected, and [`check_registry`] lists
//! every duplicate for a check at start-up. A worker only ever runs functions that its own
//! binary registered: nothing it receives can make it run other code.
//!
//! # Examples
//!
//! ```
//! use strand::as_task;
//!
//! #[as_task(process)]
//! fn shout(text: String) -> String {
//!     text.to_uppercase()
//! }
//!
//! let handle = shout("hello".to_string()); // runs in a child process
//! assert_eq!(handle.join().unwrap(), "HELLO");
//! ```

// The files, low level first: `serialization` (the encodings), `frame` (the
// wire protocol), `registry` (the functions a binary registered), `error`
// (what goes wrong between the processes), `child` (the worker's side and
// what a registered function's entry runs), `function` (a registered
// function run as a process of its own), `startup` (the hook before `main`
// that makes a copy of the binary a worker or such a process), `worker`
// (the parent's side of a worker) and `task` (the `process` runner).
mod child;
pub(crate) mod error;
mod frame;
pub(crate) mod function;
mod registry;
mod serialization;
mod startup;
mod task;
mod worker;

#[doc(hidden)]
pub use child::protocol_fd as __protocol_fd;
pub use child::{kill_worker_when, outlive_parent, run_child};
pub use error::{ProcessError, ProcessErrorKind};
pub use frame::{ChildErrorKind, Reply};
pub use function::function_command;
pub use registry::{
    ChildInput, DuplicateName, Duplicates, PROCESS_FUNCTIONS, ProcessEntry, check_registry, lookup,
    registered_names,
};
pub use serialization::Serialization;
pub use task::{ProcessTarget, ProcessTaskrunner};
pub use worker::{Killer, WorkerProcess};

//! Procedural macros of strand. Use them through the runtime crates, which
//! re-export them and provide the runtime they call: `strand::as_task` and
//! `strand_au::async_compute`.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

mod as_task;
mod async_compute;
mod error;
mod hygiene;
mod item;
mod registry;
#[cfg(test)]
mod snapshot;
mod value;

use proc_macro::TokenStream;

/// Turns a function into a task: a call starts the body on a *target* and
/// returns a [`TaskHandle`] at once.
///
/// ```
/// use strand::as_task;
///
/// /// Adds up a range, slowly.
/// #[as_task(thread)]
/// fn sum_to(n: u64) -> u64 {
///     (1..=n).sum()
/// }
///
/// let handle = sum_to(100); // returns at once; the body runs on a new thread
/// assert_eq!(handle.join().unwrap(), 5050);
/// ```
///
/// The rewritten function keeps its name, documentation (followed by a
/// generated `# Task` paragraph that says where it runs and what `join`
/// returns), attributes, visibility, `unsafe` (`sync` only: see
/// [Errors](#errors)), generics, where clause and arguments; only its return
/// type changes.
///
/// | the function returns | `on_iter` | the call returns |
/// |---|---|---|
/// | `T` (or nothing: `()`) | no | `TaskHandle<T>` |
/// | `Result<T, E>`, `io::Result<T>`, … (fallible) | no | `TaskHandle<T, E>`: an `Err` fails the task |
/// | an iterable | yes | `TaskHandle<usize>`: the number of items delivered |
/// | `Result<I, E>` with `I` iterable | yes | `TaskHandle<usize, E>` |
/// | a `Stream` (`coroutine` only) | yes | `TaskHandle<usize>`: items delivered as the stream yields them |
///
/// # Arguments
///
/// `#[as_task]`, then optionally a target and options, comma-separated:
/// `#[as_task(target, option = value, ...)]`. Values are ordinary Rust.
///
/// | argument | type | default | example |
/// |---|---|---|---|
/// | target (a bare word, first) | `thread`, `pool`, `sync`, `process`, `coroutine`, `store` or `store = <expr>` | `thread`; `pool` when `pool = ...` is given | `#[as_task(pool)]`, `#[as_task(store = STORE.clone())]` |
/// | `on_iter` | callback `Fn(Item)`, called with every item of the returned iterable, in order, as it is produced; on the `coroutine` target, a return type that names a `Stream` (`impl Stream<Item = T>`, `Pin<Box<dyn Stream<Item = T> + Send>>`, `Result<impl Stream<Item = T>, E>`) has its items delivered as the stream yields them, until a cancel stops the stream at its next `.await` | none | `on_iter = print_chunk` |
/// | `on_end` | callback `Fn(&T)`, called with the value when the task succeeds | none | `on_end = \|n: &u64\| println!("{n}")` |
/// | `on_error` | callback `Fn(&JoinError<E>)`, called when the function returns `Err` or panics | none | `on_error = \|e: &JoinError\| eprintln!("{e}")` |
/// | `fallible` | `true` or `false` | `true` when the written return type is a path ending in `Result` | `fallible = false` |
/// | `name` | string literal; a `process` or `store` task is registered under it | `concat!(module_path!(), "::", "<fn name>")` | `name = "jobs::resize"` |
/// | `crate` | path to the strand crate | `::strand` | `crate = my_strand` |
/// | `pool` (`pool` target only) | expression of type `Pool` or `&Pool`, evaluated once, on first call | [`Pool::global`] | `pool = Pool::new(4)` |
/// | `serialization` (`process` target only) | `json` or `binary` (MessagePack): how arguments and value travel to and from the child | `json` | `serialization = binary` |
/// | `yield_on_iter` (`coroutine` target with `on_iter` only) | `true` or `false`: yield to the scheduler after each item | `true` | `yield_on_iter = false` |
/// | `queue` (`store` target only) | string literal: the queue of the store the task goes into; 1 to 64 ASCII letters, digits, `-`, `_`, `.`, not starting with `.` | `"default"` | `queue = "mail"` |
///
/// Callbacks run in the task's context (on its thread; for `process`, on the
/// parent's thread that waits for the child, with the decoded value), and
/// none runs for a cancelled task. Builders apply in this order: `fallible`, `on_iter`,
/// `on_end`, `on_error`; so `on_end` receives the item count when `on_iter`
/// is set.
///
/// What each target needs:
///
/// - `thread`: a new thread per call. Arguments, the value and the error
///   cross threads: they must be `Send + 'static`, so arguments are owned
///   (`String`, not `&str`).
/// - `pool`: a worker of a bounded [`Pool`]; the call waits for room when the
///   pool's queue is full. Same requirements as `thread`.
/// - `sync`: the body runs right away in the caller and the handle is already
///   finished; arguments may borrow. The value must be `'static` (the handle
///   owns it). When an argument borrows or has a generic type, the body runs
///   just before the task is created (its panic is still caught and reported
///   by the handle), so [`current_task`] inside such a body sees no task.
///   Its value must not borrow from the arguments either; in edition 2024 an
///   `impl Trait` return type captures their lifetimes unless it says
///   otherwise: write `impl Iterator<Item = String> + use<>`. The only target
///   that takes an `unsafe fn`: its body runs during the call, inside the
///   caller's `unsafe` block.
/// - `process` (Unix): a fresh child process per call, a copy of the
///   program that finds the function by its registered `name`; a start-up
///   hook diverts the child before `main` (or a test harness) runs, so
///   binaries, examples and `cargo test` need no set-up. Arguments, the value
///   and the error are serde types (`Serialize + Deserialize`), sent as JSON
///   or, with `serialization = binary`, MessagePack; the function cannot be
///   generic nor take or return `impl Trait`. A panic comes back with its
///   message; a child that dies, or garbage on the wire, is an error on the
///   handle (see `JoinError::process_error`). `cancel()` kills the child, and
///   `join_or_cancel(timeout)` cancels on expiry.
///
/// ```
/// #[strand::as_task(process)]
/// fn shout(text: String) -> String {
///     text.to_uppercase()
/// }
///
/// assert_eq!(shout("hi".to_owned()).join().unwrap(), "HI"); // ran in a child process
/// ```
///
/// - `coroutine` (feature `tokio`): a tokio task on the caller's runtime,
///   or on a small runtime of strand's own outside one; the handle can be
///   `.await`ed. An `async fn` runs on the runtime's workers and `cancel()`
///   stops it at its next `.await`; a plain `fn` runs on tokio's blocking
///   pool. With `on_iter`, a return type naming a `Stream` (the last
///   segment of a path in it is `Stream`: `impl Stream<Item = T>`,
///   `impl futures::Stream<Item = T>`, `Pin<Box<dyn Stream<Item = T> + Send>>`)
///   is consumed item by item as the stream yields
///   ([`CoroutineTaskrunner::on_stream`]);
///   a stream type written under another name (`ReceiverStream<T>`) is not
///   recognised: return `impl Stream<Item = T>` instead.
/// - `store` (needs the `strand-au` crate among your dependencies, found in
///   your Cargo.toml, renamed or not): a call writes the task (registered
///   name, encoded arguments, attempts, due time) into a queue of a store,
///   `store = <expr>` (a strand-au `ComputationStore`, an `Arc` of one, or
///   an `Arc<dyn ComputationStore>`, evaluated once, on the first call) or
///   strand-au's default store for `store` alone, and returns at once. A
///   worker process that reads that queue (strand-au's `StoreTaskReader`,
///   in any program that contains the function) finds the function by its
///   registered `name` and runs it, at least once: a worker that dies has
///   its task run again by another, so make task functions idempotent. The
///   handle completes when a worker has finished the task, has a `key()`
///   from which `f::handle(key)` rebuilds it in another process, and can
///   be dropped: the task stays queued. `on_end` and `on_error` run in
///   this process, where the handle is, while it lives. Arguments, the
///   value and the error are serde types (`Serialize + DeserializeOwned`);
///   the function cannot be generic, `async` or `unsafe`, nor take
///   borrowed or `impl Trait` arguments; `on_iter`, `pool`,
///   `serialization` and `yield_on_iter` do not apply (the body runs in a
///   worker process). As for `#[async_compute]`, the function must be a
///   free function (in a module or a function body): next to it go its
///   hidden items and a companion of the same name (an uninhabited `enum`,
///   as types and functions live in different namespaces) with
///   `f::handle(key)` and `f::name()`.
///
/// ```ignore
/// // The store and its workers are strand-au's: see its documentation for
/// // a runnable example (this crate's doctests do not run workers).
/// use strand_au::{FileSystemStore, StoreTaskReader};
///
/// #[strand::as_task(store = FileSystemStore::new("/var/tmp/mail"), queue = "mail")]
/// fn send(to: String, body: String) -> Result<u32, String> {
///     Ok(body.len() as u32) // a worker runs this
/// }
///
/// // In the worker binary (the same function linked in):
/// let _workers = StoreTaskReader::new(FileSystemStore::new("/var/tmp/mail")).queues(["mail"]).listen();
/// // In the submitting program:
/// let handle = send("ada@example.com".into(), "hi".into());
/// let key = handle.key().unwrap().to_owned(); // keep it, send it to a client...
/// assert_eq!(send::handle(&key).join().unwrap(), 2); // ...and join from anywhere
/// ```
///
/// # Examples
///
/// Python strand's decorator example: a function that yields chunks of a
/// large range, each handed to `handle_chunk` as soon as it is produced.
///
/// ```
/// use std::ops::Range;
/// use strand::as_task;
///
/// fn handle_chunk(chunk: Range<u64>) {
///     println!("chunk {chunk:?}");
/// }
///
/// /// Splits `0..total` into chunks of `chunk` numbers.
/// #[as_task(thread, on_iter = handle_chunk)]
/// pub fn long_blocking_function(total: u64, chunk: u64) -> impl Iterator<Item = Range<u64>> {
///     (0..total.div_ceil(chunk)).map(move |n| chunk * n..(chunk * (n + 1)).min(total))
/// }
///
/// let handle = long_blocking_function(10, 4);
/// assert_eq!(handle.join().unwrap(), 3); // chunks delivered
/// ```
///
/// A fallible task on a pool of its own, with callbacks:
///
/// ```
/// use std::io;
/// use strand::{JoinError, Pool, as_task};
///
/// #[as_task(
///     pool = Pool::new(2),
///     on_end = |text: &String| println!("read {} bytes", text.len()),
///     on_error = |e: &JoinError<io::Error>| eprintln!("{e}"),
/// )]
/// fn read(path: std::path::PathBuf) -> io::Result<String> {
///     std::fs::read_to_string(path)
/// }
///
/// let err = read("/no/such/file".into()).join().unwrap_err();
/// assert_eq!(err.failure().unwrap().kind(), io::ErrorKind::NotFound);
/// ```
///
/// Switching the target never breaks call sites; `sync` also takes borrowed
/// arguments:
///
/// ```
/// #[strand::as_task(sync)]
/// fn count_words(text: &str) -> usize {
///     text.split_whitespace().count()
/// }
///
/// let text = String::from("one two three");
/// let handle = count_words(&text);
/// assert!(handle.is_finished());
/// assert_eq!(handle.join().unwrap(), 3);
/// ```
///
/// # Equivalent code without the macro
///
/// The chunks example above is, by hand, with strand's public runners:
///
/// ```
/// use std::ops::Range;
/// use strand::{TaskHandle, ThreadTaskrunner};
///
/// fn handle_chunk(chunk: Range<u64>) {
///     println!("chunk {chunk:?}");
/// }
///
/// /// Splits `0..total` into chunks of `chunk` numbers.
/// pub fn long_blocking_function(total: u64, chunk: u64) -> TaskHandle<usize> {
///     fn body(total: u64, chunk: u64) -> impl Iterator<Item = Range<u64>> {
///         (0..total.div_ceil(chunk)).map(move |n| chunk * n..(chunk * (n + 1)).min(total))
///     }
///     ThreadTaskrunner::new(body)
///         .on_iter(handle_chunk)
///         .name(concat!(module_path!(), "::", "long_blocking_function"))
///         .call((total, chunk))
/// }
///
/// assert_eq!(long_blocking_function(10, 4).join().unwrap(), 3);
/// ```
///
/// The real expansion does the same through `strand::__private`, with
/// absolute paths, and adds type checks that report mistakes at your tokens
/// (see `strand-macros/tests/expand/as_task/*.expanded.rs` in the repository
/// for complete expansions).
///
/// # Errors
///
/// Compile errors, each pointing at the token to change:
///
/// - an unknown target (the closest valid one is suggested);
/// - an unknown option (the closest is suggested), an option given twice, an
///   option without a value, a target that is not first;
/// - `fallible` that is not `true` or `false`, `fallible = true` on a return
///   type that is not a `Result`; `name` that is not a non-empty string
///   literal; `crate` that is not a path; `pool = ...` with another target
///   than `pool`, or a value that is not a `Pool`; `serialization` other
///   than `json` or `binary`, or with another target than `process`;
/// - an `async fn`, a `const fn`, an explicit ABI (`extern "C"`), a variadic
///   function, a `self` receiver, an associated function that mentions
///   `Self`, attributes on arguments, a return type that borrows;
/// - an `unsafe fn` on every target but `sync`: the call returns before the
///   body has finished (and `process` registers the function by name, for
///   safe code to run), so the caller's safety contract would not cover the
///   body. Make the function safe, with an `unsafe` block inside whose
///   conditions it checks itself, or use `sync`;
/// - on `thread`, `pool` and `process`: an argument that borrows (`&str`,
///   `&[T]`, a lifetime), or a type that is not `Send + 'static`;
/// - on `process`: an argument, value or error type that is not a serde
///   type (underlined at that type), a generic function, an `impl Trait`
///   argument or return type; any use on a platform other than Unix;
/// - on `store`: the same, and an argument that borrows, an `async fn`,
///   `on_iter`, `pool`, `serialization` or `yield_on_iter` (each saying
///   why: the body runs in a worker process, from the store), `queue` that
///   is not a valid queue name (or `queue` with another target), a store
///   expression that is not a store (underlined at it), and a crate without
///   a `strand-au` dependency (at `store`: add `strand-au` to
///   `[dependencies]`);
/// - `on_iter` on a function whose value is not iterable, and callbacks whose
///   signature does not match (underlined at the callback).
///
/// After an error in the arguments, the function is still rewritten with
/// what did parse, so its call sites do not report errors of their own.
///
/// Known limitations: a recursive call in the body calls the rewritten
/// function (and so starts a task); the body cannot use generic parameters
/// of an enclosing `impl` block, since it moves into a nested function.
///
/// ### Rename package
///
/// When strand is a renamed dependency, or re-exported by another crate,
/// give its path with `crate = ...`:
///
/// ```
/// use strand as strand1;
///
/// #[strand1::as_task(thread, crate = strand1)]
/// fn double(x: u32) -> u32 {
///     x * 2
/// }
///
/// assert_eq!(double(21).join().unwrap(), 42);
/// ```
///
/// [`TaskHandle`]: ../strand/struct.TaskHandle.html
/// [`Pool`]: ../strand/struct.Pool.html
/// [`Pool::global`]: ../strand/struct.Pool.html#method.global
/// [`current_task`]: ../strand/fn.current_task.html
/// [`CoroutineTaskrunner::on_stream`]: ../strand/coroutine/struct.CoroutineTaskrunner.html#method.on_stream
#[proc_macro_attribute]
pub fn as_task(args: TokenStream, item: TokenStream) -> TokenStream {
    as_task::expand(args.into(), item.into()).into()
}

/// Turns a function into a persisted computation: a call records the
/// computation in a store, starts the body on a *backend*, and returns a
/// [`ComputationHandle`] at once. Status and result can be read later, from
/// another thread, or from another process that only knows the key.
///
/// ```
/// use strand_au::{MemoryStore, Status, async_compute};
///
/// /// Adds up a range, slowly.
/// #[async_compute(store = MemoryStore::new())]
/// fn sum_to(n: u64) -> u64 {
///     (1..=n).sum()
/// }
///
/// let handle = sum_to(100); // returns at once; the body runs on a new thread
/// assert_eq!(handle.join().unwrap(), 5050);
/// assert_eq!(handle.status().unwrap(), Status::Completed);
///
/// // Elsewhere, knowing only the key (a web handler answering `/status/<id>`):
/// let again = sum_to::handle(handle.key().clone());
/// assert_eq!(again.try_join().unwrap(), 5050);
/// ```
///
/// The rewritten function keeps its name, documentation (followed by a
/// generated `# Computation` paragraph), attributes, visibility and
/// arguments; only its return type changes:
///
/// | the function returns | the call returns | `join()` gives |
/// |---|---|---|
/// | `T` (or nothing: `()`) | `ComputationHandle<T>` | `Ok(T)`; a panic is `Err` with the panic message |
/// | `Result<T, E>`, `io::Result<T>`, … (fallible) | `ComputationHandle<T, E>` | `Ok(T)`; an `Err(e)` fails the computation: the error has `e.to_string()` as its [`message`](../strand_au/enum.ComputationError.html#method.message), and `e` itself as its [`failure`](../strand_au/enum.ComputationError.html#method.failure) when `E` is `Serialize + DeserializeOwned` |
///
/// The handle is joined as a strand `TaskHandle` is (`join`, `try_join`,
/// `join_timeout`, `join_deadline`, `.await`); its error answers what a
/// `JoinError` answers (`is_failed`, `is_panic`, `is_cancelled`,
/// `failure`, `panic_message`).
///
/// Next to the function, a companion of the same name (an uninhabited
/// `enum`: types and functions live in different namespaces) exposes its
/// infrastructure: `sum_to::store()`, `sum_to::backend()`,
/// `sum_to::cleanup_expired()`, `sum_to::handle(key)`, `sum_to::name()` and
/// `sum_to::computation()` (the underlying [`Computation`]).
///
/// Every decorated function is registered, at link time, under its name in
/// strand's one registry (see [`lookup`]), so that backends that run jobs in
/// another process can find it there. Two functions with one name make that
/// name an error naming both: its lookup fails, and so does every launch of
/// either function (the handle reports it); other names are unaffected.
///
/// # Arguments
///
/// `#[async_compute]`, then optionally comma-separated options, each at most
/// once. Values are ordinary Rust, evaluated once, on the first call, and
/// shared by every call of the function.
///
/// | option | type | default | example |
/// |---|---|---|---|
/// | `store` | a [`ComputationStore`], an `Arc` of one, or an `Arc<dyn ComputationStore>` | a `FileSystemStore` in `$TMPDIR/strand-<user>/computations` (mode 0700), TTL 1 hour | `store = MemoryStore::new()` |
/// | `ttl` | integer literal (seconds) or a `Duration` | the store's TTL | `ttl = 60`, `ttl = Duration::from_secs(60)` |
/// | `backend` | `thread`, `pool`, `process`, `process_pool(<usize expr>)`, `queue`, `queue("<name>")`, or a [`ComputationBackend`] (an `Arc` of one, or an `Arc<dyn ComputationBackend>`) | `thread` | `backend = pool`, `backend = process_pool(4)`, `backend = queue("images")`, `backend = PoolBackend::new(4)` |
/// | `serialization` | `json` or `binary` (MessagePack); configures the default store, and the wire of the process backends | `json` | `serialization = binary` |
/// | `middleware` | a list of [`Middleware`] (or `Arc`s of them), run in order | none | `middleware = [LoggingMiddleware::new()]` |
/// | `fallible` | `true` or `false` | `true` when the written return type is a path ending in `Result` | `fallible = false` |
/// | `name` | string literal: the registered name | `concat!(module_path!(), "::", "<fn name>")` | `name = "jobs::resize"` |
/// | `crate` | path to the strand_au crate | `::strand_au` | `crate = my_au` |
///
/// `thread` runs each computation on a new thread ([`ThreadBackend`]); `pool`
/// on strand's global pool ([`PoolBackend::global`]); `process` in a fresh
/// child process per computation, and `process_pool(n)` on `n` warm worker
/// processes (Unix; `ProcessBackend` and `ProcessPoolBackend`: the body runs
/// in a copy of the program, which finds it by its registered name, and a
/// child that dies fails its computation with "worker lost"); `queue` puts
/// the computation's job into the queue `default` of its store, and
/// `queue("name")` into the queue `name` (1 to 64 ASCII letters, digits,
/// `-`, `_`, `.`, not starting with `.`), where any worker process that
/// reads that queue (strand-au's `StoreTaskReader`, in a program that
/// contains the function) takes it, at least once: the job outlives the
/// process that launched it, and the `ComputationHandle` is the same. To share a store or a
/// backend between functions, give each the same handle: a `static` holding
/// it, cloned (`store = STORE.clone()`), or any expression returning a
/// clone of one store (stores and backends are cheap handles on shared
/// state). A `serialization` other than the default with `store = ...` is an
/// error (configure that store instead), unless the backend is a process
/// one, for which it sets the encoding between the processes.
///
/// Arguments and the value are serde types (`Serialize + DeserializeOwned`):
/// arguments are encoded when the function is called and kept in the record,
/// so any backend (a thread, a process, later a remote worker) can run the body
/// and show what it ran on; the value is what the store keeps.
///
/// # Examples
///
/// Shared infrastructure, a pool, a TTL, metrics, and a fallible function:
///
/// ```
/// use std::sync::{Arc, LazyLock};
/// use std::time::Duration;
/// use strand_au::{ComputationStore, MemoryStore, MetricsMiddleware, PoolBackend, async_compute};
///
/// static STORE: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));
/// static POOL: LazyLock<PoolBackend> = LazyLock::new(|| PoolBackend::new(2));
/// static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);
///
/// #[async_compute(store = STORE.clone(), backend = POOL.clone(), middleware = [METRICS.clone()], ttl = 600)]
/// fn square(x: i64) -> i64 {
///     x * x
/// }
///
/// #[async_compute(store = STORE.clone(), backend = POOL.clone(), ttl = Duration::from_secs(600))]
/// fn parse(text: String) -> Result<i64, std::num::ParseIntError> {
///     text.trim().parse()
/// }
///
/// assert_eq!(square(7).join().unwrap(), 49);
/// assert_eq!(parse(" 12 ".into()).join().unwrap(), 12);
/// let err = parse("twelve".into()).join().unwrap_err();
/// assert!(err.is_failed());
/// assert_eq!(err.to_string(), "computation failed: invalid digit found in string");
/// assert!(err.failure().is_none()); // `ParseIntError` is no serde type: its message only
/// assert_eq!(METRICS.stats().completed, 1);
/// assert!(Arc::ptr_eq(&square::store(), &parse::store())); // one store for both
/// ```
///
/// Arguments and values of your own types derive serde's traits; a handle
/// rebuilt from the key alone is typed by the companion:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use strand_au::{InlineBackend, MemoryStore, async_compute};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct Order {
///     pub items: Vec<u32>,
/// }
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// pub struct Invoice {
///     pub total: u32,
/// }
///
/// #[async_compute(store = MemoryStore::new(), backend = InlineBackend)]
/// fn bill(order: Order) -> Invoice {
///     Invoice { total: order.items.iter().sum() }
/// }
///
/// let key = bill(Order { items: vec![3, 4] }).key().clone();
/// // Later, knowing only the key:
/// assert_eq!(bill::handle(key).join().unwrap(), Invoice { total: 7 });
/// ```
///
/// # Equivalent code without the macro
///
/// The `square` example above is, by hand, with strand_au's public API:
///
/// ```
/// use std::sync::{Arc, LazyLock};
/// use strand_au::{Computation, ComputationHandle, MemoryStore, PoolBackend, Runner};
///
/// fn square(x: i64) -> ComputationHandle<i64> {
///     fn body(x: i64) -> i64 {
///         x * x
///     }
///     static SQUARE: LazyLock<Computation> = LazyLock::new(|| {
///         Computation::new(concat!(module_path!(), "::", "square"), Runner::new(|(x,): (i64,)| body(x)))
///             .store(Arc::new(MemoryStore::new()))
///             .backend(Arc::new(PoolBackend::global()))
///     });
///     SQUARE.launch(&(x,))
/// }
///
/// assert_eq!(square(7).join().unwrap(), 49);
/// ```
///
/// The real expansion does the same through `strand_au::__private`, with
/// absolute paths: it encodes each argument on its own, registers a plain
/// `fn` runner by name, builds the `Computation` in a `static` of a hidden
/// function next to yours, adds the companion module, and checks every type
/// and option at your tokens (see
/// `strand-macros/tests/expand/async_compute/*.expanded.rs` in the repository
/// for complete expansions).
///
/// # Errors
///
/// Compile errors, each pointing at the token to change:
///
/// - an unknown option (the closest is suggested), an option given twice,
///   an option without a value; `serialization` other than `json` or
///   `binary`, or together with `store`; `middleware` that is not a list;
///   `ttl` that is a string or a float; `backend = queue(...)` without one
///   string literal, or with an invalid queue name; `fallible` that is not `true` or
///   `false`, or `true` on a type that is not a `Result`; `name` that is not a
///   non-empty string literal; `crate` that is not a path;
/// - `store`, `backend`, a middleware or a `ttl` of the wrong type
///   (underlined at the expression, with what it expects);
/// - an argument or value type that is not `Serialize + DeserializeOwned`
///   (underlined at the type), an error type that is not `Display`;
/// - a `const fn`, an explicit ABI, a variadic or generic
///   function, a `self` receiver, an associated function using `Self`,
///   attributes on arguments; an argument that borrows (`&str`) or is
///   `impl Trait`; a value that borrows or is `impl Trait`;
/// - an `unsafe fn`, whatever the backend: a computation is registered by
///   name, and safe code can run it by that name with any argument values.
///   Make the function safe, with an `unsafe` block inside whose conditions
///   it checks itself.
///
/// After an error in the options, the function is still rewritten with what
/// did parse; after an error in the signature it keeps its rewritten
/// signature (with a body that panics); so call sites report nothing of
/// their own.
///
/// Known limitations: the function must be a free function, in a module or
/// in a function body, not an associated function of an `impl` block (the
/// companion and the hidden items need a place next to it); a recursive call
/// in the body launches a new computation.
///
/// ### Rename package
///
/// When strand_au is a renamed dependency, or re-exported by another crate,
/// give its path with `crate = ...`:
///
/// ```
/// use strand_au as au;
///
/// #[au::async_compute(crate = au, store = au::MemoryStore::new())]
/// fn double(x: u32) -> u32 {
///     x * 2
/// }
///
/// assert_eq!(double(21).join().unwrap(), 42);
/// ```
///
/// [`ComputationHandle`]: ../strand_au/struct.ComputationHandle.html
/// [`Computation`]: ../strand_au/struct.Computation.html
/// [`ComputationStore`]: ../strand_au/trait.ComputationStore.html
/// [`ComputationBackend`]: ../strand_au/trait.ComputationBackend.html
/// [`Middleware`]: ../strand_au/trait.Middleware.html
/// [`ThreadBackend`]: ../strand_au/struct.ThreadBackend.html
/// [`PoolBackend::global`]: ../strand_au/struct.PoolBackend.html#method.global
/// [`lookup`]: ../strand_au/fn.lookup.html
#[proc_macro_attribute]
pub fn async_compute(args: TokenStream, item: TokenStream) -> TokenStream {
    async_compute::expand(args.into(), item.into()).into()
}

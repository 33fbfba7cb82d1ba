//! What `#[async_compute]` expansions call, through `strand_au::__private`:
//! conversions of option values, the traits that state what a computation's
//! types and options must satisfy (with messages in strand's words, reported
//! at the user's tokens), argument encoding, and the link-time registry of
//! decorated functions.
//!
//! Not public API: it may change in any release.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::ComputationBackend;
use crate::handle::ComputationHandle;
use crate::job::ComputationFailure;
use crate::key::Key;
use crate::launch::{Computation, DEFAULT_TTL};
use crate::middleware::Middleware;
use crate::record::{ErrorInfo, ErrorKind};
use crate::store::fs::FileSystemStore;
use crate::store::memory::MemoryStore;
use crate::store::{ComputationStore, Serialization};

/// An argument of an `#[async_compute]` function: stored with the job as
/// JSON, decoded where the computation runs.
///
/// Implemented for every `Serialize + DeserializeOwned` type; the impl is
/// `#[diagnostic::do_not_recommend]` so that a type missing either trait
/// gets one error, this trait's, rather than one per missing trait.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of an `#[async_compute]` function: arguments are stored with the job, so they must implement `Serialize` and `DeserializeOwned`",
    label = "not `Serialize + DeserializeOwned`",
    note = "derive them with `#[derive(serde::Serialize, serde::Deserialize)]`, or take an owned serde type (`String`, `Vec<T>`, a tuple, ...)"
)]
pub trait ComputationArg: Sized {
    /// Encodes the argument.
    ///
    /// # Errors
    ///
    /// serde's.
    fn encode_arg(&self) -> Result<serde_json::Value, serde_json::Error>;
    /// Decodes the argument.
    ///
    /// # Errors
    ///
    /// serde's.
    fn decode_arg(value: serde_json::Value) -> Result<Self, serde_json::Error>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> ComputationArg for T {
    fn encode_arg(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }
    fn decode_arg(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }
}

/// The value of an `#[async_compute]` function: stored as JSON, decoded by
/// the handle. Like [`ComputationArg`], one error per type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an `#[async_compute]` function: results are stored, so they must implement `Serialize` and `DeserializeOwned`",
    label = "not `Serialize + DeserializeOwned`",
    note = "derive them with `#[derive(serde::Serialize, serde::Deserialize)]`, or return an owned serde type"
)]
pub trait ComputationValue: Sized {
    /// Encodes the value.
    ///
    /// # Errors
    ///
    /// serde's.
    fn encode_value(&self) -> Result<serde_json::Value, serde_json::Error>;
    /// Launches `computation` on `args`, with a handle of this type.
    fn launch(computation: &Computation, args: &Args) -> ComputationHandle<Self>;
    /// A handle of this type on `key` of `computation`'s store.
    fn handle(computation: &Computation, key: Key) -> ComputationHandle<Self>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> ComputationValue for T {
    fn encode_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }
    fn launch(computation: &Computation, args: &Args) -> ComputationHandle<T> {
        computation.launch(args)
    }
    fn handle(computation: &Computation, key: Key) -> ComputationHandle<T> {
        computation.handle(key)
    }
}

/// The error type of a fallible `#[async_compute]` function: its message is
/// what a failed record keeps.
#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` of an `#[async_compute]` function must implement `Display`: its message is stored when the computation fails",
    label = "not `Display`",
    note = "implement `std::fmt::Display`, return `Result<T, String>`, or set `fallible = false` to store the whole `Result`"
)]
pub trait FailureMessage: fmt::Display {}
impl<T: fmt::Display + ?Sized> FailureMessage for T {}

/// What `store = <expr>` accepts.
#[diagnostic::on_unimplemented(
    message = "`store = ...` expects a computation store, found `{Self}`",
    label = "not a `ComputationStore`",
    note = "give a value of a type that implements `strand_au::ComputationStore` (`MemoryStore::new()`, `FileSystemStore::new(dir)`, ...), an `Arc` of one, or an `Arc<dyn ComputationStore>`"
)]
pub trait IntoStore {
    /// The store as a trait object.
    fn into_store(self) -> Arc<dyn ComputationStore>;
}
impl<S: ComputationStore + 'static> IntoStore for S {
    fn into_store(self) -> Arc<dyn ComputationStore> {
        Arc::new(self)
    }
}
impl<S: ComputationStore + 'static> IntoStore for Arc<S> {
    fn into_store(self) -> Arc<dyn ComputationStore> {
        self
    }
}
impl IntoStore for Arc<dyn ComputationStore> {
    fn into_store(self) -> Arc<dyn ComputationStore> {
        self
    }
}
impl IntoStore for &Arc<dyn ComputationStore> {
    fn into_store(self) -> Arc<dyn ComputationStore> {
        self.clone()
    }
}

/// What `backend = <expr>` accepts.
#[diagnostic::on_unimplemented(
    message = "`backend = ...` expects a computation backend, found `{Self}`",
    label = "not a `ComputationBackend`",
    note = "write `backend = thread`, `pool`, `process` or `process_pool(4)`, or give a value of a type that implements `strand_au::ComputationBackend` (`PoolBackend::new(4)`, ...), an `Arc` of one, or an `Arc<dyn ComputationBackend>`"
)]
pub trait IntoBackend {
    /// The backend as a trait object.
    fn into_backend(self) -> Arc<dyn ComputationBackend>;
}
impl<B: ComputationBackend + 'static> IntoBackend for B {
    fn into_backend(self) -> Arc<dyn ComputationBackend> {
        Arc::new(self)
    }
}
impl<B: ComputationBackend + 'static> IntoBackend for Arc<B> {
    fn into_backend(self) -> Arc<dyn ComputationBackend> {
        self
    }
}
impl IntoBackend for Arc<dyn ComputationBackend> {
    fn into_backend(self) -> Arc<dyn ComputationBackend> {
        self
    }
}
impl IntoBackend for &Arc<dyn ComputationBackend> {
    fn into_backend(self) -> Arc<dyn ComputationBackend> {
        self.clone()
    }
}

/// What each element of `middleware = [...]` accepts.
#[diagnostic::on_unimplemented(
    message = "`middleware = [...]` expects middleware, found `{Self}`",
    label = "not a `Middleware`",
    note = "give values of types that implement `strand_au::Middleware` (`LoggingMiddleware::new()`, `MetricsMiddleware::new()`, ...), `Arc`s of them, or `Arc<dyn Middleware>`s"
)]
pub trait IntoMiddleware {
    /// The middleware as a trait object.
    fn into_middleware(self) -> Arc<dyn Middleware>;
}
impl<M: Middleware + 'static> IntoMiddleware for M {
    fn into_middleware(self) -> Arc<dyn Middleware> {
        Arc::new(self)
    }
}
impl<M: Middleware + 'static> IntoMiddleware for Arc<M> {
    fn into_middleware(self) -> Arc<dyn Middleware> {
        self
    }
}
impl IntoMiddleware for Arc<dyn Middleware> {
    fn into_middleware(self) -> Arc<dyn Middleware> {
        self
    }
}

/// What `ttl = <expr>` accepts besides an integer literal of seconds.
#[diagnostic::on_unimplemented(
    message = "`ttl = ...` expects a `std::time::Duration` or an integer literal of seconds, found `{Self}`",
    label = "not a `Duration`",
    note = "write `ttl = 3600` (seconds) or `ttl = Duration::from_secs(3600)`"
)]
pub trait IntoTtl {
    /// The TTL.
    fn into_ttl(self) -> Duration;
}
impl IntoTtl for Duration {
    fn into_ttl(self) -> Duration {
        self
    }
}
impl IntoTtl for &Duration {
    fn into_ttl(self) -> Duration {
        *self
    }
}

/// Converts `store = <expr>`.
#[inline]
pub fn into_store<S: IntoStore>(store: S) -> Arc<dyn ComputationStore> {
    store.into_store()
}

/// Converts `backend = <expr>`.
#[inline]
pub fn into_backend<B: IntoBackend>(backend: B) -> Arc<dyn ComputationBackend> {
    backend.into_backend()
}

/// Converts one element of `middleware = [...]`.
#[inline]
pub fn into_middleware<M: IntoMiddleware>(middleware: M) -> Arc<dyn Middleware> {
    middleware.into_middleware()
}

/// Converts `ttl = <expr>`.
#[inline]
pub fn into_ttl<T: IntoTtl>(ttl: T) -> Duration {
    ttl.into_ttl()
}

/// The default store for `serialization = json | binary`: the process-wide
/// [`Computation::default_store`] for JSON; for binary (MessagePack), a
/// [`FileSystemStore`] of its own in `$TMPDIR/strand-<user>/computations-msgpack`
/// (a directory of its own, so that stores of both encodings never read
/// each other's files), TTL 1 hour, or a [`MemoryStore`] if that directory
/// is unusable.
pub fn default_store(serialization: Serialization) -> Arc<dyn ComputationStore> {
    static BINARY: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| {
        match FileSystemStore::in_default_dir("computations-msgpack") {
            Ok(store) => Arc::new(store.serialization(Serialization::Binary).ttl(DEFAULT_TTL)),
            Err(e) => {
                tracing::warn!(error = %e, "default computation directory unusable; keeping records in memory");
                Arc::new(MemoryStore::new().ttl(DEFAULT_TTL))
            }
        }
    });
    // The macro only ever passes `Json` or `Binary`; the wildcard is for
    // `Serialization` being non-exhaustive.
    match serialization {
        Serialization::Binary => BINARY.clone(),
        _ => Computation::default_store(),
    }
}

/// The arguments of one call, each encoded on its own (so that an argument
/// type that cannot be encoded is reported once, at its own type).
#[derive(Debug)]
pub struct Args(Vec<Result<serde_json::Value, String>>);

impl Args {
    /// Room for `n` arguments.
    pub fn with_capacity(n: usize) -> Args {
        Args(Vec::with_capacity(n))
    }

    /// Encodes the next argument.
    pub fn push<A: ComputationArg>(&mut self, arg: &A) {
        self.0.push(arg.encode_arg().map_err(|e| e.to_string()));
    }
}

impl Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for arg in &self.0 {
            match arg {
                Ok(value) => seq.serialize_element(value)?,
                Err(e) => return Err(S::Error::custom(e)),
            }
        }
        seq.end()
    }
}

/// Launches `computation` on encoded `args`.
#[inline]
pub fn launch<T: ComputationValue>(computation: &Computation, args: &Args) -> ComputationHandle<T> {
    T::launch(computation, args)
}

/// A typed handle on `key` of `computation`'s store.
#[inline]
pub fn handle<T: ComputationValue>(computation: &Computation, key: Key) -> ComputationHandle<T> {
    T::handle(computation, key)
}

/// What the generated wrapper, companion and runner ask of the one hidden
/// function that touches the user's types.
///
/// Every use of a user type with a bound (encoding an argument, decoding
/// it, encoding the value, typing a handle) happens in that one function
/// body, at the type's span: rustc then reports an unmet bound once per
/// type, where rustc would report it several times if each use lived in
/// its own function.
#[derive(Debug)]
pub enum Glue<'a> {
    /// Encode these arguments (in order) and launch.
    Launch(&'a [&'a dyn Any]),
    /// A typed handle on this key.
    Handle(Key),
    /// Run the body on these stored arguments.
    Run(serde_json::Value),
}

/// The answer to a [`Glue`] request.
pub enum Glued {
    /// A `ComputationHandle<T>`, type-erased.
    Handle(Box<dyn Any>),
    /// The outcome of a run.
    Ran(Result<serde_json::Value, ComputationFailure>),
}

impl fmt::Debug for Glued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Glued::Handle(_) => f.write_str("Handle(..)"),
            Glued::Ran(outcome) => f.debug_tuple("Ran").field(outcome).finish(),
        }
    }
}

impl Glued {
    /// Erases a handle's type.
    #[inline]
    pub fn handle<T: 'static, E: 'static>(handle: ComputationHandle<T, E>) -> Glued {
        Glued::Handle(Box::new(handle))
    }

    /// The handle, typed again.
    ///
    /// # Panics
    ///
    /// If this is not a handle of `T` and `E` (a bug of strand-macros).
    #[inline]
    pub fn into_handle<T: 'static, E: 'static>(self) -> ComputationHandle<T, E> {
        match self {
            Glued::Handle(any) => *any
                .downcast::<ComputationHandle<T, E>>()
                .expect("strand-macros bug: handle of another type"),
            Glued::Ran(_) => panic!("strand-macros bug: a run where a handle was expected"),
        }
    }

    /// The outcome of a run.
    ///
    /// # Errors
    ///
    /// What the run returned.
    ///
    /// # Panics
    ///
    /// If this is not a run's outcome (a bug of strand-macros).
    #[inline]
    pub fn into_ran(self) -> Result<serde_json::Value, ComputationFailure> {
        match self {
            Glued::Ran(outcome) => outcome,
            Glued::Handle(_) => panic!("strand-macros bug: a handle where a run was expected"),
        }
    }
}

/// Argument `index` of a [`Glue::Launch`], typed again.
///
/// # Panics
///
/// If it is not an `A` (a bug of strand-macros).
#[inline]
pub fn arg<'a, A: 'static>(args: &[&'a dyn Any], index: usize) -> &'a A {
    args[index]
        .downcast_ref()
        .expect("strand-macros bug: argument of another type")
}

/// Runs `f` on a decoder of `count` stored arguments.
///
/// # Errors
///
/// A decode failure, or what `f` returns.
#[inline]
pub fn run_with(
    input: serde_json::Value,
    count: usize,
    f: impl FnOnce(&mut Decoder) -> Result<serde_json::Value, ComputationFailure>,
) -> Result<serde_json::Value, ComputationFailure> {
    f(&mut Decoder::new(input, count)?)
}

/// The stored arguments of a job, to decode one by one.
#[derive(Debug)]
pub struct Decoder {
    args: std::vec::IntoIter<serde_json::Value>,
    index: usize,
}

impl Decoder {
    /// The arguments of a job of a function taking `count` arguments.
    ///
    /// # Errors
    ///
    /// A decode failure if `args` is not an array of `count` values.
    pub fn new(args: serde_json::Value, count: usize) -> Result<Decoder, ComputationFailure> {
        match args {
            serde_json::Value::Array(items) if items.len() == count => Ok(Decoder {
                args: items.into_iter(),
                index: 0,
            }),
            other => Err(ErrorInfo::new(
                ErrorKind::Decode,
                format!(
                    "cannot decode arguments: expected an array of {count} values, found {other}"
                ),
            )),
        }
    }

    /// Decodes the next argument.
    ///
    /// # Errors
    ///
    /// A decode failure naming the argument's position.
    #[allow(clippy::should_implement_trait)]
    pub fn next<A: ComputationArg>(&mut self) -> Result<A, ComputationFailure> {
        let index = self.index;
        self.index += 1;
        let value = self.args.next().unwrap_or(serde_json::Value::Null);
        A::decode_arg(value).map_err(|e| {
            ErrorInfo::new(
                ErrorKind::Decode,
                format!("cannot decode argument {index}: {e}"),
            )
        })
    }
}

/// Encodes the value of a computation.
///
/// # Errors
///
/// A decode failure when serde cannot encode it.
#[inline]
pub fn encode_result<T: ComputationValue>(
    value: &T,
) -> Result<serde_json::Value, ComputationFailure> {
    value
        .encode_value()
        .map_err(|e| ErrorInfo::new(ErrorKind::Decode, format!("cannot encode result: {e}")))
}

/// Turns a returned `Err` into a failure with its message, and with the
/// error itself when [`ReturnedError`]'s choice encoded it.
#[inline]
pub fn returned<E: FailureMessage>(
    error: E,
    value: Option<serde_json::Value>,
) -> ComputationFailure {
    crate::job::returned_error(&error, value)
}

// Typed errors without specialization: the generated code calls
// `(&ReturnedError(&e)).stored_value()` and `(&ErrorType::<E>::new()).reader()`
// where `E` is the user's concrete error type, with both traits of a pair in
// scope. Method lookup tries the receiver type `&W` before `&&W`: the impl
// on `W` (taking `&self`) wins when its bound holds, the one on `&W` is the
// fallback. So a `Serialize` error is stored and a `DeserializeOwned` one is
// read back typed; any other error keeps its message only.

/// A returned error, for [`StoreTyped`] / [`StoreMessage`].
#[derive(Debug)]
pub struct ReturnedError<'a, E>(pub &'a E);

/// Stores a `Serialize` error in the record (see [`ReturnedError`]).
pub trait StoreTyped {
    /// The encoded error, `None` when serde cannot encode it.
    fn stored_value(&self) -> Option<serde_json::Value>;
}

impl<E: Serialize> StoreTyped for ReturnedError<'_, E> {
    #[inline]
    fn stored_value(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.0).ok()
    }
}

/// Keeps only the message of any other error (see [`ReturnedError`]).
pub trait StoreMessage {
    /// Always `None`.
    fn stored_value(&self) -> Option<serde_json::Value>;
}

impl<E> StoreMessage for &ReturnedError<'_, E> {
    #[inline]
    fn stored_value(&self) -> Option<serde_json::Value> {
        None
    }
}

/// The error type of a handle, for [`ReadTyped`] / [`ReadMessage`].
pub struct ErrorType<E>(PhantomData<fn() -> E>);

impl<E> ErrorType<E> {
    /// The marker.
    #[inline]
    #[must_use]
    pub const fn new() -> Self {
        ErrorType(PhantomData)
    }
}

impl<E> Default for ErrorType<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> fmt::Debug for ErrorType<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorType")
    }
}

/// How a handle reads a returned error, typed for a `DeserializeOwned`
/// error (see [`ErrorType`]).
pub trait ReadTyped<E> {
    /// Retypes `handle` to read returned errors as `E`.
    fn reader<T>(&self, handle: ComputationHandle<T>) -> ComputationHandle<T, E>;
}

impl<E: DeserializeOwned> ReadTyped<E> for ErrorType<E> {
    #[inline]
    fn reader<T>(&self, handle: ComputationHandle<T>) -> ComputationHandle<T, E> {
        handle.read_failure_with(crate::error::read_failure::<E>)
    }
}

/// The message only, for any other error type (see [`ErrorType`]).
pub trait ReadMessage<E> {
    /// Retypes `handle`; its failures carry their message only.
    fn reader<T>(&self, handle: ComputationHandle<T>) -> ComputationHandle<T, E>;
}

impl<E> ReadMessage<E> for &ErrorType<E> {
    #[inline]
    fn reader<T>(&self, handle: ComputationHandle<T>) -> ComputationHandle<T, E> {
        handle.read_failure_with(crate::error::message_only::<E>)
    }
}

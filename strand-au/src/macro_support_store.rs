//! What `#[as_task(store)]` expands to, besides the writer: the bounds
//! that say, at the user's type, why a store task's arguments, value and
//! error must be serde types, and the failure a worker records for a
//! returned error.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::job::ComputationFailure;
use crate::record::{ErrorInfo, ErrorKind};

/// An argument of an `#[as_task(store)]` function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a `store` task: arguments are written into the store and read back by the worker that runs the task, so they must implement `Serialize` and `DeserializeOwned`",
    label = "not `Serialize + DeserializeOwned`",
    note = "derive them with `#[derive(serde::Serialize, serde::Deserialize)]`, or take an owned serde type (`String`, `Vec<T>`, a tuple, ...)"
)]
pub trait StoreArg: Serialize + DeserializeOwned + Send + 'static {}
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned + Send + 'static> StoreArg for T {}

/// The value of an `#[as_task(store)]` function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `store` task: the worker that runs the task writes it into the store, and the handle reads it back, so it must implement `Serialize` and `DeserializeOwned`",
    label = "not `Serialize + DeserializeOwned`",
    note = "derive them with `#[derive(serde::Serialize, serde::Deserialize)]`, or return an owned serde type"
)]
pub trait StoreValue: Serialize + DeserializeOwned + Send + 'static {}
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned + Send + 'static> StoreValue for T {}

/// The error type of a fallible `#[as_task(store)]` function.
#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` of a `store` task must implement `Serialize` and `DeserializeOwned`: the worker that runs the task writes a returned error into the store, and the handle reads it back",
    label = "not `Serialize + DeserializeOwned`",
    note = "derive them with `#[derive(serde::Serialize, serde::Deserialize)]`, return `Result<T, String>`, or set `fallible = false` to store the whole `Result`"
)]
pub trait StoreFailure: Serialize + DeserializeOwned + Send + 'static {}
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned + Send + 'static> StoreFailure for T {}

/// The failure a worker records for a returned `Err(error)`: the error
/// itself (read back typed by the handle), and `message` (its `Display`,
/// chosen by the generated code through [`ErrorMessage`]) or, without one,
/// its JSON.
pub fn store_failure<E: Serialize>(error: &E, message: Option<String>) -> ComputationFailure {
    match serde_json::to_value(error) {
        Ok(value) => {
            let message = message.unwrap_or_else(|| format!("returned {value}"));
            ErrorInfo::new(ErrorKind::Returned, message).with_value(value)
        }
        Err(e) => ErrorInfo::new(
            ErrorKind::Decode,
            format!("cannot encode the returned error: {e}"),
        ),
    }
}

// Messages without specialization, as `ReturnedError` does: the generated
// code calls `(&ErrorMessage(&e)).message()` with both traits in scope, where
// the error type is concrete.

/// A returned error, for [`DisplayMessage`] / [`NoMessage`].
#[derive(Debug)]
pub struct ErrorMessage<'a, E>(pub &'a E);

/// The message of an error that is `Display`.
pub trait DisplayMessage {
    /// `Some(error.to_string())`.
    fn message(&self) -> Option<String>;
}
impl<E: fmt::Display> DisplayMessage for ErrorMessage<'_, E> {
    #[inline]
    fn message(&self) -> Option<String> {
        Some(self.0.to_string())
    }
}

/// No message for any other error.
pub trait NoMessage {
    /// `None`.
    fn message(&self) -> Option<String>;
}
impl<E> NoMessage for &ErrorMessage<'_, E> {
    #[inline]
    fn message(&self) -> Option<String> {
        None
    }
}

//! The `process` target: each call runs the function in a fresh child.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ProcessError, ProcessErrorKind};
use super::frame::Reply;
use super::serialization::Serialization;
use super::worker;
use crate::error::JoinError;
use crate::runner::Taskrunner;
use crate::task::join::TaskHandle;

/// The `process` target: a fresh child process per call, running the
/// function registered under the runner's name.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessTarget {
    format: Serialization,
}

/// Runs each call in a fresh child process. See [`Taskrunner`] and the
/// [module docs](crate::process).
pub type ProcessTaskrunner<Args, T, E = Infallible> = Taskrunner<ProcessTarget, Args, T, E>;

impl<Args, R> Taskrunner<ProcessTarget, Args, R, Infallible>
where
    Args: Serialize + Send + 'static,
    R: DeserializeOwned + Send + 'static,
{
    /// A runner of the function registered as `name` (by
    /// `#[as_task(process)]`), with JSON on the wire. `Args` is the tuple of
    /// its arguments and `R` its return type.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::ProcessTaskrunner;
    ///
    /// let runner = ProcessTaskrunner::<(u64,), u64>::registered("app::nothing_here");
    /// let err = runner.call((1,)).join().unwrap_err();
    /// assert!(err.to_string().contains("no function `app::nothing_here` is registered"));
    /// ```
    pub fn registered(name: &'static str) -> Self {
        Self::registered_as(name, Serialization::Json)
    }

    /// Like [`registered`](Self::registered), with the given encoding on
    /// the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{ProcessTaskrunner, Serialization};
    ///
    /// let runner = ProcessTaskrunner::<(), ()>::registered_as("app::f", Serialization::Binary);
    /// assert_eq!(runner.task_name(), Some("app::f"));
    /// ```
    pub fn registered_as(name: &'static str, format: Serialization) -> Self {
        let body = move |args: Args| -> Result<R, JoinError<Infallible>> {
            let fail = |error| Err(JoinError::process(None, error));
            let payload = match format.encode(&args) {
                Ok(payload) => payload,
                Err(e) => {
                    return fail(ProcessError::new(
                        ProcessErrorKind::Arguments,
                        format!("the arguments of `{name}` did not encode: {e}"),
                    ));
                }
            };
            match worker::call_fresh(name, format, &payload) {
                Ok(Some(Reply::Value(bytes))) => format.decode(&bytes).or_else(|e| {
                    fail(ProcessError::new(
                        ProcessErrorKind::Value,
                        format!(
                            "the value of `{name}` did not decode as `{}`: {e}",
                            std::any::type_name::<R>()
                        ),
                    ))
                }),
                Ok(Some(Reply::Panic(message))) => {
                    Err(JoinError::panicked_with_message(None, message))
                }
                Ok(Some(Reply::Error(kind, message))) => {
                    fail(ProcessError::from_child(kind, message))
                }
                // Cancelled before its child started: it never will.
                Ok(None) => Err(JoinError::cancelled(None)),
                Err(error) => fail(error),
            }
        };
        Taskrunner {
            target: ProcessTarget { format },
            body: Arc::new(body),
            name: Some(Cow::Borrowed(name)),
        }
    }
}

impl<Args, T, E> Taskrunner<ProcessTarget, Args, T, E>
where
    Args: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// The encoding of arguments and values on the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{ProcessTaskrunner, Serialization};
    ///
    /// let runner = ProcessTaskrunner::<(), ()>::registered("app::f");
    /// assert_eq!(runner.serialization(), Serialization::Json);
    /// ```
    pub fn serialization(&self) -> Serialization {
        self.target.format
    }

    /// Starts the function in a fresh child process with `args` and returns
    /// at once. A thread of this process waits for the child's reply, and
    /// the callbacks run there, with the decoded value.
    ///
    /// [`TaskHandle::cancel`] kills the child and its process group
    /// (SIGKILL) and returns once the child is reaped, with
    /// [`CancelOutcome::Killed`](crate::CancelOutcome::Killed). Whatever goes wrong
    /// with the child (it cannot start, dies, sends garbage, does not know
    /// the function) ends the task with a [`JoinError`] for which
    /// [`is_process_error`](crate::JoinError::is_process_error) is true; a panic in
    /// the child comes back as a panic with its message. These are values
    /// on the handle, never an unwinding of this process, so they hold in a
    /// program built with `panic = "abort"` too.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::ProcessTaskrunner;
    ///
    /// let handle = ProcessTaskrunner::<(String,), usize>::registered("app::unknown").call(("x".into(),));
    /// assert!(handle.join().unwrap_err().is_process_error());
    /// ```
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        crate::runner::spawn_thread(self.name.as_ref(), None, self.body.clone(), args)
    }
}

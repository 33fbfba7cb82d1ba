//! The `process` target: each call runs the function in a fresh child.

use std::borrow::Cow;
use std::convert::Infallible;
use std::panic::resume_unwind;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::frame::Reply;
use super::{ProcessError, ProcessErrorKind, Serialization, worker};
use crate::handle::TaskHandle;
use crate::runner::Taskrunner;

/// The `process` target: a fresh child process per call, running the
/// function registered under the runner's name.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessTarget {
    format: Serialization,
}

/// Runs each call in a fresh child process. See [`Taskrunner`] and the
/// [module docs](crate::process).
pub type ProcessTaskrunner<Args, T, E = Infallible> = Taskrunner<ProcessTarget, Args, T, E>;

/// Unwinds the parent's side of a call with `error`, which
/// [`JoinError`](crate::JoinError) turns into a process error. `resume_unwind` skips the
/// panic hook, so nothing is printed.
fn fail(error: ProcessError) -> ! {
    resume_unwind(Box::new(error))
}

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
        let body = move |args: Args| -> Result<R, Infallible> {
            let payload = format.encode(&args).unwrap_or_else(|e| {
                fail(ProcessError::new(
                    ProcessErrorKind::Arguments,
                    format!("the arguments of `{name}` did not encode: {e}"),
                ))
            });
            match worker::call_fresh(name, format, &payload) {
                Ok(Reply::Value(bytes)) => Ok(format.decode(&bytes).unwrap_or_else(|e| {
                    fail(ProcessError::new(
                        ProcessErrorKind::Value,
                        format!(
                            "the value of `{name}` did not decode as `{}`: {e}",
                            std::any::type_name::<R>()
                        ),
                    ))
                })),
                Ok(Reply::Panic(message)) => resume_unwind(Box::new(message)),
                Ok(Reply::Error(kind, message)) => fail(ProcessError::from_child(kind, message)),
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
    /// [`TaskHandle::cancel`] kills the child (SIGKILL). Whatever goes wrong
    /// with the child (it cannot start, dies, sends garbage, does not know
    /// the function) ends the task with a [`JoinError`](crate::JoinError) for which
    /// [`is_process_error`](crate::JoinError::is_process_error) is true; a panic in
    /// the child comes back as a panic with its message.
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

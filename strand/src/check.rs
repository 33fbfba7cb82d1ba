//! Traits that state what a task function must satisfy, with messages that
//! say so in strand's words. `#[as_task]` asserts them at the user's own
//! types and expressions, so a mistake is reported where it was written.

/// A return type that makes a task fallible: `Result<T, E>`.
///
/// `#[as_task]` treats a function as fallible when its written return type is
/// a path ending in `Result` (`Result<T, E>`, `io::Result<T>`,
/// `anyhow::Result<T>`); `fallible = true | false` overrides that guess.
/// A fallible task's value is `T`, and `Err(e)` fails it with `e`.
///
/// # Examples
///
/// ```
/// use strand::Fallible;
///
/// let r: Result<u8, String> = Ok(1);
/// assert_eq!(r.into_result(), Ok(1));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result`, so the task cannot be fallible",
    label = "this return type is not a `Result`",
    note = "remove `fallible = true`, or return `Result<T, E>`"
)]
pub trait Fallible {
    /// The task's value on success.
    type Ok;
    /// The task's error.
    type Err;
    /// Splits the outcome.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> Fallible for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Result<T, E> {
        self
    }
}

/// Values that can cross to the thread of a `thread` or `pool` task, or to
/// the thread that starts and waits for the child of a `process` task:
/// `Send + 'static`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be moved to the thread that runs this task",
    label = "this type is not `Send`",
    note = "`thread`, `pool` and `process` tasks start on another thread: use owned, thread-safe types (`Arc` instead of `Rc`, `String` instead of `&str`), or the `sync` target"
)]
pub trait SendToTask: Send + 'static {}
impl<T: Send + 'static> SendToTask for T {}

/// Return types whose items an `on_iter` callback can receive.
#[diagnostic::on_unimplemented(
    message = "`on_iter` needs a function that returns an iterable, but `{Self}` is not `IntoIterator`",
    label = "not iterable",
    note = "return an iterator or a collection, or use `on_end` to receive the whole value"
)]
pub trait Iterable {
    /// The item type.
    type Item;
}
impl<T: IntoIterator> Iterable for T {
    type Item = T::Item;
}

#[cfg(feature = "process")]
/// Values that can cross to the child process of a `process` task: serde
/// types, which travel encoded (JSON, or MessagePack).
///
/// # Examples
///
/// ```
/// fn crosses<T: strand::CrossProcess>() {}
/// crosses::<(u32, String, Vec<f64>)>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross to the child process that runs this task",
    label = "not a serde type (`Serialize` + `Deserialize`)",
    note = "`process` tasks send their arguments and value through serde: derive `serde::Serialize` and `serde::Deserialize` for it, or use a type that has them"
)]
pub trait CrossProcess: serde::Serialize + serde::de::DeserializeOwned {}
#[cfg(feature = "process")]
impl<T: serde::Serialize + serde::de::DeserializeOwned> CrossProcess for T {}

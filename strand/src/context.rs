//! The task a thread is running: [`current_task`].

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::task::cancel::Canceller;
use crate::task::core::{TaskCore, TaskInfo};
use crate::task::id::TaskId;

/// The task a thread runs, borrowed from the `Arc` that the running code
/// holds: entering a task (once per poll of a coroutine task) costs no
/// reference count, and [`current_task`] takes one only when asked.
#[derive(Clone, Copy)]
struct Current {
    task: NonNull<dyn TaskCore>,
    /// Makes an owned `Arc` from `task`, for the `Arc`'s real type.
    to_arc: unsafe fn(NonNull<dyn TaskCore>) -> Arc<dyn TaskCore>,
}

impl Current {
    fn get(&self) -> &dyn TaskCore {
        // SAFETY: `task` is set only by `enter`, from an `Arc` that the
        // `Entered` guard borrows; the guard puts the previous value back
        // before the borrow ends, so while `task` is current it is alive.
        unsafe { self.task.as_ref() }
    }

    fn to_arc(self) -> Arc<dyn TaskCore> {
        // SAFETY: `task` is alive (see `get`) and `to_arc` is the function
        // made for the type of the `Arc` it came from.
        unsafe { (self.to_arc)(self.task) }
    }
}

/// `to_arc` for an `Arc<S>`.
///
/// # Safety
///
/// `task` must come from `Arc::as_ptr` of an `Arc<S>` that is alive.
unsafe fn arc_of<S: TaskCore + 'static>(task: NonNull<dyn TaskCore>) -> Arc<dyn TaskCore> {
    let task = task.cast::<S>().as_ptr().cast_const();
    // SAFETY: `task` points at the value of a live `Arc<S>` (the caller's
    // promise); counting one more reference and owning it is what
    // `Arc::clone` does.
    unsafe {
        Arc::increment_strong_count(task);
        Arc::from_raw(task)
    }
}

/// `to_arc` for a task entered with [`enter_snapshot`]: an `Arc` of a
/// copy of its id and name.
///
/// # Safety
///
/// `task` must point at a live `S`.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
unsafe fn snapshot_of<S: TaskCore>(task: NonNull<dyn TaskCore>) -> Arc<dyn TaskCore> {
    // SAFETY: the caller's promise.
    let task = unsafe { task.cast::<S>().as_ref() };
    Arc::new(task.info())
}

thread_local! {
    static CURRENT: Cell<Option<Current>> = const { Cell::new(None) };
}

/// Restores the previous current task when dropped; borrows the task's
/// `Arc` meanwhile, which keeps it alive while it is current.
pub(crate) struct Entered<'a> {
    previous: Option<Current>,
    _task: PhantomData<&'a ()>,
    /// Bound to its thread, like the thread-local it restores.
    _not_send: PhantomData<*const ()>,
}

fn set(current: Current) -> Entered<'static> {
    Entered {
        previous: CURRENT.with(|c| c.replace(Some(current))),
        _task: PhantomData,
        _not_send: PhantomData,
    }
}

/// Makes `task` the current task of this thread until the guard drops.
pub(crate) fn enter<S: TaskCore + 'static>(task: &Arc<S>) -> Entered<'_> {
    let ptr: NonNull<dyn TaskCore> = NonNull::from(&**task);
    set(Current {
        task: ptr,
        to_arc: arc_of::<S>,
    })
}

/// [`enter`] for a task that is not in an `Arc` (a `coroutine` task's
/// async body): [`current_task`] gets a copy of its id and name.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn enter_snapshot<S: TaskCore + 'static>(task: &S) -> Entered<'_> {
    set(Current {
        task: NonNull::from(task as &dyn TaskCore),
        to_arc: snapshot_of::<S>,
    })
}

/// The current task's id and name, owned.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn current_info() -> Option<TaskInfo> {
    with_current(|task| task.map(|t| t.info()))
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

fn with_current<R>(f: impl FnOnce(Option<&dyn TaskCore>) -> R) -> R {
    CURRENT.with(|c| {
        let current = c.get();
        f(current.as_ref().map(Current::get))
    })
}

/// Whether the task running on this thread, if any, was cancelled.
pub(crate) fn is_cancelled() -> bool {
    with_current(|task| task.is_some_and(|t| t.is_cancelled()))
}

/// The current task's state, owned, for [`current_task`].
pub(crate) fn current_core() -> Option<Arc<dyn TaskCore>> {
    CURRENT.with(|c| c.get().map(Current::to_arc))
}

/// Starts what cancelling the current task must stop (see
/// [`TaskCore::start_cancellable`]): false, and `start` never runs, when the
/// task is already cancelled. Outside a task `start` runs and its canceller
/// is dropped.
#[cfg_attr(not(all(unix, feature = "process")), allow(dead_code))]
pub(crate) fn start_cancellable(start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
    with_current(|task| match task {
        Some(task) => task.start_cancellable(start),
        None => {
            drop(start());
            true
        }
    })
}

/// Work that runs inside the current task (or as a task of its own outside
/// one) with one more source of cancellation: a strand-au computation,
/// whose cancel lives in its record. Its id is the enclosing task's.
struct Nested {
    outer: Option<Arc<dyn TaskCore>>,
    id: TaskId,
    name: Option<Cow<'static, str>>,
    cancelled: Box<dyn Fn() -> bool>,
}

impl TaskCore for Nested {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or_else(|| self.outer.as_ref().and_then(|t| t.name()))
    }
    fn is_cancelled(&self) -> bool {
        (self.cancelled)() || self.outer.as_ref().is_some_and(|t| t.is_cancelled())
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        match &self.outer {
            Some(outer) => outer.start_cancellable(start),
            None => {
                drop(start());
                true
            }
        }
    }
}

/// Runs `body` as the current task, seen by [`current_task`] and by every
/// runner step that checks for a cancel (`on_iter`), named `name` (else the
/// enclosing task's name), and cancelled when `cancelled` says so or the
/// enclosing task is. Outside a task it is a task of its own.
pub fn run_nested<R>(
    name: Option<Cow<'static, str>>,
    cancelled: impl Fn() -> bool + 'static,
    body: impl FnOnce() -> R,
) -> R {
    let outer = current_core();
    let id = outer.as_ref().map_or_else(TaskId::next, |t| t.id());
    // An `Arc`, as `enter` and `current_task` expect, though it never
    // leaves this thread (`CurrentTask` is not `Send`).
    #[allow(clippy::arc_with_non_send_sync)]
    let nested = Arc::new(Nested {
        outer,
        id,
        name,
        cancelled: Box::new(cancelled),
    });
    let _entered = enter(&nested);
    body()
}

/// The task that the calling code runs in, as seen from inside its body.
///
/// Outside any task (for instance in `main`) the returned value has no id
/// and is never cancelled, so library code can check it unconditionally.
///
/// # Examples
///
/// A body that stops early when its handle is cancelled:
///
/// ```
/// use std::time::Duration;
///
/// #[strand::as_task(thread)]
/// fn count_until_cancelled() -> u64 {
///     let mut n = 0;
///     while !strand::current_task().is_cancelled() {
///         n += 1;
///         std::thread::sleep(Duration::from_millis(1));
///     }
///     n
/// }
///
/// let handle = count_until_cancelled();
/// std::thread::sleep(Duration::from_millis(5));
/// handle.cancel();
/// assert!(handle.join().unwrap_err().is_cancelled());
/// assert!(!strand::current_task().is_cancelled());
/// ```
pub fn current_task() -> CurrentTask {
    CurrentTask {
        task: current_core(),
    }
}

/// A view of the running task, returned by [`current_task`].
///
/// It stays valid after the body returns (it keeps the task's state alive),
/// but it is bound to the thread it was taken on.
#[derive(Clone)]
pub struct CurrentTask {
    task: Option<Arc<dyn TaskCore>>,
}

impl CurrentTask {
    /// The running task's id, or `None` outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand::current_task().id(), None);
    /// ```
    pub fn id(&self) -> Option<TaskId> {
        self.task.as_ref().map(|t| t.id())
    }

    /// The running task's name, or `None` outside a task or for an unnamed one.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| strand::current_task().name().map(String::from))
    ///     .name("report")
    ///     .call(());
    /// assert_eq!(handle.join().unwrap().as_deref(), Some("report"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.task.as_ref().and_then(|t| t.name())
    }

    /// Whether the running task's handle asked it to stop. A long body should
    /// check this between steps and return early when it is true; its value
    /// is dropped anyway. Always false outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!strand::current_task().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.task.as_ref().is_some_and(|t| t.is_cancelled())
    }

    /// Whether the caller runs inside a strand task at all.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!strand::current_task().is_task());
    /// let inside = strand::ThreadTaskrunner::new(|| strand::current_task().is_task()).call(());
    /// assert!(inside.join().unwrap());
    /// ```
    pub fn is_task(&self) -> bool {
        self.task.is_some()
    }
}

impl fmt::Debug for CurrentTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentTask")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

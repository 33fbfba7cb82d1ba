//! What running code knows of its task, whatever its value type:
//! [`TaskCore`] (id, name, cancellation), [`NameOf`], and [`Meta`], a
//! task's id and name.

use std::borrow::Cow;

use crate::task::cancel::Canceller;
use crate::task::id::TaskId;

/// Identity and cancellation state of a running task, without its value type.
pub(crate) trait TaskCore {
    fn id(&self) -> TaskId;
    fn name(&self) -> Option<&str>;
    fn is_cancelled(&self) -> bool;
    /// Starts what `cancel()` must stop from outside (a `process` task's
    /// child), unless the task is already cancelled: `start` runs under the
    /// cancellation's lock and returns the canceller to install, so a
    /// `cancel` either finds the canceller or happened before `start`, which
    /// then never runs. False when the task was already cancelled.
    #[cfg_attr(not(all(unix, feature = "process")), allow(dead_code))]
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool;
    /// The task's id and name, owned, to describe it elsewhere.
    fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id(),
            name: self.name().map(|n| Cow::Owned(n.to_owned())),
        }
    }
}

/// Where a task description finds its name: held as a `Cow` (a name given
/// at run time), or known from a type (see `coroutine::body::Static`, free).
pub(crate) trait NameOf: Send + Sync + 'static {
    fn get(&self) -> Option<&str>;
    fn to_cow(&self) -> Option<Cow<'static, str>>;
}

impl NameOf for Option<Cow<'static, str>> {
    fn get(&self) -> Option<&str> {
        self.as_deref()
    }
    fn to_cow(&self) -> Option<Cow<'static, str>> {
        self.clone()
    }
}

/// A task's id and name: all a `coroutine` task's async body can ask of
/// its task (it is cancelled by being dropped at an `.await`, so it never
/// runs on to see a cancellation).
#[derive(Clone, Debug)]
pub(crate) struct Meta<N> {
    pub(crate) id: TaskId,
    pub(crate) name: N,
}

/// A task's id and name, owned.
pub(crate) type TaskInfo = Meta<Option<Cow<'static, str>>>;

impl<N: NameOf> TaskCore for Meta<N> {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.get()
    }
    fn is_cancelled(&self) -> bool {
        false
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        // Never cancelled while it runs, so nothing would ever run the
        // canceller.
        drop(start());
        true
    }
    fn info(&self) -> TaskInfo {
        Meta {
            id: self.id,
            name: self.name.to_cow(),
        }
    }
}

//! [`TaskDispatcher`]: many tasks at once, their outcomes kept by id, at
//! most a given number in flight; and [`Launch`], what it launches them with.

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, Instant};

use crate::batch::HandleSet;
use crate::error::JoinError;
use crate::runner::{PoolTarget, SyncTarget, Taskrunner, ThreadTarget};
use crate::task::join::TaskHandle;

/// Something that starts a task from a tuple of arguments and returns its
/// [`TaskHandle`]: every runner of strand ([`ThreadTaskrunner`](crate::ThreadTaskrunner),
/// [`PoolTaskrunner`](crate::PoolTaskrunner), [`SyncTaskrunner`](crate::SyncTaskrunner),
/// the process and coroutine runners, strand-au's `StoreTaskWriter`), and
/// every function that returns a `TaskHandle`, which is what
/// `#[as_task(...)]` makes of a function, whatever its target.
///
/// `Args` is the tuple of the arguments: `()`, `(a,)`, `(a, b)`, ... (up to
/// eight for functions).
///
/// # Examples
///
/// ```
/// use strand::{Launch, TaskHandle, ThreadTaskrunner, as_task};
///
/// #[as_task(pool)]
/// fn add(a: u32, b: u32) -> u32 {
///     a + b
/// }
///
/// fn twice<L: Launch<(u32, u32), Value = u32>>(launcher: &L) -> Vec<TaskHandle<u32, L::Error>> {
///     vec![launcher.launch((1, 2)), launcher.launch((3, 4))]
/// }
///
/// let sums: Vec<u32> = twice(&add).into_iter().map(|h| h.join().unwrap()).collect();
/// assert_eq!(sums, [3, 7]);
/// let products = twice(&ThreadTaskrunner::new(|a: u32, b: u32| a * b));
/// assert_eq!(products.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>(), [2, 12]);
/// ```
pub trait Launch<Args> {
    /// The value of a task.
    type Value;
    /// The error of a task's function ([`Infallible`] when it cannot fail).
    type Error;

    /// Starts a task with `args` and returns its handle at once.
    fn launch(&self, args: Args) -> TaskHandle<Self::Value, Self::Error>;
}

/// `Launch` for the runners of targets whose tasks run on other threads.
macro_rules! launch_runners {
    ($($target:ty),* $(,)?) => {$(
        impl<Args, T, E> Launch<Args> for Taskrunner<$target, Args, T, E>
        where
            Args: Send + 'static,
            T: Send + 'static,
            E: Send + 'static,
        {
            type Value = T;
            type Error = E;

            fn launch(&self, args: Args) -> TaskHandle<T, E> {
                self.call(args)
            }
        }
    )*};
}

launch_runners!(ThreadTarget, PoolTarget);

#[cfg(all(unix, feature = "process"))]
launch_runners!(crate::process::ProcessTarget);

impl<Args, T, E> Launch<Args> for Taskrunner<SyncTarget, Args, T, E>
where
    T: 'static,
    E: 'static,
{
    type Value = T;
    type Error = E;

    fn launch(&self, args: Args) -> TaskHandle<T, E> {
        self.call(args)
    }
}

#[cfg(feature = "tokio")]
impl<Args, T, E> Launch<Args> for crate::coroutine::CoroutineTaskrunner<Args, T, E>
where
    Args: 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    type Value = T;
    type Error = E;

    fn launch(&self, args: Args) -> TaskHandle<T, E> {
        self.call(args)
    }
}

/// `Launch<(A, B, ...)>` for every function of `A, B, ...` that returns a
/// `TaskHandle`.
macro_rules! launch_functions {
    ($(($($arg:ident),*)),* $(,)?) => {$(
        impl<F, $($arg,)* T, E> Launch<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> TaskHandle<T, E>,
        {
            type Value = T;
            type Error = E;

            #[allow(non_snake_case)]
            fn launch(&self, ($($arg,)*): ($($arg,)*)) -> TaskHandle<T, E> {
                self($($arg),*)
            }
        }
    )*};
}

launch_functions!(
    (),
    (A1),
    (A1, A2),
    (A1, A2, A3),
    (A1, A2, A3, A4),
    (A1, A2, A3, A4, A5),
    (A1, A2, A3, A4, A5, A6),
    (A1, A2, A3, A4, A5, A6, A7),
    (A1, A2, A3, A4, A5, A6, A7, A8),
);

/// The id a [`TaskDispatcher`] gives a task when it is dispatched or
/// enqueued: its outcome and status are kept under it. Ids count up from 0
/// in the order the dispatcher was given the tasks, so maps keyed by them
/// list the tasks in that order; they stay unique across
/// [`reset`](TaskDispatcher::reset).
///
/// # Examples
///
/// ```
/// let mut dispatcher = strand::TaskDispatcher::new();
/// let first = dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 1), ());
/// let second = dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 2), ());
/// assert!(first < second);
/// assert_eq!(first.to_string(), "#0");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct DispatchId(u64);

impl DispatchId {
    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// assert_eq!(dispatcher.dispatch(&strand::SyncTaskrunner::new(|| ()), ()).as_u64(), 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for DispatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a task of a [`TaskDispatcher`] is.
///
/// # Examples
///
/// ```
/// use strand::{DispatchStatus, SyncTaskrunner, TaskDispatcher};
///
/// let mut dispatcher = TaskDispatcher::new();
/// let id = dispatcher.enqueue(&SyncTaskrunner::new(|| 5), ());
/// assert_eq!(dispatcher.status(id), Some(DispatchStatus::Queued));
/// dispatcher.run(None).unwrap();
/// assert_eq!(dispatcher.status(id), Some(DispatchStatus::Succeeded));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DispatchStatus {
    /// Enqueued, not started yet: [`run`](TaskDispatcher::run) starts it.
    Queued,
    /// Started; its outcome has not been collected yet (it may have
    /// finished since the dispatcher last looked: every waiting method and
    /// [`is_complete`](TaskDispatcher::is_complete) collect).
    Running,
    /// Finished with a value, in [`results`](TaskDispatcher::results).
    Succeeded,
    /// Ended without a value (the function's error, a panic, a cancel, a
    /// lost worker), in [`errors`](TaskDispatcher::errors).
    Failed,
}

/// How many tasks of a [`TaskDispatcher`] are where; its `Display` is a
/// one-line progress report.
///
/// # Examples
///
/// ```
/// let mut dispatcher = strand::TaskDispatcher::new();
/// dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 1), ());
/// let counts = dispatcher.counts();
/// assert_eq!((counts.total(), counts.finished(), counts.succeeded), (1, 0, 0)); // not collected yet
/// assert!(dispatcher.is_complete());
/// assert_eq!(dispatcher.counts().to_string(), "1/1 done (1 ok, 0 failed), 0 running, 0 queued");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[non_exhaustive]
pub struct Counts {
    /// Tasks enqueued and not started.
    pub queued: usize,
    /// Tasks started whose outcome has not been collected.
    pub running: usize,
    /// Tasks that finished with a value.
    pub succeeded: usize,
    /// Tasks that ended without one.
    pub failed: usize,
}

impl Counts {
    /// Every task of the dispatcher.
    pub fn total(&self) -> usize {
        self.queued + self.running + self.succeeded + self.failed
    }

    /// The tasks whose outcome is in.
    pub fn finished(&self) -> usize {
        self.succeeded + self.failed
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} done ({} ok, {} failed), {} running, {} queued",
            self.finished(),
            self.total(),
            self.succeeded,
            self.failed,
            self.running,
            self.queued
        )
    }
}

/// The error of [`TaskDispatcher::run`] when its timeout passed first: the
/// tasks still running or queued. They are not stopped: run again to wait
/// longer, or [`cancel_all`](TaskDispatcher::cancel_all).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand::{TaskDispatcher, ThreadTaskrunner};
///
/// let (release, wait) = std::sync::mpsc::channel::<()>();
/// let wait = std::sync::Mutex::new(wait);
/// let blocked = ThreadTaskrunner::new(move || { let _ = wait.lock().unwrap().recv(); }).name("app::blocked");
/// let mut dispatcher = TaskDispatcher::new();
/// let id = dispatcher.dispatch(&blocked, ());
/// let unfinished = dispatcher.run(Duration::from_millis(20)).unwrap_err();
/// assert_eq!(unfinished.running(), [id]);
/// assert!(unfinished.to_string().contains("#0 `app::blocked`"));
/// release.send(()).unwrap();
/// dispatcher.run(None).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    timeout: Duration,
    running: Vec<(DispatchId, Option<String>)>,
    queued: Vec<DispatchId>,
}

impl Unfinished {
    /// The tasks still running, in id order.
    pub fn running(&self) -> Vec<DispatchId> {
        self.running.iter().map(|(id, _)| *id).collect()
    }

    /// The tasks not started yet, in id order.
    pub fn queued(&self) -> &[DispatchId] {
        &self.queued
    }

    /// The timeout that passed.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// How many ids of each kind the message names before it says "and N more".
const NAMED: usize = 8;

impl fmt::Display for Unfinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.running.len() + self.queued.len();
        write!(
            f,
            "{total} task{} unfinished after {:?}",
            if total == 1 { "" } else { "s" },
            self.timeout
        )?;
        if !self.running.is_empty() {
            write!(f, ": {} running (", self.running.len())?;
            for (n, (id, name)) in self.running.iter().take(NAMED).enumerate() {
                let sep = if n == 0 { "" } else { ", " };
                match name {
                    Some(name) => write!(f, "{sep}{id} `{name}`")?,
                    None => write!(f, "{sep}{id}")?,
                }
            }
            if self.running.len() > NAMED {
                write!(f, " and {} more", self.running.len() - NAMED)?;
            }
            f.write_str(")")?;
        }
        if !self.queued.is_empty() {
            let sep = if self.running.is_empty() { ": " } else { ", " };
            write!(f, "{sep}{} queued (", self.queued.len())?;
            for (n, id) in self.queued.iter().take(NAMED).enumerate() {
                write!(f, "{}{id}", if n == 0 { "" } else { ", " })?;
            }
            if self.queued.len() > NAMED {
                write!(f, " and {} more", self.queued.len() - NAMED)?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl StdError for Unfinished {}

/// Values by [`DispatchId`]: what [`TaskDispatcher::results`] and
/// [`TaskDispatcher::errors`] return. A dispatcher's ids count up from one
/// start, so the map is a vector indexed by id: an insert is a store, a
/// lookup an index, and iteration goes in id order (the order the tasks
/// were given). Its methods are those of a `BTreeMap` that readers need.
///
/// # Examples
///
/// ```
/// let square = strand::SyncTaskrunner::new(|x: u32| x * x);
/// let mut dispatcher = strand::TaskDispatcher::new();
/// let ids: Vec<_> = (1..=3).map(|x| dispatcher.dispatch(&square, (x,))).collect();
/// dispatcher.run(None).unwrap();
/// let results = dispatcher.results();
/// assert_eq!(results.len(), 3);
/// assert_eq!(results[&ids[1]], 4);
/// assert_eq!(results.get(&ids[2]), Some(&9));
/// assert_eq!(results.iter().map(|(id, v)| (id.as_u64(), *v)).collect::<Vec<_>>(), [(0, 1), (1, 4), (2, 9)]);
/// assert_eq!(results.values().sum::<u32>(), 14);
/// ```
pub struct IdMap<V> {
    /// The id of `slots[0]`.
    base: u64,
    slots: Vec<Option<V>>,
    len: usize,
}

impl<V> IdMap<V> {
    fn new(base: u64) -> Self {
        IdMap {
            base,
            slots: Vec::new(),
            len: 0,
        }
    }

    fn index(&self, id: DispatchId) -> Option<usize> {
        usize::try_from(id.0.checked_sub(self.base)?).ok()
    }

    fn insert(&mut self, id: DispatchId, value: V) {
        let Some(index) = self.index(id) else {
            return;
        };
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        if self.slots[index].replace(value).is_none() {
            self.len += 1;
        }
    }

    /// The value of task `id`.
    pub fn get(&self, id: &DispatchId) -> Option<&V> {
        self.slots.get(self.index(*id)?)?.as_ref()
    }

    /// Whether task `id` has a value here.
    pub fn contains_key(&self, id: &DispatchId) -> bool {
        self.get(id).is_some()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids and values, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (DispatchId, &V)> {
        let base = self.base;
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(n, value)| Some((DispatchId(base + n as u64), value.as_ref()?)))
    }

    /// The ids, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = DispatchId> + '_ {
        self.iter().map(|(id, _)| id)
    }

    /// The values, in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.slots.iter().filter_map(Option::as_ref)
    }

    /// Takes the values out, in id order.
    fn take_all(&mut self) -> impl Iterator<Item = (DispatchId, V)> + use<V> {
        let base = self.base;
        self.len = 0;
        std::mem::take(&mut self.slots)
            .into_iter()
            .enumerate()
            .filter_map(move |(n, value)| Some((DispatchId(base + n as u64), value?)))
    }

    fn clear(&mut self, base: u64) {
        self.base = base;
        self.slots.clear();
        self.len = 0;
    }
}

impl<V> std::ops::Index<&DispatchId> for IdMap<V> {
    type Output = V;

    /// The value of task `id`; panics when there is none, as a map does.
    fn index(&self, id: &DispatchId) -> &V {
        self.get(id)
            .unwrap_or_else(|| panic!("no value for task {id} here"))
    }
}

impl<'a, V> IntoIterator for &'a IdMap<V> {
    type Item = (DispatchId, &'a V);
    type IntoIter = Box<dyn DoubleEndedIterator<Item = (DispatchId, &'a V)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<V: fmt::Debug> fmt::Debug for IdMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

type Deferred<T, E> = Box<dyn FnOnce() -> TaskHandle<T, E> + Send>;
type Check<T, E> = Box<dyn Fn(&TaskDispatcher<T, E>) -> bool + Send + Sync>;

/// Runs many tasks and keeps their outcomes by id: Python strand's
/// `TaskDispatcher`, over every target.
///
/// [`dispatch`](Self::dispatch) starts a task now; [`enqueue`](Self::enqueue)
/// keeps it to be started by [`run`](Self::run), which waits until every
/// task is done (or a [custom check](Self::check_complete) says the work
/// is complete) and fails, naming what is unfinished, when its timeout
/// passes first. [`results`](Self::results), [`errors`](Self::errors) and
/// [`statuses`](Self::statuses) are kept by [`DispatchId`], and
/// [`reset`](Self::reset) forgets them all.
///
/// A dispatcher never has more than [`max_in_flight`](Self::max_in_flight)
/// tasks started and not collected (unbounded unless set): `dispatch` waits
/// for one to finish before it starts another, and `run` starts enqueued
/// tasks as others finish. So 100,000 tasks through a dispatcher bounded at
/// 64 hold at most 64 tasks in the pool's queue or in the store at any
/// time (their outcomes, kept by id, still grow with the count).
///
/// Tasks are launched with anything that implements [`Launch`]: a runner,
/// or a function made by `#[as_task(...)]`, of any target (for the `store`
/// target the tasks are in a store's queue, run by workers anywhere).
///
/// # Typed
///
/// A dispatcher holds tasks of one value type `T` and one error type `E`.
/// To mix functions of different types in one dispatcher, give them a
/// common one: launch closures that wrap each value in a variant of an enum
/// of yours ([`dispatch_with`](Self::dispatch_with) takes any closure that
/// returns a handle), or use one dispatcher per type.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand::{DispatchStatus, PoolTaskrunner, TaskDispatcher};
///
/// let parse = PoolTaskrunner::new(|s: &'static str| s.parse::<u32>()).fallible();
///
/// let mut dispatcher = TaskDispatcher::new().max_in_flight(2);
/// let one = dispatcher.dispatch(&parse, ("1",));
/// let bad = dispatcher.enqueue(&parse, ("x",));
/// let three = dispatcher.enqueue(&parse, ("3",));
/// dispatcher.run(Duration::from_secs(30)).unwrap();
///
/// assert_eq!(dispatcher.results().get(&one), Some(&1));
/// assert_eq!(dispatcher.results().get(&three), Some(&3));
/// assert!(dispatcher.errors()[&bad].failure().is_some());
/// assert_eq!(dispatcher.status(bad), Some(DispatchStatus::Failed));
/// ```
pub struct TaskDispatcher<T, E = Infallible> {
    in_flight: HandleSet<TaskHandle<T, E>, DispatchId>,
    queued: VecDeque<(DispatchId, Deferred<T, E>)>,
    results: IdMap<T>,
    errors: IdMap<JoinError<E>>,
    max_in_flight: usize,
    next_id: u64,
    check: Option<Check<T, E>>,
}

impl<T, E> Default for TaskDispatcher<T, E> {
    fn default() -> Self {
        TaskDispatcher {
            in_flight: HandleSet::new(),
            queued: VecDeque::new(),
            results: IdMap::new(0),
            errors: IdMap::new(0),
            max_in_flight: usize::MAX,
            next_id: 0,
            check: None,
        }
    }
}

impl<T, E> TaskDispatcher<T, E> {
    /// An empty dispatcher without a bound on tasks in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// let dispatcher = strand::TaskDispatcher::<u32>::new();
    /// assert_eq!(dispatcher.counts().total(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` tasks started and not yet collected at any time (at
    /// least one: `0` counts as `1`).
    ///
    /// # Examples
    ///
    /// ```
    /// let square = strand::PoolTaskrunner::new(|x: u64| x * x);
    /// let mut dispatcher = strand::TaskDispatcher::new().max_in_flight(4);
    /// for x in 0..100 {
    ///     dispatcher.dispatch(&square, (x,)); // waits while 4 are in flight
    ///     assert!(dispatcher.counts().running <= 4);
    /// }
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results().values().sum::<u64>(), 328_350);
    /// ```
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Replaces the test of [`is_complete`](Self::is_complete) and
    /// [`run`](Self::run) (by default: every task has its outcome) with
    /// `check`, which sees the dispatcher (its results, errors, statuses)
    /// after each outcome. When it says complete, `run` returns, and the
    /// tasks still running or queued stay as they are.
    ///
    /// # Examples
    ///
    /// Stop at the first error:
    ///
    /// ```
    /// let check = strand::SyncTaskrunner::new(|x: i32| if x == 3 { Err("three") } else { Ok(x) }).fallible();
    /// let mut dispatcher = strand::TaskDispatcher::new()
    ///     .max_in_flight(1)
    ///     .check_complete(|d| !d.errors().is_empty());
    /// for x in 0..10 {
    ///     dispatcher.enqueue(&check, (x,));
    /// }
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results().len(), 3); // 0, 1, 2, then 3 failed
    /// assert_eq!(dispatcher.counts().queued, 6);
    /// ```
    pub fn check_complete(
        mut self,
        check: impl Fn(&TaskDispatcher<T, E>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.check = Some(Box::new(check));
        self
    }

    fn next_id(&mut self) -> DispatchId {
        let id = DispatchId(self.next_id);
        self.next_id += 1;
        id
    }

    /// The values of the tasks that succeeded, by id.
    ///
    /// # Examples
    ///
    /// See [`TaskDispatcher`].
    pub fn results(&self) -> &IdMap<T> {
        &self.results
    }

    /// The errors of the tasks that failed, by id.
    ///
    /// # Examples
    ///
    /// See [`TaskDispatcher`].
    pub fn errors(&self) -> &IdMap<JoinError<E>> {
        &self.errors
    }

    /// The status of task `id`; `None` for an id this dispatcher does not
    /// know (or forgot in [`reset`](Self::reset)).
    ///
    /// # Examples
    ///
    /// See [`DispatchStatus`].
    pub fn status(&self, id: DispatchId) -> Option<DispatchStatus> {
        if self.results.contains_key(&id) {
            Some(DispatchStatus::Succeeded)
        } else if self.errors.contains_key(&id) {
            Some(DispatchStatus::Failed)
        } else if self.queued.iter().any(|(queued, _)| *queued == id) {
            Some(DispatchStatus::Queued)
        } else if self.in_flight.iter().any(|(running, _)| *running == id) {
            Some(DispatchStatus::Running)
        } else {
            None
        }
    }

    /// The status of every task, by id.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::{DispatchStatus, SyncTaskrunner, TaskDispatcher};
    ///
    /// let mut dispatcher = TaskDispatcher::new();
    /// let done = dispatcher.dispatch(&SyncTaskrunner::new(|| 1), ());
    /// let later = dispatcher.enqueue(&SyncTaskrunner::new(|| 2), ());
    /// dispatcher.is_complete(); // collects what has finished
    /// let statuses = dispatcher.statuses();
    /// assert_eq!(statuses[&done], DispatchStatus::Succeeded);
    /// assert_eq!(statuses[&later], DispatchStatus::Queued);
    /// ```
    pub fn statuses(&self) -> BTreeMap<DispatchId, DispatchStatus> {
        let mut statuses = BTreeMap::new();
        statuses.extend(
            self.results
                .keys()
                .map(|id| (id, DispatchStatus::Succeeded)),
        );
        statuses.extend(self.errors.keys().map(|id| (id, DispatchStatus::Failed)));
        statuses.extend(
            self.queued
                .iter()
                .map(|(id, _)| (*id, DispatchStatus::Queued)),
        );
        statuses.extend(
            self.in_flight
                .iter()
                .map(|(id, _)| (*id, DispatchStatus::Running)),
        );
        statuses
    }

    /// How many tasks are where.
    ///
    /// # Examples
    ///
    /// See [`Counts`].
    pub fn counts(&self) -> Counts {
        Counts {
            queued: self.queued.len(),
            running: self.in_flight.len(),
            succeeded: self.results.len(),
            failed: self.errors.len(),
        }
    }

    /// The outcome of task `id`, once collected.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 'x'), ());
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.outcome(id).unwrap().ok(), Some(&'x'));
    /// ```
    pub fn outcome(&self, id: DispatchId) -> Option<Result<&T, &JoinError<E>>> {
        match self.results.get(&id) {
            Some(value) => Some(Ok(value)),
            None => self.errors.get(&id).map(Err),
        }
    }

    /// Every collected outcome by id, taking the dispatcher apart (its
    /// running tasks are detached, its queued ones never start).
    ///
    /// # Examples
    ///
    /// ```
    /// let double = strand::SyncTaskrunner::new(|x: u8| x * 2);
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// for x in 1..=3 {
    ///     dispatcher.dispatch(&double, (x,));
    /// }
    /// dispatcher.run(None).unwrap();
    /// let values: Vec<u8> = dispatcher.into_outcomes().into_values().map(Result::unwrap).collect();
    /// assert_eq!(values, [2, 4, 6]);
    /// ```
    pub fn into_outcomes(mut self) -> BTreeMap<DispatchId, Result<T, JoinError<E>>> {
        let mut outcomes: BTreeMap<_, _> = self
            .results
            .take_all()
            .map(|(id, value)| (id, Ok(value)))
            .collect();
        outcomes.extend(self.errors.take_all().map(|(id, error)| (id, Err(error))));
        outcomes
    }

    /// Forgets every task: outcomes, statuses, queued tasks (which never
    /// start) and running ones (detached: they run on, their outcomes are
    /// dropped). Ids given later stay unique. The bound and the check stay.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 1), ());
    /// dispatcher.run(None).unwrap();
    /// dispatcher.reset();
    /// assert_eq!(dispatcher.counts().total(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.queued.clear();
        drop(self.in_flight.drain());
        self.results.clear(self.next_id);
        self.errors.clear(self.next_id);
    }

    /// Cancels every task: the queued ones never start and fail as
    /// cancelled at once; the running ones are cancelled as
    /// [`TaskHandle::cancel`] does, and their outcomes (cancelled, or a
    /// value that was already there) are collected as usual.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.enqueue(&strand::SyncTaskrunner::new(|| 1), ());
    /// dispatcher.cancel_all();
    /// dispatcher.run(None).unwrap();
    /// assert!(dispatcher.errors()[&id].is_cancelled());
    /// ```
    pub fn cancel_all(&mut self) {
        for (id, _) in self.queued.drain(..) {
            self.errors.insert(id, JoinError::cancelled(None));
        }
        for (_, handle) in self.in_flight.iter() {
            handle.cancel();
        }
    }
}

impl<T, E> TaskDispatcher<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// Starts a task with `args` now, through `launcher` (a runner, or a
    /// function made by `#[as_task]`), and returns its id. At the
    /// [bound](Self::max_in_flight), it first waits for a task to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::as_task;
    ///
    /// #[as_task(thread)]
    /// fn shout(word: String) -> String {
    ///     word.to_uppercase()
    /// }
    ///
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.dispatch(&shout, ("hey".to_string(),));
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results()[&id], "HEY");
    /// ```
    pub fn dispatch<Args, L>(&mut self, launcher: &L, args: Args) -> DispatchId
    where
        L: Launch<Args, Value = T, Error = E> + ?Sized,
    {
        self.dispatch_with(|| launcher.launch(args))
    }

    /// Starts a task now with `launch`, any closure that returns a handle,
    /// and returns its id; waits first at the [bound](Self::max_in_flight).
    ///
    /// # Examples
    ///
    /// ```
    /// let add = strand::PoolTaskrunner::new(|a: u32, b: u32| a + b);
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.dispatch_with(|| add.call((40, 2)));
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results()[&id], 42);
    /// ```
    pub fn dispatch_with(&mut self, launch: impl FnOnce() -> TaskHandle<T, E>) -> DispatchId {
        while self.in_flight.len() >= self.max_in_flight {
            self.collect_next(None);
        }
        let id = self.next_id();
        self.in_flight.insert(id, launch());
        id
    }

    /// Keeps a task with `args` to be started through `launcher` by
    /// [`run`](Self::run) (or any other waiting method), and returns its
    /// id. The launcher is cloned (a runner's clone is cheap; a function's
    /// is a copy).
    ///
    /// # Examples
    ///
    /// ```
    /// let count = strand::ThreadTaskrunner::new(|s: String| s.len());
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.enqueue(&count, ("four".into(),));
    /// assert_eq!(dispatcher.counts().queued, 1);
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results()[&id], 4);
    /// ```
    pub fn enqueue<Args, L>(&mut self, launcher: &L, args: Args) -> DispatchId
    where
        L: Launch<Args, Value = T, Error = E> + Clone + Send + 'static,
        Args: Send + 'static,
    {
        let launcher = launcher.clone();
        self.enqueue_with(move || launcher.launch(args))
    }

    /// Keeps `launch`, a closure that starts a task and returns its handle,
    /// to be called by [`run`](Self::run); returns the task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let id = dispatcher.enqueue_with(|| strand::SyncTaskrunner::new(|| "later").call(()));
    /// dispatcher.run(None).unwrap();
    /// assert_eq!(dispatcher.results()[&id], "later");
    /// ```
    pub fn enqueue_with(
        &mut self,
        launch: impl FnOnce() -> TaskHandle<T, E> + Send + 'static,
    ) -> DispatchId {
        let id = self.next_id();
        self.queued.push_back((id, Box::new(launch)));
        id
    }

    /// Starts the queued tasks (at most [`max_in_flight`](Self::max_in_flight)
    /// at a time) and waits until the work is complete: every task has its
    /// outcome, or the [custom check](Self::check_complete) says so (a
    /// check that is never satisfied ends when no task is left to wait
    /// for). `timeout` is a [`Duration`] or `None` (no limit).
    ///
    /// # Errors
    ///
    /// [`Unfinished`], naming the tasks still running or queued, when
    /// `timeout` passes first; they go on, and a later `run` waits for
    /// them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// let nap = strand::ThreadTaskrunner::new(|ms: u64| std::thread::sleep(Duration::from_millis(ms)));
    /// dispatcher.enqueue(&nap, (1,));
    /// dispatcher.enqueue(&nap, (2,));
    /// dispatcher.run(Duration::from_secs(30)).unwrap();
    /// assert_eq!(dispatcher.results().len(), 2);
    /// ```
    pub fn run(&mut self, timeout: impl Into<Option<Duration>>) -> Result<(), Unfinished> {
        let timeout = timeout.into();
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        loop {
            if self.check_done() || (self.in_flight.is_empty() && self.queued.is_empty()) {
                return Ok(());
            }
            self.start_queued();
            if !self.collect_next(deadline) {
                return Err(self.unfinished(timeout.unwrap_or(Duration::MAX)));
            }
        }
    }

    /// Starts queued tasks up to the bound, waits for the next outcome at
    /// most `timeout`, collects it and returns its task's id: a step of
    /// [`run`](Self::run), for a caller that reports progress between
    /// outcomes. `None` when no task is running or queued, or when none
    /// finished in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let square = strand::PoolTaskrunner::new(|x: u64| x * x);
    /// let mut dispatcher = strand::TaskDispatcher::new().max_in_flight(8);
    /// for x in 0..100 {
    ///     dispatcher.enqueue(&square, (x,));
    /// }
    /// while let Some(_id) = dispatcher.join_next_timeout(Duration::from_secs(30)) {
    ///     let counts = dispatcher.counts();
    ///     assert!(counts.running <= 8);
    ///     // print!("\r{counts}");
    /// }
    /// assert_eq!(dispatcher.results().len(), 100);
    /// ```
    pub fn join_next_timeout(&mut self, timeout: Duration) -> Option<DispatchId> {
        self.start_queued();
        let (id, outcome) = self
            .in_flight
            .join_next_until(Instant::now().checked_add(timeout))
            .ok()
            .flatten()?;
        self.record(id, outcome);
        Some(id)
    }

    /// Collects the outcomes that are in, without waiting (it starts no
    /// queued task), and says whether the work is complete
    /// (every task has its outcome, or the [custom check](Self::check_complete)
    /// says so).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut dispatcher = strand::TaskDispatcher::new();
    /// dispatcher.dispatch(&strand::SyncTaskrunner::new(|| 1), ());
    /// assert!(dispatcher.is_complete());
    /// ```
    pub fn is_complete(&mut self) -> bool {
        while let Some((id, outcome)) = self.in_flight.try_join_next() {
            self.record(id, outcome);
        }
        self.check_done()
    }

    /// Whether the work is complete, by the check or by default.
    fn check_done(&self) -> bool {
        match &self.check {
            Some(check) => check(self),
            None => self.queued.is_empty() && self.in_flight.is_empty(),
        }
    }

    /// Starts queued tasks while there is room.
    fn start_queued(&mut self) {
        while self.in_flight.len() < self.max_in_flight {
            let Some((id, launch)) = self.queued.pop_front() else {
                break;
            };
            self.in_flight.insert(id, launch());
        }
    }

    /// Waits for one outcome until `deadline` and records it: `false` when
    /// the deadline passed first (or nothing is running).
    fn collect_next(&mut self, deadline: Option<Instant>) -> bool {
        match self.in_flight.join_next_until(deadline) {
            Ok(Some((id, outcome))) => {
                self.record(id, outcome);
                true
            }
            Ok(None) | Err(()) => false,
        }
    }

    fn record(&mut self, id: DispatchId, outcome: Result<T, JoinError<E>>) {
        match outcome {
            Ok(value) => {
                self.results.insert(id, value);
            }
            Err(error) => {
                self.errors.insert(id, error);
            }
        }
    }

    /// What is left when a timeout passed.
    fn unfinished(&self, timeout: Duration) -> Unfinished {
        let mut running: Vec<_> = self
            .in_flight
            .iter()
            .map(|(id, handle)| (*id, handle.name().map(str::to_owned)))
            .collect();
        running.sort();
        Unfinished {
            timeout,
            running,
            queued: self.queued.iter().map(|(id, _)| *id).collect(),
        }
    }
}

impl<T, E> fmt::Debug for TaskDispatcher<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskDispatcher")
            .field("counts", &self.counts())
            .field("max_in_flight", &self.max_in_flight)
            .field("check_complete", &self.check.is_some())
            .finish_non_exhaustive()
    }
}

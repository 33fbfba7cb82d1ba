//! Many handles at once: [`join_all`], [`as_completed`] and the set they
//! are built on, [`HandleSet`].
//!
//! They take any handle that can be awaited: the [`TaskHandle`] of every
//! target (`thread`, `pool`, `sync`, `process`, `coroutine`, `store`), and
//! strand-au's `ComputationHandle`, so one function serves every kind of
//! work. Each works blocking (an [`Iterator`], or a call that returns the
//! values) and async (a [`Stream`](futures_core::Stream), or a future).
//!
//! [`HandleSet`] is the engine: handles go in with a tag, outcomes come out
//! as their tasks finish, and a woken task costs one look at that task, not
//! a scan of the set, so a set of 100,000 handles is as cheap per task as a
//! set of ten. [`TaskDispatcher`](crate::TaskDispatcher) bounds the tasks in
//! flight with one.
//!
//! # Examples
//!
//! ```
//! use strand::{PoolTaskrunner, batch};
//!
//! let square = PoolTaskrunner::new(|x: u64| x * x);
//! let handles: Vec<_> = (1..=4).map(|x| square.call((x,))).collect();
//!
//! // Values in the order of the handles, an error per item:
//! let values: Result<Vec<u64>, _> = batch::join_all(handles).into_iter().collect();
//! assert_eq!(values.unwrap(), [1, 4, 9, 16]);
//!
//! // Outcomes as they finish, each with the index of its handle:
//! let mut seen: Vec<(usize, u64)> = batch::as_completed((1..=4).map(|x| square.call((x,))))
//!     .map(|(index, outcome)| (index, outcome.unwrap()))
//!     .collect();
//! seen.sort();
//! assert_eq!(seen, [(0, 1), (1, 4), (2, 9), (3, 16)]);
//! ```
//!
//! [`TaskHandle`]: crate::TaskHandle

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::sync::{AtomicBool, AtomicWaker, Receiver, Sender, unbounded};

/// How many entries one poll of a [`HandleSet`] looks at before it lets
/// its executor run something else (when none of them finished).
const POLL_BUDGET: usize = 64;

/// Waits for every handle and returns their outcomes in the order of the
/// handles: the values, and an error for each item that failed.
///
/// Every handle is taken out of `handles` before the first wait, so a lazy
/// iterator that launches tasks (`(0..n).map(|i| f(i))`) starts them all
/// first and they run at once. Collect the outcomes into
/// `Result<Vec<_>, _>` to stop at the first error instead. From async code
/// use [`join_all_async`], which holds no thread while it waits.
///
/// It takes [`TaskHandle`](crate::TaskHandle)s of every target and
/// strand-au's `ComputationHandle`s: anything that can be awaited with an
/// [`Unpin`] future.
///
/// # Examples
///
/// ```
/// use strand::{ThreadTaskrunner, batch};
///
/// let check = ThreadTaskrunner::new(|x: i32| if x < 0 { Err("negative") } else { Ok(x) }).fallible();
/// let outcomes = batch::join_all([check.call((1,)), check.call((-2,)), check.call((3,))]);
/// assert_eq!(outcomes[0].as_ref().unwrap(), &1);
/// assert_eq!(outcomes[1].as_ref().unwrap_err().failure(), Some(&"negative"));
/// assert_eq!(outcomes[2].as_ref().unwrap(), &3);
/// ```
pub fn join_all<I>(handles: I) -> Vec<<I::Item as IntoFuture>::Output>
where
    I: IntoIterator,
    I::Item: IntoFuture,
    <I::Item as IntoFuture>::IntoFuture: Unpin,
{
    let futures: Vec<_> = handles.into_iter().map(IntoFuture::into_future).collect();
    let parker = Arc::new(Parker(thread::current()));
    let waker = Waker::from(parker);
    // Waiting in order costs no more than waiting for the last to finish:
    // the tasks run at once, and a finished one is taken at once.
    futures
        .into_iter()
        .map(|mut future| block_on(&mut future, &waker))
        .collect()
}

/// Waits for every handle without blocking the executor, and returns their
/// outcomes in the order of the handles, like [`join_all`].
///
/// A task that finishes wakes the returned future, which then looks at
/// that task alone: joining many handles costs per task, not per task
/// times handles.
///
/// # Examples
///
/// ```
/// use strand::{PoolTaskrunner, batch};
///
/// let double = PoolTaskrunner::new(|x: u32| x * 2);
/// let handles: Vec<_> = (0..3).map(|x| double.call((x,))).collect();
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let outcomes = rt.block_on(batch::join_all_async(handles));
/// assert_eq!(outcomes.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [0, 2, 4]);
/// ```
pub async fn join_all_async<I>(handles: I) -> Vec<<I::Item as IntoFuture>::Output>
where
    I: IntoIterator,
    I::Item: IntoFuture,
    <I::Item as IntoFuture>::IntoFuture: Unpin,
{
    let mut set = HandleSet::new();
    for (index, handle) in handles.into_iter().enumerate() {
        set.insert(index, handle);
    }
    let mut outcomes: Vec<Option<_>> = (0..set.len()).map(|_| None).collect();
    while let Some((index, outcome)) = set.join_next_async().await {
        outcomes[index] = Some(outcome);
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("the set yields every handle it was given once"))
        .collect()
}

/// The outcomes of `handles` in the order they finish, each with the index
/// of its handle among `handles`.
///
/// The returned [`AsCompleted`] is an [`Iterator`] whose `next` blocks
/// until the next task finishes; its [`into_stream`](AsCompleted::into_stream)
/// is a [`Stream`](futures_core::Stream) of the same outcomes for async
/// code, where the blocking iterator must not be used. Every
/// handle is taken out of `handles` at once, so tasks launched by a lazy
/// iterator all start before the first wait. Dropping it before the end
/// drops the remaining handles, which detaches their tasks.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand::{ThreadTaskrunner, batch};
///
/// let nap = ThreadTaskrunner::new(|ms: u64| { std::thread::sleep(Duration::from_millis(ms)); ms });
/// let handles = [nap.call((300,)), nap.call((0,))];
/// let first = batch::as_completed(handles).next().unwrap();
/// assert_eq!(first.0, 1); // the short nap, the second handle, finished first
/// assert_eq!(first.1.unwrap(), 0);
/// ```
///
/// As a stream, for async code: [`into_stream`](AsCompleted::into_stream).
pub fn as_completed<I>(handles: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: IntoFuture,
    <I::Item as IntoFuture>::IntoFuture: Unpin,
{
    let mut set = HandleSet::new();
    for (index, handle) in handles.into_iter().enumerate() {
        set.insert(index, handle);
    }
    AsCompleted { set }
}

/// The outcomes of a batch of handles as they finish: see [`as_completed`].
pub struct AsCompleted<H: IntoFuture> {
    set: HandleSet<H, usize>,
}

impl<H: IntoFuture> AsCompleted<H>
where
    H::IntoFuture: Unpin,
{
    /// The next outcome, waiting at most `timeout` for it: `None` when
    /// every outcome has been taken, or when none came in time (then
    /// [`remaining`](Self::remaining) is not zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let handle = strand::ThreadTaskrunner::new(|| 7).call(());
    /// let mut outcomes = strand::batch::as_completed([handle]);
    /// let (index, value) = outcomes.next_timeout(Duration::from_secs(30)).unwrap();
    /// assert_eq!((index, value.unwrap()), (0, 7));
    /// assert_eq!(outcomes.remaining(), 0);
    /// ```
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<(usize, H::Output)> {
        self.set.join_next_timeout(timeout)
    }

    /// How many outcomes have not been taken yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let handles = [strand::SyncTaskrunner::new(|| 1).call(()), strand::SyncTaskrunner::new(|| 2).call(())];
    /// let mut outcomes = strand::batch::as_completed(handles);
    /// assert_eq!(outcomes.remaining(), 2);
    /// outcomes.next();
    /// assert_eq!(outcomes.remaining(), 1);
    /// ```
    pub fn remaining(&self) -> usize {
        self.set.len()
    }

    /// The outcomes not taken yet, as a [`Stream`](futures_core::Stream)
    /// for async code: the [`HandleSet`] underneath, whose items are the
    /// same `(index, outcome)` pairs.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use strand::PoolTaskrunner;
    ///
    /// let square = PoolTaskrunner::new(|x: u64| x * x);
    /// let mut stream = strand::as_completed((0..10).map(|x| square.call((x,)))).into_stream();
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let total = rt.block_on(async {
    ///     let mut total = 0;
    ///     while let Some((_index, outcome)) = stream.next().await {
    ///         total += outcome.unwrap();
    ///     }
    ///     total
    /// });
    /// assert_eq!(total, 285);
    /// ```
    pub fn into_stream(self) -> HandleSet<H, usize> {
        self.set
    }
}

impl<H: IntoFuture> Iterator for AsCompleted<H>
where
    H::IntoFuture: Unpin,
{
    type Item = (usize, H::Output);

    /// Blocks until the next task finishes.
    fn next(&mut self) -> Option<Self::Item> {
        self.set.join_next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.set.len(), Some(self.set.len()))
    }
}

impl<H: IntoFuture> ExactSizeIterator for AsCompleted<H> where H::IntoFuture: Unpin {}

impl<H: IntoFuture> fmt::Debug for AsCompleted<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.set.len())
            .finish()
    }
}

/// A set of handles, each with a tag of yours, whose outcomes come out as
/// their tasks finish: the engine of [`as_completed`], [`join_all_async`]
/// and [`TaskDispatcher`](crate::TaskDispatcher).
///
/// [`join_next`](Self::join_next) blocks until some task finishes and
/// returns its tag and outcome; [`join_next_async`](Self::join_next_async)
/// (and the [`Stream`](futures_core::Stream) impl) does the same without
/// blocking an executor. A task that finishes wakes the set, which then
/// polls that task alone, so each outcome costs the same in a set of any
/// size. The set takes any handle whose future is [`Unpin`]: the
/// [`TaskHandle`](crate::TaskHandle) of every target, strand-au's
/// `ComputationHandle`.
///
/// Dropping the set drops the handles still in it, which detaches their
/// tasks (they keep running).
///
/// # Examples
///
/// ```
/// use strand::{PoolTaskrunner, batch::HandleSet};
///
/// let length = PoolTaskrunner::new(|word: &'static str| word.len());
/// let mut set = HandleSet::new();
/// for word in ["a", "bb", "ccc"] {
///     set.insert(word, length.call((word,)));
/// }
/// let mut lengths = Vec::new();
/// while let Some((word, outcome)) = set.join_next() {
///     lengths.push((word, outcome.unwrap()));
/// }
/// lengths.sort();
/// assert_eq!(lengths, [("a", 1), ("bb", 2), ("ccc", 3)]);
/// ```
pub struct HandleSet<H: IntoFuture, K = usize> {
    slots: Vec<Slot<H::IntoFuture, K>>,
    /// Slots whose entry has been taken out, to be used again.
    free: Vec<usize>,
    /// Slots inserted and not polled yet: polled first, without touching
    /// the ready queue (their signals stay unqueued until a task wakes).
    fresh: VecDeque<usize>,
    len: usize,
    /// The slots whose tasks woke, in the order they woke.
    ready: Receiver<usize>,
    shared: Arc<Shared>,
}

/// One place of the set: an entry while it holds one, and the waker its
/// tasks wake, kept for the next entry so an insert allocates nothing once
/// the set has grown.
struct Slot<F, K> {
    entry: Option<(K, F)>,
    /// Made at the first poll that returns `Pending`: a task already
    /// finished when it is first polled costs no allocation.
    waker: Option<(Arc<SlotSignal>, Waker)>,
}

/// What every slot's waker reaches: the ready queue and the consumer.
struct Shared {
    ready: Sender<usize>,
    /// The task of an async caller waiting for the next outcome. A
    /// blocking caller sleeps in the channel's `recv` instead.
    consumer: AtomicWaker,
}

/// The waker of one slot: puts the slot in the ready queue once.
struct SlotSignal {
    slot: usize,
    /// Set while the slot is in the ready queue: a task that wakes many
    /// times before it is polled puts its slot there once.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl SlotSignal {
    fn signal(&self) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            // The receiver lives in the set, which owns every slot: it is
            // gone only when no slot is left to poll, so a failed send
            // loses nothing.
            let _ = self.shared.ready.send(self.slot);
            self.shared.consumer.wake();
        }
    }
}

impl Wake for SlotSignal {
    fn wake(self: Arc<Self>) {
        self.signal();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.signal();
    }
}

impl<H: IntoFuture, K> Default for HandleSet<H, K> {
    fn default() -> Self {
        let (sender, ready) = unbounded();
        HandleSet {
            slots: Vec::new(),
            free: Vec::new(),
            fresh: VecDeque::new(),
            len: 0,
            ready,
            shared: Arc::new(Shared {
                ready: sender,
                consumer: AtomicWaker::new(),
            }),
        }
    }
}

impl<H: IntoFuture, K> HandleSet<H, K> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: strand::batch::HandleSet<strand::TaskHandle<u32>> = strand::batch::HandleSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How many handles are in the set (their outcomes not taken yet).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert(0, strand::SyncTaskrunner::new(|| ()).call(()));
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = strand::batch::HandleSet::<strand::TaskHandle<()>, u8>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The tags and handles (as futures: for a [`TaskHandle`](crate::TaskHandle),
    /// the handle itself) still in the set, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert(7, strand::SyncTaskrunner::new(|| ()).call(()));
    /// let tags: Vec<_> = set.iter().map(|(tag, handle)| (*tag, handle.is_finished())).collect();
    /// assert_eq!(tags, [(7, true)]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&K, &H::IntoFuture)> {
        self.slots
            .iter()
            .filter_map(|slot| slot.entry.as_ref().map(|(tag, future)| (tag, future)))
    }

    /// Removes every handle with its tag, without waiting: dropped, a
    /// [`TaskHandle`](crate::TaskHandle) detaches its task.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert((), strand::SyncTaskrunner::new(|| 1).call(()));
    /// assert_eq!(set.drain().count(), 1);
    /// assert!(set.is_empty());
    /// ```
    pub fn drain(&mut self) -> impl Iterator<Item = (K, H::IntoFuture)> + '_ {
        self.len = 0;
        self.fresh.clear();
        self.free = (0..self.slots.len()).rev().collect();
        self.slots.iter_mut().filter_map(|slot| slot.entry.take())
    }
}

impl<H: IntoFuture, K> HandleSet<H, K>
where
    H::IntoFuture: Unpin,
{
    /// Adds a handle, tagged with `tag`, which comes back with its outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert("answer", strand::SyncTaskrunner::new(|| 42).call(()));
    /// assert_eq!(set.len(), 1);
    /// let (tag, outcome) = set.join_next().unwrap();
    /// assert_eq!((tag, outcome.unwrap()), ("answer", 42));
    /// ```
    pub fn insert(&mut self, tag: K, handle: H) {
        let future = handle.into_future();
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot].entry = Some((tag, future));
                slot
            }
            None => {
                self.slots.push(Slot {
                    entry: Some((tag, future)),
                    waker: None,
                });
                self.slots.len() - 1
            }
        };
        self.len += 1;
        // The first poll happens when an outcome is asked for.
        self.fresh.push_back(slot);
    }

    /// Waits until some task of the set finishes and returns its tag and
    /// outcome; `None` when the set is empty. It blocks the thread: from
    /// async code use [`join_next_async`](Self::join_next_async).
    ///
    /// # Examples
    ///
    /// See [`HandleSet`].
    pub fn join_next(&mut self) -> Option<(K, H::Output)> {
        self.join_next_until(None).ok().flatten()
    }

    /// Like [`join_next`](Self::join_next), waiting at most `timeout`:
    /// `None` when the set is empty, or when no task finished in time
    /// (then the set is not [empty](Self::is_empty)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// let (go, wait) = mpsc::channel::<()>();
    /// let wait = std::sync::Mutex::new(wait);
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert(1, strand::ThreadTaskrunner::new(move || wait.lock().unwrap().recv().is_ok()).call(()));
    /// assert!(set.join_next_timeout(Duration::from_millis(10)).is_none());
    /// assert_eq!(set.len(), 1);
    /// go.send(()).unwrap();
    /// assert!(set.join_next_timeout(Duration::from_secs(30)).unwrap().1.unwrap());
    /// ```
    pub fn join_next_timeout(&mut self, timeout: Duration) -> Option<(K, H::Output)> {
        self.join_next_until(Instant::now().checked_add(timeout))
            .ok()
            .flatten()
    }

    /// Like [`join_next`](Self::join_next), waiting until `deadline` at the
    /// latest: `Err(())` when it passed with tasks still running.
    pub(crate) fn join_next_until(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<(K, H::Output)>, ()> {
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            // Poll what is ready without blocking first.
            if let Poll::Ready(next) = self.poll_ready(&mut cx, false) {
                return Ok(next);
            }
            // Then sleep until a task wakes.
            let woken = match deadline {
                None => self.ready.recv().map_err(|_| ()),
                Some(deadline) => self.ready.recv_deadline(deadline).map_err(|_| ()),
            };
            // The set holds a sender (in `shared`): the channel never
            // disconnects, so an error is the deadline.
            self.fresh.push_front(woken?);
            // Popped from the queue: the next wake may queue it again.
            // (`poll_ready` clears the flag of fresh slots before polling.)
        }
    }

    /// Takes the next outcome without waiting, if a task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert('a', strand::SyncTaskrunner::new(|| 1).call(()));
    /// assert_eq!(set.try_join_next().map(|(tag, v)| (tag, v.unwrap())), Some(('a', 1)));
    /// assert!(set.try_join_next().is_none());
    /// ```
    pub fn try_join_next(&mut self) -> Option<(K, H::Output)> {
        self.join_next_until(Some(Instant::now())).ok().flatten()
    }

    /// Waits for the next outcome without blocking the executor, like
    /// [`join_next`](Self::join_next); `None` when the set is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set = strand::batch::HandleSet::new();
    /// set.insert(0, strand::PoolTaskrunner::new(|| "done").call(()));
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let (tag, outcome) = rt.block_on(set.join_next_async()).unwrap();
    /// assert_eq!((tag, outcome.unwrap()), (0, "done"));
    /// ```
    pub fn join_next_async(&mut self) -> impl Future<Output = Option<(K, H::Output)>> + '_ {
        poll_fn(|cx| self.poll_join_next(cx))
    }

    /// Polls for the next outcome: `Ready(None)` when the set is empty,
    /// `Pending` (with `cx`'s waker registered) while no task has
    /// finished.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let mut set = strand::batch::HandleSet::<strand::TaskHandle<u8>>::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(matches!(set.poll_join_next(&mut cx), Poll::Ready(None)));
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(K, H::Output)>> {
        self.poll_ready(cx, true)
    }

    /// Polls the slots in the ready queue until one finishes. With
    /// `register`, leaves `cx`'s waker to be woken by the next ready slot
    /// when it returns `Pending`.
    fn poll_ready(&mut self, cx: &mut Context<'_>, register: bool) -> Poll<Option<(K, H::Output)>> {
        let mut budget = POLL_BUDGET;
        loop {
            if self.len == 0 {
                return Poll::Ready(None);
            }
            let slot = match self.fresh.pop_front() {
                Some(slot) => slot,
                None => match self.ready.try_recv() {
                    Ok(slot) => slot,
                    Err(_) if !register => return Poll::Pending,
                    Err(_) => {
                        self.shared.consumer.register(cx.waker());
                        // A wake between the first look and the register
                        // queued a slot without waking this task: look again.
                        match self.ready.try_recv() {
                            Ok(slot) => slot,
                            Err(_) => return Poll::Pending,
                        }
                    }
                },
            };
            let place = &mut self.slots[slot];
            let Some((_, future)) = &mut place.entry else {
                // A wake for an entry already taken out.
                continue;
            };
            let outcome = match &place.waker {
                Some((signal, waker)) => {
                    // Cleared before the poll: a wake during or after it
                    // queues the slot again.
                    signal.queued.store(false, Ordering::Release);
                    Pin::new(future).poll(&mut Context::from_waker(waker))
                }
                // First, a look that registers nothing; then, if the task
                // is still running, a poll with the slot's own waker, which
                // replaces the no-op one.
                None => {
                    match Pin::new(&mut *future).poll(&mut Context::from_waker(Waker::noop())) {
                        Poll::Ready(outcome) => Poll::Ready(outcome),
                        Poll::Pending => {
                            let signal = Arc::new(SlotSignal {
                                slot,
                                queued: AtomicBool::new(false),
                                shared: self.shared.clone(),
                            });
                            let waker = Waker::from(signal.clone());
                            let outcome = Pin::new(future).poll(&mut Context::from_waker(&waker));
                            place.waker = Some((signal, waker));
                            outcome
                        }
                    }
                }
            };
            if let Poll::Ready(outcome) = outcome {
                let (tag, _) = place.entry.take().expect("the entry was just polled");
                self.free.push(slot);
                self.len -= 1;
                return Poll::Ready(Some((tag, outcome)));
            }
            budget -= 1;
            if budget == 0 {
                // Let the executor run others; the next poll goes on here.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }
}

impl<H: IntoFuture, K> futures_core::Stream for HandleSet<H, K>
where
    H::IntoFuture: Unpin,
{
    type Item = (K, H::Output);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_join_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

// The futures are only ever polled through `&mut self` and never pinned in
// place (they are `Unpin`), so the set is `Unpin` whatever they are.
impl<H: IntoFuture, K> Unpin for HandleSet<H, K> {}

impl<H: IntoFuture, K: fmt::Debug> fmt::Debug for HandleSet<H, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandleSet")
            .field("len", &self.len)
            .field(
                "tags",
                &self
                    .slots
                    .iter()
                    .filter_map(|slot| slot.entry.as_ref().map(|(tag, _)| tag))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Wakes a thread blocked in [`block_on`].
struct Parker(Thread);

impl Wake for Parker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` until it is ready, parking this thread between polls;
/// `waker` unparks this thread.
fn block_on<F: Future + Unpin>(future: &mut F, waker: &Waker) -> F::Output {
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut *future).poll(&mut cx) {
            return output;
        }
        // A wake before this park makes it return at once.
        thread::park();
    }
}

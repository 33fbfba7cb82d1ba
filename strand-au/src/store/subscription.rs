//! Change notifications for one key, for waits that must not hold a thread.

use std::fmt;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;

/// What a [`Subscription`] and its [`ChangeSignal`]s share.
#[derive(Default)]
struct Signal {
    /// Bumped by every notification.
    generation: AtomicU64,
    /// The one task waiting on the subscription.
    waker: AtomicWaker,
}

/// A registration for the changes of one record, made by
/// [`ComputationStore::subscribe`](crate::ComputationStore::subscribe):
/// what [`ComputationHandle::join_async`](crate::ComputationHandle::join_async)
/// awaits between reads instead of holding a thread.
///
/// It counts the notifications it got (its *generation*); a waiter notes
/// the generation, reads the record, and if the record is not what it waits
/// for, awaits [`changed`](Self::changed) since that generation, so no
/// change between the read and the wait is missed. Dropping it unregisters
/// it from its store.
///
/// # Examples
///
/// ```
/// use strand_au::Subscription;
///
/// let (subscription, signal) = Subscription::new();
/// let seen = subscription.generation();
/// signal.notify();
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(subscription.changed(seen)), seen + 1);
/// ```
pub struct Subscription {
    signal: Arc<Signal>,
    /// Run on drop: takes the subscription off its store's list.
    unsubscribe: Option<Box<dyn FnOnce() + Send + Sync>>,
}

/// The sending side of a [`Subscription`]: a store keeps it with the key
/// and calls [`notify`](Self::notify) when the key's record changes.
///
/// # Examples
///
/// ```
/// use strand_au::Subscription;
///
/// let (subscription, signal) = Subscription::new();
/// assert!(!signal.is_closed());
/// drop(subscription);
/// assert!(signal.is_closed());
/// ```
#[derive(Clone)]
pub struct ChangeSignal {
    /// Weak: the subscription owns the signal, so dropping it closes this.
    signal: Weak<Signal>,
}

impl Subscription {
    /// A subscription and the signal that notifies it; for a store that
    /// implements [`subscribe`](crate::ComputationStore::subscribe).
    ///
    /// # Examples
    ///
    /// ```
    /// let (subscription, signal) = strand_au::Subscription::new();
    /// signal.notify();
    /// assert_eq!(subscription.generation(), 1);
    /// ```
    pub fn new() -> (Subscription, ChangeSignal) {
        let signal = Arc::new(Signal::default());
        let sender = ChangeSignal {
            signal: Arc::downgrade(&signal),
        };
        (
            Subscription {
                signal,
                unsubscribe: None,
            },
            sender,
        )
    }

    /// Runs `unsubscribe` when the subscription is dropped (a store takes
    /// its [`ChangeSignal`] off the key there).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// let dropped = Arc::new(AtomicBool::new(false));
    /// let flag = dropped.clone();
    /// let (subscription, _signal) = strand_au::Subscription::new();
    /// let subscription = subscription.on_drop(move || flag.store(true, Ordering::SeqCst));
    /// drop(subscription);
    /// assert!(dropped.load(Ordering::SeqCst));
    /// ```
    pub fn on_drop(mut self, unsubscribe: impl FnOnce() + Send + Sync + 'static) -> Self {
        self.unsubscribe = Some(Box::new(unsubscribe));
        self
    }

    /// How many notifications it got so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let (subscription, _signal) = strand_au::Subscription::new();
    /// assert_eq!(subscription.generation(), 0);
    /// ```
    pub fn generation(&self) -> u64 {
        self.signal.generation.load(Ordering::Acquire)
    }

    /// Ready with the current generation once it is past `since`;
    /// otherwise registers the task to be woken at the next notification.
    /// One task at a time may wait on a subscription.
    ///
    /// A notification racing with the registration may call the waker
    /// before this returns, on this thread: do not hold a lock here that
    /// the waker takes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (subscription, signal) = strand_au::Subscription::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(subscription.poll_changed(0, &mut cx).is_pending());
    /// signal.notify();
    /// assert_eq!(subscription.poll_changed(0, &mut cx), Poll::Ready(1));
    /// ```
    pub fn poll_changed(&self, since: u64, cx: &mut Context<'_>) -> Poll<u64> {
        let current = self.generation();
        if current != since {
            return Poll::Ready(current);
        }
        self.signal.waker.register(cx.waker());
        // A notification between the load and the registration found no
        // waker to wake: look again.
        match self.generation() {
            current if current != since => Poll::Ready(current),
            _ => Poll::Pending,
        }
    }

    /// Waits until the generation is past `since`; returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (subscription, signal) = strand_au::Subscription::new();
    /// std::thread::spawn(move || signal.notify());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(subscription.changed(0)), 1);
    /// ```
    pub async fn changed(&self, since: u64) -> u64 {
        poll_fn(|cx| self.poll_changed(since, cx)).await
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(unsubscribe) = self.unsubscribe.take() {
            unsubscribe();
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl ChangeSignal {
    /// Tells the subscription that the record changed, and wakes its task.
    ///
    /// # Examples
    ///
    /// ```
    /// let (subscription, signal) = strand_au::Subscription::new();
    /// signal.notify();
    /// signal.notify();
    /// assert_eq!(subscription.generation(), 2);
    /// ```
    pub fn notify(&self) {
        if let Some(signal) = self.signal.upgrade() {
            signal.generation.fetch_add(1, Ordering::AcqRel);
            signal.waker.wake();
        }
    }

    /// Whether the subscription was dropped (nobody listens any more).
    ///
    /// # Examples
    ///
    /// ```
    /// let (subscription, signal) = strand_au::Subscription::new();
    /// drop(subscription);
    /// assert!(signal.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.signal.strong_count() == 0
    }

    /// Whether `self` and `other` notify the same subscription.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_a, one) = strand_au::Subscription::new();
    /// let (_b, other) = strand_au::Subscription::new();
    /// assert!(one.same(&one.clone()));
    /// assert!(!one.same(&other));
    /// ```
    pub fn same(&self, other: &ChangeSignal) -> bool {
        Weak::ptr_eq(&self.signal, &other.signal)
    }
}

impl fmt::Debug for ChangeSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeSignal")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

//! Where the handles of store tasks learn their outcome: one thread per
//! store in a process that waits on tasks there, woken by the store's
//! subscriptions (in this process, and, for a store whose subscriptions
//! see other processes' writes, from anywhere), and looking again on a
//! backoff timer for the rest.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use crate::key::Key;
use crate::record::Record;
use crate::store::{Coalesce, ComputationStore, StoreError, Subscription};

/// What is told of a task's record when it is settled: the terminal
/// record, or why there is none. Returns nothing; it is called once.
pub(crate) type Deliver = Box<dyn FnOnce(Result<Record, String>) + Send>;

/// Whether anyone still wants the outcome (a handle, or a callback).
pub(crate) type Wanted = Box<dyn Fn() -> bool + Send>;

/// The longest pause between two looks at a task that its store's
/// subscription does not wake for every change.
const POLL_CAP: Duration = Duration::from_millis(50);
/// The longest pause between two looks at a task whose store wakes its
/// subscriptions for every change (a look catches lost wakeups and lets a
/// reader judge a dead worker).
const RECHECK_CAP: Duration = Duration::from_secs(5);
/// The first pause of a task that the store's subscription wakes for every
/// change: the timer is a safety net there, not the way changes are seen,
/// so it starts long (a short one read every task's record again and again
/// while it waited in a long queue).
const RECHECK_FIRST: Duration = Duration::from_millis(100);
/// The first pause of a task whose store's subscription may miss changes.
const POLL_FIRST: Duration = Duration::from_micros(500);
/// How long a thread with nothing to watch waits before it leaves.
const IDLE: Duration = Duration::from_secs(1);

struct Entry {
    deliver: Deliver,
    wanted: Wanted,
    subscription: Option<Subscription>,
    generation: u64,
    next_look: Instant,
    pause: Duration,
}

struct State {
    entries: HashMap<Key, Entry>,
    dirty: Vec<Key>,
    /// The timed looks, soonest first. A look that is no longer an
    /// entry's `next_look` (the task settled, or was looked at since) is
    /// dropped when it comes up, so the thread finds its due keys without
    /// going through every task it watches.
    timers: BinaryHeap<Reverse<(Instant, Key)>>,
    exited: bool,
    /// Whether the thread waits on `changed` (else a wakeup need not
    /// notify it: it looks at `dirty` before it waits again).
    sleeping: bool,
}

impl State {
    /// Takes the keys to look at now (changed, or due) and the time of the
    /// next timed look.
    fn due(&mut self, now: Instant) -> (Vec<Key>, Option<Instant>) {
        let mut keys = std::mem::take(&mut self.dirty);
        let mut next = None;
        while let Some(Reverse((at, key))) = self.timers.peek() {
            let current = self.entries.get(key).is_some_and(|e| e.next_look == *at);
            if !current {
                self.timers.pop();
            } else if *at <= now {
                if let Some(Reverse((_, key))) = self.timers.pop() {
                    keys.push(key);
                }
            } else {
                next = Some(*at);
                break;
            }
        }
        keys.sort_unstable();
        keys.dedup();
        keys.retain(|k| self.entries.contains_key(k));
        (keys, next)
    }
}

pub(crate) struct Completions {
    store: Arc<dyn ComputationStore>,
    /// Whether the store's subscriptions fire for every write, from any process.
    complete: bool,
    state: Mutex<State>,
    changed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

static WATCHERS: LazyLock<Mutex<HashMap<usize, Arc<Completions>>>> =
    LazyLock::new(Default::default);

/// Wakes the thread for one key.
struct KeyWaker {
    completions: Weak<Completions>,
    key: Key,
}

impl Wake for KeyWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(c) = self.completions.upgrade() {
            let mut state = lock(&c.state);
            state.dirty.push(self.key.clone());
            let sleeping = state.sleeping;
            drop(state);
            if sleeping {
                c.changed.notify_one();
            }
        }
    }
}

/// Watches `key` of `store` until its record is settled, then calls
/// `deliver` with it (from the store's completion thread).
pub(crate) fn watch(store: &Arc<dyn ComputationStore>, key: Key, wanted: Wanted, deliver: Deliver) {
    let id = crate::context::store_id(&**store);
    let mut watchers = lock(&WATCHERS);
    let existing = watchers.get(&id).cloned();
    let completions = match existing {
        Some(c) if !lock(&c.state).exited => c,
        _ => {
            let complete = store.subscribe_sees_all_writes();
            let c = Arc::new(Completions {
                store: store.clone(),
                complete,
                state: Mutex::new(State {
                    entries: HashMap::new(),
                    dirty: Vec::new(),
                    timers: BinaryHeap::new(),
                    exited: false,
                    sleeping: false,
                }),
                changed: Condvar::new(),
            });
            let thread = c.clone();
            let spawned = std::thread::Builder::new()
                .name("strand-au-tasks".into())
                .spawn(move || thread.run(id));
            if let Err(e) = spawned {
                drop(watchers);
                deliver(Err(format!(
                    "cannot start the thread that waits on store tasks: {e}"
                )));
                return;
            }
            watchers.insert(id, c.clone());
            c
        }
    };
    let subscription = store.subscribe(&key);
    let generation = subscription.as_ref().map_or(0, Subscription::generation);
    let mut state = lock(&completions.state);
    state.entries.insert(
        key.clone(),
        Entry {
            deliver,
            wanted,
            subscription,
            generation,
            next_look: Instant::now(),
            pause: if completions.complete {
                RECHECK_FIRST / 2
            } else {
                POLL_FIRST
            },
        },
    );
    // Look once at once: the task may be settled already.
    state.dirty.push(key);
    let sleeping = state.sleeping;
    drop(state);
    drop(watchers);
    if sleeping {
        completions.changed.notify_one();
    }
}

impl Completions {
    fn run(self: Arc<Self>, id: usize) {
        let mut idle_since = None;
        let mut coalesce = Coalesce::new();
        loop {
            let keys = {
                let mut state = lock(&self.state);
                loop {
                    let now = Instant::now();
                    let (keys, next) = state.due(now);
                    if !keys.is_empty() {
                        idle_since = None;
                        break keys;
                    }
                    if state.entries.is_empty() {
                        let since = *idle_since.get_or_insert(now);
                        if now.duration_since(since) >= IDLE {
                            drop(state);
                            let mut watchers = lock(&WATCHERS);
                            let mut inner = lock(&self.state);
                            if inner.entries.is_empty() && inner.dirty.is_empty() {
                                inner.exited = true;
                                if watchers.get(&id).is_some_and(|c| Arc::ptr_eq(c, &self)) {
                                    watchers.remove(&id);
                                }
                                return;
                            }
                            drop(watchers);
                            state = inner;
                            idle_since = None;
                            continue;
                        }
                    }
                    let next = next.unwrap_or(now + IDLE);
                    let wait = next.saturating_duration_since(now).min(IDLE);
                    state.sleeping = true;
                    state = self
                        .changed
                        .wait_timeout(state, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                    state.sleeping = false;
                }
            };
            let several = keys.len() > 1;
            for key in keys {
                self.look(&key);
            }
            // Changes come faster than one a look: let more gather (a
            // task's `Running` and terminal writes often fall within the
            // nap, and make one look instead of two), as the store watcher
            // does with its events. A change that finds the thread idle is
            // looked at at once.
            coalesce.after_round(several);
        }
    }

    /// Reads the record of `key` and settles it, or waits on.
    fn look(self: &Arc<Self>, key: &Key) {
        let judge;
        {
            let mut state = lock(&self.state);
            let Some(entry) = state.entries.get_mut(key) else {
                return;
            };
            // A look on the timer judges the owner of a running task (a
            // heartbeat read when another process owns it); a look woken
            // by a change only reads the record: a change is no news of
            // the owner's death.
            judge = entry.next_look <= Instant::now();
            if !(entry.wanted)() {
                drop(state);
                lock(&self.state).entries.remove(key);
                return;
            }
            // The read below sees every change announced so far: only a
            // change announced after this point calls for another look
            // (without this, each change was read twice: once for its
            // wakeup, once more because the generation seen was older).
            if let Some(subscription) = &entry.subscription {
                entry.generation = subscription.generation();
            }
        }
        let read = catch_unwind(AssertUnwindSafe(|| {
            if judge {
                self.store.get(key)
            } else {
                let now = self.store.clock().now_ms();
                Ok(self.store.load(key)?.filter(|r| !r.is_expired(now)))
            }
        }))
        .unwrap_or_else(|panic| {
            Err(StoreError::Other(format!(
                "the store panicked: {}",
                crate::job::panic_message(&*panic)
            )))
        });
        let settled = match read {
            Ok(Some(record)) if record.status.is_terminal() => Some(Ok(record)),
            Ok(None) => Some(Err(format!(
                "the task's record `{key}` is gone (deleted, or expired after its TTL)"
            ))),
            Ok(Some(_)) => None,
            Err(e) => {
                tracing::debug!(%key, error = %e, "cannot read a store task's record; looking again later");
                None
            }
        };
        let mut state = lock(&self.state);
        match settled {
            Some(outcome) => {
                if let Some(entry) = state.entries.remove(key) {
                    drop(state);
                    let deliver = entry.deliver;
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| deliver(outcome))) {
                        tracing::error!(%key, panic = %crate::job::panic_message(&*panic), "a store task's callback panicked");
                    }
                }
            }
            None => {
                let cap = if self.complete { RECHECK_CAP } else { POLL_CAP };
                let State {
                    entries, timers, ..
                } = &mut *state;
                let Some(entry) = entries.get_mut(key) else {
                    return;
                };
                entry.pause = (entry.pause * 2).min(cap);
                entry.next_look = Instant::now() + entry.pause;
                timers.push(Reverse((entry.next_look, key.clone())));
                // Register for the next change without holding the state
                // lock: registering may call the waker at once (a change
                // raced with it), and the waker takes that lock.
                let Some(subscription) = entry.subscription.take() else {
                    return;
                };
                let seen = entry.generation;
                drop(state);
                let waker = Waker::from(Arc::new(KeyWaker {
                    completions: Arc::downgrade(self),
                    key: key.clone(),
                }));
                let mut cx = Context::from_waker(&waker);
                let polled = subscription.poll_changed(seen, &mut cx);
                let mut state = lock(&self.state);
                if let Some(entry) = state.entries.get_mut(key)
                    && entry.subscription.is_none()
                {
                    entry.subscription = Some(subscription);
                    if let std::task::Poll::Ready(now) = polled {
                        // Changed since the read began: look again now.
                        entry.generation = now;
                        state.dirty.push(key.clone());
                    }
                }
            }
        }
    }
}

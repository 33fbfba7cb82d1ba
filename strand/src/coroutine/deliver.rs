//! What `on_iter` and `on_stream` run in a coroutine task: [`deliver`]
//! hands items to the callback, yielding between them, until the task is
//! cancelled; [`IterStream`] makes an iterator a stream for it.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::context;

/// An iterator as a [`Stream`] that is always ready, for [`deliver`].
pub(super) struct IterStream<I>(pub(super) I);

// The iterator is never pinned: it is only ever moved or called by `&mut`.
impl<I> Unpin for IterStream<I> {}

impl<I: Iterator> Stream for IterStream<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().0.next())
    }
}

/// Hands every item of `items` to `g`, in order, until the stream ends or
/// the task is cancelled, yielding to the scheduler after each item when
/// `yield_on_iter`; how many items were delivered. What `on_iter` and
/// `on_stream` run.
pub(super) async fn deliver<S: Stream, G: Fn(S::Item)>(
    items: S,
    g: &G,
    yield_on_iter: bool,
) -> usize {
    let mut items = std::pin::pin!(items);
    let mut delivered = 0;
    while !context::is_cancelled() {
        let next = std::future::poll_fn(|cx| items.as_mut().poll_next(cx)).await;
        let Some(item) = next else { break };
        if context::is_cancelled() {
            break;
        }
        g(item);
        delivered += 1;
        if yield_on_iter {
            tokio::task::yield_now().await;
        }
    }
    delivered
}

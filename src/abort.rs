//! Abortable futures: a task awaiting a CIF promise that the core stopped waiting for (`Command::Forget`) is
//! ended from outside, which drops its `JsFuture` and the two closures wasm-bindgen attached to the promise.
//!
//! Why: Dynamics may never settle a `notifyEvent` promise after `cancelEvent`, so its awaiting task would
//! otherwise live as long as the page, one per abandoned contact (the memory test's growth). A small custom
//! future (the idea of `futures::future::Abortable`) instead of a dependency: the shell needs only this.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Shared between an [`Abortable`] and its [`AbortHandle`].
#[derive(Debug, Default)]
struct Flag {
    aborted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Ends the [`Abortable`] it was made with.
#[derive(Debug, Clone)]
pub struct AbortHandle(Rc<Flag>);

impl AbortHandle {
    /// Ends the future: its task finishes at its next poll (woken now) and drops what it was awaiting.
    pub fn abort(&self) {
        self.0.aborted.set(true);
        let waker = self.0.waker.borrow_mut().take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A future that yields `None` once aborted (dropping nothing itself: the executor drops the whole task).
#[derive(Debug)]
pub struct Abortable<F> {
    inner: Pin<Box<F>>,
    flag: Rc<Flag>,
}

/// `future`, abortable through the returned handle.
pub fn abortable<F: Future>(future: F) -> (Abortable<F>, AbortHandle) {
    let flag = Rc::new(Flag::default());
    (Abortable { inner: Box::pin(future), flag: flag.clone() }, AbortHandle(flag))
}

impl<F: Future> Future for Abortable<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.flag.aborted.get() {
            return Poll::Ready(None);
        }
        *self.flag.waker.borrow_mut() = Some(cx.waker().clone());
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending => Poll::Pending,
        }
    }
}

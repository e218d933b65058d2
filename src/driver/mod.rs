//! The driver: owns the core [`Bridge`], feeds it inputs, and carries out its commands.
//!
//! Why this shape (quinn's driver, str0m's loop contract): JS callbacks only push stamped inputs onto a queue
//! and call [`Inner::pump`]; the pump drains the queue with a re-entrancy guard, drains `poll_command` after
//! every input and re-arms the single timer from `poll_timeout`. A callback fired while a command runs
//! (Streams and the doubles call back synchronously) waits its turn instead of double-borrowing the bridge.
//!
//! Every JS function handed out is owned here: one shared closure per Streams event kind (zero per contact),
//! subscription guards per contact, one guard per CIF handler, one timer. Closures hold a `Weak` to the
//! driver, so dropping the [`Driver`] releases everything: guards first (they unsubscribe), closures last.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use bridge_core::vecmap::VecMap;
use std::rc::{Rc, Weak};

use bridge_core::{Bridge, Command, Input, LeadershipInput, Millis, PersistSlot, StreamsReply};
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;

use crate::cif::HandlerGuard;
use crate::leadership::TabLeadership;
use crate::page::Page;
use crate::streams::{ContactSubscriptions, SubscriptionGuard};
use crate::sys::streams as sys_streams;
use crate::{clock, console};

mod callbacks;
mod carry_out;
mod streams_events;
mod write_behind;

use callbacks::Callbacks;

/// The owner of the bridge and of every JS callback; dropping it unsubscribes and removes everything.
#[derive(Debug)]
pub struct Driver {
    inner: Rc<Inner>,
}

/// A non-owning handle, for callbacks and tasks that must not keep the driver alive.
#[derive(Debug, Clone)]
pub struct WeakDriver(Weak<Inner>);

impl WeakDriver {
    /// The driver, if it still exists.
    pub fn upgrade(&self) -> Option<Driver> {
        self.0.upgrade().map(|inner| Driver { inner })
    }
}

/// One unit of work for the core, stamped when it was observed.
#[derive(Debug)]
enum Work {
    Input(Millis, Input),
    Timeout(Millis),
}

/// The driver's state. Field order is drop order: guards before the closures they hold functions of.
#[derive(Debug)]
struct Inner {
    /// The Web Lock and channel among the agent's Dynamics tabs, made when the core first seeks the lock.
    leadership: RefCell<Option<TabLeadership>>,
    /// "Handle contacts here".
    _take_over_click: EventListener,
    /// Each live contact's subscriptions and last read, by contact id (a sorted `VecMap`, not a `HashMap`:
    /// a few entries, and no hasher's code in the wasm).
    contacts: RefCell<VecMap<String, ContactSubscriptions>>,
    /// Counts `release_streams` calls, so a contact callback can tell that the CCP was restarted under it.
    streams_generation: Cell<u32>,
    /// `agent.onStateChange` and `agent.onClearedNextState`.
    agent_subscription: RefCell<Vec<SubscriptionGuard>>,
    global_subscriptions: RefCell<Vec<SubscriptionGuard>>,
    cif_handlers: RefCell<Vec<HandlerGuard>>,
    timer: RefCell<Option<(Millis, Timeout)>>,
    /// The injected CIF library's `error` listener.
    cif_script: RefCell<Option<EventListener>>,
    /// The parameters the last `initCCP` was given, for `connectCifBridgeDiagnostics()`.
    init_ccp_params: RefCell<Option<serde_json::Value>>,
    bridge: RefCell<Bridge>,
    queue: RefCell<VecDeque<Work>>,
    pumping: Cell<bool>,
    agent: RefCell<Option<sys_streams::Agent>>,
    page: Page,
    storage_key: String,
    /// `Persist` texts not yet written, one per slot (see `write_behind.rs`).
    unsaved: RefCell<Vec<(PersistSlot, String)>>,
    /// Whether the microtask that writes `unsaved` is queued.
    flush_queued: Cell<bool>,
    me: Weak<Inner>,
    callbacks: Callbacks,
}

impl Driver {
    /// A driver around `bridge`, reporting to `page`, persisting under `storage_key` in sessionStorage.
    pub fn new(bridge: Bridge, page: Page, storage_key: String) -> Driver {
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| Inner {
            leadership: RefCell::new(None),
            _take_over_click: {
                let feed = feeder(weak.clone());
                EventListener::new(page.take_over_button(), "click", move |_| {
                    feed(Input::Leadership(LeadershipInput::TakeOverAsked));
                })
            },
            contacts: RefCell::new(VecMap::new()),
            streams_generation: Cell::new(0),
            agent_subscription: RefCell::new(Vec::new()),
            global_subscriptions: RefCell::new(Vec::new()),
            cif_handlers: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            cif_script: RefCell::new(None),
            init_ccp_params: RefCell::new(None),
            bridge: RefCell::new(bridge),
            queue: RefCell::new(VecDeque::new()),
            pumping: Cell::new(false),
            agent: RefCell::new(None),
            page,
            storage_key,
            unsaved: RefCell::new(Vec::new()),
            flush_queued: Cell::new(false),
            me: weak.clone(),
            callbacks: Callbacks::new(weak),
        });
        Driver { inner }
    }

    /// A handle that does not keep the driver alive.
    pub fn downgrade(&self) -> WeakDriver {
        WeakDriver(Rc::downgrade(&self.inner))
    }

    /// Feeds one input, stamped now, and runs the loop.
    pub fn feed(&self, input: Input) {
        self.inner.push(input);
    }

    /// The core's diagnostic trace as JSON text.
    pub fn export_trace(&self) -> String {
        self.inner.bridge.borrow().export_trace()
    }

    /// Lets a caller read the core's state (diagnostics, tests) without being able to change it.
    pub fn inspect<R>(&self, read: impl FnOnce(&Bridge) -> R) -> R {
        read(&self.inner.bridge.borrow())
    }

    /// How many contacts hold subscriptions right now (live contacts).
    pub fn tracked_contacts(&self) -> usize {
        self.inner.contacts.borrow().len()
    }

    /// The parameters the last `initCCP` was given (`None` before the first), for diagnostics.
    pub fn init_ccp_params(&self) -> Option<serde_json::Value> {
        self.inner.init_ccp_params.borrow().clone()
    }

    /// The page this driver reports to.
    pub fn page(&self) -> &Page {
        &self.inner.page
    }
}

/// What a JS callback calls with the input it observed: fed to the driver if it still exists, else dropped (the
/// page is going away, nothing is left to tell).
fn feeder(driver: Weak<Inner>) -> impl Fn(Input) + 'static {
    move |input| {
        if let Some(inner) = driver.upgrade() {
            inner.push(input);
        }
    }
}

impl Inner {
    /// Queues an input observed now and runs the loop.
    fn push(&self, input: Input) {
        self.queue.borrow_mut().push_back(Work::Input(clock::now(), input));
        self.pump();
    }

    /// Drains the queue; re-entrant calls return at once and their work is picked up by the running pump.
    fn pump(&self) {
        let _metrics = crate::metrics::span(crate::metrics::Kind::Pump); // bench only; ~free when off
        if self.pumping.replace(true) {
            return;
        }
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(work) = next else { break };
            match work {
                Work::Input(at, input) => self.bridge.borrow_mut().handle_input(at, input),
                Work::Timeout(at) => self.bridge.borrow_mut().handle_timeout(at),
            }
            loop {
                let command = self.bridge.borrow_mut().poll_command();
                let Some(command) = command else { break };
                self.execute(command);
            }
        }
        self.rearm_timer();
        self.pumping.set(false);
    }

    /// Keeps the one JS timer at or before the core's earliest deadline.
    ///
    /// A timer already armed for an earlier time is kept rather than replaced by one for a later deadline: it
    /// fires early, the core finds nothing due, and the pump then arms the real deadline. Deadlines move with
    /// almost every input, and a `setTimeout`/`clearTimeout` pair per pump was a twentieth of the pumps' time in
    /// a profile. With nothing due at all the timer goes, so an idle page holds no callback.
    fn rearm_timer(&self) {
        let deadline = self.bridge.borrow().poll_timeout();
        let armed = self.timer.borrow().as_ref().map(|(at, _)| *at);
        let keep_armed = match (deadline, armed) {
            (Some(due), Some(at)) => at <= due,
            (None, armed) => armed.is_none(),
            (Some(_), None) => false,
        };
        if keep_armed {
            return;
        }
        let replacement = deadline.map(|at| {
            let delay = at.since(clock::now()).min(i32::MAX as u64) as u32;
            let weak = self.self_weak();
            let timeout = Timeout::new(delay, move || {
                // Hop to a microtask so the pump (which replaces this Timeout) never drops it mid-call.
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(inner) = weak.upgrade() {
                        inner.queue.borrow_mut().push_back(Work::Timeout(clock::now()));
                        // Forget the spent deadline so the pump arms the next one even if it is equal.
                        let spent = inner.timer.borrow_mut().take();
                        drop(spent);
                        inner.pump();
                    }
                });
            });
            (at, timeout)
        });
        let old = std::mem::replace(&mut *self.timer.borrow_mut(), replacement);
        drop(old);
    }

    /// A handle for callbacks made while carrying out commands.
    fn self_weak(&self) -> Weak<Inner> {
        self.me.clone()
    }

    /// Carries out one command of the core's; what happens to it comes back as an input.
    fn execute(&self, command: Command) {
        match command {
            Command::Cif {
                request,
                contact: _,
                correlation_id,
                call,
            } => self.execute_cif(request, &correlation_id, &call),
            Command::Streams { request, contact, call } => {
                if let Err(text) = self.execute_streams(request, contact.as_ref().map(|c| c.as_str()), &call) {
                    self.defer(Input::StreamsReply(StreamsReply {
                        request,
                        outcome: Err(text),
                    }));
                }
            }
            // A refusal comes back as `StorageUnavailable`: the core then records what a reload needs in Dynamics.
            Command::Persist { slot, text } => self.persist_later(slot, text),
            Command::Report(report) => {
                let text = format!("{}: {}", report.code, report.message);
                console::by_severity(report.severity, &text);
                if report.agent_visible {
                    let class = match report.severity {
                        bridge_core::Severity::Error => "error",
                        bridge_core::Severity::Warning => "warning",
                        bridge_core::Severity::Info => "info",
                    };
                    self.page.show_notice(&report.message, class);
                }
            }
            Command::Leadership(call) => self.execute_leadership(call),
            Command::Startup(call) => self.execute_startup(call),
            Command::Status(view) => self.page.show_status(&view),
            Command::ShowError { text } => {
                console::error(&text);
                self.page.show_error(&text);
            }
        }
    }

    /// Queues an input for the running pump (commands are being carried out, so the bridge is busy).
    fn defer(&self, input: Input) {
        self.queue.borrow_mut().push_back(Work::Input(clock::now(), input));
    }
}

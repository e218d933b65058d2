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
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};

use bridge_core::{
    Bridge, CcpEvent, CifOutcome, CifReply, Command, ContactEventKind, DynamicsEvent, DynamicsHandler, Input,
    LeadershipCall, LeadershipInput, Millis, RequestId, StartupCall, StartupInput, StreamsCall, StreamsReply,
};
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::cif::{self, HandlerGuard};
use crate::convert::{js_text, to_json};
use crate::leadership::{self, TabLeadership};
use crate::page::Page;
use crate::streams::{self, ContactSubscriptions, SubscriptionGuard, PER_CONTACT_KINDS};
use crate::sys::streams as sys_streams;
use crate::{ccp, clock, console, startup, storage};

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
    contacts: RefCell<HashMap<String, ContactSubscriptions>>,
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
    me: Weak<Inner>,
    callbacks: Callbacks,
}

/// A one-argument JS callback owned by Rust.
type JsCallback = Closure<dyn FnMut(JsValue)>;

/// The fixed set of closures handed to Streams, created once per driver.
struct Callbacks {
    per_contact: Vec<(ContactEventKind, JsCallback)>,
    contact_added: JsCallback,
    agent_ready: JsCallback,
    agent_state: JsCallback,
    streams_success: JsCallback,
    streams_failure: Closure<dyn FnMut(JsValue, JsValue)>,
    cif_resolved: Closure<dyn FnMut(JsValue, JsValue)>,
    cif_rejected: Closure<dyn FnMut(JsValue, JsValue)>,
    ccp_events: Vec<(CcpEvent, JsCallback)>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("per_contact", &self.per_contact.len())
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// A driver around `bridge`, reporting to `page`, persisting under `storage_key` in sessionStorage.
    pub fn new(bridge: Bridge, page: Page, storage_key: String) -> Driver {
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| Inner {
            leadership: RefCell::new(None),
            _take_over_click: {
                let w = weak.clone();
                EventListener::new(page.take_over_button(), "click", move |_| {
                    if let Some(inner) = w.upgrade() {
                        inner.push(Input::Leadership(LeadershipInput::TakeOverAsked));
                    }
                })
            },
            contacts: RefCell::new(HashMap::new()),
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

impl Callbacks {
    fn new(weak: &Weak<Inner>) -> Callbacks {
        let per_contact = PER_CONTACT_KINDS
            .into_iter()
            .map(|kind| {
                let weak = weak.clone();
                let closure = Closure::<dyn FnMut(JsValue)>::new(move |contact: JsValue| {
                    if let Some(inner) = weak.upgrade() {
                        inner.on_contact_event(kind, &contact);
                    }
                });
                (kind, closure)
            })
            .collect();
        let w = weak.clone();
        let contact_added = Closure::<dyn FnMut(JsValue)>::new(move |contact: JsValue| {
            if let Some(inner) = w.upgrade() {
                inner.on_contact_seen(&contact, ContactEventKind::Init);
            }
        });
        let w = weak.clone();
        let agent_ready = Closure::<dyn FnMut(JsValue)>::new(move |agent: JsValue| {
            if let Some(inner) = w.upgrade() {
                inner.on_agent(agent);
            }
        });
        let w = weak.clone();
        let agent_state = Closure::<dyn FnMut(JsValue)>::new(move |change: JsValue| {
            if let Some(inner) = w.upgrade() {
                let agent = inner.agent.borrow().clone();
                if let Some(event) = streams::agent_event(&change, agent.as_ref()) {
                    inner.push(Input::Agent(event));
                }
            }
        });
        // Bound to a request id with Function.bind (a JS-side wrapper), so no closure is made per action.
        let w = weak.clone();
        let streams_success = Closure::<dyn FnMut(JsValue)>::new(move |request: JsValue| {
            if let (Some(inner), Some(request)) = (w.upgrade(), request_id(&request)) {
                inner.push(Input::StreamsReply(StreamsReply {
                    request,
                    outcome: Ok(()),
                }));
            }
        });
        let w = weak.clone();
        let streams_failure = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |request: JsValue, err: JsValue| {
            if let (Some(inner), Some(request)) = (w.upgrade(), request_id(&request)) {
                inner.push(Input::StreamsReply(StreamsReply {
                    request,
                    outcome: Err(failure_text(&err)),
                }));
            }
        });
        // The same for CIF promises: `then` gets the shared closures bound to the request id, so nothing is made
        // per call in Rust. (A `JsFuture` per call would leak its state and two closures whenever Dynamics never
        // settles the promise, as it does for a withdrawn notifyEvent: its closures only free themselves when
        // called.) A promise Dynamics drops is collected by JS with its bound functions.
        let w = weak.clone();
        let cif_resolved = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |request: JsValue, value: JsValue| {
            if let (Some(inner), Some(request)) = (w.upgrade(), request_id(&request)) {
                inner.on_cif_settled(request, CifOutcome::Resolved(to_json(&value)));
            }
        });
        let w = weak.clone();
        let cif_rejected = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |request: JsValue, reason: JsValue| {
            if let (Some(inner), Some(request)) = (w.upgrade(), request_id(&request)) {
                inner.on_cif_settled(request, CifOutcome::Rejected(to_json(&reason)));
            }
        });
        let ccp_events = CcpEvent::ALL
            .into_iter()
            .map(|event| {
                let w = weak.clone();
                let closure = Closure::<dyn FnMut(JsValue)>::new(move |_data: JsValue| {
                    if let Some(inner) = w.upgrade() {
                        inner.push(Input::Startup(StartupInput::Ccp(event)));
                    }
                });
                (event, closure)
            })
            .collect();
        Callbacks {
            per_contact,
            contact_added,
            agent_ready,
            agent_state,
            streams_success,
            streams_failure,
            cif_resolved,
            cif_rejected,
            ccp_events,
        }
    }

    fn for_kind(&self, kind: ContactEventKind) -> Option<Function> {
        self.per_contact
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| c.as_ref().unchecked_ref::<Function>().clone())
    }

    /// `{success, failure}` bound to `request`.
    fn reply_callbacks(&self, request: RequestId) -> JsValue {
        let success = bound_to(request, self.streams_success.as_ref());
        let failure = bound_to(request, self.streams_failure.as_ref());
        streams::callbacks(&success, &failure)
    }

    /// Hands `promise`'s settlement to the shared CIF closures, bound to `request`.
    fn await_cif(&self, request: RequestId, promise: &Promise) {
        let settling: &crate::sys::cif::Settling = promise.unchecked_ref();
        let _derived = settling.then(
            &bound_to(request, self.cif_resolved.as_ref()),
            &bound_to(request, self.cif_rejected.as_ref()),
        );
    }
}

/// `callback` with `request` bound as its first argument: a JS-side wrapper, so nothing is made in Rust per call.
fn bound_to(request: RequestId, callback: &JsValue) -> Function {
    let callback: &Function = callback.unchecked_ref();
    callback
        .bind1(&JsValue::NULL, &JsValue::from_f64(request.0 as f64))
        .unchecked_into()
}

impl Inner {
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

    fn rearm_timer(&self) {
        let deadline = self.bridge.borrow().poll_timeout();
        let armed = self.timer.borrow().as_ref().map(|(at, _)| *at);
        if deadline == armed {
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

    fn self_weak(&self) -> Weak<Inner> {
        self.me.clone()
    }

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
                    self.queue.borrow_mut().push_back(Work::Input(
                        clock::now(),
                        Input::StreamsReply(StreamsReply {
                            request,
                            outcome: Err(text),
                        }),
                    ));
                }
            }
            Command::Persist { slot, text } => {
                if let Err(reason) = storage::write(&self.storage_key, slot, &text) {
                    // From now on the core records what a reload needs in Dynamics itself.
                    let input = Input::StorageUnavailable { reason };
                    self.queue.borrow_mut().push_back(Work::Input(clock::now(), input));
                }
            }
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

    /// Carries out a start-up command; what went wrong is reported back as a fact.
    fn execute_startup(&self, call: StartupCall) {
        match call {
            StartupCall::LoadCifLibrary { url, crm_origin } => {
                let me = crate::driver::WeakDriver(self.self_weak());
                match startup::inject_cif_library(&self.page, &url, &crm_origin, me) {
                    Ok(listener) => *self.cif_script.borrow_mut() = Some(listener),
                    Err(e) => self.defer(Input::Startup(StartupInput::CifScriptNotAdded {
                        reason: e.to_string(),
                    })),
                }
            }
            StartupCall::RegisterDynamicsHandlers => self.register_dynamics_handlers(),
            StartupCall::InitCcp(params) => {
                *self.init_ccp_params.borrow_mut() = serde_json::to_value(&params).ok();
                match ccp::init(self.page.ccp_container(), &params) {
                    Ok(()) => {
                        if let Err(e) = self.subscribe_streams() {
                            let text = format!("Amazon Connect Streams subscriptions failed: {e}");
                            console::error(&text);
                            self.page.show_error(&text);
                        }
                    }
                    Err(threw) => self.defer(Input::Startup(StartupInput::CcpInitThrew {
                        name: threw.name,
                        message: threw.message,
                    })),
                }
            }
            StartupCall::RestartCcp => {
                ccp::tear_down(self.page.ccp_container());
                self.release_streams();
            }
            StartupCall::CheckLoginWindow => self.defer(Input::Startup(StartupInput::LoginWindow {
                blocked: ccp::login_window_blocked(),
            })),
        }
    }

    /// Drops every Streams subscription guard and the agent (after `connect.core.terminate()`, before `initCCP`
    /// again): the new CCP's first snapshot delivers each live contact afresh, and each is subscribed again.
    /// The core keeps its contacts, so none is lost and none pops twice.
    fn release_streams(&self) {
        let contacts = std::mem::take(&mut *self.contacts.borrow_mut());
        let agent = std::mem::take(&mut *self.agent_subscription.borrow_mut());
        let global = std::mem::take(&mut *self.global_subscriptions.borrow_mut());
        let view = self.agent.borrow_mut().take();
        drop((contacts, agent, global, view));
    }

    /// Registers one handler per [`DynamicsHandler`]; each guard removes its handler when the driver drops.
    fn register_dynamics_handlers(&self) {
        let mut guards = Vec::new();
        for handler in DynamicsHandler::ALL {
            let weak = self.self_weak();
            let registered = HandlerGuard::register(handler, move |payload: JsValue| {
                if let Some(inner) = weak.upgrade() {
                    inner.push(Input::Dynamics(DynamicsEvent {
                        handler,
                        payload: to_json(&payload),
                    }));
                }
            });
            match registered {
                Ok(guard) => guards.push(guard),
                Err(e) => console::error(&e),
            }
        }
        // Replacing earlier guards (a second CIFInitDone) removes their handlers first.
        let old = std::mem::replace(&mut *self.cif_handlers.borrow_mut(), guards);
        drop(old);
    }

    /// Subscribes `connect.contact`, `connect.agent` and the CCP lifecycle events; call right after `initCCP`.
    fn subscribe_streams(&self) -> Result<(), String> {
        let cb = &self.callbacks;
        let mut guards = Vec::new();
        let mut failures = Vec::new();
        for (event, closure) in &cb.ccp_events {
            let f: &Function = closure.as_ref().unchecked_ref();
            let (name, result) = match event {
                CcpEvent::Initialized => ("connect.core.onInitialized", sys_streams::on_initialized(f)),
                CcpEvent::IframeRetriesExhausted => (
                    "connect.core.onIframeRetriesExhausted",
                    sys_streams::on_iframe_retries_exhausted(f),
                ),
                CcpEvent::AuthFail => ("connect.core.onAuthFail", sys_streams::on_auth_fail(f)),
                CcpEvent::AccessDenied => ("connect.core.onAccessDenied", sys_streams::on_access_denied(f)),
                CcpEvent::Terminated => (
                    "connect.core.getEventBus().subscribe(terminated)",
                    sys_streams::get_event_bus().and_then(|bus| bus.subscribe("terminated", f)),
                ),
                CcpEvent::FailoverDetected => {
                    let name = "connect.globalResiliency.onFailoverDetected";
                    match sys_streams::on_failover_detected(f) {
                        Ok(returned) => guards.extend(SubscriptionGuard::from_returned(returned, name)),
                        // An older Streams has no global resiliency: nothing to follow, nothing wrong.
                        Err(e) => console::info(&format!(
                            "{name} is not available ({}); failovers are not shown",
                            js_text(&e)
                        )),
                    }
                    continue;
                }
            };
            match result {
                Ok(returned) => guards.extend(SubscriptionGuard::from_returned(returned, name)),
                Err(e) => failures.push(format!("{name}: {}", js_text(&e))),
            }
        }
        match sys_streams::contact(cb.contact_added.as_ref().unchecked_ref()) {
            Ok(returned) => guards.extend(SubscriptionGuard::from_returned(returned, "connect.contact")),
            Err(e) => failures.push(format!("connect.contact: {}", js_text(&e))),
        }
        // Stored before connect.agent: it calls back synchronously when agent data already exists.
        self.global_subscriptions.borrow_mut().extend(guards);
        match sys_streams::agent(cb.agent_ready.as_ref().unchecked_ref()) {
            Ok(returned) => {
                let guard = SubscriptionGuard::from_returned(returned, "connect.agent");
                self.global_subscriptions.borrow_mut().extend(guard);
            }
            Err(e) => failures.push(format!("connect.agent: {}", js_text(&e))),
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }

    /// Carries out a leadership command; a JS side that throws becomes `Unavailable` (the core then pops here).
    fn execute_leadership(&self, call: LeadershipCall) {
        if let LeadershipCall::Show(view) = call {
            self.page.set_role(view);
            return;
        }
        if self.leadership.borrow().is_none() {
            let weak = self.self_weak();
            let made = TabLeadership::new(move |input| {
                if let Some(inner) = weak.upgrade() {
                    inner.push(input);
                }
            });
            match made {
                Ok(made) => *self.leadership.borrow_mut() = Some(made),
                Err(reason) => {
                    self.defer(Input::Leadership(LeadershipInput::Unavailable { reason }));
                    return;
                }
            }
        }
        let result = {
            let held = self.leadership.borrow();
            let Some(tabs) = held.as_ref() else { return };
            match &call {
                LeadershipCall::Seek { lock_name } => tabs.seek(lock_name),
                LeadershipCall::TakeOver => tabs.take_over(),
                LeadershipCall::Broadcast { text } => tabs.post(text),
                LeadershipCall::Show(_) => Ok(()),
            }
        };
        if let Err(reason) = result {
            self.defer(Input::Leadership(LeadershipInput::Unavailable { reason }));
        }
    }

    /// Queues an input for the running pump (commands are being carried out, so the bridge is busy).
    fn defer(&self, input: Input) {
        self.queue.borrow_mut().push_back(Work::Input(clock::now(), input));
    }

    fn execute_cif(&self, request: RequestId, correlation_id: &str, call: &bridge_core::CifCall) {
        match cif::invoke(call, correlation_id) {
            Ok(promise) => self.callbacks.await_cif(request, &promise),
            Err(outcome) => {
                self.queue.borrow_mut().push_back(Work::Input(
                    clock::now(),
                    Input::CifReply(CifReply { request, outcome }),
                ));
            }
        }
    }

    fn execute_streams(&self, request: RequestId, contact: Option<&str>, call: &StreamsCall) -> Result<(), String> {
        let callbacks = self.callbacks.reply_callbacks(request);
        match call {
            StreamsCall::Accept | StreamsCall::Reject | StreamsCall::Clear => {
                let id = contact.ok_or_else(|| format!("{call:?} needs a contact"))?;
                let known = self.contacts.borrow().get(id).map(|c| c.view.clone());
                let view = known.or_else(|| streams::contact_by_id(id));
                streams::perform(call, view.as_ref(), None, &callbacks)
                    .map_err(|e| format!("contact {id}: {call:?} failed: {e}"))
            }
            StreamsCall::Dial { .. } | StreamsCall::SetAgentState { .. } => {
                let agent = self.agent.borrow().clone().or_else(streams::current_agent);
                streams::perform(call, None, agent.as_ref(), &callbacks)
            }
        }
    }

    /// A CIF promise settled: every settlement goes to the core, which ignores one it no longer waits for, so the
    /// shell keeps nothing per request (a promise Dynamics never settles costs it nothing).
    fn on_cif_settled(&self, request: RequestId, outcome: CifOutcome) {
        self.push(Input::CifReply(CifReply { request, outcome }));
    }

    fn on_contact_seen(&self, contact: &JsValue, kind: ContactEventKind) {
        let _metrics = crate::metrics::span(crate::metrics::Kind::Contact);
        let Some(id) = streams::contact_id(contact) else {
            return;
        };
        let known = self.contacts.borrow().contains_key(&id);
        if !known {
            let view: &sys_streams::Contact = contact.unchecked_ref();
            let subs = ContactSubscriptions::subscribe(view, &id, |k| self.callbacks.for_kind(k));
            self.contacts.borrow_mut().insert(id.clone(), subs);
        }
        self.read_and_push(contact, id, kind);
    }

    fn on_contact_event(&self, kind: ContactEventKind, contact: &JsValue) {
        let _metrics = crate::metrics::span(crate::metrics::Kind::Contact);
        let Some(id) = streams::contact_id(contact) else {
            return;
        };
        if kind == ContactEventKind::Destroyed {
            // Streams forgets the contact now: release its subscriptions (unsubscribing mid-dispatch is safe,
            // Streams iterates over a copy of its subscriber list).
            let released = self.contacts.borrow_mut().remove(&id);
            let event = bridge_core::ContactEvent {
                snapshot: streams::read_changes(
                    contact.unchecked_ref(),
                    &id,
                    streams::Reading::for_event(kind),
                    &mut released.as_ref().and_then(|r| r.last_read.clone()),
                ),
                contact_id: id,
                kind,
            };
            drop(released);
            self.push(Input::Contact(event));
            return;
        }
        self.read_and_push(contact, id, kind);
    }

    /// Reads what changed in `contact` since the shell's last read of it and feeds the event to the core.
    fn read_and_push(&self, contact: &JsValue, id: String, kind: ContactEventKind) {
        // Taken out for the read, so no borrow is held while Streams' getters run.
        let mut last = self.contacts.borrow_mut().get_mut(&id).and_then(|c| c.last_read.take());
        let reading = streams::Reading::for_event(kind);
        let snapshot = streams::read_changes(contact.unchecked_ref(), &id, reading, &mut last);
        if let Some(entry) = self.contacts.borrow_mut().get_mut(&id) {
            entry.last_read = last;
        }
        self.push(Input::Contact(bridge_core::ContactEvent {
            contact_id: id,
            kind,
            snapshot,
        }));
    }

    fn on_agent(&self, agent: JsValue) {
        let agent: sys_streams::Agent = agent.unchecked_into();
        *self.agent.borrow_mut() = Some(agent.clone());
        let f: &Function = self.callbacks.agent_state.as_ref().unchecked_ref();
        let mut guards = Vec::new();
        match agent.on_state_change(f) {
            Ok(returned) => guards.extend(SubscriptionGuard::from_returned(returned, "agent.onStateChange")),
            Err(e) => console::error(&format!("agent.onStateChange failed: {}", js_text(&e))),
        }
        // A cleared next state (streams#1063, Streams 2.28.1) is an agent-state fact too: the state is read again
        // and fed to the presence rules (the core ignores a state it already has).
        match agent.on_cleared_next_state(f) {
            Ok(returned) => guards.extend(SubscriptionGuard::from_returned(returned, "agent.onClearedNextState")),
            Err(e) => console::info(&format!(
                "agent.onClearedNextState is not available ({}); presence follows state changes only",
                js_text(&e)
            )),
        }
        let old = std::mem::replace(&mut *self.agent_subscription.borrow_mut(), guards);
        drop(old);
        // The agent's ids key the lock that elects the one page (of several Dynamics tabs) that pops; told before
        // the contacts below, which then wait for the lock's answer.
        self.push(leadership::agent_known(agent.as_ref()));
        // onStateChange only reports changes: the state the agent is in now drives the presence rules too.
        if let Some(event) = streams::agent_event(&JsValue::UNDEFINED, Some(&agent)) {
            self.push(Input::Agent(event));
        }
        for contact in streams::agent_contacts(&agent) {
            self.on_contact_seen(&contact, ContactEventKind::Existing);
        }
    }
}

fn request_id(value: &JsValue) -> Option<RequestId> {
    let n = value.as_f64()?;
    (n.is_finite() && n >= 0.0).then_some(RequestId(n as u64))
}

fn failure_text(err: &JsValue) -> String {
    if err.is_undefined() || err.is_null() {
        "Streams reported a failure without details".to_owned()
    } else {
        js_text(err)
    }
}

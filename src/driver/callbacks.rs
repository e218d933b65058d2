//! The fixed set of JS callbacks handed to Streams and CIF, made once per driver (none per contact or call).
//!
//! Each holds only a `Weak` to the driver, so a callback that fires after the driver dropped does nothing. Replies
//! to actions and CIF promises share one closure per kind, bound to the request id with `Function.bind` (a
//! JS-side wrapper). A `JsFuture` per call would leak its state and two closures whenever Dynamics never settles
//! the promise, as it does for a withdrawn notifyEvent; a promise Dynamics drops is collected by JS with its bound
//! functions.

use std::rc::Weak;

use bridge_core::{CcpEvent, CifOutcome, ContactEventKind, Input, RequestId, StartupInput, StreamsReply};
use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::Inner;
use crate::cif;
use crate::convert::js_text;
use crate::streams::{self, PER_CONTACT_KINDS};

/// A one-argument JS callback owned by Rust.
pub(super) type JsCallback = Closure<dyn Fn(JsValue)>;

/// A JS callback for a settled request: the request id (bound) and what settled it.
type SettlementCallback = Closure<dyn Fn(JsValue, JsValue)>;

/// A JS callback for one contact's event: the contact id (bound) and the view Streams passed.
type ContactCallback = Closure<dyn Fn(JsValue, JsValue)>;

/// The fixed set of closures handed to Streams, created once per driver.
pub(super) struct Callbacks {
    /// One per contact event kind, shared by every contact and bound to each contact's id by
    /// [`Callbacks::for_contact`] (a JS-side wrapper): subscribing a new contact makes no closure, and each event
    /// says whose it is even when the view Streams passes can no longer tell (its getters throw once it is gone).
    per_contact: Vec<(ContactEventKind, ContactCallback)>,
    /// `connect.contact`: each contact Streams delivers, new or already there when the agent loaded.
    pub(super) contact_added: JsCallback,
    /// `connect.agent`: the agent, whose state and contacts are subscribed from it.
    pub(super) agent_ready: JsCallback,
    /// `agent.onStateChange` / `onClearedNextState`: the state is read again for the presence rules.
    pub(super) agent_state: JsCallback,
    /// Streams' `success` for an action, bound per request by [`Callbacks::reply_callbacks`].
    streams_success: SettlementCallback,
    /// Streams' `failure` for an action, bound likewise.
    streams_failure: SettlementCallback,
    /// A CIF promise's fulfilment, bound per request by [`Callbacks::await_cif`].
    cif_resolved: SettlementCallback,
    /// A CIF promise's rejection, bound likewise.
    cif_rejected: SettlementCallback,
    /// One per CCP lifecycle event (`connect.core.onInitialized`, `onAuthFail`, …): each only reports the event,
    /// since what it means for the status line and Retry is the core's.
    pub(super) ccp_events: Vec<(CcpEvent, JsCallback)>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("per_contact", &self.per_contact.len())
            .finish_non_exhaustive()
    }
}

impl Callbacks {
    /// Makes the whole set at once, when the driver is made: every later subscription, action and CIF call reuses
    /// these, so their number stays fixed however many contacts come and go.
    pub(super) fn new(weak: &Weak<Inner>) -> Callbacks {
        Callbacks {
            per_contact: PER_CONTACT_KINDS
                .into_iter()
                .map(|kind| {
                    (
                        kind,
                        settling_contact(weak, move |inner, id, contact| {
                            inner.on_contact_event(kind, id, &contact)
                        }),
                    )
                })
                .collect(),
            contact_added: reaching(weak, |inner, contact| {
                inner.on_contact_seen(&contact, ContactEventKind::Init);
            }),
            agent_ready: reaching(weak, |inner, agent| inner.on_agent(agent)),
            agent_state: reaching(weak, |inner, change| inner.on_agent_state(&change)),
            streams_success: settling(weak, |inner, request, _| {
                inner.push(Input::StreamsReply(StreamsReply {
                    request,
                    outcome: Ok(()),
                }))
            }),
            streams_failure: settling(weak, |inner, request, err| {
                inner.push(Input::StreamsReply(StreamsReply {
                    request,
                    outcome: Err(failure_text(&err)),
                }))
            }),
            cif_resolved: settling(weak, |inner, request, value| {
                inner.on_cif_settled(request, cif::resolved(&value))
            }),
            cif_rejected: settling(weak, |inner, request, reason| {
                inner.on_cif_settled(request, cif::rejected(&reason))
            }),
            ccp_events: CcpEvent::ALL
                .into_iter()
                .map(|event| {
                    let report = move |inner: &Inner, _| inner.push(Input::Startup(StartupInput::Ccp(event)));
                    (event, reaching(weak, report))
                })
                .collect(),
        }
    }

    /// The shared callback for one per-contact event kind bound to `contact_id`, as the function Streams is given.
    pub(super) fn for_contact(&self, kind: ContactEventKind, contact_id: &str) -> Option<Function> {
        self.per_contact.iter().find(|(k, _)| *k == kind).map(|(_, c)| {
            let callback: &Function = c.as_ref().unchecked_ref();
            callback
                .bind1(&JsValue::NULL, &JsValue::from_str(contact_id))
                .unchecked_into()
        })
    }

    /// `{success, failure}` bound to `request`.
    pub(super) fn reply_callbacks(&self, request: RequestId) -> JsValue {
        let success = bound_to(request, self.streams_success.as_ref());
        let failure = bound_to(request, self.streams_failure.as_ref());
        streams::callbacks(&success, &failure)
    }

    /// Hands the settlement of what a CIF call returned to the shared CIF closures, bound to `request`.
    /// `Err` ([`CifOutcome::Unreadable`]) when its answer cannot be read.
    pub(super) fn await_cif(&self, request: RequestId, returned: &JsValue) -> Result<(), CifOutcome> {
        cif::await_answer(
            returned,
            &bound_to(request, self.cif_resolved.as_ref()),
            &bound_to(request, self.cif_rejected.as_ref()),
        )
    }
}

/// A one-argument callback that hands its argument to the driver, if the driver still exists.
fn reaching(weak: &Weak<Inner>, on: impl Fn(&Inner, JsValue) + 'static) -> JsCallback {
    let weak = weak.clone();
    Closure::new(move |argument: JsValue| {
        if let Some(inner) = weak.upgrade() {
            on(&inner, argument);
        }
    })
}

/// A contact event callback: its first argument is the contact id [`Callbacks::for_contact`] bound to it, the
/// second the view Streams passed.
fn settling_contact(weak: &Weak<Inner>, on: impl Fn(&Inner, String, JsValue) + 'static) -> ContactCallback {
    let weak = weak.clone();
    Closure::new(move |id: JsValue, contact: JsValue| {
        if let (Some(inner), Some(id)) = (weak.upgrade(), id.as_string()) {
            on(&inner, id, contact);
        }
    })
}

/// A settlement callback: its first argument is the request id [`bound_to`] it, the second what settled it.
fn settling(weak: &Weak<Inner>, on: impl Fn(&Inner, RequestId, JsValue) + 'static) -> SettlementCallback {
    let weak = weak.clone();
    Closure::new(move |request: JsValue, settled: JsValue| {
        if let (Some(inner), Some(request)) = (weak.upgrade(), request_id(&request)) {
            on(&inner, request, settled);
        }
    })
}

/// `callback` with `request` bound as its first argument: a JS-side wrapper, so nothing is made in Rust per call.
fn bound_to(request: RequestId, callback: &JsValue) -> Function {
    let callback: &Function = callback.unchecked_ref();
    callback
        .bind1(&JsValue::NULL, &JsValue::from_f64(request.0 as f64))
        .unchecked_into()
}

/// The request id a settlement callback was bound to; `None` for anything else, since JS could call the bound
/// function with a first argument of its own.
fn request_id(value: &JsValue) -> Option<RequestId> {
    let n = value.as_f64()?;
    (n.is_finite() && n >= 0.0).then_some(RequestId(n as u64))
}

/// Streams' failure argument as text for the core's report; Streams sometimes fails an action with no argument,
/// and the report should still say that Streams failed it.
fn failure_text(err: &JsValue) -> String {
    if err.is_undefined() || err.is_null() {
        "Streams reported a failure without details".to_owned()
    } else {
        js_text(err)
    }
}

//! Carrying out the core's commands that reach outside the page's loop: CIF calls, Streams actions, start-up
//! steps and the tabs' lock. What fails is reported back to the core as a fact, never decided here.

use bridge_core::{
    CifCall, CifOutcome, CifReply, DynamicsEvent, DynamicsHandler, Input, LeadershipCall, LeadershipInput, RequestId,
    StartupCall, StartupInput, StreamsCall,
};
use wasm_bindgen::JsValue;

use super::{feeder, Inner, WeakDriver};
use crate::cif::{self, HandlerGuard};
use crate::convert::to_json;
use crate::leadership::TabLeadership;
use crate::{ccp, console, startup, streams};

impl Inner {
    /// Carries out a start-up command; what went wrong is reported back as a fact.
    pub(super) fn execute_startup(&self, call: StartupCall) {
        match call {
            StartupCall::LoadCifLibrary { url, crm_origin } => {
                let me = WeakDriver(self.self_weak());
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
                        if let Err(detail) = self.subscribe_streams() {
                            self.defer(Input::Startup(StartupInput::StreamsSubscriptionsFailed { detail }));
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
            StartupCall::NoteLoginWindow => self.defer(Input::Startup(StartupInput::LoginWindowNoted {
                null: ccp::login_window_is_null(),
            })),
            StartupCall::CheckLoginWindow => self.defer(Input::Startup(StartupInput::LoginWindow {
                null: ccp::login_window_is_null(),
            })),
        }
    }

    /// Registers one handler per [`DynamicsHandler`]; each guard removes its handler when the driver drops.
    pub(super) fn register_dynamics_handlers(&self) {
        let mut guards = Vec::new();
        for handler in DynamicsHandler::ALL {
            let feed = feeder(self.self_weak());
            let registered = HandlerGuard::register(handler, move |payload: JsValue| {
                feed(Input::Dynamics(DynamicsEvent {
                    handler,
                    payload: to_json(&payload),
                }));
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

    /// Carries out a leadership command; a JS side that throws becomes `Unavailable` (the core then pops here).
    pub(super) fn execute_leadership(&self, call: LeadershipCall) {
        if let LeadershipCall::Show(view) = call {
            self.page.show_role(view);
            return;
        }
        if self.leadership.borrow().is_none() {
            let made = TabLeadership::new(feeder(self.self_weak()));
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

    /// Calls CIF; the promise's settlement reaches the core through the shared callbacks, a throw at once, and a
    /// call whose answer cannot be read as `Unreadable` (sent: the core decides what a missing answer means).
    pub(super) fn execute_cif(&self, request: RequestId, correlation_id: &str, call: &CifCall) {
        crate::metrics::cif_call_leaving(); // bench only
        let outcome = match cif::invoke(call, correlation_id) {
            Ok(returned) => match self.callbacks.await_cif(request, &returned) {
                Ok(()) => return,
                Err(unreadable) => unreadable,
            },
            Err(outcome) => outcome,
        };
        self.defer(Input::CifReply(CifReply { request, outcome }));
    }

    /// Accepts, rejects or clears a contact, dials or sets the agent's state; an error is the action's failure.
    pub(super) fn execute_streams(
        &self,
        request: RequestId,
        contact: Option<&str>,
        call: &StreamsCall,
    ) -> Result<(), String> {
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
    pub(super) fn on_cif_settled(&self, request: RequestId, outcome: CifOutcome) {
        self.push(Input::CifReply(CifReply { request, outcome }));
    }
}

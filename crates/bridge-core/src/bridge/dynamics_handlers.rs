//! Dynamics handlers (session focus and close, click-to-act, presence) and Streams action outcomes.

use crate::command::Severity;
use crate::contact::{PopState, TabStatus};
use crate::dynamics;
use crate::input::{AgentEvent, DynamicsEvent, DynamicsHandler, StreamsReply};
use crate::text;

use super::{Bridge, TimerKey};

impl Bridge {
    // ---------------------------------------------------------------- sessions and handlers

    pub(super) fn close_session(&mut self, session_id: &str, why: &str) {
        let owner = self.sessions.remove(session_id).flatten();
        self.unverified_sessions.remove(session_id);
        if self.focused_session.as_deref() == Some(session_id) {
            self.focused_session = None;
        }
        if let Some(id) = owner {
            if let Some(PopState::Popped { tabs, .. }) = self.contacts.get(&id).map(|c| c.state.clone()) {
                for status in tabs.values() {
                    if let TabStatus::Pending(r) = status {
                        self.forget_request(*r);
                    }
                }
                let retry_ids: Vec<u64> =
                    self.retries.iter().filter(|(_, j)| j.contact.as_ref() == Some(&id)).map(|(k, _)| *k).collect();
                for k in retry_ids {
                    self.retries.remove(&k);
                    self.timers.remove(TimerKey::Retry(k));
                }
                self.trace(Some(&id), "decision", format!("session closed ({why}): nothing more is written to it"));
                self.set_state(&id, PopState::SessionClosed);
            }
        }
        self.dirty = true;
        self.pump_waiting();
    }

    pub(super) fn on_dynamics(&mut self, d: DynamicsEvent) {
        match d.handler {
            DynamicsHandler::SessionSwitched => match dynamics::session_switched(&d.payload) {
                Ok(s) => {
                    self.trace(None, "input.dynamics", format!("onSessionSwitched {} focused={}", text::excerpt(&s.session_id), s.focused));
                    if s.focused {
                        self.focused_session = Some(s.session_id);
                    } else if self.focused_session.as_deref() == Some(s.session_id.as_str()) {
                        self.focused_session = None;
                    }
                }
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::SessionClosed => match dynamics::session_closed(&d.payload) {
                Ok(s) => {
                    self.trace(None, "input.dynamics", format!("onSessionClosed {}", text::excerpt(&s.session_id)));
                    self.close_session(&s.session_id, "closed by the agent");
                }
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::ClickToAct => match dynamics::click_to_act(&d.payload) {
                Ok(c) => self.trace(None, "input.dynamics", format!("onclicktoact {} (dialling not handled by the core yet)", c.value)),
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::PresenceChanged => match dynamics::presence_changed(&d.payload) {
                Ok(p) => self.trace(None, "input.dynamics", format!("onPresenceChange {:?}", p.presence_text)),
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
        }
    }

    pub(super) fn on_streams_reply(&mut self, r: StreamsReply) {
        let Some((id, call)) = self.streams_pending.remove(&r.request) else {
            self.trace(None, "reply.ignored", format!("{}: unknown Streams request", r.request));
            return;
        };
        match r.outcome {
            Ok(()) => self.trace(Some(&id), "reply.streams", format!("{} {call:?} ok", r.request)),
            Err(e) => self.report(
                Severity::Error,
                Some(&id),
                "streams.failed",
                format!("contact {id}: Amazon Connect {call:?} failed: {}", text::excerpt(&e)),
                true,
            ),
        }
    }

    pub(super) fn on_agent(&mut self, a: AgentEvent) {
        // Extension point for presence rules (spec §4); traced only for now.
        self.trace(None, "input.agent", format!("{} ({})", text::excerpt(&a.state_name), text::excerpt(&a.state_type)));
    }

}

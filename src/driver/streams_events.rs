//! What Streams tells the page: the subscriptions made after `initCCP`, and each contact and agent event read
//! into a core input. Per-contact subscriptions live and die with the contact.

use bridge_core::{CcpEvent, ContactEvent, ContactEventKind, Input};
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use super::Inner;
use crate::convert::js_text;
use crate::streams::{self, ContactSubscriptions, SubscriptionGuard};
use crate::sys::streams as sys_streams;
use crate::{console, leadership};

impl Inner {
    /// Subscribes `connect.contact`, `connect.agent` and the CCP lifecycle events; call right after `initCCP`.
    pub(super) fn subscribe_streams(&self) -> Result<(), String> {
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

    /// Drops every Streams subscription guard and the agent (after `connect.core.terminate()`, before `initCCP`
    /// again): the new CCP's first snapshot delivers each live contact afresh, and each is subscribed again.
    /// The core keeps its contacts, so none is lost and none pops twice.
    pub(super) fn release_streams(&self) {
        self.streams_generation
            .set(self.streams_generation.get().wrapping_add(1));
        let contacts = std::mem::take(&mut *self.contacts.borrow_mut());
        let agent = std::mem::take(&mut *self.agent_subscription.borrow_mut());
        let global = std::mem::take(&mut *self.global_subscriptions.borrow_mut());
        let view = self.agent.borrow_mut().take();
        drop((contacts, agent, global, view));
    }

    /// A contact Streams delivered (new, or already there when the agent loaded): subscribed once, then read.
    /// Returns its id, if it could be read.
    pub(super) fn on_contact_seen(&self, contact: &JsValue, kind: ContactEventKind) -> Option<String> {
        let _metrics = crate::metrics::span(crate::metrics::Kind::Contact);
        let id = streams::contact_id(contact)?;
        let known = self.contacts.borrow().contains_key(&id);
        if known {
            self.read_and_push(contact, id.clone(), kind);
            return Some(id);
        }
        // Read and fed first, subscribed after: the notification leaves without waiting for a dozen subscriptions.
        // Nothing is missed meanwhile, as Streams delivers this contact's own events (`connecting`, `refresh`, …)
        // only after this callback returns, and nothing the bridge does during the pump fires them synchronously.
        let view: &sys_streams::Contact = contact.unchecked_ref();
        let mut last = None;
        let snapshot = streams::read_changes(view, &id, streams::Reading::for_event(kind), &mut last);
        let generation = self.streams_generation.get();
        self.push(Input::Contact(ContactEvent {
            contact_id: id.clone(),
            kind,
            snapshot,
        }));
        if self.streams_generation.get() != generation {
            return None; // the pump restarted Streams: this view belongs to the CCP that was terminated
        }
        let mut subs = ContactSubscriptions::subscribe(view, &id, |k| self.callbacks.for_contact(k, &id));
        subs.last_read = last;
        self.contacts.borrow_mut().insert(id.clone(), subs);
        Some(id)
    }

    /// One of a contact's own events (`id` is the one its subscription was made for, so a view that can no
    /// longer say it still counts); `destroyed` releases its subscriptions as Streams forgets it.
    pub(super) fn on_contact_event(&self, kind: ContactEventKind, id: String, contact: &JsValue) {
        let _metrics = crate::metrics::span(crate::metrics::Kind::Contact);
        if kind == ContactEventKind::Destroyed {
            // Streams forgets the contact now: release its subscriptions (unsubscribing mid-dispatch is safe,
            // Streams iterates over a copy of its subscriber list).
            let released = self.contacts.borrow_mut().remove(&id);
            let event = ContactEvent {
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
    pub(super) fn read_and_push(&self, contact: &JsValue, id: String, kind: ContactEventKind) {
        // Taken out for the read, so no borrow is held while Streams' getters run.
        let mut last = self.contacts.borrow_mut().get_mut(&id).and_then(|c| c.last_read.take());
        let reading = streams::Reading::for_event(kind);
        let snapshot = streams::read_changes(contact.unchecked_ref(), &id, reading, &mut last);
        if let Some(entry) = self.contacts.borrow_mut().get_mut(&id) {
            entry.last_read = last;
        }
        self.push(Input::Contact(ContactEvent {
            contact_id: id,
            kind,
            snapshot,
        }));
    }

    /// `agent.onStateChange` / `onClearedNextState`: the agent's state, read again, for the presence rules.
    pub(super) fn on_agent_state(&self, change: &JsValue) {
        let agent = self.agent.borrow().clone();
        if let Some(event) = streams::agent_event(change, agent.as_ref()) {
            self.push(Input::Agent(event));
        }
    }

    /// `connect.agent`: the agent exists; its state subscriptions, its ids (for the tabs' lock) and its contacts.
    pub(super) fn on_agent(&self, agent: JsValue) {
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
        let (contacts, mut whole) = streams::agent_contacts(&agent);
        let mut listed = Vec::with_capacity(contacts.len());
        for contact in contacts {
            match self.on_contact_seen(&contact, ContactEventKind::Existing) {
                Some(id) => listed.push(id),
                // An id that cannot be read (or a CCP restarted meanwhile): the list cannot say who is gone.
                None => whole = false,
            }
        }
        if whole {
            self.push(Input::ConnectListed { contact_ids: listed });
        }
    }
}

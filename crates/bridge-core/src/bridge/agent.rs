//! The agent-level features (spec §4): click-to-dial and presence rules.
//!
//! Click-to-dial keeps no state: each `onclicktoact` is normalised and dialled on its own, so it works again
//! and again without a reload (a known failure of other connectors is a "call in progress" flag that is never
//! cleared). The outbound contact it creates arrives through Streams like any other and pops on connect.
//!
//! Presence keeps what each side last reported and what the bridge itself set recently (a short window). No
//! loops or flapping: a report that echoes something the bridge set within the window is ignored (whatever
//! order echoes come back in), a state that is already current is never set again, and a Dynamics presence
//! that the agent's current Connect state already goes with does not change that state.

use std::collections::VecDeque;

use crate::command::{CifCall, Severity, StreamsCall};
use crate::dynamics::{ClickToAct, PresenceChanged};
use crate::input::{AgentEvent, CifOutcome};
use crate::phone;
use crate::presence::{self, PresenceSync};
use crate::reply::{self, CifError};
use crate::text;
use crate::time::Millis;

use super::{Bridge, Pending, Purpose};

/// How long a change the bridge made is expected to echo back (Dynamics' `onPresenceChange` after
/// `setPresence`, Streams' `onStateChange` after `agent.setState`).
pub(super) const ECHO_WINDOW_MS: u64 = 5_000;
/// How long Streams may take to call back about a dial (`agent.connect`'s `timeout`, streams#1090): a
/// `createOutboundContact` answer normally comes within a second; after this the agent is told, rather than left
/// waiting for a call that may never come.
pub(super) const DIAL_TIMEOUT_MS: u64 = 20_000;
/// The core's own deadline for a dial runs this much after Streams' `timeout`, so that Streams' failure (which
/// names the timeout) normally comes first; the core's covers a Streams that ignores the option.
pub(super) const DIAL_DEADLINE_GRACE_MS: u64 = 2_000;
/// How long an agent-state change may go unanswered by Streams before it counts as failed.
pub(super) const AGENT_ACTION_DEADLINE_MS: u64 = 10_000;
/// How many recent changes are remembered per side (echoes may come back out of order).
const RECENT_SETS: usize = 8;

/// A change the bridge made on one side, awaiting its echo.
#[derive(Debug, Clone)]
pub(super) struct RecentSet {
    name: String,
    at: Millis,
    /// Made while the side's value was unknown: it may have changed nothing, and then never echoes.
    from_unknown: bool,
}

/// An agent state the bridge enqueued as the agent's next status, and the Dynamics presence the agent picked for
/// it.
#[derive(Debug, Clone)]
pub(super) struct NextState {
    connect: String,
    dynamics: String,
}

/// Whether `name` was set by the bridge within the echo window. Each side reports its changes in order, and
/// a set that changed nothing (the side was there already) never echoes: so an echo consumes its own entry
/// and every older one, and a later genuine change to a value set earlier is not mistaken for an echo. A
/// genuine change also ends the wait for sets made from an unknown value: had they changed anything, their
/// echoes would have come first.
fn take_echo(recent: &mut VecDeque<RecentSet>, name: &str, now: Millis) -> bool {
    recent.retain(|r| now.since(r.at) <= ECHO_WINDOW_MS);
    match recent.iter().position(|r| presence::same_name(&r.name, name)) {
        Some(i) => {
            recent.drain(..=i);
            true
        }
        None => {
            recent.retain(|r| !r.from_unknown);
            false
        }
    }
}

fn remember(recent: &mut VecDeque<RecentSet>, name: &str, now: Millis, from_unknown: bool) {
    if recent.len() >= RECENT_SETS {
        recent.pop_front();
    }
    recent.push_back(RecentSet {
        name: name.to_owned(),
        at: now,
        from_unknown,
    });
}

impl Bridge {
    // ---------------------------------------------------------------- click-to-dial

    /// `onclicktoact`: a phone value becomes an outbound call (`agent.connect`); anything unusable becomes a
    /// report the agent sees, never a call.
    pub(super) fn on_click_to_act(&mut self, c: ClickToAct) {
        let field = c.name.as_deref().map(text::excerpt).unwrap_or_else(|| "-".to_owned());
        let format = c.format.as_deref().map(text::excerpt);
        self.trace(
            None,
            "input.dynamics",
            format!("onclicktoact field={field} format={}", format.as_deref().unwrap_or("-")),
        );
        if let Some(f) = format.as_deref().filter(|f| !f.eq_ignore_ascii_case("phone")) {
            self.report(
                Severity::Warning,
                None,
                "dial.refused",
                format!("click-to-dial: the {field} field (format {f}) is not a phone number; nothing dialled"),
                true,
            );
            return;
        }
        match phone::normalise(c.value.expose(), &self.config.default_country_code) {
            Ok(d) => {
                let tail = phone::tail(&d.e164);
                if let Some(ext) = &d.extension {
                    self.report(
                        Severity::Info,
                        None,
                        "dial.extension",
                        format!(
                            "click-to-dial: dialling the main number {tail}; key in extension {ext} once connected"
                        ),
                        true,
                    );
                }
                let queue_arn = self.config.outbound_queue_arn.clone();
                let queue = if queue_arn.is_some() {
                    "configured outbound queue"
                } else {
                    "default outbound queue"
                };
                let call = StreamsCall::Dial {
                    phone_number: d.e164,
                    queue_arn,
                    timeout_ms: DIAL_TIMEOUT_MS,
                };
                self.send_agent_streams(call, format!("dial {tail} (E.164) on the {queue}"));
            }
            Err(e) => self.report(
                Severity::Warning,
                None,
                "dial.refused",
                format!("click-to-dial: the {field} value cannot be dialled ({e}); nothing dialled"),
                true,
            ),
        }
    }

    /// A dial Streams never called back about (the CCP dropped the `createOutboundContact` answer,
    /// streams#1090): the agent is told that the call may not have been placed, so that they look at the softphone
    /// rather than wait, or dial twice blindly. An agent-state change with no answer counts as failed (the presence
    /// mirror forgets what it asked for). A late answer afterwards is ignored.
    pub(super) fn on_agent_action_deadline(&mut self, request: crate::ids::RequestId) {
        let Some((_, call)) = self.streams_pending.remove(&request) else {
            return;
        };
        let what = describe_streams(&call);
        if !matches!(call, StreamsCall::Dial { .. }) {
            let why = format!("no answer within {} s", AGENT_ACTION_DEADLINE_MS / 1000);
            self.on_agent_action_failed(&call, &what, &why);
            return;
        }
        self.report(
            Severity::Error,
            None,
            "dial.no_answer",
            format!(
                "click-to-dial: Amazon Connect did not answer the request to {what} within {} s; the call may not \
                 have been placed: check the softphone before dialling again",
                DIAL_TIMEOUT_MS / 1000
            ),
            true,
        );
    }

    /// A Streams agent action failed: tell the agent (a dial that did not happen must not look like one that did).
    pub(super) fn on_agent_action_failed(&mut self, call: &StreamsCall, what: &str, error: &str) {
        let (code, message) = match call {
            StreamsCall::Dial { .. } => (
                "dial.failed",
                format!(
                    "click-to-dial: Amazon Connect could not place the call ({})",
                    text::excerpt(error)
                ),
            ),
            StreamsCall::SetAgentState { .. } => {
                self.presence.agent_state = None;
                self.presence.next_state = None;
                (
                    "presence.connect.failed",
                    format!("Amazon Connect {what} failed: {}", text::excerpt(error)),
                )
            }
            _ => (
                "streams.failed",
                format!("Amazon Connect {what} failed: {}", text::excerpt(error)),
            ),
        };
        self.report(Severity::Error, None, code, message, true);
    }

    // ---------------------------------------------------------------- presence

    /// The agent's Connect state changed (or was read at start): mirror it to Dynamics by the rules.
    pub(super) fn on_agent(&mut self, a: AgentEvent) {
        let name = text::clean(&a.state_name, 100).0.trim().to_owned();
        self.trace(
            None,
            "input.agent",
            format!("{} ({})", text::excerpt(&name), text::excerpt(&a.state_type)),
        );
        if name.is_empty() {
            return;
        }
        let previous = self.presence.agent_state.replace(name.clone());
        self.settle_agent_state_requests(&name);
        if self.on_next_state_applied(&name) {
            return;
        }
        if take_echo(&mut self.presence.connect_sets, &name, self.now) {
            self.trace(
                None,
                "decision",
                format!(
                    "agent state {} is the bridge's own change echoing back: not mirrored",
                    text::excerpt(&name)
                ),
            );
            return;
        }
        if previous.is_some_and(|p| presence::same_name(&p, &name)) {
            return;
        }
        self.apply_agent_state_rule();
    }

    /// Connect reports an agent state while the bridge waits for the next status it enqueued. That status applied
    /// (whether or not within the echo window): it is the bridge's own change, not mirrored by the rules, and
    /// Dynamics shows again the presence the agent picked, which after-contact work's rule may have replaced
    /// meanwhile. Whether it was that status. Another state once the contacts are cleared means Connect applied
    /// something else (the agent chose in the CCP): the wait ends.
    fn on_next_state_applied(&mut self, name: &str) -> bool {
        let Some(next) = self.presence.next_state.clone() else {
            return false;
        };
        if !presence::same_name(&next.connect, name) {
            if self.contacts.is_empty() {
                self.presence.next_state = None;
            }
            return false;
        }
        self.presence.next_state = None;
        take_echo(&mut self.presence.connect_sets, name, self.now);
        self.trace(
            None,
            "decision",
            format!(
                "agent state {} is the next status picked in Dynamics, now applied: not mirrored",
                text::excerpt(name)
            ),
        );
        if self.config.presence_sync() == PresenceSync::Off || !self.handles_contacts() {
            return true;
        }
        let shown = self.presence.dynamics.as_deref();
        if shown.is_some_and(|d| presence::same_name(d, &next.dynamics)) {
            return true;
        }
        let from_unknown = self.presence.dynamics.replace(next.dynamics.clone()).is_none();
        remember(&mut self.presence.dynamics_sets, &next.dynamics, self.now, from_unknown);
        self.send_cif(
            None,
            Purpose::Presence,
            CifCall::SetPresence {
                presence_text: next.dynamics,
            },
            0,
        );
        true
    }

    /// Connect reports the state the bridge asked for: those requests are done, whether or not Streams ever calls
    /// back about them (it does not when the CCP drops the answer), so their deadline reports nothing.
    fn settle_agent_state_requests(&mut self, reported: &str) {
        let done: Vec<crate::ids::RequestId> = self
            .streams_pending
            .iter()
            .filter(|(_, (contact, call))| {
                contact.is_none()
                    && matches!(call, StreamsCall::SetAgentState { state_name, .. } if presence::same_name(state_name, reported))
            })
            .map(|(request, _)| *request)
            .collect();
        for request in done {
            self.streams_pending.remove(&request);
            self.timers.remove(super::TimerKey::StreamsDeadline(request));
        }
    }

    /// Sets the Dynamics presence that goes with the current Connect state, unless it is already current.
    pub(super) fn apply_agent_state_rule(&mut self) {
        if self.config.presence_sync() == PresenceSync::Off || !self.handles_contacts() {
            return;
        }
        let Some(state) = self.presence.agent_state.clone() else {
            return;
        };
        let Some(target) = presence::dynamics_for(&self.config.presence_rules, &state).map(str::to_owned) else {
            self.trace(
                None,
                "decision",
                format!("no presence rule for agent state {}", text::excerpt(&state)),
            );
            return;
        };
        if self
            .presence
            .dynamics
            .as_deref()
            .is_some_and(|p| presence::same_name(p, &target))
        {
            self.trace(
                None,
                "decision",
                format!("Dynamics presence is already {}", text::excerpt(&target)),
            );
            return;
        }
        // Remembered even when the presence before was unknown: that set may well change something, and its echo
        // can arrive after a later set, when it no longer equals what the bridge believes.
        let from_unknown = self.presence.dynamics.replace(target.clone()).is_none();
        remember(&mut self.presence.dynamics_sets, &target, self.now, from_unknown);
        self.send_cif(
            None,
            Purpose::Presence,
            CifCall::SetPresence { presence_text: target },
            0,
        );
    }

    /// `onPresenceChange`: mirror a Dynamics presence to the Connect state when `presenceSync` is `both`.
    pub(super) fn on_presence_changed(&mut self, p: PresenceChanged) {
        let Some(text_in) = p.presence_text else {
            // Rules name presence texts; an id alone cannot be matched without asking Dynamics for its list.
            self.trace(
                None,
                "input.dynamics",
                "onPresenceChange without presenceText: no rule can match".into(),
            );
            return;
        };
        self.trace(
            None,
            "input.dynamics",
            format!("onPresenceChange {}", text::excerpt(&text_in)),
        );
        let previous = self.presence.dynamics.replace(text_in.clone());
        if take_echo(&mut self.presence.dynamics_sets, &text_in, self.now) {
            self.trace(
                None,
                "decision",
                format!(
                    "presence {} is the bridge's own change echoing back: not mirrored",
                    text::excerpt(&text_in)
                ),
            );
            return;
        }
        if previous.is_some_and(|p| presence::same_name(&p, &text_in))
            || self.config.presence_sync() != PresenceSync::Both
        {
            return;
        }
        if !self.handles_contacts() {
            // Every Dynamics tab hears the change; only the tab that handles contacts mirrors it (as only it
            // mirrors the Connect side), so two tabs never set the agent's state from each other's echoes.
            self.trace(
                None,
                "decision",
                "presence not mirrored to Connect: another tab handles contacts".into(),
            );
            return;
        }
        let rules = &self.config.presence_rules;
        let Some(target) = presence::connect_for(rules, &text_in).map(str::to_owned) else {
            self.trace(
                None,
                "decision",
                format!("no presence rule from Dynamics presence {}", text::excerpt(&text_in)),
            );
            return;
        };
        if let Some(current) = &self.presence.agent_state {
            let goes_with = presence::dynamics_for(rules, current).is_some_and(|d| presence::same_name(d, &text_in));
            if presence::same_name(current, &target) || goes_with {
                self.trace(
                    None,
                    "decision",
                    format!("agent state {} already goes with that presence", text::excerpt(current)),
                );
                return;
            }
        }
        let from_unknown = self.presence.agent_state.replace(target.clone()).is_none();
        remember(&mut self.presence.connect_sets, &target, self.now, from_unknown);
        let what = format!("setState {}", text::excerpt(&target));
        // Mid contact (Streams has not destroyed every contact yet), the state can only be the agent's next status.
        let enqueue_next_state = !self.contacts.is_empty();
        self.presence.next_state = enqueue_next_state.then(|| NextState {
            connect: target.clone(),
            dynamics: text_in.clone(),
        });
        self.send_agent_streams(
            StreamsCall::SetAgentState {
                state_name: target,
                enqueue_next_state,
            },
            what,
        );
    }

    /// `setPresence` answered: `false` means Dynamics has no such presence (a rule names an unknown text).
    pub(super) fn on_presence_reply(&mut self, request: crate::ids::RequestId, p: Pending, outcome: CifOutcome) {
        let text_set = match &p.call {
            CifCall::SetPresence { presence_text } => text::excerpt(presence_text),
            _ => String::new(),
        };
        match outcome {
            CifOutcome::Resolved(v) if reply::boolean(&v) == Some(false) => {
                self.presence.dynamics = None;
                self.report(
                    Severity::Warning,
                    None,
                    "presence.unknown",
                    format!(
                        "Dynamics has no presence {text_set:?}: check presenceRules against the org's presence texts"
                    ),
                    true,
                );
            }
            CifOutcome::Resolved(_) => {}
            CifOutcome::Rejected(v) => {
                self.presence.dynamics = None;
                self.retry_or_give_up(
                    request,
                    p,
                    &format!("setPresence rejected: {}", CifError::from_rejection(&v).message),
                );
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                self.presence.dynamics = None;
                self.retry_or_give_up(request, p, &format!("setPresence threw: {}", text::excerpt(&m)));
            }
        }
    }
}

/// A Streams call for the trace and reports, without personal data (a dialled number shows its last two digits).
pub(super) fn describe_streams(call: &StreamsCall) -> String {
    match call {
        StreamsCall::Dial { phone_number, .. } => format!("dial {}", phone::tail(phone_number)),
        StreamsCall::SetAgentState {
            state_name,
            enqueue_next_state,
        } => {
            let next = if *enqueue_next_state { " (next status)" } else { "" };
            format!("setState {}{next}", text::excerpt(state_name))
        }
        other => format!("{other:?}"),
    }
}

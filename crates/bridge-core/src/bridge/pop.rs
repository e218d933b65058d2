//! The pop flow: contact events, the first decision, the notification, the pop turn, the session and its tabs.

use crate::vecmap::{VecMap, VecSet};

use serde_json::{Map, Value};

use crate::command::{CifCall, Severity, StreamsCall};
use crate::contact::{observe_event, Contact, Observation, PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::{ContactEvent, ContactEventKind};
use crate::persist::TabKind;
use crate::slug::{LogicalName, LookupStatus, SlugData, SlugField};
use crate::text;
use crate::time::Millis;

use super::{Bridge, NamedSession, Pending, Phase, Purpose, TimerKey};

/// How long after a never-popped contact was released an event for it is a late repeat of that offer. A new
/// offer of the same contact takes longer: Connect re-queues it, and after a missed contact the agent must make
/// themselves available again first.
pub(super) const REOFFER_QUARANTINE_MS: u64 = 5_000;
/// Never-popped contacts remembered for [`REOFFER_QUARANTINE_MS`] at most this many.
const RELEASED_UNPOPPED_CAPACITY: usize = 64;

/// Whether a Streams state type is that of a contact being offered (Streams' `init`, `incoming`, `pending`,
/// `connecting`).
fn is_offer_state(state: &str) -> bool {
    ["init", "incoming", "pending", "connecting"]
        .iter()
        .any(|s| state.eq_ignore_ascii_case(s))
}

/// Which requests in flight count as holding the pop turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TurnScope {
    /// The whole turn: capacity checks, `createSession` and tabs.
    Pop,
    /// Creating a session: capacity checks and `createSession`, not tabs (the next contact may ask ahead).
    Session,
    /// What may move the focus or land in it: `createSession` and tabs, not capacity checks.
    Focus,
}

impl Bridge {
    // ---------------------------------------------------------------- contact events

    pub(super) fn on_contact(&mut self, ev: ContactEvent) {
        let Some(id) = ContactId::parse(&ev.contact_id) else {
            self.report(
                Severity::Warning,
                None,
                "contact.id.invalid",
                format!(
                    "contact event {:?} ignored: contact id {:?} refused, expected 1 to 128 printable ASCII characters",
                    ev.kind,
                    text::excerpt(&ev.contact_id)
                ),
                false,
            );
            return;
        };
        if ev.kind != ContactEventKind::Refresh || !self.contacts.contains_key(&id) {
            let state = ev
                .snapshot
                .as_ref()
                .map_or_else(|| "-".to_owned(), |s| text::excerpt(&s.state));
            self.trace(Some(&id), "input.contact", format!("{:?} state={state}", ev.kind));
        }
        if !self.contacts.contains_key(&id) {
            if self.handled.contains(&id) {
                self.trace(
                    Some(&id),
                    "decision",
                    "already handled and released: ignored".to_owned(),
                );
                return;
            }
            let now = self.now;
            self.released_unpopped
                .retain(|(_, at)| now.since(*at) < REOFFER_QUARANTINE_MS);
            // A snapshot that rings is a new offer even moments after the release (a rejected contact offered
            // again at once); a late repeat of the offer that went reads as gone or over.
            let rings_anew = ev.snapshot.as_ref().is_some_and(|s| is_offer_state(&s.state));
            if !rings_anew && self.released_unpopped.iter().any(|(c, _)| *c == id) {
                self.trace(
                    Some(&id),
                    "decision",
                    "released moments ago: a late repeat of that offer, ignored".to_owned(),
                );
                return;
            }
            if ev.kind == ContactEventKind::Destroyed || ev.snapshot.is_none() {
                self.trace(
                    Some(&id),
                    "decision",
                    "unknown contact without a snapshot: ignored".to_owned(),
                );
                return;
            }
            self.contacts
                .insert(id.clone(), Contact::new(id.clone(), self.now, &self.page_nonce));
            // Even ringing: a toast accepted before the reload may have made its session already. And on a page
            // without storage, one offered again after a reload (missed while the page reloaded, re-queued under
            // the same id) is known to Dynamics alone until it answered.
            let in_doubt = !self.storage_ok && !self.reconciled_enough();
            if ev.kind == ContactEventKind::Existing || in_doubt {
                self.ask_dynamics_before_popping(&id);
            }
            self.adopt_claim_elsewhere(&id);
        }
        // Restored from storage counts as not yet seen: Streams has not spoken of it on this page.
        let first_sighting = self.contacts.get(&id).is_some_and(|c| !c.seen);
        let mut slugs_changed = false;
        if let Some(snapshot) = &ev.snapshot {
            slugs_changed = self.contacts.get_mut(&id).is_some_and(|c| c.update_snapshot(snapshot));
            if slugs_changed {
                self.reparse_slugs(&id);
            }
        }
        let observation = observe_event(ev.kind, ev.snapshot.as_ref());
        let now = self.now;
        if let Some(c) = self.contacts.get_mut(&id) {
            let observation = c.observe_snapshot(observation, ev.snapshot.as_ref());
            if ev.kind == ContactEventKind::Missed && c.connected_at.is_none() {
                c.missed_here = true;
            }
            let was_ended = c.ended_at.is_some();
            c.observe(observation, now);
            if first_sighting && ev.kind == ContactEventKind::Existing && !c.is_ringing() {
                c.already_there = true;
            }
            if observation == Observation::Ended && !was_ended {
                // Persisted: a reloaded page then knows this page saw the end.
                self.dirty = true;
                self.on_contact_ended(&id);
            }
        }
        if ev.kind == ContactEventKind::Destroyed {
            self.release(&id);
            return;
        }
        self.drive(&id);
        // After the contact's own calls (its notification above all): a lookup of the templates its flow names
        // never goes ahead of them.
        if slugs_changed {
            self.preflight_contact(&id);
        }
    }

    pub(super) fn reparse_slugs(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get_mut(id) else { return };
        let (slugs, errors): (SlugData, _) = SlugData::parse(id, &c.attributes, &self.config.attribute_names);
        c.slugs = slugs;
        // Attributes the flow sets after the session exists (an activity created when the agent answered) arrive
        // on a later refresh: the tabs they plan open too.
        if let PopState::Popped { tabs, .. } = &c.state {
            if c.seen && c.plan_tabs(&self.config).iter().any(|k| !tabs.contains_key(k)) {
                c.tabs_unplanned = true;
            }
        }
        let new: Vec<_> = errors.iter().filter(|e| !c.slug_errors.contains(e)).cloned().collect();
        c.slug_errors = errors;
        for e in new {
            let code = match e.problem {
                crate::slug::SlugProblem::Truncated { .. } => "slug.truncated",
                _ => "slug.invalid",
            };
            self.report(Severity::Warning, Some(id), code, e.to_string(), false);
        }
    }

    /// A toast this page raised before its reload, now that another page raises them: withdrawn, so that the
    /// leader's own is the only one on screen.
    fn withdraw_restored_toast(&mut self, id: &ContactId) {
        if let Some(PopState::RestoredRinging { token }) = self.contacts.get(id).map(|c| c.state.clone()) {
            self.cancel_notification(id, token);
            self.transition(id, PopState::AwaitingCif);
        }
    }

    /// Moves a contact forward after anything changed (its phase, CIF readiness, capacity).
    pub(super) fn drive(&mut self, id: &ContactId) {
        if !self.contacts.get(id).is_some_and(|c| c.seen) {
            return;
        }
        self.accept_if_left_ringing(id);
        let Some(c) = self.contacts.get(id) else { return };
        if !self.handles_contacts() {
            // A page that does not pop still finishes the pops it made in its own Dynamics (before it stepped
            // down, or before a reload that let another tab lead): only it can reach those sessions.
            if self.finishes_own_pops() {
                self.withdraw_restored_toast(id);
                self.complete_tab_plan(id);
            }
            return;
        }
        let (ringing, dead, connected, inbound) =
            (c.is_ringing(), c.is_dead(), c.connected_at.is_some(), c.is_inbound());
        let agent_started = c.agent_started;
        let outbound = c.inbound == Some(false);
        let c_tabs_unplanned = c.tabs_unplanned;
        let Some(state) = self.take_state_for_transition(id) else {
            return;
        };
        let from = state.name();
        let next = match state {
            state if agent_started && !state.pop_started_or_final() => self.leave_unpopped(id, state),
            PopState::AwaitingCif => self.start(id, ringing, dead, connected, inbound),
            PopState::RestoredRinging { token } => {
                self.cancel_notification(id, token);
                self.start(id, ringing, dead, connected, inbound)
            }
            PopState::Notifying {
                request,
                token,
                template,
            } => {
                if connected || dead {
                    self.forget_request(request);
                    self.cancel_notification(id, token);
                    if connected {
                        self.trace(
                            Some(id),
                            "decision",
                            "answered in the CCP while the notification was open".into(),
                        );
                        self.request_pop(id)
                    } else {
                        PopState::Abandoned
                    }
                } else if outbound {
                    // Raised before Streams could tell the direction (no initial connection yet): an outbound
                    // call is no incoming contact, so its toast goes and it pops when it connects.
                    self.forget_request(request);
                    self.cancel_notification(id, token);
                    self.trace(
                        Some(id),
                        "decision",
                        "outbound after all: notification withdrawn, the pop waits for the call to connect".into(),
                    );
                    PopState::AwaitingConnect
                } else {
                    PopState::Notifying {
                        request,
                        token,
                        template,
                    }
                }
            }
            PopState::Popped { session_id, tabs } if c_tabs_unplanned => {
                self.finish_transition(id, from, PopState::Popped { session_id, tabs });
                self.complete_tab_plan(id);
                return;
            }
            PopState::AwaitingConnect if connected => self.request_pop(id),
            PopState::AwaitingConnect if dead => PopState::Abandoned,
            // Accepted in Dynamics, then missed before its pop could start.
            PopState::WaitingForTurn { .. } | PopState::WaitingForCapacity { .. } if dead => self.pop_never_started(id),
            PopState::WaitingForCapacity { .. } if self.has_capacity_for(id) => self.request_pop(id),
            other => other,
        };
        self.finish_transition(id, from, next);
    }

    /// A contact with a confirmed session that Connect still offers: the agent accepted it in Dynamics, but the
    /// page that asked Connect to accept it reloaded before Connect heard (the CCP frame went with it). Asked once
    /// here, so that it is not missed while its session is open; the page that owns the session asks, whichever
    /// tab leads.
    pub(super) fn accept_if_left_ringing(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get(id) else { return };
        let PopState::Popped { session_id, .. } = &c.state else {
            return;
        };
        // A queue callback is offered `incoming`; one `connecting` was accepted already (Connect dials its customer).
        let offered = c.channel != "queue_callback" || c.offered_incoming;
        if c.accept_sent || !offered || !c.is_ringing() || !c.is_inbound() || self.confirming(session_id) {
            return;
        }
        self.trace(
            Some(id),
            "decision",
            "its session is open but Connect still offers it (accepted before a reload): accepted in Connect".into(),
        );
        self.send_streams(id, StreamsCall::Accept);
    }

    /// An agent-started contact (an email draft or reply) before its pop: whatever was under way for it goes (a
    /// toast raised before Streams said who started it is withdrawn), and it never pops.
    fn leave_unpopped(&mut self, id: &ContactId, state: PopState) -> PopState {
        match state {
            PopState::Notifying { request, token, .. } => {
                self.forget_request(request);
                self.cancel_notification(id, token);
            }
            PopState::RestoredRinging { token } => self.cancel_notification(id, token),
            _ => {}
        }
        self.trace(
            Some(id),
            "decision",
            "started by the agent (an email draft or reply): no notification and no session".into(),
        );
        PopState::AgentStarted
    }

    /// First decision once CIF is ready and the contact has a snapshot.
    pub(super) fn start(
        &mut self,
        id: &ContactId,
        ringing: bool,
        dead: bool,
        connected: bool,
        inbound: bool,
    ) -> PopState {
        // Dynamics named its session before this page saw it (accepted before a reload this page has no storage
        // of): popped already, so no toast; `request_pop` adopts that session.
        let popped_before = self.dynamics_owners.get(id).is_some_and(|named| named.before_seen);
        if connected || ringing && inbound && popped_before {
            self.request_pop(id)
        } else if dead {
            PopState::Abandoned
        } else if ringing && inbound {
            self.notify(id)
        } else {
            PopState::AwaitingConnect
        }
    }

    pub(super) fn notify(&mut self, id: &ContactId) -> PopState {
        let Some(c) = self.contacts.get(id) else {
            return PopState::Abandoned;
        };
        let template = c.notification_template(&self.config);
        self.notify_with(id, template, 0)
    }

    pub(super) fn notify_with(
        &mut self,
        id: &ContactId,
        template: crate::slug::TemplateName,
        attempt: u32,
    ) -> PopState {
        let Some(c) = self.contacts.get(id) else {
            return PopState::Abandoned;
        };
        let params = c.template_parameters(&self.config, false);
        let token = self.next_notification_token(Some(id));
        let call = CifCall::NotifyEvent {
            template_name: template.as_str().to_owned(),
            template_parameters: params,
            cancellation_token: token.clone(),
        };
        let request = self.send_cif(Some(id), Purpose::Notify, call, attempt);
        PopState::Notifying {
            request,
            token,
            template,
        }
    }

    /// The contact needs its session: start the pop now if no other pop is under way and nobody waits before
    /// it, else queue it (first come, first served; [`Bridge::hand_on_turn`] starts it later).
    pub(super) fn request_pop(&mut self, id: &ContactId) -> PopState {
        if let Some(NamedSession {
            session_id: sid, facts, ..
        }) = self.dynamics_owners.remove(id)
        {
            // A session Dynamics already holds for this contact (created before a reload): never a second one.
            self.sessions.insert(sid.clone(), Some(id.clone()));
            self.released_sessions.remove(&sid);
            self.transition(id, PopState::AwaitingCif);
            self.adopt_session(id, sid, &facts);
            return self.contacts.get(id).map_or(PopState::Abandoned, |c| c.state.clone());
        }
        if !self.handles_contacts() {
            // Another tab handles contacts (this page only finishes its own pops): it waits, as if Dynamics were
            // not ready, and pops if the lead comes here.
            return PopState::AwaitingCif;
        }
        if self.contacts.get(id).is_some_and(|c| c.awaits_dynamics) {
            return self.queue_for_turn(
                id,
                "known before this page could trust its sessions: waiting for Dynamics' sessions",
            );
        }
        let queued = self
            .contacts
            .values()
            .any(|c| c.id != *id && matches!(c.state, PopState::WaitingForTurn { .. }));
        if self.turn_busy() || queued {
            return self.queue_for_turn(id, "another contact's session is being opened: waiting for its turn");
        }
        self.start_pop(id)
    }

    /// A contact accepted in Dynamics whose `accept()` did not make it (missed, or the caller hung up) before its
    /// pop started: it never connected and Connect routes it on, so it gets no session (§3.6), and once released
    /// unpopped a new offer of it rings again.
    pub(super) fn pop_never_started(&mut self, id: &ContactId) -> PopState {
        self.trace(
            Some(id),
            "decision",
            "over before it connected while waiting for its pop: no session".into(),
        );
        PopState::Abandoned
    }

    /// The next ticket in the pop queue (first come, first served), with the reason in the trace.
    fn queue_for_turn(&mut self, id: &ContactId, why: &str) -> PopState {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.trace(Some(id), "decision", why.to_owned());
        PopState::WaitingForTurn {
            ticket,
            capacity_confirmed: false,
        }
    }

    /// Whether a pop holds the turn: a contact is checking capacity or creating its session, or a tab request
    /// (which CIF carries out in the focused session) is in flight or waiting for a retry. A `canCreateSession`,
    /// `createSession` or tab request unanswered after `popTurnMs`, and any request past its deadline (or given
    /// up on by CIF), no longer holds it, so a slow Dynamics holds the next contact for `popTurnMs`, not a CIF
    /// deadline (§3.15).
    /// A `createSession` of a released contact still in flight holds it too: CIF will focus the session it
    /// creates.
    pub(super) fn turn_busy(&self) -> bool {
        self.turn_busy_except(None)
    }

    /// [`Bridge::turn_busy`], not counting what `except` itself has under way.
    pub(super) fn turn_busy_except(&self, except: Option<&ContactId>) -> bool {
        self.turn_held(TurnScope::Pop, except)
    }

    /// Whether a session is being created or asked for (the turn counted without the tabs in flight): while
    /// only tabs hold the turn, the next contact may already ask `canCreateSession`, which focuses nothing.
    fn session_turn_busy(&self) -> bool {
        self.turn_held(TurnScope::Session, None)
    }

    /// Whether another pop may move the focus or has a tab in flight, so that a tab sent now could land in the
    /// wrong session: the turn without the capacity checks, which focus nothing. Tabs of the focused session may
    /// open while the next contact asks `canCreateSession`; its `createSession` then waits for their answers.
    fn focus_busy_except(&self, except: Option<&ContactId>) -> bool {
        self.turn_held(TurnScope::Focus, except)
    }

    fn turn_held(&self, scope: TurnScope, except: Option<&ContactId>) -> bool {
        let count_tabs = scope != TurnScope::Session;
        let count_capacity_checks = scope != TurnScope::Focus;
        // Only a request in flight holds the turn: one waiting for its retry does not (two contacts waiting
        // for retries would otherwise wait for each other forever).
        let live = |r: &RequestId| self.holds_turn(r);
        let by_contact = self
            .contacts
            .values()
            .filter(|c| Some(&c.id) != except)
            .any(|c| match &c.state {
                PopState::CheckingCapacity { request } => count_capacity_checks && live(request),
                PopState::CreatingSession { request, .. } => live(request),
                PopState::Popped { tabs, .. } => {
                    count_tabs && tabs.values().any(|t| matches!(t, TabStatus::Pending(r) if live(r)))
                }
                _ => false,
            });
        // A question about where an overtaken tab opened (`getTabs` of the session switched to) holds the turn as
        // the tab did: a `createSession` meanwhile would move the focus under it.
        let asking_where_a_tab_opened = || {
            count_tabs
                && self.pending.iter().any(|(r, p)| {
                    matches!(p.purpose, Purpose::CheckStrayTab(_)) && p.contact.as_ref() != except && live(r)
                })
        };
        by_contact
            || (scope != TurnScope::Focus && self.turn_held_for_page_before)
            || asking_where_a_tab_opened()
            || self
                .pending
                .iter()
                .any(|(r, p)| p.contact.is_none() && p.purpose == Purpose::CreateSession && live(r))
    }

    /// Hands the turn on whenever it is free: first to the contact whose session the agent is looking at and
    /// whose tabs were deferred (on any page: see [`Bridge::finishes_own_pops`]; also while the next contact only
    /// checks capacity), then, on the page that handles contacts, to the contact that has waited longest. Runs
    /// after every input.
    pub(super) fn hand_on_turn(&mut self) {
        self.finish_own_pops_when_following();
        // A contact held back by this page's own count pops once a slot is free, whichever way it came free (a
        // pop given up, abandoned or adopted elsewhere); one Dynamics said no to waits for the recheck instead.
        let waiting_for_a_slot = || {
            self.contacts
                .values()
                .any(|c| matches!(c.state, PopState::WaitingForCapacity { .. }) && self.has_capacity_for(&c.id))
        };
        if self.handles_contacts() && !self.timers.contains(TimerKey::CapacityRecheck) && waiting_for_a_slot() {
            self.admit_waiting_for_capacity();
        }
        while self.finishes_own_pops() {
            if !self.focus_busy_except(None) {
                let deferred = self.focused_contact().cloned().filter(|id| self.has_deferred_tabs(id));
                if let Some(id) = deferred.filter(|_| self.reconciled_enough()) {
                    self.open_deferred_tabs(&id);
                    continue;
                }
            }
            if self.turn_busy() {
                break;
            }
            if !self.handles_contacts() {
                return;
            }
            let Some((_, id, capacity_confirmed)) = self.next_in_line() else {
                return;
            };
            let Some(state) = self.take_state_for_transition(&id) else {
                return;
            };
            let dead = self.contacts.get(&id).is_some_and(Contact::is_dead);
            let next = if dead {
                // Over while Dynamics was asked ahead whether it can create its session.
                self.pop_never_started(&id)
            } else if capacity_confirmed {
                self.start_confirmed_pop(&id)
            } else {
                self.start_pop(&id)
            };
            self.finish_transition(&id, state.name(), next);
        }
        self.check_capacity_ahead();
    }

    /// The contact whose turn is next: lowest ticket first.
    fn next_in_line(&self) -> Option<(u64, ContactId, bool)> {
        self.contacts
            .values()
            .filter(|c| !c.awaits_dynamics)
            .filter_map(|c| match c.state {
                PopState::WaitingForTurn {
                    ticket,
                    capacity_confirmed,
                } => Some((!capacity_confirmed, ticket, c.id.clone())),
                _ => None,
            })
            .min()
            .map(|(unconfirmed, ticket, id)| (ticket, id, !unconfirmed))
    }

    /// While the contact holding the turn waits only for its tabs, the next in line asks `canCreateSession`
    /// (which focuses nothing), so that its `createSession` leaves as soon as the turn is free: one CIF round
    /// trip less per turn when contacts queue. One contact at a time asks ahead.
    fn check_capacity_ahead(&mut self) {
        if !self.handles_contacts() || !self.turn_busy() || self.session_turn_busy() {
            return;
        }
        let asked = self.contacts.values().any(|c| {
            matches!(
                c.state,
                PopState::CheckingCapacity { .. }
                    | PopState::WaitingForTurn {
                        capacity_confirmed: true,
                        ..
                    }
            )
        });
        if asked || self.open_sessions() >= self.config.max_sessions {
            return;
        }
        let Some((_, id, _)) = self.next_in_line() else {
            return;
        };
        let Some(state) = self.take_state_for_transition(&id) else {
            return;
        };
        self.trace(
            Some(&id),
            "decision",
            "asking canCreateSession while the previous pop waits for its tabs".into(),
        );
        if let Some(c) = self.contacts.get_mut(&id) {
            c.asked_ahead = true;
        }
        let request = self.send_cif(Some(&id), Purpose::CanCreate, CifCall::CanCreateSession, 0);
        self.finish_transition(&id, state.name(), PopState::CheckingCapacity { request });
    }

    /// Whether a contact Dynamics said yes to waits for the turn (it goes before any later "yes").
    pub(super) fn confirmed_in_line(&self) -> bool {
        self.contacts.values().any(|c| {
            matches!(
                c.state,
                PopState::WaitingForTurn {
                    capacity_confirmed: true,
                    ..
                }
            )
        })
    }

    /// Back in line, ahead of those Dynamics has not said yes to, after Dynamics said yes while the turn was
    /// still taken.
    pub(super) fn wait_with_capacity_confirmed(&mut self, id: &ContactId) -> PopState {
        self.trace(
            Some(id),
            "decision",
            "Dynamics can create a session: waiting for the turn, first in line".into(),
        );
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        PopState::WaitingForTurn {
            ticket,
            capacity_confirmed: true,
        }
    }

    /// The turn of a contact whose capacity check was answered ahead: `createSession`, unless this page's own
    /// count has since reached the limit.
    fn start_confirmed_pop(&mut self, id: &ContactId) -> PopState {
        if !self.has_capacity_for(id) {
            return self.start_pop(id);
        }
        let Some(template) = self.contacts.get(id).map(|c| c.session_template(&self.config)) else {
            return PopState::Abandoned;
        };
        self.create_session(id, template, 0)
    }

    fn has_deferred_tabs(&self, id: &ContactId) -> bool {
        matches!(self.contacts.get(id).map(|c| &c.state), Some(PopState::Popped { tabs, .. }) if tabs.values().any(|t| *t == TabStatus::Deferred))
    }

    /// Requests the deferred tabs of a contact whose session the agent is looking at again.
    /// A tab that may have opened in Home while the agent was there is looked for in the session first.
    fn open_deferred_tabs(&mut self, id: &ContactId) {
        let Some(PopState::Popped { tabs, session_id }) = self.contacts.get(id).map(|c| c.state.clone()) else {
            return;
        };
        self.trace(
            Some(id),
            "decision",
            "its session is focused again: opening the deferred tabs".into(),
        );
        for (kind, status) in tabs {
            if status != TabStatus::Deferred {
                continue;
            }
            if let Some(unplaced) = self.contacts.get(id).and_then(|c| c.unplaced_tabs.get(&kind).cloned()) {
                self.look_for_unplaced_tab(id, kind, session_id.clone(), unplaced);
                continue;
            }
            let next = match self.tab_call(id, kind) {
                Some(call) => TabStatus::Pending(self.send_cif(Some(id), Purpose::Tab(kind), call, 0)),
                None => TabStatus::Failed,
            };
            self.set_tab(id, kind, next);
        }
        self.record_tabs_in_dynamics(id);
    }

    /// A contact popped before Streams delivered it (restored, or adopted from Dynamics), or whose slugs changed
    /// after its pop, gets its tab plan once its slugs are known: planned tabs never requested are deferred (they
    /// open when its session is focused).
    pub(super) fn complete_tab_plan(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get(id).filter(|c| c.seen && c.tabs_unplanned) else {
            return;
        };
        let plan = c.plan_tabs(&self.config);
        if let Some(c) = self.contacts.get_mut(id) {
            c.tabs_unplanned = false;
        }
        let Some(PopState::Popped { tabs, .. }) = self.contacts.get(id).map(|c| &c.state) else {
            return;
        };
        let missing: Vec<TabKind> = plan.into_iter().filter(|k| !tabs.contains_key(k)).collect();
        for kind in missing {
            self.trace(
                Some(id),
                "decision",
                format!(
                    "{} tab planned after its session opened (restored or adopted, or slugs that came later): opens when \
                     its session is focused",
                    kind.as_str()
                ),
            );
            self.set_tab(id, kind, TabStatus::Deferred);
        }
    }

    /// Step 4 begins: wait for capacity, or ask `canCreateSession`.
    pub(super) fn start_pop(&mut self, id: &ContactId) -> PopState {
        if !self.has_capacity_for(id) {
            self.report(
                Severity::Warning,
                Some(id),
                "session.limit",
                format!(
                    "session limit reached ({} open), contact {id} waiting for a session to close",
                    self.open_sessions()
                ),
                true,
            );
            if !self.recon.trusted.is_empty() {
                // The limit may be reached only through a session Dynamics never confirmed after the reload.
                self.trace(
                    Some(id),
                    "decision",
                    "sessions restored without Dynamics' word count against the limit: asking which are open".into(),
                );
                self.start_reconcile();
            }
            return PopState::WaitingForCapacity { since: self.now };
        }
        if let Some(c) = self.contacts.get_mut(id) {
            c.asked_ahead = false;
        }
        let request = self.send_cif(Some(id), Purpose::CanCreate, CifCall::CanCreateSession, 0);
        PopState::CheckingCapacity { request }
    }

    pub(super) fn create_session(
        &mut self,
        id: &ContactId,
        template: crate::slug::TemplateName,
        attempt: u32,
    ) -> PopState {
        let Some(c) = self.contacts.get_mut(id) else {
            return PopState::Abandoned;
        };
        let withhold = c.withhold_customer_ids();
        c.anchor_without_customer = withhold;
        let params = c.template_parameters(&self.config, withhold);
        let has_ids = [&c.slugs.contact_id, &c.slugs.id, &c.slugs.account_id]
            .iter()
            .any(|g| g.is_some());
        if withhold && has_ids {
            let reason = c.search_reason();
            self.trace(
                Some(id),
                "decision",
                format!("customer ids withheld from the session ({reason})"),
            );
        }
        let mut context = Map::new();
        context.insert("contactId".into(), Value::String(id.as_str().to_owned()));
        let call = CifCall::CreateSession {
            template_name: template.as_str().to_owned(),
            template_parameters: params,
            context,
        };
        let request = self.send_cif(Some(id), Purpose::CreateSession, call, attempt);
        PopState::CreatingSession { request, template }
    }

    /// Opens the planned tabs in a fresh session, or defers them all when the agent is (or may be) looking at
    /// another session: CIF opens a tab in the focused session, whichever it is.
    pub(super) fn open_tabs(
        &mut self,
        id: &ContactId,
        session_id: String,
        done: &crate::vecmap::VecSet<TabKind>,
    ) -> PopState {
        let Some(c) = self.contacts.get(id) else {
            return PopState::Abandoned;
        };
        let plan: Vec<TabKind> = c.plan_tabs(&self.config);
        let search_reason = c.search_reason();
        self.report_pop_fallbacks(id);
        // Also deferred while another pop is under way (a late answer after this contact lost the turn): that
        // pop's createSession may move the focus before CIF carries out these tabs.
        let focused = self.focused_session.as_deref() == Some(session_id.as_str()) && !self.focus_busy_except(Some(id));
        // Tabs already opened stay recorded even when the slugs no longer plan them (they may again later).
        let mut tabs: VecMap<TabKind, TabStatus> = done.iter().map(|k| (*k, TabStatus::Done)).collect();
        for kind in plan {
            if done.contains(&kind) {
                continue;
            }
            if kind == TabKind::Search {
                self.trace(Some(id), "decision", format!("search tab ({search_reason})"));
            }
            if let Some(call) = self.tab_call(id, kind) {
                let status = if focused {
                    TabStatus::Pending(self.send_cif(Some(id), Purpose::Tab(kind), call, 0))
                } else {
                    TabStatus::Deferred
                };
                tabs.insert(kind, status);
            }
        }
        if !focused && !tabs.is_empty() {
            self.trace(
                Some(id),
                "decision",
                "the agent is looking at another session: tabs deferred until it is focused".into(),
            );
        }
        PopState::Popped { session_id, tabs }
    }

    /// What the flow's data made the pop fall back from, said in the console as its tabs are planned (§5): an
    /// activity whose entity is missing, a single match without a valid id, a search with nothing to search for.
    fn report_pop_fallbacks(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get(id) else {
            return;
        };
        let single_without_id = c.slugs.is_single_match() && c.slugs.customer_id().is_none();
        let search_reason = c.search_reason();
        // A pop that searches instead of opening a record, with nothing to search for, says so: the agent would
        // otherwise get a bare session, and the console must name what the flow left out (spec §5).
        let nothing_to_search = !c.names_customer_record()
            && c.search().is_none()
            && matches!(
                c.slugs.lookup_status,
                Some(LookupStatus::SingleMatch | LookupStatus::MultiMatch | LookupStatus::NoMatch)
            );
        let search_text_attribute = self.config.attribute_names.get(SlugField::SearchText).to_owned();
        let activity_unnamed = c.slugs.create_timeline == Some(true)
            && c.slugs.activity_record_id().is_some()
            && c.activity_entity().is_none();
        if activity_unnamed {
            // Named as this configuration names the attribute (`attributeNames`), which is what the flow writes.
            let attribute = self.config.attribute_names.get(SlugField::EntityRecordEntityName);
            self.report(
                Severity::Warning,
                Some(id),
                "pop.activity.unnamed",
                format!(
                    "contact {id}: the timeline activity's entity ({}) is missing or invalid: its tab is not opened \
                     under a guessed entity",
                    text::excerpt(attribute)
                ),
                false,
            );
        }
        if single_without_id && !nothing_to_search {
            self.report(
                Severity::Warning,
                Some(id),
                "pop.fallback.search",
                format!(
                    "contact {id}: single match without a valid customer id: searching instead of opening a record"
                ),
                false,
            );
        }
        if nothing_to_search {
            self.report(
                Severity::Warning,
                Some(id),
                "pop.search.nothing",
                format!(
                    "contact {id}: {search_reason}, but nothing to search for: attribute `{search_text_attribute}` is \
                     missing or empty and the contact has no phone number or sender address; the session opens \
                     without a customer record or a search"
                ),
                false,
            );
        }
    }

    /// The call that opens a tab; `None` when its data is missing (never a record tab without a valid id).
    pub(super) fn tab_call(&self, id: &ContactId, kind: TabKind) -> Option<CifCall> {
        let c = self.contacts.get(id)?;
        let record_tab = |entity: &LogicalName, record: &crate::slug::Guid, focused: bool| {
            let mut p = Map::new();
            p.insert("entityName".into(), Value::String(entity.as_str().to_owned()));
            p.insert("entityId".into(), Value::String(record.as_str().to_owned()));
            CifCall::CreateTab {
                template_name: self.config.record_tab_template.as_str().to_owned(),
                template_parameters: p,
                is_focused: focused,
            }
        };
        match kind {
            TabKind::Activity => {
                let entity = c.activity_entity()?;
                Some(record_tab(&entity, c.slugs.activity_record_id()?, false))
            }
            TabKind::Customer => Some(record_tab(&c.customer_entity(), c.slugs.customer_id()?, true)),
            TabKind::Search => {
                let (entity, search_text) = c.search()?;
                let template = self
                    .config
                    .search_tab_template
                    .as_ref()
                    .filter(|_| !self.search_tab_template_missing);
                Some(match template {
                    Some(template) => {
                        // The Search page type takes `searchText` and `searchType` 0 (relevance) or 1
                        // (categorized); the entity goes only where the configuration names a parameter for it.
                        let mut p = Map::new();
                        p.insert("searchText".into(), Value::String(search_text.expose().clone()));
                        if let Some(t) = self.config.search_tab_search_type {
                            p.insert("searchType".into(), Value::from(t));
                        }
                        if let Some(param) = &self.config.search_tab_entity_parameter {
                            p.insert(param.clone(), Value::String(entity.as_str().to_owned()));
                        }
                        CifCall::CreateTab {
                            template_name: template.as_str().to_owned(),
                            template_parameters: p,
                            is_focused: true,
                        }
                    }
                    None => CifCall::RenderSearchPage {
                        entity_name: entity.as_str().to_owned(),
                        search_string: search_text.expose().clone(),
                    },
                })
            }
        }
    }

    /// `onDestroy`: cancel an open notification, then forget the contact but remember its id.
    pub(super) fn release(&mut self, id: &ContactId) {
        match self.contacts.get(id).map(|c| c.state.clone()) {
            Some(PopState::Notifying { request, token, .. }) => {
                self.forget_request(request);
                self.cancel_notification(id, token);
            }
            // A toast raised before a reload, for a contact Streams never delivered again (the caller hung up
            // meanwhile): still up in Dynamics until withdrawn.
            Some(PopState::RestoredRinging { token }) => self.cancel_notification(id, token),
            _ => {}
        }
        let Some(c) = self.contacts.remove(id) else { return };
        // A slot it reserved without a `createSession` in flight (asking `canCreateSession`, or a session that may
        // exist) is free now; a `createSession` still in flight keeps counting (see `open_sessions`).
        let held_slot = matches!(
            c.state,
            PopState::CheckingCapacity { .. } | PopState::SessionUnknown { .. }
        );
        self.trace(
            Some(id),
            "contact.released",
            format!("released in state {}", c.state.name()),
        );
        if c.state.popped_or_decided() || c.connected_at.is_some() || c.answered_before_reload {
            self.handled.insert(id.clone());
        } else {
            // Never answered and never popped (missed, abandoned, rejected): Connect may offer the same contact
            // again (back in its queue, same id), and that new offer rings and pops like any; only events
            // arriving moments after the release are late repeats of the offer that went. An answered contact
            // is never offered again under its id (a transfer is a new contact).
            self.trace(
                Some(id),
                "decision",
                "never popped: not remembered, so a new offer of it rings again".into(),
            );
            if self.released_unpopped.len() >= RELEASED_UNPOPPED_CAPACITY {
                self.released_unpopped.pop_front();
            }
            self.released_unpopped.push_back((id.clone(), self.now));
        }
        // Keep only what must outlive the contact: createSession calls (their sessions count), the update of its
        // activity (not a session call), and, while an answer is still expected, a tab that may show its record in
        // another customer's session (closed there whoever's it was); replies to the others will be ignored.
        let outlives = |p: &Pending| match p.purpose {
            Purpose::CreateSession | Purpose::UpdateRecord => true,
            Purpose::TabOfClosedSession | Purpose::CloseTabOfClosedSession | Purpose::CloseStrayTab => {
                p.phase < Phase::Overdue
            }
            _ => false,
        };
        let mine: Vec<RequestId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.contact.as_ref() == Some(id))
            .map(|(r, _)| *r)
            .collect();
        for r in mine {
            match self.pending.get_mut(&r) {
                Some(p) if outlives(p) => p.released = p.contact.take(),
                _ => self.forget_request(r),
            }
        }
        let retry_ids: Vec<u64> = self
            .retries
            .iter()
            .filter(|(_, j)| j.contact.as_ref() == Some(id))
            .map(|(k, _)| *k)
            .collect();
        for k in retry_ids {
            match self.retries.get_mut(&k) {
                // A createSession waiting for its retry was refused: it made no session to count.
                Some(job) if job.purpose == Purpose::UpdateRecord => job.released = job.contact.take(),
                _ => {
                    self.retries.remove(&k);
                    self.timers.remove(TimerKey::Retry(k));
                }
            }
        }
        self.streams_pending.retain(|_, (c, _)| c.as_ref() != Some(id));
        // A failed accept of a contact that went without connecting is reported now; one that connected was no
        // failure.
        let failed_accepts: Vec<RequestId> = self
            .failed_accepts
            .iter()
            .filter(|(_, (c, _))| c == id)
            .map(|(r, _)| *r)
            .collect();
        for request in failed_accepts {
            if c.connected_at.is_some() {
                self.failed_accepts.remove(&request);
                self.timers.remove(TimerKey::AcceptFailure(request));
            } else {
                self.on_accept_failure_due(request);
            }
        }
        for (sid, owner) in self.sessions.iter_mut() {
            if owner.as_ref() == Some(id) {
                *owner = None;
                self.released_sessions.insert(sid.clone());
            }
        }
        self.dirty = true;
        if held_slot {
            // A contact that found the limit reached through this one's reservation would otherwise wait for a
            // session to close that never opened.
            self.admit_waiting_for_capacity();
        }
    }

    /// Lets waiting contacts pop, first come first served, while capacity lasts.
    pub(super) fn admit_waiting_for_capacity(&mut self) {
        // A set ordered by (since, id): first come first served without monomorphising a sort.
        let waiting: VecSet<(Millis, ContactId)> = self
            .contacts
            .values()
            .filter_map(|c| match c.state {
                PopState::WaitingForCapacity { since } => Some((since, c.id.clone())),
                _ => None,
            })
            .collect();
        for (_, id) in waiting {
            if !self.has_capacity_for(&id) {
                break;
            }
            self.drive(&id);
        }
    }
}

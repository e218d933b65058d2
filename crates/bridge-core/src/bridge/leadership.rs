//! One popping page per agent: which page leads, what a follower waits for, how the lead changes hands.
//!
//! A page pops only while it leads (or is alone: leadership off, or no Web Locks). A follower keeps every
//! contact Streams gives it in [`PopState::AwaitingCif`], as if Dynamics were not ready, and learns from the
//! leader which contacts it popped; those become [`PopState::HandledElsewhere`], final, so that when the lead
//! moves here nothing the old leader popped is popped again, while a contact still ringing, or connected and
//! not popped, is notified or popped here. Liveness of the leader is asked (`Ping`), never assumed from its
//! timers: a background tab's timers are throttled, its message handlers are not.

use std::collections::VecDeque;

use crate::command::{Command, Severity};
use crate::contact::PopState;
use crate::ids::{ContactId, RequestId};
use crate::leadership::{lock_name, LeadershipCall, LeadershipInput, PeerMessage, RoleView};
use crate::text;
use crate::time::Millis;
use crate::vecmap::VecSet;

use super::{Bridge, CifState, TimerKey};

/// How long a page that took the lock from a live leader waits for its `SteppedDown` (with the contacts it
/// popped) before popping anything itself.
const HANDOVER_WAIT_MS: u64 = 1_500;
/// How long a page may wait for the lock's first answer before it pops on its own (a shell that never answers
/// must not leave contacts waiting).
const SEEK_ANSWER_MS: u64 = 3_000;
/// Contacts another page claimed that this page does not hold (yet) are remembered up to this many.
const MAX_CLAIMED_ELSEWHERE: usize = 512;
/// How long a leader may go without any input or timer of its own before it takes itself as woken from a freeze:
/// the hand-over wait, so that a leader frozen as the lead was taken from it by the button, which the new leader
/// waits for only this long before writing the ends it held, doubts its lead when it wakes. (A silent leader is
/// taken over only after `leaderHangMs`, longer.) A page's beat ticks three times as often.
const FROZEN_AFTER_MS: u64 = HANDOVER_WAIT_MS;
/// How long a page woken from a freeze holds activity ends before it takes the lead it has as its own: long
/// enough for the word that the lock was taken, queued while it was frozen, to reach it first.
const LEAD_DOUBT_MS: u64 = 1_000;
/// How much longer than `leaderHangMs` a page that lost the lead while it held activity ends waits for the new
/// leader's word that it wrote them (the new leader writes at once, or after the hand-over or its own doubt).
const OWN_ENDS_GRACE_MS: u64 = 2_000;
/// How recently before a quiet spell a page must have heard another page for the spell to cast doubt on its
/// lead: a follower pings every third of `leaderHangMs`, but one in a background tab whose timers Chrome throttles
/// hard may ping only once a minute.
const PEER_RECENT_MS: u64 = 60_000;

/// This page's part among the agent's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Pops on its own: leadership is off, not started (agent unknown), or the browser cannot coordinate.
    Alone,
    /// Asked for the lock; no answer yet. Pops nothing meanwhile.
    Seeking,
    /// Holds the lock and pops.
    Leading,
    /// Another page leads; this one pops nothing and watches that the leader answers.
    Following,
}

/// Why this page asked to take the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TakeOver {
    /// The agent pressed "Handle contacts here": the old leader is alive and will step down.
    Asked,
    /// The leader stopped answering (tab frozen, hung or gone without releasing): nothing will come from it.
    LeaderSilent,
}

/// Leadership state, in [`Bridge`].
#[derive(Debug, Clone)]
pub(super) struct Leadership {
    role: Role,
    lock_name: Option<String>,
    taking_over: Option<TakeOver>,
    /// The old leader's `SteppedDown` arrived while this page was taking over (it may come before the lock).
    handed_over: bool,
    /// Took the lock from a live leader: pops wait for its `SteppedDown` (or [`HANDOVER_WAIT_MS`]).
    awaiting_handover: bool,
    /// Since when this page has asked the leader (`Ping`) without an answer; `None` once answered. Silence is
    /// counted from a question, never from the last answer: a follower that was frozen itself asked nothing
    /// meanwhile, and its own freeze must not count as the leader's silence (a live leader taken over that way
    /// writes the ends queued for it as well).
    unanswered_since: Option<Millis>,
    /// This page followed another since it loaded: Dynamics is asked which sessions exist before it pops.
    has_followed: bool,
    /// Contacts another page claimed that this page does not hold yet, oldest first.
    claimed_elsewhere: VecDeque<ContactId>,
    /// The claim list last posted by this page, to post only changes.
    announced: Vec<String>,
    unavailable_reported: bool,
    /// The nonce of the page load whose storage this page restored (see [`crate::persist::Persisted::page`]).
    pub(super) restored_from: Option<String>,
    /// That page was heard on the channel: it is alive, so this page is a duplicated tab, and the pops its
    /// storage speaks of are that page's, in that page's Dynamics, whatever this page's own Dynamics says.
    writer_alive: bool,
    /// Woken from a freeze a moment ago (see [`Bridge::note_idle`]): whatever the lock says now may be stale, so
    /// activity ends are held until [`LEAD_DOUBT_MS`] has passed with the lead still here.
    doubting: bool,
    /// When another page of the agent last spoke on the channel: while one is about, it would take the lead from
    /// this page if this page went silent.
    peer_heard_at: Option<Millis>,
}

impl Default for Leadership {
    fn default() -> Leadership {
        Leadership {
            role: Role::Alone,
            lock_name: None,
            taking_over: None,
            handed_over: false,
            awaiting_handover: false,
            unanswered_since: None,
            has_followed: false,
            claimed_elsewhere: VecDeque::new(),
            announced: Vec::new(),
            unavailable_reported: false,
            restored_from: None,
            writer_alive: false,
            doubting: false,
            peer_heard_at: None,
        }
    }
}

impl Leadership {
    /// Whether this page may raise notifications, pop, reconcile and set presence.
    pub(super) fn pops_here(&self) -> bool {
        matches!(self.role, Role::Alone | Role::Leading) && !self.awaiting_handover
    }

    /// Whether this page writes activity ends now: alone, or leading and sure of it (not just woken from a freeze,
    /// not still waiting for the hand-over of a live leader, whose word of the ends it wrote comes before it).
    pub(super) fn writes_ends(&self) -> bool {
        match self.role {
            Role::Alone => true,
            Role::Leading => !self.doubting && !self.awaiting_handover,
            Role::Seeking | Role::Following => false,
        }
    }

    /// Whether this page talks with the agent's other pages (it has a channel to post on).
    pub(super) fn coordinates(&self) -> bool {
        self.lock_name.is_some() && self.role != Role::Alone
    }

    /// Whether this page follows a leader that answered its last ping: a live page that handles contacts (not
    /// the lock of a page gone, such as this page's own before a reload, which no one answers for).
    pub(super) fn follows_live_leader(&self) -> bool {
        self.role == Role::Following && self.unanswered_since.is_none()
    }

    /// The role, for diagnostics.
    pub(super) fn role(&self) -> Role {
        self.role
    }

    /// Entries held per contact, for [`Bridge::debug_counts`].
    pub(super) fn claimed_elsewhere_len(&self) -> usize {
        self.claimed_elsewhere.len()
    }
}

impl Bridge {
    /// Whether this page may call Dynamics to notify, pop, reconcile or set presence now.
    pub(super) fn handles_contacts(&self) -> bool {
        self.cif == CifState::Ready && self.leadership.pops_here()
    }

    /// Whether this page finishes the pops it already made in its own Dynamics (their tabs, and asking which of
    /// its sessions are still open), whatever its role: each Dynamics tab has its own sessions, and no other page
    /// can open a tab in them.
    pub(super) fn finishes_own_pops(&self) -> bool {
        self.cif == CifState::Ready
    }

    pub(super) fn on_leadership(&mut self, input: LeadershipInput) {
        match input {
            LeadershipInput::AgentKnown { agent_arn, username } => {
                self.seek_leadership(agent_arn.as_deref(), username.as_deref());
            }
            LeadershipInput::LockHeld => self.on_lock_held(),
            LeadershipInput::LockWaiting => self.on_lock_waiting(),
            LeadershipInput::LockLost { reason } => self.on_lock_lost(&reason),
            LeadershipInput::Unavailable { reason } => self.on_leadership_unavailable(&reason),
            LeadershipInput::Peer(value) => match PeerMessage::parse(&value) {
                Some(message) => self.on_peer(message),
                None => self.trace(
                    None,
                    "leadership",
                    "a message on the channel that is not the bridge's: ignored".into(),
                ),
            },
            LeadershipInput::TakeOverAsked => {
                if self.leadership.role == Role::Following {
                    self.trace(None, "leadership", "the agent asked to handle contacts here".into());
                    self.take_over(TakeOver::Asked);
                }
            }
        }
    }

    fn seek_leadership(&mut self, agent_arn: Option<&str>, username: Option<&str>) {
        if !self.config.tab_leadership || self.leadership.lock_name.is_some() {
            return;
        }
        let origin = self.config.cif_crm_origin();
        let Some(name) = lock_name(origin.as_deref(), agent_arn, username) else {
            self.trace(
                None,
                "leadership",
                "the agent has no ARN or username: this page pops on its own".into(),
            );
            return;
        };
        self.trace(None, "leadership", format!("seeking {}", text::excerpt(&name)));
        self.leadership.lock_name = Some(name.clone());
        self.leadership.role = Role::Seeking;
        self.timers
            .insert(self.now.plus(SEEK_ANSWER_MS), TimerKey::LeadershipUnanswered);
        self.commands
            .push_back(Command::Leadership(LeadershipCall::Seek { lock_name: name }));
    }

    fn on_lock_held(&mut self) {
        if self.leadership.lock_name.is_none() || self.leadership.role == Role::Leading {
            return;
        }
        let taking_over = self.leadership.taking_over.take();
        self.timers.remove(TimerKey::LeadershipUnanswered);
        self.timers.remove(TimerKey::LeaderCheck);
        self.timers.remove(TimerKey::OwnEndsDue);
        self.leadership.role = Role::Leading;
        if self.peers_recent(self.now) {
            self.arm_beat();
        }
        self.leadership.announced.clear();
        self.trace(None, "leadership", format!("leading ({taking_over:?})"));
        self.commands
            .push_back(Command::Leadership(LeadershipCall::Show(RoleView::Handling)));
        self.announce_leading(true);
        let handed_over = std::mem::take(&mut self.leadership.handed_over);
        if taking_over == Some(TakeOver::Asked) && !handed_over {
            // Taken from a live leader, which may be writing the same ends: its word of them comes before its
            // SteppedDown. A leader frozen as the agent pressed the button says nothing; when it wakes, later than
            // HANDOVER_WAIT_MS, it doubts its lead and writes nothing first.
            self.leadership.awaiting_handover = true;
            self.timers.insert(self.now.plus(HANDOVER_WAIT_MS), TimerKey::Handover);
        } else {
            self.begin_leading();
        }
    }

    /// Writes the activity ends held here (nobody said they were written) and pops what is waiting, after asking
    /// Dynamics what exists if another page led before.
    fn begin_leading(&mut self) {
        self.leadership.awaiting_handover = false;
        self.timers.remove(TimerKey::Handover);
        if self.leadership.writes_ends() {
            self.write_held_activity_ends();
        }
        if self.cif != CifState::Ready {
            return;
        }
        if self.leadership.has_followed {
            // Sessions this page made before it followed may have changed meanwhile: Dynamics says.
            self.hold_known_contacts_for_dynamics();
        }
        self.start_handling_contacts();
    }

    fn on_lock_waiting(&mut self) {
        if self.leadership.lock_name.is_none() {
            return;
        }
        self.timers.remove(TimerKey::LeadershipUnanswered);
        if self.leadership.role != Role::Following {
            self.trace(
                None,
                "leadership",
                "another Dynamics tab handles contacts: following".into(),
            );
            self.leadership.role = Role::Following;
            self.commands
                .push_back(Command::Leadership(LeadershipCall::Show(RoleView::Following)));
        }
        self.leadership.has_followed = true;
        self.leadership.unanswered_since.get_or_insert(self.now);
        self.post(&PeerMessage::Ping {
            from: self.page_nonce.clone(),
        });
        self.arm_leader_check();
    }

    /// Another page took the lock: withdraw this page's notifications (the new leader raises them again), hand
    /// over the list of contacts popped here, and wait in line.
    fn on_lock_lost(&mut self, reason: &str) {
        if self.leadership.role != Role::Leading {
            return;
        }
        self.trace(
            None,
            "leadership",
            format!("lost the lock ({}): stepping down", text::excerpt(reason)),
        );
        self.leadership.role = Role::Following;
        self.leadership.has_followed = true;
        self.leadership.awaiting_handover = false;
        self.leadership.unanswered_since = None;
        self.timers.remove(TimerKey::Handover);
        if self.held_ends.own_all() {
            // The page that took the lead writes them (it saw them too) and says so; if it never saw them (opened
            // since), nobody else will.
            self.timers.insert(
                self.now.plus(self.config.leader_hang_ms + OWN_ENDS_GRACE_MS),
                TimerKey::OwnEndsDue,
            );
        }
        let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
        for id in ids {
            let Some(state) = self.take_state_for_transition(&id) else {
                continue;
            };
            let from = state.name();
            let next = match state {
                PopState::Notifying { token, .. } => {
                    // Its answer is still listened for (until its deadline): an Accept the agent pressed as the
                    // lead moved must not be lost (`on_withdrawn_toast_reply`).
                    self.cancel_notification(&id, token);
                    PopState::AwaitingCif
                }
                PopState::RestoredRinging { token } => {
                    self.cancel_notification(&id, token);
                    PopState::AwaitingCif
                }
                PopState::CheckingCapacity { request } => {
                    self.forget_request(request);
                    PopState::AwaitingCif
                }
                PopState::AwaitingConnect | PopState::WaitingForTurn { .. } | PopState::WaitingForCapacity { .. } => {
                    PopState::AwaitingCif
                }
                kept => kept,
            };
            self.finish_transition(&id, from, next);
        }
        let claimed = self.claimed_ids();
        self.leadership.announced = claimed.clone();
        self.post(&PeerMessage::SteppedDown {
            from: self.page_nonce.clone(),
            claimed,
        });
        self.commands
            .push_back(Command::Leadership(LeadershipCall::Show(RoleView::Following)));
        if let Some(name) = self.leadership.lock_name.clone() {
            self.commands
                .push_back(Command::Leadership(LeadershipCall::Seek { lock_name: name }));
        }
        self.arm_leader_check();
    }

    fn on_leadership_unavailable(&mut self, reason: &str) {
        let was = self.leadership.role;
        self.timers.remove(TimerKey::LeadershipUnanswered);
        self.timers.remove(TimerKey::LeaderCheck);
        self.leadership.role = Role::Alone;
        self.leadership.awaiting_handover = false;
        self.end_doubts();
        self.timers.remove(TimerKey::OwnEndsDue);
        self.write_held_activity_ends();
        if !self.leadership.unavailable_reported {
            self.leadership.unavailable_reported = true;
            self.report(
                Severity::Warning,
                None,
                "tabs.leadership.unavailable",
                format!(
                    "this page cannot coordinate with other Dynamics tabs ({}): if Dynamics is open in several \
                     tabs, each one raises its own notifications and sessions",
                    text::excerpt(reason)
                ),
                false,
            );
            self.commands
                .push_back(Command::Leadership(LeadershipCall::Show(RoleView::Uncoordinated)));
        }
        if was != Role::Alone && was != Role::Leading {
            self.begin_leading();
        }
    }

    fn on_peer(&mut self, message: PeerMessage) {
        if message.sender() == self.page_nonce {
            return;
        }
        if !self.leadership.writer_alive && self.leadership.restored_from.as_deref() == Some(message.sender()) {
            self.leadership.writer_alive = true;
            self.trace(
                None,
                "leadership",
                "the page whose storage this one restored is alive (a duplicated tab): its pops are its own".into(),
            );
            self.yield_copied_pops();
        }
        self.leadership.peer_heard_at = Some(self.now);
        if self.leadership.role != Role::Alone && !self.timers.contains(TimerKey::Beat) {
            self.arm_beat();
        }
        match message {
            PeerMessage::Ping { .. } => {
                if self.leadership.role == Role::Leading {
                    self.announce_leading(true);
                }
            }
            PeerMessage::Leading { claimed, .. } => {
                self.leadership.unanswered_since = None;
                if self.leadership.role != Role::Leading {
                    self.drop_ends_met_over_at_load();
                }
                self.absorb_claims(&claimed);
            }
            PeerMessage::SteppedDown { claimed, .. } => {
                self.absorb_claims(&claimed);
                if self.leadership.taking_over.is_some() {
                    self.leadership.handed_over = true;
                }
                if self.leadership.awaiting_handover {
                    self.trace(None, "leadership", "the old leader stepped down: popping here".into());
                    self.begin_leading();
                }
            }
            PeerMessage::NotPopped { contacts, .. } => self.absorb_not_popped(&contacts),
            PeerMessage::EndSettled { contacts, .. } => self.on_ends_settled(&contacts),
        }
    }

    /// Contacts another page claimed but never got a session for (its Dynamics never created it): popped here
    /// if this page leads, or when it comes to.
    fn absorb_not_popped(&mut self, contacts: &[String]) {
        for raw in contacts.iter().take(MAX_CLAIMED_ELSEWHERE) {
            let Some(id) = ContactId::parse(raw) else { continue };
            self.leadership.claimed_elsewhere.retain(|c| *c != id);
            if self
                .contacts
                .get(&id)
                .is_some_and(|c| c.state == PopState::HandledElsewhere)
            {
                self.trace(
                    Some(&id),
                    "decision",
                    "the tab that claimed it has no session for it: popped here".into(),
                );
                self.transition(&id, PopState::AwaitingCif);
                self.drive(&id);
            }
        }
    }

    /// A duplicated tab's copied storage left `createSession`s in flight: they were the live original page's, in
    /// that page's Dynamics, so they are handled there. Neither popped again here (this page may lead by now)
    /// nor reported to the agent as sessions Dynamics never created.
    fn yield_copied_pops(&mut self) {
        let copied: Vec<(ContactId, RequestId)> = self
            .contacts
            .values()
            .filter_map(|c| match c.state {
                PopState::SessionUnknown { watch } => Some((c.id.clone(), watch)),
                _ => None,
            })
            .collect();
        for (id, watch) in copied {
            self.forget_request(watch);
            self.orphan_due.remove(&watch);
            self.trace(
                Some(&id),
                "decision",
                "its createSession was the original tab's: handled there".into(),
            );
            self.transition(&id, PopState::HandledElsewhere);
        }
    }

    /// This page, not leading, gives up the claim it made on a contact whose session its Dynamics never created.
    pub(super) fn announce_not_popped(&mut self, id: &ContactId) {
        // A duplicated tab's copied storage names pops the original page made in its own Dynamics: those were
        // handed to that page once it was heard (`yield_copied_pops`), so they never come here. Any other is this
        // page's own pop, which only this page can hand back, duplicated tab or not.
        if self.handles_contacts() {
            return;
        }
        self.post(&PeerMessage::NotPopped {
            from: self.page_nonce.clone(),
            contacts: vec![id.as_str().to_owned()],
        });
    }

    /// Contacts another page popped are never notified or popped here.
    fn absorb_claims(&mut self, claimed: &[String]) {
        for raw in claimed.iter().take(MAX_CLAIMED_ELSEWHERE) {
            let Some(id) = ContactId::parse(raw) else { continue };
            match self.contacts.get(&id).map(|c| c.state.clone()) {
                Some(state) if !state.pop_started_or_final() => {
                    match state {
                        PopState::Notifying { request, token, .. } => {
                            self.forget_request(request);
                            self.cancel_notification(&id, token);
                        }
                        PopState::RestoredRinging { token } => self.cancel_notification(&id, token),
                        _ => {}
                    }
                    self.trace(Some(&id), "decision", "popped in another Dynamics tab".into());
                    self.transition(&id, PopState::HandledElsewhere);
                }
                Some(_) => {}
                None if self.handled.contains(&id) || self.leadership.claimed_elsewhere.contains(&id) => {}
                None => {
                    if self.leadership.claimed_elsewhere.len() >= MAX_CLAIMED_ELSEWHERE {
                        self.leadership.claimed_elsewhere.pop_front();
                    }
                    self.leadership.claimed_elsewhere.push_back(id);
                }
            }
        }
    }

    /// A contact this page sees for the first time: if another page popped it, it stays handled there.
    pub(super) fn adopt_claim_elsewhere(&mut self, id: &ContactId) {
        if let Some(at) = self.leadership.claimed_elsewhere.iter().position(|c| c == id) {
            self.leadership.claimed_elsewhere.remove(at);
            self.trace(Some(id), "decision", "popped in another Dynamics tab".into());
            self.transition(id, PopState::HandledElsewhere);
        }
    }

    /// The contacts this page must never see popped again elsewhere: popped, being popped, declined or
    /// given up here, or known popped in another tab.
    fn claimed_ids(&self) -> Vec<String> {
        self.contacts
            .values()
            .filter(|c| c.state.popped_or_decided() || c.state == PopState::Declined)
            .map(|c| c.id.as_str().to_owned())
            .chain(self.leadership.claimed_elsewhere.iter().map(|c| c.as_str().to_owned()))
            .collect::<VecSet<String>>()
            .into_iter()
            .collect()
    }

    /// The leader posts its claim list when it changed (after every input), or always when `force`d (an
    /// answer to a ping, a new lead). Posted in the same turn as the `createSession` it covers.
    pub(super) fn announce_leading(&mut self, force: bool) {
        if self.leadership.role != Role::Leading {
            return;
        }
        let claimed = self.claimed_ids();
        if !force && claimed == self.leadership.announced {
            return;
        }
        self.leadership.announced = claimed.clone();
        self.post(&PeerMessage::Leading {
            from: self.page_nonce.clone(),
            claimed,
        });
    }

    /// A follower's check that the leader still answers; a silent leader is taken over.
    pub(super) fn on_leader_check(&mut self) {
        if self.leadership.role != Role::Following || self.leadership.taking_over.is_some() {
            return;
        }
        let silent_for = self
            .leadership
            .unanswered_since
            .map_or(0, |asked| self.now.since(asked));
        if silent_for >= self.config.leader_hang_ms {
            self.report(
                Severity::Warning,
                None,
                "tabs.leader.silent",
                format!(
                    "the Dynamics tab that handled contacts has not answered for {} s: this tab handles them now",
                    silent_for / 1000
                ),
                true,
            );
            self.take_over(TakeOver::LeaderSilent);
            return;
        }
        self.leadership.unanswered_since.get_or_insert(self.now);
        self.post(&PeerMessage::Ping {
            from: self.page_nonce.clone(),
        });
        self.arm_leader_check();
    }

    /// The first answer about the lock never came: pop here rather than leave contacts waiting.
    pub(super) fn on_leadership_unanswered(&mut self) {
        if self.leadership.role == Role::Seeking {
            self.on_leadership_unavailable("the Web Lock request was not answered");
        }
    }

    /// The handover wait is over without word from the old leader.
    pub(super) fn on_handover_due(&mut self) {
        if self.leadership.awaiting_handover {
            self.trace(None, "leadership", "no word from the old leader: popping here".into());
            self.begin_leading();
        }
    }

    /// A page with other pages about keeps a timer of its own, so that a quiet spell (a leader whose followers
    /// closed, a follower between two pings) is told from a freeze (its own timer did not fire either). It stops
    /// once no page spoke for [`PEER_RECENT_MS`].
    pub(super) fn on_beat(&mut self) {
        if self.leadership.role != Role::Alone && self.peers_recent(self.now) {
            self.arm_beat();
        }
    }

    /// Whether another page spoke at most [`PEER_RECENT_MS`] before `at`.
    fn peers_recent(&self, at: Millis) -> bool {
        self.leadership
            .peer_heard_at
            .is_some_and(|heard| at.since(heard) <= PEER_RECENT_MS)
    }

    fn arm_beat(&mut self) {
        self.timers.remove(TimerKey::Beat);
        let every = FROZEN_AFTER_MS / 3;
        self.timers.insert(self.now.plus(every), TimerKey::Beat);
    }

    /// Called with when the page last had an input or timer before this one. A leader that went
    /// [`FROZEN_AFTER_MS`] without one while other pages were about (its own beat did not fire) was frozen
    /// or hung: a follower may have taken the lead meanwhile (silent for `leaderHangMs`, or by the button) and
    /// written the ends this page is about to see, and the lock's word of it may be queued behind them. A follower
    /// frozen likewise may find the lock granted to it while it slept (its leader closed) and taken again by another
    /// page that found it silent. Either holds its ends until it is still leading [`LEAD_DOUBT_MS`] later. A page
    /// that heard no other page for [`PEER_RECENT_MS`] has nobody to take the lead and writes at once.
    pub(super) fn note_idle(&mut self, last_active: Millis) {
        let idle_ms = self.now.since(last_active);
        if self.leadership.role == Role::Alone
            || self.leadership.doubting
            || !self.peers_recent(last_active)
            || idle_ms < FROZEN_AFTER_MS
        {
            return;
        }
        self.trace(
            None,
            "leadership",
            format!(
                "no input for {} s: another tab may have taken the lead meanwhile; activity ends held until the lead is \
                 confirmed",
                idle_ms / 1000
            ),
        );
        self.leadership.doubting = true;
        self.timers.insert(self.now.plus(LEAD_DOUBT_MS), TimerKey::LeadDoubt);
    }

    /// The woken page still leads (or came to lead): the ends it held are its to write.
    pub(super) fn on_lead_doubt_due(&mut self) {
        if !self.leadership.doubting {
            return;
        }
        self.leadership.doubting = false;
        if self.leadership.writes_ends() {
            self.trace(None, "leadership", "still leading after waking".into());
            self.write_held_activity_ends();
        }
    }

    /// The page that took the lead from this one never said it wrote the ends this page held then.
    pub(super) fn on_own_ends_due(&mut self) {
        if self.leadership.role == Role::Following {
            self.write_own_held_activity_ends();
        }
    }

    fn end_doubts(&mut self) {
        self.leadership.doubting = false;
        self.timers.remove(TimerKey::LeadDoubt);
    }

    fn take_over(&mut self, why: TakeOver) {
        self.leadership.taking_over = Some(why);
        self.leadership.handed_over = false;
        self.timers.remove(TimerKey::LeaderCheck);
        self.commands.push_back(Command::Leadership(LeadershipCall::TakeOver));
    }

    fn arm_leader_check(&mut self) {
        let every = (self.config.leader_hang_ms / 3).max(500);
        self.timers.remove(TimerKey::LeaderCheck);
        self.timers.insert(self.now.plus(every), TimerKey::LeaderCheck);
    }

    pub(super) fn post(&mut self, message: &PeerMessage) {
        self.commands.push_back(Command::Leadership(LeadershipCall::Broadcast {
            text: message.to_text(),
        }));
    }
}

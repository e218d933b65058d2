//! The engine: every contact's state machine, the CIF requests in flight, deadlines, retries, sessions.

mod activity;
mod agent;
mod cif_availability;
mod cif_replies;
mod dynamics_handlers;
mod leadership;
mod no_answer;
mod notify_replies;
mod pop;
mod preflight;
mod reconcile;
mod restore;
mod retries;
mod session_replies;
mod startup;
mod tab_replies;

use std::collections::VecDeque;

use crate::vecmap::{VecMap, VecSet};
use std::mem;

use serde_json::{Map, Value};

use crate::command::{CifCall, Command, Report, Severity, StreamsCall};
use crate::config::Config;
use crate::contact::{Contact, PopState};
use crate::handled::HandledIds;
use crate::ids::{ContactId, RequestId};
use crate::input::Input;
use crate::persist::TabKind;
use crate::retry::RetryPolicy;
use crate::startup::CifState;
use crate::time::Millis;
use crate::timers::TimerTable;
use crate::trace::Trace;

use reconcile::Reconciliation;

/// What the correlation id of the bridge's own calls (those that concern no contact: `getAllSessions`,
/// `getSession`, the preflight's searches, `setPresence`) is derived from, with the page nonce, so those calls too
/// carry an id unique to the page load (spec §3.14). Its space keeps it apart from any contact id's.
const BRIDGE_CORRELATION_KEY: &str = "bridge own calls";

/// Why a CIF request was made; decides how its reply, failure and deadline are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Notify,
    Cancel,
    CanCreate,
    CreateSession,
    Tab(TabKind),
    Reconcile,
    /// `getSession` of one open session, to learn from its context which contact it belongs to.
    Identify,
    /// `updateContext` recording a session's tabs in Dynamics, for a page that finds its storage gone.
    RecordTabs,
    /// `searchAndOpenRecords` of the template entities, to name missing templates before the first contact.
    Preflight,
    /// `setPresence` (presence rules).
    Presence,
    /// `updateRecord` of a contact's activity when it ended.
    UpdateRecord,
    /// `getTabs` asking whether a tab overtaken by a switch opened in the session the agent switched to.
    CheckStrayTab(TabKind),
    /// `closeTab` of a tab CIF opened in another session than its contact's.
    CloseStrayTab,
    /// A tab request whose session closed before Dynamics answered: carried out after the close, it opened in
    /// the session focused then, so its answer leads to `closeTab`.
    TabOfClosedSession,
    /// `closeTab` of such a tab, which may have gone with its session (then Dynamics refuses, and that is fine).
    CloseTabOfClosedSession,
}

impl Purpose {
    /// The requests that hold the pop turn while they are in flight (see [`Bridge::turn_busy`]): the capacity
    /// check and `createSession` (CIF focuses the session it creates) and each tab (CIF opens it in the focused
    /// session).
    fn holds_pop_turn(&self) -> bool {
        matches!(
            self,
            Purpose::CanCreate | Purpose::CreateSession | Purpose::Tab(_) | Purpose::CheckStrayTab(_)
        )
    }
}

/// How far an unanswered request has gone; it only moves forward, and any answer ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Sent and young: a request that takes the pop turn holds it.
    InFlight,
    /// Unanswered after `popTurnMs`: it no longer holds the pop turn (§3.15), but its deadline still runs.
    TurnReleased,
    /// Past its deadline, or given up on by CIF: no answer is expected, though a late one is still accepted
    /// (Dynamics may have carried it out).
    Overdue,
}

impl Pending {
    /// The contact the request was made for, whether or not it is still live.
    fn about(&self) -> Option<&ContactId> {
        self.contact.as_ref().or(self.released.as_ref())
    }
}

/// A session Dynamics named as a contact's before the page holds that contact.
#[derive(Debug, Clone)]
struct NamedSession {
    session_id: String,
    /// What `getSession` said of it (its tabs, its focus).
    facts: crate::reply::SessionFacts,
    /// Named before this page saw the contact at all: it was popped before a reload, so an offer of it raises
    /// no toast. One this page declined or missed keeps its session for a new offer, which the agent answers
    /// again.
    before_seen: bool,
}

/// A CIF request in flight.
#[derive(Debug, Clone)]
struct Pending {
    /// `None` once the contact was released (only a `createSession` is kept then, to count its session).
    contact: Option<ContactId>,
    /// The contact a request outlives (`contact` is then `None`): still named in the trace and in reports.
    released: Option<ContactId>,
    purpose: Purpose,
    call: CifCall,
    /// 0 for the first attempt.
    attempt: u32,
    /// The CIF correlation id, kept for retries (also after the contact was released).
    correlation_id: String,
    /// How far it has gone without an answer.
    phase: Phase,
}

/// A retry waiting for its backoff.
#[derive(Debug, Clone)]
struct RetryJob {
    contact: Option<ContactId>,
    /// As [`Pending::released`].
    released: Option<ContactId>,
    purpose: Purpose,
    call: CifCall,
    attempt: u32,
    /// The failed request the contact's state still names; the retry is dropped if the state moved on.
    replaces: RequestId,
    /// The CIF correlation id of the first attempt.
    correlation_id: String,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKey {
    Deadline(RequestId),
    Retry(u64),
    /// A `canCreateSession`, `createSession` or tab request has held the pop turn for `popTurnMs`: the next
    /// contact may start.
    TurnRelease(RequestId),
    /// A `createSession` (or a restored one, by its watch id) unanswered for `sessionOrphanMs`: ask Dynamics a
    /// last time, then take the session as never created.
    Orphan(RequestId),
    /// Restored contacts that Streams has not delivered again by now are released.
    RestoreGrace,
    /// The pop turn held for requests the page before left unanswered is free.
    PageBeforeTurnRelease,
    /// Contacts Dynamics refused a session ask `canCreateSession` again.
    CapacityRecheck,
    /// Sessions counted on storage's word alone (Dynamics could not list its sessions) still hold a contact
    /// back at the session limit: ask Dynamics again which are open.
    TrustedSessionsRecheck,
    /// A dial (`agent.connect`) that Streams has not called back about by now is reported to the agent.
    StreamsDeadline(RequestId),
    /// A follower asks the leader whether it is alive, and takes over when it has been silent too long.
    LeaderCheck,
    /// A page with other pages about notes that it is running, so that waking from a freeze is told from a quiet
    /// spell.
    Beat,
    /// The Web Lock was asked for and has not answered: pop here rather than wait.
    LeadershipUnanswered,
    /// Took the lock from a live leader: stop waiting for its `SteppedDown`.
    Handover,
    /// A page woken from a freeze a moment ago: if it leads now, the activity ends it held are its to write.
    LeadDoubt,
    /// Lost the lead while holding activity ends, and no word since that the new leader wrote them.
    OwnEndsDue,
    /// `cifInitTimeoutMs` after start-up: without `CIFInitDone` by now, Dynamics is said to be not connected.
    CifInit,
    /// `cifInitTimeoutMs` after `getEnvironment`: without its answer by now, CIF goes live without Custom
    /// Parameters.
    EnvironmentOverdue,
    /// `CCP_AWAITS_CUSTOM_PARAMETERS_MS` after start-up: a CCP still waiting for Custom Parameters starts
    /// with the page's own configuration.
    CcpStartDue,
    /// `ccp_answer_wait_ms` after `initCCP`: a CCP still loading is said to be not answering.
    CcpAnswer,
    /// After a sign-in failure: look whether the browser blocked Streams' login pop-up.
    LoginPopupCheck,
    /// A contact's `accept()` failed `ACCEPT_FAILURE_GRACE_MS` ago: unless the contact connected meanwhile, the
    /// agent is told.
    AcceptFailure(RequestId),
    /// The backoff after a failed `setClickToAct(true)` is over: send it again.
    ClickToActRetry,
}

/// What the presence rules need to remember: the current state on each side, and what the bridge itself set
/// last (and when), so that the echo of its own change is recognised and not mirrored back.
#[derive(Debug, Clone, Default)]
struct PresenceState {
    /// The agent's Amazon Connect state name, as last reported (or set by the bridge).
    agent_state: Option<String>,
    /// The Dynamics presence text, as last reported (or set by the bridge).
    dynamics: Option<String>,
    /// Presence texts the bridge recently asked Dynamics for (echoes may come back out of order).
    dynamics_sets: VecDeque<agent::RecentSet>,
    /// Agent states the bridge recently asked Connect for.
    connect_sets: VecDeque<agent::RecentSet>,
    /// The agent state the bridge enqueued as the agent's next status (a presence picked in Dynamics mid
    /// contact), with that presence: Connect applies it once the contact is cleared, long after the echo window
    /// and after after-contact work was mirrored to Dynamics, so it is recognised by name until it applies.
    next_state: Option<agent::NextState>,
}

/// Sizes of the core's tables ([`Bridge::debug_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DebugCounts {
    /// Contacts held.
    pub contacts: usize,
    /// CIF requests waited for.
    pub cif_pending: usize,
    /// Streams actions waited for, and failed accepts waiting to be judged.
    pub streams_pending: usize,
    /// Retries waiting for their backoff.
    pub retries: usize,
    /// Deadlines armed.
    pub timers: usize,
    /// Open sessions counted.
    pub sessions: usize,
    /// Restored sessions not yet checked.
    pub unverified_sessions: usize,
    /// Requests past their deadline still accepted.
    pub overdue: usize,
    /// Requests that gave up the pop turn while still unanswered.
    pub turn_released: usize,
    /// Unanswered `createSession`s past `sessionOrphanMs`, waiting for the last reconciliation.
    pub orphan_due: usize,
    /// Sessions Dynamics attributed to contacts the page does not hold (yet).
    pub dynamics_owners: usize,
    /// Sessions recently named by `onSessionSwitched` (bounded).
    pub switch_seen: usize,
    /// Presence changes the bridge made, remembered to recognise their echoes (bounded).
    pub presence_sets: usize,
    /// Commands not yet drained.
    pub queued_commands: usize,
    /// Released contact ids remembered (bounded by `handledContactMemory`).
    pub handled: usize,
    /// Never-popped contacts released moments ago, whose late repeats are ignored (bounded).
    pub released_unpopped: usize,
    /// Contacts another Dynamics tab popped that this page does not hold (bounded).
    pub claimed_elsewhere: usize,
    /// Activity updates held until it is known which tab writes them (bounded).
    pub held_activity_ends: usize,
    /// Contacts whose activity end another tab wrote before this page saw the end (bounded).
    pub ends_settled_elsewhere: usize,
}

/// The whole bridge's decisions, over every contact (see the crate docs for the run-loop contract).
#[derive(Debug)]
pub struct Bridge {
    config: Config,
    retry: RetryPolicy,
    now: Millis,
    cif: CifState,
    contacts: VecMap<ContactId, Contact>,
    handled: HandledIds,
    /// Contacts released moments ago without a pop, with when (bounded): an event for one within
    /// `REOFFER_QUARANTINE_MS` (5 s) is a late repeat of the offer that went, not a new offer of it.
    released_unpopped: VecDeque<(ContactId, Millis)>,
    pending: VecMap<RequestId, Pending>,
    /// Streams actions in flight: the contact acted on (`None` for agent actions: dial, agent state).
    streams_pending: VecMap<RequestId, (Option<ContactId>, StreamsCall)>,
    /// Failed `accept()`s not yet reported, with the contact and Connect's reason: one that fails because the
    /// contact was already accepted (the agent answered in the softphone too, or another Dynamics tab accepted it)
    /// is no failure, and the snapshot saying so may come after the rejection.
    failed_accepts: VecMap<RequestId, (ContactId, String)>,
    /// Presence as the bridge knows it, for the rules that keep Connect and Dynamics in step without loops.
    presence: PresenceState,
    retries: VecMap<u64, RetryJob>,
    timers: TimerTable<TimerKey>,
    next_request: u64,
    next_retry: u64,
    /// Open sessions this bridge created (or restored), and the contact each belongs to (if still held).
    sessions: VecMap<String, Option<ContactId>>,
    /// Restored sessions not yet confirmed by `getAllSessions`.
    unverified_sessions: VecSet<String>,
    /// Whether the pop turn is held for a `createSession` or tab request the page before left unanswered (until
    /// `TimerKey::PageBeforeTurnRelease`).
    turn_held_for_page_before: bool,
    /// Asking Dynamics which sessions exist and whose they are (§3.14).
    recon: Reconciliation,
    /// The session the agent is looking at, as far as the bridge knows: set by `onSessionSwitched`, and by a
    /// `createSession` answer (CIF focuses the session it creates) unless a switch event already named that
    /// session; `None` when unknown. Tabs are only requested while their contact's session is this one.
    focused_session: Option<String>,
    /// The request counter when `focused_session` was last learnt: a `createSession` sent after that (with
    /// no answer) may have moved the focus since.
    focus_learnt_at: u64,
    /// Sessions recently named by `onSessionSwitched` (bounded), so a `createSession` answer arriving after the
    /// switch events about its session does not override what they said.
    switch_seen: VecDeque<String>,
    /// Tab requests in flight when a switch event said their session lost the focus (or another gained it): CIF
    /// opens a tab in the session focused when Dynamics carries the call out, and its events reach the page in
    /// order with its answers, so such a tab opened in the session the agent switched to.
    overtaken_tabs: VecSet<RequestId>,
    /// The `getTabs` in flight for overtaken tabs, by request: which tab each asks about.
    stray_checks: VecMap<RequestId, tab_replies::StrayCheck>,
    /// Sessions closed (bounded): a `createSession`, `getAllSessions` or `getSession` answer that was on its
    /// way when `onSessionClosed` came names a session that no longer exists, and must not bring it back.
    closed_sessions: VecDeque<String>,
    /// Dynamics said the configured search tab template (`searchTabTemplate`) does not exist: searches use
    /// `renderSearchPage` for the rest of this page load, rather than a call that fails for every contact.
    search_tab_template_missing: bool,
    /// Next [`PopState::WaitingForTurn`] ticket.
    next_ticket: u64,
    /// The most recent `createSession` sent: a late answer to an earlier one does not say which session is
    /// focused (CIF focused the later one after it).
    last_create: Option<RequestId>,
    /// Requests (or restored watch ids) past `sessionOrphanMs`, settled by the next reconciliation.
    orphan_due: VecSet<RequestId>,
    /// Open sessions of released contacts (kept for wrap-up): nobody else's, so stored as such, and after a
    /// reload never taken for a contact whose session is in doubt.
    released_sessions: VecSet<String>,
    /// Sessions Dynamics says belong to contacts the page does not hold: adopted if the contact comes
    /// (never a second session), dropped when the session closes.
    dynamics_owners: VecMap<ContactId, NamedSession>,
    /// Whether web storage works: it decides which tabs the session's context records (opened ones while it
    /// works, requested ones when it does not) and whether a reload must ask Dynamics first.
    storage_ok: bool,
    /// The contacts Connect listed when the CCP last (re)connected, until the restored ones it leaves out are
    /// released.
    connect_listed: Option<VecSet<ContactId>>,
    /// Unique per page load, so notification tokens and correlation ids never repeat across reloads.
    page_nonce: String,
    /// Notification tokens issued on this page.
    next_token: u64,
    /// Whether the preflight ran on this page load.
    preflight_started: bool,
    /// Template names already checked (or being checked), per template entity.
    preflight_checked: VecSet<(preflight::TemplateKind, String)>,
    /// Preflight searches in flight, and the templates each one looks for.
    preflight: VecMap<RequestId, Vec<preflight::Expected>>,
    commands: VecDeque<Command>,
    trace: Trace,
    /// Set where a contact's persisted fields may have changed; the contacts part is re-rendered only then.
    dirty: bool,
    /// The persistence cache, so an input that changes nothing persisted costs nothing (see `restore.rs`).
    persisted: restore::PersistCache,
    /// Which of the agent's pages pops (several Dynamics tabs).
    leadership: leadership::Leadership,
    /// Activity updates this page holds while another of the agent's pages may write them.
    held_ends: activity::HeldEnds,
    /// The page's start-up: configuration layers, the CCP, and what the status line shows.
    startup: startup::Startup,
    /// CIF requests made while CIF is not ready: never handed to the shell, answered as thrown at the end of the
    /// input (a contact that ends before `CIFInitDone` still has its activity update retried).
    unsent_cif: Vec<RequestId>,
}

impl Bridge {
    /// A bridge with no contacts, started at `now`.
    pub fn new(config: Config, now: Millis) -> Bridge {
        Bridge {
            retry: RetryPolicy::from_config(&config),
            handled: HandledIds::new(config.handled_contact_memory),
            trace: Trace::new(config.trace_capacity),
            config,
            now,
            cif: CifState::NotReady,
            contacts: VecMap::new(),
            pending: VecMap::new(),
            streams_pending: VecMap::new(),
            failed_accepts: VecMap::new(),
            presence: PresenceState::default(),
            retries: VecMap::new(),
            timers: TimerTable::default(),
            next_request: 1,
            next_retry: 1,
            sessions: VecMap::new(),
            unverified_sessions: VecSet::new(),
            turn_held_for_page_before: false,
            recon: Reconciliation::default(),
            focused_session: None,
            focus_learnt_at: 0,
            switch_seen: VecDeque::new(),
            overtaken_tabs: VecSet::new(),
            stray_checks: VecMap::new(),
            closed_sessions: VecDeque::new(),
            search_tab_template_missing: false,
            released_unpopped: VecDeque::new(),
            next_ticket: 1,
            last_create: None,
            orphan_due: VecSet::new(),
            dynamics_owners: VecMap::new(),
            released_sessions: VecSet::new(),
            storage_ok: true,
            connect_listed: None,
            page_nonce: "0".to_owned(),
            next_token: 1,
            preflight_started: false,
            preflight_checked: VecSet::new(),
            preflight: VecMap::new(),
            commands: VecDeque::new(),
            dirty: false,
            persisted: restore::PersistCache::default(),
            leadership: leadership::Leadership::default(),
            held_ends: activity::HeldEnds::default(),
            startup: startup::Startup::default(),
            unsent_cif: Vec::new(),
        }
    }

    /// Sets the per-page-load nonce (random, from the shell) that notification tokens and correlation ids carry,
    /// so a reloaded page never reuses one. Kept to letters and digits, at most 16.
    #[must_use]
    pub fn with_page_nonce(mut self, nonce: &str) -> Bridge {
        let clean: String = nonce.chars().filter(char::is_ascii_alphanumeric).take(16).collect();
        if !clean.is_empty() {
            self.page_nonce = clean;
        }
        self
    }

    /// Replaces the configuration; contacts in flight keep their templates. The page's start-up does this itself
    /// when Custom Parameters arrive. New `attributeNames` read the slugs of the contacts Streams already
    /// delivered again: a contact that rang before Dynamics gave its Custom Parameters (the CCP waits 3 s for
    /// them at most) would otherwise be notified and popped with what the default names found.
    pub fn set_config(&mut self, config: Config) {
        self.retry = RetryPolicy::from_config(&config);
        self.handled.set_capacity(config.handled_contact_memory);
        self.trace.set_capacity(config.trace_capacity);
        let names_changed = config.attribute_names != self.config.attribute_names;
        self.config = config;
        if names_changed {
            let seen: Vec<ContactId> = self
                .contacts
                .iter()
                .filter(|(_, c)| c.seen)
                .map(|(id, _)| id.clone())
                .collect();
            for id in seen {
                self.reparse_slugs(&id);
            }
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds one input observed at `now`. Untrusted content never makes this fail or panic.
    pub fn handle_input(&mut self, now: Millis, input: Input) {
        self.begin_handling(now);
        match input {
            Input::Contact(ev) => {
                if self.is_new_live_contact(&ev) {
                    self.on_streams_data();
                }
                self.on_contact(ev)
            }
            Input::Cif(a) => self.on_cif(a),
            Input::CifReply(r) => {
                if let Some(r) = self.take_startup_reply(r) {
                    self.on_cif_reply(r);
                }
            }
            Input::Dynamics(d) => self.on_dynamics(d),
            Input::StreamsReply(r) => self.on_streams_reply(r),
            Input::Agent(a) => self.on_agent(a),
            Input::ConnectListed { contact_ids } => self.on_connect_listed(contact_ids),
            Input::Restore(r) => self.on_restore(r),
            Input::StorageUnavailable { reason } => self.on_storage_unavailable(&reason),
            Input::Leadership(l) => self.on_leadership(l),
            Input::Startup(s) => self.on_startup(s),
        }
        self.finish_handling();
    }

    /// Lets deadlines that are due at `now` fire (CIF answer limits, retries with backoff).
    pub fn handle_timeout(&mut self, now: Millis) {
        self.begin_handling(now);
        while let Some(key) = self.timers.pop_due(self.now) {
            match key {
                TimerKey::Deadline(request) => self.on_deadline(request),
                TimerKey::Retry(id) => {
                    if let Some(job) = self.retries.remove(&id) {
                        self.run_retry(job);
                    }
                }
                TimerKey::TurnRelease(request) => self.release_turn(request),
                TimerKey::Orphan(request) => self.on_orphan_due(request),
                TimerKey::RestoreGrace => self.release_undelivered(),
                TimerKey::PageBeforeTurnRelease => self.release_turn_of_the_page_before(),
                TimerKey::CapacityRecheck => self.admit_waiting_for_capacity(),
                TimerKey::TrustedSessionsRecheck => self.recheck_trusted_sessions(),
                TimerKey::StreamsDeadline(request) => self.on_agent_action_deadline(request),
                TimerKey::LeaderCheck => self.on_leader_check(),
                TimerKey::Beat => self.on_beat(),
                TimerKey::LeadershipUnanswered => self.on_leadership_unanswered(),
                TimerKey::Handover => self.on_handover_due(),
                TimerKey::LeadDoubt => self.on_lead_doubt_due(),
                TimerKey::OwnEndsDue => self.on_own_ends_due(),
                TimerKey::CifInit => self.on_cif_init_overdue(),
                TimerKey::EnvironmentOverdue => self.on_environment_overdue(),
                TimerKey::CcpStartDue => self.on_ccp_start_due(),
                TimerKey::CcpAnswer => self.on_ccp_answer_overdue(),
                TimerKey::LoginPopupCheck => self.on_login_popup_check(),
                TimerKey::AcceptFailure(request) => self.on_accept_failure_due(request),
                TimerKey::ClickToActRetry => self.on_click_to_act_retry_due(),
            }
        }
        self.finish_handling();
    }

    /// Every `handle_*` call starts here: time only moves forward (a shell's clock may step back), and a long
    /// silence is noted.
    fn begin_handling(&mut self, now: Millis) {
        let last_active = self.now;
        self.now = self.now.max(now);
        self.note_idle(last_active);
    }

    /// Every `handle_*` call ends here: what the input or timers left to do that depends on the whole state.
    fn finish_handling(&mut self) {
        self.fail_unsent_cif();
        self.hand_on_turn();
        self.announce_leading(false);
        self.flush_persist();
        self.show_focus_if_changed();
    }

    /// The next command to carry out; drain until `None` after every `handle_*` call.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The earliest deadline, for the shell's single timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.next()
    }

    /// The bounded diagnostic trace as JSON, for the page's copy / download button.
    pub fn export_trace(&self) -> String {
        self.trace.to_json()
    }

    /// The contact whose session the agent is looking at (from `onSessionSwitched`), if it is one of ours.
    pub fn focused_contact(&self) -> Option<&ContactId> {
        let session = self.focused_session.as_ref()?;
        let owner = self.sessions.get(session)?.as_ref()?;
        // Only its own session: a second session Dynamics holds for the contact is not where its tabs go.
        (self.session_of(owner.as_str()) == Some(session.as_str())).then_some(owner)
    }

    /// What the page's status line says the agent is looking at, e.g. `chat with M… (contact …950e)`: the
    /// focused contact's channel, the first letter of the customer's name and the end of the contact id, so the
    /// agent recognises it while the page shows no personal data. `None` when no contact's session is focused.
    pub fn focus_summary(&self) -> Option<String> {
        let c = self.contacts.get(self.focused_contact()?)?;
        let channel = if c.channel.is_empty() {
            "contact"
        } else {
            c.channel.as_str()
        };
        let initial = c
            .slugs
            .caller_name()
            .or(c.customer_name.as_ref())
            .and_then(|n| n.expose().trim().chars().next())
            .filter(|ch| ch.is_alphanumeric())
            .map_or_else(|| "an unnamed customer".to_owned(), |ch| format!("{ch}…"));
        let id = c.id.as_str();
        let tail: String = id.chars().skip(id.chars().count().saturating_sub(4)).collect();
        Some(format!("{channel} with {initial} (contact …{tail})"))
    }

    /// The name of a contact's screen-pop state (`Notifying`, `Popped`, …), for diagnostics and tests.
    pub fn contact_state(&self, id: &str) -> Option<&'static str> {
        let id = ContactId::parse(id)?;
        self.contacts.get(&id).map(|c| c.state.name())
    }

    /// Whether a held contact was connected (accepted or answered) at some point, for diagnostics and the
    /// liveness tests: a connected contact must end popped or reported.
    pub fn was_connected(&self, id: &str) -> Option<bool> {
        let id = ContactId::parse(id)?;
        self.contacts.get(&id).map(|c| c.connected_at.is_some())
    }

    /// The session created for a contact, if it has one.
    pub fn session_of(&self, id: &str) -> Option<&str> {
        let id = ContactId::parse(id)?;
        match &self.contacts.get(&id)?.state {
            PopState::Popped { session_id, .. } => Some(session_id),
            _ => None,
        }
    }

    /// Sessions counted against `maxSessions`: open ones, plus those reserved by contacts checking capacity or
    /// creating a session (or whose session may exist: `SessionUnknown`, until Dynamics is asked a last time),
    /// plus `createSession` calls still in flight for released contacts.
    pub fn open_sessions(&self) -> usize {
        self.sessions_counted_except(None)
    }

    /// Whether `id` may have a session of its own within `maxSessions`: counted without its own reservation,
    /// whatever state it is in (or being moved out of) right now.
    fn has_capacity_for(&self, id: &ContactId) -> bool {
        self.sessions_counted_except(Some(id)) < self.config.max_sessions
    }

    /// [`Bridge::open_sessions`], not counting what `except` itself reserves.
    fn sessions_counted_except(&self, except: Option<&ContactId>) -> usize {
        let reserved = self
            .contacts
            .values()
            .filter(|c| Some(&c.id) != except)
            .filter(|c| {
                matches!(
                    c.state,
                    PopState::CheckingCapacity { .. }
                        | PopState::CreatingSession { .. }
                        | PopState::SessionUnknown { .. }
                )
            })
            .count();
        let orphaned = self
            .pending
            .values()
            .filter(|p| p.purpose == Purpose::CreateSession && p.contact.is_none())
            .count();
        self.sessions.len() + reserved + orphaned
    }

    /// This page's part among the agent's Dynamics tabs: `alone`, `seeking`, `leading` or `following`, for
    /// diagnostics and tests.
    pub fn tab_role(&self) -> &'static str {
        match self.leadership.role() {
            leadership::Role::Alone => "alone",
            leadership::Role::Seeking => "seeking",
            leadership::Role::Leading => "leading",
            leadership::Role::Following => "following",
        }
    }

    /// How many contacts are held (not yet released by `onDestroy`).
    pub fn contact_count(&self) -> usize {
        self.contacts.len()
    }

    /// Whether `id` was released and is remembered as handled.
    pub fn was_handled(&self, id: &str) -> bool {
        ContactId::parse(id).is_some_and(|id| self.handled.contains(&id))
    }

    // ---------------------------------------------------------------- plumbing

    fn trace(&mut self, contact: Option<&ContactId>, kind: &str, detail: String) {
        let correlation = contact.map(|c| {
            self.contacts.get(c).map_or_else(
                || crate::contact::correlation_id(c, &self.page_nonce),
                |c| c.correlation_id.clone(),
            )
        });
        self.trace.push(
            self.now,
            contact.map(ContactId::as_str),
            correlation.as_deref(),
            kind,
            detail,
        );
    }

    fn report(
        &mut self,
        severity: Severity,
        contact: Option<&ContactId>,
        code: &'static str,
        message: String,
        agent_visible: bool,
    ) {
        self.trace(contact, "report", format!("{code}: {message}"));
        self.commands.push_back(Command::Report(Report {
            severity,
            contact: contact.cloned(),
            code,
            message,
            agent_visible,
        }));
    }

    /// A notification token unique on this page and across reloads (the page nonce), naming the contact.
    fn next_notification_token(&mut self, contact: Option<&ContactId>) -> String {
        let n = self.next_token;
        self.next_token += 1;
        format!("ccb-{}-{}-{n}", contact.map_or("", ContactId::as_str), self.page_nonce)
    }

    fn next_request_id(&mut self) -> RequestId {
        let r = RequestId(self.next_request);
        self.next_request += 1;
        r
    }

    /// Emits a CIF command, records it as pending and arms its deadline.
    fn send_cif(&mut self, contact: Option<&ContactId>, purpose: Purpose, call: CifCall, attempt: u32) -> RequestId {
        let correlation_id = self.correlation_of(contact);
        self.send_cif_correlated(contact, correlation_id, purpose, call, attempt)
    }

    /// The CIF correlation id of a contact's calls (derived from its id), or the bridge's own; both GUIDs unique
    /// to the page load.
    fn correlation_of(&self, contact: Option<&ContactId>) -> String {
        contact.map_or_else(
            || crate::contact::page_guid(BRIDGE_CORRELATION_KEY, &self.page_nonce),
            |c| {
                self.contacts.get(c).map_or_else(
                    || crate::contact::correlation_id(c, &self.page_nonce),
                    |c| c.correlation_id.clone(),
                )
            },
        )
    }

    /// [`Bridge::send_cif`] with a given correlation id (a retry keeps its first attempt's).
    fn send_cif_correlated(
        &mut self,
        contact: Option<&ContactId>,
        correlation_id: String,
        purpose: Purpose,
        call: CifCall,
        attempt: u32,
    ) -> RequestId {
        let request = self.next_request_id();
        let limit = if purpose == Purpose::Notify {
            self.config.notification_timeout_ms
        } else {
            self.config.cif_call_timeout_ms
        };
        self.timers.insert(self.now.plus(limit), TimerKey::Deadline(request));
        self.trace(
            contact,
            &format!("cif.{}", call.method_name()),
            describe_call(request, &call, attempt),
        );
        if purpose.holds_pop_turn() {
            // None holds the pop turn longer than popTurnMs without an answer (§3.15).
            self.timers
                .insert(self.now.plus(self.config.pop_turn_ms), TimerKey::TurnRelease(request));
        }
        if purpose == Purpose::CreateSession {
            self.last_create = Some(request);
            self.timers
                .insert(self.now.plus(self.config.session_orphan_ms), TimerKey::Orphan(request));
        }
        let pending = Pending {
            contact: contact.cloned(),
            released: None,
            purpose,
            call: call.clone(),
            attempt,
            correlation_id: correlation_id.clone(),
            phase: Phase::InFlight,
        };
        self.pending.insert(request, pending);
        if self.cif == CifState::Ready {
            self.commands.push_back(Command::Cif {
                request,
                contact: contact.cloned(),
                correlation_id,
                call,
            });
        } else {
            self.unsent_cif.push(request);
        }
        request
    }

    /// Answers every CIF request made while CIF was not ready as thrown, as the library would have: no call
    /// reaches the page before `CIFInitDone`, and each request takes its ordinary failure path (retries with
    /// backoff, so this ends).
    fn fail_unsent_cif(&mut self) {
        // A failure path that asked again at once would come back here; a few rounds bound even that.
        for _ in 0..8 {
            if self.unsent_cif.is_empty() {
                return;
            }
            for request in mem::take(&mut self.unsent_cif) {
                let Some(method) = self.pending.get(&request).map(|p| p.call.method_name()) else {
                    continue;
                };
                let outcome = crate::input::CifOutcome::Threw(format!(
                    "{method} not called: Microsoft.CIFramework is not initialised (no CIFInitDone)"
                ));
                self.on_cif_reply(crate::input::CifReply { request, outcome });
            }
        }
    }

    /// Records what Dynamics (a switch event, a `createSession` answer, `getSession`) says is focused, and when.
    fn set_focus(&mut self, session: Option<String>) {
        self.focused_session = session;
        self.focus_learnt_at = self.next_request;
    }

    /// Withdraws a contact's notification (`cancelEvent` with its token); failures retry boundedly.
    fn cancel_notification(&mut self, id: &ContactId, token: String) {
        let call = CifCall::CancelEvent {
            cancellation_token: token,
        };
        self.send_cif(Some(id), Purpose::Cancel, call, 0);
    }

    fn send_streams(&mut self, contact: &ContactId, call: StreamsCall) {
        if call == StreamsCall::Accept {
            if let Some(c) = self.contacts.get_mut(contact) {
                c.accept_sent = true;
            }
        }
        let request = self.next_request_id();
        self.trace(Some(contact), "streams", format!("{request} {call:?}"));
        self.streams_pending
            .insert(request, (Some(contact.clone()), call.clone()));
        self.commands.push_back(Command::Streams {
            request,
            contact: Some(contact.clone()),
            call,
        });
    }

    /// A Streams action on the agent (dial, agent state), with a trace line that never holds a phone number.
    fn send_agent_streams(&mut self, call: StreamsCall, described: String) {
        let request = self.next_request_id();
        self.trace(None, "streams", format!("{request} {described}"));
        // Streams calls back neither success nor failure when the CCP never answers (only `connect` has a
        // timeout of its own): each agent action has a deadline, so none is waited for all day.
        let deadline = match &call {
            StreamsCall::Dial { timeout_ms, .. } => timeout_ms.saturating_add(agent::DIAL_DEADLINE_GRACE_MS),
            _ => agent::AGENT_ACTION_DEADLINE_MS,
        };
        self.timers
            .insert(self.now.plus(deadline), TimerKey::StreamsDeadline(request));
        self.streams_pending.insert(request, (None, call.clone()));
        self.commands.push_back(Command::Streams {
            request,
            contact: None,
            call,
        });
    }

    /// Moves a contact to its next pop state: the one way to change it in place, so every change is traced and
    /// marked for persisting. (When the old state's data is moved into the new one, use
    /// [`Bridge::take_state_for_transition`] and [`Bridge::finish_transition`] instead.)
    fn transition(&mut self, id: &ContactId, state: PopState) {
        if let Some(c) = self.contacts.get_mut(id) {
            let from = c.state.name();
            let to = state.name();
            c.state = state;
            if from != to {
                self.trace(Some(id), "state", format!("{from} -> {to}"));
            }
            self.dirty = true;
        }
    }

    /// Takes the state out to consume it; put the next one back with [`Bridge::finish_transition`].
    fn take_state_for_transition(&mut self, id: &ContactId) -> Option<PopState> {
        self.contacts
            .get_mut(id)
            .map(|c| mem::replace(&mut c.state, PopState::AwaitingCif))
    }

    /// Puts back a state taken with [`Bridge::take_state_for_transition`], tracing the transition from `from`.
    fn finish_transition(&mut self, id: &ContactId, from: &'static str, next: PopState) {
        let to = next.name();
        if let Some(c) = self.contacts.get_mut(id) {
            c.state = next;
            self.dirty = true;
        }
        if from != to {
            self.trace(Some(id), "state", format!("{from} -> {to}"));
        }
    }

    /// Stops waiting for `request` (answered, given up on, or its contact moved on): drops its pending entry,
    /// overdue and turn marks and timers. The shell keeps nothing per request and delivers every settlement, so
    /// a reply that still comes (Dynamics may settle late, or never: a `notifyEvent` after `cancelEvent`) reaches
    /// [`Bridge::handle_input`], which ignores it because the request is no longer pending.
    fn forget_request(&mut self, request: RequestId) {
        self.orphan_due.remove(&request);
        self.timers.remove(TimerKey::Deadline(request));
        self.timers.remove(TimerKey::TurnRelease(request));
        self.timers.remove(TimerKey::Orphan(request));
        self.pending.remove(&request);
        self.overtaken_tabs.remove(&request);
        self.stray_checks.remove(&request);
    }

    /// Whether `request` is in flight and young enough to hold the pop turn (if its purpose takes it).
    fn holds_turn(&self, request: &RequestId) -> bool {
        self.pending.get(request).is_some_and(|p| p.phase == Phase::InFlight)
    }

    /// Whether an answer to `request` is still expected: in flight and not past its deadline.
    fn expects_answer(&self, request: &RequestId) -> bool {
        self.pending.get(request).is_some_and(|p| p.phase < Phase::Overdue)
    }

    /// Whether `request` went unanswered past its deadline (a late answer is still accepted).
    fn is_overdue(&self, request: &RequestId) -> bool {
        self.pending.get(request).is_some_and(|p| p.phase == Phase::Overdue)
    }

    /// Whether the core still waits for a reply to `request`; a reply to any other request is ignored (traced as
    /// `reply.ignored`). For tests and diagnostics: the shell needs no such bookkeeping of its own.
    pub fn awaits_reply(&self, request: RequestId) -> bool {
        self.pending.contains_key(&request)
    }

    /// How many entries each of the core's tables holds, so tests can check that nothing per contact is left
    /// behind once contacts are released (only the bounded handled-ids memory and trace may stay full).
    pub fn debug_counts(&self) -> DebugCounts {
        DebugCounts {
            contacts: self.contacts.len(),
            cif_pending: self.pending.len() + self.startup.requests_in_flight(),
            streams_pending: self.streams_pending.len() + self.failed_accepts.len(),
            retries: self.retries.len(),
            timers: self.timers.len(),
            sessions: self.sessions.len(),
            unverified_sessions: self.unverified_sessions.len(),
            overdue: self.pending.values().filter(|p| p.phase == Phase::Overdue).count(),
            turn_released: self.pending.values().filter(|p| p.phase == Phase::TurnReleased).count(),
            orphan_due: self.orphan_due.len(),
            dynamics_owners: self.dynamics_owners.len(),
            switch_seen: self.switch_seen.len(),
            presence_sets: self.presence.dynamics_sets.len() + self.presence.connect_sets.len(),
            queued_commands: self.commands.len(),
            handled: self.handled.len(),
            claimed_elsewhere: self.leadership.claimed_elsewhere_len(),
            released_unpopped: self.released_unpopped.len(),
            held_activity_ends: self.held_ends.len(),
            ends_settled_elsewhere: self.held_ends.settled_elsewhere_len(),
        }
    }
}

/// A trace line for a CIF call: the method's non-personal arguments and the *names* of template parameters.
fn describe_call(request: RequestId, call: &CifCall, attempt: u32) -> String {
    let keys = |m: &Map<String, Value>| m.keys().map(String::as_str).collect::<Vec<_>>().join(",");
    let base = match call {
        CifCall::NotifyEvent {
            template_name,
            template_parameters,
            ..
        }
        | CifCall::CreateSession {
            template_name,
            template_parameters,
            ..
        } => {
            format!(
                "{request} template={template_name} params=[{}]",
                keys(template_parameters)
            )
        }
        CifCall::CreateTab {
            template_name,
            template_parameters,
            ..
        } => {
            let entity = template_parameters
                .get("entityName")
                .and_then(Value::as_str)
                .unwrap_or("-");
            format!(
                "{request} template={template_name} entityName={entity} params=[{}]",
                keys(template_parameters)
            )
        }
        CifCall::RenderSearchPage { entity_name, .. } => format!("{request} entity={entity_name}"),
        _ => format!("{request}"),
    };
    if attempt > 0 {
        format!("{base} attempt={}", attempt + 1)
    } else {
        base
    }
}

//! Property tests: random interleavings, duplications and delays of contact events and CIF replies (replies
//! for wrong or unknown requests, settlements delivered twice or the other way round, reloads, web storage
//! failing, found empty or refusing one write, CIF time limits with and without a late session, a
//! `getAllSessions` list lagging behind, session closes and switches for sessions the bridge does not know,
//! timers throttled and firing late all at once, an earlier page's `createSession` carried out after the reload),
//! against a model of Dynamics that is the source of truth for sessions. Safety:
//!
//! * at most one live notification per contact (a new one only after the old one was answered, failed or
//!   cancelled — across reloads too), and no notification token ever used twice, across reloads;
//! * never a `createSession` for a contact that has an open session in Dynamics, nor while an earlier one for
//!   it may still be carried out (Dynamics acts within `sessionOrphanMs` or never) — across reloads, with and
//!   without web storage;
//! * never the same tab twice in a session (unless Dynamics refused its record and the reload lost storage), and
//!   never a record tab with an absent or invalid `entityId`;
//! * no command for a contact after it was released (`onDestroy`) — unless, never answered nor popped, it is
//!   offered again after the late-repeat quarantine — nor any write after its session closed
//!   (while web storage works: a page without it cannot know either after a reload);
//! * every `createTab` / `renderSearchPage` is issued while its contact's session is the one Dynamics has
//!   focused (CIF opens tabs in the focused session; Dynamics focuses sessions in the order `createSession`s
//!   were sent), and no pop call is issued while another contact's young `createSession` (`popTurnMs`) or tab
//!   call (the call deadline) may still be carried out;
//! * no panic, whatever the input.
//!
//! Liveness: once Dynamics and Streams behave and time passes, every contact that was connected ends popped,
//! closed, declined, or reported to the agent — never stuck waiting (for a free session only while Dynamics
//! really holds `maxSessions` open ones: cases run with `maxSessions` 10, 1 or 2) — and nothing stays counted;
//! once Connect then destroys every contact, nothing per contact stays held (contacts, requests, retries).
//!
//! Plus fuzz-style properties for the slug, configuration, CIF result, handler payload and persistence
//! parsers over arbitrary JSON.
#![allow(clippy::unwrap_used)]

use super::common;

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const IDS: [&str; 3] = ["7c1ed9a6-1f3e-4b5a-9d0e-2a3b4c5d6e7f", "chat-2", "task-3"];
/// Defaults the invariants lean on (`popTurnMs`, `sessionOrphanMs`).
const POP_TURN_MS: u64 = 1_500;
const ORPHAN_MS: u64 = 30_000;
/// How far behind Dynamics' `getAllSessions` may lag: a session created (or closed) this recently may be
/// missing from (or still in) a list. The list is current by the time a `createSession` is orphaned
/// (`sessionOrphanMs`): Dynamics acts within that bound or never, and so does its list.
const LIST_LAG_MS: u64 = 2_000;

#[derive(Debug, Clone)]
enum Step {
    Event {
        contact: usize,
        kind: usize,
        state: usize,
        inbound: usize,
        channel: usize,
        attrs: usize,
        snapshot: bool,
    },
    Ready,
    Unavailable,
    Reply {
        pick: usize,
        outcome: usize,
    },
    Stale {
        pick: usize,
        outcome: usize,
    },
    Unknown {
        id: u64,
        outcome: usize,
    },
    Advance {
        ms: u64,
    },
    /// Time passes with no timer firing (a background tab's throttled timers), then every due timer fires at
    /// once, late.
    Jump {
        ms: u64,
    },
    /// A settlement delivered a second time: the same one, or (`flip`) the opposite one (a resolve after a
    /// reject, a rejection after a resolve), as a host that answers twice would.
    Replay {
        pick: usize,
        flip: bool,
    },
    Close {
        pick: usize,
    },
    /// `onSessionClosed` again for a session closed already, or for one Dynamics never had.
    CloseAgain {
        pick: usize,
        never_had: bool,
    },
    Switch {
        pick: usize,
        focused: bool,
        /// The flag's spelling: `focused` (CIF's sample) or `focussed` (the documentation).
        sample_spelling: bool,
    },
    Streams {
        pick: usize,
        ok: bool,
    },
    Reload,
    /// A reload after which Dynamics carries out the earlier page's `createSession`s in flight late (after
    /// `delay_ms`, within `sessionOrphanMs` of their sending), while the new page is already at work.
    ReloadLate {
        delay_ms: u64,
    },
    StorageFails,
    /// The next write throws (a quota hit by one large value) while the writes before and after it succeed.
    WriteFailsOnce,
    /// A reload after storage refused a write (quota, a moment's block): the next page's storage works, and what
    /// the earlier page stored before the refusal (possibly nothing) is read back, stale.
    ReloadRecovered,
    /// A reload that finds storage empty (cleared) or blocked from this load on, although every write of the
    /// earlier page succeeded: only Dynamics still knows which tabs were opened.
    ReloadStorageGone {
        blocked: bool,
    },
}

const KINDS: [ContactEventKind; 13] = [
    ContactEventKind::Init,
    ContactEventKind::Existing,
    ContactEventKind::Refresh,
    ContactEventKind::Incoming,
    ContactEventKind::Pending,
    ContactEventKind::Connecting,
    ContactEventKind::Accepted,
    ContactEventKind::Connected,
    ContactEventKind::Missed,
    ContactEventKind::Ended,
    ContactEventKind::AfterContactWork,
    ContactEventKind::Error,
    ContactEventKind::Destroyed,
];
/// Every Streams `ContactStateType` (`init`, `incoming`, `pending`, `connecting`, `connected`, `missed`, `error`,
/// `ended`, `rejected`, `paused`), plus nothing and garbage.
const STATES: [&str; 12] = [
    "incoming",
    "connecting",
    "connected",
    "ended",
    "missed",
    "",
    "weird\u{0}",
    "rejected",
    "error",
    "paused",
    "pending",
    "init",
];
/// `initiationMethod`s that leave a contact the bridge's to pop (`outbound` is covered by `inbound`).
const INITIATION_METHODS: [Option<&str>; 4] = [None, Some("transfer"), Some("callback"), Some("api")];
const CHANNELS: [&str; 5] = ["voice", "chat", "task", "queue_callback", "email"];

/// What the next page's storage holds after a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NextStorage {
    /// Everything the page before wrote.
    Intact,
    /// What was written before a write failed (possibly nothing), or nothing because storage is still blocked.
    Stale,
    /// Nothing, although every write of the page before succeeded (cleared, or blocked from this load on).
    Gone,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..IDS.len(), 0..KINDS.len(), 0..STATES.len(), 0..3usize, 0..CHANNELS.len(), 0..6usize, prop::bool::weighted(0.9))
            .prop_map(|(contact, kind, state, inbound, channel, attrs, snapshot)| Step::Event { contact, kind, state, inbound, channel, attrs, snapshot }),
        1 => Just(Step::Ready),
        1 => Just(Step::Unavailable),
        8 => (any::<usize>(), 0..11usize).prop_map(|(pick, outcome)| Step::Reply { pick, outcome }),
        1 => (any::<usize>(), 0..8usize).prop_map(|(pick, outcome)| Step::Stale { pick, outcome }),
        1 => (any::<u64>(), 0..8usize).prop_map(|(id, outcome)| Step::Unknown { id, outcome }),
        2 => prop_oneof![Just(0u64), 1..2_000u64, Just(12_000u64), Just(31_000u64), Just(600_000u64)].prop_map(|ms| Step::Advance { ms }),
        1 => prop_oneof![1_500..20_000u64, Just(31_000u64), Just(65_000u64)].prop_map(|ms| Step::Jump { ms }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, flip)| Step::Replay { pick, flip }),
        1 => any::<usize>().prop_map(|pick| Step::Close { pick }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, never_had)| Step::CloseAgain { pick, never_had }),
        1 => (any::<usize>(), any::<bool>(), any::<bool>()).prop_map(|(pick, focused, sample_spelling)| Step::Switch { pick, focused, sample_spelling }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, ok)| Step::Streams { pick, ok }),
        1 => Just(Step::Reload),
        1 => (1..29_000u64).prop_map(|delay_ms| Step::ReloadLate { delay_ms }),
        1 => Just(Step::StorageFails),
        1 => Just(Step::WriteFailsOnce),
        1 => Just(Step::ReloadRecovered),
        1 => any::<bool>().prop_map(|blocked| Step::ReloadStorageGone { blocked }),
    ]
}

fn attributes(choice: usize) -> Value {
    match choice {
        0 => common::seed_attributes(common::Scenario::Single),
        1 => common::seed_attributes(common::Scenario::Multi),
        2 => common::seed_attributes(common::Scenario::NoMatch),
        3 => {
            json!({"ms_contact_id": {"value": "bad"}, "LookupStatus": {"value": "SingleMatch"}, "CreateTimeline": {"value": "true"}, "ms_activity_id": {"value": "{x}"}})
        }
        4 => json!("garbage"),
        _ => json!({}),
    }
}

/// One session in the model of Dynamics.
#[derive(Debug, Clone)]
struct DynSession {
    id: String,
    /// The `contactId` template parameter it was created with.
    contact: Option<String>,
    open: bool,
    /// Tabs carried out in it (template and parameters), in the session focused when the call was sent.
    tabs: BTreeSet<String>,
    /// What `updateContext` wrote into its context.
    context: serde_json::Map<String, Value>,
    /// From when `getAllSessions` lists it (Dynamics' list lags a moment behind a new session), and until when
    /// it still lists it once closed.
    listed_from: Millis,
    listed_until: Option<Millis>,
}

/// The whole simulated world: the bridge (replaced on reload), Dynamics (the truth about sessions), the
/// commands the bridge issued, and the invariants' bookkeeping.
struct World {
    bridge: Bridge,
    /// The configuration every page load gets (`maxSessions` varies between cases).
    config: Config,
    now: Millis,
    /// Page loads so far (each has its own nonce).
    page: u64,
    /// CIF requests of the current page instance not answered yet: request → (contact, call).
    outstanding: BTreeMap<RequestId, (Option<ContactId>, CifCall)>,
    /// When each outstanding CIF request was sent, and the send order of `createSession`s.
    sent_at: BTreeMap<RequestId, Millis>,
    create_seq: BTreeMap<RequestId, u64>,
    next_seq: u64,
    /// The most recent `createSession` Dynamics carried out (focus follows send order).
    last_carried: u64,
    answered: Vec<RequestId>,
    /// How each answered request of this page was settled (the Replay step delivers it again).
    settled: BTreeMap<RequestId, (CifCall, CifOutcome)>,
    streams: Vec<RequestId>,
    /// What this page's storage holds (every slot as last written).
    stored: RestoredState,
    storage_ok: bool,
    /// The next write throws (once); whether one threw since the bridge was last told; whether what is stored
    /// is older than what the page knows (a write threw, and a page stops writing once told; a later page's
    /// first write of the contacts ends it).
    fail_next_write: bool,
    write_refused: bool,
    stopped_writing: bool,
    contacts_stale: bool,
    dynamics: Vec<DynSession>,
    /// `createSession`s of an earlier page that Dynamics carries out late: when, their send order and time, the
    /// call; and
    /// the delay the next reload gives them.
    late_creates: Vec<(Millis, u64, Millis, CifCall)>,
    /// The send order of `createSession`s a page sent after it gave up asking Dynamics which sessions exist
    /// (or for a contact re-offered after storage was lost): the documented limits, excused also when Dynamics
    /// carries them out late, after a reload.
    creates_past_reconciling: BTreeSet<u64>,
    defer_creates: Option<u64>,
    next_session: u64,
    /// Contact → live notification tokens; every token ever issued.
    live_tokens: BTreeMap<ContactId, BTreeSet<String>>,
    all_tokens: BTreeSet<String>,
    /// Released contacts, and when.
    forgotten: BTreeMap<ContactId, Millis>,
    /// Contacts whose session the agent closed (while storage works, never written to or created again).
    closed: BTreeSet<ContactId>,
    /// The session Dynamics has focused.
    focused: Option<String>,
    /// Last state delivered per contact (re-delivered as `Existing` after a reload).
    last_event: BTreeMap<usize, (usize, usize, usize, usize)>,
    ready: bool,
    /// From now on Dynamics answers every call the happy way (the liveness phase).
    behaved: bool,
    /// Sessions Dynamics named the contact of on this page, and whether the bridge gave up asking about the
    /// others: only then may it pop a contact whose session Dynamics would not name (a missing screen costs
    /// more than a second one).
    identified: BTreeSet<String>,
    unnamed_when_given_up: BTreeSet<String>,
    /// Whether the bridge gave up asking which sessions are open (storage is trusted then, and a page
    /// without storage pops rather than never).
    gave_up_reconciling: bool,
    /// Sessions whose tab record (`updateContext`) Dynamics refused and no later-sent write has carried yet
    /// (with the send order of the latest refused one); after a reload that lost storage their tabs may open
    /// again (the documented limit). An earlier write that lands late records less and excuses nothing.
    unrecorded: BTreeMap<String, u64>,
    /// Send order of each `updateContext` in flight on this page, and of the latest one carried out per session.
    write_seq: BTreeMap<RequestId, u64>,
    landed: BTreeMap<String, u64>,
    /// Sessions with a tab the page never heard back about (in flight at a reload, or CIF's time limit): storage
    /// holds it as requested, Dynamics' context only once a later page restored and recorded it, so a reload
    /// losing storage may open it again (the documented limit).
    unconfirmed_tabs: BTreeSet<String>,
    /// Whether a reload found storage gone or stale, and the contacts Streams destroyed
    /// since: one released before its page heard from Dynamics, then offered again under its id, is new to the
    /// page, which has neither the stored ids nor an answer yet (the documented limit).
    storage_lost: bool,
    released_after_storage_loss: BTreeSet<String>,
    tabs_excused: BTreeSet<String>,
    /// Contacts Streams destroyed (while the bridge held them), and on which page load: never delivered to a later one.
    destroyed: BTreeMap<usize, u64>,
    /// The session each tab call in flight was sent into (focused at the time).
    tab_target: BTreeMap<RequestId, Option<String>>,
    /// Each tab carried out, by the id Dynamics gives it ([`World::tab_id`]): its session and signature, so that
    /// `getTabs` lists it and `closeTab` removes it.
    tab_ids: BTreeMap<String, (String, String)>,
}

impl World {
    fn new(max_sessions: usize) -> World {
        let config = Config {
            max_sessions,
            ..Config::default()
        };
        World {
            bridge: Bridge::new(config.clone(), Millis(1_000)).with_page_nonce("p1"),
            config,
            now: Millis(1_000),
            page: 1,
            outstanding: BTreeMap::new(),
            sent_at: BTreeMap::new(),
            create_seq: BTreeMap::new(),
            next_seq: 1,
            last_carried: 0,
            answered: Vec::new(),
            settled: BTreeMap::new(),
            streams: Vec::new(),
            stored: RestoredState::default(),
            storage_ok: true,
            fail_next_write: false,
            write_refused: false,
            stopped_writing: false,
            contacts_stale: false,
            dynamics: Vec::new(),
            late_creates: Vec::new(),
            creates_past_reconciling: BTreeSet::new(),
            defer_creates: None,
            next_session: 1,
            live_tokens: BTreeMap::new(),
            all_tokens: BTreeSet::new(),
            forgotten: BTreeMap::new(),
            closed: BTreeSet::new(),
            focused: None,
            last_event: BTreeMap::new(),
            ready: false,
            behaved: false,
            identified: BTreeSet::new(),
            unnamed_when_given_up: BTreeSet::new(),
            gave_up_reconciling: false,
            unrecorded: BTreeMap::new(),
            write_seq: BTreeMap::new(),
            landed: BTreeMap::new(),
            unconfirmed_tabs: BTreeSet::new(),
            storage_lost: false,
            released_after_storage_loss: BTreeSet::new(),
            tabs_excused: BTreeSet::new(),
            destroyed: BTreeMap::new(),
            tab_target: BTreeMap::new(),
            tab_ids: BTreeMap::new(),
        }
    }

    fn open_session_of(&self, contact: &ContactId) -> Option<&DynSession> {
        self.dynamics
            .iter()
            .find(|s| s.open && s.contact.as_deref() == Some(contact.as_str()))
    }

    fn tab_signature(call: &CifCall) -> String {
        serde_json::to_string(call).unwrap()
    }

    /// Requests the core stopped waiting for without an answer are taken as dropped by Dynamics: never carried
    /// out, never answered. A stale answer to one (the Stale step) must still be harmless, since the shell
    /// delivers every settlement.
    fn drop_given_up(&mut self) {
        let given_up: Vec<RequestId> = self
            .outstanding
            .keys()
            .filter(|r| !self.bridge.awaits_reply(**r))
            .copied()
            .collect();
        for request in given_up {
            if let Some((_, CifCall::UpdateContext { session_id, .. })) = self.outstanding.remove(&request) {
                // Given up on without an answer: as good as refused.
                self.record_refused(request, session_id);
            }
            self.sent_at.remove(&request);
            self.answered.push(request);
        }
    }

    fn drain(&mut self) -> Result<(), TestCaseError> {
        self.drain_commands()?;
        while std::mem::take(&mut self.write_refused) {
            // The shell tells the bridge of the write that threw once it returns.
            self.bridge.handle_input(
                self.now,
                Input::StorageUnavailable {
                    reason: "QuotaExceededError".into(),
                },
            );
            self.drain_commands()?;
        }
        Ok(())
    }

    fn drain_commands(&mut self) -> Result<(), TestCaseError> {
        self.drop_given_up();
        while let Some(cmd) = self.bridge.poll_command() {
            match cmd {
                Command::Cif {
                    request,
                    contact,
                    correlation_id,
                    call,
                } => {
                    prop_assert!(!correlation_id.is_empty());
                    if let Some(c) = &contact {
                        prop_assert!(!self.forgotten.contains_key(c), "{call:?} for released contact {c}");
                        if matches!(
                            call,
                            CifCall::CreateSession { .. }
                                | CifCall::CreateTab { .. }
                                | CifCall::RenderSearchPage { .. }
                                | CifCall::UpdateContext { .. }
                        ) {
                            prop_assert!(!self.closed.contains(c), "{call:?} after the session of {c} closed");
                        }
                    }
                    let acts_on_focus = matches!(
                        call,
                        CifCall::CreateSession { .. } | CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }
                    );
                    if acts_on_focus {
                        // One pop at a time, each bounded (§3.15): a createSession or tab call of another contact
                        // younger than popTurnMs may still be carried out in the focused session.
                        for (r, (other, other_call)) in &self.outstanding {
                            let age = self.sent_at.get(r).map_or(u64::MAX, |t| self.now.since(*t));
                            let held = match other_call {
                                CifCall::CreateSession { .. } => age < POP_TURN_MS,
                                CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. } => {
                                    age < POP_TURN_MS
                                        && other.as_ref().is_some_and(|o| {
                                            !self.forgotten.contains_key(o) && !self.closed.contains(o)
                                        })
                                }
                                _ => false,
                            };
                            prop_assert!(
                                !(held && *other != contact),
                                "{call:?} for {contact:?} while {other_call:?} for {other:?} is under way{}",
                                trace_tail(&self.bridge, 40)
                            );
                        }
                    }
                    if matches!(call, CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }) {
                        let c = contact.clone().unwrap();
                        let session = self.bridge.session_of(c.as_str()).map(str::to_owned);
                        prop_assert!(
                            session.is_some() && session == self.focused,
                            "{call:?} for {c} in session {session:?} while {:?} is focused{}",
                            self.focused,
                            trace_tail(&self.bridge, 40)
                        );
                        let sig = World::tab_signature(&call);
                        let opened = self
                            .dynamics
                            .iter()
                            .any(|s| Some(&s.id) == session.as_ref() && s.tabs.contains(&sig));
                        // Excused: the tab record was refused (see `unrecorded`), or Dynamics would not say whose the
                        // session is (the bridge then adopts or pops without knowing which tabs it has).
                        let excused = session
                            .as_ref()
                            .is_some_and(|s| self.tabs_excused.contains(s) || self.unnamed_when_given_up.contains(s));
                        prop_assert!(
                            !opened || excused,
                            "the same tab twice in {session:?}: {call:?}{}\nDynamics: {:?}",
                            trace_tail(&self.bridge, 30),
                            self.dynamics
                        );
                    }
                    match &call {
                        CifCall::NotifyEvent { cancellation_token, .. } => {
                            let c = contact.clone().unwrap();
                            prop_assert!(
                                self.all_tokens.insert(cancellation_token.clone()),
                                "token {cancellation_token} used twice"
                            );
                            let live = self.live_tokens.entry(c.clone()).or_default();
                            prop_assert!(live.is_empty(), "second live notification for {c}: {live:?}");
                            live.insert(cancellation_token.clone());
                        }
                        CifCall::CancelEvent { cancellation_token } => {
                            for tokens in self.live_tokens.values_mut() {
                                tokens.remove(cancellation_token);
                            }
                        }
                        CifCall::CreateSession {
                            template_parameters, ..
                        } => {
                            let c = contact.clone().unwrap();
                            prop_assert_eq!(template_parameters.get("contactId"), Some(&json!(c.as_str())));
                            let reoffered = self.released_after_storage_loss.contains(c.as_str());
                            let excused = |s: &DynSession| {
                                self.gave_up_reconciling || self.unnamed_when_given_up.contains(&s.id) || reoffered
                            };
                            prop_assert!(
                                self.open_session_of(&c).map_or(true, excused),
                                "createSession for {c}, which has an open session in Dynamics{}",
                                trace_tail(&self.bridge, 40)
                            );
                            for (r, (other, other_call)) in &self.outstanding {
                                let age = self.sent_at.get(r).map_or(u64::MAX, |t| self.now.since(*t));
                                prop_assert!(
                                    !(matches!(other_call, CifCall::CreateSession { .. })
                                        && other.as_ref() == Some(&c)
                                        && age < ORPHAN_MS),
                                    "second createSession for {c} while the first may still be carried out"
                                );
                            }
                            if self.gave_up_reconciling || reoffered {
                                self.creates_past_reconciling.insert(self.next_seq);
                            }
                            self.create_seq.insert(request, self.next_seq);
                            self.next_seq += 1;
                        }
                        CifCall::CreateTab {
                            template_name,
                            template_parameters,
                            ..
                        } if template_name == "extn_entity_record" => {
                            let id = template_parameters.get("entityId").and_then(Value::as_str);
                            prop_assert!(
                                id.is_some_and(|id| Guid::parse(id).is_some_and(|g| g.as_str() == id)),
                                "record tab with entityId {id:?}"
                            );
                            let entity = template_parameters.get("entityName").and_then(Value::as_str);
                            prop_assert!(entity.is_some_and(|e| LogicalName::parse(e).is_some()));
                        }
                        _ => {}
                    }
                    if matches!(call, CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }) {
                        // Dynamics receives the call at once and opens the tab in the session focused then.
                        self.tab_target.insert(request, self.focused.clone());
                    }
                    if matches!(call, CifCall::UpdateContext { .. }) {
                        self.write_seq.insert(request, self.next_seq);
                        self.next_seq += 1;
                    }
                    self.outstanding.insert(request, (contact, call));
                    self.sent_at.insert(request, self.now);
                }
                Command::Streams { request, contact, .. } => {
                    if let Some(c) = &contact {
                        prop_assert!(!self.forgotten.contains_key(c), "Streams call for released contact {c}");
                    }
                    self.streams.push(request);
                }
                Command::Persist { slot, text } => {
                    prop_assert!(text.len() < 200_000);
                    if std::mem::take(&mut self.fail_next_write) {
                        // Told of it, the page writes nothing more: what is stored stays as it was.
                        self.write_refused = true;
                        self.stopped_writing = true;
                        self.contacts_stale = true;
                    } else if self.storage_ok {
                        // Writes of the same batch still land; only a later page's bring the store up to date.
                        if slot == PersistSlot::Contacts && !self.stopped_writing {
                            self.contacts_stale = false;
                        }
                        self.stored.store(slot, text);
                    }
                }
                Command::Report(r) => {
                    if r.code == "cif.getSession.failed" {
                        // Sessions Dynamics has not named by now may be popped over (answers after this are stale).
                        let unnamed: Vec<String> = self
                            .dynamics
                            .iter()
                            .filter(|s| s.open && !self.identified.contains(&s.id))
                            .map(|s| s.id.clone())
                            .collect();
                        self.unnamed_when_given_up.extend(unnamed);
                    }
                    if r.code == "cif.getAllSessions.failed" {
                        self.gave_up_reconciling = true;
                    }
                    for secret in ["5555550100", "Maria", "Campbell"] {
                        prop_assert!(!r.message.contains(secret), "personal data in report: {}", r.message);
                    }
                }
                Command::Leadership(call) => {
                    prop_assert!(false, "leadership is only sought once the agent is known: {call:?}");
                }
                // What the agent is looking at, shown on the status line: no personal data beyond an initial.
                Command::Status(view) => {
                    let shown = format!("{view:?}");
                    for secret in ["5555550100", "Maria", "Campbell"] {
                        prop_assert!(!shown.contains(secret), "personal data on the status line: {shown}");
                    }
                }
                Command::Startup(_) | Command::ShowError { .. } => {
                    prop_assert!(false, "the page's start-up is not run in this model: {cmd:?}");
                }
            }
        }
        Ok(())
    }

    /// Dynamics carries out a `createSession`: a session with the contact id, focused unless a later one was
    /// carried out already.
    fn carry_out_create(&mut self, request: RequestId, call: &CifCall) -> String {
        let seq = self.create_seq.get(&request).copied().unwrap_or(0);
        let sent = self.sent_at.get(&request).copied().unwrap_or(self.now);
        self.carry_out_create_sent(seq, sent, call)
    }

    fn carry_out_create_sent(&mut self, seq: u64, sent: Millis, call: &CifCall) -> String {
        let s = format!("session-{}", self.next_session);
        self.next_session += 1;
        let contact = match call {
            CifCall::CreateSession {
                template_parameters, ..
            } => template_parameters
                .get("contactId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        if seq >= self.last_carried {
            self.last_carried = seq;
            self.focused = Some(s.clone());
        }
        self.dynamics.push(DynSession {
            id: s.clone(),
            contact,
            open: true,
            tabs: BTreeSet::new(),
            context: serde_json::Map::new(),
            listed_from: self.now.plus(LIST_LAG_MS).min(sent.plus(ORPHAN_MS)).max(self.now),
            listed_until: None,
        });
        s
    }

    /// Dynamics carries out a tab call in the session that was focused when it was sent.
    fn carry_out_tab(&mut self, request: RequestId, call: &CifCall) {
        let sig = World::tab_signature(call);
        let target = self.tab_target.remove(&request).flatten();
        if let Some(s) = self.dynamics.iter_mut().find(|s| Some(&s.id) == target.as_ref()) {
            s.tabs.insert(sig.clone());
            self.tab_ids.insert(World::tab_id(request), (s.id.clone(), sig));
        }
    }

    /// The id Dynamics gives the tab that `request` opens: unique, as a real tab id is.
    fn tab_id(request: RequestId) -> String {
        format!("tab-{}-{}", request.0, request.0.wrapping_mul(2_654_435_761) % 997)
    }

    /// Dynamics refused (or never answered) the tab record `request` for `session_id`.
    fn record_refused(&mut self, request: RequestId, session_id: String) {
        let seq = self.write_seq.get(&request).copied().unwrap_or(0);
        if self.landed.get(&session_id).is_some_and(|landed| *landed > seq) {
            // A later write, holding everything this one did, was carried out already.
            return;
        }
        let latest = self.unrecorded.entry(session_id).or_insert(seq);
        *latest = (*latest).max(seq);
    }

    /// Dynamics carried out the tab record `request`: its keys land in the session's context, and it makes up
    /// for refused writes sent before it (it holds everything they did).
    fn record_written(&mut self, request: RequestId, session_id: &str, input: &Map<String, Value>) {
        let seq = self.write_seq.get(&request).copied().unwrap_or(u64::MAX);
        if self.unrecorded.get(session_id).is_some_and(|refused| *refused < seq) {
            self.unrecorded.remove(session_id);
        }
        let landed = self.landed.entry(session_id.to_owned()).or_insert(seq);
        *landed = (*landed).max(seq);
        if let Some(s) = self.dynamics.iter_mut().find(|s| s.id == session_id) {
            for (k, v) in input {
                s.context.insert(k.clone(), v.clone());
            }
        }
    }

    fn outcome(&mut self, request: RequestId, call: &CifCall, choice: usize) -> CifOutcome {
        let rejected = |m: &str| CifOutcome::Rejected(json!(format!("{{\"message\":\"{m}\",\"msdyn_name\":\"X\"}}")));
        let time_limit = || {
            // As the CIF library delivers it: a Map, which the shell converts to an object.
            CifOutcome::Rejected(
                json!({"message": "Timeout occurred as no response was received from listener window", "msdyn_name": "X"}),
            )
        };
        let choice = if self.behaved { 0 } else { choice };
        let age = self.sent_at.get(&request).map_or(0, |t| self.now.since(*t));
        match (call, choice) {
            // Dynamics acts within sessionOrphanMs or never.
            (CifCall::CreateSession { .. }, _) if age >= ORPHAN_MS => time_limit(),
            (CifCall::CreateSession { .. }, 8) => {
                // CIF gave up, Dynamics went on: a late session.
                self.carry_out_create(request, call);
                time_limit()
            }
            (CifCall::CreateSession { .. }, 9) => time_limit(),
            (CifCall::CreateSession { .. }, 10) => {
                // Sent and carried out, but what CIF returned cannot be read: the page never gets the answer.
                self.carry_out_create(request, call);
                CifOutcome::Unreadable("then refused".into())
            }
            (CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }, 10) => {
                if let Some(Some(session)) = self.tab_target.get(&request) {
                    self.unconfirmed_tabs.insert(session.clone());
                }
                self.carry_out_tab(request, call);
                CifOutcome::Unreadable("then refused".into())
            }
            (CifCall::UpdateContext { session_id, .. }, 10) => {
                // Sent, not carried out, and the page never learns which: as refused (the documented limit).
                self.record_refused(request, session_id.clone());
                CifOutcome::Unreadable("then refused".into())
            }
            (_, 10) => CifOutcome::Unreadable("then refused".into()),
            (CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }, 8) => {
                // Opened, but the page is told CIF's time limit: it never knows.
                if let Some(Some(session)) = self.tab_target.get(&request) {
                    self.unconfirmed_tabs.insert(session.clone());
                }
                self.carry_out_tab(request, call);
                time_limit()
            }
            (CifCall::GetSession { .. }, 4..) => rejected("RejectAfterClientError"),
            (CifCall::GetSession { session_id }, 0..=3) => {
                match self.dynamics.iter().find(|s| s.id == *session_id && s.open) {
                    Some(s) => {
                        self.identified.insert(s.id.clone());
                        let mut context = s.context.clone();
                        let params = json!({"contactId": s.contact});
                        let focused = self.focused.as_ref() == Some(&s.id);
                        CifOutcome::Resolved(match choice {
                            0 => {
                                context.insert("templateParameters".into(), params);
                                json!({"sessionId": s.id, "context": context, "isFocused": focused})
                            }
                            1 => {
                                context.insert("contactId".into(), json!(s.contact));
                                json!(json!({"sessionId": s.id, "context": json!(context).to_string()}).to_string())
                            }
                            3 => {
                                // The host's raw message: the session under `value`, the parameter as `{value}`.
                                context.insert("templateParameters".into(), json!({"contactId": {"value": s.contact}}));
                                json!({"value": {"sessionId": s.id, "context": context, "focused": focused}})
                            }
                            _ => {
                                context.insert("templateParameters".into(), json!(params.to_string()));
                                json!({"sessionId": s.id, "context": context})
                            }
                        })
                    }
                    None => rejected("RejectAfterClientError"),
                }
            }
            (CifCall::UpdateContext { session_id, .. }, 5..) => {
                self.record_refused(request, session_id.clone());
                rejected("RejectAfterClientError")
            }
            (CifCall::UpdateContext { session_id, input }, 0..=4) => {
                self.record_written(request, session_id, input);
                CifOutcome::Resolved(json!("ok"))
            }
            (_, 8 | 9) => time_limit(),
            (_, 6) => CifOutcome::Threw("Microsoft is not defined".into()),
            (_, 7) => CifOutcome::Resolved(json!({"garbage": [1, {"x": null}]})),
            (CifCall::NotifyEvent { .. }, 0 | 1) => CifOutcome::Resolved(json!("{\"actionName\":\"Accept\"}")),
            (CifCall::NotifyEvent { .. }, 2) => CifOutcome::Resolved(json!({"value": {"actionName": "Reject"}})),
            (CifCall::NotifyEvent { .. }, 3) => CifOutcome::Resolved(json!({"actionName": "Timeout"})),
            (CifCall::NotifyEvent { .. } | CifCall::CreateSession { .. }, 4) => {
                rejected("NotificationTemplateNotFoundError")
            }
            (CifCall::CanCreateSession, 0..=2) => CifOutcome::Resolved(json!(true)),
            (CifCall::CanCreateSession, 3) => CifOutcome::Resolved(json!("false")),
            (CifCall::CreateSession { .. }, 0..=3) => {
                let s = self.carry_out_create(request, call);
                CifOutcome::Resolved(json!(s))
            }
            (CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }, 0..=4) => {
                self.carry_out_tab(request, call);
                CifOutcome::Resolved(json!(World::tab_id(request)))
            }
            (CifCall::CloseTab { tab_id }, 0..=4) => {
                if let Some((session, sig)) = self.tab_ids.remove(tab_id) {
                    if let Some(s) = self.dynamics.iter_mut().find(|s| s.id == session) {
                        s.tabs.remove(&sig);
                    }
                }
                CifOutcome::Resolved(json!("ok"))
            }
            (CifCall::GetAllSessions, 4) => {
                // A list that lags behind: a session created a moment ago is missing, one closed a moment ago is
                // still there.
                let now = self.now;
                let listed: Vec<&String> = self
                    .dynamics
                    .iter()
                    .filter(|s| {
                        if s.open {
                            s.listed_from <= now
                        } else {
                            s.listed_until.is_some_and(|t| now < t)
                        }
                    })
                    .map(|s| &s.id)
                    .collect();
                CifOutcome::Resolved(json!(listed))
            }
            (CifCall::GetAllSessions, 0..=3) => {
                let open: Vec<&String> = self.dynamics.iter().filter(|s| s.open).map(|s| &s.id).collect();
                CifOutcome::Resolved(match choice {
                    0 => json!(serde_json::to_string(&open).unwrap()),
                    1 => json!(open),
                    _ => json!({"value": open}),
                })
            }
            (CifCall::GetTabs { template_name }, 0..=4) => {
                // The ids of that template's tabs in the focused session.
                let template = format!("\"template_name\":{}", json!(template_name));
                let listed: Vec<&String> = self
                    .tab_ids
                    .iter()
                    .filter(|(_, (session, sig))| Some(session) == self.focused.as_ref() && sig.contains(&template))
                    .map(|(id, _)| id)
                    .collect();
                CifOutcome::Resolved(json!(listed))
            }
            (_, 5) => rejected("RejectAfterClientError"),
            _ => CifOutcome::Resolved(json!("ok")),
        }
    }

    fn settle(&mut self, request: RequestId, contact: Option<ContactId>, call: CifCall, outcome: CifOutcome) {
        self.sent_at.remove(&request);
        let time_limit = matches!(&outcome, CifOutcome::Rejected(v) if v.get("message").is_some_and(|m| m.as_str().is_some_and(|t| t.contains("Timeout occurred"))));
        if time_limit || matches!(outcome, CifOutcome::Unreadable(_)) {
            // A settled promise never settles again: no stale replay of it.
            self.answered.retain(|r| *r != request);
        } else {
            self.settled.insert(request, (call.clone(), outcome.clone()));
        }
        if let (Some(c), CifCall::NotifyEvent { cancellation_token, .. }) = (&contact, &call) {
            if let Some(t) = self.live_tokens.get_mut(c) {
                t.remove(cancellation_token);
            }
        }
        self.bridge
            .handle_input(self.now, Input::CifReply(CifReply { request, outcome }));
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        contact: usize,
        kind: ContactEventKind,
        state: usize,
        inbound: usize,
        channel: usize,
        attrs: usize,
        with_snapshot: bool,
    ) {
        if self.destroyed.get(&contact).is_some_and(|page| *page != self.page) {
            // Streams never delivers a destroyed contact to a later page load (late repeats reach only the page
            // that saw it go).
            return;
        }
        let id = IDS[contact];
        let snapshot = with_snapshot.then(|| ContactSnapshot {
            channel: CHANNELS[channel].into(),
            state: STATES[state].into(),
            inbound: [Some(true), Some(false), None][inbound],
            // How Streams says the contact began, where it changes a decision short of never popping (a transfer's
            // activity gets no duration): none, a transfer, a queue callback's, an API-started contact's.
            initiation_method: INITIATION_METHODS[(attrs + inbound) % INITIATION_METHODS.len()].map(str::to_owned),
            queue_name: Some("Q".into()),
            phone_number: Some(common::PHONE.into()),
            customer_name: None,
            attributes: attributes(attrs),
            ..Default::default()
        });
        let known = self.bridge.contact_state(id).is_some();
        self.bridge.handle_input(
            self.now,
            Input::Contact(ContactEvent {
                contact_id: id.into(),
                kind,
                snapshot,
            }),
        );
        let cid = ContactId::parse(id).unwrap();
        if let Some(released_at) = self.forgotten.get(&cid).copied() {
            if self.bridge.contact_state(id).is_some() {
                // Taken as a new offer of a released contact (Connect re-queues a missed one under its id): not
                // moments after it went (a late repeat of that offer). The invariants above still hold for it:
                // no second session, whatever Dynamics holds.
                let rings = with_snapshot && ["init", "incoming", "pending", "connecting"].contains(&STATES[state]);
                assert!(
                    self.now.since(released_at) >= 5_000 || rings,
                    "{id} revived {} ms after its release by an event that does not ring",
                    self.now.since(released_at)
                );
                self.forgotten.remove(&cid);
                self.destroyed.remove(&contact);
            }
        }
        if kind == ContactEventKind::Destroyed {
            self.last_event.remove(&contact);
            if known {
                self.destroyed.insert(contact, self.page);
                // Commands emitted while handling the destroy itself (the cancel) are allowed: drain first.
                let _ = self.drain();
                self.forgotten.insert(ContactId::parse(id).unwrap(), self.now);
            }
        } else if with_snapshot && !self.destroyed.contains_key(&contact) {
            // Streams may repeat events of a destroyed contact on this page, but a reloaded page's snapshot
            // no longer holds it.
            self.last_event.insert(contact, (state, inbound, channel, attrs));
        }
    }

    fn advance(&mut self, ms: u64) -> Result<(), TestCaseError> {
        let end = self.now.plus(ms);
        loop {
            let late = self.late_creates.iter().map(|l| l.0).min();
            match (self.bridge.poll_timeout(), late) {
                (_, Some(due)) if due <= end && self.bridge.poll_timeout().map_or(true, |t| due <= t) => {
                    self.now = self.now.max(due);
                    self.carry_out_late(due)?;
                }
                (Some(t), _) if t <= end => {
                    self.now = self.now.max(t);
                    self.bridge.handle_timeout(self.now);
                    self.drain()?;
                }
                _ => break,
            }
        }
        self.now = end;
        Ok(())
    }

    /// Dynamics carries out an earlier page's `createSession`s due by `upto`, and tells the page of the focus
    /// they take. A contact given another session meanwhile has two.
    fn carry_out_late(&mut self, upto: Millis) -> Result<(), TestCaseError> {
        let mut due: Vec<(Millis, u64, Millis, CifCall)> = Vec::new();
        self.late_creates.retain(|l| {
            if l.0 <= upto {
                due.push(l.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|l| (l.0, l.1));
        for (_, seq, sent, call) in due {
            let contact = params_contact(&call);
            if let Some(c) = contact.as_deref().and_then(ContactId::parse) {
                let reoffered = self.released_after_storage_loss.contains(c.as_str());
                let past_reconciling = self.creates_past_reconciling.contains(&seq);
                let excused = |s: &DynSession| {
                    self.gave_up_reconciling
                        || self.unnamed_when_given_up.contains(&s.id)
                        || reoffered
                        || past_reconciling
                };
                prop_assert!(
                    self.open_session_of(&c).map_or(true, excused),
                    "the earlier page's createSession for {c} carried out late, and it has a session already{}",
                    trace_tail(&self.bridge, 40)
                );
            }
            let before = self.focused.clone();
            let sid = self.carry_out_create_sent(seq, sent, &call);
            if self.focused.as_deref() == Some(sid.as_str()) && before.as_deref() != Some(sid.as_str()) {
                self.bridge.handle_input(
                    self.now,
                    Input::Dynamics(DynamicsEvent {
                        handler: DynamicsHandler::SessionSwitched,
                        payload: json!({"sessionId": sid, "focused": true}),
                    }),
                );
            }
            self.drain()?;
        }
        Ok(())
    }

    /// A throttled page: no timer fires for `ms`, then every one due fires at once, at the late time.
    fn jump(&mut self, ms: u64) -> Result<(), TestCaseError> {
        self.now = self.now.plus(ms);
        self.carry_out_late(self.now)?;
        for _ in 0..1_000 {
            match self.bridge.poll_timeout() {
                Some(t) if t <= self.now => {
                    self.bridge.handle_timeout(self.now);
                    self.drain()?;
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// The other way a settled call could have gone, for a host that settles twice: a resolve where it was
    /// rejected (a session that Dynamics never created, for a `createSession`), a rejection where it resolved.
    fn opposite(call: &CifCall, outcome: &CifOutcome) -> CifOutcome {
        match outcome {
            CifOutcome::Resolved(_) => {
                CifOutcome::Rejected(json!({"message": "RejectAfterClientError", "msdyn_name": call.method_name()}))
            }
            CifOutcome::Rejected(_) | CifOutcome::Threw(_) | CifOutcome::Unreadable(_) => {
                CifOutcome::Resolved(match call {
                    CifCall::NotifyEvent { .. } => json!("{\"actionName\":\"Accept\"}"),
                    CifCall::CreateSession { .. } => json!("session-ghost"),
                    CifCall::GetAllSessions => json!(["session-ghost"]),
                    CifCall::GetSession { session_id } => {
                        json!({"sessionId": session_id, "context": {"templateParameters": {"contactId": IDS[1]}}})
                    }
                    _ => json!(true),
                })
            }
        }
    }

    fn reply(&mut self, request: RequestId, choice: usize) {
        if let Some((contact, call)) = self.outstanding.remove(&request) {
            let o = self.outcome(request, &call, choice);
            self.answered.push(request);
            self.settle(request, contact, call, o);
        }
    }

    fn run(&mut self, s: Step) -> Result<(), TestCaseError> {
        match s {
            Step::Event {
                contact,
                kind,
                state,
                inbound,
                channel,
                attrs,
                snapshot,
            } => {
                if KINDS[kind] == ContactEventKind::Destroyed && self.storage_lost {
                    self.released_after_storage_loss.insert(IDS[contact].to_owned());
                }
                self.event(contact, KINDS[kind], state, inbound, channel, attrs, snapshot);
            }
            Step::Ready => {
                self.ready = true;
                self.bridge.handle_input(self.now, Input::Cif(CifAvailability::Ready));
            }
            Step::Unavailable => {
                self.bridge.handle_input(
                    self.now,
                    Input::Cif(CifAvailability::Unavailable { reason: "x".into() }),
                );
            }
            Step::Reply { pick, outcome } => {
                if !self.outstanding.is_empty() {
                    let request = *self.outstanding.keys().nth(pick % self.outstanding.len()).unwrap();
                    self.reply(request, outcome);
                }
            }
            Step::Stale { pick, outcome } => {
                if !self.answered.is_empty() {
                    let request = self.answered[pick % self.answered.len()];
                    let o = self.outcome(request, &CifCall::CanCreateSession, outcome);
                    self.bridge
                        .handle_input(self.now, Input::CifReply(CifReply { request, outcome: o }));
                }
            }
            Step::Unknown { id, outcome } => {
                let o = self.outcome(RequestId(0), &CifCall::GetAllSessions, outcome);
                self.bridge.handle_input(
                    self.now,
                    Input::CifReply(CifReply {
                        request: RequestId(id | (1 << 40)),
                        outcome: o,
                    }),
                );
            }
            Step::Advance { ms } => self.advance(ms)?,
            Step::Jump { ms } => self.jump(ms)?,
            Step::Replay { pick, flip } => {
                if !self.settled.is_empty() {
                    let (request, (call, outcome)) = self
                        .settled
                        .iter()
                        .nth(pick % self.settled.len())
                        .map(|(r, o)| (*r, o.clone()))
                        .unwrap();
                    let outcome = if flip {
                        World::opposite(&call, &outcome)
                    } else {
                        outcome
                    };
                    self.bridge
                        .handle_input(self.now, Input::CifReply(CifReply { request, outcome }));
                }
            }
            Step::CloseAgain { pick, never_had } => {
                let closed: Vec<String> = self.dynamics.iter().filter(|s| !s.open).map(|s| s.id.clone()).collect();
                let sid = if never_had || closed.is_empty() {
                    format!("session-never-{}", pick % 3)
                } else {
                    closed[pick % closed.len()].clone()
                };
                self.bridge.handle_input(
                    self.now,
                    Input::Dynamics(DynamicsEvent {
                        handler: DynamicsHandler::SessionClosed,
                        payload: json!({ "sessionId": sid }),
                    }),
                );
            }
            Step::Close { pick } => {
                let open: Vec<String> = self.dynamics.iter().filter(|s| s.open).map(|s| s.id.clone()).collect();
                if !open.is_empty() {
                    let sid = open[pick % open.len()].clone();
                    if self.focused.as_deref() == Some(sid.as_str()) {
                        self.focused = None;
                    }
                    let now = self.now;
                    for s in self.dynamics.iter_mut().filter(|s| s.id == sid) {
                        s.open = false;
                        s.listed_until = Some(now.plus(LIST_LAG_MS));
                    }
                    for id in IDS {
                        let Some(contact) = ContactId::parse(id) else {
                            continue;
                        };
                        // A contact with another session still open in Dynamics (a second one, made while Dynamics
                        // could not list its sessions) is not done with: that one becomes its session
                        // (`adopt_session`), and calls for it go there, never to the session closed.
                        if self.bridge.session_of(id) == Some(sid.as_str()) && self.open_session_of(&contact).is_none()
                        {
                            self.closed.insert(contact);
                        }
                    }
                    self.bridge.handle_input(
                        self.now,
                        Input::Dynamics(DynamicsEvent {
                            handler: DynamicsHandler::SessionClosed,
                            payload: json!(format!("{{\"sessionId\":\"{sid}\"}}")),
                        }),
                    );
                }
            }
            Step::Switch {
                pick,
                focused,
                sample_spelling,
            } => {
                let open: Vec<String> = self.dynamics.iter().filter(|s| s.open).map(|s| s.id.clone()).collect();
                let sid = open.get(pick % open.len().max(1)).cloned().unwrap_or_default();
                if !sid.is_empty() {
                    if focused {
                        self.focused = Some(sid.clone());
                    } else if self.focused.as_deref() == Some(sid.as_str()) {
                        self.focused = None;
                    }
                }
                self.bridge.handle_input(
                    self.now,
                    Input::Dynamics(DynamicsEvent {
                        handler: DynamicsHandler::SessionSwitched,
                        payload: if sample_spelling {
                            json!({"sessionId": sid, "focused": focused})
                        } else {
                            json!({"sessionId": sid, "focussed": focused})
                        },
                    }),
                );
            }
            Step::Streams { pick, ok } => {
                if !self.streams.is_empty() {
                    let request = self.streams[pick % self.streams.len()];
                    let outcome = if ok { Ok(()) } else { Err("InvalidState".into()) };
                    self.bridge
                        .handle_input(self.now, Input::StreamsReply(StreamsReply { request, outcome }));
                }
            }
            Step::StorageFails => {
                // A later write fails (or storage is blocked from now on): what is stored stays stale.
                self.storage_ok = false;
                self.bridge.handle_input(
                    self.now,
                    Input::StorageUnavailable {
                        reason: "QuotaExceededError".into(),
                    },
                );
            }
            Step::WriteFailsOnce => self.fail_next_write = true,
            Step::ReloadLate { delay_ms } => {
                self.defer_creates = Some(delay_ms);
                return self.run(Step::Reload);
            }
            Step::Reload => {
                if self.storage_ok && self.contacts_stale {
                    // A write that threw left the stored contacts behind: excused as for a storage that recovered.
                    self.live_tokens.clear();
                    self.closed.clear();
                    self.forgotten.clear();
                }
                self.reload(if self.storage_ok && !self.contacts_stale {
                    NextStorage::Intact
                } else {
                    NextStorage::Stale
                })
            }
            Step::ReloadRecovered => {
                let next = if self.storage_ok && !self.contacts_stale {
                    NextStorage::Intact
                } else {
                    NextStorage::Stale
                };
                if !self.storage_ok || self.contacts_stale {
                    // What storage lost stays excused as for a blocked storage: toasts that cannot be withdrawn,
                    // sessions closed before the reload.
                    self.storage_ok = true;
                    self.live_tokens.clear();
                    self.closed.clear();
                    self.forgotten.clear();
                }
                self.reload(next);
            }
            Step::ReloadStorageGone { blocked } => {
                // What only the page knew is gone, as for a blocked storage: toasts that cannot be withdrawn,
                // released contacts, sessions closed before the reload. Tabs are not excused.
                self.live_tokens.clear();
                self.closed.clear();
                self.forgotten.clear();
                self.stored = RestoredState::default();
                self.contacts_stale = false;
                self.storage_lost = true;
                if blocked {
                    self.storage_ok = false;
                }
                self.reload(NextStorage::Gone);
            }
        }
        self.drain()
    }

    /// The page reloads: promises in flight die with it, but Dynamics carries out what it was sent (a
    /// `createSession` or tab among them); Streams re-delivers the live contacts. What the next page's storage
    /// holds decides what is excused: a tab record Dynamics refused when it is stale or gone, and when it is gone,
    /// a tab carried out at a reload and recorded nowhere since (see `unconfirmed_tabs`).
    fn reload(&mut self, next: NextStorage) {
        let in_flight: Vec<(RequestId, (Option<ContactId>, CifCall))> =
            std::mem::take(&mut self.outstanding).into_iter().collect();
        let mut creates: Vec<(u64, RequestId, CifCall)> = Vec::new();
        for (request, (contact, call)) in in_flight {
            match &call {
                CifCall::CreateSession { .. } => {
                    let age = self.sent_at.get(&request).map_or(0, |t| self.now.since(*t));
                    if age < ORPHAN_MS {
                        creates.push((self.create_seq.get(&request).copied().unwrap_or(0), request, call));
                    }
                }
                CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. } => {
                    let _ = contact;
                    if let Some(Some(session)) = self.tab_target.get(&request) {
                        self.unconfirmed_tabs.insert(session.clone());
                    }
                    self.carry_out_tab(request, &call);
                }
                CifCall::UpdateContext { session_id, input } => {
                    self.record_written(request, session_id, input);
                }
                _ => {}
            }
        }
        creates.sort_by_key(|(seq, _, _)| *seq);
        let defer = self.defer_creates.take().filter(|_| next == NextStorage::Intact);
        if next != NextStorage::Intact {
            // A page that cannot read what was in flight finds it done, as for its own calls above (the limit).
            let late: Vec<(Millis, u64, Millis, CifCall)> = std::mem::take(&mut self.late_creates);
            for (_, seq, sent, call) in late {
                self.carry_out_create_sent(seq, sent, &call);
            }
        }
        for (seq, request, call) in creates {
            match defer {
                Some(delay) => {
                    let sent = self.sent_at.get(&request).copied().unwrap_or(self.now);
                    let due = self.now.plus(delay).min(sent.plus(ORPHAN_MS - 1)).max(self.now);
                    self.late_creates.push((due, seq, sent, call));
                }
                None => {
                    self.carry_out_create(request, &call);
                }
            }
        }
        self.page += 1;
        if next != NextStorage::Intact {
            // Stale storage (what a refused write left, possibly nothing) does not say which contacts the page
            // before released either: the same stated limit as storage found empty (README, "Limits").
            self.storage_lost = true;
        }
        if next == NextStorage::Gone {
            self.tabs_excused.extend(self.unconfirmed_tabs.iter().cloned());
        }
        if next != NextStorage::Intact {
            self.tabs_excused
                .extend(std::mem::take(&mut self.unrecorded).into_keys());
        }
        self.write_seq.clear();
        self.identified.clear();
        self.unnamed_when_given_up.clear();
        self.gave_up_reconciling = false;
        self.bridge = Bridge::new(self.config.clone(), self.now).with_page_nonce(&format!("p{}", self.page));
        self.sent_at.clear();
        self.create_seq.clear();
        self.answered.clear();
        self.settled.clear();
        self.stopped_writing = false;
        self.streams.clear();
        // A reload takes longer than Dynamics' list lags behind.
        let now = self.now;
        for s in &mut self.dynamics {
            s.listed_from = s.listed_from.min(now);
            s.listed_until = s.listed_until.map(|t| t.min(now));
        }
        // The new page's tokens can be no older toast's: the old toasts time out or are withdrawn.
        if self.storage_ok {
            if !self.stored.is_empty() {
                self.bridge.handle_input(self.now, Input::Restore(self.stored.clone()));
            }
        } else {
            // Storage throws on this page too: there is nothing to restore, the page says so. What only the page
            // knew is gone with it (which contacts it released, which sessions the agent closed: Dynamics lists
            // open sessions only), so a contact Streams still delivers is a new contact to this page.
            self.live_tokens.clear();
            self.forgotten.clear();
            self.closed.clear();
            self.bridge.handle_input(
                self.now,
                Input::StorageUnavailable {
                    reason: "SecurityError".into(),
                },
            );
        }
        let live: Vec<(usize, (usize, usize, usize, usize))> = self.last_event.iter().map(|(k, v)| (*k, *v)).collect();
        let mut listed = Vec::new();
        for (contact, (state, inbound, channel, attrs)) in live {
            if self.destroyed.get(&contact).map_or(true, |page| *page == self.page) {
                listed.push(IDS[contact].to_owned());
            }
            self.event(
                contact,
                ContactEventKind::Existing,
                state,
                inbound,
                channel,
                attrs,
                true,
            );
        }
        // Every other load reads Connect's list whole (the shell sends none when an id cannot be read): both the
        // list and the grace release restored contacts that are gone.
        if self.page % 2 == 0 {
            self.bridge
                .handle_input(self.now, Input::ConnectListed { contact_ids: listed });
        }
        if self.ready {
            self.bridge.handle_input(self.now, Input::Cif(CifAvailability::Ready));
        }
    }

    /// Liveness: Dynamics and Streams behave from now on and time passes; every contact that was connected
    /// must end popped, closed, declined or reported to the agent, and no request may stay waiting.
    /// Answers what CIF calls are outstanding (at most 50 at a time: answers may lead to more calls).
    fn answer_outstanding(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..50 {
            let Some(r) = self.outstanding.keys().next().copied() else {
                break;
            };
            self.reply(r, 0);
            self.drain()?;
        }
        Ok(())
    }

    fn quiesce_and_check_liveness(&mut self) -> Result<(), TestCaseError> {
        self.behaved = true;
        if !self.ready {
            self.run(Step::Ready)?;
        }
        for _ in 0..300 {
            // Every answer arrives within a second: Dynamics is well now.
            self.answer_outstanding()?;
            for r in std::mem::take(&mut self.streams) {
                self.bridge.handle_input(
                    self.now,
                    Input::StreamsReply(StreamsReply {
                        request: r,
                        outcome: Ok(()),
                    }),
                );
                self.drain()?;
            }
            // The agent looks at each open session in turn, as an agent working through deferred tabs would.
            let open = self.dynamics.iter().filter(|s| s.open).count();
            for pick in 0..open {
                self.run(Step::Switch {
                    pick,
                    focused: true,
                    sample_spelling: pick % 2 == 0,
                })?;
            }
            self.advance(1_000)?;
        }
        for id in IDS {
            let Some(state) = self.bridge.contact_state(id) else {
                continue;
            };
            if self.bridge.was_connected(id) != Some(true) {
                continue;
            }
            // Full in Dynamics, not only in the page's count: a session counted that Dynamics no longer has open
            // would hold a contact back for good.
            let open_in_dynamics = self.dynamics.iter().filter(|s| s.open).count();
            let full =
                self.bridge.open_sessions() >= self.config.max_sessions && open_in_dynamics >= self.config.max_sessions;
            prop_assert!(
                matches!(state, "Popped" | "SessionClosed" | "Declined" | "Failed")
                    || (state == "WaitingForCapacity" && full),
                "liveness: connected contact {id} left in {state}; counts {:?}; trace tail {}",
                self.bridge.debug_counts(),
                trace_tail(&self.bridge, 400)
            );
        }
        let counts = self.bridge.debug_counts();
        prop_assert_eq!(counts.orphan_due, 0, "{:?}", counts);
        prop_assert_eq!(counts.turn_released, 0, "{:?}", counts);
        // Connect destroys every contact; Dynamics keeps answering and time passes: nothing per contact stays.
        for (contact, id) in IDS.iter().enumerate() {
            if self.bridge.contact_state(id).is_some() {
                self.event(contact, ContactEventKind::Destroyed, 0, 0, 0, 0, false);
                self.drain()?;
            }
        }
        for _ in 0..70 {
            self.answer_outstanding()?;
            self.advance(2_000)?;
        }
        let counts = self.bridge.debug_counts();
        prop_assert_eq!(counts.contacts, 0, "{:?}", counts);
        prop_assert_eq!(counts.cif_pending, 0, "{:?}{}", counts, trace_tail(&self.bridge, 30));
        prop_assert_eq!(counts.retries, 0, "{:?}", counts);
        prop_assert_eq!(counts.streams_pending, 0, "{:?}", counts);
        prop_assert_eq!(counts.orphan_due, 0, "{:?}", counts);
        prop_assert_eq!(counts.held_activity_ends, 0, "{:?}", counts);
        let open_in_dynamics = self.dynamics.iter().filter(|s| s.open).count();
        prop_assert!(counts.dynamics_owners <= open_in_dynamics, "{:?}", counts);
        Ok(())
    }
}

/// The last `n` trace lines, one per line, for a failing property's message.
fn trace_tail(bridge: &Bridge, n: usize) -> String {
    let trace: Vec<Value> = serde_json::from_str(&bridge.export_trace()).unwrap_or_default();
    let start = trace.len().saturating_sub(n);
    trace[start..]
        .iter()
        .map(|e| format!("\n  {} {} {} {}", e["at"], e["contact"], e["kind"], e["detail"]))
        .collect()
}

/// The random interleavings run from a fixed seed unless `PROPTEST_RNG_SEED` is set, so `scripts/test.sh` (and CI)
/// checks the same 10,000 cases every time; explore new ones with e.g. `PROPTEST_RNG_SEED=$RANDOM
/// PROPTEST_CASES=30000 cargo test -p bridge-core --test properties` (see docs/architecture.md).
fn interleavings_config() -> ProptestConfig {
    let base = ProptestConfig::default();
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        base.rng_seed
    } else {
        proptest::test_runner::RngSeed::Fixed(20_261_201)
    };
    ProptestConfig {
        cases: base.cases.max(10_000),
        max_shrink_iters: 2_000,
        rng_seed,
        ..base
    }
}

proptest! {
    #![proptest_config(interleavings_config())]

    #[test]
    fn random_interleavings_keep_the_invariants_and_every_connected_contact_ends_popped_or_reported(
        ready_first in prop::bool::weighted(0.8),
        max_sessions in prop_oneof![3 => Just(10usize), 1 => 1..=2usize],
        steps in prop::collection::vec(step(), 1..80),
    ) {
        let mut w = World::new(max_sessions);
        if ready_first {
            w.run(Step::Ready)?;
        }
        for s in steps {
            w.run(s)?;
        }
        // Whatever happened, the trace is valid JSON and bounded.
        let trace: Vec<Value> = serde_json::from_str(&w.bridge.export_trace()).unwrap();
        prop_assert!(trace.len() <= 500);
        w.quiesce_and_check_liveness()?;
        if std::env::var_os("PROPERTY_STATS").is_some() {
            let popped = IDS.iter().filter(|id| w.bridge.session_of(id).is_some()).count();
            eprintln!("STATS dynamics={} popped={popped} forgotten={} closed={} pages={}", w.dynamics.len(), w.forgotten.len(), w.closed.len(), w.page);
        }
    }
}

// ---------------------------------------------------------------- fuzz-style parser properties

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("SingleMatch".to_owned()),
            Just("{0F8FAD5B-D9CB-469F-A165-70867728950E}".to_owned()),
            Just("extn_voice_notification".to_owned()),
            Just("https://x.my.connect.aws/ccp-v2/".to_owned()),
            Just("{\"actionName\":\"Accept\"}".to_owned()),
            Just("[\"s1\",2]".to_owned()),
            Just("true".to_owned()),
            Just("__proto__".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("value".to_owned()),
                    Just("name".to_owned()),
                    Just("sessionId".to_owned()),
                    Just("focused".to_owned()),
                    Just("ms_contact_id".to_owned()),
                    Just("LookupSatus".to_owned()),
                    Just("CreateTimeline".to_owned()),
                    Just("actionName".to_owned()),
                    Just("presenceInfo".to_owned()),
                    "[a-zA-Z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn slug_parsing_never_panics_and_keeps_only_valid_values(v in arb_json()) {
        let id = ContactId::parse("c").unwrap();
        let (d, errors) = SlugData::parse(&id, &v, &AttributeNames::default());
        for g in [&d.contact_id, &d.id, &d.account_id, &d.activity_id, &d.entity_record_record_id].into_iter().flatten() {
            prop_assert!(Guid::parse(g.as_str()).is_some());
        }
        for t in [&d.customer_name, &d.call_reason, &d.search_text].into_iter().flatten() {
            prop_assert!(!t.expose().chars().any(char::is_control));
            prop_assert!(t.expose().chars().count() <= 2000);
        }
        for e in errors {
            prop_assert!(e.value.chars().count() <= 65);
            let _ = e.to_string();
        }
    }

    #[test]
    fn config_resolution_never_panics(values in prop::collection::btree_map(
        prop_oneof![prop::sample::select(bridge_core::config::KEYS.to_vec()).prop_map(str::to_owned), "[a-zA-Z]{1,10}"],
        arb_json(),
        0..8,
    )) {
        let layer = ConfigLayer { source: ConfigSource::Url, values: values.clone().into_iter().collect() };
        let (config, errors) = Config::resolve(&[layer]);
        for e in &errors {
            let base = e.key.split('.').next().unwrap();
            prop_assert!(values.contains_key(base), "error for a key not given: {}", e.key);
        }
        if let Some(u) = &config.ccp_url {
            prop_assert!(u.to_ascii_lowercase().starts_with("https://") || u.to_ascii_lowercase().starts_with("http://"));
        }
        prop_assert!((1..=10).contains(&config.max_sessions));
    }

    #[test]
    fn payload_and_result_parsers_never_panic(v in arb_json()) {
        let _ = bridge_core::dynamics::session_switched(&v);
        let _ = bridge_core::dynamics::session_closed(&v);
        let _ = bridge_core::dynamics::click_to_act(&v);
        let _ = bridge_core::dynamics::presence_changed(&v);
        let _ = bridge_core::reply::notification_action(&v);
        let _ = bridge_core::reply::boolean(&v);
        let _ = bridge_core::reply::session_id(&v);
        let _ = bridge_core::reply::session_list(&v);
        let e = bridge_core::reply::CifError::from_rejection(&v);
        prop_assert!(e.message.chars().count() <= 65 || e.message.starts_with("an "));
        let text = v.to_string();
        let (p, _) = bridge_core::persist::Persisted::parse(Some(&text), [text.as_str(), text.as_str()], 10);
        prop_assert!(p.handled.len() <= 10);
    }

    #[test]
    fn the_engine_survives_arbitrary_json_everywhere(attrs in arb_json(), result in arb_json(), payload in arb_json()) {
        let mut b = Bridge::new(Config::default(), Millis(0));
        b.handle_input(Millis(0), Input::Cif(CifAvailability::Ready));
        let snapshot = ContactSnapshot { channel: "voice".into(), state: "connected".into(), inbound: Some(true), attributes: attrs, ..Default::default() };
        b.handle_input(Millis(1), Input::Contact(ContactEvent { contact_id: "c".into(), kind: ContactEventKind::Connected, snapshot: Some(snapshot) }));
        for r in 1..6 {
            b.handle_input(Millis(2), Input::CifReply(CifReply { request: RequestId(r), outcome: CifOutcome::Resolved(result.clone()) }));
        }
        for h in DynamicsHandler::ALL {
            b.handle_input(Millis(3), Input::Dynamics(DynamicsEvent { handler: h, payload: payload.clone() }));
        }
        let mut stored = RestoredState { contacts: Some(payload.to_string()), ..Default::default() };
        stored.store(PersistSlot::Handled(0), payload.to_string());
        b.handle_input(Millis(4), Input::Restore(stored));
        b.handle_timeout(Millis(10_000_000));
        while b.poll_command().is_some() {}
    }
}

/// The `contactId` a `createSession` was sent with.
fn params_contact(call: &CifCall) -> Option<String> {
    match call {
        CifCall::CreateSession {
            template_parameters, ..
        } => template_parameters
            .get("contactId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

//! Everything the outside world tells the engine.
//!
//! The shell only copies: strings stay strings and JS objects arrive as `serde_json::Value`, so every
//! judgement about untrusted data (attribute shapes, CIF results that may be JSON strings, handler payloads
//! spelled `focused` or `focussed`) is made here in the core, where native tests and property tests reach it.

use serde_json::Value;

use crate::ids::RequestId;
use crate::leadership::LeadershipInput;
use crate::startup::StartupInput;

/// One thing that happened, given to [`crate::Bridge::handle_input`] with the time it was observed.
///
/// Contact events are the largest variant (a snapshot's copied getters) and by far the commonest; boxing them
/// would cost an allocation per Streams event to save bytes on a value that lives for one `handle_input`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Streams fired an event for one contact.
    Contact(ContactEvent),
    /// Whether CIF may be called, decided by whoever feeds it: a shortcut for hosts and harnesses (native tests, the
    /// bench) that skip the start-up. The page never sends it; it reports [`Input::Startup`] facts and the core
    /// decides this itself.
    Cif(CifAvailability),
    /// A `Microsoft.CIFramework` promise settled, or the call threw.
    CifReply(CifReply),
    /// Dynamics called one of the handlers registered with `addHandler`.
    Dynamics(DynamicsEvent),
    /// A Streams action (`accept`, `reject`, `clear`, `agent.connect`, `agent.setState`) succeeded or failed.
    StreamsReply(StreamsReply),
    /// The agent's state in Amazon Connect changed (drives presence rules).
    Agent(AgentEvent),
    /// Every contact Connect lists for the agent (`agent.getContacts()`, each delivered before as
    /// [`ContactEventKind::Existing`]), sent only when each of their ids could be read: Connect is the truth about
    /// contacts, so one remembered from before a reload that is not among them has ended, and its toast is withdrawn
    /// at once rather than after `restoredContactGraceMs`.
    ConnectListed {
        /// The listed contacts' ids, unvalidated.
        contact_ids: Vec<String>,
    },
    /// The page (re)loaded: what an earlier instance of this page persisted, as the raw stored text.
    Restore(RestoredState),
    /// The page's web storage cannot be relied on (reading or a probe write threw, or a write failed).
    StorageUnavailable {
        /// What the browser said, for the trace.
        reason: String,
    },
    /// The Web Lock, the channel between the agent's pages, or the agent's identity (several Dynamics tabs).
    Leadership(LeadershipInput),
    /// A fact about the page's start-up: the CIF library, `CIFInitDone`, the CCP's lifecycle, the Retry button.
    Startup(StartupInput),
}

/// A Streams contact event, with what the contact's getters returned at that moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactEvent {
    /// `contact.getContactId()`, unvalidated.
    pub contact_id: String,
    /// Which Streams subscription fired.
    pub kind: ContactEventKind,
    /// The getters' values; `None` when there is nothing new: Streams no longer knows the contact (getters throw
    /// after removal), or the shell saw neither its state type nor its attributes change since its last read
    /// (Streams fires `onRefresh` for every live contact on every agent snapshot). For a known contact both mean
    /// "keep what earlier snapshots said".
    pub snapshot: Option<ContactSnapshot>,
}

/// Which Streams subscription delivered a [`ContactEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactEventKind {
    /// `connect.contact(cb)`: the contact was added to the agent's snapshot.
    Init,
    /// Found in `agent.getContacts()` at start-up (late start or page reload).
    Existing,
    /// `onRefresh`: fires for every live contact on every snapshot, identical or not.
    Refresh,
    /// `onIncoming` (queue callbacks arrive this way).
    Incoming,
    /// `onPending`.
    Pending,
    /// `onConnecting` (inbound voice and chat arrive this way).
    Connecting,
    /// `onAccepted`: the accept was broadcast by some CCP.
    Accepted,
    /// `onConnected`.
    Connected,
    /// `onMissed`: missed or rejected.
    Missed,
    /// `onEnded`.
    Ended,
    /// `onACW`: after-contact work began.
    AfterContactWork,
    /// `onError`.
    Error,
    /// `onDestroy`: Streams forgot the contact.
    Destroyed,
}

/// The getters of one contact, copied as Streams returned them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactSnapshot {
    /// `getType()`: `voice`, `queue_callback`, `chat`, `task`, `email`, or anything else Streams invents.
    pub channel: String,
    /// `getState().type`: `incoming`, `connecting`, `connected`, `ended`, `missed`, …
    pub state: String,
    /// `isInbound()`, or `None` when it threw or could not be known.
    pub inbound: Option<bool>,
    /// `getQueue().name`.
    pub queue_name: Option<String>,
    /// The customer's phone number (voice: the initial connection's endpoint).
    pub phone_number: Option<String>,
    /// The customer's display name (chat: the customer's participant name; task: `getName()`).
    pub customer_name: Option<String>,
    /// `getAttributes()` exactly as Streams returned it: normally `{key: {name, value}}`, but anything may arrive.
    pub attributes: Value,
    /// Email: `getCustomerEndpoint().emailAddress`, the sender (streams#986).
    pub email_address: Option<String>,
    /// Email: `getSegmentAttributes()` exactly as Streams returned it; the subject is `connect:EmailSubject`
    /// (`{ValueString}`), read by the core.
    pub segment_attributes: Value,
    /// `getInitiationMethod()` (`inbound`, `outbound`, `agent_reply`, `api`, …), unvalidated.
    pub initiation_method: Option<String>,
    /// `getAgentConnection().getType()`: `agent`, or `monitoring` for a supervisor listening in; unvalidated.
    pub agent_connection_type: Option<String>,
    /// The attributes could not be read this time (the getter threw, or copying them did): `attributes` says
    /// nothing, and the slugs read before stand rather than being taken as removed.
    pub attributes_unreadable: bool,
}

/// Whether CIF calls can be made at all. The page reports start-up facts ([`Input::Startup`]) and the core
/// decides this itself; a host that does its own start-up (and the tests of the pop flow) may feed it directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CifAvailability {
    /// `CIFInitDone` fired; `getEnvironment` may be called.
    Ready,
    /// The library did not load or did not initialise within the configured wait.
    Unavailable {
        /// What the shell saw, for the status line and the trace.
        reason: String,
    },
}

/// How a `Microsoft.CIFramework` call ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CifReply {
    /// The request id of the [`crate::Command::Cif`] that made the call.
    pub request: RequestId,
    /// How the promise settled, unread: the core reads it according to the call it made.
    pub outcome: CifOutcome,
}

/// The raw outcome of a CIF call; the core interprets it according to the call it made.
#[derive(Debug, Clone, PartialEq)]
pub enum CifOutcome {
    /// The promise resolved. A JS string stays a `Value::String` (often JSON text); objects are converted.
    Resolved(Value),
    /// The promise rejected with this value (CIF rejects with `{message, msdyn_name}` or a JSON string of it).
    Rejected(Value),
    /// The call threw synchronously (e.g. the library vanished); the message of what was thrown.
    Threw(String),
    /// The call was made, but what it returned cannot be read (its promise's `then` threw): it was sent, so it
    /// is not "thrown", and its answer will never come. Why, in words.
    Unreadable(String),
}

/// A Dynamics handler call.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicsEvent {
    /// Which handler fired, which says how to read `payload`.
    pub handler: DynamicsHandler,
    /// The handler's argument as given: usually a JSON string, sometimes an object.
    pub payload: Value,
}

/// The `addHandler` events the bridge registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DynamicsHandler {
    /// `onSessionSwitched`: `{sessionId, focused|focussed, context}`; fires twice per switch.
    SessionSwitched,
    /// `onSessionClosed`: `{sessionId}`.
    SessionClosed,
    /// `onclicktoact`: `{value, name, format, entityLogicalName}`.
    ClickToAct,
    /// `onPresenceChange`: `{presenceInfo: {presenceText, …}}`.
    PresenceChanged,
}

impl DynamicsHandler {
    /// Every handler, in registration order.
    pub const ALL: [DynamicsHandler; 4] = [
        DynamicsHandler::SessionSwitched,
        DynamicsHandler::SessionClosed,
        DynamicsHandler::ClickToAct,
        DynamicsHandler::PresenceChanged,
    ];

    /// The event name CIF knows it by (case-sensitive).
    pub fn event_name(self) -> &'static str {
        match self {
            DynamicsHandler::SessionSwitched => "onSessionSwitched",
            DynamicsHandler::SessionClosed => "onSessionClosed",
            DynamicsHandler::ClickToAct => "onclicktoact",
            DynamicsHandler::PresenceChanged => "onPresenceChange",
        }
    }
}

/// How a Streams action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsReply {
    /// The request id of the [`crate::Command::Streams`] that asked for it.
    pub request: RequestId,
    /// `Err` carries the failure text Streams gave (or that the call threw).
    pub outcome: Result<(), String>,
}

/// The agent's state, from `connect.agent` subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEvent {
    /// `state.name`, e.g. `Available`, `Busy`, `AfterCallWork`, or a custom not-routable state.
    pub state_name: String,
    /// `state.type`: `routable`, `not_routable`, `offline`, `system`, `error`.
    pub state_type: String,
}

/// What an earlier instance of this page persisted (see [`crate::Command::Persist`]), one text per slot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestoredState {
    /// The [`crate::PersistSlot::Contacts`] text, untrusted: any script on the origin may write storage.
    pub contacts: Option<String>,
    /// The [`crate::PersistSlot::Handled`] texts by slot, untrusted too.
    pub handled: [Option<String>; crate::command::HANDLED_SLOTS],
}

impl RestoredState {
    /// Keeps `text` as what `slot` holds (the last write wins), as storage would.
    pub fn store(&mut self, slot: crate::PersistSlot, text: String) {
        match slot {
            crate::PersistSlot::Contacts => self.contacts = Some(text),
            crate::PersistSlot::Handled(n) => {
                if let Some(at) = self.handled.get_mut(usize::from(n)) {
                    *at = Some(text);
                }
            }
        }
    }

    /// Whether any slot holds something: the page was loaded before in this tab.
    pub fn is_empty(&self) -> bool {
        std::iter::once(&self.contacts)
            .chain(self.handled.iter())
            .all(|t| t.as_deref().map_or(true, |t| t.trim().is_empty()))
    }
}

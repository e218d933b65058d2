//! Everything the engine asks the shell to do.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::ids::{ContactId, RequestId};
use crate::leadership::LeadershipCall;
use crate::startup::StartupCall;
use crate::status::StatusView;

/// One thing for the shell to carry out, drained with [`crate::Bridge::poll_command`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Command {
    /// Call `Microsoft.CIFramework` and feed the outcome back as [`crate::Input::CifReply`] with `request`.
    Cif {
        /// Echoed in the reply.
        request: RequestId,
        /// The contact this call is for, if any.
        contact: Option<ContactId>,
        /// Passed as CIF's `correlationId`: derived from the contact, so one contact's calls group together.
        correlation_id: String,
        /// The method and its arguments, as data the shell turns into the JS call.
        call: CifCall,
    },
    /// Call Amazon Connect Streams and feed the outcome back as [`crate::Input::StreamsReply`].
    Streams {
        /// Echoed in the reply.
        request: RequestId,
        /// The contact acted on, if any.
        contact: Option<ContactId>,
        /// The method and its arguments, as data the shell turns into the JS call.
        call: StreamsCall,
    },
    /// Store this text under the slot's key (replacing what was stored there) so a reloaded page can be given it
    /// as [`crate::Input::Restore`]. Two slots, so the large handled-ids list is rewritten only when it changes.
    Persist {
        /// Which part of the state.
        slot: PersistSlot,
        /// The text to store.
        text: String,
    },
    /// Tell the console, the trace and, when `agent_visible`, the agent.
    Report(Report),
    /// Seek, take or announce the lead among the agent's pages, or show this page's part.
    Leadership(LeadershipCall),
    /// Load the CIF library, register the Dynamics handlers, start or restart the CCP (page start-up).
    Startup(StartupCall),
    /// Show this on the status line: emitted only when what the agent sees there changes.
    Status(StatusView),
    /// Add this text to the page's errors box (and the console): a configuration value refused, the CCP not
    /// started, and why.
    ShowError {
        /// The text, naming the key or the cause and what was expected.
        text: String,
    },
}

/// The two independently stored parts of what survives a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PersistSlot {
    /// Live contacts: sessions, tabs, open notification tokens (small, changes with every pop).
    Contacts,
    /// One chunk of the ids of released contacts (up to `handledContactMemory` in all): a release rewrites the
    /// chunk it falls in, a tenth of the memory, not the whole list. Chunks take the slots in turn, a ring of
    /// [`HANDLED_SLOTS`].
    Handled(u8),
}

/// How many slots the handled ids' chunks take in turn: ten chunks of a tenth of the memory each, and one more
/// being filled.
pub const HANDLED_SLOTS: usize = 11;

/// Chunk 0 keeps the single slot's old name, so the list an older page stored is read as a chunk.
const HANDLED_KEYS: [&str; HANDLED_SLOTS] = [
    "handled",
    "handled.1",
    "handled.2",
    "handled.3",
    "handled.4",
    "handled.5",
    "handled.6",
    "handled.7",
    "handled.8",
    "handled.9",
    "handled.10",
];

impl PersistSlot {
    /// Every slot, as the shell reads them back after a reload.
    pub fn all() -> impl Iterator<Item = PersistSlot> {
        std::iter::once(PersistSlot::Contacts).chain((0..HANDLED_SLOTS as u8).map(PersistSlot::Handled))
    }

    /// The suffix of the storage key the shell writes this slot under.
    pub fn key_suffix(self) -> &'static str {
        match self {
            PersistSlot::Contacts => "contacts",
            PersistSlot::Handled(n) => HANDLED_KEYS.get(usize::from(n)).copied().unwrap_or(HANDLED_KEYS[0]),
        }
    }
}

/// A `Microsoft.CIFramework` call, with its arguments already validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum CifCall {
    /// `notifyEvent({templateName, templateParameters, cancellationToken})`.
    NotifyEvent {
        /// Notification template unique name.
        template_name: String,
        /// Slug values for the template.
        template_parameters: Map<String, Value>,
        /// Token for a later `cancelEvent`.
        cancellation_token: String,
    },
    /// `cancelEvent(token)`.
    CancelEvent {
        /// The token given to `notifyEvent`.
        cancellation_token: String,
    },
    /// `canCreateSession()`.
    CanCreateSession,
    /// `createSession({templateName, templateParameters, context})`.
    CreateSession {
        /// Session template unique name.
        template_name: String,
        /// Slug values for the template.
        template_parameters: Map<String, Value>,
        /// The contact's id again, as the session's own context: some CIF hosts return that context, and not
        /// the template parameters, from `getSession`, and it is how Dynamics says whose session it is.
        context: Map<String, Value>,
    },
    /// `createTab({templateName, templateParameters, isFocused})`.
    CreateTab {
        /// Application tab template unique name.
        template_name: String,
        /// Parameters such as `entityName` and `entityId`, or `searchType` and `searchText`.
        template_parameters: Map<String, Value>,
        /// Whether the new tab takes focus.
        is_focused: bool,
    },
    /// `closeTab(tabId)`: a tab CIF opened in another session than its contact's (the agent switched sessions
    /// while it was on its way) is taken away from there.
    CloseTab {
        /// The id `createTab` answered.
        tab_id: String,
    },
    /// `getTabs(templateName)`: the ids of the focused session's tabs of that template, to learn whether a tab
    /// overtaken by a switch opened there.
    GetTabs {
        /// Application tab template unique name.
        template_name: String,
    },
    /// `renderSearchPage(entityName, searchString)`.
    RenderSearchPage {
        /// Entity logical name to search.
        entity_name: String,
        /// The search text as the flow or the number gave it (cleaned, capped): `renderSearchPage` takes text, not
        /// an OData query, so nothing is escaped.
        search_string: String,
    },
    /// `searchAndOpenRecords(entityName, query, searchOnly)`.
    SearchAndOpenRecords {
        /// Entity logical name.
        entity_name: String,
        /// OData query, with every value escaped.
        query: String,
        /// `true`: search without opening.
        search_only: bool,
    },
    /// `getAllSessions()`: which of this provider's sessions are open, the start of every reconciliation.
    GetAllSessions,
    /// `getSession(sessionId)`: its context carries the `contactId` the bridge put in `templateParameters`, so
    /// Dynamics, not the page's storage, says which contact a session belongs to.
    GetSession {
        /// The session asked about.
        session_id: String,
    },
    /// `updateContext(input, sessionId)`: records the contact's tabs in the session's own context, where
    /// `getSession` finds them after a reload that lost storage (or never had it), so that page opens none twice.
    /// While storage works only opened tabs are written; without it, every requested one.
    UpdateContext {
        /// The session whose context records the tabs.
        session_id: String,
        /// The keys to write: `ccbTab_<kind>` (`1` recorded, `0` waiting for focus) and `ccbTabs`, the list.
        input: Map<String, Value>,
    },
    /// `getEnvironment()`: the first call after `CIFInitDone`, for the Custom Parameters.
    GetEnvironment,
    /// `setClickToAct(value)`.
    SetClickToAct {
        /// Whether click-to-act is on.
        value: bool,
    },
    /// `setPresence(presenceText)`.
    SetPresence {
        /// The presence text exactly as configured in Dynamics.
        presence_text: String,
    },
    /// `updateRecord(entityName, id, JSON.stringify(data))`.
    UpdateRecord {
        /// Entity logical name.
        entity_name: String,
        /// Record id (a normalised GUID).
        id: String,
        /// Column values.
        data: Map<String, Value>,
    },
}

impl CifCall {
    /// The `Microsoft.CIFramework` method name.
    pub fn method_name(&self) -> &'static str {
        match self {
            CifCall::NotifyEvent { .. } => "notifyEvent",
            CifCall::CancelEvent { .. } => "cancelEvent",
            CifCall::CanCreateSession => "canCreateSession",
            CifCall::CreateSession { .. } => "createSession",
            CifCall::CreateTab { .. } => "createTab",
            CifCall::CloseTab { .. } => "closeTab",
            CifCall::GetTabs { .. } => "getTabs",
            CifCall::RenderSearchPage { .. } => "renderSearchPage",
            CifCall::SearchAndOpenRecords { .. } => "searchAndOpenRecords",
            CifCall::GetAllSessions => "getAllSessions",
            CifCall::GetSession { .. } => "getSession",
            CifCall::UpdateContext { .. } => "updateContext",
            CifCall::GetEnvironment => "getEnvironment",
            CifCall::SetClickToAct { .. } => "setClickToAct",
            CifCall::SetPresence { .. } => "setPresence",
            CifCall::UpdateRecord { .. } => "updateRecord",
        }
    }
}

/// An Amazon Connect Streams call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum StreamsCall {
    /// `contact.accept()` on the command's contact.
    Accept,
    /// `contact.reject()` on the command's contact.
    Reject,
    /// `contact.clear()` on the command's contact.
    Clear,
    /// `agent.connect(connect.Endpoint.byPhoneNumber(phone_number), {queueARN, timeout})`.
    Dial {
        /// E.164, e.g. `+15555550100`.
        phone_number: String,
        /// Outbound queue, or the routing profile's default when `None`.
        queue_arn: Option<String>,
        /// Passed as `timeout` (Streams 2.28.1+, streams#1090): Streams calls `failure` when the CCP never answers
        /// the `createOutboundContact` request. The core also keeps its own deadline a little later, for a Streams
        /// that ignores the option.
        timeout_ms: u64,
    },
    /// `agent.setState(state, callbacks, {enqueueNextState})` for the agent state with this name.
    SetAgentState {
        /// The Amazon Connect agent state name.
        state_name: String,
        /// Set as the agent's next status: Streams refuses a state change while the agent handles a contact (live
        /// or in after-contact work) unless it is enqueued, and Connect then applies it once the agent's contacts
        /// are cleared, as the CCP's own "Next status" does. Without a contact Connect applies it at once either way.
        enqueue_next_state: bool,
    },
}

/// How serious a [`Report`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Normal progress worth a trace line.
    Info,
    /// Something was wrong and the bridge fell back.
    Warning,
    /// Something failed that the agent or an admin must know about.
    Error,
}

/// A diagnostic: bad input, a fallback taken, or a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// How serious: it chooses the console method (`error`, `warn`, `info`); `agent_visible` decides the page.
    pub severity: Severity,
    /// The contact concerned, if any.
    pub contact: Option<ContactId>,
    /// A stable machine-readable code, e.g. `slug.invalid`, `cif.createSession.failed`, `session.limit`.
    pub code: &'static str,
    /// A sentence naming the contact, the field, the (redacted, truncated) value and what was expected.
    pub message: String,
    /// Whether the page shows it to the agent (degraded state), not only the console and trace.
    pub agent_visible: bool,
}

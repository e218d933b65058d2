//! The sans-IO core of connect-cif-bridge: every decision of the Amazon Connect ↔ Dynamics 365 CIF v2
//! bridge, with no browser in sight.
//!
//! # What sans-IO means here
//!
//! The core never calls Streams, CIF, a timer or a clock. The browser shell (the top-level crate) observes the
//! world and hands each observation to [`Bridge::handle_input`] as data ([`Input`]), stamped with the time it
//! read from its one clock; the core answers with data ([`Command`]) that the shell carries out. Deadlines are
//! data too ([`Bridge::poll_timeout`]). So every behaviour of the product — the screen pop, duplicates,
//! out-of-order CIF results, reloads, timeouts, hostile attributes — is exercised by plain `cargo test`,
//! property tests included, faster than real time and reproducibly (the model is str0m's and quinn-proto's).
//! The crate depends on no browser-binding crate (its only dependencies are serde and serde_json); the compiler
//! keeps it that way.
//!
//! # The run-loop contract (for the shell)
//!
//! 1. Resolve the configuration with [`Config::resolve`] (defaults → `config.json` → URL), show every
//!    [`ConfigError`], and create the bridge with [`Bridge::new`].
//! 2. After a reload, feed what was stored as [`Input::Restore`]; then [`Input::Startup`]`(Begin)` with the
//!    layers. From there the core runs the start-up (`bridge/startup.rs`): it asks for the CIF library, waits
//!    for `CIFInitDone` (`cifInitTimeoutMs`), calls `getEnvironment` and re-resolves with the Custom Parameters
//!    before CIF counts as ready, starts the CCP once, and says what the status line shows; the shell reports
//!    the facts ([`StartupInput`]) and carries out [`Command::Startup`], [`Command::Status`] and
//!    [`Command::ShowError`].
//! 3. Feed every observation with [`Bridge::handle_input`]`(now, input)`: Streams contact events (all kinds,
//!    repeats included; the core de-duplicates), start-up facts, every settled CIF promise as
//!    [`Input::CifReply`] with the [`RequestId`] of the command that made the call (a JS string result stays a
//!    string: the core parses it), Dynamics handler payloads as given, Streams action outcomes, and Connect's
//!    list of the agent's contacts ([`Input::ConnectListed`], only when it was read whole).
//! 4. After every `handle_*` call, drain [`Bridge::poll_command`] until it returns `None`, carrying out each
//!    [`Command`] in order: CIF calls (passing `correlation_id`), Streams calls, [`Command::Persist`] (store the
//!    text in sessionStorage, replacing the previous one) and [`Command::Report`] (console, trace, and the
//!    agent's status line when `agent_visible`).
//! 5. Then re-arm the single timer from [`Bridge::poll_timeout`]; when it fires, call
//!    [`Bridge::handle_timeout`]`(now)` and go to 4.
//! 6. [`Bridge::export_trace`] gives the bounded diagnostic trace as JSON at any time.
//!
//! Untrusted content never makes a `handle_*` call fail or panic: bad input becomes a [`Command::Report`]
//! naming the contact, the field and what was expected, and the bridge falls back.
//!
//! # Per contact: the screen-pop state machine
//!
//! Each contact has one [`contact::PopState`]; the variants carry only what that state needs, and transitions
//! consume the old state:
//!
//! ```text
//!  AwaitingCif ──Ready, ringing inbound──▶ Notifying{request, token, template}
//!      │  └──Ready, connected──▶ (pop)        │ Accept ──▶ Streams accept (unless connected) + (pop)
//!      │                                      │ answered in CCP ──▶ cancelEvent + (pop)
//!      │ outbound                             │ Reject ──▶ Declined (never pops)
//!      ▼                                      │ Timeout / failure ──▶ AwaitingConnect
//!  AwaitingConnect ──connected──▶ (pop)       │ abandoned / missed / destroyed ──▶ cancelEvent, Abandoned
//!
//!  (pop) = WaitingForTurn{ticket} ──turn free──▶ CheckingCapacity{request} ⇄ WaitingForCapacity{since}
//!          (or ──only tabs hold the turn──▶ CheckingCapacity ──true, turn taken──▶
//!           WaitingForTurn{ticket, capacity_confirmed} ──turn free──▶ CreatingSession)
//!          CheckingCapacity ──true──▶ CreatingSession{request, template} ──session id──▶
//!          Popped{session_id, tabs} ──onSessionClosed──▶ SessionClosed
//!          CreatingSession ──garbage answer, or in flight at a reload──▶ SessionUnknown{watch}
//!          ──Dynamics names its session──▶ Popped  (or ──none after sessionOrphanMs──▶ (pop) once more, then Failed)
//! ```
//!
//! Why these states: a contact must get at most one notification and at most one session whatever Streams
//! and CIF do, so every state that waits for CIF holds the [`RequestId`] it waits for, and a reply that does
//! not match it (late, duplicated, for a cancelled notification) is ignored with a trace line.
//! `CreatingSession` is never left for a second `createSession`: when CIF does not answer within
//! `cifCallTimeoutMs`, or the CIF library rejects the call on its own 10 s time limit ("Timeout occurred as no
//! response was received…", which means *no answer*, not *nothing happened*), its request is marked overdue
//! (each request in flight has one phase: in flight, turn released, overdue), a late answer is still accepted,
//! and `getAllSessions` reconciles. A `createTab` without an answer is not
//! repeated either; only calls without side effects (`notifyEvent` failures, `cancelEvent`,
//! `canCreateSession`, `getAllSessions`) are retried, boundedly.
//!
//! Why pops take turns: CIF opens a `createTab` in whichever session is *focused*, and `createSession` focuses
//! the session it creates. So one contact at a time goes from `canCreateSession` through its tabs' answers
//! (`WaitingForTurn` queues the others, first come first served; a request unanswered after `popTurnMs` stops
//! holding the turn, so a slow pop blocks the others for 1.5 s at most), and a contact's tabs are requested only
//! while its session is the focused one (as the bridge knows it from `createSession` answers and
//! `onSessionSwitched`): if the agent looked away they are `Deferred` and open when it is focused again.
//! `SessionUnknown` (a `createSession` whose answer was garbage, or in flight at a reload) is left only on
//! Dynamics' word: a session whose context names the contact (Dynamics is asked again as soon as a session
//! the page does not know gains the focus), or none after `sessionOrphanMs`. A reloaded page whose page before
//! left a `createSession` or tab request unanswered (or that cannot read its storage) holds the pop turn for
//! `popTurnMs` from its start, as that request did. `SessionClosed`
//! is final: nothing is written for the contact again. Whether the contact is ringing,
//! connected or over is tracked beside the state and only moves forward, because Streams delivers
//! `onRefresh` snapshots repeatedly and events late or out of order.
//!
//! Decision for a toast that timed out (or failed) and is then answered in the CCP: the pop runs on connect
//! (`AwaitingConnect`); an explicit Reject means the agent does not want the session (`Declined`).
//!
//! # Over all contacts: the [`Bridge`]
//!
//! Contacts live in a [`vecmap::VecMap`] (a sorted vector: deterministic order, little wasm code). Requests in flight, their deadlines
//! ([`timers::TimerTable`]) and retries ([`retry::RetryPolicy`]: bounded, exponential, only for calls that
//! failed without side effects) are bridge-wide. Open sessions are counted (created, plus `createSession`
//! calls in flight, minus closed) against `maxSessions`; a contact over the limit waits and pops, first come
//! first served, when a session closes. After `onDestroy` a contact is released and its id remembered
//! ([`handled::HandledIds`], `handledContactMemory`), so a redelivered contact never pops twice. What must
//! survive a reload (sessions, tabs requested, open tokens, handled ids) is emitted as versioned JSON
//! ([`persist`]) whenever it changes.
//!
//! # Modules, one concern each
//!
//! [`slug`] (the §2 attribute contract), [`config`], [`contact`] (state machine), [`reply`] (CIF results),
//! [`dynamics`] (handler payloads), [`odata`] (query escaping), [`redact`] and [`text`] (personal data and
//! untrusted text), [`persist`], [`trace`], [`timers`], [`retry`], [`handled`], [`phone`] (click-to-dial's E.164
//! rules), [`presence`] (presence rules), [`startup`] and [`status`] (the page's start-up and its status line), [`vecmap`] (the small ordered map the tables use). The engine itself is split the same way: the pop flow (turns, focus,
//! tabs), CIF replies (retries, deadlines, reconciliation), Dynamics handlers, the agent features (dial,
//! presence), the contact's end (activity update), and restore/persist.

mod bridge;
pub mod ccp_failure;
pub mod command;
pub mod config;
pub mod contact;
pub mod dynamics;
pub mod handled;
pub mod ids;
pub mod input;
pub mod leadership;
pub mod odata;
pub mod persist;
pub mod phone;
pub mod presence;
pub mod redact;
pub mod reply;
pub mod retry;
pub mod slug;
pub mod startup;
pub mod status;
pub mod text;
pub mod time;
pub mod timers;
pub mod trace;
pub mod vecmap;

pub use bridge::{Bridge, DebugCounts};
pub use ccp_failure::CcpFailure;
pub use command::{CifCall, Command, PersistSlot, Report, Severity, StreamsCall, HANDLED_SLOTS};
pub use config::{
    ChannelTemplates, Config, ConfigError, ConfigLayer, ConfigSource, CustomerRecordTab, GlobalResiliency,
};
pub use ids::{ContactId, RequestId};
pub use input::{
    AgentEvent, CifAvailability, CifOutcome, CifReply, ContactEvent, ContactEventKind, ContactSnapshot, DynamicsEvent,
    DynamicsHandler, Input, RestoredState, StreamsReply,
};
pub use leadership::{LeadershipCall, LeadershipInput, PeerMessage, RoleView};
pub use redact::Redacted;
pub use slug::{AttributeNames, Guid, LogicalName, LookupStatus, SlugData, SlugError, SlugField, TemplateName};
pub use startup::{CcpEvent, CcpParams, CifLibrary, StartupCall, StartupInput};
pub use status::{CcpStatus, DynamicsStatus, FocusStatus, StatusView};
pub use time::Millis;

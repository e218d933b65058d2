//! What the page's status line says: Dynamics, the CCP, and which contact the agent is looking at.
//!
//! Why in the core: the wording is what the agent (or whoever supports them) reads to know what works and what to
//! do, and when a part changes is decided by the start-up and focus rules; both are tested natively. The core
//! emits [`crate::Command::Status`] only when a part changes, so the shell never reads the page back.

use serde::Serialize;

/// The CCP status text while `initCCP` waits for the CCP's first answer.
const LOADING: &str = "loading…";

/// How many missing templates the status line names; the notices and the console name every one.
const MISSING_TEMPLATES_NAMED: usize = 3;

/// What the status line says about Dynamics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "camelCase")]
pub enum DynamicsStatus {
    /// Waiting for `CIFInitDone` (what the page shows before the core says anything).
    #[default]
    Connecting,
    /// CIF is initialised and the bridge is using it.
    Connected,
    /// CIF is initialised, but the preflight found templates the configuration or a flow names missing in
    /// Dynamics (spec §1: named "on the status line and in the console"): each as `name (the keys naming it)`.
    /// Contacts of those templates get the channel's default one, or no toast or session at all, so it shows as
    /// a fault until the page is loaded again with the templates created.
    MissingTemplates(Vec<String>),
    /// No CIF: outside Dynamics, library unreachable, or not configured; the reason.
    NotConnected(String),
}

impl DynamicsStatus {
    /// The text after "Dynamics: ".
    pub fn text(&self) -> String {
        match self {
            DynamicsStatus::Connecting => "connecting…".to_owned(),
            DynamicsStatus::Connected => "connected".to_owned(),
            DynamicsStatus::MissingTemplates(missing) => {
                let named: Vec<String> = missing
                    .iter()
                    .take(MISSING_TEMPLATES_NAMED)
                    .map(|m| crate::text::excerpt(m))
                    .collect();
                let more = match missing.len().saturating_sub(MISSING_TEMPLATES_NAMED) {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                format!(
                    "connected — missing templates: {}{more} (see the notices)",
                    named.join(", ")
                )
            }
            DynamicsStatus::NotConnected(why) => format!("not connected ({why})"),
        }
    }

    /// How it looks.
    pub fn tone(&self) -> Tone {
        match self {
            DynamicsStatus::Connecting => Tone::Pending,
            DynamicsStatus::Connected => Tone::Ok,
            DynamicsStatus::MissingTemplates(_) | DynamicsStatus::NotConnected(_) => Tone::Bad,
        }
    }
}

/// What the status line says about the CCP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "camelCase")]
pub enum CcpStatus {
    /// `initCCP` was called; waiting for the CCP to acknowledge (what the page shows before the core says
    /// anything).
    #[default]
    Loading,
    /// Waiting for Custom Parameters from Dynamics, which may carry `ccpUrl`.
    WaitingForConfig,
    /// The CCP acknowledged (`onInitialized`).
    Ready,
    /// Global resiliency moved the CCP to the instance's other region (`onFailoverDetected`); still working.
    FailedOver,
    /// The CCP failed or was not loaded, with the reason.
    Failed(String),
    /// The CCP has not answered for a while after `initCCP` (Streams keeps trying), with what to check; unlike
    /// `Failed` it may still become ready by itself.
    NotAnswering(String),
}

impl CcpStatus {
    /// The text after "CCP: ".
    pub fn text(&self) -> String {
        match self {
            CcpStatus::Loading => LOADING.to_owned(),
            CcpStatus::WaitingForConfig => "waiting for configuration from Dynamics…".to_owned(),
            CcpStatus::Ready => "ready".to_owned(),
            CcpStatus::FailedOver => "ready — failover: Amazon Connect switched this CCP to the other region; every \
                                      contact keeps its notification and session"
                .to_owned(),
            CcpStatus::Failed(why) => format!("failed: {why}"),
            CcpStatus::NotAnswering(why) => format!("not answering: {why}"),
        }
    }

    /// How it looks.
    pub fn tone(&self) -> Tone {
        match self {
            CcpStatus::Loading | CcpStatus::WaitingForConfig => Tone::Pending,
            CcpStatus::Ready | CcpStatus::FailedOver => Tone::Ok,
            CcpStatus::Failed(_) | CcpStatus::NotAnswering(_) => Tone::Bad,
        }
    }

    /// Whether the Retry button is offered beside it (every failure's text mentions it).
    pub fn offers_retry(&self) -> bool {
        matches!(self, CcpStatus::Failed(_) | CcpStatus::NotAnswering(_))
    }
}

/// What the status line says about the contact the agent is looking at in Dynamics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "summary", rename_all = "camelCase")]
pub enum FocusStatus {
    /// No session of the bridge's contacts is focused (what the page shows before the core says anything).
    #[default]
    NoContact,
    /// The focused contact's summary ([`crate::Bridge::focus_summary`]): no personal data, so it may be shown.
    Contact(String),
}

impl FocusStatus {
    /// The status for a summary, `None` meaning no contact is focused.
    pub fn of(summary: Option<String>) -> FocusStatus {
        summary.map_or(FocusStatus::NoContact, FocusStatus::Contact)
    }

    /// The text after "Looking at: ".
    pub fn text(&self) -> &str {
        match self {
            FocusStatus::NoContact => "no contact",
            FocusStatus::Contact(summary) => summary,
        }
    }

    /// How it looks: looking at nothing is not a fault, only something to wait for.
    pub fn tone(&self) -> Tone {
        match self {
            FocusStatus::NoContact => Tone::Pending,
            FocusStatus::Contact(_) => Tone::Ok,
        }
    }
}

/// How a status part looks (a class in `style.css`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Tone {
    /// Waiting for something.
    Pending,
    /// Working.
    Ok,
    /// Not working; the text says why.
    Bad,
}

impl Tone {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Pending => "pending",
            Tone::Ok => "ok",
            Tone::Bad => "bad",
        }
    }
}

/// One part of the status line that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "part", content = "shows", rename_all = "camelCase")]
pub enum StatusView {
    /// "Dynamics: …".
    Dynamics(DynamicsStatus),
    /// "CCP: …", with the Retry button while [`CcpStatus::offers_retry`].
    Ccp(CcpStatus),
    /// "Looking at: …".
    Focus(FocusStatus),
}

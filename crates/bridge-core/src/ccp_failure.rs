//! Why the CCP is not working, in words that name the real cause and what to do about it.
//!
//! Why in the core: the agent (or whoever supports them) only sees the status line, and the commonest CCP
//! failures look alike from the page — a silent iframe can be an unapproved origin, a `frame-ancestors` refusal
//! or a wrong `ccpUrl`; a thrown `initCCP` can be blocked third-party storage. Which failure a Streams event or a
//! thrown error stands for, and what the page says about it, is policy: it is decided here and tested natively.
//! The shell only reports the fact (which Streams event fired, what `initCCP` threw) and shows the text.

/// How long after `initCCP` the page waits for the CCP's first answer (Streams' `onInitialized`) before it says
/// that the CCP is not answering and what to check.
///
/// Why 15 s: Streams gives the frame 5 s (`ccpLoadTimeout`), then opens the login pop-up and reloads the frame
/// every 5 s, and only after 10 reloads (about a minute) reports `onIframeRetriesExhausted`. A CCP frame the
/// instance refuses (`frame-ancestors`: this page's origin is not approved, or the host's `Referrer-Policy`
/// hides it) never answers, and the page cannot see inside the refused cross-origin frame; a minute of
/// "loading…" hides the cause. 15 s leaves a working CCP (which answers within 1–3 s) and a quick sign-in time
/// to finish first; Streams keeps trying afterwards and a late answer still makes the CCP ready.
pub const CCP_ANSWER_WAIT_MS: u64 = 15_000;

/// [`CCP_ANSWER_WAIT_MS`], or Streams' own first wait (`ccpLoadTimeoutMs`) when that is longer: a CCP configured to
/// load slowly is not said to be silent before Streams itself stops waiting for it.
pub fn ccp_answer_wait_ms(ccp_load_timeout_ms: Option<u64>) -> u64 {
    ccp_load_timeout_ms.map_or(CCP_ANSWER_WAIT_MS, |t| t.max(CCP_ANSWER_WAIT_MS))
}

/// A CCP failure the page can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcpFailure {
    /// `connect.core.initCCP` threw because the browser denies this frame web storage (third-party storage or
    /// cookies blocked: Streams clears its softphone settings in `localStorage` before creating the iframe).
    StorageBlocked {
        /// What the browser said, shortened.
        detail: String,
    },
    /// `connect.core.initCCP` threw for another reason.
    InitThrew {
        /// What was thrown, shortened.
        detail: String,
    },
    /// `onAuthFail`: the agent is not signed in to Amazon Connect (or the sign-in expired).
    AuthFail,
    /// `onAccessDenied`: signed in, but the user may not use the CCP.
    AccessDenied,
    /// No `onInitialized` within [`ccp_answer_wait_ms`] of `initCCP` (the iframe was created; Streams never got
    /// its handshake): a refused frame, an unapproved origin, a wrong `ccpUrl`, or a sign-in still going on in
    /// the login pop-up. Streams keeps trying; a late answer makes the CCP ready.
    NotAnswering {
        /// Seconds waited, for the agent's message.
        after_s: u64,
    },
    /// `onIframeRetriesExhausted`: the CCP iframe never acknowledged, after Streams' refreshes.
    IframeRetriesExhausted,
    /// The CCP sent `terminated`: the Connect session ended (logout elsewhere, expiry).
    Terminated,
    /// After a sign-in failure Streams tried to open the Connect login pop-up and the browser refused it
    /// (`window.open` gave no window: Streams' `connect.core.loginWindow` is `null`).
    LoginPopupBlocked,
}

impl CcpFailure {
    /// Classifies what `connect.core.initCCP` threw, from the error's `name` and `message` as the shell read them.
    ///
    /// A `SecurityError` (a `DOMException`), or any message about storage or `localStorage` access being denied,
    /// is blocked storage: that is what Chromium, Firefox and Safari throw when a cross-site frame may not use
    /// web storage.
    pub fn from_init_error(name: &str, message: &str) -> CcpFailure {
        let lower = message.to_ascii_lowercase();
        let storage = name == "SecurityError"
            || lower.contains("securityerror")
            || lower.contains("localstorage")
            || (lower.contains("storage") && (lower.contains("denied") || lower.contains("access")));
        let detail = crate::text::excerpt(&if name.is_empty() {
            message.to_owned()
        } else {
            format!("{name}: {message}")
        });
        if storage {
            CcpFailure::StorageBlocked { detail }
        } else {
            CcpFailure::InitThrew { detail }
        }
    }

    /// A stable code for the console and the trace.
    pub fn code(&self) -> &'static str {
        match self {
            CcpFailure::StorageBlocked { .. } => "ccp.storage_blocked",
            CcpFailure::InitThrew { .. } => "ccp.init_failed",
            CcpFailure::AuthFail => "ccp.auth_fail",
            CcpFailure::AccessDenied => "ccp.access_denied",
            CcpFailure::NotAnswering { .. } => "ccp.not_answering",
            CcpFailure::IframeRetriesExhausted => "ccp.iframe_retries_exhausted",
            CcpFailure::Terminated => "ccp.terminated",
            CcpFailure::LoginPopupBlocked => "ccp.login_popup_blocked",
        }
    }

    /// What the status line says after `CCP: failed: ` (`CCP: not answering: ` for [`CcpFailure::NotAnswering`],
    /// which may still end well): the cause, then what to check or do. Every failure
    /// offers the page's Retry button, which the texts mention.
    pub fn message(&self) -> String {
        match self {
            CcpFailure::StorageBlocked { detail } => format!(
                "the browser blocks storage for this frame ({detail}), so the CCP cannot start: allow third-party \
                 cookies and site data for this page's origin and the Amazon Connect origin (or open the CCP in its \
                 own window), then press Retry"
            ),
            CcpFailure::InitThrew { detail } => {
                format!("connect.core.initCCP failed ({detail}); press Retry, or reload the page")
            }
            CcpFailure::AuthFail => "not signed in to Amazon Connect (authentication failed): sign in in the Connect \
                                     login pop-up — if none appeared, the browser blocked it: allow pop-ups for this \
                                     page's origin — then press Retry"
                .to_owned(),
            CcpFailure::AccessDenied => "access denied: the user lacks Amazon Connect CCP permissions (security \
                                         profile); ask an administrator, then press Retry"
                .to_owned(),
            CcpFailure::NotAnswering { after_s } => format!(
                "the CCP has not answered for {after_s} s (Amazon Connect Streams keeps trying): if the Connect login \
                 pop-up is open, sign in there; otherwise the Amazon Connect instance may refuse to be framed by \
                 this page (frame-ancestors; the browser console says \"Refused to frame\"): check that this \
                 page's origin is an approved origin of the instance, that ccpUrl is right, and that the host's \
                 Referrer-Policy keeps the origin (strict-origin-when-cross-origin); then press Retry"
            ),
            CcpFailure::IframeRetriesExhausted => "the CCP did not answer (iframe retries exhausted): check ccpUrl \
                                                   and that this page's origin is an approved origin of the Amazon \
                                                   Connect instance; a frame refused by frame-ancestors (the \
                                                   console says \"Refused to frame\") also ends here — check the \
                                                   host's Referrer-Policy (strict-origin-when-cross-origin); then \
                                                   press Retry"
                .to_owned(),
            CcpFailure::Terminated => "the Amazon Connect session ended (signed out, or the sign-in expired): sign \
                                       in again in the Connect login pop-up — if none appeared, allow pop-ups for \
                                       this page's origin — then press Retry"
                .to_owned(),
            CcpFailure::LoginPopupBlocked => "the browser blocked the Amazon Connect login pop-up, so you cannot sign \
                                              in: allow pop-ups for this page's origin (the address bar's blocked \
                                              pop-up icon), then press Retry"
                .to_owned(),
        }
    }

    /// [`CcpFailure::message`] for this page's configuration. With `loginPopup` off Streams opens no login pop-up,
    /// so a sign-in failure's text cannot send the agent to one (nor blame the browser for blocking it): the agent
    /// signs in to Amazon Connect in another browser tab, which shares the sign-in with this page's CCP, and then
    /// presses Retry.
    pub fn message_for(&self, login_popup: bool) -> String {
        match self {
            CcpFailure::AuthFail if !login_popup => "not signed in to Amazon Connect (authentication failed): this \
                                                     page opens no login pop-up (loginPopup is off), so sign in to \
                                                     Amazon Connect in another browser tab — then press Retry"
                .to_owned(),
            CcpFailure::Terminated if !login_popup => "the Amazon Connect session ended (signed out, or the sign-in \
                                                       expired): this page opens no login pop-up (loginPopup is \
                                                       off), so sign in again to Amazon Connect in another browser \
                                                       tab — then press Retry"
                .to_owned(),
            other => other.message(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_error_is_blocked_storage() {
        let f = CcpFailure::from_init_error(
            "SecurityError",
            "Failed to read the 'localStorage' property from 'Window': Access is denied for this document.",
        );
        assert!(matches!(f, CcpFailure::StorageBlocked { .. }), "{f:?}");
        assert!(f.message().contains("blocks storage for this frame"));
    }

    #[test]
    fn other_throws_are_not_storage() {
        let f = CcpFailure::from_init_error("TypeError", "connect.core is undefined");
        assert!(matches!(f, CcpFailure::InitThrew { .. }), "{f:?}");
    }
}

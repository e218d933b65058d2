//! CCP failures say their real cause and what to do (blocked third-party storage, sign-in, access,
//! a silent or refused frame, a terminated session), each ending with the page's Retry.
#![allow(clippy::unwrap_used)]

use bridge_core::CcpFailure;

#[test]
fn init_ccp_security_error_names_blocked_storage_and_what_to_allow() {
    let f = CcpFailure::from_init_error(
        "SecurityError",
        "Failed to read the 'localStorage' property from 'Window': Access is denied for this document.",
    );
    assert_eq!(f.code(), "ccp.storage_blocked");
    let m = f.message();
    assert!(m.contains("the browser blocks storage for this frame"), "{m}");
    assert!(m.contains("third-party cookies"), "{m}");
    assert!(m.contains("this page's origin and the Amazon Connect origin"), "{m}");
    assert!(m.contains("open the CCP in its own window"), "{m}");
    assert!(m.contains("Retry"), "{m}");
}

#[test]
fn init_ccp_storage_message_without_a_name_is_still_blocked_storage() {
    let f = CcpFailure::from_init_error("", "The operation is insecure: localStorage access denied");
    assert_eq!(f.code(), "ccp.storage_blocked");
    let other = CcpFailure::from_init_error("TypeError", "Cannot read properties of undefined (reading 'x')");
    assert_eq!(other.code(), "ccp.init_failed");
    assert!(!other.message().contains("storage"), "{}", other.message());
}

#[test]
fn init_ccp_error_detail_is_bounded_and_plain_text() {
    let long = format!("SecurityError {}", "x".repeat(10_000));
    let m = CcpFailure::from_init_error("SecurityError", &long).message();
    assert!(m.len() < 1_000, "{}", m.len());
    let hostile = CcpFailure::from_init_error("SecurityError", "a\u{202e}b\u{0}c").message();
    assert!(
        !hostile.contains('\u{202e}') && !hostile.contains('\u{0}'),
        "{hostile:?}"
    );
}

#[test]
fn every_streams_failure_names_its_cause_and_retry() {
    let cases = [
        (CcpFailure::AuthFail, "not signed in to Amazon Connect"),
        (CcpFailure::AccessDenied, "access denied"),
        (
            CcpFailure::IframeRetriesExhausted,
            "the CCP did not answer (iframe retries exhausted)",
        ),
        (CcpFailure::Terminated, "the Amazon Connect session ended"),
    ];
    for (f, cause) in cases {
        let m = f.message();
        assert!(m.starts_with(cause), "{m}");
        assert!(m.contains("Retry"), "{m}");
    }
}

#[test]
fn sign_in_failures_name_a_blocked_login_pop_up() {
    for f in [CcpFailure::AuthFail, CcpFailure::Terminated] {
        let m = f.message();
        assert!(m.contains("allow pop-ups for this page's origin"), "{m}");
    }
}

/// With `loginPopup` off there is no pop-up to sign in to or to allow; other failures read the same either way.
#[test]
fn sign_in_failures_without_the_login_pop_up_name_another_tab() {
    for f in [CcpFailure::AuthFail, CcpFailure::Terminated] {
        let m = f.message_for(false);
        assert!(
            !m.contains("pop-ups for this page") && m.contains("another browser tab") && m.contains("Retry"),
            "{m}"
        );
        assert_eq!(f.message_for(true), f.message());
    }
    let denied = CcpFailure::AccessDenied;
    assert_eq!(denied.message_for(false), denied.message());
}

#[test]
fn a_silent_frame_names_approved_origins_frame_ancestors_and_referrer_policy() {
    let m = CcpFailure::IframeRetriesExhausted.message();
    assert!(m.contains("approved origin"), "{m}");
    assert!(m.contains("frame-ancestors"), "{m}");
    assert!(m.contains("Referrer-Policy"), "{m}");
}

#[test]
fn a_blocked_login_pop_up_is_named_with_what_to_allow() {
    let f = CcpFailure::LoginPopupBlocked;
    assert_eq!(f.code(), "ccp.login_popup_blocked");
    let m = f.message();
    assert!(
        m.starts_with("the browser blocked the Amazon Connect login pop-up"),
        "{m}"
    );
    assert!(
        m.contains("allow pop-ups for this page's origin") && m.contains("Retry"),
        "{m}"
    );
}

/// A CCP frame refused by `frame-ancestors` cannot be seen from the page; it is a CCP that never answers.
/// Both texts for that — after `ccp_answer_wait_ms` without an answer, and when Streams gives up — name what to
/// check: the approved origins, frame-ancestors ("Refused to frame" in the console), the host's Referrer-Policy.
#[test]
fn a_ccp_that_never_answers_names_frame_ancestors_approved_origins_and_referrer_policy() {
    use bridge_core::ccp_failure::ccp_answer_wait_ms;
    assert_eq!(ccp_answer_wait_ms(None), 15_000);
    assert_eq!(ccp_answer_wait_ms(Some(1_000)), 15_000);
    assert_eq!(ccp_answer_wait_ms(Some(40_000)), 40_000);
    let waiting = CcpFailure::NotAnswering { after_s: 15 };
    assert_eq!(waiting.code(), "ccp.not_answering");
    let m = waiting.message();
    assert!(
        m.starts_with("the CCP has not answered for 15 s (Amazon Connect Streams keeps trying)"),
        "{m}"
    );
    for f in [waiting, CcpFailure::IframeRetriesExhausted] {
        let m = f.message();
        for needle in [
            "frame-ancestors",
            "Refused to frame",
            "approved origin",
            "ccpUrl",
            "Referrer-Policy",
            "strict-origin-when-cross-origin",
            "Retry",
        ] {
            assert!(m.contains(needle), "{f:?} lacks {needle:?}: {m}");
        }
    }
    assert!(CcpFailure::NotAnswering { after_s: 15 }
        .message()
        .contains("sign in there"));
}

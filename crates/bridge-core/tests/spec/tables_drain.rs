//! Memory stays flat (§6): after many contacts come and go, no per-contact entry is left in the core's tables,
//! and the core waits for no request Dynamics never settled (the shell keeps nothing per request, so this is
//! all there is to free).
#![allow(clippy::unwrap_used)]

use super::common;

use std::collections::BTreeSet;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn tables_are_empty_after_contacts_come_and_go() {
    let mut p = Pair::default_ready();
    let mut unanswered = BTreeSet::new();
    for n in 0..300 {
        let id = format!("contact-{n}");
        p.ring(&id, Scenario::Single);
        if n % 3 == 0 {
            // Popped in full: accept, capacity, session, tabs, end, release, session closed.
            p.accept_toast();
            p.can_create();
            let session = format!("s-{n}");
            p.session_created(&session);
            for (r, _, call) in p.all("createTab") {
                let _ = call;
                p.resolve(r, json!("tab"));
            }
            p.event(&id, ContactEventKind::Ended, Some(voice("ended", Scenario::Single)));
            p.event(&id, ContactEventKind::Destroyed, None);
            p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": session}));
        } else {
            // Abandoned while ringing: Dynamics never settles the notifyEvent after cancelEvent.
            unanswered.insert(p.req("notifyEvent"));
            p.event(&id, ContactEventKind::Missed, Some(voice("missed", Scenario::Single)));
            p.event(&id, ContactEventKind::Destroyed, None);
            if let Some(r) = p.all("cancelEvent").last().map(|(r, _, _)| *r) {
                p.resolve(r, json!(null));
            }
        }
    }
    p.advance(120_000);
    let counts = p.bridge.debug_counts();
    assert_eq!(
        counts,
        DebugCounts {
            handled: 100,
            switch_seen: counts.switch_seen,
            released_unpopped: counts.released_unpopped,
            ..DebugCounts::default()
        },
        "only the bounded memories may hold entries (the popped contacts are remembered; the missed ones may be \
         offered again)"
    );
    assert!(counts.switch_seen <= 32, "{counts:?}");
    assert!(counts.released_unpopped <= 64, "{counts:?}");
    assert_eq!(p.all("createSession").len(), 100, "every third contact popped");
    let still_awaited: Vec<_> = unanswered.iter().filter(|r| p.bridge.awaits_reply(**r)).collect();
    assert!(
        still_awaited.is_empty(),
        "notifyEvent requests never settled and still waited for: {still_awaited:?}"
    );
}

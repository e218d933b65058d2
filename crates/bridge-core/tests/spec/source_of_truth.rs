//! §3.14: Dynamics is the source of truth for sessions. A page reloaded at any step of a pop — with web storage
//! working or blocked — ends with exactly one session and its tabs; nothing is left counted or held.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::{json, Map, Value};

/// One session in the stand-in: id, contact id, tabs opened, context written by `updateContext`.
type OrgSession = (String, String, Vec<String>, Map<String, Value>);

/// A Dynamics stand-in that carries out what the bridge asks at once (as a healthy org does) and remembers
/// every session with the contact id and the tabs opened in it.
#[derive(Default)]
struct Org {
    sessions: Vec<OrgSession>,
    focused: Option<String>,
}

impl Org {
    /// Answers every CIF call in `p`'s log from `from` on, except those `hold` says to leave unanswered
    /// (their effect still happens in Dynamics: the page reloads before the answer arrives).
    fn serve(&mut self, p: &mut Pair, hold: impl Fn(&CifCall) -> bool) {
        self.serve_deferring(p, hold, |_| false);
    }

    /// [`Org::serve`], except that the calls `defer` picks are neither carried out nor answered yet (a busy
    /// Dynamics): they are returned, for the test to carry out later.
    fn serve_deferring(
        &mut self,
        p: &mut Pair,
        hold: impl Fn(&CifCall) -> bool,
        defer: impl Fn(&CifCall) -> bool,
    ) -> Vec<CifCall> {
        let mut deferred = Vec::new();
        let mut seen = 0;
        loop {
            let calls: Vec<(RequestId, Option<ContactId>, CifCall)> = p.log[seen..]
                .iter()
                .filter_map(|c| match c {
                    Command::Cif {
                        request, contact, call, ..
                    } => Some((*request, contact.clone(), call.clone())),
                    _ => None,
                })
                .collect();
            seen = p.log.len();
            if calls.is_empty() {
                return deferred;
            }
            for (request, _, call) in calls {
                if defer(&call) {
                    deferred.push(call);
                    continue;
                }
                let answer = self.carry_out(&call);
                if !hold(&call) {
                    p.resolve(request, answer);
                }
            }
        }
    }

    fn carry_out(&mut self, call: &CifCall) -> Value {
        match call {
            CifCall::NotifyEvent { .. } => json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
            CifCall::CanCreateSession => json!(true),
            CifCall::CreateSession {
                template_parameters, ..
            } => {
                let id = format!("session-{}", self.sessions.len() + 1);
                let contact = template_parameters["contactId"].as_str().unwrap().to_owned();
                self.sessions.push((id.clone(), contact, Vec::new(), Map::new()));
                self.focused = Some(id.clone());
                json!(id)
            }
            CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. } => {
                let focused = self.focused.clone();
                if let Some(s) = self.sessions.iter_mut().find(|s| Some(&s.0) == focused.as_ref()) {
                    s.2.push(
                        describe(&Command::Cif {
                            request: RequestId(0),
                            contact: None,
                            correlation_id: String::new(),
                            call: call.clone(),
                        })
                        .unwrap(),
                    );
                }
                json!("tab")
            }
            CifCall::GetAllSessions => json!(self.sessions.iter().map(|s| s.0.clone()).collect::<Vec<_>>()),
            CifCall::GetSession { session_id } => {
                let s = self.sessions.iter().find(|s| s.0 == *session_id).unwrap();
                let mut context = s.3.clone();
                context.insert("templateParameters".into(), json!({"contactId": s.1}));
                // The CIF sample reads a Map; the shell hands the core an object.
                json!({"sessionId": s.0, "context": context, "isFocused": self.focused.as_ref() == Some(&s.0)})
            }
            CifCall::UpdateContext { session_id, input } => {
                if let Some(s) = self.sessions.iter_mut().find(|s| s.0 == *session_id) {
                    s.3.extend(input.clone());
                }
                json!("ok")
            }
            _ => json!("ok"),
        }
    }

    fn sessions_of(&self, contact: &str) -> Vec<&OrgSession> {
        self.sessions.iter().filter(|s| s.1 == contact).collect()
    }
}

/// Where the first page is when it reloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Notified,
    Accepted,
    CreateSessionInFlight,
    SessionCreated,
    CreateTabInFlight,
    TabsOpen,
}

const STEPS: [Step; 6] = [
    Step::Notified,
    Step::Accepted,
    Step::CreateSessionInFlight,
    Step::SessionCreated,
    Step::CreateTabInFlight,
    Step::TabsOpen,
];

fn page(nonce: &str, storage: bool) -> Pair {
    let layer = ConfigLayer {
        source: ConfigSource::Url,
        values: json!({"customerRecordTab": "tab"}).as_object().cloned().unwrap(),
    };
    let mut p = Pair::new(Config::resolve(&[layer]).0);
    p.bridge = Bridge::new(p.bridge.config().clone(), p.now).with_page_nonce(nonce);
    if !storage {
        p.input(Input::StorageUnavailable {
            reason: "SecurityError: The operation is insecure.".into(),
        });
        // A load that cannot read what the page before left holds the pop turn for popTurnMs from its start (a
        // request of that page may still be carried out): these pages are looked at after that.
        p.advance(1_500);
    }
    p
}

/// Runs the seed's single-match call on a first page up to `step`, reloads, and lets the second page finish.
fn reload_at(step: Step, storage: bool) -> (Org, Pair) {
    let mut org = Org::default();
    let mut first = page("first", storage);
    first.ready();
    first.ring(CONTACT_ID, Scenario::Single);
    let hold_notify = step == Step::Notified;
    org.serve(&mut first, |c| match c {
        CifCall::NotifyEvent { .. } => hold_notify,
        CifCall::CanCreateSession => step == Step::Accepted,
        CifCall::CreateSession { .. } => step == Step::CreateSessionInFlight,
        CifCall::CreateTab { .. } => matches!(step, Step::SessionCreated | Step::CreateTabInFlight),
        _ => false,
    });
    if step == Step::SessionCreated {
        // The tabs were not even sent: the page reloads right after createSession answered.
        let sent_tabs = org.sessions.first().map_or(0, |s| s.2.len());
        assert!(sent_tabs <= 2);
    }
    let connected = step != Step::Notified;
    let mut second = page("second", storage);
    if storage {
        second.input(Input::Restore(first.stored()));
    }
    let state = if connected { "connected" } else { "connecting" };
    second.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice(state, Scenario::Single)),
    );
    second.ready();
    org.serve(&mut second, |_| false);
    (org, second)
}

#[test]
fn a_reload_at_every_step_ends_with_one_session_and_each_tab_once_with_storage() {
    for step in STEPS {
        let (org, second) = reload_at(step, true);
        let sessions = org.sessions_of(CONTACT_ID);
        assert_eq!(sessions.len(), 1, "{step:?}: {:?}", org.sessions);
        let tabs = &sessions[0].2;
        let expected = [
            format!("createTab extn_entity_record phonecall {ACTIVITY_ID}"),
            format!("createTab extn_entity_record contact {CUSTOMER_ID}"),
        ];
        for tab in &expected {
            assert_eq!(tabs.iter().filter(|t| *t == tab).count(), 1, "{step:?}: {tabs:?}");
        }
        assert_eq!(
            second.bridge.session_of(CONTACT_ID),
            Some(sessions[0].0.as_str()),
            "{step:?}"
        );
        let counts = second.bridge.debug_counts();
        assert_eq!(
            (counts.cif_pending, counts.orphan_due, counts.turn_released),
            (0, 0, 0),
            "{step:?} {counts:?}"
        );
    }
}

#[test]
fn a_reload_at_every_step_ends_with_one_session_and_each_tab_once_with_storage_blocked() {
    for step in STEPS {
        let (org, second) = reload_at(step, false);
        let sessions = org.sessions_of(CONTACT_ID);
        assert_eq!(sessions.len(), 1, "{step:?}: {:?}", org.sessions);
        let tabs = &sessions[0].2;
        for tab in [
            format!("createTab extn_entity_record phonecall {ACTIVITY_ID}"),
            format!("createTab extn_entity_record contact {CUSTOMER_ID}"),
        ] {
            assert_eq!(tabs.iter().filter(|t| **t == tab).count(), 1, "{step:?}: {tabs:?}");
        }
        assert_eq!(
            second.bridge.session_of(CONTACT_ID),
            Some(sessions[0].0.as_str()),
            "{step:?}"
        );
        assert!(
            !second.log.iter().any(|c| matches!(c, Command::Persist { .. })),
            "{step:?}: nothing is written to a storage that throws"
        );
    }
}

#[test]
fn with_storage_blocked_the_tabs_requested_are_recorded_in_the_session_context() {
    let mut org = Org::default();
    let mut p = page("n1", false);
    p.ready();
    p.ring(CONTACT_ID, Scenario::Single);
    org.serve(&mut p, |_| false);
    let context = &org.sessions[0].3;
    assert_eq!(context.get("ccbTabs"), Some(&json!("activity,customer")), "{context:?}");
}

#[test]
fn a_reloaded_page_asks_dynamics_before_any_pop_and_a_fresh_one_for_contacts_already_there() {
    let mut fresh = Pair::default_ready();
    fresh.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    fresh.event(
        "ringing",
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    assert_eq!(
        fresh.take(),
        vec!["getAllSessions", "notifyEvent extn_voice_notification"],
        "already there when this page loaded: a page before it may have popped them and lost its storage; a \
         ringing one's toast is raised at once"
    );
    let r = fresh.req("getAllSessions");
    fresh.resolve(r, json!([]));
    assert_eq!(fresh.take(), vec!["canCreateSession"]);
    fresh.event(
        "live",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert!(
        !fresh.take().iter().any(|c| c == "getAllSessions"),
        "a contact first seen live is popped without asking again"
    );
    let mut blocked = page("n", false);
    blocked.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    blocked.ready();
    assert_eq!(
        blocked.take(),
        vec!["getAllSessions"],
        "storage blocked: Dynamics first"
    );
    assert_eq!(blocked.bridge.contact_state(CONTACT_ID), Some("WaitingForTurn"));
    let r = blocked.req("getAllSessions");
    blocked.resolve(r, json!([]));
    assert_eq!(blocked.take(), vec!["canCreateSession"]);
}

#[test]
fn a_restored_contact_streams_never_delivers_again_is_released_after_the_grace_period() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionUnknown"));
    assert_eq!(
        p.bridge.open_sessions(),
        1,
        "its session may still appear: its slot is held"
    );
    p.advance(30_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(
        p.bridge.open_sessions(),
        0,
        "Dynamics says it never came: the slot is free"
    );
    assert!(
        p.all("canCreateSession").is_empty(),
        "no pop for a contact Streams has not delivered"
    );
    p.advance(30_000);
    assert_eq!(
        p.bridge.contact_state(CONTACT_ID),
        None,
        "released: the contact ended meanwhile"
    );
    assert!(p.bridge.was_handled(CONTACT_ID));
    assert_eq!(p.bridge.open_sessions(), 0);
    let counts = p.bridge.debug_counts();
    assert_eq!(
        (counts.contacts, counts.timers, counts.orphan_due),
        (0, 0, 0),
        "{counts:?}"
    );
}

#[test]
fn notification_tokens_and_correlation_ids_never_repeat_across_page_loads() {
    let tokens_and_correlation = |nonce: &str| {
        let mut p = Pair::new(Config::default());
        p.bridge = Bridge::new(Config::default(), p.now).with_page_nonce(nonce);
        p.ready();
        p.ring(CONTACT_ID, Scenario::Single);
        let (_, _, correlation, call) = p.last("notifyEvent");
        let CifCall::NotifyEvent { cancellation_token, .. } = call else {
            unreachable!()
        };
        (cancellation_token, correlation)
    };
    let (t1, c1) = tokens_and_correlation("a1b2");
    let (t2, c2) = tokens_and_correlation("c3d4");
    assert_ne!(t1, t2, "the same contact, the same first request: different pages");
    assert!(t1.contains(CONTACT_ID) && t1.contains("a1b2"), "{t1}");
    assert_ne!(c1, c2);
    assert!(Guid::parse(&c1).is_some(), "{c1}");
}

/// A first page rings the seed's contact; Dynamics carries out every call but those `defer` picks, which are
/// returned for the test to carry out later: the page reloads with them unanswered.
fn first_page_leaving(org: &mut Org, storage: bool, defer: impl Fn(&CifCall) -> bool) -> (Pair, Vec<CifCall>) {
    let mut first = page("first", storage);
    first.ready();
    first.ring(CONTACT_ID, Scenario::Single);
    let deferred = org.serve_deferring(&mut first, |_| false, defer);
    (first, deferred)
}

/// The page after `first`, with what it stored and the contact delivered again, connected.
fn reloaded_after(first: &Pair) -> Pair {
    let mut second = page("second", true);
    second.input(Input::Restore(first.stored()));
    second.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    second.ready();
    second
}

/// Dynamics was busy when the page reloaded: it carried the first page's `createSession` out only after the
/// reloaded page had asked which sessions exist (none yet). The new session gains the focus, and the reloaded
/// page, whose stored record says a session was on its way, asks Dynamics again at once: the session is adopted
/// and its tabs open now, not after `sessionOrphanMs`.
#[test]
fn a_session_dynamics_makes_after_the_reloaded_page_asked_is_adopted_as_it_gains_the_focus() {
    let mut org = Org::default();
    let (first, queued) = first_page_leaving(&mut org, true, |c| matches!(c, CifCall::CreateSession { .. }));
    assert_eq!(queued.len(), 1, "{:?}", first.log);

    let mut second = reloaded_after(&first);
    org.serve(&mut second, |_| false);
    assert!(org.sessions.is_empty(), "{:?}", org.sessions);
    assert_eq!(
        second.all("createSession").len(),
        0,
        "a session is on its way: none made"
    );

    let Some(session) = org.carry_out(&queued[0]).as_str().map(str::to_owned) else {
        panic!("createSession answers a session id");
    };
    switch(&mut second, &session, true);
    org.serve(&mut second, |_| false);
    assert_eq!(second.bridge.session_of(CONTACT_ID), Some(session.as_str()));
    let tabs = &org.sessions_of(CONTACT_ID)[0].2;
    for tab in [
        format!("createTab extn_entity_record phonecall {ACTIVITY_ID}"),
        format!("createTab extn_entity_record contact {CUSTOMER_ID}"),
    ] {
        assert_eq!(tabs.iter().filter(|t| **t == tab).count(), 1, "{tabs:?}");
    }
    assert_eq!(org.sessions.len(), 1);
    assert_eq!(second.bridge.debug_counts().orphan_due, 0);
}

/// The same with web storage blocked: the reloaded page cannot know a session is on its way, but the session
/// gains the focus before Streams delivers its contact again, and this page made no `createSession` that could
/// have made it. Dynamics is asked whose it is, and the contact takes it: no second session.
#[test]
fn without_storage_a_session_focused_before_its_contact_is_delivered_again_is_its_session() {
    let mut org = Org::default();
    let (first, queued) = first_page_leaving(&mut org, false, |c| matches!(c, CifCall::CreateSession { .. }));
    assert_eq!(queued.len(), 1, "{:?}", first.log);

    let mut second = page("second", false);
    second.ready();
    org.serve(&mut second, |_| false);
    let Some(session) = org.carry_out(&queued[0]).as_str().map(str::to_owned) else {
        panic!("createSession answers a session id");
    };
    switch(&mut second, &session, true);
    second.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    org.serve(&mut second, |_| false);
    assert_eq!(org.sessions.len(), 1, "{:?}", org.sessions);
    assert_eq!(second.bridge.session_of(CONTACT_ID), Some(session.as_str()));
    let tabs = &org.sessions[0].2;
    for tab in [
        format!("createTab extn_entity_record phonecall {ACTIVITY_ID}"),
        format!("createTab extn_entity_record contact {CUSTOMER_ID}"),
    ] {
        assert_eq!(tabs.iter().filter(|t| **t == tab).count(), 1, "{tabs:?}");
    }
}

/// A session of this provider from before the reload that the agent clicks again and again is asked about
/// once, not at every click, even when Dynamics will not say whose it is.
#[test]
fn an_unknown_session_the_agent_returns_to_is_asked_about_once() {
    let mut p = Pair::default_ready();
    for _ in 0..3 {
        switch(&mut p, "from-before", true);
        // Dynamics lists it, and will not say whose it is (`getSession` fails until the page gives up).
        if let Some((r, _, _)) = p.all("getAllSessions").last().cloned() {
            if p.bridge.awaits_reply(r) {
                p.resolve(r, json!(["from-before"]));
            }
        }
        for _ in 0..10 {
            if let Some((g, _, _)) = p.all("getSession").last().cloned() {
                if p.bridge.awaits_reply(g) {
                    p.reject(
                        g,
                        json!({"message": "RejectAfterClientError", "msdyn_name": "GetSession"}),
                    );
                }
            }
            p.advance(5_000);
        }
        switch(&mut p, "from-before", false);
    }
    assert_eq!(p.all("getAllSessions").len(), 1, "{:?}", p.log);
}

/// The page reloaded with a contact's tab requests unanswered, and Dynamics carries them out a moment later, in
/// whichever session is focused then. Another contact accepted meanwhile waits `popTurnMs` before its
/// `createSession` moves the focus, as it would have on the page before: the tabs land in their own session.
#[test]
fn tabs_the_page_before_left_unanswered_hold_the_pop_turn_after_the_reload() {
    let mut org = Org::default();
    let (first, queued) = first_page_leaving(&mut org, true, |c| matches!(c, CifCall::CreateTab { .. }));
    assert_eq!(queued.len(), 2, "{:?}", first.log);

    let mut second = reloaded_after(&first);
    second.ring("other", Scenario::Single);
    org.serve(&mut second, |_| false);
    assert_eq!(
        second.all("canCreateSession").len(),
        0,
        "the turn is held: {:?}",
        second.log
    );
    for tab in &queued {
        org.carry_out(tab);
    }
    second.advance(1_500);
    org.serve(&mut second, |_| false);
    assert_eq!(org.sessions.len(), 2, "{:?}", org.sessions);
    let mine = &org.sessions_of(CONTACT_ID)[0].2;
    let others = &org.sessions_of("other")[0].2;
    // Both contacts have the same slugs here: each session holds its own two tabs, none of the other's.
    assert_eq!((mine.len(), others.len()), (2, 2), "{mine:?} {others:?}");
}

/// The same hold when the load cannot read its storage at all: it cannot tell whether the page before left a
/// request unanswered, so it holds the turn as if it had; the contact pops once `popTurnMs` is over.
#[test]
fn a_load_that_cannot_read_its_storage_holds_the_pop_turn_for_pop_turn_ms() {
    let mut p = Pair::new(Config::default());
    p.input(Input::StorageUnavailable {
        reason: "SecurityError: The operation is insecure.".into(),
    });
    p.ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert!(p.all("canCreateSession").is_empty(), "{:?}", p.log);
    p.advance(1_500);
    assert_eq!(p.all("canCreateSession").len(), 1, "{:?}", p.log);
}

fn switch(p: &mut Pair, session: &str, focused: bool) {
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": session, "focused": focused}),
    );
}

/// The contact popped in `s1` while the agent looked at another session: its tabs wait.
fn popped_while_the_agent_looks_elsewhere() -> Pair {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    switch(&mut p, "s1", true);
    switch(&mut p, "s1", false);
    switch(&mut p, "other", true);
    p.session_created("s1");
    assert!(p.take().iter().all(|c| !c.starts_with("createTab")), "deferred");
    p
}

/// A page reloaded with `stored`, the contact delivered again, and Dynamics listing `s1`.
fn reloaded_with_s1_listed(stored: RestoredState) -> Pair {
    let mut q = Pair::new(Config::default());
    q.input(Input::Restore(stored));
    q.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    q.ready();
    let r = q.req("getAllSessions");
    q.resolve(r, json!(["s1"]));
    q
}

/// Storage that reads but stopped taking writes after the last pop: the record it gives back after a reload says
/// a tab was still to open, while the session's own context (written because the write failed) says it opened.
/// Dynamics wins: the tab does not open twice.
#[test]
fn a_stale_stored_record_does_not_open_a_tab_the_sessions_context_says_is_open() {
    let mut p = popped_while_the_agent_looks_elsewhere();
    let stale = p.stored();
    p.input(Input::StorageUnavailable {
        reason: "QuotaExceededError".into(),
    });
    switch(&mut p, "other", false);
    switch(&mut p, "s1", true);
    assert_eq!(p.take().iter().filter(|c| c.starts_with("createTab")).count(), 1);
    assert!(!p.all("updateContext").is_empty(), "the tab is recorded in the session");

    let mut q = reloaded_with_s1_listed(stale);
    let g = q.req("getSession");
    q.resolve(
        g,
        json!({"sessionId": "s1", "isFocused": true,
               "context": {"templateParameters": {"contactId": CONTACT_ID}, "ccbTabs": "activity"}}),
    );
    switch(&mut q, "s1", true);
    assert!(q.take().iter().all(|c| !c.starts_with("createTab")), "no tab twice");
    assert_eq!(q.bridge.session_of(CONTACT_ID), Some("s1"));
}

/// The same reload when Dynamics cannot say (getSession keeps failing): what storage said stands, the session
/// keeps its contact and the tab opens (a missing screen costs more than a second one).
#[test]
fn a_restored_session_dynamics_will_not_describe_keeps_its_contact() {
    let stored = popped_while_the_agent_looks_elsewhere().stored();
    let mut q = reloaded_with_s1_listed(stored);
    for _ in 0..10 {
        if let Some((g, _, _)) = q.all("getSession").last().cloned() {
            if q.bridge.awaits_reply(g) {
                q.reject(
                    g,
                    json!({"message": "RejectAfterClientError", "msdyn_name": "GetSession"}),
                );
            }
        }
        q.advance(5_000);
    }
    switch(&mut q, "s1", true);
    assert_eq!(q.bridge.session_of(CONTACT_ID), Some("s1"));
    assert_eq!(q.all("createSession").len(), 0);
    assert_eq!(q.take().iter().filter(|c| c.starts_with("createTab")).count(), 1);
}

/// A released contact's session stays open for wrap-up; at a reload another contact's `createSession` was in
/// flight and Dynamics never carried it out. On a CIF whose `getSession` context carries no contact id, the one
/// session Dynamics lists must not be taken for the contact in doubt: the page stored it as a released contact's.
#[test]
fn a_released_contacts_session_is_never_taken_for_the_contact_in_doubt_after_a_reload() {
    let mut first = Pair::default_ready();
    first.event(
        "a",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    first.can_create();
    first.session_created("sA");
    first.event("a", ContactEventKind::Destroyed, None);
    first.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    first.can_create();
    let stored = first.stored();
    assert!(
        stored
            .contacts
            .as_deref()
            .unwrap_or_default()
            .contains(r#""otherSessions":["sA"]"#),
        "{stored:?}"
    );

    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(stored));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Multi)),
    );
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["sA"]));
    // Asked about (its contact's handled chunk may not have been written), and named by no contact here.
    let g = p.req("getSession");
    p.resolve(g, json!({"sessionId": "sA", "context": {}}));
    assert_ne!(p.bridge.session_of(CONTACT_ID), Some("sA"));
    // Dynamics never made the contact's session: after sessionOrphanMs it is opened once more.
    p.advance(40_000);
    if let Some((r, _, _)) = p.all("getAllSessions").last().cloned() {
        if p.bridge.awaits_reply(r) {
            p.resolve(r, json!(["sA"]));
        }
    }
    p.advance(40_000);
    if let Some((r, _, _)) = p.all("canCreateSession").last().cloned() {
        if p.bridge.awaits_reply(r) {
            p.resolve(r, json!(true));
        }
    }
    assert_eq!(p.all("createSession").len(), 1, "{:?}", p.take());
    assert_eq!(p.bridge.open_sessions(), 2, "sA still counts, and the new one");
}

/// Dynamics named a session for a contact Streams has not delivered; the session is then gone from Dynamics'
/// list: nothing is kept to adopt (the page holds nothing per vanished session).
#[test]
fn a_session_named_for_an_undelivered_contact_is_forgotten_when_dynamics_no_longer_lists_it() {
    let (mut p, g) = reloaded_asking_about_s9();
    p.resolve(g, json!({"sessionId": "s9", "context": {"contactId": "undelivered-1"}}));
    assert_eq!(p.bridge.debug_counts().dynamics_owners, 1);
    p.connected_until_create_session();
    let c = p.req("createSession");
    p.reject_time_limit(c, "CreateSession");
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(p.bridge.debug_counts().dynamics_owners, 0);
}

/// What `getSession(id)` resolves to in one published CIF host (`CIProvider.getSession`):
/// `new Map().set("sessionId", id).set("focused", …).set("context", session.context)`, where `session.context`
/// is the `context` field of the `createSession` input (the widget library forwards `input.context`; cif-v2.md
/// §4), not its `templateParameters`. The shell turns the `Map` into an object and drops an `undefined` context.
fn host_get_session(create_session: &CifCall, session_id: &str, focused: bool) -> Value {
    let input = serde_json::to_value(create_session).unwrap();
    let mut session = json!({"sessionId": session_id, "focused": focused});
    if let Some(context) = input.get("context").filter(|c| !c.is_null()) {
        session["context"] = context.clone();
    }
    session
}

/// A reload with web storage blocked, against a host whose `getSession` returns only the context given at
/// creation: the contact that already has a session is known by it and gets no second one.
#[test]
fn a_session_is_known_by_its_contact_when_get_session_returns_only_the_creation_context() {
    let blocked = || {
        let mut p = Pair::new(Config::default());
        p.input(Input::StorageUnavailable {
            reason: "SecurityError: The operation is insecure.".into(),
        });
        // A load that cannot read its storage holds the pop turn for popTurnMs from its start.
        p.advance(1_500);
        p
    };
    let mut first = blocked();
    first.ready();
    first.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    if let Some((r, _, _)) = first.all("getAllSessions").last().cloned() {
        first.resolve(r, json!([]));
    }
    first.can_create();
    let (_, _, _, create) = first.last("createSession");
    first.session_created("session-id-1");

    let mut second = blocked();
    second.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    second.ready();
    for _ in 0..6 {
        let open: Vec<(RequestId, CifCall)> = second
            .log
            .iter()
            .filter_map(|c| match c {
                Command::Cif { request, call, .. } if second.bridge.awaits_reply(*request) => {
                    Some((*request, call.clone()))
                }
                _ => None,
            })
            .collect();
        for (r, call) in open {
            let answer = match call {
                CifCall::GetAllSessions => json!(["session-id-1"]),
                CifCall::GetSession { .. } => host_get_session(&create, "session-id-1", true),
                CifCall::CanCreateSession => json!(true),
                _ => continue,
            };
            second.resolve(r, answer);
        }
        second.advance(10_000);
    }
    assert_eq!(second.all("createSession").len(), 0, "{:?}", second.take());
    assert_eq!(second.bridge.session_of(CONTACT_ID), Some("session-id-1"));
}

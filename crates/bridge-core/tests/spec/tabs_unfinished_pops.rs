//! §3.16 with §3.7, §3.11 and §3.14: what a page began before it stopped leading (a toast, a `createSession`,
//! the write of an activity's end) when another tab of the agent leads now. Two [`Pair`]s and the channel
//! between them, step by step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::common;

use bridge_core::*;
use common::{voice, Pair, Scenario, CONTACT_ID};
use serde_json::{json, Value};

const ARN: &str = "arn:aws:connect:us-east-1:111122223333:instance/7a3e/agent/4f1c";

/// One provider page with the agent known and the lock's answer given (`LockHeld` or `LockWaiting`).
fn page_configured(nonce: &str, values: &Value, restore: Option<RestoredState>, leads: bool) -> Pair {
    let layer = ConfigLayer {
        source: ConfigSource::CustomParams,
        values: values.as_object().cloned().unwrap(),
    };
    let (config, errors) = Config::resolve(&[layer]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut p = Pair::new(config.clone());
    p.bridge = Bridge::new(config, p.now).with_page_nonce(nonce);
    if let Some(stored) = restore {
        p.input(Input::Restore(stored));
    }
    p.input(Input::Leadership(LeadershipInput::AgentKnown {
        agent_arn: Some(ARN.into()),
        username: None,
    }));
    p.input(Input::Leadership(if leads {
        LeadershipInput::LockHeld
    } else {
        LeadershipInput::LockWaiting
    }));
    p.ready();
    p
}

/// Texts `p` posted on the tabs' channel since `cursor` (which moves on).
fn posts(p: &Pair, cursor: &mut usize) -> Vec<String> {
    let out = p.log[*cursor..]
        .iter()
        .filter_map(|c| match c {
            Command::Leadership(LeadershipCall::Broadcast { text }) => Some(text.clone()),
            _ => None,
        })
        .collect();
    *cursor = p.log.len();
    out
}

/// Two pages of one agent and the channel between them (messages delivered in order).
struct TwoTabs {
    a: Pair,
    b: Pair,
    a_sent: usize,
    b_sent: usize,
}

impl TwoTabs {
    /// Page A leads, page B follows.
    fn new(values: &Value) -> TwoTabs {
        let mut t = TwoTabs {
            a: page_configured("pageA", values, None, true),
            b: page_configured("pageB", values, None, false),
            a_sent: 0,
            b_sent: 0,
        };
        t.exchange();
        t
    }

    fn exchange(&mut self) {
        loop {
            let from_a = posts(&self.a, &mut self.a_sent);
            let from_b = posts(&self.b, &mut self.b_sent);
            if from_a.is_empty() && from_b.is_empty() {
                return;
            }
            for t in from_a {
                self.b.input(Input::Leadership(LeadershipInput::Peer(json!(t))));
            }
            for t in from_b {
                self.a.input(Input::Leadership(LeadershipInput::Peer(json!(t))));
            }
        }
    }

    /// Both pages see the same Streams event.
    fn both(&mut self, kind: ContactEventKind, state: &str) {
        self.a.event(CONTACT_ID, kind, Some(voice(state, Scenario::Single)));
        self.b.event(CONTACT_ID, kind, Some(voice(state, Scenario::Single)));
        self.exchange();
    }

    /// Lets `ms` pass on both pages, in steps, with the channel carried.
    fn advance(&mut self, ms: u64) {
        let mut left = ms;
        while left > 0 {
            let step = left.min(500);
            self.a.advance(step);
            self.b.advance(step);
            self.exchange();
            left -= step;
        }
    }
}

fn creates_for(p: &Pair, contact: &str) -> usize {
    p.all("createSession")
        .iter()
        .filter(|(_, _, call)| common::params(call).get("contactId").and_then(|v| v.as_str()) == Some(contact))
        .count()
}

/// §3.16 + §3.12: the agent presses "Handle contacts here" in tab B while tab A's `createSession` for a connected
/// contact is in flight. A steps down and keeps finishing its own pop; B counts the contact as popped in A.
/// Dynamics (tab A's) never creates that session: A finds none after `sessionOrphanMs`, withdraws its claim, and
/// B, which leads, pops the contact.
#[test]
fn a_session_the_old_leaders_dynamics_never_created_is_popped_by_the_new_leader() {
    let mut t = TwoTabs::new(&json!({}));
    assert_eq!(t.a.bridge.tab_role(), "leading");
    assert_eq!(t.b.bridge.tab_role(), "following");
    t.both(ContactEventKind::Connected, "connected");
    t.a.can_create();
    t.exchange();
    assert_eq!(creates_for(&t.a, CONTACT_ID), 1, "A's createSession is in flight");
    assert_eq!(t.b.bridge.contact_state(CONTACT_ID), Some("HandledElsewhere"));

    // B takes over by the button; the browser hands B the lock and tells A.
    t.b.input(Input::Leadership(LeadershipInput::TakeOverAsked));
    t.b.input(Input::Leadership(LeadershipInput::LockHeld));
    t.a.input(Input::Leadership(LeadershipInput::LockLost {
        reason: "AbortError: stolen".into(),
    }));
    t.exchange();
    assert_eq!(t.a.bridge.tab_role(), "following");
    assert_eq!(t.b.bridge.tab_role(), "leading");

    // A's Dynamics never answers and never makes the session; A asks its Dynamics at sessionOrphanMs.
    t.advance(31_000);
    no_sessions(&mut t.a);
    t.exchange();
    t.advance(60_000);
    no_sessions(&mut t.a);
    no_sessions(&mut t.b);
    t.exchange();
    t.advance(10_000);

    let a_said_once_more = t.a.report_codes().contains(&"cif.createSession.orphaned");
    assert!(a_said_once_more, "A found that Dynamics never created the session");
    assert_eq!(creates_for(&t.a, CONTACT_ID), 1, "A's unanswered one only");
    assert_eq!(
        creates_for(&t.b, CONTACT_ID),
        1,
        "the new leader pops it: {:?}",
        t.b.take()
    );
    assert_eq!(t.a.bridge.contact_state(CONTACT_ID), Some("HandledElsewhere"));
}

/// §3.16 + §3.11: tab A leads and shows a toast for a ringing contact; A reloads. B takes the lead and raises its
/// own toast. The reloaded page A' follows, restores the old toast's token from storage and gets the contact
/// delivered again: it withdraws the old toast (which nothing would answer), as a single page does.
#[test]
fn a_reloaded_page_that_follows_withdraws_the_toast_it_raised_before_the_reload() {
    let mut t = TwoTabs::new(&json!({}));
    t.both(ContactEventKind::Connecting, "connecting");
    let old_token = match t.a.last("notifyEvent").3 {
        CifCall::NotifyEvent { cancellation_token, .. } => cancellation_token,
        other => panic!("{other:?}"),
    };
    assert!(t.b.all("notifyEvent").is_empty());

    // A reloads: its lock passes to B, which leads and raises its own toast.
    let stored = t.a.stored();
    t.b.input(Input::Leadership(LeadershipInput::LockHeld));
    if let Some((r, _, _)) = t.b.all("getAllSessions").last().cloned() {
        t.b.resolve(r, json!([]));
    }
    assert_eq!(t.b.all("notifyEvent").len(), 1, "B raises the toast");
    // The reloaded page follows; Streams gives it the contact, still ringing.
    t.a = page_configured("pageA2", &json!({}), Some(stored), false);
    t.a_sent = 0;
    t.a.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    t.exchange();
    if let Some((r, _, _)) = t.a.all("getAllSessions").last().cloned() {
        t.a.resolve(r, json!([]));
    }
    t.exchange();
    t.advance(2_000);
    // The agent accepts B's toast; the contact connects everywhere.
    let r = t.b.req("notifyEvent");
    t.b.resolve(r, json!("{\"actionName\":\"Accept\"}"));
    t.b.can_create();
    t.b.session_created("s1");
    t.exchange();
    t.both(ContactEventKind::Connected, "connected");
    t.advance(5_000);

    let withdrawn = t.a.all("cancelEvent").iter().any(
        |(_, _, call)| matches!(call, CifCall::CancelEvent { cancellation_token } if *cancellation_token == old_token),
    );
    assert!(
        withdrawn,
        "the toast the page raised before its reload is still on screen in tab A (A' is {:?}); calls: {:?}",
        t.a.bridge.contact_state(CONTACT_ID),
        t.a.take()
    );
}

/// Answers every `getAllSessions` of `p` still awaited with an empty list (its Dynamics holds no session), and
/// every `canCreateSession` with room.
fn no_sessions(p: &mut Pair) {
    answer_open(p, "getAllSessions", &json!([]));
    answer_open(p, "canCreateSession", &json!(true));
}

/// Answers every `method` request of `p` still awaited with `answer`.
fn answer_open(p: &mut Pair, method: &str, answer: &Value) {
    let open: Vec<RequestId> = p
        .all(method)
        .into_iter()
        .map(|(r, _, _)| r)
        .filter(|r| p.bridge.awaits_reply(*r))
        .collect();
    for r in open {
        p.resolve(r, answer.clone());
    }
}

/// A leads and its `createSession` for a connected contact is in flight (B counts the contact as popped in A)
/// when A reloads: B gets the lock, and the reloaded page (`pageA2`) follows with what A stored.
fn leader_reloaded_with_create_session_in_flight(values: &Value) -> TwoTabs {
    let mut t = TwoTabs::new(values);
    t.both(ContactEventKind::Connected, "connected");
    t.a.can_create();
    t.exchange();
    assert_eq!(creates_for(&t.a, CONTACT_ID), 1);
    assert_eq!(t.b.bridge.contact_state(CONTACT_ID), Some("HandledElsewhere"));
    let stored = t.a.stored();
    t.b.input(Input::Leadership(LeadershipInput::LockHeld));
    no_sessions(&mut t.b);
    t.a = page_configured("pageA2", values, Some(stored), false);
    t.a_sent = 0;
    t
}

/// The same by a reload: tab A's `createSession` is in flight when A reloads; B takes the lead (A had claimed the
/// contact). The reloaded page follows, and its Dynamics never made the session: the reloaded page withdraws the
/// claim once `sessionOrphanMs` passed, and B pops the contact.
#[test]
fn a_leader_reloaded_mid_create_session_that_dynamics_never_carried_out_has_the_contact_popped_by_the_new_leader() {
    let mut t = leader_reloaded_with_create_session_in_flight(&json!({}));
    t.a.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    t.exchange();
    for _ in 0..12 {
        no_sessions(&mut t.a);
        no_sessions(&mut t.b);
        t.advance(5_000);
    }
    assert_eq!(creates_for(&t.a, CONTACT_ID), 0, "the reloaded page asks nothing again");
    assert_eq!(
        creates_for(&t.b, CONTACT_ID),
        1,
        "the new leader pops it: {:?}",
        t.b.take()
    );
    assert_eq!(t.a.bridge.contact_state(CONTACT_ID), Some("HandledElsewhere"));
}

/// The leader writes the activity's end; a moment later the agent moves the lead by "Handle contacts here". The
/// follower dropped its own copy of the write on the leader's word that it wrote the end, so the new leader
/// writes nothing.
#[test]
fn taking_the_lead_by_button_just_after_an_end_does_not_write_the_activity_again() {
    let mut t = TwoTabs::new(&json!({"updateActivityOnEnd": true, "preflight": false}));
    t.both(ContactEventKind::Connecting, "connecting");
    t.a.accept_toast();
    t.exchange();
    t.both(ContactEventKind::Connected, "connected");
    t.a.can_create();
    t.a.session_created("s1");
    answer_open(&mut t.a, "createTab", &json!("tab"));
    t.exchange();
    t.advance(30_000);
    t.both(ContactEventKind::Ended, "ended");
    assert_eq!(t.a.all("updateRecord").len(), 1, "the leader writes");
    assert_eq!(
        t.b.bridge.debug_counts().held_activity_ends,
        0,
        "the follower dropped its copy on the leader's word"
    );
    t.a.advance(1_000);
    t.b.advance(1_000);
    t.b.input(Input::Leadership(LeadershipInput::TakeOverAsked));
    t.b.input(Input::Leadership(LeadershipInput::LockHeld));
    t.a.input(Input::Leadership(LeadershipInput::LockLost {
        reason: "AbortError: stolen".into(),
    }));
    t.exchange();
    t.advance(10_000);
    assert_eq!(t.b.bridge.tab_role(), "leading");
    assert_eq!(t.b.all("updateRecord").len(), 0);
    assert_eq!(t.b.bridge.debug_counts().held_activity_ends, 0);
}

/// A's `createSession` is in flight when A reloads; B leads and counts the contact as popped in A. The reloaded
/// page's CCP delivers the contact again only after `sessionOrphanMs`: A's Dynamics never made the session, the
/// reloaded page withdraws the claim all the same, and B pops the contact once.
#[test]
fn a_contact_delivered_again_only_after_session_orphan_ms_is_popped_by_the_new_leader() {
    let mut t = leader_reloaded_with_create_session_in_flight(&json!({"preflight": false}));
    t.exchange();
    for _ in 0..8 {
        no_sessions(&mut t.a);
        no_sessions(&mut t.b);
        t.advance(5_000);
    }
    t.a.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    t.exchange();
    for _ in 0..20 {
        no_sessions(&mut t.a);
        no_sessions(&mut t.b);
        answer_open(&mut t.b, "createSession", &json!("sB"));
        answer_open(&mut t.b, "createTab", &json!("tab"));
        t.advance(5_000);
    }
    assert_eq!(creates_for(&t.a, CONTACT_ID), 0);
    assert_eq!(creates_for(&t.b, CONTACT_ID), 1, "B pops it once");
    assert_eq!(t.a.bridge.contact_state(CONTACT_ID), Some("HandledElsewhere"));
}

/// §3.7 + §3.16: tab A leads and pops a call; A reloads mid-call and the reload ends the call. B takes the lead,
/// sees the end and writes it (its word of it goes out before A' loads). The reloaded page A' follows and meets
/// the contact already over, answered before the reload and not seen to end: the leader wrote that end, so A'
/// drops it rather than holding it, and writes nothing when it comes to lead later.
#[test]
fn a_reloaded_page_that_follows_does_not_write_again_the_end_the_leader_wrote() {
    let values = json!({"updateActivityOnEnd": true, "preflight": false});
    let mut t = TwoTabs::new(&values);
    t.both(ContactEventKind::Connecting, "connecting");
    t.a.accept_toast();
    t.exchange();
    t.both(ContactEventKind::Connected, "connected");
    t.a.can_create();
    t.a.session_created("s1");
    answer_open(&mut t.a, "createTab", &json!("tab"));
    t.exchange();
    t.advance(30_000);

    // A reloads; the lock passes to B, which sees the call end and writes its end.
    let stored = t.a.stored();
    t.b.input(Input::Leadership(LeadershipInput::LockHeld));
    no_sessions(&mut t.b);
    t.b.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    t.b.advance(1_000);
    assert_eq!(t.b.all("updateRecord").len(), 1, "the new leader writes the end");

    // The reloaded page follows and meets the contact over.
    t.a = page_configured("pageA2", &values, Some(stored), false);
    t.a_sent = 0;
    t.b_sent = t.b.log.len();
    t.a.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("ended", Scenario::Single)),
    );
    t.a.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    no_sessions(&mut t.a);
    t.exchange();
    t.advance(5_000);
    assert_eq!(
        t.a.all("updateRecord").len(),
        0,
        "the follower leaves the end to the leader"
    );
    assert_eq!(
        t.a.bridge.debug_counts().held_activity_ends,
        0,
        "nothing held for later"
    );

    // B closes; A' comes to lead.
    t.a.input(Input::Leadership(LeadershipInput::LockHeld));
    no_sessions(&mut t.a);
    t.advance(5_000);
    assert_eq!(t.a.bridge.tab_role(), "leading");
    assert_eq!(
        t.a.all("updateRecord").len(),
        0,
        "the end B wrote is written a second time by the reloaded page"
    );
}

/// §3.7 + §3.16: the page led alone and pops a call; the reload ends the call. The reloaded page is told to wait
/// for the lock its own page before still held a moment: no tab answers for it, so nobody else saw the end. The
/// reloaded page holds the end and writes it once when it takes over from the silent "leader".
#[test]
fn a_reloaded_page_that_waits_for_its_own_old_lock_writes_the_end_once_on_taking_over() {
    let values = json!({"updateActivityOnEnd": true, "preflight": false});
    let mut before = page_configured("pageA", &values, None, true);
    before.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    before.can_create();
    before.session_created("s1");
    answer_open(&mut before, "createTab", &json!("tab"));
    before.advance(30_000);

    let mut a = page_configured("pageA2", &values, Some(before.stored()), false);
    a.now = before.now.plus(5_000);
    a.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("ended", Scenario::Single)),
    );
    a.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    no_sessions(&mut a);
    a.advance(60_000);
    no_sessions(&mut a);
    a.input(Input::Leadership(LeadershipInput::LockHeld));
    no_sessions(&mut a);
    a.advance(5_000);
    assert_eq!(
        a.all("updateRecord").len(),
        1,
        "the end of the call the reload ended is lost"
    );
}

//! Native micro-benchmark of the engine: what one input costs inside `bridge-core`, with no browser.
//!
//! `cargo bench -p bridge-core --bench engine` (run by `scripts/bench.sh`). Plain `std::time::Instant` around
//! each `handle_input` + command drain, the loop the shell runs; a simulated Dynamics and Streams answer every
//! command at once, so every reply is an input too. Prints a table, and JSON to the file named by
//! `BENCH_ENGINE_JSON` when set. Scenarios:
//!
//! * `seed_single`: the seed's single-match voice contact, Init → ring → notify → Accept → capacity → session →
//!   tabs → connected → ended → destroyed → session closed, one contact after another;
//! * `refresh_storm`: `onRefresh` repeated on a popped contact (Streams fires it for every live contact on every
//!   snapshot), and on a ringing one;
//! * `chats_10`: 10 concurrent chats, their events interleaved and CIF answers given in reverse order;
//! * bytes of core state per live contact: resident memory growth (Linux `/proc/self/statm`) while
//!   [`LIVE_CONTACTS`] contacts ring with a notification pending, divided by their number (coarse: pages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bridge_core::*;
use serde_json::{json, Map, Value};

const PHONE: &str = "+14255550123";
const CUSTOMER_ID: &str = "5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b";
const ACCOUNT_ID: &str = "7d3c9e1f-2a4b-4c6d-8e0f-1a2b3c4d5e6f";
const ACTIVITY_ID: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

/// The seed's slug attributes in Streams' `{key: {name, value}}` shape (as the workbench's voice-single preset).
fn seed_attributes(channel: &str) -> Value {
    let mut m = Map::new();
    let (session, notify) = if channel == "chat" {
        ("extn_chat_session", "extn_chat_notification")
    } else {
        ("extn_voice_identified_session", "extn_voice_notification")
    };
    for (k, v) in [
        ("ms_customer_entity_name", "contact"),
        ("phoneNmber", PHONE),
        ("ms_contact_id", CUSTOMER_ID),
        ("ms_customer_name", "Maria Campbell"),
        ("ms_account_id", ACCOUNT_ID),
        ("ms_id", CUSTOMER_ID),
        ("CreateTimeline", "true"),
        ("LookupSatus", "SingleMatch"),
        ("ms_session_template", session),
        ("ms_notify_template", notify),
        (
            "CallReason",
            "transcript: I would like to change the delivery address on my last order",
        ),
        ("ms_searchType", "contact"),
        ("ms_searchText", PHONE),
        ("ms_activity_id", ACTIVITY_ID),
        ("ms_entityrecord_entity_name", "phonecall"),
        ("ms_entityrecord_record_id", ACTIVITY_ID),
    ] {
        m.insert(k.to_owned(), json!({"name": k, "value": v}));
    }
    Value::Object(m)
}

fn snapshot(channel: &str, state: &str, attributes: &Value) -> ContactSnapshot {
    ContactSnapshot {
        channel: channel.to_owned(),
        state: state.to_owned(),
        inbound: Some(true),
        queue_name: Some(
            if channel == "chat" {
                "Chat Support"
            } else {
                "Customer Service"
            }
            .to_owned(),
        ),
        phone_number: (channel == "voice").then(|| PHONE.to_owned()),
        customer_name: (channel == "chat").then(|| "Alex Rivera".to_owned()),
        attributes: attributes.clone(),
        ..Default::default()
    }
}

fn contact_id(n: u64) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", n >> 16, n)
}

/// The engine plus a simulated world that answers every command at once (the answers queue as inputs).
struct World {
    bridge: Bridge,
    now: Millis,
    replies: VecDeque<Input>,
    sessions: u64,
    /// Session id → contact, so the bench can close a contact's session.
    popped: Vec<(String, String)>,
    /// Per-input times (handle_input + drain), in ns.
    samples: Vec<u32>,
    answer: bool,
}

impl World {
    fn new() -> World {
        let now = Millis(1_700_000_000_000);
        let mut w = World {
            bridge: Bridge::new(Config::default(), now),
            now,
            replies: VecDeque::new(),
            sessions: 0,
            popped: Vec::new(),
            samples: Vec::new(),
            answer: true,
        };
        w.feed(Input::Cif(CifAvailability::Ready));
        w.settle();
        w.samples.clear();
        w
    }

    /// One input, timed: `handle_input` then drain every command (the shell's loop).
    fn feed(&mut self, input: Input) {
        self.now = self.now.plus(1);
        let start = Instant::now();
        self.bridge.handle_input(self.now, input);
        let mut commands = Vec::new();
        while let Some(c) = self.bridge.poll_command() {
            commands.push(c);
        }
        let took = start.elapsed();
        self.samples.push(took.as_nanos().min(u128::from(u32::MAX)) as u32);
        for c in commands {
            self.respond(c);
        }
    }

    /// What Dynamics / Streams would answer (not timed).
    fn respond(&mut self, c: Command) {
        if !self.answer {
            return;
        }
        match c {
            Command::Cif {
                request, call, contact, ..
            } => {
                let value = match call.method_name() {
                    "notifyEvent" => json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
                    "canCreateSession" => json!(true),
                    "createSession" => {
                        self.sessions += 1;
                        let id = format!("session-id-{}", self.sessions);
                        if let Some(c) = contact {
                            self.popped.push((id.clone(), c.to_string()));
                        }
                        json!(id)
                    }
                    "createTab" => json!(format!("tab-id-{}", self.sessions)),
                    "getAllSessions" => json!("[]"),
                    "cancelEvent" => Value::Null,
                    "updateRecord" => json!("{\"id\":\"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d\"}"),
                    _ => Value::Null,
                };
                self.replies.push_back(Input::CifReply(CifReply {
                    request,
                    outcome: CifOutcome::Resolved(value),
                }));
            }
            Command::Streams { request, .. } => {
                self.replies.push_back(Input::StreamsReply(StreamsReply {
                    request,
                    outcome: Ok(()),
                }));
            }
            Command::Persist { .. }
            | Command::Report(_)
            | Command::Leadership(_)
            | Command::Startup(_)
            | Command::Status(_)
            | Command::ShowError { .. } => {}
        }
    }

    /// Feeds every queued answer (and the answers those produce).
    fn settle(&mut self) {
        while let Some(input) = self.replies.pop_front() {
            self.feed(input);
        }
    }

    fn event(&mut self, id: &str, kind: ContactEventKind, snapshot: Option<ContactSnapshot>) {
        self.feed(Input::Contact(ContactEvent {
            contact_id: id.to_owned(),
            kind,
            snapshot,
        }));
    }

    fn close_sessions(&mut self) {
        for (session, _) in std::mem::take(&mut self.popped) {
            self.feed(Input::Dynamics(DynamicsEvent {
                handler: DynamicsHandler::SessionClosed,
                payload: json!(format!("{{\"sessionId\":\"{session}\"}}")),
            }));
        }
    }
}

/// The events Streams delivers for one inbound contact, in order, as the workbench produces them.
fn one_contact(w: &mut World, id: &str, channel: &str, attrs: &Value) {
    use ContactEventKind::*;
    w.event(id, Init, Some(snapshot(channel, "connecting", attrs)));
    w.event(id, Connecting, Some(snapshot(channel, "connecting", attrs)));
    w.event(id, Refresh, Some(snapshot(channel, "connecting", attrs)));
    w.settle(); // notify → Accept → accept() + canCreateSession → createSession → createTab …
    w.event(id, Accepted, Some(snapshot(channel, "connecting", attrs)));
    w.event(id, Connected, Some(snapshot(channel, "connected", attrs)));
    w.event(id, Refresh, Some(snapshot(channel, "connected", attrs)));
    w.settle();
    w.event(id, Ended, Some(snapshot(channel, "ended", attrs)));
    w.event(id, AfterContactWork, Some(snapshot(channel, "ended", attrs)));
    w.event(id, Refresh, Some(snapshot(channel, "ended", attrs)));
    w.settle();
    w.event(id, Destroyed, None);
    w.settle();
    w.close_sessions();
    w.settle();
}

#[derive(Debug)]
struct Stats {
    name: &'static str,
    events: usize,
    ns_mean: f64,
    ns_p50: u32,
    ns_p99: u32,
    ns_max: u32,
    note: String,
}

fn stats(name: &'static str, samples: &mut [u32], note: String) -> Stats {
    samples.sort_unstable();
    let n = samples.len().max(1);
    let q = |p: f64| {
        samples
            .get(((n as f64 * p).ceil() as usize).saturating_sub(1).min(n - 1))
            .copied()
            .unwrap_or(0)
    };
    let sum: u64 = samples.iter().map(|&s| u64::from(s)).sum();
    Stats {
        name,
        events: samples.len(),
        ns_mean: sum as f64 / n as f64,
        ns_p50: q(0.50),
        ns_p99: q(0.99),
        ns_max: samples.last().copied().unwrap_or(0),
        note,
    }
}

fn seed_single(contacts: u64) -> Stats {
    let mut w = World::new();
    let attrs = seed_attributes("voice");
    // warm-up
    for n in 0..200 {
        one_contact(&mut w, &contact_id(1_000_000 + n), "voice", &attrs);
    }
    w.samples.clear();
    for n in 0..contacts {
        one_contact(&mut w, &contact_id(n), "voice", &attrs);
    }
    assert_eq!(w.bridge.contact_count(), 0, "every contact released");
    let per_contact = w.samples.len() as f64 / contacts as f64;
    let mut s = std::mem::take(&mut w.samples);
    let total: u64 = s.iter().map(|&x| u64::from(x)).sum();
    let note = format!(
        "{contacts} contacts, {per_contact:.1} inputs each, {:.1} µs of engine time per contact",
        total as f64 / contacts as f64 / 1000.0
    );
    stats("seed_single", &mut s, note)
}

fn refresh_storm(events: usize) -> (Stats, Stats) {
    let attrs = seed_attributes("voice");
    // popped, connected contact
    let mut w = World::new();
    let id = contact_id(42);
    w.event(
        &id,
        ContactEventKind::Init,
        Some(snapshot("voice", "connecting", &attrs)),
    );
    w.settle();
    w.event(
        &id,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", &attrs)),
    );
    w.settle();
    assert_eq!(w.bridge.contact_state(&id), Some("Popped"));
    w.samples.clear();
    let snap = snapshot("voice", "connected", &attrs);
    for _ in 0..events {
        w.event(&id, ContactEventKind::Refresh, Some(snap.clone()));
    }
    let mut s = std::mem::take(&mut w.samples);
    let popped = stats(
        "refresh_storm_popped",
        &mut s,
        format!("{events} × onRefresh on a popped, connected contact"),
    );
    // ringing contact, notification pending (no answers)
    let mut w = World::new();
    w.answer = false;
    w.event(
        &id,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", &attrs)),
    );
    w.samples.clear();
    let snap = snapshot("voice", "connecting", &attrs);
    for _ in 0..events {
        w.event(&id, ContactEventKind::Refresh, Some(snap.clone()));
    }
    let mut s = std::mem::take(&mut w.samples);
    let ringing = stats(
        "refresh_storm_ringing",
        &mut s,
        format!("{events} × onRefresh on a ringing contact (notification open)"),
    );
    (popped, ringing)
}

fn chats_10(rounds: u64) -> Stats {
    use ContactEventKind::*;
    let mut w = World::new();
    let attrs = seed_attributes("chat");
    let mut all = Vec::new();
    for round in 0..rounds + 20 {
        if round == 20 {
            w.samples.clear(); // the first 20 rounds are warm-up
        }
        let ids: Vec<String> = (0..10).map(|i| contact_id(round * 10 + i + 10_000_000)).collect();
        w.answer = false;
        for id in &ids {
            w.event(id, Init, Some(snapshot("chat", "connecting", &attrs)));
        }
        for id in &ids {
            w.event(id, Connecting, Some(snapshot("chat", "connecting", &attrs)));
        }
        // every live chat refreshes on every snapshot
        for id in &ids {
            w.event(id, Refresh, Some(snapshot("chat", "connecting", &attrs)));
        }
        w.answer = true;
        // answer the notifications in reverse order: re-issue by feeding replies for the pending requests
        let pending: Vec<Command> = std::iter::from_fn(|| w.bridge.poll_command()).collect();
        for c in pending.into_iter().rev() {
            w.respond(c);
        }
        w.settle();
        for id in &ids {
            w.event(id, Connected, Some(snapshot("chat", "connected", &attrs)));
        }
        for id in &ids {
            w.event(id, Refresh, Some(snapshot("chat", "connected", &attrs)));
        }
        w.settle();
        for id in &ids {
            w.event(id, Ended, Some(snapshot("chat", "ended", &attrs)));
        }
        w.settle();
        for id in &ids {
            w.event(id, Destroyed, None);
        }
        w.settle();
        w.close_sessions();
        w.settle();
        all.extend(ids);
    }
    assert_eq!(w.bridge.contact_count(), 0, "every chat released");
    let per_chat = w.samples.len() as f64 / (rounds * 10) as f64;
    let mut s = std::mem::take(&mut w.samples);
    let total: u64 = s.iter().map(|&x| u64::from(x)).sum();
    let note = format!(
        "{rounds} rounds × 10 concurrent chats, {per_chat:.1} inputs per chat, {:.1} µs of engine time per chat",
        total as f64 / (rounds * 10) as f64 / 1000.0
    );
    black_box(all);
    stats("chats_10", &mut s, note)
}

/// Resident set size in bytes (Linux), for the per-contact estimate.
fn rss() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Bytes of core state per live (ringing, notification pending) contact, from RSS growth.
fn bytes_per_live_contact(n: u64) -> Option<f64> {
    let attrs = seed_attributes("voice");
    let mut w = World::new();
    w.answer = false;
    w.samples = Vec::with_capacity(0);
    let snaps: Vec<ContactSnapshot> = vec![snapshot("voice", "connecting", &attrs)];
    let ids: Vec<String> = (0..n).map(contact_id).collect();
    let before = rss()?;
    for id in &ids {
        w.now = w.now.plus(1);
        w.bridge.handle_input(
            w.now,
            Input::Contact(ContactEvent {
                contact_id: id.clone(),
                kind: ContactEventKind::Connecting,
                snapshot: Some(snaps[0].clone()),
            }),
        );
        while let Some(c) = w.bridge.poll_command() {
            black_box(c); // dropped: nothing answers
        }
    }
    let after = rss()?;
    assert_eq!(w.bridge.contact_count() as u64, n);
    black_box(&w.bridge);
    Some(after.saturating_sub(before) as f64 / n as f64)
}

/// Contacts held at once for the per-contact memory estimate (every input re-serialises the persisted state
/// of all live contacts, so this costs O(n²): kept moderate).
const LIVE_CONTACTS: u64 = 2_000;

fn main() {
    // `cargo bench` passes --bench; a quick run for smoke tests with BENCH_QUICK=1.
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let scale = if quick { 10 } else { 1 };
    let started = Instant::now();
    let timer_cost = {
        let t = Instant::now();
        let mut d = Duration::ZERO;
        for _ in 0..100_000 {
            d += black_box(Instant::now()).elapsed();
        }
        black_box(d);
        t.elapsed().as_nanos() as f64 / 100_000.0
    };
    let mut results = vec![seed_single(3_000 / scale)];
    let (popped, ringing) = refresh_storm(100_000 / scale as usize);
    results.push(popped);
    results.push(ringing);
    results.push(chats_10(300 / scale));
    let per_contact = bytes_per_live_contact(LIVE_CONTACTS / scale);

    println!("engine (native, release, one input = handle_input + drain commands; timer overhead ≈ {timer_cost:.0} ns included)");
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>9} {:>10}  what",
        "scenario", "mean ns", "p50 ns", "p99 ns", "max ns", "inputs"
    );
    for r in &results {
        println!(
            "{:<24} {:>9.0} {:>9} {:>9} {:>9} {:>10}  {}",
            r.name, r.ns_mean, r.ns_p50, r.ns_p99, r.ns_max, r.events, r.note
        );
    }
    match per_contact {
        Some(b) => println!("core state per live contact (ringing, notification pending): ≈ {b:.0} bytes (RSS growth / {LIVE_CONTACTS} contacts)"),
        None => println!("core state per live contact: n/a (no /proc/self/statm)"),
    }
    println!("engine bench took {:.1} s", started.elapsed().as_secs_f64());

    if let Ok(path) = std::env::var("BENCH_ENGINE_JSON") {
        let scenarios: Vec<Value> = results
            .iter()
            .map(|r| {
                json!({"name": r.name, "inputs": r.events, "nsMean": r.ns_mean, "nsP50": r.ns_p50,
                       "nsP99": r.ns_p99, "nsMax": r.ns_max, "note": r.note})
            })
            .collect();
        let report = json!({
            "timerOverheadNs": timer_cost,
            "scenarios": scenarios,
            "bytesPerLiveContact": per_contact,
            "bytesPerLiveContactMethod": format!("RSS growth while {LIVE_CONTACTS} contacts ring with a notification pending, / {LIVE_CONTACTS}"),
            "quick": quick,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}

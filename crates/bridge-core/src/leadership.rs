//! Several Dynamics tabs, one agent: the words the pages of one agent use to agree which of them pops.
//!
//! Amazon Connect delivers every contact to every CCP of the agent, so with Customer Service workspace open in
//! two tabs each provider page would raise its own notification and session. The pages elect one leader with a
//! Web Lock keyed by agent and Dynamics org (a lock is released when its page dies), and talk over a
//! `BroadcastChannel` of the same name. The shell only reports what the lock and the channel did; every
//! decision (when to seek, when a silent leader counts as hung, what the new leader must not pop again) is the
//! core's (`bridge/leadership.rs`).

use serde::Serialize;
use serde_json::Value;

/// What the shell saw of the lock, the channel or the agent.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadershipInput {
    /// Streams knows the agent: the lock is per agent (its ARN, or the username) and per Dynamics org.
    AgentKnown {
        /// `agent.getConfiguration().agentARN`, unvalidated.
        agent_arn: Option<String>,
        /// `agent.getConfiguration().username`, unvalidated.
        username: Option<String>,
    },
    /// This page holds the lock (granted at once, after waiting in line, or taken over).
    LockHeld,
    /// Another page holds the lock; this page now waits in line for it.
    LockWaiting,
    /// The lock this page held was taken by another page (`steal`).
    LockLost {
        /// What the browser said, for the trace.
        reason: String,
    },
    /// The page cannot use Web Locks or `BroadcastChannel` (missing, or refused in this frame).
    Unavailable {
        /// What the browser said.
        reason: String,
    },
    /// A message another page posted on the channel, exactly as it arrived (normally JSON text).
    Peer(Value),
    /// The agent pressed "Handle contacts here".
    TakeOverAsked,
}

/// What the shell does with the lock and the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LeadershipCall {
    /// Ask for the lock named `lock_name` if it is free, else wait in line for it; listen on the channel of
    /// the same name. Repeated after losing the lock, to wait in line again.
    Seek {
        /// `connect-cif-bridge:<org origin>:<agent>`.
        lock_name: String,
    },
    /// Take the lock from the page that holds it (`steal`): the agent asked, or that page stopped answering.
    TakeOver,
    /// Post this text on the channel.
    Broadcast {
        /// A [`PeerMessage`] as JSON.
        text: String,
    },
    /// What the page shows about which tab handles contacts.
    Show(RoleView),
}

/// What the status line says about this page's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleView {
    /// This page raises notifications and pops (alone, or elected).
    Handling,
    /// Another Dynamics tab of this agent handles contacts; this page offers to take over.
    Following,
    /// This page pops on its own because it cannot coordinate with the agent's other tabs (no Web Locks): said
    /// once, on the status line, since every open tab would then pop.
    Uncoordinated,
}

/// The tabs line while another Dynamics tab of the agent handles contacts.
const FOLLOWING_TEXT: &str = "Contacts are being handled in another Dynamics tab.";
/// The tabs line when the browser gives this page no Web Locks.
const UNCOORDINATED_TEXT: &str = "This tab cannot coordinate with your other Dynamics tabs (the browser allows no \
     Web Locks here): if Dynamics is open in several tabs, each one shows its own notifications and sessions.";

impl RoleView {
    /// The tabs line's text, `None` while the line is hidden: a page that handles contacts has nothing to explain.
    pub fn text(self) -> Option<&'static str> {
        match self {
            RoleView::Handling => None,
            RoleView::Following => Some(FOLLOWING_TEXT),
            RoleView::Uncoordinated => Some(UNCOORDINATED_TEXT),
        }
    }

    /// Whether "Handle contacts here" is offered: only a follower has a leader to take over from; an uncoordinated
    /// page already handles contacts, and there is no lock to take.
    pub fn offers_take_over(self) -> bool {
        self == RoleView::Following
    }
}

/// What the pages of one agent say to each other. Untrusted: any script of the origin may post on the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "t", rename_all = "camelCase")]
pub enum PeerMessage {
    /// A follower asks whether the leader is alive (answered at once, from the leader's message handler, so a
    /// leader in a background tab whose timers are throttled still answers).
    Ping {
        /// The asking page's nonce.
        from: String,
    },
    /// The leader is alive; these are the contacts it popped or is popping (never to be popped elsewhere).
    Leading {
        /// The leader's page nonce.
        from: String,
        /// Contact ids.
        claimed: Vec<String>,
    },
    /// The leader lost the lock and stopped; its notifications are withdrawn, these contacts were popped there.
    SteppedDown {
        /// The old leader's page nonce.
        from: String,
        /// Contact ids.
        claimed: Vec<String>,
    },
    /// A page that no longer leads found that its Dynamics never created the session it asked for these
    /// contacts: its claim on them is withdrawn, so that the leader pops them.
    NotPopped {
        /// The page's nonce.
        from: String,
        /// Contact ids.
        contacts: Vec<String>,
    },
    /// The page that writes activity ends (the leader, or a page that held them while it doubted its lead) wrote
    /// the end of these contacts, or found it was not to be written: every other page drops its own copy, which
    /// would overwrite the end time and duration with the moment that page saw the end.
    EndSettled {
        /// The writing page's nonce.
        from: String,
        /// Contact ids.
        contacts: Vec<String>,
    },
}

impl PeerMessage {
    /// Reads a message as the channel delivered it: JSON text (what this bridge posts) or an object.
    /// Read through `Value` like every other outside input: a `#[serde(tag)]` derive of `Deserialize` would
    /// buffer through serde's `Content` and cost ~12 KB of wasm for a few small shapes.
    pub fn parse(value: &Value) -> Option<PeerMessage> {
        let parsed;
        let object = match value {
            Value::String(text) if text.len() <= MAX_MESSAGE_BYTES => {
                parsed = serde_json::from_str::<Value>(text).ok()?;
                parsed.as_object()?
            }
            Value::Object(object) => object,
            _ => return None,
        };
        let from = object.get("from")?.as_str()?.to_owned();
        let ids = |key: &str| -> Option<Vec<String>> {
            object
                .get(key)?
                .as_array()?
                .iter()
                .map(|id| id.as_str().map(str::to_owned))
                .collect()
        };
        match object.get("t")?.as_str()? {
            "ping" => Some(PeerMessage::Ping { from }),
            "leading" => Some(PeerMessage::Leading {
                from,
                claimed: ids("claimed")?,
            }),
            "steppedDown" => Some(PeerMessage::SteppedDown {
                from,
                claimed: ids("claimed")?,
            }),
            "notPopped" => Some(PeerMessage::NotPopped {
                from,
                contacts: ids("contacts")?,
            }),
            "endSettled" => Some(PeerMessage::EndSettled {
                from,
                contacts: ids("contacts")?,
            }),
            _ => None,
        }
    }

    /// The page that sent it.
    pub fn sender(&self) -> &str {
        match self {
            PeerMessage::Ping { from }
            | PeerMessage::Leading { from, .. }
            | PeerMessage::SteppedDown { from, .. }
            | PeerMessage::NotPopped { from, .. }
            | PeerMessage::EndSettled { from, .. } => from,
        }
    }

    /// As posted on the channel.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Larger messages are not from this bridge (a claim list is a few contact ids).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The lock (and channel) name for an agent in an org; `None` when the agent is not known by any id.
pub fn lock_name(org_origin: Option<&str>, agent_arn: Option<&str>, username: Option<&str>) -> Option<String> {
    let clean = |s: &str| -> Option<String> {
        let s = s.trim();
        (!s.is_empty() && s.len() <= 512 && !s.chars().any(char::is_control)).then(|| s.to_owned())
    };
    let agent = agent_arn.and_then(clean).or_else(|| username.and_then(clean))?;
    let org = org_origin.and_then(clean).unwrap_or_default().to_ascii_lowercase();
    Some(format!("connect-cif-bridge:{org}:{agent}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages() -> [PeerMessage; 5] {
        [
            PeerMessage::Ping { from: "p1".into() },
            PeerMessage::Leading {
                from: "p2".into(),
                claimed: vec!["c1".into(), "c2".into()],
            },
            PeerMessage::SteppedDown {
                from: "p3".into(),
                claimed: vec![],
            },
            PeerMessage::NotPopped {
                from: "p4".into(),
                contacts: vec!["c3".into()],
            },
            PeerMessage::EndSettled {
                from: "p5".into(),
                contacts: vec!["c4".into()],
            },
        ]
    }

    #[test]
    fn what_a_page_posts_is_read_back_as_text_or_as_an_object() {
        for message in messages() {
            let text = serde_json::to_string(&message).unwrap_or_default();
            assert_eq!(PeerMessage::parse(&Value::String(text.clone())), Some(message.clone()));
            let object: Value = serde_json::from_str(&text).unwrap_or_default();
            assert_eq!(PeerMessage::parse(&object), Some(message));
        }
    }

    #[test]
    fn malformed_messages_are_refused_whole() {
        for bad in [
            json!({"t": "leading", "from": "p", "claimed": ["c1", 7]}),
            json!({"t": "leading", "from": "p"}),
            json!({"t": "steppedDown", "from": "p", "claimed": "c1"}),
            json!({"t": "notPopped", "from": "p", "claimed": ["c1"]}),
            json!({"t": "endSettled", "from": "p", "contacts": "c1"}),
            json!({"t": "ping"}),
            json!({"t": "ping", "from": 1}),
            json!({"t": "Ping", "from": "p"}),
            json!({"from": "p"}),
            json!(["ping"]),
            json!(42),
            Value::String("{\"t\":\"ping\"".into()),
            Value::String(format!(
                "{{\"t\":\"ping\",\"from\":\"{}\"}}",
                "x".repeat(MAX_MESSAGE_BYTES)
            )),
        ] {
            assert_eq!(PeerMessage::parse(&bad), None, "{bad}");
        }
    }
}

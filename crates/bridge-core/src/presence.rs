//! Presence rules: which Amazon Connect agent state goes with which Dynamics presence, and which way.
//!
//! Configured as `presenceRules`, a JSON array (or its JSON text) such as
//! `[{"connect":"Available","dynamics":"Available"},{"connect":"AfterCallWork","dynamics":"Busy - DND"},
//! {"connect":"Offline","dynamics":"Offline","direction":"both"}]`. Names are matched exactly as Amazon Connect
//! (`agent.getAgentStates()` names) and Dynamics (presence texts) spell them, ignoring case and surrounding
//! space. `direction` is `toDynamics` (default), `toConnect` or `both`; when several rules match, the first one
//! in the array wins. The engine ([`crate::Bridge`]) applies them without loops: see its presence handling.

use serde_json::Value;

use crate::text;

/// Most rules accepted.
pub const MAX_RULES: usize = 50;
/// Longest state name or presence text accepted.
const MAX_NAME_CHARS: usize = 100;

/// Which way one rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceDirection {
    /// Connect state → Dynamics presence (`setPresence`).
    ToDynamics,
    /// Dynamics presence → Connect state (`agent.setState`).
    ToConnect,
    /// Both ways.
    Both,
}

impl PresenceDirection {
    /// Whether a Connect state change may set the Dynamics presence by this rule.
    pub fn to_dynamics(self) -> bool {
        matches!(self, PresenceDirection::ToDynamics | PresenceDirection::Both)
    }

    /// Whether a Dynamics presence change may set the Connect state by this rule.
    pub fn to_connect(self) -> bool {
        matches!(self, PresenceDirection::ToConnect | PresenceDirection::Both)
    }
}

/// One row of `presenceRules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceRule {
    /// The Amazon Connect agent state name.
    pub connect: String,
    /// The Dynamics presence text.
    pub dynamics: String,
    /// Which way it applies.
    pub direction: PresenceDirection,
}

/// `presenceSync`: which way presence follows at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceSync {
    /// `off`: nothing is synchronised.
    Off,
    /// `toDynamics`: Connect agent states set the Dynamics presence.
    ToDynamics,
    /// `both`: also Dynamics presence changes set the Connect agent state.
    Both,
}

/// What `presenceRules` accepts, for configuration errors.
pub const EXPECTED_RULES: &str = "a JSON array of at most 50 {\"connect\": state name, \"dynamics\": presence text, \
     \"direction\"?: \"toDynamics\"|\"toConnect\"|\"both\"} (names 1 to 100 characters), or its JSON text";

/// Whether two names are the same state / presence (case and surrounding space ignored).
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Parses `presenceRules`; `None` when any rule is malformed (the whole value is refused, never half-applied).
pub fn parse_rules(value: &Value) -> Option<Vec<PresenceRule>> {
    let parsed;
    let list = match value {
        Value::Array(a) => a,
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            parsed.as_array()?
        }
        _ => return None,
    };
    if list.len() > MAX_RULES {
        return None;
    }
    let name = |v: &Value, key: &str| -> Option<String> {
        let s = v.get(key)?.as_str()?.trim();
        let ok = !s.is_empty() && s.chars().count() <= MAX_NAME_CHARS && text::clean(s, MAX_NAME_CHARS).0 == s;
        ok.then(|| s.to_owned())
    };
    list.iter()
        .map(|rule| {
            let direction = match rule.get("direction").map(|d| d.as_str().map(str::trim)) {
                None => PresenceDirection::ToDynamics,
                Some(Some("toDynamics")) => PresenceDirection::ToDynamics,
                Some(Some("toConnect")) => PresenceDirection::ToConnect,
                Some(Some("both")) => PresenceDirection::Both,
                Some(_) => return None,
            };
            Some(PresenceRule {
                connect: name(rule, "connect")?,
                dynamics: name(rule, "dynamics")?,
                direction,
            })
        })
        .collect()
}

/// Parses `presenceSync`.
pub fn parse_sync(value: &Value) -> Option<PresenceSync> {
    match value.as_str()?.trim() {
        "off" => Some(PresenceSync::Off),
        "toDynamics" => Some(PresenceSync::ToDynamics),
        "both" => Some(PresenceSync::Both),
        _ => None,
    }
}

/// The Dynamics presence for a Connect state, by the first rule that applies that way.
pub fn dynamics_for<'a>(rules: &'a [PresenceRule], connect_state: &str) -> Option<&'a str> {
    rules
        .iter()
        .find(|r| r.direction.to_dynamics() && same_name(&r.connect, connect_state))
        .map(|r| r.dynamics.as_str())
}

/// The Connect state for a Dynamics presence, by the first rule that applies that way.
pub fn connect_for<'a>(rules: &'a [PresenceRule], presence: &str) -> Option<&'a str> {
    rules
        .iter()
        .find(|r| r.direction.to_connect() && same_name(&r.dynamics, presence))
        .map(|r| r.connect.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rules_parse_from_json_or_text_and_refuse_any_bad_row() {
        let rules = parse_rules(&json!("[{\"connect\":\"Available\",\"dynamics\":\"Available\"},{\"connect\":\"Offline\",\"dynamics\":\"Offline\",\"direction\":\"both\"}]")).unwrap_or_default();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].direction, PresenceDirection::ToDynamics);
        assert_eq!(rules[1].direction, PresenceDirection::Both);
        assert_eq!(parse_rules(&json!([])), Some(vec![]));
        for bad in [
            json!({"connect": "A", "dynamics": "B"}),
            json!([{"connect": "A"}]),
            json!([{"connect": "", "dynamics": "B"}]),
            json!([{"connect": "A", "dynamics": "B", "direction": "sideways"}]),
            json!([{"connect": "A\u{0}", "dynamics": "B"}]),
            json!([{"connect": "A", "dynamics": 3}]),
            json!("not json"),
            Value::Array(vec![json!({"connect": "A", "dynamics": "B"}); 51]),
        ] {
            assert_eq!(parse_rules(&bad), None, "{bad}");
        }
    }

    #[test]
    fn lookups_follow_direction_and_first_match() {
        let rules = parse_rules(&json!([
            {"connect": "Busy", "dynamics": "Busy"},
            {"connect": "AfterCallWork", "dynamics": "Busy - DND"},
            {"connect": "Lunch", "dynamics": "Away", "direction": "toConnect"},
            {"connect": "Available", "dynamics": "Available", "direction": "both"},
            {"connect": "Training", "dynamics": "Available", "direction": "both"}
        ]))
        .unwrap_or_default();
        assert_eq!(dynamics_for(&rules, "aftercallwork"), Some("Busy - DND"));
        assert_eq!(dynamics_for(&rules, "Lunch"), None);
        assert_eq!(connect_for(&rules, "Away"), Some("Lunch"));
        assert_eq!(connect_for(&rules, "Busy"), None);
        assert_eq!(connect_for(&rules, " available "), Some("Available"));
        assert_eq!(parse_sync(&json!("both")), Some(PresenceSync::Both));
        assert_eq!(parse_sync(&json!("sometimes")), None);
    }
}

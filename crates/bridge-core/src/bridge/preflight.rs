//! Preflight (spec §1): once CIF is up, ask Dynamics whether every template the configuration names exists, and
//! name each missing one — with the configuration key that names it and where to create it — before the first
//! contact, instead of the first caller finding out (`NotificationTemplateNotFoundError`, no toast). A template
//! the flow names in a slug is checked the first time it is seen.
//!
//! It never blocks or delays a pop: the searches are ordinary requests that hold no turn, their failures are
//! quiet (a console line), and they run once per page load.

use serde_json::Value;

use crate::command::{CifCall, Severity};
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::odata;
use crate::reply::{self, CifError};
use crate::slug::SlugField;
use crate::text;

use super::{Bridge, Purpose};

/// Most template names checked per page load (the configured ones plus those flows name).
const MAX_CHECKED: usize = 64;

/// The three template entities, as Dataverse names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TemplateKind {
    Notification,
    Session,
    ApplicationTab,
}

impl TemplateKind {
    fn entity(self) -> &'static str {
        match self {
            TemplateKind::Notification => "msdyn_notificationtemplate",
            TemplateKind::Session => "msdyn_sessiontemplate",
            TemplateKind::ApplicationTab => "msdyn_applicationtabtemplate",
        }
    }

    fn described(self) -> &'static str {
        match self {
            TemplateKind::Notification => "notification template",
            TemplateKind::Session => "session template",
            TemplateKind::ApplicationTab => "application tab template",
        }
    }

    fn admin_page(self) -> &'static str {
        match self {
            TemplateKind::Notification => "Notification templates",
            TemplateKind::Session => "Session templates",
            TemplateKind::ApplicationTab => "Application tab templates",
        }
    }
}

/// One template name to check, and who named it: every configuration key (several keys may name one template),
/// or the flow's attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expected {
    pub(super) kind: TemplateKind,
    pub(super) name: String,
    pub(super) named_by: Vec<String>,
}

impl Bridge {
    /// Checks every template the configuration names, once per page load (`preflight`, default on).
    pub(super) fn start_preflight(&mut self) {
        if !self.config.preflight || self.preflight_started {
            return;
        }
        self.preflight_started = true;
        let c = &self.config;
        let mut expected = Vec::new();
        for (channel, t) in [
            ("voice", &c.voice),
            ("chat", &c.chat),
            ("task", &c.task),
            ("email", &c.email),
        ] {
            expected.push((
                TemplateKind::Notification,
                t.notification.as_str(),
                format!("{channel}NotificationTemplate"),
            ));
            expected.push((
                TemplateKind::Session,
                t.session.as_str(),
                format!("{channel}SessionTemplate"),
            ));
        }
        expected.push((
            TemplateKind::ApplicationTab,
            c.record_tab_template.as_str(),
            "recordTabTemplate".into(),
        ));
        if let Some(search) = &c.search_tab_template {
            expected.push((
                TemplateKind::ApplicationTab,
                search.as_str(),
                "searchTabTemplate".into(),
            ));
        }
        let expected: Vec<Expected> = expected
            .into_iter()
            .map(|(kind, name, named_by)| Expected {
                kind,
                name: name.to_owned(),
                named_by: vec![named_by],
            })
            .collect();
        for kind in [
            TemplateKind::Notification,
            TemplateKind::Session,
            TemplateKind::ApplicationTab,
        ] {
            let batch: Vec<Expected> = expected.iter().filter(|e| e.kind == kind).cloned().collect();
            self.check_templates(kind, batch);
        }
    }

    /// Checks the templates a contact's flow names (`ms_notify_template`, `ms_session_template`) the first time
    /// each name is seen.
    pub(super) fn preflight_contact(&mut self, id: &ContactId) {
        if !self.config.preflight || !self.preflight_started {
            return;
        }
        let Some(c) = self.contacts.get(id) else { return };
        let names = &self.config.attribute_names;
        let named = [
            (
                TemplateKind::Notification,
                c.slugs.notify_template.clone(),
                names.get(SlugField::NotifyTemplate).to_owned(),
            ),
            (
                TemplateKind::Session,
                c.slugs.session_template.clone(),
                names.get(SlugField::SessionTemplate).to_owned(),
            ),
        ];
        for (kind, template, attribute) in named {
            let Some(template) = template else { continue };
            let batch = vec![Expected {
                kind,
                name: template.as_str().to_owned(),
                named_by: vec![format!("the contact flow's {attribute} attribute")],
            }];
            self.check_templates(kind, batch);
        }
    }

    /// One `searchAndOpenRecords(entity, $filter on msdyn_uniquename, searchOnly)` for the names not checked yet;
    /// a name given by several keys is checked once and reported with all of them.
    fn check_templates(&mut self, kind: TemplateKind, batch: Vec<Expected>) {
        let mut merged: Vec<Expected> = Vec::new();
        for e in batch {
            match merged.iter_mut().find(|m| m.name.eq_ignore_ascii_case(&e.name)) {
                Some(m) => m.named_by.extend(e.named_by),
                None => merged.push(e),
            }
        }
        let batch: Vec<Expected> = merged
            .into_iter()
            .filter(|e| {
                let key = (kind, e.name.to_ascii_lowercase());
                self.preflight_checked.len() < MAX_CHECKED && self.preflight_checked.insert(key)
            })
            .collect();
        if batch.is_empty() {
            return;
        }
        let query = odata::filter_any_eq(
            "msdyn_uniquename",
            "msdyn_uniquename",
            batch.iter().map(|e| e.name.as_str()),
        );
        let call = CifCall::SearchAndOpenRecords {
            entity_name: kind.entity().to_owned(),
            query,
            search_only: true,
        };
        let request = self.send_cif(None, Purpose::Preflight, call, 0);
        self.preflight.insert(request, batch);
    }

    pub(super) fn on_preflight_reply(&mut self, request: RequestId, outcome: CifOutcome) {
        let Some(batch) = self.preflight.remove(&request) else {
            return;
        };
        let found = match &outcome {
            CifOutcome::Resolved(v) => unique_names(v),
            _ => None,
        };
        let Some(found) = found else {
            let why = match &outcome {
                CifOutcome::Resolved(v) => format!("the answer {} is not a list of records", text::describe_json(v)),
                CifOutcome::Rejected(v) => CifError::from_rejection(v).message,
                CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => text::excerpt(m),
            };
            let names: Vec<&str> = batch.iter().map(|e| e.name.as_str()).collect();
            self.report(
                Severity::Warning,
                None,
                "preflight.unavailable",
                format!("could not check that the templates {} exist ({why})", names.join(", ")),
                false,
            );
            return;
        };
        for e in batch {
            if found.iter().any(|f| f.eq_ignore_ascii_case(&e.name)) {
                continue;
            }
            let named_by = spoken_list(&e.named_by);
            self.show_missing_template(format!("{} ({named_by})", e.name));
            self.report(
                Severity::Warning,
                None,
                "preflight.template.missing",
                format!(
                    "{} {} (named by {}) does not exist in Dynamics: create it in Customer Service admin center → \
                     Workspaces → {} (or run npm run provision), or change {}",
                    e.kind.described(),
                    e.name,
                    named_by,
                    e.kind.admin_page(),
                    named_by
                ),
                true,
            );
        }
    }

    /// A preflight search got no answer before its deadline: said quietly, never retried.
    pub(super) fn on_preflight_deadline(&mut self, request: RequestId) {
        self.on_preflight_reply(request, CifOutcome::Threw("no answer before the deadline".to_owned()));
    }
}

/// `a`, `a and b`, `a, b and c`: the keys that name one template, as a message says them.
fn spoken_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The `msdyn_uniquename`s of `searchAndOpenRecords`' result (a JSON string of an array of records, or the
/// array, or `{value: [...]}` as the Web API writes it, or an object keyed by index, `{"0": {…}, "1": {…}}` —
/// what a `Map` of the records built by index becomes, which Microsoft's own samples read as `res[0]` — and `{}`
/// for no records in that shape); `None` when it is none of these.
fn unique_names(value: &Value) -> Option<Vec<String>> {
    let v = reply::unwrap_json(value)?;
    let records: Vec<&Value> = match &v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("value") {
            Some(list) => list.as_array()?.iter().collect(),
            None if o.iter().all(|(k, r)| reply::is_index(k) && r.is_object()) => o.values().collect(),
            None => return None,
        },
        _ => return None,
    };
    Some(
        records
            .into_iter()
            .take(5_000)
            .filter_map(|r| r.get("msdyn_uniquename").and_then(Value::as_str))
            .map(|s| s.trim().to_owned())
            .collect(),
    )
}

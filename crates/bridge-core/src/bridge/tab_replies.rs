//! The answers to `createTab` / `renderSearchPage`: each tab's status in its contact's `Popped` state. Apart
//! because a tab is never repeated after no answer (a late tab would be a duplicate), unlike the other calls.

use crate::command::{CifCall, Severity};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::persist::TabKind;
use crate::reply::{self, CifError, ErrorKind};
use crate::text;
use serde_json::Value;

use super::{Bridge, Pending, Purpose};

/// A `getTabs` asking where an overtaken tab opened.
#[derive(Debug, Clone)]
pub(super) struct StrayCheck {
    /// The `createTab` request that opened it (its status still names it until the answer).
    tab_request: RequestId,
    /// The id Dynamics gave the tab.
    tab_id: String,
    /// The session the agent had switched to when the question was asked.
    focused_session: String,
}

impl Bridge {
    /// A tab opened, or failed: a permanent error is reported at once, others retry boundedly. One `overtaken` by
    /// a switch (see [`Bridge::note_tabs_overtaken_by_switch`]) may have opened in another session than its
    /// contact's: Dynamics is asked first.
    pub(super) fn on_tab_reply(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        request: RequestId,
        p: Pending,
        outcome: CifOutcome,
        overtaken: bool,
    ) {
        match outcome {
            CifOutcome::Resolved(v) if overtaken => {
                self.check_stray_tab(id, kind, request, &p.call, &v);
                return;
            }
            CifOutcome::Resolved(_) => self.set_tab(id, kind, TabStatus::Done),
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                let why = format!("{} rejected: {}", kind.as_str(), e.message);
                if let (TabKind::Search, true, CifCall::CreateTab { template_name, .. }) =
                    (kind, e.is_template_not_found(), &p.call)
                {
                    // The search needs no template: `renderSearchPage` shows the same results. The tab is opened
                    // that way as soon as its session is focused (now, if it still is), and so are later searches.
                    self.search_tab_template_missing = true;
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "template.search.fallback",
                        format!(
                            "contact {id}: the search tab template {} (searchTabTemplate) does not exist in Dynamics; \
                             searching with renderSearchPage instead: create the template, or set searchTabTemplate \
                             to \"\"",
                            text::excerpt(template_name)
                        ),
                        false,
                    );
                    self.set_tab(id, kind, TabStatus::Deferred);
                } else if e.kind() == ErrorKind::Permanent {
                    self.give_up(p, &why);
                } else {
                    self.retry_or_give_up(request, p, &why);
                }
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                self.retry_or_give_up(request, p, &format!("{} threw: {}", kind.as_str(), text::excerpt(&m)))
            }
        }
        // Whatever the answer, it may have been the last one the record waited for.
        self.record_opened_tabs(id);
    }

    /// A tab whose request a switch overtook: it opened in the session the agent switched to, unless Dynamics had
    /// carried it out before the switch and only answered after. Which one, Dynamics says: `getTabs` lists the
    /// tabs of the template in the session focused now, if it is this provider's. The tab keeps waiting meanwhile
    /// (its pop turn too, so that no `createSession` moves the focus under the question).
    fn check_stray_tab(&mut self, id: &ContactId, kind: TabKind, request: RequestId, call: &CifCall, answer: &Value) {
        let own_session = match self.contacts.get(id).map(|c| &c.state) {
            Some(PopState::Popped { session_id, .. }) => Some(session_id.clone()),
            _ => None,
        };
        let focused = self.focused_session.clone().filter(|f| Some(f) != own_session.as_ref());
        let question = match (call, reply::tab_id(answer), focused) {
            (CifCall::CreateTab { template_name, .. }, Some(tab_id), Some(focused_session)) => {
                Some((template_name.clone(), tab_id, focused_session))
            }
            _ => None,
        };
        let Some((template_name, tab_id, focused_session)) = question else {
            self.trace(
                Some(id),
                "decision",
                format!(
                    "the {} tab's request was overtaken by a session switch; where it opened cannot be asked (no tab \
                     id, no template, or no session of this provider focused): taken as opened",
                    kind.as_str()
                ),
            );
            self.set_tab(id, kind, TabStatus::Done);
            return;
        };
        let check = self.send_cif(
            Some(id),
            Purpose::CheckStrayTab(kind),
            CifCall::GetTabs { template_name },
            0,
        );
        self.stray_checks.insert(
            check,
            StrayCheck {
                tab_request: request,
                tab_id,
                focused_session,
            },
        );
    }

    /// What `getTabs` said about an overtaken tab (`None`: no answer, or a failure): listed in the session the agent
    /// switched to, and with no switch since the question, it is closed there (`closeTab`: it shows this contact's
    /// record in another customer's session) and opens again when this contact's session is focused. Anything
    /// else is taken as the tab where it belongs. Not retried: the question is about a moment that has passed.
    pub(super) fn on_stray_check_reply(
        &mut self,
        id: Option<&ContactId>,
        kind: TabKind,
        request: RequestId,
        check: Option<StrayCheck>,
        answer: Option<&Value>,
    ) {
        let (Some(id), Some(check)) = (id.cloned(), check) else {
            return;
        };
        let waiting = matches!(
            self.contacts.get(&id).map(|c| &c.state),
            Some(PopState::Popped { tabs, .. }) if tabs.get(&kind) == Some(&TabStatus::Pending(check.tab_request))
        );
        if !waiting {
            return;
        }
        let listed = answer
            .and_then(reply::session_list)
            .is_some_and(|ids| ids.contains(&check.tab_id));
        let still_there = self.focused_session.as_deref() == Some(check.focused_session.as_str())
            && self.focus_learnt_at <= request.0;
        if !(listed && still_there) {
            self.trace(
                Some(&id),
                "decision",
                format!(
                    "the {} tab overtaken by a session switch is not in the session switched to: taken as opened",
                    kind.as_str()
                ),
            );
            self.set_tab(&id, kind, TabStatus::Done);
            self.record_opened_tabs(&id);
            return;
        }
        self.report(
            Severity::Warning,
            Some(&id),
            "tab.misplaced",
            format!(
                "contact {id}: its {} tab opened in the session you switched to while it was opening (Dynamics opens a \
                 tab in the focused session); closing it there: it opens again in this contact's session when you \
                 look at it",
                kind.as_str()
            ),
            true,
        );
        self.send_cif(
            Some(&id),
            Purpose::CloseStrayTab,
            CifCall::CloseTab { tab_id: check.tab_id },
            0,
        );
        self.set_tab(&id, kind, TabStatus::Deferred);
    }

    /// The answer to a tab whose session closed before Dynamics answered: the tab is closed by its id wherever it
    /// is. Opened before the close, it went with its session, and Dynamics refuses to close it: nothing to say.
    pub(super) fn on_tab_of_closed_session_reply(&mut self, id: Option<&ContactId>, outcome: &CifOutcome) {
        let CifOutcome::Resolved(answer) = outcome else {
            return;
        };
        let Some(tab_id) = reply::tab_id(answer) else {
            return;
        };
        self.trace(
            id,
            "decision",
            "a tab answered after its session closed: closing it wherever it opened".into(),
        );
        // Its contact may have ended meanwhile: the call then carries its correlation id but names no live contact.
        let correlation_id = self.correlation_of(id);
        let live = id.filter(|id| self.contacts.contains_key(*id));
        let request = self.send_cif_correlated(
            live,
            correlation_id,
            Purpose::CloseTabOfClosedSession,
            CifCall::CloseTab { tab_id },
            0,
        );
        if let Some(p) = self.pending.get_mut(&request).filter(|p| p.contact.is_none()) {
            p.released = id.cloned();
        }
    }

    /// Dynamics closed a tab whose session had closed: it had opened in another session, which the agent is told
    /// (they saw it appear there). A refusal means it went with its own session: nothing to say.
    pub(super) fn on_close_tab_of_closed_session_reply(&mut self, id: Option<&ContactId>, outcome: &CifOutcome) {
        if !matches!(outcome, CifOutcome::Resolved(_)) {
            self.trace(
                id,
                "decision",
                "closeTab refused: the tab went with its closed session".into(),
            );
            return;
        }
        let whose = id.map_or_else(String::new, |id| format!("contact {id}: "));
        self.report(
            Severity::Info,
            id,
            "tab.misplaced",
            format!(
                "{whose}a tab that was opening when you closed this contact's session opened in the session you went \
                 to; it was closed there"
            ),
            true,
        );
    }

    /// `closeTab` of a stray tab answered: a refusal (Dynamics may only close tabs of a focused session of this
    /// provider) leaves that tab to the agent, and says so. Not retried: the focus that decides it is the agent's.
    pub(super) fn on_close_stray_tab_reply(&mut self, id: Option<&ContactId>, outcome: &CifOutcome) {
        let why = match outcome {
            CifOutcome::Resolved(_) => return,
            CifOutcome::Rejected(v) => format!("closeTab rejected: {}", CifError::from_rejection(v).message),
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => format!("closeTab threw: {}", text::excerpt(m)),
        };
        self.stray_tab_not_closed(id, &why);
    }

    /// Tells the agent that the tab in another session stays there: only they can close it now.
    pub(super) fn stray_tab_not_closed(&mut self, id: Option<&ContactId>, why: &str) {
        let whose = id.map_or_else(String::new, |id| format!("contact {id}: "));
        self.report(
            Severity::Warning,
            id,
            "tab.misplaced.not_closed",
            format!("{whose}the tab that opened in another session could not be closed ({why}): close it by hand"),
            true,
        );
    }

    /// Records a tab's status in the contact's `Popped` state (and marks it for persisting); no-op otherwise.
    pub(super) fn set_tab(&mut self, id: &ContactId, kind: TabKind, status: TabStatus) {
        if let Some(Contact {
            state: PopState::Popped { tabs, .. },
            ..
        }) = self.contacts.get_mut(id)
        {
            tabs.insert(kind, status);
            self.dirty = true;
        }
    }
}

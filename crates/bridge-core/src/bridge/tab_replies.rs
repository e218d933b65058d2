//! The answers to `createTab` / `renderSearchPage`: each tab's status in its contact's `Popped` state. Apart
//! because a tab is never repeated after no answer (a late tab would be a duplicate), unlike the other calls.

use crate::command::{CifCall, Severity};
use crate::contact::{Contact, PopState, TabStatus, UnplacedTab};
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
    /// The request the tab's status names until the answer: the `createTab` that opened it, or this question.
    tab_request: RequestId,
    /// The id Dynamics gave the tab.
    tab_id: String,
    /// Its template: an inconclusive question about the session switched to is asked again in the contact's own.
    template_name: String,
    /// The session focused when the question was asked, whose tabs `getTabs` lists.
    focused_session: String,
    /// Where that is: the session the agent switched to (is the tab there?), or the contact's own, after a switch
    /// to a session not of this provider (is the tab here?).
    asked_in: AskedIn,
}

/// Which session a [`StrayCheck`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AskedIn {
    /// The session the agent switched to: listed there, the tab is closed there and opened again at home.
    SwitchedTo,
    /// The contact's own session: not listed there, the tab opens there and the stray one is closed.
    Own,
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
    ///
    /// With no session of this provider focused (the agent is in Home), `getTabs` cannot tell: the tab is looked
    /// for in its own session once that is focused ([`Bridge::look_for_unplaced_tab`]), and waits as deferred. With
    /// its own session focused again by the answer, it is looked for there at once.
    fn check_stray_tab(&mut self, id: &ContactId, kind: TabKind, request: RequestId, call: &CifCall, answer: &Value) {
        let own_session = match self.contacts.get(id).map(|c| &c.state) {
            Some(PopState::Popped { session_id, .. }) => Some(session_id.clone()),
            _ => None,
        };
        let question = match (call, reply::tab_id(answer), own_session) {
            (CifCall::CreateTab { template_name, .. }, Some(tab_id), Some(own)) => Some((
                UnplacedTab {
                    tab_id,
                    template_name: template_name.clone(),
                },
                own,
            )),
            _ => None,
        };
        let Some((tab, own_session)) = question else {
            self.trace(
                Some(id),
                "decision",
                format!(
                    "the {} tab's request was overtaken by a session switch; where it opened cannot be asked (no tab \
                     id, no template, or no session of its own): taken as opened",
                    kind.as_str()
                ),
            );
            self.set_tab(id, kind, TabStatus::Done);
            return;
        };
        match self.focused_session.clone() {
            // Home, or another provider's session, where `getTabs` cannot list it; or back in its own session.
            Some(focused_session) if focused_session != own_session => {
                self.ask_where_the_tab_is(id, kind, tab, focused_session, AskedIn::SwitchedTo, Some(request));
            }
            _ => self.look_in_its_own_session(id, kind, tab, "the agent switched to a session not of this provider"),
        }
    }

    /// Sends the `getTabs` of a [`StrayCheck`] about `tab` in `focused_session`; the tab's status keeps naming
    /// `tab_request`, or this question when there is none.
    fn ask_where_the_tab_is(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        tab: UnplacedTab,
        focused_session: String,
        asked_in: AskedIn,
        tab_request: Option<RequestId>,
    ) -> RequestId {
        let check = self.send_cif(
            Some(id),
            Purpose::CheckStrayTab(kind),
            CifCall::GetTabs {
                template_name: tab.template_name.clone(),
            },
            0,
        );
        self.stray_checks.insert(
            check,
            StrayCheck {
                tab_request: tab_request.unwrap_or(check),
                tab_id: tab.tab_id,
                template_name: tab.template_name,
                focused_session,
                asked_in,
            },
        );
        check
    }

    /// Asks whether a tab Dynamics opened while the agent was away from this contact's session, in one that is not
    /// this provider's, is in this contact's session (`own_session`, focused now). It holds the pop turn meanwhile,
    /// as a tab request does.
    pub(super) fn look_for_unplaced_tab(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        own_session: String,
        unplaced: UnplacedTab,
    ) {
        let check = self.ask_where_the_tab_is(id, kind, unplaced, own_session, AskedIn::Own, None);
        self.set_tab(id, kind, TabStatus::Pending(check));
    }

    /// What `getTabs` said about an overtaken tab (`None`: no answer, or a failure; an answer that is not a list of
    /// tab ids counts as none): listed in the session the agent
    /// switched to, and with no switch since the question, it is closed there (`closeTab`: it shows this contact's
    /// record in another customer's session) and opens again when this contact's session is focused; not listed
    /// there, it is where it belongs. With no answer, or another switch since the question, the session switched
    /// to can no longer be asked about: the tab is looked for in its own session instead, at once if that is
    /// focused, else at its next focus ([`Bridge::look_for_unplaced_tab`]). Not retried: the question is about a
    /// moment that has passed.
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
        // An answer that is no list of tab ids says nothing either way: as no answer.
        let tabs = answer.and_then(reply::session_list);
        let answered = tabs.is_some();
        let listed = tabs.is_some_and(|ids| ids.contains(&check.tab_id));
        let still_there = self.focused_session.as_deref() == Some(check.focused_session.as_str())
            && self.focus_learnt_at <= request.0;
        if check.asked_in == AskedIn::Own {
            self.on_unplaced_tab_check(&id, kind, check, answered, listed, still_there);
            return;
        }
        if !answered || !still_there {
            self.look_for_the_tab_at_home_instead(&id, kind, check);
            return;
        }
        if !listed {
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

    /// A question about the session switched to that cannot settle where an overtaken tab opened: asked of the
    /// contact's own session instead (a doubt makes no missing screen there, nor a stray tab left open elsewhere).
    fn look_for_the_tab_at_home_instead(&mut self, id: &ContactId, kind: TabKind, check: StrayCheck) {
        let tab = UnplacedTab {
            tab_id: check.tab_id,
            template_name: check.template_name,
        };
        self.look_in_its_own_session(
            id,
            kind,
            tab,
            "no answer about the session switched to, or another switch",
        );
    }

    /// A tab that may be in another session than its contact's (`why`) becomes unplaced: looked for in the contact's
    /// own session at once if that is focused, else deferred (and so recorded in Dynamics) until its next focus.
    fn look_in_its_own_session(&mut self, id: &ContactId, kind: TabKind, tab: UnplacedTab, why: &str) {
        let Some(PopState::Popped { session_id, .. }) = self.contacts.get(id).map(|c| c.state.clone()) else {
            return;
        };
        if let Some(c) = self.contacts.get_mut(id) {
            c.unplaced_tabs.insert(kind, tab.clone());
        }
        if self.focused_session.as_deref() == Some(session_id.as_str()) {
            self.look_for_unplaced_tab(id, kind, session_id, tab);
            return;
        }
        self.trace(
            Some(id),
            "decision",
            format!(
                "where the {} tab opened is unknown ({why}): it is looked for in its own session when that is focused",
                kind.as_str()
            ),
        );
        self.set_tab(id, kind, TabStatus::Deferred);
        self.record_tabs_in_dynamics(id);
    }

    /// What `getTabs` of the contact's own session said about a tab that may have opened elsewhere: listed, or no
    /// answer (a doubt makes no missing screen), it is taken as where it belongs. Not listed, and that session
    /// still focused, it opens there now and the stray one is closed by its id; the focus gone again, the
    /// question waits for the next time that session is focused.
    fn on_unplaced_tab_check(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        check: StrayCheck,
        answered: bool,
        listed: bool,
        still_there: bool,
    ) {
        if answered && !listed && !still_there {
            self.set_tab(id, kind, TabStatus::Deferred);
            return;
        }
        if let Some(c) = self.contacts.get_mut(id) {
            c.unplaced_tabs.remove(&kind);
            c.unplaced_settled.insert(kind);
        }
        if listed || !answered {
            self.trace(
                Some(id),
                "decision",
                format!(
                    "the {} tab is taken as opened in its own session ({})",
                    kind.as_str(),
                    if listed { "listed there" } else { "Dynamics did not say" }
                ),
            );
            self.set_tab(id, kind, TabStatus::Done);
            self.record_tabs_in_dynamics(id);
            return;
        }
        self.report(
            Severity::Warning,
            Some(id),
            "tab.misplaced",
            format!(
                "contact {id}: its {} tab opened in the session you were looking at while it was opening (Dynamics \
                 opens a tab in the focused session); opening it here and closing the other one",
                kind.as_str()
            ),
            true,
        );
        self.send_cif(
            Some(id),
            Purpose::CloseStrayTab,
            CifCall::CloseTab { tab_id: check.tab_id },
            0,
        );
        let next = match self.tab_call(id, kind) {
            Some(call) => TabStatus::Pending(self.send_cif(Some(id), Purpose::Tab(kind), call, 0)),
            None => TabStatus::Failed,
        };
        self.set_tab(id, kind, next);
        self.record_tabs_in_dynamics(id);
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

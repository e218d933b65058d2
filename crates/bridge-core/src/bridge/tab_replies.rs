//! The answers to `createTab` / `renderSearchPage`: each tab's status in its contact's `Popped` state. Apart
//! because a tab is never repeated after no answer (a late tab would be a duplicate), unlike the other calls.

use crate::command::{CifCall, Severity};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::persist::TabKind;
use crate::reply::{CifError, ErrorKind};
use crate::text;

use super::{Bridge, Pending};

impl Bridge {
    /// A tab opened, or failed: a permanent error is reported at once, others retry boundedly.
    pub(super) fn on_tab_reply(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        request: RequestId,
        p: Pending,
        outcome: CifOutcome,
    ) {
        match outcome {
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

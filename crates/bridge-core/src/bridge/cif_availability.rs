//! Whether CIF can be called: `CIFInitDone` (or its failure) reaches the core here, and a page that may pop
//! starts what waited for Dynamics. Kept apart from the replies because availability is start-up policy, not
//! the fate of one request.

use crate::command::Severity;
use crate::ids::ContactId;
use crate::input::CifAvailability;
use crate::text;

use super::{Bridge, CifState};

impl Bridge {
    /// `CIFInitDone` or its failure: the first `Ready` lets contacts pop (if this page leads), a repeated one is
    /// ignored; `Unavailable` before any `Ready` is told to the agent once.
    pub(super) fn on_cif(&mut self, a: CifAvailability) {
        match a {
            CifAvailability::Ready => {
                if self.cif == CifState::Ready {
                    self.trace(None, "input.cif", "Ready again: ignored".into());
                    return;
                }
                self.trace(None, "input.cif", "Ready".into());
                self.cif = CifState::Ready;
                if self.handles_contacts() {
                    self.start_handling_contacts();
                }
            }
            CifAvailability::Unavailable { reason } => {
                self.trace(None, "input.cif", format!("Unavailable: {}", text::excerpt(&reason)));
                if self.cif == CifState::NotReady {
                    self.cif = CifState::Unavailable;
                    self.report(
                        Severity::Error,
                        None,
                        "cif.unavailable",
                        format!(
                            "Dynamics is not connected ({}): no notifications or sessions until it is",
                            text::excerpt(&reason)
                        ),
                        true,
                    );
                }
            }
        }
    }

    /// Dynamics is ready and this page pops (alone, or elected among the agent's tabs): start or resume what
    /// waited for that.
    pub(super) fn start_handling_contacts(&mut self) {
        self.after_ready_or_restore();
        // After the pops it may have started: the preflight never delays one.
        self.start_preflight();
        let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
        for id in ids {
            self.preflight_contact(&id);
        }
        // An agent state read before CIF was ready gets its presence now.
        self.apply_agent_state_rule();
    }
}

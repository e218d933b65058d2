//! The sans-IO core of connect-cif-bridge.
//!
//! CONTRACT STUB written by the lead: the public surface (`Bridge::new`, `handle_input`, `handle_timeout`,
//! `poll_command`, `poll_timeout`, `set_config`, `export_trace`) is fixed for the shell; the engine behind it
//! is filled in by the core owner.

pub mod command;
pub mod config;
pub mod ids;
pub mod input;
pub mod time;

use std::collections::VecDeque;

pub use command::{CifCall, Command, Report, Severity, StreamsCall};
pub use config::{Config, ConfigError, ConfigLayer, ConfigSource};
pub use ids::{ContactId, RequestId};
pub use input::{
    AgentEvent, CifAvailability, CifOutcome, CifReply, ContactEvent, ContactEventKind, ContactSnapshot,
    DynamicsEvent, DynamicsHandler, Input, RestoredState, StreamsReply,
};
pub use time::Millis;

/// The whole bridge's decisions, over every contact.
#[derive(Debug)]
pub struct Bridge {
    config: Config,
    commands: VecDeque<Command>,
}

impl Bridge {
    /// A bridge with no contacts, started at `now`.
    pub fn new(config: Config, now: Millis) -> Bridge {
        let _ = now;
        Bridge { config, commands: VecDeque::new() }
    }

    /// Replaces the configuration (e.g. once Custom Parameters arrive); contacts in flight keep their templates.
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// Feeds one input observed at `now`. Untrusted content never makes this fail or panic.
    pub fn handle_input(&mut self, now: Millis, input: Input) {
        let _ = (now, input);
    }

    /// Lets deadlines that are due at `now` fire (CIF answer limits, retries with backoff).
    pub fn handle_timeout(&mut self, now: Millis) {
        let _ = now;
    }

    /// The next command to carry out; drain until `None` after every `handle_*` call.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The earliest deadline, for the shell's single timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        None
    }

    /// The bounded diagnostic trace as JSON, for the page's copy / download button.
    pub fn export_trace(&self) -> String {
        "[]".to_owned()
    }
}

//! The core's behaviour tests: one module per spec item or concern, with the `common` harness and the property
//! tests, built as one test binary: one compiles and links once, where forty apart took 47 s more from cold.

mod common;

mod abandon;
mod accept_in_ccp_first;
mod accept_in_dynamics;
mod accepted_before_reload;
mod allow_list;
mod already_there;
mod bad_input;
mod beyond_the_pop;
mod ccp_failures;
mod concurrent;
mod config;
mod contact_end;
mod custom_parameters;
mod dynamics_handlers;
mod dynamics_reads;
mod email;
mod hostile_corpus;
mod incoming;
mod late_replies;
mod long_day;
mod no_answer;
mod outbound;
mod phone_agreement;
mod phone_properties;
mod pop_turns;
mod preflight;
mod properties;
mod reject_timeout;
mod reload;
mod screen_pop;
mod seed_scenarios;
mod session_limit;
mod slug;
mod slug_fallbacks;
mod source_of_truth;
mod startup;
mod storage_lost;
mod stored_slots;
mod tables_drain;
mod tabs;
mod tabs_unfinished_pops;
mod tasks;

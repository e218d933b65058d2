//! Raw bindings to the JavaScript the page runs beside: Amazon Connect Streams, `Microsoft.CIFramework`, and the
//! few browser calls web-sys would bind without `catch`, and the page's JS helpers (one module, `src/js/helpers.js`).
//!
//! Why a separate layer: these `extern` blocks carry no logic, so every judgement about what JS handed back lives
//! in the typed adapters (`crate::streams`, `crate::cif`), and every import here is `catch`, so a throwing
//! third-party call becomes an `Err` instead of unwinding through Rust frames and skipping their destructors.

pub mod browser;
pub mod cif;
pub mod leadership;
pub mod streams;
pub mod values;

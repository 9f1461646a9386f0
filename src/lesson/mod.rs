//! Lessons: their format, the engine that runs their steps against the runtime, checks
//! and progress. The engine emits one typed event stream (`event::Event`) that the TUI,
//! the headless runner and the recorder consume.
//!
//! The engine holds one part per track: `container_step`, `oci_step`, `rbac_step`,
//! `raft_step`, `net_step` and `api_step` each carry out their actions and evaluate their checks, found by the
//! action's or check's `format::Family`. `session` is the step policy of a lesson taken
//! by a student; `progress` is kept from the event stream by `Progress::on_event`.

pub mod api_step;
pub mod catalog;
pub mod checks;
pub mod container_step;
pub mod engine;
pub mod event;
pub mod format;
pub mod glossary;
pub mod headless;
pub mod load;
pub mod net_step;
pub mod oci_step;
pub mod panel;
pub mod progress;
pub mod raft_step;
pub mod rbac_step;
pub mod requires;
pub mod session;
pub mod shell;

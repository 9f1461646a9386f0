//! Lessons: their format, the engine that runs their steps against the runtime, checks
//! and progress. The engine emits one typed event stream (`event::Event`) that the TUI,
//! the headless runner and the recorder consume.

pub mod catalog;
pub mod checks;
pub mod engine;
pub mod event;
pub mod format;
pub mod glossary;
pub mod headless;
pub mod load;
pub mod oci;
pub mod progress;
pub mod raft_step;
pub mod rbac_step;
pub mod shell;

//! The one event stream of a lesson run. Every consumer — the TUI, the headless runner
//! (`contlab run`), the recorder — sees the same events in the same order; none of them
//! reaches around the engine to the runtime or to `/proc`.

use crate::runtime::trace::TraceEvent;
use serde::{Deserialize, Serialize};

/// Which stream an output chunk came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
    /// The interactive shell's terminal.
    Pty,
}

/// A check's verdict, with the sentence that says what was seen and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub pass: bool,
    pub sentence: String,
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Pass,
    Fail,
}

/// Everything a lesson run reports, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    StepStarted {
        lesson: String,
        step: String,
        index: usize,
    },
    Trace(TraceEvent),
    Output {
        stream: Stream,
        data: String,
    },
    /// A sample of the state panes (`/proc`, cgroup files, cluster), as plain JSON data
    /// produced by `inspect` (and the Raft and RBAC engines).
    PanelSnapshot {
        panel: String,
        data: serde_json::Value,
    },
    Check(CheckResult),
    StepFinished {
        lesson: String,
        step: String,
        status: StepStatus,
        duration_ms: u64,
    },
}

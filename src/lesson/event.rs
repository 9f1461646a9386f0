//! The one event stream of a lesson run. Every consumer — the TUI, the headless runner
//! (`contlab run`), the recorder — sees the same events in the same order; none of them
//! reaches around the engine to the runtime or to `/proc`.

pub use super::panel::PanelData;
/// The runtime's trace record, re-exported so that consumers draw it from the event
/// stream without importing the runtime.
pub use crate::runtime::trace::TraceEvent;
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

impl CheckResult {
    /// A step's action that failed, reported as a failing check: the lab and the
    /// headless runner show it the same way.
    pub fn action_failed(e: &anyhow::Error, lang: crate::i18n::Lang) -> CheckResult {
        CheckResult {
            check: ACTION_CHECK.into(),
            pass: false,
            sentence: crate::tr!(
                lang,
                "check-action-failed",
                error = crate::i18n::render(lang, e)
            ),
        }
    }
}

/// The `check` name of a failed action's result.
pub const ACTION_CHECK: &str = "action";

/// Adds `c` to a step's last round of check results, which holds `per_round` results
/// (the step's checks): a new round (a task's re-check) replaces a complete one.
pub fn add_to_round(round: &mut Vec<CheckResult>, c: &CheckResult, per_round: usize) {
    if round.len() >= per_round.max(1) {
        round.clear();
    }
    round.push(c.clone());
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Pass,
    Fail,
}

impl StepStatus {
    /// A step passes when every one of its check results passes.
    pub fn of(results: &[CheckResult]) -> StepStatus {
        if results.iter().all(|r| r.pass) {
            StepStatus::Pass
        } else {
            StepStatus::Fail
        }
    }
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
    /// A sample of the state panes (`/proc`, cgroup files, cluster): typed data from
    /// `inspect` and from the Raft, etcd and RBAC engines (`{"panel", "data"}` in a journal).
    PanelSnapshot(PanelData),
    Check(CheckResult),
    StepFinished {
        lesson: String,
        step: String,
        status: StepStatus,
        duration_ms: u64,
    },
    /// Something the engine could not do outside a step's action and checks (open the
    /// shell, carry out a Cluster panel control), in one sentence for the student.
    Notice {
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use anyhow::Context;

    #[test]
    fn a_failed_action_reads_in_the_lab_language() {
        let e = Err::<(), _>(std::io::Error::from_raw_os_error(libc::ENOENT))
            .context(crate::said!("error-ns-gone", path = "/proc/7/ns/mnt"))
            .unwrap_err();
        let ko = CheckResult::action_failed(&e, Lang::Ko);
        assert!(!ko.pass);
        assert_eq!(
            crate::i18n::lint::not_korean(&ko.sentence),
            None,
            "{}",
            ko.sentence
        );
        assert!(ko.sentence.contains("(ENOENT)"), "{}", ko.sentence);
        let en = CheckResult::action_failed(&e, Lang::En);
        assert!(en.sentence.ends_with(&format!("{e:#}")), "{}", en.sentence);
    }
}

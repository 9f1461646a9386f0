//! `contlab doctor`: can this machine run the lab live, and how to fix what can't.
//!
//! Every check probes the real thing where that is cheap (namespaces are created in a
//! throw-away child, binaries are parsed, cgroup files are looked at) rather than
//! guessing from versions. Nothing is changed on the machine.
//!
//! Live mode needs the checks marked `required`: privileges, the pid, mount, UTS, IPC
//! and network namespaces, and usable memory, cpu and pids controllers. Everything else
//! only narrows which lessons or comparisons work.

mod cgroup;
mod namespaces;
mod network;
mod privileges;
mod render;
mod system;
mod terminal;
mod tools;

pub use cgroup::{CgroupReport, ControllerState};
pub use privileges::Privileges;
pub use render::Style;
pub use terminal::Terminal;
pub use tools::Tool;

use crate::i18n::Lang;
use crate::tr;
use serde::Serialize;
use std::collections::BTreeMap;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Works.
    Ok,
    /// Does not work; `fix` says what to do.
    Fail,
    /// An optional thing is not there, or the check does not apply.
    Absent,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable identifier, e.g. `ns_user`, `cgroup_memory`.
    pub id: &'static str,
    /// What the human output calls it.
    pub title: String,
    pub status: CheckStatus,
    /// Live mode needs this check to be `ok`.
    pub required: bool,
    /// What was found.
    pub detail: String,
    /// One line saying what to do, when there is something to do.
    pub fix: Option<String>,
}

impl Check {
    fn new(id: &'static str, title: impl Into<String>, required: bool) -> Self {
        Check {
            id,
            title: title.into(),
            status: CheckStatus::Ok,
            required,
            detail: String::new(),
            fix: None,
        }
    }

    fn ok(mut self, detail: impl Into<String>) -> Self {
        self.status = CheckStatus::Ok;
        self.detail = detail.into();
        self
    }

    fn fail(mut self, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        self.status = CheckStatus::Fail;
        self.detail = detail.into();
        self.fix = Some(fix.into());
        self
    }

    fn absent(mut self, detail: impl Into<String>) -> Self {
        self.status = CheckStatus::Absent;
        self.detail = detail.into();
        self
    }

    fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Everything `contlab doctor` found. Serialized as-is by `--json`; the keys are
/// documented in `contlab doctor --help`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Every required check is `ok`.
    pub live_mode: bool,
    pub checks: Vec<Check>,
    /// The kernel release, as `uname -r` prints it.
    pub kernel: String,
    pub privileges: Privileges,
    /// Namespace type → whether `unshare(2)` could create one.
    pub namespaces: BTreeMap<&'static str, bool>,
    pub cgroup: CgroupReport,
    /// Tool name → what was found on `PATH`, or `null`.
    pub tools: BTreeMap<&'static str, Option<Tool>>,
    pub terminal: Terminal,
}

impl Report {
    /// The fix of the first required check that is not `ok`.
    pub fn first_fix(&self) -> Option<&str> {
        self.checks
            .iter()
            .find(|c| c.required && c.status != CheckStatus::Ok)
            .map(|c| c.fix.as_deref().unwrap_or(c.detail.as_str()))
    }

    /// The human-readable report: aligned columns, one check a line, its fix below it.
    pub fn render(&self, style: Style, lang: Lang) -> String {
        render::render(self, style, lang)
    }
}

/// The fix most machines without root need.
fn run_as_root(lang: Lang) -> String {
    tr!(lang, "doctor-fix-run-as-root")
}

/// The fix when /proc is not mounted.
fn mount_proc(lang: Lang) -> String {
    tr!(lang, "doctor-fix-mount-proc")
}

/// Runs every check, with its sentences in `lang`. Takes a few milliseconds: a handful
/// of forks and `--version` runs.
pub fn run(lang: Lang) -> Report {
    let mut checks = Vec::new();

    let (privileges, mut found) = privileges::check(lang);
    checks.append(&mut found);

    let (kernel, check) = system::kernel(lang);
    checks.push(check);

    let (namespaces, mut found) = namespaces::check(privileges.root, lang);
    checks.append(&mut found);

    let (cgroup, mut found) = cgroup::check(lang);
    checks.append(&mut found);

    checks.push(system::overlayfs(&kernel, lang));

    let (tools, mut found) = tools::check(cgroup.layout.mode, lang);
    checks.append(&mut found);

    checks.append(&mut network::check(privileges.root, lang));

    let (terminal, mut found) = terminal::check(lang);
    checks.append(&mut found);

    let live_mode = checks
        .iter()
        .filter(|c| c.required)
        .all(|c| c.status == CheckStatus::Ok);
    Report {
        live_mode,
        checks,
        kernel,
        privileges,
        namespaces,
        cgroup,
        tools,
        terminal,
    }
}

//! The Raft track's engines.
//!
//! * [`sim`]: a deterministic cluster of real raft-rs nodes (`RawNode` over `MemStorage`)
//!   on a simulated network. The caller drives it one command at a time ([`Sim::apply`],
//!   the same commands as the script language), and observes it as plain data
//!   ([`Sim::view`], [`Sim::timeline`]). Same seed + same commands ⇒ identical timeline.
//! * [`network`]: the simulated network between the nodes (delays, losses, cuts,
//!   partitions, drops), apart from the nodes as in raft-rs's harness.
//! * [`script`]: the command language (`contlab raft sim --script`) and the cluster's
//!   configuration ([`SimConfig`]), which its header sets.
//! * [`player`]: pause, play, speed and a timeline to scrub for a UI, on top of a `Sim`;
//!   its [`Control`]s are what the Cluster panel's keys do.

pub mod network;
pub mod player;
pub mod rng;
pub mod script;
pub mod sim;
pub mod timeline;
pub mod view;

pub use player::{Control, Player};
pub use script::{Command, Expectation, Script, ScriptError, SimConfig, parse_line, parse_script};
pub use sim::{Outcome, Sim, SimError};
pub use timeline::{Mark, MarkKind, TimelineEntry, TimelineEvent};
pub use view::{ClusterView, NodeView, Role, Violation};

/// The panel name under which a lesson engine publishes `Sim::view()` as
/// `Event::PanelSnapshot { panel: "cluster", data: serde_json::to_value(view) }`.
pub const PANEL: &str = "cluster";

/// How a script run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptReport {
    pub checks: usize,
    /// Failed expectations: (line, expectation, what was seen, every node's state).
    pub failures: Vec<Failure>,
    pub violations: Vec<Violation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub line: usize,
    pub expect: String,
    pub detail: String,
    pub table: String,
}

impl ScriptReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.violations.is_empty()
    }
}

/// Runs a parsed script, handing each new timeline entry to `on_entry` as it happens.
/// A command the simulator refuses is an error at that command's line.
pub fn run_script(
    script: &Script,
    seed: u64,
    file: &str,
    mut on_entry: impl FnMut(&TimelineEntry),
) -> Result<ScriptReport, ScriptError> {
    let err = |line: usize, e: SimError| ScriptError {
        file: file.to_string(),
        line,
        message: e.0,
    };
    let mut sim = Sim::new(script.config.clone(), seed).map_err(|e| err(1, e))?;
    let mut report = ScriptReport::default();
    let mut shown = 0;
    for (line, cmd) in &script.commands {
        let outcome = sim.apply_at(cmd, *line).map_err(|e| err(*line, e))?;
        // A rewind shortens the timeline; show what follows from there on.
        shown = shown.min(sim.timeline().len());
        for e in &sim.timeline()[shown..] {
            on_entry(e);
        }
        shown = sim.timeline().len();
        if let Outcome::Check { pass, detail } = outcome {
            report.checks += 1;
            if !pass {
                report.failures.push(Failure {
                    line: *line,
                    expect: cmd.to_string(),
                    detail,
                    table: sim.view().table(),
                });
            }
        }
    }
    report.violations = sim.violations().to_vec();
    Ok(report)
}

//! The timeline: what happened, tick by tick, as the student reads it (text) and as tools
//! read it (one JSON object per line).

use super::view::{Role, Violation};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub tick: u64,
    #[serde(flatten)]
    pub event: TimelineEvent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum TimelineEvent {
    /// A command from the script or the UI that changes the world (faults, requests).
    Action {
        command: String,
        note: String,
    },
    /// A node changed role; `term` is the term it holds afterwards.
    Role {
        node: u64,
        from: Role,
        to: Role,
        term: u64,
    },
    /// A node moved to a higher term without changing role (it saw a higher term).
    Term {
        node: u64,
        from: u64,
        to: u64,
    },
    /// A node won an election; `votes` are the voters counted from delivered responses.
    Elected {
        node: u64,
        term: u64,
        votes: Vec<u64>,
    },
    /// An entry was applied for the first time anywhere: it is committed.
    Commit {
        index: u64,
        term: u64,
        data: String,
    },
    /// An entry a node had persisted was replaced by a leader's entry of another term
    /// (`by_term`), or cut off with nothing in its place (`by_term` 0): it was written on
    /// that node but never committed.
    Overwritten {
        node: u64,
        index: u64,
        term: u64,
        data: String,
        by_term: u64,
    },
    /// A message swallowed by a `drop` command.
    Dropped {
        kind: String,
        from: u64,
        to: u64,
        term: u64,
    },
    Violation(Violation),
    /// An `expect` from a script.
    Check {
        line: usize,
        pass: bool,
        expect: String,
        detail: String,
    },
}

impl fmt::Display for TimelineEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[t {:>5}] ", self.tick)?;
        match &self.event {
            TimelineEvent::Action { command, note } if note.is_empty() => write!(f, "> {command}"),
            TimelineEvent::Action { command, note } => write!(f, "> {command}  ({note})"),
            TimelineEvent::Role {
                node,
                from,
                to,
                term,
            } => write!(f, "node {node}: {from} → {to}, term {term}"),
            TimelineEvent::Term { node, from, to } => {
                write!(f, "node {node}: term {from} → {to}")
            }
            TimelineEvent::Elected { node, term, votes } => {
                let v: Vec<String> = votes.iter().map(u64::to_string).collect();
                write!(
                    f,
                    "node {node} elected leader for term {term} (votes from {})",
                    v.join(",")
                )
            }
            TimelineEvent::Commit { index, term, data } => {
                let what = if data.is_empty() {
                    "no-op".to_string()
                } else {
                    data.clone()
                };
                write!(f, "committed index {index} (term {term}): {what}")
            }
            TimelineEvent::Overwritten {
                node,
                index,
                term,
                data,
                by_term,
            } => {
                let what = if data.is_empty() { "no-op" } else { data };
                write!(f, "node {node}: entry {index} (term {term}, {what}) ")?;
                if *by_term == 0 {
                    f.write_str("removed")
                } else {
                    write!(f, "overwritten by term {by_term}")
                }
            }
            TimelineEvent::Dropped {
                kind,
                from,
                to,
                term,
            } => write!(f, "dropped {kind} {from} → {to} (term {term})"),
            TimelineEvent::Violation(v) => write!(f, "{v}"),
            TimelineEvent::Check {
                line,
                pass,
                expect,
                detail,
            } => {
                let verdict = if *pass { "ok" } else { "FAILED" };
                if detail.is_empty() {
                    write!(f, "expect {expect} … {verdict} (line {line})")
                } else {
                    write!(f, "expect {expect} … {verdict} (line {line}): {detail}")
                }
            }
        }
    }
}

/// What kind of moment a timeline mark stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkKind {
    /// A node won an election.
    Election,
    /// A fault or a forced election: crash, restart, isolate, cut, partition, heal, drop,
    /// link settings, split vote.
    Fault,
    /// A client request.
    Request,
    /// A broken invariant.
    Violation,
}

/// A moment worth jumping to on the timeline bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mark {
    pub tick: u64,
    pub kind: MarkKind,
}

/// The marks of a timeline, one per tick and kind, in order.
pub fn marks(entries: &[TimelineEntry]) -> Vec<Mark> {
    let mut out: Vec<Mark> = entries
        .iter()
        .filter_map(|e| {
            let kind = match &e.event {
                TimelineEvent::Elected { .. } => MarkKind::Election,
                TimelineEvent::Violation(_) => MarkKind::Violation,
                TimelineEvent::Dropped { .. } => MarkKind::Fault,
                TimelineEvent::Action { command, .. } => {
                    match command.split_whitespace().next().unwrap_or("") {
                        "propose" => MarkKind::Request,
                        "campaign" => return None,
                        _ => MarkKind::Fault,
                    }
                }
                _ => return None,
            };
            Some(Mark { tick: e.tick, kind })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

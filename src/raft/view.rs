//! Plain, serialisable pictures of the simulated cluster: what the Cluster panel draws and
//! what lesson checks read. Nothing here holds a reference into raft-rs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A node's role, in etcd's words. `Down` is a crashed node (its disk survives).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
    Down,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Follower,
            Role::PreCandidate,
            Role::Candidate,
            Role::Leader,
            Role::Down,
        ]
        .into_iter()
        .find(|r| r.name() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One log entry as the panel shows it. `data` is empty for the no-op entry a new leader
/// appends, `key=value` for a client request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub index: u64,
    pub term: u64,
    pub data: String,
}

/// How far a leader believes a follower's log reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerProgress {
    pub id: u64,
    /// Highest index known to be replicated on the peer.
    pub match_index: u64,
    /// Next index the leader will send.
    pub next_index: u64,
    /// raft-rs's replication state: probe, replicate or snapshot.
    pub state: String,
}

/// One node, live or crashed. For a crashed node the persisted part (term, vote, log,
/// commit index) is read from its disk; volatile fields are zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub id: u64,
    pub role: Role,
    pub term: u64,
    /// Who this node voted for in `term` (0: nobody).
    pub vote: u64,
    /// The leader this node believes in (0: none known).
    pub leader: u64,
    /// Ticks since the election timer was last reset, and when it fires.
    pub election_elapsed: u64,
    pub election_timeout: u64,
    pub last_index: u64,
    pub last_term: u64,
    pub committed: u64,
    pub applied: u64,
    pub log: Vec<EntryView>,
    /// The key-value state machine, rebuilt from the log after a restart.
    pub kv: BTreeMap<String, String>,
    /// On a leader: each peer's match and next index, by peer id.
    pub progress: Vec<PeerProgress>,
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// raft-rs's name, e.g. `MsgAppend`, `MsgRequestPreVote`.
    pub kind: String,
    pub from: u64,
    pub to: u64,
    pub term: u64,
    /// The tick at which the network hands it over.
    pub deliver_at: u64,
    /// For appends: the index and term of the entry before the carried ones.
    pub index: u64,
    pub log_term: u64,
    pub entries: usize,
    pub commit: u64,
    pub reject: bool,
}

/// The votes a candidate (or pre-candidate) has received in its latest campaign, counted
/// from the vote responses the network delivered. A candidate always votes for itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteTally {
    pub candidate: u64,
    pub term: u64,
    pub pre_vote: bool,
    pub granted: Vec<u64>,
    pub rejected: Vec<u64>,
    /// Votes needed to win.
    pub quorum: usize,
}

/// Which invariant of the Raft paper (Figure 3) was broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invariant {
    ElectionSafety,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::ElectionSafety => "Election Safety",
            Invariant::LogMatching => "Log Matching",
            Invariant::LeaderCompleteness => "Leader Completeness",
            Invariant::StateMachineSafety => "State Machine Safety",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub tick: u64,
    pub nodes: Vec<u64>,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<String> = self.nodes.iter().map(u64::to_string).collect();
        write!(
            f,
            "INVARIANT VIOLATED at tick {}: {} (nodes {}): {}",
            self.tick,
            self.invariant,
            nodes.join(","),
            self.detail
        )
    }
}

/// A link whose settings differ from the cluster default, or that is cut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub from: u64,
    pub to: u64,
    pub cut: bool,
    pub delay: (u64, u64),
    /// Loss in per mille.
    pub loss_per_mille: u32,
    /// Messages the next `drop` commands will still swallow.
    pub drops_armed: u32,
}

/// Counters since the start of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetStats {
    pub sent: u64,
    pub delivered: u64,
    /// Dropped by random loss.
    pub lost: u64,
    /// Dropped because the link was cut or the receiver was down.
    pub unreachable: u64,
    /// Dropped by a `drop` command.
    pub dropped: u64,
}

/// The whole cluster at one instant: the `cluster` panel's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterView {
    pub tick: u64,
    pub seed: u64,
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub nodes: Vec<NodeView>,
    /// In delivery order.
    pub in_flight: Vec<MessageView>,
    pub votes: Vec<VoteTally>,
    pub links: Vec<LinkView>,
    pub net: NetStats,
    pub violations: Vec<Violation>,
}

impl ClusterView {
    pub fn node(&self, id: u64) -> Option<&NodeView> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Live nodes that believe they lead, highest term first.
    pub fn leaders(&self) -> Vec<&NodeView> {
        let mut v: Vec<_> = self
            .nodes
            .iter()
            .filter(|n| n.role == Role::Leader)
            .collect();
        v.sort_by_key(|n| std::cmp::Reverse(n.term));
        v
    }

    /// One line per node, for failed expectations and the headless printer.
    pub fn table(&self) -> String {
        let mut s = String::from(
            "  node  role           term  vote  leader  last  commit  applied  timer\n",
        );
        for n in &self.nodes {
            s.push_str(&format!(
                "  {:<4}  {:<13}  {:>4}  {:>4}  {:>6}  {:>4}  {:>6}  {:>7}  {}/{}\n",
                n.id,
                n.role.name(),
                n.term,
                n.vote,
                n.leader,
                n.last_index,
                n.committed,
                n.applied,
                n.election_elapsed,
                n.election_timeout
            ));
        }
        s
    }
}

//! The simulator: raft-rs nodes (`RawNode` over `MemStorage`) wired to a deterministic
//! network. The caller drives it; it never runs on its own. Time is virtual (ticks), and
//! every random choice comes from the seed, so the same seed and the same commands give the
//! same timeline, byte for byte.

use super::network::{Delivery, Link, Network};
use super::rng::mix;
use super::script::{Command, Expectation, SimConfig};
use super::timeline::{TimelineEntry, TimelineEvent};
use super::view::{
    ClusterView, EntryView, Invariant, MessageView, NodeView, PeerProgress, Role, Violation,
    VoteTally,
};
use raft::StateRole;
use raft::prelude::{ConfState, Entry, EntryType, Message, MessageType};
use raft::storage::MemStorage;
use raft::{Config, RawNode};
use std::collections::{BTreeMap, BTreeSet};

/// A command the simulator cannot carry out (a node that does not exist, a rewind into the
/// future, a header command after the start).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SimError(pub String);

/// What `apply` did: most commands just happen; an `expect` passes or fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Check { pass: bool, detail: String },
}

#[derive(Clone, Debug)]
struct LogEntry {
    term: u64,
    data: String,
}

/// One simulated server. `store` is its disk: it survives a crash, while `raw` (raft-rs's
/// volatile state) and the state machine (`kv`, `applied`) do not.
struct Node {
    id: u64,
    raw: Option<RawNode<MemStorage>>,
    store: MemStorage,
    /// A mirror of the entries persisted in `store`, kept so the view and the invariant
    /// checks need not go through raft-rs's storage API on every tick.
    log: Vec<LogEntry>,
    applied: u64,
    kv: BTreeMap<String, String>,
    /// The role and term last reported on the timeline.
    role: Role,
    term: u64,
    /// This node's fixed election timeout, derived from the seed.
    timeout: usize,
}

struct Campaign {
    term: u64,
    pre_vote: bool,
    granted: BTreeSet<u64>,
    rejected: BTreeSet<u64>,
}

/// Where an entry was first seen, for the Log Matching check: same (index, term) must mean
/// same command and same previous term (which, by induction, means identical prefixes).
struct Seen {
    prev_term: u64,
    data: String,
    node: u64,
}

/// Where an entry was first applied, for State Machine Safety and Leader Completeness.
struct Applied {
    term: u64,
    data: String,
    node: u64,
}

/// Stabilize gives up after this many deliveries: a Raft cluster without ticks goes quiet
/// long before, so hitting it means something loops.
const STABILIZE_LIMIT: usize = 1_000_000;

/// The deterministic cluster simulator. See the module documentation.
pub struct Sim {
    cfg: SimConfig,
    seed: u64,
    now: u64,
    nodes: Vec<Node>,
    net: Network,
    campaigns: BTreeMap<u64, Campaign>,
    leaders: BTreeMap<u64, u64>,
    seen: BTreeMap<(u64, u64), Seen>,
    applied: Vec<Applied>,
    violations: Vec<Violation>,
    timeline: Vec<TimelineEntry>,
    actions: Vec<Command>,
    logger: slog::Logger,
}

fn role_of(s: StateRole) -> Role {
    match s {
        StateRole::Follower => Role::Follower,
        StateRole::PreCandidate => Role::PreCandidate,
        StateRole::Candidate => Role::Candidate,
        StateRole::Leader => Role::Leader,
    }
}

fn entry_data(e: &Entry) -> String {
    if e.get_entry_type() == EntryType::EntryNormal {
        String::from_utf8_lossy(&e.data).into_owned()
    } else {
        format!("{:?}", e.get_entry_type())
    }
}

impl Sim {
    /// A fresh cluster: every node a follower in term 0 with an empty log, nothing in flight.
    pub fn new(config: SimConfig, seed: u64) -> Result<Sim, SimError> {
        config.validate().map_err(SimError)?;
        // raft-rs logs through slog; the timeline is our log, so its output is discarded.
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let voters: Vec<u64> = (1..=config.nodes as u64).collect();
        let mut sim = Sim {
            nodes: Vec::with_capacity(config.nodes),
            net: Network::new(
                config.nodes as u64,
                Link {
                    delay: config.delay,
                    loss_per_mille: config.loss_per_mille,
                },
                seed,
            ),
            cfg: config,
            seed,
            now: 0,
            campaigns: BTreeMap::new(),
            leaders: BTreeMap::new(),
            seen: BTreeMap::new(),
            applied: Vec::new(),
            violations: Vec::new(),
            timeline: Vec::new(),
            actions: Vec::new(),
            logger,
        };
        for &id in &voters {
            let store = MemStorage::new_with_conf_state(ConfState::from((voters.clone(), vec![])));
            // raft-rs draws each election timeout from [min, max) with an unseeded RNG.
            // A one-tick window makes the draw certain, and it is redrawn (to the same value)
            // on every role change, so the node keeps its seed-derived timeout for ever.
            let e = sim.cfg.election_tick as u64;
            let timeout = (e + mix(seed ^ mix(id)) % e) as usize;
            let mut node = Node {
                id,
                raw: None,
                store,
                log: Vec::new(),
                applied: 0,
                kv: BTreeMap::new(),
                role: Role::Follower,
                term: 0,
                timeout,
            };
            node.raw = Some(sim.boot(&node)?);
            sim.nodes.push(node);
        }
        Ok(sim)
    }

    fn boot(&self, node: &Node) -> Result<RawNode<MemStorage>, SimError> {
        let c = Config {
            id: node.id,
            election_tick: self.cfg.election_tick,
            heartbeat_tick: self.cfg.heartbeat_tick,
            min_election_tick: node.timeout,
            max_election_tick: node.timeout + 1,
            pre_vote: self.cfg.pre_vote,
            check_quorum: self.cfg.check_quorum,
            max_size_per_msg: 1 << 20,
            max_inflight_msgs: 256,
            // The state machine is volatile: a restarted node re-applies from index 1.
            applied: 0,
            ..Config::default()
        };
        RawNode::new(&c, node.store.clone(), &self.logger)
            .map_err(|e| SimError(format!("raft-rs refused node {}: {e}", node.id)))
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current tick.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Everything that happened so far.
    pub fn timeline(&self) -> &[TimelineEntry] {
        &self.timeline
    }

    /// The commands that changed the world, in order: with the seed, this is the run.
    pub fn actions(&self) -> &[Command] {
        &self.actions
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn in_flight(&self) -> usize {
        self.net.in_flight()
    }

    fn push(&mut self, event: TimelineEvent) {
        self.timeline.push(TimelineEntry {
            tick: self.now,
            event,
        });
    }

    fn violate(&mut self, invariant: Invariant, mut nodes: Vec<u64>, detail: String) {
        nodes.sort_unstable();
        nodes.dedup();
        let v = Violation {
            invariant,
            tick: self.now,
            nodes,
            detail,
        };
        self.violations.push(v.clone());
        self.push(TimelineEvent::Violation(v));
    }

    fn index_of(&self, id: u64) -> Result<usize, SimError> {
        if id == 0 || id > self.nodes.len() as u64 {
            return Err(SimError(format!(
                "node {id} does not exist (the cluster has nodes 1 to {})",
                self.nodes.len()
            )));
        }
        Ok((id - 1) as usize)
    }

    // ---- the network -------------------------------------------------------------------

    fn send(&mut self, msgs: Vec<Message>) {
        self.net.send(self.now, msgs);
    }

    fn deliver(&mut self, m: Message) {
        let (from, to) = (m.from, m.to);
        let Ok(i) = self.index_of(to) else {
            return;
        };
        match self.net.admit(from, to, self.nodes[i].raw.is_some()) {
            Delivery::Unreachable => return,
            Delivery::Dropped => {
                self.push(TimelineEvent::Dropped {
                    kind: format!("{:?}", m.get_msg_type()),
                    from,
                    to,
                    term: m.term,
                });
                return;
            }
            Delivery::Deliver => {}
        }
        self.tally(&m);
        if let Some(raw) = self.nodes[i].raw.as_mut() {
            // raft-rs rejects messages from unknown peers; there are none here, and a
            // rejected message is simply lost, as on a real network.
            let _ = raw.step(m);
        }
        self.pump(i);
    }

    fn tally(&mut self, m: &Message) {
        let pre = match m.get_msg_type() {
            MessageType::MsgRequestVoteResponse => false,
            MessageType::MsgRequestPreVoteResponse => true,
            _ => return,
        };
        if let Some(c) = self.campaigns.get_mut(&m.to)
            && c.pre_vote == pre
        {
            if m.reject {
                c.rejected.insert(m.from);
            } else {
                c.granted.insert(m.from);
            }
        }
    }

    /// The next message in delivery order; with `due_only`, only one due by now.
    fn next_message(&mut self, due_only: bool) -> Option<Message> {
        self.net.next(due_only.then_some(self.now))
    }

    fn deliver_due(&mut self) {
        while let Some(m) = self.next_message(true) {
            self.deliver(m);
        }
    }

    // ---- one node's Ready ----------------------------------------------------------------

    /// Handles a node's `Ready` the way a real server does: send, apply what is committed,
    /// persist entries and the hard state (synchronously: the disk never lags), advance.
    fn pump(&mut self, i: usize) {
        while let Some(raw) = self.nodes[i].raw.as_mut() {
            if !raw.has_ready() {
                break;
            }
            let mut rd = raw.ready();
            let msgs = rd.take_messages();
            let committed = rd.take_committed_entries();
            let entries = rd.take_entries();
            let hs = rd.hs().cloned();
            let persisted_msgs = rd.take_persisted_messages();
            // A node sends vote requests only when it starts a campaign (a repeated
            // pre-campaign changes neither role nor term), so that is where a tally begins.
            if let Some(m) = msgs.iter().chain(&persisted_msgs).find(|m| {
                matches!(
                    m.get_msg_type(),
                    MessageType::MsgRequestVote | MessageType::MsgRequestPreVote
                )
            }) {
                let id = self.nodes[i].id;
                self.campaigns.insert(
                    id,
                    Campaign {
                        term: m.term,
                        pre_vote: m.get_msg_type() == MessageType::MsgRequestPreVote,
                        granted: BTreeSet::from([id]),
                        rejected: BTreeSet::new(),
                    },
                );
            }
            {
                let mut disk = self.nodes[i].store.wl();
                // MemStorage only panics on a gap or on compacted entries; raft-rs never
                // hands us either, and we never compact.
                if let Err(e) = disk.append(&entries) {
                    panic!("node {}: cannot persist entries: {e}", i + 1);
                }
                if let Some(hs) = hs {
                    disk.set_hardstate(hs);
                }
            }
            let mut light = match self.nodes[i].raw.as_mut() {
                Some(raw) => raw.advance(rd),
                None => break,
            };
            if let Some(commit) = light.commit_index() {
                self.nodes[i].store.wl().mut_hard_state().set_commit(commit);
            }
            let light_msgs = light.take_messages();
            let light_committed = light.take_committed_entries();
            self.mirror(i, &entries);
            self.send(msgs);
            self.apply_entries(i, &committed);
            self.send(persisted_msgs);
            self.send(light_msgs);
            self.apply_entries(i, &light_committed);
            if let Some(raw) = self.nodes[i].raw.as_mut() {
                raw.advance_apply();
            }
        }
        self.observe(i);
    }

    /// Keeps the log mirror equal to the disk, and checks Log Matching on every entry.
    fn mirror(&mut self, i: usize, entries: &[Entry]) {
        for e in entries {
            let node = &mut self.nodes[i];
            let idx = e.index as usize;
            // What the truncation below removes was written here but not committed (raft-rs
            // never truncates a committed entry): record each entry the batch does not
            // write again with the same term.
            let replaced: Vec<TimelineEvent> = (node.log.iter().enumerate().skip(idx - 1))
                .filter_map(|(j, old)| {
                    let index = j as u64 + 1;
                    let by = entries.iter().find(|n| n.index == index).map(|n| n.term);
                    (by != Some(old.term)).then(|| TimelineEvent::Overwritten {
                        node: node.id,
                        index,
                        term: old.term,
                        data: old.data.clone(),
                        by_term: by.unwrap_or(0),
                    })
                })
                .collect();
            for r in replaced {
                self.push(r);
            }
            let node = &mut self.nodes[i];
            node.log.truncate(idx - 1);
            let prev_term = if idx == 1 {
                0
            } else {
                node.log.get(idx - 2).map_or(0, |e| e.term)
            };
            let data = entry_data(e);
            let id = node.id;
            node.log.push(LogEntry {
                term: e.term,
                data: data.clone(),
            });
            match self.seen.get(&(e.index, e.term)) {
                Some(s) if s.prev_term != prev_term || s.data != data => {
                    let (other, sp, sd) = (s.node, s.prev_term, s.data.clone());
                    self.violate(
                        Invariant::LogMatching,
                        vec![other, id],
                        format!(
                            "entry {}/{} is {sd:?} after term {sp} on node {other} but {data:?} \
                             after term {prev_term} on node {id}",
                            e.index, e.term
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.seen.insert(
                        (e.index, e.term),
                        Seen {
                            prev_term,
                            data,
                            node: id,
                        },
                    );
                }
            }
        }
    }

    /// Applies committed entries to the node's key-value map; checks State Machine Safety.
    fn apply_entries(&mut self, i: usize, entries: &[Entry]) {
        for e in entries {
            let data = entry_data(e);
            let id = self.nodes[i].id;
            let node = &mut self.nodes[i];
            if e.index <= node.applied {
                continue;
            }
            node.applied = e.index;
            if let Some((k, v)) = data.split_once('=') {
                node.kv.insert(k.to_string(), v.to_string());
            }
            let idx = e.index as usize;
            if idx <= self.applied.len() {
                let a = &self.applied[idx - 1];
                if a.term != e.term || a.data != data {
                    let (other, at, ad) = (a.node, a.term, a.data.clone());
                    self.violate(
                        Invariant::StateMachineSafety,
                        vec![other, id],
                        format!(
                            "index {idx}: node {other} applied {ad:?} (term {at}), node {id} \
                             applied {data:?} (term {})",
                            e.term
                        ),
                    );
                }
            } else {
                self.applied.push(Applied {
                    term: e.term,
                    data: data.clone(),
                    node: id,
                });
                self.push(TimelineEvent::Commit {
                    index: e.index,
                    term: e.term,
                    data,
                });
            }
        }
    }

    /// Reports role and term changes; starts vote tallies; checks Election Safety and Leader
    /// Completeness when a node becomes leader.
    fn observe(&mut self, i: usize) {
        let Some(raw) = self.nodes[i].raw.as_ref() else {
            return;
        };
        let (role, term) = (role_of(raw.raft.state), raw.raft.term);
        let node = &self.nodes[i];
        let (id, old_role, old_term) = (node.id, node.role, node.term);
        if role == old_role && term == old_term {
            return;
        }
        self.nodes[i].role = role;
        self.nodes[i].term = term;
        if role == old_role {
            self.push(TimelineEvent::Term {
                node: id,
                from: old_term,
                to: term,
            });
            return;
        }
        self.push(TimelineEvent::Role {
            node: id,
            from: old_role,
            to: role,
            term,
        });
        match role {
            Role::PreCandidate | Role::Candidate => {
                let pre_vote = role == Role::PreCandidate;
                self.campaigns.insert(
                    id,
                    Campaign {
                        // A pre-candidate asks for the term it would stand in.
                        term: if pre_vote { term + 1 } else { term },
                        pre_vote,
                        granted: BTreeSet::from([id]),
                        rejected: BTreeSet::new(),
                    },
                );
            }
            Role::Leader => {
                let votes = match self.campaigns.get(&id) {
                    Some(c) if c.term == term && !c.pre_vote => c.granted.iter().copied().collect(),
                    _ => vec![id],
                };
                self.push(TimelineEvent::Elected {
                    node: id,
                    term,
                    votes,
                });
                match self.leaders.get(&term) {
                    Some(&other) if other != id => self.violate(
                        Invariant::ElectionSafety,
                        vec![other, id],
                        format!("nodes {other} and {id} were both elected in term {term}"),
                    ),
                    Some(_) => {}
                    None => {
                        self.leaders.insert(term, id);
                    }
                }
                self.check_completeness(i);
            }
            _ => {}
        }
    }

    fn check_completeness(&mut self, i: usize) {
        let node = &self.nodes[i];
        let missing = self.applied.iter().enumerate().find(|(k, a)| {
            node.log
                .get(*k)
                .is_none_or(|e| e.term != a.term || e.data != a.data)
        });
        if let Some((k, a)) = missing {
            let (id, other, term) = (node.id, a.node, node.term);
            self.violate(
                Invariant::LeaderCompleteness,
                vec![id, other],
                format!(
                    "node {id} leads term {term} without committed entry {} (term {})",
                    k + 1,
                    a.term
                ),
            );
        }
    }

    // ---- time ------------------------------------------------------------------------------

    fn tick_once(&mut self) {
        self.now += 1;
        for i in 0..self.nodes.len() {
            if let Some(raw) = self.nodes[i].raw.as_mut() {
                raw.tick();
                self.pump(i);
            }
        }
        self.deliver_due();
    }

    fn stabilize(&mut self) -> Result<(), SimError> {
        let mut n = 0;
        while let Some(m) = self.next_message(false) {
            self.deliver(m);
            n += 1;
            if n > STABILIZE_LIMIT {
                return Err(SimError(format!(
                    "messages still flowing after {STABILIZE_LIMIT} deliveries"
                )));
            }
        }
        Ok(())
    }

    // ---- commands ----------------------------------------------------------------------------

    /// Carries out one command, exactly as a script line would.
    pub fn apply(&mut self, cmd: &Command) -> Result<Outcome, SimError> {
        self.apply_at(cmd, 0)
    }

    /// Like `apply`; `line` is the script line reported with an `expect`'s result.
    pub fn apply_at(&mut self, cmd: &Command, line: usize) -> Result<Outcome, SimError> {
        for id in cmd.node_ids() {
            self.index_of(id)?;
        }
        // The command goes on the timeline before what it causes; its note (what became of
        // it) is filled in afterwards.
        let slot = match cmd {
            Command::Tick(_)
            | Command::Stabilize
            | Command::Step(_)
            | Command::Expect(_)
            | Command::Rewind(_)
            | Command::Nodes(_)
            | Command::Config(_) => None,
            _ => {
                self.push(TimelineEvent::Action {
                    command: cmd.to_string(),
                    note: String::new(),
                });
                Some(self.timeline.len() - 1)
            }
        };
        let note = match cmd {
            Command::Nodes(_) | Command::Config(_) => {
                return Err(SimError(
                    "`nodes` and `config` may only come before the first other command".into(),
                ));
            }
            Command::Expect(e) => {
                let (pass, detail) = self.check(e);
                self.push(TimelineEvent::Check {
                    line,
                    pass,
                    expect: e.to_string(),
                    detail: detail.clone(),
                });
                return Ok(Outcome::Check { pass, detail });
            }
            Command::Rewind(t) => {
                self.rewind(*t)?;
                return Ok(Outcome::Done);
            }
            Command::Tick(n) => {
                for _ in 0..*n {
                    self.tick_once();
                }
                None
            }
            Command::Stabilize => {
                self.stabilize()?;
                None
            }
            Command::Step(n) => {
                for _ in 0..*n {
                    match self.next_message(false) {
                        Some(m) => self.deliver(m),
                        None => break,
                    }
                }
                None
            }
            Command::Campaign(id) => {
                let i = self.index_of(*id)?;
                match self.nodes[i].raw.as_mut() {
                    None => Some(format!("node {id} is down; nothing happens")),
                    Some(raw) => {
                        let _ = raw.campaign();
                        Some(String::new())
                    }
                }
            }
            Command::Crash(id) => Some(self.crash(*id)?),
            Command::Restart(id) => Some(self.restart(*id)?),
            Command::Isolate(id) => {
                self.net.isolate(*id);
                Some(String::new())
            }
            Command::Cut(a, b) => {
                self.net.cut(*a, *b);
                Some(String::new())
            }
            Command::Partition(groups) => {
                self.net.partition(groups);
                Some(String::new())
            }
            Command::Heal => {
                self.net.heal();
                Some(String::new())
            }
            Command::Drop(a, b) => {
                self.net.drop_next(*a, *b);
                Some(String::new())
            }
            Command::Link {
                a,
                b,
                delay,
                loss_per_mille,
            } => {
                self.net.set_link(*a, *b, *delay, *loss_per_mille);
                Some(String::new())
            }
            Command::Propose(id, k, v) => Some(self.propose(*id, k, v)?),
            Command::SplitVote => {
                let mut started = Vec::new();
                for i in 0..self.nodes.len() {
                    let Some(raw) = self.nodes[i].raw.as_mut() else {
                        continue;
                    };
                    match raw.raft.state {
                        StateRole::Leader => continue,
                        // MsgTimeoutNow is how a leader hands over leadership: it starts a
                        // real election at once, skipping PreVote, so every node stands in
                        // the same new term and votes for itself.
                        StateRole::Follower => {
                            let mut m = Message::default();
                            m.set_msg_type(MessageType::MsgTimeoutNow);
                            m.to = raw.raft.id;
                            m.from = raw.raft.id;
                            m.term = raw.raft.term;
                            let _ = raw.step(m);
                        }
                        _ => {
                            let _ = raw.campaign();
                        }
                    }
                    started.push((i + 1).to_string());
                }
                for i in 0..self.nodes.len() {
                    self.pump(i);
                }
                Some(format!("nodes {} stand at once", started.join(",")))
            }
        };
        if let Command::Campaign(id) = cmd {
            let i = self.index_of(*id)?;
            self.pump(i);
        }
        self.actions.push(cmd.clone());
        if let (Some(slot), Some(text)) = (slot, note)
            && let Some(TimelineEntry {
                event: TimelineEvent::Action { note, .. },
                ..
            }) = self.timeline.get_mut(slot)
        {
            *note = text;
        }
        Ok(Outcome::Done)
    }

    fn crash(&mut self, id: u64) -> Result<String, SimError> {
        let i = self.index_of(id)?;
        let node = &mut self.nodes[i];
        if node.raw.is_none() {
            return Ok(format!("node {id} is already down"));
        }
        // Volatile state goes: raft-rs's RawNode and the state machine. The disk stays.
        node.raw = None;
        node.kv.clear();
        node.applied = 0;
        let from = node.role;
        node.role = Role::Down;
        self.campaigns.remove(&id);
        self.push(TimelineEvent::Role {
            node: id,
            from,
            to: Role::Down,
            term: self.nodes[i].term,
        });
        Ok(String::new())
    }

    fn restart(&mut self, id: u64) -> Result<String, SimError> {
        let i = self.index_of(id)?;
        if self.nodes[i].raw.is_some() {
            return Ok(format!("node {id} is already up"));
        }
        let raw = self.boot(&self.nodes[i])?;
        self.nodes[i].raw = Some(raw);
        let hs = self.nodes[i].store.rl().hard_state().clone();
        self.pump(i);
        Ok(format!(
            "restarts from disk: term {}, vote {}, commit {}, {} entries",
            hs.term,
            hs.vote,
            hs.commit,
            self.nodes[i].log.len()
        ))
    }

    fn propose(&mut self, id: u64, k: &str, v: &str) -> Result<String, SimError> {
        let i = self.index_of(id)?;
        let Some(raw) = self.nodes[i].raw.as_mut() else {
            return Ok(format!("node {id} is down; the request is lost"));
        };
        let (state, leader) = (raw.raft.state, raw.raft.leader_id);
        let note = match raw.propose(vec![], format!("{k}={v}").into_bytes()) {
            Err(_) => format!("dropped: node {id} knows no leader"),
            Ok(()) if state == StateRole::Leader => {
                format!("appended at index {}", raw.raft.raft_log.last_index())
            }
            Ok(()) => format!("forwarded to leader {leader}"),
        };
        self.pump(i);
        Ok(note)
    }

    /// Goes back to the end of tick `t` (after every command given while the clock read
    /// `t`) by re-running the seed and the action log into a fresh cluster. raft-rs's state
    /// cannot be copied, so replay is the only faithful way back; it is fast enough (see
    /// `benches/raft.rs`). Expectation results are not actions and are not replayed.
    pub fn rewind(&mut self, t: u64) -> Result<(), SimError> {
        if t > self.now {
            return Err(SimError(format!(
                "cannot rewind to tick {t}: the run is only at tick {}",
                self.now
            )));
        }
        *self = Sim::replay(self.cfg.clone(), self.seed, &self.actions, t)?;
        Ok(())
    }

    /// A fresh cluster that re-runs `actions` (an action log, as `actions()` gives it) up to
    /// the end of tick `t`, or to the end of the log if that comes first. A player uses it to
    /// move forward again along a run it has rewound.
    pub fn replay(
        config: SimConfig,
        seed: u64,
        actions: &[Command],
        t: u64,
    ) -> Result<Sim, SimError> {
        let mut fresh = Sim::new(config, seed)?;
        for a in actions {
            if let Command::Tick(n) = a
                && fresh.now + n > t
            {
                let left = t - fresh.now;
                if left > 0 {
                    fresh.apply(&Command::Tick(left))?;
                }
                break;
            }
            fresh.apply(a)?;
        }
        Ok(fresh)
    }

    // ---- what is there to see -----------------------------------------------------------------

    fn node_view(&self, n: &Node) -> NodeView {
        let log: Vec<EntryView> = n
            .log
            .iter()
            .enumerate()
            .map(|(k, e)| EntryView {
                index: k as u64 + 1,
                term: e.term,
                data: e.data.clone(),
            })
            .collect();
        let (last_index, last_term) = log.last().map_or((0, 0), |e| (e.index, e.term));
        match &n.raw {
            Some(raw) => {
                let r = &raw.raft;
                let mut progress: Vec<PeerProgress> = Vec::new();
                if r.state == StateRole::Leader {
                    progress = r
                        .prs()
                        .iter()
                        .filter(|(id, _)| **id != n.id)
                        .map(|(id, p)| PeerProgress {
                            id: *id,
                            match_index: p.matched,
                            next_index: p.next_idx,
                            state: format!("{:?}", p.state).to_lowercase(),
                        })
                        .collect();
                    progress.sort_by_key(|p| p.id);
                }
                NodeView {
                    id: n.id,
                    role: role_of(r.state),
                    term: r.term,
                    vote: r.vote,
                    leader: r.leader_id,
                    election_elapsed: r.election_elapsed as u64,
                    election_timeout: r.randomized_election_timeout() as u64,
                    last_index,
                    last_term,
                    committed: r.raft_log.committed,
                    applied: n.applied,
                    log,
                    kv: n.kv.clone(),
                    progress,
                }
            }
            None => {
                let hs = n.store.rl().hard_state().clone();
                NodeView {
                    id: n.id,
                    role: Role::Down,
                    term: hs.term,
                    vote: hs.vote,
                    leader: 0,
                    election_elapsed: 0,
                    election_timeout: n.timeout as u64,
                    last_index,
                    last_term,
                    committed: hs.commit,
                    applied: 0,
                    log,
                    kv: BTreeMap::new(),
                    progress: Vec::new(),
                }
            }
        }
    }

    /// The whole cluster now, as plain data (the `cluster` panel's snapshot).
    pub fn view(&self) -> ClusterView {
        let nodes: Vec<NodeView> = self.nodes.iter().map(|n| self.node_view(n)).collect();
        let in_flight = self
            .net
            .queued()
            .into_iter()
            .map(|(at, m)| MessageView {
                kind: format!("{:?}", m.get_msg_type()),
                from: m.from,
                to: m.to,
                term: m.term,
                deliver_at: at,
                index: m.index,
                log_term: m.log_term,
                entries: m.entries.len(),
                commit: m.commit,
                reject: m.reject,
            })
            .collect();
        let quorum = self.nodes.len() / 2 + 1;
        let votes = self
            .campaigns
            .iter()
            .map(|(&id, c)| VoteTally {
                candidate: id,
                term: c.term,
                pre_vote: c.pre_vote,
                granted: c.granted.iter().copied().collect(),
                rejected: c.rejected.iter().copied().collect(),
                quorum,
            })
            .collect();
        ClusterView {
            tick: self.now,
            seed: self.seed,
            pre_vote: self.cfg.pre_vote,
            check_quorum: self.cfg.check_quorum,
            nodes,
            in_flight,
            votes,
            links: self.net.link_views(),
            net: self.net.stats().clone(),
            violations: self.violations.clone(),
        }
    }

    /// One node's view (cheaper than the whole cluster's).
    pub fn node(&self, id: u64) -> Option<NodeView> {
        let i = self.index_of(id).ok()?;
        Some(self.node_view(&self.nodes[i]))
    }

    /// Whether an expectation holds now, without recording it on the timeline; when it
    /// does not, what was seen instead.
    /// The live nodes in groups that reach one another through uncut links.
    fn reachable_groups(&self, views: &[NodeView]) -> Vec<Vec<u64>> {
        let mut left: Vec<u64> = views
            .iter()
            .filter(|n| n.role != Role::Down)
            .map(|n| n.id)
            .collect();
        let mut groups = Vec::new();
        while let Some(first) = left.pop() {
            let mut group = vec![first];
            let mut i = 0;
            while i < group.len() {
                let a = group[i];
                let (near, far): (Vec<u64>, Vec<u64>) =
                    left.iter().partition(|&&b| self.net.joined(a, b));
                group.extend(near);
                left = far;
                i += 1;
            }
            group.sort_unstable();
            groups.push(group);
        }
        groups
    }

    pub fn check(&self, e: &Expectation) -> (bool, String) {
        let views: Vec<NodeView> = self.nodes.iter().map(|n| self.node_view(n)).collect();
        let get = |id: u64| &views[(id - 1) as usize];
        let describe = |n: &NodeView| format!("node {} is {} in term {}", n.id, n.role, n.term);
        let each =
            |ids: &[u64], ok: &dyn Fn(&NodeView) -> bool, say: &dyn Fn(&NodeView) -> String| {
                let bad: Vec<String> = ids
                    .iter()
                    .map(|&i| get(i))
                    .filter(|n| !ok(n))
                    .map(say)
                    .collect();
                (bad.is_empty(), bad.join("; "))
            };
        match e {
            Expectation::Leader { node, term } => {
                let n = get(*node);
                let ok = n.role == Role::Leader && term.is_none_or(|t| n.term == t);
                (ok, if ok { String::new() } else { describe(n) })
            }
            Expectation::Role { node, role, term } => {
                let n = get(*node);
                let ok = n.role == *role && term.is_none_or(|t| n.term == t);
                (ok, if ok { String::new() } else { describe(n) })
            }
            Expectation::NoLeader => {
                let leaders: Vec<String> = views
                    .iter()
                    .filter(|n| n.role == Role::Leader)
                    .map(describe)
                    .collect();
                (leaders.is_empty(), leaders.join("; "))
            }
            Expectation::NoQuorum => {
                let groups = self.reachable_groups(&views);
                let quorum = views.len() / 2 + 1;
                let say = |g: &Vec<u64>| g.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
                match groups.iter().find(|g| g.len() >= quorum) {
                    Some(g) => (
                        false,
                        format!("nodes {} reach one another: a majority", say(g)),
                    ),
                    None => (true, String::new()),
                }
            }
            Expectation::Term { term, nodes } => each(nodes, &|n| n.term == *term, &|n| {
                format!("node {} is in term {}", n.id, n.term)
            }),
            Expectation::Committed { index, nodes } => {
                each(nodes, &|n| n.committed == *index, &|n| {
                    format!("node {} has committed {}", n.id, n.committed)
                })
            }
            Expectation::Overwritten { nodes } => {
                let replaced = |id: u64| {
                    self.timeline.iter().any(|t| {
                        matches!(t.event, TimelineEvent::Overwritten { node, .. } if node == id)
                    })
                };
                each(nodes, &|n| replaced(n.id), &|n| {
                    format!("no entry of node {} was overwritten", n.id)
                })
            }
            Expectation::Value { key, value, nodes } => each(
                nodes,
                &|n| n.kv.get(key) == Some(value),
                &|n| match n.kv.get(key) {
                    Some(v) => format!("node {} has {key}={v}", n.id),
                    None if n.role == Role::Down => format!("node {} is down", n.id),
                    None => format!("node {} has no {key}", n.id),
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The checker must be able to fail: feed it states raft-rs would never produce.
    use super::*;

    fn elected() -> Sim {
        let mut sim = Sim::new(SimConfig::default(), 1).unwrap();
        sim.apply(&Command::Campaign(1)).unwrap();
        sim.apply(&Command::Stabilize).unwrap();
        assert!(sim.violations().is_empty());
        sim
    }

    fn entry(index: u64, term: u64, data: &str) -> Entry {
        Entry {
            index,
            term,
            data: data.as_bytes().to_vec().into(),
            ..Default::default()
        }
    }

    #[test]
    fn no_quorum_holds_only_when_no_connected_group_is_a_majority() {
        let mut sim = elected();
        let n = sim.config().nodes as u64;
        assert!(!sim.check(&Expectation::NoQuorum).0);
        // Every node cut off from the others: no majority reaches one another.
        for id in 2..=n {
            sim.apply(&Command::Isolate(id)).unwrap();
        }
        assert!(sim.check(&Expectation::NoQuorum).0);
        sim.apply(&Command::Heal).unwrap();
        assert!(!sim.check(&Expectation::NoQuorum).0);
    }

    #[test]
    fn an_uncommitted_entry_replaced_by_a_later_leader_is_overwritten() {
        let mut sim = elected();
        let n = sim.config().nodes as u64;
        let on = |nodes: Vec<u64>| Expectation::Overwritten { nodes };
        assert!(!sim.check(&on(vec![1])).0);
        // Node 1, the leader, cut off: its entry reaches no majority and is never committed.
        sim.apply(&Command::Isolate(1)).unwrap();
        sim.apply(&Command::Propose(1, "lost".into(), "1".into()))
            .unwrap();
        sim.apply(&Command::Campaign(2)).unwrap();
        sim.apply(&Command::Stabilize).unwrap();
        assert!(!sim.check(&on(vec![1])).0, "not yet: node 1 is cut off");
        sim.apply(&Command::Heal).unwrap();
        sim.apply(&Command::Tick(3)).unwrap();
        let (pass, detail) = sim.check(&on(vec![1]));
        assert!(pass, "{detail}");
        // The others never held it, so nothing of theirs was overwritten.
        let (pass, detail) = sim.check(&on((2..=n).collect()));
        assert!(!pass);
        assert!(
            detail.contains("no entry of node 2 was overwritten"),
            "{detail}"
        );
        assert!(
            sim.timeline()
                .iter()
                .any(|t| t.to_string().contains("lost=1) overwritten by term 2"))
        );
    }

    #[test]
    fn log_matching_catches_a_forged_entry() {
        let mut sim = elected();
        sim.mirror(1, &[entry(1, 1, "forged")]);
        assert_eq!(sim.violations()[0].invariant, Invariant::LogMatching);
        assert_eq!(sim.violations()[0].nodes, vec![1, 2]);
    }

    #[test]
    fn state_machine_safety_catches_a_different_apply() {
        let mut sim = elected();
        sim.nodes[2].applied = 0;
        sim.apply_entries(2, &[entry(1, 1, "x=9")]);
        assert_eq!(sim.violations()[0].invariant, Invariant::StateMachineSafety);
    }

    #[test]
    fn election_safety_and_leader_completeness_catch_a_second_leader() {
        let mut sim = elected();
        // Forge history: node 3 led term 2 and committed an entry nobody else has. Then make
        // node 2 leader of term 2 the legal way.
        sim.leaders.insert(2, 3);
        sim.applied.push(Applied {
            term: 1,
            data: "ghost".into(),
            node: 3,
        });
        sim.apply(&Command::Campaign(2)).unwrap();
        sim.apply(&Command::Stabilize).unwrap();
        let kinds: Vec<Invariant> = sim.violations().iter().map(|v| v.invariant).collect();
        assert!(kinds.contains(&Invariant::ElectionSafety), "{kinds:?}");
        assert!(kinds.contains(&Invariant::LeaderCompleteness), "{kinds:?}");
        let shown = sim.timeline().iter().any(|e| {
            matches!(&e.event, TimelineEvent::Violation(v) if v.to_string().starts_with("INVARIANT VIOLATED at tick 0: Election Safety (nodes 2,3)"))
        });
        assert!(shown);
    }
}

//! The command language shared by `contlab raft sim --script`, the library's
//! `Sim::apply`, and (later) lessons: one command per line, `#` starts a comment.

use super::view::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One command. Everything a script, a lesson or the UI can do to the simulated cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `nodes N` (only before the first other command).
    Nodes(usize),
    /// `config key=value …` (only before the first other command).
    Config(Vec<(String, String)>),
    /// `campaign N`: node N's election timer fires now.
    Campaign(u64),
    /// `stabilize`: deliver messages and their replies until none are left; no ticks pass.
    Stabilize,
    /// `tick [T]`: advance every live node T ticks, delivering messages as they fall due.
    Tick(u64),
    /// `step [N]`: deliver the next N messages in flight, due or not; no ticks pass.
    Step(u64),
    Crash(u64),
    Restart(u64),
    /// `isolate N`: cut N from everyone.
    Isolate(u64),
    /// `cut A B`: cut the link A–B both ways.
    Cut(u64, u64),
    /// `partition 1,2 | 3,4,5`: cut every link between groups (unlisted nodes are alone).
    Partition(Vec<Vec<u64>>),
    /// `heal`: undo every cut, isolate and partition.
    Heal,
    /// `drop A B`: the next message delivered on A → B is lost.
    Drop(u64, u64),
    /// `link A B delay=2-5 loss=10%`: this link's delay (ticks) and loss, both ways.
    Link {
        a: u64,
        b: u64,
        delay: Option<(u64, u64)>,
        loss_per_mille: Option<u32>,
    },
    /// `propose N key=value`: a client request to node N.
    Propose(u64, String, String),
    /// `split-vote`: every live non-leader starts an election at the same instant.
    SplitVote,
    /// `rewind T`: go back to the end of tick T (re-run from the seed and the action log).
    Rewind(u64),
    Expect(Expectation),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Leader {
        node: u64,
        term: Option<u64>,
    },
    Role {
        node: u64,
        role: Role,
        term: Option<u64>,
    },
    NoLeader,
    /// No group of live nodes that reach one another is a majority: nothing can commit.
    NoQuorum,
    Term {
        term: u64,
        nodes: Vec<u64>,
    },
    Committed {
        index: u64,
        nodes: Vec<u64>,
    },
    Value {
        key: String,
        value: String,
        nodes: Vec<u64>,
    },
    /// Each node had an entry it persisted replaced (written, never committed, then
    /// overwritten by a later leader's log) at some point of the run.
    Overwritten {
        nodes: Vec<u64>,
    },
}

fn list(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

fn term_suffix(t: &Option<u64>) -> String {
    t.map(|t| format!(" term {t}")).unwrap_or_default()
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Leader { node, term } => write!(f, "leader {node}{}", term_suffix(term)),
            Expectation::Role { node, role, term } => {
                write!(f, "role {node} {role}{}", term_suffix(term))
            }
            Expectation::NoLeader => f.write_str("no-leader"),
            Expectation::NoQuorum => f.write_str("no-quorum"),
            Expectation::Term { term, nodes } => write!(f, "term {term} on {}", list(nodes)),
            Expectation::Committed { index, nodes } => {
                write!(f, "committed {index} on {}", list(nodes))
            }
            Expectation::Value { key, value, nodes } => {
                write!(f, "value {key}={value} on {}", list(nodes))
            }
            Expectation::Overwritten { nodes } => write!(f, "overwritten on {}", list(nodes)),
        }
    }
}

fn range(d: (u64, u64)) -> String {
    if d.0 == d.1 {
        d.0.to_string()
    } else {
        format!("{}-{}", d.0, d.1)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Nodes(n) => write!(f, "nodes {n}"),
            Command::Config(kv) => {
                f.write_str("config")?;
                for (k, v) in kv {
                    write!(f, " {k}={v}")?;
                }
                Ok(())
            }
            Command::Campaign(n) => write!(f, "campaign {n}"),
            Command::Stabilize => f.write_str("stabilize"),
            Command::Tick(t) => write!(f, "tick {t}"),
            Command::Step(n) => write!(f, "step {n}"),
            Command::Crash(n) => write!(f, "crash {n}"),
            Command::Restart(n) => write!(f, "restart {n}"),
            Command::Isolate(n) => write!(f, "isolate {n}"),
            Command::Cut(a, b) => write!(f, "cut {a} {b}"),
            Command::Partition(groups) => {
                let g: Vec<String> = groups.iter().map(|g| list(g)).collect();
                write!(f, "partition {}", g.join(" | "))
            }
            Command::Heal => f.write_str("heal"),
            Command::Drop(a, b) => write!(f, "drop {a} {b}"),
            Command::Link {
                a,
                b,
                delay,
                loss_per_mille,
            } => {
                write!(f, "link {a} {b}")?;
                if let Some(d) = delay {
                    write!(f, " delay={}", range(*d))?;
                }
                if let Some(l) = loss_per_mille {
                    write!(f, " loss={}.{}%", l / 10, l % 10)?;
                }
                Ok(())
            }
            Command::Propose(n, k, v) => write!(f, "propose {n} {k}={v}"),
            Command::SplitVote => f.write_str("split-vote"),
            Command::Rewind(t) => write!(f, "rewind {t}"),
            Command::Expect(e) => write!(f, "expect {e}"),
        }
    }
}

impl Command {
    /// Every node id the command names, to check them against the cluster size.
    pub fn node_ids(&self) -> Vec<u64> {
        match self {
            Command::Campaign(n)
            | Command::Crash(n)
            | Command::Restart(n)
            | Command::Isolate(n)
            | Command::Propose(n, _, _) => vec![*n],
            Command::Cut(a, b) | Command::Drop(a, b) | Command::Link { a, b, .. } => vec![*a, *b],
            Command::Partition(g) => g.iter().flatten().copied().collect(),
            Command::Expect(Expectation::Leader { node, .. })
            | Command::Expect(Expectation::Role { node, .. }) => vec![*node],
            Command::Expect(Expectation::Term { nodes, .. })
            | Command::Expect(Expectation::Committed { nodes, .. })
            | Command::Expect(Expectation::Value { nodes, .. })
            | Command::Expect(Expectation::Overwritten { nodes }) => nodes.clone(),
            _ => vec![],
        }
    }

    /// Whether the command changes the simulated world (and so belongs in the action log
    /// that rewind re-runs).
    pub fn is_action(&self) -> bool {
        !matches!(
            self,
            Command::Expect(_) | Command::Rewind(_) | Command::Nodes(_) | Command::Config(_)
        )
    }
}

const COMMANDS: &[&str] = &[
    "nodes",
    "config",
    "campaign",
    "stabilize",
    "tick",
    "step",
    "crash",
    "restart",
    "isolate",
    "cut",
    "partition",
    "heal",
    "drop",
    "link",
    "propose",
    "split-vote",
    "rewind",
    "expect",
];
const EXPECTS: &[&str] = &[
    "leader",
    "role",
    "no-leader",
    "no-quorum",
    "term",
    "committed",
    "value",
    "overwritten",
];
pub(crate) const CONFIG_KEYS: &[&str] = &[
    "pre-vote",
    "check-quorum",
    "election-tick",
    "heartbeat-tick",
    "delay",
    "loss",
];
const ROLES: &[&str] = &["follower", "pre-candidate", "candidate", "leader", "down"];

/// `; did you mean "x"?` when a known word is close, else nothing.
pub(crate) fn did_you_mean(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (crate::suggest::edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3) && *d < k.len())
        .min()
        .map(|(_, k)| format!("; did you mean \"{k}\"?"))
        .unwrap_or_default()
}

fn num(word: Option<&str>, what: &str) -> Result<u64, String> {
    let w = word.ok_or_else(|| format!("missing {what}"))?;
    w.parse()
        .map_err(|_| format!("{what} must be a whole number, not {w:?}"))
}

fn node(word: Option<&str>) -> Result<u64, String> {
    let n = num(word, "node id")?;
    if n == 0 {
        return Err("node ids start at 1".into());
    }
    Ok(n)
}

fn nodes(word: Option<&str>) -> Result<Vec<u64>, String> {
    let w = word.ok_or("missing node list (e.g. 1,2,3)")?;
    let mut v = Vec::new();
    for part in w.split(',').filter(|p| !p.is_empty()) {
        v.push(node(Some(part))?);
    }
    if v.is_empty() {
        return Err("empty node list".into());
    }
    Ok(v)
}

fn key_value(word: Option<&str>) -> Result<(String, String), String> {
    let w = word.ok_or("missing key=value")?;
    match w.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected key=value, not {w:?}")),
    }
}

/// How the simulated cluster is built: a script's `nodes` and `config` header. The defaults
/// are the script defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    pub nodes: usize,
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub election_tick: usize,
    pub heartbeat_tick: usize,
    /// Every link's delay in ticks, drawn from `lo..=hi` per message (0: same tick).
    pub delay: (u64, u64),
    /// Every link's loss, in per mille.
    pub loss_per_mille: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            nodes: 3,
            pre_vote: false,
            check_quorum: false,
            election_tick: 10,
            heartbeat_tick: 1,
            delay: (0, 0),
            loss_per_mille: 0,
        }
    }
}

fn on_off(key: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("{key} is on or off, not {v:?}")),
    }
}

impl SimConfig {
    /// Sets one `config` key from a script.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let ticks = |v: &str| -> Result<usize, String> {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "{key} must be a positive number of ticks, not {v:?}"
                )),
            }
        };
        match key {
            "pre-vote" => self.pre_vote = on_off(key, value)?,
            "check-quorum" => self.check_quorum = on_off(key, value)?,
            "election-tick" => self.election_tick = ticks(value)?,
            "heartbeat-tick" => self.heartbeat_tick = ticks(value)?,
            "delay" => self.delay = parse_range(value)?,
            "loss" => self.loss_per_mille = parse_loss(value)?,
            _ => return Err(format!("unknown config key {key:?}")),
        }
        Ok(())
    }

    pub fn set_all(&mut self, kv: &[(String, String)]) -> Result<(), String> {
        for (k, v) in kv {
            self.set(k, v)?;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(1..=15).contains(&self.nodes) {
            return Err(format!("a cluster has 1 to 15 nodes, not {}", self.nodes));
        }
        if self.election_tick <= self.heartbeat_tick {
            return Err(format!(
                "election-tick ({}) must be greater than heartbeat-tick ({}), or followers \
                 would time out between heartbeats",
                self.election_tick, self.heartbeat_tick
            ));
        }
        Ok(())
    }
}

/// `3` or `2-5` (ticks).
fn parse_range(v: &str) -> Result<(u64, u64), String> {
    let bad = || format!("delay must be N or A-B ticks, not {v:?}");
    let (lo, hi) = match v.split_once('-') {
        Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
        None => {
            let n = v.parse().map_err(|_| bad())?;
            (n, n)
        }
    };
    if lo > hi {
        return Err(bad());
    }
    Ok((lo, hi))
}

/// `10%`, `2.5%` or `10` (percent), kept in per mille.
fn parse_loss(v: &str) -> Result<u32, String> {
    let bad = || format!("loss must be a percentage such as 10% or 2.5%, not {v:?}");
    let p: f64 = v.trim_end_matches('%').parse().map_err(|_| bad())?;
    if !(0.0..=100.0).contains(&p) {
        return Err(bad());
    }
    Ok((p * 10.0).round() as u32)
}

fn end(words: &mut std::slice::Iter<'_, &str>) -> Result<(), String> {
    match words.next() {
        None => Ok(()),
        Some(w) => Err(format!("unexpected {w:?} at the end of the line")),
    }
}

fn optional_term(words: &mut std::slice::Iter<'_, &str>) -> Result<Option<u64>, String> {
    match words.next() {
        None => Ok(None),
        Some(&"term") => Ok(Some(num(words.next().copied(), "term")?)),
        Some(w) => Err(format!(
            "expected \"term T\" or the end of the line, not {w:?}"
        )),
    }
}

fn on_nodes(words: &mut std::slice::Iter<'_, &str>) -> Result<Vec<u64>, String> {
    match words.next() {
        Some(&"on") => nodes(words.next().copied()),
        Some(w) => Err(format!("expected \"on 1,2,3\", not {w:?}")),
        None => Err("missing \"on 1,2,3\"".into()),
    }
}

fn parse_expect(words: &mut std::slice::Iter<'_, &str>) -> Result<Expectation, String> {
    let Some(kind) = words.next() else {
        return Err(format!("expect what? one of: {}", EXPECTS.join(", ")));
    };
    let e = match *kind {
        "leader" => Expectation::Leader {
            node: node(words.next().copied())?,
            term: optional_term(words)?,
        },
        "role" => {
            let n = node(words.next().copied())?;
            let r = words.next().ok_or("missing role")?;
            let role = Role::parse(r).ok_or_else(|| {
                format!(
                    "unknown role {r:?} (roles: {}){}",
                    ROLES.join(", "),
                    did_you_mean(r, ROLES)
                )
            })?;
            Expectation::Role {
                node: n,
                role,
                term: optional_term(words)?,
            }
        }
        "no-leader" => Expectation::NoLeader,
        "no-quorum" => Expectation::NoQuorum,
        "overwritten" => Expectation::Overwritten {
            nodes: on_nodes(words)?,
        },
        "term" => Expectation::Term {
            term: num(words.next().copied(), "term")?,
            nodes: on_nodes(words)?,
        },
        "committed" => Expectation::Committed {
            index: num(words.next().copied(), "commit index")?,
            nodes: on_nodes(words)?,
        },
        "value" => {
            let (key, value) = key_value(words.next().copied())?;
            Expectation::Value {
                key,
                value,
                nodes: on_nodes(words)?,
            }
        }
        other => {
            return Err(format!(
                "unknown expectation {other:?}{}",
                did_you_mean(other, EXPECTS)
            ));
        }
    };
    end(words)?;
    Ok(e)
}

/// Parses one line (comments and blank lines give `None`). Errors are one sentence without
/// the `file:line:` prefix, which the caller adds.
pub fn parse_line(line: &str) -> Result<Option<Command>, String> {
    let text = line.split('#').next().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    let all: Vec<&str> = text.split_whitespace().collect();
    let mut words = all[1..].iter();
    let cmd = match all[0] {
        "nodes" => {
            let n = num(words.next().copied(), "node count")?;
            if !(1..=15).contains(&n) {
                return Err(format!("a cluster has 1 to 15 nodes, not {n}"));
            }
            Command::Nodes(n as usize)
        }
        "config" => {
            let mut kv = Vec::new();
            for w in words.by_ref() {
                let (k, v) = w
                    .split_once('=')
                    .ok_or_else(|| format!("expected key=value, not {w:?}"))?;
                if !CONFIG_KEYS.contains(&k) {
                    return Err(format!(
                        "unknown config key {k:?} (keys: {}){}",
                        CONFIG_KEYS.join(", "),
                        did_you_mean(k, CONFIG_KEYS)
                    ));
                }
                kv.push((k.to_string(), v.to_string()));
            }
            if kv.is_empty() {
                return Err("config needs key=value pairs".into());
            }
            // Validate the values now, so the error points at this line.
            SimConfig::default().set_all(&kv)?;
            Command::Config(kv)
        }
        "campaign" => Command::Campaign(node(words.next().copied())?),
        "stabilize" => Command::Stabilize,
        "tick" => Command::Tick(match words.next() {
            Some(w) => num(Some(w), "tick count")?,
            None => 1,
        }),
        "step" => Command::Step(match words.next() {
            Some(w) => num(Some(w), "message count")?,
            None => 1,
        }),
        "crash" => Command::Crash(node(words.next().copied())?),
        "restart" => Command::Restart(node(words.next().copied())?),
        "isolate" => Command::Isolate(node(words.next().copied())?),
        "cut" | "drop" => {
            let a = node(words.next().copied())?;
            let b = node(words.next().copied())?;
            if a == b {
                return Err(format!("a link joins two different nodes, not {a} and {b}"));
            }
            if all[0] == "cut" {
                Command::Cut(a, b)
            } else {
                Command::Drop(a, b)
            }
        }
        "partition" => {
            let rest: String = words.by_ref().copied().collect::<Vec<_>>().join("");
            let mut groups = Vec::new();
            for g in rest.split('|') {
                groups.push(nodes(Some(g))?);
            }
            if groups.len() < 2 {
                return Err("a partition needs at least two groups, e.g. 1,2 | 3".into());
            }
            let mut seen: Vec<u64> = groups.iter().flatten().copied().collect();
            seen.sort_unstable();
            if seen.windows(2).any(|w| w[0] == w[1]) {
                return Err("a node can be in only one group".into());
            }
            Command::Partition(groups)
        }
        "heal" => Command::Heal,
        "link" => {
            let a = node(words.next().copied())?;
            let b = node(words.next().copied())?;
            let (mut delay, mut loss) = (None, None);
            for w in words.by_ref() {
                match w.split_once('=') {
                    Some(("delay", v)) => delay = Some(parse_range(v)?),
                    Some(("loss", v)) => loss = Some(parse_loss(v)?),
                    _ => return Err(format!("expected delay=… or loss=…, not {w:?}")),
                }
            }
            Command::Link {
                a,
                b,
                delay,
                loss_per_mille: loss,
            }
        }
        "propose" => {
            let n = node(words.next().copied())?;
            let (k, v) = key_value(words.next().copied())?;
            Command::Propose(n, k, v)
        }
        "split-vote" => Command::SplitVote,
        "rewind" => Command::Rewind(num(words.next().copied(), "tick")?),
        "expect" => return Ok(Some(Command::Expect(parse_expect(&mut words)?))),
        other => {
            return Err(format!(
                "unknown command {other:?}{}",
                did_you_mean(other, COMMANDS)
            ));
        }
    };
    end(&mut words)?;
    Ok(Some(cmd))
}

/// A parsed script: the cluster's configuration (from the `nodes`/`config` header) and the
/// commands that follow, each with its line number.
#[derive(Clone, Debug)]
pub struct Script {
    pub config: SimConfig,
    pub commands: Vec<(usize, Command)>,
}

/// A script error, printed as `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ScriptError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parses a whole script with the default configuration. `file` names it in errors.
pub fn parse_script(text: &str, file: &str) -> Result<Script, ScriptError> {
    parse_script_with(text, file, SimConfig::default())
}

/// Parses a whole script; its `nodes` and `config` lines override `base`.
pub fn parse_script_with(text: &str, file: &str, base: SimConfig) -> Result<Script, ScriptError> {
    let err = |line: usize, message: String| ScriptError {
        file: file.to_string(),
        line,
        message,
    };
    let mut config = base;
    let mut commands = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let Some(cmd) = parse_line(raw).map_err(|m| err(line, m))? else {
            continue;
        };
        match cmd {
            Command::Nodes(_) | Command::Config(_) if !commands.is_empty() => {
                return Err(err(
                    line,
                    "`nodes` and `config` may only come before the first other command".into(),
                ));
            }
            Command::Nodes(n) => config.nodes = n,
            Command::Config(kv) => config.set_all(&kv).map_err(|m| err(line, m))?,
            other => commands.push((line, other)),
        }
    }
    config.validate().map_err(|m| err(1, m))?;
    for (line, cmd) in &commands {
        if let Some(bad) = cmd
            .node_ids()
            .into_iter()
            .find(|&n| n > config.nodes as u64)
        {
            return Err(err(
                *line,
                format!(
                    "node {bad} does not exist (the cluster has nodes 1 to {})",
                    config.nodes
                ),
            ));
        }
    }
    Ok(Script { config, commands })
}

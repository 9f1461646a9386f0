//! The simulated network between the nodes, kept apart from them as in raft-rs's test
//! harness: messages in flight, links that delay or lose them (drawn from the seed), and
//! the faults a script injects — `cut`, `isolate`, `partition`, `drop`, `heal`. The nodes
//! know nothing of it: the simulator hands it what a node sends and asks it what to
//! deliver next.

use super::rng::Rng;
use super::view::{LinkView, NetStats};
use raft::prelude::Message;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One direction of a link between two nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The delay in ticks, drawn from `lo..=hi` per message (0: same tick).
    pub delay: (u64, u64),
    /// The loss, in per mille.
    pub loss_per_mille: u32,
}

/// What becomes of a message that reaches its receiver's side of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// It reaches the node.
    Deliver,
    /// The link is cut or the receiver is down.
    Unreachable,
    /// A `drop` command swallowed it.
    Dropped,
}

/// The network of an `n`-node cluster (nodes 1 to `n`).
pub struct Network {
    nodes: u64,
    /// Every link's behaviour unless `set_link` changed it.
    default: Link,
    /// Messages in flight, delivered in (delivery tick, send order). Most messages are due
    /// in the tick they are sent; they wait in `queue_now`, already in order, and only
    /// delayed ones pay for the sorted map.
    queue_now: VecDeque<((u64, u64), Message)>,
    queue: BTreeMap<(u64, u64), Message>,
    seq: u64,
    cuts: BTreeSet<(u64, u64)>,
    drops: BTreeMap<(u64, u64), u32>,
    links: BTreeMap<(u64, u64), Link>,
    rng: Rng,
    stats: NetStats,
}

impl Network {
    /// A network with nothing in flight and every link `default`; its delays and losses
    /// are drawn from `seed`.
    pub fn new(nodes: u64, default: Link, seed: u64) -> Network {
        Network {
            nodes,
            default,
            queue_now: VecDeque::new(),
            queue: BTreeMap::new(),
            seq: 0,
            cuts: BTreeSet::new(),
            drops: BTreeMap::new(),
            links: BTreeMap::new(),
            rng: Rng::new(seed),
            stats: NetStats::default(),
        }
    }

    pub fn link(&self, from: u64, to: u64) -> Link {
        self.links.get(&(from, to)).copied().unwrap_or(self.default)
    }

    /// Puts what a node sent at tick `now` in flight (or loses it, by the link's loss).
    pub fn send(&mut self, now: u64, msgs: Vec<Message>) {
        for m in msgs {
            self.stats.sent += 1;
            let link = self.link(m.from, m.to);
            if self.rng.chance(link.loss_per_mille) {
                self.stats.lost += 1;
                continue;
            }
            let at = now + self.rng.range(link.delay.0, link.delay.1);
            if at == now {
                self.queue_now.push_back(((at, self.seq), m));
            } else {
                self.queue.insert((at, self.seq), m);
            }
            self.seq += 1;
        }
    }

    /// The next message in delivery order; with `due_by`, only one due by that tick.
    pub fn next(&mut self, due_by: Option<u64>) -> Option<Message> {
        let a = self.queue_now.front().map(|(k, _)| *k);
        let b = self.queue.first_key_value().map(|(k, _)| *k);
        let from_now = match (a, b) {
            (None, None) => return None,
            (Some(a), Some(b)) => a < b,
            (a, _) => a.is_some(),
        };
        let key = if from_now { a } else { b }?;
        if due_by.is_some_and(|now| key.0 > now) {
            return None;
        }
        if from_now {
            self.queue_now.pop_front().map(|(_, m)| m)
        } else {
            self.queue.pop_first().map(|(_, m)| m)
        }
    }

    /// Decides the fate of a message from `from` to `to` (whose node is `up` or not), and
    /// counts it.
    pub fn admit(&mut self, from: u64, to: u64, up: bool) -> Delivery {
        if self.cuts.contains(&(from, to)) || !up {
            self.stats.unreachable += 1;
            return Delivery::Unreachable;
        }
        if let Some(n) = self.drops.get_mut(&(from, to)) {
            *n -= 1;
            if *n == 0 {
                self.drops.remove(&(from, to));
            }
            self.stats.dropped += 1;
            return Delivery::Dropped;
        }
        self.stats.delivered += 1;
        Delivery::Deliver
    }

    pub fn in_flight(&self) -> usize {
        self.queue_now.len() + self.queue.len()
    }

    /// Messages in flight with their delivery tick, in delivery order.
    pub fn queued(&self) -> Vec<(u64, &Message)> {
        let mut queued: Vec<(&(u64, u64), &Message)> = self
            .queue_now
            .iter()
            .map(|(k, m)| (k, m))
            .chain(self.queue.iter())
            .collect();
        queued.sort_by_key(|(k, _)| **k);
        queued.into_iter().map(|(&(at, _), m)| (at, m)).collect()
    }

    /// Cuts both directions between `a` and `b`.
    pub fn cut(&mut self, a: u64, b: u64) {
        self.cuts.insert((a, b));
        self.cuts.insert((b, a));
    }

    /// Whether a message from `from` to `to` gets through the cuts (both ways).
    pub fn joined(&self, from: u64, to: u64) -> bool {
        !self.cuts.contains(&(from, to)) && !self.cuts.contains(&(to, from))
    }

    /// Cuts `id` off from every other node.
    pub fn isolate(&mut self, id: u64) {
        for j in 1..=self.nodes {
            if j != id {
                self.cut(id, j);
            }
        }
    }

    /// Cuts every link between different groups; unlisted nodes each stand alone.
    pub fn partition(&mut self, groups: &[Vec<u64>]) {
        let group = |id: u64| {
            groups
                .iter()
                .position(|g| g.contains(&id))
                .map_or(groups.len() as u64 + id, |p| p as u64)
        };
        for a in 1..=self.nodes {
            for b in 1..=self.nodes {
                if a != b && group(a) != group(b) {
                    self.cuts.insert((a, b));
                }
            }
        }
    }

    /// Mends every cut (links keep their delay and loss; armed drops stay armed).
    pub fn heal(&mut self) {
        self.cuts.clear();
    }

    /// Swallows the next message from `a` to `b`.
    pub fn drop_next(&mut self, a: u64, b: u64) {
        *self.drops.entry((a, b)).or_insert(0) += 1;
    }

    /// Changes both directions between `a` and `b`: the delay, the loss, or both.
    pub fn set_link(&mut self, a: u64, b: u64, delay: Option<(u64, u64)>, loss: Option<u32>) {
        for key in [(a, b), (b, a)] {
            let mut l = self.link(key.0, key.1);
            if let Some(d) = delay {
                l.delay = d;
            }
            if let Some(p) = loss {
                l.loss_per_mille = p;
            }
            self.links.insert(key, l);
        }
    }

    /// Every link that differs from the default: cut, with drops armed, or changed.
    pub fn link_views(&self) -> Vec<LinkView> {
        let keys: BTreeSet<(u64, u64)> = self
            .cuts
            .iter()
            .chain(self.drops.keys())
            .chain(
                self.links
                    .iter()
                    .filter(|(_, l)| **l != self.default)
                    .map(|(k, _)| k),
            )
            .copied()
            .collect();
        keys.into_iter()
            .map(|(a, b)| {
                let l = self.link(a, b);
                LinkView {
                    from: a,
                    to: b,
                    cut: self.cuts.contains(&(a, b)),
                    delay: l.delay,
                    loss_per_mille: l.loss_per_mille,
                    drops_armed: self.drops.get(&(a, b)).copied().unwrap_or(0),
                }
            })
            .collect()
    }

    pub fn stats(&self) -> &NetStats {
        &self.stats
    }
}

//! Pause, play, speed and a timeline to scrub, for a UI. The simulator itself knows no wall
//! clock: the player turns elapsed real time into whole ticks, so a paused or slowed cluster
//! is still the same deterministic run. Every change to the cluster goes through the script
//! language's [`Command`]s, so what a student does from the keyboard is what a script line
//! would do.

use super::script::Command;
use super::sim::{Outcome, Sim, SimError};
use super::timeline::{Mark, marks};
use super::view::Role;
use std::time::Duration;

/// What a student can do to the simulated cluster from the Cluster panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Play if paused, pause if playing.
    PlayPause,
    /// One tick (`tick 1`).
    StepTick,
    /// The next message in flight delivered (`step 1`).
    StepMessage,
    /// Twice as many ticks per second.
    Faster,
    /// Half as many ticks per second.
    Slower,
    /// Back one tick (re-run from the seed).
    Back,
    /// Forward one tick along the run a rewind left behind.
    Forward,
    /// Back to the latest marked moment (election, fault, request) before this tick.
    PreviousMark,
    /// Forward to the next marked moment of the run a rewind left behind.
    NextMark,
    /// Crash the node, or restart it from its disk when it is down.
    CrashOrRestart(u64),
    /// Cut the node off from every other, or heal every cut link when it already is.
    IsolateOrHeal(u64),
    /// Drop the next message in flight that leaves the node (else the next one at all).
    DropNext(u64),
    /// A client request to the node.
    Propose(u64),
    /// Every live non-leader stands for election at once.
    SplitVote,
    /// The node's election timer fires now: it stands for election (`campaign N`).
    Campaign(u64),
}

/// A run the student rewound: kept so the timeline can be scrubbed forward again until
/// they change the world, which starts a new run from where they stand.
struct Ahead {
    actions: Vec<Command>,
    end: u64,
    marks: Vec<Mark>,
}

pub struct Player {
    pub sim: Sim,
    paused: bool,
    ticks_per_second: f64,
    /// Fractions of a tick carried over between calls to `advance`.
    carry: f64,
    ahead: Option<Ahead>,
    /// Client requests made from the keyboard, to name each one.
    requests: u64,
}

impl Player {
    /// Starts paused at 10 ticks per second.
    pub fn new(sim: Sim) -> Player {
        Player {
            sim,
            paused: true,
            ticks_per_second: 10.0,
            carry: 0.0,
            ahead: None,
            requests: 0,
        }
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }

    pub fn play(&mut self) {
        self.paused = false;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Ticks per second while playing (clamped to 0.1 ..= 10,000).
    pub fn set_speed(&mut self, ticks_per_second: f64) {
        self.ticks_per_second = ticks_per_second.clamp(0.1, 10_000.0);
    }

    pub fn speed(&self) -> f64 {
        self.ticks_per_second
    }

    /// Carries out one command. One that changes the world (`is_action`) forgets the run a
    /// rewind left behind: from here on, history is different.
    pub fn apply_at(&mut self, cmd: &Command, line: usize) -> Result<Outcome, SimError> {
        if cmd.is_action() {
            self.ahead = None;
        }
        self.sim.apply_at(cmd, line)
    }

    fn apply(&mut self, cmd: &Command) -> Result<(), SimError> {
        self.apply_at(cmd, 0).map(|_| ())
    }

    /// One tick, playing or not.
    pub fn step_tick(&mut self) -> Result<(), SimError> {
        self.apply(&Command::Tick(1))
    }

    /// One message delivered, playing or not.
    pub fn step_message(&mut self) -> Result<(), SimError> {
        self.apply(&Command::Step(1))
    }

    /// Call from the UI's loop with the real time since the last call; runs the ticks due.
    /// Returns how many ran.
    pub fn advance(&mut self, elapsed: Duration) -> Result<u64, SimError> {
        if self.paused {
            return Ok(0);
        }
        self.carry += elapsed.as_secs_f64() * self.ticks_per_second;
        let n = self.carry.floor();
        self.carry -= n;
        let n = n as u64;
        if n > 0 {
            self.apply(&Command::Tick(n))?;
        }
        Ok(n)
    }

    /// Back to the end of tick `t`; pauses, since the student is now looking at the past.
    /// The run from there on is kept, so `seek` can go forward along it again.
    pub fn rewind(&mut self, t: u64) -> Result<(), SimError> {
        if t > self.sim.now() {
            return Err(SimError(format!(
                "cannot rewind to tick {t}: the run is only at tick {}",
                self.sim.now()
            )));
        }
        if self.ahead.is_none() {
            self.ahead = Some(Ahead {
                actions: self.sim.actions().to_vec(),
                end: self.sim.now(),
                marks: marks(self.sim.timeline()),
            });
        }
        self.seek(t)
    }

    /// To the end of tick `t` of the longest run known: back by rewinding, forward along a
    /// run a rewind left behind (never past its end). Pauses.
    pub fn seek(&mut self, t: u64) -> Result<(), SimError> {
        self.paused = true;
        self.carry = 0.0;
        let t = t.min(self.horizon());
        if self.ahead.is_none() && t == self.sim.now() {
            return Ok(());
        }
        let actions = match &self.ahead {
            Some(a) => a.actions.as_slice(),
            None => self.sim.actions(),
        };
        self.sim = Sim::replay(self.sim.config().clone(), self.sim.seed(), actions, t)?;
        Ok(())
    }

    /// The last tick of the longest run known (the current one, or the one a rewind left
    /// behind).
    pub fn horizon(&self) -> u64 {
        self.ahead
            .as_ref()
            .map_or(self.sim.now(), |a| a.end.max(self.sim.now()))
    }

    /// The marked moments of the longest run known.
    pub fn marks(&self) -> Vec<Mark> {
        match &self.ahead {
            Some(a) => a.marks.clone(),
            None => marks(self.sim.timeline()),
        }
    }

    /// Carries out a control; returns one sentence saying what happened.
    pub fn control(&mut self, c: Control) -> Result<String, SimError> {
        let now = self.sim.now();
        let note = match c {
            Control::PlayPause => {
                self.paused = !self.paused;
                self.carry = 0.0;
                if self.paused {
                    format!("paused at tick {now}")
                } else {
                    format!("playing at {} ticks per second", self.ticks_per_second)
                }
            }
            Control::StepTick => {
                self.step_tick()?;
                format!("tick {}", self.sim.now())
            }
            Control::StepMessage => {
                if self.sim.in_flight() == 0 {
                    "no message in flight".to_string()
                } else {
                    self.step_message()?;
                    "one message delivered".to_string()
                }
            }
            Control::Faster | Control::Slower => {
                let by = if c == Control::Faster { 2.0 } else { 0.5 };
                self.set_speed(self.ticks_per_second * by);
                format!("{} ticks per second", self.ticks_per_second)
            }
            Control::Back if now == 0 => "already at tick 0".to_string(),
            Control::Back => {
                self.rewind(now - 1)?;
                format!("back at tick {}", self.sim.now())
            }
            Control::Forward if now >= self.horizon() => {
                "this is the latest tick; `.` runs a new one".to_string()
            }
            Control::Forward => {
                self.seek(now + 1)?;
                format!("forward at tick {}", self.sim.now())
            }
            Control::PreviousMark => {
                let t = self
                    .marks()
                    .iter()
                    .rev()
                    .map(|m| m.tick)
                    .find(|&t| t < now)
                    .unwrap_or(0);
                self.rewind(t)?;
                format!("back at tick {}", self.sim.now())
            }
            Control::NextMark => {
                let end = self.horizon();
                let t = self
                    .marks()
                    .iter()
                    .map(|m| m.tick)
                    .find(|&t| t > now)
                    .unwrap_or(end);
                if t == now {
                    "this is the latest tick; `.` runs a new one".to_string()
                } else {
                    self.seek(t)?;
                    format!("forward at tick {}", self.sim.now())
                }
            }
            Control::CrashOrRestart(id) => {
                let down = self.sim.node(id).is_some_and(|n| n.role == Role::Down);
                let cmd = if down {
                    Command::Restart(id)
                } else {
                    Command::Crash(id)
                };
                self.apply(&cmd)?;
                cmd.to_string()
            }
            Control::IsolateOrHeal(id) => {
                // Heal only a node that is already cut off from all the others, so the
                // key can cut off several nodes one by one.
                let others = self.sim.config().nodes.saturating_sub(1);
                let cut_off = (self.sim.view().links.iter())
                    .filter(|l| l.cut && l.from == id)
                    .count();
                let cut = others > 0 && cut_off >= others;
                let cmd = if cut {
                    Command::Heal
                } else {
                    Command::Isolate(id)
                };
                self.apply(&cmd)?;
                cmd.to_string()
            }
            Control::DropNext(id) => {
                let view = self.sim.view();
                let next = view
                    .in_flight
                    .iter()
                    .find(|m| m.from == id)
                    .or(view.in_flight.first());
                match next {
                    None => "no message in flight to drop".to_string(),
                    Some(m) => {
                        let cmd = Command::Drop(m.from, m.to);
                        let what = format!("{cmd}: the next {} is lost", m.kind);
                        self.apply(&cmd)?;
                        what
                    }
                }
            }
            Control::Propose(id) => {
                self.requests += 1;
                let n = self.requests;
                let cmd = Command::Propose(id, format!("req{n}"), n.to_string());
                self.apply(&cmd)?;
                cmd.to_string()
            }
            Control::SplitVote => {
                self.apply(&Command::SplitVote)?;
                Command::SplitVote.to_string()
            }
            Control::Campaign(id) => {
                let cmd = Command::Campaign(id);
                self.apply(&cmd)?;
                cmd.to_string()
            }
        };
        Ok(note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::SimConfig;

    fn player() -> Player {
        let mut p = Player::new(Sim::new(SimConfig::default(), 1).expect("sim"));
        p.apply_at(&Command::Tick(40), 0).expect("ticks");
        p
    }

    #[test]
    fn a_rewound_run_can_be_scrubbed_forward_again_until_the_world_changes() {
        let mut p = player();
        let elected = p.marks();
        assert!(
            elected
                .iter()
                .any(|m| m.kind == crate::raft::timeline::MarkKind::Election)
        );
        p.rewind(5).expect("rewinds");
        assert_eq!((p.sim.now(), p.horizon()), (5, 40));
        p.control(Control::NextMark).expect("seeks");
        assert_eq!(p.sim.now(), elected[0].tick);
        p.control(Control::Forward).expect("seeks");
        assert_eq!(p.sim.now(), elected[0].tick + 1);
        // A new action forgets the old future.
        p.control(Control::Propose(1)).expect("proposes");
        assert_eq!(p.horizon(), p.sim.now());
        assert!(
            p.control(Control::Forward)
                .expect("refuses")
                .contains("latest")
        );
    }

    #[test]
    fn crash_and_isolate_toggle() {
        let mut p = player();
        p.control(Control::CrashOrRestart(2)).expect("crash");
        assert_eq!(p.sim.node(2).map(|n| n.role), Some(Role::Down));
        p.control(Control::CrashOrRestart(2)).expect("restart");
        assert_ne!(p.sim.node(2).map(|n| n.role), Some(Role::Down));
        assert_eq!(
            p.control(Control::IsolateOrHeal(3)).expect("cut"),
            "isolate 3"
        );
        assert_eq!(p.control(Control::IsolateOrHeal(3)).expect("heal"), "heal");
    }

    #[test]
    fn campaign_makes_the_chosen_node_leader() {
        let mut p = player();
        let before = p.sim.view().leaders().first().map(|l| (l.id, l.term));
        let (old, term) = before.expect("seed 1 elects a leader within 40 ticks");
        let chosen = if old == 3 { 2 } else { 3 };
        assert_eq!(
            p.control(Control::Campaign(chosen)).expect("campaign"),
            format!("campaign {chosen}")
        );
        p.apply_at(&Command::Stabilize, 0).expect("stabilize");
        let leader = p.sim.node(chosen).expect("node");
        assert_eq!((leader.role, leader.term), (Role::Leader, term + 1));
        assert_ne!(p.sim.node(old).map(|n| n.role), Some(Role::Down));
    }
}

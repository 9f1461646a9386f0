//! Pause, play and speed for a UI. The simulator itself knows no wall clock: the player
//! turns elapsed real time into whole ticks, so a paused or slowed cluster is still the
//! same deterministic run.

use super::script::Command;
use super::sim::{Sim, SimError};
use std::time::Duration;

pub struct Player {
    pub sim: Sim,
    paused: bool,
    ticks_per_second: f64,
    /// Fractions of a tick carried over between calls to `advance`.
    carry: f64,
}

impl Player {
    /// Starts paused at 10 ticks per second.
    pub fn new(sim: Sim) -> Player {
        Player {
            sim,
            paused: true,
            ticks_per_second: 10.0,
            carry: 0.0,
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

    /// One tick, playing or not.
    pub fn step_tick(&mut self) -> Result<(), SimError> {
        self.sim.apply(&Command::Tick(1)).map(|_| ())
    }

    /// One message delivered, playing or not.
    pub fn step_message(&mut self) -> Result<(), SimError> {
        self.sim.apply(&Command::Step(1)).map(|_| ())
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
            self.sim.apply(&Command::Tick(n))?;
        }
        Ok(n)
    }

    /// Back to the end of tick `t`; pauses, since the student is now looking at the past.
    pub fn rewind(&mut self, t: u64) -> Result<(), SimError> {
        self.paused = true;
        self.carry = 0.0;
        self.sim.rewind(t)
    }
}

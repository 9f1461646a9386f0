//! Replay: a recorded journal drives the same app as a live engine does, as messages.
//! The player owns the playback position; seeking backwards reopens the lesson and
//! applies the journal's events again up to the new position, so every pane (lesson,
//! Proc, Cgroup, Trace, Cluster, shell) shows what it showed then. No root, no kernel.

use super::msg::Msg;
use super::state::{App, Mode, Options};
use super::update::update;
use crate::lesson::event::Event;
use crate::record::Journal;
use anyhow::{Context, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use std::time::{Duration, Instant};

/// Seek step of `[` and `]`, in ms of recorded time.
const SEEK_MS: u64 = 5000;

/// How often a playing replay moves on.
pub const FRAME: Duration = Duration::from_millis(50);

pub struct ReplayPlayer {
    pub journal: Journal,
    /// How many entries are applied.
    pub pos: usize,
    pub playing: bool,
    pub speed: f64,
    /// Recorded time reached, in ms.
    pub clock: f64,
    /// Indices of the `StepStarted` entries.
    markers: Vec<usize>,
}

impl ReplayPlayer {
    pub fn new(journal: Journal) -> Self {
        let markers = journal
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.event, Event::StepStarted { .. }))
            .map(|(i, _)| i)
            .collect();
        ReplayPlayer {
            journal,
            pos: 0,
            playing: true,
            speed: 1.0,
            clock: 0.0,
            markers,
        }
    }

    /// Opens the recorded lesson in `app` (which must hold it) with nothing applied.
    pub fn open(&mut self, app: &mut App) -> Result<()> {
        let id = &self.journal.header.lesson;
        let i = app
            .lessons
            .iter()
            .position(|l| l.id() == id)
            .with_context(|| format!("the recording is of lesson {id:?}, which is not here"))?;
        app.open_lesson(i);
        if let Some(ls) = app.lesson.as_mut() {
            ls.step = 0;
        }
        self.pos = 0;
        self.clock = 0.0;
        Ok(())
    }

    fn apply(&mut self, app: &mut App, upto: usize) {
        let upto = upto.min(self.journal.entries.len());
        while self.pos < upto {
            let e = self.journal.entries[self.pos].event.clone();
            self.clock = self.journal.entries[self.pos].t as f64;
            self.pos += 1;
            let follow = match &e {
                Event::StepStarted { index, .. } => Some(*index),
                _ => None,
            };
            update(app, Msg::Event(e));
            if let (Some(i), Some(ls)) = (follow, app.lesson.as_mut()) {
                ls.step = i;
                ls.prose_scroll = 0;
            }
        }
        app.dirty = true;
    }

    /// Shows the state after the first `target` entries.
    pub fn seek(&mut self, app: &mut App, target: usize) {
        if target < self.pos {
            let focus = app.focus;
            let panel = app.panel;
            if let Some(i) = app.lesson.as_ref().map(|l| l.index) {
                app.open_lesson(i);
            }
            app.focus = focus;
            app.panel = panel;
            if let Some(ls) = app.lesson.as_mut() {
                ls.step = 0;
            }
            self.pos = 0;
            self.clock = 0.0;
        }
        self.apply(app, target);
    }

    /// Plays `ms` of wall time at the current speed.
    pub fn advance(&mut self, app: &mut App, ms: f64) {
        if !self.playing {
            return;
        }
        self.clock += ms * self.speed;
        let upto = self
            .journal
            .entries
            .iter()
            .skip(self.pos)
            .take_while(|e| e.t as f64 <= self.clock)
            .count();
        self.apply(app, self.pos + upto);
        if self.at_end() {
            self.playing = false;
        }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.journal.entries.len()
    }

    pub fn total_ms(&self) -> u64 {
        self.journal.entries.last().map_or(0, |e| e.t)
    }

    /// Next step marker: the state just after the next `StepStarted`.
    pub fn next_step(&mut self, app: &mut App) {
        let target = self
            .markers
            .iter()
            .map(|m| m + 1)
            .find(|m| *m > self.pos)
            .unwrap_or(self.journal.entries.len());
        self.seek(app, target);
    }

    /// Previous step marker (the start of the step being shown, if it is under way).
    pub fn prev_step(&mut self, app: &mut App) {
        let target = self
            .markers
            .iter()
            .map(|m| m + 1)
            .rev()
            .find(|m| *m < self.pos)
            .unwrap_or(0);
        self.seek(app, target);
    }

    /// Seeks to recorded time `ms`.
    pub fn seek_ms(&mut self, app: &mut App, ms: u64) {
        let target = self
            .journal
            .entries
            .iter()
            .take_while(|e| e.t <= ms)
            .count();
        self.seek(app, target);
        self.clock = ms as f64;
    }

    /// Handles a replay key; false when the key is the app's (panes, scrolling, help).
    pub fn key(&mut self, app: &mut App, k: &KeyEvent) -> bool {
        if k.kind == KeyEventKind::Release || app.overlay != super::state::Overlay::None {
            return false;
        }
        match k.code {
            KeyCode::Char(' ') => {
                if self.at_end() {
                    self.seek(app, 0);
                }
                self.playing = !self.playing;
            }
            KeyCode::Char('n') | KeyCode::Right => self.next_step(app),
            KeyCode::Char('p') | KeyCode::Left => self.prev_step(app),
            KeyCode::Char(']') => {
                let to = self.clock as u64 + SEEK_MS;
                self.seek_ms(app, to);
            }
            KeyCode::Char('[') => {
                let to = (self.clock as u64).saturating_sub(SEEK_MS);
                self.seek_ms(app, to);
            }
            KeyCode::Char('+') | KeyCode::Char('=') => self.speed = (self.speed * 2.0).min(64.0),
            KeyCode::Char('-') => self.speed = (self.speed / 2.0).max(0.125),
            KeyCode::Char('g') | KeyCode::Home => self.seek(app, 0),
            KeyCode::Char('G') | KeyCode::End => {
                let n = self.journal.entries.len();
                self.seek(app, n);
            }
            // Nothing runs in a replay: running, hints' solutions and resets do not apply.
            KeyCode::Enter | KeyCode::Char('s') | KeyCode::Char('r') => {}
            KeyCode::Esc => {
                app.done = true;
            }
            _ => return false,
        }
        app.dirty = true;
        true
    }

    /// The status line: play state, speed, time, and where a damaged file stopped.
    pub fn status(&self, lang: crate::i18n::Lang) -> String {
        let state = if self.at_end() {
            "■"
        } else if self.playing {
            "▶"
        } else {
            "❚❚"
        };
        let t = |ms: u64| format!("{:02}:{:02}", ms / 60_000, ms / 1000 % 60);
        let mut s = format!(
            "{state} {}× {}/{}",
            self.speed,
            t(self.clock as u64),
            t(self.total_ms())
        );
        s.push_str(" · ");
        s.push_str(&crate::tr!(lang, "tui-replay-keys"));
        if self.at_end()
            && let Some(d) = &self.journal.damage
        {
            s = format!(
                "{state} {}",
                crate::tr!(lang, "tui-replay-stopped", damage = d.as_str())
            );
        }
        s
    }
}

/// Options for a replay app.
pub fn options(lang: String) -> Options {
    Options {
        mode: Mode::Replay,
        lang,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        reading_reason: None,
    }
}

/// `contlab replay FILE`: the lab in replay mode, in the terminal.
pub fn run(mut app: App, journal: Journal) -> Result<()> {
    use ratatui::Terminal;
    let mut player = ReplayPlayer::new(journal);
    player.open(&mut app)?;
    let guard = super::terminal::TerminalGuard::enter()?;
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut term = Terminal::new(backend).context("cannot use the terminal")?;
    if let Ok(s) = term.size() {
        update(&mut app, Msg::Resize(s.width, s.height));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    super::spawn_input(tx)?;
    let mut last = Instant::now();
    let res = (|| -> Result<()> {
        loop {
            app.message = Some(player.status(app.language()));
            super::draw(&mut term, &mut app)?;
            let wait = if player.playing {
                FRAME
            } else {
                Duration::from_secs(3600)
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Key(k)) => {
                    if !player.key(&mut app, &k) {
                        update(&mut app, Msg::Key(k));
                    }
                }
                Ok(m) => {
                    update(&mut app, m);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(_) => break,
            }
            let now = Instant::now();
            player.advance(&mut app, (now - last).as_secs_f64() * 1000.0);
            last = now;
            if app.done || app.quitting {
                break;
            }
        }
        Ok(())
    })();
    drop(guard);
    res
}

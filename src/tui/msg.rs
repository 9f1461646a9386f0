//! The messages that reach the app (keys, engine events, timer ticks) and the effects it
//! asks its runner to carry out. The app's state changes only through messages, so a
//! test or a replay can drive it with a list of them.

use crate::lesson::event::Event;
use crate::lesson::format::RbacAsk;
use crossterm::event::KeyEvent;

/// Something happened.
#[derive(Clone, Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal now has this size (columns, rows).
    Resize(u16, u16),
    /// One event of the lesson's event stream (live engine or, later, a replay).
    Event(Event),
    /// The panel timer (about 4 Hz) while a lesson runs live.
    Tick,
    /// The syntax definitions finished loading: code blocks can be highlighted now.
    SyntaxReady,
    /// The lab's runner could not do what it was asked (start the engine, save the
    /// progress), in one sentence. What the engine cannot do arrives as `Event::Notice`.
    Notice(String),
    /// The engine has torn everything down and stopped.
    EngineStopped,
}

impl Msg {
    /// The lesson event this message carries, if it carries one.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Msg::Event(e) => Some(e),
            _ => None,
        }
    }
}

/// A command for the lesson engine's thread.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineCmd {
    /// Start step `i`: its action; for a run step its checks; for a task, the shell.
    Run(usize),
    /// Re-check an open task.
    Recheck(usize),
    /// Run a task's reference solution, then check it.
    Solution(usize),
    /// Answer a quiz.
    Answer(usize, String),
    /// Mark a reading step done.
    Read(usize),
    /// Sample the panels.
    Sample,
    /// Ask the RBAC policy the request composed in the Cluster panel's request builder.
    RbacReview(RbacAsk),
    ShellInput(Vec<u8>),
    /// Rows and columns of the shell pane.
    ShellResize(u16, u16),
    /// One of the Cluster panel's controls, for the Raft track's simulated cluster.
    Raft(crate::raft::Control),
    /// Speak this language from now on (the lab's language key): new check lines and
    /// notices follow it.
    Lang(crate::i18n::Lang),
    /// Tear everything down and start the lesson afresh.
    Reset,
    /// Tear everything down and stop.
    Quit,
}

/// What the app asks its runner to do; the app itself never touches the outside.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Start a live engine for the lesson with this id.
    StartEngine(String),
    /// Without live mode: replay the recorded real run of the lesson with this id.
    Replay(String),
    Engine(EngineCmd),
    /// Start or stop the panel timer.
    Ticking(bool),
    /// Persist the progress.
    SaveProgress,
    /// Leave the app (after the engine has stopped).
    Exit,
}

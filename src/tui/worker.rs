//! The workers that feed the app: the lesson's session on its own thread (taking
//! `EngineCmd`s, its events forwarded as messages), and the panel timer. The step policy
//! lives in `lesson::session`; this file only carries commands and events.

use super::msg::{EngineCmd, Msg};
use crate::lesson::event::Event;
use crate::lesson::load::Lesson;
use crate::lesson::session::Session;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

/// The engine's thread and the way to command it.
pub struct EngineHandle {
    tx: Sender<EngineCmd>,
    thread: Option<JoinHandle<()>>,
}

impl EngineHandle {
    /// Starts an engine for `lesson`; its events (notices among them) go to `app`.
    pub fn spawn(lesson: Lesson, app: Sender<Msg>, shell: (u16, u16)) -> anyhow::Result<Self> {
        let (tx, rx) = channel::<EngineCmd>();
        let thread = std::thread::Builder::new()
            .name("contlab-engine".into())
            .spawn(move || {
                let mut session = Session::new(lesson, forward(app.clone()), shell);
                for cmd in rx {
                    if cmd == EngineCmd::Quit {
                        break;
                    }
                    handle(&mut session, cmd);
                }
                session.teardown();
                drop(session);
                let _ = app.send(Msg::EngineStopped);
            })?;
        Ok(EngineHandle {
            tx,
            thread: Some(thread),
        })
    }

    pub fn send(&self, cmd: EngineCmd) {
        let _ = self.tx.send(cmd);
    }

    /// Waits until the engine has torn everything down (after `Quit`).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The engine speaks events; the app listens to messages.
fn forward(app: Sender<Msg>) -> Sender<Event> {
    let (events, rx) = channel::<Event>();
    let _ = std::thread::Builder::new()
        .name("contlab-events".into())
        .spawn(move || {
            for e in rx {
                if app.send(Msg::Event(e)).is_err() {
                    break;
                }
            }
        });
    events
}

/// Hands one command to the lesson's session.
fn handle(session: &mut Session, cmd: EngineCmd) {
    match cmd {
        EngineCmd::Run(i) => session.run(i),
        EngineCmd::Recheck(i) => session.recheck(i),
        EngineCmd::Solution(i) => session.solution(i),
        EngineCmd::Answer(i, choice) => session.answer(i, &choice),
        EngineCmd::Read(i) => session.read(i),
        EngineCmd::Sample => session.sample(),
        EngineCmd::Raft(c) => session.raft_control(c),
        EngineCmd::RbacReview(ask) => session.rbac_review(ask),
        EngineCmd::ShellInput(bytes) => session.shell_input(&bytes),
        EngineCmd::ShellResize(rows, cols) => session.shell_resize(rows, cols),
        EngineCmd::Lang(lang) => session.set_lang(lang),
        EngineCmd::Reset => session.reset(),
        EngineCmd::Quit => {}
    }
}

/// The panel timer: a `Tick` every 250 ms while on, and parked (no wake-ups) while off.
pub struct Ticker {
    on: Arc<AtomicBool>,
    thread: std::thread::Thread,
}

impl Ticker {
    pub fn spawn(app: Sender<Msg>) -> anyhow::Result<Self> {
        Self::every(app, Duration::from_millis(250))
    }

    /// A timer with another period (a replay's frames).
    pub fn every(app: Sender<Msg>, period: Duration) -> anyhow::Result<Self> {
        let on = Arc::new(AtomicBool::new(false));
        let flag = on.clone();
        let handle = std::thread::Builder::new()
            .name("contlab-ticker".into())
            .spawn(move || {
                loop {
                    if !flag.load(Ordering::Acquire) {
                        std::thread::park();
                        continue;
                    }
                    std::thread::sleep(period);
                    if flag.load(Ordering::Acquire) && app.send(Msg::Tick).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Ticker {
            on,
            thread: handle.thread().clone(),
        })
    }

    pub fn set(&self, on: bool) {
        self.on.store(on, Ordering::Release);
        if on {
            self.thread.unpark();
        }
    }
}

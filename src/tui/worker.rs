//! The workers that feed the app: the lesson engine on its own thread (taking
//! `EngineCmd`s, its events forwarded as messages), and the panel timer.

use super::msg::{EngineCmd, Msg};
use crate::lesson::engine::Engine;
use crate::lesson::event::{CheckResult, Event, StepStatus};
use crate::lesson::format::{StepKind, main_container};
use crate::lesson::load::Lesson;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The engine's thread and the way to command it.
pub struct EngineHandle {
    tx: Sender<EngineCmd>,
    thread: Option<JoinHandle<()>>,
}

impl EngineHandle {
    /// Starts an engine for `lesson`; its events and notices go to `app`.
    pub fn spawn(lesson: Lesson, app: Sender<Msg>, shell: (u16, u16)) -> anyhow::Result<Self> {
        let (tx, rx) = channel::<EngineCmd>();
        let thread = std::thread::Builder::new()
            .name("contlab-engine".into())
            .spawn(move || {
                let mut w = Worker::new(lesson, app.clone(), shell);
                for cmd in rx {
                    if cmd == EngineCmd::Quit {
                        break;
                    }
                    w.handle(cmd);
                }
                w.engine.teardown();
                drop(w);
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

struct Worker {
    lesson: Lesson,
    engine: Engine,
    events: Sender<Event>,
    app: Sender<Msg>,
    shell: (u16, u16),
    /// Tasks started and not yet passed, with when they started.
    open_tasks: BTreeMap<usize, Instant>,
}

fn status(results: &[CheckResult]) -> StepStatus {
    if results.iter().all(|r| r.pass) {
        StepStatus::Pass
    } else {
        StepStatus::Fail
    }
}

impl Worker {
    fn new(lesson: Lesson, app: Sender<Msg>, shell: (u16, u16)) -> Self {
        let (events, rx) = channel::<Event>();
        let fwd = app.clone();
        // The engine speaks events; the app listens to messages.
        let _ = std::thread::Builder::new()
            .name("contlab-events".into())
            .spawn(move || {
                for e in rx {
                    if fwd.send(Msg::Event(e)).is_err() {
                        break;
                    }
                }
            });
        let engine = Engine::new(lesson.clone(), events.clone());
        Worker {
            lesson,
            engine,
            events,
            app,
            shell,
            open_tasks: BTreeMap::new(),
        }
    }

    fn kind(&self, i: usize) -> StepKind {
        self.lesson
            .file
            .steps
            .get(i)
            .map(|s| s.kind)
            .unwrap_or_default()
    }

    /// Reports a failed action the way the headless runner does: as a failing check.
    fn failed(&self, e: anyhow::Error) -> Vec<CheckResult> {
        let r = CheckResult {
            check: "action".into(),
            pass: false,
            sentence: format!("the step's action failed: {e:#}"),
        };
        let _ = self.events.send(Event::Check(r.clone()));
        vec![r]
    }

    fn notice(&self, s: String) {
        let _ = self.app.send(Msg::Notice(s));
    }

    /// Keeps a shell open in the main container while it runs.
    fn ensure_shell(&mut self) {
        let main = main_container();
        if self.engine.container(&main).is_none() {
            self.engine.close_shell();
            return;
        }
        if !self.engine.shell_alive()
            && let Err(e) = self.engine.open_shell(&main, self.shell.0, self.shell.1)
        {
            self.notice(format!("cannot open the shell: {e:#}"));
        }
    }

    fn finish(&mut self, i: usize, results: &[CheckResult], started: Instant) {
        self.open_tasks.remove(&i);
        self.engine
            .end_step(i, status(results), started.elapsed().as_millis() as u64);
    }

    fn handle(&mut self, cmd: EngineCmd) {
        match cmd {
            EngineCmd::Run(i) => {
                let t = Instant::now();
                self.engine.begin_step(i);
                let results = match self.engine.run_action(i) {
                    Err(e) => self.failed(e),
                    Ok(()) => {
                        self.ensure_shell();
                        self.engine.check(i)
                    }
                };
                let action_failed = results.iter().any(|r| r.check == "action");
                if self.kind(i) == StepKind::Task
                    && !action_failed
                    && status(&results) == StepStatus::Fail
                {
                    // The student works on it in the shell; re-checks end it.
                    self.open_tasks.insert(i, t);
                } else {
                    self.finish(i, &results, t);
                }
            }
            EngineCmd::Recheck(i) => {
                if let Some(&t) = self.open_tasks.get(&i) {
                    let results = self.engine.check(i);
                    if status(&results) == StepStatus::Pass {
                        self.finish(i, &results, t);
                    }
                }
            }
            EngineCmd::Solution(i) => {
                let t = match self.open_tasks.get(&i) {
                    Some(&t) => t,
                    None => {
                        let t = Instant::now();
                        self.engine.begin_step(i);
                        if let Err(e) = self.engine.run_action(i) {
                            let r = self.failed(e);
                            self.finish(i, &r, t);
                            return;
                        }
                        self.ensure_shell();
                        t
                    }
                };
                let results = match self.engine.apply_solution(i) {
                    Err(e) => self.failed(e),
                    Ok(()) => self.engine.check(i),
                };
                self.finish(i, &results, t);
            }
            EngineCmd::Answer(i, choice) => {
                let t = Instant::now();
                self.engine.begin_step(i);
                self.engine.answer(i, &choice);
                let results = self.engine.check(i);
                self.finish(i, &results, t);
            }
            EngineCmd::Read(i) => {
                let t = Instant::now();
                self.engine.begin_step(i);
                self.finish(i, &[], t);
            }
            EngineCmd::Sample => {
                if let Err(e) = self.engine.raft_advance() {
                    self.notice(format!("{e:#}"));
                }
                self.engine.sample_panels();
            }
            EngineCmd::Raft(c) => {
                if let Err(e) = self.engine.raft_control(c) {
                    self.notice(format!("{e:#}"));
                }
            }
            EngineCmd::RbacReview(ask) => {
                if let Err(e) = self.engine.rbac_review(ask) {
                    self.notice(format!("{e:#}"));
                }
            }
            EngineCmd::ShellInput(bytes) => {
                if !self.engine.shell_alive() {
                    // The student typed `exit`: a key brings a fresh shell.
                    self.ensure_shell();
                }
                if let Err(e) = self.engine.shell_input(&bytes) {
                    self.notice(format!("{e:#}"));
                }
            }
            EngineCmd::ShellResize(rows, cols) => {
                self.shell = (rows, cols);
                if let Err(e) = self.engine.shell_resize(rows, cols) {
                    tracing::warn!("{e:#}");
                }
            }
            EngineCmd::Reset => {
                self.open_tasks.clear();
                self.engine.teardown();
                self.engine = Engine::new(self.lesson.clone(), self.events.clone());
            }
            EngineCmd::Quit => {}
        }
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

//! A lesson taken step by step by a student (the lab's engine thread drives one): the
//! step policy that says when a step starts, passes, fails or stays open. A failed action
//! is a failing check, as in the headless runner ([`Engine::run_step_headless`]); a task
//! whose checks fail stays open while the student works in the shell, and a re-check that
//! passes ends it. What cannot be done outside a step goes out as `Event::Notice`.

use super::engine::Engine;
use super::event::{CheckResult, Event, StepStatus};
use super::format::{RbacAsk, ShellSide, StepKind, main_container};
use super::load::Lesson;
use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::time::Instant;

pub struct Session {
    lesson: Lesson,
    engine: Engine,
    events: Sender<Event>,
    /// Rows and columns of the shell pane.
    shell: (u16, u16),
    /// Where the last started step wants its shell.
    side: ShellSide,
    /// Tasks started and not yet passed, with when they started.
    open_tasks: BTreeMap<usize, Instant>,
}

impl Session {
    /// A session of `lesson`, its events sent to `events`, its shell `shell` (rows,
    /// columns) large.
    pub fn new(lesson: Lesson, events: Sender<Event>, shell: (u16, u16)) -> Self {
        let engine = Engine::new(lesson.clone(), events.clone());
        Session {
            lesson,
            engine,
            events,
            shell,
            side: ShellSide::Container,
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

    /// The shell side of step `i`: where its shell pane runs.
    fn side(&self, i: usize) -> ShellSide {
        self.lesson
            .file
            .steps
            .get(i)
            .map(|s| s.shell)
            .unwrap_or_default()
    }

    /// Keeps a shell open: on the host for a step that asks for it, else in the main
    /// container while it runs.
    fn ensure_shell(&mut self) {
        if self.side == ShellSide::Host {
            let open = self.engine.shell_alive() && self.engine.shell_side() == ShellSide::Host;
            if !open && let Err(e) = self.engine.open_host_shell(self.shell.0, self.shell.1) {
                let lang = self.engine.lang();
                let error = crate::i18n::render(lang, &e);
                self.engine
                    .notice(crate::tr!(lang, "notice-shell-failed", error = error));
            }
            return;
        }
        if self.engine.shell_side() == ShellSide::Host {
            self.engine.close_shell();
        }
        let main = main_container();
        if self.engine.container(&main).is_none() {
            self.engine.close_shell();
            return;
        }
        if !self.engine.shell_alive()
            && let Err(e) = self.engine.open_shell(&main, self.shell.0, self.shell.1)
        {
            let lang = self.engine.lang();
            let error = crate::i18n::render(lang, &e);
            self.engine
                .notice(crate::tr!(lang, "notice-shell-failed", error = error));
        }
    }

    fn finish(&mut self, i: usize, results: &[CheckResult], started: Instant) {
        self.open_tasks.remove(&i);
        self.engine.end_step(
            i,
            StepStatus::of(results),
            started.elapsed().as_millis() as u64,
        );
    }

    /// Starts step `i`: its action, then its checks; a task that does not pass yet stays
    /// open, with the shell, until a re-check passes.
    pub fn run(&mut self, i: usize) {
        let t = Instant::now();
        self.side = self.side(i);
        self.engine.begin_step(i);
        let (results, action_failed) = match self.engine.run_action(i) {
            Err(e) => (self.engine.action_failed(&e), true),
            Ok(()) => {
                self.ensure_shell();
                (self.engine.check(i), false)
            }
        };
        if self.kind(i) == StepKind::Task
            && !action_failed
            && StepStatus::of(&results) == StepStatus::Fail
        {
            self.open_tasks.insert(i, t);
        } else {
            self.finish(i, &results, t);
        }
    }

    /// Re-checks an open task; it ends when its checks pass.
    pub fn recheck(&mut self, i: usize) {
        if let Some(&t) = self.open_tasks.get(&i) {
            let results = self.engine.check(i);
            if StepStatus::of(&results) == StepStatus::Pass {
                self.finish(i, &results, t);
            }
        }
    }

    /// Runs a task's reference solution (starting the step first if it is not open),
    /// then checks it; the step ends either way.
    pub fn solution(&mut self, i: usize) {
        let t = match self.open_tasks.get(&i) {
            Some(&t) => t,
            None => {
                let t = Instant::now();
                self.side = self.side(i);
                self.engine.begin_step(i);
                if let Err(e) = self.engine.run_action(i) {
                    let r = self.engine.action_failed(&e);
                    self.finish(i, &r, t);
                    return;
                }
                self.ensure_shell();
                t
            }
        };
        let results = match self.engine.apply_solution(i) {
            Err(e) => self.engine.action_failed(&e),
            Ok(()) => self.engine.check(i),
        };
        self.finish(i, &results, t);
    }

    /// Answers quiz `i` with `choice`, and checks the answer.
    pub fn answer(&mut self, i: usize, choice: &str) {
        let t = Instant::now();
        self.engine.begin_step(i);
        self.engine.answer(i, choice);
        let results = self.engine.check(i);
        self.finish(i, &results, t);
    }

    /// Marks reading step `i` done.
    pub fn read(&mut self, i: usize) {
        let t = Instant::now();
        self.engine.begin_step(i);
        self.finish(i, &[], t);
    }

    /// The panel timer's sample: runs a playing cluster's due ticks, then the panels.
    pub fn sample(&mut self) {
        if let Err(e) = self.engine.raft_advance() {
            self.notice_error(&e);
        }
        self.engine.sample_panels();
    }

    /// One of the Cluster panel's controls for the simulated Raft cluster.
    pub fn raft_control(&mut self, c: crate::raft::Control) {
        if let Err(e) = self.engine.raft_control(c) {
            self.notice_error(&e);
        }
    }

    /// The request composed in the RBAC request builder.
    pub fn rbac_review(&mut self, ask: RbacAsk) {
        if let Err(e) = self.engine.rbac_review(ask) {
            self.notice_error(&e);
        }
    }

    /// Keystrokes for the shell; after the student's `exit`, a key brings a fresh one.
    pub fn shell_input(&mut self, bytes: &[u8]) {
        if !self.engine.shell_alive() {
            self.ensure_shell();
        }
        if let Err(e) = self.engine.shell_input(bytes) {
            self.notice_error(&e);
        }
    }

    /// The shell pane's new size.
    pub fn shell_resize(&mut self, rows: u16, cols: u16) {
        self.shell = (rows, cols);
        if let Err(e) = self.engine.shell_resize(rows, cols) {
            tracing::warn!("{e:#}");
        }
    }

    /// Tears everything down and starts the lesson afresh.
    pub fn reset(&mut self) {
        self.open_tasks.clear();
        self.engine.teardown();
        let lang = self.engine.lang();
        self.engine = Engine::new(self.lesson.clone(), self.events.clone());
        self.engine.set_lang(lang);
    }

    /// What the engine could not do, as a notice in the lesson's language.
    fn notice_error(&self, e: &anyhow::Error) {
        let lang = self.engine.lang();
        let error = crate::i18n::render(lang, e);
        self.engine
            .notice(crate::tr!(lang, "notice-error", error = error));
    }

    /// Speaks `lang` from now on: checks and notices after this (the lab's language key).
    pub fn set_lang(&mut self, lang: crate::i18n::Lang) {
        self.engine.set_lang(lang);
    }

    /// Tears everything down.
    pub fn teardown(&mut self) {
        self.engine.teardown();
    }
}

//! The headless runner (`contlab run`, `contlab lesson lint`): drives the engine through
//! every step and prints from the engine's event stream, like any other consumer.

use super::engine::Engine;
use super::event::{CheckResult, Event, StepStatus};
use super::load::Lesson;
use serde::Serialize;
use std::io::Write;

/// One line of `contlab run --json`.
#[derive(Clone, Debug, Serialize)]
pub struct StepRecord {
    pub lesson: String,
    pub step: String,
    pub title: String,
    pub status: StepStatus,
    pub checks: Vec<CheckResult>,
    pub duration_ms: u64,
}

/// Turns events into ✓/✗ lines or JSON records.
pub struct Printer<'a, W: Write> {
    out: W,
    json: bool,
    color: bool,
    lesson: &'a Lesson,
    lang: &'a str,
    checks: Vec<CheckResult>,
    pub records: Vec<StepRecord>,
}

impl<'a, W: Write> Printer<'a, W> {
    pub fn new(out: W, json: bool, color: bool, lesson: &'a Lesson, lang: &'a str) -> Self {
        Printer {
            out,
            json,
            color,
            lesson,
            lang,
            checks: Vec::new(),
            records: Vec::new(),
        }
    }

    /// The writer the printer prints to.
    pub fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    fn title(&self, step: &str) -> String {
        self.lesson
            .text(self.lang)
            .and_then(|t| t.steps.get(step))
            .map(|s| s.title.clone())
            .unwrap_or_default()
    }

    fn mark(&self, pass: bool) -> String {
        match (pass, self.color) {
            (true, true) => "\x1b[32m✓\x1b[0m".into(),
            (false, true) => "\x1b[31m✗\x1b[0m".into(),
            (true, false) => "✓".into(),
            (false, false) => "✗".into(),
        }
    }

    pub fn header(&mut self) {
        if !self.json {
            let title = self
                .lesson
                .text(self.lang)
                .map(|t| t.title.clone())
                .unwrap_or_default();
            let _ = writeln!(self.out, "{} — {}", self.lesson.id(), title);
        }
    }

    pub fn on_event(&mut self, e: &Event) {
        match e {
            Event::StepStarted { .. } => self.checks.clear(),
            Event::Check(c) => self.checks.push(c.clone()),
            Event::StepFinished {
                lesson,
                step,
                status,
                duration_ms,
            } => {
                let rec = StepRecord {
                    lesson: lesson.clone(),
                    step: step.clone(),
                    title: self.title(step),
                    status: *status,
                    checks: std::mem::take(&mut self.checks),
                    duration_ms: *duration_ms,
                };
                if self.json {
                    if let Ok(line) = serde_json::to_string(&rec) {
                        let _ = writeln!(self.out, "{line}");
                    }
                } else {
                    let pass = rec.status == StepStatus::Pass;
                    let _ = writeln!(
                        self.out,
                        "  {} {:<24} {} ({} ms)",
                        self.mark(pass),
                        rec.step,
                        rec.title,
                        rec.duration_ms
                    );
                    for c in &rec.checks {
                        let _ = writeln!(self.out, "      {} {}", self.mark(c.pass), c.sentence);
                    }
                }
                self.records.push(rec);
            }
            Event::Notice { message } if !self.json => {
                let _ = writeln!(self.out, "  ! {message}");
            }
            _ => {}
        }
    }
}

/// Runs every step of `lesson` headless; returns the per-step records.
pub fn run_lesson<W: Write>(
    lesson: &Lesson,
    lang: &str,
    json: bool,
    color: bool,
    out: W,
) -> Vec<StepRecord> {
    run_lesson_observed(lesson, lang, json, color, out, &mut |_| {})
}

/// [`run_lesson`], showing every event to `observe` (the recorder) before printing it.
pub fn run_lesson_observed<W: Write>(
    lesson: &Lesson,
    lang: &str,
    json: bool,
    color: bool,
    out: W,
    observe: &mut dyn FnMut(&Event),
) -> Vec<StepRecord> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut engine = Engine::new(lesson.clone(), tx);
    engine.set_lang(crate::i18n::Lang::from_code(lang).unwrap_or_default());
    let mut printer = Printer::new(out, json, color, lesson, lang);
    printer.header();
    for i in 0..lesson.file.steps.len() {
        engine.run_step_headless(i);
        for e in rx.try_iter() {
            observe(&e);
            printer.on_event(&e);
        }
    }
    engine.teardown();
    for e in rx.try_iter() {
        observe(&e);
        printer.on_event(&e);
    }
    printer.records
}

/// A task whose checks do not fail before its solution, or do not pass after it.
#[derive(Clone, Debug)]
pub struct LintProblem {
    pub lesson: String,
    pub step: String,
    pub message: String,
}

/// Reverse validation: each task's checks fail on its start state and pass after its
/// reference solution; every other step passes.
pub fn reverse_validate(lesson: &Lesson) -> Vec<LintProblem> {
    use super::format::StepKind;
    let (tx, _rx) = std::sync::mpsc::channel();
    let mut engine = Engine::new(lesson.clone(), tx);
    let mut problems = Vec::new();
    let mut problem = |step: &str, message: String| {
        problems.push(LintProblem {
            lesson: lesson.id().to_string(),
            step: step.to_string(),
            message,
        })
    };
    for (i, step) in lesson.file.steps.iter().enumerate() {
        let sid = step.id.get_ref().as_str();
        if step.kind == StepKind::Task && engine.missing_requirement(i).is_some() {
            // Nothing to validate on this machine: the task is skipped where it runs.
            continue;
        }
        if step.kind == StepKind::Task {
            if let Err(e) = engine.run_action(i) {
                problem(sid, format!("the action failed: {e:#}"));
                continue;
            }
            let before = engine.check(i);
            if before.iter().all(|c| c.pass) {
                problem(
                    sid,
                    "the task's checks already pass before the solution: the task asks nothing"
                        .into(),
                );
            }
            if let Err(e) = engine.apply_solution(i) {
                problem(sid, format!("the reference solution failed: {e:#}"));
                continue;
            }
            for c in engine.check(i).iter().filter(|c| !c.pass) {
                problem(
                    sid,
                    format!(
                        "after the reference solution, a check still fails: {}",
                        c.sentence
                    ),
                );
            }
        } else {
            let r = engine.run_step_headless(i);
            for c in r.checks.iter().filter(|c| !c.pass) {
                problem(sid, format!("the step fails: {}", c.sentence));
            }
        }
    }
    engine.teardown();
    problems
}
